#include "activator/grow.hh"

#include <fcntl.h>
#include <unistd.h>

#include <memory>

#include <gtest/gtest.h>
#include <libfdisk/libfdisk.h>

#include "activator/fakes_test.hh"
#include "base/subprocess.hh"

namespace cairn::activator {
namespace {

using testing::TempDir;

constexpr uint64_t kMiB = 1ull << 20;

struct Part {
  uint64_t start;  // sectors
  uint64_t size;   // sectors
};

// Writes a `bytes`-long disk image with a `label` ("gpt" or "dos") table.
void make_disk(const std::string& path, uint64_t bytes, const char* label, const std::vector<Part>& parts) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(bytes)), 0);
  ::close(fd);
  fdisk_context* cxt = fdisk_new_context();
  ASSERT_EQ(fdisk_assign_device(cxt, path.c_str(), 0), 0);
  ASSERT_EQ(fdisk_create_disklabel(cxt, label), 0);
  for (size_t i = 0; i < parts.size(); ++i) {
    const Part& p = parts[i];
    fdisk_partition* pa = fdisk_new_partition();
    fdisk_partition_set_start(pa, p.start);
    fdisk_partition_set_size(pa, p.size);
    fdisk_partition_set_partno(pa, i);
    ASSERT_EQ(fdisk_add_partition(cxt, pa, nullptr), 0);
    fdisk_unref_partition(pa);
  }
  ASSERT_EQ(fdisk_write_disklabel(cxt), 0);
  ASSERT_EQ(fdisk_deassign_device(cxt, 0), 0);
  fdisk_unref_context(cxt);
}

void enlarge(const std::string& path, uint64_t bytes) { ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(bytes)), 0); }

// (start, size) in sectors of partition `n` as a fresh libfdisk reads it,
// and whether it found the table without complaint.
std::pair<uint64_t, uint64_t> read_partition(const std::string& path, size_t n) {
  fdisk_context* cxt = fdisk_new_context();
  EXPECT_EQ(fdisk_assign_device(cxt, path.c_str(), 1), 0);
  fdisk_partition* pa = nullptr;
  EXPECT_EQ(fdisk_get_partition(cxt, n - 1, &pa), 0);
  std::pair<uint64_t, uint64_t> out{fdisk_partition_get_start(pa), fdisk_partition_get_size(pa)};
  fdisk_unref_partition(pa);
  fdisk_unref_context(cxt);
  return out;
}

class GrowPartition : public ::testing::TestWithParam<const char*> {
 protected:
  std::string disk() const { return dir_.path() + "/disk.img"; }
  TempDir dir_;
};

TEST_P(GrowPartition, ExtendsTheLastPartitionToTheEnd) {
  // An ESP of 32 MiB and a state partition of 64 MiB on a 100 MiB image,
  // written to a 1 GiB disk.
  make_disk(disk(), 100 * kMiB, GetParam(), {{2048, 65536}, {67584, 131072}});
  enlarge(disk(), 1024 * kMiB);

  auto g = grow_partition(disk(), 2);
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->before, 64 * kMiB);
  EXPECT_TRUE(g->grew());
  auto [start, size] = read_partition(disk(), 2);
  EXPECT_EQ(start, 67584u);
  EXPECT_EQ(size * 512, g->after);
  // Up to the end, but for the backup GPT (33 sectors).
  uint64_t room = 1024 * kMiB - 67584 * 512;
  EXPECT_EQ(g->after, std::string(GetParam()) == "gpt" ? room - 33 * 512 : room);
  // The ESP is untouched.
  EXPECT_EQ(read_partition(disk(), 1), (std::pair<uint64_t, uint64_t>{2048, 65536}));

  // Once grown, nothing more to do.
  auto again = grow_partition(disk(), 2);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->grew());
  EXPECT_EQ(again->after, g->after);
}

