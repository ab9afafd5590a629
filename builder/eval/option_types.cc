// Checking and merging by type (see option_types.hh).
#include "builder/eval/option_types.hh"

#include <algorithm>

#include <fmt/format.h>

#include "builder/eval/merge_thunk.hh"
#include "builder/eval/option_errors.hh"

namespace cairn::eval {

using namespace lang;

namespace {

std::string_view property_kind(EvalState& state, Value& v) {
  if (v.type != Type::Attrs) return {};
  Value* t = state.find_attr(v, "_type");
  if (!t) return {};
  state.force(*t, {});
  return t->type == Type::String ? t->string_view() : std::string_view{};
}

std::string type_name(EvalState& state, Value& type) {
  state.force_attrs(type, {}, "while evaluating an option type");
  Value* n = state.find_attr(type, "name");
  return n ? std::string(state.force_string(*n, {}, "while evaluating the name of an option type")) : "unspecified";
}

bool is_native(EvalState& state, Value& type) {
  Value* n = state.find_attr(type, "_native");
  return n && state.force_bool(*n, {});
}

Value* param(EvalState& state, Value& type, std::string_view name) {
  Value* p = state.find_attr(type, name);
  if (!p) throw EvalError(fmt::format("option type '{}' lacks its parameter '{}'", type_name(state, type), name));
  return p;
}

void discharge_value(EvalState& state, const Definition& def, Value* v, int priority, int order,
                     std::vector<DischargedDef>& out) {
  EvalState::DepthGuard guard(state, def.pos);
  state.force(*v, def.pos);
  std::string_view kind = property_kind(state, *v);
  if (kind == "if") {
    Value* cond = state.find_attr(*v, "condition");
    state.force(*cond, def.pos);
    if (cond->type != Type::Bool)
      throw TypeError("`mkIf' called with a non-Boolean condition (" + std::string(show_type(*cond)) + ")", def.pos);
    if (cond->boolean) discharge_value(state, def, state.find_attr(*v, "content"), priority, order, out);
  } else if (kind == "merge") {
    Value* contents = state.find_attr(*v, "contents");
    state.force_list(*contents, def.pos, "while evaluating the argument of mkMerge");
    for (size_t i = 0; i < contents->list.size; ++i)
      discharge_value(state, def, contents->list.elems[i], priority, order, out);
  } else if (kind == "override") {
    int p = static_cast<int>(state.force_int(*state.find_attr(*v, "priority"), def.pos));
    discharge_value(state, def, state.find_attr(*v, "content"), priority < 0 ? p : priority, order, out);
  } else if (kind == "order") {
    int o = static_cast<int>(state.force_int(*state.find_attr(*v, "priority"), def.pos));
    discharge_value(state, def, state.find_attr(*v, "content"), priority, o, out);
  } else {
    out.push_back(DischargedDef{def.file, def.pos, v, priority < 0 ? 100 : priority, order});
  }
}

bool is_function(EvalState& state, Value& v) {
  return v.type == Type::Lambda || v.type == Type::PrimOp || v.type == Type::PrimOpApp || state.is_functor(v);
}

// mergeEqualOption: all definitions must be equal; a conflict cites the
// first definition and the first one that differs from it, as nixpkgs does.
void merge_equal(EvalState& state, const std::vector<std::string>& loc, const std::vector<DischargedDef>& defs,
                 const std::string& root, Value& out) {
  for (size_t i = 1; i < defs.size(); ++i)
    if (!state.eq_values(*defs[0].value, *defs[i].value, defs[i].pos))
      throw_conflict(state, loc, {defs[0], defs[i]}, root);
  out = *defs[0].value;
}

// mergeUniqueOption: exactly one definition. nixpkgs' text, with the
// (possibly empty) `message` on its own line.
void merge_one(EvalState& state, const std::vector<std::string>& loc, const std::vector<DischargedDef>& defs,
               const std::string& root, const std::string& message, Value& out) {
  if (defs.size() > 1)
    throw EvalError(fmt::format("The option `{}' is defined multiple times while it's expected to be unique.\n{}\n"
                                "Definition values:{}\nUse `lib.mkForce value` or `lib.mkDefault value` to change "
                                "the priority on any of these definitions.",
                                show_option(loc), message, show_defs(state, defs, root)),
                    defs[1].pos);
  out = *defs[0].value;
}

// nixpkgs' mergeDefinitions checks every definition against the option's
// type before merging, and lists all that fail.
void check_all(EvalState& state, Value& type, const std::vector<std::string>& loc,
               const std::vector<DischargedDef>& defs, const std::string& root) {
  std::vector<DischargedDef> invalid;
  for (const DischargedDef& d : defs)
    if (!type_check(state, type, *d.value, d.pos)) invalid.push_back(d);
  if (invalid.size() == 1) throw_type_mismatch(state, loc, type_description(state, &type), invalid[0], root);
  if (!invalid.empty())
    throw EvalError(fmt::format("A definition for option `{}' is not of type `{}'. Definition values:{}",
                                show_option(loc), type_description(state, &type), show_defs(state, invalid, root)),
                    invalid[0].pos);
}

Value* lazy_merge(EvalState& state, const std::shared_ptr<MergeContext>& ctx, Value* type,
                  std::vector<std::string> loc, std::vector<Definition> raw, std::vector<DischargedDef> done,
                  bool discharged) {
  auto* e = state.new_expr<ExprMergeDefs>(ctx, type, std::move(loc), std::move(raw), std::move(done), discharged);
  Value* v = state.alloc_value();
  v->mk_thunk(state.base_env, e);
  return v;
}

// attrsOf / lazyAttrsOf: the definitions of each name merge with `elem`.
// The option's own priority was settled before (filterOverrides), so the
// members start afresh: `mkForce { a = mkDefault 1; }` has a member of
// priority 1000.
void merge_attrs_by_name(EvalState& state, const std::shared_ptr<MergeContext>& ctx, Value* elem, bool lazy,
                         const std::vector<std::string>& loc, std::vector<DischargedDef>& defs, Value& out) {
  std::map<std::string, std::vector<Definition>> by_name;
  for (const DischargedDef& d : defs)
    for (const Attr& a : *d.value->attrs)
      by_name[std::string(state.symbols[a.name])].push_back(
          Definition{d.file, a.pos ? a.pos : d.pos, a.value, {}, -1});
  BindingsBuilder b(state, by_name.size());
  for (auto& [name, raw] : by_name) {
    std::vector<std::string> sub = loc;
    sub.push_back(name);
    if (lazy) {
      b.insert(name, lazy_merge(state, ctx, elem, std::move(sub), std::move(raw), {}, false));
      continue;
    }
    // attrsOf drops names whose definitions all vanish (mkIf false), so
    // their properties are discharged now; the merge itself stays lazy.
    std::vector<DischargedDef> done;
    for (const Definition& d : raw) discharge(state, d, done);
    if (done.empty()) continue;
    b.insert(name, lazy_merge(state, ctx, elem, std::move(sub), {}, std::move(done), true));
  }
  out.mk_attrs(b.finish());
}

void merge_list_of(EvalState& state, const std::shared_ptr<MergeContext>& ctx, Value& type,
                   const std::vector<std::string>& loc, std::vector<DischargedDef>& defs, Value& out) {
  Value* elem = param(state, type, "elemType");
  std::vector<Value*> items;
  for (size_t n = 0; n < defs.size(); ++n) {
    const DischargedDef& d = defs[n];
    for (size_t m = 0; m < d.value->list.size; ++m) {
      std::vector<DischargedDef> done;
      discharge(state, Definition{d.file, d.pos, d.value->list.elems[m], {}, -1}, done);
      for (DischargedDef& e : done) {
        std::vector<std::string> sub = loc;
        sub.push_back(fmt::format("[definition {}-entry {}]", n + 1, m + 1));
        items.push_back(lazy_merge(state, ctx, elem, std::move(sub), {}, {e}, true));
      }
    }
  }
  state.mk_list(out, items.size());
  std::copy(items.begin(), items.end(), out.list.elems);
}

// The body of a merged function (functionTo, functions in `anything`):
// called with an argument, it calls every definition with it and merges
// the results with `type` at `loc` + "<function body>".
struct ExprMergedCall : Expr {
  std::shared_ptr<MergeContext> ctx;
  Value* type;
  std::vector<std::string> loc;
  std::vector<DischargedDef> defs;
  ExprMergedCall(std::shared_ptr<MergeContext> ctx, Value* type, std::vector<std::string> loc,
                 std::vector<DischargedDef> defs)
      : ctx(std::move(ctx)), type(type), loc(std::move(loc)), defs(std::move(defs)) {}
  void eval(EvalState& state, Env& env, Value& out) override {
    Value* arg = env.values[0];
    std::vector<Definition> results;
    for (const DischargedDef& d : defs) {
      Value* r = state.alloc_value();
      r->mk_app(d.value, arg);
      results.push_back(Definition{d.file, d.pos, r, {}, -1});
    }
    auto* e = state.new_expr<ExprMergeDefs>(ctx, type, loc, std::move(results), std::vector<DischargedDef>{}, false);
    e->eval(state, env, out);
  }
  void bind_vars(EvalState&, const StaticEnv&) override {}
  void show(const SymbolTable&, std::ostream& out) const override { out << "«merged function»"; }
};

void merge_functions(EvalState& state, const std::shared_ptr<MergeContext>& ctx, Value* type,
                     const std::vector<std::string>& loc, std::vector<DischargedDef>& defs, Value& out) {
  std::vector<std::string> body = loc;
  body.push_back("<function body>");
  auto* call = state.new_expr<ExprMergedCall>(ctx, type, std::move(body), defs);
  auto* lambda = state.new_expr<ExprLambda>(defs[0].pos, state.symbols.intern("arg"), nullptr, call);
  out.mk_lambda(state.base_env, lambda);
}

// `anything`: definitions must have one type (builtins.typeOf); sets merge
// per name (attrsOf anything), functions merge their results, string-like
// sets (packages) take one definition, anything else must be equal (lists
// too: nixpkgs does not concatenate them).
void merge_anything(EvalState& state, const std::shared_ptr<MergeContext>& ctx, Value& type,
                    const std::vector<std::string>& loc, std::vector<DischargedDef>& defs, Value& out) {
  auto kind = [&](Value& v) -> std::string {
    state.force(v, {});
    if (v.type == Type::Attrs && (state.find_attr(v, "outPath") || state.find_attr(v, "__toString"))) return "stringCoercibleSet";
    if (v.type == Type::Lambda || v.type == Type::PrimOp || v.type == Type::PrimOpApp) return "lambda";
    return std::string(show_type(v));
  };
  for (DischargedDef& d : defs) state.force(*d.value, d.pos);
  std::string k = kind(*defs[0].value);
  for (DischargedDef& d : defs)
    if (kind(*d.value) != k) {
      std::string files;
      for (auto& e : defs)
        files += (files.empty() ? "`" : " and `") + show_file(state, e.file, e.pos, ctx->display_root) + "'";
      throw EvalError(fmt::format("The option `{}' has conflicting option types in {}", show_option(loc), files),
                      d.pos);
    }
  if (k == "stringCoercibleSet") return merge_one(state, loc, defs, ctx->display_root, "", out);
  if (k == "lambda") return merge_functions(state, ctx, &type, loc, defs, out);
  if (defs[0].value->type == Type::Attrs) return merge_attrs_by_name(state, ctx, &type, false, loc, defs, out);
  merge_equal(state, loc, defs, ctx->display_root, out);
}

// An option without a type (nixpkgs' `unspecified`, mergeDefaultOption):
// one definition is taken as is; several functions merge their results,
// lists concatenate, sets update shallowly, bools are or-ed, strings
// concatenate, ints must be equal.
void merge_default(EvalState& state, const std::shared_ptr<MergeContext>& ctx, const std::vector<std::string>& loc,
                   std::vector<DischargedDef>& defs, Value& out) {
  if (defs.size() == 1) {
    out = *defs[0].value;
    return;
  }
  for (DischargedDef& d : defs) state.force(*d.value, d.pos);
  auto all = [&](auto pred) { return std::all_of(defs.begin(), defs.end(), [&](auto& d) { return pred(*d.value); }); };
  if (all([&](Value& v) { return is_function(state, v); })) return merge_functions(state, ctx, nullptr, loc, defs, out);
  if (all([](Value& v) { return v.type == Type::List; })) {
    size_t n = 0;
    for (auto& d : defs) n += d.value->list.size;
    state.mk_list(out, n);
    size_t i = 0;
    for (auto& d : defs)
      for (size_t j = 0; j < d.value->list.size; ++j) out.list.elems[i++] = d.value->list.elems[j];
    return;
  }
  if (all([](Value& v) { return v.type == Type::Attrs; })) {
    std::map<uint32_t, const Attr*> merged;
    for (auto& d : defs)
      for (const Attr& a : *d.value->attrs) merged[a.name.id] = &a;
    BindingsBuilder b(state, merged.size());
    for (auto& [id, a] : merged) b.insert(a->name, a->value, a->pos);
    out.mk_attrs(b.finish());
    return;
  }
  if (all([](Value& v) { return v.type == Type::Bool; })) {
    out.mk_bool(std::any_of(defs.begin(), defs.end(), [](auto& d) { return d.value->boolean; }));
    return;
  }
  if (all([](Value& v) { return v.type == Type::String; })) {
    std::string s;
    for (auto& d : defs) s += d.value->string_view();
    state.mk_string(out, s);
    return;
  }
  if (all([&](Value& v) { return v.type == Type::Int && v.integer == defs[0].value->integer; })) {
    out = *defs[0].value;
    return;
  }
  throw EvalError(fmt::format("Cannot merge definitions of `{}'. Definition values:{}", show_option(loc),
                              show_defs(state, defs, ctx->display_root)),
                  defs[0].pos);
}

}  // namespace

void discharge(EvalState& state, const Definition& def, std::vector<DischargedDef>& out) {
  for (Value* c : def.conditions) {
    state.force(*c, def.pos);
    if (c->type != Type::Bool)
      throw TypeError("`mkIf' called with a non-Boolean condition (" + std::string(show_type(*c)) + ")", def.pos);
    if (!c->boolean) return;
  }
  discharge_value(state, def, def.value, def.priority, 1000, out);
}

void filter_and_sort(std::vector<DischargedDef>& defs) {
  if (defs.empty()) return;
  int best = defs[0].priority;
  for (auto& d : defs) best = std::min(best, d.priority);
  std::erase_if(defs, [&](const DischargedDef& d) { return d.priority != best; });
  std::stable_sort(defs.begin(), defs.end(), [](auto& a, auto& b) { return a.order < b.order; });
}

std::string type_description(EvalState& state, Value* type) {
  if (!type) return "unspecified value";
  state.force_attrs(*type, {});
  if (Value* d = state.find_attr(*type, "description")) {
    state.force(*d, {});
    if (d->type == Type::String) return std::string(d->string_view());
  }
  return type_name(state, *type);
}

bool type_check(EvalState& state, Value& type, Value& v, PosIdx pos) {
  std::string name = type_name(state, type);
  if (!is_native(state, type)) {
    Value* check = state.find_attr(type, "check");
    if (!check) return true;
    Value r;
    state.call_function(*check, v, r, pos);
    return state.force_bool(r, pos, "while checking a value's type with the type's check function");
  }
  state.force(v, pos);
  if (name == "bool") return v.type == Type::Bool;
  if (name == "int") {
    if (v.type != Type::Int) return false;
    if (Value* lo = state.find_attr(type, "min"); lo && v.integer < state.force_int(*lo, pos)) return false;
    if (Value* hi = state.find_attr(type, "max"); hi && v.integer > state.force_int(*hi, pos)) return false;
    return true;
  }
  if (name == "float") return v.type == Type::Float;
  if (name == "number") return v.type == Type::Int || v.type == Type::Float;
  if (name == "str" || name == "separatedString") return v.type == Type::String;
  if (name == "nonEmptyStr")
    return v.type == Type::String && v.string_view().find_first_not_of(" \t\n") != std::string_view::npos;
  if (name == "path")
    return v.type == Type::Path || (v.type == Type::String && v.string_view().starts_with("/")) ||
           (v.type == Type::Attrs && state.find_attr(v, "outPath"));
  if (name == "package") {
    if (v.type != Type::Attrs) return false;
    Value* t = state.find_attr(v, "type");
    if (!t) return false;
    state.force(*t, pos);
    return t->type == Type::String && (t->string_view() == "package" || t->string_view() == "derivation");
  }
  if (name == "enum") {
    Value* values = param(state, type, "values");
    state.force_list(*values, pos);
    for (size_t i = 0; i < values->list.size; ++i)
      if (state.eq_values(*values->list.elems[i], v, pos)) return true;
    return false;
  }
  if (name == "strMatching") {
    if (v.type != Type::String) return false;
    const Attr* match = state.builtins_value().attrs->find(state.symbols.intern("match"));
    Value* args[2] = {param(state, type, "pattern"), &v};
    Value r;
    state.call_function(*match->value, std::span<Value*>(args, 2), r, pos);
    return r.type != Type::Null;
  }
  if (name == "listOf") return v.type == Type::List;
  if (name == "attrsOf" || name == "lazyAttrsOf" || name == "attrs") return v.type == Type::Attrs;
  if (name == "nullOr") return v.type == Type::Null || type_check(state, *param(state, type, "elemType"), v, pos);
  if (name == "uniq" || name == "unique") return type_check(state, *param(state, type, "elemType"), v, pos);
  if (name == "either")
    return type_check(state, *param(state, type, "left"), v, pos) ||
           type_check(state, *param(state, type, "right"), v, pos);
  if (name == "coercedTo") {
    // nixpkgs: (coercedType.check x && finalType.check (coerceFunc x)) || finalType.check x
    Value* final_t = param(state, type, "finalType");
    if (type_check(state, *param(state, type, "coercedType"), v, pos)) {
      Value c;
      state.call_function(*param(state, type, "coerceFunc"), v, c, pos);
      if (type_check(state, *final_t, c, pos)) return true;
    }
    return type_check(state, *final_t, v, pos);
  }
  if (name == "submodule") return v.type == Type::Attrs || v.type == Type::Path || is_function(state, v);
  if (name == "functionTo") return is_function(state, v);
  return true;  // anything, raw, unspecified
}

void type_merge(EvalState& state, const std::shared_ptr<MergeContext>& ctx, Value* type_p,
                const std::vector<std::string>& loc, std::vector<DischargedDef>& defs, Value& out) {
  const std::string& root = ctx->display_root;
  if (!type_p) return merge_default(state, ctx, loc, defs, out);
  Value& type = *type_p;
  std::string name = type_name(state, type);
  // Every definition is checked against the option's type before merging
  // (mergeDefinitions), so a failing definition is reported with the
  // outer type's description ("null or signed integer").
  check_all(state, type, loc, defs, root);
  if (!is_native(state, type)) {
    Value* merge = state.find_attr(type, "merge");
    if (!merge) return merge_equal(state, loc, defs, root, out);
    // merge loc [ { file; value; } … ], as nixpkgs calls it.
    Value* loc_v = state.alloc_value();
    state.mk_list(*loc_v, loc.size());
    for (size_t i = 0; i < loc.size(); ++i) loc_v->list.elems[i] = state.new_string(loc[i]);
    Value* defs_v = state.alloc_value();
    state.mk_list(*defs_v, defs.size());
    for (size_t i = 0; i < defs.size(); ++i) {
      BindingsBuilder b(state, 2);
      state.mk_string(b.alloc("file"), show_file(state, defs[i].file, defs[i].pos, root));
      b.insert("value", defs[i].value);
      Value* d = state.alloc_value();
      d->mk_attrs(b.finish());
      defs_v->list.elems[i] = d;
    }
    Value* args[2] = {loc_v, defs_v};
    state.call_function(*merge, std::span<Value*>(args, 2), out, defs[0].pos);
    return;
  }

  if (name == "listOf") return merge_list_of(state, ctx, type, loc, defs, out);
  if (name == "attrsOf") return merge_attrs_by_name(state, ctx, param(state, type, "elemType"), false, loc, defs, out);
  if (name == "lazyAttrsOf")
    return merge_attrs_by_name(state, ctx, param(state, type, "elemType"), true, loc, defs, out);
  if (name == "anything") return merge_anything(state, ctx, type, loc, defs, out);
  if (name == "submodule") return merge_submodule(state, ctx, type, loc, defs, out);
  if (name == "functionTo") return merge_functions(state, ctx, param(state, type, "elemType"), loc, defs, out);
  if (name == "nullOr") {
    size_t nulls = 0;
    for (auto& d : defs) nulls += d.value->type == Type::Null;
    if (nulls == defs.size()) {
      out.mk_null();
      return;
    }
    if (nulls) {
      // nixpkgs writes `x` here with two backquotes, and the files with showFiles.
      std::string files;
      for (auto& d : defs) files += (files.empty() ? "`" : " and `") + show_file(state, d.file, d.pos, root) + "'";
      throw EvalError(fmt::format("The option `{}` is defined both null and not null, in {}.", show_option(loc), files),
                      defs[0].pos);
    }
    return type_merge(state, ctx, param(state, type, "elemType"), loc, defs, out);
  }
  if (name == "either") {
    for (const char* side : {"left", "right"}) {
      Value* t = param(state, type, side);
      if (std::all_of(defs.begin(), defs.end(), [&](auto& d) { return type_check(state, *t, *d.value, d.pos); }))
        return type_merge(state, ctx, t, loc, defs, out);
    }
    // Definitions of both sides: neither side can merge them, so only one
    // definition is allowed (mergeOneOption).
    return merge_one(state, loc, defs, root, "", out);
  }
  if (name == "coercedTo") {
    Value* final_t = param(state, type, "finalType");
    Value* coerced_t = param(state, type, "coercedType");
    for (auto& d : defs) {
      if (type_check(state, *coerced_t, *d.value, d.pos)) {
        Value* c = state.alloc_value();
        state.call_function(*param(state, type, "coerceFunc"), *d.value, *c, d.pos);
        d.value = c;
      }
    }
    return type_merge(state, ctx, final_t, loc, defs, out);
  }
  if (name == "uniq" || name == "unique") {
    std::string message;
    if (Value* m = state.find_attr(type, "message")) message = std::string(state.force_string(*m, {}));
    if (defs.size() > 1) return merge_one(state, loc, defs, root, message, out);
    return type_merge(state, ctx, param(state, type, "elemType"), loc, defs, out);
  }

  if (name == "separatedString") {
    std::string sep(state.force_string(*param(state, type, "sep"), {}));
    std::string s;
    for (size_t i = 0; i < defs.size(); ++i) {
      if (i) s += sep;
      s += defs[i].value->string_view();
    }
    state.mk_string(out, s);
    return;
  }
  if (name == "attrs") {
    // Shallow `//` of the definitions, later ones winning (nixpkgs).
    BindingsBuilder b(state, 8);
    std::map<uint32_t, const Attr*> merged;
    for (auto& d : defs)
      for (const Attr& a : *d.value->attrs) merged[a.name.id] = &a;
    for (auto& [id, a] : merged) b.insert(a->name, a->value, a->pos);
    out.mk_attrs(b.finish());
    return;
  }
  // raw and package take exactly one definition (mergeOneOption).
  if (name == "raw" || name == "package") return merge_one(state, loc, defs, root, "", out);
  // Scalars: all definitions must agree (mergeEqualOption).
  merge_equal(state, loc, defs, root, out);
}

Value* combine_types(EvalState& state, Value* a, Value* b) {
  if (!a) return b;
  if (!b) return a;
  state.force_attrs(*a, {});
  state.force_attrs(*b, {});
  std::string name = type_name(state, *a);
  if (name != type_name(state, *b) || !is_native(state, *a) || !is_native(state, *b)) return nullptr;
  // A copy of `a` with some attributes replaced.
  auto with = [&](std::initializer_list<std::pair<std::string_view, Value*>> changes) {
    BindingsBuilder bb(state, a->attrs->size + changes.size());
    for (const Attr& attr : *a->attrs) {
      bool replaced = false;
      for (auto& [n, v] : changes) replaced |= state.symbols[attr.name] == n;
      if (!replaced) bb.insert(attr.name, attr.value, attr.pos);
    }
    for (auto& [n, v] : changes) bb.insert(n, v);
    Value* out = state.alloc_value();
    out->mk_attrs(bb.finish());
    return out;
  };
  auto concat = [&](std::string_view attr) {
    Value* x = param(state, *a, attr);
    Value* y = param(state, *b, attr);
    state.force_list(*x, {});
    state.force_list(*y, {});
    Value* out = state.alloc_value();
    state.mk_list(*out, x->list.size + y->list.size);
    std::copy(x->list.elems, x->list.elems + x->list.size, out->list.elems);
    std::copy(y->list.elems, y->list.elems + y->list.size, out->list.elems + x->list.size);
    return out;
  };
  if (name == "submodule") return with({{"modules", concat("modules")}});
  if (name == "enum") return with({{"values", concat("values")}});
  if (name == "attrsOf" || name == "lazyAttrsOf" || name == "listOf" || name == "nullOr" || name == "uniq" ||
      name == "functionTo") {
    Value* elem = combine_types(state, param(state, *a, "elemType"), param(state, *b, "elemType"));
    if (!elem) return nullptr;
    return with({{"elemType", elem}});
  }
  if (name == "either") {
    Value* l = combine_types(state, param(state, *a, "left"), param(state, *b, "left"));
    Value* r = combine_types(state, param(state, *a, "right"), param(state, *b, "right"));
    if (!l || !r) return nullptr;
    return with({{"left", l}, {"right", r}});
  }
  // Anything else combines only with an identical type.
  return type_description(state, a) == type_description(state, b) ? a : nullptr;
}

}  // namespace cairn::eval
