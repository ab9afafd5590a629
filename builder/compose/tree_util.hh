// Small helpers RootTree's two source files share: tree paths and an owned
// file descriptor. Internal to builder/compose/tree*.cc.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "base/fd.hh"
#include "builder/compose/tree.hh"

namespace cairn::compose::tree_detail {


inline std::string errno_text() { return std::strerror(errno); }

// "/usr/bin/" → "usr/bin": the tree form of a path a caller passed.
inline std::string_view clean(std::string_view path) {
  while (path.starts_with('/')) path.remove_prefix(1);
  while (path.ends_with('/')) path.remove_suffix(1);
  return path;
}

// "usr/bin/su" → "usr/bin"; "etc" → ""; "" → "".
inline std::string_view parent_of(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

inline std::string join(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  std::string out;
  out.reserve(dir.size() + 1 + name.size());
  out.append(dir).append("/").append(name);
  return out;
}

inline Node directory(uint32_t mode = 0755, std::string package = {}) {
  return Node{.type = EntryType::dir, .mode = mode, .package = std::move(package)};
}

using TreeItem = std::pair<const std::string, Node>;

}  // namespace cairn::compose::tree_detail
