// File operations on the boot partition shared by the backends
// (partition_files.hh).
#include "bootloader/partition_files.hh"

#include <algorithm>
#include <filesystem>
#include <sys/stat.h>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/hash.hh"
#include "bootloader/esp_write.hh"

namespace cairn::bootloader {

bool is_file(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::optional<uint64_t> file_size(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return static_cast<uint64_t>(st.st_size);
}

Result<std::vector<std::string>> list_files(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return names;
    return fail(fmt::format("cannot list {}: {}", dir, ec.message()));
  }
  for (const auto& e : it) {
    std::error_code fec;
    if (e.is_regular_file(fec)) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<void> write_if_changed(const std::string& path, std::string_view contents) {
  if (is_file(path))
    if (auto old = read_file(path); old && *old == contents) return {};
  return write_file_atomic(path, contents);
}

Result<void> copy_if_changed(const std::string& source, const std::string& target) {
  // The sizes first: a differing size spares hashing both files.
  if (file_size(target) == file_size(source)) {
    auto a = sha256_file(source);
    auto b = sha256_file(target);
    if (a && b && *a == *b) return {};
  }
  return copy_file_durably(source, target);
}

Result<void> copy_shared_file(const std::string& source, const std::string& target) {
  // The name is the content's hash, so the size only guards against a copy
  // cut short (which copy_file_durably's rename makes unlikely anyway).
  if (file_size(target) && file_size(target) == file_size(source)) return {};
  if (auto r = copy_file_durably(source, target); !r) return std::unexpected(r.error().context("copying " + source));
  return {};
}

bool is_shared_file_name(std::string_view name) {
  constexpr size_t kHex = 64;
  if (name.size() != kHex + 7) return false;
  std::string_view tail = name.substr(kHex);
  if (tail != "-kernel" && tail != "-initrd") return false;
  return std::all_of(name.begin(), name.begin() + kHex,
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string partition_path(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (c == '\\') c = '/';
    if (c == '/' && (out.empty() || out.back() == '/')) continue;
    out += c;
  }
  return out;
}

}  // namespace cairn::bootloader
