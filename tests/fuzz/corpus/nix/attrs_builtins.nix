let s = builtins.listToAttrs [ { name = "b"; value = 2; } { name = "a"; value = 1; } ]; in {
  names = builtins.attrNames s;
  values = builtins.attrValues s;
  doubled = builtins.mapAttrs (n: v: v * 2) s;
  removed = removeAttrs s [ "a" ];
  has = builtins.hasAttr "b" s;
  got = builtins.getAttr "a" s;
  cat = builtins.catAttrs "a" [ { a = 1; } { b = 2; } { a = 3; } ];
  inter = builtins.intersectAttrs { a = null; } s;
}
