// Flashing: writing a disk image to a whole block device (an SD card, a USB
// stick) or to an image file, without ever writing to the wrong disk.
//
// Before anything is written the target is examined, and refused with one
// line saying what and what to do, when it is
//   - neither a block device nor a regular file (a directory, /dev/null);
//   - a partition (/dev/sdb1) rather than the whole disk (/dev/sdb);
//   - a disk the running system lives on: the disks under the file systems
//     of /, /usr, /boot and /boot/efi (found by stat, so whether or not
//     mountinfo shows them as such) and under every active swap area;
//   - in use: the disk, one of its partitions, or anything stacked on them
//     (device-mapper, LVM, LUKS, md — the `holders/` chains of sysfs) is
//     mounted, a swap area, or merely held;
//   - read-only (sysfs `ro`), without a medium (size 0), or smaller than the
//     image.
// Devices are identified by major:minor through sysfs (`/sys/dev/block/M:m`),
// never by name, so /dev/disk/by-id/… paths and renamed nodes work. The
// kernel checks once more when the device is opened: it is opened with
// O_EXCL, which fails while anything has it mounted or claimed.
//
// Then the target is shown — vendor and model, size, removable or fixed,
// and what libblkid finds on it now (partition table, partitions with their
// file systems and labels) — and the write has to be confirmed, on the
// terminal or with --yes; a new file needs no confirmation.
//
// Writing: 4 MiB blocks, every block written to a block device (with
// O_DIRECT where the device takes it, so the progress line shows the
// device's real speed and not the page cache's; an unaligned tail goes
// through a second, buffered descriptor). A file target is written to a
// fresh temporary file beside it, where all-zero 64 KiB blocks are left as
// holes (a fresh file reads zeros there), and renamed over the target only
// once it has been verified — a failed flash leaves an existing file as it
// was. At the end: fsync, BLKFLSBUF (or posix_fadvise DONTNEED for files)
// so the read-back comes from the medium, then the written range is read
// back and its SHA-256 compared with the image's; a mismatch names the
// first differing byte. A card that drops writes or lies about its size
// (counterfeit cards do) fails here rather than at first boot.
//
// Everything that touches the system goes through `SystemPaths` (sysfs,
// mountinfo, swaps, /dev) and the `FlashRequest` seams (confirmation,
// output, a hook before the read-back), so the tests run against fake
// trees in a temporary directory and real loop devices only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "base/error.hh"

