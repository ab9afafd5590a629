# strings.nix — string functions (nixpkgs' lib/strings.nix semantics):
# concatenation, prefixes and suffixes, splitting, escaping for shells,
# regexes and Nix, number parsing and padding, search paths, versions and
# package names. Strings here carry no store-path context, so nixpkgs'
# context-preserving variants are the plain ones.
lib:
let
  inherit (builtins)
    concatStringsSep stringLength substring match split replaceStrings
    length genList filter isString head toJSON elemAt;

  concatStrings = concatStringsSep "";
  concatMapStrings = f: list: concatStrings (map f list);

  hasPrefix = pref: str: substring 0 (stringLength pref) str == pref;
  hasSuffix = suffix: content:
    let lc = stringLength content; ls = stringLength suffix;
    in lc >= ls && substring (lc - ls) ls content == suffix;

  stringToCharacters = s: genList (p: substring p 1 s) (stringLength s);
  # Backslash before every occurrence of the characters in `list`.
  escape = list: replaceStrings list (map (c: "\\${c}") list);
  escapeRegex = escape (stringToCharacters "\\[{()^$?*+|.");
  escapeNixString = s: escape [ "$" ] (toJSON s);
  escapeShellArg = arg:
    let s = toString arg; in
    if match "[[:alnum:],._+:@%/-]+" s == null
    then "'${replaceStrings [ "'" ] [ "'\\''" ] s}'"
    else s;
  escapeShellArgs = list: concatStringsSep " " (map escapeShellArg list);
  isValidPosixName = name: match "[a-zA-Z_][a-zA-Z0-9_]*" name != null;
  isStringLike = x: isString x || builtins.isPath x || x ? outPath || x ? __toString;

  lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
  upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

  # Leading whitespace, sign, leading zeros, digits, trailing whitespace.
  matchInt = match "[[:space:]]*(-?)(0*)([[:digit:]]+)[[:space:]]*";
  # Parses an integer given its pieces from matchInt; null when out of range.
  parseInt = m:
    let v = builtins.fromJSON (elemAt m 0 + elemAt m 2);
    in if builtins.isInt v then v else null;

  # Strips the characters " \t\r\n" from the requested ends.
  trimWith = { start ? false, end ? false }:
    let
      chars = " \t\r\n";
      regex =
        if start && end then "[${chars}]*(.*[^${chars}])[${chars}]*"
        else if start then "[${chars}]*(.*)"
        else if end then "(.*[^${chars}])[${chars}]*"
        else "(.*)";
    in
    s: let r = match regex s; in if r == null then "" else head r;

  parseName = x: builtins.parseDrvName x;
