// Tests for images/disk: with the real mkfs.vfat, mtools, mke2fs and
// debugfs, that the GPT read back with libfdisk holds both partitions with
// the right types, names, UUIDs and offsets; that blkid finds the labels and
// file-system UUIDs in each partition's byte range; that files put in both
// partitions read back (names with spaces, quotes and non-ASCII included),
// dated at the epoch and, on the state partition, owned by root; that two
// builds from trees staged on different file systems, in different orders,
// by different owners, at different times, give the same bytes; how sizes are
// chosen; and that bad layouts and failing tools are reported and leave
// nothing behind. Tool tests skip when a tool is missing.
//
// The 1 GiB timing is DISABLED_ (a 170 MB write); run it with
// --gtest_also_run_disabled_tests --gtest_filter='*Disk*OneGib*'.
#include "images/disk.hh"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <iostream>
#include <libfdisk/libfdisk.h>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "base/files.hh"
#include "base/hash.hh"
#include "base/subprocess.hh"
#include "base/temp_dir_test.hh"

namespace cairn::images {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kEpoch = 1700000000;  // 2023-11-14 22:13:20 UTC
constexpr uid_t kBuildUser = 12345;
const std::string kDiskGuid = "9b1c8e0e-2f4a-4d3b-8c5e-6a7f8b9c0d1e";
const std::string kEspUuid = "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";
const std::string kStateUuid = "5f6e7d8c-9bab-4cde-8f01-23456789abcd";

struct TempDir : cairn::TempDir {
  TempDir() : cairn::TempDir("disk") {}
};

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

const char* const kTools[] = {"mkfs.vfat", "mmd", "mcopy", "mke2fs", "debugfs", "blkid"};

std::string missing_tools() {
  std::string out;
  for (const char* t : kTools)
    if (!find_program(t)) out += (out.empty() ? "" : ", ") + std::string(t);
  return out;
}

#define SKIP_WITHOUT_DISK_TOOLS()                                                         \
  if (std::string missing = missing_tools(); !missing.empty()) {                          \
    GTEST_SKIP() << missing << " not found on PATH (dosfstools, mtools, e2fsprogs, util-linux)"; \
  }

/// Writes a staged file (without write_file_atomic's fsync: thousands of them).
void put(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  ASSERT_TRUE(out.write(content.data(), static_cast<std::streamsize>(content.size()))) << path;
}

void set_mtime(const std::string& path, std::time_t when) {
  timespec times[2] = {{when, 0}, {when, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

/// Gives every entry under `root` the mtime `when` and, when the test runs as
/// root, the owner `uid`, standing in for the build user.
void restamp(const std::string& root, std::time_t when, uid_t uid) {
  std::vector<std::string> paths = {root};
  for (auto& e : fs::recursive_directory_iterator(root)) paths.push_back(e.path().string());
  for (const auto& p : paths) {
    if (::geteuid() == 0) {
      ASSERT_EQ(::lchown(p.c_str(), uid, uid + 1), 0) << p;
    }
    set_mtime(p, when);
  }
}

/// The trees every tool test uses. `reverse` creates them in the opposite
/// order, which changes readdir order on tmpfs.
void stage_esp(const std::string& root, bool reverse) {
  std::vector<std::pair<std::string, std::string>> files = {
      {"EFI/BOOT/BOOTX64.EFI", "MZ boot loader\n"},
      {"EFI/systemd/systemd-bootx64.efi", "MZ systemd-boot\n"},
      {"loader/loader.conf", "timeout 3\ndefault cairn-*\n"},
      {"loader/entries/cairn-1+3.conf", "title cairn 1\nlinux /cairn/k\n"},
      {"loader/entries/cairn-2+3.conf", "title cairn 2\nlinux /cairn/k\n"},
      {"cairn/0123abcd-kernel", std::string(100000, 'k')},
      {"cairn/0123abcd-initrd", std::string(300000, 'i')},
      {"Grüße über.txt", "unicode\n"},
  };
  if (reverse) std::reverse(files.begin(), files.end());
  fs::create_directories(root);
  for (const auto& [path, content] : files) put(root + "/" + path, content);
}

void stage_state(const std::string& root, bool reverse) {
  std::vector<std::pair<std::string, std::string>> files = {
      {"generations/1/system.squashfs", std::string(200000, 's')},
      {"generations/1/manifest.json", "{\"sha256\": \"00\"}\n"},
      {"var/lib/a b", "space\n"},
      {"var/lib/qu\"ote", "quote\n"},
      {"var/lib/back\\slash", "backslash\n"},
      {"var/lib/#hash", "hash\n"},
      {"var/lib/caf\xc3\xa9", "cafe\n"},
      {"home/.keep", ""},
      {"root/.profile", "PS1='# '\n"},
  };
  if (reverse) std::reverse(files.begin(), files.end());
  fs::create_directories(root);
  for (const auto& [path, content] : files) put(root + "/" + path, content);
  fs::create_symlink("generations/1", root + "/current");
  ::chmod((root + "/root").c_str(), 0700);
}

DiskLayout test_layout(const std::string& esp, const std::string& state) {
  DiskLayout l;
  l.esp_size = 64 * kMiB;
  l.esp_dir = esp;
  l.state_dir = state;
  l.disk_guid = kDiskGuid;
  l.esp_uuid = kEspUuid;
  l.state_uuid = kStateUuid;
  l.epoch = kEpoch;
  return l;
}

/// Runs a tool the test needs; its standard output.
std::string tool(const std::string& program, const std::vector<std::string>& args,
                 std::vector<std::string> env = {}) {
  RunOptions options;
  options.env = std::move(env);
  auto ran = run(program, args, options);
  EXPECT_TRUE(ran) << ran.error().message;
  if (!ran) return "";
  EXPECT_TRUE(ran->success()) << program << " " << ran->describe() << ": " << ran->err;
  return ran->out;
}

/// `blkid -p -o export` on a byte range of the disk, as a map.
std::map<std::string, std::string> blkid(const std::string& disk, const PartitionInfo& p) {
  std::map<std::string, std::string> out;
  std::istringstream lines(tool("blkid", {"-p", "-o", "export", "-O", std::to_string(p.offset),
                                          "-S", std::to_string(p.size), disk}));
  for (std::string line; std::getline(lines, line);)
    if (auto eq = line.find('='); eq != std::string::npos)
      out[line.substr(0, eq)] = line.substr(eq + 1);
  return out;
}

/// A file of the ESP inside the disk image, read with mtools.
std::string esp_file(const std::string& disk, const DiskInfo& info, const std::string& path) {
  return tool("mcopy", {"-n", "-i", disk + "@@" + std::to_string(info.esp.offset), "::/" + path,
                        "-"},
              {"MTOOLS_SKIP_CHECK=1", "LC_ALL=C.UTF-8"});
}

/// debugfs on the state partition inside the disk image.
std::string state_debugfs(const std::string& disk, const DiskInfo& info,
                          const std::string& request) {
  return tool("debugfs", {"-R", request, disk + "?offset=" + std::to_string(info.state.offset)});
}

/// Copies a partition out of the disk image into a file of its own.
void extract(const std::string& disk, const PartitionInfo& p, const std::string& out) {
  std::ifstream in(disk, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(p.offset));
  std::string bytes(p.size, '\0');
  ASSERT_TRUE(in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())));
  ASSERT_TRUE(write_file_atomic(out, bytes));
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// --- the partition table --------------------------------------------------

struct ReadPartition {
  size_t partno;
  uint64_t start, size;  // sectors
  std::string type, name, uuid;
};

/// The GPT read back with libfdisk.
std::vector<ReadPartition> read_gpt(const std::string& disk, std::string* disk_id) {
  std::vector<ReadPartition> out;
  std::unique_ptr<fdisk_context, void (*)(fdisk_context*)> cxt(fdisk_new_context(),
                                                                fdisk_unref_context);
  EXPECT_EQ(fdisk_assign_device(cxt.get(), disk.c_str(), 1), 0);
  EXPECT_TRUE(fdisk_is_label(cxt.get(), GPT));
  char* id = nullptr;
  EXPECT_EQ(fdisk_get_disklabel_id(cxt.get(), &id), 0);
  *disk_id = id ? id : "";
  std::free(id);
  EXPECT_EQ(fdisk_verify_disklabel(cxt.get()), 0);
  for (size_t i = 0; i < fdisk_get_npartitions(cxt.get()); ++i) {
    if (!fdisk_is_partition_used(cxt.get(), i)) continue;
    fdisk_partition* pa = nullptr;
    EXPECT_EQ(fdisk_get_partition(cxt.get(), i, &pa), 0);
    fdisk_parttype* type = fdisk_partition_get_type(pa);
    const char* name = fdisk_partition_get_name(pa);
    const char* uuid = fdisk_partition_get_uuid(pa);
    out.push_back({fdisk_partition_get_partno(pa), fdisk_partition_get_start(pa),
                   fdisk_partition_get_size(pa), type ? fdisk_parttype_get_string(type) : "",
                   name ? name : "", uuid ? uuid : ""});
    fdisk_unref_partition(pa);
  }
  return out;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

TEST(DiskImage, TheGptHoldsTheEspAndThenTheStatePartitionWithTheGivenIds) {
  SKIP_WITHOUT_DISK_TOOLS();
  TempDir tmp;
  stage_esp(tmp / "esp", false);
  stage_state(tmp / "state", false);
  auto info = make_disk_image(test_layout(tmp / "esp", tmp / "state"), tmp / "disk.img");
  ASSERT_TRUE(info) << info.error().message;

  EXPECT_EQ(info->path, tmp / "disk.img");
  EXPECT_EQ(info->esp.number, 1u);
  EXPECT_EQ(info->esp.offset, kMiB);
  EXPECT_EQ(info->esp.size, 64 * kMiB);
  EXPECT_EQ(info->state.number, 2u);
  EXPECT_EQ(info->state.offset, 65 * kMiB);
  EXPECT_EQ(info->size, info->state.offset + info->state.size + kMiB);
  EXPECT_EQ(fs::file_size(tmp / "disk.img"), info->size);
  EXPECT_EQ(sha256_file(tmp / "disk.img").value_or(""), info->sha256);
  std::vector<std::string> steps;
  for (const auto& t : info->timings) steps.push_back(t.name);
  EXPECT_EQ(steps, (std::vector<std::string>{"esp", "state", "assemble", "hash"}));

  std::string disk_id;
  auto parts = read_gpt(tmp / "disk.img", &disk_id);
  EXPECT_EQ(upper(disk_id), upper(kDiskGuid));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].partno, 0u);
  EXPECT_EQ(parts[0].start, 2048u);
  EXPECT_EQ(parts[0].size, 64 * kMiB / 512);
  EXPECT_EQ(parts[0].type, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
  EXPECT_EQ(parts[0].name, "ESP");
  EXPECT_EQ(upper(parts[0].uuid), upper(kEspUuid));
  EXPECT_EQ(parts[1].partno, 1u);
  EXPECT_EQ(parts[1].start, 65 * kMiB / 512);
  EXPECT_EQ(parts[1].size, info->state.size / 512);
  EXPECT_EQ(parts[1].type, "0FC63DAF-8483-4772-8E79-3D69D8477DE4");
  EXPECT_EQ(parts[1].name, "cairn-state");
  EXPECT_EQ(upper(parts[1].uuid), upper(kStateUuid));

  // Nothing is left beside the image.
  EXPECT_EQ(names_in(tmp.path()), (std::vector<std::string>{"disk.img", "esp", "state"}));
}

TEST(DiskImage, BlkidFindsTheLabelsAndFileSystemUuidsInEachPartition) {
  SKIP_WITHOUT_DISK_TOOLS();
  TempDir tmp;
  stage_esp(tmp / "esp", false);
  stage_state(tmp / "state", false);
  auto info = make_disk_image(test_layout(tmp / "esp", tmp / "state"), tmp / "disk.img");
  ASSERT_TRUE(info) << info.error().message;

  auto esp = blkid(tmp / "disk.img", info->esp);
  EXPECT_EQ(esp["TYPE"], "vfat");
  EXPECT_EQ(esp["VERSION"], "FAT32");
  EXPECT_EQ(esp["LABEL"], "ESP");
  EXPECT_EQ(esp["UUID"], "0E1F-2A3B");  // the first 8 hex digits of esp_uuid
  auto state = blkid(tmp / "disk.img", info->state);
  EXPECT_EQ(state["TYPE"], "ext4");
  EXPECT_EQ(state["LABEL"], "cairn-state");
  EXPECT_EQ(state["UUID"], kStateUuid);
  auto whole = blkid(tmp / "disk.img", {0, 0, info->size});
  EXPECT_EQ(whole["PTTYPE"], "gpt");
  EXPECT_EQ(whole["PTUUID"], kDiskGuid);
}

TEST(DiskImage, AnMbrForTheRaspberryPiWithTheBootPartitionActive) {
  SKIP_WITHOUT_DISK_TOOLS();
  TempDir tmp;
  stage_esp(tmp / "esp", false);
  stage_state(tmp / "state", false);
  DiskLayout layout = test_layout(tmp / "esp", tmp / "state");
  layout.table = PartitionTable::mbr;
  auto info = make_disk_image(layout, tmp / "disk.img");
  ASSERT_TRUE(info) << info.error().message;
  // No backup table at the end.
  EXPECT_EQ(info->size, info->state.offset + info->state.size);

  std::unique_ptr<fdisk_context, void (*)(fdisk_context*)> cxt(fdisk_new_context(), fdisk_unref_context);
  ASSERT_EQ(fdisk_assign_device(cxt.get(), (tmp / "disk.img").c_str(), 1), 0);
  EXPECT_TRUE(fdisk_is_label(cxt.get(), DOS));
  char* id = nullptr;
  ASSERT_EQ(fdisk_get_disklabel_id(cxt.get(), &id), 0);
  EXPECT_EQ(std::string(id), "0x" + kDiskGuid.substr(0, 8));
  std::free(id);
  const unsigned codes[] = {0x0c, 0x83};
  for (size_t i = 0; i < 2; ++i) {
    fdisk_partition* pa = nullptr;
    ASSERT_EQ(fdisk_get_partition(cxt.get(), i, &pa), 0);
    EXPECT_EQ(fdisk_parttype_get_code(fdisk_partition_get_type(pa)), codes[i]);
    EXPECT_EQ(fdisk_partition_get_start(pa) * 512, i == 0 ? info->esp.offset : info->state.offset);
    EXPECT_EQ(fdisk_partition_is_bootable(pa), i == 0 ? 1 : 0);
    fdisk_unref_partition(pa);
  }
  auto whole = blkid(tmp / "disk.img", {0, 0, info->size});
  EXPECT_EQ(whole["PTTYPE"], "dos");
  EXPECT_EQ(blkid(tmp / "disk.img", info->esp)["LABEL"], "ESP");
  EXPECT_EQ(blkid(tmp / "disk.img", info->state)["LABEL"], "cairn-state");
}

// --- what the partitions hold ---------------------------------------------

TEST(DiskImage, FilesReadBackFromBothPartitions) {
  SKIP_WITHOUT_DISK_TOOLS();
  TempDir tmp;
  stage_esp(tmp / "esp", false);
  stage_state(tmp / "state", false);
  auto info = make_disk_image(test_layout(tmp / "esp", tmp / "state"), tmp / "disk.img");
  ASSERT_TRUE(info) << info.error().message;
  std::string disk = tmp / "disk.img";

  EXPECT_EQ(esp_file(disk, *info, "EFI/BOOT/BOOTX64.EFI"), "MZ boot loader\n");
  EXPECT_EQ(esp_file(disk, *info, "loader/entries/cairn-2+3.conf"),
            "title cairn 2\nlinux /cairn/k\n");
  EXPECT_EQ(esp_file(disk, *info, "cairn/0123abcd-initrd"), std::string(300000, 'i'));
  EXPECT_EQ(esp_file(disk, *info, "Grüße über.txt"), "unicode\n");

  EXPECT_EQ(state_debugfs(disk, *info, "cat /generations/1/manifest.json"),
            "{\"sha256\": \"00\"}\n");
  EXPECT_EQ(state_debugfs(disk, *info, "cat /generations/1/system.squashfs"),
            std::string(200000, 's'));
  EXPECT_EQ(state_debugfs(disk, *info, "cat \"/var/lib/a b\""), "space\n");
  EXPECT_EQ(state_debugfs(disk, *info, "cat \"/var/lib/qu\"\"ote\""), "quote\n");
  EXPECT_EQ(state_debugfs(disk, *info, "cat \"/var/lib/back\\slash\""), "backslash\n");
  EXPECT_EQ(state_debugfs(disk, *info, "cat \"/var/lib/#hash\""), "hash\n");
  EXPECT_EQ(state_debugfs(disk, *info, "cat /var/lib/caf\xc3\xa9"), "cafe\n");
  EXPECT_NE(state_debugfs(disk, *info, "stat /current").find("Fast link dest: \"generations/1\""),
            std::string::npos);

  // fsck finds nothing to fix in either file system.
  std::string esp_img = tmp / "esp.img", state_img = tmp / "state.img";
  extract(disk, info->esp, esp_img);
  extract(disk, info->state, state_img);
  if (find_program("fsck.vfat")) tool("fsck.vfat", {"-n", esp_img});
  if (find_program("e2fsck")) tool("e2fsck", {"-f", "-n", state_img});
}

TEST(DiskImage, EveryStateInodeIsRootsAndDatedAtTheEpoch) {
  SKIP_WITHOUT_DISK_TOOLS();
  TempDir tmp;
  stage_esp(tmp / "esp", false);
  stage_state(tmp / "state", false);
  restamp(tmp / "state", 1600000000, kBuildUser);
  auto info = make_disk_image(test_layout(tmp / "esp", tmp / "state"), tmp / "disk.img");
  ASSERT_TRUE(info) << info.error().message;
  std::string disk = tmp / "disk.img";

  std::vector<std::string> paths = {"/", "/lost+found", "/current"};
  for (auto& e : fs::recursive_directory_iterator(tmp / "state"))
    paths.push_back("/" + fs::relative(e.path(), tmp / "state").string());
  for (const auto& p : paths) {
    std::string quoted = "\"" + p + "\"";
    if (p.find('"') != std::string::npos) quoted = "\"/var/lib/qu\"\"ote\"";
    std::string stat = state_debugfs(disk, *info, "stat " + quoted);
    EXPECT_NE(stat.find("User:     0   Group:     0"), std::string::npos) << p << "\n" << stat;
    for (const char* field : {" ctime: ", " atime: ", " mtime: ", "crtime: "})
      EXPECT_NE(stat.find(std::string(field) + "0x6553f100:00000000"), std::string::npos)
          << p << " " << field << "\n" << stat;
  }
  // Modes are kept as staged.
  EXPECT_NE(state_debugfs(disk, *info, "stat /root").find("Mode:  0700"), std::string::npos);
  // The superblock's times are the epoch too.
  std::string super = state_debugfs(disk, *info, "stats");
  EXPECT_NE(super.find("Filesystem created:       Tue Nov 14 22:13:20 2023"), std::string::npos)
      << super;
  EXPECT_NE(super.find("Last write time:          Tue Nov 14 22:13:20 2023"), std::string::npos);
}

TEST(DiskImage, EveryEspTimeIsTheEpochIncludingTheVolumeLabels) {
  SKIP_WITHOUT_DISK_TOOLS();
  TempDir tmp;
  stage_esp(tmp / "esp", false);
  stage_state(tmp / "state", false);
  restamp(tmp / "esp", 1600000000, kBuildUser);
  auto info = make_disk_image(test_layout(tmp / "esp", tmp / "state"), tmp / "disk.img");
  ASSERT_TRUE(info) << info.error().message;
  std::string listing =
      tool("mdir", {"-/", "-a", "-i", tmp / "disk.img@@1M", "::"},
           {"MTOOLS_SKIP_CHECK=1", "LC_ALL=C.UTF-8", "MTOOLS_TWENTY_FOUR_HOUR_CLOCK=1"});
  // Every entry, "." and ".." included, and only the epoch's date.
  const std::regex dated_re(R"(\d{4}-\d\d-\d\d +\d\d?:\d\d)");
  size_t dated = 0;
  for (std::sregex_iterator it(listing.begin(), listing.end(), dated_re), end; it != end; ++it) {
    EXPECT_EQ(std::regex_replace(it->str(), std::regex(" +"), " "), "2023-11-14 22:13") << listing;
    ++dated;
  }
  EXPECT_EQ(dated, 26u) << listing;  // 8 files, 6 directories, 6 × "." and ".."

  // The label's directory entry (the root directory's first), read raw.
  int fd = ::open((tmp / "disk.img").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  unsigned char boot[512], entry[32];
  ASSERT_EQ(::pread(fd, boot, 512, static_cast<off_t>(kMiB)), 512);
  auto u16 = [](const unsigned char* p) { return uint32_t(p[0] | p[1] << 8); };
  auto u32 = [&](const unsigned char* p) { return u16(p) | u16(p + 2) << 16; };
  uint64_t root = (u16(boot + 14) + boot[16] * u32(boot + 36) + (u32(boot + 44) - 2) * boot[13]) *
                  u16(boot + 11);
  ASSERT_EQ(::pread(fd, entry, 32, static_cast<off_t>(kMiB + root)), 32);
  ::close(fd);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(entry), 11), "ESP        ");
  EXPECT_EQ(entry[11], 0x08);
  uint32_t date = (2023 - 1980) << 9 | 11 << 5 | 14, time = 22 << 11 | 13 << 5 | 20 / 2;
  EXPECT_EQ(u16(entry + 14), time);
  EXPECT_EQ(u16(entry + 16), date);
  EXPECT_EQ(u16(entry + 18), date);
  EXPECT_EQ(u16(entry + 22), time);
  EXPECT_EQ(u16(entry + 24), date);
}

// --- reproducibility ------------------------------------------------------

TEST(DiskImage, TwoStagingsOnDifferentFileSystemsAtDifferentTimesGiveTheSameBytes) {
  SKIP_WITHOUT_DISK_TOOLS();
  TempDir tmp;
  // The second staging goes to tmpfs when there is one: its readdir order
  // (newest first) differs from ext4's (hash order), and it is created in
  // the opposite order, with other times and owners.
  std::optional<TempDir> shm;
  if (fs::is_directory("/dev/shm") && ::access("/dev/shm", W_OK) == 0) {
    ScopedEnv tmpdir("TMPDIR", "/dev/shm");  // TempDir makes its directory under $TMPDIR
    shm.emplace();
  }
  std::string second = shm ? shm->path() : tmp / "second";
  stage_esp(tmp / "first/esp", false);
  stage_state(tmp / "first/state", false);
  restamp(tmp / "first", 1500000000, kBuildUser);
  auto a = make_disk_image(test_layout(tmp / "first/esp", tmp / "first/state"), tmp / "a.img");
  ASSERT_TRUE(a) << a.error().message;

  ::sleep(2);  // "now" differs by more than FAT's 2-second resolution
  stage_esp(second + "/esp", true);
  stage_state(second + "/state", true);
  restamp(second, 1600000000, kBuildUser + 7);
  auto b = make_disk_image(test_layout(second + "/esp", second + "/state"), tmp / "b.img");
  ASSERT_TRUE(b) << b.error().message;

  EXPECT_EQ(a->sha256, b->sha256);
  EXPECT_EQ(a->size, b->size);
  EXPECT_EQ(read_file(tmp / "a.img").value_or("a"), read_file(tmp / "b.img").value_or("b"));

  // Another epoch gives other bytes: the times are really the epoch's.
  auto layout = test_layout(tmp / "first/esp", tmp / "first/state");
  layout.epoch = kEpoch + 3600;
  auto c = make_disk_image(layout, tmp / "c.img");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_NE(a->sha256, c->sha256);
}

// --- sizes ----------------------------------------------------------------

TEST(DiskImage, AnAutomaticStateSizeHoldsManySmallFilesAndABigOneWithHeadroom) {
  SKIP_WITHOUT_DISK_TOOLS();
  TempDir tmp;
  fs::create_directories(tmp / "esp");
  for (int i = 0; i < 3000; ++i)
    put(tmp / ("state/many/d" + std::to_string(i % 30) + "/f" + std::to_string(i)), "x");
  put(tmp / "state/big", std::string(40 << 20, 'b'));
  auto info = make_disk_image(test_layout(tmp / "esp", tmp / "state"), tmp / "disk.img");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->state.size % kMiB, 0u);
  EXPECT_LT(info->state.size, 256 * kMiB);  // not wildly more than needed
  // At least 64 MiB stay free for root.
  std::string stats = state_debugfs(tmp / "disk.img", *info, "stats");
  auto at = stats.find("Free blocks:");
  ASSERT_NE(at, std::string::npos);
  uint64_t free_blocks = std::stoull(stats.substr(at + 12));
  EXPECT_GE(free_blocks * 4096, 64 * kMiB) << stats.substr(0, 2000);
  EXPECT_EQ(state_debugfs(tmp / "disk.img", *info, "cat /many/d7/f2977"), "x");
}

TEST(DiskImage, ATotalSizeWithoutStateSizeGivesTheStatePartitionTheRest) {
  SKIP_WITHOUT_DISK_TOOLS();
  TempDir tmp;
  stage_esp(tmp / "esp", false);
  stage_state(tmp / "state", false);
  auto layout = test_layout(tmp / "esp", tmp / "state");
  layout.total_size = 512 * kMiB;
  auto info = make_disk_image(layout, tmp / "disk.img");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->size, 512 * kMiB);
  EXPECT_EQ(info->state.offset, 65 * kMiB);
  EXPECT_EQ(info->state.size, (512 - 64 - 2) * kMiB);
  EXPECT_EQ(blkid(tmp / "disk.img", info->state)["TYPE"], "ext4");
}

