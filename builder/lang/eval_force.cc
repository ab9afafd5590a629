// Forcing, calling, coercion, arithmetic and comparison: the operations that
// both the AST's eval rules and the builtins are written with.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

#include "builder/lang/eval.hh"

namespace cairn::lang {

// ---- forcing --------------------------------------------------------------------

void EvalState::force_thunk(Value& v, PosIdx pos) {
  if (v.type == Type::Thunk) {
    Env* env = v.thunk.env;
    Expr* expr = v.thunk.expr;
    DepthGuard guard(*this, pos);
    v.type = Type::Blackhole;
    ++thunks_forced;
    try {
      expr->eval(*this, *env, v);
    } catch (...) {
      // Leave the thunk re-evaluable (tryEval may retry it), as Nix does.
      v.mk_thunk(env, expr);
      throw;
    }
  } else if (v.type == Type::App) {
    Value* fun = v.app.fun;
    Value* arg = v.app.arg;
    v.type = Type::Blackhole;
    try {
      call_function(*fun, *arg, v, pos);
    } catch (...) {
      v.mk_app(fun, arg);
      throw;
    }
  } else if (v.type == Type::Blackhole) {
    throw InfiniteRecursionError("infinite recursion encountered", pos);
  }
}

namespace {

// Deep forcing with a visited set, so cyclic structures terminate.
struct DeepForcer {
  EvalState& state;
  std::unordered_set<const void*> seen;

