// Evaluation and parse errors.
//
// The evaluator throws (STYLE.md §7): an error carries its message, the
// position where it happened and a trace of "while evaluating …" frames
// added as it unwinds. `format_error` renders it as
//
//   error: MESSAGE
//          at FILE:LINE:COL:
//              LINE| source text
//                  |     ^
//          … while evaluating the attribute 'x'
//          at FILE:LINE:COL: …
//
// Only AssertionError (and its ThrownError) is catchable by builtins.tryEval,
// as in Nix.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "builder/lang/pos.hh"

namespace cairn::lang {

struct Trace {
  PosIdx pos;
  std::string message;
};

class EvalError : public std::exception {
 public:
  explicit EvalError(std::string message, PosIdx pos = {}) : message(std::move(message)), pos(pos) {}
  const char* what() const noexcept override { return message.c_str(); }

  /// Sets the position unless one is already known.
  EvalError& at(PosIdx p) {
    if (!pos) pos = p;
    return *this;
  }
  /// Adds a "while …" frame (outermost last).
  EvalError& with_trace(PosIdx p, std::string msg) {
    traces.push_back(Trace{p, std::move(msg)});
    return *this;
  }

  std::string message;
  PosIdx pos;
  std::vector<Trace> traces;
};

#define CAIRN_LANG_ERROR(Name, Base) \
  class Name : public Base {         \
   public:                           \
    using Base::Base;                \
  };

CAIRN_LANG_ERROR(ParseError, EvalError)
CAIRN_LANG_ERROR(TypeError, EvalError)
CAIRN_LANG_ERROR(AssertionError, EvalError)
CAIRN_LANG_ERROR(ThrownError, AssertionError)
CAIRN_LANG_ERROR(Abort, EvalError)
CAIRN_LANG_ERROR(InfiniteRecursionError, EvalError)
CAIRN_LANG_ERROR(StackOverflowError, EvalError)
#undef CAIRN_LANG_ERROR

/// Renders `e` for a terminal as described above (no trailing newline).
std::string format_error(const EvalError& e, const PosTable& positions);

/// "FILE:LINE:COL" for a position, or "«unknown»".
std::string format_pos(PosIdx pos, const PosTable& positions);

}  // namespace cairn::lang