TEST(DiskImage, AStateSizeBelowTheTotalLeavesTheRestFreeAfterIt) {
  SKIP_WITHOUT_DISK_TOOLS();
  TempDir tmp;
  stage_esp(tmp / "esp", false);
  stage_state(tmp / "state", false);
  auto layout = test_layout(tmp / "esp", tmp / "state");
  layout.state_size = 100 * kMiB;
  layout.total_size = 400 * kMiB;
  auto info = make_disk_image(layout, tmp / "disk.img");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->size, 400 * kMiB);
  EXPECT_EQ(info->state.size, 100 * kMiB);
  std::string disk_id;
  auto parts = read_gpt(tmp / "disk.img", &disk_id);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1].size, 100 * kMiB / 512);
  // The file stays sparse: the free space costs nothing.
  struct stat st{};
  ASSERT_EQ(::stat((tmp / "disk.img").c_str(), &st), 0);
  EXPECT_LT(static_cast<uint64_t>(st.st_blocks) * 512, 64 * kMiB);
}

// --- errors ---------------------------------------------------------------

TEST(DiskImage, LayoutsThatCannotWorkAreRefusedBeforeAnyToolRuns) {
  TempDir tmp;
  fs::create_directories(tmp / "esp");
  fs::create_directories(tmp / "state");
  put(tmp / "plain", "");
  struct Case {
    std::function<void(DiskLayout&)> change;
    std::string error;
  };
  const Case cases[] = {
      {[](DiskLayout& l) { l.disk_guid = ""; },
       "disk_guid is empty: a fixed UUID, derived from the build inputs, is needed for a "
       "reproducible image"},
      {[](DiskLayout& l) { l.esp_uuid = "0e1f2a3b4c5d4e6f8a9b0c1d2e3f4a5b"; },
       "esp_uuid \"0e1f2a3b4c5d4e6f8a9b0c1d2e3f4a5b\" is not a UUID (8-4-4-4-12 hex digits)"},
      {[](DiskLayout& l) { l.state_uuid = "00000000-0000-0000-0000-000000000000"; },
       "state_uuid is the nil UUID"},
      {[](DiskLayout& l) { l.state_uuid = upper(l.esp_uuid); },
       "esp_uuid and state_uuid are the same UUID"},
      {[](DiskLayout& l) { l.esp_label = "EFI-SYSTEM-P"; },
       "esp_label \"EFI-SYSTEM-P\" is not 1 to 11 bytes long, as a FAT volume label must be"},
      {[](DiskLayout& l) { l.state_label = "cairn-state-partition"; },
       "state_label \"cairn-state-partition\" is not 1 to 16 bytes long, as an ext4 label must "
       "be"},
      {[](DiskLayout& l) { l.esp_size = 100 * kMiB + 512; },
       "esp_size 104858112 is not a whole number of MiB"},
      {[](DiskLayout& l) { l.esp_size = 32 * kMiB; },
       "esp_size 32 MiB is below 34 MiB, too small for FAT32"},
      {[](DiskLayout& l) { l.state_size = 8 * kMiB; }, "state_size 8 MiB is below 16 MiB"},
      {[](DiskLayout& l) { l.epoch = 0; },
       "epoch 0 is outside 1980-01-01..2107-12-31 (315532800..4354819199), the times a FAT "
       "file system can hold"},
      {[](DiskLayout& l) {
         l.state_size = 100 * kMiB;
         l.total_size = 160 * kMiB;
       },
       "total_size 160 MiB is less than the 166 MiB the partitions and the GPT take"},
      {[](DiskLayout& l) { l.total_size = 128 * kMiB; },
       "total_size 128 MiB leaves 62 MiB for the state partition; its content needs 79 MiB"},
      {[&](DiskLayout& l) { l.state_dir = tmp / "nowhere"; },
       "state_dir " + (tmp / "nowhere") + ": No such file or directory"},
      {[&](DiskLayout& l) { l.esp_dir = tmp / "plain"; },
       "esp_dir " + (tmp / "plain") + ": not a directory"},
  };
  for (const auto& c : cases) {
    DiskLayout layout = test_layout(tmp / "esp", tmp / "state");
    c.change(layout);
    auto info = make_disk_image(layout, tmp / "disk.img");
    ASSERT_FALSE(info) << c.error;
    EXPECT_EQ(info.error().message, "making disk image " + (tmp / "disk.img") + ": " + c.error);
  }
  EXPECT_EQ(names_in(tmp.path()), (std::vector<std::string>{"esp", "plain", "state"}));

  // An output inside a staged tree would be read into the image.
  auto info = make_disk_image(test_layout(tmp / "esp", tmp / "state"), tmp / "state/disk.img");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().message, "making disk image " + (tmp / "state/disk.img") +
                                      ": the output is inside state_dir " + tmp.path() +
                                      "/state");
}

