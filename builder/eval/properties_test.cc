// Definition properties (mkIf, mkMerge, mkOverride and its shorthands,
// mkOrder and its shorthands, and their combinations), module forms
// (functions and sets, imports, disabledModules, _file and key, freeform
// types, readOnly, apply, the option-migration modules, assertions), the
// config fixpoint, and the module system's errors, word for word.
#include <gtest/gtest.h>

#include "builder/eval/host.hh"
#include "builder/eval/test_modules.hh"

namespace cairn::eval {
namespace {

using eval::testing::eval_config;
using eval::testing::TempDir;
using eval::testing::with_config;

const std::string kSuggest =
    "\nUse `lib.mkForce value` or `lib.mkDefault value` to change the priority on any of these definitions.";

// name: a string with a default (priority 1500); flag: a bool; list: a
// list of strings; text: lines; nested.a / nested.b: a namespace of two
// ints; set: an attribute set of ints.
const std::string kDecls = R"({ lib, ... }: with lib; {
  options.name = mkOption { type = types.str; default = "default"; };
  options.flag = mkOption { type = types.bool; default = false; };
  options.list = mkOption { type = types.listOf types.str; default = [ ]; };
  options.text = mkOption { type = types.lines; default = ""; };
  options.nested.a = mkOption { type = types.int; default = 0; };
  options.nested.b = mkOption { type = types.int; default = 0; };
  options.set = mkOption { type = types.attrsOf types.int; default = { }; };
})";

// Each definition module is `{ lib, config, ... }: with lib; { BODY }`.
std::vector<std::string> with_defs(const std::vector<std::string>& bodies) {
  std::vector<std::string> modules = {kDecls};
  for (const std::string& b : bodies) modules.push_back("{ lib, config, ... }: with lib; {\n  " + b + "\n}");
  return modules;
}

struct Case {
  std::vector<std::string> defs;  ///< module bodies
  std::string path;               ///< what to print
  std::string expected;
};

void run(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    std::string defs;
    for (const std::string& d : c.defs) defs += "\n  " + d;
    EXPECT_EQ(eval_config(with_defs(c.defs), c.path), c.expected) << c.path << " with" << defs;
  }
}

// ---- mkIf ---------------------------------------------------------------

TEST(Properties, MkIf) {
  run({
      {{"name = mkIf true \"yes\";"}, "name", "\"yes\""},
      {{"name = mkIf false \"no\";"}, "name", "\"default\""},
      {{"name = mkIf true (mkIf true \"both\");"}, "name", "\"both\""},
      {{"name = mkIf true (mkIf false \"inner false\");"}, "name", "\"default\""},
      {{"name = mkIf false (mkIf true \"outer false\");"}, "name", "\"default\""},
      {{"name = mkIf false \"no\";", "name = \"plain\";"}, "name", "\"plain\""},
      // Inside lists and attrsOf values.
      {{"list = [ \"a\" (mkIf false \"b\") (mkIf true \"c\") ];"}, "list", "[ \"a\" \"c\" ]"},
      {{"set = { a = mkIf false 1; b = mkIf true 2; c = 3; };"}, "set", "{ b = 2; c = 3; }"},
      // Under a namespace: the condition is pushed down to every option.
      {{"nested = mkIf true { a = 1; b = 2; };"}, "nested", "{ a = 1; b = 2; }"},
      {{"nested = mkIf false { a = 1; b = 2; };"}, "nested", "{ a = 0; b = 0; }"},
      // A condition that is never needed is never evaluated.
      {{"nested.a = mkIf (throw \"not needed\") 1;"}, "nested.b", "0"},
      {{"nested.a = mkIf (throw \"needed\") 1;"}, "nested.a", "error: needed"},
  });
}

TEST(Properties, MkIfAtTheTopOfAModule) {
  EXPECT_EQ(eval_config({kDecls, "{ lib, ... }: lib.mkIf true { name = \"top\"; flag = true; }"}, "flag"), "true");
  EXPECT_EQ(eval_config({kDecls, "{ lib, ... }: lib.mkIf false { name = \"top\"; flag = true; }"}, "name"),
            "\"default\"");
  EXPECT_EQ(eval_config({kDecls, "{ lib, ... }: { config = lib.mkIf true { name = \"explicit\"; }; }"}, "name"),
            "\"explicit\"");
  // The shape of a module must not depend on its condition: an undeclared
  // name is an error even under mkIf false.
  std::string undeclared = eval_config({kDecls, "{ lib, ... }: lib.mkIf false { nmae = \"x\"; }"}, "name");
  EXPECT_TRUE(
      undeclared.starts_with("error: The option `nmae' does not exist. Definition values:\n"
                             "- In `/t/m1.nix:1:32': "))
      << undeclared;
}

TEST(Properties, MkIfConditionMustBeABool) {
  // nixpkgs says "‘mkIf’ called with a non-Boolean condition"; cairn
  // adds the type it got.
  run({
      {{"name = mkIf 1 \"x\";"}, "name", "error: `mkIf' called with a non-Boolean condition (an integer)"},
      {{"nested = mkIf \"yes\" { a = 1; };"},
       "nested.a",
       "error: `mkIf' called with a non-Boolean condition (a string)"},
      {{"list = [ (mkIf null \"x\") ];"}, "list", "error: `mkIf' called with a non-Boolean condition (null)"},
  });
}

// ---- mkMerge ------------------------------------------------------------

