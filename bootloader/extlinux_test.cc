// The U-Boot + extlinux backend on a temporary directory standing in for the
// FAT boot partition. U-Boot's part is played by writing boot.env the way
// its `env export -t` + `fatwrite` would. Generated files are compared with
// golden files in tests/golden/boot/; refresh them with CAIRN_ACCEPT=1 after
// a deliberate change, and review the diff.
#include "bootloader/extlinux.hh"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>

#include "base/files.hh"
#include "base/hash.hh"
#include "bootloader/uboot_script.hh"

namespace cairn::bootloader {
namespace {

namespace fs = std::filesystem;
using namespace std::literals;

// The source tree: CAIRN_SOURCE_ROOT when the build defines it, else found
// from this file's path as the compiler saw it (absolute, or relative to the
// build directory, which holds tests/bootloader_tests).
std::string source_root() {
#ifdef CAIRN_SOURCE_ROOT
  return CAIRN_SOURCE_ROOT;
#else
  fs::path file = __FILE__;
  if (file.is_relative()) file = fs::read_symlink("/proc/self/exe").parent_path().parent_path() / file;
  return fs::weakly_canonical(file).parent_path().parent_path().string();
#endif
}

void expect_golden(const std::string& name, const std::string& got) {
  std::string path = source_root() + "/tests/golden/boot/" + name;
  const char* accept = std::getenv("CAIRN_ACCEPT");
  if (accept && std::string(accept) == "1") {
    fs::create_directories(fs::path(path).parent_path());
    ASSERT_TRUE(write_file_atomic(path, got));
    return;
  }
  auto want = read_file(path);
  ASSERT_TRUE(want) << want.error().message << " (run with CAIRN_ACCEPT=1 to create it)";
  EXPECT_EQ(got, *want) << path << " changed; if intended, refresh with CAIRN_ACCEPT=1 and review the diff";
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

class ExtlinuxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t = (fs::temp_directory_path() / "cairn-extlinux-XXXXXX").string();
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    top_ = t;
    boot_ = top_ + "/boot";
    for (const auto& d : {boot_, top_ + "/in"}) fs::create_directories(d);
  }
  void TearDown() override { fs::remove_all(top_); }

  static void write(const std::string& path, const std::string& text) { ASSERT_TRUE(write_file_atomic(path, text)); }

  std::string input(const std::string& name, const std::string& content) {
    std::string path = top_ + "/in/" + name;
    write(path, content);
    return path;
  }

  static BootEntry entry(uint64_t generation, std::optional<uint32_t> tries = std::nullopt) {
    BootEntry e;
    e.generation = generation;
    e.title = "vm — generation " + std::to_string(generation);
    e.options = "cairn.generation=" + std::to_string(generation) + " cairn.state=LABEL=cairn-state console=ttyAMA0";
    e.tries_left = tries;
    return e;
  }

  // Writes generation `g` with its own initrd and the shared kernel.
  void add(ExtlinuxBackend& b, uint64_t g, std::optional<uint32_t> tries = std::nullopt,
           LoaderSettings settings = {}) {
    auto r = b.write_entry(boot_, entry(g, tries), input("vmlinuz", "kernel 6.1\n"),
                           input("initrd-" + std::to_string(g), "initrd of " + std::to_string(g) + "\n"), settings);
    ASSERT_TRUE(r) << r.error().message;
  }

  // Plays U-Boot writing boot.env back (`env export -t`: sorted, then a NUL;
  // the same bytes Debian's qemu_arm64 U-Boot 2023.01 wrote in a QEMU run).
  void uboot_writes_env(const std::string& text) { write(boot_ + "/cairn/boot.env", text + std::string(1, '\0')); }

  std::string file(const std::string& relative) const { return read_file(boot_ + "/" + relative).value_or("<missing>"); }