TEST(DiskImage, AnEspTreeFatCannotHoldIsRefusedWithEveryProblem) {
  TempDir tmp;
  put(tmp / "esp/EFI/BOOT/BOOTX64.EFI", "x");
  put(tmp / "esp/efi/other", "x");
  put(tmp / "esp/a:b", "x");
  put(tmp / "esp/trailing.", "x");
  put(tmp / "esp/[x]", "x");
  fs::create_symlink("EFI", tmp / "esp/link");
  fs::create_directories(tmp / "state");
  auto info = make_disk_image(test_layout(tmp / "esp", tmp / "state"), tmp / "disk.img");
  ASSERT_FALSE(info);
  const std::string name_rule =
      ": a FAT name cannot hold control characters or any of \"*:<>?\\| or end in a dot or "
      "space, and mtools reads [ and ] as a pattern";
  EXPECT_EQ(info.error().message,
            "making disk image " + (tmp / "disk.img") +
                ": the ESP tree cannot be a FAT file system: \"[x]\"" + name_rule +
                "; \"a:b\"" + name_rule +
                "; EFI and efi: names that differ only in case, which FAT takes for one; "
                "link: not a file or directory, which is all FAT holds; \"trailing.\"" +
                name_rule);
  EXPECT_EQ(names_in(tmp.path()), (std::vector<std::string>{"esp", "state"}));
}

