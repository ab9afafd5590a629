// Tests for images/flash: every refusal against a fake sysfs, mountinfo,
// swaps and /dev tree in a temporary directory (a partition, a mounted
// disk or partition, something stacked on it, the running system's disk by
// mount point, by stat and by swap, read-only, no medium, too small, an
// unknown device, not a device at all), each message word for word; what
// is shown of a target (sysfs details, libblkid's view of its contents);
// flashing to a new file and over an existing one (asked, declined, no
// terminal, --yes), the read-back catching a target changed under it, and
// a changed image; and, on a machine that allows it, a real loop device
// made for the test (skipped with the reason when losetup cannot make one).
//
// No test opens a real disk: the fake devices are only names in the fake
// sysfs, and the one device node made (with mknod, in the temporary
// directory) has a major number no driver uses, so opening it would fail.
#include "images/flash.hh"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <gtest/gtest.h>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "base/files.hh"
#include "base/hash.hh"
#include "base/subprocess.hh"
#include "base/temp_dir_test.hh"
#include "images/disk.hh"

namespace cairn::images {
namespace {

namespace fs = std::filesystem;

struct TempDir : cairn::TempDir {
  TempDir() : cairn::TempDir("flash") {}
};

void put(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  ASSERT_TRUE(out.good()) << path;
}

std::string slurp(const std::string& path) {
  auto r = read_file(path);
  EXPECT_TRUE(r) << r.error().message;
  return r ? *r : "";
}

dev_t devno(const std::string& text) {
  auto colon = text.find(':');
  return makedev(std::stoul(text.substr(0, colon)), std::stoul(text.substr(colon + 1)));
}

/// A fake /sys, mountinfo, swaps and /dev laid out as the kernel does:
/// devices under sys/devices/virtual/block/DISK[/PART], linked from
/// sys/class/block/NAME and sys/dev/block/M:m.
class FakeSystem {
 public:
  FakeSystem() {
    fs::create_directories(dir_ / "sys/class/block");
    fs::create_directories(dir_ / "sys/dev/block");
    fs::create_directories(dir_ / "dev");
    put(dir_ / "mountinfo", "22 27 0:21 / /proc rw,relatime - proc proc rw\n");
    put(dir_ / "swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
  }

  SystemPaths paths() const {
    SystemPaths p;
    p.sys = dir_ / "sys";
    p.mountinfo = dir_ / "mountinfo";
    p.swaps = dir_ / "swaps";
    p.dev = dir_ / "dev";
    p.system_dirs = {};  // the real /'s device must not leak into the fake
    return p;
  }
  const TempDir& dir() const { return dir_; }

  /// A block device of `bytes`; with `disk` set, partition `name` of it.
  void device(const std::string& name, const std::string& number, uint64_t bytes, const std::string& disk = "") {
    std::string rel = "devices/virtual/block/" + (disk.empty() ? name : disk + "/" + name);
    std::string d = dir_ / ("sys/" + rel);
    fs::create_directories(d + "/holders");
    fs::create_directories(d + "/slaves");
    put(d + "/dev", number + "\n");
    put(d + "/size", std::to_string(bytes / 512) + "\n");
    put(d + "/ro", "0\n");
    put(d + "/removable", "0\n");
    if (!disk.empty()) put(d + "/partition", name.substr(name.find_last_not_of("0123456789") + 1) + "\n");
    fs::create_symlink("../../" + rel, dir_ / ("sys/class/block/" + name));
    fs::create_symlink("../../" + rel, dir_ / ("sys/dev/block/" + number));
  }
  /// Sets sysfs attribute `rel` of device `name`.
  void attr(const std::string& name, const std::string& rel, const std::string& text) {
    put((fs::canonical(dir_ / ("sys/class/block/" + name)) / rel).string(), text + "\n");
  }
  /// `upper` (dm, md) is stacked on `lower`.
  void stack(const std::string& upper, const std::string& lower) {
    fs::create_directories(fs::canonical(dir_ / ("sys/class/block/" + lower)) / "holders" / upper);
    fs::create_directories(fs::canonical(dir_ / ("sys/class/block/" + upper)) / "slaves" / lower);
  }
  void mount(const std::string& number, const std::string& point, const std::string& source,
             const std::string& type = "ext4") {
    std::string text = slurp(dir_ / "mountinfo");
    put(dir_ / "mountinfo", text + fmt_line(number, point, source, type));
  }
  void swap(const std::string& line) { put(dir_ / "swaps", slurp(dir_ / "swaps") + line + "\n"); }

 private:
  static std::string fmt_line(const std::string& number, const std::string& point, const std::string& source,
                              const std::string& type) {
    return "40 27 " + number + " / " + point + " rw,relatime shared:1 - " + type + " " + source + " rw\n";
  }
  TempDir dir_;
};

constexpr uint64_t kGB = 1000ull * 1000 * 1000;

// ---- refusals against the fake system ------------------------------------

struct RefusalCase {
  const char* name;
  std::function<void(FakeSystem&, SystemPaths&)> setup;
  const char* target;  // the path given
  const char* number;  // its device number; nullptr = what the fake sysfs says for the target's name
  uint64_t image_size;
  const char* expected;  // "@DIR@" stands for the fake system's directory
};

// Every case starts from the same machine: sda (sda1, sda2) and a 32 GB
// card sdb with sdb1 and sdb2, nothing mounted.
void usual_machine(FakeSystem& f) {
  f.device("sda", "8:0", 256 * kGB);
  f.device("sda1", "8:1", 1 * kGB, "sda");
  f.device("sda2", "8:2", 255 * kGB, "sda");
  f.device("sdb", "8:16", 32 * kGB);
  f.device("sdb1", "8:17", 1 * kGB, "sdb");
  f.device("sdb2", "8:18", 31 * kGB, "sdb");
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

const RefusalCase kRefusals[] = {
    {"Partition", [](FakeSystem&, SystemPaths&) {}, "/dev/sdb1", "8:17", 1000,
     "/dev/sdb1 is a partition of /dev/sdb; write to the whole disk /dev/sdb"},
    {"MountedPartition",
     [](FakeSystem& f, SystemPaths&) { f.mount("8:17", "/media/usb", "/dev/sdb1", "vfat"); }, "/dev/sdb", "8:16",
     1000, "/dev/sdb is in use: /dev/sdb1 is mounted on /media/usb; unmount it first"},
    {"TwoMountedPartitions",
     [](FakeSystem& f, SystemPaths&) {
       f.mount("8:18", "/media/b", "/dev/sdb2");
       f.mount("8:17", "/media/a\\040b", "/dev/sdb1", "vfat");
     },
     "/dev/sdb", "8:16", 1000,
     "/dev/sdb is in use: /dev/sdb1 is mounted on /media/a b, /dev/sdb2 is mounted on /media/b; unmount them first"},
    {"MountedWholeDisk", [](FakeSystem& f, SystemPaths&) { f.mount("8:16", "/mnt", "/dev/sdb", "vfat"); },
     "/dev/sdb", "8:16", 1000, "/dev/sdb is in use: /dev/sdb is mounted on /mnt; unmount it first"},
    {"MountedByAnonymousDevice",  // btrfs shows 0:N in mountinfo; the source names the device
     [](FakeSystem& f, SystemPaths&) { f.mount("0:45", "/data", "/dev/sdb2", "btrfs"); }, "/dev/sdb", "8:16", 1000,
     "/dev/sdb is in use: /dev/sdb2 is mounted on /data; unmount it first"},
    {"MountedHolder",
     [](FakeSystem& f, SystemPaths&) {
       f.device("dm-0", "253:0", 31 * kGB);
       f.attr("dm-0", "dm/name", "vg-data");
       f.stack("dm-0", "sdb2");
       f.mount("253:0", "/srv", "/dev/mapper/vg-data");
     },
     "/dev/sdb", "8:16", 1000, "/dev/sdb is in use: /dev/mapper/vg-data (on /dev/sdb2) is mounted on /srv; unmount it first"},
    {"MountedHolderByNodeName",  // 0:N again, the source a /dev/mapper link
     [](FakeSystem& f, SystemPaths&) {
       f.device("dm-0", "253:0", 31 * kGB);
       f.attr("dm-0", "dm/name", "vg-data");
       f.stack("dm-0", "sdb2");
       put(f.dir() / "dev/dm-0", "");
       fs::create_directories(f.dir() / "dev/mapper");
       fs::create_symlink("../dm-0", f.dir() / "dev/mapper/vg-data");
       f.mount("0:50", "/srv", "/dev/mapper/vg-data", "btrfs");
     },
     "/dev/sdb", "8:16", 1000, "/dev/sdb is in use: /dev/mapper/vg-data (on /dev/sdb2) is mounted on /srv; unmount it first"},
    {"HolderNotMounted",
     [](FakeSystem& f, SystemPaths&) {
       f.device("dm-3", "253:3", 31 * kGB);
       f.attr("dm-3", "dm/name", "luks-card");
       f.stack("dm-3", "sdb2");
     },
     "/dev/sdb", "8:16", 1000,
     "/dev/sdb is in use: /dev/sdb2 is held by /dev/mapper/luks-card; stop it first (vgchange -an, cryptsetup close, "
     "mdadm --stop or dmsetup remove)"},
    {"HolderOnWholeDisk",
     [](FakeSystem& f, SystemPaths&) {
       f.device("md0", "9:0", 32 * kGB);
       f.stack("md0", "sdb");
     },
     "/dev/sdb", "8:16", 1000,
     "/dev/sdb is in use: /dev/sdb is held by /dev/md0; stop it first (vgchange -an, cryptsetup close, mdadm --stop "
     "or dmsetup remove)"},
    {"RunningSystemByMountPoint",
     [](FakeSystem& f, SystemPaths&) {
       f.mount("8:2", "/", "/dev/sda2");
       f.mount("8:1", "/boot/efi", "/dev/sda1", "vfat");
     },
     "/dev/sda", "8:0", 1000, "/dev/sda holds the running system (/ is on /dev/sda2); choose another disk"},
    {"RunningSystemBootOnly",
     [](FakeSystem& f, SystemPaths&) { f.mount("8:17", "/boot", "/dev/sdb1", "vfat"); }, "/dev/sdb", "8:16", 1000,
     "/dev/sdb holds the running system (/boot is on /dev/sdb1); choose another disk"},
    {"RunningSystemOnLvm",
     [](FakeSystem& f, SystemPaths&) {
       f.device("dm-1", "253:1", 255 * kGB);
       f.attr("dm-1", "dm/name", "vg-root");
       f.stack("dm-1", "sda2");
       f.mount("253:1", "/", "/dev/mapper/vg-root");
     },
     "/dev/sda", "8:0", 1000, "/dev/sda holds the running system (/ is on /dev/mapper/vg-root); choose another disk"},
    {"RunningSystemSwap",
     [](FakeSystem& f, SystemPaths&) {
       f.device("sdc", "8:32", 64 * kGB);
       f.device("sdc3", "8:35", 8 * kGB, "sdc");
       f.swap("/dev/sdc3                               partition\t8388604\t\t0\t\t-2");
     },
     "/dev/sdc", "8:32", 1000, "/dev/sdc holds the running system (swap is on /dev/sdc3); choose another disk"},
    {"RunningSystemByStat",  // not mounted as such: found through st_dev of a system directory
     [](FakeSystem& f, SystemPaths& p) {
       struct stat st{};
       ::stat(f.dir().path().c_str(), &st);
       std::string number = std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev));
       f.device("vdz", number, 20 * kGB);
       p.system_dirs = {f.dir().path()};
     },
     "/dev/vdz", nullptr, 1000, "/dev/vdz holds the running system (@DIR@ is on /dev/vdz); choose another disk"},
    {"RunningSystemSwapFile",  // a swap file: the disk under its file system
     [](FakeSystem& f, SystemPaths&) {
       put(f.dir() / "swapfile", "");
       struct stat st{};
       ::stat((f.dir() / "swapfile").c_str(), &st);
       f.device("vdy", std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)), 20 * kGB);
       f.swap(f.dir() / "swapfile" + "                               file\t1048572\t\t0\t\t-3");
     },
     "/dev/vdy", nullptr, 1000, "/dev/vdy holds the running system (swap is on /dev/vdy); choose another disk"},
    {"ReadOnly", [](FakeSystem& f, SystemPaths&) { f.attr("sdb", "ro", "1"); }, "/dev/sdb", "8:16", 1000,
     "/dev/sdb is read-only; if it is an SD card, slide its lock switch away from LOCK"},
    {"NoMedium",
     [](FakeSystem& f, SystemPaths&) { f.device("sdd", "8:48", 0); }, "/dev/sdd", "8:48", 1000,
     "/dev/sdd has no medium (its size is 0); insert the card or stick"},
    {"TooSmall", [](FakeSystem&, SystemPaths&) {}, "/dev/disk/by-id/usb-card", "8:16", 33 * kGB,
     "/dev/disk/by-id/usb-card is too small: 32.0 GB (32000000000 bytes), the image needs 33.0 GB (33000000000 "
     "bytes); use a larger disk"},
    {"UnknownDevice", [](FakeSystem&, SystemPaths&) {}, "/dev/sdx", "8:240", 1000,
     "/dev/sdx is block device 8:240, which @DIR@/sys/dev/block does not list; is sysfs mounted?"},
};

