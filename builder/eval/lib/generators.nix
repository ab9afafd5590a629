# generators.nix — `lib.generators`: Nix values to configuration-file
# formats (nixpkgs' lib/generators.nix). Modules use these to write files in
# each program's native syntax, e.g.
#
#   sshd_config:  toKeyValue { mkKeyValue = mkKeyValueDefault { } " "; } cfg
#   gitconfig:    toGitINI cfg
#
# Only available as lib.generators.*, like in nixpkgs.
lib:
let
  inherit (builtins)
    isInt isFloat isString isList isAttrs isPath isBool concatStringsSep
    concatLists attrNames length filter split replaceStrings elem;
  inherit (lib) isFunction escape mapAttrsToList concatMapStringsSep;

  # A scalar as it appears in a configuration file; lists, sets and functions
  # are errors.
  mkValueStringDefault = { }: v:
    let
      err = t: v: abort ("generators.mkValueStringDefault: ${t} not supported: ${toPretty { } v}");
    in
    if isInt v then toString v
    else if lib.isStringLike v && !isString v then toString v
    else if isString v then v
    else if true == v then "true"
    else if false == v then "false"
    else if null == v then "null"
    else if isFloat v then toString v
    else if isList v then err "lists" v
    else if isFunction v then err "functions" v
    else if isAttrs v then err "attrsets" v
    else err "this value is" (toString v);

  # "key${sep}value", with `sep` escaped in the key.
  mkKeyValueDefault = { mkValueString ? mkValueStringDefault { } }: sep: k: v:
    "${escape [ sep ] k}${sep}${mkValueString v}";

  # One line per attribute; with listsAsDuplicateKeys a list value gives one
  # line per element.
  toKeyValue = { mkKeyValue ? mkKeyValueDefault { } "=", listsAsDuplicateKeys ? false, indent ? "" }:
    attrs:
    let
      mkLine = k: v: indent + mkKeyValue k v + "\n";
      mkLines =
        if listsAsDuplicateKeys
        then k: v: map (mkLine k) (if isList v then v else [ v ])
        else k: v: [ (mkLine k v) ];
    in
    concatStringsSep "" (concatLists (mapAttrsToList mkLines attrs));

  # [section] blocks from a set of sets, separated by empty lines.
  toINI = { mkSectionName ? (name: escape [ "[" "]" ] name), mkKeyValue ? mkKeyValueDefault { } "=", listsAsDuplicateKeys ? false }:
    attrsOfAttrs:
    let
      mkSection = name: values:
        "[${mkSectionName name}]\n" + toKeyValue { inherit mkKeyValue listsAsDuplicateKeys; } values;
    in
    concatStringsSep "\n" (mapAttrsToList mkSection attrsOfAttrs);

  # Keys before the first section, then toINI.
  toINIWithGlobalSection = { mkSectionName ? (name: escape [ "[" "]" ] name), mkKeyValue ? mkKeyValueDefault { } "=", listsAsDuplicateKeys ? false }:
    { globalSection, sections ? { } }:
    (if globalSection == { } then "" else toKeyValue { inherit mkKeyValue listsAsDuplicateKeys; } globalSection + "\n")
    + toINI { inherit mkSectionName mkKeyValue listsAsDuplicateKeys; } sections;

  # git-config(1) syntax: { user.name = "x"; url."https://a/".insteadOf = "b"; }
  # gives [user] / [url "https://a/"] sections with tab-indented, quoted values.
  toGitINI = attrs:
    let
      mkSectionName = name:
        let
          parts = lib.splitString "." name;
          section = builtins.head parts;
          subsections = builtins.tail parts;
        in
        if lib.hasInfix "\"" name || subsections == [ ] then name
        else "${section} \"${concatStringsSep "." subsections}\"";
      mkValueString = v:
        mkValueStringDefault { } (
          if isString v
          then "\"${replaceStrings [ "\\" "\n" "\t" "\"" ] [ "\\\\" "\\n" "\\t" "\\\"" ] v}\""
          else v);
      mkKeyValue = k: v:
        concatStringsSep "\n" (map (x: "\t" + mkKeyValueDefault { inherit mkValueString; } " = " k x) (lib.toList v));
      # { a.b.c = 1; } → { "a.b".c = 1; }: the last level holds the keys.
      flatten = path: value:
        if isAttrs value && !lib.isDerivation value
        then concatLists (mapAttrsToList (n: v: flatten (path ++ [ n ]) v) value)
        else [ { section = concatStringsSep "." (lib.init path); key = lib.last path; inherit value; } ];
      entries = flatten [ ] attrs;
      sections = builtins.groupBy (e: e.section) entries;
    in
    toINI { inherit mkSectionName mkKeyValue; }
      (builtins.mapAttrs (_: es: builtins.listToAttrs (map (e: { name = e.key; inherit (e) value; }) es)) sections);

  # Limits the depth `toPretty` descends to (deeper values print as
  # "<unevaluated>" or throw).
  withRecursion = { depthLimit, throwOnDepthLimit ? true }:
    assert isInt depthLimit;
    let
      special = [ "__functor" "__functionArgs" "__toString" "__pretty" ];
      transform = depth:
        if depth > depthLimit then
          if throwOnDepthLimit
          then throw "Exceeded maximum eval-depth limit of ${toString depthLimit} while trying to evaluate with `generators.withRecursion'!"
          else _: "<unevaluated>"
        else x: x;
      mapAny = depth: v:
        let next = x: mapAny (depth + 1) (transform (depth + 1) x); in
        if isAttrs v then builtins.mapAttrs (n: x: if elem n special then x else next x) v
        else if isList v then map next v
        else transform (depth + 1) v;
    in
    mapAny 0;

  # A value as Nix source, for messages: multi-line lists and sets by default.
  toPretty = { allowPrettyValues ? false, multiline ? true, indent ? "" }:
    let
      go = indent: v:
        let
          intro = if multiline then "\n${indent}  " else " ";
          outro = if multiline then "\n${indent}" else " ";
        in
        if isInt v then toString v
        else if isFloat v then builtins.toJSON v
        else if isString v then
          let
            lines = filter (l: !isList l) (split "\n" v);
            single = "\"" + concatStringsSep "\\n" (map (escape [ "\\" "\"" "\${" ]) lines) + "\"";
            escaped = map (replaceStrings [ "\${" "''" ] [ "''\${" "'''" ]) lines;
            lastLine = lib.last escaped;
            multi = "''" + intro + concatStringsSep intro (lib.init escaped)
              + (if lastLine == "" then outro else intro + lastLine) + "''";
          in
          if multiline && length lines > 1 then multi else single
        else if true == v then "true"
        else if false == v then "false"
        else if null == v then "null"
        else if isPath v then toString v
        else if isList v then
          if v == [ ] then "[ ]"
          else "[" + intro + concatMapStringsSep intro (go (indent + "  ")) v + outro + "]"
        else if isFunction v then
          let
            args = lib.functionArgs v;
            shown = concatStringsSep ", " (mapAttrsToList (n: hasDefault: if hasDefault then n + "?" else n) args);
          in
          if args == { } then "<function>" else "<function, args: {${shown}}>"
        else if isAttrs v then
          if allowPrettyValues && v ? __pretty && v ? val then v.__pretty v.val
          else if v == { } then "{ }"
          else if v.type or null == "derivation" then "<derivation ${v.name or "???"}>"
          else if v.type or null == "package" then "<package ${v.name or "???"}>"
          else "{" + intro
            + concatStringsSep intro (mapAttrsToList (n: x:
                "${lib.escapeNixIdentifier n} = ${builtins.addErrorContext "while evaluating an attribute `${n}`" (go (indent + "  ") x)};") v)
            + outro + "}"
        else abort "generators.toPretty: should never happen (v = ${v})";
    in
    go indent;
in
{
  inherit mkValueStringDefault mkKeyValueDefault toKeyValue toINI
    toINIWithGlobalSection toGitINI withRecursion toPretty;

  toJSON = { }: builtins.toJSON;
  # JSON is valid YAML.
  toYAML = { }: builtins.toJSON;
}
