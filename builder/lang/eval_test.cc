// The evaluator's rules: laziness, scoping, functions, operators, errors.
#include <gtest/gtest.h>

#include "builder/lang/test_util.hh"

namespace cairn::lang {
namespace {

using testing::eval_error;
using testing::eval_str;
using testing::expect_cases;

TEST(Eval, Laziness) {
  expect_cases({
      {"let x = throw \"no\"; in 1", "1"},
      {"let x = abort \"no\"; y = x; in 2", "2"},
      {"(x: 3) (throw \"unused argument\")", "3"},
      {"builtins.length [ (throw \"a\") (throw \"b\") ]", "2"},
      {"({ a ? throw \"default\" }: 4) { }", "4"},
      {"{ a = throw \"x\"; b = 1; }.b", "1"},
      {"let s = { a = 1; } // { b = throw \"no\"; }; in s.a", "1"},
      {"true || throw \"no\"", "true"},
      {"false && throw \"no\"", "false"},
      {"false -> throw \"no\"", "true"},
      {"if true then 1 else throw \"no\"", "1"},
  });
}

TEST(Eval, EachBindingEvaluatedOnce) {
  // If `x` were evaluated twice, the trace would be visible; the value is
  // shared, so forcing twice returns the same (blackholing would catch a cycle).
  EXPECT_EQ(eval_str("let x = 1 + 1; in [ x x ]"), "[ 2 2 ]");
}

TEST(Eval, RecAndLetScoping) {
  expect_cases({
      {"rec { a = 1; b = a + 1; }", "{ a = 1; b = 2; }"},
      {"rec { b = a + 1; a = 1; }.b", "2"},
      {"let a = b; b = 2; in a", "2"},
      {"let a = 1; in { a = 2; b = a; }.b", "1"},  // non-rec set doesn't scope
      {"let a = 1; in rec { a = 2; b = a; }.b", "2"},
      {"let a = 1; in rec { inherit a; b = a; }", "{ a = 1; b = 1; }"},
      {"let x = 1; in let x = 2; in x", "2"},
      {"let { a = 1; body = a + 1; }", "2"},
  });
}

TEST(Eval, WithScoping) {
  expect_cases({
      // Lexical bindings win over `with`, however deep the `with`.
      {"let a = 1; in with { a = 2; b = 3; }; [ a b ]", "[ 1 3 ]"},
      // The innermost `with` wins among withs.
      {"with { a = 1; }; with { a = 2; }; a", "2"},
      {"with { a = 1; b = 2; }; with { a = 3; }; b", "2"},
      {"with { }; let x = 4; in x", "4"},
      // The with-set is only evaluated when a variable needs it.
      {"with (throw \"unused\"); 5", "5"},
  });
  EXPECT_EQ(eval_str("with { a = 1; }; b"), "error: undefined variable 'b'");
}

TEST(Eval, Functions) {
  expect_cases({
      {"(x: x + 1) 1", "2"},
      {"(x: y: x - y) 10 3", "7"},
      {"({ a, b }: a + b) { a = 1; b = 2; }", "3"},
      // Pattern defaults may refer to other arguments.
      {"({ a, b ? a + 1 }: b) { a = 5; }", "6"},
      {"({ a ? b, b ? 2 }: a) { }", "2"},
      {"({ a, ... }: a) { a = 1; c = 2; }", "1"},
      {"(args@{ a, ... }: args.c) { a = 1; c = 2; }", "2"},
      {"({ a, ... }@args: args.c) { a = 1; c = 2; }", "2"},
      {"(args@{ a ? 7 }: args) { }", "{ }"},
      {"{ __functor = self: x: x + self.n; n = 10; } 5", "15"},
      {"let f = { __functor = self: a: b: a * b; }; in f 3 4", "12"},
  });
  EXPECT_EQ(eval_str("({ a }: a) { }"), "error: function anonymous lambda called without required argument 'a'");
  EXPECT_EQ(eval_str("let f = { a }: a; in f { a = 1; b = 2; }"),
            "error: function 'f' called with unexpected argument 'b'");
  EXPECT_EQ(eval_str("1 2"), "error: attempt to call something which is not a function but an integer");
}

TEST(Eval, UpdateIsShallow) {
  expect_cases({
      {"{ a = { x = 1; }; } // { a = { y = 2; }; }", "{ a = { y = 2; }; }"},
      {"{ a = 1; b = 2; } // { b = 3; c = 4; }", "{ a = 1; b = 3; c = 4; }"},
      {"{ } // { a = 1; }", "{ a = 1; }"},
  });
}

TEST(Eval, UpdateAppendingInPlaceLeavesOtherSetsIntact) {
  // b appends into a's storage; c must then copy, and a must still see
  // only its own two attributes.
  EXPECT_EQ(eval_str("let a = { x = 1; } // { y = 2; }; b = a // { z = 3; }; c = a // { w = 4; };"
                     " in [ a b c (b // { v = 5; }) b.z ]"),
            "[ { x = 1; y = 2; } { x = 1; y = 2; z = 3; } { w = 4; x = 1; y = 2; }"
            " { v = 5; x = 1; y = 2; z = 3; } 3 ]");
  EXPECT_EQ(eval_str("builtins.length (builtins.attrNames (builtins.foldl' (acc: i: acc // { \"a${toString i}\" = i; })"
                     " { } (builtins.genList (i: i) 1000)))"),
            "1000");
  // The accumulator on the right: the new names still sort after.
  EXPECT_EQ(eval_str("let s = builtins.foldl' (acc: i: { \"a${toString i}\" = i; } // acc) { a0 = -1; }"
                     " (builtins.genList (i: i) 1000); in [ (builtins.length (builtins.attrNames s)) s.a0 s.a999 ]"),
            "[ 1000 -1 999 ]");
  EXPECT_EQ(eval_str("let a = { y = 1; } // { x = 2; }; b = { z = 3; } // a; c = { w = 4; } // a; in [ b c a ]"),
            "[ { x = 2; y = 1; z = 3; } { w = 4; x = 2; y = 1; } { x = 2; y = 1; } ]");
}

TEST(Eval, Operators) {
  expect_cases({
      {"1 + 2 * 3 - 4 / 2", "5"},
      {"7 / 2", "3"},
      {"-7 / 2", "-3"},
      {"1 + 2.5", "3.5"},
      {"[ 1 ] ++ [ 2 3 ] ++ [ ]", "[ 1 2 3 ]"},
      {"1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3", "true"},
      {"\"a\" < \"b\"", "true"},
      {"[ 1 2 ] < [ 1 3 ]", "true"},
      {"1 == 1.0", "true"},
      {"{ a = [ 1 ]; } == { a = [ 1 ]; }", "true"},
      {"(x: x) == (x: x)", "false"},
      {"!true", "false"},
      {"{ a.b = 1; } ? a.b", "true"},
      {"{ a = 1; } ? a.b", "false"},
      {"{ a = 1; }.b or 2", "2"},
      {"\"a\" + \"b\"", "\"ab\""},
      {"/a + \"/b\"", "/a/b"},
      {"/a/b + \"/../c\"", "/a/c"},
  });
  EXPECT_EQ(eval_str("9223372036854775807 + 1"), "error: integer overflow in adding 9223372036854775807 + 1");
  EXPECT_EQ(eval_str("-9223372036854775807 - 2"), "error: integer overflow in subtracting -9223372036854775807 - 2");
  EXPECT_EQ(eval_str("4611686018427387904 * 2"), "error: integer overflow in multiplying 4611686018427387904 * 2");
  EXPECT_EQ(eval_str("1 / 0"), "error: division by zero");
  EXPECT_EQ(eval_str("1 + \"a\""), "error: cannot add a string to an integer");
  EXPECT_EQ(eval_str("\"a\" + 1"), "error: cannot coerce an integer to a string");
  EXPECT_EQ(eval_str("{ } < { }"), "error: cannot compare a set with a set");
}

TEST(Eval, Strings) {
  expect_cases({
      {R"("a\tb\n\${x}\\")", R"("a\tb\n\${x}\\")"},
      {R"(let x = "y"; in "a${x}b")", R"("ayb")"},
      {R"("${toString 1}")", R"("1")"},
      {"''\n  a\n    b\n''", R"("a\n  b\n")"},
      {R"(let p = /a/b; in "${p}")", R"("/a/b")"},
  });
}

TEST(Eval, Errors) {
  EXPECT_EQ(eval_str("let x = x; in x"), "error: infinite recursion encountered");
  EXPECT_EQ(eval_str("{ a = 1; }.b"), "error: attribute 'b' missing");
  EXPECT_EQ(eval_str("assert 1 == 2; 3"), "error: assertion '(1 == 2)' failed");
  EXPECT_EQ(eval_str("if 1 then 2 else 3"), "error: value is an integer while a Boolean was expected");
  EXPECT_EQ(eval_str("x"), "error: undefined variable 'x'");
  EXPECT_EQ(eval_str("{ a = 1; a = 2; }").substr(0, 35), "error: attribute 'a' already define");
  EXPECT_EQ(eval_str("{ a = 2; ${\"a\" + \"\"} = 1; }"),
            "error: dynamic attribute 'a' already defined at «string»:1:3");
}

TEST(Eval, DeepRecursionIsAnErrorNotACrash) {
  std::string got = eval_str("let f = x: 1 + f (x + 1); in f 0");
  EXPECT_EQ(got, "error: stack overflow; max-call-depth exceeded (possible infinite recursion)");
  // Deep but finite data structures are fine.
  EXPECT_EQ(eval_str("builtins.length (builtins.genList (x: x) 100000)"), "100000");
}

TEST(Eval, ErrorFormatHasPositionSourceAndTrace) {
  EXPECT_EQ(eval_error("let\n  f = x: x.a;\nin f { b = 1; }"),
            "error: attribute 'a' missing\n"
            "       at «string»:2:10:\n"
            "           2|   f = x: x.a;\n"
            "            |          ^\n"
            "       … while calling 'f'\n"
            "         at «string»:3:4:\n"
            "             3| in f { b = 1; }\n"
            "              |    ^");
}

TEST(Eval, CurPos) {
  EXPECT_EQ(eval_str("__curPos"), R"({ column = 1; file = "«string»"; line = 1; })");
}

}  // namespace
}  // namespace cairn::lang
