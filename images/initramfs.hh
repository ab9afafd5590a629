// The initramfs: a zstd-compressed cpio (newc) archive the kernel unpacks
// into its rootfs before running /init — for cairn, cairn-activate itself.
//
// write_initramfs() packs a list of entries, without root and reproducibly:
// owners 0:0, times 0, sorted, inode numbers by position, so the same
// entries and file contents give the same bytes. activator_initramfs()
// makes cairn's list from a staged root: the activator, the target's C
// libraries it needs (elf.hh), the kernel modules to load and their order,
// the merged-/usr links, and optionally a busybox shell for debugging.
//
// Device nodes are archive entries, not files: the kernel's DEVTMPFS_MOUNT
// is off in Debian, so /dev/console must be in the archive or /init starts
// without a console (notes/debian-minimal.md §1).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"

namespace cairn::images {

/// One path of the initramfs.
struct InitramfsEntry {
  enum class Kind { file, dir, symlink, char_device };

  /// Relative to the archive root, without leading or trailing `/`:
  /// "init", "usr/lib/x86_64-linux-gnu/libc.so.6". No empty, `.` or `..`
  /// components, no NUL or newline.
  std::string path{};
  Kind kind = Kind::file;
  /// Permission bits incl. setuid/setgid/sticky (≤ 07777). Symlinks are
  /// always written 0777, whatever is given.
  uint32_t mode = 0;
  /// file: the path on the build machine whose bytes are copied (links
  /// followed). "" = the bytes are `contents`.
  std::string source{};
  /// file with an empty `source`: the bytes themselves (may be empty).
  std::string contents{};
  /// symlink: the target, written as is ("usr/lib", "busybox").
  std::string target{};
  /// char_device: the device number ("c 5 1" is /dev/console).
  uint32_t major = 0;
  uint32_t minor = 0;

  bool operator==(const InitramfsEntry&) const = default;
};

/// "file", "dir", "symlink", "char".
std::string_view to_string(InitramfsEntry::Kind kind);

/// How to compress.
struct InitramfsOptions {
  /// zstd level, 1..22, single-threaded. 19 is what the note's experiment
  /// booted (`zstd -19`, notes/debian-minimal.md §5); its 8 MiB window is
  /// allocated by the kernel's decompressor at boot. It is slow: measured on
  /// the vm host's 22.4 MB cpio (stripped activator, its libraries, 46
  /// modules, busybox) on a busy 2-core machine: 1 → 0.12 s, 8.85 MB;
  /// 3 → 0.22 s, 8.15 MB; 9 → 0.6 s, 7.43 MB; 15 → 4.1 s, 7.35 MB;
  /// 19 → 10.3 s, 6.58 MB (the zstd tool: 10.1 s, same size). Rebuilds may
  /// want 3 or 9.
  int zstd_level = 19;
};

/// A written initramfs.
struct InitramfsInfo {
  std::string path{};        ///< the `output` given
  uint64_t size = 0;         ///< bytes of the compressed file
  uint64_t cpio_size = 0;    ///< bytes of the cpio archive inside
  size_t entries = 0;        ///< archive entries, added ones included, trailer not
  std::string sha256{};      ///< of the compressed file, lowercase hex
};

/// Writes `entries` as a zstd-compressed cpio newc archive to `output`.
///
/// Every entry is owned 0:0 with mtime 0; entries are sorted by the bytes of
/// their path (so a directory comes before what it holds); a missing parent
/// directory is added as 0755; inode numbers are 1, 2, … in that order;
/// directories have two links, everything else one (so the kernel never
/// takes two files for hard links). `dev/console` (c 5 1, 0600) and
/// `dev/null` (c 1 3, 0666) are added unless listed. The same entries,
/// contents and level give the same bytes.
///
/// The archive is built in memory (an initramfs is a few MB), then written
/// to a temporary file beside `output`, fsync'd and renamed over it, and the
/// directory fsync'd; on any error `output` is unchanged.
///
/// Errors start with "writing initramfs <output>: ": a path breaking the
/// rules above, two entries for one path, a parent that is listed but is not
/// a directory, a file with both `source` and `contents`, a symlink without
/// a target, a mode above 07777, a source that is missing, not a regular
/// file, larger than newc's 4 GiB, or changed size while being read, a
/// level outside 1..22.
[[nodiscard]] Result<InitramfsInfo> write_initramfs(const std::vector<InitramfsEntry>& entries,
                                                    const std::string& output,
                                                    const InitramfsOptions& options);

/// Where activator_initramfs() puts the module load order, relative to
/// usr/lib/modules/<kernel version>/: one module path per line (relative to
/// that directory, as given), in load order, each line ending in "\n". The
/// activator loads them with this order and no modules.dep.
inline constexpr std::string_view kModuleLoadList = "load.list";

/// The entries of cairn's initramfs, built from `staged_root` (the
/// generation's tree on the build machine):
///   - `init`: `activator_binary` (a file on the build machine; 0755);
///   - every library it needs, found in `staged_root` with library_closure()
///     (the target's libraries, not the build machine's), with their links;
///   - each of `module_paths` (relative to usr/lib/modules/<kernel_version>/
///     in the staged root) at the same place, 0644, and `kModuleLoadList`
///     beside them listing them in the order given;
///   - the merged-/usr links `bin`, `sbin`, `lib` → usr/… and `lib64` when
///     the staged root has it (as the staged root has them, else relative);
///   - `proc`, `sys`, `run`, `dev` (0755) as mount points for /init, and
///     the device nodes write_initramfs() adds;
///   - with `with_busybox`: the staged root's usr/bin/busybox (busybox-static;
///     0755) and its libraries if it has any, plus `usr/bin/sh` → busybox.
/// Files are 0755 when executable on disk, else 0644; symlinks are copied.
/// The list is sorted by path.
///
/// Errors start with "initramfs for <staged_root>: " and say what to add or
/// build: an unresolved library (library_closure's message), a module not in
/// the staged root, a module path listed twice or breaking the path rules, a
/// kernel version that is not one directory name, no busybox when asked for
/// one, an activator built for a machine whose libraries the staged root
/// lacks.
[[nodiscard]] Result<std::vector<InitramfsEntry>> activator_initramfs(
    const std::string& staged_root, const std::string& activator_binary,
    const std::vector<std::string>& module_paths, const std::string& kernel_version,
    bool with_busybox);

}  // namespace cairn::images
