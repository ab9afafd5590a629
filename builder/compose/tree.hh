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
// byte order, a directory comes before what it holds (but not always right
// before it: "usr/lib-x" sorts between "usr/lib" and "usr/lib/y"). The
// public functions ignore a leading or trailing slash in the paths they
// are given. Every entry's parent is a directory of the tree.
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
  /// disk (for what adopt() took in: the staged file). Empty for
  /// generated files (see `text`) and other types.
  std::string source{};
  /// A generated regular file's content (when `source` is empty).
  std::string text{};
  /// Symlink: the target as it will be written. Hard link: the tree path
  /// of the file it shares. Otherwise empty.
  std::string target{};
  uint32_t dev_major = 0;  ///< char and block devices
  uint32_t dev_minor = 0;
  uint64_t size = 0;       ///< bytes of a regular file
  /// The package that shipped it; "" for what compose generated (and what
  /// adopt() took in). A parent directory a package's entry implies but
  /// its metadata lacks (usr/ for /lib64/x, a diversion's new directory)
  /// is that package's, with package_path "/" + its tree path.
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
  /// Called after the packages were added. Existing mount points keep
  /// their metadata (base-files' root 0700, tmp 1777); the root symlinks
  /// replace whatever set_* put at bin, sbin, lib…; directories var/run
  /// and var/lock (base-files ships them; its postinst would migrate them)
  /// become the symlinks, what they held moving to run/ and run/lock/, but
  /// symlinks already there stay. usr/bin, usr/sbin and usr/lib are made
  /// (0755) if missing, so that the root symlinks never dangle.
  void add_skeleton();

  /// Sets the diversions add_package applies. Call before add_package.
  /// One diversion per path (a later one for the same path wins); paths
  /// are passed through merged_path. Directories are never diverted. A
  /// diverted symlink keeps its target as written (as with dpkg).
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
  ///
  /// Details: a symlink that after the move resolves (lexically, with the
  /// root's merged-/usr symlinks) to its own path is always dropped — it
  /// could only ever be a loop; the path holds what another entry puts
  /// there, or nothing. Identical symlinks are those naming the same place
  /// ("../usr/bin/x" from bin/ and "x" from usr/bin/). A file and a hard
  /// link are compared by content. An entry below a path another package
  /// ships as a non-directory is an error. Where generated content (set_*)
  /// is already at a path, it wins and the package's entry is skipped.
  /// Hard links keep pointing at their first path's new place. On error
  /// the entries added before the failing one stay in the tree.
  [[nodiscard]] Result<void> add_package(const PackageDir& pkg);

  /// Generated content: replaces whatever the packages had at `path`
  /// (a package's conffile included; a directory with everything in it)
  /// and creates missing parent directories as 0755 root:root. A parent
  /// that is a symlink is followed when it resolves to a directory of the
  /// tree (set_file("var/run/x") after add_skeleton writes run/x), as
  /// writing through the file system would; any other non-directory parent
  /// is replaced by a directory. The last component is never followed.
  /// Hard links to a replaced file become copies of it (the first one, in
  /// path order, takes its place; the others link to that one).
  void set_file(std::string_view path, std::string text, uint32_t mode = 0644,
                uint32_t uid = 0, uint32_t gid = 0);
  /// Like set_file, for a symlink (0777 root:root) with `target` as written.
  void set_symlink(std::string_view path, std::string target);
  /// Like set_file, for a directory; an existing directory keeps what it
  /// holds and only takes the new owner and mode.
  void set_dir(std::string_view path, uint32_t mode = 0755, uint32_t uid = 0, uint32_t gid = 0);
  /// Removes `path` (exactly that path; symlinks are not followed) and
  /// everything under it. Returns whether it existed. Hard links to a
  /// removed file outside the removed part become copies, as in set_file.
  bool remove(std::string_view path);

  /// Moves `from` and everything under it to `to`, every entry keeping its
  /// metadata (package, owner, mode, content); hard links into the moved
  /// part, from inside it or outside, follow it. Missing parents of `to`
  /// are made 0755 root:root. Errors, changing nothing, when `from` is
  /// missing or the root, when `to` exists or lies inside `from`, or when a
  /// parent of `to` is not a directory.
  [[nodiscard]] Result<void> move(std::string_view from, std::string_view to);

  /// Changes an existing entry's owner and mode (a dpkg-statoverride).
  /// The entry's user and group names are cleared, so that a later
  /// resolve_owners() keeps these ids. Errors when the path is not in
  /// the tree (exactly that path; symlinks are not followed).
  [[nodiscard]] Result<void> set_owner_mode(std::string_view path, uint32_t uid, uint32_t gid,
                                            uint32_t mode);

  /// Maps the user and group names of package entries to ids through
  /// `users`/`groups` (name → id); names not in the maps keep the header's
  /// number.
  void resolve_owners(const std::map<std::string, uint32_t>& users,
                      const std::map<std::string, uint32_t>& groups);

  /// The entry at exactly `path` (no symlink followed), or null.
  const Node* find(std::string_view path) const;
  /// Follows symlinks (within the tree, at most 40, in every component:
  /// "bin/sh" goes through the root's bin → usr/bin) to the entry `path`
  /// names; null when it dangles or loops. A hard link is returned as is.
  const Node* resolve(std::string_view path) const;
  /// The tree path resolve() arrives at, or nullopt.
  std::optional<std::string> resolve_path(std::string_view path) const;
  /// The bytes of a regular file: its text, or the store file's content.
  /// Follows symlinks (like resolve) and hard links. Errors when the path
  /// is missing, dangles, or is not a regular file.
  [[nodiscard]] Result<std::string> read(std::string_view path) const;
  /// The paths (full tree paths, "etc/passwd") directly under directory
  /// `dir` ("" = root), sorted; empty when `dir` is no directory.
  std::vector<std::string> list(std::string_view dir) const;

  const std::map<std::string, Node, std::less<>>& nodes() const { return nodes_; }

  /// Writes the tree into `staging` (an empty or missing directory): store
  /// files hard-linked (copied across file systems), generated files
  /// written, directories and symlinks made; devices and fifos are not
  /// created (the pseudo file makes them). On-disk owners and modes are the
  /// build user's; files are readable and directories writable by it
  /// (generated files (mode & 0755) | 0600, directories (mode & 0755) |
  /// 0700; a linked store file keeps the store's safe mode). A linked file
  /// *is* the store's file: tools run on the staged tree must replace
  /// files (write a new one, rename it over), never write into one. Hard
  /// links are linked to the staged file of their first path. A store file
  /// is copied when link(2) refuses (EXDEV, EPERM, EMLINK). On error, what
  /// was written is removed again.
  [[nodiscard]] Result<void> materialize(const std::string& staging) const;

  /// Adds what a tool created in the staged tree under `dir` (e.g.
  /// "usr/lib/modules/6.1.0-50-amd64" after depmod) and the model does not
  /// know yet, as root-owned entries with the disk's permission bits;
  /// regular files keep pointing at the staged file. `dir` itself is
  /// adopted too when the model lacks it (its missing parents become 0755
  /// directories). Entries the model already has are left as they are.
  /// Errors when `dir` is missing on disk, or holds a socket or device.
  [[nodiscard]] Result<void> adopt(const std::string& staging, std::string_view dir);

 private:
  /// Puts a package's entry at `path` (conflict rules of add_package);
  /// `disk` is the entry's file in the package, for comparing content.
  [[nodiscard]] Result<void> add_entry(std::string path, Node node, const std::string& disk);
  /// `path` after the diversions, for an entry of `package`.
  std::string divert(std::string path, std::string_view package) const;
  /// Where set_* puts `path`: parents followed or created (see set_file).
  std::string place_for_write(std::string_view path);
  /// Replaces whatever is at `path` (an existing parent) with `node`.
  void replace(const std::string& path, Node node);
  /// Erases `path` and its subtree, turning hard links into it into files.
  bool erase_subtree(std::string_view path);
  /// Adds missing parents of `path` as 0755 root:root directories of
  /// `package`.
  void make_parents(std::string_view path, const std::string& package);

  std::map<std::string, Node, std::less<>> nodes_;
  std::vector<Diversion> diversions_;  ///< sorted by path, one per path
  bool has_hardlinks_ = false;         ///< whether a hard link was ever added
};

}  // namespace cairn::compose
