# types.nix — `lib.types`: the option types (nixpkgs' lib/types.nix).
#
# Most types are native: a set { _type = "option-type"; _native = true;
# name; description; … } whose `name` and parameters the C++ module system
# checks and merges (table in builder/eval/CONTRACT.md). Their `check`, and
# for scalar types their `merge`, are also given here in Nix, so that
# modules can call `types.str.check x` or build their own types from them.
# Types without `_native` (mkOptionType, addCheck, unspecified,
# deferredModule) are checked and merged by calling `check` and `merge`.
#
# Descriptions follow nixpkgs word for word. `descriptionClass` says how a
# description composes: "noun" needs no parentheses inside "list of …",
# "conjunction" (x or y) needs them there but not after "null or",
# "composite" (list of x) needs them after "function that evaluates to".
lib:
let
  inherit (builtins)
    isInt isFloat isString isList isAttrs isBool isPath concatStringsSep elem
    length head tail toJSON;
  inherit (lib) isFunction mergeEqualOption mergeOneOption optionalAttrs;

  # t's description, in parentheses unless `unparenthesized t.descriptionClass`.
  phrase = unparenthesized: t:
    if unparenthesized (t.descriptionClass or null) then t.description else "(${t.description})";
  noun = c: c == "noun";
  nounOrComposite = c: c == "noun" || c == "composite";
  nounOrConjunction = c: c == "noun" || c == "conjunction";

  native = name: attrs: { _type = "option-type"; _native = true; inherit name; descriptionClass = null; } // attrs;

  # Integers, optionally bounded (min and max are left out when unbounded).
  mkInt = { min ? null, max ? null, description, descriptionClass ? "noun" }:
    native "int" ({
      inherit description descriptionClass;
      check = x: isInt x && (min == null || x >= min) && (max == null || x <= max);
      merge = mergeEqualOption;
    } // optionalAttrs (min != null) { inherit min; } // optionalAttrs (max != null) { inherit max; });

  betweenDesc = lo: hi: "${toString lo} and ${toString hi} (both inclusive)";
  between = lo: hi:
    assert lib.assertMsg (lo <= hi) "ints.between: lowest must be smaller than highest";
    mkInt { min = lo; max = hi; description = "integer between ${betweenDesc lo hi}"; };
  # n-bit integers: "8 bit unsigned integer; between 0 and 255 (both inclusive)".
  unsign = bits: range:
    mkInt { min = 0; max = range - 1; description = "${toString bits} bit unsigned integer; between ${betweenDesc 0 (range - 1)}"; };
  sign = bits: range:
    mkInt { min = 0 - range / 2; max = range / 2 - 1; description = "${toString bits} bit signed integer; between ${betweenDesc (0 - range / 2) (range / 2 - 1)}"; };

  ints = {
    inherit between;
    unsigned = mkInt { min = 0; description = "unsigned integer, meaning >=0"; descriptionClass = "nonRestrictiveClause"; };
    positive = mkInt { min = 1; description = "positive integer, meaning >0"; descriptionClass = "nonRestrictiveClause"; };
    u8 = unsign 8 256;
    u16 = unsign 16 65536;
    u32 = unsign 32 4294967296;
    s8 = sign 8 256;
    s16 = sign 16 65536;
    s32 = sign 32 4294967296;
  };

  str = native "str" { description = "string"; descriptionClass = "noun"; check = isString; merge = mergeEqualOption; };

  strMatching = pattern:
    assert lib.assertMsg (isString pattern) "types.strMatching: pattern must be a string";
    native "strMatching" {
      inherit pattern;
      description = "string matching the pattern ${pattern}";
      descriptionClass = "noun";
      check = x: isString x && builtins.match pattern x != null;
      merge = mergeEqualOption;
    };

  # Definitions joined with `sep`.
  separatedString = sep: native "separatedString" {
    inherit sep;
    description = if sep == "" then "Concatenated string" else "strings concatenated with ${toJSON sep}";
    descriptionClass = "noun";
    check = isString;
    merge = _loc: defs: concatStringsSep sep (map (d: d.value) defs);
  };

  enum = values:
    let
      show = v:
        if isString v then "\"${v}\""
        else if isInt v then toString v
        else if isBool v then lib.boolToString v
        else "<${builtins.typeOf v}>";
    in
    native "enum" {
      inherit values;
      description =
        if values == [ ] then "impossible (empty enum)"
        else if length values == 1 then "value ${show (head values)} (singular enum)"
        else "one of ${concatStringsSep ", " (map show values)}";
      descriptionClass = if length values < 2 then "noun" else "conjunction";
      check = x: elem x values;
      merge = mergeEqualOption;
    };

  nullOr = elemType: native "nullOr" {
    inherit elemType;
    description = "null or ${phrase nounOrConjunction elemType}";
    descriptionClass = "conjunction";
    check = x: x == null || elemType.check x;
    nestedTypes.elemType = elemType;
  };

  either = left: right: native "either" {
    inherit left right;
    description =
      if left.descriptionClass or null == "nonRestrictiveClause"
      then "${left.description}, or ${phrase nounOrConjunction right}"
      else "${phrase nounOrConjunction left} or ${phrase (c: nounOrConjunction c || c == "composite") right}";
    descriptionClass = "conjunction";
    check = x: left.check x || right.check x;
    nestedTypes = { inherit left right; };
  };

  # Values of `coercedType` are converted with `coerceFunc`, then must be
  # of `finalType`.
  coercedTo = coercedType: coerceFunc: finalType: native "coercedTo" {
    inherit coercedType coerceFunc finalType;
    description = "${phrase noun finalType} or ${phrase noun coercedType} convertible to it";
    check = x: (coercedType.check x && finalType.check (coerceFunc x)) || finalType.check x;
    nestedTypes = { inherit coercedType finalType; };
  };

  unique = { message }: elemType: native "unique" {
    inherit elemType message;
    inherit (elemType) description;
    descriptionClass = elemType.descriptionClass or null;
    check = elemType.check;
    nestedTypes.elemType = elemType;
  };

  # A list of modules evaluated for each value; `name` is passed to them
  # inside attrsOf.
  submoduleWith = { modules, specialArgs ? { }, shorthandOnlyDefinesConfig ? false, description ? null, class ? null }:
    native "submodule" {
      inherit modules specialArgs shorthandOnlyDefinesConfig class;
      description = if description == null then "submodule" else description;
      check = x: isAttrs x || isFunction x || isPath x;
    };

  # Module values, merged into one module importing every definition.
  deferredModule = lib.mkOptionType {
    name = "deferredModule";
    description = "module";
    descriptionClass = "noun";
    check = x: isAttrs x || isFunction x || isPath x;
    merge = loc: defs: {
      imports = map (def: lib.setDefaultModuleLocation "${def.file}, via option ${lib.showOption loc}" def.value) defs;
    };
  };

  # `elemType` with the extra condition `check`. Native types that this file
  # can merge in Nix become user types; for the others (listOf, attrsOf,
  # submodule, …) the extra check is only seen by callers of `.check`.
  addCheck = elemType: check:
    (if elemType ? merge then removeAttrs elemType [ "_native" ] else elemType)
    // { check = x: elemType.check x && check x; };
in
{
  inherit (lib) isType setType isOptionType mkOptionType;
  inherit ints str strMatching separatedString enum nullOr either coercedTo
    unique submoduleWith deferredModule addCheck;

  bool = native "bool" { description = "boolean"; descriptionClass = "noun"; check = isBool; merge = mergeEqualOption; };
  # A bool whose definitions are or-ed together.
  boolByOr = lib.mkOptionType {
    name = "boolByOr";
    description = "boolean (merged using or)";
    descriptionClass = "noun";
    check = isBool;
    merge = _loc: defs: builtins.any (d: d.value) defs;
  };
  int = mkInt { description = "signed integer"; };
  port = ints.u16;
  float = native "float" { description = "floating point number"; descriptionClass = "noun"; check = isFloat; merge = mergeEqualOption; };
  number = native "number" {
    description = "signed integer or floating point number";
    descriptionClass = "conjunction";
    check = x: isInt x || isFloat x;
    merge = mergeEqualOption;
  };

  nonEmptyStr = native "nonEmptyStr" {
    description = "non-empty string";
    descriptionClass = "noun";
    check = x: isString x && builtins.match "[ \t\n]*" x == null;
    merge = mergeEqualOption;
  };
  # One line, a trailing newline allowed (and removed). A user type, so that
  # messages cite this description and the newline is removed after merging.
  singleLineStr =
    let inner = strMatching "[^\n\r]*\n?"; in
    lib.mkOptionType {
      name = "singleLineStr";
      description = "(optionally newline-terminated) single-line string";
      descriptionClass = "noun";
      inherit (inner) check;
      merge = loc: defs: lib.removeSuffix "\n" (inner.merge loc defs);
    };
  lines = separatedString "\n";
  commas = separatedString ",";
  envVar = separatedString ":";
  # A string with no ":" or newline, for /etc/passwd fields.
  passwdEntry = entryType:
    addCheck entryType (s: !(lib.hasInfix ":" s || lib.hasInfix "\n" s)) // {
      description = "${phrase noun entryType}, not containing newlines or colons";
      descriptionClass = "nonRestrictiveClause";
    };

  path = native "path" {
    description = "path";
    descriptionClass = "noun";
    check = x: lib.isStringLike x && builtins.substring 0 1 (toString x) == "/";
    merge = mergeEqualOption;
  };
  package = native "package" { description = "package"; descriptionClass = "noun"; check = lib.isDerivation; merge = mergeOneOption; };
  attrs = native "attrs" {
    description = "attribute set";
    check = isAttrs;
    merge = _loc: defs: builtins.foldl' (a: d: a // d.value) { } defs;
  };
  anything = native "anything" { description = "anything"; descriptionClass = "noun"; check = _: true; };
  raw = native "raw" { description = "raw value"; descriptionClass = "noun"; check = _: true; merge = mergeOneOption; };
  unspecified = lib.mkOptionType { name = "unspecified"; description = "unspecified value"; descriptionClass = "noun"; };

  listOf = elemType: native "listOf" {
    inherit elemType;
    description = "list of ${phrase nounOrComposite elemType}";
    descriptionClass = "composite";
    check = isList;
    nestedTypes.elemType = elemType;
  };
  attrsOf = elemType: native "attrsOf" {
    inherit elemType;
    description = "attribute set of ${phrase nounOrComposite elemType}";
    descriptionClass = "composite";
    check = isAttrs;
    nestedTypes.elemType = elemType;
  };
  lazyAttrsOf = elemType: native "lazyAttrsOf" {
    inherit elemType;
    description = "lazy attribute set of ${phrase nounOrComposite elemType}";
    descriptionClass = "composite";
    check = isAttrs;
    nestedTypes.elemType = elemType;
  };
  # nixpkgs' newer spelling of attrsOf / lazyAttrsOf.
  attrsWith = { elemType, lazy ? false, placeholder ? "name" }:
    if lazy then lib.types.lazyAttrsOf elemType else lib.types.attrsOf elemType;
  functionTo = elemType: native "functionTo" {
    inherit elemType;
    description = "function that evaluates to a(n) ${phrase nounOrComposite elemType}";
    descriptionClass = "composite";
    check = isFunction;
    nestedTypes.elemType = elemType;
  };

  oneOf = ts:
    if ts == [ ] then throw "types.oneOf needs to get at least one type in its argument"
    else builtins.foldl' either (head ts) (tail ts);

  # Exactly one definition.
  uniq = elemType: native "uniq" {
    inherit elemType;
    inherit (elemType) description;
    descriptionClass = elemType.descriptionClass or null;
    check = elemType.check;
    nestedTypes.elemType = elemType;
  };

  # submodule m: submoduleWith { modules = [ m ]; } where a module without
  # `config`/`options` is all config.
  submodule = modules: submoduleWith {
    shorthandOnlyDefinesConfig = true;
    modules = lib.toList modules;
  };
}
