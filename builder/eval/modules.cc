// eval_modules: collecting modules, the option tree, definitions, and the
// lazy config (see modules.hh for the overview).
#include "builder/eval/modules.hh"

#include <algorithm>
#include <deque>
#include <set>

#include <fmt/format.h>

#include "builder/eval/merge_thunk.hh"
#include "builder/eval/option_errors.hh"
#include "builder/eval/option_types.hh"

namespace cairn::eval {

using namespace lang;

namespace {

bool has_type_tag(EvalState& state, Value& v, std::string_view tag) {
  if (v.type != Type::Attrs) return false;
  Value* t = state.find_attr(v, "_type");
  if (!t) return false;
  state.force(*t, {});
  return t->type == Type::String && t->string_view() == tag;
}

/// One collected module: where it came from and its two halves.
struct Module {
  std::string file;
  std::string key;
  PosIdx pos;
  Value* options = nullptr;
  Value* config = nullptr;
};

// Attributes a module may have besides its config in the shorthand form.
constexpr std::string_view kReserved[] = {"_file", "key", "_class", "disabledModules", "imports",
                                           "options", "config", "meta", "freeformType"};

bool reserved(std::string_view n) {
  return std::find(std::begin(kReserved), std::end(kReserved), n) != std::end(kReserved);
}

/// recursiveUpdate freeform declared, lazily: the names of both, the
/// declared value winning unless both are sets of names (a declared
/// namespace), which are updated recursively.
struct ExprOverlay : Expr {
  Value* declared;  ///< a namespace of config (a set whose leaves are option thunks)
  Value* freeform;  ///< the freeform merge at the same path
  ExprOverlay(Value* declared, Value* freeform) : declared(declared), freeform(freeform) {}
  void eval(EvalState& state, Env&, Value& out) override {
    state.force(*freeform, {});
    state.force(*declared, {});
    if (freeform->type != Type::Attrs || declared->type != Type::Attrs) {
      out = *declared;
      return;
    }
    BindingsBuilder b(state, freeform->attrs->size + declared->attrs->size);
    for (const Attr& f : *freeform->attrs)
      if (!declared->attrs->find(f.name)) b.insert(f.name, f.value, f.pos);
    for (const Attr& d : *declared->attrs) {
      const Attr* f = freeform->attrs->find(d.name);
      // Option leaves are thunks until read; namespaces are sets.
      if (f && d.value->type == Type::Attrs) {
        Value* v = state.alloc_value();
        v->mk_thunk(state.base_env, state.new_expr<ExprOverlay>(d.value, f->value));
        b.insert(d.name, v, d.pos);
      } else {
        b.insert(d.name, d.value, d.pos);
      }
    }
    out.mk_attrs(b.finish());
  }
  void bind_vars(EvalState&, const StaticEnv&) override {}
  void show(const SymbolTable&, std::ostream& out) const override { out << "«freeform»"; }
};

/// `options.<path>.highestPrio`, `.definitions` and `.files`, as nixpkgs'
/// evalOptionValue gives them: from the definitions (the default included)
/// that survive mkIf and mkOverride. highestPrio is 9999 when there are none.
struct ExprOptionDefs : Expr {
  enum What { HighestPrio, Definitions, Files };
  OptionNode* node;
  What what;
  std::string display_root;
  ExprOptionDefs(OptionNode* node, What what, std::string display_root)
      : node(node), what(what), display_root(std::move(display_root)) {}
  void eval(EvalState& state, Env&, Value& out) override {
    std::vector<DischargedDef> defs;
    if (Value* d = state.find_attr(*node->decl->option, "default"))
      defs.push_back(DischargedDef{node->decl->file, node->decl->pos, d, 1500, 1000});
    for (const Definition& d : node->defs) discharge(state, d, defs);
    int highest = 9999;
    for (const DischargedDef& d : defs) highest = std::min(highest, d.priority);
    if (what == HighestPrio) {
      out.mk_int(highest);
      return;
    }
    filter_and_sort(defs);
    state.mk_list(out, defs.size());
    for (size_t i = 0; i < defs.size(); ++i)
      out.list.elems[i] = what == Definitions
                              ? defs[i].value
                              : state.new_string(show_file(state, defs[i].file, defs[i].pos, display_root));
  }
  void bind_vars(EvalState&, const StaticEnv&) override {}
  void show(const SymbolTable&, std::ostream& out) const override { out << "«option definitions»"; }
};

/// A loaded module and the modules it imports (nixpkgs'
/// collectStructuredModules).
struct ModuleNode {
  Module mod;
  Value* freeform = nullptr;  ///< its `freeformType`, if it has one
  std::vector<ModuleNode*> imports;
};

// The declaration of an option declared twice: the first one's attributes,
// completed by the second's (default, description, …), with `type`.
Value* combine_declarations_impl(EvalState& state, Value& first, Value& second, Value* type) {
  BindingsBuilder b(state, first.attrs->size + second.attrs->size + 1);
  Symbol type_sym = state.symbols.intern("type");
  for (const Attr& a : *first.attrs)
    if (a.name != type_sym) b.insert(a.name, a.value, a.pos);
  for (const Attr& a : *second.attrs)
    if (a.name != type_sym && !first.attrs->find(a.name)) b.insert(a.name, a.value, a.pos);
  if (type) b.insert(type_sym, type);
  Value* out = state.alloc_value();
  out->mk_attrs(b.finish());
  return out;
}

class ModuleEvaluator {
 public:
  ModuleEvaluator(EvalState& state, EvalModulesArgs args)
      : state_(state), args_(std::move(args)), ctx_(std::make_shared<MergeContext>()) {
    ctx_->display_root = args_.display_root;
    ctx_->args = args_.args;
    root_.loc = args_.prefix;
  }

