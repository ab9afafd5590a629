// The abstract syntax tree of the Nix language.
//
// The parser (parser.hh) builds these nodes; `bind_vars` (bind.cc) then
// resolves every variable to a (level, slot) pair in the static scope chain,
// or marks it as coming from a `with`; `eval` (eval.cc) evaluates a node in
// an environment. `show` prints the node fully parenthesised, close to
// `nix-instantiate --parse`, which the parser's tests compare against.
//
// Nodes are owned by the EvalState's expression pool and live as long as it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "builder/lang/pos.hh"
#include "builder/lang/symbol.hh"
#include "builder/lang/value.hh"

namespace cairn::lang {

class EvalState;
struct Env;
struct StaticEnv;

struct Expr {
  PosIdx pos;

  explicit Expr(PosIdx p = {}) : pos(p) {}
  virtual ~Expr() = default;

  /// Evaluates this expression in `env` into `out` (to weak head normal form).
  virtual void eval(EvalState& state, Env& env, Value& out) = 0;
  /// A value for this expression without evaluating it: a thunk, or for
  /// variables and constants the existing value (no allocation).
  virtual Value* maybe_thunk(EvalState& state, Env& env);
  /// Resolves variables against the static scope `env`.
  virtual void bind_vars(EvalState& state, const StaticEnv& env) = 0;
  virtual void show(const SymbolTable& symbols, std::ostream& out) const = 0;
};

/// Integer, float, string and path literals: the value is built by the parser.
struct ExprLiteral : Expr {
  Value value;
  ExprLiteral(PosIdx p, Value v) : Expr(p), value(v) {}
  void eval(EvalState& state, Env& env, Value& out) override;
  Value* maybe_thunk(EvalState& state, Env& env) override;
  void bind_vars(EvalState&, const StaticEnv&) override {}
  void show(const SymbolTable& symbols, std::ostream& out) const override;
};

struct ExprVar : Expr {
  Symbol name;
  /// Set by bind_vars. If `from_with`, `level` is the distance to the
  /// innermost enclosing `with` environment; otherwise (level, displ)
  /// address the variable's slot.
  bool from_with = false;
  uint32_t level = 0;
  uint32_t displ = 0;
  ExprVar(PosIdx p, Symbol n) : Expr(p), name(n) {}
  void eval(EvalState& state, Env& env, Value& out) override;
  Value* maybe_thunk(EvalState& state, Env& env) override;
  void bind_vars(EvalState& state, const StaticEnv& env) override;
  void show(const SymbolTable& symbols, std::ostream& out) const override;
};

/// One element of an attribute path: a static name, or `${expr}` / "str${..}".
struct AttrName {
  Symbol symbol;          ///< static name, or empty when `expr` is set
  Expr* expr = nullptr;   ///< dynamic name
};
using AttrPath = std::vector<AttrName>;

/// `e.a.b.c` and `e.a.b or def`.
struct ExprSelect : Expr {
  Expr* e;
  AttrPath path;
  Expr* def;  ///< the `or` default, or nullptr
  ExprSelect(PosIdx p, Expr* e, AttrPath path, Expr* def) : Expr(p), e(e), path(std::move(path)), def(def) {}
  void eval(EvalState& state, Env& env, Value& out) override;
  void bind_vars(EvalState& state, const StaticEnv& env) override;
  void show(const SymbolTable& symbols, std::ostream& out) const override;
};

/// `e ? a.b.c`.
struct ExprOpHasAttr : Expr {
  Expr* e;
  AttrPath path;
  ExprOpHasAttr(PosIdx p, Expr* e, AttrPath path) : Expr(p), e(e), path(std::move(path)) {}
  void eval(EvalState& state, Env& env, Value& out) override;
  void bind_vars(EvalState& state, const StaticEnv& env) override;
  void show(const SymbolTable& symbols, std::ostream& out) const override;
};

/// `{ … }`, `rec { … }`, and the bindings of `let`.
struct ExprAttrs : Expr {
  struct AttrDef {
    enum class Kind : uint8_t {
      Plain,          ///< `a = e;` (e evaluated in the set's scope if rec)
      Inherited,      ///< `inherit a;` — e is an ExprVar bound in the *outer* scope
      InheritedFrom,  ///< `inherit (s) a;` — e is an ExprSelect on s
    };
    Kind kind = Kind::Plain;
    Expr* e = nullptr;
    PosIdx pos;
    uint32_t displ = 0;  ///< slot in the recursive env (set by bind_vars)
  };
  struct DynamicAttrDef {
    Expr* name;
    Expr* value;
    PosIdx pos;
  };

