// Making the state partition with mke2fs and debugfs, and sizing it. See
// ext4_partition.hh.
#include "images/ext4_partition.hh"

#include <algorithm>
#include <sys/stat.h>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/subprocess.hh"

namespace cairn::images::detail {

namespace {

constexpr uint64_t kMinHeadroom = 64 * kMiB;
/// ext4 geometry, as kMke2fsConf sets it.
constexpr uint64_t kBlockSize = 4096;
constexpr uint64_t kInodeRatio = 16384;
constexpr uint64_t kInodeSize = 256;
/// debugfs -f reads each command into an 8 KiB buffer.
constexpr size_t kMaxDebugfsLine = 8000;

/// mke2fs's configuration, replacing the host's /etc/mke2fs.conf (Debian
/// 12's [defaults] and ext4 features).
constexpr std::string_view kMke2fsConf =
    "[defaults]\n"
    "\tbase_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr\n"
    "\tdefault_mntopts = acl,user_xattr\n"
    "\tenable_periodic_fsck = 0\n"
    "\tblocksize = 4096\n"
    "\tinode_size = 256\n"
    "\tinode_ratio = 16384\n"
    "\n"
    "[fs_types]\n"
    "\text4 = {\n"
    "\t\tfeatures = has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,"
    "extra_isize\n"
    "\t}\n";

uint64_t round_up(uint64_t value, uint64_t unit) { return (value + unit - 1) / unit * unit; }

/// ext2fs_default_journal_size() of e2fsprogs 1.47, in bytes.
uint64_t journal_size(uint64_t fs_size) {
  uint64_t blocks = fs_size / kBlockSize;
  uint64_t journal_blocks = blocks < 32768 ? 1024
                            : blocks < 256 * 1024 ? 4096
                            : blocks < 512 * 1024 ? 8192
                            : blocks < 4096 * 1024 ? 16384
                            : blocks < 8192 * 1024 ? 32768
                            : blocks < 16384 * 1024 ? 65536
                            : blocks < 32768 * 1024 ? 131072 : 262144;
  return journal_blocks * kBlockSize;
}

/// A path for a debugfs command: quoted, `"` doubled (libss's rules).
std::string debugfs_path(std::string_view rel) {
  std::string out = "\"/";
  for (char c : rel) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

}  // namespace

TreeUsage tree_usage(const std::vector<TreeEntry>& tree) {
  TreeUsage u;
  uint64_t dirent_bytes = 0;
  for (const auto& e : tree) {
    ++u.inodes;
    dirent_bytes += 8 + round_up(base_name(e.path).size(), 4);
    if (S_ISREG(e.st.st_mode)) u.bytes += round_up(static_cast<uint64_t>(e.st.st_size), kBlockSize);
    else if (S_ISDIR(e.st.st_mode)) u.bytes += kBlockSize;
    else if (S_ISLNK(e.st.st_mode) && e.st.st_size >= 60) u.bytes += kBlockSize;  // not inline
  }
  // Directory blocks beyond each one's first, and htree index blocks.
  u.bytes += round_up(2 * dirent_bytes, kBlockSize);
  return u;
}

/// The smallest size, in whole MiB, whose ext4 holds `u` plus the headroom
/// after its own overhead: journal, inode tables, the 5% reserved for root,
/// and bitmaps, descriptors and their growth reserve (generously 1/64).
uint64_t fit_state_size(const TreeUsage& u) {
  uint64_t need = u.bytes + std::max(kMinHeadroom, u.bytes / 4);
  uint64_t inodes = u.inodes + 16;  // the reserved ones and lost+found
  uint64_t size = round_up(need, kMiB);
  for (;;) {
    uint64_t overhead = journal_size(size) + size / kInodeRatio * kInodeSize + size / 20 +
                        size / 64 + 4 * kMiB;
    uint64_t short_bytes = size >= overhead + need ? 0 : overhead + need - size;
    uint64_t short_inodes = size / kInodeRatio >= inodes ? 0 : inodes * kInodeRatio - size;
    uint64_t grow = std::max(short_bytes, short_inodes);
    if (grow == 0) return size;
    size = round_up(size + grow, kMiB);
  }
}

/// The debugfs commands that give every inode the epoch's times and root's
/// ownership (mke2fs -d copied the staged ones).
Result<std::string> fixup_commands(const std::vector<TreeEntry>& tree, int64_t epoch) {
  std::string out;
  std::vector<std::string> problems;
  auto add = [&](std::string_view rel, const struct stat* st) {
    std::string path = debugfs_path(rel);
    for (std::string_view field : {"atime", "mtime", "ctime", "crtime"})
      out += fmt::format("sif {} {} @{}\n", path, field, epoch);
    if (st != nullptr && st->st_uid != 0) out += fmt::format("sif {} uid 0\n", path);
    if (st != nullptr && st->st_gid != 0) out += fmt::format("sif {} gid 0\n", path);
  };
  bool has_lost_found = false;
  for (const auto& e : tree) {
    if (e.path.find('\n') != std::string::npos) {
      problems.push_back(
          fmt::format("\"{}\": a name with a newline, which debugfs cannot be given", e.path));
      continue;
    }
    if (e.path.size() + 64 > kMaxDebugfsLine) {
      problems.push_back(fmt::format("{}...: a path longer than debugfs's {} bytes",
                                     e.path.substr(0, 64), kMaxDebugfsLine - 64));
      continue;
    }
    has_lost_found = has_lost_found || e.path == "lost+found";
    add(e.path, e.path.empty() ? nullptr : &e.st);  // the root: -E root_owner
  }
  if (!has_lost_found) add("lost+found", nullptr);  // made by mke2fs, root's
  if (auto ok = report("the state tree", std::move(problems)); !ok)
    return std::unexpected(ok.error());
  return out;
}

/// Makes `work/state.img`: ext4 of `size` bytes holding the tree at `root`.
/// `commands` are fixup_commands()'s.
Result<void> make_state(const DiskLayout& l, const std::string& root, std::string_view commands,
                        uint64_t size, const WorkDir& work) {
  if (auto ok = write_file_atomic(work / "mke2fs.conf", kMke2fsConf); !ok) return ok;
  if (auto ok = write_file_atomic(work / "fixup.debugfs", commands); !ok) return ok;

  RunOptions e2fs;
  e2fs.cwd = work.path();
  e2fs.env = {"MKE2FS_CONFIG=" + (work / "mke2fs.conf"),
              "E2FSPROGS_FAKE_TIME=" + std::to_string(l.epoch), "LC_ALL=C"};
  std::string uuid = lower(l.state_uuid);
  if (auto ran = run_tool(
          "mke2fs", "e2fsprogs",
          {"-q", "-F", "-t", "ext4", "-T", "default", "-b", std::to_string(kBlockSize), "-L",
           l.state_label, "-U", uuid, "-E",
           fmt::format("root_owner=0:0,hash_seed={},no_copy_xattrs", uuid), "-d", root,
           "state.img", fmt::format("{}k", size / 1024)},
          e2fs);
      !ran)
    return std::unexpected(ran.error());
  auto ran = run_tool("debugfs", "e2fsprogs", {"-w", "-f", "fixup.debugfs", "state.img"}, e2fs);
  if (!ran) return std::unexpected(ran.error());
  // Exit status 0 says nothing: a failed command only writes to stderr,
  // whose first line is the version banner.
  std::string_view err = ran->err;
  if (err.starts_with("debugfs ")) {
    size_t nl = err.find('\n');
    err.remove_prefix(nl == std::string_view::npos ? err.size() : nl + 1);
  }
  if (std::string q = quote_stderr(err); !q.empty())
    return fail(fmt::format("debugfs failed to set times and owners: {}", q));
  return {};
}

}  // namespace cairn::images::detail
