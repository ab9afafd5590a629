// Tests for images/squashfs: the pseudo file's lines and escapes, the
// unsquashfs listing parser, and — with the real mksquashfs and unsquashfs —
// that owners, modes and special files come from the table and not from the
// build user's staging tree, that awkward names survive, that the same
// content gives the same bytes however it was staged, and that failures leave
// nothing behind and say why. The tool tests skip when squashfs-tools is not
// installed.
#include "images/squashfs.hh"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <gtest/gtest.h>
#include <optional>
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
using T = PseudoType;

/// The owner a root test run gives the staging tree, standing in for the
/// build user.
constexpr uid_t kBuildUser = 12345;
constexpr int64_t kEpoch = 1700000000;  // 2023-11-14 22:13:20 UTC

struct TempDir : cairn::TempDir {
  TempDir() : cairn::TempDir("squashfs") {}
};

/// Sets an environment variable for one scope.
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

bool have_squashfs_tools() {
  return find_program("mksquashfs").has_value() && find_program("unsquashfs").has_value();
}

#define SKIP_WITHOUT_SQUASHFS_TOOLS()                                              \
  if (!have_squashfs_tools())                                                      \
  GTEST_SKIP() << "mksquashfs and unsquashfs not found on PATH (squashfs-tools)"

/// A staging tree as the build user leaves it (safe modes: files 0644,
/// directories 0755, owned by whoever runs the test, or kBuildUser when that
/// is root) and the table of what the image must really hold.
class Stage {
 public:
  explicit Stage(std::string root) : root_(std::move(root)) {
    fs::create_directories(root_);
    table_.push_back({"", T::dir, 0755, 0, 0});
  }
  const std::string& root() const { return root_; }
  std::vector<PseudoEntry>& table() { return table_; }

  void dir(const std::string& path, uint32_t mode = 0755, uint32_t uid = 0, uint32_t gid = 0) {
    fs::create_directory(root_ + "/" + path);
    table_.push_back({path, T::dir, mode, uid, gid});
  }
  void file(const std::string& path, const std::string& content, uint32_t mode = 0644,
            uint32_t uid = 0, uint32_t gid = 0) {
    ASSERT_TRUE(write_file_atomic(root_ + "/" + path, content));
    table_.push_back({path, T::file, mode, uid, gid});
  }
  void symlink(const std::string& path, const std::string& target) {
    fs::create_symlink(target, root_ + "/" + path);
    table_.push_back({path, T::symlink, 0777, 0, 0});
  }
  /// A device node or fifo: only in the table.
  void special(const std::string& path, PseudoType type, uint32_t mode, uint32_t uid,
               uint32_t gid, uint32_t major = 0, uint32_t minor = 0) {
    table_.push_back({path, type, mode, uid, gid, major, minor});
  }
  /// Every mtime on disk set to `when`.
  void touch_all(std::time_t when) {
    for (auto& e : fs::recursive_directory_iterator(root_)) set_time(e.path().string(), when);
    set_time(root_, when);
  }
  /// When the test runs as root, hands the tree to kBuildUser, so the image
  /// cannot get root's ownership from disk by accident.
  void own_by_build_user() {
    if (::geteuid() != 0) return;
    for (auto& e : fs::recursive_directory_iterator(root_))
      ASSERT_EQ(::lchown(e.path().c_str(), kBuildUser, kBuildUser), 0);
    ASSERT_EQ(::lchown(root_.c_str(), kBuildUser, kBuildUser), 0);
  }

