// `cairn eval`: evaluate a Nix file or expression and print the result the
// way `nix-instantiate --eval` does (or as JSON with --json).
//
//   cairn eval [--strict] [--json] [-I PATH]… (FILE | --expr EXPR) [-A ATTRPATH]
//   cairn eval --host NAME [OPTION.PATH] [--json]
//   cairn eval --host NAME --closure
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "base/files.hh"
#include "builder/cli/packages.hh"
#include "builder/cli/verbs.hh"
#include "builder/eval/host.hh"
#include "builder/lang/eval.hh"
#include "builder/lang/print.hh"

namespace cairn::cli {

namespace {

struct EvalOptions {
  bool strict = false;
  bool json = false;
  std::vector<std::string> include;
  std::string file;
  std::string expr;
  std::string attr_path;
  std::string host;
  bool closure = false;
  std::string store;
};

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find(sep, i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// Selects `-A a.b.0.c` from `v`; numbers index lists, as nix-instantiate does.
void select_attr_path(lang::EvalState& state, lang::Value& v, const std::string& path) {
  using namespace lang;
  for (const std::string& part : split(path, '.')) {
    state.force(v, {});
    bool numeric = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
    if (numeric && v.type == Type::List) {
      size_t i = std::stoul(part);
      if (i >= v.list.size)
        throw EvalError("list index " + part + " in selection path '" + path + "' is out of range");
      v = *v.list.elems[i];
      continue;
    }
    if (v.type != Type::Attrs)
      throw EvalError("the expression selected by the selection path '" + path + "' should be a set but is " +
                      std::string(show_type(v)));
    const Attr* a = v.attrs->find(state.symbols.intern(part));
    if (!a) throw EvalError("attribute '" + part + "' in selection path '" + path + "' not found");
    v = *a->value;
  }
}

// nix-instantiate calls a top-level function with formals with no
// arguments, so `{ x ? 1 }: x` evaluates to 1.
void auto_call(lang::EvalState& state, lang::Value& v) {
  using namespace lang;
  state.force(v, {});
  if (v.type != Type::Lambda || !v.lambda.fun->formals) return;
  for (const Formal& f : v.lambda.fun->formals->formals)
    if (!f.def)
      throw EvalError("cannot evaluate a function that has an argument without a value ('" +
                          std::string(state.symbols[f.name]) + "')",
                      f.pos);
  Value* empty = state.alloc_value();
  empty->mk_attrs(state.alloc_bindings(0));
  Value fun = v;
  state.call_function(fun, *empty, v, {});
}

// `--host NAME [OPTION.PATH]`: evaluates the host's configuration and
// prints one option's value, or with --closure the closure description.
int run_host(const EvalOptions& opts) {
  using namespace lang;
  EvalSettings settings;
  settings.allow_environment = false;  // hermetic: no getEnv, no NIX_PATH
  settings.home = "/homeless-shelter";
  EvalState state(settings);
  std::string root = repo_root_or_report();
  if (root.empty()) return 1;
  try {
    // pkgs.<name> is checked against the index cairn.lock pins, when the
    // store holds it (`cairn lock` fetches it).
    LockedUniverse universe(state, root, opts.store);
    eval::EvaluatedHost host =
        eval::evaluate_host(state, {root, opts.host, eval::default_stdlib_dir(), &universe});
    Value v = *host.config;
    if (opts.closure) {
      eval::check_assertions(state, v);
      select_attr_path(state, v, "system.closure");
    } else if (!opts.file.empty()) {
      select_attr_path(state, v, opts.file);
    }
    std::ostringstream out;
    if (opts.json || opts.closure) {
      state.force_deep(v);
      print_json(state, v, out);
    } else {
      print_value(state, v, out, true);
    }
    out << '\n';
    for (const std::string& w : eval::host_warnings(state, *host.config)) std::cerr << "warning: " << w << '\n';
    std::cout << out.str() << std::flush;
    return 0;
  } catch (const EvalError& e) {
    std::cerr << format_error(e, state.positions) << std::endl;
    return 1;
  }
}

int run_eval(const EvalOptions& opts) {
  using namespace lang;
  if (!opts.host.empty()) return run_host(opts);
  EvalSettings settings;
  const char* home = std::getenv("HOME");
  settings.home = home ? home : "/";
  settings.search_path = opts.include;
  if (const char* np = std::getenv("NIX_PATH"))
    for (auto& e : split(np, ':')) settings.search_path.push_back(e);
  EvalState state(settings);
  try {
    Value v;
    std::string cwd = current_dir();
    if (!opts.expr.empty()) {
      state.eval(state.parse_string(opts.expr, cwd), v);
    } else {
      std::string path = opts.file[0] == '/' ? opts.file : cwd + "/" + opts.file;
      state.eval_file(path, v);
    }
    auto_call(state, v);
    if (!opts.attr_path.empty()) {
      select_attr_path(state, v, opts.attr_path);
      auto_call(state, v);
    }
    std::ostringstream out;
    if (opts.json) {
      if (opts.strict) state.force_deep(v);
      print_json(state, v, out);
    } else {
      print_value(state, v, out, opts.strict);
    }
    out << '\n';
    std::cout << out.str() << std::flush;
    return 0;
  } catch (const EvalError& e) {
    std::cerr << format_error(e, state.positions) << std::endl;
    return 1;
  }
}

}  // namespace

void register_eval(CLI::App& app, VerbResult& run) {
  auto opts = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a Nix file or expression and print the result");
  cmd->add_flag("--strict", opts->strict, "Evaluate the result fully, not just to its outermost constructor");
  cmd->add_flag("--json", opts->json, "Print the result as JSON");
  cmd->add_option("-I,--include", opts->include, "Add a path to the search path for <...> lookups")
      ->type_name("PATH");
  auto* file = cmd->add_option("file", opts->file, "The Nix file to evaluate")->type_name("FILE");
  auto* expr = cmd->add_option("-E,--expr", opts->expr, "Evaluate EXPR instead of a file")->type_name("EXPR");
  file->excludes(expr);
  cmd->add_option("-A,--attr", opts->attr_path, "Select an attribute path of the result")
      ->type_name("ATTRPATH");
  auto* host = cmd->add_option("--host", opts->host,
                               "Evaluate hosts/NAME of the configuration repository; FILE is then an option path")
                   ->type_name("NAME");
  cmd->add_flag("--closure", opts->closure, "With --host: print the closure description as canonical JSON")
      ->needs(host);
  host->excludes(expr);
  cmd->add_option("--store", opts->store, "With --host: the package store holding the locked index")
      ->type_name("DIR");
  cmd->callback([opts, &run, cmd] {
    if (opts->file.empty() && opts->expr.empty() && opts->host.empty())
      throw CLI::ValidationError("cairn eval", "give a FILE to evaluate or --expr EXPR");
    (void)cmd;
    run = [opts] { return run_eval(*opts); };
  });
}

}  // namespace cairn::cli
