// Builtins about evaluation itself: abort, throw, trace, warn, traceVerbose,
// break, tryEval, seq, deepSeq, addErrorContext; type predicates (typeOf,
// isNull, isFunction, isBool, isString, isPath); getEnv; and the constants
// currentSystem, nixVersion, langVersion, storeDir.
//
// Errors: `throw` raises ThrownError, the one error (with failed asserts)
// that tryEval catches; `abort` raises Abort, which nothing catches. Both
// are EvalErrors, so addErrorContext can add its frame to either on the way
// out and rethrow the same object.
//
// trace and warn print to stderr directly: they are the language's own
// output channel (nix-instantiate prints them the same way), not library
// logging.
#include <sys/utsname.h>

#include <cctype>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include "builder/lang/builtins.hh"
#include "builder/lang/eval.hh"
#include "builder/lang/print.hh"

namespace cairn::lang {

namespace {

/// The Nix version we claim. nixpkgs refuses to evaluate below its
/// lib/minver.nix (2.18 as of 2025) and feature-gates on
/// `lib.versionAtLeast builtins.nixVersion "…"`; 2.18 passes the gate and
/// does not promise newer builtins (fetchTree, …) that cairn lacks.
constexpr std::string_view kNixVersion = "2.18.0";

void prim_abort(EvalState& state, PosIdx pos, Value** args, Value& out) {
  (void)out;
  std::string msg = state.coerce_to_string(*args[0], pos, {}, "while evaluating the error message passed to builtins.abort");
  throw Abort("evaluation aborted with the following error message: '" + msg + "'", pos);
}

void prim_throw(EvalState& state, PosIdx pos, Value** args, Value& out) {
  (void)out;
  std::string msg = state.coerce_to_string(*args[0], pos, {}, "while evaluating the error message passed to builtin.throw");
  throw ThrownError(std::move(msg), pos);
}

void prim_trace(EvalState& state, PosIdx pos, Value** args, Value& out) {
  Value& msg = *args[0];
  state.force(msg, pos);
  // Strings print raw; anything else as a value, without forcing more of it.
  std::ostringstream line;
  line << "trace: ";
  if (msg.type == Type::String)
    line << msg.string_view();
  else
    print_value(state, msg, line, false);
  line << '\n';
  std::cerr << line.str() << std::flush;
  state.force(*args[1], pos);
  out = *args[1];
}

void prim_warn(EvalState& state, PosIdx pos, Value** args, Value& out) {
  std::string_view msg = state.force_string(
      *args[0], pos, "while evaluating the first argument; the message passed to builtins.warn");
  std::cerr << "warning: " << msg << '\n' << std::flush;
  state.force(*args[1], pos);
  out = *args[1];
}

/// traceVerbose without --trace-verbose, and break without a debugger:
/// both just return (the forced) last argument, as in Nix.
void prim_second(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force(*args[1], pos);
  out = *args[1];
}

void prim_break(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force(*args[0], pos);
  out = *args[0];
}

void prim_try_eval(EvalState& state, PosIdx pos, Value** args, Value& out) {
  BindingsBuilder b(state, 2);
  try {
    state.force(*args[0], pos);
    b.insert(state.s.value, args[0]);
    b.alloc(state.s.success).mk_bool(true);
  } catch (const AssertionError&) {  // includes ThrownError; nothing else, as in Nix
    b.alloc(state.s.value).mk_bool(false);
    b.alloc(state.s.success).mk_bool(false);
  }
  out.mk_attrs(b.finish());
}

void prim_seq(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force(*args[0], pos);
  state.force(*args[1], pos);
  out = *args[1];
}

void prim_deep_seq(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_deep(*args[0], pos);
  state.force(*args[1], pos);
  out = *args[1];
}

void prim_add_error_context(EvalState& state, PosIdx pos, Value** args, Value& out) {
  try {
    state.force(*args[1], pos);
    out = *args[1];
  } catch (EvalError& e) {
    // The message is only evaluated when there is an error to annotate.
    std::string msg = state.coerce_to_string(
        *args[0], pos, {}, "while evaluating the error message passed to builtins.addErrorContext");
    e.with_trace(PosIdx{}, std::move(msg));
    throw;
  }
}

void prim_get_env(EvalState& state, PosIdx pos, Value** args, Value& out) {
  std::string name(
      state.force_string(*args[0], pos, "while evaluating the first argument passed to builtins.getEnv"));
  const char* value = state.settings.allow_environment ? std::getenv(name.c_str()) : nullptr;
  state.mk_string(out, value ? value : "");
}

void prim_type_of(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force(*args[0], pos);
  state.mk_string(out, type_of(*args[0]));
}

/// One predicate per type: force, then compare the tag.
template <Type T>
void prim_is(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force(*args[0], pos);
  out.mk_bool(args[0]->type == T);
}

void prim_is_function(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force(*args[0], pos);
  // Functor sets are callable but are sets: isFunction says false, as in Nix.
  Type t = args[0]->type;
  out.mk_bool(t == Type::Lambda || t == Type::PrimOp || t == Type::PrimOpApp);
}

/// "x86_64-linux" etc.: the machine and the lower-cased kernel name.
std::string current_system() {
  struct utsname u {};
  if (uname(&u) != 0) return "x86_64-linux";
  std::string os = u.sysname;
  for (char& c : os) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::string(u.machine) + "-" + os;
}

}  // namespace

void register_control_builtins(EvalState& state) {
  state.add_primop("abort", 1, prim_abort);
  state.add_primop("addErrorContext", 2, prim_add_error_context);
  state.add_primop("break", 1, prim_break);
  state.add_primop("deepSeq", 2, prim_deep_seq);
  state.add_primop("getEnv", 1, prim_get_env);
  state.add_primop("isBool", 1, prim_is<Type::Bool>);
  state.add_primop("isFunction", 1, prim_is_function);
  state.add_primop("isNull", 1, prim_is<Type::Null>);
  state.add_primop("isPath", 1, prim_is<Type::Path>);
  state.add_primop("isString", 1, prim_is<Type::String>);
  state.add_primop("seq", 2, prim_seq);
  state.add_primop("throw", 1, prim_throw);
  state.add_primop("trace", 2, prim_trace);
  state.add_primop("traceVerbose", 2, prim_second);
  state.add_primop("tryEval", 1, prim_try_eval);
  state.add_primop("typeOf", 1, prim_type_of);
  state.add_primop("warn", 2, prim_warn);

  Value v;
  state.mk_string(v, current_system());
  state.add_constant("currentSystem", v);
  state.mk_string(v, kNixVersion);
  state.add_constant("nixVersion", v);
  v.mk_int(6);
  state.add_constant("langVersion", v);
  state.mk_string(v, "/nix/store");
  state.add_constant("storeDir", v);
}

}  // namespace cairn::lang
