// Helpers for the language's unit tests: evaluate a snippet and get what
// `cairn eval --strict` would print, or the error text.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

#include "builder/lang/eval.hh"
#include "builder/lang/parser.hh"
#include "builder/lang/print.hh"

namespace cairn::lang::testing {

/// Evaluates `expr` (paths relative to /test) strictly and prints the value.
/// An evaluation error is returned as "error: " + its message (no position).
inline std::string eval_str(std::string_view expr, bool strict = true) {
  EvalSettings settings;
  settings.home = "/home/test";
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

}  // namespace cairn::lang::testing
