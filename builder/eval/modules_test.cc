// The module system: priorities, properties, types, the config fixpoint,
// and error messages word for word.
#include <gtest/gtest.h>

#include "builder/eval/test_modules.hh"

namespace cairn::eval {
namespace {

using namespace lang;

using eval::testing::eval_config;

const std::string kDecls = R"({ lib, ... }: with lib; {
  options.name = mkOption { type = types.str; default = "default"; };
  options.flag = mkOption { type = types.bool; default = false; };
  options.port = mkOption { type = types.port; default = 22; };
  options.list = mkOption { type = types.listOf types.str; default = [ ]; };
  options.text = mkOption { type = types.lines; default = ""; };
  options.maybe = mkOption { type = types.nullOr types.int; default = null; };
  options.set = mkOption { type = types.attrsOf types.int; default = { }; };
  options.mode = mkOption { type = types.enum [ "a" "b" ]; default = "a"; };
  options.users = mkOption {
    type = types.attrsOf (types.submodule ({ name, config, ... }: {
      options.home = mkOption { type = types.str; default = "/home/${name}"; };
      options.shell = mkOption { type = types.str; default = "/bin/sh"; };
    }));
    default = { };
  };
})";

TEST(Modules, DefaultsAndPlainDefinitions) {
  EXPECT_EQ(eval_config({kDecls}, "name"), "\"default\"");
  EXPECT_EQ(eval_config({kDecls, "{ name = \"x\"; }"}, "name"), "\"x\"");
  EXPECT_EQ(eval_config({kDecls, "{ name = \"x\"; }", "{ name = \"x\"; }"}, "name"), "\"x\"");
}

TEST(Modules, PrioritiesLowestNumberWins) {
  EXPECT_EQ(eval_config({kDecls, "{ lib, ... }: { name = lib.mkDefault \"d\"; }"}, "name"), "\"d\"");
  EXPECT_EQ(eval_config({kDecls, "{ lib, ... }: { name = lib.mkDefault \"d\"; }", "{ name = \"p\"; }"}, "name"),
            "\"p\"");
  EXPECT_EQ(eval_config({kDecls, "{ lib, ... }: { name = lib.mkForce \"f\"; }", "{ name = \"p\"; }"}, "name"),
            "\"f\"");
  EXPECT_EQ(eval_config({kDecls, "{ lib, ... }: { name = lib.mkOverride 10 \"o\"; }",
                         "{ lib, ... }: { name = lib.mkForce \"f\"; }"},
                        "name"),
            "\"o\"");
}

TEST(Modules, MkIfAndMkMerge) {
  EXPECT_EQ(eval_config({kDecls, "{ lib, ... }: { name = lib.mkIf false \"no\"; }"}, "name"), "\"default\"");
  EXPECT_EQ(eval_config({kDecls, "{ lib, ... }: lib.mkIf true { name = \"yes\"; }"}, "name"), "\"yes\"");
  EXPECT_EQ(eval_config({kDecls, "{ lib, ... }: lib.mkMerge [ { name = \"a\"; } { flag = true; } ]"}, "flag"),
            "true");
  EXPECT_EQ(eval_config({kDecls, "{ lib, ... }: { name = lib.mkIf 1 \"x\"; }"}, "name"),
            "error: `mkIf' called with a non-Boolean condition (an integer)");
}

TEST(Modules, ConditionsMayReadTheWholeConfig) {
  // The fixpoint: one option's definition depends on another's value.
  EXPECT_EQ(eval_config({kDecls, "{ config, lib, ... }: { name = lib.mkIf config.flag \"on\"; }",
                         "{ flag = true; }"},
                        "name"),
            "\"on\"");
  EXPECT_EQ(eval_config({kDecls, "{ config, ... }: { port = config.port + 1; }"}, "port"),
            "error: infinite recursion encountered");
}

TEST(Modules, ListsConcatenateAndOrder) {
  EXPECT_EQ(eval_config({kDecls, "{ list = [ \"a\" ]; }", "{ lib, ... }: { list = lib.mkBefore [ \"first\" ]; }",
                         "{ lib, ... }: { list = lib.mkAfter [ \"last\" ]; }"},
                        "list"),
            "[ \"first\" \"a\" \"last\" ]");
  EXPECT_EQ(eval_config({kDecls, "{ lib, ... }: { text = lib.mkAfter \"b\"; }", "{ text = \"a\"; }"}, "text"),
            "\"a\\nb\"");
  EXPECT_EQ(eval_config({kDecls, "{ lib, ... }: { list = [ (lib.mkIf false \"x\") \"y\" ]; }"}, "list"),
            "[ \"y\" ]");
}

