// The mount table as the kernel shows it in /proc/<pid>/mountinfo (proc(5)),
// parsed. The activator reads it to find where the boot partition is
// mounted already; flashing reads it to refuse a device that is in use.
//
// A line is
//
//   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//
// fields separated by single spaces: mount id, parent id, major:minor,
// root, mount point, mount options, zero or more optional fields
// ("shared:1", "master:3"), the separator "-", then file-system type,
// source and super-block options. The kernel writes space, tab, newline and
// backslash inside a field as \ooo (octal), so no field holds a blank.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cairn {

/// One mount: one line of mountinfo, its paths unescaped.
struct MountInfo {
  std::string id;           ///< the mount id, as written ("36")
  std::string parent_id;    ///< the parent's mount id, as written
  std::string devno;        ///< "major:minor" of the file system ("0:21" for btrfs, tmpfs, proc…)
  std::string root;         ///< the directory of the file system seen here; "/" when mounted whole
  std::string mount_point;  ///< where it is mounted, relative to the process's root
  std::string options;      ///< per-mount options ("rw,relatime")
  std::string type;         ///< file-system type after the "-"; "" when the line ends before it
  /// The source ("/dev/sda1", "proc", "none"); nullopt when the line ends
  /// before it (which the kernel never writes, but a damaged file may hold).
  std::optional<std::string> source;
};

/// The mounts in `text` (mountinfo's whole text), in the file's order.
/// Lines with fewer than six fields (through the mount options) are
/// skipped; the optional fields are passed over to the "-" separator.
std::vector<MountInfo> parse_mountinfo(std::string_view text);

/// Undoes the kernel's \ooo escapes (three octal digits) of mountinfo's and
/// /proc/swaps' paths ("/boot\040efi" → "/boot efi"); any other backslash
/// is kept as it is.
std::string unescape_octal(std::string_view field);

}  // namespace cairn
