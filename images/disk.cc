// Building a GPT disk image from two staged trees, as an ordinary user,
// without loop devices, reproducibly.
//
// Each partition is made as a file of its own in a work directory beside the
// output, then its data ranges are copied into the disk file at the
// partition's offset (holes stay holes), and libfdisk writes the partition
// table around them. Measured with dosfstools 4.2, mtools 4.0.32, e2fsprogs
// 1.47.0 and util-linux 2.38.1.
//
// The ESP (FAT32):
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
//
// The state partition (ext4):
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
//
// The GPT: libfdisk on the disk file's descriptor, with the caller's disk
// GUID, partition UUIDs, fixed type GUIDs and the labels as partition names.
// Nothing else in it varies; everything outside the partitions is zeros.
//
// Atomicity: the disk is written to `<output>.tmp.XXXXXX` (mkstemp, so it is
// ours), fsync'd and hashed before it is renamed over `output`; the work
// directory and the temporary are removed on every path out.
//
// Time: a 1 GiB disk holding a 170 MB file takes about 1.9 s on two busy
// cores — ESP 0.05 s, state 0.5 s, copying 0.2 s, and 1 s hashing, which
// would be 2.7 s if the holes were read rather than hashed as zeros.
//
// This file is past the ~800 lines STYLE.md suggests; its seams are the three
// stages (ESP, state partition, GPT), which would split into esp.cc, ext4.cc
// and gpt.cc behind this header.
#include "images/disk.hh"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <memory>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>
#include <libfdisk/libfdisk.h>

#include "base/fd.hh"
#include "base/files.hh"
#include "base/hash.hh"
#include "base/subprocess.hh"

namespace cairn::images {

namespace {

constexpr uint64_t kSectorSize = 512;
constexpr uint64_t kMinEspSize = 34 * kMiB;
constexpr uint64_t kMinStateSize = 16 * kMiB;
constexpr uint64_t kMinHeadroom = 64 * kMiB;
/// ext4 geometry, as kMke2fsConf sets it.
constexpr uint64_t kBlockSize = 4096;
constexpr uint64_t kInodeRatio = 16384;
constexpr uint64_t kInodeSize = 256;
/// The times a FAT directory entry can hold, in UTC.
constexpr int64_t kFatFirstTime = 315532800;   // 1980-01-01 00:00:00
constexpr int64_t kFatLastTime = 4354819199;   // 2107-12-31 23:59:59
constexpr uint64_t kFatMaxFileSize = 0xffffffff;
constexpr const char* kEspTypeGuid = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
constexpr const char* kLinuxTypeGuid = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";
/// How many problems one error names, how much of a tool's stderr it quotes.
constexpr size_t kMaxProblems = 10;
/// Arguments per mmd/mcopy run, well below the kernel's limit.
constexpr size_t kArgsPerRun = 256;
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

std::string errno_text(std::string_view what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}

uint64_t round_up(uint64_t value, uint64_t unit) { return (value + unit - 1) / unit * unit; }

/// The directory part of `path`, "." when there is none.
std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

// --- things owned ---------------------------------------------------------


/// A directory made with mkdtemp, removed with everything in it on scope exit.
class WorkDir {
 public:
  static Result<WorkDir> create(const std::string& prefix) {
    std::string path = prefix + "XXXXXX";
    if (::mkdtemp(path.data()) == nullptr)
      return fail(errno_text("cannot create work directory", path));
    return WorkDir(std::move(path));
  }
  WorkDir(WorkDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  WorkDir& operator=(WorkDir&&) = delete;
  ~WorkDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string operator/(std::string_view name) const {
    return path_ + "/" + std::string(name);
  }

 private:
  explicit WorkDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

/// A file made with mkstemp and kept open, unlinked on scope exit unless kept.
class TempFile {
 public:
  static Result<TempFile> create(const std::string& prefix) {
    std::string path = prefix + "XXXXXX";
    int fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) return fail(errno_text("cannot create temporary file", path));
    return TempFile(std::move(path), fd);
  }
  TempFile(TempFile&& other) noexcept
      : path_(std::exchange(other.path_, {})), fd_(std::move(other.fd_)) {}
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] int fd() const { return fd_.get(); }
  /// The file was renamed away: nothing to remove any more.
  void keep() { path_.clear(); }

