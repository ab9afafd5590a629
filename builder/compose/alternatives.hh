// The alternatives pass: /etc/alternatives from the packages'
// `update-alternatives --install` lines (scripts.hh), without running
// update-alternatives.
//
// For each alternative name the candidates are the --install lines whose
// PATH exists in the tree (following symlinks, as update-alternatives'
// stat does: a candidate whose package is absent does not count). The
// configured choice (alternatives.<name> in the configuration) wins when
// it is one of them — one that is not is an error listing the candidates;
// otherwise the highest priority wins, and among equal priorities the
// lexically smallest path, so the result never depends on package order.
//
// What update-alternatives would leave is made in the tree:
//   etc/alternatives/NAME  → PATH                  (as the script wrote it)
//   LINK                   → /etc/alternatives/NAME (LINK moved to merged /usr)
// and the same for each slave of the chosen candidate whose path exists; a
// slave whose path is missing gets neither link, as update-alternatives
// does. A LINK the packages already have as a file or directory is left
// alone (update-alternatives will not replace a real file) and reported.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/error.hh"
#include "builder/compose/scripts.hh"
#include "builder/compose/tree.hh"

namespace cairn::compose {

/// What was chosen for one alternative name, for the manifest and --explain.
struct AlternativeChoice {
  std::string name{};
  std::string link{};     ///< as the script wrote it ("/usr/bin/awk")
  std::string path{};     ///< the chosen PATH ("/usr/bin/mawk")
  int64_t priority = 0;
  std::string package{};  ///< whose --install line it is
  bool configured = false;  ///< picked by the configuration, not by priority
  /// Every candidate whose path exists, "PATH (priority N, package P)", best first.
  std::vector<std::string> candidates{};
  std::vector<Alternative::Slave> slaves{};  ///< the slaves linked (path present)
  bool operator==(const AlternativeChoice&) const = default;
};

struct AlternativesResult {
  std::vector<AlternativeChoice> chosen{};  ///< by name
  /// Non-fatal findings in "…, ignoring" form: a link left alone because
  /// a package ships a real file there, a name without an existing candidate.
  std::vector<std::string> warnings{};
};

/// Chooses and links every alternative of `alternatives` (all packages'
/// --install lines) in `tree`. `choices` maps names to the configured path
/// ("pager" → "/usr/bin/less"); a choice for a name no package installs,
/// or for a path that is not a present candidate, is an error that names
/// the candidates and the option to change.
[[nodiscard]] Result<AlternativesResult> apply_alternatives(RootTree& tree,
                                                            const std::vector<Alternative>& alternatives,
                                                            const std::map<std::string, std::string>& choices);

}  // namespace cairn::compose