  EvaluatedModules run() {
    // `config` and `options` exist before anything is collected: module
    // functions receive them, and reading them before they are built (to
    // decide imports or the shape of a module) is infinite recursion, as in
    // nixpkgs.
    config_ = state_.alloc_value();
    config_->type = Type::Blackhole;
    options_ = state_.alloc_value();
    options_->type = Type::Blackhole;
    build_arg_set();

    std::vector<ModuleNode*> roots;
    for (Value* m : args_.modules) roots.push_back(collect(*m, "", "", {}));
    for (const Definition& d : args_.extra_defs) {
      if (args_.extra_defs_are_config) {
        // shorthandOnlyDefinesConfig: a set is config, whatever its names
        // (`{ config.x = 1; }` defines an option `config`); functions and
        // paths are modules.
        state_.force(*d.value, d.pos);
        if (d.value->type == Type::Attrs && !state_.is_functor(*d.value)) {
          ModuleNode& n = nodes_.emplace_back();
          n.mod = Module{d.file, "", d.pos, nullptr, d.value};
          roots.push_back(&n);
          continue;
        }
      }
      roots.push_back(collect(*d.value, d.file, "", d.pos));
    }
    // The module list, as nixpkgs' genericClosure makes it: breadth first,
    // the first module of each key wins, and a disabled module is left out
    // with everything only it imports.
    auto enabled = [&](ModuleNode* n) { return n->mod.key.empty() || !disabled_.count(n->mod.key); };
    std::deque<ModuleNode*> work;
    for (ModuleNode* r : roots)
      if (enabled(r)) work.push_back(r);
    std::set<std::string> done;
    while (!work.empty()) {
      ModuleNode* n = work.front();
      work.pop_front();
      if (!n->mod.key.empty() && !done.insert(n->mod.key).second) continue;
      modules_.push_back(n->mod);
      if (n->freeform) freeform_defs_.push_back(Definition{n->mod.file, n->mod.pos, n->freeform, {}, -1});
      for (ModuleNode* c : n->imports)
        if (enabled(c)) work.push_back(c);
    }

    for (const Module& m : modules_)
      if (m.options) declare(root_, *m.options, m.file, m.pos);
    // `options` depends on the declarations only, so (as in nixpkgs) the
    // shape of config may depend on it: `optionalAttrs (options ? x)`.
    Value opts = build_options(root_);
    *options_ = opts;
    // nixpkgs merges the module list reversed; list options show it.
    for (auto it = modules_.rbegin(); it != modules_.rend(); ++it)
      if (it->config) define(root_, it->config, it->file, it->pos, {}, -1);

    resolve_freeform();
    Value built = build_config(root_);
    *config_ = built;
    check_unmatched(root_);
    return EvaluatedModules{config_, options_};
  }

 private:
  void build_arg_set() {
    BindingsBuilder b(state_, args_.args.size() + 2);
    for (auto& [name, v] : args_.args) b.insert(name, v);
    b.insert("config", config_);
    b.insert("options", options_);
    arg_set_ = state_.alloc_value();
    arg_set_->mk_attrs(b.finish());
  }