  std::vector<std::string> files_in(const std::string& relative) const {
    std::vector<std::string> out;
    if (!fs::exists(boot_ + "/" + relative)) return out;
    for (const auto& e : fs::directory_iterator(boot_ + "/" + relative))
      if (e.is_regular_file()) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  BootState state(const ExtlinuxBackend& b) {
    auto s = b.read_state(boot_);
    EXPECT_TRUE(s) << s.error().message;
    return s.value_or(BootState{});
  }

  static std::vector<uint64_t> generations(const BootState& s) {
    std::vector<uint64_t> out;
    for (const auto& e : s.entries) out.push_back(e.generation);
    return out;
  }

  static std::vector<EntryState> states(const BootState& s) {
    std::vector<EntryState> out;
    for (const auto& e : s.entries) out.push_back(e.state());
    return out;
  }

  // extlinux.conf's `default' line.
  std::string menu_default() const {
    std::string text = file("boot/extlinux/extlinux.conf");
    size_t pos = text.find("\ndefault ");
    if (pos == std::string::npos) return "";
    return text.substr(pos + 1, text.find('\n', pos + 1) - pos - 1);
  }

  std::string kernel_name() const { return sha256_hex("kernel 6.1\n") + "-kernel"; }
  std::string initrd_name(uint64_t g) const {
    return sha256_hex("initrd of " + std::to_string(g) + "\n") + "-initrd";
  }

  std::string top_, boot_;
};

TEST_F(ExtlinuxTest, InstallWritesScriptSettingsAndAnEmptyMenu) {
  ExtlinuxBackend b;
  ASSERT_TRUE(b.install(boot_, top_ + "/no-tree", with_timeout(5)));
  auto image = read_script_image(file("boot.scr"));
  ASSERT_TRUE(image) << image.error().message;
  EXPECT_EQ(image->script, boot_script());
  EXPECT_EQ(image->time, 0u);
  EXPECT_EQ(file("cairn/loader.conf"),
            "# cairn's settings for the U-Boot menu: timeout in seconds, and default\n"
            "# (a generation) when one is pinned.\n"
            "timeout 5\n");
  EXPECT_TRUE(fs::is_directory(boot_ + "/cairn/entries"));
  EXPECT_EQ(file("boot/extlinux/extlinux.conf"),
            "# The U-Boot menu of this device's cairn generations. cairn rewrites it\n"
            "# from /cairn/entries on every change: do not edit. /boot.scr boots it\n"
            "# with the generation to try preselected (boot counting).\n"
            "menu title cairn\n"
            "timeout 50\n");
  // No menu at /extlinux/extlinux.conf: distro boot would find it before /boot.scr.
  EXPECT_FALSE(fs::exists(boot_ + "/extlinux"));
  EXPECT_TRUE(state(b).entries.empty());
}

TEST_F(ExtlinuxTest, BootScriptMatchesGoldenFile) {
  ExtlinuxBackend b;
  ASSERT_TRUE(b.install(boot_, "", {}));
  auto image = read_script_image(file("boot.scr"));
  ASSERT_TRUE(image) << image.error().message;
  expect_golden("boot.scr.txt", image->script);
}

TEST_F(ExtlinuxTest, ReinstallKeepsAPinnedDefaultAndChangesTheTimeout) {
  ExtlinuxBackend b;
  ASSERT_TRUE(b.install(boot_, "", with_timeout(3)));
  add(b, 1);
  add(b, 2);
  ASSERT_TRUE(b.set_default(boot_, 1));
  ASSERT_TRUE(b.install(boot_, "", with_timeout(0)));
  std::string settings = file("cairn/loader.conf");
  EXPECT_EQ(settings.substr(settings.find("\ntimeout ") + 1), "timeout 0\ndefault 1\n");
  EXPECT_EQ(menu_default(), "default cairn-1");
  // Timeout 0: no `menu title`, which would make U-Boot wait for a choice.
  EXPECT_EQ(file("boot/extlinux/extlinux.conf").find("menu title"), std::string::npos);
  EXPECT_NE(file("boot/extlinux/extlinux.conf").find("\ntimeout 0\n"), std::string::npos);
}

TEST_F(ExtlinuxTest, RecordAndKernelsSharedByHash) {
  ExtlinuxBackend b;
  add(b, 1);
  add(b, 2, 3);
  std::vector<std::string> shared{initrd_name(1), initrd_name(2), kernel_name(), "boot.env"};
  std::sort(shared.begin(), shared.end());
  EXPECT_EQ(files_in("cairn"), shared);
  EXPECT_EQ(file("cairn/" + kernel_name()), "kernel 6.1\n");
  EXPECT_EQ(files_in("cairn/entries"), (std::vector<std::string>{"cairn-1.conf", "cairn-2.conf"}));
  EXPECT_EQ(file("cairn/entries/cairn-2.conf"),
            "title vm — generation 2\n"
            "version 00000002\n"
            "sort-key cairn\n"
            "linux /cairn/" + kernel_name() + "\n"
            "initrd /cairn/" + initrd_name(2) + "\n"
            "options cairn.generation=2 cairn.state=LABEL=cairn-state console=ttyAMA0\n"
            "tries-left 3\n"
            "tries-done 0\n");
  EXPECT_EQ(file("cairn/entries/cairn-1.conf").find("tries-"), std::string::npos);
}

TEST_F(ExtlinuxTest, TrialStartsCountingInBootEnvAndIsNotTheMenuDefault) {
  ExtlinuxBackend b;
  add(b, 1);
  add(b, 2, 3);
  EXPECT_EQ(file("cairn/boot.env"), std::string("cairn_left=3\ncairn_trial=2\n\0"sv));
  BootState s = state(b);
  EXPECT_EQ(generations(s), (std::vector<uint64_t>{2, 1}));
  EXPECT_EQ(states(s), (std::vector<EntryState>{EntryState::trial, EntryState::good}));
  EXPECT_EQ(s.entries[0].tries_left, 3u);
  EXPECT_EQ(s.default_entry, 2u);  // the script preselects the trial
  // When the trial fails, U-Boot falls back to the menu's default: the good one.
  EXPECT_EQ(menu_default(), "default cairn-1");
}

TEST_F(ExtlinuxTest, ReadStateFollowsUBootsDecrementsUntilTheTrialIsBad) {
  ExtlinuxBackend b;
  add(b, 1);
  add(b, 2, 3);
  uboot_writes_env("cairn_left=2\ncairn_trial=2\n");
  BootState s = state(b);
  EXPECT_EQ(states(s), (std::vector<EntryState>{EntryState::trial, EntryState::good}));
  EXPECT_EQ(s.entries[0].tries_left, 2u);
  EXPECT_EQ(s.entries[0].tries_done, 1u);
  EXPECT_EQ(s.default_entry, 2u);

  uboot_writes_env("cairn_left=0\ncairn_trial=2\n");
  s = state(b);
  EXPECT_EQ(generations(s), (std::vector<uint64_t>{1, 2}));  // bad sorts last
  EXPECT_EQ(states(s), (std::vector<EntryState>{EntryState::good, EntryState::bad}));
  EXPECT_EQ(s.entries[1].tries_left, 0u);
  EXPECT_EQ(s.entries[1].tries_done, 3u);
  EXPECT_EQ(s.default_entry, 1u);
}

TEST_F(ExtlinuxTest, MarkGoodDropsTheCounterAndEndsTheTrial) {
  ExtlinuxBackend b;
  add(b, 1);
  add(b, 2, 3);
  uboot_writes_env("cairn_left=2\ncairn_trial=2\n");
  ASSERT_TRUE(b.mark_good(boot_, 2));
  EXPECT_EQ(file("cairn/boot.env"), std::string(1, '\0'));
  EXPECT_EQ(file("cairn/entries/cairn-2.conf").find("tries-"), std::string::npos);
  BootState s = state(b);
  EXPECT_EQ(states(s), (std::vector<EntryState>{EntryState::good, EntryState::good}));
  EXPECT_EQ(s.default_entry, 2u);
  EXPECT_EQ(menu_default(), "default cairn-2");
  EXPECT_NE(file("boot/extlinux/extlinux.conf").find("menu label vm - generation 2\n"), std::string::npos);
}

TEST_F(ExtlinuxTest, MarkBadTakesTheCounterAwayAndSortsTheEntryLast) {
  ExtlinuxBackend b;
  add(b, 1);
  add(b, 2, 3);
  uboot_writes_env("cairn_left=1\ncairn_oneshot=1\ncairn_trial=2\n");
  ASSERT_TRUE(b.mark_bad(boot_, 2));
  EXPECT_EQ(file("cairn/boot.env"), std::string("cairn_oneshot=1\n\0"sv));
  EXPECT_NE(file("cairn/entries/cairn-2.conf").find("tries-left 0\ntries-done 2\n"), std::string::npos);
  BootState s = state(b);
  EXPECT_EQ(generations(s), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(states(s), (std::vector<EntryState>{EntryState::good, EntryState::bad}));
  EXPECT_EQ(s.default_entry, 1u);
  std::string conf = file("boot/extlinux/extlinux.conf");
  EXPECT_LT(conf.find("label cairn-1\n"), conf.find("label cairn-2\n"));
  EXPECT_NE(conf.find("menu label vm - generation 2 (bad)\n"), std::string::npos);
  // Already bad: nothing changes.
  ASSERT_TRUE(b.mark_bad(boot_, 2));
  EXPECT_NE(file("cairn/entries/cairn-2.conf").find("tries-left 0\ntries-done 2\n"), std::string::npos);
}

TEST_F(ExtlinuxTest, MarkBadOnAGoodEntryMovesTheDefaultToTheNextGoodOne) {
  ExtlinuxBackend b;
  add(b, 1);
  add(b, 2);
  ASSERT_TRUE(b.mark_bad(boot_, 2));
  EXPECT_EQ(menu_default(), "default cairn-1");
  EXPECT_EQ(states(state(b)), (std::vector<EntryState>{EntryState::good, EntryState::bad}));
  // And back.
  ASSERT_TRUE(b.mark_good(boot_, 2));
  EXPECT_EQ(menu_default(), "default cairn-2");
}

TEST_F(ExtlinuxTest, VerbsOnAMissingGenerationSayWhichFileIsMissing) {
  ExtlinuxBackend b;
  add(b, 1);
  std::string want = "generation 9 has no boot entry: " + boot_ + "/cairn/entries/cairn-9.conf does not exist";
  for (auto r : {b.mark_good(boot_, 9), b.mark_bad(boot_, 9), b.set_default(boot_, 9), b.set_oneshot(boot_, 9)}) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, want);
  }
}

TEST_F(ExtlinuxTest, SetDefaultPinsAGoodGenerationAndRefusesABadOne) {
  ExtlinuxBackend b;
  add(b, 1);
  add(b, 2);
  add(b, 3);
  ASSERT_TRUE(b.mark_bad(boot_, 3));
  ASSERT_TRUE(b.set_default(boot_, 1));
  EXPECT_EQ(menu_default(), "default cairn-1");
  EXPECT_EQ(state(b).default_entry, 1u);
  auto r = b.set_default(boot_, 3);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "generation 3 is bad (no tries left): U-Boot would pass over it");
  // A newer good generation does not move a pinned default.
  add(b, 4);
  EXPECT_EQ(menu_default(), "default cairn-1");
  ASSERT_TRUE(b.set_default(boot_, std::nullopt));
  EXPECT_EQ(menu_default(), "default cairn-4");
  EXPECT_EQ(file("cairn/loader.conf").find("\ndefault"), std::string::npos);
}

