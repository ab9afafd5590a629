// Tests for builder/cli/switch: the builder's half of `cairn switch | boot |
// test | dry-activate | rollback`. Each case runs against a temporary root
// holding a fake machine — a state partition directory at
// run/cairn/state, a systemd-boot ESP at boot/efi named in a fake
// proc/self/mountinfo, an etc/machine-id — with a prepared system directory
// standing in for the build and a shell script standing in for
// cairn-activate (it records its arguments and exits with a chosen status).
// Checked: the wrong-host guard (refusal word for word, --force, the
// recorded host and its fallback, the machine-id), the install's layout and
// atomicity (no temporary left, an identical generation reused, a
// different one never overwritten), the boot entry with its tries, the
// runtime verb's arguments and exit status, the mount seam and the lock.
#include "builder/cli/switch.hh"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/fd.hh"
#include "base/files.hh"
#include "bootloader/detect.hh"
#include "builder/cli/image.hh"
#include "builder/generations/manifest.hh"

namespace cairn::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMachineId = "0123456789abcdef0123456789abcdef";

class SwitchTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string t = (fs::temp_directory_path() / "cairn-switch-XXXXXX").string();
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    dir_ = fs::canonical(t).string();
    root_ = dir_ + "/root";
    state_ = root_ + "/run/cairn/state";
    esp_ = root_ + "/boot/efi";
    fs::create_directories(state_ + "/generations");
    fs::create_directories(esp_ + "/loader/entries");  // systemd-boot's mark (bootloader/detect.hh)
    write(state_ + "/host", "laptop\n");
    write(state_ + "/machine-id", std::string(kMachineId) + "\n");
    write(root_ + "/etc/machine-id", std::string(kMachineId) + "\n");
    write(root_ + "/proc/self/mountinfo",
          "22 1 254:2 / / rw,relatime shared:1 - ext4 /dev/vda2 rw\n"
          "30 22 254:1 / /boot/efi rw,relatime shared:5 - vfat /dev/vda1 rw,fmask=0077\n");

    system_ = make_system(5, "image of generation 5\n");
    activator_ = dir_ + "/bin/cairn-activate";
    write(activator_,
          "#!/bin/sh\n"
          "echo \"$*\" >> \"$0.args\"\n"
          "echo \"activated $*\"\n"
          "echo 'a line on stderr' >&2\n"
          "exit $(cat \"$0.status\" 2>/dev/null || echo 0)\n");
    ::chmod(activator_.c_str(), 0755);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void write(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    ASSERT_TRUE(write_file_atomic(path, text));
  }
  static std::string read(const std::string& path) {
    auto r = read_file(path);
    return r ? *r : "<" + r.error().message + ">";
  }

  // A built system directory of host `laptop` numbered `number` whose image
  // holds `image`.
  BuiltSystem make_system(uint64_t number, const std::string& image, const std::string& host = "laptop") {
    std::string sys = fmt::format("{}/store/systems/{}-{}-{}", dir_, number, image.size(), host);
    write(sys + "/system.squashfs", image);
    write(sys + "/kernel", "kernel 6.1\n");
    write(sys + "/initrd", "initrd of " + std::to_string(number) + "\n");
    generations::Manifest m;
    m.host = host;
    m.name = host;
    m.architecture = "amd64";
    m.generation = number;
    m.inputs_hash = std::string(64, 'a');
    m.source_date_epoch = 1768039200;  // 2026-01-10
    m.kernel = {"6.1.0-50-amd64", "linux-image-6.1.0-50-amd64", "kernel", "initrd", {"quiet"}};
    m.image = {"system.squashfs", std::string(64, 'b'), image.size()};
    m.boot = {{"loader", "systemd-boot"}, {"tries", 2}, {"timeout", 3}};
    EXPECT_TRUE(generations::write_manifest(sys, m));
    BuiltSystem b;
    b.generation.number = number;
    b.generation.system_dir = sys;
    b.manifest = m;
    return b;
  }

  InPlaceContext context(InPlaceVerb verb, const std::string& host = "") {
    InPlaceContext ctx;
    ctx.verb = verb;
    ctx.root = root_;
    ctx.host = host;
    ctx.activator = activator_;
    ctx.build = [this](const std::string& h, uint64_t first_number) -> Result<BuiltSystem> {
      built_hosts_.push_back(h);
      first_numbers_.push_back(first_number);
      return system_;
    };
    ctx.mount = [this](const std::string& device, const std::string& target) -> Result<void> {
      calls_.push_back("mount " + device + " " + target);
      return {};
    };
    ctx.unmount = [this](const std::string& target) -> Result<void> {
      calls_.push_back("umount " + target);
      return {};
    };
    ctx.print = [this](const std::string& line) { lines_.push_back(line); };
    return ctx;
  }

  std::string activator_args() const { return read(activator_ + ".args"); }
  bool printed(const std::string& line) const { return std::ranges::find(lines_, line) != lines_.end(); }
  std::vector<std::string> generation_names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(state_ + "/generations")) out.push_back(e.path().filename().string());
    std::ranges::sort(out);
    return out;
  }
  bootloader::BootState boot_state() const {
    auto s = bootloader::DetectingBackend().read_state(esp_);
    EXPECT_TRUE(s) << s.error().message;
    return s ? *s : bootloader::BootState{};
  }
  // Generation n's entry on the ESP, if it has one.
  std::optional<bootloader::BootEntry> entry_of(uint64_t n) const {
    bootloader::BootState s = boot_state();
    auto e = std::ranges::find(s.entries, n, &bootloader::BootEntry::generation);
    if (e == s.entries.end()) return std::nullopt;
    return *e;
  }

  std::string dir_, root_, state_, esp_, activator_;
  BuiltSystem system_;
  std::vector<std::string> built_hosts_, calls_, lines_;
  std::vector<uint64_t> first_numbers_;  ///< what each build was asked to number from
};

