#include "activator/devices.hh"

#include <algorithm>
#include <cctype>

#include "bootloader/layout.hh"

namespace cairn::activator {

namespace {

bool equal_nocase(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::string_view tag_of(const BlockDevice& device, const std::string& name) {
  auto it = device.tags.find(name);
  return it == device.tags.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace

bool has_tag(const BlockDevice& device, const DeviceTag& tag) {
  auto it = device.tags.find(tag.name);
  if (it == device.tags.end()) return false;
  if (tag.name == "LABEL") return it->second == tag.value;
  return equal_nocase(it->second, tag.value);
}

std::vector<BlockDevice> find_tagged(const std::vector<BlockDevice>& devices, const DeviceTag& tag) {
  std::vector<BlockDevice> out;
  for (const BlockDevice& d : devices)
    if (has_tag(d, tag)) out.push_back(d);
  return out;
}

std::optional<BlockDevice> find_boot_partition(const std::vector<BlockDevice>& devices) {
  // In order of preference: the file-system label the disk builder writes,
  // the GPT partition name, the partition type.
  auto fat = [](const BlockDevice& d) { return tag_of(d, "TYPE") == "vfat"; };
  auto by = [&](auto&& pred) -> std::optional<BlockDevice> {
    for (const BlockDevice& d : devices)
      if (fat(d) && pred(d)) return d;
    return std::nullopt;
  };
  if (auto d = by([](const BlockDevice& d) { return tag_of(d, "LABEL") == bootloader::kEspLabel; })) return d;
  if (auto d = by([](const BlockDevice& d) { return tag_of(d, "PARTLABEL") == bootloader::kEspLabel; })) return d;
  return by([](const BlockDevice& d) {
    std::string_view type = tag_of(d, "PART_ENTRY_TYPE");
    return equal_nocase(type, kEspPartitionType) || type == "0xef";
  });
}

}  // namespace cairn::activator