TEST(Properties, MkMerge) {
  run({
      {{"list = mkMerge [ [ \"a\" ] [ \"b\" ] ];"}, "list", "[ \"a\" \"b\" ]"},
      {{"list = mkMerge [ [ \"a\" ] (mkIf false [ \"b\" ]) (mkMerge [ [ \"c\" ] (mkIf true [ \"d\" ]) ]) ];"},
       "list",
       "[ \"a\" \"c\" \"d\" ]"},
      {{"nested = mkMerge [ { a = 1; } (mkIf true { b = 2; }) ];"}, "nested", "{ a = 1; b = 2; }"},
      {{"nested = mkMerge [ { a = 1; } (mkIf false { b = 2; }) ];"}, "nested", "{ a = 1; b = 0; }"},
      {{"name = mkMerge [ \"x\" (mkIf false \"y\") ];"}, "name", "\"x\""},
      {{"name = mkMerge [ \"x\" \"y\" ];"},
       "name",
       "error: The option `name' has conflicting definition values:\n- In `/t/m1.nix:2:3': \"x\"\n"
       "- In `/t/m1.nix:2:3': \"y\"" +
           kSuggest},
      {{"name = mkMerge [ ];"}, "name", "\"default\""},
  });
  EXPECT_EQ(
      eval_config({kDecls, "{ lib, ... }: lib.mkMerge [ { name = \"m\"; } (lib.mkIf true { flag = true; }) ]"}, "flag"),
      "true");
  EXPECT_EQ(eval_config({kDecls, "{ lib, ... }: { config = lib.mkMerge [ { name = \"m\"; } { nested.a = 1; } ]; }"},
                        "nested.a"),
            "1");
}

// ---- mkOverride: lowest number wins --------------------------------------

TEST(Properties, Priorities) {
  run({
      {{}, "name", "\"default\""},  // the default: 1500
      {{"name = mkOptionDefault \"od\";"},
       "name",  // 1500, like the default
       "error: The option `name' has conflicting definition values:\n"
       "- In `/t/m0.nix:2:3': \"default\"\n- In `/t/m1.nix:2:3': \"od\"" +
           kSuggest},
      {{"name = mkDefault \"d\";"}, "name", "\"d\""},                   // 1000
      {{"name = mkDefault \"d\";", "name = \"p\";"}, "name", "\"p\""},  // plain: 100
      {{"name = mkOverride 100 \"o\";", "name = \"o\";"}, "name", "\"o\""},
      {{"name = mkOverride 99 \"o\";", "name = \"p\";"}, "name", "\"o\""},
      {{"name = mkForce \"f\";", "name = \"p\";"}, "name", "\"f\""},  // 50
      {{"name = mkForce \"f\";", "name = mkForce \"f\";"}, "name", "\"f\""},
      {{"name = mkOverride 10 \"vm\";", "name = mkForce \"f\";"}, "name", "\"vm\""},
      {{"name = mkVMOverride \"vm\";", "name = mkForce \"f\";"}, "name", "\"vm\""},
      {{"name = mkImageMediaOverride \"img\";", "name = \"p\";"}, "name", "\"img\""},
      {{"name = mkForce \"f\";", "name = mkImageMediaOverride \"img\";"}, "name", "\"f\""},
      {{"name = mkDefault \"a\";", "name = mkDefault \"b\";"},
       "name",
       "error: The option `name' has conflicting definition values:\n"
       "- In `/t/m2.nix:2:3': \"b\"\n- In `/t/m1.nix:2:3': \"a\"" +
           kSuggest},
      {{"name = mkForce \"a\";", "name = mkForce \"b\";"},
       "name",
       "error: The option `name' has conflicting definition values:\n"
       "- In `/t/m2.nix:2:3': \"b\"\n- In `/t/m1.nix:2:3': \"a\"" +
           kSuggest},
      // Lists: only the winning priority's definitions are concatenated.
      {{"list = [ \"a\" ];", "list = mkForce [ \"forced\" ];", "list = [ \"b\" ];"}, "list", "[ \"forced\" ]"},
      {{"list = mkDefault [ \"d1\" ];", "list = mkDefault [ \"d2\" ];"}, "list", "[ \"d2\" \"d1\" ]"},
      {{"list = mkDefault [ \"d\" ];", "list = [ \"p\" ];"}, "list", "[ \"p\" ]"},
      // Under a namespace the priority is pushed down to every option.
      {{"nested = mkForce { a = 1; };", "nested.a = 2;"}, "nested.a", "1"},
      {{"nested = mkDefault { a = 1; b = 1; };", "nested.a = 2;"}, "nested", "{ a = 2; b = 1; }"},
  });
}

TEST(Properties, PriorityOfTheOptionDefault) {
  // The default is a definition of priority 1500 (mkOptionDefault); it
  // loses to mkDefault, and to a definition of any priority below 1500.
  const std::string decl =
      "{ lib, ... }: { options.l = lib.mkOption { type = lib.types.listOf lib.types.int; default = [ 0 ]; }; }";
  EXPECT_EQ(eval_config({decl}, "l"), "[ 0 ]");
  EXPECT_EQ(eval_config({decl, "{ l = [ 1 ]; }"}, "l"), "[ 1 ]");
  EXPECT_EQ(eval_config({decl, "{ lib, ... }: { l = lib.mkOverride 1499 [ 1 ]; }"}, "l"), "[ 1 ]");
  EXPECT_EQ(eval_config({decl, "{ lib, ... }: { l = lib.mkOptionDefault [ 1 ]; }"}, "l"), "[ 0 1 ]");
  EXPECT_EQ(eval_config({decl, "{ lib, ... }: { l = lib.mkOverride 1501 [ 1 ]; }"}, "l"), "[ 0 ]");
  // Reading an option's definition status follows the same rules.
  EXPECT_EQ(eval_config({decl,
                         "{ lib, options, ... }: { options.d = lib.mkOption { }; config.d = "
                         "options.l.isDefined; }"},
                        "d"),
            "true");
}

