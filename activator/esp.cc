#include "activator/esp.hh"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "activator/devices.hh"
#include "base/files.hh"
#include "base/mountinfo.hh"

namespace cairn::activator {

Result<void> EspMount::release() {
  if (!owned_) return {};
  owned_ = false;
  return system_->unmount(path_);
}

std::optional<std::string> find_mount_point(std::string_view mountinfo, const BlockDevice& device) {
  for (const MountInfo& m : parse_mountinfo(mountinfo)) {
    if (!m.source || m.root != "/") continue;
    bool same = device.devno.empty() ? *m.source == device.path : m.devno == device.devno;
    if (same) return m.mount_point;
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
