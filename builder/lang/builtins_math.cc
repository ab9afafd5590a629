// Arithmetic builtins: add, sub, mul, div, lessThan, bitAnd, bitOr, bitXor,
// ceil, floor, isInt, isFloat.
//
// add/sub/mul/div and lessThan share their semantics (int/float mixing,
// overflow and division-by-zero errors, what compares with what) with the
// operators, so they go through EvalState::arith and compare_values rather
// than reimplementing them.
//
// ceil/floor follow current Nix rather than 2.8: an int is returned as is
// (2.8 round-tripped it through a double and lost precision past 2^53), and
// a float whose result does not fit in 64 bits is an error instead of the
// undefined behaviour of casting it.
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>

#include "builder/lang/builtins.hh"
#include "builder/lang/eval.hh"

namespace cairn::lang {

namespace {

/// Forces both operands (left first, as Nix) and applies `op`.
void arith(EvalState& state, char op, Value& a, Value& b, Value& out, PosIdx pos) {
  state.force(a, pos);
  state.force(b, pos);
  state.arith(op, a, b, out, pos);
}

void prim_add(EvalState& state, PosIdx pos, Value** args, Value& out) {
  arith(state, '+', *args[0], *args[1], out, pos);
}

void prim_sub(EvalState& state, PosIdx pos, Value** args, Value& out) {
  arith(state, '-', *args[0], *args[1], out, pos);
}

void prim_mul(EvalState& state, PosIdx pos, Value** args, Value& out) {
  arith(state, '*', *args[0], *args[1], out, pos);
}

void prim_div(EvalState& state, PosIdx pos, Value** args, Value& out) {
  arith(state, '/', *args[0], *args[1], out, pos);
}

void prim_less_than(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force(*args[0], pos);
  state.force(*args[1], pos);
  out.mk_bool(state.compare_values(*args[0], *args[1], pos) < 0);
}

void prim_bit_and(EvalState& state, PosIdx pos, Value** args, Value& out) {
  int64_t a = state.force_int(*args[0], pos, "while evaluating the first argument passed to builtins.bitAnd");
  int64_t b = state.force_int(*args[1], pos, "while evaluating the second argument passed to builtins.bitAnd");
  out.mk_int(a & b);
}

void prim_bit_or(EvalState& state, PosIdx pos, Value** args, Value& out) {
  int64_t a = state.force_int(*args[0], pos, "while evaluating the first argument passed to builtins.bitOr");
  int64_t b = state.force_int(*args[1], pos, "while evaluating the second argument passed to builtins.bitOr");
  out.mk_int(a | b);
}

void prim_bit_xor(EvalState& state, PosIdx pos, Value** args, Value& out) {
  int64_t a = state.force_int(*args[0], pos, "while evaluating the first argument passed to builtins.bitXor");
  int64_t b = state.force_int(*args[1], pos, "while evaluating the second argument passed to builtins.bitXor");
  out.mk_int(a ^ b);
}

/// Shared by ceil and floor: `round` is std::ceil or std::floor.
void round_to_int(EvalState& state, PosIdx pos, Value& arg, Value& out, double (*round)(double),
                  std::string_view context) {
  state.force(arg, pos);
  if (arg.type == Type::Int) {
    out.mk_int(arg.integer);
    return;
  }
  double r = round(state.force_float(arg, pos, context));
  // -2^63 is exact as a double; 2^63 is the first value past INT64_MAX.
  constexpr double kMin = static_cast<double>(std::numeric_limits<int64_t>::min());
  if (!(r >= kMin && r < -kMin)) {  // also rejects NaN
    std::ostringstream msg;
    msg << "NixFloat argument " << arg.fpoint << " is not in the range of NixInt";
    throw EvalError(msg.str(), pos);
  }
  out.mk_int(static_cast<int64_t>(r));
}

void prim_ceil(EvalState& state, PosIdx pos, Value** args, Value& out) {
  round_to_int(state, pos, *args[0], out, [](double x) { return std::ceil(x); },
               "while evaluating the first argument passed to builtins.ceil");
}

void prim_floor(EvalState& state, PosIdx pos, Value** args, Value& out) {
  round_to_int(state, pos, *args[0], out, [](double x) { return std::floor(x); },
               "while evaluating the first argument passed to builtins.floor");
}

void prim_is_int(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force(*args[0], pos);
  out.mk_bool(args[0]->type == Type::Int);
}

void prim_is_float(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force(*args[0], pos);
  out.mk_bool(args[0]->type == Type::Float);
}

}  // namespace

void register_math_builtins(EvalState& state) {
  state.add_primop("add", 2, prim_add);
  state.add_primop("bitAnd", 2, prim_bit_and);
  state.add_primop("bitOr", 2, prim_bit_or);
  state.add_primop("bitXor", 2, prim_bit_xor);
  state.add_primop("ceil", 1, prim_ceil);
  state.add_primop("div", 2, prim_div);
  state.add_primop("floor", 1, prim_floor);
  state.add_primop("isFloat", 1, prim_is_float);
  state.add_primop("isInt", 1, prim_is_int);
  state.add_primop("lessThan", 2, prim_less_than);
  state.add_primop("mul", 2, prim_mul);
  state.add_primop("sub", 2, prim_sub);
}

}  // namespace cairn::lang
