// Runtime values of the Nix language.
//
// A Value is 24 bytes: a type tag and a 16-byte payload. Containers (lists,
// attribute sets) and environments hold `Value*`, never copies, so that a
// thunk, once forced, is updated in place for everyone who shares it — that
// is what makes evaluation lazy and each binding evaluated at most once.
//
// Memory: values, environments, attribute sets and strings are allocated in
// the EvalState's arena and live until the evaluation ends (an evaluation is
// one short-lived process, like nix-instantiate with its GC disabled).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "builder/lang/pos.hh"
#include "builder/lang/symbol.hh"

namespace cairn::lang {

struct Env;
struct Expr;
struct ExprLambda;
struct Bindings;
struct PrimOp;

enum class Type : uint8_t {
  Thunk,      ///< unevaluated: thunk.env + thunk.expr
  App,        ///< unevaluated call: app.fun applied to app.arg
  Blackhole,  ///< being evaluated; forcing it again is infinite recursion
  Null,
  Bool,
  Int,
  Float,
  String,     ///< str.data (NUL-terminated) + str.len; no store context
  Path,       ///< str: a canonical absolute path
  List,       ///< list.elems[0 .. list.size)
  Attrs,      ///< attrs
  Lambda,     ///< lambda.env + lambda.fun
  PrimOp,     ///< primop
  PrimOpApp,  ///< partial application: app.fun (PrimOp or PrimOpApp) + app.arg
};

struct Value {
  Type type = Type::Null;
  union {
    bool boolean;
    int64_t integer;
    double fpoint;
    struct {
      const char* data;
      size_t len;
    } str;
    struct {
      Value** elems;
      size_t size;
    } list;
    Bindings* attrs;
    struct {
      Env* env;
      ExprLambda* fun;
    } lambda;
    struct {
      Env* env;
      Expr* expr;
    } thunk;
    struct {
      Value* fun;
      Value* arg;
    } app;
    const lang::PrimOp* primop;
  };

  Value() : integer(0) {}

  bool is_thunk() const { return type == Type::Thunk || type == Type::App || type == Type::Blackhole; }
  std::string_view string_view() const { return {str.data, str.len}; }

  void mk_null() { type = Type::Null; integer = 0; }
  void mk_bool(bool b) { type = Type::Bool; integer = 0; boolean = b; }
  void mk_int(int64_t i) { type = Type::Int; integer = i; }
  void mk_float(double f) { type = Type::Float; fpoint = f; }
  /// `data` must be NUL-terminated and outlive the value (arena or static).
  void mk_string_raw(const char* data, size_t len) { type = Type::String; str = {data, len}; }
  void mk_path_raw(const char* data, size_t len) { type = Type::Path; str = {data, len}; }
  void mk_list_raw(Value** elems, size_t size) { type = Type::List; list = {elems, size}; }
  void mk_attrs(Bindings* b) { type = Type::Attrs; attrs = b; }
  void mk_lambda(Env* env, ExprLambda* fun) { type = Type::Lambda; lambda = {env, fun}; }
  void mk_thunk(Env* env, Expr* expr) { type = Type::Thunk; thunk = {env, expr}; }
  void mk_app(Value* fun, Value* arg) { type = Type::App; app = {fun, arg}; }
  void mk_primop(const lang::PrimOp* p) { type = Type::PrimOp; primop = p; }
  void mk_primop_app(Value* fun, Value* arg) { type = Type::PrimOpApp; app = {fun, arg}; }
};
static_assert(sizeof(Value) == 24);

/// One attribute: name, where it was defined, and its (possibly lazy) value.
struct Attr {
  Symbol name;
  PosIdx pos;
  Value* value;
};

/// An attribute set: `size` attributes sorted by symbol id.
///
/// The attributes live in storage that several sets may share: a set sees
/// the first `size` slots, and `*used` records how many slots any set has
/// filled. `a // b` where all of b's names sort after a's (the common shape
/// of folding definitions into a set one by one) appends b's attributes in
/// place when a's view ends at the high-water mark and there is room, and
/// returns a new header over the same storage, instead of copying a — this
/// turns `foldl' (acc: x: acc // x)` from quadratic into linear time and
/// memory. Sets never change once they are inside a Value: slots a set can
/// see are never written again.
struct Bindings {
  uint32_t size = 0;      ///< attributes visible through this set
  uint32_t capacity = 0;  ///< slots in the storage `attrs` points to
  Attr* attrs = nullptr;  ///< the storage, sorted by symbol id up to `size`
  uint32_t* used = nullptr;  ///< slots filled in the shared storage

  Attr* begin() { return attrs; }
  Attr* end() { return attrs + size; }
  const Attr* begin() const { return attrs; }
  const Attr* end() const { return attrs + size; }

  /// The attribute named `name`, or nullptr.
  const Attr* find(Symbol name) const {
    size_t lo = 0, hi = size;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (attrs[mid].name.id < name.id) lo = mid + 1; else hi = mid;
    }
    return lo < size && attrs[lo].name == name ? &attrs[lo] : nullptr;
  }

  /// Appends without keeping order (call sort() before use). Only for a
  /// set under construction, which owns its storage.
  void push(Attr a) {
    attrs[size++] = a;
    *used = size;
  }
  void sort();
  /// Whether `n` more attributes can be appended in place: this set's view
  /// ends where the storage's filled part ends, and there is room.
  bool can_append(uint32_t n) const { return *used == size && capacity - size >= n; }
};

/// Human-readable type name as Nix prints it in errors ("a string", "a set").
std::string_view show_type(const Value& v);
/// The name builtins.typeOf returns ("string", "set", "lambda", ...).
std::string_view type_of(const Value& v);

}  // namespace cairn::lang
