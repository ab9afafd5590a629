// A staged tree as the disk image reads it: every entry with its lstat,
// walked in byte order so that nothing made from it depends on readdir
// order (which differs between file systems), and how problems found in a
// tree are joined into one error. Internal to images/disk*.
#pragma once

#include <string>
#include <string_view>
#include <sys/stat.h>
#include <vector>

#include "base/error.hh"

namespace cairn::images::detail {

/// One entry of a staged tree.
struct TreeEntry {
  std::string path;  ///< relative; "" is the root
  struct stat st;
};

/// Every entry of the tree at `root`, the root ("") first; each directory
/// sorted by bytes, a directory before what it holds. Symlinks are not
/// followed.
[[nodiscard]] Result<std::vector<TreeEntry>> walk_tree(const std::string& root);

/// The last component of the relative `path`: "EFI/BOOT" → "BOOT".
std::string_view base_name(std::string_view path);

/// All but the last component of the relative `path`: "EFI/BOOT" → "EFI";
/// "EFI" → "".
std::string_view parent_path(std::string_view path);

/// Joins problems found in a tree into one error: "<what>: p1; p2; …",
/// naming the first few and counting the rest. Success when there are none.
[[nodiscard]] Result<void> report(std::string_view what, std::vector<std::string> problems);

}  // namespace cairn::images::detail
