// Option types: for every type in lib.types, one definition and several
// definitions that merge, and a definition that fails, with nixpkgs' error
// message word for word (lib/types.nix, lib/options.nix).
#include <gtest/gtest.h>

#include "builder/eval/test_modules.hh"

namespace cairn::eval {
namespace {

using eval::testing::eval_config;

// Module m0 declares `x` with TYPE (and EXTRA mkOption attributes); module
// mI (I ≥ 1) is `{ x = DEFS[I-1]; }` with `x` at line 2, column 3. Prints
// config.x.
std::string merge(const std::string& type, const std::vector<std::string>& defs, const std::string& extra = "") {
  std::vector<std::string> modules = {"{ lib, pkgs, ... }: with lib; {\n  options.x = mkOption { type = " + type +
                                      "; " + extra + "};\n}"};
  for (const std::string& d : defs) modules.push_back("{ lib, pkgs, ... }: with lib; {\n  x = " + d + ";\n}");
  return eval_config(modules, "x");
}

const std::string kSuggest =
    "\nUse `lib.mkForce value` or `lib.mkDefault value` to change the priority on any of these definitions.";

std::string conflict(const std::string& option, const std::string& defs) {
  return "error: The option `" + option + "' has conflicting definition values:" + defs + kSuggest;
}
std::string not_of_type(const std::string& option, const std::string& type, const std::string& defs) {
  return "error: A definition for option `" + option + "' is not of type `" + type + "'. Definition values:" + defs;
}
std::string not_unique(const std::string& option, const std::string& message, const std::string& defs) {
  return "error: The option `" + option + "' is defined multiple times while it's expected to be unique.\n" + message +
         "\nDefinition values:" + defs + kSuggest;
}

struct Case {
  std::string type;
  std::vector<std::string> defs;
  std::string expected;
};

void run(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    std::string defs;
    for (const std::string& d : c.defs) defs += (defs.empty() ? "" : ", ") + d;
    EXPECT_EQ(merge(c.type, c.defs), c.expected) << "type " << c.type << ", definitions " << defs;
  }
}

// Definitions are listed last module first, as nixpkgs merges the module
// list reversed.
const std::string kDef1 = "\n- In `/t/m1.nix:2:3': ";
const std::string kDef2 = "\n- In `/t/m2.nix:2:3': ";

TEST(Types, Bool) {
  run({
      {"types.bool", {"true"}, "true"},
      {"types.bool", {"false", "false"}, "false"},
      {"types.bool", {"true", "false"}, conflict("x", kDef2 + "false" + kDef1 + "true")},
      {"types.bool", {"\"yes\""}, not_of_type("x", "boolean", kDef1 + "\"yes\"")},
      {"types.bool", {"1", "true", "null"}, not_of_type("x", "boolean", "\n- In `/t/m3.nix:2:3': null" + kDef1 + "1")},
  });
}

TEST(Types, Int) {
  run({
      {"types.int", {"-3"}, "-3"},
      {"types.int", {"7", "7"}, "7"},
      {"types.int", {"1", "2"}, conflict("x", kDef2 + "2" + kDef1 + "1")},
      {"types.int", {"1.5"}, not_of_type("x", "signed integer", kDef1 + "1.5")},
      {"types.int", {"\"1\""}, not_of_type("x", "signed integer", kDef1 + "\"1\"")},
  });
}

TEST(Types, BoundedInts) {
  run({
      {"types.ints.unsigned", {"0"}, "0"},
      {"types.ints.unsigned", {"-1"}, not_of_type("x", "unsigned integer, meaning >=0", kDef1 + "-1")},
      {"types.ints.positive", {"1", "1"}, "1"},
      {"types.ints.positive", {"0"}, not_of_type("x", "positive integer, meaning >0", kDef1 + "0")},
      {"types.ints.between 1 10", {"1"}, "1"},
      {"types.ints.between 1 10", {"10"}, "10"},
      {"types.ints.between 1 10", {"11"}, not_of_type("x", "integer between 1 and 10 (both inclusive)", kDef1 + "11")},
      {"types.ints.between (-5) (-1)",
       {"0"},
       not_of_type("x", "integer between -5 and -1 (both inclusive)", kDef1 + "0")},
      {"types.ints.u8", {"255"}, "255"},
      {"types.ints.u8",
       {"256"},
       not_of_type("x", "8 bit unsigned integer; between 0 and 255 (both inclusive)", kDef1 + "256")},
      {"types.ints.u16", {"65535"}, "65535"},
      {"types.ints.u16",
       {"-1"},
       not_of_type("x", "16 bit unsigned integer; between 0 and 65535 (both inclusive)", kDef1 + "-1")},
      {"types.ints.u32", {"4294967295"}, "4294967295"},
      {"types.ints.u32",
       {"4294967296"},
       not_of_type("x", "32 bit unsigned integer; between 0 and 4294967295 (both inclusive)", kDef1 + "4294967296")},
      {"types.ints.s8", {"-128"}, "-128"},
      {"types.ints.s8",
       {"128"},
       not_of_type("x", "8 bit signed integer; between -128 and 127 (both inclusive)", kDef1 + "128")},
      {"types.ints.s16", {"32767"}, "32767"},
      {"types.ints.s16",
       {"-32769"},
       not_of_type("x", "16 bit signed integer; between -32768 and 32767 (both inclusive)", kDef1 + "-32769")},
      {"types.ints.s32", {"-2147483648"}, "-2147483648"},
      {"types.ints.s32",
       {"2147483648"},
       not_of_type("x", "32 bit signed integer; between -2147483648 and 2147483647 (both inclusive)",
                   kDef1 + "2147483648")},
      {"types.port", {"22", "22"}, "22"},
      {"types.port", {"22", "2222"}, conflict("x", kDef2 + "2222" + kDef1 + "22")},
      {"types.port",
       {"65536"},
       not_of_type("x", "16 bit unsigned integer; between 0 and 65535 (both inclusive)", kDef1 + "65536")},
  });
}

TEST(Types, FloatAndNumber) {
  run({
      {"types.float", {"1.5"}, "1.5"},
      {"types.float", {"1.5", "1.5"}, "1.5"},
      {"types.float", {"1.5", "2.5"}, conflict("x", kDef2 + "2.5" + kDef1 + "1.5")},
      {"types.float", {"1"}, not_of_type("x", "floating point number", kDef1 + "1")},
      {"types.number", {"1"}, "1"},
      {"types.number", {"1.5"}, "1.5"},
      {"types.number", {"2", "2"}, "2"},
      {"types.number", {"\"1\""}, not_of_type("x", "signed integer or floating point number", kDef1 + "\"1\"")},
  });
}

TEST(Types, Strings) {
  run({
      {"types.str", {"\"a\""}, "\"a\""},
      {"types.str", {"\"a\"", "\"a\""}, "\"a\""},
      {"types.str", {"\"a\"", "\"b\""}, conflict("x", kDef2 + "\"b\"" + kDef1 + "\"a\"")},
      {"types.str", {"1"}, not_of_type("x", "string", kDef1 + "1")},
      {"types.str", {"/etc"}, not_of_type("x", "string", kDef1 + "/etc")},
      {"types.nonEmptyStr", {"\"a\""}, "\"a\""},
      {"types.nonEmptyStr", {"\"\""}, not_of_type("x", "non-empty string", kDef1 + "\"\"")},
      {"types.nonEmptyStr", {"\" \\t\\n\""}, not_of_type("x", "non-empty string", kDef1 + "\" \\t\\n\"")},
      {"types.strMatching \"[a-z]+\"", {"\"abc\"", "\"abc\""}, "\"abc\""},
      {"types.strMatching \"[a-z]+\"",
       {"\"abc1\""},
       not_of_type("x", "string matching the pattern [a-z]+", kDef1 + "\"abc1\"")},
      {"types.strMatching \"[a-z]+\"", {"\"a\"", "\"b\""}, conflict("x", kDef2 + "\"b\"" + kDef1 + "\"a\"")},
  });
}

TEST(Types, SeparatedStrings) {
  run({
      {"types.lines", {"\"a\""}, "\"a\""},
      {"types.lines", {"\"a\"", "\"b\"", "\"c\""}, "\"c\\nb\\na\""},
      {"types.lines", {"\"a\"", "mkBefore \"first\"", "mkAfter \"last\""}, "\"first\\na\\nlast\""},
      {"types.lines", {"[ \"a\" ]"}, not_of_type("x", "strings concatenated with \"\\n\"", kDef1 + "[ \"a\" ]")},
      {"types.commas", {"\"a\"", "\"b\""}, "\"b,a\""},
      {"types.commas", {"1"}, not_of_type("x", "strings concatenated with \",\"", kDef1 + "1")},
      {"types.separatedString \" \"", {"\"a\"", "\"b\""}, "\"b a\""},
      {"types.separatedString \":\"", {"\"a\""}, "\"a\""},
      {"types.separatedString \":\"", {"null"}, not_of_type("x", "strings concatenated with \":\"", kDef1 + "null")},
  });
}

TEST(Types, Path) {
  run({
      {"types.path", {"/etc/hosts"}, "/etc/hosts"},
      {"types.path", {"\"/etc/hosts\""}, "\"/etc/hosts\""},
      {"types.path", {"/etc", "/etc"}, "/etc"},
      {"types.path", {"\"/a\"", "\"/b\""}, conflict("x", kDef2 + "\"/b\"" + kDef1 + "\"/a\"")},
      {"types.path", {"\"etc/hosts\""}, not_of_type("x", "path", kDef1 + "\"etc/hosts\"")},
      {"types.path", {"1"}, not_of_type("x", "path", kDef1 + "1")},
      // A package is string-like: its outPath is the path.
      {"types.path",
       {"pkgs.bash"},
       R"({ arch = "amd64"; name = "bash"; outPath = "/usr"; pname = "bash"; type = "package"; })"},
  });
}

TEST(Types, Package) {
  const std::string bash = R"({ arch = "amd64"; name = "bash"; outPath = "/usr"; pname = "bash"; type = "package"; })";
  run({
      {"types.package", {"pkgs.bash"}, bash},
      {"types.package", {"\"bash\""}, not_of_type("x", "package", kDef1 + "\"bash\"")},
      {"types.package", {"{ name = \"bash\"; }"}, not_of_type("x", "package", kDef1 + "{ name = \"bash\"; }")},
      {"types.nullOr types.package", {"null"}, "null"},
  });
  // A package option takes exactly one definition (mergeOneOption), even
  // of the same package.
  std::string twice = merge("types.package", {"pkgs.bash", "pkgs.bash"});
  EXPECT_TRUE(
      twice.starts_with("error: The option `x' is defined multiple times while it's expected to be "
                        "unique.\n\nDefinition values:\n- In `/t/m2.nix:2:3': "))
      << twice;
  EXPECT_EQ(merge("types.package", {"mkDefault pkgs.hello", "pkgs.bash"}), bash);
}

TEST(Types, Enum) {
  run({
      {"types.enum [ \"a\" \"b\" ]", {"\"a\""}, "\"a\""},
      {"types.enum [ \"a\" \"b\" ]", {"\"b\"", "\"b\""}, "\"b\""},
      {"types.enum [ \"a\" \"b\" ]", {"\"a\"", "\"b\""}, conflict("x", kDef2 + "\"b\"" + kDef1 + "\"a\"")},
      {"types.enum [ \"a\" \"b\" ]", {"\"c\""}, not_of_type("x", "one of \"a\", \"b\"", kDef1 + "\"c\"")},
      {"types.enum [ 1 true \"x\" null ]", {"true"}, "true"},
      {"types.enum [ 1 true \"x\" null ]", {"2"}, not_of_type("x", "one of 1, true, \"x\", <null>", kDef1 + "2")},
      {"types.enum [ \"only\" ]",
       {"\"other\""},
       not_of_type("x", "value \"only\" (singular enum)", kDef1 + "\"other\"")},
      {"types.enum [ ]", {"\"a\""}, not_of_type("x", "impossible (empty enum)", kDef1 + "\"a\"")},
  });
}

TEST(Types, ListOf) {
  run({
      {"types.listOf types.str", {"[ \"a\" ]"}, "[ \"a\" ]"},
      {"types.listOf types.str", {"[ \"a\" \"b\" ]", "[ \"c\" ]"}, "[ \"c\" \"a\" \"b\" ]"},
      {"types.listOf types.str", {"[ ]", "[ ]"}, "[ ]"},
      {"types.listOf types.str",
       {"[ \"a\" ]", "mkBefore [ \"first\" ]", "mkAfter [ \"last\" ]"},
       "[ \"first\" \"a\" \"last\" ]"},
      {"types.listOf types.str", {"[ (mkIf false \"no\") \"yes\" (mkIf true \"also\") ]"}, "[ \"yes\" \"also\" ]"},
      {"types.listOf types.int",
       {"[ 1 ]", "[ 2 \"three\" ]"},
       not_of_type("x.[definition 1-entry 2]", "signed integer", kDef2 + "\"three\"")},
      {"types.listOf types.str", {"\"a\""}, not_of_type("x", "list of string", kDef1 + "\"a\"")},
      {"types.listOf (types.listOf types.int)", {"[ [ 1 ] ]", "[ [ 2 ] ]"}, "[ [ 2 ] [ 1 ] ]"},
      {"types.listOf (types.nullOr types.str)",
       {"[ 1 ]"},
       not_of_type("x.[definition 1-entry 1]", "null or string", kDef1 + "1")},
      {"types.listOf (types.either types.int types.str)",
       {"{ }"},
       not_of_type("x", "list of (signed integer or string)", kDef1 + "{ }")},
  });
}

TEST(Types, AttrsOf) {
  run({
      {"types.attrsOf types.int", {"{ a = 1; }"}, "{ a = 1; }"},
      {"types.attrsOf types.int", {"{ a = 1; }", "{ b = 2; }"}, "{ a = 1; b = 2; }"},
      {"types.attrsOf types.int", {"{ a = 1; }", "{ a = 1; }"}, "{ a = 1; }"},
      {"types.attrsOf types.int",
       {"{ a = 1; }", "{ a = 2; }"},
       conflict("x.a", "\n- In `/t/m2.nix:2:9': 2\n- In `/t/m1.nix:2:9': 1")},
      {"types.attrsOf types.int",
       {"{ a = \"s\"; }"},
       not_of_type("x.a", "signed integer", "\n- In `/t/m1.nix:2:9': \"s\"")},
      {"types.attrsOf types.int", {"[ ]"}, not_of_type("x", "attribute set of signed integer", kDef1 + "[ ]")},
      {"types.attrsOf types.int", {"{ a = mkIf false 1; b = mkIf true 2; }"}, "{ b = 2; }"},
      {"types.attrsOf types.int", {"{ a = mkDefault 1; }", "{ a = 2; }"}, "{ a = 2; }"},
      {"types.attrsOf types.int", {"{ a = mkForce 1; }", "{ a = 2; }"}, "{ a = 1; }"},
      // The option's priority is settled first; members then have their own.
      {"types.attrsOf types.int",
       {"mkForce { a = mkDefault 1; }", "mkForce { a = 2; }", "{ a = 3; b = 3; }"},
       "{ a = 2; }"},
      {"types.attrsOf (types.listOf types.int)",
       {"{ a = [ 1 ]; }", "{ a = [ 2 ]; b = [ ]; }"},
       "{ a = [ 2 1 ]; b = [ ]; }"},
      {"types.attrsOf (types.attrsOf types.str)",
       {"{ a.b = \"x\"; }", "{ a.c = \"y\"; }"},
       "{ a = { b = \"x\"; c = \"y\"; }; }"},
      {"types.attrsOf (types.attrsOf types.str)",
       {"{ a.b = 1; }"},
       not_of_type("x.a.b", "string", "\n- In `/t/m1.nix:2:9': 1")},
      {"types.lazyAttrsOf types.int", {"{ a = 1; }", "{ b = 2; }"}, "{ a = 1; b = 2; }"},
      {"types.lazyAttrsOf types.int",
       {"{ a = true; }"},
       not_of_type("x.a", "signed integer", "\n- In `/t/m1.nix:2:9': true")},
      {"types.lazyAttrsOf types.int", {"1"}, not_of_type("x", "lazy attribute set of signed integer", kDef1 + "1")},
  });
}

TEST(Types, AttrsOfIsStrictInNamesLazyAttrsOfIsNot) {
  // attrsOf drops names whose definitions vanish under mkIf false;
  // lazyAttrsOf keeps the name (its value then has no definition), so it
  // can be built without evaluating any condition.
  const std::string decl = R"({ lib, config, ... }: with lib; {
  options.strict = mkOption { type = types.attrsOf types.int; };
  options.lazy = mkOption { type = types.lazyAttrsOf types.int; };
  options.names = mkOption { };
  config.names = { strict = builtins.attrNames config.strict; lazy = builtins.attrNames config.lazy; };
})";
  const std::string defs = R"({ lib, ... }: {
  strict = { a = lib.mkIf false 1; b = 2; };
  lazy = { a = lib.mkIf false 1; b = 2; };
})";
  EXPECT_EQ(eval_config({decl, defs}, "names"), R"({ lazy = [ "a" "b" ]; strict = [ "b" ]; })");
  EXPECT_EQ(eval_config({decl, defs}, "lazy.b"), "2");
  EXPECT_EQ(eval_config({decl, defs}, "lazy.a"),
            "error: The option `lazy.a' was accessed but has no value defined. Try setting the option.");
  // A lazyAttrsOf member that is never read is never checked.
  EXPECT_EQ(eval_config({decl, R"({ lazy = { bad = "x"; good = 1; }; strict.a = 1; })"}, "lazy.good"), "1");
}

