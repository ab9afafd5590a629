// The root tree: one sorted map from tree path to Node, filled from the
// packages' metadata files and then edited by the generators.
//
// Merged /usr is a rename of the first component: "/lib/x" lands at
// "usr/lib/x". What makes it subtle is symlinks. A relative target is
// resolved against the link's directory, and that directory moved; so
// every relative target is resolved twice, lexically — where it pointed
// from the package path (before the move) and where it points from the
// tree path — and rewritten as a new relative path only when the two
// differ ("/lib/udev/x → ../../usr/bin/y" becomes "../../bin/y"). Lexical
// resolution is what dpkg itself would see in a package, and the root's
// merged-/usr symlinks are folded in by passing every result through
// merged_path, so "/bin/x" and "usr/bin/x" name the same place. The same
// comparison finds the links merged /usr made pointless: "/bin/foo →
// /usr/bin/foo" now sits at usr/bin/foo and names itself, so it is dropped
// and the real file (from whichever package) takes the path.
//
// Conflicts follow dpkg's shared-file rules: directories merge, the same
// file from two packages is fine when its bytes are the same (Multi-Arch:
// same libraries ship identical docs), and anything else names both
// packages and both original paths, because after merged /usr the two
// paths need not look alike.
//
// materialize() is the hot path: ~14,000 entries for the vm host. It uses
// fd-relative syscalls from one directory fd and hard-links store files, so
// that no byte is copied when the store and the staging directory share a
// file system. It is one pass in path order — a parent sorts before what
// it holds — plus the tree's own hard links at the end, because their
// first path may sort after them. Nearly all its time is the kernel's
// (mkdir, link); spreading the calls over threads was measured and gained
// nothing on ext4, so it stays simple and its errors deterministic.
#include "builder/compose/tree.hh"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

#include "base/files.hh"
#include "builder/compose/tree_util.hh"

namespace cairn::compose {

namespace {

namespace fs = std::filesystem;
using namespace tree_detail;

/// The top-level directories merged /usr moves under usr/.
constexpr std::string_view kMovedDirs[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};
/// Linux's limit on symlinks followed in one lookup.
constexpr int kMaxSymlinks = 40;


// ---- paths ------------------------------------------------------------------

// Calls f(component) for each '/'-separated component, empty ones included.
template <class F>
void for_each_component(std::string_view path, F&& f) {
  while (true) {
    size_t slash = path.find('/');
    f(path.substr(0, slash));
    if (slash == std::string_view::npos) return;
    path.remove_prefix(slash + 1);
  }
}

// The tree path a symlink target names when read from tree directory `dir`,
// resolved lexically (no symlink followed; ".." at the root stays there).
std::string lexical(std::string_view dir, std::string_view target) {
  std::vector<std::string_view> parts;
  auto add = [&](std::string_view c) {
    if (c.empty() || c == ".") return;
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();
      return;
    }
    parts.push_back(c);
  };
  if (!target.starts_with('/')) for_each_component(dir, add);
  for_each_component(target, add);
  std::string out;
  for (std::string_view p : parts) {
    if (!out.empty()) out += '/';
    out.append(p);
  }
  return out;
}

// The place a symlink at `link_dir` with `target` names in the merged tree.
std::string place(std::string_view link_dir, std::string_view target) {
  return RootTree::merged_path(lexical(link_dir, target));
}

// The relative path from directory `from` to `to` (both tree paths).
std::string relative_to(std::string_view from, std::string_view to) {
  std::vector<std::string_view> a, b;
  auto into = [](std::vector<std::string_view>& v) {
    return [&v](std::string_view c) {
      if (!c.empty()) v.push_back(c);
    };
  };
  for_each_component(from, into(a));
  for_each_component(to, into(b));
  size_t common = 0;
  while (common < a.size() && common < b.size() && a[common] == b[common]) ++common;
  std::string out;
  for (size_t i = common; i < a.size(); ++i) out += out.empty() ? ".." : "/..";
  for (size_t i = common; i < b.size(); ++i) {
    if (!out.empty()) out += '/';
    out.append(b[i]);
  }
  return out.empty() ? "." : out;
}

// The target a package symlink gets at its tree path `at` so that it names
// what it named at `package_path`. Absolute targets need nothing: the root's
// bin → usr/bin and friends keep "/lib/x" working.
std::string moved_target(std::string_view package_path, std::string_view at,
                         const std::string& target) {
  if (target.starts_with('/')) return target;
  std::string was = place(parent_of(clean(package_path)), target);
  if (place(parent_of(at), target) == was) return target;
  return relative_to(parent_of(at), was);
}

// ---- content ------------------------------------------------------------------

// Whether the files at `a` and `b` hold the same bytes: the same inode, or
// the same size and content.
Result<bool> same_bytes(const std::string& a, const std::string& b) {
  Fd fa(::open(a.c_str(), O_RDONLY | O_CLOEXEC));
  if (fa.get() < 0) return fail(fmt::format("cannot open {}: {}", a, errno_text()));
  Fd fb(::open(b.c_str(), O_RDONLY | O_CLOEXEC));
  if (fb.get() < 0) return fail(fmt::format("cannot open {}: {}", b, errno_text()));
  struct stat sa{}, sb{};
  if (::fstat(fa.get(), &sa) != 0 || ::fstat(fb.get(), &sb) != 0)
    return fail(fmt::format("cannot stat {} or {}: {}", a, b, errno_text()));
  if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino) return true;
  if (sa.st_size != sb.st_size) return false;
  static constexpr size_t kBlock = 64 * 1024;
  std::string ba(kBlock, '\0'), bb(kBlock, '\0');
  // Reads up to kBlock bytes, short only at the end of the file.
  auto fill = [](int fd, std::string& buf) -> ssize_t {
    size_t got = 0;
    while (got < buf.size()) {
      ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return -1;
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(got);
  };
  for (;;) {
    ssize_t na = fill(fa.get(), ba), nb = fill(fb.get(), bb);
    if (na < 0 || nb < 0) return fail(fmt::format("cannot read {} or {}: {}", a, b, errno_text()));
    if (na != nb || std::memcmp(ba.data(), bb.data(), static_cast<size_t>(na)) != 0) return false;
    if (na == 0) return true;
  }
}

// "a (/bin/foo)" for messages; generated entries have no package.
std::string owner_of(const Node& n) {
  if (n.package.empty()) return "cairn's generated configuration";
  return fmt::format("{} ({})", n.package, n.package_path);
}



}  // namespace

