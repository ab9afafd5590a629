[
  (builtins.substring 1 3 "abcdef")
  (builtins.stringLength "hello")
  (builtins.replaceStrings [ "a" "b" ] [ "x" "yy" ] "abcab")
  (builtins.concatStringsSep ", " [ "one" "two" "three" ])
  (builtins.split "(,)" "a,b,c")
  (builtins.match "([a-z]+)-([0-9.]+)" "hello-2.12")
  (toString [ 1 "two" null true ])
]
