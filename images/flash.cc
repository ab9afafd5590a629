// How flashing writes an examined target (flash_target.cc examines it; see
// flash.hh for the whole sequence and why). The device is opened with
// O_EXCL, the kernel's last word on "in use", and O_DIRECT where it takes
// it; a file target gets a temporary file beside it, renamed over it only
// once verified. The bytes written are hashed as they go, then fsynced,
// the cache dropped, and the whole range read back and hashed again.
#include "images/flash.hh"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "base/fd.hh"
#include "base/hash.hh"

namespace cairn::images {

std::string format_progress(std::string_view phase, uint64_t done, uint64_t total, double seconds) {
  unsigned percent = total ? static_cast<unsigned>(done * 100 / total) : 100;
  auto rate = seconds > 0 ? static_cast<uint64_t>(static_cast<double>(done) / seconds) : 0;
  return fmt::format("{:<9} {:>8} of {}  {:>3}%  {}/s", phase, human_size(done), human_size(total), percent,
                     human_size(rate));
}

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr size_t kChunk = size_t{4} << 20;    // bytes per read and write
constexpr size_t kHoleBlock = size_t{64} << 10;  // granularity of holes in file targets

// A line redrawn on a terminal at most four times a second; nothing when off.
class ProgressLine {
 public:
  ProgressLine(std::ostream* out, bool on, std::string phase, uint64_t total)
      : out_(on ? out : nullptr), phase_(std::move(phase)), total_(total) {}
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  // A line left half-drawn by an error is ended, so the error starts a line.
  ~ProgressLine() {
    if (drawn_) *out_ << '\n' << std::flush;
  }
  void update(uint64_t done, bool force = false) {
    if (!out_) return;
    auto now = Clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    *out_ << '\r' << format_progress(phase_, done, total_, secs) << "\033[K" << std::flush;
    drawn_ = true;
  }
  // Draws the final state and ends the line.
  void finish() {
    update(total_, true);
    if (out_) *out_ << '\n' << std::flush;
    drawn_ = false;
  }

 private:
  std::ostream* out_;
  std::string phase_;
  uint64_t total_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_ = start_;
  bool drawn_ = false;  // a line is on the terminal, not yet ended
};

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<char, FreeDeleter>;

Buffer aligned_buffer(size_t align) {
  return Buffer(static_cast<char*>(std::aligned_alloc(std::max<size_t>(align, 64), kChunk)));
}

std::string errno_at(std::string_view what, const std::string& path, uint64_t offset) {
  return fmt::format("{} {} at byte {}: {}", what, path, offset, std::strerror(errno));
}

Result<void> write_full(int fd, const char* data, size_t n, uint64_t offset, const std::string& path) {
  for (size_t done = 0; done < n;) {
    ssize_t w = ::pwrite(fd, data + done, n - done, static_cast<off_t>(offset + done));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return fail(errno_at("cannot write", path, offset + done));
    if (w == 0) return fail(fmt::format("cannot write {} at byte {}: no space left", path, offset + done));
    done += static_cast<size_t>(w);
  }
  return {};
}

// Reads up to `n` bytes; fewer only at the end of the file.
Result<size_t> read_full(int fd, char* data, size_t n, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, data + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail(errno_at("cannot read", path, offset + done));
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return done;
}

bool all_zero(const char* p, size_t n) { return n == 0 || (p[0] == 0 && std::memcmp(p, p + 1, n - 1) == 0); }

// Where the image goes: one descriptor for aligned blocks (O_DIRECT on a
// device that takes it) and, when the image's size is not a multiple of
// `align`, a buffered one for the tail.
struct Sink {
  std::string path;  // for messages
  Fd main;
  Fd tail;
  size_t align = 1;
  bool block = false;
  bool holes = false;  // leave all-zero blocks unwritten (a fresh file)

  int tail_fd() const { return tail.valid() ? tail.get() : main.get(); }