// ---- paths and lookups ------------------------------------------------------

std::string RootTree::merged_path(std::string_view package_path) {
  std::string_view p = clean(package_path);
  std::string_view first = p.substr(0, p.find('/'));
  if (std::ranges::find(kMovedDirs, first) != std::end(kMovedDirs))
    return "usr/" + std::string(p);
  return std::string(p);
}

const Node* RootTree::find(std::string_view path) const {
  auto it = nodes_.find(clean(path));
  return it == nodes_.end() ? nullptr : &it->second;
}

std::optional<std::string> RootTree::resolve_path(std::string_view path) const {
  // Components still to walk, the next one last; a symlink's target is
  // pushed in front of the rest, as the kernel does.
  std::vector<std::string> todo;
  auto push = [&](std::string_view p) {
    std::vector<std::string_view> parts;
    for_each_component(p, [&](std::string_view c) {
      if (!c.empty() && c != ".") parts.push_back(c);
    });
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.emplace_back(*it);
  };
  push(clean(path));
  std::string cur;      // resolved so far
  bool cur_dir = true;  // whether `cur` is a directory ("" is)
  int links = 0;
  while (!todo.empty()) {
    std::string c = std::move(todo.back());
    todo.pop_back();
    if (!cur_dir) return std::nullopt;
    if (c == "..") {
      cur = std::string(parent_of(cur));
      continue;
    }
    std::string next = join(cur, c);
    auto it = nodes_.find(next);
    if (it == nodes_.end()) return std::nullopt;
    if (it->second.type == EntryType::symlink) {
      if (++links > kMaxSymlinks) return std::nullopt;
      const std::string& target = it->second.target;
      if (target.starts_with('/')) cur.clear();
      push(target);
      continue;
    }
    cur = std::move(next);
    cur_dir = it->second.type == EntryType::dir;
  }
  if (!nodes_.contains(cur)) return std::nullopt;
  return cur;
}

