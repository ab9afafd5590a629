// Evaluation rules, one `eval` per AST node.
//
// Every node evaluates into a caller-provided Value (`out`) and must finish
// reading its inputs before writing `out`, because `out` may be the very
// thunk being forced. Sub-expressions that need not be evaluated now are
// turned into values with `maybe_thunk`, which for variables and literals
// reuses the existing value instead of allocating a thunk: most arguments
// and attributes are of that kind, and this halves allocation.
#include <algorithm>
#include <cstring>
#include <sstream>

#include "builder/lang/eval.hh"

namespace cairn::lang {

namespace {

Env* up_levels(Env* env, uint32_t level) {
  while (level--) env = env->up;
  return env;
}

std::string dotted(EvalState& state, const Symbol* names, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    if (i) s += '.';
    s += state.symbols[names[i]];
  }
  return s;
}

// The symbol of one attribute-path element, evaluating `${…}` if dynamic.
Symbol attr_name(EvalState& state, Env& env, const AttrName& name, PosIdx pos) {
  if (name.symbol) return name.symbol;
  Value v;
  name.expr->eval(state, env, v);
  std::string_view s = state.force_string(v, pos, "while evaluating an attribute name");
  return state.symbols.intern(s);
}

}  // namespace

Value* Expr::maybe_thunk(EvalState& state, Env& env) {
  Value* v = state.alloc_value();
  v->mk_thunk(&env, this);
  return v;
}

// ---- literals and variables -------------------------------------------------

void ExprLiteral::eval(EvalState&, Env&, Value& out) { out = value; }
Value* ExprLiteral::maybe_thunk(EvalState&, Env&) { return &value; }

// The with-set lookup: innermost `with` first, then the enclosing ones.
static Value* lookup_with(EvalState& state, Env* env, const ExprVar& var) {
  for (;;) {
    Value& set = *env->values[0];
    state.force_attrs(set, var.pos, "while evaluating the first subexpression of a with expression");
    if (const Attr* a = set.attrs->find(var.name)) return a->value;
    if (set.attrs == state.open_set) return state.open_set_lookup(state, var.name, var.pos);
    if (!env->prev_with)
      throw EvalError("undefined variable '" + std::string(state.symbols[var.name]) + "'", var.pos);
    env = up_levels(env, env->prev_with);
  }
}

void ExprVar::eval(EvalState& state, Env& env, Value& out) {
  Env* e = up_levels(&env, level);
  Value* v = from_with ? lookup_with(state, e, *this) : e->values[displ];
  state.force(*v, pos);
  out = *v;
}

Value* ExprVar::maybe_thunk(EvalState& state, Env& env) {
  if (!from_with) {
    // The slot may not be filled yet while a let/rec env is being built.
    if (Value* v = up_levels(&env, level)->values[displ]) return v;
  }
  return Expr::maybe_thunk(state, env);
}

void ExprPos::eval(EvalState& state, Env&, Value& out) {
  Pos p = state.positions.resolve(pos);
  BindingsBuilder b(state, 3);
  state.mk_string(b.alloc(state.s.file), p.origin);
  b.alloc(state.s.line).mk_int(p.line);
  b.alloc(state.s.column).mk_int(p.column);
  out.mk_attrs(b.finish());
}

// ---- selection -----------------------------------------------------------------

void ExprSelect::eval(EvalState& state, Env& env, Value& out) {
  Value tmp;
  e->eval(state, env, tmp);
  Value* cur = &tmp;
  // The names selected so far, for the error trace (no heap allocation on
  // this hot path; very long paths are shown by their first 16 names).
  Symbol seen[16];
  size_t nseen = 0;
  for (const AttrName& n : path) {
    Symbol name = attr_name(state, env, n, pos);
    if (nseen < 16) seen[nseen++] = name;
    if (def) {
      state.force(*cur, pos);
      const Attr* a = cur->type == Type::Attrs ? cur->attrs->find(name) : nullptr;
      if (!a) {
        if (cur->type == Type::Attrs && cur->attrs == state.open_set) {
          cur = state.open_set_lookup(state, name, pos);
          continue;
        }
        def->eval(state, env, out);
        return;
      }
      cur = a->value;
    } else {
      state.force_attrs(*cur, pos, "while selecting an attribute");
      const Attr* a = cur->attrs->find(name);
      if (!a && cur->attrs == state.open_set) {
        cur = state.open_set_lookup(state, name, pos);
        continue;
      }
      if (!a) {
        std::string msg = "attribute '" + std::string(state.symbols[name]) + "' missing";
        throw EvalError(msg, pos);
      }
      cur = a->value;
    }
  }
  try {
    state.force(*cur, pos);
  } catch (EvalError& err) {
    err.with_trace(pos, "while evaluating the attribute '" + dotted(state, seen, nseen) + "'");
    throw;
  }
  out = *cur;
}

