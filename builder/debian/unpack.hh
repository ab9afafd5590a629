// Unpacking a .deb into the store without root and without running anything.
//
// A .deb is an ar archive: `debian-binary` ("2.0\n"), `control.tar[.gz|.xz|.zst]`
// and `data.tar[.gz|.xz|.zst|.bz2]`. unpack_deb() reads it with libarchive, all
// in one pass and without temporary files, into this layout:
//
//   <dest>/root/             the package's files (data.tar)
//   <dest>/.cairn/control/   control, md5sums, conffiles, triggers and the
//                            maintainer scripts (preinst, postinst, prerm,
//                            postrm, config) — kept for analysis, never run
//   <dest>/.cairn/metadata   the real owner, group, mode, type, size, mtime,
//                            link target and device numbers of every entry
//
// The build user owns everything on disk, and on-disk modes are "safe":
// setuid, setgid, sticky and group/other write bits are dropped, files are
// owner-readable and directories owner-writable (so the store can be
// garbage-collected). Device nodes and fifos are recorded in the metadata but
// not created. Later stages (compose, the squashfs pseudo file) take
// ownership and modes from the metadata, never from disk.
//
// The metadata file (format version 1) is text, one line per entry, sorted by
// the byte order of the unescaped path, so a directory always comes before
// what it holds:
//
//   # cairn-metadata 1
//   / dir 0755 0 0 root root 0 1700000000 - - -
//   /usr/bin/passwd file 4755 0 0 root root 68248 1700000000 - - -
//   /usr/bin/sh symlink 0777 0 0 root root 0 1700000000 dash - -
//   /usr/bin/pager2 hardlink 0755 0 0 root root 0 1700000000 /usr/bin/pager - -
//   /dev/null char 0666 0 0 root root 0 1700000000 - 1 3
//
// Fields, separated by one space: path (absolute within the package, "/" is
// the package root), type (file, dir, symlink, hardlink, char, block, fifo),
// mode (the 12 permission bits in octal, setuid/setgid/sticky included), uid,
// gid, user name, group name, size in bytes (files; 0 otherwise), mtime (seconds
// since the epoch), link target (a symlink's target as stored; a hard link's
// path in the same form as the first field), device major and minor (char and
// block only). `-` means "absent". In the string fields (path, user, group,
// target) space, control bytes, DEL and `\` are written as `\xHH`, and a value
// that is literally `-` as `\x2d`; other bytes (UTF-8 included) are verbatim.
// Lines starting with `#` are comments. A directory the archive left implicit
// (a parent without an entry of its own) is recorded as `dir 0755 0 0 - - 0 0`.
//
// Safety: a path with a `..` component, an absolute path (after stripping a
// leading `./`), a path below a symlink or a non-directory the archive created
// earlier, a hard link to anything but an earlier regular file, and a second
// entry for an existing path (except the same directory again) are errors. The
// package is unpacked into `<dest>.tmp-XXXXXX`, synced, and renamed to `<dest>`
// only when everything succeeded, so in the store "exists ⇒ complete"; on any
// error nothing is left behind.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"

namespace cairn::debian {

/// The kind of an archive entry. One table in unpack.cc maps it to the
/// metadata file's words.
enum class EntryType { file, dir, symlink, hardlink, char_device, block_device, fifo };

/// "file", "dir", "symlink", "hardlink", "char", "block", "fifo".
std::string_view to_string(EntryType type);

/// One entry of a package's data.tar with its real (archive) metadata.
struct Entry {
  std::string path{};    ///< "/usr/bin/su"; "/" is the package root
  EntryType type = EntryType::file;
  uint32_t mode = 0;     ///< permission bits incl. setuid/setgid/sticky (07777)
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string user{};    ///< owner name from the tar header; "" = none given
  std::string group{};   ///< group name from the tar header; "" = none given
  uint64_t size = 0;     ///< bytes of a regular file; 0 for every other type
  int64_t mtime = 0;     ///< seconds since the epoch
  /// Symlink: the target exactly as stored (may be absolute or contain
  /// `..`; it is never followed). Hard link: the path of the file it shares
  /// (same form as `path`). Otherwise "".
  std::string target{};
  uint32_t dev_major = 0;  ///< char and block devices only
  uint32_t dev_minor = 0;

  bool operator==(const Entry&) const = default;
};

/// What unpacking a package produced.
struct UnpackInfo {
  std::string package{};     ///< control's Package field
  std::string version{};     ///< control's Version field
  std::string architecture{};  ///< control's Architecture field
  size_t files = 0;          ///< regular files written
  size_t directories = 0;    ///< directories, the root and implicit parents included
  size_t symlinks = 0;
  size_t hardlinks = 0;
  size_t specials = 0;       ///< char/block devices and fifos (recorded, not created)
  uint64_t bytes = 0;        ///< total size of the regular files

  bool operator==(const UnpackInfo&) const = default;
};

/// Unpacks the .deb at `deb_path` into `dest_dir` (layout above). The parent
/// of `dest_dir` is created if missing. If `dest_dir` already exists it is
/// taken as complete (another build unpacked the same package) and its info
/// is read back instead. Errors start with "unpacking <deb_path>: "; a
/// corrupt file's error says to delete it from the store and fetch it again.
[[nodiscard]] Result<UnpackInfo> unpack_deb(const std::string& deb_path,
                                            const std::string& dest_dir);

/// One package for unpack_all().
struct UnpackRequest {
  std::string deb_path;
  std::string dest_dir;
};

/// Unpacks every request like unpack_deb(), with up to `jobs` threads (0: one
/// per hardware thread), the largest .deb first; all trees are staged before
/// one shared sync, then renamed. The results are in request order; one
/// package failing does not stop the others.
[[nodiscard]] std::vector<Result<UnpackInfo>> unpack_all(
    const std::vector<UnpackRequest>& requests, unsigned jobs);

/// The metadata file's text for `entries` (header line included), in the
/// given order; the caller sorts.
std::string format_metadata(const std::vector<Entry>& entries);

/// Parses a metadata file's text (format above); `file` names it in errors
/// ("<file>:<line>: bad mode", "<file>: not a cairn metadata file of
/// version 1").
[[nodiscard]] Result<std::vector<Entry>> parse_metadata(std::string_view text, const std::string& file);

/// The entries recorded in `<dir>/.cairn/metadata` of an unpacked package,
/// in file order (sorted by path).
[[nodiscard]] Result<std::vector<Entry>> read_metadata(const std::string& dir);

/// The info of an already unpacked package: control fields from
/// `<dir>/.cairn/control/control`, counts from the metadata.
[[nodiscard]] Result<UnpackInfo> read_unpack_info(const std::string& dir);

}  // namespace cairn::debian
