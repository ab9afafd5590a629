// Builtins over lists: map, filter, foldl', elem, elemAt, head, tail,
// length, genList, concatLists, concatMap, any, all, sort, partition,
// groupBy, genericClosure, isList.
//
// Lists are immutable arrays of Value*, so results share element pointers
// with their inputs wherever Nix does: `filter` returns its input when
// nothing was dropped, `map` of [] is the same [], and an element keeps
// its identity (and its evaluated-once thunk) in every list it lands in.
//
// Laziness follows Nix exactly, because programs depend on it:
//   - map and genList build unevaluated applications (Type::App) and force
//     only the function (and only when there is an element to apply it to);
//   - foldl' forces each intermediate accumulator (it is the result of a
//     call) but never the initial one unless the list is empty, and passes
//     elements unforced;
//   - sort forces every element before comparing, as Nix does.
#include <algorithm>
#include <deque>
#include <set>
#include <span>
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

/// A new list value holding `elems`.
void mk_list_of(EvalState& state, Value& out, const std::vector<Value*>& elems) {
  state.mk_list(out, elems.size());
  std::copy(elems.begin(), elems.end(), out.list.elems);
}

/// Calls a one-argument predicate and returns its Boolean result.
bool call_pred(EvalState& state, Value& f, Value* elem, PosIdx pos, std::string_view context) {
  Value result;
  state.call_function(f, *elem, result, pos);
  return state.force_bool(result, pos, context);
}

[[noreturn]] void throw_out_of_bounds(int64_t index, PosIdx pos) {
  throw EvalError("list index " + std::to_string(index) + " is out of bounds", pos);
}

void prim_map(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_list(*args[1], pos, "while evaluating the second argument passed to builtins.map");
  size_t n = args[1]->list.size;
  if (n == 0) {
    out = *args[1];
    return;
  }
  state.force_function(*args[0], pos, "while evaluating the first argument passed to builtins.map");
  state.mk_list(out, n);
  Value* apps = alloc_values(state, n);
  for (size_t i = 0; i < n; ++i) {
    apps[i].mk_app(args[0], args[1]->list.elems[i]);
    out.list.elems[i] = &apps[i];
  }
}

void prim_filter(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_list(*args[1], pos, "while evaluating the second argument passed to builtins.filter");
  size_t n = args[1]->list.size;
  if (n == 0) {
    out = *args[1];
    return;
  }
  state.force_function(*args[0], pos, "while evaluating the first argument passed to builtins.filter");
  std::vector<Value*> kept;
  kept.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    Value* elem = args[1]->list.elems[i];
    if (call_pred(state, *args[0], elem, pos,
                  "while evaluating the return value of the filtering function passed to builtins.filter"))
      kept.push_back(elem);
  }
  if (kept.size() == n) {
    out = *args[1];  // nothing dropped: share the input list
    return;
  }
  mk_list_of(state, out, kept);
}

void prim_foldl_strict(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_list(*args[2], pos, "while evaluating the third argument passed to builtins.foldl'");
  Value& list = *args[2];
  if (list.list.size == 0) {
    state.force(*args[1], pos);
    out = *args[1];
    return;
  }
  state.force_function(*args[0], pos, "while evaluating the first argument passed to builtins.foldl'");
  Value* acc = args[1];  // the initial accumulator is passed unforced
  for (size_t i = 0; i < list.list.size; ++i) {
    Value* call_args[] = {acc, list.list.elems[i]};
    // Each step's result is the next call's argument, so it must live in the
    // arena; the last one goes straight into `out`.
    Value* next = i + 1 == list.list.size ? &out : state.alloc_value();
    state.call_function(*args[0], std::span<Value*>(call_args), *next, pos);
    acc = next;
  }
  state.force(out, pos);
}

void prim_elem(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_list(*args[1], pos, "while evaluating the second argument passed to builtins.elem");
  bool found = false;
  for (size_t i = 0; i < args[1]->list.size && !found; ++i)
    found = state.eq_values(*args[0], *args[1]->list.elems[i], pos);
  out.mk_bool(found);
}

/// Forces element `index` of a forced list into `out`, or throws.
void elem_at(EvalState& state, Value& list, int64_t index, Value& out, PosIdx pos) {
  if (index < 0 || static_cast<uint64_t>(index) >= list.list.size) throw_out_of_bounds(index, pos);
  Value& elem = *list.list.elems[index];
  state.force(elem, pos);
  out = elem;
}