namespace cairn::images {

/// Where flashing looks at the running system. The defaults are the real
/// system's; tests point them into a temporary directory.
struct SystemPaths {
  /// sysfs: `dev/block/M:m` and `class/block/NAME` (with `partition`, `ro`,
  /// `size`, `removable`, `holders/`, `slaves/`, `device/{vendor,model}`).
  std::string sys = "/sys";
  /// The mount table, in /proc/self/mountinfo's format.
  std::string mountinfo = "/proc/self/mountinfo";
  /// The active swap areas, in /proc/swaps' format.
  std::string swaps = "/proc/swaps";
  /// Where the device nodes named in mountinfo and swaps ("/dev/mapper/x")
  /// are looked up: "/dev/…" there means `dev` + "/…". Messages always say
  /// "/dev/NAME".
  std::string dev = "/dev";
  /// Directories of the running system: the disks under each one's file
  /// system (its st_dev) are never written, whatever mountinfo says. (The
  /// mounts mountinfo shows on /, /usr, /boot and /boot/efi are refused
  /// too, whatever this holds.)
  std::vector<std::string> system_dirs = {"/", "/usr", "/boot", "/boot/efi"};
};

/// What kind of thing a target is.
enum class TargetKind {
  new_file,      ///< no such file yet; it will be created
  file,          ///< an existing regular file, to be replaced
  block_device,  ///< a whole disk
};

/// A partition found on a target by libblkid.
struct FoundPartition {
  int number = 0;        ///< the partition number, from 1
  uint64_t offset = 0;   ///< bytes from the start of the target
  uint64_t size = 0;     ///< bytes
  std::string fs_type;   ///< "vfat", "ext4", …; "" = none recognised
  std::string label;     ///< the file system's label; "" = none
};

/// What is on a target now, as far as libblkid can tell.
struct TargetContents {
  /// "gpt", "dos", …; "" = no partition table.
  std::string table;
  /// With no table: the file system on the whole target; "" = none.
  std::string fs_type;
  std::string label;
  std::vector<FoundPartition> partitions;
};

/// An examined target that passed every check.
struct FlashTarget {
  TargetKind kind = TargetKind::new_file;
  /// The path as given.
  std::string path;
  /// The file written: for files the target with symlinks resolved, for a
  /// block device the path as given.
  std::string write_path;
  /// The kernel's name of a block device ("sdb"); "" for files.
  std::string name;
  /// Bytes it holds now (0 for a new file).
  uint64_t size = 0;
  /// From sysfs `device/vendor` and `device/model` (or `device/name` on
  /// MMC); "" when the device does not say.
  std::string vendor;
  std::string model;
  /// For a loop device, its backing file; "" otherwise.
  std::string backing_file;
  bool removable = false;
  /// What is on it now; filled in by `probe_contents`.
  TargetContents contents;
};

/// Examines `path` as a flash target for an image of `image_size` bytes
/// (0 = not known yet: the size is not checked). Errors are the refusals
/// listed at the top of this file, each one line naming the target and
/// saying what to do, e.g. "/dev/sdb1 is a partition of /dev/sdb; write to
/// the whole disk /dev/sdb".
[[nodiscard]] Result<FlashTarget> examine_target(const std::string& path, uint64_t image_size,
                                                 const SystemPaths& paths = {});

/// `examine_target` for a block device `path` whose device number is
/// `devno`, after the stat: what is checked is all sysfs, mountinfo and
/// swaps (and the stat of `paths.system_dirs`).
[[nodiscard]] Result<FlashTarget> examine_block_device(const std::string& path, dev_t devno,
                                                       uint64_t image_size, const SystemPaths& paths = {});

/// What libblkid finds on `path` now. Best effort: a target it cannot open
/// or read is reported as holding nothing recognised.
TargetContents probe_contents(const std::string& path);

/// "532 B", "52.4 MB", "32.0 GB": decimal units, as disks are labelled.
std::string human_size(uint64_t bytes);

/// The target for the question: "/dev/sdb (SanDisk Ultra, 32.0 GB)",
/// "/tmp/x.img (a file, 52.4 MB)", "/tmp/x.img (a new file)".
std::string short_description(const FlashTarget& target);

/// What will be overwritten, several lines each ending in '\n':
///   /dev/sdb: SanDisk Ultra, 32.0 GB (32010928128 bytes), removable
///     now: a gpt partition table with 2 partitions
///       /dev/sdb1  vfat "ESP"  268.4 MB
/// (or "now: a vfat file system "STICK"", "now: nothing libblkid
/// recognises"). A new file is one line: "/tmp/x.img: a new file".
std::string describe_target(const FlashTarget& target);

/// One progress line: "writing   12.3 MB of 52.4 MB   23%   10.2 MB/s".
std::string format_progress(std::string_view phase, uint64_t done, uint64_t total, double seconds);

/// Asks the user `question` (which ends in "[y/N]"); true = go ahead.
using Confirm = std::function<bool(const std::string& question)>;

/// One flash, from the image file to the target.
struct FlashRequest {
  /// The image file to write.
  std::string image;
  /// What the question calls the image ("the vm image"); "" = `image`.
  std::string image_name;
  /// The image's SHA-256 as recorded when it was made; when set, the bytes
  /// written must hash to it. "" = not checked (the read-back is compared
  /// with the hash of the bytes written either way).
  std::string image_sha256;
  /// The block device or file to write.
  std::string target;
  /// Write without asking (--yes).
  bool yes = false;
  /// Asks on the terminal; empty when there is none, and then a target that
  /// needs confirmation is refused unless `yes`.
  Confirm confirm;
  /// Where the target's description and the progress go; nullptr = nowhere.
  std::ostream* out = nullptr;
  /// Redraw a progress line on `out` a few times a second (a terminal).
  bool progress = false;
  SystemPaths paths;
  /// Test seam: called with the path being written (a device, or the
  /// temporary file of a file target) after the write and fsync, before the
  /// read-back.
  std::function<void(const std::string& path)> before_verify;
};

/// A finished flash.
struct FlashResult {
  FlashTarget target;
  uint64_t bytes = 0;          ///< the image's size: bytes written and verified
  uint64_t holes = 0;          ///< bytes left as holes (all-zero blocks of a file target)
  std::string sha256;          ///< of the image, = of the read-back
  double write_seconds = 0;    ///< writing, fsync included
  double verify_seconds = 0;   ///< reading back and hashing
};

/// Examines the target (refusing as `examine_target` does), describes it on
/// `out`, gets confirmation unless `yes` or the target is a new file,
/// writes, fsyncs and verifies. Errors: the refusals; "not writing to
/// /dev/sdb: not confirmed"; I/O errors naming the target, the offset and
/// errno's text; "verifying /dev/sdb: … first differs at byte N …".
[[nodiscard]] Result<FlashResult> flash(const FlashRequest& request);

}  // namespace cairn::images
