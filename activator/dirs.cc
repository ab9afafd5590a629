#include "activator/dirs.hh"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace cairn::activator {

Result<void> make_dir(const std::string& path, mode_t mode) {
  namespace fs = std::filesystem;
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return {};
    return fail("cannot create " + path + ": exists and is not a directory");
  }
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return fail("cannot create " + fs::path(path).parent_path().string() + ": " + ec.message());
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST)
    return fail("cannot create " + path + ": " + std::strerror(errno));
  if (::chmod(path.c_str(), mode) != 0) return fail("cannot chmod " + path + ": " + std::strerror(errno));
  return {};
}

}  // namespace cairn::activator