void prim_elem_at(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_list(*args[0], pos, "while evaluating the first argument passed to builtins.elemAt");
  int64_t index = state.force_int(*args[1], pos, "while evaluating the second argument passed to builtins.elemAt");
  elem_at(state, *args[0], index, out, pos);
}

void prim_head(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_list(*args[0], pos, "while evaluating the first argument passed to builtins.head");
  elem_at(state, *args[0], 0, out, pos);  // Nix 2.8 reports [] as index 0 out of bounds
}

void prim_tail(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_list(*args[0], pos, "while evaluating the first argument passed to builtins.tail");
  Value& list = *args[0];
  if (list.list.size == 0) throw EvalError("'tail' called on an empty list", pos);
  // A copy, not a view into the same array: O(n) as in Nix, but a view
  // would make two separate `tail l` results one list to the printer
  // (which shows the second as «repeated»), unlike Nix.
  state.mk_list(out, list.list.size - 1);
  std::copy(list.list.elems + 1, list.list.elems + list.list.size, out.list.elems);
}

void prim_length(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_list(*args[0], pos, "while evaluating the first argument passed to builtins.length");
  out.mk_int(static_cast<int64_t>(args[0]->list.size));
}

void prim_is_list(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force(*args[0], pos);
  out.mk_bool(args[0]->type == Type::List);
}

void prim_gen_list(EvalState& state, PosIdx pos, Value** args, Value& out) {
  int64_t len = state.force_int(*args[1], pos, "while evaluating the second argument passed to builtins.genList");
  if (len < 0) throw EvalError("cannot create list of size " + std::to_string(len), pos);
  size_t n = static_cast<size_t>(len);
  if (n == 0) {
    state.mk_list(out, 0);
    return;
  }
  state.force_function(*args[0], pos, "while evaluating the first argument passed to builtins.genList");
  state.mk_list(out, n);
  // Per element: the index and the unevaluated `f index`.
  Value* vals = alloc_values(state, 2 * n);
  for (size_t i = 0; i < n; ++i) {
    vals[2 * i].mk_int(static_cast<int64_t>(i));
    vals[2 * i + 1].mk_app(args[0], &vals[2 * i]);
    out.list.elems[i] = &vals[2 * i + 1];
  }
}

/// Concatenates forced lists into `out`.
void concat(EvalState& state, Value& out, const std::vector<Value*>& lists) {
  size_t total = 0;
  for (Value* l : lists) total += l->list.size;
  state.mk_list(out, total);
  Value** dst = out.list.elems;
  for (Value* l : lists) dst = std::copy(l->list.elems, l->list.elems + l->list.size, dst);
}

void prim_concat_lists(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_list(*args[0], pos, "while evaluating the first argument passed to builtins.concatLists");
  std::vector<Value*> lists(args[0]->list.elems, args[0]->list.elems + args[0]->list.size);
  Value* non_empty = nullptr;
  size_t non_empty_count = 0;
  for (Value* l : lists) {
    state.force_list(*l, pos, "while evaluating a value of the list passed to builtins.concatLists");
    if (l->list.size > 0) {
      non_empty = l;
      ++non_empty_count;
    }
  }
  // One non-empty list among empties is the result itself, as in Nix.
  if (non_empty_count == 1) {
    out = *non_empty;
    return;
  }
  concat(state, out, lists);
}

void prim_concat_map(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_list(*args[1], pos, "while evaluating the second argument passed to builtins.concatMap");
  size_t n = args[1]->list.size;
  if (n == 0) {
    state.mk_list(out, 0);
    return;
  }
  state.force_function(*args[0], pos, "while evaluating the first argument passed to builtins.concatMap");
  // The call results must outlive this function only as far as their
  // elements go; the list headers themselves can live in one arena block.
  Value* results = alloc_values(state, n);
  std::vector<Value*> lists(n);
  for (size_t i = 0; i < n; ++i) {
    state.call_function(*args[0], *args[1]->list.elems[i], results[i], pos);
    state.force_list(results[i], pos,
                     "while evaluating the return value of the function passed to builtins.concatMap");
    lists[i] = &results[i];
  }
  concat(state, out, lists);
}

/// The messages any/all attach to errors (built once, not per call).
struct AnyAllContext {
  std::string_view list, function, result;
};
constexpr AnyAllContext kAnyContext{
    "while evaluating the second argument passed to builtins.any",
    "while evaluating the first argument passed to builtins.any",
    "while evaluating the return value of the function passed to builtins.any"};