TEST(DiskImage, AStateNameWithANewlineIsRefused) {
  TempDir tmp;
  fs::create_directories(tmp / "esp");
  put(tmp / "state/new\nline", "x");
  auto info = make_disk_image(test_layout(tmp / "esp", tmp / "state"), tmp / "disk.img");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().message, "making disk image " + (tmp / "disk.img") +
                                      ": the state tree: \"new\nline\": a name with a "
                                      "newline, which debugfs cannot be given");
  EXPECT_EQ(names_in(tmp.path()), (std::vector<std::string>{"esp", "state"}));
}

TEST(DiskImage, AnEspTooSmallForItsFilesQuotesMcopyAndLeavesTheOldImage) {
  SKIP_WITHOUT_DISK_TOOLS();
  TempDir tmp;
  put(tmp / "esp/huge", std::string(40 << 20, 'h'));
  fs::create_directories(tmp / "state");
  ASSERT_TRUE(write_file_atomic(tmp / "disk.img", "old image"));
  auto layout = test_layout(tmp / "esp", tmp / "state");
  layout.esp_size = 34 * kMiB;
  auto info = make_disk_image(layout, tmp / "disk.img");
  ASSERT_FALSE(info);
  EXPECT_TRUE(info.error().message.starts_with("making disk image " + (tmp / "disk.img") +
                                               ": making the ESP: mcopy failed (exited with "
                                               "status 1): "))
      << info.error().message;
  EXPECT_NE(info.error().message.find("Disk full"), std::string::npos) << info.error().message;
  EXPECT_EQ(names_in(tmp.path()), (std::vector<std::string>{"disk.img", "esp", "state"}));
  EXPECT_EQ(read_file(tmp / "disk.img").value_or(""), "old image");
}