  // Calls a module function with the arguments it asks for (all of them if
  // it takes `...`), as nixpkgs does with functionArgs.
  void call_module(Value& fun, Value& out, PosIdx pos) {
    Value* arg = arg_set_;
    if (fun.type == Type::Lambda && fun.lambda.fun->formals && !fun.lambda.fun->formals->ellipsis) {
      BindingsBuilder b(state_, fun.lambda.fun->formals->formals.size());
      for (const Formal& f : fun.lambda.fun->formals->formals)
        if (const Attr* a = arg_set_->attrs->find(f.name)) b.insert(f.name, a->value);
      arg = state_.alloc_value();
      arg->mk_attrs(b.finish());
    }
    state_.call_function(fun, *arg, out, pos);
  }

  // Loads a module (a path, a function or a set) and, recursively, what it
  // imports. A file is loaded once; later imports of it share the node.
  ModuleNode* collect(Value& m, const std::string& file, const std::string& key, PosIdx pos) {
    state_.force(m, pos);
    if (m.type == Type::Path || m.type == Type::String) {
      std::string path = state_.coerce_to_path(m, pos, "while importing a module");
      if (auto it = loaded_.find(path); it != loaded_.end()) return it->second;
      ModuleNode& n = nodes_.emplace_back();
      loaded_[path] = &n;
      Value imported;
      state_.eval_file(path, imported, pos);
      load(n, imported, path, path, pos);
      return &n;
    }
    ModuleNode& n = nodes_.emplace_back();
    load(n, m, file, key, pos);
    return &n;
  }

  void load(ModuleNode& node, Value& m, const std::string& file, std::string key, PosIdx pos) {
    state_.force(m, pos);
    if (m.type == Type::Lambda || m.type == Type::PrimOp || m.type == Type::PrimOpApp ||
        (m.type == Type::Attrs && state_.is_functor(m))) {
      Value result;
      try {
        call_module(m, result, pos);
        state_.force(result, pos);
      } catch (EvalError& e) {
        e.with_trace(pos, "while evaluating the module " + (file.empty() ? std::string("«inline»") : file));
        throw;
      }
      load(node, result, file, key, pos);
      return;
    }
    if (m.type != Type::Attrs)
      throw TypeError(fmt::format("module {} is {}, but a module must be a set or a function",
                                  file.empty() ? "«inline»" : show_file(state_, file, {}, args_.display_root),
                                  show_type(m)),
                      pos);
    if (Value* k = state_.find_attr(m, "key")) key = state_.coerce_to_string(*k, pos, {.coerce_more = true});
    std::string f = file;
    if (Value* ff = state_.find_attr(m, "_file")) f = state_.coerce_to_string(*ff, pos);
    node.mod = Module{f, key, pos};

    if (Value* imports = state_.find_attr(m, "imports")) {
      state_.force_list(*imports, pos, "while evaluating the imports of a module");
      for (size_t i = 0; i < imports->list.size; ++i)
        node.imports.push_back(collect(*imports->list.elems[i], f, "", pos));
    }
    // Every module's disabledModules count, even a disabled module's.
    if (Value* disabled = state_.find_attr(m, "disabledModules")) {
      state_.force_list(*disabled, pos, "while evaluating disabledModules");
      for (size_t i = 0; i < disabled->list.size; ++i) {
        Value& d = *disabled->list.elems[i];
        state_.force(d, pos);
        if (d.type == Type::Attrs && state_.find_attr(d, "key")) {
          disabled_.insert(state_.coerce_to_string(*state_.find_attr(d, "key"), pos));
        } else {
          std::string p = state_.coerce_to_string(d, pos);
          disabled_.insert(p.starts_with("/") ? canon_path(p) : p);
        }
      }
    }
    node.freeform = state_.find_attr(m, "freeformType");

    Module& mod = node.mod;
    Value* options = state_.find_attr(m, "options");
    Value* config = state_.find_attr(m, "config");
    if (options || config) {
      std::vector<const Attr*> bad;
      for (const Attr& a : *m.attrs)
        if (!reserved(state_.symbols[a.name])) bad.push_back(&a);
      if (!bad.empty()) {
        std::string names;
        for (const Attr* a : bad) names += (names.empty() ? "" : " ") + std::string(state_.symbols[a->name]);
        throw EvalError(fmt::format("Module `{}' has an unsupported attribute `{}'. This is caused by introducing "
                                    "a top-level `config' or `options' attribute. Add configuration attributes "
                                    "immediately on the top level instead, or move all of them (namely: {}) into "
                                    "the explicit `config' attribute.",
                                    show_file(state_, f, {}, args_.display_root), state_.symbols[bad[0]->name],
                                    names),
                        bad[0]->pos);
      }
      mod.options = options;
      mod.config = config;
    } else {
      // Shorthand: everything but the reserved attributes is config.
      BindingsBuilder b(state_, m.attrs->size);
      for (const Attr& a : *m.attrs)
        if (!reserved(state_.symbols[a.name])) b.insert(a.name, a.value, a.pos);
      Bindings* cfg = b.finish();
      if (cfg->size) {
        mod.config = state_.alloc_value();
        mod.config->mk_attrs(cfg);
      }
    }
  }