void PrintTo(const RefusalCase& c, std::ostream* os) { *os << c.name; }

class FlashRefusal : public testing::TestWithParam<RefusalCase> {};

TEST_P(FlashRefusal, SaysWhatAndWhatToDo) {
  const RefusalCase& c = GetParam();
  FakeSystem f;
  usual_machine(f);
  SystemPaths paths = f.paths();
  c.setup(f, paths);
  std::string number = c.number ? c.number : slurp(f.dir() / ("sys/class/block/" + fs::path(c.target).filename().string() + "/dev"));
  while (!number.empty() && number.back() == '\n') number.pop_back();
  auto r = examine_block_device(c.target, devno(number), c.image_size, paths);
  ASSERT_FALSE(r) << "accepted " << c.target;
  EXPECT_EQ(r.error().message, replace_all(c.expected, "@DIR@", f.dir().path()));
}

INSTANTIATE_TEST_SUITE_P(Flash, FlashRefusal, testing::ValuesIn(kRefusals),
                         [](const testing::TestParamInfo<RefusalCase>& i) { return std::string(i.param.name); });

// ---- what is shown of a target ---------------------------------------------

TEST(FlashExamine, ReadsTheDisksDetailsFromSysfs) {
  FakeSystem f;
  usual_machine(f);
  f.attr("sdb", "device/vendor", "SanDisk ");
  f.attr("sdb", "device/model", "Ultra           ");
  f.attr("sdb", "removable", "1");
  f.mount("8:2", "/", "/dev/sda2");  // the system on another disk changes nothing
  auto t = examine_block_device("/dev/sdb", devno("8:16"), 4 * kGB, f.paths());
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->kind, TargetKind::block_device);
  EXPECT_EQ(t->name, "sdb");
  EXPECT_EQ(t->write_path, "/dev/sdb");
  EXPECT_EQ(t->size, 32 * kGB);
  EXPECT_EQ(t->vendor, "SanDisk");
  EXPECT_EQ(t->model, "Ultra");
  EXPECT_TRUE(t->removable);
  EXPECT_EQ(short_description(*t), "/dev/sdb (SanDisk Ultra, 32.0 GB)");

  t->contents.table = "gpt";
  t->contents.partitions = {{1, 1048576, 268435456, "vfat", "ESP"},
                            {2, 269484032, 31 * kGB, "ext4", ""},
                            {3, 31 * kGB + 269484032, 1048576, "", ""}};
  EXPECT_EQ(describe_target(*t),
            "/dev/sdb: SanDisk Ultra, 32.0 GB (32000000000 bytes), removable\n"
            "  now: a gpt partition table with 3 partitions\n"
            "    /dev/sdb1  vfat \"ESP\"  268.4 MB\n"
            "    /dev/sdb2  ext4  31.0 GB\n"
            "    /dev/sdb3  no file system recognised  1.0 MB\n");
}