void ExprOpHasAttr::eval(EvalState& state, Env& env, Value& out) {
  Value tmp;
  e->eval(state, env, tmp);
  Value* cur = &tmp;
  for (const AttrName& n : path) {
    state.force(*cur, pos);
    const Attr* a = nullptr;
    if (cur->type == Type::Attrs) a = cur->attrs->find(attr_name(state, env, n, pos));
    if (!a) {
      out.mk_bool(false);
      return;
    }
    cur = a->value;
  }
  out.mk_bool(true);
}

// ---- attribute sets, lists, let, with ----------------------------------------------

void ExprAttrs::eval(EvalState& state, Env& env, Value& out) {
  Bindings* b = state.alloc_bindings(attrs.size() + dynamic_attrs.size());
  Env* scope = &env;
  if (recursive) {
    Env& inner = state.alloc_env(static_cast<uint32_t>(attrs.size()));
    inner.up = &env;
    scope = &inner;
    for (auto& [name, def] : attrs) {
      Value* v = def.e->maybe_thunk(state, def.kind == AttrDef::Kind::Inherited ? env : inner);
      inner.values[def.displ] = v;
      b->push(Attr{name, def.pos, v});
    }
  } else {
    for (auto& [name, def] : attrs) b->push(Attr{name, def.pos, def.e->maybe_thunk(state, env)});
  }
  // std::map iterates in symbol order, so the static part is sorted already.
  uint32_t static_size = b->size;
  for (const DynamicAttrDef& d : dynamic_attrs) {
    Value name;
    d.name->eval(state, *scope, name);
    state.force(name, d.pos);
    if (name.type == Type::Null) continue;  // `${null} = …` defines nothing
    Symbol sym = state.symbols.intern(
        state.force_string(name, d.pos, "while evaluating the name of a dynamic attribute"));
    const Attr* prev = nullptr;
    for (uint32_t i = 0; i < b->size; ++i)
      if (b->attrs[i].name == sym) prev = &b->attrs[i];
    if (prev)
      throw EvalError("dynamic attribute '" + std::string(state.symbols[sym]) +
                          "' already defined at " + format_pos(prev->pos, state.positions),
                      d.pos);
    b->push(Attr{sym, d.pos, d.value->maybe_thunk(state, *scope)});
  }
  if (b->size != static_size) b->sort();
  out.mk_attrs(b);
}

void ExprList::eval(EvalState& state, Env& env, Value& out) {
  state.mk_list(out, elems.size());
  for (size_t i = 0; i < elems.size(); ++i) out.list.elems[i] = elems[i]->maybe_thunk(state, env);
}

void ExprLet::eval(EvalState& state, Env& env, Value& out) {
  Env& inner = state.alloc_env(static_cast<uint32_t>(attrs->attrs.size()));
  inner.up = &env;
  for (auto& [name, def] : attrs->attrs)
    inner.values[def.displ] =
        def.e->maybe_thunk(state, def.kind == ExprAttrs::AttrDef::Kind::Inherited ? env : inner);
  body->eval(state, inner, out);
}

void ExprWith::eval(EvalState& state, Env& env, Value& out) {
  Env& inner = state.alloc_env(1);
  inner.up = &env;
  inner.prev_with = prev_with;
  inner.values[0] = attrs->maybe_thunk(state, env);
  body->eval(state, inner, out);
}

// ---- functions --------------------------------------------------------------------

void ExprLambda::eval(EvalState&, Env& env, Value& out) { out.mk_lambda(&env, this); }

