// Caches maintainer scripts would have built in a staged root: the dynamic
// linker's ld.so.cache (libc-bin's ldconfig trigger) and udev's hwdb.bin
// (udev's postinst and hwdb trigger). Debian 12 never rebuilds either at
// boot, so the image must carry them (notes/debian-minimal.md §3).
//
// Both run the build machine's tool over the staged tree — ldconfig and
// systemd-hwdb, found on PATH by name, so a test can put another first
// (Debian keeps ldconfig in /usr/sbin: the build's PATH must include it) — and
// both are made reproducible here, not left to the tools: ldconfig's
// aux-cache (file times and inode numbers) is deleted, and systemd-hwdb is
// given a root prefix that is the same whatever the staging directory is
// called (see build_hwdb). Each function returns what it wrote, relative to
// the root, for the caller's tree model; neither needs root privileges.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"

namespace cairn::compose {

/// What a cache step did to the staged root.
struct CacheOutput {
  /// Files written, relative to the root, sorted ("etc/ld.so.cache").
  std::vector<std::string> written{};
  /// Why nothing was written, when nothing was on purpose ("the tree has no
  /// hwdb files"); "" when `written` is the result.
  std::string skipped{};
  /// Things the caller may want to tell the user about a skip or a result
  /// ("…/opt/lib is in ld.so.conf but not a directory ld.so searches
  /// without a cache"), one line each, without "warning:".
  std::vector<std::string> notes{};

  bool operator==(const CacheOutput&) const = default;
};

/// The Debian architecture of the build machine ("amd64", "arm64"), the one
/// whose binaries this process could run.
std::string_view build_architecture();

/// How ldconfig gets the chroot its `-r` option needs.
enum class Chroot {
  automatic,       ///< `direct` when running as root, else `user_namespace`
  direct,          ///< run `ldconfig -r` as is (needs root)
  user_namespace,  ///< run it as `unshare -r ldconfig -r …` (any user, if the kernel allows)
};

/// Builds etc/ld.so.cache for the staged root at `root`, whose Debian
/// architecture is `architecture`: `ldconfig -X -r <root>`, which reads the
/// tree's etc/ld.so.conf (and what it includes) inside the chroot and does
/// not touch the tree's symlinks (-X: packages ship their soname links).
/// var/cache/ldconfig/aux-cache is deleted afterwards (and the directory, if
/// ldconfig made it), so the result is reproducible.
///
/// For another architecture than the build machine's nothing is written:
/// the build machine's ldconfig files libraries only under machine types it
/// knows (x86's skips aarch64 ones as "unknown machine 183" and writes an
/// empty cache), and ld.so needs no cache to find libraries in its trusted
/// multiarch directories. `skipped` then says so, and `notes` names every
/// directory of the tree's ld.so.conf that holds libraries but is not one
/// ld.so searches without a cache.
///
/// Errors say what to do: a missing ldconfig says to install libc-bin, a
/// missing unshare util-linux, a refused user namespace to build as root or
/// allow unprivileged user namespaces.
[[nodiscard]] Result<CacheOutput> build_ld_so_cache(const std::string& root, std::string_view architecture,
                                                    Chroot chroot = Chroot::automatic);

/// Builds usr/lib/udev/hwdb.bin for the staged root at `root` from its
/// etc/udev/hwdb.d and usr/lib/udev/hwdb.d, with `systemd-hwdb update --usr`
/// (udev's postinst does the same). hwdb.bin is architecture-independent, so
/// the build machine's systemd-hwdb serves every architecture. Skipped when
/// the tree has no *.hwdb file. The root must be merged-/usr (lib → usr/lib);
/// the file is the same whatever `root`'s path, which is checked: the source
/// file names hwdb.bin records never contain it.
[[nodiscard]] Result<CacheOutput> build_hwdb(const std::string& root);

}  // namespace cairn::compose