TEST(FlashExamine, NamesMmcCardsAndTheirPartitions) {
  FakeSystem f;
  f.device("mmcblk0", "179:0", 31914983424);
  f.attr("mmcblk0", "device/name", "SD32G");
  auto t = examine_block_device("/dev/mmcblk0", devno("179:0"), 1000, f.paths());
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->model, "SD32G");
  t->contents.table = "dos";
  t->contents.partitions = {{1, 4194304, 536870912, "vfat", "bootfs"}};
  EXPECT_EQ(describe_target(*t),
            "/dev/mmcblk0: SD32G, 31.9 GB (31914983424 bytes), not removable\n"
            "  now: a dos partition table with 1 partition\n"
            "    /dev/mmcblk0p1  vfat \"bootfs\"  536.9 MB\n");
  EXPECT_EQ(short_description(*t), "/dev/mmcblk0 (SD32G, 31.9 GB)");
}

TEST(FlashExamine, DescribesLoopDevicesWholeDiskFileSystemsAndUnknownDisks) {
  FakeSystem f;
  f.device("loop7", "7:7", 64 * 1000 * 1000);
  f.attr("loop7", "loop/backing_file", "/tmp/card.img");
  f.device("sde", "8:64", 8 * kGB);
  auto loop = examine_block_device("/dev/loop7", devno("7:7"), 1000, f.paths());
  ASSERT_TRUE(loop) << loop.error().message;
  EXPECT_EQ(short_description(*loop), "/dev/loop7 (loop device of /tmp/card.img, 64.0 MB)");
  loop->contents.fs_type = "vfat";
  loop->contents.label = "STICK";
  EXPECT_EQ(describe_target(*loop),
            "/dev/loop7: loop device of /tmp/card.img, 64.0 MB (64000000 bytes), not removable\n"
            "  now: a vfat file system \"STICK\"\n");
  auto bare = examine_block_device("/dev/sde", devno("8:64"), 1000, f.paths());
  ASSERT_TRUE(bare) << bare.error().message;
  EXPECT_EQ(short_description(*bare), "/dev/sde (8.0 GB)");
  EXPECT_EQ(describe_target(*bare),
            "/dev/sde: unknown model, 8.0 GB (8000000000 bytes), not removable\n"
            "  now: nothing libblkid recognises\n");
}

