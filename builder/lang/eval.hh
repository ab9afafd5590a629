// The evaluator: lazy, call-by-need evaluation of the Nix language.
//
// EvalState owns everything an evaluation allocates (symbols, positions,
// parsed expressions, the value arena, the import cache) and offers the
// operations builtins are written with: allocation, forcing, calling,
// coercion, comparison and errors. See eval.cc for the evaluation rules.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "builder/lang/arena.hh"
#include "builder/lang/ast.hh"
#include "builder/lang/error.hh"
#include "builder/lang/pos.hh"
#include "builder/lang/symbol.hh"
#include "builder/lang/value.hh"

namespace cairn::lang {

/// A runtime environment: `size` slots for the variables a scope binds.
/// A `with` environment has one slot, the (lazy) attribute set.
struct Env {
  Env* up;
  uint32_t size;
  uint32_t prev_with;  ///< for `with` envs: levels up to the next `with` env (0: none)
  Value* values[];     // NOLINT: flexible array member
};

using PrimOpFn = void (*)(EvalState& state, PosIdx pos, Value** args, Value& out);

/// A builtin function. `arity` arguments are collected (lazily, as
/// PrimOpApp values) before `fn` is called.
struct PrimOp {
  std::string name;  ///< without the "__" prefix
  uint32_t arity;
  PrimOpFn fn;
};

/// Collects attributes for a new set; `finish` sorts and returns it.
class BindingsBuilder {
 public:
  BindingsBuilder(EvalState& state, size_t capacity);
  void insert(Symbol name, Value* value, PosIdx pos = {});
  void insert(std::string_view name, Value* value, PosIdx pos = {});
  /// Allocates a fresh value for `name` and returns it for filling in.
  Value& alloc(Symbol name, PosIdx pos = {});
  Value& alloc(std::string_view name, PosIdx pos = {});
  Bindings* finish();

 private:
  EvalState& state_;
  Bindings* bindings_;
};

/// How coerce_to_string treats non-strings.
struct CoerceOptions {
  bool coerce_more = false;  ///< toString's extras: null, bools, numbers, lists
  bool path_to_store = false;  ///< reserved: cairn has no store copy; paths stay paths
};

struct EvalSettings {
  /// Entries for <name> lookups: "dir" or "prefix=dir", in order.
  std::vector<std::string> search_path;
  /// Home directory for `~/` paths.
  std::string home;
  /// When false, getEnv returns "" and NIX_PATH is ignored (hermetic builds).
  bool allow_environment = true;
  /// Maximum evaluation nesting before "stack overflow" is reported.
  uint32_t max_depth = 10000;
  /// Maximum number of calls and thunk evaluations (0: unlimited). Fuzzing
  /// sets it so that a program that never ends (which Nix allows) ends.
  uint64_t max_steps = 0;
};

class EvalState {
 public:
  explicit EvalState(EvalSettings settings = {});
  ~EvalState();
  EvalState(const EvalState&) = delete;
  EvalState& operator=(const EvalState&) = delete;

  SymbolTable symbols;
  PosTable positions;
  Arena arena;
  EvalSettings settings;

  // ---- parsing and files -------------------------------------------------
  /// Parses a file (absolute path; a directory means its default.nix).
  Expr* parse_file(const std::string& path);
  /// Parses an expression given on the command line; paths resolve against `base_dir`.
  Expr* parse_string(std::string_view text, std::string_view base_dir, std::string origin = "«string»");
  /// Evaluates a parsed top-level expression in the base environment.
  void eval(Expr* e, Value& out);
  /// Imports a file: parses and evaluates it once per evaluation (cached).
  void eval_file(const std::string& path, Value& out, PosIdx pos = {});
  /// Reads a whole file; throws EvalError naming the path. (The language
  /// layer throws rather than returning Result, and builds with clang for
  /// fuzzing, whose libstdc++ lacks std::expected.)
  std::string read_file(const std::string& path, PosIdx pos);

  /// Allocates an AST node owned by this state.
  template <class T, class... Args>
  T* new_expr(Args&&... args) {
    auto node = std::make_unique<T>(std::forward<Args>(args)...);
    T* raw = node.get();
    exprs_.push_back(std::move(node));
    return raw;
  }
  /// Allocates formals owned by this state.
  Formals* new_formals();

  // ---- allocation -----------------------------------------------------------
  Value* alloc_value() { return new (arena.allocate(sizeof(Value))) Value(); }
  Env& alloc_env(uint32_t size);
  Bindings* alloc_bindings(size_t capacity);
  /// A new set header over `storage`'s slots, seeing the first `size`.
  Bindings* share_bindings(const Bindings& storage, uint32_t size);
  /// A list value of `size` elements; the caller fills `v.list.elems`.
  void mk_list(Value& v, size_t size);
  void mk_string(Value& v, std::string_view s) {
    v.mk_string_raw(arena.copy_string(s), s.size());
  }
  void mk_path(Value& v, std::string_view s) { v.mk_path_raw(arena.copy_string(s), s.size()); }
  Value* new_string(std::string_view s) {
    Value* v = alloc_value();
    mk_string(*v, s);
    return v;
  }
  Value* new_int(int64_t i) {
    Value* v = alloc_value();
    v->mk_int(i);
    return v;
  }