 private:
  TempFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  Fd fd_;
};

// --- the layout -----------------------------------------------------------

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<void> check_layout(const DiskLayout& l) {
  struct Named {
    std::string_view name;
    const std::string& value;
  };
  const Named ids[] = {{"disk_guid", l.disk_guid}, {"esp_uuid", l.esp_uuid},
                       {"state_uuid", l.state_uuid}};
  std::map<std::string, std::string_view> seen;
  for (const auto& [name, value] : ids) {
    if (value.empty())
      return fail(fmt::format("{} is empty: a fixed UUID, derived from the build inputs, is "
                              "needed for a reproducible image", name));
    if (!is_uuid(value))
      return fail(fmt::format("{} \"{}\" is not a UUID (8-4-4-4-12 hex digits)", name, value));
    if (value == "00000000-0000-0000-0000-000000000000")
      return fail(fmt::format("{} is the nil UUID", name));
    auto [it, fresh] = seen.emplace(lower(value), name);
    if (!fresh) return fail(fmt::format("{} and {} are the same UUID", it->second, name));
  }
  if (l.esp_label.empty() || l.esp_label.size() > 11)
    return fail(fmt::format("esp_label \"{}\" is not 1 to 11 bytes long, as a FAT volume label "
                            "must be", l.esp_label));
  if (l.state_label.empty() || l.state_label.size() > 16)
    return fail(fmt::format("state_label \"{}\" is not 1 to 16 bytes long, as an ext4 label "
                            "must be", l.state_label));
  for (const auto& [name, size] : {std::pair<std::string_view, uint64_t>{"esp_size", l.esp_size},
                                   {"state_size", l.state_size}, {"total_size", l.total_size}})
    if (size % kMiB != 0)
      return fail(fmt::format("{} {} is not a whole number of MiB", name, size));
  if (l.esp_size < kMinEspSize)
    return fail(fmt::format("esp_size {} MiB is below {} MiB, too small for FAT32",
                            l.esp_size / kMiB, kMinEspSize / kMiB));
  if (l.state_size != 0 && l.state_size < kMinStateSize)
    return fail(fmt::format("state_size {} MiB is below {} MiB", l.state_size / kMiB,
                            kMinStateSize / kMiB));
  if (l.epoch < kFatFirstTime || l.epoch > kFatLastTime)
    return fail(fmt::format("epoch {} is outside 1980-01-01..2107-12-31 ({}..{}), the times a "
                            "FAT file system can hold", l.epoch, kFatFirstTime, kFatLastTime));
  return {};
}

/// The real path of a staged directory.
Result<std::string> staged_dir(std::string_view field, const std::string& dir) {
  if (dir.empty()) return fail(fmt::format("{} is empty", field));
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0) return fail(errno_text(std::string(field), dir));
  if (!S_ISDIR(st.st_mode)) return fail(fmt::format("{} {}: not a directory", field, dir));
  char* real = ::realpath(dir.c_str(), nullptr);
  if (real == nullptr) return fail(errno_text("cannot resolve", dir));
  std::string out = real;
  std::free(real);
  return out;
}

/// Fails when `output` (and so the work directory beside it) would land
/// inside the staged tree `real_dir`.
Result<void> check_outside(std::string_view field, const std::string& real_dir,
                           const std::string& output) {
  std::string dir = dir_of(output);
  char* real = ::realpath(dir.c_str(), nullptr);
  if (real == nullptr) return fail(errno_text("cannot resolve the directory", dir));
  std::string out_dir = real;
  std::free(real);
  if (out_dir == real_dir || out_dir.starts_with(real_dir == "/" ? real_dir : real_dir + "/"))
    return fail(fmt::format("the output is inside {} {}", field, real_dir));
  return {};
}

// --- the staged trees -----------------------------------------------------

/// One entry of a staged tree.
struct TreeEntry {
  std::string path;  ///< relative; "" is the root
  struct stat st;
};

/// Appends what directory `dir_fd` (the tree's `rel`) holds, each directory
/// sorted by bytes, a directory before what it holds.
Result<void> walk_dir(int dir_fd, const std::string& root, const std::string& rel,
                      std::vector<TreeEntry>& out) {
  auto where = [&] { return rel.empty() ? root : root + "/" + rel; };
  int list_fd = ::dup(dir_fd);
  DIR* dir = list_fd < 0 ? nullptr : ::fdopendir(list_fd);
  if (dir == nullptr) {
    if (list_fd >= 0) ::close(list_fd);
    return fail(errno_text("cannot read", where()));
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* d = ::readdir(dir)) {
    std::string_view name = d->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
    errno = 0;
  }
  int read_errno = errno;
  ::closedir(dir);
  if (read_errno != 0) {
    errno = read_errno;
    return fail(errno_text("cannot read", where()));
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    TreeEntry e{rel.empty() ? name : rel + "/" + name, {}};
    if (::fstatat(dir_fd, name.c_str(), &e.st, AT_SYMLINK_NOFOLLOW) != 0)
      return fail(errno_text("cannot stat", root + "/" + e.path));
    bool is_dir = S_ISDIR(e.st.st_mode);
    out.push_back(std::move(e));
    if (!is_dir) continue;
    const std::string& sub = out.back().path;
    Fd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) return fail(errno_text("cannot open", root + "/" + sub));
    if (auto ok = walk_dir(fd.get(), root, std::string(sub), out); !ok) return ok;
  }
  return {};
}