TEST_F(ExtlinuxTest, PinnedTrialBecomesTheMenuDefaultOnlyOnceGood) {
  ExtlinuxBackend b;
  add(b, 1);
  add(b, 2, 2);
  ASSERT_TRUE(b.set_default(boot_, 2));
  EXPECT_EQ(menu_default(), "default cairn-1");  // if the trial fails, 1 boots
  ASSERT_TRUE(b.mark_good(boot_, 2));
  EXPECT_EQ(menu_default(), "default cairn-2");
}

TEST_F(ExtlinuxTest, PinnedDefaultThatGoesBadIsPassedOver) {
  ExtlinuxBackend b;
  add(b, 1);
  add(b, 2);
  ASSERT_TRUE(b.set_default(boot_, 1));
  ASSERT_TRUE(b.mark_bad(boot_, 1));
  EXPECT_EQ(menu_default(), "default cairn-2");
  EXPECT_EQ(state(b).default_entry, 2u);
}

TEST_F(ExtlinuxTest, DefaultIsNeverABadEntry) {
  ExtlinuxBackend b;
  add(b, 1, 1);
  EXPECT_EQ(menu_default(), "default cairn-1");  // nothing better: the trial itself
  uboot_writes_env("cairn_left=0\ncairn_trial=1\n");
  EXPECT_EQ(state(b).default_entry, std::nullopt);
  ASSERT_TRUE(b.mark_bad(boot_, 1));
  EXPECT_EQ(menu_default(), "");  // no `default`: U-Boot tries the labels in order
  EXPECT_EQ(state(b).default_entry, std::nullopt);
}

