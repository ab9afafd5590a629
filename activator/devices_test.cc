#include "activator/devices.hh"

#include <gtest/gtest.h>

namespace cairn::activator {
namespace {

BlockDevice dev(std::string path, std::map<std::string, std::string> tags) {
  return BlockDevice{std::move(path), "", std::move(tags)};
}

// A disk as the disk builder makes it, plus a USB stick.
const std::vector<BlockDevice> kDevices = {
    dev("/dev/vda", {{"PTTYPE", "gpt"}}),
    dev("/dev/vda1", {{"TYPE", "vfat"}, {"LABEL", "ESP"}, {"PARTLABEL", "ESP"},
                      {"PART_ENTRY_TYPE", "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"}}),
    dev("/dev/vda2", {{"TYPE", "ext4"}, {"LABEL", "cairn-state"}, {"UUID", "2f0d8c1e-5b1a-4c3e-9d7f-0a1b2c3d4e5f"},
                      {"PARTUUID", "6e3b1c2a-0000-4000-8000-000000000002"}}),
    dev("/dev/sda1", {{"TYPE", "vfat"}, {"LABEL", "STICK"}}),
};

TEST(Devices, FindsTheStatePartitionByEachTag) {
  for (const DeviceTag& tag : {DeviceTag{"LABEL", "cairn-state"},
                               DeviceTag{"UUID", "2F0D8C1E-5B1A-4C3E-9D7F-0A1B2C3D4E5F"},
                               DeviceTag{"PARTUUID", "6e3b1c2a-0000-4000-8000-000000000002"}}) {
    auto found = find_tagged(kDevices, tag);
    ASSERT_EQ(found.size(), 1u) << tag.to_string();
    EXPECT_EQ(found[0].path, "/dev/vda2");
  }
}

TEST(Devices, LabelsAreCaseSensitive) {
  EXPECT_TRUE(find_tagged(kDevices, DeviceTag{"LABEL", "Cairn-State"}).empty());
  EXPECT_TRUE(find_tagged(kDevices, DeviceTag{"LABEL", "nothing"}).empty());
}

TEST(Devices, BootPartitionByLabelThenNameThenType) {
  EXPECT_EQ(find_boot_partition(kDevices)->path, "/dev/vda1");

  // Preference: the file-system label beats the partition type of another.
  std::vector<BlockDevice> typed = {
      dev("/dev/sdb1", {{"TYPE", "vfat"}, {"PART_ENTRY_TYPE", "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"}}),
      dev("/dev/sdc1", {{"TYPE", "vfat"}, {"PARTLABEL", "ESP"}}),
  };
  EXPECT_EQ(find_boot_partition(typed)->path, "/dev/sdc1");
  typed.pop_back();
  EXPECT_EQ(find_boot_partition(typed)->path, "/dev/sdb1");
  // MBR's EFI System type.
  EXPECT_EQ(find_boot_partition({dev("/dev/mmcblk0p1", {{"TYPE", "vfat"}, {"PART_ENTRY_TYPE", "0xef"}})})->path,
            "/dev/mmcblk0p1");
}

TEST(Devices, BootPartitionMustBeFat) {
  EXPECT_FALSE(find_boot_partition({dev("/dev/vda1", {{"TYPE", "ext4"}, {"LABEL", "ESP"}})}));
  EXPECT_FALSE(find_boot_partition({dev("/dev/vda1", {{"LABEL", "ESP"}})}));
  EXPECT_FALSE(find_boot_partition({}));
}

}  // namespace
}  // namespace cairn::activator