// ---- mkOrder ------------------------------------------------------------

TEST(Properties, Order) {
  run({
      {{"list = [ \"a\" ];", "list = mkBefore [ \"before\" ];", "list = mkAfter [ \"after\" ];"},
       "list",
       "[ \"before\" \"a\" \"after\" ]"},
      {{"list = mkOrder 2000 [ \"last\" ];", "list = mkAfter [ \"after\" ];", "list = mkOrder 100 [ \"first\" ];",
        "list = mkBefore [ \"before\" ];"},
       "list",
       "[ \"first\" \"before\" \"after\" \"last\" ]"},
      // Equal orders keep the merge order (the module list reversed).
      {{"list = mkAfter [ \"x\" ];", "list = mkAfter [ \"y\" ];"}, "list", "[ \"y\" \"x\" ]"},
      {{"list = mkOrder 1000 [ \"explicit\" ];", "list = [ \"plain\" ];"}, "list", "[ \"plain\" \"explicit\" ]"},
      {{"text = \"middle\";", "text = mkAfter \"end\";", "text = mkBefore \"start\";"},
       "text",
       "\"start\\nmiddle\\nend\""},
      {{"list = mkIf true (mkBefore [ \"b\" ]);", "list = [ \"a\" ];"}, "list", "[ \"b\" \"a\" ]"},
      {{"list = mkMerge [ [ \"a\" ] (mkBefore [ \"b\" ]) ];"}, "list", "[ \"b\" \"a\" ]"},
  });
}

// ---- combinations ---------------------------------------------------------

TEST(Properties, Combinations) {
  run({
      // mkForce inside mkIf (the usual spelling).
      {{"name = mkIf true (mkForce \"f\");", "name = \"p\";"}, "name", "\"f\""},
      {{"name = mkIf false (mkForce \"f\");", "name = \"p\";"}, "name", "\"p\""},
      {{"nested = mkIf true (mkForce { a = 5; });", "nested.a = 1;"}, "nested.a", "5"},
      // mkIf (or mkMerge) inside mkForce. nixpkgs leaves an mkIf or mkMerge
      // under an mkOverride at an option undischarged, and then fails the
      // type check on it; cairn discharges it.
      {{"name = mkForce (mkIf true \"f\");", "name = \"p\";"}, "name", "\"f\""},
      {{"name = mkForce (mkIf false \"f\");", "name = \"p\";"}, "name", "\"p\""},
      {{"nested = mkForce (mkIf true { a = 5; });", "nested.a = 1;"}, "nested.a", "5"},
      // mkMerge of overrides: each definition keeps its own priority.
      {{"list = mkMerge [ (mkDefault [ \"d\" ]) [ \"p\" ] ];"}, "list", "[ \"p\" ]"},
      {{"list = mkMerge [ (mkForce [ \"f\" ]) (mkIf true [ \"p\" ]) ];"}, "list", "[ \"f\" ]"},
      {{"list = mkForce (mkMerge [ [ \"a\" ] (mkIf true [ \"b\" ]) ]);", "list = [ \"c\" ];"},
       "list",
       "[ \"a\" \"b\" ]"},
      {{"list = mkForce (mkBefore [ \"b\" ]);", "list = mkForce [ \"a\" ];"}, "list", "[ \"b\" \"a\" ]"},
      {{"text = mkDefault (mkAfter \"z\");", "text = mkDefault \"a\";"}, "text", "\"a\\nz\""},
  });
}

// ---- module forms ---------------------------------------------------------

TEST(ModulesForms, FunctionsAndSets) {
  EXPECT_EQ(eval_config({kDecls, "{ name = \"set\"; }"}, "name"), "\"set\"");
  EXPECT_EQ(eval_config({kDecls, "{ ... }: { name = \"function\"; }"}, "name"), "\"function\"");
  EXPECT_EQ(eval_config({kDecls, "args: { name = args.host.name; }"}, "name"), "\"test\"");
  EXPECT_EQ(eval_config({kDecls, "{ config, ... }: { name = if config.flag then \"on\" else \"off\"; }"}, "name"),
            "\"off\"");
  // Explicit form: options and config side by side.
  EXPECT_EQ(eval_config({"{ lib, config, ... }: { options.a = lib.mkOption { default = 1; }; "
                         "options.b = lib.mkOption { }; config.b = config.a + 1; }"},
                        ""),
            "{ a = 1; b = 2; }");
  EXPECT_EQ(eval_config({kDecls, "{ config.name = \"x\"; }"}, "name"), "\"x\"");
  EXPECT_EQ(eval_config({kDecls, "{ config = { }; options = { }; }"}, "name"), "\"default\"");
  EXPECT_EQ(eval_config({kDecls, "{ _class = \"nixos\"; name = \"shorthand\"; }"}, "name"), "\"shorthand\"");
  EXPECT_EQ(eval_config({kDecls, "{ options.name2 = { }; name = \"x\"; }"}, "name"),
            "error: Module `<unknown-file>' has an unsupported attribute `name'. This is caused by introducing a "
            "top-level `config' or `options' attribute. Add configuration attributes immediately on the top level "
            "instead, or move all of them (namely: name) into the explicit `config' attribute.");
  EXPECT_EQ(eval_config({kDecls, "42"}, "name"),
            "error: module «inline» is an integer, but a module must be a set or a function");
}

