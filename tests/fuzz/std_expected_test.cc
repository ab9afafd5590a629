// Checks that std_expected.hh behaves like C++23 std::expected where cairn
// relies on it. Built in the fuzz build (clang 14, where the shim is what
// std::expected is) and run by scripts/fuzz before any target; the same file
// compiles against the real <expected> (g++ 12: `g++ -std=c++23
// tests/fuzz/std_expected_test.cc`), which is how the expectations below
// were checked. Exits 1 naming the first check that fails.
#include <version>

#include <cstdio>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/error.hh"

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "std_expected_test: FAIL: %s\n", what);
  ++failures;
}

cairn::Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return cairn::fail(std::string("not a digit: ") + c);
  return c - '0';
}

cairn::Result<void> nothing_wrong() { return {}; }

cairn::Result<std::unique_ptr<int>> boxed(int v) {
  if (v < 0) return std::unexpected(cairn::Error{"negative"});
  return std::make_unique<int>(v);
}

}  // namespace

int main() {
  using cairn::Error;
  using cairn::Result;

  // Values and errors; the traits a container relies on.
  static_assert(std::is_copy_constructible_v<Result<int>> && std::is_nothrow_move_constructible_v<Result<int>>);
  static_assert(!std::is_copy_constructible_v<Result<std::unique_ptr<int>>>);
  static_assert(std::is_move_constructible_v<Result<std::unique_ptr<int>>>);
  static_assert(std::is_trivially_copy_constructible_v<std::expected<int, int>>);
  static_assert(std::is_trivially_destructible_v<std::expected<int, int>>);
  static_assert(!std::is_convertible_v<Result<int>, bool>, "operator bool is explicit");

  auto seven = parse_digit('7');
  check(seven.has_value() && *seven == 7 && seven.value() == 7, "a value");
  auto bad = parse_digit('x');
  check(!bad && bad.error().message == "not a digit: x", "an error");
  check(Result<int>().value() == 0, "a default-constructed expected holds T()");
  check(nothing_wrong().has_value(), "Result<void> success");

  bool threw = false;
  try {
    (void)bad.value();
  } catch (const std::bad_expected_access<Error>& e) {
    threw = e.error().message == "not a digit: x";
  }
  check(threw, "value() on an error throws bad_expected_access with the error");

  // Copy, move and assignment between states.
  Result<std::string> s = std::string("abc");
  Result<std::string> t = s;
  check(t && *t == "abc" && t->size() == 3, "copy of a value, operator->");
  t = std::unexpected(Error{"gone"});
  check(!t && t.error().message == "gone", "assigning an unexpected");
  t = std::string("back");
  check(t && *t == "back", "assigning a value over an error");
  Result<std::string> m = std::move(t);
  check(m && *m == "back", "move of a value");
  auto b = boxed(5);
  auto moved = std::move(b);
  check(moved && **moved == 5, "a move-only value");
  check(!boxed(-1) && boxed(-1).error().message == "negative", "return std::unexpected(Error{…})");

  std::vector<Result<int>> v;
  for (char c : std::string("1x3")) v.push_back(parse_digit(c));
  check(v.size() == 3 && v[0] && !v[1] && *v[2] == 3, "in a vector");

  check(bad.value_or(-1) == -1 && seven.value_or(-1) == 7, "value_or");

  // Comparisons.
  std::expected<int, int> one = 1, err = std::unexpected(1);
  check(one == 1 && one != 2 && err == std::unexpected(1) && one != err, "comparisons");
  check(std::expected<void, int>() == std::expected<void, int>(), "comparing two empty successes");
  std::expected<int, int> in_place(std::in_place, 4), unex(std::unexpect, 5);
  check(*in_place == 4 && unex.error() == 5, "in_place and unexpect construction");
  in_place.swap(unex);
  check(in_place.error() == 5 && *unex == 4, "swap across states");

  if (failures) return 1;
  std::puts("std_expected_test: ok");
  return 0;
}
