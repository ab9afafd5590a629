// Tests for the list builtins (builtins_lists.cc): results, Nix's error
// messages, and above all laziness — which arguments and elements each
// builtin forces, and which it must leave alone.
#include <gtest/gtest.h>

#include <string_view>

#include "builder/lang/test_util.hh"

namespace cairn::lang {
namespace {

using testing::expect_cases;

TEST(ListsBuiltins, Map) {
  expect_cases({
      {"builtins.map (x: x * 2) [ 1 2 3 ]", "[ 2 4 6 ]"},
      {"builtins.map 1 [ ]", "[ ]"},
      {"builtins.length (builtins.map (x: throw \"no\") [ 1 2 ])", "2"},
      {"builtins.head (builtins.map (x: x) [ 1 (throw \"no\") ])", "1"},
  });
}

TEST(ListsBuiltins, Filter) {
  expect_cases({
      {"builtins.filter (x: x > 1) [ 1 2 3 ]", "[ 2 3 ]"},
      {"builtins.filter (x: true) [ ]", "[ ]"},
      {"builtins.filter (x: false) [ 1 ]", "[ ]"},
      {"builtins.filter (x: 1) [ 1 ]", "error: value is an integer while a Boolean was expected"},
      // The predicate sees elements unforced.
      {"builtins.length (builtins.filter (x: true) [ (throw \"no\") ])", "1"},
  });
}

TEST(ListsBuiltins, FoldlStrict) {
  expect_cases({
      {"builtins.foldl' (a: b: a + b) 0 [ 1 2 3 ]", "6"},
      {"builtins.foldl' (a: b: a ++ [ b ]) [ ] [ 1 2 ]", "[ 1 2 ]"},
      {"builtins.foldl' (a: b: a) 7 [ ]", "7"},
      // The initial accumulator is forced only when the list is empty...
      {"builtins.foldl' (a: b: a) (throw \"q\") [ ]", "error: q"},
      {"builtins.foldl' (_: x: x) (throw \"never\") [ \"but\" 42 ]", "42"},
      // ...elements are passed unforced...
      {"builtins.head (builtins.foldl' (acc: x: acc ++ [ x ]) [ ] [ 42 (throw \"no\") ])", "42"},
      // ...and each intermediate accumulator is forced.
      {"builtins.foldl' (a: b: b) 0 [ (throw \"x\") 1 ]", "error: x"},
      {"builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x) 100000)", "4999950000"},
  });
}

TEST(ListsBuiltins, ElemAndIndexing) {
  expect_cases({
      {"builtins.elem 2 [ 1 2 3 ]", "true"},
      {"builtins.elem 4 [ 1 2 3 ]", "false"},
      {"builtins.elem { a = 1; } [ { a = 1; } ]", "true"},
      {"builtins.elem 1 [ 1 (throw \"no\") ]", "true"},
      {"builtins.elemAt [ 1 2 3 ] 1", "2"},
      {"builtins.elemAt [ 1 2 ] 5", "error: list index 5 is out of bounds"},
      {"builtins.elemAt [ 1 ] (-1)", "error: list index -1 is out of bounds"},
      {"builtins.elemAt [ 1 ] \"a\"", "error: value is a string while an integer was expected"},
      {"builtins.elemAt [ (throw \"no\") 2 ] 1", "2"},
      {"builtins.head [ 1 2 ]", "1"},
      {"builtins.head [ ]", "error: list index 0 is out of bounds"},
      {"builtins.tail [ 1 2 3 ]", "[ 2 3 ]"},
      {"builtins.tail [ 1 ]", "[ ]"},
      {"builtins.tail [ ]", "error: 'tail' called on an empty list"},
      {"builtins.tail [ (throw \"no\") 2 ]", "[ 2 ]"},
      // Each tail is a new list (the printer marks only shared lists «repeated»).
      {"let l = [ [ 1 ] 2 3 ]; in [ (builtins.tail l) (builtins.tail l) ]", "[ [ 2 3 ] [ 2 3 ] ]"},
      {"builtins.length [ 1 (throw \"no\") ]", "2"},
      {"builtins.length 1", "error: value is an integer while a list was expected"},
      {"builtins.isList [ ]", "true"},
      {"builtins.isList { }", "false"},
  });
}

TEST(ListsBuiltins, GenList) {
  expect_cases({
      {"builtins.genList (x: x * x) 4", "[ 0 1 4 9 ]"},
      {"builtins.genList (x: x) 0", "[ ]"},
      {"builtins.genList (x: x) (-1)", "error: cannot create list of size -1"},
      {"builtins.length (builtins.genList (x: throw \"no\") 3)", "3"},
  });
}

TEST(ListsBuiltins, Concat) {
  expect_cases({
      {"builtins.concatLists [ [ 1 ] [ ] [ 2 3 ] ]", "[ 1 2 3 ]"},
      {"builtins.concatLists [ ]", "[ ]"},
      // A single non-empty list is returned as is (shared), as in Nix.
      {"let l = [ 1 2 3 ]; in [ l (builtins.concatLists [ [ ] l ]) ]", "[ [ 1 2 3 ] «repeated» ]"},
      {"builtins.concatLists [ 1 ]", "error: value is an integer while a list was expected"},
      {"builtins.concatMap (x: [ x x ]) [ 1 2 ]", "[ 1 1 2 2 ]"},
      {"builtins.concatMap (x: x) [ 1 ]", "error: value is an integer while a list was expected"},
      {"builtins.length (builtins.concatMap (x: [ (throw \"no\") ]) [ 1 2 ])", "2"},
  });
}

TEST(ListsBuiltins, AnyAll) {
  expect_cases({
      {"builtins.any (x: x > 2) [ 1 2 3 ]", "true"},
      {"builtins.any (x: x > 5) [ 1 2 3 ]", "false"},
      {"builtins.any (x: throw \"no\") [ ]", "false"},
      {"builtins.any (x: x == 1) [ 1 (throw \"no\") ]", "true"},
      {"builtins.all (x: x > 0) [ 1 2 3 ]", "true"},
      {"builtins.all (x: x > 1) [ 1 (throw \"no\") ]", "false"},
      {"builtins.all (x: throw \"no\") [ ]", "true"},
      {"builtins.all (x: 1) [ 1 ]", "error: value is an integer while a Boolean was expected"},
  });
}

TEST(ListsBuiltins, Sort) {
  expect_cases({
      {"builtins.sort builtins.lessThan [ 483 249 526 147 42 77 ]", "[ 42 77 147 249 483 526 ]"},
      {"builtins.sort (x: y: y < x) [ 483 249 526 147 42 77 ]", "[ 526 483 249 147 77 42 ]"},
      {R"(builtins.sort builtins.lessThan [ "foo" "bar" "xyzzy" "fnord" ])", R"([ "bar" "fnord" "foo" "xyzzy" ])"},
      {"builtins.sort builtins.lessThan [ ]", "[ ]"},
      // Stable: equal keys keep their order.
      {"map (x: x.v) (builtins.sort (a: b: a.k < b.k) [ { k = 2; v = 1; } { k = 1; v = 2; } { k = 2; v = 3; }"
       " { k = 1; v = 4; } { k = 1; v = 5; } { k = 3; v = 6; } { k = 2; v = 7; } { k = 1; v = 8; } { k = 1; v = 9; }"
       " { k = 2; v = 10; } { k = 1; v = 11; } ])",
       "[ 2 4 5 8 9 11 1 3 7 10 6 ]"},
      {"builtins.sort builtins.lessThan [ [ 1 6 ] [ ] [ 2 3 ] [ 1 5 ] ]", "[ [ ] [ 1 5 ] [ 1 6 ] [ 2 3 ] ]"},
      // The comparator may throw, or return a non-Boolean.
      {"builtins.sort (a: b: throw \"cmp\") [ 2 1 ]", "error: cmp"},
      {"builtins.sort (a: b: throw \"cmp\") [ 2 ]", "[ 2 ]"},
      {"builtins.sort (a: b: 1) [ 1 2 ]", "error: value is an integer while a Boolean was expected"},
      {"builtins.sort builtins.lessThan [ 3 1 \"a\" ]", "error: cannot compare a string with an integer"},
      // An inconsistent comparator still yields a permutation.
      {"builtins.sort (a: b: true) [ 1 2 3 ]", "[ 3 2 1 ]"},
      {"builtins.length (builtins.sort (a: b: a == 5) (builtins.genList (x: x) 100))", "100"},
      {"builtins.head (builtins.sort builtins.lessThan (builtins.genList (x: 5000 - x) 5000))", "1"},
  });
}

TEST(ListsBuiltins, PartitionAndGroupBy) {
  expect_cases({
      {"builtins.partition (x: x > 2) [ 1 2 3 4 ]", "{ right = [ 3 4 ]; wrong = [ 1 2 ]; }"},
      {"builtins.partition (x: x) [ ]", "{ right = [ ]; wrong = [ ]; }"},
      {"builtins.groupBy (x: if x > 2 then \"big\" else \"small\") [ 1 2 3 4 ]",
       "{ big = [ 3 4 ]; small = [ 1 2 ]; }"},
      {R"(builtins.groupBy (x: x.k) [ { k = "a"; v = 1; } { k = "b"; v = 2; } { k = "a"; v = 3; } ])",
       R"({ a = [ { k = "a"; v = 1; } { k = "a"; v = 3; } ]; b = [ { k = "b"; v = 2; } ]; })"},
      {"builtins.groupBy (x: 1) [ 1 ]", "error: value is an integer while a string was expected"},
  });
}

TEST(ListsBuiltins, GenericClosure) {
  expect_cases({
      {"map (x: x.key) (builtins.genericClosure { startSet = [ { key = 1; } ];"
       " operator = x: if x.key < 5 then [ { key = x.key + 1; } { key = x.key + 2; } ] else [ ]; })",
       "[ 1 2 3 4 5 6 ]"},
      // The first element with a key wins; later ones are dropped.
      {"builtins.genericClosure { startSet = [ { key = 1; } { key = 1; a = 2; } ]; operator = x: [ ]; }",
       "[ { key = 1; } ]"},
      {"builtins.genericClosure { startSet = [ { key = [ 1 2 ]; } { key = [ 1 2 ]; a = 2; } ]; operator = x: [ ]; }",
       "[ { key = [ 1 2 ]; } ]"},
      {"builtins.genericClosure { startSet = [ ]; operator = x: [ ]; }", "[ ]"},
      {"builtins.genericClosure { startSet = [ { } ]; operator = x: [ ]; }", "error: attribute 'key' required"},
      {"builtins.genericClosure { operator = x: [ ]; }",
       "error: attribute 'startSet' missing for call to 'genericClosure'"},
      {"builtins.genericClosure { startSet = [ ]; }",
       "error: attribute 'operator' missing for call to 'genericClosure'"},
      {"builtins.genericClosure { startSet = [ { key = 1; } { key = \"a\"; } ]; operator = x: [ ]; }",
       "error: cannot compare a string with an integer"},
  });
}

}  // namespace
}  // namespace cairn::lang
