#include "builder/eval/lib_loader.hh"

#include <fmt/format.h>
#include <map>

namespace cairn::eval {

using namespace lang;

Value* load_lib(EvalState& state) {
  // `lib` exists before the files are evaluated: they receive it, and
  // touching it while it is being built is infinite recursion.
  Value* lib = state.alloc_value();
  lib->type = Type::Blackhole;

  struct Part {
    std::string name;
    Value* set;
    bool flatten;
  };
  std::vector<Part> parts;
  for (const EmbeddedFile& f : lib_sources()) {
    std::string base(f.name.substr(0, f.name.rfind('.')));
    Expr* e = state.parse_string(f.text, "/", "«cairn»/lib/" + std::string(f.name));
    Value fun;
    state.eval(e, fun);
    Value* set = state.alloc_value();
    state.call_function(fun, *lib, *set, {});
    state.force_attrs(*set, {}, "while loading «cairn»/lib/" + std::string(f.name));
    parts.push_back(Part{base, set, base != "types" && base != "generators"});
  }

  std::map<uint32_t, std::pair<const Attr*, std::string>> flat;
  for (const Part& p : parts) {
    if (!p.flatten) continue;
    for (const Attr& a : *p.set->attrs) {
      auto [it, fresh] = flat.emplace(a.name.id, std::make_pair(&a, p.name));
      if (!fresh)
        throw EvalError(fmt::format("lib: `{}' is defined in both {}.nix and {}.nix", state.symbols[a.name],
                                    it->second.second, p.name));
    }
  }
  BindingsBuilder b(state, flat.size() + parts.size());
  for (auto& [id, entry] : flat) b.insert(entry.first->name, entry.first->value, entry.first->pos);
  for (const Part& p : parts) {
    Symbol s = state.symbols.intern(p.name);
    if (flat.count(s.id))
      throw EvalError(fmt::format("lib: `{}' names both a function and the file {}.nix", p.name, p.name));
    b.insert(s, p.set);
  }
  lib->mk_attrs(b.finish());
  return lib;
}

}  // namespace cairn::eval