TEST_F(ExtlinuxTest, OneshotGoesToBootEnvNextToTheTrial) {
  ExtlinuxBackend b;
  add(b, 1);
  add(b, 2, 3);
  ASSERT_TRUE(b.set_oneshot(boot_, 1));
  EXPECT_EQ(file("cairn/boot.env"), std::string("cairn_left=3\ncairn_oneshot=1\ncairn_trial=2\n\0"sv));
  BootState s = state(b);
  EXPECT_EQ(s.oneshot, 1u);
  EXPECT_EQ(s.default_entry, 2u);
  // The script cleared it after booting it once.
  uboot_writes_env("cairn_left=3\ncairn_trial=2\n");
  EXPECT_EQ(state(b).oneshot, std::nullopt);
  // A one-shot naming no record boots the default: reported as none.
  uboot_writes_env("cairn_oneshot=7\n");
  EXPECT_EQ(state(b).oneshot, std::nullopt);
}

TEST_F(ExtlinuxTest, ANewTrialTakesTheCounterFromAnUntriedOne) {
  ExtlinuxBackend b;
  add(b, 1);
  add(b, 2, 3);
  add(b, 3, 2);
  EXPECT_EQ(file("cairn/boot.env"), std::string("cairn_left=2\ncairn_trial=3\n\0"sv));
  BootState s = state(b);
  EXPECT_EQ(generations(s), (std::vector<uint64_t>{3, 1, 2}));
  EXPECT_EQ(states(s), (std::vector<EntryState>{EntryState::trial, EntryState::good, EntryState::bad}));
}

