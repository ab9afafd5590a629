#include "base/files.hh"

#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>

namespace cairn {
namespace {

std::string temp_dir() {
  std::string t = (std::filesystem::temp_directory_path() / "cairn-files-XXXXXX").string();
  return ::mkdtemp(t.data());
}

TEST(Files, AtomicWriteThenRead) {
  auto dir = temp_dir();
  auto path = dir + "/f";
  ASSERT_TRUE(write_file_atomic(path, "hello\n"));
  ASSERT_TRUE(write_file_atomic(path, "again\n"));
  auto got = read_file(path);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "again\n");
  // Nothing but the target is left behind.
  int n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir)) ++n;
  EXPECT_EQ(n, 1);
  std::filesystem::remove_all(dir);
}

TEST(Files, ReadMissingNamesThePath) {
  auto got = read_file("/nonexistent/cairn-test");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "cannot open /nonexistent/cairn-test: No such file or directory");
}

TEST(Files, WriteIntoMissingDirectoryFailsCleanly) {
  auto got = write_file_atomic("/nonexistent/dir/f", "x");
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find("/nonexistent/dir/f"), std::string::npos);
}

}  // namespace
}  // namespace cairn