  bool recursive = false;
  std::map<Symbol, AttrDef> attrs;
  std::vector<DynamicAttrDef> dynamic_attrs;

  explicit ExprAttrs(PosIdx p) : Expr(p) {}
  void eval(EvalState& state, Env& env, Value& out) override;
  void bind_vars(EvalState& state, const StaticEnv& env) override;
  void show(const SymbolTable& symbols, std::ostream& out) const override;
};

struct ExprList : Expr {
  std::vector<Expr*> elems;
  explicit ExprList(PosIdx p) : Expr(p) {}
  void eval(EvalState& state, Env& env, Value& out) override;
  void bind_vars(EvalState& state, const StaticEnv& env) override;
  void show(const SymbolTable& symbols, std::ostream& out) const override;
};

struct Formal {
  PosIdx pos;
  Symbol name;
  Expr* def = nullptr;  ///< default, or nullptr if required
};

struct Formals {
  std::vector<Formal> formals;  ///< sorted by symbol id, no duplicates
  bool ellipsis = false;
  const Formal* find(Symbol s) const;
};

/// `x: body`, `{ a, b ? 1, ... }: body`, `args@{ … }: body`.
struct ExprLambda : Expr {
  Symbol arg;                 ///< `x` or the `@` name; empty if none
  Formals* formals = nullptr; ///< nullptr for `x: body`
  Expr* body = nullptr;
  Symbol name;                ///< the attribute/let name it was bound to, for messages
  ExprLambda(PosIdx p, Symbol arg, Formals* formals, Expr* body)
      : Expr(p), arg(arg), formals(formals), body(body) {}
  void eval(EvalState& state, Env& env, Value& out) override;
  void bind_vars(EvalState& state, const StaticEnv& env) override;
  void show(const SymbolTable& symbols, std::ostream& out) const override;
  /// Number of slots in the lambda's environment.
  uint32_t env_size() const {
    return (arg ? 1 : 0) + (formals ? static_cast<uint32_t>(formals->formals.size()) : 0);
  }
};

/// `f a b c`.
struct ExprCall : Expr {
  Expr* fun;
  std::vector<Expr*> args;
  ExprCall(PosIdx p, Expr* fun, std::vector<Expr*> args) : Expr(p), fun(fun), args(std::move(args)) {}
  void eval(EvalState& state, Env& env, Value& out) override;
  void bind_vars(EvalState& state, const StaticEnv& env) override;
  void show(const SymbolTable& symbols, std::ostream& out) const override;
};

/// `let … in body`. `attrs` is never recursive-flagged; let is always recursive.
struct ExprLet : Expr {
  ExprAttrs* attrs;
  Expr* body;
  ExprLet(PosIdx p, ExprAttrs* attrs, Expr* body) : Expr(p), attrs(attrs), body(body) {}
  void eval(EvalState& state, Env& env, Value& out) override;
  void bind_vars(EvalState& state, const StaticEnv& env) override;
  void show(const SymbolTable& symbols, std::ostream& out) const override;
};

/// `with attrs; body`.
struct ExprWith : Expr {
  Expr* attrs;
  Expr* body;
  uint32_t prev_with = 0;  ///< distance to the next enclosing `with` env (0: none)
  ExprWith(PosIdx p, Expr* attrs, Expr* body) : Expr(p), attrs(attrs), body(body) {}
  void eval(EvalState& state, Env& env, Value& out) override;
  void bind_vars(EvalState& state, const StaticEnv& env) override;
  void show(const SymbolTable& symbols, std::ostream& out) const override;
};

struct ExprIf : Expr {
  Expr *cond, *then, *else_;
  ExprIf(PosIdx p, Expr* c, Expr* t, Expr* e) : Expr(p), cond(c), then(t), else_(e) {}
  void eval(EvalState& state, Env& env, Value& out) override;
  void bind_vars(EvalState& state, const StaticEnv& env) override;
  void show(const SymbolTable& symbols, std::ostream& out) const override;
};

struct ExprAssert : Expr {
  Expr *cond, *body;
  ExprAssert(PosIdx p, Expr* c, Expr* b) : Expr(p), cond(c), body(b) {}
  void eval(EvalState& state, Env& env, Value& out) override;
  void bind_vars(EvalState& state, const StaticEnv& env) override;
  void show(const SymbolTable& symbols, std::ostream& out) const override;
};

struct ExprOpNot : Expr {
  Expr* e;
  ExprOpNot(PosIdx p, Expr* e) : Expr(p), e(e) {}
  void eval(EvalState& state, Env& env, Value& out) override;
  void bind_vars(EvalState& state, const StaticEnv& env) override;
  void show(const SymbolTable& symbols, std::ostream& out) const override;
};

/// Binary operators other than `+` (see ExprConcatStrings). Unary minus is
/// parsed as `Sub` with a literal 0 on the left, as Nix does.
enum class BinOp : uint8_t { Eq, NEq, And, Or, Impl, Update, ConcatLists, Sub, Mul, Div, Lt, Le, Gt, Ge };

struct ExprBinOp : Expr {
  BinOp op;
  Expr *e1, *e2;
  ExprBinOp(PosIdx p, BinOp op, Expr* a, Expr* b) : Expr(p), op(op), e1(a), e2(b) {}
  void eval(EvalState& state, Env& env, Value& out) override;
  void bind_vars(EvalState& state, const StaticEnv& env) override;
  void show(const SymbolTable& symbols, std::ostream& out) const override;
};

/// `a + b` (force_string = false) and interpolated strings and paths
/// ("x${y}z", ./a-${b}; force_string = true for strings). The first part
/// decides the result type: path, string, or number (for `+`).
struct ExprConcatStrings : Expr {
  bool force_string;
  std::vector<std::pair<PosIdx, Expr*>> parts;
  ExprConcatStrings(PosIdx p, bool force_string, std::vector<std::pair<PosIdx, Expr*>> parts)
      : Expr(p), force_string(force_string), parts(std::move(parts)) {}
  void eval(EvalState& state, Env& env, Value& out) override;
  void bind_vars(EvalState& state, const StaticEnv& env) override;
  void show(const SymbolTable& symbols, std::ostream& out) const override;
};

/// `__curPos`: { file, line, column } of this expression.
struct ExprPos : Expr {
  explicit ExprPos(PosIdx p) : Expr(p) {}
  void eval(EvalState& state, Env& env, Value& out) override;
  void bind_vars(EvalState&, const StaticEnv&) override {}
  void show(const SymbolTable& symbols, std::ostream& out) const override;
};

/// Static scope used by bind_vars: the names a scope binds, in slot order,
/// or a `with` scope (which binds nothing statically).
struct StaticEnv {
  const StaticEnv* up = nullptr;
  bool is_with = false;
  std::vector<std::pair<Symbol, uint32_t>> vars;  ///< sorted by symbol id
  /// The slot of `name` in this scope, or -1.
  int64_t find(Symbol name) const;
  void sort();
};

}  // namespace cairn::lang