  Value* combine_declarations(Value& first, Value& second, Value* type) {
    return combine_declarations_impl(state_, first, second, type);
  }

  void declare(OptionNode& node, Value& v, const std::string& file, PosIdx pos) {
    state_.force(v, pos);
    if (v.type != Type::Attrs)
      throw TypeError(fmt::format("the option declaration `{}' in `{}' is {}, but must be a set made by mkOption",
                                  show_option(node.loc), show_file(state_, file, pos, args_.display_root),
                                  show_type(v)),
                      pos);
    if (has_type_tag(state_, v, "option")) {
      if (node.decl) {
        // A second declaration extends the first when their types combine
        // (a module adding options to a submodule, as in nixpkgs).
        // As nixpkgs' mergeOptionDecls: only one may give a default,
        // example, description or apply.
        bool clash = false;
        for (const char* k : {"default", "example", "description", "apply"})
          clash |= state_.find_attr(*node.decl->option, k) && state_.find_attr(v, k);
        Value* combined = clash ? nullptr : combine_types(state_, node.decl->type, state_.find_attr(v, "type"));
        if (!combined)
          throw EvalError(fmt::format("The option `{}' in `{}' is already declared in `{}'.", show_option(node.loc),
                                      show_file(state_, file, pos, args_.display_root),
                                      show_file(state_, node.decl->file, node.decl->pos, args_.display_root)),
                          pos);
        node.decl->option = combine_declarations(*node.decl->option, v, combined);
        node.decl->type = combined;
        return;
      }
      node.decl = std::make_unique<Declaration>(Declaration{&v, state_.find_attr(v, "type"), file, pos});
      if (!node.children.empty()) throw_would_be_parent(node);
      return;
    }
    for (const Attr& a : *v.attrs)
      namespace_decls_[&node].push_back(
          fmt::format(" - option(s) with prefix `{}' in module `{}'",
                      show_option([&] {
                        std::vector<std::string> l = node.loc;
                        l.emplace_back(state_.symbols[a.name]);
                        return l;
                      }()),
                      show_file(state_, file, pos, args_.display_root)));
    if (node.decl) throw_would_be_parent(node);
    for (const Attr& a : *v.attrs) {
      std::string name(state_.symbols[a.name]);
      auto& child = node.children[name];
      if (!child) {
        child = std::make_unique<OptionNode>();
        child->loc = node.loc;
        child->loc.push_back(name);
      }
      declare(*child, *a.value, file, a.pos ? a.pos : pos);
    }
  }

  // An option declared where other modules declare options under it
  // (nixpkgs merges them only into submodule-typed options; cairn doesn't).
  [[noreturn]] void throw_would_be_parent(OptionNode& node) {
    std::vector<std::string>& under = namespace_decls_[&node];
    std::sort(under.begin(), under.end());
    std::string list;
    for (const std::string& line : under) list += "\n" + line;
    Declaration& decl = *node.decl;
    Value* type = decl.type;
    std::string description = "<no description>";
    if (type) description = type_description(state_, type);
    throw EvalError(fmt::format("The option `{}' in module `{}' would be a parent of the following options, but its "
                                "type `{}' does not support nested options.{}",
                                show_option(node.loc), show_file(state_, decl.file, decl.pos, args_.display_root),
                                description, list),
                    decl.pos);
  }