  void run(Value& v, PosIdx pos) {
    EvalState::DepthGuard guard(state, pos);
    state.force(v, pos);
    if (v.type == Type::Attrs) {
      if (!seen.insert(v.attrs).second) return;
      for (Attr& a : *v.attrs) {
        try {
          run(*a.value, a.pos ? a.pos : pos);
        } catch (EvalError& e) {
          e.with_trace(a.pos, "while evaluating the attribute '" + std::string(state.symbols[a.name]) + "'");
          throw;
        }
      }
    } else if (v.type == Type::List) {
      if (v.list.size == 0 || !seen.insert(v.list.elems).second) return;
      for (size_t i = 0; i < v.list.size; ++i) run(*v.list.elems[i], pos);
    }
  }
};

}  // namespace

void EvalState::force_deep(Value& v, PosIdx pos) {
  DeepForcer f{*this, {}};
  f.run(v, pos);
}

[[noreturn]] void EvalState::throw_type_error(std::string_view expected, Value& got, PosIdx pos,
                                              std::string_view context) {
  TypeError e(fmt::format("value is {} while {} was expected", show_type(got), expected), pos);
  if (!context.empty()) e.with_trace(pos, std::string(context));
  throw e;
}

int64_t EvalState::force_int(Value& v, PosIdx pos, std::string_view context) {
  force(v, pos);
  if (v.type != Type::Int) throw_type_error("an integer", v, pos, context);
  return v.integer;
}

double EvalState::force_float(Value& v, PosIdx pos, std::string_view context) {
  force(v, pos);
  if (v.type == Type::Int) return static_cast<double>(v.integer);
  if (v.type != Type::Float) throw_type_error("a float", v, pos, context);
  return v.fpoint;
}

bool EvalState::force_bool(Value& v, PosIdx pos, std::string_view context) {
  force(v, pos);
  if (v.type != Type::Bool) throw_type_error("a Boolean", v, pos, context);
  return v.boolean;
}

void EvalState::force_attrs(Value& v, PosIdx pos, std::string_view context) {
  force(v, pos);
  if (v.type != Type::Attrs) throw_type_error("a set", v, pos, context);
}

void EvalState::force_list(Value& v, PosIdx pos, std::string_view context) {
  force(v, pos);
  if (v.type != Type::List) throw_type_error("a list", v, pos, context);
}

void EvalState::force_function(Value& v, PosIdx pos, std::string_view context) {
  force(v, pos);
  if (v.type == Type::Lambda || v.type == Type::PrimOp || v.type == Type::PrimOpApp) return;
  if (v.type == Type::Attrs && is_functor(v)) return;
  throw_type_error("a function", v, pos, context);
}

std::string_view EvalState::force_string(Value& v, PosIdx pos, std::string_view context) {
  force(v, pos);
  if (v.type != Type::String) throw_type_error("a string", v, pos, context);
  return v.string_view();
}

bool EvalState::is_functor(Value& v) {
  return v.type == Type::Attrs && v.attrs->find(s.functor) != nullptr;
}

// ---- coercion ----------------------------------------------------------------------

static std::string float_to_string(double d) {
  // toString of a float, as Nix: std::to_string (six decimals).
  return std::to_string(d);
}

std::string EvalState::coerce_to_string(Value& v, PosIdx pos, CoerceOptions opts,
                                        std::string_view context) {
  force(v, pos);
  switch (v.type) {
    case Type::String:
    case Type::Path: return std::string(v.string_view());
    case Type::Attrs: {
      if (const Attr* f = v.attrs->find(s.to_string)) {
        Value r;
        call_function(*f->value, v, r, pos);
        return coerce_to_string(r, pos, opts, context);
      }
      if (const Attr* o = v.attrs->find(s.out_path)) return coerce_to_string(*o->value, pos, opts, context);
      break;
    }
    default: break;
  }
  if (opts.coerce_more) {
    switch (v.type) {
      case Type::Bool: return v.boolean ? "1" : "";
      case Type::Int: return std::to_string(v.integer);
      case Type::Float: return float_to_string(v.fpoint);
      case Type::Null: return "";
      case Type::List: {
        std::string r;
        for (size_t i = 0; i < v.list.size; ++i) {
          Value& e = *v.list.elems[i];
          r += coerce_to_string(e, pos, opts, context);
          if (i + 1 < v.list.size && !(e.type == Type::List && e.list.size == 0)) r += ' ';
        }
        return r;
      }
      default: break;
    }
  }
  TypeError e(fmt::format("cannot coerce {} to a string", show_type(v)), pos);
  if (!context.empty()) e.with_trace(pos, std::string(context));
  throw e;
}

std::string EvalState::coerce_to_path(Value& v, PosIdx pos, std::string_view context) {
  std::string p = coerce_to_string(v, pos, {}, context);
  if (p.empty() || p[0] != '/') {
    TypeError e(fmt::format("string '{}' doesn't represent an absolute path", p), pos);
    if (!context.empty()) e.with_trace(pos, std::string(context));
    throw e;
  }
  return p;
}

// ---- calling --------------------------------------------------------------------------

namespace {

std::string lambda_name(EvalState& state, const ExprLambda& lam) {
  return lam.name ? "'" + std::string(state.symbols[lam.name]) + "'" : "anonymous lambda";
}

}  // namespace

void EvalState::call_primop(Value& fun, Value& arg, Value& out, PosIdx pos) {
  // Count the arguments collected so far along the PrimOpApp chain.
  uint32_t have = 1;
  Value* f = &fun;
  while (f->type == Type::PrimOpApp) {
    ++have;
    f = f->app.fun;
  }
  const PrimOp* op = f->primop;
  if (have < op->arity) {
    Value* saved = alloc_value();
    *saved = fun;
    out.mk_primop_app(saved, &arg);
    return;
  }
  Value* args[8];
  args[have - 1] = &arg;
  Value* cur = &fun;
  for (uint32_t i = have - 1; i-- > 0;) {
    args[i] = cur->app.arg;
    cur = cur->app.fun;
  }
  try {
    op->fn(*this, pos, args, out);
  } catch (EvalError& e) {
    // A builtin's own error already points at the call; a trace frame with
    // the same position would only repeat it.
    if (e.pos && !(e.pos == pos)) e.with_trace(pos, "while calling the '" + op->name + "' builtin");
    e.at(pos);
    throw;
  }
}

void EvalState::call_function(Value& fun, Value& arg, Value& out, PosIdx pos) {
  DepthGuard guard(*this, pos);
  force(fun, pos);
  ++calls;
  switch (fun.type) {
    case Type::Lambda: {
      ExprLambda& lam = *fun.lambda.fun;
      Env& env = alloc_env(lam.env_size());
      env.up = fun.lambda.env;
      if (!lam.formals) {
        env.values[0] = &arg;
      } else {
        force_attrs(arg, pos, "while evaluating the value passed for the lambda argument");
        const Bindings& given = *arg.attrs;
        const auto& formals = lam.formals->formals;
        uint32_t used = 0;
        for (size_t i = 0; i < formals.size(); ++i) {
          const Formal& f = formals[i];
          if (const Attr* a = given.find(f.name)) {
            env.values[i] = a->value;
            ++used;
          } else if (f.def) {
            env.values[i] = f.def->maybe_thunk(*this, env);
          } else {
            TypeError e(fmt::format("function {} called without required argument '{}'",
                                    lambda_name(*this, lam), symbols[f.name]),
                        lam.pos);
            e.with_trace(pos, "from call site");
            throw e;
          }
        }
        if (!lam.formals->ellipsis && used < given.size) {
          for (const Attr& a : given)
            if (!lam.formals->find(a.name)) {
              TypeError e(fmt::format("function {} called with unexpected argument '{}'",
                                      lambda_name(*this, lam), symbols[a.name]),
                          lam.pos);
              e.with_trace(pos, "from call site");
              throw e;
            }
        }
        if (lam.arg) env.values[formals.size()] = &arg;
      }
      try {
        lam.body->eval(*this, env, out);
      } catch (EvalError& e) {
        e.at(lam.body->pos);
        if (e.traces.size() < 1000) e.with_trace(pos, "while calling " + lambda_name(*this, lam));
        throw;
      }
      return;
    }
    case Type::PrimOp:
    case Type::PrimOpApp: call_primop(fun, arg, out, pos); return;
    case Type::Attrs:
      if (const Attr* f = fun.attrs->find(s.functor)) {
        // `set arg` is `set.__functor set arg`.
        Value* self = alloc_value();
        *self = fun;
        Value* fv = f->value;
        Value* args[2] = {self, &arg};
        call_function(*fv, std::span<Value*>(args, 2), out, pos);
        return;
      }
      break;
    default: break;
  }
  throw TypeError(fmt::format("attempt to call something which is not a function but {}", show_type(fun)),
                  pos);
}

void EvalState::call_function(Value& fun, std::span<Value*> args, Value& out, PosIdx pos) {
  if (args.empty()) {
    out = fun;
    return;
  }
  force(fun, pos);
  // A primop given all its arguments at once is called directly, without
  // building PrimOpApp values.
  if (fun.type == Type::PrimOp && args.size() >= fun.primop->arity) {
    const PrimOp* op = fun.primop;
    Value tmp;
    Value& target = args.size() == op->arity ? out : tmp;
    {
      DepthGuard guard(*this, pos);
      ++calls;
      try {
        op->fn(*this, pos, args.data(), target);
      } catch (EvalError& e) {
        if (e.pos && !(e.pos == pos)) e.with_trace(pos, "while calling the '" + op->name + "' builtin");
        e.at(pos);
        throw;
      }
    }
    if (args.size() == op->arity) return;
    call_function(tmp, args.subspan(op->arity), out, pos);
    return;
  }
  Value cur = fun;
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    Value next;
    call_function(cur, *args[i], next, pos);
    cur = next;
  }
  call_function(cur, *args.back(), out, pos);
}