const Node* RootTree::resolve(std::string_view path) const {
  auto p = resolve_path(path);
  return p ? find(*p) : nullptr;
}

Result<std::string> RootTree::read(std::string_view path) const {
  path = clean(path);
  auto at = resolve_path(path);
  if (!at) {
    if (find(path))
      return fail(fmt::format("reading {}: the symlink dangles or loops within the tree", path));
    return fail(fmt::format("reading {}: no such file in the tree", path));
  }
  const Node* n = find(*at);
  if (n->type == EntryType::hardlink) {
    n = find(n->target);
    if (!n) return fail(fmt::format("reading {}: it is a hard link to a path not in the tree", path));
  }
  if (n->type != EntryType::file)
    return fail(fmt::format("reading {}: not a regular file but a {}", path, debian::to_string(n->type)));
  if (n->source.empty()) return n->text;
  auto bytes = read_file(n->source);
  if (!bytes) return std::unexpected(bytes.error().context(fmt::format("reading {}", path)));
  return bytes;
}

std::vector<std::string> RootTree::list(std::string_view dir) const {
  dir = clean(dir);
  std::vector<std::string> out;
  const Node* d = find(dir);
  if (!d || d->type != EntryType::dir) return out;
  std::string prefix = dir.empty() ? std::string() : std::string(dir) + "/";
  auto it = nodes_.lower_bound(prefix);
  if (it != nodes_.end() && it->first.empty()) ++it;  // the root itself
  while (it != nodes_.end() && it->first.starts_with(prefix)) {
    std::string_view rest = std::string_view(it->first).substr(prefix.size());
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) {
      out.push_back(it->first);
      ++it;
    } else {
      // Inside a child directory: skip all of it ("child/" .. "child0").
      it = nodes_.lower_bound(prefix + std::string(rest.substr(0, slash)) + "0");
    }
  }
  return out;
}

// ---- packages ---------------------------------------------------------------

void RootTree::set_diversions(std::vector<Diversion> diversions) {
  for (Diversion& d : diversions) {
    d.path = merged_path(d.path);
    d.divert_to = merged_path(d.divert_to);
  }
  // Stable, then keep the last of equal paths: a later diversion wins.
  std::ranges::stable_sort(diversions, {}, &Diversion::path);
  diversions_.clear();
  for (Diversion& d : diversions) {
    if (!diversions_.empty() && diversions_.back().path == d.path) diversions_.back() = std::move(d);
    else diversions_.push_back(std::move(d));
  }
}

std::string RootTree::divert(std::string path, std::string_view package) const {
  if (diversions_.empty()) return path;
  auto it = std::ranges::lower_bound(diversions_, path, {}, &Diversion::path);
  if (it == diversions_.end() || it->path != path || it->package == package) return path;
  return it->divert_to;
}

void RootTree::make_parents(std::string_view path, const std::string& package) {
  if (path.empty()) return;
  std::string_view parent = parent_of(path);
  if (nodes_.contains(parent)) return;
  make_parents(parent, package);
  Node d = directory(0755, package);
  if (!package.empty()) d.package_path = "/" + std::string(parent);  // implied by the entry
  nodes_.emplace(std::string(parent), std::move(d));
}

Result<void> RootTree::add_package(const PackageDir& pkg) {
  auto entries = debian::read_metadata(pkg.dir);
  if (!entries)
    return std::unexpected(entries.error().context(
        fmt::format("adding package {} (unpack it again if the store entry is damaged)",
                    pkg.name)));
  std::string root = pkg.dir + "/root";
  for (debian::Entry& e : *entries) {
    std::string path = merged_path(e.path);
    Node node{.type = e.type,
              .mode = e.mode & 07777,
              .uid = e.uid,
              .gid = e.gid,
              .user = std::move(e.user),
              .group = std::move(e.group),
              .dev_major = e.dev_major,
              .dev_minor = e.dev_minor,
              .package = pkg.name,
              .package_path = e.path};
    switch (e.type) {
      case EntryType::file:
        node.source = root + e.path;
        node.size = e.size;
        break;
      case EntryType::symlink:
        node.target = moved_target(e.path, path, e.target);
        // "/bin/foo → /usr/bin/foo" now names itself: a loop, never wanted.
        if (place(parent_of(path), node.target) == path) continue;
        break;
      case EntryType::hardlink:
        node.target = divert(merged_path(e.target), pkg.name);
        break;
      default:
        break;
    }
    if (e.type != EntryType::dir) path = divert(std::move(path), pkg.name);
    std::string disk = e.type == EntryType::file || e.type == EntryType::hardlink
                           ? root + e.path
                           : std::string();
    if (auto ok = add_entry(std::move(path), std::move(node), disk); !ok) return ok;
  }
  return {};
}

