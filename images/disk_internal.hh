// Small helpers the disk image's source files share (disk.cc,
// staged_tree.cc, vfat_partition.cc, ext4_partition.cc, sparse_file.cc,
// partition_table.cc): errno and case wording, the work directory the
// partitions are made in, and running a tool. Internal to images/disk*.
#pragma once

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/error.hh"
#include "base/subprocess.hh"

namespace cairn::images::detail {

/// "<what> <path>: <strerror(errno)>".
inline std::string errno_text(std::string_view what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}

/// `s` with ASCII letters in lower case (UUIDs, FAT name folding).
inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// A directory made with mkdtemp, removed with everything in it on scope exit.
class WorkDir {
 public:
  static Result<WorkDir> create(const std::string& prefix) {
    std::string path = prefix + "XXXXXX";
    if (::mkdtemp(path.data()) == nullptr)
      return fail(errno_text("cannot create work directory", path));
    return WorkDir(std::move(path));
  }
  WorkDir(WorkDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  WorkDir& operator=(WorkDir&&) = delete;
  ~WorkDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string operator/(std::string_view name) const {
    return path_ + "/" + std::string(name);
  }

 private:
  explicit WorkDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

/// Runs `program` from `package`; an error unless it exited with status 0.
inline Result<RunResult> run_tool(std::string_view program, std::string_view package,
                                  const std::vector<std::string>& args,
                                  const RunOptions& options) {
  auto ran = run(program, args, options);
  if (!ran) return fail(fmt::format("{}; is {} installed?", ran.error().message, package));
  if (!ran->success()) {
    std::string err = quote_stderr(ran->err);
    return fail(err.empty() ? fmt::format("{} failed ({})", program, ran->describe())
                            : fmt::format("{} failed ({}): {}", program, ran->describe(), err));
  }
  return std::move(*ran);
}

}  // namespace cairn::images::detail