TEST(Types, NullOr) {
  run({
      {"types.nullOr types.int", {"null"}, "null"},
      {"types.nullOr types.int", {"3"}, "3"},
      {"types.nullOr types.int", {"null", "null"}, "null"},
      {"types.nullOr types.int", {"3", "3"}, "3"},
      {"types.nullOr types.int", {"3", "4"}, conflict("x", kDef2 + "4" + kDef1 + "3")},
      {"types.nullOr types.int",
       {"null", "3"},
       "error: The option `x` is defined both null and not null, in `/t/m2.nix:2:3' and `/t/m1.nix:2:3'."},
      {"types.nullOr types.int", {"\"3\""}, not_of_type("x", "null or signed integer", kDef1 + "\"3\"")},
      {"types.nullOr (types.listOf types.str)", {"[ \"a\" ]", "[ \"b\" ]"}, "[ \"b\" \"a\" ]"},
      {"types.nullOr (types.either types.int types.str)",
       {"true"},
       not_of_type("x", "null or signed integer or string", kDef1 + "true")},
  });
}

TEST(Types, EitherAndOneOf) {
  run({
      {"types.either types.int types.str", {"1"}, "1"},
      {"types.either types.int types.str", {"\"a\"", "\"a\""}, "\"a\""},
      {"types.either types.int types.str", {"\"a\"", "\"b\""}, conflict("x", kDef2 + "\"b\"" + kDef1 + "\"a\"")},
      // Definitions of both sides: neither side merges them, so only one
      // definition is allowed (mergeOneOption).
      {"types.either types.int types.str", {"1", "\"a\""}, not_unique("x", "", kDef2 + "\"a\"" + kDef1 + "1")},
      {"types.either types.int types.str", {"true"}, not_of_type("x", "signed integer or string", kDef1 + "true")},
      {"types.either (types.listOf types.str) types.str", {"[ \"a\" ]", "[ \"b\" ]"}, "[ \"b\" \"a\" ]"},
      {"types.either types.str (types.listOf types.str)",
       {"1"},
       not_of_type("x", "string or list of string", kDef1 + "1")},
      {"types.either types.ints.positive types.str",
       {"0"},
       not_of_type("x", "positive integer, meaning >0, or string", kDef1 + "0")},
      {"types.oneOf [ types.int types.str types.bool ]", {"true"}, "true"},
      {"types.oneOf [ types.int types.str types.bool ]", {"\"s\"", "\"s\""}, "\"s\""},
      {"types.oneOf [ types.int types.str types.bool ]",
       {"1.5"},
       not_of_type("x", "signed integer or string or boolean", kDef1 + "1.5")},
      {"types.oneOf [ types.int ]", {"1"}, "1"},
  });
  EXPECT_EQ(merge("types.oneOf [ ]", {"1"}), "error: types.oneOf needs to get at least one type in its argument");
}

