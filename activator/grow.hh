// Growing the state partition to fill its disk.
//
// cairn's disk and SD-card images are as small as their contents, and the
// card or disk they are written to is usually much larger. On every boot,
// before the state partition is mounted, the activator checks whether the
// disk has room after it; if so (at least kGrowMinimum), the partition's
// entry is extended to the end of the disk — for GPT the backup header is
// moved to the disk's new end first, which libfdisk does when it reads a
// table whose backup header is not at the end — and the kernel is told the
// new size. Once the partition is mounted, the ext4 file system on it is
// grown online to the partition's size (EXT4_IOC_RESIZE_FS, what resize2fs
// and systemd-growfs do on a mounted file system).
//
// The two halves are separate on purpose: if power fails between them, the
// next boot finds a large partition with a small file system and finishes
// the job. Neither is ever destructive — a partition only grows into free
// space after it, and a file system only to its partition's size — and a
// failure is reported and the boot goes on with the old size.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.hh"

namespace cairn::activator {

/// Room smaller than this after the partition is left alone (alignment
/// slack, or a disk that is only a little larger than the image).
inline constexpr uint64_t kGrowMinimum = 16ull << 20;

/// What growing did: sizes in bytes; equal when nothing was done.
struct Growth {
  uint64_t before = 0;
  uint64_t after = 0;
  bool grew() const { return after > before; }
};

/// Extends partition number `partno` (1-based) of the disk `disk` (a block
/// device or an image file) to the end of the free space after it, when
/// that is at least kGrowMinimum. For a block device the kernel's view of
/// the partition is updated too (BLKPG). GPT and MBR ("dos") tables.
[[nodiscard]] Result<Growth> grow_partition(const std::string& disk, size_t partno);

/// The size in bytes of the ext4 file system whose superblock is on
/// `device` (a block device or image file).
[[nodiscard]] Result<uint64_t> ext4_size(const std::string& device);

/// Grows the ext4 file system on `device`, mounted at `mountpoint`, to the
/// size of `device` (rounded down to whole blocks).
[[nodiscard]] Result<Growth> grow_ext4(const std::string& device, const std::string& mountpoint);

/// "1.2 GiB", "512 MiB": sizes in messages.
std::string format_size(uint64_t bytes);

}  // namespace cairn::activator