TEST_F(ExtlinuxTest, RewritingAGenerationWithoutTriesEndsItsTrial) {
  ExtlinuxBackend b;
  add(b, 1);
  add(b, 2, 3);
  add(b, 2);
  EXPECT_EQ(file("cairn/boot.env"), std::string(1, '\0'));
  EXPECT_EQ(states(state(b)), (std::vector<EntryState>{EntryState::good, EntryState::good}));
}

TEST_F(ExtlinuxTest, LimitRemovesBadThenOldestButKeepsNewestGoodDefaultAndOneshot) {
  ExtlinuxBackend b;
  for (uint64_t g = 1; g <= 4; ++g) add(b, g);
  ASSERT_TRUE(b.mark_bad(boot_, 3));
  add(b, 5, 2, with_limit(3));  // 3 (bad) and 1 (oldest) go
  EXPECT_EQ(files_in("cairn/entries"), (std::vector<std::string>{"cairn-2.conf", "cairn-4.conf", "cairn-5.conf"}));
  // Kernels and initrds no record names are gone.
  std::vector<std::string> shared{initrd_name(2), initrd_name(4), initrd_name(5), kernel_name(), "boot.env"};
  std::sort(shared.begin(), shared.end());
  EXPECT_EQ(files_in("cairn"), shared);
  ASSERT_TRUE(b.set_default(boot_, 2));
  ASSERT_TRUE(b.set_oneshot(boot_, 4));
  add(b, 6, std::nullopt, with_limit(1));
  // 6 is this entry and the newest good one, 2 the default, 4 the one-shot,
  // and 5 the trial U-Boot tries next: all stay, more than the limit.
  EXPECT_EQ(files_in("cairn/entries"),
            (std::vector<std::string>{"cairn-2.conf", "cairn-4.conf", "cairn-5.conf", "cairn-6.conf"}));
  ASSERT_TRUE(b.mark_bad(boot_, 5));
  add(b, 7, std::nullopt, with_limit(1));
  EXPECT_EQ(files_in("cairn/entries"), (std::vector<std::string>{"cairn-2.conf", "cairn-4.conf", "cairn-7.conf"}));
}

