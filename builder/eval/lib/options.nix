# options.nix — option declarations and the helpers around them (nixpkgs'
# lib/options.nix): mkOption and friends, documentation literals, option
# paths as text, and the merge functions user-defined types use (defs are
# [ { file; value; } ], as the module system passes them). Also the type
# tags (isType, setType, mkOptionType), which nixpkgs exports at the top of
# lib; the types themselves are in types.nix (lib.types).
lib:
let
  inherit (builtins) length head tail concatStringsSep all isList isAttrs isString isBool isInt;

  isType = type: x: (x._type or "") == type;

  showOption = parts:
    let
      part = p:
        if p == "*" || builtins.match "<(.*)>" p != null then p
        else lib.escapeNixIdentifier p;
    in
    concatStringsSep "." (map part parts);

  showFiles = files: concatStringsSep " and " (map (f: "`${f}'") files);

  # "\n- In `file': value" per definition, values pretty-printed, at most 5
  # lines each.
  showDefs = defs: concatStringsSep "" (map (def:
    let
      pretty = builtins.tryEval (lib.generators.toPretty { }
        (lib.generators.withRecursion { depthLimit = 10; throwOnDepthLimit = false; } def.value));
      lines = builtins.filter (l: !isList l) (builtins.split "\n" pretty.value);
      value = concatStringsSep "\n    " (lib.take 5 lines ++ lib.optional (length lines > 5) "...");
      shown =
        if !pretty.success then ""
        else if length lines > 1 then ":\n    " + value
        else ": " + value;
    in
    "\n- In `${def.file}'${shown}") defs);

  prioritySuggestion = ''
    Use `lib.mkForce value` or `lib.mkDefault value` to change the priority on any of these definitions.
  '';

  # Exactly one definition; `message` explains why, `merge` merges that one.
  mergeUniqueOption = { message, merge ? (_loc: defs: (head defs).value) }: loc: defs:
    if length defs == 1 then merge loc defs
    else throw "The option `${showOption loc}' is defined multiple times while it's expected to be unique.\n${message}\nDefinition values:${showDefs defs}\n${prioritySuggestion}";

  # The untyped merge: lists concatenate, sets update, bools or, strings
  # concatenate, functions merge their results; equal ints are kept.
  mergeDefaultOption = loc: defs:
    let list = map (d: d.value) defs; in
    if length list == 1 then head list
    else if all lib.isFunction list then x: mergeDefaultOption loc (map (f: f x) list)
    else if all isList list then builtins.concatLists list
    else if all isAttrs list then builtins.foldl' (a: b: a // b) { } list
    else if all isBool list then builtins.any (x: x) list
    else if all isString list then concatStringsSep "" list
    else if all isInt list && all (x: x == head list) list then head list
    else throw "Cannot merge definitions of `${showOption loc}'. Definition values:${showDefs defs}";
in
{
  inherit isType showOption showFiles showDefs prioritySuggestion mergeUniqueOption mergeDefaultOption;
  mergeOneOption = mergeUniqueOption { message = ""; };

  setType = typeName: value: value // { _type = typeName; };
  isOptionType = isType "option-type";
  # A user-defined type: the module system calls `check value` and
  # `merge loc defs`. Extra attributes are kept.
  mkOptionType =
    { name
    , description ? null
    , descriptionClass ? null
    , check ? (_: true)
    , merge ? mergeDefaultOption
    , ...
    }@args:
    args // {
      _type = "option-type";
      inherit name descriptionClass check merge;
      description = if description == null then name else description;
    };

  mkOption =
    { default ? null, defaultText ? null, example ? null, description ? null
    , relatedPackages ? null, type ? null, apply ? null, internal ? null
    , visible ? null, readOnly ? null
    }@attrs:
    attrs // { _type = "option"; };
  isOption = isType "option";

  # `mkEnableOption "the OpenSSH daemon"`: a bool option, false by default.
  mkEnableOption = name: lib.mkOption {
    default = false;
    example = true;
    description = "Whether to enable ${name}.";
    type = lib.types.bool;
  };

  # `mkPackageOption pkgs "hello" { }`: a package option defaulting to
  # pkgs.hello; `default` may be an attribute path, or null for no default.
  mkPackageOption = pkgs: name:
    { nullable ? false, default ? name, example ? null, extraDescription ? "", pkgsText ? "pkgs" }:
    let
      name' = if isList name then lib.last name else name;
      path = if isList default then default else [ default ];
      pathText = "${pkgsText}.${lib.showAttrPath path}";
      defaults =
        if default != null then {
          default = lib.attrByPath path (throw "${lib.showAttrPath path} cannot be found in ${pkgsText}") pkgs;
          defaultText = lib.literalExpression pathText;
        }
        else lib.optionalAttrs nullable { default = null; };
    in
    lib.mkOption (defaults // {
      description = "The ${name'} package to use." + (if extraDescription == "" then "" else " " + extraDescription);
      type = if nullable then lib.types.nullOr lib.types.package else lib.types.package;
    } // lib.optionalAttrs (example != null) {
      example = lib.literalExpression
        (if isList example then "${pkgsText}.${lib.showAttrPath example}" else example);
    });

  literalExpression = text:
    if !isString text then throw "literalExpression expects a string."
    else { _type = "literalExpression"; inherit text; };
  literalExample = lib.literalExpression;
  literalMD = text:
    if !isString text then throw "literalMD expects a string."
    else { _type = "literalMD"; inherit text; };
  # A code block in language `languageTag`, for documentation.
  literalCode = languageTag: text: lib.literalMD "```${languageTag}\n${text}\n```\n";
  # Descriptions are Markdown already.
  mdDoc = x: x;

  # nixpkgs' name for a module without a file.
  unknownModule = "<unknown-file>";

  # All definitions must be equal (functions: exactly one definition).
  mergeEqualOption = loc: defs:
    if defs == [ ] then abort "This case should never happen."
    else if length defs == 1 then (head defs).value
    else
      (builtins.foldl' (first: def:
        if def.value != first.value
        then throw "The option `${showOption loc}' has conflicting definition values:${showDefs [ first def ]}\n${prioritySuggestion}"
        else first) (head defs) (tail defs)).value;

  getValues = builtins.catAttrs "value";
  getFiles = builtins.catAttrs "file";
}