TEST(FlashExamine, TakesNewAndExistingFiles) {
  TempDir d;
  auto fresh = examine_target(d / "new.img", 1000);
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_EQ(fresh->kind, TargetKind::new_file);
  EXPECT_EQ(describe_target(*fresh), d / "new.img" + ": a new file\n");
  EXPECT_EQ(short_description(*fresh), d / "new.img" + " (a new file)");
  EXPECT_FALSE(fs::exists(d / "new.img"));

  put(d / "old.img", std::string(1500, 'x'));
  fs::create_symlink("old.img", d / "link.img");
  auto old = examine_target(d / "link.img", 1000);
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_EQ(old->kind, TargetKind::file);
  EXPECT_EQ(old->write_path, fs::canonical(d / "old.img").string());
  EXPECT_EQ(old->size, 1500u);
  EXPECT_EQ(short_description(*old), d / "link.img" + " (an existing file, 1.5 kB)");

  auto nowhere = examine_target(d / "no/such/x.img", 1000);
  ASSERT_FALSE(nowhere);
  EXPECT_EQ(nowhere.error().message, "cannot create " + d / "no/such/x.img" + ": " + d / "no/such" + " is not a directory");
}

TEST(FlashExamine, RefusesWhatIsNeitherADiskNorAFile) {
  TempDir d;
  ASSERT_EQ(::mkfifo((d / "fifo").c_str(), 0600), 0);
  const std::pair<std::string, std::string> cases[] = {
      {d.path(), "a directory"}, {"/dev/null", "a character device"}, {d / "fifo", "a FIFO"}};
  for (const auto& [path, kind] : cases) {
    auto r = examine_target(path, 1000);
    ASSERT_FALSE(r) << path;
    EXPECT_EQ(r.error().message, path + " is " + kind +
                                     ", neither a block device nor a regular file; give a whole disk such as "
                                     "/dev/sdb, or an image file");
  }
}

