// Tests for builtins.toJSON and builtins.fromJSON (builtins_json.cc and
// print_json in print.cc). Expected values are Nix 2.8's, except the
// deviations noted: parse errors, integers beyond INT64_MAX, NUL bytes.
#include <gtest/gtest.h>

#include "builder/lang/test_util.hh"

namespace cairn::lang {
namespace {

using testing::expect_cases;

TEST(Json, ToJsonScalarsAndContainers) {
  expect_cases({
      {R"(builtins.toJSON { a = 123; b = -456; c = "foo"; d = "foo\n\"bar\""; e = true; f = false; g = [ 1 2 3 ]; h = null; })",
       R"("{\"a\":123,\"b\":-456,\"c\":\"foo\",\"d\":\"foo\\n\\\"bar\\\"\",\"e\":true,\"f\":false,\"g\":[1,2,3],\"h\":null}")"},
      {R"(builtins.toJSON [ ])", R"("[]")"},
      {R"(builtins.toJSON { })", R"("{}")"},
      {R"(builtins.toJSON { "foo\nbar" = { }; B = 1; a = 2; })", R"("{\"B\":1,\"a\":2,\"foo\\nbar\":{}}")"},
      {R"(builtins.toJSON { i = 1 + 2; l = [ (2 * 3) ]; })", R"("{\"i\":3,\"l\":[6]}")"},
      // Paths are written as they are (Nix would copy them to the store).
      {R"(builtins.toJSON /a/b)", R"("\"/a/b\"")"},
  });
}

TEST(Json, ToJsonFloatsAsNix28) {
  // Nix 2.8 writes floats with ostream's default six significant digits.
  expect_cases({
      {R"(builtins.toJSON [ 0.1 1.0e20 1.0 (1.0 / 3) 1.0e-5 123456789.0 (0.0 - 2.5) 1.44 ])",
       R"("[0.1,1e+20,1,0.333333,1e-05,1.23457e+08,-2.5,1.44]")"},
  });
}

TEST(Json, ToJsonStringEscapes) {
  expect_cases({
      {R"(builtins.toJSON "\t\r\n\\ \" \${x}")", R"("\"\\t\\r\\n\\\\ \\\" \${x}\"")"},
      // Other control characters as \u00XX (\b and \f too); DEL and
      // UTF-8 unchanged.
      {R"(builtins.toJSON (builtins.fromJSON "\"\\u0001\\b\\f\\u001f\\u007f é\""))",
       "\"\\\"\\\\u0001\\\\u0008\\\\u000c\\\\u001f\x7f é\\\"\""},
  });
}

TEST(Json, ToJsonSetsThatAreStrings) {
  expect_cases({
      {R"(builtins.toJSON { __toString = self: self.a; a = "foo"; })", R"("\"foo\"")"},
      {R"(builtins.toJSON { outPath = "x"; a = 1; })", R"("\"x\"")"},
      // outPath is converted as JSON, whatever it is.
      {R"(builtins.toJSON { outPath = 1; })", R"("1")"},
      {R"(builtins.toJSON { outPath = { b = 2; }; })", R"("{\"b\":2}")"},
  });
}

TEST(Json, ToJsonErrors) {
  expect_cases({
      {R"(builtins.toJSON (x: x))", "error: cannot convert a function to JSON"},
      {R"(builtins.toJSON { a = builtins.add; })", "error: cannot convert the built-in function 'add' to JSON"},
      {R"(builtins.toJSON [ (builtins.add 1) ])",
       "error: cannot convert the partially applied built-in function 'add' to JSON"},
      {R"(builtins.toJSON { a = throw "boom"; })", "error: boom"},
  });
}

TEST(Json, FromJson) {
  expect_cases({
      {R"(builtins.fromJSON "{\"a\": [1, 2.5, -3, true, false, null, \"s\"], \"b\": {}}")",
       R"({ a = [ 1 2.5 -3 true false null "s" ]; b = { }; })"},
      {R"(builtins.fromJSON "  [ ]  ")", "[ ]"},
      {R"(builtins.fromJSON "[[[[]]]]")", "[ [ [ [ ] ] ] ]"},
      {R"(builtins.fromJSON "{\"if\": 1, \"a b\": 2}")", R"({ "a b" = 2; "if" = 1; })"},
      // The last of duplicate keys wins.
      {R"(builtins.fromJSON "{\"a\":1, \"b\":0, \"a\":2}")", "{ a = 2; b = 0; }"},
      {R"(builtins.fromJSON "\"\\ud83d\\ude00 \\u00e9 \\/\"")", R"("😀 é /")"},
      {R"(builtins.fromJSON "\"\\\"\\\\\\t\\n\\r\"")", R"("\"\\\t\n\r")"},
  });
}

TEST(Json, FromJsonNumbers) {
  expect_cases({
      {R"(builtins.fromJSON "9223372036854775807")", "9223372036854775807"},
      {R"(builtins.fromJSON "-9223372036854775808")", "-9223372036854775808"},
      {R"(builtins.fromJSON "1.0")", "1"},
      {R"(builtins.typeOf (builtins.fromJSON "1.0"))", R"("float")"},
      {R"(builtins.fromJSON "1e3")", "1000"},
      {R"(builtins.fromJSON "1.5E-3")", "0.0015"},
      // Beyond uint64 (and below INT64_MIN) nlohmann reads a float.
      {R"(builtins.fromJSON "18446744073709551616")", "1.84467e+19"},
      {R"(builtins.fromJSON "-9223372036854775809")", "-9.22337e+18"},
      // Current Nix; 2.8 wrapped this to -9223372036854775808.
      {R"(builtins.fromJSON "9223372036854775808")",
       "error: unsigned json number 9223372036854775808 outside of Nix integer range"},
  });
}

TEST(Json, FromJsonErrors) {
  expect_cases({
      {R"(builtins.fromJSON 1)", "error: value is an integer while a string was expected"},
      // Nix 2.8 shows nlohmann's message alone, with its
      // "[json.exception.parse_error.101] " prefix.
      {R"(builtins.fromJSON "")",
       "error: cannot parse JSON string: parse error at line 1, column 1: syntax error while parsing value - "
       "unexpected end of input; expected '[', '{', or a literal"},
      {R"(builtins.fromJSON "[1, 2")",
       "error: cannot parse JSON string: parse error at line 1, column 6: syntax error while parsing array - "
       "unexpected end of input; expected ']'"},
      {R"(builtins.fromJSON "[1] x")",
       "error: cannot parse JSON string: parse error at line 1, column 5: syntax error while parsing value - "
       "invalid literal; last read: '1] x'; expected end of input"},
      {R"(builtins.fromJSON "{\"a\" 1}")",
       "error: cannot parse JSON string: parse error at line 1, column 6: syntax error while parsing object "
       "separator - unexpected number literal; expected ':'"},
      {R"(builtins.fromJSON "[1,]")",
       "error: cannot parse JSON string: parse error at line 1, column 4: syntax error while parsing value - "
       "unexpected ']'; expected '[', '{', or a literal"},
      // Current Nix; 2.8 cut the string at the NUL byte.
      {R"(builtins.fromJSON "\"a\\u0000b\"")",
       "error: input string 'a\u2400b' cannot be represented as Nix string because it contains null bytes"},
  });
}

TEST(Json, RoundTrip) {
  expect_cases({
      {R"(let v = { a = [ 1 "x" null true { b = -2; } ]; "c d" = "é\n"; }; in builtins.fromJSON (builtins.toJSON v) == v)",
       "true"},
  });
}

}  // namespace
}  // namespace cairn::lang
