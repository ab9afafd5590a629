#include "builder/cli/self_copy.hh"

#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/hash.hh"
#include "base/subprocess.hh"

namespace cairn::cli {

Result<std::string> builder_for_image(const std::string& exe, const std::string& sha256,
                                      const std::string& cache_dir) {
  std::string cached = fmt::format("{}/cairn-{}", cache_dir, sha256);
  if (::access(cached.c_str(), X_OK) == 0) return cached;
  if (!find_program("strip")) return exe;
  std::error_code ec;
  std::filesystem::create_directories(cache_dir, ec);
  if (ec) return fail(fmt::format("cannot create {}: {}", cache_dir, ec.message()));
  std::string tmp = fmt::format("{}.tmp-{}", cached, ::getpid());
  auto ran = run("strip", {"--strip-debug", "-o", tmp, exe});
  if (!ran) return std::unexpected(ran.error());
  if (!ran->success()) {
    std::remove(tmp.c_str());
    return fail(fmt::format("strip --strip-debug {} {}: {}", exe, ran->describe(), quote_stderr(ran->err)));
  }
  if (::rename(tmp.c_str(), cached.c_str()) != 0) {
    std::remove(tmp.c_str());
    return fail(fmt::format("renaming {} to {}: {}", tmp, cached, std::strerror(errno)));
  }
  return cached;
}

Result<StdlibFiles> stdlib_for_image(const std::string& stdlib_dir) {
  namespace fs = std::filesystem;
  StdlibFiles out;
  std::error_code ec;
  std::vector<std::string> relative;
  for (auto it = fs::recursive_directory_iterator(stdlib_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_regular_file(ec) && !it->is_symlink(ec))
      relative.push_back(fs::relative(it->path(), stdlib_dir).string());
  if (ec) return fail(fmt::format("cannot list the module library {}: {}", stdlib_dir, ec.message()));
  std::ranges::sort(relative);
  std::string all;
  for (const std::string& rel : relative) {
    std::string source = stdlib_dir + "/" + rel;
    auto text = read_file(source);
    if (!text) return std::unexpected(text.error());
    all += fmt::format("{} {}\n", rel, sha256_hex(*text));
    out.files.push_back({std::string(kStdlibInImage) + "/" + rel, source, 0644});
  }
  out.sha256 = sha256_hex(all);
  return out;
}

}  // namespace cairn::cli