Result<void> RootTree::add_entry(std::string path, Node node, const std::string& disk) {
  auto it = nodes_.find(path);
  if (it == nodes_.end()) {
    // The nearest ancestor the tree has must be a directory; missing ones
    // in between (a diversion into a new directory) are made.
    auto p = nodes_.end();
    for (std::string_view a = path; !a.empty() && p == nodes_.end();) {
      a = parent_of(a);
      p = nodes_.find(a);
    }
    if (p != nodes_.end() && p->second.type != EntryType::dir)
      return fail(fmt::format(
          "{} from {} ({}) is below {}, which {} has as a {}; remove one of the two packages "
          "from the host",
          path, node.package, node.package_path, p->first, owner_of(p->second),
          debian::to_string(p->second.type)));
    make_parents(path, node.package);
    if (node.type == EntryType::hardlink) has_hardlinks_ = true;
    nodes_.emplace_hint(it, std::move(path), std::move(node));
    return {};
  }
  const Node& old = it->second;
  if (old.package.empty()) return {};  // generated content overrides packages
  auto conflict = [&](std::string_view how) {
    return fail(fmt::format(
        "{} is shipped by both {} ({}) and {} ({}) {}; remove one of the two packages from "
        "the host",
        path, old.package, old.package_path, node.package, node.package_path, how));
  };
  auto file_like = [](const Node& n) {
    return n.type == EntryType::file || n.type == EntryType::hardlink;
  };
  if (old.type == EntryType::dir && node.type == EntryType::dir) return {};
  if (old.type == EntryType::symlink && node.type == EntryType::symlink) {
    std::string_view dir = parent_of(path);
    if (old.target == node.target || place(dir, old.target) == place(dir, node.target)) return {};
    return conflict(fmt::format("as symlinks to different targets ({} and {})", old.target,
                                node.target));
  }
  if (file_like(old) && file_like(node)) {
    const Node* content = &old;
    if (old.type == EntryType::hardlink) content = find(old.target);
    if (!content || content->type != EntryType::file)
      return conflict("as hard links to different files");
    Result<bool> same = false;
    if (!content->source.empty()) {
      same = same_bytes(content->source, disk);
    } else if (auto bytes = read_file(disk)) {
      same = *bytes == content->text;
    } else {
      same = std::unexpected(bytes.error());
    }
    if (!same)
      return std::unexpected(same.error().context(fmt::format(
          "comparing {} of packages {} and {} (unpack them again if the store is damaged)",
          path, old.package, node.package)));
    if (*same) return {};
    return conflict("with different content");
  }
  return conflict(fmt::format("as different types ({} and {})", debian::to_string(old.type),
                              debian::to_string(node.type)));
}

// ---- generated content ------------------------------------------------------

bool RootTree::erase_subtree(std::string_view path) {
  auto self = nodes_.find(path);
  if (self == nodes_.end()) return false;
  if (path.empty()) {  // the root: everything, hard links included
    nodes_.clear();
    return true;
  }
  // The subtree of "a/b" is [a/b/, a/b0): siblings like "a/b-c" sort
  // between "a/b" and it.
  auto from = nodes_.lower_bound(std::string(path) + "/");
  auto to = nodes_.lower_bound(std::string(path) + "0");
  std::map<std::string, Node, std::less<>> removed_files;
  if (has_hardlinks_) {
    if (self->second.type == EntryType::file) removed_files.emplace(self->first, self->second);
    for (auto i = from; i != to; ++i)
      if (i->second.type == EntryType::file) removed_files.emplace(i->first, i->second);
  }
  nodes_.erase(from, to);
  nodes_.erase(self);
  if (removed_files.empty()) return true;
  // Hard links into what was removed become files: the first one (in path
  // order) takes the content, the others link to it.
  std::map<std::string, std::string, std::less<>> promoted;  // old first path → new one
  for (auto& [p, n] : nodes_) {
    if (n.type != EntryType::hardlink) continue;
    if (auto q = promoted.find(n.target); q != promoted.end()) {
      n.target = q->second;
      continue;
    }
    auto r = removed_files.find(n.target);
    if (r == removed_files.end()) continue;
    promoted.emplace(n.target, p);
    n.type = EntryType::file;
    n.source = r->second.source;
    n.text = r->second.text;
    n.size = r->second.size;
    n.target.clear();
  }
  return true;
}

