#include "activator/esp.hh"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "activator/devices.hh"
#include "base/files.hh"

namespace cairn::activator {

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s) {
  auto octal = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && octal(s[i + 1]) && octal(s[i + 2]) && octal(s[i + 3])) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < line.size()) {
    size_t end = line.find(' ', pos);
    if (end == std::string_view::npos) end = line.size();
    if (end > pos) out.push_back(line.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

}  // namespace

Result<void> EspMount::release() {
  if (!owned_) return {};
  owned_ = false;
  return system_->unmount(path_);
}

std::optional<std::string> find_mount_point(std::string_view mountinfo, const BlockDevice& device) {
  size_t pos = 0;
  while (pos < mountinfo.size()) {
    size_t end = mountinfo.find('\n', pos);
    if (end == std::string_view::npos) end = mountinfo.size();
    auto f = fields(mountinfo.substr(pos, end - pos));
    pos = end + 1;
    // id parent major:minor root mount-point options [optional…] - type source super-options
    size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (f.size() < 6 || dash + 2 >= f.size() || f[3] != "/") continue;
    bool same = device.devno.empty() ? unescape(f[dash + 2]) == device.path : f[2] == device.devno;
    if (same) return unescape(f[4]);
  }
  return std::nullopt;
}

Result<EspMount> mount_esp(const std::string& root, System& system) {
  auto devices = system.block_devices(root);
  if (!devices) return std::unexpected(devices.error().context("looking for the boot partition"));
  auto esp = find_boot_partition(*devices);
  if (!esp) return fail("no boot partition (a FAT file system labelled ESP, or an EFI System partition)");

  if (auto info = read_file(root + "/proc/self/mountinfo"))
    if (auto at = find_mount_point(*info, *esp)) return EspMount(system, root + *at, *esp, false);

  std::string dir = root + std::string(kEspDir);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail("cannot create " + dir + ": " + ec.message());
  auto mounted = system.mount(root + esp->path, dir, "vfat", "nosuid,nodev,noexec");
  if (!mounted) return std::unexpected(mounted.error());
  return EspMount(system, dir, *esp, true);
}

}  // namespace cairn::activator
