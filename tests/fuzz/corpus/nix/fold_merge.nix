let
  parts = builtins.genList (i: { "opt${toString i}" = { enable = i / 2 * 2 == i; value = i; }; }) 50;
  merged = builtins.foldl' (a: b: a // b) { } parts;
in builtins.length (builtins.attrNames (builtins.mapAttrs (n: v: v.enable) merged))