constexpr AnyAllContext kAllContext{
    "while evaluating the second argument passed to builtins.all",
    "while evaluating the first argument passed to builtins.all",
    "while evaluating the return value of the function passed to builtins.all"};

/// any (want = true) and all (want = false): stop at the first element
/// whose predicate result equals `want`.
void any_all(EvalState& state, PosIdx pos, Value** args, Value& out, bool want, const AnyAllContext& ctx) {
  state.force_list(*args[1], pos, ctx.list);
  if (args[1]->list.size == 0) {
    out.mk_bool(!want);
    return;
  }
  state.force_function(*args[0], pos, ctx.function);
  for (size_t i = 0; i < args[1]->list.size; ++i) {
    if (call_pred(state, *args[0], args[1]->list.elems[i], pos, ctx.result) == want) {
      out.mk_bool(want);
      return;
    }
  }
  out.mk_bool(!want);
}

void prim_any(EvalState& state, PosIdx pos, Value** args, Value& out) {
  any_all(state, pos, args, out, true, kAnyContext);
}

void prim_all(EvalState& state, PosIdx pos, Value** args, Value& out) {
  any_all(state, pos, args, out, false, kAllContext);
}

/// Stable merge sort of `v` with a comparator that may throw or be
/// inconsistent: every step only moves pointers between two buffers, so
/// whatever `less` answers the result is a permutation of the input, and
/// an exception leaves nothing half-built (the caller's list is untouched).
template <class Less>
void merge_sort(std::vector<Value*>& v, Less less) {
  size_t n = v.size();
  // Short runs by insertion sort (stable: only move past strictly greater).
  constexpr size_t kRun = 8;
  for (size_t lo = 0; lo < n; lo += kRun) {
    size_t hi = std::min(lo + kRun, n);
    for (size_t i = lo + 1; i < hi; ++i) {
      Value* x = v[i];
      size_t j = i;
      while (j > lo && less(x, v[j - 1])) {
        v[j] = v[j - 1];
        --j;
      }
      v[j] = x;
    }
  }
  std::vector<Value*> tmp(n);
  for (size_t width = kRun; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = std::min(lo + width, n), hi = std::min(lo + 2 * width, n);
      size_t i = lo, j = mid, k = lo;
      // Take from the right run only when strictly less: stability.
      while (i < mid && j < hi) tmp[k++] = less(v[j], v[i]) ? v[j++] : v[i++];
      while (i < mid) tmp[k++] = v[i++];
      while (j < hi) tmp[k++] = v[j++];
    }
    v.swap(tmp);
  }
}

void prim_sort(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_list(*args[1], pos, "while evaluating the second argument passed to builtins.sort");
  size_t n = args[1]->list.size;
  if (n == 0) {
    out = *args[1];
    return;
  }
  state.force_function(*args[0], pos, "while evaluating the first argument passed to builtins.sort");
  std::vector<Value*> elems(args[1]->list.elems, args[1]->list.elems + n);
  for (Value* e : elems) state.force(*e, pos);
  Value& cmp = *args[0];
  // `sort lessThan` is common (and hot): compare directly, skipping the call.
  if (cmp.type == Type::PrimOp && cmp.primop->name == "lessThan") {
    merge_sort(elems, [&](Value* a, Value* b) { return state.compare_values(*a, *b, pos) < 0; });
  } else {
    merge_sort(elems, [&](Value* a, Value* b) {
      Value* call_args[] = {a, b};
      Value result;
      state.call_function(cmp, std::span<Value*>(call_args), result, pos);
      return state.force_bool(result, pos,
                              "while evaluating the return value of the sorting function passed to builtins.sort");
    });
  }
  mk_list_of(state, out, elems);
}

void prim_partition(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_list(*args[1], pos, "while evaluating the second argument passed to builtins.partition");
  size_t n = args[1]->list.size;
  std::vector<Value*> right, wrong;
  if (n > 0)
    state.force_function(*args[0], pos, "while evaluating the first argument passed to builtins.partition");
  for (size_t i = 0; i < n; ++i) {
    Value* elem = args[1]->list.elems[i];
    bool ok = call_pred(state, *args[0], elem, pos,
                        "while evaluating the return value of the partition function passed to builtins.partition");
    (ok ? right : wrong).push_back(elem);
  }
  BindingsBuilder b(state, 2);
  mk_list_of(state, b.alloc(state.s.right), right);
  mk_list_of(state, b.alloc(state.s.wrong), wrong);
  out.mk_attrs(b.finish());
}