TEST(ModulesForms, ArgumentsAskedFor) {
  // A function without `...` gets only what it asks for (CONTRACT.md; in
  // nixpkgs it would be called with all of them and fail); one that asks
  // for a missing argument fails.
  EXPECT_EQ(eval_config({kDecls, "{ lib }: { name = lib.toUpper \"x\"; }"}, "name"), "\"X\"");
  EXPECT_EQ(eval_config({kDecls, "{ pkgs, ... }: { name = pkgs.bash.name; }"}, "name"), "\"bash\"");
  std::string missing = eval_config({kDecls, "{ nosuch, ... }: { name = nosuch; }"}, "name");
  EXPECT_TRUE(missing.starts_with("error: function anonymous lambda called without required argument 'nosuch'"))
      << missing;
}

TEST(ModulesForms, ImportsOfPathsSetsAndFunctions) {
  TempDir dir;
  dir.write("a.nix", "{ imports = [ ./sub/b.nix ]; list = [ \"a\" ]; }");
  dir.write("sub/b.nix", "{ lib, ... }: { imports = [ ./c ]; list = lib.mkBefore [ \"b\" ]; }");
  dir.write("sub/c/default.nix", "{ list = [ \"c\" ]; }");
  EXPECT_EQ(eval_config({kDecls, "{ imports = [ ./a.nix ]; }"}, "list", {.dir = dir.path()}), "[ \"b\" \"c\" \"a\" ]");
  // Inline modules and functions in imports.
  EXPECT_EQ(eval_config({kDecls,
                         "{ imports = [ { name = \"inline\"; } ({ lib, ... }: { flag = lib.mkDefault true; }) "
                         "]; }"},
                        ""),
            "{ flag = true; list = [ ]; name = \"inline\"; nested = { a = 0; b = 0; }; set = { }; text = \"\"; }");
  // A path given as a string.
  EXPECT_EQ(eval_config({kDecls, "{ imports = [ \"" + dir.path() + "/sub/c\" ]; }"}, "list"), "[ \"c\" ]");
  EXPECT_EQ(eval_config({kDecls, "{ imports = [ ./missing.nix ]; }"}, "name", {.dir = dir.path()}),
            "error: opening file '" + dir.path() + "/missing.nix': No such file or directory");
}

TEST(ModulesForms, ImportsAreDeduplicatedByPathAndKey) {
  TempDir dir;
  dir.write("a.nix", "{ list = [ \"a\" ]; }");
  EXPECT_EQ(eval_config({kDecls, "{ imports = [ ./a.nix ./a.nix ]; }", "{ imports = [ ./a.nix ]; }"}, "list",
                        {.dir = dir.path()}),
            "[ \"a\" ]");
  // `key` names a module; two with the same key are one.
  EXPECT_EQ(eval_config({kDecls,
                         "{ imports = [ { key = \"k\"; list = [ \"k1\" ]; } { key = \"k\"; list = [ \"k2\" ]; "
                         "} ]; }"},
                        "list"),
            "[ \"k1\" ]");
  // Without a key, equal inline modules are distinct.
  EXPECT_EQ(eval_config({kDecls, "{ imports = [ { list = [ \"x\" ]; } { list = [ \"x\" ]; } ]; }"}, "list"),
            "[ \"x\" \"x\" ]");
}

TEST(ModulesForms, DisabledModules) {
  TempDir dir;
  dir.write("a.nix", "{ name = \"from a\"; }");
  dir.write("b.nix", "{ imports = [ ./a.nix ]; list = [ \"b\" ]; }");
  EXPECT_EQ(eval_config({kDecls, "{ imports = [ ./b.nix ]; }"}, "name", {.dir = dir.path()}), "\"from a\"");
  // By path, wherever the module is imported from.
  EXPECT_EQ(
      eval_config({kDecls, "{ imports = [ ./b.nix ]; disabledModules = [ ./a.nix ]; }"}, "name", {.dir = dir.path()}),
      "\"default\"");
  // By absolute path string, and by key.
  EXPECT_EQ(eval_config({kDecls, "{ imports = [ ./b.nix ]; disabledModules = [ \"" + dir.path() + "/a.nix\" ]; }"},
                        "name", {.dir = dir.path()}),
            "\"default\"");
  EXPECT_EQ(eval_config({kDecls, "{ imports = [ { key = \"extra\"; list = [ \"x\" ]; } ]; }",
                         "{ disabledModules = [ { key = \"extra\"; } ]; }"},
                        "list"),
            "[ ]");
  // What only a disabled module imports is left out with it.
  EXPECT_EQ(
      eval_config({kDecls, "{ imports = [ ./b.nix ]; disabledModules = [ ./b.nix ]; }"}, "name", {.dir = dir.path()}),
      "\"default\"");
  EXPECT_EQ(eval_config({kDecls, "{ imports = [ ./b.nix ./a.nix ]; disabledModules = [ ./b.nix ]; }"}, "name",
                        {.dir = dir.path()}),
            "\"from a\"");
  // Disabling a module that declares options removes the declarations.
  dir.write("decl.nix", "{ lib, ... }: { options.extra = lib.mkOption { default = 1; }; }");
  EXPECT_EQ(
      eval_config({"{ imports = [ ./decl.nix ]; }", "{ disabledModules = [ ./decl.nix ]; }"}, "", {.dir = dir.path()}),
      "{ }");
}

