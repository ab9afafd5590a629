// The rpi-tryboot backend on a temporary directory standing in for the
// firmware partition: first install, a trial, its commit or its fall-back,
// pruning, and what read_state says about damaged partitions.
#include "bootloader/rpi_tryboot.hh"

#include <algorithm>
#include <filesystem>
#include <gtest/gtest.h>

#include "base/files.hh"
#include "bootloader/rpi_config.hh"

namespace cairn::bootloader {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kLines = "arm_64bit=1\nenable_uart=1\nupstream_kernel=1\ndisable_overscan=1\n";
constexpr std::string_view kDtb = "bcm2711-rpi-4-b.dtb";

LoaderSettings with_limit(uint32_t n) {
  LoaderSettings s;
  s.limit = n;
  return s;
}

class RpiTrybootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t = (fs::temp_directory_path() / "cairn-rpi-XXXXXX").string();
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    top_ = t;
    boot_ = top_ + "/boot";
    dtbs_ = top_ + "/tree/usr/lib/linux-image-6.1.0-50-arm64/broadcom";
    for (const auto& d : {boot_, dtbs_, top_ + "/in"}) fs::create_directories(d);
    write(dtbs_ + "/" + std::string(kDtb), "device tree of the Pi 4\n");
  }
  void TearDown() override { fs::remove_all(top_); }

  static void write(const std::string& path, const std::string& text) { ASSERT_TRUE(write_file_atomic(path, text)); }
  std::string read(const std::string& relative) const { return read_file(boot_ + "/" + relative).value_or("<none>"); }
  bool exists(const std::string& relative) const { return fs::exists(boot_ + "/" + relative); }

  RpiTrybootSettings settings(std::string lines = std::string(kLines)) const {
    return RpiTrybootSettings{4, std::string(kDtb), dtbs_, std::move(lines)};
  }

  static BootEntry entry(uint64_t g, std::optional<uint32_t> tries = std::nullopt) {
    BootEntry e;
    e.generation = g;
    e.title = "server — generation " + std::to_string(g);
    e.options = "console=ttyS1,115200 cairn.generation=" + std::to_string(g) + " cairn.state=LABEL=cairn-state";
    e.tries_left = tries;
    return e;
  }

  std::string input(const std::string& name, const std::string& content) {
    std::string path = top_ + "/in/" + name;
    write(path, content);
    return path;
  }

  // Writes generation g with its own initrd and a shared kernel.
  void add(RpiTryboot& rpi, uint64_t g, std::optional<uint32_t> tries = std::nullopt, LoaderSettings s = {}) {
    auto r = rpi.write_entry(boot_, entry(g, tries), input("vmlinuz", "kernel 6.1\n"),
                             input("initrd-" + std::to_string(g), "initrd of " + std::to_string(g) + "\n"), s);
    ASSERT_TRUE(r) << r.error().message;
  }

  static std::string config_for(uint64_t g, std::string lines = std::string(kLines)) {
    RpiConfig c{4, std::string(kDtb), std::move(lines), RpiFlavour::tryboot, g};
    return format_config_txt(c).value();
  }

  BootState state(const RpiTryboot& rpi) const {
    auto s = rpi.read_state(boot_);
    EXPECT_TRUE(s) << s.error().message;
    return s.value_or(BootState{});
  }

  static std::vector<std::pair<uint64_t, EntryState>> states(const BootState& s) {
    std::vector<std::pair<uint64_t, EntryState>> out;
    for (const auto& e : s.entries) out.emplace_back(e.generation, e.state());
    return out;
  }

  std::vector<std::string> generation_dirs() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(boot_))
      if (e.is_directory()) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  // Temporary files of atomic writes left anywhere on the partition.
  std::vector<std::string> leftovers() const {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(boot_))
      if (e.path().filename().string().find(".tmp.") != std::string::npos) out.push_back(e.path().string());
    return out;
  }

  std::string top_, boot_, dtbs_;
};

