// The boot partition (the ESP on a PC), mounted for as long as the
// activator needs it: to mark a failed generation bad from the initramfs,
// to mark the booted one good (`cairn-activate bless`), to show the
// entries (`status`). Where it is already mounted (/boot, /efi) that mount
// is used; otherwise it is mounted at /run/cairn/esp and unmounted again.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "activator/system.hh"
#include "base/error.hh"
#include "bootloader/layout.hh"

namespace cairn::activator {

/// Where the activator mounts the boot partition, relative to the root.
inline constexpr std::string_view kEspDir = bootloader::kEspMountDir;

/// The boot partition, mounted. Owns the mount when it made it: destroying
/// the object or calling `release` unmounts it.
class EspMount {
 public:
  EspMount(System& system, std::string path, BlockDevice device, bool owned)
      : system_(&system), path_(std::move(path)), device_(std::move(device)), owned_(owned) {}
  EspMount(EspMount&& other) noexcept
      : system_(other.system_), path_(std::move(other.path_)), device_(std::move(other.device_)),
        owned_(std::exchange(other.owned_, false)) {}
  EspMount& operator=(EspMount&&) = delete;
  ~EspMount() { (void)release(); }

  /// The mount point, root prefix included: what the boot-loader backend takes.
  const std::string& path() const { return path_; }
  const BlockDevice& device() const { return device_; }
  /// True when this object mounted it (and will unmount it).
  bool owned() const { return owned_; }
  /// Unmounts now if this object mounted it, reporting failure; idempotent.
  [[nodiscard]] Result<void> release();

 private:
  System* system_;
  std::string path_;
  BlockDevice device_;
  bool owned_;
};

/// Where the file system on `device` is mounted whole (its root at the
/// mount point), according to `mountinfo` (/proc/self/mountinfo's text);
/// nullopt when it is not. Matches the device number, or the source path
/// when the number is unknown.
std::optional<std::string> find_mount_point(std::string_view mountinfo, const BlockDevice& device);

/// Finds the boot partition among the block devices (devices.hh) and
/// returns its mount: the existing one (per root/proc/self/mountinfo), or a
/// new one at root/run/cairn/esp (vfat). Errors: "no boot partition (a FAT
/// file system labelled ESP, or an EFI System partition)", "mounting …: …".
[[nodiscard]] Result<EspMount> mount_esp(const std::string& root, System& system);

}  // namespace cairn::activator
