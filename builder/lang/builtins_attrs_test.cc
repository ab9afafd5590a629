// Tests for the attribute set builtins (builtins_attrs.cc): results and
// error messages as Nix prints them, and that values stay unevaluated
// where Nix leaves them so.
#include <gtest/gtest.h>

#include <string_view>

#include "builder/lang/test_util.hh"

namespace cairn::lang {
namespace {

using testing::expect_cases;

TEST(AttrsBuiltins, NamesAndValues) {
  expect_cases({
      {R"(builtins.attrNames { b = 1; a = 2; "B" = 3; "" = 4; })", R"([ "" "B" "a" "b" ])"},
      {"builtins.attrNames { }", "[ ]"},
      {"builtins.attrValues { b = 1; a = 2; c = 3; }", "[ 2 1 3 ]"},
      {"builtins.attrValues { }", "[ ]"},
      // The values are not forced.
      {"builtins.length (builtins.attrValues { a = throw \"no\"; })", "1"},
      {"builtins.attrNames 1", "error: value is an integer while a set was expected"},
  });
}

TEST(AttrsBuiltins, GetAndHas) {
  expect_cases({
      {"builtins.getAttr \"a\" { a = 1; }", "1"},
      {"builtins.getAttr \"x\" { }", "error: attribute 'x' missing for call to 'getAttr'"},
      {"builtins.hasAttr \"a\" { a = throw \"no\"; }", "true"},
      {"builtins.hasAttr \"b\" { a = 1; }", "false"},
      {"builtins.hasAttr 1 { }", "error: value is an integer while a string was expected"},
      {"builtins.isAttrs { }", "true"},
      {"builtins.isAttrs [ ]", "false"},
  });
}

TEST(AttrsBuiltins, RemoveAndIntersect) {
  expect_cases({
      {R"(builtins.removeAttrs { a = 1; b = 2; c = 3; } [ "a" "c" "z" ])", "{ b = 2; }"},
      {"builtins.removeAttrs { a = 1; } [ ]", "{ a = 1; }"},
      {"builtins.removeAttrs { a = 1; } [ 1 ]", "error: value is an integer while a string was expected"},
      {"builtins.intersectAttrs { a = 1; b = 2; } { b = 3; c = 4; }", "{ b = 3; }"},
      // The values come from the second set, whichever set is smaller.
      {"builtins.intersectAttrs { b = 0; } { a = 1; b = 2; c = 3; }", "{ b = 2; }"},
      {"builtins.intersectAttrs { a = 1; b = 2; c = 3; } { c = 4; }", "{ c = 4; }"},
      {"builtins.intersectAttrs { } { a = 1; }", "{ }"},
  });
}

TEST(AttrsBuiltins, ListToAttrs) {
  expect_cases({
      {R"(builtins.listToAttrs [ { name = "a"; value = 1; } { name = "a"; value = 2; } { name = "b"; value = 3; } ])",
       "{ a = 1; b = 3; }"},
      {"builtins.listToAttrs [ ]", "{ }"},
      // Values are never forced.
      {R"((builtins.listToAttrs [ { name = "a"; value = throw "x"; } ]) ? a)", "true"},
      // Only the first occurrence of a name needs a value.
      {R"(builtins.listToAttrs [ { name = "a"; value = 1; } { name = "a"; } ])", "{ a = 1; }"},
      {R"(builtins.listToAttrs [ { name = "a"; } ])", "error: attribute 'value' missing for call to 'listToAttrs'"},
      {R"(builtins.listToAttrs [ { value = 1; } ])", "error: attribute 'name' missing for call to 'listToAttrs'"},
  });
}

TEST(AttrsBuiltins, MapAttrs) {
  expect_cases({
      {"builtins.mapAttrs (n: v: [ n v ]) { a = 1; b = 2; }", R"({ a = [ "a" 1 ]; b = [ "b" 2 ]; })"},
      {"builtins.mapAttrs (n: v: v) { }", "{ }"},
      // Lazy in the results.
      {"builtins.attrNames (builtins.mapAttrs (n: v: throw \"no\") { a = 1; })", R"([ "a" ])"},
      {"(builtins.mapAttrs (n: v: v + 1) { a = 1; b = throw \"no\"; }).a", "2"},
  });
}

TEST(AttrsBuiltins, CatAttrsAndZip) {
  expect_cases({
      {"builtins.catAttrs \"a\" [ { a = 1; } { b = 2; } { a = 3; } ]", "[ 1 3 ]"},
      {"builtins.length (builtins.catAttrs \"a\" [ { a = throw \"no\"; } ])", "1"},
      {"builtins.catAttrs \"a\" [ { a = 1; } 2 ]", "error: value is an integer while a set was expected"},
      {"builtins.zipAttrsWith (n: vs: [ n vs ]) [ { a = 1; } { a = 2; b = 3; } ]",
       R"({ a = [ "a" [ 1 2 ] ]; b = [ "b" [ 3 ] ]; })"},
      {"builtins.zipAttrsWith (n: vs: vs) [ ]", "{ }"},
      {"builtins.attrNames (builtins.zipAttrsWith (n: vs: throw \"no\") [ { x = 1; } ])", R"([ "x" ])"},
  });
}

TEST(AttrsBuiltins, FunctionArgs) {
  expect_cases({
      {"builtins.functionArgs ({ a, b ? 1, ... }: a)", "{ a = false; b = true; }"},
      {"builtins.functionArgs ({ }: 1)", "{ }"},
      {"builtins.functionArgs (x: x)", "{ }"},
      {"builtins.functionArgs builtins.map", "{ }"},
      {"builtins.functionArgs (builtins.map (x: x))", "{ }"},
      {"builtins.functionArgs 1", "error: 'functionArgs' requires a function"},
  });
}

TEST(AttrsBuiltins, UnsafeGetAttrPos) {
  expect_cases({
      {"builtins.unsafeGetAttrPos \"a\" { a = 1; }", R"({ column = 33; file = "«string»"; line = 1; })"},
      {"builtins.unsafeGetAttrPos \"b\" {\n  a = 1;\n  b = 2; }", R"({ column = 3; file = "«string»"; line = 3; })"},
      {"builtins.unsafeGetAttrPos \"z\" { a = 1; }", "null"},
  });
}

TEST(AttrsBuiltins, LargeSets) {
  // 10,000 attributes through listToAttrs, mapAttrs, attrNames, attrValues
  // and removeAttrs: quick as long as nothing is quadratic.
  expect_cases({
      {"let s = builtins.listToAttrs (builtins.genList (i: { name = \"k\" + builtins.toString i; value = i; }) 10000);"
       " m = builtins.mapAttrs (n: v: v * 2) s;"
       " in [ (builtins.length (builtins.attrNames m)) (builtins.foldl' (a: b: a + b) 0 (builtins.attrValues m))"
       "      (builtins.length (builtins.attrNames (builtins.removeAttrs s (builtins.attrNames s)))) ]",
       "[ 10000 99990000 0 ]"},
  });
}

}  // namespace
}  // namespace cairn::lang