TEST(Types, CoercedTo) {
  const std::string t = "types.coercedTo types.int toString types.str";
  run({
      {t, {"\"a\""}, "\"a\""},
      {t, {"1"}, "\"1\""},
      {t, {"1", "\"1\""}, "\"1\""},
      {t, {"1", "\"2\""}, conflict("x", kDef2 + "\"2\"" + kDef1 + "\"1\"")},
      {t, {"true"}, not_of_type("x", "string or signed integer convertible to it", kDef1 + "true")},
      {"types.coercedTo types.str (s: [ s ]) (types.listOf types.str)", {"\"a\"", "[ \"b\" ]"}, "[ \"b\" \"a\" ]"},
      // The coerced value must still be of the final type.
      {"types.coercedTo types.int (i: i) types.str",
       {"1"},
       not_of_type("x", "string or signed integer convertible to it", kDef1 + "1")},
  });
}

TEST(Types, Attrs) {
  run({
      {"types.attrs", {"{ a = 1; }"}, "{ a = 1; }"},
      // Shallow: later definitions (in merge order) replace whole names.
      {"types.attrs", {"{ a.x = 1; b = 1; }", "{ a.y = 2; c = 2; }"}, "{ a = { x = 1; }; b = 1; c = 2; }"},
      {"types.attrs", {"{ a = 1; }", "{ a = 2; }"}, "{ a = 1; }"},
      {"types.attrs", {"[ ]"}, not_of_type("x", "attribute set", kDef1 + "[ ]")},
  });
}