in
{
  inherit (builtins)
    stringLength substring match split toString replaceStrings
    concatStringsSep isString compareVersions;

  inherit concatStrings concatMapStrings hasPrefix hasSuffix stringToCharacters
    escape escapeRegex escapeNixString escapeShellArg escapeShellArgs
    isValidPosixName isStringLike lowerChars upperChars trimWith;

  concatImapStrings = f: list: concatStrings (lib.imap1 f list);
  concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);
  concatImapStringsSep = sep: f: list: concatStringsSep sep (lib.imap1 f list);
  concatMapAttrsStringSep = sep: f: attrs: concatStringsSep sep (builtins.attrValues (builtins.mapAttrs f attrs));
  # Every string followed by "\n".
  concatLines = concatMapStrings (s: s + "\n");
  # intersperse "," [ a b ] = [ a "," b ].
  intersperse = separator: list:
    if length list < 2 then list
    else builtins.tail (builtins.concatMap (x: [ separator x ]) list);
  optionalString = cond: string: if cond then string else "";
  stringAsChars = f: s: concatMapStrings f (stringToCharacters s);

  hasInfix = infix: content:
    infix == "" || replaceStrings [ infix ] [ "" ] (toString content) != toString content;
  removePrefix = prefix: str:
    if hasPrefix prefix str
    then substring (stringLength prefix) (stringLength str - stringLength prefix) str
    else str;
  removeSuffix = suffix: str:
    if hasSuffix suffix str
    then substring 0 (stringLength str - stringLength suffix) str
    else str;
  # splitString "." "a.b" = [ "a" "b" ]; the separator is literal, not a regex.
  splitString = sep: s: filter isString (split (escapeRegex (toString sep)) (toString s));
  toUpper = replaceStrings lowerChars upperChars;
  toLower = replaceStrings upperChars lowerChars;
  trim = trimWith { start = true; end = true; };

  escapeNixIdentifier = s:
    if match "[a-zA-Z_][a-zA-Z0-9_'-]*" s != null then s else escapeNixString s;
  escapeXML = replaceStrings [ "\"" "'" "<" ">" "&" ] [ "&quot;" "&apos;" "&lt;" "&gt;" "&amp;" ];

  # NAME=value as shell code; lists become arrays, sets associative arrays.
  toShellVar = name: value:
    lib.throwIfNot (isValidPosixName name) "toShellVar: ${name} is not a valid shell variable name" (
      if builtins.isAttrs value && !isStringLike value then
        "declare -A ${name}=(${concatStringsSep " " (lib.mapAttrsToList (n: v: "[${escapeShellArg n}]=${escapeShellArg v}") value)})"
      else if builtins.isList value then
        "declare -a ${name}=(${escapeShellArgs value})"
      else
        "${name}=${escapeShellArg value}");
  toShellVars = vars: concatStringsSep "\n" (lib.mapAttrsToList lib.toShellVar vars);

  # Decimal integer with optional surrounding whitespace; leading zeros are
  # an error (octal ambiguity).
  toInt = str:
    let
      m = matchInt str;
      err = "toInt: Could not convert ${escapeNixString str} to int.";
      v = parseInt m;
    in
    if m == null then throw err
    else if elemAt m 1 != ""
    then throw "toInt: Ambiguity in interpretation of ${escapeNixString str} between octal and zero padded integer."
    else if v == null then throw err
    else v;
  # Decimal integer; leading zeros are allowed and ignored.
  toIntBase10 = str:
    let
      m = matchInt str;
      v = parseInt m;
    in
    if m == null || v == null then throw "toIntBase10: Could not convert ${escapeNixString str} to int."
    else v;

  # Pads `str` on the left with `filler` to `width` characters.
  fixedWidthString = width: filler: str:
    let sw = stringLength str; in
    assert lib.assertMsg (sw <= width)
      "fixedWidthString: requested string length (${toString width}) must not be shorter than actual length (${toString sw})";
    concatStrings (lib.replicate ((width - sw) / stringLength filler) filler) + str;
  fixedWidthNumber = width: n: lib.fixedWidthString width "0" (toString n);

  # "a/sub:b/sub" from [ a b ], skipping nulls.
  makeSearchPath = subDir: paths:
    concatStringsSep ":" (map (p: "${p}/${subDir}") (filter (x: x != null) paths));
  makeSearchPathOutput = output: subDir: pkgs: lib.makeSearchPath subDir (map (lib.getOutput output) pkgs);
  makeBinPath = lib.makeSearchPathOutput "bin" "bin";
  makeLibraryPath = lib.makeSearchPathOutput "lib" "lib";
  makeIncludePath = lib.makeSearchPathOutput "dev" "include";

  versionOlder = v1: v2: builtins.compareVersions v2 v1 == 1;
  versionAtLeast = v1: v2: !lib.versionOlder v1 v2;
  # Name and version of a package (pname/version) or of a "name-1.2" string.
  getName = x: if isString x then (parseName x).name else x.pname or (parseName x.name).name;
  getVersion = x: if isString x then (parseName x).version else x.version or (parseName x.name).version;

  # Nothing is in a Nix store here.
  isStorePath = _: false;

  enableFeature = flag: feature:
    assert lib.assertMsg (isString feature) "enableFeature: feature must be a string";
    "--${if flag then "enable" else "disable"}-${feature}";
  enableFeatureAs = flag: feature: value:
    lib.enableFeature flag feature + lib.optionalString flag "=${value}";
  withFeature = flag: feature:
    assert lib.assertMsg (isString feature) "withFeature: feature must be a string";
    "--${if flag then "with" else "without"}-${feature}";
  withFeatureAs = flag: feature: value:
    lib.withFeature flag feature + lib.optionalString flag "=${value}";
}
