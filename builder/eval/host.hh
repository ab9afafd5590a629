// Evaluating a host: hosts/<name>/default.nix plus the standard module
// library, with `lib`, `pkgs` and `host` as module arguments, then the
// assertions. This is what `cairn eval --host` and every later stage start
// from.
#pragma once

#include <string>
#include <vector>

#include "builder/eval/modules.hh"

namespace cairn::eval {

/// The package names a host may use: the locked index of its suite and
/// architecture. Without one, `pkgs` accepts any name (a stand-in).
class PackageUniverse {
 public:
  virtual ~PackageUniverse() = default;
  /// Whether (suite, arch) has an index; if not, any name is accepted.
  virtual bool has_index(const std::string& suite, const std::string& arch) = 0;
  virtual bool contains(const std::string& suite, const std::string& arch, std::string_view name) = 0;
  /// Up to a few names close to `name`, closest first.
  virtual std::vector<std::string> close_names(const std::string& suite, const std::string& arch,
                                               std::string_view name) = 0;
};

struct HostOptions {
  std::string repo_root;   ///< the configuration repository (holds hosts/)
  std::string host;        ///< name of a directory under hosts/; "" = the library alone
  std::string stdlib_dir;  ///< the standard module library (holds module-list.nix)
  PackageUniverse* packages = nullptr;  ///< checks pkgs.<name>; nullptr: stand-in
};

struct EvaluatedHost {
  lang::Value* config;
  lang::Value* options;
  /// The module arguments (lib, pkgs, host) the modules were called with.
  std::vector<std::pair<std::string, lang::Value*>> args;
};

/// The nearest directory at or above `start` that holds hosts/, or "".
std::string find_repo_root(const std::string& start);

/// The standard library's directory: $CAIRN_STDLIB, else the one cairn was
/// built with when it is there, else <prefix>/share/cairn/modules beside an
/// installed <prefix>/bin/cairn (programs.cairn puts it in images).
std::string default_stdlib_dir();

/// Evaluates the host's module tree. Evaluation is hermetic: the state must
/// have been made with allow_environment = false and no search path.
EvaluatedHost evaluate_host(lang::EvalState& state, const HostOptions& opts);

/// Throws "Failed assertions:\n- …" listing every failed assertion.
void check_assertions(lang::EvalState& state, lang::Value& config);

/// config.system.closure, forced whole, as canonical JSON text: what
/// `cairn eval --closure` prints and the build reads. Throws lang::EvalError.
std::string closure_json(lang::EvalState& state, lang::Value& config);

/// The messages of config.warnings.
std::vector<std::string> host_warnings(lang::EvalState& state, lang::Value& config);

}  // namespace cairn::eval
