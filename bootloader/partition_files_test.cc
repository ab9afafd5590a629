// The boot partition's file operations (partition_files.hh) against a
// temporary directory standing in for the partition.
#include "bootloader/partition_files.hh"

#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/files.hh"

namespace cairn::bootloader {
namespace {

namespace fs = std::filesystem;

const std::string kHash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

class PartitionFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t = (fs::temp_directory_path() / "cairn-partition-files-XXXXXX").string();
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    dir_ = t;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // dir_/name with `text` in it.
  std::string put(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    EXPECT_TRUE(write_file_atomic(path, text));
    return path;
  }
  std::string read(const std::string& path) {
    auto text = read_file(path);
    EXPECT_TRUE(text) << text.error().message;
    return text.value_or("");
  }
  // The inode of `path`: a file replaced through a temporary file gets a new one.
  static ino_t inode(const std::string& path) {
    struct stat st{};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_ino;
  }

  std::string dir_;
};

TEST_F(PartitionFilesTest, IsFileOnlyForRegularFiles) {
  std::string file = put("f", "x");
  fs::create_directory(dir_ + "/d");
  fs::create_symlink(file, dir_ + "/link");
  EXPECT_TRUE(is_file(file));
  EXPECT_TRUE(is_file(dir_ + "/link"));  // followed
  EXPECT_FALSE(is_file(dir_ + "/d"));
  EXPECT_FALSE(is_file(dir_ + "/missing"));
  EXPECT_FALSE(is_file(file + "/below-a-file"));
}

TEST_F(PartitionFilesTest, FileSizeOnlyForRegularFiles) {
  EXPECT_EQ(file_size(put("f", "12345")), 5u);
  EXPECT_EQ(file_size(put("empty", "")), 0u);
  fs::create_directory(dir_ + "/d");
  EXPECT_EQ(file_size(dir_ + "/d"), std::nullopt);
  EXPECT_EQ(file_size(dir_ + "/missing"), std::nullopt);
}

TEST_F(PartitionFilesTest, ListFilesSortedRegularFilesOnly) {
  put("b.conf", "");
  put("a.conf", "");
  put(".hidden", "");
  fs::create_directory(dir_ + "/c-dir");
  fs::create_directory(dir_ + "/c-dir/nested");
  auto names = list_files(dir_);
  ASSERT_TRUE(names) << names.error().message;
  EXPECT_EQ(*names, (std::vector<std::string>{".hidden", "a.conf", "b.conf"}));

  auto empty = list_files(dir_ + "/c-dir");
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_EQ(*empty, std::vector<std::string>{});
}

TEST_F(PartitionFilesTest, ListFilesOfAMissingDirectoryIsEmpty) {
  auto names = list_files(dir_ + "/missing");
  ASSERT_TRUE(names) << names.error().message;
  EXPECT_EQ(*names, std::vector<std::string>{});
}

TEST_F(PartitionFilesTest, ListFilesOfAFileFails) {
  std::string file = put("f", "x");
  auto names = list_files(file);
  ASSERT_FALSE(names);
  EXPECT_EQ(names.error().message, "cannot list " + file + ": Not a directory");
}

TEST_F(PartitionFilesTest, WriteIfChangedCreatesAndReplaces) {
  std::string path = dir_ + "/loader.conf";
  ASSERT_TRUE(write_if_changed(path, "timeout 3\n"));
  EXPECT_EQ(read(path), "timeout 3\n");
  ino_t before = inode(path);
  ASSERT_TRUE(write_if_changed(path, "timeout 5\n"));
  EXPECT_EQ(read(path), "timeout 5\n");
  EXPECT_NE(inode(path), before);
}

TEST_F(PartitionFilesTest, WriteIfChangedLeavesTheSameContentsAlone) {
  std::string path = put("loader.conf", "timeout 3\n");
  ino_t before = inode(path);
  ASSERT_TRUE(write_if_changed(path, "timeout 3\n"));
  EXPECT_EQ(inode(path), before);
  EXPECT_EQ(read(path), "timeout 3\n");
}

TEST_F(PartitionFilesTest, WriteIfChangedIntoAMissingDirectoryFails) {
  EXPECT_FALSE(write_if_changed(dir_ + "/missing/loader.conf", "x"));
  EXPECT_FALSE(fs::exists(dir_ + "/missing"));
}

TEST_F(PartitionFilesTest, CopyIfChangedCopiesMissingAndDifferentFiles) {
  std::string source = put("source", "loader v1");
  std::string target = dir_ + "/target";
  ASSERT_TRUE(copy_if_changed(source, target));
  EXPECT_EQ(read(target), "loader v1");

  // Same size, other bytes: the hashes decide.
  put("source", "loader v2");
  ino_t before = inode(target);
  ASSERT_TRUE(copy_if_changed(source, target));
  EXPECT_EQ(read(target), "loader v2");
  EXPECT_NE(inode(target), before);

  put("source", "loader version 3");
  ASSERT_TRUE(copy_if_changed(source, target));
  EXPECT_EQ(read(target), "loader version 3");
}

TEST_F(PartitionFilesTest, CopyIfChangedLeavesTheSameBytesAlone) {
  std::string source = put("source", "loader v1");
  std::string target = put("target", "loader v1");
  ino_t before = inode(target);
  ASSERT_TRUE(copy_if_changed(source, target));
  EXPECT_EQ(inode(target), before);
}

TEST_F(PartitionFilesTest, CopyIfChangedFromAMissingSourceFailsWithoutContext) {
  std::string target = put("target", "old");
  auto r = copy_if_changed(dir_ + "/missing", target);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "cannot open " + dir_ + "/missing: No such file or directory");
  EXPECT_EQ(read(target), "old");
}