TEST(ModulesForms, FileAndKeyNameTheModule) {
  // `_file` names the module where no position is known: in an option's
  // declarations.
  EXPECT_EQ(eval_config({"{ lib, options, ... }: { _file = \"virtual.nix\"; options.x = lib.mkOption { default = 1; }; "
                         "options.d = lib.mkOption { }; config.d = options.x.declarations; }"},
                        "d"),
            "[ \"virtual.nix\" ]");
}

// ---- freeform types (RFC 42 `settings`) ------------------------------------

const std::string kSettings = R"({ lib, ... }: with lib; {
  options.settings = mkOption {
    type = types.submodule {
      freeformType = types.attrsOf (types.oneOf [ types.int types.str (types.attrsOf types.str) ]);
      options.Port = mkOption { type = types.port; default = 22; };
      options.Banner = mkOption { type = types.nullOr types.str; default = null; };
    };
    default = { };
  };
})";

TEST(ModulesFreeform, UndeclaredNamesMergeWithTheFreeformType) {
  EXPECT_EQ(eval_config({kSettings}, "settings"), "{ Banner = null; Port = 22; }");
  EXPECT_EQ(eval_config({kSettings, "{ settings.LogLevel = \"INFO\"; }", "{ settings.Port = 2222; }"}, "settings"),
            "{ Banner = null; LogLevel = \"INFO\"; Port = 2222; }");
  EXPECT_EQ(eval_config({kSettings, "{ settings.Match.User = \"git\"; }", "{ settings.Match.Address = \"10.0.0.1\"; }"},
                        "settings.Match"),
            "{ Address = \"10.0.0.1\"; User = \"git\"; }");
  // Declared options keep their types; undeclared ones get the freeform's.
  EXPECT_EQ(eval_config({kSettings, "{\n  settings.Port = \"22\";\n}"}, "settings"),
            "error: A definition for option `settings.Port' is not of type `16 bit unsigned integer; between 0 and "
            "65535 (both inclusive)'. Definition values:\n- In `/t/m1.nix:2:3': \"22\"");
  EXPECT_EQ(eval_config({kSettings, "{\n  settings.Compression = true;\n}"}, "settings"),
            "error: A definition for option `settings.Compression' is not of type `signed integer or string or "
            "attribute set of string'. Definition values:\n- In `/t/m1.nix:2:3': true");
  EXPECT_EQ(eval_config({kSettings, "{ settings.A = \"x\"; }", "{ settings.A = \"y\"; }"}, "settings.A"),
            "error: The option `settings.A' has conflicting definition values:\n"
            "- In `/t/m1.nix:1:3': \"x\"\n- In `/t/m2.nix:1:3': \"y\"" +
                kSuggest);
  // Priorities and conditions work on undeclared names too.
  EXPECT_EQ(eval_config({kSettings, "{ lib, ... }: { settings.A = lib.mkDefault \"d\"; }", "{ settings.A = \"p\"; }"},
                        "settings.A"),
            "\"p\"");
  EXPECT_EQ(
      eval_config({kSettings, "{ lib, ... }: { settings = { A = lib.mkIf false \"x\"; B = \"y\"; }; }"}, "settings"),
      "{ B = \"y\"; Banner = null; Port = 22; }");
}

TEST(ModulesFreeform, ModuleFreeformTypeInConfig) {
  // `_module.freeformType` set as config, here at the top level.
  EXPECT_EQ(eval_config({"{ lib, ... }: { config._module.freeformType = lib.types.attrsOf lib.types.int; "
                         "options.declared = lib.mkOption { type = lib.types.str; default = \"d\"; }; }",
                         "{ a = 1; }", "{ b = 2; }"},
                        ""),
            "{ a = 1; b = 2; declared = \"d\"; }");
  EXPECT_EQ(
      eval_config({"{ lib, ... }: { freeformType = lib.types.attrsOf lib.types.int; }", "{\n  a = \"x\";\n}"}, "a"),
      "error: A definition for option `a' is not of type `signed integer'. Definition values:\n"
      "- In `/t/m1.nix:2:3': \"x\"");
  // Without a freeform type, an undeclared name is an error.
  EXPECT_EQ(eval_config({"{ lib, ... }: { options.declared = lib.mkOption { default = 1; }; }", "{\n  a = 1;\n}"}, ""),
            "error: The option `a' does not exist. Definition values:\n- In `/t/m1.nix:2:3': 1");
}

TEST(ModulesFreeform, UndeclaredNamesUnderADeclaredNamespace) {
  // nixpkgs merges every unmatched definition with the freeform type, at
  // whatever depth it left the declared options.
  const std::string decl = R"({ lib, ... }: with lib; {
  options.settings = mkOption {
    type = types.submodule {
      freeformType = types.attrsOf types.anything;
      options.global.workgroup = mkOption { type = types.str; default = "WORKGROUP"; };
    };
    default = { };
  };
})";
  EXPECT_EQ(eval_config({decl, "{ settings.global.security = \"user\"; settings.share.path = \"/srv\"; }"}, "settings"),
            "{ global = { security = \"user\"; workgroup = \"WORKGROUP\"; }; share = { path = \"/srv\"; }; }");
}

// ---- readOnly, apply --------------------------------------------------------

