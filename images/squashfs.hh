// The generation's root image: a staged directory packed into a squashfs
// with mksquashfs, owners, modes and special files taken from the caller.
//
// The staging tree belongs to the build user and carries "safe" modes (no
// setuid, owner-writable), because cairn never runs as root. What the image
// must really hold — `usr/bin/su` 4755 0:0, `etc/shadow` 0640 0:42,
// `dev/console` — comes from a table of PseudoEntry, one per path, which
// make_squashfs() checks against the tree and hands to mksquashfs as a pseudo
// file (`m` lines modify what is on disk; `c`, `b` and `i` lines create
// device nodes and fifos that exist only in the table).
//
// Images are reproducible: same tree content and table, same options ⇒ the
// same bytes, whoever staged the tree, where and when. See squashfs.cc for
// which mksquashfs flags that takes and why.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"

namespace cairn::images {

/// The kind of an image entry. One table in squashfs.cc maps it to words.
enum class PseudoType { file, dir, symlink, char_device, block_device, fifo };

/// "file", "dir", "symlink", "char", "block", "fifo" (the words of
/// debian/unpack.hh's metadata file).
std::string_view to_string(PseudoType type);

/// The real metadata of one path of the image.
struct PseudoEntry {
  /// Relative to the image root, without leading or trailing `/`:
  /// "usr/bin/su". "" is the root directory itself. Any bytes but NUL and
  /// newline (which a pseudo file cannot hold); no empty, `.` or `..`
  /// components.
  std::string path{};
  /// file, dir and symlink describe what is on disk in the staging tree (and
  /// must match its type there); char_device, block_device and fifo exist only
  /// here and must not exist on disk.
  PseudoType type = PseudoType::file;
  uint32_t mode = 0;  ///< permission bits incl. setuid/setgid/sticky (≤ 07777)
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t major = 0;  ///< char_device and block_device only
  uint32_t minor = 0;

  bool operator==(const PseudoEntry&) const = default;
};

/// The pseudo-definition file text for mksquashfs 4.5.1 (`-pf`): one line per
/// entry, sorted by the byte order of the path — `PATH m MODE UID GID` for
/// file, dir and symlink, `PATH c|b MODE UID GID MAJOR MINOR` for devices,
/// `PATH i MODE UID GID f` for fifos, mode in octal. The root ("") gets no
/// line: a pseudo file cannot name it, make_squashfs() passes it as
/// `-root-mode/-root-uid/-root-gid`. In names, `\`, `"`, `#` and white space
/// are escaped with a backslash, so `system-systemd\x2dcryptsetup.slice`
/// becomes `system-systemd\\x2dcryptsetup.slice` (written raw, mksquashfs
/// reads `x2d` and silently ignores the line). Errors: a path that breaks
/// the rules above, a mode above 07777, two entries for one path.
[[nodiscard]] Result<std::string> pseudo_file(const std::vector<PseudoEntry>& entries);

/// How to pack.
struct SquashfsOptions {
  /// zstd level, 1..22. Measured on the vm host's 595 MB tree: 3 → 1.6 s,
  /// 178 MB; 8 → 4.4 s, 164 MB; 15 → 30.7 s, 155 MB. Rebuilds must take
  /// seconds, so 3; releases may want more.
  int compression_level = 3;
  /// SOURCE_DATE_EPOCH: every inode time and the superblock's mkfs time,
  /// in seconds since 1970 (0 .. 2^32-1, squashfs times are 32-bit). Callers
  /// take it from the lock file, never from the clock.
  int64_t epoch = 0;
  /// Compressor threads; 0 = one per processor. Does not change the bytes.
  unsigned processors = 0;
  /// Data block size in bytes: a power of two from 4 KiB to 1 MiB.
  uint32_t block_size = 131072;
};

/// A finished image.
struct SquashfsImage {
  std::string path{};    ///< the `output` given
  uint64_t size = 0;     ///< bytes
  std::string sha256{};  ///< lowercase hex
};

/// Packs `staging` (a directory) into a zstd squashfs at `output`. `entries`
/// must describe the tree exactly: one entry for the root (""), one for every
/// file, directory and symlink in the tree with the same type, and any device
/// nodes and fifos (which must not exist on disk, in a directory of the
/// tree). The tree is checked first and every mismatch is reported
/// ("usr/bin/x: in the staging tree but not in the pseudo table"), so an
/// owner or mode can never leak from disk into the image. Extended attributes
/// on disk are ignored.
///
/// mksquashfs is run by name (PATH). It writes to `<output>.tmp.XXXXXX`,
/// which is fsync'd and renamed over `output`, and the directory fsync'd; on
/// any error `output` is unchanged and no temporary file is left. Errors start
/// with "making squashfs <output>: "; a failed mksquashfs is reported with
/// how it ended and its standard error ("mksquashfs failed (exited with
/// status 1): …").
[[nodiscard]] Result<SquashfsImage> make_squashfs(const std::string& staging,
                                                  const std::vector<PseudoEntry>& entries,
                                                  const std::string& output,
                                                  const SquashfsOptions& options);

/// One entry of an image as unsquashfs lists it.
struct ListedEntry {
  std::string path{};  ///< as PseudoEntry::path; "" is the root
  PseudoType type = PseudoType::file;
  uint32_t mode = 0;   ///< permission bits incl. setuid/setgid/sticky
  uint32_t uid = 0;
  uint32_t gid = 0;
  /// Regular file: its size in bytes; symlink: the target's length; 0 for
  /// every other type (a directory's squashfs size means nothing outside).
  uint64_t size = 0;
  std::string target{};  ///< symlink target; "" otherwise
  uint32_t major = 0;    ///< char_device and block_device only
  uint32_t minor = 0;

  bool operator==(const ListedEntry&) const = default;
};

/// The entries of the squashfs at `image`, in the image's order (sorted, a
/// directory before what it holds), read with `unsquashfs -lln`. Errors
/// start with "listing <image>: ".
[[nodiscard]] Result<std::vector<ListedEntry>> list_squashfs(const std::string& image);

/// The parser behind list_squashfs(): `text` is the standard output of
/// `unsquashfs -lln -d squashfs-root IMAGE` (4.5.1's format). Names holding
/// a newline cannot be told from the next line and are an error; a symlink's
/// name may hold " -> " (the target's length, which unsquashfs prints as the
/// size, tells where it ends). Device numbers above 255 are decoded from
/// squashfs's packed form. Sockets are an error (cairn never makes them).
[[nodiscard]] Result<std::vector<ListedEntry>> parse_squashfs_listing(std::string_view text);

}  // namespace cairn::images