TEST(FlashExamine, RefusesADeviceThatIsNotThere) {
  auto r = examine_target("/dev/cairn-flash-test-no-such-disk", 1000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "/dev/cairn-flash-test-no-such-disk does not exist; is the card or stick inserted? (lsblk lists the disks)");
  EXPECT_FALSE(fs::exists("/dev/cairn-flash-test-no-such-disk"));
}

// A device node in the temporary directory, of a major number no driver
// uses: examine_target goes from it to the fake sysfs by its number.
bool make_node(const std::string& path, const std::string& number) {
  return ::mknod(path.c_str(), S_IFBLK | 0600, devno(number)) == 0;
}

TEST(FlashExamine, FindsTheDeviceByItsNumberNotItsName) {
  FakeSystem f;
  f.device("sdb", "4000:16", 32 * kGB);
  f.device("sdb1", "4000:17", 1 * kGB, "sdb");
  std::string node = f.dir() / "by-id-usb-card-part1";
  if (!make_node(node, "4000:17")) GTEST_SKIP() << "mknod: " << std::strerror(errno) << " (needs CAP_MKNOD)";
  auto r = examine_target(node, 1000, f.paths());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, node + " is a partition of /dev/sdb; write to the whole disk /dev/sdb");
}

// ---- sizes and progress -------------------------------------------------------

TEST(FlashFormat, HumanSizesAreDecimal) {
  const std::pair<uint64_t, const char*> cases[] = {
      {0, "0 B"},           {999, "999 B"},          {1000, "1.0 kB"},         {1500, "1.5 kB"},
      {999949, "999.9 kB"}, {999950, "1.0 MB"},      {52428800, "52.4 MB"},    {32 * kGB, "32.0 GB"},
      {31914983424, "31.9 GB"}, {1ull << 40, "1.1 TB"}};
  for (const auto& [bytes, text] : cases) EXPECT_EQ(human_size(bytes), text) << bytes;
}

TEST(FlashFormat, ProgressLine) {
  EXPECT_EQ(format_progress("writing", 12300000, 52400000, 1.5), "writing    12.3 MB of 52.4 MB   23%  8.2 MB/s");
  EXPECT_EQ(format_progress("verifying", 52400000, 52400000, 2), "verifying  52.4 MB of 52.4 MB  100%  26.2 MB/s");
  EXPECT_EQ(format_progress("writing", 0, 52400000, 0), "writing        0 B of 52.4 MB    0%  0 B/s");
}

// ---- flashing to files ------------------------------------------------------------


/// Random bytes with a run of zeros (1 MiB to 3 MiB) where a file target
/// gets a hole; the size is not a multiple of any block size.
std::string test_image(size_t size = 5 * kMiB + 1234) {
  std::string out(size, '\0');
  std::mt19937_64 rng(42);
  for (size_t i = 0; i < size; ++i)
    if (i < kMiB || i >= 3 * kMiB) out[i] = static_cast<char>(rng() & 0xff);
  return out;
}