// --- the wrong-host guard -----------------------------------------------

TEST_F(SwitchTest, RefusesAnotherHostWithoutForce) {
  auto r = run_in_place(context(InPlaceVerb::switch_now, "desktop"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            fmt::format("this machine is host laptop (recorded in {}/host; machine-id {}), not desktop; run `cairn "
                        "switch` without --host to rebuild laptop, or add --force to make it desktop",
                        state_, kMachineId));
  EXPECT_TRUE(built_hosts_.empty());
  EXPECT_TRUE(generation_names().empty());
  EXPECT_FALSE(fs::exists(activator_ + ".args"));
}

TEST_F(SwitchTest, ForceBuildsAnotherHostAndRecordsIt) {
  system_ = make_system(5, "desktop image\n", "desktop");
  InPlaceContext ctx = context(InPlaceVerb::switch_now, "desktop");
  ctx.force = true;
  auto r = run_in_place(ctx);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(built_hosts_, std::vector<std::string>{"desktop"});
  EXPECT_EQ(read(state_ + "/host"), "desktop\n");
  EXPECT_TRUE(printed(fmt::format("recorded host desktop in {}/host", state_)));
}

TEST_F(SwitchTest, BuildsTheRecordedHostByDefault) {
  auto r = run_in_place(context(InPlaceVerb::boot));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(built_hosts_, std::vector<std::string>{"laptop"});
  EXPECT_EQ(r->host, "laptop");
  EXPECT_EQ(read(state_ + "/host"), "laptop\n");  // unchanged
}

TEST_F(SwitchTest, WithoutHostFileTheRunningGenerationsManifestNamesTheHost) {
  fs::remove(state_ + "/host");
  write(root_ + "/proc/cmdline", "BOOT_IMAGE=x cairn.generation=3 cairn.state=LABEL=cairn-state quiet\n");
  BuiltSystem old = make_system(3, "old image\n");
  fs::create_directories(state_ + "/generations/3");
  fs::copy_file(old.generation.system_dir + "/manifest.json", state_ + "/generations/3/manifest.json");

  auto r = run_in_place(context(InPlaceVerb::switch_now, "desktop"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            fmt::format("this machine is host laptop (recorded in {}/generations/3/manifest.json; machine-id {}), "
                        "not desktop; run `cairn switch` without --host to rebuild laptop, or add --force to make "
                        "it desktop",
                        state_, kMachineId));

  // The activator's record of a switch wins over the command line.
  write(root_ + "/run/cairn/active", "generation=4\nimage=/run/cairn/generations/4\n");
  auto none = run_in_place(context(InPlaceVerb::test));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message,
            fmt::format("this machine records no host (no {}/host, and the running generation's manifest names "
                        "none); run `cairn test --host NAME --force` to build NAME for it",
                        state_));
}

TEST_F(SwitchTest, UnrecordedHostNeedsForce) {
  fs::remove(state_ + "/host");
  auto r = run_in_place(context(InPlaceVerb::switch_now, "laptop"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            fmt::format("cannot check that this machine is host laptop: it records no host (no {}/host, and the "
                        "running generation's manifest names none); add --force if it is",
                        state_));
  InPlaceContext ctx = context(InPlaceVerb::switch_now, "laptop");
  ctx.force = true;
  ASSERT_TRUE(run_in_place(ctx));
  EXPECT_EQ(read(state_ + "/host"), "laptop\n");
}

TEST_F(SwitchTest, RefusesAStatePartitionOfAnotherMachine) {
  write(state_ + "/machine-id", "ffffffffffffffffffffffffffffffff\n");
  auto r = run_in_place(context(InPlaceVerb::switch_now));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            fmt::format("the state partition at {} belongs to machine-id ffffffffffffffffffffffffffffffff, not to "
                        "this machine ({} in {}/etc/machine-id); add --force if it is this machine's",
                        state_, kMachineId, root_));
  EXPECT_TRUE(built_hosts_.empty());
  InPlaceContext ctx = context(InPlaceVerb::switch_now);
  ctx.force = true;
  EXPECT_TRUE(run_in_place(ctx));
}

TEST_F(SwitchTest, NotACairnMachine) {
  fs::remove_all(root_ + "/run");
  auto r = run_in_place(context(InPlaceVerb::rollback));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, fmt::format("this is not a running cairn machine: {} is not there (the activator "
                                           "mounts the state partition there at boot)",
                                           state_));
}