TEST_F(ExtlinuxTest, LimitKeepsThePendingTrial) {
  ExtlinuxBackend b;
  add(b, 1);
  add(b, 2, 3);
  add(b, 3, std::nullopt, with_limit(1));
  // 3 is written and newest good, 2 still has its tries.
  EXPECT_EQ(files_in("cairn/entries"), (std::vector<std::string>{"cairn-2.conf", "cairn-3.conf"}));
}

TEST_F(ExtlinuxTest, ADamagedRecordIsNamedWithLineAndStopsWrites) {
  ExtlinuxBackend b;
  add(b, 1);
  fs::create_directories(boot_ + "/cairn/entries");
  write(boot_ + "/cairn/entries/cairn-4.conf",
        "title x\nlinux /cairn/k\noptions cairn.generation=4\ntries-left x\n");
  auto before = files_in("cairn");
  auto r = b.write_entry(boot_, entry(2, 3), input("vmlinuz", "kernel 6.1\n"), input("initrd-2", "initrd of 2\n"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, boot_ + "/cairn/entries/cairn-4.conf:4: `tries-left' must be one digit, not `x'");
  EXPECT_EQ(files_in("cairn"), before);
  for (auto e : {b.mark_good(boot_, 1), b.set_oneshot(boot_, 1), b.set_default(boot_, 1)}) ASSERT_FALSE(e);
  EXPECT_FALSE(b.read_state(boot_));

  write(boot_ + "/cairn/entries/cairn-4.conf", "linux /cairn/k\ntries-done 2\n");
  auto s = b.read_state(boot_);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, boot_ +
                                   "/cairn/entries/cairn-4.conf: generation 4: 2 tries done but no tries left: a "
                                   "good entry has no counter");
}

