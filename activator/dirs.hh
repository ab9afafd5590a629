// Directories the activator makes on the state partition and in the new root.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/error.hh"

namespace cairn::activator {

/// Creates `path` (and its parents) unless it exists; a directory made here
/// gets exactly `mode` (mkdir's mode is cut by the umask). An existing
/// non-directory at `path` is an error naming it.
[[nodiscard]] Result<void> make_dir(const std::string& path, mode_t mode = 0755);

}  // namespace cairn::activator