// --- installing --------------------------------------------------------

TEST_F(SwitchTest, InstallsTheGenerationWholeAndRemovesLeftovers) {
  write(state_ + "/generations/4.tmp-Ab12Cd/system.squashfs", "half an image");
  auto r = run_in_place(context(InPlaceVerb::switch_now));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->generation, 5u);
  EXPECT_TRUE(r->installed);
  EXPECT_EQ(generation_names(), std::vector<std::string>{"5"});
  EXPECT_EQ(read(state_ + "/generations/5/system.squashfs"), "image of generation 5\n");
  EXPECT_EQ(read(state_ + "/generations/5/manifest.json"), read(system_.generation.system_dir + "/manifest.json"));
  EXPECT_EQ(fs::status(state_ + "/generations/5").permissions() & fs::perms::all, fs::perms(0755));
  EXPECT_TRUE(printed(fmt::format("removed {}/generations/4.tmp-Ab12Cd, left by an interrupted install", state_)));
  EXPECT_TRUE(printed(fmt::format("installed laptop generation 5 in {}/generations/5", state_)));
}

TEST_F(SwitchTest, ReusesAnIdenticalGeneration) {
  fs::create_directories(state_ + "/generations/5");
  for (const char* f : {"system.squashfs", "manifest.json"})
    fs::copy_file(system_.generation.system_dir + "/" + f, state_ + "/generations/5/" + f);
  struct stat before {};
  ASSERT_EQ(::stat((state_ + "/generations/5/system.squashfs").c_str(), &before), 0);

  auto r = run_in_place(context(InPlaceVerb::test));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->generation, 5u);
  EXPECT_FALSE(r->installed);
  struct stat after {};
  ASSERT_EQ(::stat((state_ + "/generations/5/system.squashfs").c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
  EXPECT_EQ(generation_names(), std::vector<std::string>{"5"});
  EXPECT_TRUE(printed("generation 5 is on the state partition already (the same system)"));
}

TEST_F(SwitchTest, ReusesTheSameSystemInstalledUnderAnotherNumber) {
  // Built as 5 in the store, installed as 6 by an earlier switch (the
  // numbers did not agree then): a no-op rebuild gives 5 again.
  write(state_ + "/generations/5/system.squashfs", "another system\n");
  write(state_ + "/generations/5/manifest.json", "{}\n");
  fs::create_directories(state_ + "/generations/6");
  for (const char* f : {"system.squashfs", "manifest.json"})
    fs::copy_file(system_.generation.system_dir + "/" + f, state_ + "/generations/6/" + f);
  auto r = run_in_place(context(InPlaceVerb::test));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->generation, 6u);
  EXPECT_FALSE(r->installed);
  EXPECT_EQ(generation_names(), (std::vector<std::string>{"5", "6"}));
  EXPECT_EQ(activator_args(), "test 6\n");
}

TEST_F(SwitchTest, TheBuildIsNumberedPastTheNewestInstalled) {
  ASSERT_TRUE(run_in_place(context(InPlaceVerb::test)));
  write(state_ + "/generations/9/system.squashfs", "nine\n");
  write(state_ + "/generations/9/manifest.json", "{}\n");
  ASSERT_TRUE(run_in_place(context(InPlaceVerb::test)));
  EXPECT_EQ(first_numbers_, (std::vector<uint64_t>{1, 10}));
}