 private:
  static void set_time(const std::string& path, std::time_t when) {
    timespec times[2] = {{when, 0}, {when, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
  }
  std::string root_;
  std::vector<PseudoEntry> table_;
};

SquashfsOptions test_options() {
  SquashfsOptions o;
  o.epoch = kEpoch;
  return o;
}

const ListedEntry* find(const std::vector<ListedEntry>& listing, const std::string& path) {
  auto it = std::find_if(listing.begin(), listing.end(),
                         [&](const ListedEntry& e) { return e.path == path; });
  return it == listing.end() ? nullptr : &*it;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// --- pseudo_file -----------------------------------------------------------

TEST(PseudoFile, OneLinePerEntrySortedByPathAndNoneForTheRoot) {
  std::vector<PseudoEntry> entries = {
      {"usr/bin/su", T::file, 04755, 0, 0},
      {"", T::dir, 0755, 0, 0},
      {"dev/sda", T::block_device, 0660, 0, 6, 8, 0},
      {"dev", T::dir, 0755, 0, 0},
      {"dev/console", T::char_device, 0600, 0, 5, 5, 1},
      {"run/initctl", T::fifo, 0600, 0, 0},
      {"bin", T::symlink, 0777, 0, 0},
      {"etc/shadow", T::file, 0640, 0, 42},
  };
  auto text = pseudo_file(entries);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text,
            "bin m 0777 0 0\n"
            "dev m 0755 0 0\n"
            "dev/console c 0600 0 5 5 1\n"
            "dev/sda b 0660 0 6 8 0\n"
            "etc/shadow m 0640 0 42\n"
            "run/initctl i 0600 0 0 f\n"
            "usr/bin/su m 4755 0 0\n");
}

TEST(PseudoFile, EscapesNamesTheWayMksquashfsReadsThem) {
  struct Case {
    std::string path, line;
  };
  const Case cases[] = {
      {"a b", "a\\ b m 0644 0 0\n"},
      {"back\\slash", "back\\\\slash m 0644 0 0\n"},
      {"system-systemd\\x2dcryptsetup.slice", "system-systemd\\\\x2dcryptsetup.slice m 0644 0 0\n"},
      {"#not-a-comment", "\\#not-a-comment m 0644 0 0\n"},
      {"qu\"ote", "qu\\\"ote m 0644 0 0\n"},
      {"tab\there", "tab\\\there m 0644 0 0\n"},
      {"caf\xc3\xa9", "caf\xc3\xa9 m 0644 0 0\n"},
  };
  for (const auto& c : cases) {
    auto text = pseudo_file({{c.path, T::file, 0644, 0, 0}});
    ASSERT_TRUE(text) << text.error().message;
    EXPECT_EQ(*text, c.line) << c.path;
  }
}

TEST(PseudoFile, RefusesWhatItCannotWrite) {
  struct Case {
    std::vector<PseudoEntry> entries;
    std::string error;
  };
  const Case cases[] = {
      {{{"new\nline", T::file, 0644, 0, 0}},
       "\"new\nline\": a pseudo file cannot hold a name with a newline"},
      {{{"/etc", T::dir, 0755, 0, 0}},
       "\"/etc\": not a relative path without empty, \".\" or \"..\" components"},
      {{{"etc/", T::dir, 0755, 0, 0}},
       "\"etc/\": not a relative path without empty, \".\" or \"..\" components"},
      {{{"a//b", T::file, 0644, 0, 0}},
       "\"a//b\": not a relative path without empty, \".\" or \"..\" components"},
      {{{"a/../b", T::file, 0644, 0, 0}},
       "\"a/../b\": not a relative path without empty, \".\" or \"..\" components"},
      {{{"a/./b", T::file, 0644, 0, 0}},
       "\"a/./b\": not a relative path without empty, \".\" or \"..\" components"},
      {{{"x", T::file, 010644, 0, 0}}, "x: mode 10644 has bits beyond 07777"},
      {{{"", T::file, 0644, 0, 0}}, "the root directory is a file in the pseudo table"},
      {{{"etc", T::dir, 0755, 0, 0}, {"etc", T::dir, 0700, 0, 0}},
       "etc: two entries in the pseudo table"},
  };
  for (const auto& c : cases) {
    auto text = pseudo_file(c.entries);
    ASSERT_FALSE(text) << c.error;
    EXPECT_EQ(text.error().message, c.error);
  }
}

// --- parse_squashfs_listing -------------------------------------------------

TEST(ParseSquashfsListing, ReadsEveryTypeModeOwnerAndDeviceNumber) {
  // Shaped like unsquashfs 4.5.1's `-lln` output.
  const std::string text =
      "drwxr-xr-x 0/0                     197 2023-11-14 22:13 squashfs-root\n"
      "brw-rw---- 0/6                 4100, 44 2023-11-14 22:13 squashfs-root/blk\n"
      "crw--w---- 0/5                 1118467,112 2023-11-14 22:13 squashfs-root/c\n"
      "crw------- 0/0                   5,  1 2023-11-14 22:13 squashfs-root/console\n"
      "-rw-r----- 0/42                    12 2023-11-14 22:13 squashfs-root/etc shadow\n"
      "prw------- 0/0                       0 2023-11-14 22:13 squashfs-root/fifo\n"
      "lrwxrwxrwx 0/0                       6 2023-11-14 22:13 squashfs-root/l -> ink -> a -> b\n"
      "-rwxr-sr-x 0/42                     3 2023-11-14 22:13 squashfs-root/sg\n"
      "-rwSr-Sr-T 4294967294/-2            5 2023-11-14 22:13 squashfs-root/odd\n"
      "-rwsr-xr-x 0/0                       3 2023-11-14 22:13 squashfs-root/su\n"
      "drwxrwxrwt 0/0                       3 2023-11-14 22:13 squashfs-root/tmp\n";
  auto got = parse_squashfs_listing(text);
  ASSERT_TRUE(got) << got.error().message;
  std::vector<ListedEntry> want = {
      {"", T::dir, 0755, 0, 0},
      {"blk", T::block_device, 0660, 0, 6, 0, "", 4, 300},
      {"c", T::char_device, 0620, 0, 5, 0, "", 259, 70000},
      {"console", T::char_device, 0600, 0, 0, 0, "", 5, 1},
      {"etc shadow", T::file, 0640, 0, 42, 12},
      {"fifo", T::fifo, 0600, 0, 0},
      {"l -> ink", T::symlink, 0777, 0, 0, 6, "a -> b"},
      {"sg", T::file, 02755, 0, 42, 3},
      {"odd", T::file, 07644, 4294967294u, 4294967294u, 5},
      {"su", T::file, 04755, 0, 0, 3},
      {"tmp", T::dir, 01777, 0, 0},
  };
  EXPECT_EQ(*got, want);
}

TEST(ParseSquashfsListing, ALineItCannotReadIsAnError) {
  // What unsquashfs prints for a name holding a newline.
  auto got = parse_squashfs_listing(
      "-rw-r--r-- 0/0                       1 2023-11-14 22:13 squashfs-root/new\n"
      "line\n");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "unsquashfs listing line 2: cannot parse \"line\"");

  got = parse_squashfs_listing("srwxr-xr-x 0/0 0 2023-11-14 22:13 squashfs-root/socket\n");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            "unsquashfs listing line 1: cannot parse "
            "\"srwxr-xr-x 0/0 0 2023-11-14 22:13 squashfs-root/socket\"");
}