// ---- arithmetic ------------------------------------------------------------------------

void EvalState::arith(char op, Value& a, Value& b, Value& out, PosIdx pos) {
  force(a, pos);
  force(b, pos);
  const char* verb = op == '+' ? "add" : op == '-' ? "subtract" : op == '*' ? "multiply" : "divide";
  auto numeric = [](const Value& v) { return v.type == Type::Int || v.type == Type::Float; };
  if (!numeric(a) || !numeric(b)) {
    const Value& bad = numeric(a) ? b : a;
    throw_type_error("an integer", const_cast<Value&>(bad), pos,
                     fmt::format("while evaluating the operands of an arithmetic operation ({})", verb));
  }
  if (a.type == Type::Int && b.type == Type::Int) {
    int64_t x = a.integer, y = b.integer, r = 0;
    bool overflow = false;
    switch (op) {
      case '+': overflow = __builtin_add_overflow(x, y, &r); break;
      case '-': overflow = __builtin_sub_overflow(x, y, &r); break;
      case '*': overflow = __builtin_mul_overflow(x, y, &r); break;
      case '/':
        if (y == 0) throw EvalError("division by zero", pos);
        if (x == INT64_MIN && y == -1) overflow = true; else r = x / y;
        break;
    }
    if (overflow) {
      const char* gerund = op == '+' ? "adding" : op == '-' ? "subtracting" : op == '*' ? "multiplying" : "dividing";
      throw EvalError(fmt::format("integer overflow in {} {} {} {}", gerund, x, op, y), pos);
    }
    out.mk_int(r);
    return;
  }
  double x = a.type == Type::Int ? static_cast<double>(a.integer) : a.fpoint;
  double y = b.type == Type::Int ? static_cast<double>(b.integer) : b.fpoint;
  switch (op) {
    case '+': out.mk_float(x + y); return;
    case '-': out.mk_float(x - y); return;
    case '*': out.mk_float(x * y); return;
    default:
      if (y == 0) throw EvalError("division by zero", pos);
      out.mk_float(x / y);
      return;
  }
}