TEST(DiskImage, AFailingToolIsQuotedAndLeavesNothingBehind) {
  SKIP_WITHOUT_DISK_TOOLS();
  TempDir tmp;
  stage_esp(tmp / "esp", false);
  stage_state(tmp / "state", false);
  fs::create_directories(tmp / "bin");
  for (const char* t : {"mkfs.vfat", "mmd", "mcopy", "debugfs"})
    fs::create_symlink(*find_program(t), tmp / ("bin/" + std::string(t)));
  ASSERT_TRUE(write_file_atomic(tmp / "bin/mke2fs",
                                "#!/bin/sh\n"
                                "echo 'mke2fs: Could not allocate block in ext2 filesystem "
                                "while populating file system' >&2\n"
                                "exit 1\n"));
  ASSERT_EQ(::chmod((tmp / "bin/mke2fs").c_str(), 0755), 0);
  fs::create_directories(tmp / "out");
  ScopedEnv path("PATH", tmp / "bin");
  auto info = make_disk_image(test_layout(tmp / "esp", tmp / "state"), tmp / "out/disk.img");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().message,
            "making disk image " + (tmp / "out/disk.img") +
                ": making the state partition: mke2fs failed (exited with status 1): mke2fs: "
                "Could not allocate block in ext2 filesystem while populating file system");
  EXPECT_EQ(names_in(tmp / "out"), std::vector<std::string>{});
}

