// Static variable binding.
//
// After parsing, every variable reference is resolved once against the
// static scope chain (let, rec sets, lambda arguments, with) so that the
// evaluator finds a variable by walking `level` environments up and taking
// slot `displ`, with no name lookup. Variables that no lexical scope binds
// but that sit inside a `with` are marked `from_with`: they are looked up in
// the `with` sets at runtime, innermost first. As in Nix, a lexical binding
// always wins over a `with`, however deeply the `with` is nested, and a
// variable bound nowhere is an error at parse time, even if never evaluated.
#include <algorithm>

#include "builder/lang/ast.hh"
#include "builder/lang/eval.hh"

namespace cairn::lang {

int64_t StaticEnv::find(Symbol name) const {
  auto it = std::lower_bound(vars.begin(), vars.end(), name,
                             [](const auto& p, Symbol s) { return p.first < s; });
  return it != vars.end() && it->first == name ? static_cast<int64_t>(it->second) : -1;
}

void StaticEnv::sort() {
  std::sort(vars.begin(), vars.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

void ExprVar::bind_vars(EvalState& state, const StaticEnv& env) {
  uint32_t lvl = 0;
  int64_t with_level = -1;
  for (const StaticEnv* cur = &env; cur; cur = cur->up, ++lvl) {
    if (cur->is_with) {
      if (with_level < 0) with_level = lvl;
      continue;
    }
    int64_t slot = cur->find(name);
    if (slot >= 0) {
      from_with = false;
      level = lvl;
      displ = static_cast<uint32_t>(slot);
      return;
    }
  }
  if (with_level < 0)
    throw EvalError("undefined variable '" + std::string(state.symbols[name]) + "'", pos);
  from_with = true;
  level = static_cast<uint32_t>(with_level);
}

static void bind_path(EvalState& state, const StaticEnv& env, AttrPath& path) {
  for (auto& n : path)
    if (n.expr) n.expr->bind_vars(state, env);
}

void ExprSelect::bind_vars(EvalState& state, const StaticEnv& env) {
  e->bind_vars(state, env);
  bind_path(state, env, path);
  if (def) def->bind_vars(state, env);
}

void ExprOpHasAttr::bind_vars(EvalState& state, const StaticEnv& env) {
  e->bind_vars(state, env);
  bind_path(state, env, path);
}

// The scope a recursive set or let introduces: one slot per static attribute.
static StaticEnv scope_of(const ExprAttrs& attrs, const StaticEnv& up) {
  StaticEnv inner;
  inner.up = &up;
  for (const auto& [name, def] : attrs.attrs) inner.vars.emplace_back(name, def.displ);
  inner.sort();
  return inner;
}

static void number_slots(ExprAttrs& attrs) {
  uint32_t displ = 0;
  for (auto& [name, def] : attrs.attrs) def.displ = displ++;
}

void ExprAttrs::bind_vars(EvalState& state, const StaticEnv& env) {
  number_slots(*this);
  if (recursive) {
    StaticEnv inner = scope_of(*this, env);
    for (auto& [name, def] : attrs)
      def.e->bind_vars(state, def.kind == AttrDef::Kind::Inherited ? env : inner);
    for (auto& d : dynamic_attrs) {
      d.name->bind_vars(state, inner);
      d.value->bind_vars(state, inner);
    }
  } else {
    for (auto& [name, def] : attrs) def.e->bind_vars(state, env);
    for (auto& d : dynamic_attrs) {
      d.name->bind_vars(state, env);
      d.value->bind_vars(state, env);
    }
  }
}

void ExprList::bind_vars(EvalState& state, const StaticEnv& env) {
  for (Expr* e : elems) e->bind_vars(state, env);
}

void ExprLambda::bind_vars(EvalState& state, const StaticEnv& env) {
  StaticEnv inner;
  inner.up = &env;
  uint32_t displ = 0;
  if (formals)
    for (const Formal& f : formals->formals) inner.vars.emplace_back(f.name, displ++);
  if (arg) inner.vars.emplace_back(arg, displ++);
  inner.sort();
  if (formals)
    for (Formal& f : formals->formals)
      if (f.def) f.def->bind_vars(state, inner);
  body->bind_vars(state, inner);
}

void ExprCall::bind_vars(EvalState& state, const StaticEnv& env) {
  fun->bind_vars(state, env);
  for (Expr* a : args) a->bind_vars(state, env);
}

void ExprLet::bind_vars(EvalState& state, const StaticEnv& env) {
  number_slots(*attrs);
  StaticEnv inner = scope_of(*attrs, env);
  for (auto& [name, def] : attrs->attrs)
    def.e->bind_vars(state, def.kind == ExprAttrs::AttrDef::Kind::Inherited ? env : inner);
  body->bind_vars(state, inner);
}

void ExprWith::bind_vars(EvalState& state, const StaticEnv& env) {
  attrs->bind_vars(state, env);
  // Distance from this with's environment to the next enclosing one.
  prev_with = 0;
  uint32_t lvl = 1;
  for (const StaticEnv* cur = &env; cur; cur = cur->up, ++lvl)
    if (cur->is_with) {
      prev_with = lvl;
      break;
    }
  StaticEnv inner;
  inner.up = &env;
  inner.is_with = true;
  body->bind_vars(state, inner);
}

void ExprIf::bind_vars(EvalState& state, const StaticEnv& env) {
  cond->bind_vars(state, env);
  then->bind_vars(state, env);
  else_->bind_vars(state, env);
}

void ExprAssert::bind_vars(EvalState& state, const StaticEnv& env) {
  cond->bind_vars(state, env);
  body->bind_vars(state, env);
}

void ExprOpNot::bind_vars(EvalState& state, const StaticEnv& env) { e->bind_vars(state, env); }

void ExprBinOp::bind_vars(EvalState& state, const StaticEnv& env) {
  e1->bind_vars(state, env);
  e2->bind_vars(state, env);
}

void ExprConcatStrings::bind_vars(EvalState& state, const StaticEnv& env) {
  for (auto& [p, e] : parts) e->bind_vars(state, env);
}

}  // namespace cairn::lang
