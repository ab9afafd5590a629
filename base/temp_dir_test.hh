// A temporary directory for tests: made fresh under the system's temporary
// directory, removed with everything in it when the test is done with it.
#pragma once

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace cairn {

/// A directory made with mkdtemp as temp_directory_path()/cairn-<what>-XXXXXX
/// (TMPDIR decides where) and removed, with everything in it, when the
/// object goes. If mkdtemp fails the constructor throws std::system_error
/// saying why, which GoogleTest reports as a failure of the test.
class TempDir {
 public:
  explicit TempDir(std::string_view what) {
    std::string t = (std::filesystem::temp_directory_path() / ("cairn-" + std::string(what) + "-XXXXXX")).string();
    path_ = t;
    if (!::mkdtemp(path_.data())) {
      int e = errno;
      throw std::system_error(e, std::generic_category(), "mkdtemp " + t);
    }
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// The directory's path, as made (not canonicalised).
  const std::string& path() const { return path_; }
  /// path() + "/" + rel.
  std::string operator/(std::string_view rel) const { return path_ + "/" + std::string(rel); }

 private:
  std::string path_;
};

}  // namespace cairn
