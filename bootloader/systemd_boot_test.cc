// The systemd-boot backend on a temporary directory standing in for the
// ESP, and one check against systemd's own parser (bootctl).
#include "bootloader/systemd_boot.hh"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>

#include "base/files.hh"
#include "base/hash.hh"
#include "base/subprocess.hh"
#include "bootloader/bls.hh"
#include "bootloader/efivar.hh"

namespace cairn::bootloader {
namespace {

namespace fs = std::filesystem;

const std::string kFakeLoader = "MZ fake systemd-boot 252 for tests\n";

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

LoaderSettings with_timeout(uint32_t seconds) {
  LoaderSettings s;
  s.timeout = seconds;
  return s;
}

LoaderSettings with_limit(uint32_t entries) {
  LoaderSettings s;
  s.limit = entries;
  return s;
}

class SystemdBootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t = (fs::temp_directory_path() / "cairn-sdboot-XXXXXX").string();
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    top_ = t;
    esp_ = top_ + "/esp";
    tree_ = top_ + "/tree";
    efivars_ = top_ + "/efivars";
    for (const auto& d : {esp_, tree_ + "/usr/lib/systemd/boot/efi", efivars_, top_ + "/in"})
      fs::create_directories(d);
    write(tree_ + "/usr/lib/systemd/boot/efi/systemd-bootx64.efi", kFakeLoader);
  }
  void TearDown() override { fs::remove_all(top_); }

  static void write(const std::string& path, const std::string& text) { ASSERT_TRUE(write_file_atomic(path, text)); }

  // A kernel or initrd file on the "build machine".
  std::string input(const std::string& name, const std::string& content) {
    std::string path = top_ + "/in/" + name;
    write(path, content);
    return path;
  }

  static BootEntry entry(uint64_t generation, std::optional<uint32_t> tries = std::nullopt) {
    BootEntry e;
    e.generation = generation;
    e.title = "vm — generation " + std::to_string(generation);
    e.options = "cairn.generation=" + std::to_string(generation) + " cairn.state=LABEL=cairn-state";
    e.tries_left = tries;
    return e;
  }

  // Writes generation `g` with its own initrd and the shared kernel.
  void add(SystemdBoot& sd, uint64_t g, std::optional<uint32_t> tries = std::nullopt, LoaderSettings settings = {}) {
    auto r = sd.write_entry(esp_, entry(g, tries), input("vmlinuz", "kernel 6.1\n"),
                            input("initrd-" + std::to_string(g), "initrd of " + std::to_string(g) + "\n"), settings);
    ASSERT_TRUE(r) << r.error().message;
  }

  std::vector<std::string> entry_files() const { return files_in(esp_ + "/loader/entries"); }
  std::vector<std::string> shared_files() const { return files_in(esp_ + "/cairn"); }

  static std::vector<std::string> files_in(const std::string& dir) {
    std::vector<std::string> out;
    if (!fs::exists(dir)) return out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  // Plays systemd-boot booting generation `g`'s entry once.
  void boot_once(const std::string& name) {
    auto next = name_after_boot(name);
    ASSERT_TRUE(next) << name;
    fs::rename(esp_ + "/loader/entries/" + name, esp_ + "/loader/entries/" + *next);
  }

  static std::vector<uint64_t> generations(const BootState& s) {
    std::vector<uint64_t> out;
    for (const auto& e : s.entries) out.push_back(e.generation);
    return out;
  }

  BootState state(const SystemdBoot& sd) {
    auto s = sd.read_state(esp_);
    EXPECT_TRUE(s) << s.error().message;
    return s.value_or(BootState{});
  }

  // loader.conf's `default' line.
  std::string loader_conf() const {
    std::string text = read_file(esp_ + "/loader/loader.conf").value_or("");
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      std::string line = text.substr(pos, end - pos);
      if (line.starts_with("default ")) return line;
      if (end == std::string::npos) break;
      pos = end + 1;
    }
    return "";
  }

  std::string top_, esp_, tree_, efivars_;
};

TEST_F(SystemdBootTest, InstallCopiesSystemdBootAndWritesLoaderConf) {
  SystemdBoot sd;
  ASSERT_TRUE(sd.install(esp_, tree_, with_timeout(3)));
  EXPECT_EQ(read_file(esp_ + "/EFI/systemd/systemd-bootx64.efi").value(), kFakeLoader);
  EXPECT_EQ(read_file(esp_ + "/EFI/BOOT/BOOTX64.EFI").value(), kFakeLoader);
  EXPECT_EQ(read_file(esp_ + "/loader/entries.srel").value(), "type1\n");
  EXPECT_TRUE(fs::is_directory(esp_ + "/loader/entries"));
  EXPECT_TRUE(fs::is_directory(esp_ + "/cairn"));
  EXPECT_EQ(read_file(esp_ + "/loader/loader.conf").value(),
            "# systemd-boot settings. cairn sets timeout and editor on install, and default\n"
            "# (a pattern over entry file names) on install and set-default.\n"
            "timeout 3\n"
            "default cairn-*\n"
            "editor no\n");
}