TEST_F(RpiTrybootTest, FirstInstallCommitsGenerationOne) {
  RpiTryboot rpi(settings());
  add(rpi, 1);
  EXPECT_EQ(generation_dirs(), std::vector<std::string>{"gen-1"});
  EXPECT_EQ(read("gen-1/vmlinuz"), "kernel 6.1\n");
  EXPECT_EQ(read("gen-1/initrd.img"), "initrd of 1\n");
  EXPECT_EQ(read("gen-1/bcm2711-rpi-4-b.dtb"), "device tree of the Pi 4\n");
  EXPECT_EQ(read("gen-1/cmdline.txt"), "console=ttyS1,115200 cairn.generation=1 cairn.state=LABEL=cairn-state\n");
  EXPECT_EQ(read("gen-1/entry.conf"),
            "# cairn's record of this generation (rpi-tryboot); the firmware ignores it.\n"
            "title server — generation 1\n"
            "version 00000001\n"
            "state good\n");
  EXPECT_EQ(read("gen-1/config.txt"), config_for(1));
  EXPECT_EQ(read("config.txt"), config_for(1));
  EXPECT_FALSE(exists("tryboot.txt"));

  auto s = state(rpi);
  EXPECT_EQ(s.default_entry, 1u);
  EXPECT_EQ(s.oneshot, std::nullopt);
  ASSERT_EQ(s.entries.size(), 1u);
  BootEntry want = entry(1);
  want.version = "00000001";
  want.kernel = "/gen-1/vmlinuz";
  want.initrd = "/gen-1/initrd.img";
  EXPECT_EQ(s.entries[0], want);
  EXPECT_EQ(leftovers(), std::vector<std::string>{});
}

TEST_F(RpiTrybootTest, TrialGetsTrybootTxtAndConfigTxtKeepsTheCommittedOne) {
  RpiTryboot rpi(settings());
  add(rpi, 1);
  add(rpi, 2, 3);  // three tries asked for: the firmware gives one
  EXPECT_EQ(read("tryboot.txt"), config_for(2));
  EXPECT_NE(read("tryboot.txt").find("\nos_prefix=gen-2/\n"), std::string::npos);
  EXPECT_EQ(read("config.txt"), config_for(1));
  EXPECT_EQ(read("gen-2/entry.conf").substr(read("gen-2/entry.conf").find("state")), "state trial\n");

  auto s = state(rpi);
  EXPECT_EQ(s.default_entry, 1u);
  EXPECT_EQ(s.oneshot, 2u);
  EXPECT_EQ(states(s), (std::vector<std::pair<uint64_t, EntryState>>{{2, EntryState::trial}, {1, EntryState::good}}));
  EXPECT_EQ(s.entries[0].tries_left, 1u);
  EXPECT_EQ(s.entries[0].tries_done, 0u);
}

TEST_F(RpiTrybootTest, MarkGoodCommitsTheTrial) {
  RpiTryboot rpi(settings());
  add(rpi, 1);
  add(rpi, 2, 1);
  // On the device: no settings, only the partition.
  RpiTryboot device;
  ASSERT_TRUE(device.mark_good(boot_, 2));
  EXPECT_EQ(read("config.txt"), config_for(2));
  EXPECT_FALSE(exists("tryboot.txt"));
  auto s = state(device);
  EXPECT_EQ(s.default_entry, 2u);
  EXPECT_EQ(s.oneshot, std::nullopt);
  EXPECT_EQ(states(s), (std::vector<std::pair<uint64_t, EntryState>>{{2, EntryState::good}, {1, EntryState::good}}));
  ASSERT_TRUE(device.mark_good(boot_, 2));  // idempotent
  EXPECT_EQ(read("config.txt"), config_for(2));
  EXPECT_EQ(leftovers(), std::vector<std::string>{});
}

TEST_F(RpiTrybootTest, MarkGoodFinishesACommitACrashInterrupted) {
  RpiTryboot rpi(settings());
  add(rpi, 1);
  add(rpi, 2, 1);
  // Crashed right after the commit: config.txt boots 2, the rest not done.
  write(boot_ + "/config.txt", read("gen-2/config.txt"));
  RpiTryboot device;
  EXPECT_EQ(state(device).entries[0].state(), EntryState::trial);
  ASSERT_TRUE(device.mark_good(boot_, 2));
  EXPECT_EQ(states(state(device)),
            (std::vector<std::pair<uint64_t, EntryState>>{{2, EntryState::good}, {1, EntryState::good}}));
  EXPECT_FALSE(exists("tryboot.txt"));
}

