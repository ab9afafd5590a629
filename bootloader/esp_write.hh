// Durable changes to the boot partition (DESIGN.md §6): every file appears
// whole or not at all, and a change is on the disk before the call returns.
//
// New contents go to a temporary file beside the target ("<name>.tmp.XXXXXX",
// which no boot loader reads: systemd-boot only reads names ending in
// ".conf"), are fsync'd, renamed over the target, and the directory is
// fsync'd so the rename itself is stored. Renames of entries (boot counting)
// and removals fsync the directory too. base/files.hh's write_file_atomic
// does this for small in-memory contents; this file adds streamed copies,
// renames and removals for the boot partition.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"

namespace cairn::bootloader {

/// fsyncs the directory `dir`, so that renames and removals in it persist.
[[nodiscard]] Result<void> fsync_dir(const std::string& dir);

/// Renames `dir`/`from` to `dir`/`to`, never replacing an existing `to`
/// (renameat2 RENAME_NOREPLACE, or a check where the file system lacks it),
/// then fsyncs `dir`. Errors name both names.
[[nodiscard]] Result<void> rename_durably(const std::string& dir, std::string_view from, std::string_view to);

/// Removes `names` from `dir` (a missing one is fine), then fsyncs `dir` once.
[[nodiscard]] Result<void> remove_durably(const std::string& dir, const std::vector<std::string>& names);

/// Copies the file `source` to `target` through a temporary file in the
/// target's directory: write, fsync, rename over `target`, fsync the
/// directory. On error `target` is unchanged and the temporary file removed.
[[nodiscard]] Result<void> copy_file_durably(const std::string& source, const std::string& target);

/// Creates `root`/`relative` and any missing parents below `root` (which must
/// exist), fsyncing each parent that gained a directory.
[[nodiscard]] Result<void> make_dirs(const std::string& root, std::string_view relative);

}  // namespace cairn::bootloader
