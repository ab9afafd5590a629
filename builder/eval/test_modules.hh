// Helpers for the module system's tests: evaluate a list of modules given
// as Nix source and print one config value (or the error), and a temporary
// directory for modules that must be files (imports, disabledModules).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "base/temp_dir_test.hh"
#include "builder/eval/lib_loader.hh"
#include "builder/eval/modules.hh"
#include "builder/lang/print.hh"

namespace cairn::eval::testing {

/// A fresh directory under $TMPDIR (cairn-modules-XXXXXX), removed with
/// everything in it.
class TempDir : public cairn::TempDir {
 public:
  TempDir() : cairn::TempDir("modules") {}
  /// Writes `text` to `name` (relative; parent directories are made).
  std::string write(const std::string& name, const std::string& text) const {
    std::filesystem::path p = std::filesystem::path(path()) / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
};

struct EvalConfigOptions {
  /// Inline module i is parsed as the file `<dir>/m<i>.nix` (it need not
  /// exist); relative paths in it resolve against `dir`.
  std::string dir = "/t";
  /// On error, return the whole format_error rendering (positions, trace)
  /// instead of "error: " + the message.
  bool format = false;
};

/// Evaluates the modules with `lib`, `pkgs` (bash and hello, as package
/// values) and `host` as arguments and calls `body` with the state and the
/// config; returns what `body` returns or the error.
inline std::string with_config(const std::vector<std::string>& modules,
                               const std::function<std::string(lang::EvalState&, lang::Value&)>& body,
                               const EvalConfigOptions& opts = {}) {
  lang::EvalState state;
  try {
    EvalModulesArgs args;
    lang::Value* pkgs = state.alloc_value();
    state.eval(state.parse_string(R"({
      bash = { type = "package"; name = "bash"; pname = "bash"; arch = "amd64"; outPath = "/usr"; };
      hello = { type = "package"; name = "hello"; pname = "hello"; arch = "amd64"; outPath = "/usr"; };
    })",
                                  "/", "«pkgs»"),
               *pkgs);
    lang::Value* host = state.alloc_value();
    state.eval(state.parse_string(R"({ name = "test"; })", "/", "«host»"), *host);
    args.args = {{"lib", load_lib(state)}, {"pkgs", pkgs}, {"host", host}};
    for (size_t i = 0; i < modules.size(); ++i) {
      lang::Value* m = state.alloc_value();
      state.eval(state.parse_string(modules[i], opts.dir, opts.dir + "/m" + std::to_string(i) + ".nix"), *m);
      args.modules.push_back(m);
    }
    lang::Value config = *eval_modules(state, std::move(args)).config;
    return body(state, config);
  } catch (const lang::EvalError& e) {
    if (opts.format) return lang::format_error(e, state.positions);
    return "error: " + e.message;
  }
}

/// Prints config.<path> (dot-separated; "" = all of config) strictly, or
/// returns "error: " + the message of the error evaluation threw.
inline std::string eval_config(const std::vector<std::string>& modules, const std::string& path,
                               const EvalConfigOptions& opts = {}) {
  return with_config(
      modules,
      [&](lang::EvalState& state, lang::Value& config) -> std::string {
        lang::Value v = config;
        std::string rest = path;
        while (!rest.empty()) {
          auto dot = rest.find('.');
          std::string part = rest.substr(0, dot);
          rest = dot == std::string::npos ? "" : rest.substr(dot + 1);
          state.force_attrs(v, {});
          const lang::Attr* a = v.attrs->find(state.symbols.intern(part));
          if (!a) return "no attribute " + part;
          v = *a->value;
        }
        std::ostringstream out;
        lang::print_value(state, v, out, true);
        return out.str();
      },
      opts);
}

}  // namespace cairn::eval::testing
