// Tests for lib (builder/eval/lib/*.nix) as load_lib assembles it. Each
// case is an expression over `lib`, evaluated strictly and printed as
// `cairn eval --strict` prints values, or "error: " followed by the error
// message (without positions). The expected values were also checked
// against Nix 2.8 evaluating the same files; the messages are nixpkgs'.
// Lib.InModules runs lib's modules and user types through eval_modules.
#include <gtest/gtest.h>

#include <span>
#include <sstream>
#include <string>
#include <string_view>

#include "builder/eval/lib_loader.hh"
#include "builder/eval/modules.hh"
#include "builder/lang/error.hh"
#include "builder/lang/eval.hh"
#include "builder/lang/print.hh"

namespace cairn::eval {
namespace {

struct Case {
  std::string_view expr;      ///< a Nix expression in which `lib` is bound
  std::string_view expected;  ///< printed value, or "error: <message>"
};

/// Evaluates `lib: <expr>` applied to a freshly loaded lib.
std::string eval_lib(std::string_view expr) {
  lang::EvalState state;
  try {
    lang::Value* lib = load_lib(state);
    lang::Value fun;
    lang::Value out;
    state.eval(state.parse_string("lib: " + std::string(expr), "/"), fun);
    state.call_function(fun, *lib, out, {});
    std::ostringstream printed;
    lang::print_value(state, out, printed, /*strict=*/true);
    return printed.str();
  } catch (const lang::EvalError& e) {
    return "error: " + e.message;
  }
}

void check(std::span<const Case> cases) {
  for (const Case& c : cases) EXPECT_EQ(eval_lib(c.expr), c.expected) << "expression: " << c.expr;
}

// trivial.nix: combinators, comparisons, function introspection.
TEST(Lib, Trivial) {
  const Case cases[] = {
    {"lib.id 1", "1"},
    {"lib.const 1 2", "1"},
    {"lib.flip lib.sub 1 10", "9"},
    {"lib.pipe 2 [ (x: x + 1) (x: x * 10) ]", "30"},
    {"lib.concat [1] [2]", "[ 1 2 ]"},
    {"lib.or true false", "true"},
    {"lib.and true false", "false"},
    {"lib.xor true false", "true"},
    {"lib.boolToString true", R"("true")"},
    {"lib.mod (-7) 3", "-1"},
    {"lib.min 1 2", "1"},
    {"lib.max 1 2", "2"},
    {"lib.compare 3 2", "1"},
    {"lib.bitNot 5", "-6"},
    {"lib.toHexString 255", R"("FF")"},
    {"lib.toBaseDigits 2 6", "[ 1 1 0 ]"},
    {"lib.isFunction { __functor = self: x: x; }", "true"},
    {"lib.functionArgs ({ a ? 1, b }: a)", "{ a = true; b = false; }"},
    {"lib.functionArgs (lib.setFunctionArgs (x: x) { a = false; })", "{ a = false; }"},
    {"lib.toFunction 5 null", "5"},
    {R"(lib.warnIf false "x" 1)", "1"},
    {R"(lib.throwIfNot true "x" 1)", "1"},
    {R"(lib.throwIf true "boom" 1)", "error: boom"},
    {"lib.version", R"("cairn")"},
    {"lib.mapNullable (x: x + 1) null", "null"},
    {"lib.defaultTo 1 null", "1"},
    {"lib.functionArgs { __functor = self: { a, b ? 1 }: a; }", "{ a = false; b = true; }"},
    {"lib.pipe 1 [ ]", "1"},
    {"lib.mod 7 3", "1"},
  };
  check(cases);
}

// lists.nix, including the laziness nixpkgs promises (foldr, findFirst).
TEST(Lib, Lists) {
  const Case cases[] = {
    {"lib.foldr (x: acc: [x] ++ acc) [] [1 2 3]", "[ 1 2 3 ]"},
    {"lib.foldl (acc: x: acc ++ [x]) [] [1 2 3]", "[ 1 2 3 ]"},
    {"lib.foldl' (a: b: a + b) 0 [1 2 3]", "6"},
    {R"(lib.foldr (x: acc: if x == 1 then "found" else acc) (throw "no") [ 2 1 3 ])", R"("found")"},
    {"lib.head [1 2]", "1"},
    {"lib.tail [1 2]", "[ 2 ]"},
    {"lib.last [1 2 3]", "3"},
    {"lib.init [1 2 3]", "[ 1 2 ]"},
    {"lib.take 2 [1 2 3]", "[ 1 2 ]"},
    {"lib.take 5 [1 2 3]", "[ 1 2 3 ]"},
    {"lib.drop 1 [1 2 3]", "[ 2 3 ]"},
    {"lib.drop 9 [1 2 3]", "[ ]"},
    {"lib.sublist 1 2 [1 2 3 4]", "[ 2 3 ]"},
    {"lib.range 2 5", "[ 2 3 4 5 ]"},
    {"lib.range 5 2", "[ ]"},
    {"lib.flatten [1 [2 [3 [4]]] 5]", "[ 1 2 3 4 5 ]"},
    {"lib.unique [3 1 3 2 1]", "[ 3 1 2 ]"},
    {"lib.allUnique [1 2 1]", "false"},
    {R"(lib.uniqueStrings [ "b" "a" "b" ])", R"([ "a" "b" ])"},
    {"lib.elem 2 [1 2]", "true"},
    {"lib.count (x: x > 1) [1 2 3]", "2"},
    {"lib.optional true 1", "[ 1 ]"},
    {"lib.optionals false [1]", "[ ]"},
    {"lib.toList 1", "[ 1 ]"},
    {"lib.forEach [1 2] (x: x * 2)", "[ 2 4 ]"},
    {"lib.imap0 (i: v: i * v) [5 6]", "[ 0 6 ]"},
    {"lib.imap1 (i: v: i * v) [5 6]", "[ 5 12 ]"},
    {"lib.ifilter0 (i: v: i == 0 || v > 5) [1 2 9]", "[ 1 9 ]"},
    {"lib.concatMap (x: [x x]) [1 2]", "[ 1 1 2 2 ]"},
    {"lib.reverseList [1 2 3]", "[ 3 2 1 ]"},
    {"lib.sort (a: b: a < b) [3 1 2]", "[ 1 2 3 ]"},
    {"lib.sortOn (x: x.k) [ { k = 2; } { k = 1; } ]", "[ { k = 1; } { k = 2; } ]"},
    {R"(lib.zipLists [1 2 3] [ "a" "b" ])", R"([ { fst = 1; snd = "a"; } { fst = 2; snd = "b"; } ])"},
    {"lib.zipListsWith (a: b: a + b) [1 2] [10 20 30]", "[ 11 22 ]"},
    {"lib.genList (x: x * x) 4", "[ 0 1 4 9 ]"},
    {"lib.partition (x: x > 2) [1 2 3 4]", "{ right = [ 3 4 ]; wrong = [ 1 2 ]; }"},
    {R"(lib.groupBy (x: if x > 2 then "big" else "small") [1 2 3 4])", "{ big = [ 3 4 ]; small = [ 1 2 ]; }"},
    {R"(lib."groupBy'" (a: b: a + b) 0 (x: if x > 2 then "big" else "small") [1 2 3 4])",
     "{ big = 7; small = 3; }"},
    {"lib.findFirst (x: x > 2) null [1 2 3 4]", "3"},
    {R"(lib.findFirst (x: x > 9) "none" [1 2 3 4])", R"("none")"},
    {"lib.findFirstIndex (x: x > 2) null [1 2 3 4]", "2"},
    {R"(lib.findFirst (x: x > 1) 0 [1 2 (throw "lazy")])", "2"},
    {R"(lib.findSingle (x: x > 2) "none" "multi" [1 2 3])", "3"},
    {R"(lib.findSingle (x: x > 1) "none" "multi" [1 2 3])", R"("multi")"},
    {"lib.remove 2 [1 2 3 2]", "[ 1 3 ]"},
    {"lib.subtractLists [2] [1 2 3]", "[ 1 3 ]"},
    {"lib.intersectLists [2 3] [1 2 3]", "[ 2 3 ]"},
    {"lib.mutuallyExclusive [1] [2]", "true"},
    {"lib.compareLists lib.compare [1 2] [1 3]", "-1"},
    {R"(lib.replicate 3 "x")", R"([ "x" "x" "x" ])"},
    {"lib.singleton 1", "[ 1 ]"},
    {"lib.takeEnd 2 [1 2 3]", "[ 2 3 ]"},
    {"lib.dropEnd 2 [1 2 3]", "[ 1 ]"},
    {"lib.last []", "error: lists.last: list must not be empty!"},
    {R"(lib.foldl' (a: x: a + x) (throw "forced") [ ])", "error: forced"},
    {"lib.fold (x: a: a + x) 0 [ 1 2 ]", "3"},
    {R"(lib.head (lib.sublist 0 1 [ 1 (throw "lazy") ]))", "1"},
  };
  check(cases);
}

// attrsets.nix: paths, filtering, mapping, recursive updates.
TEST(Lib, Attrsets) {
  const Case cases[] = {
    {R"(lib.attrByPath [ "a" "b" ] 0 { a.b = 1; })", "1"},
    {R"(lib.attrByPath [ "a" "c" ] 0 { a.b = 1; })", "0"},
    {R"(lib.attrByPath [ "a" "b" "c" ] 0 { a.b = 1; })", "0"},
    {R"(lib.hasAttrByPath [ "a" "b" ] { a.b = 1; })", "true"},
    {R"(lib.hasAttrByPath [ "a" "x" ] { a.b = 1; })", "false"},
    {"lib.hasAttrByPath [ ] { }", "true"},
    {R"(lib.setAttrByPath [ "a" "b" ] 1)", "{ a = { b = 1; }; }"},
    {R"(lib.getAttrFromPath [ "a" "b" ] { a.b = 1; })", "1"},
    {R"(lib.getAttrFromPath [ "a" "x" ] { a.b = 1; })", "error: cannot find attribute 'a.x'"},
    {R"(lib.showAttrPath [ "a" "b c" "d" ])", R"("a.\"b c\".d")"},
    {R"(lib.attrVals [ "a" "b" ] { a = 1; b = 2; c = 3; })", "[ 1 2 ]"},
    {R"(lib.getAttrs [ "a" ] { a = 1; b = 2; })", "{ a = 1; }"},
    {"lib.attrsToList { a = 1; b = 2; }", R"([ { name = "a"; value = 1; } { name = "b"; value = 2; } ])"},
    {R"(lib.catAttrs "a" [ { a = 1; } { b = 2; } { a = 3; } ])", "[ 1 3 ]"},
    {"lib.filterAttrs (n: v: v > 1) { a = 1; b = 2; }", "{ b = 2; }"},
    {"lib.filterAttrsRecursive (n: v: v != null) { a = null; b = { c = null; d = 1; }; }",
     "{ b = { d = 1; }; }"},
    {"lib.foldAttrs (item: acc: [item] ++ acc) [] [ { a = 2; } { a = 3; b = 7; } ]",
     "{ a = [ 2 3 ]; b = [ 7 ]; }"},
    {"lib.foldlAttrs (acc: n: v: acc + v) 0 { a = 1; b = 2; }", "3"},
    {R"(lib.collect builtins.isInt { a = 1; b = { c = 2; }; d = "x"; })", "[ 1 2 ]"},
    {R"(lib.nameValuePair "a" 1)", R"({ name = "a"; value = 1; })"},
    {R"(lib."mapAttrs'" (n: v: lib.nameValuePair "x${n}" (v * 2)) { a = 1; })", "{ xa = 2; }"},
    {R"(lib.mapAttrsToList (n: v: "${n}=${toString v}") { a = 1; b = 2; })", R"([ "a=1" "b=2" ])"},
    {R"(lib.concatMapAttrs (n: v: { ${n} = v; "${n}2" = v; }) { a = 1; })", "{ a = 1; a2 = 1; }"},
    {R"(lib.mapAttrsRecursive (path: v: lib.concatStringsSep "." path) { a.b = 1; c = 2; })",
     R"({ a = { b = "a.b"; }; c = "c"; })"},
    {"lib.mapAttrsRecursiveCond (as: !(as ? stop)) (p: v: 0) { a.stop = 1; b.c = 2; }",
     "{ a = 0; b = { c = 0; }; }"},
    {R"(lib.genAttrs [ "a" "b" ] (n: n + n))", R"({ a = "aa"; b = "bb"; })"},
    {R"(lib.isDerivation { type = "package"; })", "true"},
    {"lib.recursiveUpdate { a.b = 1; a.c = 2; } { a.b = 3; d = 4; }", "{ a = { b = 3; c = 2; }; d = 4; }"},
    {R"(lib.recursiveUpdateUntil (path: l: r: path == [ "a" ]) { a.b = 1; } { a.c = 2; })",
     "{ a = { c = 2; }; }"},
    {"lib.zipAttrsWith (n: vs: vs) [ { a = 1; } { a = 2; b = 3; } ]", "{ a = [ 1 2 ]; b = [ 3 ]; }"},
    {"lib.zipAttrs [ { a = 1; } { a = 2; b = 3; } ]", "{ a = [ 1 2 ]; b = [ 3 ]; }"},
    {"lib.optionalAttrs false { a = 1; }", "{ }"},
    {"lib.matchAttrs { cpu = { bits = 64; }; } { cpu = { bits = 64; x = 1; }; os = 1; }", "true"},
    {"lib.matchAttrs { a = 1; } { b = 1; }", "false"},
    {"lib.overrideExisting { a = 1; b = 2; } { a = 3; c = 4; }", "{ a = 3; b = 2; }"},
    {R"(lib.getBin { type = "package"; name = "bash"; })", R"({ name = "bash"; type = "package"; })"},
    {R"(lib.getExe { pname = "bash"; outPath = "/usr"; })", R"("/usr/bin/bash")"},
    {"(lib.unionOfDisjoint { a = 1; } { b = 2; })", "{ a = 1; b = 2; }"},
  };
  check(cases);
}

// strings.nix: prefixes, splitting, escaping, parsing, search paths.
TEST(Lib, Strings) {
  const Case cases[] = {
    {R"(lib.concatStrings [ "a" "b" ])", R"("ab")"},
    {R"(lib.concatStringsSep "," [ "a" "b" ])", R"("a,b")"},
    {R"(lib.concatMapStrings (x: x + x) [ "a" "b" ])", R"("aabb")"},
    {R"(lib.concatMapStringsSep "-" (x: x + x) [ "a" "b" ])", R"("aa-bb")"},
    {R"(lib.concatImapStringsSep "-" (i: x: "${toString i}${x}") [ "a" "b" ])", R"("1a-2b")"},
    {R"(lib.concatLines [ "a" "b" ])", R"("a\nb\n")"},
    {R"(lib.intersperse "," [ "a" "b" "c" ])", R"([ "a" "," "b" "," "c" ])"},
    {R"(lib.intersperse "," [ "a" ])", R"([ "a" ])"},
    {R"(lib.optionalString true "x")", R"("x")"},
    {R"(lib.hasPrefix "ab" "abc")", "true"},
    {R"(lib.hasPrefix "x" "abc")", "false"},
    {R"(lib.hasSuffix "bc" "abc")", "true"},
    {R"(lib.hasSuffix "abcd" "abc")", "false"},
    {R"(lib.hasInfix "b" "abc")", "true"},
    {R"(lib.hasInfix "" "abc")", "true"},
    {R"(lib.hasInfix "x" "abc")", "false"},
    {R"(lib.hasInfix "b\nc" "ab\ncd")", "true"},
    {R"(lib.removePrefix "ab" "abc")", R"("c")"},
    {R"(lib.removePrefix "x" "abc")", R"("abc")"},
    {R"(lib.removeSuffix "bc" "abc")", R"("a")"},
    {R"(lib.splitString "." "a.b..c")", R"([ "a" "b" "" "c" ])"},
    {R"(lib.splitString "" "abc")", R"([ "" "a" "b" "c" "" ])"},
    {R"(lib.splitString ", " "a, b, c")", R"([ "a" "b" "c" ])"},
    {R"(lib.splitString "." "")", R"([ "" ])"},
    {R"(lib.stringToCharacters "abc")", R"([ "a" "b" "c" ])"},
    {R"(lib.toUpper "abC1")", R"("ABC1")"},
    {R"(lib.toLower "ABc1")", R"("abc1")"},
    {R"(lib.replaceStrings [ "a" ] [ "b" ] "aXa")", R"("bXb")"},
    {"lib.escape [ \"(\" ] \"f(x)\"", "\"f\\\\(x)\""},
    {R"(lib.escapeShellArg "abc")", R"("abc")"},
    {R"(lib.escapeShellArg "it's")", R"("'it'\\''s'")"},
    {R"(lib.escapeShellArg "")", R"("''")"},
    {R"(lib.escapeShellArgs [ "a" "b c" ])", R"("a 'b c'")"},
    {R"(lib.escapeRegex "a.b*c")", R"("a\\.b\\*c")"},
    {R"(lib.escapeNixString "a\"$b")", R"("\"a\\\"\\$b\"")"},
    {R"(lib.escapeNixIdentifier "foo")", R"("foo")"},
    {R"(lib.escapeNixIdentifier "foo bar")", R"("\"foo bar\"")"},
    {R"(lib.escapeNixIdentifier "2bwm")", R"("\"2bwm\"")"},
    {R"(lib.escapeXML "<a href=\"x\">&</a>")", R"("&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;")"},
    {R"(lib.toInt "42")", "42"},
    {R"(lib.toInt " -3 ")", "-3"},
    {R"(lib.toInt "042")",
     R"(error: toInt: Ambiguity in interpretation of "042" between octal and zero padded integer.)"},
    {R"(lib.toInt "4x")", R"(error: toInt: Could not convert "4x" to int.)"},
    {R"(lib.toInt "0")", "0"},
    {R"(lib.toIntBase10 "042")", "42"},
    {R"(lib.toIntBase10 "-007")", "-7"},
    {R"(lib.toIntBase10 "0")", "0"},
    {R"(lib.toIntBase10 "99999999999999999999")",
     R"(error: toIntBase10: Could not convert "99999999999999999999" to int.)"},
    {R"(lib.makeSearchPath "bin" [ "/a" "/b" null ])", R"("/a/bin:/b/bin")"},
    {R"(lib.makeBinPath [ { outPath = "/usr"; } ])", R"("/usr/bin")"},
    {R"(lib.makeLibraryPath [ "/usr" ])", R"("/usr/lib")"},
    {R"(lib.versionOlder "1.2" "1.10")", "true"},
    {R"(lib.versionAtLeast "1.2" "1.2")", "true"},
    {R"(lib.getName "hello-1.2")", R"("hello")"},
    {R"(lib.getVersion "hello-1.2")", R"("1.2")"},
    {R"(lib.getName { pname = "bash"; name = "bash-5"; })", R"("bash")"},
    {R"(lib.trim "  a b \n")", R"("a b")"},
    {R"(lib.trim " \t ")", R"("")"},
    {R"(lib.trim "")", R"("")"},
    {R"(lib.trimWith { start = true; } "  a  ")", R"("a  ")"},
    {R"(lib.trimWith { end = true; } "  a  ")", R"("  a")"},
    {R"(lib.trim "\n a\nb \n")", R"("a\nb")"},
    {R"(lib.isStorePath "/nix/store/x")", "false"},
    {R"(lib.toShellVar "A" "b c")", R"("A='b c'")"},
    {R"(lib.toShellVar "A" [ "x" "y z" ])", "\"declare -a A=(x 'y z')\""},
    {R"(lib.toShellVar "A" { k = "v"; })", "\"declare -A A=([k]=v)\""},
    {R"(lib.toShellVars { A = 1; B = "x y"; })", R"("A=1\nB='x y'")"},
    {R"(lib.toShellVar "1A" "x")", "error: toShellVar: 1A is not a valid shell variable name"},
    {R"(lib.enableFeature true "foo")", R"("--enable-foo")"},
    {R"(lib.enableFeatureAs false "foo" "x")", R"("--disable-foo")"},
    {R"(lib.withFeature false "bar")", R"("--without-bar")"},
    {R"(lib.withFeatureAs true "bar" "x")", R"("--with-bar=x")"},
    {R"(lib.isString "x")", "true"},
    {R"(lib.stringLength "abc")", "3"},
    {R"(lib.substring 1 1 "abc")", R"("b")"},
    {R"(lib.isStringLike { outPath = "/x"; })", "true"},
    {R"(lib.isValidPosixName "a_1")", "true"},
    {R"(lib.concatMapAttrsStringSep "," (n: v: n + v) { a = "1"; b = "2"; })", R"("a1,b2")"},
    {R"(lib.fixedWidthString 5 "0" "12")", R"("00012")"},
    {"lib.fixedWidthNumber 3 7", R"("007")"},
    {R"(lib.fixedWidthString 1 "0" "12")",
     "error: fixedWidthString: requested string length (1) must not be shorter than actual length (2)"},
  };
  check(cases);
}

// versions.nix.
TEST(Lib, Versions) {
  const Case cases[] = {
    {R"(lib.versions.major "1.2.3")", R"("1")"},
    {R"(lib.versions.minor "1.2.3")", R"("2")"},
    {R"(lib.versions.patch "1.2.3")", R"("3")"},
    {R"(lib.versions.majorMinor "1.2.3")", R"("1.2")"},
    {R"(lib.versions.pad 3 "1.2")", R"("1.2.0")"},
    {R"(lib.versions.pad 2 "1.2.3")", R"("1.2")"},
  };
  check(cases);
}

// asserts.nix.
TEST(Lib, Asserts) {
  const Case cases[] = {
    {R"(lib.assertMsg true "x")", "true"},
    {R"(lib.assertOneOf "color" "red" [ "blue" ])",
     R"(error: color must be one of [
  "blue"
], but is: "red")"},
    {R"(lib.checkAssertWarn [ { assertion = true; message = "x"; } ] [ ] 1)", "1"},
    {R"(lib.checkAssertWarn [ { assertion = false; message = "x"; } ] [ ] 1)",
     R"(error: 
Failed assertions:
- x)"},
  };
  check(cases);
}

// fixedPoints.nix.
TEST(Lib, FixedPoints) {
  const Case cases[] = {
    {"lib.fix (self: { a = 1; b = self.a + 1; })", "{ a = 1; b = 2; }"},
    {"(lib.makeExtensible (self: { a = 1; b = self.a + 1; })).extend (final: prev: { a = 10; })",
     "{ __unfix__ = <LAMBDA>; a = 10; b = 11; extend = <LAMBDA>; }"},
    {"lib.extends (final: prev: { b = prev.a * 2; }) (self: { a = 3; }) { }", "{ a = 3; b = 6; }"},
  };
  check(cases);
}

// generators.nix: configuration-file formats and toPretty.
TEST(Lib, Generators) {
  const Case cases[] = {
    {R"(lib.generators.toKeyValue { } { a = 1; b = "x"; c = true; })", R"("a=1\nb=x\nc=true\n")"},
    {R"(lib.generators.toKeyValue { mkKeyValue = lib.generators.mkKeyValueDefault { } " "; listsAsDuplicateKeys = true; } { Port = 22; ListenAddress = [ "a" "b" ]; })",
     R"("ListenAddress a\nListenAddress b\nPort 22\n")"},
    {R"(lib.generators.toINI { } { sec = { a = 1; }; "sec2]" = { b = "x"; }; })",
     R"("[sec]\na=1\n\n[sec2\\]]\nb=x\n")"},
    {"lib.generators.toINIWithGlobalSection { } { globalSection = { g = 1; }; sections = { s = { a = 2; }; }; }",
     R"("g=1\n\n[s]\na=2\n")"},
    {R"(lib.generators.toGitINI { user = { name = "A B"; email = "a@b"; }; url."https://x/".insteadOf = "y"; core.multi = [ "a" "b" ]; a.b.c.d = 1; })",
     R"("[a \"b.c\"]\n\td = 1\n\n[core]\n\tmulti = \"a\"\n\tmulti = \"b\"\n\n[url \"https://x/\"]\n\tinsteadOf = \"y\"\n\n[user]\n\temail = \"a@b\"\n\tname = \"A B\"\n")"},
    {R"(lib.generators.toJSON { } { a = [ 1 "x" null ]; })", R"("{\"a\":[1,\"x\",null]}")"},
    {"lib.generators.toYAML { } { a = 1; }", R"("{\"a\":1}")"},
    {R"(lib.generators.toPretty { } { a = 1; b = [ "x" true null ]; c."d e" = 1.5; f = x: x; g = { a ? 1 }: a; h = "l1\nl2"; i = "l1\nl2\n"; j = "$" + "{x}"; k = {}; l = []; })",
     R"("{\n  a = 1;\n  b = [\n    \"x\"\n    true\n    null\n  ];\n  c = {\n    \"d e\" = 1.5;\n  };\n  f = <function>;\n  g = <function, args: {a?}>;\n  h = ''\n    l1\n    l2'';\n  i = ''\n    l1\n    l2\n  '';\n  j = \"\\\${x}\";\n  k = { };\n  l = [ ];\n}")"},
    {"lib.generators.toPretty { multiline = false; } { a = [ 1 2 ]; }", R"("{ a = [ 1 2 ]; }")"},
    {R"(lib.generators.toPretty { } { type = "package"; name = "bash"; })", R"("<package bash>")"},
    {"lib.generators.mkValueStringDefault { } 1.5", R"("1.500000")"},
    {"lib.generators.toPretty { } (lib.generators.withRecursion { depthLimit = 2; throwOnDepthLimit = false; } { a.b.c.d = 1; })",
     R"("{\n  a = {\n    b = {\n      c = \"<unevaluated>\";\n    };\n  };\n}")"},
  };
  check(cases);
}

// options.nix: declarations and the merge functions for user types.
TEST(Lib, Options) {
  const Case cases[] = {
    {R"(lib.mkOption { type = lib.types.str; default = "x"; })",
     R"({ _type = "option"; default = "x"; type = { _native = true; _type = "option-type"; check = <PRIMOP>; description = "string"; descriptionClass = "noun"; merge = <LAMBDA>; name = "str"; }; })"},
    {"lib.mkOption { tpye = 1; }", "error: function 'mkOption' called with unexpected argument 'tpye'"},
    {R"(lib.mkEnableOption "the thing")",
     R"({ _type = "option"; default = false; description = "Whether to enable the thing."; example = true; type = { _native = true; _type = "option-type"; check = <PRIMOP>; description = "boolean"; descriptionClass = "noun"; merge = <LAMBDA>; name = "bool"; }; })"},
    {R"(lib.mkPackageOption { hello = { type = "package"; name = "hello"; }; } "hello" { })",
     R"({ _type = "option"; default = { name = "hello"; type = "package"; }; defaultText = { _type = "literalExpression"; text = "pkgs.hello"; }; description = "The hello package to use."; type = { _native = true; _type = "option-type"; check = <LAMBDA>; description = "package"; descriptionClass = "noun"; merge = <LAMBDA>; name = "package"; }; })"},
    {R"(lib.mkPackageOption { "g++" = { type = "package"; name = "g++"; }; } "compiler" { default = [ "g++" ]; example = "pkgs.clang"; extraDescription = "Really."; })",
     R"({ _type = "option"; default = { name = "g++"; type = "package"; }; defaultText = { _type = "literalExpression"; text = "pkgs.\"g++\""; }; description = "The compiler package to use. Really."; example = { _type = "literalExpression"; text = "pkgs.clang"; }; type = { _native = true; _type = "option-type"; check = <LAMBDA>; description = "package"; descriptionClass = "noun"; merge = <LAMBDA>; name = "package"; }; })"},
    {R"((lib.mkPackageOption { } "x" { nullable = true; default = null; }).type.description)",
     R"("null or package")"},
    {R"(lib.literalExpression "pkgs.x")", R"({ _type = "literalExpression"; text = "pkgs.x"; })"},
    {R"(lib.literalMD "*x*")", R"({ _type = "literalMD"; text = "*x*"; })"},
    {R"(lib.literalCode "sh" "echo")", R"({ _type = "literalMD"; text = "```sh\necho\n```\n"; })"},
    {R"(lib.mdDoc "x")", R"("x")"},
    {"lib.isOption (lib.mkOption { })", "true"},
    {R"(lib.showOption [ "services" "foo bar" "*" "<name>" "2x" "a'b" ])",
     R"("services.\"foo bar\".*.<name>.\"2x\".a'b")"},
    {R"(lib.showFiles [ "a.nix" "b.nix" ])", R"("`a.nix' and `b.nix'")"},
    {R"(lib.mergeEqualOption [ "x" ] [ { file = "a"; value = 1; } { file = "b"; value = 1; } ])", "1"},
    {R"(lib.mergeOneOption [ "x" ] [ { file = "a"; value = 1; } ])", "1"},
    {R"(lib.getValues [ { file = "a"; value = 1; } ])", "[ 1 ]"},
    {R"(lib.getFiles [ { file = "a"; value = 1; } ])", R"([ "a" ])"},
    {R"(lib.mergeDefaultOption [ "x" ] [ { file = "a"; value = [ 1 ]; } { file = "b"; value = [ 2 ]; } ])",
     "[ 1 2 ]"},
  };
  check(cases);
}

// modules.nix: properties, and the option-migration modules called with
// hand-made `options` sets shaped like the ones the module system passes.
TEST(Lib, Modules) {
  const Case cases[] = {
    {"lib.mkIf true 1", R"({ _type = "if"; condition = true; content = 1; })"},
    {"lib.mkMerge [ 1 2 ]", R"({ _type = "merge"; contents = [ 1 2 ]; })"},
    {"lib.mkOverride 10 1", R"({ _type = "override"; content = 1; priority = 10; })"},
    {"lib.mkDefault 1", R"({ _type = "override"; content = 1; priority = 1000; })"},
    {"lib.mkForce 1", R"({ _type = "override"; content = 1; priority = 50; })"},
    {"lib.mkOptionDefault 1", R"({ _type = "override"; content = 1; priority = 1500; })"},
    {"lib.mkImageMediaOverride 1", R"({ _type = "override"; content = 1; priority = 60; })"},
    {"lib.mkVMOverride 1", R"({ _type = "override"; content = 1; priority = 10; })"},
    {"lib.mkOrder 5 1", R"({ _type = "order"; content = 1; priority = 5; })"},
    {"lib.mkBefore 1", R"({ _type = "order"; content = 1; priority = 500; })"},
    {"lib.mkAfter 1", R"({ _type = "order"; content = 1; priority = 1500; })"},
    {"[ lib.defaultOverridePriority lib.defaultOrderPriority ]", "[ 100 1000 ]"},
    {R"(lib.setDefaultModuleLocation "f.nix" { a = 1; })",
     R"({ _file = "f.nix"; imports = [ { a = 1; } ]; })"},
    {R"(lib.mkRemovedOptionModule [ "a" "b" ] "Use c." { options = { }; })",
     "error: cannot find attribute 'a.b'"},
    {R"((lib.mkRemovedOptionModule [ "a" "b" ] "Use c." { options = { }; }).options.a.b.apply 1)",
     "error: The option `a.b' can no longer be used since it's been removed. Use c."},
    {R"((lib.mkRemovedOptionModule [ "a" "b" ] "Use c." { options = { assertions = {}; a.b = { isDefined = true; files = [ "x.nix" ]; }; }; }).config)",
     R"({ assertions = [ { assertion = false; message = "The option definition `a.b' in `x.nix' no longer has any effect; please remove it.\nUse c.\n"; } ]; })"},
    {R"((lib.mkRenamedOptionModule [ "a" ] [ "b" "c" ] { config = { a = 5; }; options = { warnings = {}; a = { isDefined = true; files = [ "h.nix" ]; }; }; }))",
     R"({ config = { _type = "merge"; contents = [ { warnings = { _type = "if"; condition = true; content = [ "The option `a' defined in `h.nix' has been renamed to `b.c'." ]; }; } { b = { c = { _type = "if"; condition = true; content = { _type = "merge"; contents = [ { _type = "override"; content = 5; priority = 100; } ]; }; }; }; } ]; }; options = { a = { _type = "option"; description = "Alias of `b.c'."; type = { _native = true; _type = "option-type"; check = <LAMBDA>; description = "anything"; descriptionClass = "noun"; name = "anything"; }; visible = false; }; }; })"},
    {R"((lib.mkAliasOptionModule [ "a" ] [ "b" ] { config = { a = 5; }; options = { a = { isDefined = false; }; }; }))",
     R"({ config = { _type = "merge"; contents = [ { } { b = { _type = "if"; condition = false; content = { _type = "merge"; contents = [ { _type = "override"; content = 5; priority = 100; } ]; }; }; } ]; }; options = { a = { _type = "option"; description = "Alias of `b'."; type = { _native = true; _type = "option-type"; check = <LAMBDA>; description = "anything"; descriptionClass = "noun"; name = "anything"; }; visible = true; }; }; })"},
    {R"(lib.mkAliasDefinitions { _type = "option"; isDefined = true; value = 3; })",
     R"({ _type = "if"; condition = true; content = 3; })"},
    {R"((lib.mkRenamedOptionModule [ "a" ] [ "b" ] { config = { a = 5; }; options = { a = { isDefined = true; highestPrio = 1000; definitions = [ 5 6 ]; }; }; }).config)",
     R"({ _type = "merge"; contents = [ { warnings = { _type = "if"; condition = true; content = [ "The option `a' has been renamed to `b'." ]; }; } { b = { _type = "if"; condition = true; content = { _type = "merge"; contents = [ { _type = "override"; content = 5; priority = 1000; } { _type = "override"; content = 6; priority = 1000; } ]; }; }; } ]; })"},
    {R"((lib.mkRemovedOptionModule [ "a" ] "Gone." { options = { a = { isDefined = false; }; }; }).config)",
     R"({ assertions = [ { assertion = true; message = "The option definition `a' no longer has any effect; please remove it.\nGone.\n"; } ]; })"},
  };
  check(cases);
}

// types.nix: the native types' names, parameters, descriptions (nixpkgs'
// wording) and Nix-side checks and merges.
TEST(Lib, Types) {
  const Case cases[] = {
    {R"(lib.types.singleLineStr.merge [ "x" ] [ { file = "a"; value = "v\n"; } ])", R"("v")"},
    {R"(builtins.removeAttrs lib.types.singleLineStr [ "check" "merge" ])",
     R"({ _type = "option-type"; description = "(optionally newline-terminated) single-line string"; descriptionClass = "noun"; name = "singleLineStr"; })"},
    {"lib.types.bool.description", R"("boolean")"},
    {"lib.types.int.description", R"("signed integer")"},
    {"lib.types.ints.unsigned.description", R"("unsigned integer, meaning >=0")"},
    {"lib.types.ints.positive.description", R"("positive integer, meaning >0")"},
    {"(lib.types.ints.between 0 255).description", "\"integer between 0 and 255 (both inclusive)\""},
    {"lib.types.ints.u8.description", "\"8 bit unsigned integer; between 0 and 255 (both inclusive)\""},
    {"lib.types.ints.u32.description",
     "\"32 bit unsigned integer; between 0 and 4294967295 (both inclusive)\""},
    {"lib.types.ints.s8.description", "\"8 bit signed integer; between -128 and 127 (both inclusive)\""},
    {"lib.types.ints.s16.description",
     "\"16 bit signed integer; between -32768 and 32767 (both inclusive)\""},
    {"lib.types.ints.s32.description",
     "\"32 bit signed integer; between -2147483648 and 2147483647 (both inclusive)\""},
    {"lib.types.port.description", "\"16 bit unsigned integer; between 0 and 65535 (both inclusive)\""},
    {"lib.types.float.description", R"("floating point number")"},
    {"lib.types.number.description", R"("signed integer or floating point number")"},
    {"lib.types.str.description", R"("string")"},
    {"lib.types.nonEmptyStr.description", R"("non-empty string")"},
    {"lib.types.singleLineStr.description", R"("(optionally newline-terminated) single-line string")"},
    {"lib.types.lines.description", R"("strings concatenated with \"\\n\"")"},
    {"lib.types.commas.description", R"("strings concatenated with \",\"")"},
    {"lib.types.envVar.description", R"("strings concatenated with \":\"")"},
    {R"((lib.types.separatedString "").description)", R"("Concatenated string")"},
    {"lib.types.path.description", R"("path")"},
    {"lib.types.package.description", R"("package")"},
    {"lib.types.attrs.description", R"("attribute set")"},
    {"lib.types.anything.description", R"("anything")"},
    {"lib.types.raw.description", R"("raw value")"},
    {"lib.types.unspecified.description", R"("unspecified value")"},
    {R"((lib.types.enum [ "a" "b" 1 true ]).description)", R"("one of \"a\", \"b\", 1, true")"},
    {R"((lib.types.enum [ "a" ]).description)", "\"value \\\"a\\\" (singular enum)\""},
    {"(lib.types.enum [ ]).description", "\"impossible (empty enum)\""},
    {"(lib.types.listOf lib.types.str).description", R"("list of string")"},
    {"(lib.types.listOf (lib.types.nullOr lib.types.str)).description", "\"list of (null or string)\""},
    {"(lib.types.listOf (lib.types.listOf lib.types.str)).description", R"("list of list of string")"},
    {"(lib.types.listOf lib.types.ints.unsigned).description", "\"list of (unsigned integer, meaning >=0)\""},
    {"(lib.types.listOf lib.types.port).description",
     "\"list of 16 bit unsigned integer; between 0 and 65535 (both inclusive)\""},
    {"(lib.types.listOf lib.types.attrs).description", "\"list of (attribute set)\""},
    {"(lib.types.attrsOf lib.types.str).description", R"("attribute set of string")"},
    {"(lib.types.attrsOf (lib.types.submodule { })).description", "\"attribute set of (submodule)\""},
    {"(lib.types.lazyAttrsOf lib.types.int).description", R"("lazy attribute set of signed integer")"},
    {"(lib.types.nullOr lib.types.str).description", R"("null or string")"},
    {"(lib.types.nullOr (lib.types.either lib.types.str lib.types.int)).description",
     R"("null or string or signed integer")"},
    {"(lib.types.nullOr (lib.types.listOf lib.types.str)).description", "\"null or (list of string)\""},
    {"(lib.types.either lib.types.str (lib.types.listOf lib.types.str)).description",
     R"("string or list of string")"},
    {"(lib.types.either lib.types.ints.unsigned lib.types.str).description",
     R"("unsigned integer, meaning >=0, or string")"},
    {"(lib.types.oneOf [ lib.types.str lib.types.int lib.types.bool ]).description",
     R"("string or signed integer or boolean")"},
    {"(lib.types.coercedTo lib.types.int toString lib.types.str).description",
     R"("string or signed integer convertible to it")"},
    {"(lib.types.submodule { }).description", R"("submodule")"},
    {R"((lib.types.submoduleWith { modules = [ ]; description = "thing"; }).description)", R"("thing")"},
    {R"((lib.types.strMatching "[a-z]+").description)", R"("string matching the pattern [a-z]+")"},
    {"(lib.types.uniq lib.types.str).description", R"("string")"},
    {R"((lib.types.unique { message = "m"; } lib.types.int).description)", R"("signed integer")"},
    {"(lib.types.functionTo lib.types.str).description", R"("function that evaluates to a(n) string")"},
    {"(lib.types.functionTo (lib.types.listOf lib.types.str)).description",
     R"("function that evaluates to a(n) list of string")"},
    {"lib.types.deferredModule.description", R"("module")"},
    {"(lib.types.passwdEntry lib.types.str).description", R"("string, not containing newlines or colons")"},
    {"lib.types.boolByOr.description", "\"boolean (merged using or)\""},
    {"lib.types.bool.check true", "true"},
    {"lib.types.int.check 1.5", "false"},
    {"lib.types.port.check 70000", "false"},
    {"lib.types.port.check 22", "true"},
    {"lib.types.ints.s8.check (-128)", "true"},
    {R"(lib.types.nonEmptyStr.check " \t")", "false"},
    {R"(lib.types.nonEmptyStr.check " x")", "true"},
    {R"(lib.types.singleLineStr.check "a\n")", "true"},
    {R"(lib.types.singleLineStr.check "a\nb")", "false"},
    {R"((lib.types.strMatching "[a-z]+").check "abc")", "true"},
    {R"((lib.types.strMatching "[a-z]+").check "ab1")", "false"},
    {R"((lib.types.enum [ "a" ]).check "a")", "true"},
    {R"(lib.types.path.check "/x")", "true"},
    {R"(lib.types.path.check "x")", "false"},
    {R"(lib.types.package.check { type = "package"; })", "true"},
    {"(lib.types.nullOr lib.types.int).check null", "true"},
    {R"((lib.types.either lib.types.int lib.types.str).check "x")", "true"},
    {"(lib.types.coercedTo lib.types.int toString lib.types.str).check 1", "true"},
    {"(lib.types.coercedTo lib.types.int toString lib.types.str).check true", "false"},
    {R"((lib.types.passwdEntry lib.types.str).check "a:b")", "false"},
    {R"((lib.types.passwdEntry lib.types.str).check "ab")", "true"},
    {"(lib.types.addCheck lib.types.int (x: x > 5)).check 3", "false"},
    {"(lib.types.addCheck lib.types.int (x: x > 5)) ? _native", "false"},
    {"lib.types.isOptionType lib.types.str", "true"},
    {R"(lib.types.isType "option-type" lib.types.str)", "true"},
    {R"(builtins.removeAttrs lib.types.port [ "check" "merge" ])",
     "{ _native = true; _type = \"option-type\"; description = \"16 bit unsigned integer; between 0 and 65535 (both inclusive)\"; descriptionClass = \"noun\"; max = 65535; min = 0; name = \"int\"; }"},
    {R"(builtins.removeAttrs (lib.types.listOf lib.types.str) [ "check" "elemType" "nestedTypes" ])",
     R"({ _native = true; _type = "option-type"; description = "list of string"; descriptionClass = "composite"; name = "listOf"; })"},
    {R"(builtins.removeAttrs lib.types.int [ "check" "merge" ])",
     R"({ _native = true; _type = "option-type"; description = "signed integer"; descriptionClass = "noun"; name = "int"; })"},
    {R"(builtins.removeAttrs (lib.types.submodule { a = 1; }) [ "check" ])",
     R"({ _native = true; _type = "option-type"; class = null; description = "submodule"; descriptionClass = null; modules = [ { a = 1; } ]; name = "submodule"; shorthandOnlyDefinesConfig = true; specialArgs = { }; })"},
    {R"(builtins.removeAttrs (lib.types.submoduleWith { modules = [ ]; specialArgs = { x = 1; }; }) [ "check" ])",
     R"({ _native = true; _type = "option-type"; class = null; description = "submodule"; descriptionClass = null; modules = [ ]; name = "submodule"; shorthandOnlyDefinesConfig = false; specialArgs = { x = 1; }; })"},
    {R"(builtins.removeAttrs (lib.types.either lib.types.str lib.types.int) [ "check" "left" "right" "nestedTypes" ])",
     R"({ _native = true; _type = "option-type"; description = "string or signed integer"; descriptionClass = "conjunction"; name = "either"; })"},
    {R"(builtins.removeAttrs (lib.types.coercedTo lib.types.int toString lib.types.str) [ "check" "coercedType" "finalType" "nestedTypes" "coerceFunc" ])",
     R"({ _native = true; _type = "option-type"; description = "string or signed integer convertible to it"; descriptionClass = null; name = "coercedTo"; })"},
    {R"(builtins.removeAttrs (lib.types.unique { message = "m"; } lib.types.int) [ "check" "elemType" "nestedTypes" ])",
     R"({ _native = true; _type = "option-type"; description = "signed integer"; descriptionClass = "noun"; message = "m"; name = "unique"; })"},
    {R"((lib.types.separatedString ";").sep)", R"(";")"},
    {R"(lib.types.lines.merge [ "x" ] [ { file = "a"; value = "1"; } { file = "b"; value = "2"; } ])",
     R"("1\n2")"},
    {R"(lib.types.attrs.merge [ "x" ] [ { file = "a"; value = { a = 1; }; } { file = "b"; value = { b = 2; }; } ])",
     "{ a = 1; b = 2; }"},
    {R"(lib.types.deferredModule.merge [ "m" ] [ { file = "a.nix"; value = { x = 1; }; } ])",
     R"({ imports = [ { _file = "a.nix, via option m"; imports = [ { x = 1; } ]; } ]; })"},
    {R"(lib.types.boolByOr.merge [ "x" ] [ { file = "a"; value = false; } { file = "b"; value = true; } ])",
     "true"},
    {"(lib.types.oneOf [ lib.types.str ]).name", R"("str")"},
    {"lib.types.oneOf [ ]", "error: types.oneOf needs to get at least one type in its argument"},
    {"lib.types.ints.between 5 1", "error: ints.between: lowest must be smaller than highest"},
    {"(lib.types.attrsWith { elemType = lib.types.int; lazy = true; }).name", R"("lazyAttrsOf")"},
  };
  check(cases);
}

// Error messages, word for word.
TEST(Lib, Errors) {
  const Case cases[] = {
    {R"(lib.mergeEqualOption [ "networking" "hostName" ] [ { file = "b.nix"; value = "beta"; } { file = "a.nix"; value = "alpha"; } ])",
     R"(error: The option `networking.hostName' has conflicting definition values:
- In `b.nix': "beta"
- In `a.nix': "alpha"
Use `lib.mkForce value` or `lib.mkDefault value` to change the priority on any of these definitions.
)"},
    {R"(lib.mergeOneOption [ "x" "y" ] [ { file = "a.nix"; value = 1; } { file = "b.nix"; value = { a = [ 1 2 ]; }; } ])",
     R"(error: The option `x.y' is defined multiple times while it's expected to be unique.

Definition values:
- In `a.nix': 1
- In `b.nix':
    {
      a = [
        1
        2
      ];
    ...
Use `lib.mkForce value` or `lib.mkDefault value` to change the priority on any of these definitions.
)"},
    {R"(lib.mergeUniqueOption { message = "Only one please."; } [ "x" ] [ { file = "a.nix"; value = 1; } { file = "b.nix"; value = 2; } ])",
     R"(error: The option `x' is defined multiple times while it's expected to be unique.
Only one please.
Definition values:
- In `a.nix': 1
- In `b.nix': 2
Use `lib.mkForce value` or `lib.mkDefault value` to change the priority on any of these definitions.
)"},
    {R"(lib.mergeDefaultOption [ "x" ] [ { file = "a.nix"; value = 1; } { file = "b.nix"; value = "s"; } ])",
     R"(error: Cannot merge definitions of `x'. Definition values:
- In `a.nix': 1
- In `b.nix': "s")"},
    {R"(lib.toInt "x")", R"(error: toInt: Could not convert "x" to int.)"},
    {R"(lib.toIntBase10 "x")", R"(error: toIntBase10: Could not convert "x" to int.)"},
    {R"(lib.assertOneOf "color" "red" [ "blue" "green" ])",
     R"(error: color must be one of [
  "blue"
  "green"
], but is: "red")"},
    {R"(lib.checkAssertWarn [ { assertion = false; message = "a conflicts with b"; } { assertion = false; message = "c"; } ] [ ] 1)",
     R"(error: 
Failed assertions:
- a conflicts with b
- c)"},
    {"lib.literalExpression 1", "error: literalExpression expects a string."},
    {R"(lib.showDefs [ { file = "a.nix"; value = { a = 1; b = [ 1 2 3 4 5 6 ]; }; } { file = "b.nix"; value = x: x; } ])",
     R"("\n- In `a.nix':\n    {\n      a = 1;\n      b = [\n        1\n        2\n    ...\n- In `b.nix': <function>")"},
    {"lib.init [ ]", "error: lists.init: list must not be empty!"},
    {R"(lib.versions.major "x")", R"("x")"},
    {"lib.types.strMatching 1", "error: types.strMatching: pattern must be a string"},
    {"lib.literalMD 2", "error: literalMD expects a string."},
    {"lib.enableFeature true 1", "error: enableFeature: feature must be a string"},
    {"lib.generators.mkValueStringDefault { } [ 1 ]",
     R"(error: evaluation aborted with the following error message: 'generators.mkValueStringDefault: lists not supported: [
  1
]')"},
    {"lib.generators.toKeyValue { } { a = { b = 1; }; }",
     R"(error: evaluation aborted with the following error message: 'generators.mkValueStringDefault: attrsets not supported: {
  b = 1;
}')"},
    {"lib.unionOfDisjoint { a = 1; } { a = 2; } ? a", "true"},
    {"(lib.unionOfDisjoint { a = 1; b = 1; } { a = 2; b = 2; }).a",
     "error: unionOfDisjoint: collision on a; complete list: a, b"},
    {R"(lib.mkAssert false "need x" 1)",
     R"(error: 
Failed assertion: need x)"},
  };
  check(cases);
}

// What load_lib assembles: flat names, namespaces, types and generators only
// under their namespace.
TEST(Lib, Loader) {
  const Case cases[] = {
    {"lib ? str", "false"},
    {"lib ? toINI", "false"},
    {"lib.types ? str", "true"},
    {"lib.generators ? toINI", "true"},
    {"lib.lists ? unique && lib.types ? unique", "true"},
    {R"(lib.strings.hasPrefix "a" "ab")", "true"},
    {"builtins.attrNames (builtins.intersectAttrs { trivial = 1; lists = 1; attrsets = 1; strings = 1; versions = 1; asserts = 1; fixedPoints = 1; options = 1; modules = 1; types = 1; generators = 1; } lib)",
     R"([ "asserts" "attrsets" "fixedPoints" "generators" "lists" "modules" "options" "strings" "trivial" "types" "versions" ])"},
    {R"((lib.mkOptionType { name = "x"; }).description)", R"("x")"},
  };
  check(cases);
}

/// Runs eval_modules over the modules `lib: [ … ]` evaluates to (with
/// `lib` and a two-package `pkgs` as arguments), then prints
/// `(lib: config: <result>) lib config` strictly, or "error: <message>".
std::string eval_modules_with_lib(std::string_view modules, std::string_view result) {
  lang::EvalState state;
  try {
    lang::Value* lib = load_lib(state);
    lang::Value fun;
    lang::Value list;
    state.eval(state.parse_string("lib: " + std::string(modules), "/"), fun);
    state.call_function(fun, *lib, list, {});
    state.force_list(list, {}, "while evaluating the test's modules");
    lang::Value* pkgs = state.alloc_value();
    state.eval(state.parse_string(R"({
      hello = { type = "package"; name = "hello"; pname = "hello"; outPath = "/usr"; };
      "g++" = { type = "package"; name = "g++"; pname = "g++"; outPath = "/usr"; };
    })", "/"), *pkgs);
    EvalModulesArgs args;
    for (size_t i = 0; i < list.list.size; ++i) args.modules.push_back(list.list.elems[i]);
    args.args = {{"lib", lib}, {"pkgs", pkgs}};
    EvaluatedModules evaluated = eval_modules(state, std::move(args));
    lang::Value select;
    lang::Value partial;
    lang::Value out;
    state.eval(state.parse_string("lib: config: " + std::string(result), "/"), select);
    state.call_function(select, *lib, partial, {});
    state.call_function(partial, *evaluated.config, out, {});
    std::ostringstream printed;
    lang::print_value(state, out, printed, /*strict=*/true);
    return printed.str();
  } catch (const lang::EvalError& e) {
    return "error: " + e.message;
  }
}

/// Declares what the migration modules need (as modules/system/assertions.nix
/// does) and options of the types that are Nix-side user types.
constexpr std::string_view kBase = R"({ lib, pkgs, ... }: {
  options = {
    assertions = lib.mkOption { type = lib.types.listOf lib.types.unspecified; default = [ ]; };
    warnings = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
    new.name = lib.mkOption { type = lib.types.str; default = "default"; };
    new.list = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
    single = lib.mkOption { type = lib.types.singleLineStr; default = ""; };
    byOr = lib.mkOption { type = lib.types.boolByOr; default = false; };
    even = lib.mkOption { type = lib.types.addCheck lib.types.int (x: lib.mod x 2 == 0); default = 0; };
    module = lib.mkOption { type = lib.types.deferredModule; default = { }; };
    package = lib.mkPackageOption pkgs "hello" { };
    compiler = lib.mkPackageOption pkgs "compiler" { default = [ "g++" ]; };
    enable = lib.mkEnableOption "it";
  };
})";

struct ModuleCase {
  std::string_view modules;   ///< appended after kBase in the module list
  std::string_view result;    ///< expression over lib and config
  std::string_view expected;  ///< printed value, or "error: <message>"
};

// lib's option-migration modules, user types and option helpers inside the
// native module system.
TEST(Lib, InModules) {
  const ModuleCase cases[] = {
      // A renamed option's definitions reach the new name, with a warning.
      {R"((lib.mkRenamedOptionModule [ "old" "name" ] [ "new" "name" ]) { old.name = "x"; })",
       "{ inherit (config.new) name; inherit (config) warnings; }",
       R"({ name = "x"; warnings = [ "The option `old.name' defined in `«string»:15:68' has been renamed to `new.name'." ]; })"},
      {R"((lib.mkRenamedOptionModule [ "old" "name" ] [ "new" "name" ]))",
       "{ inherit (config.new) name; inherit (config) warnings; }",
       R"({ name = "default"; warnings = [ ]; })"},
      // An alias forwards silently, and list definitions add up.
      {R"((lib.mkAliasOptionModule [ "alias" ] [ "new" "list" ]) { alias = [ "a" ]; new.list = [ "b" ]; })",
       "{ list = lib.sort (a: b: a < b) config.new.list; inherit (config) warnings; }",
       R"({ list = [ "a" "b" ]; warnings = [ ]; })"},
      // A removed option fails the assertions when defined, and throws when read.
      {R"((lib.mkRemovedOptionModule [ "gone" ] "Use new.name.") { gone = 1; })",
       "config.assertions",
       R"([ { assertion = false; message = "The option definition `gone' in `«string»:15:61' no longer has any effect; please remove it.\nUse new.name.\n"; } ])"},
      {R"((lib.mkRemovedOptionModule [ "gone" ] "Use new.name.") { gone = 1; })",
       "config.gone",
       "error: The option `gone' can no longer be used since it's been removed. Use new.name."},
      {R"((lib.mkRemovedOptionModule [ "gone" ] "Use new.name."))",
       "map (a: a.assertion) config.assertions",
       "[ true ]"},
      // User types: their check and merge run in Nix.
      {R"({ single = "one line\n"; byOr = lib.mkMerge [ false true ]; even = 4; })",
       "{ inherit (config) single byOr even; }",
       R"({ byOr = true; even = 4; single = "one line"; })"},
      {R"({ module = { a = 1; }; })",
       "map (m: m.imports) config.module.imports",
       "[ [ { a = 1; } ] ]"},
      // Option helpers.
      {"",
       "{ inherit (config) enable; package = config.package.name; compiler = config.compiler.name; }",
       R"({ compiler = "g++"; enable = false; package = "hello"; })"},
      {R"(({ lib, ... }: { enable = true; new.name = lib.mkIf false "no"; }))",
       "[ config.enable config.new.name ]",
       R"([ true "default" ])"},
  };
  for (const ModuleCase& c : cases) {
    std::string modules = "[ (" + std::string(kBase) + ") " + std::string(c.modules) + " ]";
    EXPECT_EQ(eval_modules_with_lib(modules, c.result), c.expected) << "modules: " << c.modules;
  }
}

}  // namespace
}  // namespace cairn::eval
