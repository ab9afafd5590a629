// RootTree's staging half: writing the model into a directory the tools
// and mksquashfs read (materialize), and taking the tools' output back into
// the model (adopt). See tree.cc's opening comment for why materialize is
// one pass of fd-relative calls and hard links.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "base/files.hh"
#include "builder/compose/tree.hh"
#include "builder/compose/tree_util.hh"

namespace cairn::compose {

namespace {

namespace fs = std::filesystem;
using namespace tree_detail;

// Removes a directory tree on scope exit unless released: a half-written
// staging directory.
class RemoveOnError {
 public:
  explicit RemoveOnError(std::string path) : path_(std::move(path)) {}
  RemoveOnError(const RemoveOnError&) = delete;
  RemoveOnError& operator=(const RemoveOnError&) = delete;
  ~RemoveOnError() {
    if (path_.empty()) return;
    std::error_code ec;  // best effort: every staged directory is owner-writable
    fs::remove_all(path_, ec);
  }
  void release() { path_.clear(); }

 private:
  std::string path_;
};

// Copies the file `source` to `path` under `dirfd` (a new file, `mode`).
Result<void> copy_file(const std::string& source, int dirfd, const std::string& path,
                       uint32_t mode) {
  Fd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return fail(fmt::format("cannot open {}: {}", source, errno_text()));
  Fd out(::openat(dirfd, path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600));
  if (out.get() < 0) return fail(fmt::format("cannot create {}: {}", path, errno_text()));
  bool plain = false;  // copy_file_range refused: read and write
  for (;;) {
    ssize_t n;
    if (!plain) {
      n = ::copy_file_range(in.get(), nullptr, out.get(), nullptr, 1 << 30, 0);
      if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                    errno == EOPNOTSUPP)) {
        plain = true;
        continue;
      }
    } else {
      char buf[64 * 1024];
      n = ::read(in.get(), buf, sizeof buf);
      for (ssize_t done = 0; n > 0 && done < n;) {
        ssize_t w = ::write(out.get(), buf + done, static_cast<size_t>(n - done));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return fail(fmt::format("cannot write {}: {}", path, errno_text()));
        done += w;
      }
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(fmt::format("cannot copy {} to {}: {}", source, path, errno_text()));
    if (n == 0) break;
  }
  if (::fchmod(out.get(), mode) != 0)
    return fail(fmt::format("cannot chmod {}: {}", path, errno_text()));
  return {};
}

// Writes `text` to the new file `path` under `dirfd`.
Result<void> write_new(int dirfd, const std::string& path, std::string_view text, uint32_t mode) {
  Fd out(::openat(dirfd, path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0600));
  if (out.get() < 0) return fail(fmt::format("cannot create {}: {}", path, errno_text()));
  for (size_t done = 0; done < text.size();) {
    ssize_t n = ::write(out.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(fmt::format("cannot write {}: {}", path, errno_text()));
    done += static_cast<size_t>(n);
  }
  if (::fchmod(out.get(), mode) != 0)
    return fail(fmt::format("cannot chmod {}: {}", path, errno_text()));
  return {};
}

// The process's umask, read without changing it (umask(2) would race with
// other threads); 0777 when /proc cannot tell, so that modes are always
// set explicitly.
mode_t current_umask() {
  auto status = read_file("/proc/self/status");
  if (!status) return 0777;
  size_t at = status->find("\nUmask:");
  if (at == std::string::npos) return 0777;
  mode_t mask = 0;
  std::string_view rest = std::string_view(*status).substr(at + 7);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), mask, 8);
  return ec == std::errc() ? mask : 0777;
}

}  // namespace

// ---- the staging directory ----------------------------------------------------

