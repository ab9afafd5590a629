# versions.nix — pieces of dotted version strings (nixpkgs' lib/versions.nix).
lib:
let
  inherit (builtins) splitVersion elemAt length concatStringsSep;
  component = n: v: elemAt (splitVersion v) n;
in
{
  inherit splitVersion;
  major = component 0;
  minor = component 1;
  patch = component 2;
  # "1.2" from "1.2.3".
  majorMinor = v: concatStringsSep "." (lib.take 2 (splitVersion v));
  # pad 3 "1.2" = "1.2.0"; longer versions are cut to n components.
  pad = n: version:
    let
      parts = splitVersion version;
      missing = n - length parts;
    in
    concatStringsSep "." (lib.take n parts ++ lib.replicate (lib.max 0 missing) "0");
}