  // Walks a module's config down to the options it defines, carrying mkIf
  // conditions and mkOverride priorities found on the way (pushDown).
  void define(OptionNode& node, Value* v, const std::string& file, PosIdx pos, std::vector<Value*> conds,
              int priority) {
    if (node.decl) {
      node.defs.push_back(Definition{file, pos, v, std::move(conds), priority});
      return;
    }
    EvalState::DepthGuard guard(state_, pos);
    state_.force(*v, pos);
    if (v->type == Type::Attrs) {
      if (has_type_tag(state_, *v, "if")) {
        conds.push_back(state_.find_attr(*v, "condition"));
        define(node, state_.find_attr(*v, "content"), file, pos, std::move(conds), priority);
        return;
      }
      if (has_type_tag(state_, *v, "merge")) {
        Value* contents = state_.find_attr(*v, "contents");
        state_.force_list(*contents, pos, "while evaluating the argument of mkMerge");
        for (size_t i = 0; i < contents->list.size; ++i) define(node, contents->list.elems[i], file, pos, conds, priority);
        return;
      }
      if (has_type_tag(state_, *v, "override") || has_type_tag(state_, *v, "order")) {
        int p = priority;
        if (has_type_tag(state_, *v, "override") && p < 0)
          p = static_cast<int>(state_.force_int(*state_.find_attr(*v, "priority"), pos));
        define(node, state_.find_attr(*v, "content"), file, pos, std::move(conds), p);
        return;
      }
    }
    if (v->type != Type::Attrs) {
      node.unmatched[""].push_back(Definition{file, pos, v, conds, priority});
      return;
    }
    for (const Attr& a : *v->attrs) {
      std::string name(state_.symbols[a.name]);
      if (&node == &root_ && name == "_module") {
        define_module_settings(a.value, file, a.pos ? a.pos : pos);
        continue;
      }
      auto it = node.children.find(name);
      if (it != node.children.end())
        define(*it->second, a.value, file, a.pos ? a.pos : pos, conds, priority);
      else
        node.unmatched[name].push_back(Definition{file, a.pos ? a.pos : pos, a.value, conds, priority});
    }
  }

  // `_module.freeformType` and `_module.args` (only the former matters to
  // cairn's modules; args are fixed by the host).
  void define_module_settings(Value* v, const std::string& file, PosIdx pos) {
    state_.force_attrs(*v, pos, "while evaluating `_module'");
    if (Value* ft = state_.find_attr(*v, "freeformType")) freeform_defs_.push_back(Definition{file, pos, ft, {}, -1});
  }

  void resolve_freeform() {
    if (freeform_defs_.empty()) return;
    std::vector<DischargedDef> defs;
    for (const Definition& d : freeform_defs_) discharge(state_, d, defs);
    filter_and_sort(defs);
    if (defs.empty()) return;
    freeform_ = defs.back().value;
    state_.force_attrs(*freeform_, defs.back().pos, "while evaluating the freeform type");
  }

  // A definition's value with the properties pushed onto it put back
  // around it: mkIf c (mkOverride p v). Freeform definitions found below a
  // declared namespace are re-rooted at the top, where these must apply to
  // the leaf, as pushDownProperties left them in nixpkgs.
  Value* with_properties(const Definition& d) {
    Value* v = d.value;
    auto wrap = [&](std::initializer_list<std::pair<std::string_view, Value*>> attrs) {
      BindingsBuilder b(state_, attrs.size());
      for (auto& [n, x] : attrs) b.insert(n, x);
      Value* w = state_.alloc_value();
      w->mk_attrs(b.finish());
      return w;
    };
    if (d.priority >= 0)
      v = wrap({{"_type", state_.new_string("override")}, {"priority", state_.new_int(d.priority)}, {"content", v}});
    for (auto it = d.conditions.rbegin(); it != d.conditions.rend(); ++it)
      v = wrap({{"_type", state_.new_string("if")}, {"condition", *it}, {"content", v}});
    return v;
  }

  // With a freeform type, every definition no option matched — at the top
  // or below a declared namespace — is merged with it, by top-level name
  // (nixpkgs: freeformType.merge prefix [ setAttrByPath def.prefix … ]).
  std::map<std::string, std::vector<Definition>> take_freeform_defs() {
    std::map<std::string, std::vector<Definition>> by_name;
    std::vector<std::string> rel;
    auto walk = [&](auto& self, OptionNode& node) -> void {
      for (auto it = node.unmatched.begin(); it != node.unmatched.end();) {
        if (it->first.empty()) {
          ++it;
          continue;
        }
        for (const Definition& d : it->second) {
          if (rel.empty()) {
            by_name[it->first].push_back(d);
            continue;
          }
          // setAttrByPath (rel[1..] ++ [name]) value
          Value* v = with_properties(d);
          std::vector<std::string> path(rel.begin() + 1, rel.end());
          path.push_back(it->first);
          for (auto p = path.rbegin(); p != path.rend(); ++p) {
            BindingsBuilder b(state_, 1);
            b.insert(*p, v, d.pos);
            v = state_.alloc_value();
            v->mk_attrs(b.finish());
          }
          by_name[rel[0]].push_back(Definition{d.file, d.pos, v, {}, -1});
        }
        it = node.unmatched.erase(it);
      }
      for (auto& [name, child] : node.children) {
        if (child->decl) continue;
        rel.push_back(name);
        self(self, *child);
        rel.pop_back();
      }
    };
    walk(walk, root_);
    return by_name;
  }