// --- make_squashfs with the real tools --------------------------------------

TEST(MakeSquashfs, SetuidAndGroupComeFromTheTableNotFromTheBuildUsersTree) {
  SKIP_WITHOUT_SQUASHFS_TOOLS();
  TempDir tmp;
  Stage s(tmp / "stage");
  s.dir("etc");
  s.dir("usr");
  s.dir("usr/bin");
  s.file("usr/bin/su", "su", 04755, 0, 0);
  s.file("etc/shadow", "root:*:1::::::\n", 0640, 0, 42);
  s.dir("var", 0755, 0, 0);
  s.dir("var/mail", 02775, 0, 8);
  s.symlink("bin", "usr/bin");
  s.own_by_build_user();
  // On disk: the build user's safe modes.
  ASSERT_EQ(fs::status(s.root() + "/usr/bin/su").permissions(), fs::perms(0644));

  auto image = make_squashfs(s.root(), s.table(), tmp / "root.squashfs", test_options());
  ASSERT_TRUE(image) << image.error().message;
  auto listing = list_squashfs(image->path);
  ASSERT_TRUE(listing) << listing.error().message;

  std::vector<ListedEntry> want = {
      {"", T::dir, 0755, 0, 0},
      {"bin", T::symlink, 0777, 0, 0, 7, "usr/bin"},
      {"etc", T::dir, 0755, 0, 0},
      {"etc/shadow", T::file, 0640, 0, 42, 15},
      {"usr", T::dir, 0755, 0, 0},
      {"usr/bin", T::dir, 0755, 0, 0},
      {"usr/bin/su", T::file, 04755, 0, 0, 2},
      {"var", T::dir, 0755, 0, 0},
      {"var/mail", T::dir, 02775, 0, 8},
  };
  EXPECT_EQ(*listing, want);
}

