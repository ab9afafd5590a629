// cairn.nix: the configuration repository's own settings (DESIGN.md §4).
//
//   { mirror = "http://…/debian";           # default: the build machine's apt sources
//     keyrings = [ ./keys/archive.gpg ];     # default: debian-archive-keyring
//   }
//
// The file is optional; every setting has a default.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "builder/lang/eval.hh"

namespace cairn::cli {

struct RepoConfig {
  std::optional<std::string> mirror;  ///< overrides the apt sources' URI
  std::vector<std::string> keyrings;  ///< empty: the Debian archive keyring
};

/// Reads `<repo_root>/cairn.nix` if it exists. Throws lang::EvalError with
/// the position of a bad setting.
RepoConfig read_repo_config(lang::EvalState& state, const std::string& repo_root);

}  // namespace cairn::cli