TEST_F(ExtlinuxTest, TooManyTriesAreRefusedBeforeAnythingIsWritten) {
  ExtlinuxBackend b;
  auto r = b.write_entry(boot_, entry(1, 10), input("vmlinuz", "k"), input("initrd", "i"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "generation 1: 10 tries left and 0 done make more than 9: boot.env and the record keep one digit each");
  EXPECT_TRUE(files_in("cairn").empty());
}

TEST_F(ExtlinuxTest, ValuesUBootWouldMisreadAreRefused) {
  BootEntry e = entry(1);
  e.options = "#cairn.generation=1";
  auto r = ExtlinuxBackend().write_entry(boot_, e, input("vmlinuz", "k"), input("initrd", "i"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "generation 1: options start with '#', which U-Boot's extlinux parser takes for a comment");
  ExtlinuxBackend relative(ExtlinuxOptions{.menu_title = "cairn", .fdtdir = "dtbs"});
  r = relative.write_entry(boot_, entry(1), input("vmlinuz", "k"), input("initrd", "i"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "fdtdir `dtbs' is not an absolute ASCII path on the boot partition");
  EXPECT_TRUE(files_in("cairn").empty());
}

TEST_F(ExtlinuxTest, WritesLeaveNoTemporaryFiles) {
  ExtlinuxBackend b;
  ASSERT_TRUE(b.install(boot_, "", {}));
  add(b, 1);
  add(b, 2, 3);
  ASSERT_TRUE(b.set_oneshot(boot_, 1));
  ASSERT_TRUE(b.mark_bad(boot_, 2));
  ASSERT_TRUE(b.set_default(boot_, 1));
  add(b, 3, std::nullopt, with_limit(2));
  for (const auto& e : fs::recursive_directory_iterator(boot_))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

TEST_F(ExtlinuxTest, AFileInTheWayIsNamedInTheError) {
  ExtlinuxBackend b;
  write(boot_ + "/boot", "not a directory\n");
  auto r = b.install(boot_, "", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "cannot create directory " + boot_ + "/boot: a file is in the way");

  fs::remove(boot_ + "/boot");
  fs::create_directories(boot_ + "/cairn/boot.env");  // a directory where the state file goes
  auto w = b.write_entry(boot_, entry(1, 3), input("vmlinuz", "k"), input("initrd", "i"), {});
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().message, "cannot rename into place " + boot_ + "/cairn/boot.env: Is a directory");
  for (const auto& e : fs::recursive_directory_iterator(boot_))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

TEST_F(ExtlinuxTest, MenuWithATrialMatchesGoldenFile) {
  ExtlinuxBackend b;
  ASSERT_TRUE(b.install(boot_, "", with_timeout(3)));
  add(b, 1);
  add(b, 2);
  add(b, 3, 3);
  expect_golden("extlinux-trial.conf", file("boot/extlinux/extlinux.conf"));
}

TEST_F(ExtlinuxTest, MenuWithFdtdirBadEntryAndPinnedDefaultMatchesGoldenFile) {
  ExtlinuxBackend b(ExtlinuxOptions{.menu_title = "cairn - server", .fdtdir = "/dtbs/"});
  ASSERT_TRUE(b.install(boot_, "", with_timeout(0)));
  add(b, 1);
  add(b, 2);
  add(b, 3);
  ASSERT_TRUE(b.mark_bad(boot_, 3));
  ASSERT_TRUE(b.set_default(boot_, 1));
  expect_golden("extlinux-pinned.conf", file("boot/extlinux/extlinux.conf"));
}

TEST(ExtlinuxMenu, MenuTextKeepsToPrintableAscii) {
  EXPECT_EQ(menu_text("vm — generation 3 (2026-11-21, 6.1.0-50-arm64)"), "vm - generation 3 (2026-11-21, 6.1.0-50-arm64)");
  EXPECT_EQ(menu_text("a\u2010b\u2212c"), "a-b-c");
  EXPECT_EQ(menu_text("caf\u00e9 \u2603"), "caf? ?");
  EXPECT_EQ(menu_text("tab\there"), "tab?here");
  EXPECT_EQ(menu_text("bad \xff\xfe utf8 \xe2\x80"), "bad ?? utf8 ??");
  EXPECT_EQ(menu_text("overlong \xc1\x81"), "overlong ??");
}

TEST(ExtlinuxMenu, FormatsLabelsInOrderWithOptionalLines) {
  ExtlinuxMenu m;
  m.title = "t";
  m.timeout = 2;
  m.labels.push_back({.generation = 5, .menu_label = "five", .kernel = "/k", .initrd = "", .fdtdir = "",
                      .append = ""});
  m.labels.push_back({.generation = 4, .menu_label = "four", .kernel = "/k", .initrd = "/i", .fdtdir = "/d/",
                      .append = "ro"});
  m.labels.push_back({.generation = 3, .menu_label = "#3", .kernel = "/k", .initrd = "", .fdtdir = "",
                      .append = ""});
  std::string text = format_extlinux_conf(m);
  EXPECT_EQ(text.substr(text.find("menu title")),
            "menu title t\n"
            "timeout 20\n"
            "\n"
            "label cairn-5\n"
            "\tmenu label five\n"
            "\tlinux /k\n"
            "\n"
            "label cairn-4\n"
            "\tmenu label four\n"
            "\tlinux /k\n"
            "\tinitrd /i\n"
            "\tfdtdir /d/\n"
            "\tappend ro\n"
            "\n"
            "label cairn-3\n"
            "\tmenu label ?3\n"
            "\tlinux /k\n");
}

}  // namespace
}  // namespace cairn::bootloader
