# String building: 200,000 generated strings (package-list-like entries)
# joined with concatStringsSep; prints the length of the result.
let
  names = builtins.genList (i: "pkg-${toString i}") 200000;
  text = builtins.concatStringsSep "\n" names;
in
builtins.stringLength text