TEST_F(SwitchTest, NeverOverwritesAnotherSystemOfTheSameNumber) {
  write(state_ + "/generations/5/system.squashfs", "another machine's generation 5\n");
  write(state_ + "/generations/5/manifest.json", "{\"other\": true}\n");
  write(state_ + "/generations/7/system.squashfs", "generation 7\n");
  write(state_ + "/generations/7/manifest.json", "{}\n");

  auto r = run_in_place(context(InPlaceVerb::switch_now));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->generation, 8u);
  EXPECT_EQ(read(state_ + "/generations/5/system.squashfs"), "another machine's generation 5\n");
  EXPECT_EQ(read(state_ + "/generations/5/manifest.json"), "{\"other\": true}\n");
  EXPECT_EQ(read(state_ + "/generations/8/system.squashfs"), "image of generation 5\n");
  EXPECT_EQ(generation_names(), (std::vector<std::string>{"5", "7", "8"}));
  EXPECT_TRUE(printed("generation 5 on the state partition holds another system; installing laptop as generation 8 "
                      "(one past the newest installed)"));
  EXPECT_EQ(activator_args(), "switch 8\n");
  std::optional<bootloader::BootEntry> e = entry_of(8);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->options, kernel_options(system_.manifest, 8));
}

TEST_F(SwitchTest, AnImageOfAnotherSizeIsAnotherSystem) {
  fs::create_directories(state_ + "/generations/5");
  fs::copy_file(system_.generation.system_dir + "/manifest.json", state_ + "/generations/5/manifest.json");
  write(state_ + "/generations/5/system.squashfs", "cut");
  auto r = run_in_place(context(InPlaceVerb::boot));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->generation, 6u);
  EXPECT_EQ(read(state_ + "/generations/5/system.squashfs"), "cut");
}

TEST(ChooseGeneration, Cases) {
  struct Case {
    uint64_t built;
    std::vector<uint64_t> installed;
    bool same;
    uint64_t want;
  };
  for (const Case& c : std::vector<Case>{
           {5, {}, false, 5},
           {5, {1, 2, 3}, false, 5},
           {5, {1, 5}, true, 5},
           {5, {1, 5}, false, 6},
           {5, {5, 9}, false, 10},
           {2, {1, 2, 3, 4}, false, 5},
       })
    EXPECT_EQ(choose_generation(c.built, c.installed, c.same), c.want) << c.built;
}

// --- the boot entry ----------------------------------------------------

TEST_F(SwitchTest, WritesATrialEntryWithTheHostsTries) {
  auto r = run_in_place(context(InPlaceVerb::switch_now));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->entry_written);
  std::optional<bootloader::BootEntry> e = entry_of(5);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->tries_left, 2u);
  EXPECT_EQ(e->tries_done, 0u);
  EXPECT_EQ(e->options, kernel_options(system_.manifest, 5));
  EXPECT_EQ(e->title, "laptop — generation 5 (2026-01-10, 6.1.0-50-amd64)");
  ASSERT_FALSE(e->kernel.empty());
  EXPECT_EQ(read(esp_ + e->kernel), "kernel 6.1\n");
  EXPECT_EQ(read(esp_ + e->initrd), "initrd of 5\n");
  EXPECT_TRUE(printed(fmt::format("wrote the boot entry of generation 5 on {} (systemd-boot, a trial with 2 tries)",
                                  esp_)));
  EXPECT_TRUE(calls_.empty());  // mounted already: no mount, no unmount
}

TEST_F(SwitchTest, TestAndDryActivateWriteNoEntry) {
  for (InPlaceVerb v : {InPlaceVerb::test, InPlaceVerb::dry_activate}) {
    auto r = run_in_place(context(v));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_FALSE(r->entry_written);
    EXPECT_EQ(r->generation, 5u);
  }
  EXPECT_TRUE(boot_state().entries.empty());
  EXPECT_EQ(generation_names(), std::vector<std::string>{"5"});
}