TEST(MakeSquashfs, TheRootTakesModeAndOwnerFromTheEmptyPathEntry) {
  SKIP_WITHOUT_SQUASHFS_TOOLS();
  TempDir tmp;
  Stage s(tmp / "stage");
  s.table()[0] = {"", T::dir, 01777, 7, 8};
  s.own_by_build_user();
  auto image = make_squashfs(s.root(), s.table(), tmp / "root.squashfs", test_options());
  ASSERT_TRUE(image) << image.error().message;
  auto listing = list_squashfs(image->path);
  ASSERT_TRUE(listing) << listing.error().message;
  EXPECT_EQ(*listing, (std::vector<ListedEntry>{{"", T::dir, 01777, 7, 8}}));
}

TEST(MakeSquashfs, DeviceNodesAndFifosComeOnlyFromThePseudoFile) {
  SKIP_WITHOUT_SQUASHFS_TOOLS();
  TempDir tmp;
  Stage s(tmp / "stage");
  s.dir("dev");
  s.dir("run");
  s.special("dev/console", T::char_device, 0600, 0, 5, 5, 1);
  s.special("dev/sda", T::block_device, 0660, 0, 6, 8, 0);
  s.special("dev/nvme0n1p300", T::block_device, 0660, 0, 6, 259, 70000);
  s.special("run/initctl", T::fifo, 0600, 0, 0);
  s.own_by_build_user();
  ASSERT_EQ(names_in(s.root() + "/dev"), std::vector<std::string>{});

  auto image = make_squashfs(s.root(), s.table(), tmp / "root.squashfs", test_options());
  ASSERT_TRUE(image) << image.error().message;
  auto listing = list_squashfs(image->path);
  ASSERT_TRUE(listing) << listing.error().message;
  std::vector<ListedEntry> want = {
      {"", T::dir, 0755, 0, 0},
      {"dev", T::dir, 0755, 0, 0},
      {"dev/console", T::char_device, 0600, 0, 5, 0, "", 5, 1},
      {"dev/nvme0n1p300", T::block_device, 0660, 0, 6, 0, "", 259, 70000},
      {"dev/sda", T::block_device, 0660, 0, 6, 0, "", 8, 0},
      {"run", T::dir, 0755, 0, 0},
      {"run/initctl", T::fifo, 0600, 0, 0},
  };
  EXPECT_EQ(*listing, want);
}

TEST(MakeSquashfs, NamesWithSpacesBackslashesQuotesAndX2dSurvive) {
  SKIP_WITHOUT_SQUASHFS_TOOLS();
  TempDir tmp;
  Stage s(tmp / "stage");
  s.dir("units");
  const std::vector<std::string> names = {
      "system-systemd\\x2dcryptsetup.slice",
      "a b",
      "back\\slash",
      "trailing\\",
      "#hash",
      "qu\"ote",
      "tab\there",
      "caf\xc3\xa9",
  };
  // Each file gets its own owner, so a line mksquashfs misread would show.
  uint32_t id = 100;
  for (const auto& n : names) {
    s.file("units/" + n, n, 0600, id, id + 1);
    id += 2;
  }
  s.dir("dir with space", 0700, 3, 4);
  s.symlink("dir with space/link \\x2d", "../units/a b");
  s.special("dir with space/fifo \\x2d", T::fifo, 0620, 5, 6);
  s.own_by_build_user();

  auto image = make_squashfs(s.root(), s.table(), tmp / "root.squashfs", test_options());
  ASSERT_TRUE(image) << image.error().message;
  auto listing = list_squashfs(image->path);
  ASSERT_TRUE(listing) << listing.error().message;
  EXPECT_EQ(listing->size(), s.table().size());
  id = 100;
  for (const auto& n : names) {
    const ListedEntry* e = find(*listing, "units/" + n);
    ASSERT_NE(e, nullptr) << n;
    EXPECT_EQ(*e, (ListedEntry{"units/" + n, T::file, 0600, id, id + 1, n.size()})) << n;
    id += 2;
  }
  const ListedEntry* link = find(*listing, "dir with space/link \\x2d");
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(link->target, "../units/a b");
  const ListedEntry* fifo = find(*listing, "dir with space/fifo \\x2d");
  ASSERT_NE(fifo, nullptr);
  EXPECT_EQ(*fifo, (ListedEntry{"dir with space/fifo \\x2d", T::fifo, 0620, 5, 6}));
}