  // ---- forcing -----------------------------------------------------------
  /// Evaluates `v` to weak head normal form in place.
  void force(Value& v, PosIdx pos) {
    if (v.is_thunk()) force_thunk(v, pos);
  }
  /// Forces `v` and everything reachable from it (--strict, deepSeq).
  void force_deep(Value& v, PosIdx pos = {});
  int64_t force_int(Value& v, PosIdx pos, std::string_view context = {});
  double force_float(Value& v, PosIdx pos, std::string_view context = {});  ///< ints convert
  bool force_bool(Value& v, PosIdx pos, std::string_view context = {});
  void force_attrs(Value& v, PosIdx pos, std::string_view context = {});
  void force_list(Value& v, PosIdx pos, std::string_view context = {});
  /// Forces to a lambda, primop or functor set.
  void force_function(Value& v, PosIdx pos, std::string_view context = {});
  /// Forces to a string (not a path) and returns its contents.
  std::string_view force_string(Value& v, PosIdx pos, std::string_view context = {});
  /// Strings, paths, sets with __toString/outPath; with coerce_more also
  /// null/bool/int/float/lists (toString semantics).
  std::string coerce_to_string(Value& v, PosIdx pos, CoerceOptions opts = {},
                               std::string_view context = {});
  /// A path value, or a string holding an absolute path; returns the path.
  std::string coerce_to_path(Value& v, PosIdx pos, std::string_view context = {});

  // ---- calling ---------------------------------------------------------------
  void call_function(Value& fun, Value& arg, Value& out, PosIdx pos);
  void call_function(Value& fun, std::span<Value*> args, Value& out, PosIdx pos);
  bool is_functor(Value& v);

  /// Arithmetic shared by the operators and builtins.add/sub/mul/div:
  /// `op` is one of + - * /. Ints overflow with an error; an int and a float
  /// give a float; division by zero is an error.
  void arith(char op, Value& a, Value& b, Value& out, PosIdx pos);

  // ---- comparison ------------------------------------------------------------
  bool eq_values(Value& a, Value& b, PosIdx pos);
  /// <0, 0, >0 as for `<` (numbers, strings, paths, lists); throws otherwise.
  int compare_values(Value& a, Value& b, PosIdx pos);

  // ---- attribute helpers -------------------------------------------------------
  /// The attribute `name` of a forced set, or nullptr.
  const Attr* get_attr(Value& set, Symbol name) { return set.attrs->find(name); }
  /// The value of attribute `name` of a forced set, or nullptr.
  Value* find_attr(Value& set, std::string_view name) {
    const Attr* a = set.attrs->find(symbols.intern(name));
    return a ? a->value : nullptr;
  }

  // ---- errors ----------------------------------------------------------------
  [[noreturn]] void throw_type_error(std::string_view expected, Value& got, PosIdx pos,
                                     std::string_view context = {});

  // ---- builtins ----------------------------------------------------------------
  void add_primop(std::string name, uint32_t arity, PrimOpFn fn);
  void add_constant(std::string name, Value v);
  /// The `builtins` set (for tests and the CLI).
  Value& builtins_value() { return *builtins_; }

  // Interned names used throughout.
  struct Syms {
    Symbol out_path, to_string, functor, type, derivation, file, line, column,
        name, value, success, wrong, right, key, operator_, body, startSet;
  } s;

  // ---- evaluation depth (stack protection) ----------------------------------------
  struct DepthGuard {
    EvalState& st;
    DepthGuard(EvalState& s, PosIdx pos) : st(s) {
      if (++st.depth_ > st.settings.max_depth || st.stack_low()) {
        --st.depth_;
        throw StackOverflowError("stack overflow; max-call-depth exceeded (possible infinite recursion)", pos);
      }
      if (st.settings.max_steps && ++st.steps_ > st.settings.max_steps) {
        --st.depth_;
        throw EvalError("evaluation step limit reached", pos);
      }
    }
    ~DepthGuard() { --st.depth_; }
  };

  /// An "open" attribute set: selecting a name it lacks (`s.x`, `with s; x`)
  /// asks `open_set_lookup` for the value instead of failing. The module
  /// system's stand-in `pkgs` uses it until the package index exists (it
  /// accepts any package name); nullptr when unused.
  const Bindings* open_set = nullptr;
  std::function<Value*(EvalState&, Symbol, PosIdx)> open_set_lookup;

  /// Statistics for --stats / benchmarks.
  size_t thunks_forced = 0;
  size_t calls = 0;

 private:
  friend struct ExprVar;
  friend struct ExprWith;
  friend struct ExprLambda;
  void force_thunk(Value& v, PosIdx pos);
  bool stack_low() const;
  void init_builtins();
  void call_primop(Value& fun, Value& arg, Value& out, PosIdx pos);

  std::vector<std::unique_ptr<Expr>> exprs_;
  std::vector<std::unique_ptr<Formals>> formals_;
  std::map<std::string, Expr*> parse_cache_;
  std::map<std::string, Value*> import_cache_;
  std::vector<std::unique_ptr<PrimOp>> primops_;

 public:
  // The static and runtime base environments (builtins and global names).
  StaticEnv static_base;
  Env* base_env = nullptr;
  uint32_t base_env_size = 0;
  uint32_t depth_ = 0;
  uint64_t steps_ = 0;
  uintptr_t stack_limit_ = 0;  ///< lowest safe stack address (0: unknown)

 private:
  Value* builtins_ = nullptr;
  /// Builtins registered but not yet placed in the base environment.
  std::vector<std::pair<std::string, Value*>> pending_;
};

/// Canonicalises an absolute path: collapses `//`, removes `.`, resolves `..`
/// lexically, drops a trailing slash (except for "/").
std::string canon_path(std::string_view path);

}  // namespace cairn::lang