TEST(Types, Anything) {
  run({
      {"types.anything", {"1"}, "1"},
      {"types.anything", {"{ a = 1; }", "{ b.c = 2; }"}, "{ a = 1; b = { c = 2; }; }"},
      {"types.anything", {"{ a.b = 1; }", "{ a.c = 2; }"}, "{ a = { b = 1; c = 2; }; }"},
      {"types.anything", {"{ a = 1; }", "{ a = 1; }"}, "{ a = 1; }"},
      {"types.anything",
       {"{ a = 1; }", "{ a = 2; }"},
       conflict("x.a", "\n- In `/t/m2.nix:2:9': 2\n- In `/t/m1.nix:2:9': 1")},
      {"types.anything", {"\"s\"", "\"s\""}, "\"s\""},
      {"types.anything", {"\"s\"", "\"t\""}, conflict("x", kDef2 + "\"t\"" + kDef1 + "\"s\"")},
      {"types.anything", {"{ a = mkIf false 1; b = mkForce 2; }", "{ b = 3; }"}, "{ b = 2; }"},
      {"types.anything",
       {"{ a = 1; }", "2"},
       "error: The option `x' has conflicting option types in `/t/m2.nix:2:3' and `/t/m1.nix:2:3'"},
      {"types.anything", {"null", "null"}, "null"},
      // Lists are not concatenated: like other values they must be equal.
      {"types.anything", {"[ 1 ]", "[ 1 ]"}, "[ 1 ]"},
      {"types.anything",
       {"{ l = [ 1 ]; }", "{ l = [ 2 ]; }"},
       conflict("x.l", "\n- In `/t/m2.nix:2:9': [ 2 ]\n- In `/t/m1.nix:2:9': [ 1 ]")},
      {"types.anything",
       {"1", "1.0"},
       "error: The option `x' has conflicting option types in `/t/m2.nix:2:3' and `/t/m1.nix:2:3'"},
      // A package is taken whole, not merged as a set.
      {"types.anything",
       {"pkgs.bash"},
       R"({ arch = "amd64"; name = "bash"; outPath = "/usr"; pname = "bash"; type = "package"; })"},
  });
}