/// Stages the same content into `root`, creating entries in the given order
/// and stamping every mtime with `when`.
std::vector<PseudoEntry> stage_same_content(const std::string& root, bool reverse,
                                            std::time_t when) {
  Stage s(root);
  s.dir("usr");
  s.dir("usr/lib");
  std::vector<std::string> names;
  for (int i = 0; i < 40; ++i) names.push_back("lib" + std::to_string(i) + ".so");
  if (reverse) std::reverse(names.begin(), names.end());
  for (const auto& n : names) s.file("usr/lib/" + n, std::string(5000, 'x') + n);
  s.file("usr/big", std::string(300000, 'b'));  // more than one block
  s.symlink("lib", "usr/lib");
  s.special("console", T::char_device, 0600, 0, 5, 5, 1);
  s.touch_all(when);
  s.own_by_build_user();
  return s.table();
}

TEST(MakeSquashfs, SameContentStagedTwiceAtDifferentTimesGivesTheSameImage) {
  SKIP_WITHOUT_SQUASHFS_TOOLS();
  TempDir tmp;
  auto table_a = stage_same_content(tmp / "a", false, 1000000000);
  auto table_b = stage_same_content(tmp / "elsewhere-b", true, 1800000000);
  std::reverse(table_b.begin(), table_b.end());

  auto a = make_squashfs(tmp / "a", table_a, tmp / "a.squashfs", test_options());
  ASSERT_TRUE(a) << a.error().message;
  SquashfsOptions one_thread = test_options();
  one_thread.processors = 1;
  auto b = make_squashfs(tmp / "elsewhere-b", table_b, tmp / "b.squashfs", one_thread);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(a->sha256, b->sha256);
  EXPECT_EQ(a->size, b->size);
}

TEST(MakeSquashfs, EveryTimeIsTheEpochAndSourceDateEpochIsIgnored) {
  SKIP_WITHOUT_SQUASHFS_TOOLS();
  TempDir tmp;
  auto table = stage_same_content(tmp / "stage", false, 1000000000);
  auto plain = make_squashfs(tmp / "stage", table, tmp / "plain.squashfs", test_options());
  ASSERT_TRUE(plain) << plain.error().message;
  std::optional<Result<SquashfsImage>> with_sde;
  {
    // mksquashfs would refuse it beside -all-time, or clamp with it.
    ScopedEnv sde("SOURCE_DATE_EPOCH", "1500000000");
    with_sde = make_squashfs(tmp / "stage", table, tmp / "sde.squashfs", test_options());
  }
  ASSERT_TRUE(*with_sde) << (*with_sde).error().message;
  EXPECT_EQ((*with_sde)->sha256, plain->sha256);

  auto mkfs_time = run("unsquashfs", {"-mkfs-time", plain->path});
  ASSERT_TRUE(mkfs_time) << mkfs_time.error().message;
  EXPECT_EQ(mkfs_time->out, std::to_string(kEpoch) + "\n");
  // The listing shows times to the minute: 1700000000 is 2023-11-14 22:13 UTC.
  auto listing = run("unsquashfs", {"-lln", "-UTC", plain->path});
  ASSERT_TRUE(listing) << listing.error().message;
  size_t lines = 0, pos = 0;
  while ((pos = listing->out.find('\n', pos)) != std::string::npos) ++lines, ++pos;
  size_t stamped = 0;
  pos = 0;
  while ((pos = listing->out.find(" 2023-11-14 22:13 ", pos)) != std::string::npos)
    ++stamped, ++pos;
  EXPECT_EQ(lines, table.size());
  EXPECT_EQ(stamped, lines) << listing->out;
}

TEST(MakeSquashfs, AnEmptyStagingTreeGivesAnImageWithOnlyTheRoot) {
  SKIP_WITHOUT_SQUASHFS_TOOLS();
  TempDir tmp;
  Stage s(tmp / "stage");
  s.own_by_build_user();
  auto image = make_squashfs(s.root(), s.table(), tmp / "empty.squashfs", test_options());
  ASSERT_TRUE(image) << image.error().message;
  auto listing = list_squashfs(image->path);
  ASSERT_TRUE(listing) << listing.error().message;
  EXPECT_EQ(*listing, (std::vector<ListedEntry>{{"", T::dir, 0755, 0, 0}}));
}

