// The init sequence against the fake System: the order of the steps, what
// each failure leads to, the console's words, the debug timing lines.
#include "activator/stage.hh"

#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "activator/fakes_test.hh"
#include "activator/verify.hh"
#include "base/files.hh"
#include "base/hash.hh"

namespace cairn::activator {
namespace {

using testing::FakeBackend;
using testing::FakeSystem;
using testing::TempDir;
using Lines = std::vector<std::string>;

const BlockDevice kEsp{"/dev/vda1", "254:1", {{"TYPE", "vfat"}, {"LABEL", "ESP"}}};
const BlockDevice kState{"/dev/vda2", "254:2", {{"TYPE", "ext4"}, {"LABEL", "cairn-state"}}};

const std::string kImage = "/run/cairn/state/generations/3/system.squashfs";

// The side effects of a boot that works, up to the handover.
const Lines kBootLog = {
    "mount proc /proc proc nosuid,nodev,noexec",
    "mount sysfs /sys sysfs nosuid,nodev,noexec",
    "mount devtmpfs /dev devtmpfs mode=0755,nosuid",
    "mount tmpfs /run tmpfs mode=0755,nosuid,nodev,size=20%,nr_inodes=800k",
    "load /usr/lib/modules/6.1.0-test/kernel/drivers/block/virtio_blk.ko",
    "load /usr/lib/modules/6.1.0-test/kernel/fs/squashfs/squashfs.ko",
    "grow partition /dev/vda2",
    "mount /dev/vda2 /run/cairn/state ext4 rw",
    "grow filesystem /dev/vda2 /run/cairn/state",
    "attach /run/cairn/state/generations/3/system.squashfs /dev/loop0",
    "mount /dev/loop0 /run/cairn/image squashfs ro",
    "mount tmpfs /sysroot tmpfs mode=0755",
    "mount /run/cairn/image/usr /sysroot/usr - bind,ro",
    "mount overlay /sysroot/etc overlay lowerdir=/run/cairn/image/etc,upperdir=/run/cairn/overlay/etc/upper,"
    "workdir=/run/cairn/overlay/etc/work",
    "mount /run/cairn/state/var /sysroot/var - bind",
    "mount /run/cairn/state/home /sysroot/home - bind",
    "mount /run/cairn/state/root /sysroot/root - bind",
};
const Lines kHandover = {
    "move /dev /sysroot/dev",
    "move /proc /sysroot/proc",
    "move /sys /sysroot/sys",
    "move /run /sysroot/run",
    "switch_root / /sysroot /usr/lib/systemd/systemd",
};
// Marking the generation bad from the initramfs.
const Lines kMarkBad = {
    "mount /dev/vda1 /run/cairn/esp vfat nosuid,nodev,noexec",
    "unmount /run/cairn/esp",
    "reboot",
};

Lines concat(std::initializer_list<Lines> parts) {
  Lines out;
  for (const Lines& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

class InitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    system_.devices = {kEsp, kState};
    set_cmdline("console=ttyS0 cairn.generation=3\n");
    root_.write("usr/lib/modules/6.1.0-test/load.list",
                "kernel/drivers/block/virtio_blk.ko\n# the image\n\n  kernel/fs/squashfs/squashfs.ko  \n");
    // The state partition, as if mounted: generation 3 with a good image.
    install_generation(3, "squashfs bytes of generation 3");
    // The image, as if mounted: a merged-/usr root.
    root_.write("run/cairn/image/usr/lib/systemd/systemd", "#!systemd");
    ::chmod((root_.path() + "/run/cairn/image/usr/lib/systemd/systemd").c_str(), 0755);
    root_.write("run/cairn/image/etc/hostname", "vm\n");
    root_.mkdir("run/cairn/image/usr/bin");
    root_.mkdir("run/cairn/image/mnt");
    root_.mkdir("run/cairn/image/tmp");
    ::chmod((root_.path() + "/run/cairn/image/tmp").c_str(), 01777);
    std::filesystem::create_directory_symlink("usr/bin", root_.path() + "/run/cairn/image/bin");
    std::filesystem::create_directory_symlink("usr/lib", root_.path() + "/run/cairn/image/lib");
    root_.write("run/cairn/image/README", "not carried over");
    // The boot loader: 3 on trial, 2 good.
    backend_.state.entries = {FakeBackend::entry(3, 2, 1), FakeBackend::entry(2, std::nullopt)};
  }

  void set_cmdline(const std::string& text) { root_.write("proc/cmdline", text); }
  void install_generation(uint64_t n, const std::string& bytes) {
    std::string dir = "run/cairn/state/generations/" + std::to_string(n);
    root_.write(dir + "/system.squashfs", bytes);
    root_.write(dir + "/manifest.json", R"({"image": {"sha256": ")" + sha256_hex(bytes) + R"(", "size": )" +
                                            std::to_string(bytes.size()) + "}}");
  }
  /// Generation 3's manifest with `extra` members added.
  std::string manifest_text(const std::string& extra) const {
    const std::string bytes = "squashfs bytes of generation 3";
    return R"({"image": {"sha256": ")" + sha256_hex(bytes) + R"(", "size": )" + std::to_string(bytes.size()) +
           "}, " + extra + "}";
  }
  Ending run(std::vector<std::string> args = {}) {
    return run_init(Init{root_.path(), system_, backend_, std::move(args)});
  }

  TempDir root_;
  FakeSystem system_{root_.path()};
  FakeBackend backend_{root_.path()};
};

TEST_F(InitTest, BootsInOrder) {
  EXPECT_EQ(run(), Ending::handed_over);
  EXPECT_EQ(system_.log, concat({kBootLog, kHandover}));
  EXPECT_EQ(system_.console, Lines{});
  EXPECT_EQ(backend_.calls, Lines{});
}

TEST_F(InitTest, GrowsTheStatePartitionAndSaysSo) {
  system_.partition_growth = {1ull << 30, 20ull << 30};
  system_.filesystem_growth = {1ull << 30, 20ull << 30};
  EXPECT_EQ(run(), Ending::handed_over);
  EXPECT_EQ(system_.console, (Lines{"cairn: the state partition /dev/vda2 grew from 1.0 GiB to 20.0 GiB",
                                    "cairn: the file system on /dev/vda2 grew from 1.0 GiB to 20.0 GiB"}));
}

TEST_F(InitTest, AFailureToGrowIsNotFatal) {
  system_.grow_error = "cannot open /dev/vda to read its partition table: Permission denied";
  EXPECT_EQ(run(), Ending::handed_over);
  EXPECT_EQ(system_.console,
            (Lines{"cairn: cannot grow the state partition: cannot open /dev/vda to read its partition table: "
                   "Permission denied, ignoring",
                   "cairn: cannot grow the state file system: cannot open /dev/vda to read its partition table: "
                   "Permission denied, ignoring"}));
}

TEST_F(InitTest, GrowingCanBeSwitchedOff) {
  set_cmdline("cairn.generation=3 cairn.grow=0");
  EXPECT_EQ(run(), Ending::handed_over);
  EXPECT_EQ(std::ranges::count_if(system_.log, [](const std::string& l) { return l.starts_with("grow "); }), 0);
}

TEST_F(InitTest, BindsThePersistedPaths) {
  root_.write("run/cairn/state/generations/3/manifest.json",
              manifest_text(R"("persist": {"files": ["/etc/ssh/ssh_host_ed25519_key"], "directories": ["/srv"]})"));
  EXPECT_EQ(run(), Ending::handed_over);
  Lines binds;
  for (const std::string& l : system_.log)
    if (l.starts_with("mount /run/cairn/state/persist")) binds.push_back(l);
  EXPECT_EQ(binds, (Lines{"mount /run/cairn/state/persist/srv /sysroot/srv - bind",
                          "mount /run/cairn/state/persist/etc/ssh/ssh_host_ed25519_key "
                          "/sysroot/etc/ssh/ssh_host_ed25519_key - bind"}));
  // After the rest of the root, before the handover.
  auto first_bind = std::ranges::find(system_.log, binds.front());
  auto home = std::ranges::find(system_.log, "mount /run/cairn/state/root /sysroot/root - bind");
  EXPECT_LT(home, first_bind);
  EXPECT_LT(first_bind, std::ranges::find(system_.log, "move /dev /sysroot/dev"));
}

TEST_F(InitTest, AKeptPathThatCannotBeBoundFallsBack) {
  root_.write("run/cairn/state/generations/3/manifest.json",
              manifest_text(R"("persist": {"directories": ["/srv"]})"));
  root_.write("run/cairn/state/persist/srv", "a file where a directory should be");
  backend_.state.entries = {FakeBackend::entry(3, 2), FakeBackend::entry(2, std::nullopt)};
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(backend_.calls, Lines{"mark_bad /run/cairn/esp 3"});
}

TEST_F(InitTest, PassesInitsArgumentsOn) {
  EXPECT_EQ(run({"single", "systemd.unit=rescue.target"}), Ending::handed_over);
  EXPECT_EQ(system_.log.back(), "switch_root / /sysroot /usr/lib/systemd/systemd single systemd.unit=rescue.target");
}

TEST_F(InitTest, InitOnTheCommandLine) {
  set_cmdline("cairn.generation=3 init=/bin/sh");
  root_.write("run/cairn/image/usr/bin/sh", "#!sh");
  ::chmod((root_.path() + "/run/cairn/image/usr/bin/sh").c_str(), 0755);
  EXPECT_EQ(run(), Ending::handed_over);
  EXPECT_EQ(system_.log.back(), "switch_root / /sysroot /bin/sh");
}

TEST_F(InitTest, AssemblesTheRoot) {
  root_.write("run/cairn/state/machine-id", "0123456789abcdef0123456789abcdef\n");
  ASSERT_EQ(run(), Ending::handed_over);
  // The machine-id is bound over the (now created) /etc/machine-id.
  EXPECT_NE(std::ranges::find(system_.log, "mount /run/cairn/state/machine-id /sysroot/etc/machine-id - bind"),
            system_.log.end());
  EXPECT_TRUE(root_.exists("sysroot/etc/machine-id"));

  auto mode = [&](const std::string& rel) {
    struct stat st{};
    EXPECT_EQ(::lstat((root_.path() + "/" + rel).c_str(), &st), 0) << rel;
    return st.st_mode;
  };
  // The image's top level: links as they are, directories empty, files not.
  EXPECT_EQ(std::filesystem::read_symlink(root_.path() + "/sysroot/bin"), "usr/bin");
  EXPECT_EQ(std::filesystem::read_symlink(root_.path() + "/sysroot/lib"), "usr/lib");
  EXPECT_TRUE(S_ISDIR(mode("sysroot/mnt")));
  EXPECT_EQ(mode("sysroot/tmp") & 07777, 01777u);
  EXPECT_FALSE(root_.exists("sysroot/README"));
  // Mount points the image lacks.
  for (const char* dir : {"dev", "proc", "sys", "run", "usr", "etc", "var", "home"})
    EXPECT_TRUE(S_ISDIR(mode(std::string("sysroot/") + dir))) << dir;
  EXPECT_EQ(mode("sysroot/root") & 07777, 0700u);
  // The persistent directories, made on first use.
  EXPECT_EQ(mode("run/cairn/state/var") & 07777, 0755u);
  EXPECT_EQ(mode("run/cairn/state/home") & 07777, 0755u);
  EXPECT_EQ(mode("run/cairn/state/root") & 07777, 0700u);
  EXPECT_TRUE(S_ISDIR(mode("run/cairn/overlay/etc/upper")));
  EXPECT_TRUE(S_ISDIR(mode("run/cairn/overlay/etc/work")));
}

TEST_F(InitTest, ExistingStateDirectoriesKeepTheirModes) {
  root_.mkdir("run/cairn/state/root");
  ::chmod((root_.path() + "/run/cairn/state/root").c_str(), 0750);
  ASSERT_EQ(run(), Ending::handed_over);
  struct stat st{};
  ASSERT_EQ(::stat((root_.path() + "/run/cairn/state/root").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
}

TEST_F(InitTest, HashesOnceThenTrustsTheMarker) {
  set_cmdline("cairn.generation=3 cairn.debug");
  ASSERT_EQ(run(), Ending::handed_over);
  EXPECT_NE(std::ranges::find(system_.console, "cairn: [+0.000 s] mounting the image (hashed in full)"),
            system_.console.end());
  EXPECT_TRUE(root_.exists("run/cairn/state/generations/3/verified"));

  FakeSystem again(root_.path());
  again.devices = system_.devices;
  ASSERT_EQ(run_init(Init{root_.path(), again, backend_, {}}), Ending::handed_over);
  EXPECT_NE(std::ranges::find(again.console, "cairn: [+0.000 s] mounting the image (vouched for by its marker)"),
            again.console.end());
}

TEST_F(InitTest, DebugPrintsEachStepsTime) {
  set_cmdline("cairn.generation=3 cairn.debug");
  system_.mount_cost = 0.25;
  ASSERT_EQ(run(), Ending::handed_over);
  EXPECT_EQ(system_.console, (Lines{
                                 "cairn: [+0.000 s] mounting /proc, /sys, /dev and /run",
                                 "cairn: [+1.000 s] reading the kernel command line",
                                 "cairn: [+1.000 s] loading the kernel modules",
                                 "cairn: [+1.000 s] waiting for the state partition (LABEL=cairn-state)",
                                 "cairn: [+1.000 s] growing the state partition /dev/vda2",
                                 "cairn: [+1.000 s] mounting the state partition /dev/vda2",
                                 "cairn: [+1.250 s] reading generations/3/manifest.json",
                                 "cairn: [+1.250 s] checking generations/3/system.squashfs",
                                 "cairn: [+1.250 s] mounting the image (hashed in full)",
                                 "cairn: [+1.500 s] assembling the root at /sysroot",
                                 "cairn: [+3.000 s] handing over to /usr/lib/systemd/systemd",
                             }));
}

TEST_F(InitTest, NoDebugNoTimes) {
  system_.mount_cost = 0.25;
  ASSERT_EQ(run(), Ending::handed_over);
  EXPECT_EQ(system_.console, Lines{});
}

TEST_F(InitTest, CorruptImageIsMarkedBadAndTheMachineReboots) {
  std::string manifest = read_file(root_.path() + "/run/cairn/state/generations/3/manifest.json").value();
  root_.write("run/cairn/state/generations/3/system.squashfs", "squashfs bytes of generation 4");  // same size
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(system_.console,
            (Lines{"cairn: generation 3: image " + kImage + " does not match its manifest (sha256 " +
                       sha256_hex("squashfs bytes of generation 4") + ", expected " +
                       sha256_hex("squashfs bytes of generation 3") + "); booting the last good generation",
                   "cairn: generation 3 is marked bad; rebooting"}));
  EXPECT_EQ(system_.log, concat({Lines(kBootLog.begin(), kBootLog.begin() + 9), kMarkBad}));
  EXPECT_EQ(backend_.reads, Lines{"/run/cairn/esp"});
  EXPECT_EQ(backend_.calls, Lines{"mark_bad /run/cairn/esp 3"});
  EXPECT_FALSE(root_.exists("run/cairn/state/generations/3/verified"));
}

TEST_F(InitTest, WrongSizeIsMarkedBad) {
  root_.write("run/cairn/state/generations/3/system.squashfs", "short");
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(system_.console.front(), "cairn: generation 3: image " + kImage +
                                         " is 5 bytes, its manifest says 30; booting the last good generation");
  EXPECT_EQ(backend_.calls, Lines{"mark_bad /run/cairn/esp 3"});
}

TEST_F(InitTest, MissingManifestIsMarkedBad) {
  std::filesystem::remove(root_.path() + "/run/cairn/state/generations/3/manifest.json");
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(system_.console.front(),
            "cairn: generation 3: cannot open /run/cairn/state/generations/3/manifest.json: No such file or "
            "directory; booting the last good generation");
  EXPECT_EQ(backend_.calls, Lines{"mark_bad /run/cairn/esp 3"});
}

TEST_F(InitTest, BrokenManifestIsMarkedBad) {
  root_.write("run/cairn/state/generations/3/manifest.json", R"({"image": {"sha256": "x"}})");
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(system_.console.front(),
            "cairn: generation 3: /run/cairn/state/generations/3/manifest.json: image.sha256 is not 64 hexadecimal "
            "digits; booting the last good generation");
}

TEST_F(InitTest, ImageThatWillNotMountIsMarkedBad) {
  system_.failing_mounts["/run/cairn/image"] = "cannot mount /dev/loop0 on /run/cairn/image (squashfs): No such device";
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(system_.console.front(),
            "cairn: generation 3: cannot mount /dev/loop0 on /run/cairn/image (squashfs): No such device; booting the "
            "last good generation");
  EXPECT_EQ(backend_.calls, Lines{"mark_bad /run/cairn/esp 3"});
}

TEST_F(InitTest, ImageWithoutInitIsMarkedBad) {
  std::filesystem::remove(root_.path() + "/run/cairn/image/usr/lib/systemd/systemd");
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(system_.console.front(),
            "cairn: generation 3: the image has neither /usr/lib/systemd/systemd nor /sbin/init; booting the last "
            "good generation");
  EXPECT_EQ(backend_.calls, Lines{"mark_bad /run/cairn/esp 3"});
}

TEST_F(InitTest, StateNeverAppearsOnATrialGeneration) {
  system_.devices = {kEsp};
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(system_.console,
            (Lines{
                "cairn: waiting for the state partition (LABEL=cairn-state): 5 s of 30",
                "cairn: waiting for the state partition (LABEL=cairn-state): 10 s of 30",
                "cairn: waiting for the state partition (LABEL=cairn-state): 15 s of 30",
                "cairn: waiting for the state partition (LABEL=cairn-state): 20 s of 30",
                "cairn: waiting for the state partition (LABEL=cairn-state): 25 s of 30",
                "cairn: generation 3: the state partition (LABEL=cairn-state) did not appear in 30 s (block devices: "
                "/dev/vda1 vfat LABEL=ESP); booting the last good generation",
                "cairn: generation 3 is marked bad; rebooting",
            }));
  // Re-probed every 100 ms.
  EXPECT_NEAR(system_.probes, 301 + 1, 2);
  EXPECT_EQ(backend_.calls, Lines{"mark_bad /run/cairn/esp 3"});
  EXPECT_EQ(system_.log.back(), "reboot");
}

TEST_F(InitTest, StateNeverAppearsOnAGoodGenerationIsNotItsFault) {
  system_.devices = {kEsp};
  set_cmdline("cairn.generation=2 cairn.timeout=3");
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(system_.console,
            (Lines{
                "cairn: generation 2: the state partition (LABEL=cairn-state) did not appear in 3 s (block devices: "
                "/dev/vda1 vfat LABEL=ESP); booting the last good generation",
                "cairn: cannot fall back: generation 2 booted before and the fault may lie elsewhere; not marking it "
                "bad; rebooting in 30 s",
            }));
  EXPECT_EQ(backend_.calls, Lines{});
  EXPECT_EQ(Lines(system_.log.end() - 4, system_.log.end()),
            (Lines{"mount /dev/vda1 /run/cairn/esp vfat nosuid,nodev,noexec", "unmount /run/cairn/esp", "sleep 30",
                   "reboot"}));
}

TEST_F(InitTest, NoDisksAtAll) {
  system_.devices = {};
  set_cmdline("cairn.generation=3 cairn.timeout=0");
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(system_.console,
            (Lines{"cairn: generation 3: the state partition (LABEL=cairn-state) did not appear in 0 s (no block "
                   "devices at all); booting the last good generation",
                   "cairn: cannot fall back: no boot partition (a FAT file system labelled ESP, or an EFI System "
                   "partition); rebooting in 30 s"}));
  EXPECT_EQ(Lines(system_.log.end() - 2, system_.log.end()), (Lines{"sleep 30", "reboot"}));
}

TEST_F(InitTest, StateAppearsLate) {
  system_.devices_appear_at = 7.3;
  set_cmdline("cairn.generation=3 cairn.state=UUID=1234 cairn.timeout=10");
  system_.devices = {kEsp, BlockDevice{"/dev/sda2", "8:2", {{"TYPE", "ext4"}, {"UUID", "1234"}}}};
  EXPECT_EQ(run(), Ending::handed_over);
  EXPECT_EQ(system_.console, Lines{"cairn: waiting for the state partition (UUID=1234): 5 s of 10"});
  EXPECT_NE(std::ranges::find(system_.log, "mount /dev/sda2 /run/cairn/state ext4 rw"), system_.log.end());
}

TEST_F(InitTest, TwoStatePartitionsTheFirstWins) {
  system_.devices = {kEsp, kState, BlockDevice{"/dev/sda2", "8:2", kState.tags}};
  EXPECT_EQ(run(), Ending::handed_over);
  EXPECT_EQ(system_.console,
            Lines{"cairn: 2 devices carry LABEL=cairn-state (/dev/vda2, /dev/sda2); using /dev/vda2"});
}

TEST_F(InitTest, StateThatWillNotMountOnATrialGenerationIsMarkedBad) {
  system_.failing_mounts["/run/cairn/state"] = "cannot mount /dev/vda2 on /run/cairn/state (ext4): No such device";
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(backend_.calls, Lines{"mark_bad /run/cairn/esp 3"});
}

TEST_F(InitTest, NoOtherGoodEntryWithShellStartsTheRescueShell) {
  set_cmdline("cairn.generation=3 cairn.shell");
  root_.write("usr/bin/busybox", "busybox");
  ::chmod((root_.path() + "/usr/bin/busybox").c_str(), 0755);
  backend_.state.entries = {FakeBackend::entry(3, 1), FakeBackend::entry(2, 0, 3)};
  std::filesystem::remove(root_.path() + "/run/cairn/state/generations/3/manifest.json");
  EXPECT_EQ(run(), Ending::rescue_shell);
  EXPECT_EQ(system_.console,
            (Lines{"cairn: generation 3: cannot open /run/cairn/state/generations/3/manifest.json: No such file or "
                   "directory; booting the last good generation",
                   "cairn: cannot fall back: no other generation to boot; starting a rescue shell (leave it to "
                   "reboot)"}));
  // Still marked: it is bad, whatever boots next.
  EXPECT_EQ(backend_.calls, Lines{"mark_bad /run/cairn/esp 3"});
  EXPECT_EQ(Lines(system_.log.end() - 4, system_.log.end()),
            (Lines{"mount /dev/vda1 /run/cairn/esp vfat nosuid,nodev,noexec", "unmount /run/cairn/esp",
                   "shell /usr/bin/busybox sh", "reboot"}));
}

TEST_F(InitTest, NoOtherEntryWithoutShellWaitsAndReboots) {
  backend_.state.entries = {FakeBackend::entry(3, 1)};
  std::filesystem::remove(root_.path() + "/run/cairn/state/generations/3/manifest.json");
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(system_.console.back(), "cairn: cannot fall back: no other generation to boot; rebooting in 30 s");
  EXPECT_EQ(Lines(system_.log.end() - 2, system_.log.end()), (Lines{"sleep 30", "reboot"}));
}

TEST_F(InitTest, ShellWantedButNotInTheInitramfs) {
  set_cmdline("cairn.generation=3 cairn.shell");
  backend_.state.entries = {FakeBackend::entry(3, 1)};
  std::filesystem::remove(root_.path() + "/run/cairn/state/generations/3/manifest.json");
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(Lines(system_.console.end() - 2, system_.console.end()),
            (Lines{"cairn: cairn.shell: the initramfs has no /usr/bin/busybox",
                   "cairn: cannot fall back: no other generation to boot; rebooting in 30 s"}));
}

TEST_F(InitTest, MarkingFails) {
  backend_.fail_mark = "cannot rename loader/entries/cairn-3+2-1.conf: Read-only file system";
  std::filesystem::remove(root_.path() + "/run/cairn/state/generations/3/manifest.json");
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(system_.console.back(),
            "cairn: cannot fall back: marking generation 3 bad: cannot rename loader/entries/cairn-3+2-1.conf: "
            "Read-only file system; rebooting in 30 s");
  // The boot partition is unmounted all the same.
  EXPECT_EQ(Lines(system_.log.end() - 3, system_.log.end()), (Lines{"unmount /run/cairn/esp", "sleep 30", "reboot"}));
}

TEST_F(InitTest, GenerationWithoutEntry) {
  backend_.state.entries = {FakeBackend::entry(2, std::nullopt)};
  std::filesystem::remove(root_.path() + "/run/cairn/state/generations/3/manifest.json");
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(system_.console.back(), "cairn: cannot fall back: generation 3 has no boot entry; rebooting in 30 s");
}

TEST_F(InitTest, NoGenerationOnTheCommandLine) {
  set_cmdline("console=ttyS0 quiet");
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(system_.console,
            (Lines{"cairn: the kernel command line names no generation (cairn.generation=N)",
                   "cairn: cannot fall back: no generation to mark bad; rebooting in 30 s"}));
  EXPECT_EQ(system_.log, concat({Lines(kBootLog.begin(), kBootLog.begin() + 4), Lines{"sleep 30", "reboot"}}));
}

TEST_F(InitTest, BrokenCommandLineStillHonoursTheShell) {
  set_cmdline("cairn.generation=three cairn.shell");
  root_.write("usr/bin/busybox", "busybox");
  ::chmod((root_.path() + "/usr/bin/busybox").c_str(), 0755);
  EXPECT_EQ(run(), Ending::rescue_shell);
  EXPECT_EQ(system_.console.front(),
            "cairn: the kernel command line: cairn.generation=three: not a generation number");
}

TEST_F(InitTest, ApiFilesystemFailure) {
  system_.failing_mounts["/proc"] = "cannot mount proc on /proc (proc): No such device";
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(system_.console.front(), "cairn: cannot mount proc on /proc (proc): No such device");
}

TEST_F(InitTest, ModuleFailuresAreReportedAndIgnored) {
  system_.failing_modules = {"/usr/lib/modules/6.1.0-test/kernel/fs/squashfs/squashfs.ko"};
  EXPECT_EQ(run(), Ending::handed_over);
  EXPECT_EQ(system_.console, Lines{"cairn: cannot load /usr/lib/modules/6.1.0-test/kernel/fs/squashfs/squashfs.ko: "
                                   "Exec format error, ignoring"});
}

TEST_F(InitTest, MissingModuleListIsReportedAndIgnored) {
  system_.release = "6.2.0-other";
  EXPECT_EQ(run(), Ending::handed_over);
  EXPECT_EQ(system_.console, Lines{"cairn: cannot open /usr/lib/modules/6.2.0-other/load.list: No such file or "
                                   "directory, ignoring"});
}

TEST_F(InitTest, HandoverFailureIsNotMarked) {
  system_.switch_root_fails = true;
  EXPECT_EQ(run(), Ending::rebooted);
  EXPECT_EQ(system_.console,
            (Lines{"cairn: generation 3: handing over to /usr/lib/systemd/systemd: cannot execute "
                   "/usr/lib/systemd/systemd: Exec format error",
                   "cairn: cannot fall back: the handover failed half way; rebooting in 30 s"}));
  EXPECT_EQ(backend_.calls, Lines{});
}

TEST(FindInit, ResolvesLinksInsideTheImage) {
  TempDir image;
  // Debian's /sbin/init is an absolute link; it must resolve in the image,
  // not in the initramfs.
  image.write("usr/lib/systemd/systemd-only-here", "x");
  ::chmod((image.path() + "/usr/lib/systemd/systemd-only-here").c_str(), 0755);
  image.mkdir("usr/sbin");
  std::filesystem::create_directory_symlink("usr/sbin", image.path() + "/sbin");
  std::filesystem::create_symlink("/usr/lib/systemd/systemd-only-here", image.path() + "/usr/sbin/init");
  EXPECT_EQ(find_init(image.path(), std::nullopt).value_or("?"), "/sbin/init");

  // A link to something only the outside world has does not count.
  std::filesystem::remove(image.path() + "/usr/sbin/init");
  std::filesystem::create_symlink("/bin/sh", image.path() + "/usr/sbin/init");
  auto none = find_init(image.path(), std::nullopt);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message, "the image has neither /usr/lib/systemd/systemd nor /sbin/init");

  // Not executable: not a program.
  image.write("usr/lib/systemd/systemd", "x");
  EXPECT_FALSE(find_init(image.path(), std::nullopt));
  ::chmod((image.path() + "/usr/lib/systemd/systemd").c_str(), 0755);
  EXPECT_EQ(find_init(image.path(), std::nullopt).value_or("?"), "/usr/lib/systemd/systemd");

  auto wanted = find_init(image.path(), "/bin/bash");
  ASSERT_FALSE(wanted);
  EXPECT_EQ(wanted.error().message, "init=/bin/bash: no such program in the image");
}

}  // namespace
}  // namespace cairn::activator