void prim_group_by(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_list(*args[1], pos, "while evaluating the second argument passed to builtins.groupBy");
  size_t n = args[1]->list.size;
  if (n > 0)
    state.force_function(*args[0], pos, "while evaluating the first argument passed to builtins.groupBy");
  // Groups in order of first appearance; each keeps list order.
  std::unordered_map<uint32_t, size_t> index;
  std::vector<std::pair<Symbol, std::vector<Value*>>> groups;
  for (size_t i = 0; i < n; ++i) {
    Value* elem = args[1]->list.elems[i];
    Value key;
    state.call_function(*args[0], *elem, key, pos);
    std::string_view name =
        state.force_string(key, pos, "while evaluating the return value of the grouping function passed to builtins.groupBy");
    Symbol sym = state.symbols.intern(name);
    auto [it, fresh] = index.try_emplace(sym.id, groups.size());
    if (fresh) groups.emplace_back(sym, std::vector<Value*>{});
    groups[it->second].second.push_back(elem);
  }
  BindingsBuilder b(state, groups.size());
  for (auto& [sym, elems] : groups) mk_list_of(state, b.alloc(sym), elems);
  out.mk_attrs(b.finish());
}

void prim_generic_closure(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_attrs(*args[0], pos, "while evaluating the first argument passed to builtins.genericClosure");
  const Attr* start = state.get_attr(*args[0], state.s.startSet);
  if (!start) throw TypeError("attribute 'startSet' missing for call to 'genericClosure'", pos);
  state.force_list(*start->value, pos, "while evaluating the 'startSet' attribute passed as argument to builtins.genericClosure");
  const Attr* op = state.get_attr(*args[0], state.s.operator_);
  if (!op) throw TypeError("attribute 'operator' missing for call to 'genericClosure'", pos);
  if (start->value->list.size == 0) {
    out = *start->value;
    return;
  }
  state.force_function(*op->value, pos, "while evaluating the 'operator' attribute passed as argument to builtins.genericClosure");

  // Breadth-first over a FIFO work set; keys already seen are skipped.
  // Keys are ordered by `<` (compare_values), as Nix's std::set<Value*> is,
  // so keys of incomparable types are an error rather than "different".
  std::deque<Value*> work(start->value->list.elems, start->value->list.elems + start->value->list.size);
  auto key_less = [&](Value* a, Value* b) { return state.compare_values(*a, *b, pos) < 0; };
  std::set<Value*, decltype(key_less)> seen(key_less);
  std::vector<Value*> result;
  while (!work.empty()) {
    Value* e = work.front();
    work.pop_front();
    state.force_attrs(*e, pos, "while evaluating one of the elements generated by (or initially passed to) builtins.genericClosure");
    const Attr* key = state.get_attr(*e, state.s.key);
    if (!key) throw TypeError("attribute 'key' required", pos);
    state.force(*key->value, pos);
    if (!seen.insert(key->value).second) continue;
    result.push_back(e);
    Value* next = state.alloc_value();
    state.call_function(*op->value, *e, *next, pos);
    state.force_list(*next, pos, "while evaluating the return value of the `operator` passed to builtins.genericClosure");
    work.insert(work.end(), next->list.elems, next->list.elems + next->list.size);
  }
  mk_list_of(state, out, result);
}

}  // namespace

void register_lists_builtins(EvalState& state) {
  state.add_primop("all", 2, prim_all);
  state.add_primop("any", 2, prim_any);
  state.add_primop("concatLists", 1, prim_concat_lists);
  state.add_primop("concatMap", 2, prim_concat_map);
  state.add_primop("elem", 2, prim_elem);
  state.add_primop("elemAt", 2, prim_elem_at);
  state.add_primop("filter", 2, prim_filter);
  state.add_primop("foldl'", 3, prim_foldl_strict);
  state.add_primop("genList", 2, prim_gen_list);
  state.add_primop("genericClosure", 1, prim_generic_closure);
  state.add_primop("groupBy", 2, prim_group_by);
  state.add_primop("head", 1, prim_head);
  state.add_primop("isList", 1, prim_is_list);
  state.add_primop("length", 1, prim_length);
  state.add_primop("map", 2, prim_map);
  state.add_primop("partition", 2, prim_partition);
  state.add_primop("sort", 2, prim_sort);
  state.add_primop("tail", 1, prim_tail);
}

}  // namespace cairn::lang
