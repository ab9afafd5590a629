#include "builder/compose/derived_cache.hh"

#include <unistd.h>

#include <filesystem>

namespace cairn::compose {

namespace fs = std::filesystem;

namespace {

// Hard link, or copy when that is not possible.
bool place(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  fs::remove(to, ec);
  if (::link(from.c_str(), to.c_str()) == 0) return true;
  return fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec) && !ec;
}

}  // namespace

std::optional<std::vector<std::string>> DerivedCache::restore(std::string_view kind, std::string_view key,
                                                              const std::string& staging) const {
  if (dir_.empty()) return std::nullopt;
  fs::path entry = fs::path(dir_) / kind / key;
  std::error_code ec;
  if (!fs::is_directory(entry, ec)) return std::nullopt;
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(entry, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_regular_file(ec)) files.push_back(fs::relative(it->path(), entry, ec).string());
  if (ec || files.empty()) return std::nullopt;
  for (const std::string& f : files)
    if (!place(entry / f, fs::path(staging) / f)) return std::nullopt;
  return files;
}

void DerivedCache::save(std::string_view kind, std::string_view key, const std::string& staging,
                        const std::vector<std::string>& files) const {
  if (dir_.empty() || files.empty()) return;
  fs::path final_dir = fs::path(dir_) / kind / key;
  std::error_code ec;
  if (fs::exists(final_dir, ec)) return;
  fs::create_directories(final_dir.parent_path(), ec);
  fs::path tmp = final_dir.parent_path() / (std::string(key) + ".tmp-" + std::to_string(::getpid()));
  fs::remove_all(tmp, ec);
  for (const std::string& f : files)
    if (!place(fs::path(staging) / f, tmp / f)) {
      fs::remove_all(tmp, ec);
      return;
    }
  if (::rename(tmp.c_str(), final_dir.c_str()) != 0) fs::remove_all(tmp, ec);
}

}  // namespace cairn::compose
