# attrsets.nix — attribute-set functions (nixpkgs' lib/attrsets.nix
# semantics). Paths are lists of attribute names. Packages in cairn are
# Debian binary packages with a single output, so getBin/getLib/getOutput
# return the package unchanged.
lib:
let
  inherit (builtins)
    attrNames attrValues length elemAt listToAttrs mapAttrs isAttrs head
    filter concatMap zipAttrsWith foldl' all;

  nameValuePair = name: value: { inherit name value; };

  # Follows `attrPath` into `set`; `default` where a step is missing.
  attrByPath = attrPath: default: set:
    let
      len = length attrPath;
      go = n: s:
        if n == len then s
        else
          let a = elemAt attrPath n;
          in if s ? ${a} then go (n + 1) s.${a} else default;
    in
    go 0 set;

  isDerivation = v: isAttrs v && (v.type or null == "derivation" || v.type or null == "package");

  # Merges `rhs` into `lhs` recursively, descending while `pred path l r` is false.
  recursiveUpdateUntil = pred: lhs: rhs:
    let
      f = attrPath:
        zipAttrsWith (n: values:
          let here = attrPath ++ [ n ]; in
          if length values == 1 || pred here (elemAt values 1) (head values)
          then head values
          else f here values);
    in
    f [ ] [ rhs lhs ];
in
{
  inherit (builtins)
    attrNames attrValues catAttrs mapAttrs zipAttrsWith listToAttrs
    removeAttrs getAttr hasAttr intersectAttrs isAttrs;

  inherit nameValuePair attrByPath isDerivation recursiveUpdateUntil;

  hasAttrByPath = attrPath: e:
    let
      len = length attrPath;
      go = n: s:
        n == len || (let a = elemAt attrPath n; in s ? ${a} && go (n + 1) s.${a});
    in
    go 0 e;
  # { a.b = value; } from [ "a" "b" ].
  setAttrByPath = attrPath: value:
    let
      len = length attrPath;
      go = n: if n == len then value else { ${elemAt attrPath n} = go (n + 1); };
    in
    go 0;
  getAttrFromPath = attrPath: set:
    attrByPath attrPath (throw "cannot find attribute '${builtins.concatStringsSep "." attrPath}'") set;
  # The path as Nix would write it: a.b."c d".
  showAttrPath = path:
    if path == [ ] then "<root attribute path>"
    else builtins.concatStringsSep "." (map lib.escapeNixIdentifier path);

  attrVals = nameList: set: map (x: set.${x}) nameList;
  getAttrs = names: attrs: lib.genAttrs names (name: attrs.${name});
  attrsToList = set: map (name: nameValuePair name set.${name}) (attrNames set);

  filterAttrs = pred: set:
    removeAttrs set (filter (name: !pred name set.${name}) (attrNames set));
  # filterAttrs, also inside nested sets.
  filterAttrsRecursive = pred: set:
    listToAttrs (concatMap (name:
      let v = set.${name}; in
      if pred name v
      then [ (nameValuePair name (if isAttrs v then lib.filterAttrsRecursive pred v else v)) ]
      else [ ]) (attrNames set));

  # foldAttrs op nul [ sets ]: per name, foldr op nul over the values in list order.
  foldAttrs = op: nul: list: zipAttrsWith (_: vals: lib.foldr op nul vals) list;
  # foldlAttrs (acc: name: value: …) init set, names in sorted order.
  foldlAttrs = f: init: set: foldl' (acc: name: f acc name set.${name}) init (attrNames set);
  # Every nested value (not descending into matches) satisfying `pred`.
  collect = pred: attrs:
    if pred attrs then [ attrs ]
    else if isAttrs attrs then concatMap (lib.collect pred) (attrValues attrs)
    else [ ];

  "mapAttrs'" = f: set: listToAttrs (map (name: f name set.${name}) (attrNames set));
  mapAttrsToList = f: attrs: map (name: f name attrs.${name}) (attrNames attrs);
  # Union of `f name value` over the set (later names win).
  concatMapAttrs = f: v: foldl' (a: b: a // b) { } (attrValues (mapAttrs f v));
  mapAttrsRecursive = f: set: lib.mapAttrsRecursiveCond (_: true) f set;
  # f path value on the leaves; descends into sets for which `cond` holds.
  mapAttrsRecursiveCond = cond: f: set:
    let
      recurse = path: mapAttrs (name: value:
        if isAttrs value && cond value
        then recurse (path ++ [ name ]) value
        else f (path ++ [ name ]) value);
    in
    recurse [ ] set;
  genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);
  "genAttrs'" = xs: f: listToAttrs (map f xs);

  # Right wins; sets present on both sides are merged recursively.
  recursiveUpdate = lhs: rhs:
    recursiveUpdateUntil (_: l: r: !(isAttrs l && isAttrs r)) lhs rhs;
  zipAttrsWithNames = names: f: sets:
    listToAttrs (map (name: { inherit name; value = f name (builtins.catAttrs name sets); }) names);
  zipAttrs = zipAttrsWith (_: values: values);
  optionalAttrs = cond: as: if cond then as else { };
  # Whether `attrs` contains `pattern` (recursively for nested sets).
  matchAttrs = pattern: attrs:
    assert isAttrs pattern;
    all (n:
      attrs ? ${n} && (
        let pat = pattern.${n}; val = attrs.${n}; in
        if isAttrs pat then isAttrs val && lib.matchAttrs pat val else pat == val))
      (attrNames pattern);
  # `old` with the values of names also in `new` taken from `new`.
  overrideExisting = old: new: mapAttrs (name: value: new.${name} or value) old;
  # x // y, but a name in both is an error when used.
  unionOfDisjoint = x: y:
    let
      both = builtins.intersectAttrs x y;
      names = builtins.concatStringsSep ", " (attrNames both);
    in
    x // y // mapAttrs (name: _: throw "unionOfDisjoint: collision on ${name}; complete list: ${names}") both;
  recurseIntoAttrs = attrs: attrs // { recurseForDerivations = true; };
  dontRecurseIntoAttrs = attrs: attrs // { recurseForDerivations = false; };

  getOutput = _output: pkg: pkg;
  getBin = pkg: pkg;
  getLib = pkg: pkg;
  getDev = pkg: pkg;
  getMan = pkg: pkg;
  # "${pkg}/bin/<main program>": meta.mainProgram, else pname.
  getExe = pkg: "${pkg}/bin/${pkg.meta.mainProgram or pkg.pname or (lib.getName pkg)}";
  "getExe'" = pkg: exe: "${pkg}/bin/${exe}";
}