void ExprCall::eval(EvalState& state, Env& env, Value& out) {
  Value f;
  fun->eval(state, env, f);
  Value* small[4];
  std::vector<Value*> big;
  Value** argv = small;
  if (args.size() > 4) {
    big.resize(args.size());
    argv = big.data();
  }
  for (size_t i = 0; i < args.size(); ++i) argv[i] = args[i]->maybe_thunk(state, env);
  state.call_function(f, std::span<Value*>(argv, args.size()), out, pos);
}

// ---- control -------------------------------------------------------------------------

void ExprIf::eval(EvalState& state, Env& env, Value& out) {
  Value c;
  cond->eval(state, env, c);
  bool b = state.force_bool(c, cond->pos, "while evaluating a branch condition");
  (b ? then : else_)->eval(state, env, out);
}

void ExprAssert::eval(EvalState& state, Env& env, Value& out) {
  Value c;
  cond->eval(state, env, c);
  if (!state.force_bool(c, cond->pos, "while evaluating the condition of the assertion")) {
    std::ostringstream text;
    cond->show(state.symbols, text);
    throw AssertionError("assertion '" + text.str() + "' failed", pos);
  }
  body->eval(state, env, out);
}

void ExprOpNot::eval(EvalState& state, Env& env, Value& out) {
  Value v;
  e->eval(state, env, v);
  out.mk_bool(!state.force_bool(v, pos, "in the argument of the not operator"));
}

// ---- binary operators -------------------------------------------------------------

static void update(EvalState& state, Value& a, Value& b, Value& out, PosIdx pos) {
  state.force_attrs(a, pos, "in the left operand of the update (//) operator");
  state.force_attrs(b, pos, "in the right operand of the update (//) operator");
  if (b.attrs->size == 0) {
    out = a;
    return;
  }
  if (a.attrs->size == 0) {
    out = b;
    return;
  }
  const Bindings& l = *a.attrs;
  const Bindings& r = *b.attrs;
  // When every name of one side sorts after every name of the other, the
  // sides are disjoint and the result is one followed by the other: append,
  // in place if the lower side's storage allows it (see Bindings), else into
  // new storage with room to grow, so a fold of such updates is linear
  // whichever side the accumulator is on.
  const Bindings* low = nullptr;
  const Bindings* high = nullptr;
  if (r.attrs[0].name.id > l.attrs[l.size - 1].name.id) {
    low = &l;
    high = &r;
  } else if (l.attrs[0].name.id > r.attrs[r.size - 1].name.id) {
    low = &r;
    high = &l;
  }
  if (low) {
    Bindings* m;
    if (low->can_append(high->size)) {
      m = state.share_bindings(*low, low->size);
    } else {
      m = state.alloc_bindings(size_t{low->size + high->size} * 2);
      std::memcpy(m->attrs, low->attrs, low->size * sizeof(Attr));
      m->size = *m->used = low->size;
    }
    std::memcpy(m->attrs + m->size, high->attrs, high->size * sizeof(Attr));
    m->size += high->size;
    *m->used = m->size;
    out.mk_attrs(m);
    return;
  }
  // Merge two sorted arrays; on equal names the right operand wins.
  Bindings* m = state.alloc_bindings(l.size + r.size);
  uint32_t i = 0, j = 0;
  while (i < l.size && j < r.size) {
    if (l.attrs[i].name.id < r.attrs[j].name.id) {
      m->push(l.attrs[i++]);
    } else if (r.attrs[j].name.id < l.attrs[i].name.id) {
      m->push(r.attrs[j++]);
    } else {
      m->push(r.attrs[j++]);
      ++i;
    }
  }
  while (i < l.size) m->push(l.attrs[i++]);
  while (j < r.size) m->push(r.attrs[j++]);
  out.mk_attrs(m);
}

static void concat_lists(EvalState& state, Value& a, Value& b, Value& out, PosIdx pos) {
  state.force_list(a, pos, "in the left operand of the list concatenation (++) operator");
  state.force_list(b, pos, "in the right operand of the list concatenation (++) operator");
  if (b.list.size == 0) {
    out = a;
    return;
  }
  if (a.list.size == 0) {
    out = b;
    return;
  }
  Value r;
  state.mk_list(r, a.list.size + b.list.size);
  std::memcpy(r.list.elems, a.list.elems, a.list.size * sizeof(Value*));
  std::memcpy(r.list.elems + a.list.size, b.list.elems, b.list.size * sizeof(Value*));
  out = r;
}