class FlashFile : public testing::Test {
 protected:
  FlashFile() {
    put(image_path, image);
    request.image = image_path;
    request.image_name = "the test image";
    request.out = &out;
    request.paths = fake.paths();
  }
  /// The names in the directory, to see that no temporary is left.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir.path())) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  TempDir dir;
  FakeSystem fake;
  std::string image = test_image();
  std::string image_path = dir / "image.raw";
  std::string target = dir / "card.img";
  std::ostringstream out;
  FlashRequest request;
};

TEST_F(FlashFile, WritesANewFileWithoutAskingAndLeavesHoles) {
  request.target = target;
  request.confirm = [](const std::string& q) { return ADD_FAILURE() << "asked " << q, false; };
  auto r = flash(request);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(slurp(target), image);
  EXPECT_EQ(r->bytes, image.size());
  EXPECT_EQ(r->sha256, sha256_hex(image));
  EXPECT_EQ(r->holes, 2 * kMiB);
  EXPECT_EQ(out.str(), target + ": a new file\n");  // and no progress: not a terminal
  struct stat st{};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  EXPECT_LT(static_cast<uint64_t>(st.st_blocks) * 512, image.size()) << "the zeros were written, not left as a hole";
  EXPECT_EQ(names(), (std::vector<std::string>{"card.img", "image.raw"}));
}

TEST_F(FlashFile, AsksBeforeReplacingAFileAndKeepsItsMode) {
  put(target, "old contents");
  ::chmod(target.c_str(), 0600);
  request.target = target;
  std::vector<std::string> asked;
  request.confirm = [&](const std::string& q) { return asked.push_back(q), true; };
  auto r = flash(request);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(asked, (std::vector<std::string>{"Write the test image (5 MB) to " + target +
                                             " (an existing file, 12 B)? All data on it will be lost. [y/N]"}));
  EXPECT_EQ(out.str(), target + ": an existing file, 12 B (12 bytes)\n  now: nothing libblkid recognises\n");
  EXPECT_EQ(slurp(target), image);
  struct stat st{};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(names(), (std::vector<std::string>{"card.img", "image.raw"}));
}

TEST_F(FlashFile, KeepsTheFileWhenNotConfirmed) {
  put(target, "old contents");
  request.target = target;
  request.confirm = [](const std::string&) { return false; };
  auto r = flash(request);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "not writing to " + target + ": not confirmed");
  EXPECT_EQ(slurp(target), "old contents");
  EXPECT_EQ(names(), (std::vector<std::string>{"card.img", "image.raw"}));
}

TEST_F(FlashFile, RefusesWithoutATerminalUnlessYes) {
  put(target, "old contents");
  request.target = target;
  auto r = flash(request);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "not writing to " + target +
                                   " without confirmation, and there is no terminal to ask on; pass --yes to write "
                                   "anyway");
  EXPECT_EQ(slurp(target), "old contents");

  request.yes = true;
  auto yes = flash(request);
  ASSERT_TRUE(yes) << yes.error().message;
  EXPECT_EQ(slurp(target), image);
}

TEST_F(FlashFile, YesDoesNotAsk) {
  put(target, "old contents");
  request.target = target;
  request.yes = true;
  request.confirm = [](const std::string& q) { return ADD_FAILURE() << "asked " << q, false; };
  auto r = flash(request);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(slurp(target), image);
}

TEST_F(FlashFile, VerifyCatchesATargetChangedUnderIt) {
  put(target, "old contents");
  request.target = target;
  request.yes = true;
  constexpr uint64_t kAt = 3000001;
  std::string written;
  request.before_verify = [&](const std::string& path) {
    written = path;
    int fd = ::open(path.c_str(), O_RDWR);
    ASSERT_GE(fd, 0) << path;
    char c = 0;
    ASSERT_EQ(::pread(fd, &c, 1, kAt), 1);
    c ^= 0x5a;
    ASSERT_EQ(::pwrite(fd, &c, 1, kAt), 1);
    ::close(fd);
  };
  auto r = flash(request);
  ASSERT_FALSE(r);
  std::string flipped = image;
  flipped[kAt] ^= 0x5a;
  EXPECT_EQ(r.error().message, "verifying " + target +
                                   ": what was read back differs from what was written, first at byte 3000001 "
                                   "(sha256 " + sha256_hex(flipped) + " read, " + sha256_hex(image) +
                                   " written); the medium may be failing or fake, try another");
  EXPECT_NE(written, target) << "the check ran on the target itself, not a temporary beside it";
  EXPECT_EQ(slurp(target), "old contents");
  EXPECT_EQ(names(), (std::vector<std::string>{"card.img", "image.raw"}));
}

