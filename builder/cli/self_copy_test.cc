// Tests for builder/cli/self_copy: the builder's stripped copy is made once
// and reused by hash, an executable is taken as it is without `strip`, and
// the module library's files and digest.
#include "builder/cli/self_copy.hh"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "base/files.hh"

namespace cairn::cli {
namespace {

namespace fs = std::filesystem;

class SelfCopyTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string t = (fs::temp_directory_path() / "cairn-self-copy-XXXXXX").string();
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    dir_ = t;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

// Restores PATH when it goes.
struct PathGuard {
  std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  ~PathGuard() { ::setenv("PATH", saved.c_str(), 1); }
};

TEST_F(SelfCopyTest, StripsOnceAndReusesTheCopy) {
  if (::access("/usr/bin/strip", X_OK) != 0) GTEST_SKIP() << "no strip (binutils)";
  std::string exe = dir_ + "/cairn";
  fs::copy_file("/proc/self/exe", exe);
  auto first = builder_for_image(exe, "abc", dir_ + "/derived");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, dir_ + "/derived/cairn-abc");
  EXPECT_EQ(::access(first->c_str(), X_OK), 0);
  EXPECT_LE(fs::file_size(*first), fs::file_size(exe));
  // The cached copy is taken as it is, whatever is there.
  ASSERT_TRUE(write_file_atomic(*first, "cached"));
  ::chmod(first->c_str(), 0755);
  auto again = builder_for_image(exe, "abc", dir_ + "/derived");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(read_file(*again).value_or(""), "cached");
  for (const auto& e : fs::directory_iterator(dir_ + "/derived"))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST_F(SelfCopyTest, WithoutStripTheExecutableItself) {
  PathGuard guard;
  ::setenv("PATH", dir_.c_str(), 1);
  auto got = builder_for_image("/proc/self/exe", "abc", dir_ + "/derived");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, "/proc/self/exe");
}

TEST_F(SelfCopyTest, StripFailureIsReportedAndLeavesNothing) {
  std::string exe = dir_ + "/not-elf";
  ASSERT_TRUE(write_file_atomic(exe, "#!/bin/sh\n"));
  if (::access("/usr/bin/strip", X_OK) != 0) GTEST_SKIP() << "no strip (binutils)";
  auto got = builder_for_image(exe, "abc", dir_ + "/derived");
  ASSERT_FALSE(got);
  EXPECT_TRUE(got.error().message.starts_with("strip --strip-debug " + exe + " exited with status 1: "))
      << got.error().message;
  EXPECT_TRUE(fs::is_empty(dir_ + "/derived"));
}

TEST_F(SelfCopyTest, TheModuleLibraryGoesUnderUsrShare) {
  fs::create_directories(dir_ + "/lib/system");
  ASSERT_TRUE(write_file_atomic(dir_ + "/lib/module-list.nix", "[ ./system/a.nix ]\n"));
  ASSERT_TRUE(write_file_atomic(dir_ + "/lib/system/a.nix", "{ }\n"));
  fs::create_symlink("a.nix", dir_ + "/lib/system/link.nix");
  auto got = stdlib_for_image(dir_ + "/lib");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_EQ(got->files.size(), 2u);
  EXPECT_EQ(got->files[0].path, "usr/share/cairn/modules/module-list.nix");
  EXPECT_EQ(got->files[0].source, dir_ + "/lib/module-list.nix");
  EXPECT_EQ(got->files[0].mode, 0644u);
  EXPECT_EQ(got->files[1].path, "usr/share/cairn/modules/system/a.nix");
  // The digest follows the contents.
  std::string digest = got->sha256;
  EXPECT_EQ(digest.size(), 64u);
  ASSERT_TRUE(write_file_atomic(dir_ + "/lib/system/a.nix", "{ config = { }; }\n"));
  auto changed = stdlib_for_image(dir_ + "/lib");
  ASSERT_TRUE(changed);
  EXPECT_NE(changed->sha256, digest);
}

TEST_F(SelfCopyTest, AMissingLibraryIsAnError) {
  auto got = stdlib_for_image(dir_ + "/nothing");
  ASSERT_FALSE(got);
  EXPECT_TRUE(got.error().message.starts_with("cannot list the module library " + dir_ + "/nothing: "))
      << got.error().message;
}

}  // namespace
}  // namespace cairn::cli