TEST(ModulesOptions, ReadOnly) {
  const std::string decl =
      "{ lib, ... }: { options.ro = lib.mkOption { type = lib.types.int; readOnly = true; }; "
      "options.rod = lib.mkOption { type = lib.types.int; readOnly = true; default = 0; }; }";
  EXPECT_EQ(eval_config({decl, "{ ro = 1; }"}, "ro"), "1");
  EXPECT_EQ(eval_config({decl}, "rod"), "0");
  EXPECT_EQ(eval_config({decl, "{\n  ro = 1;\n}", "{\n  ro = 1;\n}"}, "ro"),
            "error: The option `ro' is read-only, but it's set multiple times. Definition values:\n"
            "- In `/t/m2.nix:2:3': 1\n- In `/t/m1.nix:2:3': 1");
  // Priorities don't help: every definition counts, the default too.
  EXPECT_EQ(eval_config({decl, "{ lib, ... }: {\n  ro = lib.mkForce 1;\n}", "{\n  ro = 2;\n}"}, "ro"),
            "error: The option `ro' is read-only, but it's set multiple times. Definition values:\n"
            "- In `/t/m2.nix:2:3': 2\n- In `/t/m1.nix:2:3': 1");
  EXPECT_EQ(eval_config({decl, "{\n  rod = 1;\n}"}, "rod"),
            "error: The option `rod' is read-only, but it's set multiple times. Definition values:\n"
            "- In `/t/m0.nix:1:87': 0\n- In `/t/m1.nix:2:3': 1");
}

TEST(ModulesOptions, Apply) {
  const std::string decl = R"({ lib, ... }: {
  options.port = lib.mkOption { type = lib.types.int; default = 1; apply = x: x * 10; };
  options.names = lib.mkOption {
    type = lib.types.listOf lib.types.str; default = [ ]; apply = lib.concatStringsSep ",";
  };
})";
  EXPECT_EQ(eval_config({decl}, "port"), "10");
  EXPECT_EQ(eval_config({decl, "{ port = 2; }"}, "port"), "20");
  EXPECT_EQ(eval_config({decl, "{ names = [ \"a\" ]; }", "{ names = [ \"b\" ]; }"}, "names"), "\"b,a\"");
  // Other modules see the applied value.
  EXPECT_EQ(eval_config({decl, "{ lib, config, ... }: { options.seen = lib.mkOption { }; config.seen = config.port; }"},
                        "seen"),
            "10");
}

// ---- option-migration modules ------------------------------------------------

TEST(ModulesOptions, RenamedOptionModule) {
  const std::string decls = R"({ lib, ... }: with lib; {
  imports = [ (mkRenamedOptionModule [ "old" "name" ] [ "new" "name" ]) ];
  options.new.name = mkOption { type = types.str; default = "default"; };
  options.warnings = mkOption { type = types.listOf types.str; default = [ ]; };
})";
  EXPECT_EQ(eval_config({decls}, "new.name"), "\"default\"");
  EXPECT_EQ(eval_config({decls}, "warnings"), "[ ]");
  EXPECT_EQ(eval_config({decls, "{ old.name = \"via old\"; }"}, "new.name"), "\"via old\"");
  std::string warnings = eval_config({decls, "{ old.name = \"via old\"; }"}, "warnings");
  EXPECT_TRUE(warnings.find("The option `old.name'") != std::string::npos &&
              warnings.find("has been renamed to `new.name'.") != std::string::npos)
      << warnings;
  // The forwarded definition keeps its priority.
  EXPECT_EQ(
      eval_config({decls, "{ lib, ... }: { old.name = lib.mkDefault \"old default\"; }", "{ new.name = \"new\"; }"},
                  "new.name"),
      "\"new\"");
  EXPECT_EQ(eval_config({decls, "{ lib, ... }: { old.name = lib.mkForce \"forced\"; }", "{ new.name = \"new\"; }"},
                        "new.name"),
            "\"forced\"");
}

TEST(ModulesOptions, RemovedOptionModule) {
  const std::string decls = R"({ lib, ... }: with lib; {
  imports = [ (mkRemovedOptionModule [ "gone" ] "Use `new' instead.") ];
  options.assertions = mkOption { type = types.listOf types.unspecified; default = [ ]; };
})";
  EXPECT_EQ(eval_config({decls,
                         "{ lib, config, ... }: { options.ok = lib.mkOption { }; "
                         "config.ok = map (a: a.assertion) config.assertions; }"},
                        "ok"),
            "[ true ]");
  std::string defined =
      with_config({decls, "{ gone = 1; }"}, [](lang::EvalState& state, lang::Value& config) -> std::string {
        try {
          check_assertions(state, config);
        } catch (const lang::EvalError& e) {
          return e.message;
        }
        return "no error";
      });
  EXPECT_EQ(defined,
            "Failed assertions:\n- The option definition `gone' in `/t/m1.nix:1:3' no longer has any effect; "
            "please remove it.\nUse `new' instead.\n");
  EXPECT_EQ(eval_config({decls, "{ lib, config, ... }: { options.read = lib.mkOption { }; config.read = config.gone; }",
                         "{ gone = 1; }"},
                        "read"),
            "error: The option `gone' can no longer be used since it's been removed. Use `new' instead.");
}

// ---- assertions ------------------------------------------------------------

std::string failed_assertions(const std::vector<std::string>& modules) {
  return with_config(modules, [](lang::EvalState& state, lang::Value& config) -> std::string {
    try {
      check_assertions(state, config);
    } catch (const lang::EvalError& e) {
      return e.message;
    }
    return "ok";
  });
}

