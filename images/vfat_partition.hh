// The disk image's ESP: a FAT32 file system made from a staged tree with
// mkfs.vfat and mtools, reproducibly. Internal to images/disk*. Measured
// with dosfstools 4.2 and mtools 4.0.32.
//
//   - `mkfs.vfat --invariant -i SERIAL` fixes the volume serial and the
//     boot sector's otherwise random or time-based bytes. It ignores
//     SOURCE_DATE_EPOCH, and --invariant dates the volume label's directory
//     entry 2015-03-14 09:26:26, so that entry's times are rewritten here to
//     the epoch (set_label_time; mtools' mlabel would do it too, but also
//     writes a stray boot-sector copy into sectors 12–13).
//   - mtools 4.0.32 takes "now" from SOURCE_DATE_EPOCH, and without `-m`
//     mcopy stamps files with "now", not their mtime — so staged files keep
//     their times and the image does not see them. FAT times are local
//     times, so mtools runs with TZ=UTC0.
//   - `mcopy -s` copies in readdir order, which differs between file
//     systems (measured: the same tree staged on ext4 and on tmpfs gave
//     different images). So the tree is walked here in byte order: one mmd
//     makes every directory in pre-order, then one mcopy per directory copies
//     its files in order. Directory entry order, 8.3 aliases (`~1`) and
//     cluster allocation follow from that order alone.
//   - Host settings that change what mtools writes are pinned through its
//     environment (MTOOLS_* variables override mtools.conf; HOME points into
//     the work directory so no ~/.mtoolsrc is read), and LC_ALL=C.UTF-8
//     makes UTF-8 names long names (in the C locale "ü" becomes "_ 1/4").
#pragma once

#include <string>
#include <vector>

#include "base/error.hh"
#include "images/disk.hh"
#include "images/disk_internal.hh"
#include "images/staged_tree.hh"

namespace cairn::images::detail {

/// Checks that a FAT file system, written by mtools, can hold the ESP tree
/// (DiskLayout::esp_dir's rules, and no file of 4 GiB or more). The problems
/// are named in one error ("the ESP tree cannot be a FAT file system: …").
[[nodiscard]] Result<void> check_esp_tree(const std::vector<TreeEntry>& tree);

/// Makes `work/esp.img`: FAT32 of `l.esp_size` bytes, labelled
/// `l.esp_label`, serial from `l.esp_uuid`, holding `tree` (walk_tree() of
/// the staged directory `root`) with every time at `l.epoch`.
[[nodiscard]] Result<void> make_esp(const DiskLayout& l, const std::string& root,
                                    const std::vector<TreeEntry>& tree, const WorkDir& work);

}  // namespace cairn::images::detail