void ExprBinOp::eval(EvalState& state, Env& env, Value& out) {
  Value a, b;
  switch (op) {
    case BinOp::And:
      e1->eval(state, env, a);
      if (!state.force_bool(a, pos, "in the left operand of the AND (&&) operator")) {
        out.mk_bool(false);
        return;
      }
      e2->eval(state, env, b);
      out.mk_bool(state.force_bool(b, pos, "in the right operand of the AND (&&) operator"));
      return;
    case BinOp::Or:
      e1->eval(state, env, a);
      if (state.force_bool(a, pos, "in the left operand of the OR (||) operator")) {
        out.mk_bool(true);
        return;
      }
      e2->eval(state, env, b);
      out.mk_bool(state.force_bool(b, pos, "in the right operand of the OR (||) operator"));
      return;
    case BinOp::Impl:
      e1->eval(state, env, a);
      if (!state.force_bool(a, pos, "in the left operand of the IMPL (->) operator")) {
        out.mk_bool(true);
        return;
      }
      e2->eval(state, env, b);
      out.mk_bool(state.force_bool(b, pos, "in the right operand of the IMPL (->) operator"));
      return;
    default: break;
  }
  e1->eval(state, env, a);
  e2->eval(state, env, b);
  switch (op) {
    case BinOp::Eq: out.mk_bool(state.eq_values(a, b, pos)); return;
    case BinOp::NEq: out.mk_bool(!state.eq_values(a, b, pos)); return;
    case BinOp::Update: update(state, a, b, out, pos); return;
    case BinOp::ConcatLists: concat_lists(state, a, b, out, pos); return;
    case BinOp::Sub: state.arith('-', a, b, out, pos); return;
    case BinOp::Mul: state.arith('*', a, b, out, pos); return;
    case BinOp::Div: state.arith('/', a, b, out, pos); return;
    // As Nix: a < b, a > b is b < a, a <= b is !(b < a), a >= b is !(a < b).
    case BinOp::Lt: out.mk_bool(state.compare_values(a, b, pos) < 0); return;
    case BinOp::Gt: out.mk_bool(state.compare_values(b, a, pos) < 0); return;
    case BinOp::Le: out.mk_bool(!(state.compare_values(b, a, pos) < 0)); return;
    case BinOp::Ge: out.mk_bool(!(state.compare_values(a, b, pos) < 0)); return;
    default: break;
  }
}

// ---- `+` and interpolation -------------------------------------------------------

void ExprConcatStrings::eval(EvalState& state, Env& env, Value& out) {
  Value first;
  parts[0].second->eval(state, env, first);
  state.force(first, parts[0].first);

  if (!force_string && (first.type == Type::Int || first.type == Type::Float)) {
    Value acc = first;
    for (size_t i = 1; i < parts.size(); ++i) {
      Value v;
      parts[i].second->eval(state, env, v);
      state.force(v, parts[i].first);
      if (v.type != Type::Int && v.type != Type::Float)
        throw TypeError("cannot add " + std::string(show_type(v)) + " to " + std::string(show_type(acc)),
                        parts[i].first);
      state.arith('+', acc, v, acc, parts[i].first);
    }
    out = acc;
    return;
  }

  // A path first makes a path (`./a + "/b"`, `./a-${x}`), anything else a
  // string; interpolated strings ("${./a}") are always strings.
  bool is_path = !force_string && first.type == Type::Path;
  std::string s = state.coerce_to_string(first, parts[0].first, {},
                                         "while evaluating a string interpolation");
  for (size_t i = 1; i < parts.size(); ++i) {
    Value v;
    parts[i].second->eval(state, env, v);
    state.force(v, parts[i].first);
    if (is_path && v.type != Type::String && v.type != Type::Path && v.type != Type::Attrs) {
      throw TypeError("cannot append " + std::string(show_type(v)) + " to a path", parts[i].first);
    }
    s += state.coerce_to_string(v, parts[i].first, {}, "while evaluating a string interpolation");
  }
  if (is_path) {
    std::string p = canon_path(s);
    state.mk_path(out, p);
  } else {
    state.mk_string(out, s);
  }
}

}  // namespace cairn::lang
