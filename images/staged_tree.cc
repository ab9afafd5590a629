// Walking a staged tree for the disk image. See staged_tree.hh.
#include "images/staged_tree.hh"

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

#include "base/fd.hh"
#include "images/disk_internal.hh"

namespace cairn::images::detail {

namespace {

/// How many problems one error names, how much of a tool's stderr it quotes.
constexpr size_t kMaxProblems = 10;

/// Appends what directory `dir_fd` (the tree's `rel`) holds, each directory
/// sorted by bytes, a directory before what it holds.
Result<void> walk_dir(int dir_fd, const std::string& root, const std::string& rel,
                      std::vector<TreeEntry>& out) {
  auto where = [&] { return rel.empty() ? root : root + "/" + rel; };
  int list_fd = ::dup(dir_fd);
  DIR* dir = list_fd < 0 ? nullptr : ::fdopendir(list_fd);
  if (dir == nullptr) {
    if (list_fd >= 0) ::close(list_fd);
    return fail(errno_text("cannot read", where()));
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* d = ::readdir(dir)) {
    std::string_view name = d->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
    errno = 0;
  }
  int read_errno = errno;
  ::closedir(dir);
  if (read_errno != 0) {
    errno = read_errno;
    return fail(errno_text("cannot read", where()));
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    TreeEntry e{rel.empty() ? name : rel + "/" + name, {}};
    if (::fstatat(dir_fd, name.c_str(), &e.st, AT_SYMLINK_NOFOLLOW) != 0)
      return fail(errno_text("cannot stat", root + "/" + e.path));
    bool is_dir = S_ISDIR(e.st.st_mode);
    out.push_back(std::move(e));
    if (!is_dir) continue;
    const std::string& sub = out.back().path;
    Fd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) return fail(errno_text("cannot open", root + "/" + sub));
    if (auto ok = walk_dir(fd.get(), root, std::string(sub), out); !ok) return ok;
  }
  return {};
}

}  // namespace

/// Every entry of the tree at `root`, the root ("") first.
Result<std::vector<TreeEntry>> walk_tree(const std::string& root) {
  Fd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return fail(errno_text("cannot open", root));
  std::vector<TreeEntry> out(1);
  if (::fstat(fd.get(), &out[0].st) != 0) return fail(errno_text("cannot stat", root));
  if (auto ok = walk_dir(fd.get(), root, "", out); !ok) return std::unexpected(ok.error());
  return out;
}

std::string_view base_name(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view parent_path(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

/// Joins problems found in a tree into one error.
Result<void> report(std::string_view what, std::vector<std::string> problems) {
  if (problems.empty()) return {};
  std::string message(what);
  for (size_t i = 0; i < problems.size() && i < kMaxProblems; ++i)
    message += (i ? "; " : ": ") + problems[i];
  if (problems.size() > kMaxProblems)
    message += fmt::format(" (and {} more)", problems.size() - kMaxProblems);
  return fail(message);
}

}  // namespace cairn::images::detail