Result<void> RootTree::materialize(const std::string& staging) const {
  auto where = [&](std::string_view what) {
    return fmt::format("materializing the root tree in {}: {}", staging, what);
  };
  if (::mkdir(staging.c_str(), 0700) != 0) {
    if (errno != EEXIST) return fail(where(fmt::format("cannot create it: {}", errno_text())));
    std::error_code ec;
    if (!fs::is_directory(staging, ec) || !fs::is_empty(staging, ec) || ec)
      return fail(where("the directory is not empty (or not a directory); remove it first"));
  }
  RemoveOnError guard(staging);
  Fd root(::open(staging.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) return fail(where(fmt::format("cannot open it: {}", errno_text())));
  const int dirfd = root.get();
  const mode_t mask = current_umask();

  if (const Node* top = find(""); top && top->type == EntryType::dir)
    if (::fchmod(dirfd, (top->mode & 0755) | 0700) != 0)
      return fail(where(fmt::format("cannot chmod it: {}", errno_text())));
  auto make_dir = [&](const TreeItem& item) -> Result<void> {
    const auto& [path, n] = item;
    mode_t mode = (n.mode & 0755) | 0700;
    if (::mkdirat(dirfd, path.c_str(), mode) != 0 ||
        ((mode & mask) != 0 && ::fchmodat(dirfd, path.c_str(), mode, 0) != 0))
      return fail(where(fmt::format("cannot create directory {}: {}", path, errno_text())));
    return {};
  };
  bool linkable = true;  // false once link(2) said the store is elsewhere
  auto make_leaf = [&](const TreeItem& item) -> Result<void> {
    const auto& [path, n] = item;
    if (n.type == EntryType::symlink) {
      if (::symlinkat(n.target.c_str(), dirfd, path.c_str()) != 0)
        return fail(where(fmt::format("cannot create symlink {}: {}", path, errno_text())));
      return {};
    }
    uint32_t mode = (n.mode & 0755) | 0600;
    if (n.source.empty()) {
      if (auto ok = write_new(dirfd, path, n.text, mode); !ok)
        return std::unexpected(ok.error().context(where("writing a generated file")));
      return {};
    }
    if (linkable) {
      if (::linkat(AT_FDCWD, n.source.c_str(), dirfd, path.c_str(), 0) == 0) return {};
      if (errno != EXDEV && errno != EPERM && errno != EMLINK)
        return fail(where(fmt::format(
            "cannot link {} to {}: {}; if the store entry of {} is damaged, unpack it again",
            n.source, path, errno_text(), n.package)));
      if (errno == EXDEV) linkable = false;
    }
    if (auto ok = copy_file(n.source, dirfd, path, mode); !ok)
      return std::unexpected(ok.error().context(where(fmt::format("copying {}", path))));
    return {};
  };
  // One pass in path order (a parent sorts before what it holds); the
  // tree's hard links last, as their first path may sort after them.
  std::vector<const TreeItem*> hardlinks;
  for (const TreeItem& item : nodes_) {
    Result<void> ok;
    switch (item.second.type) {
      case EntryType::dir:
        if (!item.first.empty()) ok = make_dir(item);
        break;
      case EntryType::file:
      case EntryType::symlink:
        ok = make_leaf(item);
        break;
      case EntryType::hardlink:
        hardlinks.push_back(&item);
        break;
      case EntryType::char_device:
      case EntryType::block_device:
      case EntryType::fifo:
        break;  // the squashfs pseudo file makes them
    }
    if (!ok) return ok;
  }
  for (const TreeItem* item : hardlinks) {
    const auto& [path, n] = *item;
    const Node* first = find(n.target);
    if (!first || first->type != EntryType::file)
      return fail(where(fmt::format("{} is a hard link to {}, which is not a regular file of the "
                                    "tree",
                                    path, n.target)));
    if (::linkat(dirfd, n.target.c_str(), dirfd, path.c_str(), 0) != 0)
      return fail(where(fmt::format("cannot link {} to {}: {}", n.target, path, errno_text())));
  }
  guard.release();
  return {};
}

Result<void> RootTree::adopt(const std::string& staging, std::string_view dir) {
  dir = clean(dir);
  std::string base = dir.empty() ? staging : staging + "/" + std::string(dir);
  auto where = [&](std::string_view what) {
    return fmt::format("adopting {} from {}: {}", dir.empty() ? "/" : dir, staging, what);
  };
  // Adds one path found on disk; `st` is its lstat.
  auto add = [&](const std::string& path, const std::string& disk,
                 const struct stat& st) -> Result<void> {
    if (nodes_.contains(path)) return {};
    Node n{.mode = static_cast<uint32_t>(st.st_mode & 07777)};
    if (S_ISREG(st.st_mode)) {
      n.type = EntryType::file;
      n.source = disk;
      n.size = static_cast<uint64_t>(st.st_size);
    } else if (S_ISDIR(st.st_mode)) {
      n.type = EntryType::dir;
    } else if (S_ISLNK(st.st_mode)) {
      n.type = EntryType::symlink;
      std::error_code ec;
      n.target = fs::read_symlink(disk, ec).string();
      if (ec) return fail(where(fmt::format("cannot read symlink {}: {}", disk, ec.message())));
    } else if (S_ISFIFO(st.st_mode)) {
      n.type = EntryType::fifo;
    } else {
      return fail(where(fmt::format("{} is a socket or device, which cannot be adopted; remove it "
                                    "from the staging directory",
                                    disk)));
    }
    if (!path.empty()) {
      auto parent = nodes_.find(parent_of(path));
      if (parent == nodes_.end()) {
        make_parents(path, {});
      } else if (parent->second.type != EntryType::dir) {
        return fail(where(fmt::format("{} is below {}, which the tree has as a {}", path,
                                      parent->first, debian::to_string(parent->second.type))));
      }
    }
    nodes_.emplace(path, std::move(n));
    return {};
  };
  struct stat st{};
  if (::lstat(base.c_str(), &st) != 0)
    return fail(where(fmt::format("cannot read {}: {}", base, errno_text())));
  if (auto ok = add(std::string(dir), base, st); !ok) return ok;
  if (!S_ISDIR(st.st_mode)) return {};
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(base, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    std::string disk = it->path().string();
    if (::lstat(disk.c_str(), &st) != 0)
      return fail(where(fmt::format("cannot read {}: {}", disk, errno_text())));
    std::string rel = disk.substr(base.size() + 1);
    if (auto ok = add(join(dir, rel), disk, st); !ok) return ok;
  }
  if (ec) return fail(where(fmt::format("cannot walk {}: {}", base, ec.message())));
  return {};
}

}  // namespace cairn::compose