TEST_F(SwitchTest, AReusedGenerationKeepsItsGoodEntry) {
  ASSERT_TRUE(run_in_place(context(InPlaceVerb::switch_now)));
  ASSERT_TRUE(bootloader::DetectingBackend().mark_good(esp_, 5));
  lines_.clear();
  auto r = run_in_place(context(InPlaceVerb::switch_now));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->installed);
  EXPECT_FALSE(r->entry_written);
  std::optional<bootloader::BootEntry> e = entry_of(5);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->state(), bootloader::EntryState::good);
  EXPECT_TRUE(printed("generation 5 has its boot entry already (good); kept"));

  // A bad one gets fresh tries.
  ASSERT_TRUE(bootloader::DetectingBackend().mark_bad(esp_, 5));
  r = run_in_place(context(InPlaceVerb::boot));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->entry_written);
  e = entry_of(5);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->tries_left, 2u);
}

TEST_F(SwitchTest, MountsTheBootPartitionWhenNoneIsMounted) {
  write(root_ + "/proc/self/mountinfo", "22 1 254:2 / / rw,relatime shared:1 - ext4 /dev/vda2 rw\n");
  write(root_ + "/dev/disk/by-label/ESP", "");
  // The fake mount leaves the directory as it is: make it look like the ESP.
  std::string target = root_ + "/run/cairn/esp";
  fs::create_directories(target + "/loader/entries");
  auto r = run_in_place(context(InPlaceVerb::boot));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(calls_, (std::vector<std::string>{"mount " + root_ + "/dev/disk/by-label/ESP " + target,
                                              "umount " + target}));
  auto s = bootloader::DetectingBackend().read_state(target);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->entries.size(), 1u);
  EXPECT_EQ(s->entries[0].generation, 5u);
}

TEST_F(SwitchTest, NoBootPartitionIsAnError) {
  write(root_ + "/proc/self/mountinfo", "22 1 254:2 / / rw,relatime shared:1 - ext4 /dev/vda2 rw\n");
  auto r = run_in_place(context(InPlaceVerb::switch_now));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            fmt::format("no boot partition: no vfat file system is mounted at /boot/efi, /efi, /boot or "
                        "/run/cairn/esp ({}/proc/self/mountinfo) and no partition is labelled ESP "
                        "({}/dev/disk/by-label/ESP); mount the boot partition and run again",
                        root_, root_));
  EXPECT_FALSE(fs::exists(activator_ + ".args"));
}

TEST(FindEspMount, Cases) {
  struct Case {
    std::string mountinfo;
    std::optional<std::string> want;
  };
  const std::string root = "22 1 254:2 / / rw - ext4 /dev/vda2 rw\n";
  for (const Case& c : std::vector<Case>{
           {root, std::nullopt},
           {root + "30 22 254:1 / /boot rw - vfat /dev/vda1 rw\n", "/boot"},
           {root + "30 22 254:1 / /boot rw - ext4 /dev/vda3 rw\n31 30 254:1 / /boot/efi rw - vfat /dev/vda1 rw\n",
            "/boot/efi"},
           {root + "30 22 254:1 / /efi rw - vfat /dev/vda1 rw\n", "/efi"},
           {root + "30 22 254:1 / /run/cairn/esp rw - vfat /dev/vda1 rw\n", "/run/cairn/esp"},
           {root + "30 22 254:1 / /mnt rw - vfat /dev/vda1 rw\n", std::nullopt},
           {root + "30 22 254:1 /sub /boot rw - vfat /dev/vda1 rw\n", std::nullopt},  // not mounted whole
           // A tmpfs mounted over the ESP hides it.
           {root + "30 22 254:1 / /boot rw - vfat /dev/vda1 rw\n31 22 0:40 / /boot rw - tmpfs tmpfs rw\n",
            std::nullopt},
       })
    EXPECT_EQ(find_esp_mount(c.mountinfo), c.want) << c.mountinfo;
}

// --- the runtime half -----------------------------------------------------

TEST_F(SwitchTest, RunsTheRuntimeVerbWithTheGeneration) {
  struct Case {
    InPlaceVerb verb;
    bool now;
    std::string args;
  };
  for (const Case& c : std::vector<Case>{
           {InPlaceVerb::switch_now, false, "switch 5\n"},
           {InPlaceVerb::boot, false, "boot 5\n"},
           {InPlaceVerb::test, false, "test 5\n"},
           {InPlaceVerb::dry_activate, false, "dry-activate 5\n"},
           {InPlaceVerb::rollback, false, "rollback\n"},
           {InPlaceVerb::rollback, true, "rollback --now\n"},
       }) {
    fs::remove(activator_ + ".args");
    built_hosts_.clear();
    InPlaceContext ctx = context(c.verb);
    ctx.now = c.now;
    auto r = run_in_place(ctx);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(activator_args(), c.args);
    EXPECT_EQ(r->activator.out, "activated " + c.args);
    EXPECT_EQ(r->activator.err, "a line on stderr\n");
    EXPECT_EQ(built_hosts_.size(), c.verb == InPlaceVerb::rollback ? 0u : 1u) << c.args;
  }
}