TEST_F(SystemdBootTest, InstallWithoutSystemdBootSaysWhatIsMissing) {
  fs::remove(tree_ + "/usr/lib/systemd/boot/efi/systemd-bootx64.efi");
  auto r = SystemdBoot().install(esp_, tree_, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "no systemd-boot in " + tree_ + ": " + tree_ +
                                   "/usr/lib/systemd/boot/efi/systemd-bootx64.efi is missing (the target needs "
                                   "the systemd-boot-efi package)");
}

TEST_F(SystemdBootTest, ReinstallKeepsAPinnedDefaultAndForeignSettings) {
  fs::create_directories(esp_ + "/loader");
  write(esp_ + "/loader/loader.conf", "timeout 10\nconsole-mode max\ndefault cairn-3[+.][1-9c]*\n");
  ASSERT_TRUE(SystemdBoot().install(esp_, tree_, with_timeout(0)));
  EXPECT_EQ(read_file(esp_ + "/loader/loader.conf").value(),
            "timeout 0\nconsole-mode max\ndefault cairn-3[+.][1-9c]*\neditor no\n");
}

TEST_F(SystemdBootTest, EntryFileGoldenAndKernelsSharedByHash) {
  SystemdBoot sd;
  add(sd, 1);
  add(sd, 2, 3);
  std::string kernel = sha256_hex("kernel 6.1\n") + "-kernel";
  std::string initrd2 = sha256_hex("initrd of 2\n") + "-initrd";
  EXPECT_EQ(entry_files(), (std::vector<std::string>{"cairn-1.conf", "cairn-2+3-0.conf"}));
  // One kernel for both generations, one initrd each.
  EXPECT_EQ(shared_files(), sorted({sha256_hex("initrd of 1\n") + "-initrd", initrd2, kernel}));
  EXPECT_EQ(read_file(esp_ + "/loader/entries/cairn-2+3-0.conf").value(),
            "title vm — generation 2\n"
            "version 00000002\n"
            "sort-key cairn\n"
            "linux /cairn/" + kernel + "\n"
            "initrd /cairn/" + initrd2 + "\n"
            "options cairn.generation=2 cairn.state=LABEL=cairn-state\n");
  auto s = state(sd);
  ASSERT_EQ(s.entries.size(), 2u);
  EXPECT_EQ(s.entries[0].kernel, "/cairn/" + kernel);
  EXPECT_EQ(s.entries[0].version, "00000002");
  EXPECT_EQ(s.entries[0].tries_left, 3u);
  EXPECT_EQ(s.entries[1].state(), EntryState::good);
}

TEST_F(SystemdBootTest, WriteEntryReplacesOtherFilesOfTheSameGeneration) {
  SystemdBoot sd;
  add(sd, 4, 3);
  add(sd, 4);
  EXPECT_EQ(entry_files(), (std::vector<std::string>{"cairn-4.conf"}));
}

