// Helpers for the language's unit tests: evaluate a snippet and get what
// `cairn eval --strict` would print, or the error text; and the table-driven
// loop the *_test.cc files share, a list of Cases (expression, expected
// output) checked one by one with the expression as the failure's trace.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>

#include "builder/lang/eval.hh"
#include "builder/lang/parser.hh"
#include "builder/lang/print.hh"

namespace cairn::lang::testing {

/// Evaluates `expr` (paths relative to /test) with `settings` and prints the
/// value, forcing it deeply when `strict`. An evaluation error is returned as
/// "error: " + its message (no position).
inline std::string eval_with(std::string_view expr, const EvalSettings& settings, bool strict = true) {
  EvalState state(settings);
  try {
    Value v;
    state.eval(state.parse_string(expr, "/test"), v);
    std::ostringstream out;
    print_value(state, v, out, strict);
    return out.str();
  } catch (const EvalError& e) {
    return "error: " + e.message;
  }
}

/// eval_with, with $HOME at /home/test and no other settings.
inline std::string eval_str(std::string_view expr, bool strict = true) {
  EvalSettings settings;
  settings.home = "/home/test";
  return eval_with(expr, settings, strict);
}

/// Like eval_str, but returns the whole formatted error (with positions and
/// traces), or "OK: <value>" when evaluation succeeds.
inline std::string eval_error(std::string_view expr) {
  EvalSettings settings;
  EvalState state(settings);
  try {
    Value v;
    state.eval(state.parse_string(expr, "/test"), v);
    std::ostringstream out;
    print_value(state, v, out, true);
    return "OK: " + out.str();
  } catch (const EvalError& e) {
    return format_error(e, state.positions);
  }
}

/// One row of a table-driven test: an expression and the text it should give.
struct Case {
  std::string_view expr;
  std::string_view expected;
};

/// Expects `eval(expr)` to equal `expected_of(expected)` for each case, with
/// the expression as the trace of any failure. `expected_of` is the identity
/// unless the expected text needs filling in (builtins_files_test.cc puts its
/// temporary directory in).
template <typename Eval, typename Expected = std::identity>
void expect_cases_with(std::initializer_list<Case> cases, Eval eval, Expected expected_of = {}) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expr);
    EXPECT_EQ(eval(c.expr), expected_of(c.expected));
  }
}

/// Expects eval_str(expr, strict) to equal `expected` for each case.
inline void expect_cases(std::initializer_list<Case> cases, bool strict = true) {
  expect_cases_with(cases, [strict](std::string_view expr) { return eval_str(expr, strict); });
}

}  // namespace cairn::lang::testing
