// What `cairn build` shares with the verbs that need a built system first
// (`cairn image`, `cairn vm`): building a host's current generation.
#pragma once

#include <string>

#include "base/error.hh"
#include "builder/generations/manifest.hh"
#include "builder/generations/profile.hh"

namespace cairn::cli {

struct BuildOptions {
  std::string host;
  std::string store;
  std::string out_link = "result";
  bool no_out_link = false;
  bool timings = false;
  bool explain_scripts = false;
  /// A generation directory (manifest.json) whose user and group ids the
  /// new generation keeps — on a machine rebuilding itself, the running
  /// generation's, since its files on the state partition carry them. ""
  /// (or no such manifest): the profile's current generation's.
  std::string previous_system;
  /// The lowest number the new generation may have (0: any). A machine
  /// rebuilding itself asks for one past the newest generation it has
  /// installed, so that the image's own number (os-release's
  /// IMAGE_VERSION, the manifest) is the one it is installed and booted as.
  uint64_t first_number = 0;
};

struct BuiltSystem {
  generations::Generation generation;  ///< the host's current generation, now
  generations::Manifest manifest;
  bool rebuilt = false;                 ///< false: the current one was up to date
};

/// Builds the host's next generation unless the current one was built from
/// the same inputs (then returns that). Prints warnings and, with
/// `timings`, the passes' times; makes no ./result link.
[[nodiscard]] Result<BuiltSystem> build_host(const BuildOptions& opts);

/// Prints a build_host error the way cairn reports errors.
void report_build_error(const Error& e);

}  // namespace cairn::cli
