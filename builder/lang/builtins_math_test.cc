// Tests for the arithmetic builtins (builtins_math.cc): int/float mixing,
// Nix's error messages, and ceil/floor at the edges of the int range.
#include <gtest/gtest.h>

#include <string_view>

#include "builder/lang/test_util.hh"

namespace cairn::lang {
namespace {

using testing::expect_cases;

TEST(MathBuiltins, Arithmetic) {
  expect_cases({
      {"builtins.add 1 2", "3"},
      {"builtins.add 1 2.5", "3.5"},
      {"builtins.sub 1 2.5", "-1.5"},
      {"builtins.sub 10 3", "7"},
      {"builtins.mul 3 4", "12"},
      {"builtins.div 7 2", "3"},
      {"builtins.div 7.0 2", "3.5"},
      {"builtins.div 1 0", "error: division by zero"},
      {"builtins.add 1 \"a\"", "error: value is a string while an integer was expected"},
  });
}

TEST(MathBuiltins, LessThan) {
  expect_cases({
      {"builtins.lessThan 1 2", "true"},
      {"builtins.lessThan 2 1", "false"},
      {"builtins.lessThan 1 2.5", "true"},
      {"builtins.lessThan \"a\" \"b\"", "true"},
      {"builtins.lessThan [ 1 2 ] [ 1 3 ]", "true"},
      {"builtins.lessThan { } 1", "error: cannot compare a set with an integer"},
  });
}

TEST(MathBuiltins, Bits) {
  expect_cases({
      {"builtins.bitAnd 12 10", "8"},
      {"builtins.bitOr 12 10", "14"},
      {"builtins.bitXor 5 3", "6"},
      {"builtins.bitAnd (-1) 255", "255"},
      {"builtins.bitAnd 1.0 2", "error: value is a float while an integer was expected"},
  });
}

TEST(MathBuiltins, CeilFloor) {
  expect_cases({
      {"builtins.floor 23.5", "23"},
      {"builtins.ceil 23.5", "24"},
      {"builtins.floor 23", "23"},
      {"builtins.ceil 23", "23"},
      {"builtins.floor (-0.5)", "-1"},
      {"builtins.ceil (-0.5)", "0"},
      // Ints pass through exactly, even past 2^53.
      {"builtins.floor 9007199254740993", "9007199254740993"},
      {"builtins.floor \"a\"", "error: value is a string while a float was expected"},
      {"builtins.floor 1.0e30", "error: NixFloat argument 1e+30 is not in the range of NixInt"},
      {"builtins.ceil (-1.0e30)", "error: NixFloat argument -1e+30 is not in the range of NixInt"},
  });
}

TEST(MathBuiltins, TypePredicates) {
  expect_cases({
      {"builtins.isInt 1", "true"},
      {"builtins.isInt 1.0", "false"},
      {"builtins.isFloat 1.0", "true"},
      {"builtins.isFloat 1", "false"},
  });
}

}  // namespace
}  // namespace cairn::lang