  Value build_config(OptionNode& node) {
    Value out;
    if (node.decl) {
      auto* e = state_.new_expr<ExprMergeOption>(&node, ctx_);
      out.mk_thunk(state_.base_env, e);
      return out;
    }
    std::map<std::string, std::vector<Definition>> freeform;
    Value* elem = freeform_;
    bool lazy = true;
    if (&node == &root_ && freeform_) {
      freeform = take_freeform_defs();
      // An attrsOf-like freeform type merges each name with its element
      // type; other types are applied per name as they are.
      if (Value* n = state_.find_attr(*freeform_, "name")) {
        std::string_view tn = state_.force_string(*n, {});
        if (tn == "attrsOf" || tn == "lazyAttrsOf") elem = state_.find_attr(*freeform_, "elemType");
        lazy = tn != "attrsOf";
      }
    }
    std::map<std::string, Value*> freeform_values;
    for (auto& [name, defs] : freeform) {
      std::vector<std::string> loc = node.loc;
      loc.push_back(name);
      Value* v = state_.alloc_value();
      if (lazy) {
        v->mk_thunk(state_.base_env, state_.new_expr<ExprMergeDefs>(ctx_, elem, std::move(loc), defs,
                                                                    std::vector<DischargedDef>{}, false));
      } else {
        // attrsOf: a name whose definitions all vanish (mkIf false) is
        // left out, so the conditions are evaluated now.
        std::vector<DischargedDef> done;
        for (const Definition& d : defs) discharge(state_, d, done);
        if (done.empty()) continue;
        v->mk_thunk(state_.base_env,
                    state_.new_expr<ExprMergeDefs>(ctx_, elem, std::move(loc), std::vector<Definition>{}, done, true));
      }
      freeform_values[name] = v;
    }
    BindingsBuilder b(state_, node.children.size() + freeform_values.size());
    for (auto& [name, child] : node.children) {
      Value* v = state_.alloc_value();
      *v = build_config(*child);
      if (auto f = freeform_values.find(name); f != freeform_values.end()) {
        // A declared namespace with freeform definitions below it:
        // recursiveUpdate freeformConfig declaredConfig.
        Value* overlay = state_.alloc_value();
        overlay->mk_thunk(state_.base_env, state_.new_expr<ExprOverlay>(v, f->second));
        v = overlay;
        freeform_values.erase(f);
      }
      b.insert(name, v);
    }
    for (auto& [name, v] : freeform_values) b.insert(name, v);
    out.mk_attrs(b.finish());
    return out;
  }

  Value build_options(OptionNode& node) {
    Value out;
    if (node.decl) {
      Value& decl = *node.decl->option;
      BindingsBuilder b(state_, decl.attrs->size + 4);
      for (const Attr& a : *decl.attrs) b.insert(a.name, a.value, a.pos);
      Value* value = state_.alloc_value();
      value->mk_thunk(state_.base_env, state_.new_expr<ExprMergeOption>(&node, ctx_));
      b.insert("value", value);
      Value* is_defined = state_.alloc_value();
      is_defined->mk_thunk(state_.base_env, state_.new_expr<ExprIsDefined>(&node));
      b.insert("isDefined", is_defined);
      for (auto what : {ExprOptionDefs::HighestPrio, ExprOptionDefs::Definitions, ExprOptionDefs::Files}) {
        Value* v = state_.alloc_value();
        v->mk_thunk(state_.base_env, state_.new_expr<ExprOptionDefs>(&node, what, args_.display_root));
        b.insert(what == ExprOptionDefs::HighestPrio   ? "highestPrio"
                 : what == ExprOptionDefs::Definitions ? "definitions"
                                                       : "files",
                 v);
      }
      Value* loc = state_.alloc_value();
      state_.mk_list(*loc, node.loc.size());
      for (size_t i = 0; i < node.loc.size(); ++i) loc->list.elems[i] = state_.new_string(node.loc[i]);
      b.insert("loc", loc);
      Value* decls = state_.alloc_value();
      state_.mk_list(*decls, 1);
      // Inline modules have no file of their own: name the source of the
      // declaration instead.
      std::string file = node.decl->file;
      if (file.empty()) file = std::string(state_.positions.resolve(node.decl->pos).origin);
      decls->list.elems[0] = state_.new_string(show_file(state_, file, {}, args_.display_root));
      b.insert("declarations", decls);
      out.mk_attrs(b.finish());
      return out;
    }
    BindingsBuilder b(state_, node.children.size());
    for (auto& [name, child] : node.children) {
      Value* v = state_.alloc_value();
      *v = build_options(*child);
      b.insert(name, v);
    }
    out.mk_attrs(b.finish());
    return out;
  }

