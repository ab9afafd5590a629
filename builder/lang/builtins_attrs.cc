// Builtins over attribute sets: attrNames, attrValues, getAttr, hasAttr,
// removeAttrs, intersectAttrs, listToAttrs, mapAttrs, catAttrs,
// zipAttrsWith, functionArgs, unsafeGetAttrPos, isAttrs.
//
// Sets are sorted by symbol id (value.hh), so any result that keeps a subset
// of an existing set's attributes, or one attribute per name in id order,
// is already sorted: those builtins fill a fresh Bindings directly and skip
// the builder's sort. Only attrNames and attrValues order by name, as Nix
// prints and returns them in byte order of the names.
//
// Laziness follows Nix: attribute values are passed along as the same
// Value* (never copied or forced), and the values mapAttrs/zipAttrsWith
// produce are unevaluated applications (Type::App) of the user's function.

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "builder/lang/builtins.hh"
#include "builder/lang/eval.hh"

namespace cairn::lang {

namespace {

/// `n` fresh values in one arena block (cheaper than n alloc_value calls).
Value* alloc_values(EvalState& state, size_t n) {
  auto* vals = static_cast<Value*>(state.arena.allocate(sizeof(Value) * n));
  for (size_t i = 0; i < n; ++i) new (&vals[i]) Value();
  return vals;
}

/// A string value for a symbol's name. The symbol table keeps names alive
/// (and NUL-terminated) for the state's life, so no copy is needed.
void mk_symbol_string(EvalState& state, Value& v, Symbol s) {
  std::string_view name = state.symbols[s];
  v.mk_string_raw(name.data(), name.size());
}

/// The set's attributes ordered by name bytes (attrNames/attrValues order).
/// Names are looked up once, not in every comparison.
std::vector<std::pair<std::string_view, const Attr*>> attrs_by_name(EvalState& state, const Bindings& b) {
  std::vector<std::pair<std::string_view, const Attr*>> sorted;
  sorted.reserve(b.size);
  for (const Attr& a : b) sorted.emplace_back(state.symbols[a.name], &a);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  return sorted;
}

/// "attribute 'NAME' missing for call to 'FN'", as Nix 2.8 words it.
[[noreturn]] void throw_missing(std::string_view name, std::string_view fn, PosIdx pos) {
  throw TypeError("attribute '" + std::string(name) + "' missing for call to '" +
                      std::string(fn) + "'",
                  pos);
}

void prim_attr_names(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_attrs(*args[0], pos, "while evaluating the argument passed to builtins.attrNames");
  auto sorted = attrs_by_name(state, *args[0]->attrs);
  state.mk_list(out, sorted.size());
  Value* names = alloc_values(state, sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i) {
    names[i].mk_string_raw(sorted[i].first.data(), sorted[i].first.size());  // symbol table owns it
    out.list.elems[i] = &names[i];
  }
}

void prim_attr_values(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_attrs(*args[0], pos, "while evaluating the argument passed to builtins.attrValues");
  auto sorted = attrs_by_name(state, *args[0]->attrs);
  state.mk_list(out, sorted.size());
  // The values themselves, shared with the set: forcing one forces both.
  for (size_t i = 0; i < sorted.size(); ++i) out.list.elems[i] = sorted[i].second->value;
}

void prim_get_attr(EvalState& state, PosIdx pos, Value** args, Value& out) {
  std::string_view name =
      state.force_string(*args[0], pos, "while evaluating the first argument passed to builtins.getAttr");
  state.force_attrs(*args[1], pos, "while evaluating the second argument passed to builtins.getAttr");
  const Attr* a = state.get_attr(*args[1], state.symbols.intern(name));
  if (!a) throw_missing(name, "getAttr", pos);
  state.force(*a->value, pos);
  out = *a->value;
}

void prim_has_attr(EvalState& state, PosIdx pos, Value** args, Value& out) {
  std::string_view name =
      state.force_string(*args[0], pos, "while evaluating the first argument passed to builtins.hasAttr");
  state.force_attrs(*args[1], pos, "while evaluating the second argument passed to builtins.hasAttr");
  out.mk_bool(state.get_attr(*args[1], state.symbols.intern(name)) != nullptr);
}

void prim_is_attrs(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force(*args[0], pos);
  out.mk_bool(args[0]->type == Type::Attrs);
}

void prim_remove_attrs(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_attrs(*args[0], pos, "while evaluating the first argument passed to builtins.removeAttrs");
  state.force_list(*args[1], pos, "while evaluating the second argument passed to builtins.removeAttrs");
  // Sorted symbol ids of the names to drop; then one merge pass over the set.
  std::vector<uint32_t> drop;
  drop.reserve(args[1]->list.size);
  for (size_t i = 0; i < args[1]->list.size; ++i) {
    std::string_view name = state.force_string(
        *args[1]->list.elems[i], pos, "while evaluating the values of the second argument passed to builtins.removeAttrs");
    drop.push_back(state.symbols.intern(name).id);
  }
  std::sort(drop.begin(), drop.end());
  const Bindings& in = *args[0]->attrs;
  Bindings* b = state.alloc_bindings(in.size);
  auto d = drop.begin();
  for (const Attr& a : in) {
    while (d != drop.end() && *d < a.name.id) ++d;
    if (d != drop.end() && *d == a.name.id) continue;
    b->push(a);  // input order is id order, so the result stays sorted
  }
  out.mk_attrs(b);
}

void prim_intersect_attrs(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_attrs(*args[0], pos, "while evaluating the first argument passed to builtins.intersectAttrs");
  state.force_attrs(*args[1], pos, "while evaluating the second argument passed to builtins.intersectAttrs");
  const Bindings& left = *args[0]->attrs;
  const Bindings& right = *args[1]->attrs;
  // The result takes its values from the right set. Walk the smaller set and
  // binary-search the larger: O(min · log max), and id order is preserved.
  Bindings* b = state.alloc_bindings(std::min(left.size, right.size));
  if (left.size <= right.size) {
    for (const Attr& a : left)
      if (const Attr* r = right.find(a.name)) b->push(*r);
  } else {
    for (const Attr& r : right)
      if (left.find(r.name)) b->push(r);
  }
  out.mk_attrs(b);
}

void prim_list_to_attrs(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_list(*args[0], pos, "while evaluating the argument passed to builtins.listToAttrs");
  struct Entry {
    Symbol name;
    Value* pair;  ///< the forced { name; value; } set
  };
  std::vector<Entry> entries;
  entries.reserve(args[0]->list.size);
  for (size_t i = 0; i < args[0]->list.size; ++i) {
    Value* pair = args[0]->list.elems[i];
    state.force_attrs(*pair, pos, "while evaluating an element of the list passed to builtins.listToAttrs");
    const Attr* n = state.get_attr(*pair, state.s.name);
    if (!n) throw_missing("name", "listToAttrs", pos);
    std::string_view name = state.force_string(
        *n->value, pos, "while evaluating the `name` attribute of an element of the list passed to builtins.listToAttrs");
    entries.push_back({state.symbols.intern(name), pair});
  }
  // The first occurrence of a name wins: a stable sort keeps list order
  // within each name, and only the first of each run is taken.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.name.id < b.name.id; });
  Bindings* b = state.alloc_bindings(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0 && entries[i].name == entries[i - 1].name) continue;
    const Attr* v = state.get_attr(*entries[i].pair, state.s.value);
    if (!v) throw_missing("value", "listToAttrs", pos);
    b->push(Attr{entries[i].name, v->pos, v->value});  // the value stays unevaluated
  }
  out.mk_attrs(b);
}

void prim_map_attrs(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_attrs(*args[1], pos, "while evaluating the second argument passed to builtins.mapAttrs");
  const Bindings& in = *args[1]->attrs;
  Bindings* b = state.alloc_bindings(in.size);
  // Three values per attribute: the name, `f name`, and `f name value`.
  Value* vals = alloc_values(state, size_t{3} * in.size);
  for (uint32_t i = 0; i < in.size; ++i) {
    const Attr& a = in.attrs[i];
    Value* name = &vals[3 * i];
    Value* partial = &vals[3 * i + 1];
    Value* result = &vals[3 * i + 2];
    mk_symbol_string(state, *name, a.name);
    partial->mk_app(args[0], name);
    result->mk_app(partial, a.value);
    b->push(Attr{a.name, a.pos, result});
  }
  out.mk_attrs(b);
}

void prim_cat_attrs(EvalState& state, PosIdx pos, Value** args, Value& out) {
  std::string_view name_str =
      state.force_string(*args[0], pos, "while evaluating the first argument passed to builtins.catAttrs");
  Symbol name = state.symbols.intern(name_str);
  state.force_list(*args[1], pos, "while evaluating the second argument passed to builtins.catAttrs");
  std::vector<Value*> found;
  for (size_t i = 0; i < args[1]->list.size; ++i) {
    Value& elem = *args[1]->list.elems[i];
    state.force_attrs(elem, pos, "while evaluating an element in the list passed as second argument to builtins.catAttrs");
    if (const Attr* a = state.get_attr(elem, name)) found.push_back(a->value);
  }
  state.mk_list(out, found.size());
  std::copy(found.begin(), found.end(), out.list.elems);
}

void prim_zip_attrs_with(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_list(*args[1], pos, "while evaluating the second argument passed to builtins.zipAttrsWith");
  Value& sets = *args[1];
  // First pass: how many sets define each name, so each list is allocated once.
  struct Slot {
    uint32_t count = 0;
    uint32_t filled = 0;
    Value* list = nullptr;
  };
  std::unordered_map<uint32_t, Slot> slots;
  for (size_t i = 0; i < sets.list.size; ++i) {
    Value& set = *sets.list.elems[i];
    state.force_attrs(set, pos, "while evaluating a value of the list passed as second argument to builtins.zipAttrsWith");
    for (const Attr& a : *set.attrs) ++slots[a.name.id].count;
  }
  std::vector<uint32_t> names;
  names.reserve(slots.size());
  for (auto& [id, slot] : slots) names.push_back(id);
  std::sort(names.begin(), names.end());

  Bindings* b = state.alloc_bindings(names.size());
  // Per name: the name string, the list, `f name`, and `f name list`.
  Value* vals = alloc_values(state, size_t{4} * names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    Slot& slot = slots[names[i]];
    Value* name = &vals[4 * i];
    slot.list = &vals[4 * i + 1];
    Value* partial = &vals[4 * i + 2];
    Value* result = &vals[4 * i + 3];
    mk_symbol_string(state, *name, Symbol{names[i]});
    state.mk_list(*slot.list, slot.count);
    partial->mk_app(args[0], name);
    result->mk_app(partial, slot.list);
    b->push(Attr{Symbol{names[i]}, PosIdx{}, result});
  }
  // Second pass: fill each list in the order of the sets.
  for (size_t i = 0; i < sets.list.size; ++i) {
    for (const Attr& a : *sets.list.elems[i]->attrs) {
      Slot& slot = slots[a.name.id];
      slot.list->list.elems[slot.filled++] = a.value;
    }
  }
  out.mk_attrs(b);
}

void prim_function_args(EvalState& state, PosIdx pos, Value** args, Value& out) {
  Value& f = *args[0];
  state.force(f, pos);
  if (f.type == Type::PrimOp || f.type == Type::PrimOpApp) {
    out.mk_attrs(state.alloc_bindings(0));
    return;
  }
  if (f.type != Type::Lambda) throw TypeError("'functionArgs' requires a function", pos);
  const Formals* formals = f.lambda.fun->formals;
  if (!formals) {
    out.mk_attrs(state.alloc_bindings(0));
    return;
  }
  // Formals are sorted by symbol id, like a set.
  Bindings* b = state.alloc_bindings(formals->formals.size());
  Value* flags = alloc_values(state, 2);
  flags[0].mk_bool(false);
  flags[1].mk_bool(true);
  for (const Formal& formal : formals->formals)
    b->push(Attr{formal.name, formal.pos, &flags[formal.def ? 1 : 0]});
  out.mk_attrs(b);
}

void prim_unsafe_get_attr_pos(EvalState& state, PosIdx pos, Value** args, Value& out) {
  std::string_view name = state.force_string(
      *args[0], pos, "while evaluating the first argument passed to builtins.unsafeGetAttrPos");
  state.force_attrs(*args[1], pos, "while evaluating the second argument passed to builtins.unsafeGetAttrPos");
  const Attr* a = state.get_attr(*args[1], state.symbols.intern(name));
  if (!a || !a->pos) {
    out.mk_null();
    return;
  }
  Pos p = state.positions.resolve(a->pos);
  if (p.line == 0) {
    out.mk_null();
    return;
  }
  BindingsBuilder b(state, 3);
  state.mk_string(b.alloc(state.s.file), p.origin);
  b.alloc(state.s.line).mk_int(p.line);
  b.alloc(state.s.column).mk_int(p.column);
  out.mk_attrs(b.finish());
}

}  // namespace

void register_attrs_builtins(EvalState& state) {
  state.add_primop("attrNames", 1, prim_attr_names);
  state.add_primop("attrValues", 1, prim_attr_values);
  state.add_primop("catAttrs", 2, prim_cat_attrs);
  state.add_primop("functionArgs", 1, prim_function_args);
  state.add_primop("getAttr", 2, prim_get_attr);
  state.add_primop("hasAttr", 2, prim_has_attr);
  state.add_primop("intersectAttrs", 2, prim_intersect_attrs);
  state.add_primop("isAttrs", 1, prim_is_attrs);
  state.add_primop("listToAttrs", 1, prim_list_to_attrs);
  state.add_primop("mapAttrs", 2, prim_map_attrs);
  state.add_primop("removeAttrs", 2, prim_remove_attrs);
  state.add_primop("unsafeGetAttrPos", 2, prim_unsafe_get_attr_pos);
  state.add_primop("zipAttrsWith", 2, prim_zip_attrs_with);
}

}  // namespace cairn::lang
