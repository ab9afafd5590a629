// Copying and hashing sparse files. See sparse_file.hh.
#include "images/sparse_file.hh"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/fd.hh"
#include "base/hash.hh"
#include "images/disk_internal.hh"

namespace cairn::images::detail {

/// Copies the data ranges of the file `src` into `dst` at `offset`,
/// skipping holes.
Result<void> copy_into(const std::string& src, int dst, uint64_t offset, uint64_t limit) {
  Fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return fail(errno_text("cannot open", src));
  struct stat st{};
  if (::fstat(in.get(), &st) != 0) return fail(errno_text("cannot stat", src));
  auto size = static_cast<uint64_t>(st.st_size);
  if (size > limit)
    return fail(fmt::format("{} is {} bytes, more than its partition's {}", src, size, limit));
  bool use_copy_range = true;
  std::unique_ptr<char[]> buffer;
  constexpr size_t kBuffer = 1 << 20;
  off_t pos = 0;
  while (static_cast<uint64_t>(pos) < size) {
    off_t data = ::lseek(in.get(), pos, SEEK_DATA);
    if (data < 0 && errno == ENXIO) break;  // only a hole is left
    if (data < 0) return fail(errno_text("cannot seek in", src));
    off_t hole = ::lseek(in.get(), data, SEEK_HOLE);
    if (hole < 0) return fail(errno_text("cannot seek in", src));
    off_t in_off = data;
    auto out_off = static_cast<off_t>(offset + static_cast<uint64_t>(data));
    while (in_off < hole) {
      auto want = static_cast<size_t>(std::min<off_t>(hole - in_off, 1 << 30));
      ssize_t n = -1;
      if (use_copy_range) {
        n = ::copy_file_range(in.get(), &in_off, dst, &out_off, want, 0);
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                      errno == EOPNOTSUPP)) {
          use_copy_range = false;  // another file system or an old kernel
          continue;
        }
      } else {
        if (!buffer) buffer = std::make_unique<char[]>(kBuffer);
        n = ::pread(in.get(), buffer.get(), std::min(want, kBuffer), in_off);
        if (n > 0) {
          for (ssize_t done = 0; done < n;) {
            ssize_t w = ::pwrite(dst, buffer.get() + done, static_cast<size_t>(n - done),
                                 out_off + done);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return fail(errno_text("cannot write the copy of", src));
            done += w;
          }
          in_off += n;
          out_off += n;
        }
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(errno_text("cannot copy", src));
      if (n == 0) return fail(fmt::format("{} ended early", src));
    }
    pos = hole;
  }
  return {};
}

/// SHA-256 of the whole file behind `fd`, holes hashed as the zeros they
/// read as without reading them (most of a fresh disk is holes).
Result<std::string> sha256_sparse(int fd, const std::string& path, uint64_t size) {
  constexpr size_t kChunk = 1 << 20;
  auto buffer = std::make_unique<char[]>(kChunk);
  auto zeros = std::make_unique<char[]>(kChunk);  // value-initialized: all zero
  Sha256 hash;
  auto hash_zeros = [&](uint64_t n) {
    for (; n > 0; n -= std::min<uint64_t>(n, kChunk))
      hash.update(std::string_view(zeros.get(), std::min<uint64_t>(n, kChunk)));
  };
  uint64_t pos = 0;
  while (pos < size) {
    off_t data = ::lseek(fd, static_cast<off_t>(pos), SEEK_DATA);
    if (data < 0 && errno != ENXIO) return fail(errno_text("cannot seek in", path));
    uint64_t data_start = data < 0 ? size : static_cast<uint64_t>(data);
    hash_zeros(data_start - pos);
    if (data_start == size) break;
    off_t hole = ::lseek(fd, data, SEEK_HOLE);
    if (hole < 0) return fail(errno_text("cannot seek in", path));
    auto end = static_cast<uint64_t>(hole);
    for (pos = data_start; pos < end;) {
      auto want = static_cast<size_t>(std::min<uint64_t>(end - pos, kChunk));
      ssize_t n = ::pread(fd, buffer.get(), want, static_cast<off_t>(pos));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(errno_text("cannot read", path));
      if (n == 0) return fail(fmt::format("{} ended early", path));
      hash.update(std::string_view(buffer.get(), static_cast<size_t>(n)));
      pos += static_cast<uint64_t>(n);
    }
  }
  return hash.hex_digest();
}

}  // namespace cairn::images::detail
