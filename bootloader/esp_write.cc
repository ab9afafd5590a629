// Durable copies, renames and removals on the boot partition (esp_write.hh).
#include "bootloader/esp_write.hh"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace cairn::bootloader {

namespace {

std::string errno_text(std::string_view what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}

// Owns a file descriptor.
struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  int release() { return std::exchange(fd, -1); }
};

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Result<void> write_all(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno_text("cannot write", path));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return {};
}

}  // namespace

Result<void> fsync_dir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.fd < 0) return fail(errno_text("cannot open directory", dir));
  if (::fsync(fd.fd) != 0) return fail(errno_text("cannot fsync directory", dir));
  return {};
}

Result<void> rename_durably(const std::string& dir, std::string_view from, std::string_view to) {
  std::string a = dir + "/" + std::string(from), b = dir + "/" + std::string(to);
  auto failed = [&] {
    return fail(fmt::format("cannot rename {} to {}: {}", a, std::string(to), std::strerror(errno)));
  };
  if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno != EINVAL && errno != ENOSYS) return failed();
    // No RENAME_NOREPLACE here: check, then rename (cairn's writers are
    // serialised by their callers, so nobody creates `to` in between).
    struct stat st{};
    if (::lstat(b.c_str(), &st) == 0) {
      errno = EEXIST;
      return failed();
    }
    if (::rename(a.c_str(), b.c_str()) != 0) return failed();
  }
  return fsync_dir(dir);
}

Result<void> remove_durably(const std::string& dir, const std::vector<std::string>& names) {
  if (names.empty()) return {};
  for (const auto& name : names) {
    std::string path = dir + "/" + name;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fail(errno_text("cannot remove", path));
  }
  return fsync_dir(dir);
}

Result<void> copy_file_durably(const std::string& source, const std::string& target) {
  Fd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) return fail(errno_text("cannot open", source));
  std::string tmp = target + ".tmp.XXXXXX";
  Fd out(::mkstemp(tmp.data()));
  if (out.fd < 0) return fail(errno_text("cannot create temporary file for", target));
  auto cleanup_fail = [&](std::string message) {
    ::unlink(tmp.c_str());
    return fail(std::move(message));
  };
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(in.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return cleanup_fail(errno_text("cannot read", source));
    }
    if (n == 0) break;
    if (auto r = write_all(out.fd, buf, static_cast<size_t>(n), tmp); !r) return cleanup_fail(r.error().message);
  }
  if (::fchmod(out.fd, 0644) != 0) return cleanup_fail(errno_text("cannot chmod", tmp));
  if (::fsync(out.fd) != 0) return cleanup_fail(errno_text("cannot fsync", tmp));
  if (::close(out.release()) != 0) return cleanup_fail(errno_text("cannot close", tmp));
  if (::rename(tmp.c_str(), target.c_str()) != 0) return cleanup_fail(errno_text("cannot rename into place", target));
  return fsync_dir(dir_of(target));
}

Result<void> make_dirs(const std::string& root, std::string_view relative) {
  std::string path = root;
  size_t pos = 0;
  while (pos < relative.size()) {
    size_t end = relative.find('/', pos);
    if (end == std::string_view::npos) end = relative.size();
    std::string_view part = relative.substr(pos, end - pos);
    pos = end + 1;
    if (part.empty()) continue;
    std::string parent = path;
    path += "/" + std::string(part);
    if (::mkdir(path.c_str(), 0755) == 0) {
      if (auto r = fsync_dir(parent); !r) return r;
    } else if (errno != EEXIST) {
      return fail(errno_text("cannot create directory", path));
    } else {
      struct stat st{};
      if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return fail(fmt::format("cannot create directory {}: a file is in the way", path));
    }
  }
  return {};
}

}  // namespace cairn::bootloader