// ---- comparison ----------------------------------------------------------------------------

bool EvalState::eq_values(Value& a, Value& b, PosIdx pos) {
  DepthGuard guard(*this, pos);
  force(a, pos);
  force(b, pos);
  // Ints and floats compare by value across types.
  if (a.type == Type::Int && b.type == Type::Float) return static_cast<double>(a.integer) == b.fpoint;
  if (a.type == Type::Float && b.type == Type::Int) return a.fpoint == static_cast<double>(b.integer);
  if (a.type != b.type) return false;
  switch (a.type) {
    case Type::Null: return true;
    case Type::Bool: return a.boolean == b.boolean;
    case Type::Int: return a.integer == b.integer;
    case Type::Float: return a.fpoint == b.fpoint;
    case Type::String:
    case Type::Path: return a.string_view() == b.string_view();
    case Type::List:
      if (a.list.size != b.list.size) return false;
      if (a.list.elems == b.list.elems) return true;
      for (size_t i = 0; i < a.list.size; ++i)
        if (a.list.elems[i] != b.list.elems[i] && !eq_values(*a.list.elems[i], *b.list.elems[i], pos))
          return false;
      return true;
    case Type::Attrs: {
      if (a.attrs == b.attrs) return true;
      // Two derivations are equal when their outPaths are.
      const Attr* ta = a.attrs->find(s.type);
      const Attr* tb = b.attrs->find(s.type);
      if (ta && tb) {
        force(*ta->value, pos);
        force(*tb->value, pos);
        if (ta->value->type == Type::String && tb->value->type == Type::String &&
            ta->value->string_view() == "derivation" && tb->value->string_view() == "derivation") {
          const Attr* oa = a.attrs->find(s.out_path);
          const Attr* ob = b.attrs->find(s.out_path);
          if (oa && ob) return eq_values(*oa->value, *ob->value, pos);
        }
      }
      if (a.attrs->size != b.attrs->size) return false;
      for (uint32_t i = 0; i < a.attrs->size; ++i) {
        const Attr& x = a.attrs->attrs[i];
        const Attr& y = b.attrs->attrs[i];
        if (x.name != y.name) return false;
        if (x.value != y.value && !eq_values(*x.value, *y.value, pos)) return false;
      }
      return true;
    }
    default: return false;  // functions are never equal
  }
}

int EvalState::compare_values(Value& a, Value& b, PosIdx pos) {
  force(a, pos);
  force(b, pos);
  auto cmp = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  if (a.type == Type::Int && b.type == Type::Int) return cmp(a.integer, b.integer);
  if ((a.type == Type::Int || a.type == Type::Float) && (b.type == Type::Int || b.type == Type::Float)) {
    double x = a.type == Type::Int ? static_cast<double>(a.integer) : a.fpoint;
    double y = b.type == Type::Int ? static_cast<double>(b.integer) : b.fpoint;
    return cmp(x, y);
  }
  if (a.type == b.type && (a.type == Type::String || a.type == Type::Path)) {
    int c = a.string_view().compare(b.string_view());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.type == Type::List && b.type == Type::List) {
    DepthGuard guard(*this, pos);
    for (size_t i = 0;; ++i) {
      if (i == b.list.size) return i == a.list.size ? 0 : 1;
      if (i == a.list.size) return -1;
      if (!eq_values(*a.list.elems[i], *b.list.elems[i], pos))
        return compare_values(*a.list.elems[i], *b.list.elems[i], pos);
    }
  }
  throw EvalError(fmt::format("cannot compare {} with {}", show_type(a), show_type(b)), pos);
}

}  // namespace cairn::lang