TEST_F(SystemdBootTest, WriteEntryRefusesCountersThatWouldChangeTheNameLength) {
  auto r = SystemdBoot().write_entry(esp_, entry(5, 10), input("k", "k"), input("i", "i"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "generation 5: 10 tries left and 0 done make more than 9: with one digit each, systemd-boot's renames "
            "keep the file name's length");
  EXPECT_EQ(entry_files(), std::vector<std::string>{});
}

TEST_F(SystemdBootTest, MarkGoodDropsTheCounterAndMarkBadZeroesTriesLeft) {
  SystemdBoot sd;
  add(sd, 1, 3);
  add(sd, 2, 3);
  boot_once("cairn-2+3-0.conf");
  ASSERT_TRUE(sd.mark_good(esp_, 1));
  ASSERT_TRUE(sd.mark_good(esp_, 1));  // already good: nothing to do
  ASSERT_TRUE(sd.mark_bad(esp_, 2));
  ASSERT_TRUE(sd.mark_bad(esp_, 2));  // already bad: nothing to do
  EXPECT_EQ(entry_files(), (std::vector<std::string>{"cairn-1.conf", "cairn-2+0-1.conf"}));
  ASSERT_TRUE(sd.mark_bad(esp_, 1));
  EXPECT_EQ(entry_files(), (std::vector<std::string>{"cairn-1+0-0.conf", "cairn-2+0-1.conf"}));
  auto r = sd.mark_good(esp_, 3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "no boot entry for generation 3 in " + esp_ + "/loader/entries");
}

TEST_F(SystemdBootTest, MarkingRefusesTwoFilesForOneGeneration) {
  SystemdBoot sd;
  add(sd, 1, 3);
  fs::copy_file(esp_ + "/loader/entries/cairn-1+3-0.conf", esp_ + "/loader/entries/cairn-1.conf");
  auto r = sd.mark_good(esp_, 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "generation 1 has 2 entry files in " + esp_ +
                                   "/loader/entries (cairn-1+3-0.conf, cairn-1.conf): remove all but one");
}

TEST_F(SystemdBootTest, LimitRemovesBadThenOldestButKeepsNewestGoodAndDefault) {
  SystemdBoot sd;
  for (uint64_t g = 1; g <= 5; ++g) add(sd, g);
  ASSERT_TRUE(sd.set_default(esp_, 2));  // pinned: kept whatever its age
  ASSERT_TRUE(sd.mark_bad(esp_, 4));
  add(sd, 6, 3, with_limit(3));
  // Kept: 6 (just written), 5 (newest good), 2 (default). Gone: 4 (bad) first, then 1 and 3 (oldest).
  EXPECT_EQ(entry_files(), (std::vector<std::string>{"cairn-2.conf", "cairn-5.conf", "cairn-6+3-0.conf"}));
  auto s = state(sd);
  EXPECT_EQ(generations(s), (std::vector<uint64_t>{6, 5, 2}));
  EXPECT_EQ(s.default_entry, 2u);
}

TEST_F(SystemdBootTest, LimitCollectsKernelsAndInitrdsNoEntryNames) {
  SystemdBoot sd;
  add(sd, 1);
  ASSERT_TRUE(sd.write_entry(esp_, entry(2), input("vmlinuz-new", "kernel 6.2\n"), input("initrd-2", "initrd of 2\n"),
                             {}));
  add(sd, 3, std::nullopt, with_limit(1));
  // Generation 2's kernel 6.2 and both old initrds are gone; 3 uses kernel 6.1.
  EXPECT_EQ(entry_files(), std::vector<std::string>{"cairn-3.conf"});
  EXPECT_EQ(shared_files(), sorted({sha256_hex("initrd of 3\n") + "-initrd", sha256_hex("kernel 6.1\n") + "-kernel"}));
}

TEST_F(SystemdBootTest, WritesLeaveNoTemporaryFiles) {
  SystemdBoot sd(efivars_);
  ASSERT_TRUE(sd.install(esp_, tree_, {}));
  for (uint64_t g = 1; g <= 4; ++g) add(sd, g, 2, with_limit(2));
  ASSERT_TRUE(sd.mark_good(esp_, 4));
  ASSERT_TRUE(sd.mark_bad(esp_, 3));
  ASSERT_TRUE(sd.set_default(esp_, 4));
  ASSERT_TRUE(sd.set_oneshot(esp_, 3));
  ASSERT_TRUE(sd.install(esp_, tree_, {}));
  std::vector<std::string> all;
  for (const std::string& dir : {esp_, efivars_})
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.is_regular_file()) all.push_back(fs::relative(e.path(), top_).string());
  std::sort(all.begin(), all.end());
  std::vector<std::string> want = {
      "efivars/" + efivar_file_name(kEntryOneShotVar),
      "esp/EFI/BOOT/BOOTX64.EFI",
      "esp/EFI/systemd/systemd-bootx64.efi",
      "esp/cairn/" + sha256_hex("initrd of 3\n") + "-initrd",
      "esp/cairn/" + sha256_hex("initrd of 4\n") + "-initrd",
      "esp/cairn/" + sha256_hex("kernel 6.1\n") + "-kernel",
      "esp/loader/entries.srel",
      "esp/loader/entries/cairn-3+0-0.conf",
      "esp/loader/entries/cairn-4.conf",
      "esp/loader/loader.conf",
  };
  EXPECT_EQ(all, sorted(want));
}