TEST_F(RpiTrybootTest, MarkBadFallsBackToTheCommittedGeneration) {
  RpiTryboot rpi(settings());
  add(rpi, 1);
  add(rpi, 2, 1);
  std::string committed = read("config.txt");
  RpiTryboot device;
  ASSERT_TRUE(device.mark_bad(boot_, 2));
  EXPECT_FALSE(exists("tryboot.txt"));
  EXPECT_EQ(read("config.txt"), committed);
  auto s = state(device);
  EXPECT_EQ(s.default_entry, 1u);
  EXPECT_EQ(s.oneshot, std::nullopt);
  // Bad ones last.
  EXPECT_EQ(states(s), (std::vector<std::pair<uint64_t, EntryState>>{{1, EntryState::good}, {2, EntryState::bad}}));
  EXPECT_EQ(s.entries[1].tries_left, 0u);
  EXPECT_EQ(s.entries[1].tries_done, 1u);
  ASSERT_TRUE(device.mark_bad(boot_, 2));  // idempotent
  auto r = device.mark_good(boot_, 3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "no generation 3 on " + boot_ + " (gen-3/entry.conf is missing)");
}

TEST_F(RpiTrybootTest, MarkBadOfTheCommittedGenerationMovesConfigTxtToTheNewestGoodOne) {
  RpiTryboot rpi(settings());
  add(rpi, 1);
  add(rpi, 2);
  add(rpi, 3);
  RpiTryboot device;
  ASSERT_TRUE(device.mark_bad(boot_, 3));
  EXPECT_EQ(read("config.txt"), config_for(2));
  EXPECT_EQ(state(device).default_entry, 2u);
  // With no good one left, config.txt stays: something must boot.
  ASSERT_TRUE(device.mark_bad(boot_, 1));
  ASSERT_TRUE(device.mark_bad(boot_, 2));
  EXPECT_EQ(read("config.txt"), config_for(2));
}

TEST_F(RpiTrybootTest, SetDefaultCommitsOnlyGoodGenerations) {
  RpiTryboot rpi(settings());
  add(rpi, 1);
  add(rpi, 2);
  add(rpi, 3, 1);
  RpiTryboot device;
  ASSERT_TRUE(device.set_default(boot_, 1));
  EXPECT_EQ(read("config.txt"), config_for(1));
  auto r = device.set_default(boot_, 3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "generation 3 is trial: config.txt is what every failed trial falls back to, so it only boots good "
            "generations; boot it once with set-oneshot, or mark it good first");
  ASSERT_TRUE(device.set_default(boot_, std::nullopt));  // the newest good one
  EXPECT_EQ(read("config.txt"), config_for(2));
  EXPECT_EQ(read("tryboot.txt"), config_for(3));
}

TEST_F(RpiTrybootTest, SetOneshotWritesTrybootTxtForAnyGeneration) {
  RpiTryboot rpi(settings());
  add(rpi, 1);
  add(rpi, 2);
  RpiTryboot device;
  ASSERT_TRUE(device.set_oneshot(boot_, 1));
  EXPECT_EQ(read("tryboot.txt"), config_for(1));
  EXPECT_EQ(read("config.txt"), config_for(2));
  auto s = state(device);
  EXPECT_EQ(s.oneshot, 1u);
  EXPECT_EQ(s.default_entry, 2u);
  EXPECT_FALSE(device.set_oneshot(boot_, 9));
}

TEST_F(RpiTrybootTest, EachGenerationKeepsItsOwnFirmwareLines) {
  RpiTryboot first(settings());
  add(first, 1);
  RpiTryboot next(settings(std::string(kLines) + "gpu_mem=16\n"));
  add(next, 2, 1);
  RpiTryboot device;
  ASSERT_TRUE(device.mark_bad(boot_, 2));
  EXPECT_EQ(read("config.txt").find("gpu_mem"), std::string::npos);  // rolled back with generation 1
  ASSERT_TRUE(device.set_oneshot(boot_, 2));
  ASSERT_TRUE(device.mark_good(boot_, 2));
  EXPECT_NE(read("config.txt").find("\ngpu_mem=16\n"), std::string::npos);
}

TEST_F(RpiTrybootTest, LimitRemovesBadThenOldestButKeepsCommittedTrialAndNewestGood) {
  RpiTryboot rpi(settings());
  for (uint64_t g = 1; g <= 5; ++g) add(rpi, g);
  ASSERT_TRUE(rpi.mark_bad(boot_, 4));
  ASSERT_TRUE(rpi.set_default(boot_, 2));  // committed: kept whatever its age
  // A half-written generation (no entry.conf) is ignored, and removed.
  fs::create_directories(boot_ + "/gen-9");
  write(boot_ + "/gen-9/vmlinuz", "partial");
  EXPECT_EQ(state(rpi).entries.size(), 5u);
  add(rpi, 6, 1, with_limit(3));
  // Kept: 6 (this trial), 5 (newest good), 2 (committed). Gone: 4 (bad), then 1 and 3.
  EXPECT_EQ(generation_dirs(), (std::vector<std::string>{"gen-2", "gen-5", "gen-6"}));
  auto s = state(rpi);
  EXPECT_EQ(states(s), (std::vector<std::pair<uint64_t, EntryState>>{
                           {6, EntryState::trial}, {5, EntryState::good}, {2, EntryState::good}}));
  EXPECT_EQ(s.default_entry, 2u);
  EXPECT_EQ(s.oneshot, 6u);
  EXPECT_EQ(leftovers(), std::vector<std::string>{});
}

