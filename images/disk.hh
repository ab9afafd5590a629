// Disk images: a GPT disk holding a FAT32 boot partition (the ESP) and an
// ext4 state partition (DESIGN.md §6), built from two staged directories
// without root and without loop devices, reproducibly.
//
// The disk, in this order:
//   LBA 0–33                    protective MBR, primary GPT header and entries
//   1 MiB                       partition 1: the ESP, FAT32, `esp_size` bytes
//   1 MiB + esp_size            partition 2: the state partition, ext4, last on
//                               the disk so the activator can grow it in place
//   (free space, when total_size asks for more than the partitions take)
//   the last MiB                the backup GPT (in its last 33 sectors)
// Partitions start and end on MiB boundaries.
//
// Same inputs ⇒ same bytes: the GUIDs and UUIDs come from the caller (who
// derives them from the build inputs), every time in both file systems is
// `epoch`, and nothing depends on who staged the trees, where, in which
// order or when. See disk.cc for how each tool is made to do that.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.hh"
#include "base/timings.hh"

namespace cairn::images {

inline constexpr uint64_t kMiB = uint64_t{1} << 20;

/// The partition table. GPT for UEFI PCs; MBR ("dos") where the firmware
/// reads nothing else — the Raspberry Pi's boot ROM and firmware look for
/// a FAT partition in an MBR. With MBR the boot partition is type 0x0c
/// (FAT32 LBA) and marked active (U-Boot's distro boot scans active
/// partitions first), the state partition type 0x83, the disk identifier
/// is the first 8 hex digits of `disk_guid` (PARTUUIDs read "<id>-01",
/// "<id>-02"), partition names and UUIDs do not exist, and there is no
/// backup table at the end.
enum class PartitionTable { gpt, mbr };

/// What goes on the disk. Sizes are in bytes and whole MiB.
struct DiskLayout {
  PartitionTable table = PartitionTable::gpt;
  /// The ESP's size; at least 34 MiB (below that FAT32 has fewer than the
  /// 65,525 clusters firmware needs to see FAT32).
  uint64_t esp_size = 256 * kMiB;
  /// The state partition's size. 0 = the rest of `total_size` when that is
  /// set, otherwise just enough for `state_dir`'s content plus headroom (a
  /// quarter of the content, at least 64 MiB). At least 16 MiB when set.
  uint64_t state_size = 0;
  /// The disk's size. 0 = the partitions plus 2 MiB (the first MiB for the
  /// primary GPT, the last for the backup; 1 MiB with MBR). When it is larger than that and
  /// `state_size` is set, the rest stays free after the state partition.
  uint64_t total_size = 0;

  /// A directory whose tree becomes the ESP: directories and regular files
  /// only, names a FAT file system can hold (no control characters, none of
  /// `"*/:<>?\|`, no trailing dot or space, no two names in one directory
  /// that differ only in ASCII case) and without `[` or `]` (which mtools
  /// reads as a pattern). Mode and owner on disk are ignored.
  std::string esp_dir{};
  /// A directory whose tree becomes the state partition: any file types,
  /// modes as on disk, every owner 0:0 whoever owns the staged files,
  /// extended attributes dropped. No name may hold a newline.
  std::string state_dir{};

  /// The ESP's volume label (at most 11 bytes) and GPT partition name.
  std::string esp_label = "ESP";
  /// The state file system's label (at most 16 bytes) and partition name.
  std::string state_label = "cairn-state";

  /// The GPT disk GUID, "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b" form (any
  /// case). Required: there is no random default.
  std::string disk_guid{};
  /// The ESP's GPT partition UUID (PARTUUID). Its first 8 hex digits are
  /// also the FAT volume serial, which blkid shows as the file system's
  /// UUID: "0e1f2a3b-…" → "0E1F-2A3B".
  std::string esp_uuid{};
  /// The state partition's GPT partition UUID and also its ext4 file-system
  /// UUID (and directory hash seed).
  std::string state_uuid{};
  /// Every time in both file systems, in seconds since 1970 UTC: file and
  /// directory times, the FAT volume label's, the ext4 superblock's. Must be
  /// a time FAT can hold, 1980-01-01 to 2107-12-31 (315532800..4354819199).
  int64_t epoch = 0;
};

/// Where a partition lies on the disk.
struct PartitionInfo {
  uint32_t number = 0;  ///< GPT partition number, from 1
  uint64_t offset = 0;  ///< bytes from the start of the disk
  uint64_t size = 0;    ///< bytes
};

/// A finished disk image.
struct DiskInfo {
  std::string path{};    ///< the `output` given
  uint64_t size = 0;     ///< bytes (the file is sparse)
  std::string sha256{};  ///< lowercase hex of all `size` bytes
  PartitionInfo esp{};   ///< partition 1
  PartitionInfo state{}; ///< partition 2
  /// How long each step took ("esp", "state", "assemble", "hash"), for
  /// `--timings`.
  std::vector<Passes::Timing> timings{};
};

/// Builds the disk image described by `layout` at `output`.
///
/// Runs mkfs.vfat and mmd/mcopy (dosfstools, mtools) for the ESP, mke2fs and
/// debugfs (e2fsprogs) for the state partition, each by name from PATH; the
/// partition table is written with libfdisk. The partitions are made as
/// files in `<output>.work.XXXXXX/` and copied into `<output>.tmp.XXXXXX`
/// (holes stay holes), which is fsync'd and renamed over `output`, and the
/// directory fsync'd. On any error `output` is unchanged and neither
/// temporary is left. `output` must not lie inside either staged tree.
///
/// Errors start with "making disk image <output>: "; a tool that fails is
/// quoted with how it ended and its standard error ("making the state
/// partition: mke2fs failed (exited with status 1): …"); a layout that
/// cannot work says which field is wrong before any tool runs.
[[nodiscard]] Result<DiskInfo> make_disk_image(const DiskLayout& layout, const std::string& output);

}  // namespace cairn::images
