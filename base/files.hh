// Whole-file reads and atomic writes.
//
// Every write cairn makes goes to a temporary file beside the target, is
// fsync'd, renamed over the target and the directory fsync'd, so a crash
// leaves either the old file or the new one, never half of either.
#pragma once

#include <string>
#include <string_view>

#include "base/error.hh"

namespace cairn {

/// Reads the whole file at `path`. Errors name the path and errno's text.
[[nodiscard]] Result<std::string> read_file(const std::string& path);

/// The working directory, or "/" when it cannot be read.
std::string current_dir();

/// Replaces `path` with `contents` atomically (temporary file, fsync, rename,
/// fsync of the directory). On error the target is unchanged and the
/// temporary file is removed.
[[nodiscard]] Result<void> write_file_atomic(const std::string& path,
                                             std::string_view contents);

}  // namespace cairn