TEST_F(FlashFile, VerifyCatchesATargetCutShort) {
  request.target = target;
  request.before_verify = [&](const std::string& path) { ASSERT_EQ(::truncate(path.c_str(), 4 * kMiB), 0); };
  auto r = flash(request);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "verifying " + target + ": it ends at byte 4194304, before the image's 5244114 "
                               "bytes; the medium may be fake or failing");
  EXPECT_FALSE(fs::exists(target));
}

TEST_F(FlashFile, RefusesAnImageThatIsNotWhatWasMade) {
  request.target = target;
  request.image_sha256 = sha256_hex("another image");
  auto r = flash(request);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "the image " + image_path + " has sha256 " + sha256_hex(image) + ", not the " +
                                   sha256_hex("another image") + " it was made with; it changed on disk, make it again");
  EXPECT_FALSE(fs::exists(target));
}

TEST_F(FlashFile, RefusesToWriteTheImageOverItself) {
  request.target = image_path;
  request.yes = true;
  auto r = flash(request);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, image_path + " is the image itself; give another target");
  EXPECT_EQ(slurp(image_path), image);
}

TEST_F(FlashFile, DrawsProgressOnlyWhenAsked) {
  request.target = target;
  request.progress = true;
  auto r = flash(request);
  ASSERT_TRUE(r) << r.error().message;
  std::string shown = out.str();
  EXPECT_NE(shown.find("\rwriting     5.2 MB of 5.2 MB  100%  "), std::string::npos) << shown;
  EXPECT_NE(shown.find("\rverifying   5.2 MB of 5.2 MB  100%  "), std::string::npos) << shown;
  EXPECT_EQ(shown.back(), '\n');
}

TEST_F(FlashFile, ShowsWhatIsOnTheFileNow) {
  for (const char* tool : {"mkfs.vfat", "mmd", "mcopy", "mke2fs", "debugfs"})
    if (!find_program(tool)) GTEST_SKIP() << tool << " not found on PATH (dosfstools, mtools, e2fsprogs)";
  fs::create_directories(dir / "esp");
  fs::create_directories(dir / "state");
  DiskLayout layout;
  layout.esp_size = 34 * kMiB;
  layout.state_size = 16 * kMiB;
  layout.esp_dir = dir / "esp";
  layout.state_dir = dir / "state";
  layout.disk_guid = "9b1c8e0e-2f4a-4d3b-8c5e-6a7f8b9c0d1e";
  layout.esp_uuid = "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";
  layout.state_uuid = "5f6e7d8c-9bab-4cde-8f01-23456789abcd";
  layout.epoch = 1700000000;
  auto disk = make_disk_image(layout, target);
  ASSERT_TRUE(disk) << disk.error().message;
  TargetContents c = probe_contents(target);
  EXPECT_EQ(c.table, "gpt");
  ASSERT_EQ(c.partitions.size(), 2u);
  EXPECT_EQ(c.partitions[0].offset, disk->esp.offset);
  EXPECT_EQ(c.partitions[1].size, disk->state.size);

  request.target = target;
  request.yes = true;
  auto r = flash(request);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(out.str(), target + ": an existing file, 54.5 MB (54525952 bytes)\n"
                                "  now: a gpt partition table with 2 partitions\n"
                                "    partition 1  vfat \"ESP\"  35.7 MB\n"
                                "    partition 2  ext4 \"cairn-state\"  16.8 MB\n");
  EXPECT_EQ(slurp(target), image);
}

TEST(FlashProbe, FindsAFileSystemOnTheWholeTarget) {
  if (!find_program("mke2fs")) GTEST_SKIP() << "mke2fs not found on PATH (e2fsprogs)";
  TempDir d;
  auto ran = run("mke2fs", {"-q", "-F", "-t", "ext4", "-L", "stick", d / "fs.img", "8M"});
  ASSERT_TRUE(ran && ran->success()) << (ran ? ran->err : ran.error().message);
  TargetContents c = probe_contents(d / "fs.img");
  EXPECT_EQ(c.table, "");
  EXPECT_EQ(c.fs_type, "ext4");
  EXPECT_EQ(c.label, "stick");
  TargetContents none = probe_contents(d / "missing.img");
  EXPECT_EQ(none.fs_type, "");
  EXPECT_TRUE(none.partitions.empty());
}

// ---- a block device up to the question -------------------------------------------

