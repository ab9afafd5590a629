#include "activator/persist.hh"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "activator/dirs.hh"
#include "activator/stage.hh"
#include "base/fd.hh"
#include "base/files.hh"

namespace cairn::activator {

namespace {

std::string errno_text() { return std::strerror(errno); }

// Fails when a component of `path` below `base` (both real paths, `path`
// starting with `base`) is a symbolic link. Components that do not exist
// yet are fine: they will be made as directories.
Result<void> no_links(const std::string& base, const std::string& path, const char* where) {
  for (size_t at = base.size() + 1; at <= path.size();) {
    size_t end = path.find('/', at);
    if (end == std::string::npos) end = path.size();
    std::string prefix = path.substr(0, end);
    struct stat st{};
    if (::lstat(prefix.c_str(), &st) != 0) return {};
    if (S_ISLNK(st.st_mode))
      return fail(prefix.substr(base.size()) + " is a symbolic link in " + where +
                  "; persist the path it points to instead");
    at = end + 1;
  }
  return {};
}

// The parent directories of `path` (below `base`), made with mode 0755 when
// missing.
Result<void> make_parents(const std::string& path) {
  std::string parent = path.substr(0, path.rfind('/'));
  return make_dir(parent, 0755);
}

// Copies the regular file `from` to `to` (which does not exist) with the
// given mode and owner, through a temporary name.
Result<void> copy_new(const std::string& from, const std::string& to, mode_t mode, uid_t uid, gid_t gid) {
  std::string contents;
  if (!from.empty()) {
    auto text = read_file(from);
    if (!text) return std::unexpected(text.error());
    contents = std::move(*text);
  }
  std::string temp = to + ".cairn-new";
  ::unlink(temp.c_str());
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return fail("cannot create " + temp + ": " + errno_text());
  for (size_t done = 0; done < contents.size();) {
    ssize_t n = ::write(fd.get(), contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string why = errno_text();
      ::unlink(temp.c_str());
      return fail("cannot write " + temp + ": " + why);
    }
    done += static_cast<size_t>(n);
  }
  if (::fchown(fd.get(), uid, gid) != 0 || ::fchmod(fd.get(), mode) != 0 || ::fsync(fd.get()) != 0) {
    std::string why = errno_text();
    ::unlink(temp.c_str());
    return fail("cannot finish " + temp + ": " + why);
  }
  if (::rename(temp.c_str(), to.c_str()) != 0) {
    std::string why = errno_text();
    ::unlink(temp.c_str());
    return fail("cannot rename " + temp + " to " + to + ": " + why);
  }
  return {};
}

Result<void> bind_directory(const PersistPlaces& at, System& system, const std::string& path) {
  std::string kept = at.kept + path, image = at.image + path, target = at.target + path;
  if (auto r = no_links(at.target, target, "the new root"); !r) return r;
  struct stat st{};
  if (::lstat(kept.c_str(), &st) != 0) {
    struct stat from{};
    bool in_image = no_links(at.image, image, "the image") && ::lstat(image.c_str(), &from) == 0 &&
                    S_ISDIR(from.st_mode);
    if (auto r = make_parents(kept); !r) return r;
    mode_t mode = in_image ? from.st_mode & 07777 : 0755;
    if (auto r = make_dir(kept, mode); !r) return r;
    if (in_image && ::chown(kept.c_str(), from.st_uid, from.st_gid) != 0)
      return fail("cannot chown " + kept + ": " + errno_text());
  } else if (!S_ISDIR(st.st_mode)) {
    return fail(kept + " is not a directory; move it away to keep " + path + " as a directory");
  }
  if (auto r = make_dir(target); !r) return r;
  return system.mount(kept, target, "", "bind");
}

Result<void> bind_file(const PersistPlaces& at, System& system, const std::string& path) {
  std::string kept = at.kept + path, image = at.image + path, target = at.target + path;
  if (auto r = no_links(at.target, target, "the new root"); !r) return r;
  struct stat st{};
  if (::lstat(kept.c_str(), &st) != 0) {
    struct stat from{};
    bool in_image = no_links(at.image, image, "the image") && ::lstat(image.c_str(), &from) == 0 &&
                    S_ISREG(from.st_mode);
    if (auto r = make_parents(kept); !r) return r;
    auto made = in_image ? copy_new(image, kept, from.st_mode & 07777, from.st_uid, from.st_gid)
                         : copy_new("", kept, 0600, 0, 0);
    if (!made) return made;
  } else if (!S_ISREG(st.st_mode)) {
    return fail(kept + " is not a regular file; move it away to keep " + path + " as a file");
  }
  if (auto r = make_parents(target); !r) return r;
  if (::lstat(target.c_str(), &st) != 0) {
    Fd fd(::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd.valid()) return fail("cannot create " + target + ": " + errno_text());
  } else if (!S_ISREG(st.st_mode)) {
    return fail("the image has " + path + " as something other than a file; list it in "
                "environment.persist.directories if it is a directory");
  }
  return system.mount(kept, target, "", "bind");
}

}  // namespace

Result<void> bind_persisted(const std::string& root, System& system, const std::vector<std::string>& files,
                            const std::vector<std::string>& directories) {
  PersistPlaces at{root + std::string(kStateDir) + "/" + std::string(kPersistDir), root + std::string(kImageDir),
                   root + std::string(kSysroot)};
  return bind_persisted(at, system, files, directories);
}

Result<void> bind_persisted(const PersistPlaces& at, System& system, const std::vector<std::string>& files,
                            const std::vector<std::string>& directories) {
  std::vector<std::string> dirs = directories, plain = files;
  std::ranges::sort(dirs);
  std::ranges::sort(plain);
  for (const std::string& path : dirs)
    if (auto r = bind_directory(at, system, path); !r) return std::unexpected(r.error().context("keeping " + path));
  for (const std::string& path : plain)
    if (auto r = bind_file(at, system, path); !r) return std::unexpected(r.error().context("keeping " + path));
  return {};
}

}  // namespace cairn::activator