TEST_F(SystemdBootTest, UsedUpNewestEntrySortsAfterTheGoodOne) {
  SystemdBoot sd;
  ASSERT_TRUE(sd.install(esp_, tree_, {}));
  add(sd, 1);
  add(sd, 2, 3);
  auto before = state(sd);
  EXPECT_EQ(generations(before), (std::vector<uint64_t>{2, 1}));
  EXPECT_EQ(before.default_entry, 2u);  // the trial boots first
  // Three failed boots, as systemd-boot renames them.
  boot_once("cairn-2+3-0.conf");
  boot_once("cairn-2+2-1.conf");
  auto trying = state(sd);
  EXPECT_EQ(trying.entries[0].tries_left, 1u);
  EXPECT_EQ(trying.entries[0].tries_done, 2u);
  EXPECT_EQ(trying.default_entry, 2u);
  boot_once("cairn-2+1-2.conf");
  auto after = state(sd);
  EXPECT_EQ(generations(after), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(after.entries[1].state(), EntryState::bad);
  EXPECT_EQ(after.default_entry, 1u);  // the last good one, no key press
  EXPECT_EQ(after.oneshot, std::nullopt);
}

TEST_F(SystemdBootTest, PinnedDefaultThatGoesBadIsPassedOver) {
  SystemdBoot sd;
  ASSERT_TRUE(sd.install(esp_, tree_, {}));
  add(sd, 1);
  add(sd, 2, 3);
  add(sd, 3);
  ASSERT_TRUE(sd.set_default(esp_, 2));
  EXPECT_EQ(loader_conf(), "default cairn-2[+.][1-9c]*");
  EXPECT_EQ(state(sd).default_entry, 2u);
  ASSERT_TRUE(sd.mark_bad(esp_, 2));
  EXPECT_EQ(state(sd).default_entry, 3u);
  auto r = sd.set_default(esp_, 2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "generation 2's entry cairn-2+0-0.conf is bad (no tries left): systemd-boot would pass over it");
  ASSERT_TRUE(sd.set_default(esp_, std::nullopt));
  EXPECT_EQ(loader_conf(), "default cairn-*");
}

TEST_F(SystemdBootTest, SetOneshotWithoutEfivarsSaysWhatItNeeds) {
  SystemdBoot sd;
  add(sd, 1);
  auto r = sd.set_oneshot(esp_, 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "cannot boot generation 1 once: systemd-boot reads a one-shot entry only from the EFI variable "
            "LoaderEntryOneShot (loader.conf has no such key), and this SystemdBoot was given no EFI variables "
            "directory (on the running system: /sys/firmware/efi/efivars)");
}

TEST_F(SystemdBootTest, SetOneshotWritesLoaderEntryOneShot) {
  SystemdBoot sd(efivars_);
  ASSERT_TRUE(sd.install(esp_, tree_, {}));
  add(sd, 1);
  add(sd, 2);
  ASSERT_TRUE(sd.set_oneshot(esp_, 1));
  EXPECT_EQ(read_file(efivars_ + "/LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f").value(),
            encode_efivar_string("cairn-1[+.]*"));
  auto s = state(sd);
  EXPECT_EQ(s.oneshot, 1u);
  EXPECT_EQ(s.default_entry, 2u);  // afterwards the default again
  auto r = sd.set_oneshot(esp_, 9);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "no boot entry for generation 9 in " + esp_ + "/loader/entries");
}

TEST_F(SystemdBootTest, SetDefaultClearsTheOverridingEfiVariable) {
  SystemdBoot sd(efivars_);
  ASSERT_TRUE(sd.install(esp_, tree_, {}));
  add(sd, 1);
  add(sd, 2);
  ASSERT_TRUE(write_efivar_string(efivars_, kEntryDefaultVar, "cairn-1.conf"));
  EXPECT_EQ(state(sd).default_entry, 1u);  // the variable wins over loader.conf
  ASSERT_TRUE(sd.set_default(esp_, 2));
  EXPECT_FALSE(fs::exists(efivars_ + "/" + efivar_file_name(kEntryDefaultVar)));
  EXPECT_EQ(state(sd).default_entry, 2u);
}

TEST_F(SystemdBootTest, BrokenEntryIsNamedWithFileAndLineAndStopsWrites) {
  SystemdBoot sd;
  add(sd, 1);
  write(esp_ + "/loader/entries/cairn-5.conf", "linux /cairn/k\nlinux /cairn/k\n");
  std::string error = esp_ + "/loader/entries/cairn-5.conf:2: second `linux' (the first is on line 1)";
  auto s = sd.read_state(esp_);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, error);
  auto w = sd.write_entry(esp_, entry(6), input("k6", "k6"), input("i6", "i6"), {});
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().message, error);
  EXPECT_EQ(entry_files(), (std::vector<std::string>{"cairn-1.conf", "cairn-5.conf"}));
  ASSERT_TRUE(sd.mark_good(esp_, 1));  // marking reads names only
}