std::string RootTree::place_for_write(std::string_view path) {
  path = clean(path);
  if (path.empty()) return {};
  if (!nodes_.contains(std::string_view())) nodes_.emplace("", directory());
  std::string cur;  // a directory of the tree
  std::string_view parent = parent_of(path);
  if (!parent.empty()) {
    for_each_component(parent, [&](std::string_view c) {
      if (c.empty() || c == ".") return;
      std::string next = join(cur, c);
      auto it = nodes_.find(next);
      if (it != nodes_.end() && it->second.type == EntryType::dir) {
        cur = std::move(next);
        return;
      }
      if (it != nodes_.end() && it->second.type == EntryType::symlink) {
        if (auto r = resolve_path(next)) {
          if (const Node* n = find(*r); n && n->type == EntryType::dir) {
            cur = std::move(*r);
            return;
          }
        }
      }
      if (it != nodes_.end()) erase_subtree(next);
      nodes_.emplace(next, directory());
      cur = std::move(next);
    });
  }
  std::string_view name = path.substr(parent.empty() ? 0 : parent.size() + 1);
  return join(cur, name);
}

void RootTree::replace(const std::string& path, Node node) {
  auto it = nodes_.find(path);
  if (it != nodes_.end()) {
    if (it->second.type == EntryType::dir && node.type == EntryType::dir) {
      it->second = std::move(node);
      return;
    }
    erase_subtree(path);
  }
  nodes_.emplace(path, std::move(node));
}

void RootTree::set_file(std::string_view path, std::string text, uint32_t mode, uint32_t uid,
                        uint32_t gid) {
  Node n{.type = EntryType::file, .mode = mode & 07777, .uid = uid, .gid = gid};
  n.size = text.size();
  n.text = std::move(text);
  replace(place_for_write(path), std::move(n));
}

void RootTree::set_symlink(std::string_view path, std::string target) {
  replace(place_for_write(path),
          Node{.type = EntryType::symlink, .mode = 0777, .target = std::move(target)});
}

void RootTree::set_dir(std::string_view path, uint32_t mode, uint32_t uid, uint32_t gid) {
  Node n = directory(mode & 07777);
  n.uid = uid;
  n.gid = gid;
  if (clean(path).empty()) {
    replace("", std::move(n));
    return;
  }
  replace(place_for_write(path), std::move(n));
}

bool RootTree::remove(std::string_view path) { return erase_subtree(clean(path)); }

Result<void> RootTree::move(std::string_view from_path, std::string_view to_path) {
  std::string from(clean(from_path)), to(clean(to_path));
  auto self = nodes_.find(from);
  if (from.empty() || self == nodes_.end())
    return fail(fmt::format("moving {}: no such path in the tree", from.empty() ? "/" : from));
  if (nodes_.contains(to) || to == from || to.starts_with(from + "/"))
    return fail(fmt::format("moving {} to {}: the destination {}", from, to,
                            nodes_.contains(to) ? "exists" : "is inside what is moved"));
  for (std::string_view p = parent_of(to); !p.empty(); p = parent_of(p))
    if (const Node* n = find(p); n && n->type != EntryType::dir)
      return fail(fmt::format("moving {} to {}: {} is not a directory", from, to, p));
  auto renamed = [&](std::string_view p) { return to + std::string(p.substr(from.size())); };
  auto inside = [&](std::string_view p) {
    return p == from || (p.size() > from.size() && p.starts_with(from) && p[from.size()] == '/');
  };
  for (auto& [p, n] : nodes_)
    if (n.type == EntryType::hardlink && inside(n.target)) n.target = renamed(n.target);
  // The subtree of "a/b" is [a/b/, a/b0), as in erase_subtree.
  auto first = nodes_.lower_bound(from + "/"), last = nodes_.lower_bound(from + "0");
  std::vector<std::pair<std::string, Node>> moved;
  moved.emplace_back(renamed(self->first), std::move(self->second));
  for (auto i = first; i != last; ++i) moved.emplace_back(renamed(i->first), std::move(i->second));
  nodes_.erase(first, last);
  nodes_.erase(from);
  make_parents(to, {});
  for (auto& [p, n] : moved) nodes_.emplace(std::move(p), std::move(n));
  return {};
}