TEST(ModulesAssertions, EveryFailedAssertionIsListed) {
  const std::string decl = R"({ lib, ... }: {
  options.assertions = lib.mkOption { type = lib.types.listOf lib.types.unspecified; default = [ ]; };
  options.x = lib.mkOption { type = lib.types.int; default = 0; };
})";
  EXPECT_EQ(failed_assertions({decl}), "ok");
  EXPECT_EQ(failed_assertions({decl,
                               "{ config, ... }: { assertions = [ { assertion = config.x == 0; message = \"x\"; } "
                               "]; }"}),
            "ok");
  EXPECT_EQ(failed_assertions({decl, "{ assertions = [ { assertion = false; message = \"a\"; } ]; }",
                               "{ assertions = [ { assertion = true; message = \"ok\"; } "
                               "{ assertion = false; message = \"b\"; } ]; }"}),
            "Failed assertions:\n- b\n- a");
  EXPECT_EQ(failed_assertions({decl,
                               "{ config, ... }: { assertions = [ { assertion = config.x > 1; message = "
                               "\"x must be > 1, not ${toString config.x}\"; } ]; }"}),
            "Failed assertions:\n- x must be > 1, not 0");
}

// ---- the config fixpoint ------------------------------------------------------

TEST(ModulesFixpoint, OptionsReadOtherOptions) {
  run({
      {{"nested.a = config.nested.b + 1;", "nested.b = 41;"}, "nested.a", "42"},
      {{"name = mkIf config.flag \"flagged\";", "flag = true;"}, "name", "\"flagged\""},
      {{"name = mkIf config.flag \"flagged\";"}, "name", "\"default\""},
      // A condition may read the option it guards a definition of another
      // option in the same module.
      {{"flag = config.name == \"x\";", "name = \"x\";"}, "flag", "true"},
      {{"list = [ config.name ] ++ (if config.flag then [ \"f\" ] else [ ]);", "flag = true;"},
       "list",
       "[ \"default\" \"f\" ]"},
      {{"set.a = 1;", "set = mkIf (config.set ? a) { b = 2; };"}, "set", "error: infinite recursion encountered"},
  });
}

TEST(ModulesFixpoint, ConfigShapeMayDependOnOptions) {
  // `options` comes from the declarations alone, so which options a module
  // defines may depend on it (not on config).
  EXPECT_EQ(
      eval_config({kDecls, "{ lib, options, ... }: { config = lib.optionalAttrs (options ? flag) { flag = true; }; }",
                   "{ lib, options, ... }: { config = lib.optionalAttrs (options ? nosuch) { nosuch = 1; }; }"},
                  "flag"),
      "true");
  // The module itself (its imports, whether it has `config`) may not.
  EXPECT_EQ(eval_config({kDecls, "{ lib, options, ... }: lib.optionalAttrs (options ? flag) { flag = true; }"}, "flag"),
            "error: infinite recursion encountered");
  EXPECT_EQ(eval_config({kDecls, "{ lib, options, ... }: { name = options.name.type.description; }"}, "name"),
            "\"string\"");
}

TEST(ModulesFixpoint, ACycleIsInfiniteRecursionNamingTheOption) {
  std::string e = eval_config(with_defs({"nested.a = config.nested.b;", "nested.b = config.nested.a;"}), "nested.a",
                              {.format = true});
  EXPECT_TRUE(e.starts_with("error: infinite recursion encountered")) << e;
  EXPECT_NE(e.find("while evaluating the option `nested.a'"), std::string::npos) << e;
  EXPECT_NE(e.find("while evaluating the option `nested.b'"), std::string::npos) << e;
  // The shape of config (here: imports) must not depend on config.
  EXPECT_EQ(eval_config({kDecls, "{ config, ... }: { imports = if config.flag then [ ] else [ ]; }"}, "flag"),
            "error: infinite recursion encountered");
}

// ---- errors -----------------------------------------------------------------

TEST(ModulesErrors, EachDefinitionIsCitedWithFileLineColumn) {
  EXPECT_EQ(
      eval_config({kDecls, "{\n  name = \"x\";\n}", "{ lib, ... }: {\n\n    name = lib.mkMerge [ \"y\" ];\n}"}, "name"),
      "error: The option `name' has conflicting definition values:\n"
      "- In `/t/m2.nix:3:5': \"y\"\n- In `/t/m1.nix:2:3': \"x\"" +
          kSuggest);
  EXPECT_EQ(eval_config({kDecls, "{\n  nested = {\n    a = \"x\";\n  };\n}"}, "nested.a"),
            "error: A definition for option `nested.a' is not of type `signed integer'. Definition values:\n"
            "- In `/t/m1.nix:3:5': \"x\"");
  // Only the definitions that fail the check are listed.
  EXPECT_EQ(eval_config({kDecls, "{\n  flag = 1;\n}", "{\n  flag = true;\n}", "{\n  flag = \"no\";\n}"}, "flag"),
            "error: A definition for option `flag' is not of type `boolean'. Definition values:\n"
            "- In `/t/m3.nix:2:3': \"no\"\n- In `/t/m1.nix:2:3': 1");
  // The error's own position is the first definition cited.
  std::string formatted = eval_config({kDecls, "{\n  flag = \"yes\";\n}"}, "flag", {.format = true});
  EXPECT_NE(formatted.find("at /t/m1.nix:2:3:"), std::string::npos) << formatted;
}