TEST(MakeSquashfs, ReportsSizeAndHashOfTheFileItLeavesAndReplacesAnOldOne) {
  SKIP_WITHOUT_SQUASHFS_TOOLS();
  TempDir tmp;
  Stage s(tmp / "stage");
  s.file("hello", "hello\n");
  ASSERT_TRUE(write_file_atomic(tmp / "root.squashfs", "old image"));
  auto image = make_squashfs(s.root(), s.table(), tmp / "root.squashfs", test_options());
  ASSERT_TRUE(image) << image.error().message;
  EXPECT_EQ(image->path, tmp / "root.squashfs");
  EXPECT_EQ(image->size, fs::file_size(image->path));
  auto sha = sha256_file(image->path);
  ASSERT_TRUE(sha);
  EXPECT_EQ(image->sha256, *sha);
  EXPECT_EQ(fs::status(image->path).permissions(), fs::perms(0644));
  EXPECT_EQ(names_in(tmp.path()), (std::vector<std::string>{"root.squashfs", "stage"}));
}

TEST(MakeSquashfs, AFailingMksquashfsLeavesNoOutputNoTemporaryFileAndQuotesItsStderr) {
  TempDir tmp;
  fs::create_directory(tmp / "bin");
  // A stand-in that half-writes its output, complains and fails.
  ASSERT_TRUE(write_file_atomic(tmp / "bin/mksquashfs",
                                "#!/bin/sh\n"
                                "printf partial > \"$2\"\n"
                                "echo 'FATAL ERROR: Failed to write to output filesystem' >&2\n"
                                "exit 1\n"));
  ASSERT_EQ(::chmod((tmp / "bin/mksquashfs").c_str(), 0755), 0);
  Stage s(tmp / "stage");
  s.file("hello", "hello\n");
  fs::create_directory(tmp / "out");

  ScopedEnv path("PATH", tmp / "bin");
  auto image = make_squashfs(s.root(), s.table(), tmp / "out/root.squashfs", test_options());
  ASSERT_FALSE(image);
  EXPECT_EQ(image.error().message,
            "making squashfs " + (tmp / "out/root.squashfs") +
                ": mksquashfs failed (exited with status 1): FATAL ERROR: Failed to write to "
                "output filesystem");
  EXPECT_EQ(names_in(tmp / "out"), std::vector<std::string>{});

  // An image already there stays as it was.
  ASSERT_TRUE(write_file_atomic(tmp / "out/root.squashfs", "old image"));
  image = make_squashfs(s.root(), s.table(), tmp / "out/root.squashfs", test_options());
  ASSERT_FALSE(image);
  EXPECT_EQ(names_in(tmp / "out"), std::vector<std::string>{"root.squashfs"});
  EXPECT_EQ(read_file(tmp / "out/root.squashfs").value_or(""), "old image");
}

TEST(MakeSquashfs, AFileTheBuildUserCannotReadIsAnErrorNotAnEmptyFile) {
  SKIP_WITHOUT_SQUASHFS_TOOLS();
  if (::geteuid() == 0) GTEST_SKIP() << "root can read a mode-000 file";
  TempDir tmp;
  Stage s(tmp / "stage");
  s.file("shadow", "secret\n", 0640, 0, 42);
  ASSERT_EQ(::chmod((s.root() + "/shadow").c_str(), 0), 0);
  auto image = make_squashfs(s.root(), s.table(), tmp / "root.squashfs", test_options());
  ASSERT_FALSE(image);
  EXPECT_EQ(image.error().message,
            "making squashfs " + (tmp / "root.squashfs") +
                ": mksquashfs failed (exited with status 1): Failed to read file " + s.root() +
                "/shadow");
  EXPECT_EQ(names_in(tmp.path()), std::vector<std::string>{"stage"});
}

TEST(MakeSquashfs, AMissingMksquashfsNamesThePackage) {
  TempDir tmp;
  fs::create_directory(tmp / "empty-bin");
  Stage s(tmp / "stage");
  ScopedEnv path("PATH", tmp / "empty-bin");
  auto image = make_squashfs(s.root(), s.table(), tmp / "root.squashfs", test_options());
  ASSERT_FALSE(image);
  EXPECT_EQ(image.error().message,
            "making squashfs " + (tmp / "root.squashfs") +
                ": cannot run mksquashfs: not found on PATH (" + (tmp / "empty-bin") +
                "); is squashfs-tools installed?");
  EXPECT_EQ(names_in(tmp.path()), (std::vector<std::string>{"empty-bin", "stage"}));
}