  void check_unmatched(OptionNode& node) {
    for (auto& [name, defs] : node.unmatched) {
      std::vector<std::string> loc = node.loc;
      if (!name.empty()) loc.push_back(name);
      // Name the leaf that was defined, as nixpkgs does: follow plain sets
      // down while they hold a single attribute.
      std::vector<std::string> rest;
      std::vector<DischargedDef> shown;
      for (const Definition& d : defs) shown.push_back(DischargedDef{d.file, d.pos, d.value});
      if (!name.empty() && defs.size() == 1) {
        Value* v = defs[0].value;
        PosIdx pos = defs[0].pos;
        for (;;) {
          state_.force(*v, pos);
          if (v->type != Type::Attrs || v->attrs->size != 1 || state_.find_attr(*v, "_type")) break;
          const Attr& a = v->attrs->attrs[0];
          rest.push_back(std::string(state_.symbols[a.name]));
          v = a.value;
          if (a.pos) pos = a.pos;
        }
        shown[0].value = v;
        shown[0].pos = pos;
      }
      std::vector<std::string> full = loc;
      full.insert(full.end(), rest.begin(), rest.end());
      std::string message;
      if (name.empty()) {
        message = fmt::format("A definition for `{}' is not a set, but `{}' is a group of options, not an option. "
                              "Definition values:{}",
                              show_option(loc), show_option(loc), show_defs(state_, shown, args_.display_root));
      } else {
        message = fmt::format("The option `{}' does not exist. Definition values:{}", show_option(full),
                              show_defs(state_, shown, args_.display_root));
        std::vector<std::string> siblings;
        for (auto& [n, c] : node.children) siblings.push_back(n);
        std::vector<std::string> close = close_names(name, siblings);
        if (!close.empty()) {
          message += "\n\nDid you mean ";
          for (size_t i = 0; i < close.size(); ++i) {
            std::vector<std::string> alt = node.loc;
            alt.push_back(close[i]);
            alt.insert(alt.end(), rest.begin(), rest.end());
            if (i) message += i + 1 == close.size() ? " or " : ", ";
            message += "`" + show_option(alt) + "'";
          }
          message += "?";
        } else if (root_.children.empty()) {
          // No option is declared at all (nixpkgs' two texts, without
          // their final newline).
          if (args_.prefix.empty())
            message += "\n\nIt seems as if you're trying to declare an option by placing it into `config' rather "
                       "than `options'!";
          else
            message += fmt::format("\n\nHowever there are no options defined in `{}'. Are you sure you've\n"
                                   "declared your options properly? This can happen if you e.g. declared your "
                                   "options in `types.submodule'\nunder `config' rather than `options'.",
                                   show_option(args_.prefix));
        }
      }
      throw EvalError(message, defs.front().pos);
    }
    for (auto& [name, child] : node.children) check_unmatched(*child);
  }