TEST_P(GrowPartition, LeavesSmallSlackAlone) {
  make_disk(disk(), 100 * kMiB, GetParam(), {{2048, 65536}, {67584, 131072}});
  enlarge(disk(), 100 * kMiB + 4 * kMiB);
  auto g = grow_partition(disk(), 2);
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_FALSE(g->grew());
  EXPECT_EQ(read_partition(disk(), 2).second, 131072u);
}

TEST_P(GrowPartition, NeverIntoTheNextPartition) {
  // The state partition is not the last one: it may grow into the gap
  // before the next, not beyond.
  make_disk(disk(), 200 * kMiB, GetParam(), {{2048, 65536}, {67584, 65536}, {329728, 32768}});
  auto g = grow_partition(disk(), 2);
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_TRUE(g->grew());
  auto [start, size] = read_partition(disk(), 2);
  EXPECT_EQ(start + size, 329728u);
  EXPECT_EQ(read_partition(disk(), 3), (std::pair<uint64_t, uint64_t>{329728, 32768}));
}

INSTANTIATE_TEST_SUITE_P(Labels, GrowPartition, ::testing::Values("gpt", "dos"));

TEST(GrowPartitionErrors, SayWhatIsWrong) {
  TempDir dir;
  std::string blank = dir.path() + "/blank.img";
  ASSERT_EQ(::close(::open(blank.c_str(), O_WRONLY | O_CREAT, 0644)), 0);
  ASSERT_EQ(::truncate(blank.c_str(), 8 * kMiB), 0);
  auto none = grow_partition(blank, 2);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message, blank + " has no partition table");

  std::string disk = dir.path() + "/disk.img";
  make_disk(disk, 100 * kMiB, "gpt", {{2048, 65536}});
  auto missing = grow_partition(disk, 2);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, disk + " has no partition 2");

  auto absent = grow_partition(dir.path() + "/nothing.img", 1);
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().message,
            "cannot open " + dir.path() + "/nothing.img to read its partition table: No such file or directory");
}

TEST(Ext4Size, ReadsTheSuperblock) {
  if (!find_program("mke2fs", "/usr/sbin:/sbin:/usr/bin:/bin")) GTEST_SKIP() << "mke2fs is not installed";
  TempDir dir;
  std::string fs = dir.path() + "/fs.img";
  ASSERT_EQ(::close(::open(fs.c_str(), O_WRONLY | O_CREAT, 0644)), 0);
  ASSERT_EQ(::truncate(fs.c_str(), 64 * kMiB), 0);
  auto made = run(*find_program("mke2fs", "/usr/sbin:/sbin:/usr/bin:/bin"), {"-q", "-F", "-t", "ext4", "-b", "4096", fs});
  ASSERT_TRUE(made) << made.error().message;
  ASSERT_EQ(made->exit_status, 0) << made->err;
  auto size = ext4_size(fs);
  ASSERT_TRUE(size) << size.error().message;
  EXPECT_EQ(*size, 64 * kMiB);

  // A larger device: the file system has not grown by itself.
  ASSERT_EQ(::truncate(fs.c_str(), 256 * kMiB), 0);
  EXPECT_EQ(*ext4_size(fs), 64 * kMiB);

  auto blank = ext4_size(dir.path() + "/fs.img.none");
  EXPECT_FALSE(blank);
  std::string zeros = dir.path() + "/zeros.img";
  ASSERT_EQ(::close(::open(zeros.c_str(), O_WRONLY | O_CREAT, 0644)), 0);
  ASSERT_EQ(::truncate(zeros.c_str(), kMiB), 0);
  auto not_ext = ext4_size(zeros);
  ASSERT_FALSE(not_ext);
  EXPECT_EQ(not_ext.error().message, zeros + " holds no ext2/3/4 file system");
}

TEST(FormatSize, MiBAndGiB) {
  EXPECT_EQ(format_size(512 * kMiB), "512 MiB");
  EXPECT_EQ(format_size(1536 * kMiB), "1.5 GiB");
}

}  // namespace
}  // namespace cairn::activator