TEST(MakeSquashfs, EveryMismatchBetweenTableAndTreeIsReportedBeforePacking) {
  TempDir tmp;
  Stage s(tmp / "stage");
  s.dir("etc");
  s.file("etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  // On disk but not in the table: its owner would come from disk.
  ASSERT_TRUE(write_file_atomic(s.root() + "/etc/stray", "x"));
  // In the table but not on disk.
  s.table().push_back({"etc/missing", T::file, 0644, 0, 0});
  // A directory in the table, a file on disk.
  ASSERT_TRUE(write_file_atomic(s.root() + "/opt", "x"));
  s.table().push_back({"opt", T::dir, 0755, 0, 0});
  // A fifo on disk.
  ASSERT_EQ(::mkfifo((s.root() + "/etc/fifo").c_str(), 0600), 0);
  // A device node in a directory that is not there.
  s.special("dev/console", T::char_device, 0600, 0, 5, 5, 1);

  auto image = make_squashfs(s.root(), s.table(), tmp / "root.squashfs", test_options());
  ASSERT_FALSE(image);
  EXPECT_EQ(image.error().message,
            "making squashfs " + (tmp / "root.squashfs") +
                ": the pseudo table does not match the staging tree: "
                "dev/console: its directory is not a directory of the staging tree; "
                "etc/fifo: a device node, fifo or socket in the staging tree (special files "
                "come from the pseudo table only); "
                "etc/missing: in the pseudo table but not in the staging tree; "
                "etc/stray: in the staging tree but not in the pseudo table; "
                "opt: a file in the staging tree but a dir in the pseudo table");
  EXPECT_EQ(names_in(tmp.path()), std::vector<std::string>{"stage"});
}

TEST(MakeSquashfs, ATableWithoutTheRootIsRefused) {
  TempDir tmp;
  Stage s(tmp / "stage");
  s.table().clear();
  auto image = make_squashfs(s.root(), s.table(), tmp / "root.squashfs", test_options());
  ASSERT_FALSE(image);
  EXPECT_EQ(image.error().message,
            "making squashfs " + (tmp / "root.squashfs") +
                ": the pseudo table has no dir entry for the root directory (\"\")");
}

TEST(MakeSquashfs, AnOutputInsideTheStagingTreeIsRefused) {
  TempDir tmp;
  Stage s(tmp / "stage");
  s.dir("out");
  auto image = make_squashfs(s.root(), s.table(), s.root() + "/out/root.squashfs", test_options());
  ASSERT_FALSE(image);
  EXPECT_EQ(image.error().message, "making squashfs " + s.root() +
                                       "/out/root.squashfs: the output is inside the staging "
                                       "tree " + s.root());
}

TEST(MakeSquashfs, OptionsOutsideWhatSquashfsTakesAreRefused) {
  TempDir tmp;
  Stage s(tmp / "stage");
  struct Case {
    SquashfsOptions options;
    std::string error;
  };
  SquashfsOptions level, before, after, block;
  level.compression_level = 23;
  before.epoch = -1;
  after.epoch = int64_t{1} << 32;
  block.block_size = 100000;
  const Case cases[] = {
      {level, "zstd compression level 23 is not in 1..22"},
      {before, "time -1 does not fit squashfs's 32-bit times (0..4294967295)"},
      {after, "time 4294967296 does not fit squashfs's 32-bit times (0..4294967295)"},
      {block, "block size 100000 is not a power of two from 4096 to 1048576"},
  };
  for (const auto& c : cases) {
    auto image = make_squashfs(s.root(), s.table(), tmp / "root.squashfs", c.options);
    ASSERT_FALSE(image) << c.error;
    EXPECT_EQ(image.error().message, "making squashfs " + (tmp / "root.squashfs") + ": " + c.error);
  }
}

TEST(ListSquashfs, AFileThatIsNotAnImageIsAnErrorWithUnsquashfsReason) {
  SKIP_WITHOUT_SQUASHFS_TOOLS();
  TempDir tmp;
  ASSERT_TRUE(write_file_atomic(tmp / "not.squashfs", std::string(8192, 'z')));
  auto listing = list_squashfs(tmp / "not.squashfs");
  ASSERT_FALSE(listing);
  EXPECT_TRUE(listing.error().message.starts_with("listing " + (tmp / "not.squashfs") +
                                                  ": unsquashfs failed (exited with status 1): "))
      << listing.error().message;
}

}  // namespace
}  // namespace cairn::images