TEST_F(RpiTrybootTest, RewriteKeepsSameBytesAndDropsAStaleDeviceTree) {
  RpiTryboot rpi(settings());
  add(rpi, 1);
  auto before = fs::last_write_time(boot_ + "/gen-1/vmlinuz");
  write(dtbs_ + "/bcm2711-rpi-400.dtb", "device tree of the Pi 400\n");
  RpiTryboot pi400(RpiTrybootSettings{4, "bcm2711-rpi-400.dtb", dtbs_, std::string(kLines)});
  add(pi400, 1);
  EXPECT_EQ(fs::last_write_time(boot_ + "/gen-1/vmlinuz"), before);
  EXPECT_FALSE(exists("gen-1/bcm2711-rpi-4-b.dtb"));
  EXPECT_EQ(read("gen-1/bcm2711-rpi-400.dtb"), "device tree of the Pi 400\n");
  EXPECT_NE(read("config.txt").find("\ndevice_tree=bcm2711-rpi-400.dtb\n"), std::string::npos);
}

TEST_F(RpiTrybootTest, WriteEntryChecksEverythingBeforeWriting) {
  RpiTryboot no_dtbs(RpiTrybootSettings{4, std::string(kDtb), "", std::string(kLines)});
  auto r = no_dtbs.write_entry(boot_, entry(1), input("k", "k"), input("i", "i"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "generation 1: no directory of device trees to copy bcm2711-rpi-4-b.dtb from (RpiTrybootSettings)");

  RpiTryboot wrong_name(RpiTrybootSettings{4, "bcm2711-rpi-5-b.dtb", dtbs_, std::string(kLines)});
  r = wrong_name.write_entry(boot_, entry(1), input("k", "k"), input("i", "i"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "no device tree bcm2711-rpi-5-b.dtb in " + dtbs_ +
                                   ": check hardware.raspberryPi.deviceTree against the kernel package's device "
                                   "trees");

  RpiTryboot rpi(settings("kernel=mine.img\n"));
  r = rpi.write_entry(boot_, entry(1), input("k", "k"), input("i", "i"), {});
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().message.starts_with("hardware.raspberryPi.configTxt, line 1: `kernel=mine.img` sets"));

  BootEntry other = entry(2);
  other.options = "cairn.generation=3";
  r = RpiTryboot(settings()).write_entry(boot_, other, input("k", "k"), input("i", "i"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "generation 2: the options name cairn.generation=3");

  BootEntry two_lines = entry(2);
  two_lines.title = "a\nb";
  r = RpiTryboot(settings()).write_entry(boot_, two_lines, input("k", "k"), input("i", "i"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "generation 2: the title has a line break or control character");

  EXPECT_EQ(generation_dirs(), std::vector<std::string>{});
  EXPECT_FALSE(exists("config.txt"));
}

TEST_F(RpiTrybootTest, ReadStateOnAnEmptyPartitionSaysNothingIsInstalled) {
  auto s = RpiTryboot().read_state(boot_);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message,
            "no config.txt on " + boot_ + ": nothing is installed for the firmware to boot; write a generation first");
  auto missing = RpiTryboot().read_state(top_ + "/nowhere");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "the firmware partition " + top_ + "/nowhere is not a directory (is it mounted?)");
}

TEST_F(RpiTrybootTest, ReadStateExplainsHandEditedFiles) {
  RpiTryboot rpi(settings());
  add(rpi, 1);
  const std::string repair = "; was the file edited by hand? Copy the gen-<N>/config.txt of the generation to "
                             "boot over it";
  write(boot_ + "/config.txt", "arm_64bit=1\nos_prefix=upstream/\n");
  EXPECT_EQ(rpi.read_state(boot_).error().message,
            boot_ + "/config.txt:2: os_prefix=upstream/ names no cairn generation (gen-<N>/)" + repair);

  write(boot_ + "/config.txt", "os_prefix=gen-1/\nos_prefix=gen-1/\n");
  EXPECT_EQ(rpi.read_state(boot_).error().message,
            boot_ + "/config.txt: lines 1 and 2 both set os_prefix: cairn writes one" + repair);

  write(boot_ + "/config.txt", "arm_64bit=1\nkernel=kernel8.img\n");
  EXPECT_EQ(rpi.read_state(boot_).error().message,
            boot_ + "/config.txt names no cairn generation (it has no os_prefix=gen-<N>/ line); was it written by "
                    "hand? Copy the gen-<N>/config.txt of the generation to boot over it");
  // Writing a good generation replaces such a foreign config.txt.
  add(rpi, 2);
  EXPECT_EQ(state(rpi).default_entry, 2u);

  write(boot_ + "/tryboot.txt", config_for(7));
  EXPECT_EQ(rpi.read_state(boot_).error().message,
            boot_ + "/tryboot.txt boots generation 7 (os_prefix=gen-7/), but gen-7 is missing or incomplete (no "
                    "entry.conf): the firmware cannot boot it; copy the gen-<N>/config.txt of a complete generation "
                    "over it");
  fs::remove(boot_ + "/tryboot.txt");

  write(boot_ + "/gen-1/entry.conf", "version 00000001\nstate good\ntries 3\n");
  EXPECT_EQ(rpi.read_state(boot_).error().message,
            boot_ + "/gen-1/entry.conf:3: unknown key `tries` (expected title, version, state); cairn writes this "
                    "file itself: write the generation again");
  write(boot_ + "/gen-1/entry.conf", "version 00000001\nstate fine\n");
  EXPECT_EQ(rpi.read_state(boot_).error().message,
            boot_ + "/gen-1/entry.conf:2: state `fine` is none of good, trial, bad; cairn writes this file itself: "
                    "write the generation again");
  write(boot_ + "/gen-1/entry.conf", "version 00000001\n");
  EXPECT_EQ(rpi.read_state(boot_).error().message,
            boot_ + "/gen-1/entry.conf: no `state` line; cairn writes this file itself: write the generation again");
  // Verbs that change the partition refuse it too, before changing anything.
  std::string config = read("config.txt");
  EXPECT_FALSE(rpi.mark_good(boot_, 2));
  EXPECT_EQ(read("config.txt"), config);
}

TEST_F(RpiTrybootTest, CommitRefusesAGenerationConfigThatBootsAnotherGeneration) {
  RpiTryboot rpi(settings());
  add(rpi, 1);
  add(rpi, 2, 1);
  write(boot_ + "/gen-2/config.txt", config_for(1));
  auto r = rpi.mark_good(boot_, 2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, boot_ + "/gen-2/config.txt does not boot generation 2 (it has no os_prefix=gen-2/): "
                                       "write generation 2 again");
  EXPECT_EQ(read("config.txt"), config_for(1));
}

TEST_F(RpiTrybootTest, InstallChecksTheModelsFirmwareAndWritesNothing) {
  RpiTryboot rpi(settings());
  auto r = rpi.install(boot_, top_ + "/tree", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "no Raspberry Pi 4 firmware on " + boot_ +
                ": start4.elf is missing (it comes from the target's raspi-firmware package, which the SD image "
                "copies before the boot loader is installed)");
  write(boot_ + "/start4.elf", "firmware");
  write(boot_ + "/fixup4.dat", "fixup");
  ASSERT_TRUE(rpi.install(boot_, top_ + "/tree", {}));
  EXPECT_FALSE(exists("config.txt"));
  // The Pi 3 needs bootcode.bin too; the Pi 5's firmware is in its EEPROM.
  RpiTryboot pi3(RpiTrybootSettings{3, "bcm2837-rpi-3-b.dtb", dtbs_, ""});
  EXPECT_EQ(pi3.install(boot_, "", {}).error().message,
            "no Raspberry Pi 3 firmware on " + boot_ +
                ": bootcode.bin is missing (it comes from the target's raspi-firmware package, which the SD image "
                "copies before the boot loader is installed)");
  RpiTryboot pi5(RpiTrybootSettings{5, "bcm2712-rpi-5-b.dtb", dtbs_, ""});
  EXPECT_TRUE(pi5.install(top_ + "/in", "", {}));
}

}  // namespace
}  // namespace cairn::bootloader