TEST(Types, NoTypeMergesLikeMergeDefaultOption) {
  // An option without a type is nixpkgs' `unspecified`: mergeDefaultOption.
  auto untyped = [](const std::vector<std::string>& defs) {
    std::vector<std::string> modules = {"{ lib, ... }: { options.x = lib.mkOption { }; }"};
    for (const std::string& d : defs) modules.push_back("{ lib, ... }: with lib; {\n  x = " + d + ";\n}");
    return eval_config(modules, "x");
  };
  EXPECT_EQ(untyped({"{ a.b = 1; }"}), "{ a = { b = 1; }; }");
  EXPECT_EQ(untyped({"[ 1 ]", "[ 2 ]"}), "[ 2 1 ]");
  EXPECT_EQ(untyped({"{ a.b = 1; c = 1; }", "{ a.d = 2; }"}), "{ a = { b = 1; }; c = 1; }");
  EXPECT_EQ(untyped({"false", "true"}), "true");
  EXPECT_EQ(untyped({"\"a\"", "\"b\""}), "\"ba\"");
  EXPECT_EQ(untyped({"3", "3"}), "3");
  EXPECT_EQ(untyped({"3", "4"}),
            "error: Cannot merge definitions of `x'. Definition values:" + kDef2 + "4" + kDef1 + "3");
  EXPECT_EQ(eval_config({"{ lib, config, ... }: { options.f = lib.mkOption { }; options.out = lib.mkOption { }; "
                         "config.out = config.f 1; }",
                         "{ f = x: [ x ]; }", "{ f = x: [ (x + 1) ]; }"},
                        "out"),
            "[ 2 1 ]");
}

