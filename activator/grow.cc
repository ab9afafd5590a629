#include "activator/grow.hh"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>
#include <libfdisk/libfdisk.h>

#include "base/fd.hh"

// From the kernel's fs/ext4/ext4.h (not exported as a uapi header).
#ifndef EXT4_IOC_RESIZE_FS
#define EXT4_IOC_RESIZE_FS _IOW('f', 16, uint64_t)
#endif

namespace cairn::activator {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

struct ContextFree {
  void operator()(fdisk_context* c) const { fdisk_unref_context(c); }
};
struct PartitionFree {
  void operator()(fdisk_partition* p) const { fdisk_unref_partition(p); }
};
struct TableFree {
  void operator()(fdisk_table* t) const { fdisk_unref_table(t); }
};

// The size in bytes of the block device or regular file open as `fd`.
Result<uint64_t> size_of(int fd, const std::string& path) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) return fail("cannot stat " + path + ": " + errno_text(errno));
  if (S_ISREG(st.st_mode)) return static_cast<uint64_t>(st.st_size);
  uint64_t bytes = 0;
  if (::ioctl(fd, BLKGETSIZE64, &bytes) != 0) return fail("cannot read the size of " + path + ": " + errno_text(errno));
  return bytes;
}

uint32_t le32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

struct Ext4Geometry {
  uint64_t blocks = 0;
  uint64_t block_size = 0;
};

// The block count and size from the superblock (1024 bytes in).
Result<Ext4Geometry> read_superblock(int fd, const std::string& device) {
  unsigned char sb[1024];
  ssize_t n = ::pread(fd, sb, sizeof sb, 1024);
  if (n != static_cast<ssize_t>(sizeof sb))
    return fail("cannot read the superblock of " + device + (n < 0 ? ": " + errno_text(errno) : ": too short"));
  if (sb[0x38] != 0x53 || sb[0x39] != 0xEF) return fail(device + " holds no ext2/3/4 file system");
  uint32_t log_block = le32(sb + 0x18);
  if (log_block > 6) return fail(device + ": the superblock's block size is not plausible");
  Ext4Geometry g;
  g.block_size = 1024ull << log_block;
  g.blocks = le32(sb + 0x04);
  constexpr uint32_t kIncompat64Bit = 0x80;
  if (le32(sb + 0x60) & kIncompat64Bit) g.blocks |= static_cast<uint64_t>(le32(sb + 0x150)) << 32;
  return g;
}

}  // namespace

std::string format_size(uint64_t bytes) {
  if (bytes >= (1ull << 30)) return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1ull << 30));
  return fmt::format("{} MiB", bytes >> 20);
}