TEST_F(PartitionFilesTest, CopySharedFileCopiesOnlyWhenTheSizeDiffers) {
  std::string source = put("kernel", "kernel bytes");
  std::string target = dir_ + "/" + kHash + "-kernel";
  ASSERT_TRUE(copy_shared_file(source, target));
  EXPECT_EQ(read(target), "kernel bytes");

  // Named by hash: a file of that name and size is taken to be the same.
  put("kernel", "KERNEL BYTES");
  ino_t before = inode(target);
  ASSERT_TRUE(copy_shared_file(source, target));
  EXPECT_EQ(inode(target), before);
  EXPECT_EQ(read(target), "kernel bytes");

  // A different size (say, a copy cut short) is replaced.
  put(kHash + "-kernel", "kern");
  ASSERT_TRUE(copy_shared_file(source, target));
  EXPECT_EQ(read(target), "KERNEL BYTES");
}

TEST_F(PartitionFilesTest, CopySharedFileErrorsNameTheSource) {
  std::string source = dir_ + "/missing";
  auto r = copy_shared_file(source, dir_ + "/" + kHash + "-initrd");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "copying " + source + ": cannot open " + source + ": No such file or directory");
  EXPECT_FALSE(fs::exists(dir_ + "/" + kHash + "-initrd"));
}

TEST(IsSharedFileName, OnlyHashKernelsAndInitrds) {
  struct Case {
    std::string name;
    bool shared;
  };
  const Case cases[] = {
      {kHash + "-kernel", true},
      {kHash + "-initrd", true},
      {kHash + "-kernel.tmp", false},         // a temporary file beside it
      {kHash + "-dtb", false},
      {kHash.substr(1) + "-kernel", false},   // 63 digits
      {kHash + "0-kernel", false},            // 65 digits
      {"0123456789ABCDEF" + kHash.substr(16) + "-kernel", false},  // upper case
      {"g" + kHash.substr(1) + "-initrd", false},
      {"vmlinuz", false},
      {"", false},
  };
  for (const Case& c : cases) EXPECT_EQ(is_shared_file_name(c.name), c.shared) << c.name;
}

TEST(PartitionPath, BelowTheRootWithSlashes) {
  struct Case {
    std::string_view path, expected;
  };
  const Case cases[] = {
      {"/cairn/x", "cairn/x"},
      {"cairn/x", "cairn/x"},
      {"///cairn//x", "cairn/x"},
      {"\\cairn\\x", "cairn/x"},     // systemd-boot reads '\' as '/'
      {"/EFI\\Linux/A.efi", "EFI/Linux/A.efi"},  // case kept
      {"/cairn/", "cairn/"},
      {"/", ""},
      {"", ""},
  };
  for (const Case& c : cases) EXPECT_EQ(partition_path(c.path), c.expected) << c.path;
}

}  // namespace
}  // namespace cairn::bootloader