  EvalState& state_;
  EvalModulesArgs args_;
  std::shared_ptr<MergeContext> ctx_;
  Value* config_ = nullptr;
  Value* options_ = nullptr;
  Value* arg_set_ = nullptr;
  std::vector<Module> modules_;
  /// Every module loaded (stable addresses), and the ones loaded from files.
  std::deque<ModuleNode> nodes_;
  std::map<std::string, ModuleNode*> loaded_;
  std::set<std::string> disabled_;
  /// For "would be a parent" errors: the option paths declared under each
  /// namespace node, as nixpkgs lists them.
  std::map<OptionNode*, std::vector<std::string>> namespace_decls_;
  std::vector<Definition> freeform_defs_;
  Value* freeform_ = nullptr;
  OptionNode root_;
  // Option trees must outlive the evaluator: config leaves point into them.
  friend EvaluatedModules eval_modules(EvalState&, EvalModulesArgs);
};

// Keeps every evaluator (and so its option tree) alive as long as the
// process: config thunks refer to the nodes.
std::vector<std::unique_ptr<ModuleEvaluator>>& evaluators() {
  static std::vector<std::unique_ptr<ModuleEvaluator>> all;
  return all;
}

}  // namespace

EvaluatedModules eval_modules(EvalState& state, EvalModulesArgs args) {
  auto evaluator = std::make_unique<ModuleEvaluator>(state, std::move(args));
  ModuleEvaluator& e = *evaluator;
  evaluators().push_back(std::move(evaluator));
  return e.run();
}

void merge_option(EvalState& state, OptionNode& node, const std::shared_ptr<MergeContext>& ctx, Value& out) {
  Declaration& decl = *node.decl;
  // The default is a definition with mkOptionDefault's priority, before
  // the others (evalOptionValue).
  std::vector<DischargedDef> defs;
  Value* default_value = state.find_attr(*decl.option, "default");
  if (default_value) defs.push_back(DischargedDef{decl.file, decl.pos, default_value, 1500, 1000});
  // readOnly counts definitions before their properties are discharged,
  // the default included: a read-only option with a default can't be set.
  if (Value* ro = state.find_attr(*decl.option, "readOnly");
      ro && state.force_bool(*ro, decl.pos) && node.defs.size() + (default_value ? 1 : 0) > 1) {
    for (const Definition& d : node.defs) discharge(state, d, defs);
    throw EvalError(fmt::format("The option `{}' is read-only, but it's set multiple times. Definition values:{}",
                                show_option(node.loc), show_defs(state, defs, ctx->display_root)),
                    defs.size() > 1 ? defs[1].pos : decl.pos);
  }
  for (const Definition& d : node.defs) discharge(state, d, defs);
  filter_and_sort(defs);
  if (defs.empty())
    throw EvalError(fmt::format("The option `{}' was accessed but has no value defined. Try setting the option.",
                                show_option(node.loc)),
                    decl.pos);
  Value merged;
  type_merge(state, ctx, decl.type, node.loc, defs, merged);
  if (Value* apply = state.find_attr(*decl.option, "apply")) {
    Value* arg = state.alloc_value();
    *arg = merged;
    state.call_function(*apply, *arg, out, decl.pos);
    return;
  }
  out = merged;
}

void ExprMergeOption::eval(EvalState& state, Env&, Value& out) {
  try {
    merge_option(state, *node, ctx, out);
  } catch (EvalError& e) {
    e.with_trace(node->decl->pos, "while evaluating the option `" + show_option(node->loc) + "'");
    throw;
  }
}

void ExprIsDefined::eval(EvalState& state, Env&, Value& out) {
  // The default counts, as in nixpkgs.
  if (state.find_attr(*node->decl->option, "default")) {
    out.mk_bool(true);
    return;
  }
  std::vector<DischargedDef> defs;
  for (const Definition& d : node->defs) discharge(state, d, defs);
  out.mk_bool(!defs.empty());
}

void ExprMergeDefs::eval(EvalState& state, Env&, Value& out) {
  std::vector<DischargedDef> defs = done;
  if (!discharged)
    for (const Definition& d : raw) discharge(state, d, defs);
  filter_and_sort(defs);
  if (defs.empty())
    throw EvalError(fmt::format("The option `{}' was accessed but has no value defined. Try setting the option.",
                                show_option(loc)));
  type_merge(state, ctx, type, loc, defs, out);
}

void merge_submodule(EvalState& state, const std::shared_ptr<MergeContext>& ctx, Value& type,
                     const std::vector<std::string>& loc, std::vector<DischargedDef>& defs, Value& out) {
  EvalModulesArgs args;
  args.display_root = ctx->display_root;
  args.prefix = loc;
  args.args = ctx->args;
  // `name` is the attribute name inside attrsOf (submodule …).
  Value* name = state.new_string(loc.empty() ? "" : loc.back());
  std::erase_if(args.args, [](auto& p) { return p.first == "name"; });
  args.args.emplace_back("name", name);
  const Attr* mods = type.attrs->find(state.symbols.intern("modules"));
  if (mods) {
    state.force_list(*mods->value, {}, "while evaluating the modules of a submodule type");
    for (size_t i = 0; i < mods->value->list.size; ++i) args.modules.push_back(mods->value->list.elems[i]);
  }
  if (const Attr* special = type.attrs->find(state.symbols.intern("specialArgs"))) {
    state.force_attrs(*special->value, {});
    for (const Attr& a : *special->value->attrs) args.args.emplace_back(std::string(state.symbols[a.name]), a.value);
  }
  args.extra_defs_are_config = true;
  if (const Attr* s = type.attrs->find(state.symbols.intern("shorthandOnlyDefinesConfig")))
    args.extra_defs_are_config = state.force_bool(*s->value, {});
  for (const DischargedDef& d : defs) args.extra_defs.push_back(Definition{d.file, d.pos, d.value, {}, -1});
  out = *eval_modules(state, std::move(args)).config;
}

}  // namespace cairn::eval
