// The disk image's partition table, written with libfdisk on the disk
// file's descriptor: a GPT with the caller's disk GUID, partition UUIDs,
// fixed type GUIDs and the labels as partition names, or an MBR with the
// boot partition active (DiskLayout::table). Nothing else in it varies;
// everything outside the partitions is zeros. Internal to images/disk*.
// Measured with util-linux 2.38.1.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.hh"
#include "images/disk.hh"

namespace cairn::images::detail {

/// Where the partitions go.
struct Plan {
  PartitionInfo esp;
  PartitionInfo state;
  uint64_t total = 0;
};

/// Writes the partition table into the disk file `fd` (named `path` in
/// errors) for the partitions of `p`: the protective MBR and both GPTs, or
/// an MBR (DiskLayout::table). `fd` stays open and is not synced.
[[nodiscard]] Result<void> write_table(int fd, const std::string& path, const DiskLayout& l,
                                       const Plan& p);

}  // namespace cairn::images::detail