Result<void> RootTree::set_owner_mode(std::string_view path, uint32_t uid, uint32_t gid,
                                      uint32_t mode) {
  path = clean(path);
  auto it = nodes_.find(path);
  if (it == nodes_.end())
    return fail(fmt::format(
        "setting owner and mode of {}: no such path in the tree; check the path (tree paths "
        "are relative to the root, and /bin, /sbin and /lib* are under usr/)",
        path));
  Node& n = it->second;
  n.uid = uid;
  n.gid = gid;
  n.mode = mode & 07777;
  n.user.clear();
  n.group.clear();
  return {};
}

void RootTree::resolve_owners(const std::map<std::string, uint32_t>& users,
                              const std::map<std::string, uint32_t>& groups) {
  for (auto& [path, n] : nodes_) {
    if (!n.user.empty())
      if (auto u = users.find(n.user); u != users.end()) n.uid = u->second;
    if (!n.group.empty())
      if (auto g = groups.find(n.group); g != groups.end()) n.gid = g->second;
  }
}

void RootTree::add_skeleton() {
  if (!nodes_.contains(std::string_view())) nodes_.emplace("", directory());
  for (std::string_view d : {"usr", "usr/bin", "usr/sbin", "usr/lib"})
    if (!nodes_.contains(d)) set_dir(d);
  for (std::string_view name : kMovedDirs) {
    std::string under_usr = "usr/" + std::string(name);
    const Node* n = find(under_usr);
    if (n && n->type == EntryType::dir) set_symlink(name, under_usr);
  }
  struct MountPoint {
    std::string_view path;
    uint32_t mode;
  };
  static constexpr MountPoint kMountPoints[] = {
      {"boot", 0755}, {"dev", 0755},  {"home", 0755}, {"mnt", 0755},  {"proc", 0755},
      {"root", 0700}, {"run", 0755},  {"sys", 0755},  {"tmp", 01777}, {"var", 0755},
  };
  for (const MountPoint& m : kMountPoints)
    if (!nodes_.contains(m.path)) nodes_.emplace(std::string(m.path), directory(m.mode));
  // base-files ships var/run and var/lock as directories and its postinst
  // turns them into symlinks; what a package put inside moves along.
  struct Moved {
    std::string_view from, to, target;
    uint32_t to_mode;
  };
  static constexpr Moved kMoved[] = {
      {"var/lock", "run/lock", "/run/lock", 01777},
      {"var/run", "run", "/run", 0755},
  };
  for (const Moved& m : kMoved) {
    auto it = nodes_.find(m.from);
    if (it != nodes_.end() && it->second.type != EntryType::dir) continue;
    if (it != nodes_.end()) {
      std::string prefix = std::string(m.from) + "/";
      std::vector<std::pair<std::string, Node>> inside;
      for (auto i = nodes_.lower_bound(prefix); i != nodes_.end() && i->first.starts_with(prefix);
           ++i)
        inside.emplace_back(std::string(m.to) + "/" + i->first.substr(prefix.size()), i->second);
      if (!inside.empty() && !nodes_.contains(m.to)) {
        make_parents(m.to, {});
        nodes_.emplace(std::string(m.to), directory(m.to_mode));
      }
      for (auto& [to, node] : inside) nodes_.emplace(std::move(to), std::move(node));
      erase_subtree(m.from);
    }
    set_symlink(m.from, std::string(m.target));
  }
}

}  // namespace cairn::compose