TEST_F(SystemdBootTest, EntriesWithAMissingKernelAreNotInTheMenu) {
  SystemdBoot sd;
  add(sd, 1);
  write(esp_ + "/loader/entries/cairn-2.conf", "title gone\nlinux /cairn/missing-kernel\n");
  EXPECT_EQ(generations(state(sd)), std::vector<uint64_t>{1});
}

TEST_F(SystemdBootTest, OtherSystemsEntriesSortInButAreNotTheDefault) {
  SystemdBoot sd;
  ASSERT_TRUE(sd.install(esp_, tree_, {}));
  add(sd, 1);
  write(esp_ + "/vmlinuz-arch", "arch kernel");
  write(esp_ + "/loader/entries/arch.conf", "title Arch\nsort-key arch\nlinux /vmlinuz-arch\n");
  auto s = state(sd);
  EXPECT_EQ(generations(s), std::vector<uint64_t>{1});
  EXPECT_EQ(s.default_entry, 1u);  // "arch" sorts first, but "default cairn-*" picks ours
}

// Runs bootctl 252's own parser over the partition. bootctl wants the ESP
// to be a mount point (and, unless relaxed, FAT): a private mount namespace
// bind-mounts the directory onto itself; --no-variables keeps it away from
// EFI variables.
TEST_F(SystemdBootTest, BootctlListsOurEntriesWithTitlesAndCounters) {
  if (!find_program("bootctl")) GTEST_SKIP() << "bootctl is not installed";
  if (!find_program("unshare")) GTEST_SKIP() << "unshare is not installed";
  SystemdBoot sd;
  ASSERT_TRUE(sd.install(esp_, tree_, {}));
  add(sd, 1);
  add(sd, 2, 3);
  add(sd, 3, 3);
  boot_once("cairn-3+3-0.conf");
  ASSERT_TRUE(sd.mark_bad(esp_, 2));

  RunOptions options;
  options.env = {"SYSTEMD_RELAX_ESP_CHECKS=1", "SYSTEMD_PAGER=", "SYSTEMD_COLORS=0"};
  auto run_result = run("unshare",
                        {"--map-root-user", "--mount", "sh", "-c",
                         "mount --bind \"$1\" \"$1\" || exit 77; exec bootctl --esp-path=\"$1\" --no-pager "
                         "--no-variables list",
                         "sh", esp_},
                        options);
  ASSERT_TRUE(run_result) << run_result.error().message;
  if (run_result->exit_status == 77 || run_result->err.starts_with("unshare:"))
    GTEST_SKIP() << "cannot bind-mount the test ESP in a private mount namespace: " << run_result->err;
  ASSERT_TRUE(run_result->success()) << run_result->describe() << "\n" << run_result->err;

  // Blocks of "key: value" lines, one per entry, in bootctl's order.
  struct Listed {
    std::string title, source, tries;
  };
  std::vector<Listed> listed;
  size_t pos = 0;
  const std::string& out = run_result->out;
  bool in_block = false;
  while (pos < out.size()) {
    size_t end = out.find('\n', pos);
    if (end == std::string::npos) end = out.size();
    std::string line = out.substr(pos, end - pos);
    pos = end + 1;
    auto colon = line.find(": ");
    if (colon == std::string::npos) {
      in_block = false;
      continue;
    }
    std::string key = line.substr(line.find_first_not_of(' '), colon - line.find_first_not_of(' '));
    std::string value = line.substr(colon + 2);
    if (!in_block) listed.emplace_back(), in_block = true;
    if (key == "title") listed.back().title = value;
    if (key == "source") listed.back().source = value;
    if (key == "tries") listed.back().tries = value;
  }
  ASSERT_EQ(listed.size(), 3u) << out;
  EXPECT_EQ(listed[0].source, esp_ + "/loader/entries/cairn-3+2-1.conf") << out;
  EXPECT_TRUE(listed[0].title.starts_with("vm — generation 3 (default)")) << out;
  EXPECT_EQ(listed[0].tries, "2 left; 1 done");
  EXPECT_EQ(listed[1].source, esp_ + "/loader/entries/cairn-1.conf");
  EXPECT_TRUE(listed[1].title.starts_with("vm — generation 1")) << out;
  EXPECT_EQ(listed[1].tries, "");
  EXPECT_EQ(listed[2].source, esp_ + "/loader/entries/cairn-2+0-0.conf");
  EXPECT_TRUE(listed[2].title.starts_with("vm — generation 2")) << out;
  EXPECT_EQ(listed[2].tries, "0 left; 0 done");
}

}  // namespace
}  // namespace cairn::bootloader