TEST(Types, AnythingMergesFunctionResults) {
  const std::string decl = R"({ lib, config, ... }: with lib; {
  options.f = mkOption { type = types.anything; };
  options.out = mkOption { };
  config.out = config.f 2;
})";
  EXPECT_EQ(eval_config({decl, "{ f = x: { a = x; }; }", "{ f = x: { b = x * 2; }; }"}, "out"), "{ a = 2; b = 4; }");
}

TEST(Types, Raw) {
  run({
      {"types.raw", {"{ a = 1; }"}, "{ a = 1; }"},
      {"types.raw", {"1", "1"}, not_unique("x", "", kDef2 + "1" + kDef1 + "1")},
      {"types.raw", {"mkForce 1", "2"}, "1"},
  });
  // raw neither checks nor merges inside: properties stay as written.
  EXPECT_EQ(merge("types.raw", {"{ a = mkIf false 1; }"}),
            R"({ a = { _type = "if"; condition = false; content = 1; }; })");
}

TEST(Types, FunctionTo) {
  const std::string decl = R"({ lib, config, ... }: with lib; {
  options.f = mkOption { type = types.functionTo (types.listOf types.str); };
  options.g = mkOption { type = types.functionTo types.int; };
  options.out = mkOption { };
  config.out = { f = config.f "x"; g = config.g 3; };
})";
  EXPECT_EQ(eval_config({decl, "{ f = x: [ x ]; g = x: x + 1; }"}, "out"), R"({ f = [ "x" ]; g = 4; })");
  // Several functions: called with the same argument, their results merge.
  EXPECT_EQ(eval_config({decl, "{ f = x: [ x ]; g = x: x; }", "{ f = x: [ \"${x}${x}\" ]; g = x: x; }"}, "out.f"),
            R"([ "xx" "x" ])");
  EXPECT_EQ(eval_config({decl, "{ f = x: [ ]; g = x: x; }", "{ g = x: x * 2; }"}, "out.g"),
            "error: The option `g.<function body>' has conflicting definition values:\n"
            "- In `/t/m2.nix:1:3': 6\n"
            "- In `/t/m1.nix:1:15': 3" +
                kSuggest);
  EXPECT_EQ(eval_config({decl, "{ f = x: [ 1 ]; g = x: x; }"}, "out.f"),
            not_of_type("f.<function body>.[definition 1-entry 1]", "string", "\n- In `/t/m1.nix:1:3': 1"));
  EXPECT_EQ(eval_config({decl, "{ f = [ ]; }"}, "out"),
            not_of_type("f", "function that evaluates to a(n) list of string", "\n- In `/t/m1.nix:1:3': [ ]"));
}

TEST(Types, UniqAndUnique) {
  run({
      {"types.uniq types.int", {"1"}, "1"},
      {"types.uniq types.int", {"1", "1"}, not_unique("x", "", kDef2 + "1" + kDef1 + "1")},
      {"types.uniq types.int", {"\"1\""}, not_of_type("x", "signed integer", kDef1 + "\"1\"")},
      {"types.uniq (types.listOf types.int)", {"[ 1 (mkIf false 2) ]"}, "[ 1 ]"},
      {"types.uniq types.int", {"mkDefault 1", "2"}, "2"},
      {"types.unique { message = \"Set it in one place.\"; } types.str", {"\"a\""}, "\"a\""},
      {"types.unique { message = \"Set it in one place.\"; } types.str",
       {"\"a\"", "\"b\""},
       not_unique("x", "Set it in one place.", kDef2 + "\"b\"" + kDef1 + "\"a\"")},
  });
}

