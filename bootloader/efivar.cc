// systemd-boot's EFI variables as efivarfs files (see efivar.hh).
#include "bootloader/efivar.hh"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/files.hh"

namespace cairn::bootloader {

namespace {

constexpr uint32_t kAttributes = 0x7;  // NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS
constexpr long kEfivarfsMagic = 0xde5e81e4;

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
};

bool is_efivarfs(const std::string& dir) {
  struct statfs st{};
  return ::statfs(dir.c_str(), &st) == 0 && static_cast<long>(st.f_type) == kEfivarfsMagic;
}

// Clears FS_IMMUTABLE_FL, which newer efivarfs sets on most variables. Only
// errors other than "no such file" and "not supported here" count.
Result<void> make_mutable(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.fd < 0) return {};  // absent or unreadable: the write will tell
  int flags = 0;
  if (::ioctl(fd.fd, FS_IOC_GETFLAGS, &flags) != 0 || !(flags & FS_IMMUTABLE_FL)) return {};
  flags &= ~FS_IMMUTABLE_FL;
  if (::ioctl(fd.fd, FS_IOC_SETFLAGS, &flags) != 0)
    return fail(errno_text("cannot clear the immutable flag of", path));
  return {};
}

void append_utf16(std::string& out, uint32_t unit) {
  out += static_cast<char>(unit & 0xff);
  out += static_cast<char>(unit >> 8);
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

}  // namespace

std::string efivar_file_name(std::string_view name) { return fmt::format("{}-{}", name, kLoaderGuid); }

std::string encode_efivar_string(std::string_view value) {
  std::string out;
  for (int i = 0; i < 4; ++i) out += static_cast<char>((kAttributes >> (8 * i)) & 0xff);
  // UTF-8 to UTF-16LE; an invalid byte becomes U+FFFD.
  size_t i = 0;
  while (i < value.size()) {
    auto c = static_cast<unsigned char>(value[i]);
    uint32_t cp = 0xfffd;
    size_t more = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 0;
    bool ok = c < 0x80 || more > 0;
    if (ok && value.size() - i > more) {
      cp = more == 0 ? c : more == 1 ? (c & 0x1f) : more == 2 ? (c & 0x0f) : (c & 0x07);
      for (size_t k = 1; k <= more; ++k) {
        auto d = static_cast<unsigned char>(value[i + k]);
        if ((d & 0xc0) != 0x80) ok = false;
        cp = (cp << 6) | (d & 0x3f);
      }
    } else {
      ok = false;
    }
    if (!ok) {
      cp = 0xfffd;
      more = 0;
    }
    i += more + 1;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      append_utf16(out, 0xd800 | (cp >> 10));
      append_utf16(out, 0xdc00 | (cp & 0x3ff));
    } else {
      append_utf16(out, cp);
    }
  }
  append_utf16(out, 0);
  return out;
}

Result<std::string> decode_efivar_string(std::string_view bytes) {
  if (bytes.size() < 4) return fail(fmt::format("{} bytes, fewer than the 4 of the attributes", bytes.size()));
  bytes.remove_prefix(4);
  if (bytes.size() % 2 != 0) return fail(fmt::format("{} value bytes, not UTF-16", bytes.size()));
  std::string out;
  auto unit = [&](size_t k) {
    return static_cast<uint32_t>(static_cast<unsigned char>(bytes[2 * k])) |
           static_cast<uint32_t>(static_cast<unsigned char>(bytes[2 * k + 1])) << 8;
  };
  size_t n = bytes.size() / 2;
  for (size_t k = 0; k < n; ++k) {
    uint32_t u = unit(k);
    if (u == 0) break;
    if (u >= 0xd800 && u <= 0xdbff && k + 1 < n && unit(k + 1) >= 0xdc00 && unit(k + 1) <= 0xdfff) {
      append_utf8(out, 0x10000 + ((u - 0xd800) << 10) + (unit(k + 1) - 0xdc00));
      ++k;
    } else {
      append_utf8(out, u >= 0xd800 && u <= 0xdfff ? 0xfffd : u);
    }
  }
  return out;
}

Result<std::optional<std::string>> read_efivar_string(const std::string& dir, std::string_view name) {
  std::string path = dir + "/" + efivar_file_name(name);
  if (::access(path.c_str(), F_OK) != 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return fail(errno_text("cannot read", path));
  }
  auto bytes = read_file(path);
  if (!bytes) return std::unexpected(bytes.error());
  auto value = decode_efivar_string(*bytes);
  if (!value) return std::unexpected(value.error().context(path));
  return std::optional<std::string>(*value);
}

Result<void> write_efivar_string(const std::string& dir, std::string_view name, std::string_view value) {
  std::string path = dir + "/" + efivar_file_name(name);
  std::string bytes = encode_efivar_string(value);
  if (!is_efivarfs(dir)) return write_file_atomic(path, bytes);
  if (auto r = make_mutable(path); !r) return r;
  // efivarfs replaces the variable with what one write(2) carries; no
  // O_TRUNC (efivarfs has no truncate).
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644));
  if (fd.fd < 0) return fail(errno_text("cannot open", path));
  ssize_t n = ::write(fd.fd, bytes.data(), bytes.size());
  if (n != static_cast<ssize_t>(bytes.size()))
    return fail(n < 0 ? errno_text("cannot write", path) : fmt::format("cannot write {}: short write", path));
  return {};
}

Result<void> remove_efivar(const std::string& dir, std::string_view name) {
  std::string path = dir + "/" + efivar_file_name(name);
  if (auto r = make_mutable(path); !r) return r;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fail(errno_text("cannot remove", path));
  return {};
}

}  // namespace cairn::bootloader
