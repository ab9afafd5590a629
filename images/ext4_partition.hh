// The disk image's state partition: an ext4 file system made from a staged
// tree with `mke2fs -d` and fixed up with debugfs, reproducibly, and how
// large it must be for the tree. Internal to images/disk*. Measured with
// e2fsprogs 1.47.0.
//
//   - mke2fs reads its defaults from /etc/mke2fs.conf, so the build host's
//     configuration would pick the image's features (a newer host might turn
//     on one the device's kernel lacks). MKE2FS_CONFIG points at kMke2fsConf
//     instead: Debian 12's ext4 defaults, 4 KiB blocks and 16 KiB per inode at
//     every size (`-T default`; the "small" type's 1 KiB blocks would hamper
//     growing it).
//   - `-U UUID -E hash_seed=UUID` fix the random fields, E2FSPROGS_FAKE_TIME
//     the superblock's times; `mke2fs -d` visits each directory sorted
//     (LC_ALL=C makes that byte order), so inode numbers and block
//     placement do not depend on readdir order either.
//   - `mke2fs -d` copies each staged file's atime, mtime and ctime and
//     uid/gid; the ctime is never settable, and the owner is the build
//     user's. `-E root_owner=0:0` covers only the root directory. So one
//     debugfs run with a command file (`debugfs -w -f`) sets atime, mtime,
//     ctime and crtime of every inode to the epoch and uid/gid to 0 where the
//     staged file had another owner: every file of the state partition is
//     root's. Modes are kept as staged. Measured: two builds from trees staged
//     on ext4 and on tmpfs, in different orders, at different times, with
//     different owners, are byte-identical afterwards.
//   - `mke2fs -d` also copies extended attributes (an SELinux label, a
//     user.* left by a tool) — the build host's, not the system's — and
//     removing them later with debugfs `ea_rm` leaves different bytes in the
//     inode than never having them. `-E no_copy_xattrs` skips them.
//   - debugfs exits 0 even when a command fails; failures appear only on
//     standard error, after its version banner, so any other line there is
//     an error. Its command parser (libss) reads `"` as quoting and `""` as
//     a quote inside, and a line must fit its 8 KiB buffer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"
#include "images/disk.hh"
#include "images/disk_internal.hh"
#include "images/staged_tree.hh"

namespace cairn::images::detail {

/// What a tree needs in ext4: data, directory and symlink blocks, inodes.
struct TreeUsage {
  uint64_t bytes = 0;
  uint64_t inodes = 0;
};

/// What `tree` (walk_tree()'s) needs in ext4 with 4 KiB blocks, estimated
/// from sizes and names.
TreeUsage tree_usage(const std::vector<TreeEntry>& tree);

/// The smallest size, in whole MiB, whose ext4 holds `u` plus the headroom
/// (a quarter of `u.bytes`, at least 64 MiB) after its own overhead.
uint64_t fit_state_size(const TreeUsage& u);

/// The debugfs commands that give every inode of `tree` (walk_tree()'s, as
/// `mke2fs -d` copies it) and lost+found the time `epoch` and root's
/// ownership, one per line. Errors name every path debugfs cannot be given
/// ("the state tree: …": a newline, a line too long).
[[nodiscard]] Result<std::string> fixup_commands(const std::vector<TreeEntry>& tree,
                                                 int64_t epoch);

/// Makes `work/state.img`: ext4 of `size` bytes holding the tree at `root`,
/// labelled `l.state_label`, with `l.state_uuid` as UUID and hash seed,
/// then runs `commands` (fixup_commands()'s) on it with debugfs.
[[nodiscard]] Result<void> make_state(const DiskLayout& l, const std::string& root,
                                      std::string_view commands, uint64_t size,
                                      const WorkDir& work);

}  // namespace cairn::images::detail