TEST(Types, MkOptionType) {
  // A user type: the module system calls its check and merge like nixpkgs.
  const std::string even = R"(mkOptionType {
    name = "even";
    check = x: builtins.isInt x && lib.mod x 2 == 0;
    merge = loc: defs: builtins.foldl' (sum: d: sum + d.value) 0 defs;
  })";
  run({
      {even, {"2"}, "2"},
      {even, {"2", "4", "mkIf false 8"}, "6"},
      {even, {"3"}, not_of_type("x", "even", kDef1 + "3")},
      {"mkOptionType { name = \"t\"; description = \"a thing\"; check = builtins.isString; }",
       {"1"},
       not_of_type("x", "a thing", kDef1 + "1")},
      // The default merge (mergeDefaultOption) concatenates strings.
      {"mkOptionType { name = \"t\"; }", {"\"a\"", "\"b\""}, "\"ba\""},
      {"mkOptionType { name = \"t\"; merge = mergeEqualOption; }",
       {"1", "2"},
       "error: The option `x' has conflicting definition values:" + kDef2 + "2" + kDef1 + "1" + kSuggest + "\n"},
  });
  // merge gets the option's location and the definitions with their files.
  EXPECT_EQ(merge("mkOptionType { name = \"t\"; merge = loc: defs: { inherit loc; n = builtins.length defs; }; }",
                  {"1", "2"}),
            R"({ loc = [ "x" ]; n = 2; })");
  std::string files = merge("mkOptionType { name = \"t\"; merge = loc: defs: map (d: d.file) defs; }", {"1", "2"});
  EXPECT_TRUE(files.starts_with("[ \"/t/m2.nix")) << files;
}

TEST(Types, BoolByOr) {
  run({
      {"types.boolByOr", {"false", "true", "false"}, "true"},
      {"types.boolByOr", {"false", "false"}, "false"},
      {"types.boolByOr", {"1"}, not_of_type("x", "boolean (merged using or)", kDef1 + "1")},
  });
}

// Submodules: nested evaluations, one per value.
const std::string kServices = R"({ lib, ... }: with lib; {
  options.services = mkOption {
    type = types.attrsOf (types.submodule ({ name, config, ... }: {
      options.enable = mkOption { type = types.bool; default = false; };
      options.user = mkOption { type = types.str; default = name; };
      options.port = mkOption { type = types.port; };
      options.url = mkOption { type = types.str; default = "http://${config.user}:${toString config.port}"; };
    }));
    default = { };
  };
})";

