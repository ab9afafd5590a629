// Which block device is which: the state partition by the tag on the
// command line, the boot partition by its label or partition type. Pure
// matching over what `System::block_devices` probed.
#pragma once

#include <optional>
#include <vector>

#include "activator/cmdline.hh"
#include "activator/system.hh"

namespace cairn::activator {

/// GPT's partition type of an EFI System Partition, as libblkid spells it.
inline constexpr std::string_view kEspPartitionType = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";

/// True when `device` carries `tag`: LABEL compared exactly, UUID and
/// PARTUUID without regard to case.
bool has_tag(const BlockDevice& device, const DeviceTag& tag);

/// The devices carrying `tag`, in probe order (more than one is a
/// configuration mistake the caller reports).
std::vector<BlockDevice> find_tagged(const std::vector<BlockDevice>& devices, const DeviceTag& tag);

/// The boot partition: a FAT file system labelled "ESP" (bootloader::kEspLabel),
/// else one whose GPT partition is named "ESP", else one whose partition type
/// is EFI System (GPT, or 0xef on MBR). nullopt when there is none.
std::optional<BlockDevice> find_boot_partition(const std::vector<BlockDevice>& devices);

}  // namespace cairn::activator
