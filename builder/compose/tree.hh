// The root tree of a generation, as a model in memory: every path the
// image will hold, with its real owner, mode and type, and where a regular
// file's bytes come from (a file in the store, or generated text).
//
// Compose builds one RootTree per build: first the packages' entries (from
// each unpacked package's `.cairn/metadata`, moved to merged /usr), then the
// generated /etc and the other declarative replacements of maintainer
// scripts, which override package files. `materialize` writes the model
// into a staging directory — store files by hard link (copy when the store
// is on another file system), generated files written, symlinks made — so
// that tools (depmod, ldconfig, systemd-hwdb) and mksquashfs can read it;
// nothing there needs root, and ownership never comes from the disk: the
// squashfs pseudo file carries the model's owner and mode for every entry.
//
// Paths are relative to the root, without a leading or trailing slash:
// "usr/bin/su", "etc/passwd"; "" is the root directory itself. Sorted by
// byte order, a directory comes before what it holds.
//
// Merged /usr: an entry a package ships under /bin, /sbin, /lib, /lib32,
// /lib64 or /libx32 lands under usr/; the root holds only the symlinks
// bin → usr/bin, … and the mount-point directories (see add_skeleton).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"
#include "builder/debian/unpack.hh"

namespace cairn::compose {

using debian::EntryType;

/// One path of the tree.
struct Node {
  EntryType type = EntryType::file;
  uint32_t mode = 0644;  ///< 07777 bits, setuid/setgid/sticky included
  uint32_t uid = 0;
  uint32_t gid = 0;
  /// Owner and group names as the package's tar header gave them ("" = none
  /// given); resolve_owners() maps them to the ids of the composed passwd
  /// and group, the way dpkg does (a name wins over the header's number).
  std::string user{};
  std::string group{};
  /// A regular file from the store: the absolute path of its bytes on
  /// disk. Empty for generated files (see `text`) and other types.
  std::string source{};
  /// A generated regular file's content (when `source` is empty).
  std::string text{};
  /// Symlink: the target as it will be written. Hard link: the tree path
  /// of the file it shares. Otherwise empty.
  std::string target{};
  uint32_t dev_major = 0;  ///< char and block devices
  uint32_t dev_minor = 0;
  uint64_t size = 0;       ///< bytes of a regular file
  /// The package that shipped it; "" for what compose generated.
  std::string package{};
  /// The path inside the package before merged /usr and diversions moved
  /// it ("/bin/su"); empty for generated entries. For messages.
  std::string package_path{};
};

/// A dpkg diversion (`dpkg-divert --package P --divert TO --add PATH`):
/// every package but `package` that ships `path` has it installed at
/// `divert_to` instead. Paths are tree paths (no leading slash), already
/// in merged-/usr form.
struct Diversion {
  std::string path{};
  std::string divert_to{};
  std::string package{};  ///< "" = a local diversion: every package is diverted
};

/// One unpacked package to add: its store directory (holding root/ and
/// .cairn/) and its name.
struct PackageDir {
  std::string name{};
  std::string dir{};
};

class RootTree {
 public:
  /// The tree path a package path lands on under merged /usr: "/bin/su" →
  /// "usr/bin/su", "/lib" → "usr/lib", "/etc/x" → "etc/x", "/" → "".
  static std::string merged_path(std::string_view package_path);

  /// The root's own entries: the directory "" (0755), usr/ and the merged-
  /// /usr symlinks (bin → usr/bin, sbin → usr/sbin, lib → usr/lib and,
  /// where the tree has them, lib32/lib64/libx32), and the mount-point and
  /// state directories dev, proc, sys, run, tmp (1777), var, home, root
  /// (0700), boot, mnt, plus var/run → /run and var/lock → /run/lock.
  /// Called after the packages were added; existing directories keep
  /// their metadata.
  void add_skeleton();

  /// Sets the diversions add_package applies. Call before add_package.
  void set_diversions(std::vector<Diversion> diversions);

  /// Adds every entry of the unpacked package at `pkg.dir`, moved to merged
  /// /usr and through the diversions. A relative symlink target that
  /// climbs out of a moved directory is rewritten so that it resolves to
  /// the same place as before the move. Two packages shipping one path:
  /// directories merge (the first one's metadata stays); identical files
  /// (same size and bytes), identical symlinks, and a symlink that after
  /// the move points at the very path it shadows are fine; anything else
  /// is an error naming both packages and the path ("usr/bin/foo is
  /// shipped by both a (/bin/foo) and b (/usr/bin/foo) with different
  /// content; …").
  [[nodiscard]] Result<void> add_package(const PackageDir& pkg);

  /// Generated content: replaces whatever the packages had at `path`
  /// (a package's conffile included) and creates missing parent
  /// directories as 0755 root:root.
  void set_file(std::string_view path, std::string text, uint32_t mode = 0644,
                uint32_t uid = 0, uint32_t gid = 0);
  void set_symlink(std::string_view path, std::string target);
  void set_dir(std::string_view path, uint32_t mode = 0755, uint32_t uid = 0, uint32_t gid = 0);
  /// Removes `path` and everything under it. Returns whether it existed.
  bool remove(std::string_view path);

  /// Changes an existing entry's owner and mode (a dpkg-statoverride).
  /// Errors when the path is not in the tree.
  [[nodiscard]] Result<void> set_owner_mode(std::string_view path, uint32_t uid, uint32_t gid,
                                            uint32_t mode);

  /// Maps the user and group names of package entries to ids through
  /// `users`/`groups` (name → id); names not in the maps keep the header's
  /// number.
  void resolve_owners(const std::map<std::string, uint32_t>& users,
                      const std::map<std::string, uint32_t>& groups);

  /// The entry at `path`, or null.
  const Node* find(std::string_view path) const;
  /// Follows symlinks (within the tree, at most 40) to the entry `path`
  /// names; null when it dangles or loops.
  const Node* resolve(std::string_view path) const;
  /// The bytes of a regular file: its text, or the store file's content.
  [[nodiscard]] Result<std::string> read(std::string_view path) const;
  /// The paths directly under directory `dir` ("" = root), sorted.
  std::vector<std::string> list(std::string_view dir) const;

  const std::map<std::string, Node, std::less<>>& nodes() const { return nodes_; }

  /// Writes the tree into `staging` (an empty or missing directory): store
  /// files hard-linked (copied across file systems), generated files
  /// written, directories and symlinks made; devices and fifos are not
  /// created (the pseudo file makes them). On-disk owners and modes are the
  /// build user's; files are readable and directories writable by it.
  [[nodiscard]] Result<void> materialize(const std::string& staging) const;

  /// Adds what a tool created in the staged tree under `dir` (e.g.
  /// "usr/lib/modules/6.1.0-50-amd64" after depmod) and the model does not
  /// know yet, as root-owned entries with the disk's permission bits;
  /// regular files keep pointing at the staged file.
  [[nodiscard]] Result<void> adopt(const std::string& staging, std::string_view dir);

 private:
  std::map<std::string, Node, std::less<>> nodes_;
  std::vector<Diversion> diversions_;
};

}  // namespace cairn::compose