TEST(ModulesErrors, UndeclaredOptions) {
  EXPECT_EQ(eval_config({kDecls, "{\n  nested.c = 1;\n}"}, "nested"),
            "error: The option `nested.c' does not exist. Definition values:\n"
            "- In `/t/m1.nix:2:3': 1\n\nDid you mean `nested.a' or `nested.b'?");
  // cairn names the defined leaf when the definition is a chain of single
  // names (nixpkgs stops at the first undeclared name, `nestde', and shows
  // the set); suggestions are siblings of the first undeclared name, the
  // closest first. (Only the closest is asserted: nixpkgs lists the three
  // closest of fewer than 100 siblings, cairn only close ones.)
  std::string leaf = eval_config({kDecls, "{\n  nestde.a = 1;\n}"}, "name");
  EXPECT_TRUE(
      leaf.starts_with("error: The option `nestde.a' does not exist. Definition values:\n"
                       "- In `/t/m1.nix:2:3': 1\n\nDid you mean `nested.a'"))
      << leaf;
  // The undeclared-option check runs even when nothing reads config.
  std::string unread = eval_config({kDecls, "{\n  nested.a = 1;\n  nested.zzzzzzzz = 2;\n}"}, "nested.a");
  EXPECT_TRUE(
      unread.starts_with("error: The option `nested.zzzzzzzz' does not exist. Definition values:\n"
                         "- In `/t/m1.nix:3:3': 2"))
      << unread;
  // No options at all: nixpkgs' hints.
  EXPECT_EQ(eval_config({"{\n  config.x = 1;\n}"}, ""),
            "error: The option `x' does not exist. Definition values:\n- In `/t/m0.nix:2:3': 1\n\n"
            "It seems as if you're trying to declare an option by placing it into `config' rather than `options'!");
  EXPECT_EQ(eval_config({"{ lib, ... }: { options.sub = lib.mkOption { type = lib.types.submodule { "
                         "config.y = 1; }; default = { }; }; }"},
                        "sub"),
            "error: The option `sub.y' does not exist. Definition values:\n- In `/t/m0.nix:1:75': 1\n\n"
            "However there are no options defined in `sub'. Are you sure you've\ndeclared your options properly? "
            "This can happen if you e.g. declared your options in `types.submodule'\nunder `config' rather than "
            "`options'.");
  // A value where a namespace of options is expected.
  EXPECT_EQ(eval_config({kDecls, "{\n  nested = 1;\n}"}, "nested"),
            "error: A definition for `nested' is not a set, but `nested' is a group of options, not an option. "
            "Definition values:\n- In `/t/m1.nix:2:3': 1");
}

TEST(ModulesErrors, NoValue) {
  EXPECT_EQ(eval_config({"{ lib, ... }: { options.x = lib.mkOption { type = lib.types.int; }; }"}, "x"),
            "error: The option `x' was accessed but has no value defined. Try setting the option.");
  EXPECT_EQ(eval_config({"{ lib, ... }: { options.x = lib.mkOption { type = lib.types.int; }; }",
                         "{ lib, ... }: { x = lib.mkIf false 1; }"},
                        "x"),
            "error: The option `x' was accessed but has no value defined. Try setting the option.");
  // An option nobody reads needs no value.
  EXPECT_EQ(eval_config({"{ lib, ... }: { options.x = lib.mkOption { type = lib.types.int; }; "
                         "options.y = lib.mkOption { default = 1; }; }"},
                        "y"),
            "1");
}

TEST(ModulesErrors, NullAndNotNullUniqueViolated) {
  const std::string decl =
      "{ lib, ... }: with lib; { options.n = mkOption { type = types.nullOr types.str; }; "
      "options.u = mkOption { type = types.unique { message = \"One place only.\"; } types.int; "
      "}; }";
  EXPECT_EQ(eval_config({decl, "{\n  n = null;\n}", "{\n  n = \"x\";\n}"}, "n"),
            "error: The option `n` is defined both null and not null, in `/t/m2.nix:2:3' and `/t/m1.nix:2:3'.");
  EXPECT_EQ(eval_config({decl, "{\n  u = 1;\n}", "{\n  u = 1;\n}"}, "u"),
            "error: The option `u' is defined multiple times while it's expected to be unique.\nOne place only.\n"
            "Definition values:\n- In `/t/m2.nix:2:3': 1\n- In `/t/m1.nix:2:3': 1" +
                kSuggest);
}

TEST(ModulesErrors, DuplicateDeclarations) {
  EXPECT_EQ(eval_config({"{ lib, ... }: {\n  options.x = lib.mkOption { default = 1; };\n}",
                         "{ lib, ... }: {\n  options.x = lib.mkOption { default = 2; };\n}"},
                        "x"),
            "error: The option `x' in `/t/m1.nix:2:3' is already declared in `/t/m0.nix:2:3'.");
  EXPECT_EQ(eval_config({"{ lib, ... }: {\n  options.x = lib.mkOption { default = 1; };\n}",
                         "{ lib, ... }: {\n  options.x.y = lib.mkOption { default = 2; };\n}"},
                        "x"),
            "error: The option `x' in module `/t/m0.nix:2:3' would be a parent of the following options, but its "
            "type `<no description>' does not support nested options.\n"
            " - option(s) with prefix `x.y' in module `/t/m1.nix:2:3'");
  EXPECT_EQ(eval_config({"{ lib, ... }: {\n  options.x.y = lib.mkOption { default = 2; };\n}",
                         "{ lib, ... }: {\n  options.x = lib.mkOption { type = lib.types.int; default = 1; };\n}"},
                        "x"),
            "error: The option `x' in module `/t/m1.nix:2:3' would be a parent of the following options, but its "
            "type `signed integer' does not support nested options.\n"
            " - option(s) with prefix `x.y' in module `/t/m0.nix:2:3'");
}

}  // namespace
}  // namespace cairn::eval