Result<Growth> grow_partition(const std::string& disk, size_t partno) {
  std::unique_ptr<fdisk_context, ContextFree> cxt(fdisk_new_context());
  if (!cxt) return fail("out of memory");
  // libfdisk moves a GPT's backup header to the end of a grown disk while
  // it reads the table (its default), so the free space shows up as usable.
  if (int r = fdisk_assign_device(cxt.get(), disk.c_str(), 0); r != 0)
    return fail("cannot open " + disk + " to read its partition table: " + errno_text(-r));
  if (!fdisk_has_label(cxt.get())) return fail(disk + " has no partition table");
  if (!fdisk_is_labeltype(cxt.get(), FDISK_DISKLABEL_GPT) && !fdisk_is_labeltype(cxt.get(), FDISK_DISKLABEL_DOS))
    return fail(disk + ": only GPT and MBR partition tables are grown");

  fdisk_partition* raw = nullptr;
  if (fdisk_get_partition(cxt.get(), partno - 1, &raw) != 0 || !raw)
    return fail(fmt::format("{} has no partition {}", disk, partno));
  std::unique_ptr<fdisk_partition, PartitionFree> pa(raw);
  const uint64_t sector = fdisk_get_sector_size(cxt.get());
  const uint64_t start = fdisk_partition_get_start(pa.get()), size = fdisk_partition_get_size(pa.get());
  Growth growth{size * sector, size * sector};

  // The first sector a partition may not use, and the first one after ours
  // that another partition holds.
  uint64_t limit = fdisk_get_last_lba(cxt.get()) + 1;
  fdisk_table* table_raw = nullptr;
  if (fdisk_get_partitions(cxt.get(), &table_raw) != 0) return fail("cannot list the partitions of " + disk);
  std::unique_ptr<fdisk_table, TableFree> before(table_raw);
  fdisk_iter* it = fdisk_new_iter(FDISK_ITER_FORWARD);
  for (fdisk_partition* other = nullptr; fdisk_table_next_partition(before.get(), it, &other) == 0;)
    if (fdisk_partition_has_start(other) && fdisk_partition_get_start(other) > start)
      limit = std::min<uint64_t>(limit, fdisk_partition_get_start(other));
  fdisk_free_iter(it);
  if (limit <= start + size || (limit - start - size) * sector < kGrowMinimum) return growth;

  // An explicit size: libfdisk 2.38 ignores end_follow_default when
  // changing an existing partition.
  std::unique_ptr<fdisk_partition, PartitionFree> change(fdisk_new_partition());
  fdisk_partition_set_size(change.get(), limit - start);
  if (int r = fdisk_set_partition(cxt.get(), partno - 1, change.get()); r != 0)
    return fail(fmt::format("cannot extend partition {} of {}: {}", partno, disk, errno_text(-r)));
  if (int r = fdisk_write_disklabel(cxt.get()); r != 0)
    return fail("cannot write the partition table of " + disk + ": " + errno_text(-r));
  // A block device's kernel view follows the table (BLKPG, partition by
  // partition, so the mounted ones need not be let go).
  if (fdisk_is_regfile(cxt.get()) == 0)
    if (int r = fdisk_reread_changes(cxt.get(), before.get()); r != 0)
      return fail("the new partition table of " + disk + " is written, but the kernel did not take it: " +
                  errno_text(-r) + "; it will on the next boot");

  fdisk_partition* now = nullptr;
  if (fdisk_get_partition(cxt.get(), partno - 1, &now) != 0 || !now)
    return fail(fmt::format("partition {} of {} vanished while growing it", partno, disk));
  growth.after = fdisk_partition_get_size(now) * sector;
  fdisk_unref_partition(now);
  if (int r = fdisk_deassign_device(cxt.get(), 0); r != 0)
    return fail("cannot close " + disk + " after writing its partition table: " + errno_text(-r));
  return growth;
}

Result<uint64_t> ext4_size(const std::string& device) {
  Fd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return fail("cannot open " + device + ": " + errno_text(errno));
  auto g = read_superblock(fd.get(), device);
  if (!g) return std::unexpected(g.error());
  return g->blocks * g->block_size;
}

Result<Growth> grow_ext4(const std::string& device, const std::string& mountpoint) {
  Fd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return fail("cannot open " + device + ": " + errno_text(errno));
  auto g = read_superblock(fd.get(), device);
  if (!g) return std::unexpected(g.error());
  auto bytes = size_of(fd.get(), device);
  if (!bytes) return std::unexpected(bytes.error());
  uint64_t blocks = *bytes / g->block_size;
  Growth growth{g->blocks * g->block_size, g->blocks * g->block_size};
  if (blocks <= g->blocks || (blocks - g->blocks) * g->block_size < kGrowMinimum) return growth;

  Fd dir(::open(mountpoint.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return fail("cannot open " + mountpoint + ": " + errno_text(errno));
  if (::ioctl(dir.get(), EXT4_IOC_RESIZE_FS, &blocks) != 0)
    return fail(fmt::format("cannot grow the file system on {} to {}: {}", device, format_size(blocks * g->block_size),
                            errno_text(errno)));
  growth.after = blocks * g->block_size;
  return growth;
}

}  // namespace cairn::activator