  Result<void> write(const char* buf, size_t n, uint64_t offset, uint64_t& skipped) {
    if (holes) {
      for (size_t at = 0; at < n; at += kHoleBlock) {
        size_t len = std::min(kHoleBlock, n - at);
        if (all_zero(buf + at, len)) {
          skipped += len;
        } else if (auto r = write_full(main.get(), buf + at, len, offset + at, path); !r) {
          return r;
        }
      }
      return {};
    }
    size_t aligned = n / align * align;
    if (aligned)
      if (auto r = write_full(main.get(), buf, aligned, offset, path); !r) return r;
    if (n > aligned) return write_full(tail_fd(), buf + aligned, n - aligned, offset + aligned, path);
    return {};
  }

  Result<size_t> read(char* buf, size_t n, uint64_t offset) const {
    size_t aligned = n / align * align;
    size_t got = 0;
    if (aligned) {
      auto r = read_full(main.get(), buf, aligned, offset, path);
      if (!r) return r;
      if (*r < aligned) return *r;
      got = aligned;
    }
    if (n > aligned) {
      auto r = read_full(tail_fd(), buf + aligned, n - aligned, offset + aligned, path);
      if (!r) return r;
      got += *r;
    }
    return got;
  }

  // fsync, then drop the cached pages so the read-back comes from the medium.
  Result<void> sync() {
    for (const Fd* fd : {&main, &tail})
      if (fd->valid() && ::fsync(fd->get()) != 0)
        return fail(fmt::format("cannot fsync {}: {}", path, std::strerror(errno)));
    // BLKFLSBUF needs CAP_SYS_ADMIN; without it the fadvise still drops
    // clean pages, and the O_DIRECT reads bypass the cache anyway.
    if (block) (void)::ioctl(main.get(), BLKFLSBUF, 0);
    for (const Fd* fd : {&main, &tail})
      if (fd->valid()) (void)::posix_fadvise(fd->get(), 0, 0, POSIX_FADV_DONTNEED);
    return {};
  }
};

Result<Sink> open_device(const FlashTarget& t, uint64_t size) {
  Sink s;
  s.path = t.path;
  s.block = true;
  // O_EXCL on a block device: the kernel refuses while the disk or one of
  // its partitions is mounted or claimed — the last check, made at the
  // moment it matters.
  int flags = O_RDWR | O_EXCL | O_CLOEXEC;
  bool direct = true;
  s.main = Fd(::open(t.write_path.c_str(), flags | O_DIRECT));
  if (!s.main.valid() && errno == EINVAL) {
    direct = false;
    s.main = Fd(::open(t.write_path.c_str(), flags));
  }
  if (!s.main.valid()) {
    int e = errno;
    if (e == EBUSY)
      return fail(fmt::format("{} is in use (the kernel refuses exclusive access: it or a partition is mounted or "
                              "held); unmount it first",
                              t.path));
    if (e == ENOMEDIUM) return fail(fmt::format("{} has no medium; insert the card or stick", t.path));
    return fail(fmt::format("cannot open {} for writing: {}{}", t.path, std::strerror(e),
                            e == EACCES ? "; run as root or as a member of group disk" : ""));
  }
  uint64_t bytes = 0;
  if (::ioctl(s.main.get(), BLKGETSIZE64, &bytes) == 0 && bytes < size)
    return fail(fmt::format("{} is too small: {} ({} bytes), the image needs {} ({} bytes); use a larger disk",
                            t.path, human_size(bytes), bytes, human_size(size), size));
  int ro = 0;
  if (::ioctl(s.main.get(), BLKROGET, &ro) == 0 && ro)
    return fail(fmt::format("{} is read-only; if it is an SD card, slide its lock switch away from LOCK", t.path));
  int sector = 512;
  (void)::ioctl(s.main.get(), BLKSSZGET, &sector);
  s.align = direct ? std::max<size_t>(4096, static_cast<size_t>(sector)) : 1;
  if (s.align > kChunk) return fail(fmt::format("{}: logical block size {} is not supported", t.path, sector));
  if (size % s.align) {
    s.tail = Fd(::open(t.write_path.c_str(), O_RDWR | O_CLOEXEC));
    if (!s.tail.valid()) return fail(fmt::format("cannot open {} for writing: {}", t.path, std::strerror(errno)));
  }
  return s;
}

// A temporary file beside a file target, removed unless kept.
struct TempFile {
  std::string path;
  ~TempFile() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

// Returns the first byte where the image and the target differ, if any.
Result<std::optional<uint64_t>> first_difference(int image, const std::string& image_path, const Sink& sink,
                                                 uint64_t size) {
  Buffer a = aligned_buffer(sink.align), b = aligned_buffer(sink.align);
  if (!a || !b) return fail("out of memory");
  for (uint64_t off = 0; off < size; off += kChunk) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, size - off));
    auto ra = read_full(image, a.get(), n, off, image_path);
    if (!ra) return std::unexpected(ra.error());
    auto rb = sink.read(b.get(), n, off);
    if (!rb) return std::unexpected(rb.error());
    size_t common = std::min(*ra, *rb);
    auto [pa, pb] = std::mismatch(a.get(), a.get() + common, b.get());
    if (pa != a.get() + common) return off + static_cast<uint64_t>(pa - a.get());
    if (*ra != *rb) return off + common;
  }
  return std::nullopt;
}

}  // namespace

