# fixedPoints.nix — fixed points and overlays (nixpkgs' lib/fixed-points.nix).
lib:
{
  # fix (self: { a = 1; b = self.a + 1; }) = { a = 1; b = 2; }
  fix = f: let x = f x; in x;
  # Like fix, also storing the function under __unfix__.
  "fix'" = f: let x = f x // { __unfix__ = f; }; in x;
  # Applies the overlay `f` (final: prev: …) to `rattrs` (self: …).
  extends = f: rattrs: self: let super = rattrs self; in super // f self super;
  composeExtensions = f: g: final: prev:
    let fApplied = f final prev; prev' = prev // fApplied;
    in fApplied // g final prev';
  composeManyExtensions = builtins.foldl' (a: b: lib.composeExtensions a b) (final: prev: { });
  # An overlay from a set, a function of prev, or an overlay.
  toExtension = f:
    if lib.isFunction f then
      final: prev:
        let fPrev = f prev; in
        if lib.isFunction fPrev then f final prev else fPrev
    else _: _: f;
  makeExtensible = lib.makeExtensibleWithCustomName "extend";
  makeExtensibleWithCustomName = extenderName: rattrs:
    lib."fix'" (self: rattrs self // {
      ${extenderName} = f: lib.makeExtensibleWithCustomName extenderName (lib.extends (lib.toExtension f) rattrs);
    });
}
