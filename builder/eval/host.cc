#include "builder/eval/host.hh"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "builder/eval/lib_loader.hh"
#include "builder/lang/print.hh"

#ifndef CAIRN_STDLIB_DIR
#define CAIRN_STDLIB_DIR "/usr/share/cairn/modules"
#endif

namespace cairn::eval {

using namespace lang;

namespace {

bool is_dir(const std::string& p) {
  struct stat st{};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The stand-in package set until the package index exists (issue 4): it
// accepts any name and gives a package value of the host's architecture.
// `"${pkgs.bash}/bin/bash"` is "/usr/bin/bash": packages live in merged /usr.
constexpr std::string_view kMkPackage = R"(config: name: {
  type = "package";
  inherit name;
  pname = name;
  arch = if config.system.platform == "aarch64-linux" then "arm64" else "amd64";
  outPath = "/usr";
})";

std::string config_string(EvalState& state, Value* config, std::initializer_list<std::string_view> path,
                          PosIdx pos) {
  Value* v = config;
  for (std::string_view part : path) {
    state.force_attrs(*v, pos);
    const Attr* a = v->attrs->find(state.symbols.intern(part));
    if (!a) return "";
    v = a->value;
  }
  return std::string(state.force_string(*v, pos));
}

Value* make_pkgs(EvalState& state, Value* config, PackageUniverse* universe) {
  Value fun;
  state.eval(state.parse_string(kMkPackage, "/", "«cairn»/pkgs.nix"), fun);
  Value* mk = state.alloc_value();
  state.call_function(fun, *config, *mk, {});
  auto cache = std::make_shared<std::map<uint32_t, Value*>>();
  Value* pkgs = state.alloc_value();
  pkgs->mk_attrs(state.alloc_bindings(0));
  state.open_set = pkgs->attrs;
  state.open_set_lookup = [mk, cache, config, universe](EvalState& st, Symbol name, PosIdx pos) {
    Value*& v = (*cache)[name.id];
    if (v) return v;
    if (universe) {
      // Which index: the host's suite and architecture (config must not
      // depend on pkgs for these, and the library's don't).
      std::string suite = config_string(st, config, {"packages", "suite"}, pos);
      std::string platform = config_string(st, config, {"system", "platform"}, pos);
      std::string arch = platform == "aarch64-linux" ? "arm64" : "amd64";
      std::string_view n = st.symbols[name];
      if (universe->has_index(suite, arch) && !universe->contains(suite, arch, n)) {
        std::string message = fmt::format("package `{}' is not in {}/{}", n, suite, arch);
        std::vector<std::string> close = universe->close_names(suite, arch, n);
        for (size_t i = 0; i < close.size(); ++i)
          message += (i == 0 ? "; did you mean `" : i + 1 == close.size() ? "' or `" : "', `") + close[i];
        if (!close.empty()) message += "'?";
        throw EvalError(message, pos);
      }
    }
    v = st.alloc_value();
    v->mk_app(mk, st.new_string(st.symbols[name]));
    return v;
  };
  return pkgs;
}

}  // namespace

std::string find_repo_root(const std::string& start) {
  std::string dir = canon_path(start);
  for (;;) {
    if (is_dir(dir + "/hosts")) return dir;
    if (dir == "/") return "";
    dir = dir.substr(0, dir.rfind('/'));
    if (dir.empty()) dir = "/";
  }
}

std::string default_stdlib_dir() {
  if (const char* env = std::getenv("CAIRN_STDLIB"); env && *env) return env;
  // The source tree this cairn was built from; else, for a cairn installed
  // as <prefix>/bin/cairn (as on a machine with programs.cairn), the
  // library installed beside it.
  std::string built_with = CAIRN_STDLIB_DIR;
  if (::access((built_with + "/module-list.nix").c_str(), R_OK) == 0) return built_with;
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    std::string installed = (self.parent_path().parent_path() / "share/cairn/modules").string();
    if (::access((installed + "/module-list.nix").c_str(), R_OK) == 0) return installed;
  }
  return built_with;
}