Result<FlashResult> flash(const FlashRequest& req) {
  Fd image(::open(req.image.c_str(), O_RDONLY | O_CLOEXEC));
  if (!image.valid()) return fail(fmt::format("cannot open the image {}: {}", req.image, std::strerror(errno)));
  struct stat ist{};
  if (::fstat(image.get(), &ist) != 0 || !S_ISREG(ist.st_mode))
    return fail(fmt::format("the image {} is not a regular file", req.image));
  auto size = static_cast<uint64_t>(ist.st_size);
  if (size == 0) return fail(fmt::format("the image {} is empty", req.image));

  auto examined = examine_target(req.target, size, req.paths);
  if (!examined) return std::unexpected(examined.error());
  FlashResult result;
  result.target = std::move(*examined);
  FlashTarget& t = result.target;
  if (t.kind == TargetKind::file) {
    struct stat tst{};
    if (::stat(t.write_path.c_str(), &tst) == 0 && tst.st_dev == ist.st_dev && tst.st_ino == ist.st_ino)
      return fail(fmt::format("{} is the image itself; give another target", req.target));
  }
  if (t.kind != TargetKind::new_file) t.contents = probe_contents(t.write_path);
  if (req.out) *req.out << describe_target(t) << std::flush;

  if (t.kind != TargetKind::new_file && !req.yes) {
    std::string name = req.image_name.empty() ? req.image : req.image_name;
    std::string question = fmt::format("Write {} ({} MB) to {}? All data on it will be lost. [y/N]", name,
                                       (size + 500000) / 1000000, short_description(t));
    if (!req.confirm)
      return fail(fmt::format("not writing to {} without confirmation, and there is no terminal to ask on; pass "
                              "--yes to write anyway",
                              req.target));
    if (!req.confirm(question)) return fail(fmt::format("not writing to {}: not confirmed", req.target));
  }

  // Open the target: the device itself, or a fresh temporary file beside
  // the file target (renamed over it once verified).
  Sink sink;
  TempFile temp;
  mode_t mode = 0644;
  if (t.kind == TargetKind::block_device) {
    auto opened = open_device(t, size);
    if (!opened) return std::unexpected(opened.error());
    sink = std::move(*opened);
  } else {
    if (t.kind == TargetKind::file)
      if (struct stat st{}; ::stat(t.write_path.c_str(), &st) == 0) mode = st.st_mode & 07777;
    std::string tmp = t.write_path + ".tmp.XXXXXX";
    sink.main = Fd(::mkostemp(tmp.data(), O_CLOEXEC));
    if (!sink.main.valid())
      return fail(fmt::format("cannot create a temporary file beside {}: {}", t.write_path, std::strerror(errno)));
    temp.path = tmp;
    sink.path = tmp;
    sink.holes = true;
  }
  Buffer buf = aligned_buffer(sink.align);
  if (!buf) return fail("out of memory for the write buffer");

  // Write, hashing what is written.
  Sha256 hash;
  auto t0 = Clock::now();
  ProgressLine writing(req.out, req.progress, "writing", size);
  for (uint64_t off = 0; off < size; off += kChunk) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, size - off));
    auto got = read_full(image.get(), buf.get(), n, off, req.image);
    if (!got) return std::unexpected(got.error());
    if (*got < n)
      return fail(fmt::format("the image {} ended at byte {}, not {}; was it changed while being written?",
                              req.image, off + *got, size));
    hash.update(std::string_view(buf.get(), n));
    if (auto r = sink.write(buf.get(), n, off, result.holes); !r) return std::unexpected(r.error());
    writing.update(off + n);
  }
  if (sink.holes && ::ftruncate(sink.main.get(), static_cast<off_t>(size)) != 0)
    return fail(fmt::format("cannot set the size of {}: {}", sink.path, std::strerror(errno)));
  if (sink.holes && ::fchmod(sink.main.get(), mode) != 0)
    return fail(fmt::format("cannot chmod {}: {}", sink.path, std::strerror(errno)));
  if (auto r = sink.sync(); !r) return std::unexpected(r.error());
  writing.finish();
  result.write_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  result.bytes = size;
  result.sha256 = hash.hex_digest();
  if (!req.image_sha256.empty() && req.image_sha256 != result.sha256)
    return fail(fmt::format("the image {} has sha256 {}, not the {} it was made with; it changed on disk, make it "
                            "again",
                            req.image, result.sha256, req.image_sha256));

  // Read back and compare.
  if (req.before_verify) req.before_verify(sink.path);
  auto t1 = Clock::now();
  ProgressLine verifying(req.out, req.progress, "verifying", size);
  Sha256 back;
  for (uint64_t off = 0; off < size; off += kChunk) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, size - off));
    auto got = sink.read(buf.get(), n, off);
    if (!got) return std::unexpected(got.error().context("verifying"));
    if (*got < n)
      return fail(fmt::format("verifying {}: it ends at byte {}, before the image's {} bytes; the medium may be "
                              "fake or failing",
                              t.path, off + *got, size));
    back.update(std::string_view(buf.get(), n));
    verifying.update(off + n);
  }
  std::string read_back = back.hex_digest();
  if (read_back != result.sha256) {
    auto at = first_difference(image.get(), req.image, sink, size);
    std::string where = at && *at ? fmt::format(", first at byte {}", **at) : "";
    return fail(fmt::format("verifying {}: what was read back differs from what was written{} (sha256 {} read, {} "
                            "written); the medium may be failing or fake, try another",
                            t.path, where, read_back, result.sha256));
  }
  verifying.finish();
  // Let the kernel see the new partition table (udev would too, on close);
  // a device without partitions (a loop device without partscan) says no.
  if (sink.block) (void)::ioctl(sink.main.get(), BLKRRPART, 0);
  result.verify_seconds = std::chrono::duration<double>(Clock::now() - t1).count();

  if (!temp.path.empty()) {
    if (::close(sink.main.release()) != 0)
      return fail(fmt::format("cannot close {}: {}", temp.path, std::strerror(errno)));
    if (::rename(temp.path.c_str(), t.write_path.c_str()) != 0)
      return fail(fmt::format("cannot rename {} to {}: {}", temp.path, t.write_path, std::strerror(errno)));
    temp.path.clear();
    Fd dir(::open(fs::path(t.write_path).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.valid()) ::fsync(dir.get());
  }
  return result;
}

}  // namespace cairn::images