TEST(Types, SubmoduleDefaultsNameAndConfig) {
  EXPECT_EQ(eval_config({kServices, "{ services.web.port = 80; }"}, "services.web"),
            R"({ enable = false; port = 80; url = "http://web:80"; user = "web"; })");
  EXPECT_EQ(
      eval_config({kServices, "{ services.web.port = 80; }", "{ services.web = { enable = true; user = \"www\"; }; }"},
                  "services.web"),
      R"({ enable = true; port = 80; url = "http://www:80"; user = "www"; })");
  EXPECT_EQ(eval_config({kServices, "{ services.a.port = 1; }", "{ services.b.port = 2; }"}, "services"),
            R"({ a = { enable = false; port = 1; url = "http://a:1"; user = "a"; }; )"
            R"(b = { enable = false; port = 2; url = "http://b:2"; user = "b"; }; })");
  EXPECT_EQ(eval_config({kServices, "{ lib, ... }: { services.web = { port = 80; user = lib.mkForce \"root\"; }; }",
                         "{ services.web.user = \"www\"; }"},
                        "services.web.user"),
            "\"root\"");
}

TEST(Types, SubmoduleDefinitionsMayBeFunctionsAndPaths) {
  // A function (or path) definition is a module; an attribute set is
  // config only (shorthandOnlyDefinesConfig).
  EXPECT_EQ(eval_config({kServices, "{ services.web = { name, ... }: { port = 8080; user = \"u-${name}\"; }; }"},
                        "services.web.url"),
            "\"http://u-web:8080\"");
  eval::testing::TempDir dir;
  dir.write("web.nix", "{ port = 81; }");
  EXPECT_EQ(eval_config({kServices, "{ services.web = ./web.nix; }"}, "services.web.port", {.dir = dir.path()}), "81");
  EXPECT_EQ(eval_config({kServices, "{ services.web = { config.port = 80; }; }"}, "services.web"),
            "error: The option `services.web.config.port' does not exist. Definition values:\n"
            "- In `/t/m1.nix:1:20': 80");
}

TEST(Types, SubmoduleErrors) {
  EXPECT_EQ(eval_config({kServices, "{\n  services.web.port = \"80\";\n}"}, "services.web.port"),
            not_of_type("services.web.port", "16 bit unsigned integer; between 0 and 65535 (both inclusive)",
                        "\n- In `/t/m1.nix:2:3': \"80\""));
  // (The closest suggestion only: nixpkgs lists three here, cairn one.)
  std::string undeclared = eval_config({kServices, "{\n  services.web.enabled = true;\n}"}, "services.web");
  EXPECT_TRUE(
      undeclared.starts_with("error: The option `services.web.enabled' does not exist. Definition values:\n"
                             "- In `/t/m1.nix:2:3': true\n\nDid you mean `services.web.enable'"))
      << undeclared;
  EXPECT_EQ(eval_config({kServices, "{ services.web = { }; }"}, "services.web.url"),
            "error: The option `services.web.port' was accessed but has no value defined. Try setting the option.");
  EXPECT_EQ(eval_config({kServices, "{\n  services.web = 1;\n}"}, "services.web"),
            not_of_type("services.web", "submodule", "\n- In `/t/m1.nix:2:3': 1"));
  EXPECT_EQ(
      eval_config({kServices, "{\n  services.web.port = 1;\n}", "{\n  services.web.port = 2;\n}"}, "services.web.port"),
      // The submodule's own evaluation reverses its definitions again.
      conflict("services.web.port", "\n- In `/t/m1.nix:2:3': 1\n- In `/t/m2.nix:2:3': 2"));
}

TEST(Types, SubmoduleWith) {
  const std::string decl = R"({ lib, ... }: with lib; {
  options.x = mkOption {
    type = types.submoduleWith {
      modules = [ ({ greeting, ... }: { options.a = mkOption { default = greeting; }; }) ];
      specialArgs.greeting = "hello";
    };
    default = { };
  };
})";
  EXPECT_EQ(eval_config({decl}, "x"), R"({ a = "hello"; })");
  EXPECT_EQ(eval_config({decl, "{ x.a = \"hi\"; }"}, "x"), R"({ a = "hi"; })");
  // shorthandOnlyDefinesConfig defaults to false: a definition is a whole
  // module, so it may declare options.
  EXPECT_EQ(eval_config({decl, R"({ lib, ... }: {
  x = { options.b = lib.mkOption { default = 2; }; config.a = "hey"; };
})"},
                        "x"),
            R"({ a = "hey"; b = 2; })");
  EXPECT_EQ(eval_config({decl, R"({ x = { greeting, ... }: { a = "${greeting}!"; }; })"}, "x.a"), R"("hello!")");
}

TEST(Types, DeferredModule) {
  const std::string decl = R"({ lib, config, ... }: with lib; {
  options.m = mkOption { type = types.deferredModule; default = { }; };
  options.sub = mkOption { type = types.submoduleWith { modules = [ config.m ]; }; default = { }; };
})";
  EXPECT_EQ(eval_config({decl, "{ lib, ... }: { m.options.a = lib.mkOption { default = 1; }; }",
                         "{ lib, ... }: { m = { config.a = lib.mkForce 2; }; }"},
                        "sub"),
            "{ a = 2; }");
  EXPECT_EQ(eval_config({decl, "{ m = 1; }"}, "sub"), not_of_type("m", "module", "\n- In `/t/m1.nix:1:3': 1"));
}

TEST(Types, Descriptions) {
  // Composite descriptions, parenthesised as nixpkgs does.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"types.listOf types.str", "list of string"},
      {"types.listOf (types.listOf types.int)", "list of list of signed integer"},
      {"types.attrsOf (types.nullOr types.str)", "attribute set of (null or string)"},
      {"types.lazyAttrsOf types.bool", "lazy attribute set of boolean"},
      {"types.nullOr (types.either types.int types.str)", "null or signed integer or string"},
      {"types.either types.int (types.listOf types.str)", "signed integer or list of string"},
      {"types.either (types.listOf types.str) types.int", "(list of string) or signed integer"},
      {"types.functionTo types.str", "function that evaluates to a(n) string"},
      {"types.listOf (types.submodule { })", "list of (submodule)"},
      {"types.uniq (types.listOf types.int)", "list of signed integer"},
      {"types.coercedTo types.str (s: [ s ]) (types.listOf types.str)", "(list of string) or string convertible to it"},
  };
  for (auto& [type, description] : cases)
    EXPECT_EQ(eval_config({"{ lib, ... }: with lib; { options.x = mkOption { type = " + type +
                               "; }; options.d = lib.mkOption { }; }",
                           "{ options, ... }: { d = options.x.type.description; }"},
                          "d"),
              "\"" + description + "\"")
        << type;
}

}  // namespace
}  // namespace cairn::eval