/// Every entry of the tree at `root`, the root ("") first.
Result<std::vector<TreeEntry>> walk_tree(const std::string& root) {
  Fd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return fail(errno_text("cannot open", root));
  std::vector<TreeEntry> out(1);
  if (::fstat(fd.get(), &out[0].st) != 0) return fail(errno_text("cannot stat", root));
  if (auto ok = walk_dir(fd.get(), root, "", out); !ok) return std::unexpected(ok.error());
  return out;
}

std::string_view base_name(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view parent_path(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

/// Joins problems found in a tree into one error.
Result<void> report(std::string_view what, std::vector<std::string> problems) {
  if (problems.empty()) return {};
  std::string message(what);
  for (size_t i = 0; i < problems.size() && i < kMaxProblems; ++i)
    message += (i ? "; " : ": ") + problems[i];
  if (problems.size() > kMaxProblems)
    message += fmt::format(" (and {} more)", problems.size() - kMaxProblems);
  return fail(message);
}

/// Checks that a FAT file system, written by mtools, can hold the ESP tree.
Result<void> check_esp_tree(const std::vector<TreeEntry>& tree) {
  std::vector<std::string> problems;
  std::map<std::pair<std::string, std::string>, std::string> folded;
  for (const auto& e : tree) {
    if (e.path.empty()) continue;
    std::string_view name = base_name(e.path);
    if (!S_ISDIR(e.st.st_mode) && !S_ISREG(e.st.st_mode)) {
      problems.push_back(fmt::format("{}: not a file or directory, which is all FAT holds",
                                     e.path));
      continue;
    }
    if (S_ISREG(e.st.st_mode) && static_cast<uint64_t>(e.st.st_size) > kFatMaxFileSize)
      problems.push_back(fmt::format("{}: larger than 4 GiB - 1, the most FAT holds", e.path));
    bool bad = name.back() == '.' || name.back() == ' ';
    for (char c : name)
      bad = bad || static_cast<unsigned char>(c) < 0x20 ||
            std::string_view("\"*:<>?\\|[]\x7f").find(c) != std::string_view::npos;
    if (bad)
      problems.push_back(fmt::format(
          "\"{}\": a FAT name cannot hold control characters or any of \"*:<>?\\| or end in a "
          "dot or space, and mtools reads [ and ] as a pattern", e.path));
    auto [it, fresh] = folded.emplace(std::pair{std::string(parent_path(e.path)), lower(name)},
                                      e.path);
    if (!fresh)
      problems.push_back(fmt::format("{} and {}: names that differ only in case, which FAT "
                                     "takes for one", it->second, e.path));
  }
  return report("the ESP tree cannot be a FAT file system", std::move(problems));
}

// --- sizes ----------------------------------------------------------------

/// What a tree needs in ext4: data, directory and symlink blocks, inodes.
struct TreeUsage {
  uint64_t bytes = 0;
  uint64_t inodes = 0;
};

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

/// Where the partitions go.
struct Plan {
  PartitionInfo esp;
  PartitionInfo state;
  uint64_t total = 0;
};

Result<Plan> plan_disk(const DiskLayout& l, const TreeUsage& state_usage) {
  Plan p;
  p.esp = {1, kMiB, l.esp_size};
  // The primary table before the partitions; with GPT the backup after them.
  uint64_t around = l.table == PartitionTable::gpt ? 2 * kMiB : kMiB;
  uint64_t state = l.state_size;
  if (state == 0) {
    uint64_t fit = fit_state_size(state_usage);
    if (l.total_size == 0) {
      state = fit;
    } else {
      state = l.total_size > l.esp_size + around ? l.total_size - l.esp_size - around : 0;
      if (state < fit)
        return fail(fmt::format("total_size {} MiB leaves {} MiB for the state partition; its "
                                "content needs {} MiB", l.total_size / kMiB, state / kMiB,
                                fit / kMiB));
    }
  }
  p.state = {2, p.esp.offset + p.esp.size, state};
  uint64_t need = p.esp.size + state + around;
  if (l.total_size != 0 && l.total_size < need)
    return fail(fmt::format("total_size {} MiB is less than the {} MiB the partitions and the "
                            "GPT take", l.total_size / kMiB, need / kMiB));
  p.total = l.total_size != 0 ? l.total_size : need;
  return p;
}

// --- tools ----------------------------------------------------------------

/// Runs `program` from `package`; an error unless it exited with status 0.
Result<RunResult> run_tool(std::string_view program, std::string_view package,
                           const std::vector<std::string>& args, const RunOptions& options) {
  auto ran = run(program, args, options);
  if (!ran) return fail(fmt::format("{}; is {} installed?", ran.error().message, package));
  if (!ran->success()) {
    std::string err = quote_stderr(ran->err);
    return fail(err.empty() ? fmt::format("{} failed ({})", program, ran->describe())
                            : fmt::format("{} failed ({}): {}", program, ran->describe(), err));
  }
  return std::move(*ran);
}

/// Runs `program` once per chunk of `items`, each time as `head + chunk + tail`.
Result<void> run_chunked(std::string_view program, std::string_view package,
                         const std::vector<std::string>& head,
                         const std::vector<std::string>& items,
                         const std::vector<std::string>& tail, const RunOptions& options) {
  for (size_t i = 0; i < items.size(); i += kArgsPerRun) {
    std::vector<std::string> args = head;
    size_t end = std::min(items.size(), i + kArgsPerRun);
    args.insert(args.end(), items.begin() + static_cast<ptrdiff_t>(i),
                items.begin() + static_cast<ptrdiff_t>(end));
    args.insert(args.end(), tail.begin(), tail.end());
    if (auto ran = run_tool(program, package, args, options); !ran)
      return std::unexpected(ran.error());
  }
  return {};
}

// --- the ESP --------------------------------------------------------------

uint16_t get16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t get32(const unsigned char* p) {
  return static_cast<uint32_t>(get16(p)) | static_cast<uint32_t>(get16(p + 2)) << 16;
}
void put16(unsigned char* p, uint16_t v) {
  p[0] = static_cast<unsigned char>(v);
  p[1] = static_cast<unsigned char>(v >> 8);
}

/// Dates the volume label's directory entry (the first of the root
/// directory, which mkfs.vfat --invariant dates 2015-03-14) at `epoch`, as
/// mtools dates what it writes.
Result<void> set_label_time(const std::string& image, int64_t epoch) {
  Fd fd(::open(image.c_str(), O_RDWR | O_CLOEXEC));
  if (fd.get() < 0) return fail(errno_text("cannot open", image));
  unsigned char boot[512];
  if (::pread(fd.get(), boot, sizeof boot, 0) != static_cast<ssize_t>(sizeof boot))
    return fail(errno_text("cannot read the boot sector of", image));
  uint64_t sector = get16(boot + 11), per_cluster = boot[13], reserved = get16(boot + 14),
           fats = boot[16], fat_sectors = get32(boot + 36), root_cluster = get32(boot + 44);
  if (sector == 0 || per_cluster == 0 || root_cluster < 2)
    return fail(fmt::format("{}: not a FAT32 boot sector", image));
  auto offset = static_cast<off_t>(
      (reserved + fats * fat_sectors + (root_cluster - 2) * per_cluster) * sector);
  unsigned char entry[32];
  if (::pread(fd.get(), entry, sizeof entry, offset) != static_cast<ssize_t>(sizeof entry))
    return fail(errno_text("cannot read the root directory of", image));
  if (entry[11] != 0x08)
    return fail(fmt::format("{}: the root directory does not start with the volume label", image));
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  auto date = static_cast<uint16_t>((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
  auto time = static_cast<uint16_t>(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
  entry[13] = 0;           // creation time, hundredths
  put16(entry + 14, time);  // creation
  put16(entry + 16, date);
  put16(entry + 18, date);  // last access
  put16(entry + 22, time);  // last write
  put16(entry + 24, date);
  if (::pwrite(fd.get(), entry, sizeof entry, offset) != static_cast<ssize_t>(sizeof entry))
    return fail(errno_text("cannot write", image));
  return {};
}

/// Makes `work/esp.img`: FAT32 holding the tree at `root`.
Result<void> make_esp(const DiskLayout& l, const std::string& root,
                      const std::vector<TreeEntry>& tree, const WorkDir& work) {
  RunOptions in_work;
  in_work.cwd = work.path();
  in_work.env = {"LC_ALL=C"};
  std::string serial = lower(l.esp_uuid.substr(0, 8));
  if (auto ran = run_tool("mkfs.vfat", "dosfstools",
                          {"-F", "32", "--invariant", "-i", serial, "-n", l.esp_label, "-C",
                           "esp.img", std::to_string(l.esp_size / 1024)},
                          in_work);
      !ran)
    return std::unexpected(ran.error());
  if (auto ok = set_label_time(work / "esp.img", l.epoch); !ok) return ok;

  // Directories first, parents before children, then each directory's files.
  std::vector<std::string> dirs;
  std::map<std::string, std::vector<std::string>> files;  // by directory, in order
  std::vector<std::string> order = {""};
  for (const auto& e : tree) {
    if (e.path.empty()) continue;
    if (S_ISDIR(e.st.st_mode)) {
      dirs.push_back("::/" + e.path);
      order.push_back(e.path);
    } else {
      files[std::string(parent_path(e.path))].push_back(root + "/" + e.path);
    }
  }
  RunOptions mtools = in_work;
  mtools.env = {"MTOOLS_SKIP_CHECK=1", "MTOOLS_LOWER_CASE=0", "MTOOLS_NO_VFAT=0",
                "MTOOLS_NAME_NUMERIC_TAIL=1", "MTOOLS_DOTTED_DIR=0",
                "MTOOLS_FAT_COMPATIBILITY=0", "MTOOLSRC", "HOME=" + work.path(),
                "SOURCE_DATE_EPOCH=" + std::to_string(l.epoch), "TZ=UTC0", "LC_ALL=C.UTF-8"};
  const std::vector<std::string> image = {"-i", "esp.img"};
  if (auto ok = run_chunked("mmd", "mtools", image, dirs, {}, mtools); !ok) return ok;
  for (const auto& dir : order) {
    auto it = files.find(dir);
    if (it == files.end()) continue;
    if (auto ok = run_chunked("mcopy", "mtools", image, it->second, {"::/" + dir}, mtools); !ok)
      return ok;
  }
  return {};
}

// --- the state partition --------------------------------------------------

/// A path for a debugfs command: quoted, `"` doubled (libss's rules).
std::string debugfs_path(std::string_view rel) {
  std::string out = "\"/";
  for (char c : rel) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
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

// --- the disk -------------------------------------------------------------

/// Copies the data ranges of the file `src` into `dst` at `offset`,
/// skipping holes.
Result<void> copy_into(const std::string& src, int dst, uint64_t offset, uint64_t limit) {
  Fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return fail(errno_text("cannot open", src));
  struct stat st{};
  if (::fstat(in.get(), &st) != 0) return fail(errno_text("cannot stat", src));
  auto size = static_cast<uint64_t>(st.st_size);
  if (size > limit)
    return fail(fmt::format("{} is {} bytes, more than its partition's {}", src, size, limit));
  bool use_copy_range = true;
  std::unique_ptr<char[]> buffer;
  constexpr size_t kBuffer = 1 << 20;
  off_t pos = 0;
  while (static_cast<uint64_t>(pos) < size) {
    off_t data = ::lseek(in.get(), pos, SEEK_DATA);
    if (data < 0 && errno == ENXIO) break;  // only a hole is left
    if (data < 0) return fail(errno_text("cannot seek in", src));
    off_t hole = ::lseek(in.get(), data, SEEK_HOLE);
    if (hole < 0) return fail(errno_text("cannot seek in", src));
    off_t in_off = data;
    auto out_off = static_cast<off_t>(offset + static_cast<uint64_t>(data));
    while (in_off < hole) {
      auto want = static_cast<size_t>(std::min<off_t>(hole - in_off, 1 << 30));
      ssize_t n = -1;
      if (use_copy_range) {
        n = ::copy_file_range(in.get(), &in_off, dst, &out_off, want, 0);
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                      errno == EOPNOTSUPP)) {
          use_copy_range = false;  // another file system or an old kernel
          continue;
        }
      } else {
        if (!buffer) buffer = std::make_unique<char[]>(kBuffer);
        n = ::pread(in.get(), buffer.get(), std::min(want, kBuffer), in_off);
        if (n > 0) {
          for (ssize_t done = 0; done < n;) {
            ssize_t w = ::pwrite(dst, buffer.get() + done, static_cast<size_t>(n - done),
                                 out_off + done);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return fail(errno_text("cannot write the copy of", src));
            done += w;
          }
          in_off += n;
          out_off += n;
        }
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(errno_text("cannot copy", src));
      if (n == 0) return fail(fmt::format("{} ended early", src));
    }
    pos = hole;
  }
  return {};
}

/// SHA-256 of the whole file behind `fd`, holes hashed as the zeros they
/// read as without reading them (most of a fresh disk is holes).
Result<std::string> sha256_sparse(int fd, const std::string& path, uint64_t size) {
  constexpr size_t kChunk = 1 << 20;
  auto buffer = std::make_unique<char[]>(kChunk);
  auto zeros = std::make_unique<char[]>(kChunk);  // value-initialized: all zero
  Sha256 hash;
  auto hash_zeros = [&](uint64_t n) {
    for (; n > 0; n -= std::min<uint64_t>(n, kChunk))
      hash.update(std::string_view(zeros.get(), std::min<uint64_t>(n, kChunk)));
  };
  uint64_t pos = 0;
  while (pos < size) {
    off_t data = ::lseek(fd, static_cast<off_t>(pos), SEEK_DATA);
    if (data < 0 && errno != ENXIO) return fail(errno_text("cannot seek in", path));
    uint64_t data_start = data < 0 ? size : static_cast<uint64_t>(data);
    hash_zeros(data_start - pos);
    if (data_start == size) break;
    off_t hole = ::lseek(fd, data, SEEK_HOLE);
    if (hole < 0) return fail(errno_text("cannot seek in", path));
    auto end = static_cast<uint64_t>(hole);
    for (pos = data_start; pos < end;) {
      auto want = static_cast<size_t>(std::min<uint64_t>(end - pos, kChunk));
      ssize_t n = ::pread(fd, buffer.get(), want, static_cast<off_t>(pos));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(errno_text("cannot read", path));
      if (n == 0) return fail(fmt::format("{} ended early", path));
      hash.update(std::string_view(buffer.get(), static_cast<size_t>(n)));
      pos += static_cast<uint64_t>(n);
    }
  }
  return hash.hex_digest();
}

/// libfdisk's return codes are -errno.
std::string fdisk_error(std::string_view what, int rc) {
  return fmt::format("{}: {}", what, std::strerror(rc < 0 ? -rc : rc));
}

struct ContextFree {
  void operator()(fdisk_context* c) const { fdisk_unref_context(c); }
};
struct PartitionFree {
  void operator()(fdisk_partition* p) const { fdisk_unref_partition(p); }
};
struct TypeFree {
  void operator()(fdisk_parttype* t) const { fdisk_unref_parttype(t); }
};

Result<void> add_partition(fdisk_context* cxt, const PartitionInfo& where, const char* type_guid,
                           const std::string& name, const std::string& uuid) {
  std::unique_ptr<fdisk_partition, PartitionFree> pa(fdisk_new_partition());
  std::unique_ptr<fdisk_parttype, TypeFree> type(
      fdisk_label_get_parttype_from_string(fdisk_get_label(cxt, nullptr), type_guid));
  if (!pa || !type) return fail("out of memory");
  int rc = 0;
  if ((rc = fdisk_partition_set_partno(pa.get(), where.number - 1)) ||
      (rc = fdisk_partition_set_start(pa.get(), where.offset / kSectorSize)) ||
      (rc = fdisk_partition_set_size(pa.get(), where.size / kSectorSize)) ||
      (rc = fdisk_partition_size_explicit(pa.get(), 1)) ||
      (rc = fdisk_partition_set_type(pa.get(), type.get())) ||
      (rc = fdisk_partition_set_name(pa.get(), name.c_str())) ||
      (rc = fdisk_partition_set_uuid(pa.get(), uuid.c_str())))
    return fail(fdisk_error(fmt::format("cannot describe partition {}", where.number), rc));
  size_t partno = 0;
  if ((rc = fdisk_add_partition(cxt, pa.get(), &partno)) != 0)
    return fail(fdisk_error(fmt::format("cannot add partition {}", where.number), rc));
  if (partno + 1 != where.number)
    return fail(fmt::format("libfdisk made partition {}, not {}", partno + 1, where.number));
  return {};
}

/// Writes an MBR ("dos" label) with the boot partition active into `fd`.
Result<void> write_mbr(fdisk_context* cxt, const DiskLayout& l, const Plan& p) {
  int rc = 0;
  if ((rc = fdisk_create_disklabel(cxt, "dos")) != 0) return fail(fdisk_error("cannot create an MBR", rc));
  std::string id = "0x" + lower(l.disk_guid.substr(0, 8));
  if ((rc = fdisk_set_disklabel_id_from_string(cxt, id.c_str())) != 0)
    return fail(fdisk_error("cannot set the disk identifier", rc));
  for (const auto& [where, code] : {std::pair{p.esp, 0x0cu}, std::pair{p.state, 0x83u}}) {
    std::unique_ptr<fdisk_partition, PartitionFree> pa(fdisk_new_partition());
    std::unique_ptr<fdisk_parttype, TypeFree> type(fdisk_label_get_parttype_from_code(fdisk_get_label(cxt, nullptr), code));
    if (!pa || !type) return fail("out of memory");
    if ((rc = fdisk_partition_set_partno(pa.get(), where.number - 1)) ||
        (rc = fdisk_partition_set_start(pa.get(), where.offset / kSectorSize)) ||
        (rc = fdisk_partition_set_size(pa.get(), where.size / kSectorSize)) ||
        (rc = fdisk_partition_size_explicit(pa.get(), 1)) || (rc = fdisk_partition_set_type(pa.get(), type.get())))
      return fail(fdisk_error(fmt::format("cannot describe partition {}", where.number), rc));
    size_t partno = 0;
    if ((rc = fdisk_add_partition(cxt, pa.get(), &partno)) != 0)
      return fail(fdisk_error(fmt::format("cannot add partition {}", where.number), rc));
  }
  if ((rc = fdisk_toggle_partition_flag(cxt, 0, DOS_FLAG_ACTIVE)) != 0)
    return fail(fdisk_error("cannot mark the boot partition active", rc));
  return {};
}

/// Writes the partition table into the disk file `fd`: the protective MBR
/// and both GPTs, or an MBR (DiskLayout::table).
Result<void> write_table(int fd, const std::string& path, const DiskLayout& l, const Plan& p) {
  std::unique_ptr<fdisk_context, ContextFree> cxt(fdisk_new_context());
  if (!cxt) return fail("out of memory");
  int rc = fdisk_assign_device_by_fd(cxt.get(), fd, path.c_str(), 0);
  if (rc != 0) return fail(fdisk_error("cannot open " + path + " with libfdisk", rc));
  fdisk_disable_dialogs(cxt.get(), 1);
  if (l.table == PartitionTable::mbr) {
    if (auto ok = write_mbr(cxt.get(), l, p); !ok) return ok;
    if ((rc = fdisk_write_disklabel(cxt.get())) != 0) return fail(fdisk_error("cannot write the MBR", rc));
    fdisk_deassign_device(cxt.get(), 1);
    return {};
  }
  if ((rc = fdisk_create_disklabel(cxt.get(), "gpt")) != 0)
    return fail(fdisk_error("cannot create a GPT", rc));
  if ((rc = fdisk_set_disklabel_id_from_string(cxt.get(), lower(l.disk_guid).c_str())) != 0)
    return fail(fdisk_error("cannot set the disk GUID", rc));
  if (auto ok = add_partition(cxt.get(), p.esp, kEspTypeGuid, l.esp_label, lower(l.esp_uuid)); !ok)
    return ok;
  if (auto ok = add_partition(cxt.get(), p.state, kLinuxTypeGuid, l.state_label,
                              lower(l.state_uuid));
      !ok)
    return ok;
  if ((rc = fdisk_write_disklabel(cxt.get())) != 0)
    return fail(fdisk_error("cannot write the GPT", rc));
  // Our descriptor stays open; it is synced once everything is written.
  fdisk_deassign_device(cxt.get(), 1);
  return {};
}

Result<DiskInfo> make(const DiskLayout& l, const std::string& output) {
  if (auto ok = check_layout(l); !ok) return std::unexpected(ok.error());
  auto esp_root = staged_dir("esp_dir", l.esp_dir);
  if (!esp_root) return std::unexpected(esp_root.error());
  auto state_root = staged_dir("state_dir", l.state_dir);
  if (!state_root) return std::unexpected(state_root.error());
  if (auto ok = check_outside("esp_dir", *esp_root, output); !ok)
    return std::unexpected(ok.error());
  if (auto ok = check_outside("state_dir", *state_root, output); !ok)
    return std::unexpected(ok.error());

  auto esp_tree = walk_tree(*esp_root);
  if (!esp_tree) return std::unexpected(esp_tree.error());
  if (auto ok = check_esp_tree(*esp_tree); !ok) return std::unexpected(ok.error());
  auto state_tree = walk_tree(*state_root);
  if (!state_tree) return std::unexpected(state_tree.error());
  auto fixups = fixup_commands(*state_tree, l.epoch);
  if (!fixups) return std::unexpected(fixups.error());
  auto plan = plan_disk(l, tree_usage(*state_tree));
  if (!plan) return std::unexpected(plan.error());

  auto work = WorkDir::create(output + ".work.");
  if (!work) return std::unexpected(work.error());
  Passes passes;
  passes.start("esp");
  if (auto ok = make_esp(l, *esp_root, *esp_tree, *work); !ok)
    return std::unexpected(ok.error().context("making the ESP"));
  passes.start("state");
  if (auto ok = make_state(l, *state_root, *fixups, plan->state.size, *work); !ok)
    return std::unexpected(ok.error().context("making the state partition"));

  passes.start("assemble");
  auto disk = TempFile::create(output + ".tmp.");
  if (!disk) return std::unexpected(disk.error());
  if (::ftruncate(disk->fd(), static_cast<off_t>(plan->total)) != 0)
    return fail(errno_text("cannot size", disk->path()));
  if (auto ok = copy_into(*work / "esp.img", disk->fd(), plan->esp.offset, plan->esp.size); !ok)
    return std::unexpected(ok.error().context("copying the ESP into the disk"));
  if (auto ok = copy_into(*work / "state.img", disk->fd(), plan->state.offset, plan->state.size);
      !ok)
    return std::unexpected(ok.error().context("copying the state partition into the disk"));
  if (auto ok = write_table(disk->fd(), disk->path(), l, *plan); !ok)
    return std::unexpected(ok.error().context("writing the partition table"));
  if (::fchmod(disk->fd(), 0644) != 0 || ::fsync(disk->fd()) != 0)
    return fail(errno_text("cannot sync", disk->path()));

  passes.start("hash");
  auto sha = sha256_sparse(disk->fd(), disk->path(), plan->total);
  if (!sha) return std::unexpected(sha.error());
  passes.finish();

  if (::rename(disk->path().c_str(), output.c_str()) != 0)
    return fail(errno_text("cannot rename into place", output));
  disk->keep();
  // Best effort, as in write_file_atomic: the image is in place already.
  if (Fd dir(::open(dir_of(output).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); dir.get() >= 0)
    ::fsync(dir.get());
  return DiskInfo{output, plan->total, std::move(*sha), plan->esp, plan->state,
                  passes.timings()};
}

}  // namespace

Result<DiskInfo> make_disk_image(const DiskLayout& layout, const std::string& output) {
  auto made = make(layout, output);
  if (!made) return std::unexpected(made.error().context("making disk image " + output));
  return made;
}

}  // namespace cairn::images
