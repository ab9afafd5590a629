// Tests for print.cc: the value syntax `nix-instantiate --eval [--strict]`
// prints, and the small helpers print.hh exports. Expected outputs are
// Nix 2.8's, except where a comment says otherwise. (toJSON's output is
// tested in builtins_json_test.cc.)
#include "builder/lang/print.hh"

#include <gtest/gtest.h>

#include <sstream>

#include "builder/lang/test_util.hh"

namespace cairn::lang {
namespace {

using testing::expect_cases;

TEST(Print, Scalars) {
  expect_cases({
      {"1", "1"},
      {"-5", "-5"},
      {"9223372036854775807", "9223372036854775807"},
      {"true", "true"},
      {"false", "false"},
      {"null", "null"},
      {"/foo/bar", "/foo/bar"},
      {"./a", "/test/a"},
  });
}

TEST(Print, FloatsUseSixSignificantDigits) {
  expect_cases({
      {"1.0", "1"},
      {"3.4", "3.4"},
      {"1000000.0", "1e+06"},
      {"100000.0", "100000"},
      {"0.0 - 0.01", "-0.01"},
      {"1.0e22", "1e+22"},
      {"123456789.0", "1.23457e+08"},
      {"1.0 / 3", "0.333333"},
      {"1.0e-5", "1e-05"},
      {"0.0", "0"},
  });
}

TEST(Print, StringEscapes) {
  expect_cases({
      {R"("a\"b\\c\nd\re\tf")", R"("a\"b\\c\nd\re\tf")"},
      // Only `${` is escaped, not a lone `$` or `$$`.
      {R"("\${x} $ $$ ${"$"}{ é")", R"("\${x} $ $$ \${ é")"},
      {R"("")", R"("")"},
      // Other control characters are printed as they are.
      {R"(builtins.fromJSON "\"\\u0001\"")", "\"\x01\""},
  });
}

TEST(Print, Containers) {
  expect_cases({
      {"[ ]", "[ ]"},
      {"{ }", "{ }"},
      {"[ [ ] [ 1 [ 2 ] ] { } ]", "[ [ ] [ 1 [ 2 ] ] { } ]"},
      {"{ b = 1; a = 2; }", "{ a = 2; b = 1; }"},
      {"{ a.b.c = 1; }", "{ a = { b = { c = 1; }; }; }"},
  });
}

TEST(Print, AttributeNamesSortedByBytesAndQuotedWhenNeeded) {
  expect_cases({
      {"{ B = 1; a = 2; _ = 3; \"é\" = 4; Z = 5; }", "{ B = 1; Z = 5; _ = 3; a = 2; \"é\" = 4; }"},
      // Nix 2.8 quotes only "if" among the keywords; cairn quotes all of
      // them, as current Nix does. `or` is a valid attribute name.
      {R"({ "foo bar" = 1; "if" = 2; or = 3; "1a" = 4; a-b' = 5; "" = 6; "then" = 7; _x = 8; "a.b" = 9; })",
       R"({ "" = 6; "1a" = 4; _x = 8; a-b' = 5; "a.b" = 9; "foo bar" = 1; "if" = 2; or = 3; "then" = 7; })"},
      {R"({ "\${" = 1; "a\"b" = 2; })", R"({ "\${" = 1; "a\"b" = 2; })"},
  });
}

TEST(Print, Functions) {
  expect_cases({
      {"x: x", "<LAMBDA>"},
      {"{ a, ... }: a", "<LAMBDA>"},
      {"builtins.add", "<PRIMOP>"},
      {"builtins.add 1", "<PRIMOP-APP>"},
      {"[ (x: x) builtins.add (builtins.add 1) { f = x: x; } ]",
       "[ <LAMBDA> <PRIMOP> <PRIMOP-APP> { f = <LAMBDA>; } ]"},
  });
}

TEST(Print, RepeatedValues) {
  expect_cases({
      // Every non-empty list or set printed once; later occurrences of the
      // same object are «repeated», whether nested or siblings.
      {"let x = [ 1 ]; in [ x x ]", "[ [ 1 ] «repeated» ]"},
      {"let x = { a = 1; }; in { a = x; b = x; }", "{ a = { a = 1; }; b = «repeated»; }"},
      {"let x = [ 1 ]; in [ x [ x ] ]", "[ [ 1 ] [ «repeated» ] ]"},
      {"let x = { a = 1; }; in [ x x.a x ]", "[ { a = 1; } 1 «repeated» ]"},
      // Empty ones never are.
      {"let x = [ ]; y = { }; in [ x x y y ]", "[ [ ] [ ] { } { } ]"},
      // Equal but distinct values are printed in full.
      {"[ [ 1 ] [ 1 ] ]", "[ [ 1 ] [ 1 ] ]"},
      // Lists of one or two elements (stored inline in Nix) are the same
      // only when they are the same value, even if they share elements.
      {"let a = [ 1 ]; in [ a (a ++ [ ]) ]", "[ [ 1 ] [ 1 ] ]"},
      // A cycle ends at its first repetition.
      {"let x = { a = x; }; in x", "{ a = «repeated»; }"},
  });
}

TEST(Print, LazyPrintsUnevaluatedValuesAsCode) {
  expect_cases(
      {
          {"{ a = 1 + 1; }", "{ a = <CODE>; }"},
          {"[ (1 + 1) 2 ]", "[ <CODE> 2 ]"},
          // Literals are values already.
          {"{ a = 1; b = \"x\"; c = /a; d = 1.5; }", "{ a = 1; b = \"x\"; c = /a; d = 1.5; }"},
          // The top level is always forced.
          {"1 + 1", "2"},
          {"let x = 1 + 1; in x", "2"},
          {"builtins.map (x: x) [ 1 2 ]", "[ <CODE> <CODE> ]"},
          // An error in an unforced part goes unnoticed.
          {"{ a = throw \"no\"; }", "{ a = <CODE>; }"},
      },
      /*strict=*/false);
}

TEST(Print, StrictForcesEverything) {
  expect_cases({
      {"{ a = 1 + 1; b = [ (2 + 2) ]; }", "{ a = 2; b = [ 4 ]; }"},
      {"{ a = throw \"no\"; }", "error: no"},
  });
}

TEST(Print, StringLiteralHelper) {
  struct {
    const char* in;
    const char* out;
  } cases[] = {
      {"", R"("")"},
      {"plain", R"("plain")"},
      {"a\"b\\c", R"("a\"b\\c")"},
      {"\n\r\t", R"("\n\r\t")"},
      {"${x}", R"("\${x}")"},
      {"$", R"("$")"},
      {"a$", R"("a$")"},
      {"$${", R"("$\${")"},
  };
  for (const auto& c : cases) {
    std::ostringstream out;
    print_string_literal(c.in, out);
    EXPECT_EQ(out.str(), c.out) << c.in;
  }
}

TEST(Print, PlainIdentifiers) {
  for (const char* name : {"a", "_", "A1", "a-b", "a'", "foldl'", "_'1", "or", "true", "null", "throw"})
    EXPECT_TRUE(is_plain_identifier(name)) << name;
  for (const char* name : {"", "1a", "-a", "'a", "a b", "a.b", "é", "if", "then", "else", "assert", "with",
                           "let", "in", "rec", "inherit"})
    EXPECT_FALSE(is_plain_identifier(name)) << name;
}

}  // namespace
}  // namespace cairn::lang
