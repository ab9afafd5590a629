rec {
  name = "hello";
  version = "2.12";
  fullName = "${name}-${version}";
  nested.deeper.value = fullName;
}