TEST(DiskImage, ADebugfsCommandThatFailsIsAnErrorThoughDebugfsExitsZero) {
  SKIP_WITHOUT_DISK_TOOLS();
  TempDir tmp;
  stage_esp(tmp / "esp", false);
  stage_state(tmp / "state", false);
  fs::create_directories(tmp / "bin");
  for (const char* t : {"mkfs.vfat", "mmd", "mcopy", "mke2fs"})
    fs::create_symlink(*find_program(t), tmp / ("bin/" + std::string(t)));
  // The real debugfs, after a command naming a path mke2fs did not make.
  ASSERT_TRUE(write_file_atomic(tmp / "bin/debugfs",
                                "#!/bin/sh\n"
                                "echo 'sif /nowhere uid 0' >> \"$3\"\n"
                                "exec " + *find_program("debugfs") + " \"$@\"\n"));
  ASSERT_EQ(::chmod((tmp / "bin/debugfs").c_str(), 0755), 0);
  fs::create_directories(tmp / "out");
  ScopedEnv path("PATH", tmp / "bin");
  auto info = make_disk_image(test_layout(tmp / "esp", tmp / "state"), tmp / "out/disk.img");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().message,
            "making disk image " + (tmp / "out/disk.img") +
                ": making the state partition: debugfs failed to set times and owners: "
                "/nowhere: File not found by ext2_lookup");
  EXPECT_EQ(names_in(tmp / "out"), std::vector<std::string>{});
}