EvaluatedHost evaluate_host(EvalState& state, const HostOptions& opts) {
  std::string host_dir = opts.repo_root + "/hosts/" + opts.host;
  if (!opts.host.empty() && !is_dir(host_dir)) {
    throw EvalError(fmt::format("there is no host `{}': {} does not exist (hosts are directories under {}/hosts)",
                                opts.host, host_dir, opts.repo_root));
  }
  Value* lib = load_lib(state);

  EvalModulesArgs args;
  args.display_root = opts.repo_root;
  if (!opts.host.empty()) {
    Value* host_path = state.alloc_value();
    state.mk_path(*host_path, host_dir);
    args.modules.push_back(host_path);
  }
  std::string list = opts.stdlib_dir + "/module-list.nix";
  if (::access(list.c_str(), R_OK) != 0)
    throw EvalError(fmt::format("the standard module library is missing: {} does not exist (set CAIRN_STDLIB to the "
                                "directory holding module-list.nix)",
                                list));
  Value* modules = state.alloc_value();
  state.eval_file(list, *modules);
  state.force_list(*modules, {}, "while evaluating " + list);
  for (size_t i = 0; i < modules->list.size; ++i) args.modules.push_back(modules->list.elems[i]);

  // `config` is only known after eval_modules, but pkgs needs it lazily (for
  // the architecture): hand pkgs a value that becomes config.
  Value* config_ref = state.alloc_value();
  config_ref->type = Type::Blackhole;
  Value* pkgs = make_pkgs(state, config_ref, opts.packages);
  BindingsBuilder hb(state, 1);
  state.mk_string(hb.alloc("name"), opts.host.empty() ? "example" : opts.host);
  Value* host = state.alloc_value();
  host->mk_attrs(hb.finish());

  args.args = {{"lib", lib}, {"pkgs", pkgs}, {"host", host}};
  auto module_args = args.args;
  EvaluatedModules result = eval_modules(state, std::move(args));
  *config_ref = *result.config;
  return EvaluatedHost{result.config, result.options, std::move(module_args)};
}

void check_assertions(EvalState& state, Value& config) {
  state.force_attrs(config, {});
  const Attr* a = config.attrs->find(state.symbols.intern("assertions"));
  if (!a) return;
  state.force_list(*a->value, {}, "while evaluating config.assertions");
  std::string failed;
  Symbol assertion = state.symbols.intern("assertion"), message = state.symbols.intern("message");
  for (size_t i = 0; i < a->value->list.size; ++i) {
    Value& item = *a->value->list.elems[i];
    state.force_attrs(item, {}, "while evaluating an assertion");
    const Attr* ok = item.attrs->find(assertion);
    if (ok && state.force_bool(*ok->value, ok->pos, "while evaluating an assertion")) continue;
    const Attr* msg = item.attrs->find(message);
    failed += "\n- " + (msg ? state.coerce_to_string(*msg->value, msg->pos) : std::string("(no message)"));
  }
  if (!failed.empty()) throw EvalError("Failed assertions:" + failed);
}

std::string closure_json(EvalState& state, Value& config) {
  Value v = config;
  for (const char* part : {"system", "closure"}) {
    state.force_attrs(v, {});
    const Attr* a = v.attrs->find(state.symbols.intern(part));
    if (!a) throw EvalError("the configuration has no system.closure (is modules/closure.nix in the module list?)");
    v = *a->value;
  }
  state.force_deep(v);
  std::ostringstream out;
  print_json(state, v, out);
  return out.str();
}

std::vector<std::string> host_warnings(EvalState& state, Value& config) {
  std::vector<std::string> out;
  state.force_attrs(config, {});
  const Attr* w = config.attrs->find(state.symbols.intern("warnings"));
  if (!w) return out;
  state.force_list(*w->value, {}, "while evaluating config.warnings");
  for (size_t i = 0; i < w->value->list.size; ++i)
    out.emplace_back(state.force_string(*w->value->list.elems[i], {}, "while evaluating a warning"));
  return out;
}

}  // namespace cairn::eval