TEST(FlashBlock, AsksBeforeOpeningTheDevice) {
  FakeSystem f;
  f.device("sdb", "4000:16", 32 * kGB);
  f.attr("sdb", "device/vendor", "SanDisk");
  f.attr("sdb", "device/model", "Ultra");
  std::string node = f.dir() / "sdb";
  if (!make_node(node, "4000:16")) GTEST_SKIP() << "mknod: " << std::strerror(errno) << " (needs CAP_MKNOD)";
  put(f.dir() / "image.raw", std::string(3 * 1000 * 1000, 'x'));
  FlashRequest request;
  request.image = f.dir() / "image.raw";
  request.image_name = "the vm image";
  request.target = node;
  request.paths = f.paths();
  auto no_terminal = flash(request);
  ASSERT_FALSE(no_terminal);
  EXPECT_EQ(no_terminal.error().message, "not writing to " + node +
                                             " without confirmation, and there is no terminal to ask on; pass --yes "
                                             "to write anyway");
  std::string asked;
  request.confirm = [&](const std::string& q) { return asked = q, false; };
  auto declined = flash(request);
  ASSERT_FALSE(declined);
  EXPECT_EQ(declined.error().message, "not writing to " + node + ": not confirmed");
  EXPECT_EQ(asked, "Write the vm image (3 MB) to " + node +
                       " (SanDisk Ultra, 32.0 GB)? All data on it will be lost. [y/N]");
}

// ---- a real loop device ----------------------------------------------------------------

/// A loop device over a file, detached when the test ends however it ends.
class LoopDevice {
 public:
  /// Attaches `file`; on failure `path()` is empty and `why()` says why.
  explicit LoopDevice(const std::string& file) {
    if (::geteuid() != 0) {
      why_ = "not root";
      return;
    }
    auto ran = run("losetup", {"--find", "--show", file});
    if (!ran) {
      why_ = ran.error().message;
    } else if (!ran->success()) {
      why_ = "losetup " + ran->describe() + ": " + quote_stderr(ran->err);
    } else {
      path_ = ran->out.substr(0, ran->out.find('\n'));
    }
  }
  ~LoopDevice() {
    if (!path_.empty()) (void)run("losetup", {"-d", path_});
  }
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;
  const std::string& path() const { return path_; }
  const std::string& why() const { return why_; }

 private:
  std::string path_, why_;
};

class FlashLoop : public testing::Test {
 protected:
  void SetUp() override {
    put(backing, std::string(16 * kMiB, '\xab'));
    put(image_path, image);
    loop = std::make_unique<LoopDevice>(backing);
    if (loop->path().empty()) GTEST_SKIP() << "no loop device: " << loop->why();
    request.image = image_path;
    request.target = loop->path();
    request.yes = true;
    request.out = &out;
  }
  /// The first `n` bytes of the loop device, read through it.
  std::string device_bytes(size_t n) {
    std::string got(n, '\0');
    int fd = ::open(loop->path().c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    if (fd < 0) return "";
    ssize_t r = ::pread(fd, got.data(), n, 0);
    ::close(fd);
    EXPECT_EQ(r, static_cast<ssize_t>(n));
    return got;
  }

  TempDir dir;
  std::string backing = dir / "card.img";
  std::string image = test_image(3 * kMiB + 1234);
  std::string image_path = dir / "image.raw";
  std::unique_ptr<LoopDevice> loop;
  std::ostringstream out;
  FlashRequest request;
};

TEST_F(FlashLoop, WritesEveryByteAndNothingBeyond) {
  auto r = flash(request);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->target.name, fs::path(loop->path()).filename().string());
  EXPECT_EQ(r->target.backing_file, fs::canonical(backing).string());
  EXPECT_EQ(r->holes, 0u);
  EXPECT_EQ(r->sha256, sha256_hex(image));
  EXPECT_EQ(out.str(), loop->path() + ": loop device of " + fs::canonical(backing).string() +
                           ", 16.8 MB (16777216 bytes), not removable\n  now: nothing libblkid recognises\n");
  std::string got = device_bytes(16 * kMiB);
  EXPECT_TRUE(got.substr(0, image.size()) == image) << "the device does not hold the image";
  EXPECT_EQ(got.substr(image.size()), std::string(16 * kMiB - image.size(), '\xab'));
}

TEST_F(FlashLoop, VerifyCatchesADeviceThatChangedUnderIt) {
  request.before_verify = [&](const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0) << path;
    char c = static_cast<char>(image[kMiB + 7] ^ 1);
    ASSERT_EQ(::pwrite(fd, &c, 1, kMiB + 7), 1);
    ::fsync(fd);
    ::close(fd);
  };
  auto r = flash(request);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("verifying " + loop->path() +
                                   ": what was read back differs from what was written, first at byte 1048583"),
            std::string::npos)
      << r.error().message;
}

TEST_F(FlashLoop, RefusesAnImageLargerThanTheDevice) {
  put(image_path, std::string(16 * kMiB + 512, 'x'));
  auto r = flash(request);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, loop->path() + " is too small: 16.8 MB (16777216 bytes), the image needs 16.8 MB "
                                              "(16777728 bytes); use a larger disk");
  EXPECT_EQ(device_bytes(16), std::string(16, '\xab'));
}

}  // namespace
}  // namespace cairn::images