TEST(DiskImage, AMissingToolNamesThePackage) {
  TempDir tmp;
  fs::create_directories(tmp / "esp");
  fs::create_directories(tmp / "state");
  fs::create_directories(tmp / "empty-bin");
  ScopedEnv path("PATH", tmp / "empty-bin");
  auto info = make_disk_image(test_layout(tmp / "esp", tmp / "state"), tmp / "disk.img");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().message, "making disk image " + (tmp / "disk.img") +
                                      ": making the ESP: cannot run mkfs.vfat: not found on "
                                      "PATH (" + (tmp / "empty-bin") +
                                      "); is dosfstools installed?");
  EXPECT_EQ(names_in(tmp.path()), (std::vector<std::string>{"empty-bin", "esp", "state"}));
}

// --- timing ---------------------------------------------------------------

TEST(DiskImage, DISABLED_OneGibImageWithA170MbFile) {
  SKIP_WITHOUT_DISK_TOOLS();
  TempDir tmp;
  stage_esp(tmp / "esp", false);
  fs::create_directories(tmp / "state/generations/1");
  {
    // Incompressible-looking bytes, as a squashfs is.
    std::string block(1 << 20, '\0');
    uint64_t x = 88172645463325252ull;
    int fd = ::open((tmp / "state/generations/1/system.squashfs").c_str(),
                    O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    for (int mb = 0; mb < 170; ++mb) {
      for (size_t i = 0; i < block.size(); i += 8) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        std::memcpy(&block[i], &x, 8);
      }
      ASSERT_EQ(::write(fd, block.data(), block.size()), static_cast<ssize_t>(block.size()));
    }
    ::close(fd);
  }
  put(tmp / "state/generations/1/manifest.json", "{}\n");
  auto layout = test_layout(tmp / "esp", tmp / "state");
  layout.esp_size = 256 * kMiB;
  layout.total_size = 1024 * kMiB;
  auto start = std::chrono::steady_clock::now();
  auto info = make_disk_image(layout, tmp / "disk.img");
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(info) << info.error().message;
  std::cout << "1 GiB disk, 170 MB file: " << took.count() << " s;";
  for (const auto& t : info->timings) std::cout << " " << t.name << " " << t.seconds << " s";
  std::cout << "\n";
}

}  // namespace
}  // namespace cairn::images