TEST(Modules, AttrsOfAndSubmodules) {
  EXPECT_EQ(eval_config({kDecls, "{ set.a = 1; }", "{ set.b = 2; }"}, "set"), "{ a = 1; b = 2; }");
  EXPECT_EQ(eval_config({kDecls, "{ users.alice = { }; }", "{ users.alice.shell = \"/bin/bash\"; }"},
                        "users.alice"),
            "{ home = \"/home/alice\"; shell = \"/bin/bash\"; }");
}

TEST(Modules, NullOrAndEnumAndPort) {
  EXPECT_EQ(eval_config({kDecls, "{ maybe = 3; }"}, "maybe"), "3");
  EXPECT_EQ(eval_config({kDecls, "{ mode = \"c\"; }"}, "mode"),
            "error: A definition for option `mode' is not of type `one of \"a\", \"b\"'. Definition values:\n"
            "- In `/t/m1.nix:1:3': \"c\"");
  EXPECT_EQ(eval_config({kDecls, "{ port = 70000; }"}, "port"),
            "error: A definition for option `port' is not of type `16 bit unsigned integer; between 0 and 65535 "
            "(both inclusive)'. Definition values:\n- In `/t/m1.nix:1:3': 70000");
}

TEST(Modules, ErrorMessagesInNixOSShapes) {
  EXPECT_EQ(eval_config({kDecls, "{ name = \"x\"; }", "{\n  name = \"y\";\n}"}, "name"),
            "error: The option `name' has conflicting definition values:\n"
            "- In `/t/m2.nix:2:3': \"y\"\n"
            "- In `/t/m1.nix:1:3': \"x\"\n"
            "Use `lib.mkForce value` or `lib.mkDefault value` to change the priority on any of these definitions.");
  EXPECT_EQ(eval_config({kDecls, "{ flag = \"yes\"; }"}, "flag"),
            "error: A definition for option `flag' is not of type `boolean'. Definition values:\n"
            "- In `/t/m1.nix:1:3': \"yes\"");
  EXPECT_EQ(eval_config({kDecls, "{ flga = true; }"}, "flag"),
            "error: The option `flga' does not exist. Definition values:\n"
            "- In `/t/m1.nix:1:3': true\n\nDid you mean `flag'?");
  EXPECT_EQ(eval_config({"{ lib, ... }: { options.x = lib.mkOption { type = lib.types.int; }; }"}, "x"),
            "error: The option `x' was accessed but has no value defined. Try setting the option.");
}

TEST(Modules, ShorthandAndExplicitFormsMustNotMix) {
  EXPECT_EQ(eval_config({kDecls, "{ config.name = \"x\"; flag = true; }"}, "name"),
            "error: Module `<unknown-file>' has an unsupported attribute `flag'. This is caused by introducing a "
            "top-level `config' or `options' attribute. Add configuration attributes immediately on the top level "
            "instead, or move all of them (namely: flag) into the explicit `config' attribute.");
}

TEST(Modules, ASecondDeclarationExtendsASubmodule) {
  // How a module adds options to users.users.<name> in NixOS.
  const std::string extend = R"({ lib, ... }: {
    options.users = lib.mkOption {
      type = lib.types.attrsOf (lib.types.submodule { options.uid = lib.mkOption { type = lib.types.int; default = 7; }; });
    };
  })";
  EXPECT_EQ(eval_config({kDecls, extend, "{ users.alice.shell = \"/bin/zsh\"; }"}, "users.alice"),
            "{ home = \"/home/alice\"; shell = \"/bin/zsh\"; uid = 7; }");
  const std::string clash = R"({ lib, ... }: { options.name = lib.mkOption { type = lib.types.int; }; })";
  EXPECT_EQ(eval_config({kDecls, clash}, "name").substr(0, 40), "error: The option `name' in `/t/m1.nix:1");
}

TEST(Modules, ImportsAndDisabledModules) {
  EXPECT_EQ(eval_config({kDecls, "{ imports = [ { name = \"imported\"; } ]; }"}, "name"), "\"imported\"");
}

}  // namespace
}  // namespace cairn::eval