TEST_F(SwitchTest, RollbackBuildsNothingAndSkipsTheGuard) {
  write(state_ + "/host", "desktop\n");
  auto r = run_in_place(context(InPlaceVerb::rollback));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->generation);
  EXPECT_TRUE(built_hosts_.empty());
  EXPECT_TRUE(generation_names().empty());
  EXPECT_EQ(r->activator_command, (std::vector<std::string>{activator_, "rollback"}));
}

TEST_F(SwitchTest, PassesTheActivatorsExitStatusOn) {
  for (int status : {0, 1, 4}) {
    write(activator_ + ".status", std::to_string(status) + "\n");
    auto r = run_in_place(context(InPlaceVerb::switch_now));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->activator.exit_status, status);
  }
}

TEST_F(SwitchTest, AFailedSwitchDoesNotRecordAForcedHost) {
  write(activator_ + ".status", "1\n");
  InPlaceContext ctx = context(InPlaceVerb::switch_now, "desktop");
  ctx.force = true;
  auto r = run_in_place(ctx);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->activator.exit_status, 1);
  EXPECT_EQ(read(state_ + "/host"), "laptop\n");
}

TEST_F(SwitchTest, FindsTheInstalledActivatorUnderTheRoot) {
  std::string installed = root_ + "/usr/lib/cairn/cairn-activate";
  fs::create_directories(root_ + "/usr/lib/cairn");
  fs::copy_file(activator_, installed);
  ::chmod(installed.c_str(), 0755);
  InPlaceContext ctx = context(InPlaceVerb::rollback);
  ctx.activator.clear();
  auto r = run_in_place(ctx);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->activator_command, (std::vector<std::string>{installed, "rollback"}));
  EXPECT_EQ(read(installed + ".args"), "rollback\n");
}

TEST_F(SwitchTest, AKilledActivatorIsAnError) {
  write(activator_, "#!/bin/sh\nkill -9 $$\n");
  ::chmod(activator_.c_str(), 0755);
  auto r = run_in_place(context(InPlaceVerb::rollback));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, activator_ + " rollback was killed by signal 9 (Killed)");
}

// --- the lock ------------------------------------------------------------

TEST_F(SwitchTest, ASecondSwitchWaitsForNone) {
  std::string path = state_ + "/.cairn-switch.lock";
  Fd held(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  ASSERT_TRUE(held.valid());
  ASSERT_EQ(::flock(held.get(), LOCK_EX | LOCK_NB), 0);
  for (InPlaceVerb v : {InPlaceVerb::switch_now, InPlaceVerb::rollback}) {
    auto r = run_in_place(context(v));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              fmt::format("another cairn switch is running ({} is locked); wait for it to finish", path));
  }
  EXPECT_TRUE(built_hosts_.empty());
  EXPECT_FALSE(fs::exists(activator_ + ".args"));
  held.reset();
  EXPECT_TRUE(run_in_place(context(InPlaceVerb::switch_now)));
}

TEST_F(SwitchTest, TheLockIsHeldWhileBuildingAndInstalling) {
  std::string path = state_ + "/.cairn-switch.lock";
  InPlaceContext ctx = context(InPlaceVerb::switch_now);
  bool locked_during_build = false;
  ctx.build = [&](const std::string&, uint64_t) -> Result<BuiltSystem> {
    Fd probe(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    locked_during_build = probe.valid() && ::flock(probe.get(), LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    return system_;
  };
  ASSERT_TRUE(run_in_place(ctx));
  EXPECT_TRUE(locked_during_build);
}

TEST_F(SwitchTest, ABuildErrorIsPassedOnAndInstallsNothing) {
  InPlaceContext ctx = context(InPlaceVerb::switch_now);
  ctx.build = [](const std::string&, uint64_t) -> Result<BuiltSystem> {
    return fail("host laptop is not in cairn.lock; run `cairn lock --host laptop`");
  };
  auto r = run_in_place(ctx);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "host laptop is not in cairn.lock; run `cairn lock --host laptop`");
  EXPECT_TRUE(generation_names().empty());
  EXPECT_FALSE(fs::exists(activator_ + ".args"));
}

}  // namespace
}  // namespace cairn::cli
