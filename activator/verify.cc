#include "activator/verify.hh"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/hash.hh"

namespace cairn::activator {

Result<FileIdentity> identify_file(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return fail(fmt::format("cannot stat {}: {}", path, std::strerror(errno)));
  return FileIdentity{static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_size),
                      st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_ctim.tv_sec, st.st_ctim.tv_nsec};
}

std::string marker_text(const FileIdentity& id, const std::string& sha256) {
  return fmt::format("sha256={} size={} inode={} mtime={}.{:09} ctime={}.{:09}\n", sha256, id.size, id.inode,
                     id.mtime_sec, id.mtime_nsec, id.ctime_sec, id.ctime_nsec);
}

Result<std::string> hash_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  // Tell the kernel to read ahead aggressively; big reads keep the number
  // of system calls (expensive under emulation) small.
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  constexpr size_t kChunk = size_t{1} << 20;
  auto buf = std::make_unique_for_overwrite<char[]>(kChunk);
  Sha256 sha;
  for (;;) {
    ssize_t n = ::read(fd, buf.get(), kChunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    }
    if (n == 0) break;
    sha.update(std::string_view(buf.get(), static_cast<size_t>(n)));
  }
  return sha.hex_digest();
}

Result<ImageCheck> check_image(const std::string& image, const Manifest& manifest, const std::string& marker) {
  auto id = identify_file(image);
  if (!id) return std::unexpected(id.error());
  if (id->size != manifest.image_size)
    return fail(fmt::format("image {} is {} bytes, its manifest says {}", image, id->size, manifest.image_size));

  std::string expected_marker = marker_text(*id, manifest.image_sha256);
  if (auto text = read_file(marker); text && *text == expected_marker) return ImageCheck{};

  auto sha = hash_file(image);
  if (!sha) return std::unexpected(sha.error());
  if (*sha != manifest.image_sha256)
    return fail(fmt::format("image {} does not match its manifest (sha256 {}, expected {})", image, *sha,
                            manifest.image_sha256));
  ImageCheck out{.hashed = true, .warning = {}};
  // The identity is taken again: had the file changed while it was read,
  // the marker must not vouch for the new version.
  auto after = identify_file(image);
  if (!after || *after != *id)
    out.warning = "the image " + image + " changed while it was checked; not recording the check";
  else if (auto w = write_file_atomic(marker, expected_marker); !w)
    out.warning = "recording the check: " + w.error().message;
  return out;
}

}  // namespace cairn::activator
