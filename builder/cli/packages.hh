// What `cairn lock`, `cairn why` and host evaluation share: a host's
// package settings read from its closure, the repository settings for it
// (cairn.nix, else the machine's apt sources), the store, and the index
// pinned by cairn.lock.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hh"
#include "builder/debian/lock_file.hh"
#include "builder/debian/repository.hh"
#include "builder/debian/store.hh"
#include "builder/eval/host.hh"
#include "builder/lang/eval.hh"

namespace cairn::cli {

/// A host's package request as its closure states it.
struct HostRequest {
  debian::HostPackageConfig config;
  std::vector<std::string> components;
};

/// config.system.closure, forced to its outermost constructor. Throws
/// lang::EvalError.
lang::Value& closure_value(lang::EvalState& state, lang::Value& config);

/// Reads config.system.closure.packages (and the architecture). Throws
/// lang::EvalError.
HostRequest host_request(lang::EvalState& state, lang::Value& config);

/// The repository for `request`: mirror and keyrings from cairn.nix if it
/// sets them, else from the build machine's apt sources.
Result<debian::RepositorySettings> repository_settings(lang::EvalState& state, const std::string& repo_root,
                                                       const HostRequest& request);

/// A locked package the store should hold, and where to fetch it.
struct WantedPackage {
  debian::ResolvedPackage package;
  std::string url;
};

struct EnsureStats {
  size_t fetched = 0;          ///< .debs downloaded
  uint64_t bytes = 0;          ///< bytes received
  size_t unpacked = 0;         ///< packages unpacked
};

/// Makes the store hold every package of `wanted`: downloads the missing
/// .debs in parallel (checked against the locked size and sha256; a
/// progress bar on a terminal) and, unless `unpack` is false, unpacks each
/// missing tree once. Every failure is reported in the one error.
[[nodiscard]] Result<EnsureStats> ensure_packages(const debian::Store& store,
                                                  const std::vector<WantedPackage>& wanted, bool unpack = true);

/// The lock file's path in a repository.
inline std::string lock_path(const std::string& repo_root) { return repo_root + "/cairn.lock"; }

/// `pkgs` checking against the index cairn.lock pins, when the store has
/// it; every name is accepted where there is no such index.
class LockedUniverse : public eval::PackageUniverse {
 public:
  LockedUniverse(lang::EvalState& state, std::string repo_root, std::string store_option);
  bool has_index(const std::string& suite, const std::string& arch) override;
  bool contains(const std::string& suite, const std::string& arch, std::string_view name) override;
  std::vector<std::string> close_names(const std::string& suite, const std::string& arch,
                                       std::string_view name) override;

 private:
  debian::Universe* universe(const std::string& suite, const std::string& arch);
  lang::EvalState& state_;
  std::string root_;
  std::string store_option_;
  std::optional<debian::LockFile> lock_;
  bool lock_read_ = false;
  std::map<std::string, std::unique_ptr<debian::Universe>> loaded_;  ///< by suite/arch; null: none
};

}  // namespace cairn::cli
