#include "activator/esp.hh"

#include <gtest/gtest.h>

#include "activator/fakes_test.hh"

namespace cairn::activator {
namespace {

using testing::FakeSystem;
using testing::TempDir;

const BlockDevice kEsp{"/dev/vda1", "254:1", {{"TYPE", "vfat"}, {"LABEL", "ESP"}}};
const BlockDevice kState{"/dev/vda2", "254:2", {{"TYPE", "ext4"}, {"LABEL", "cairn-state"}}};

const char* kMountinfo =
    "22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
    "30 1 254:2 /var /var rw,relatime shared:1 - ext4 /dev/vda2 rw\n"
    "41 1 254:1 / /boot\\040efi rw,relatime shared:20 master:3 - vfat /dev/vda1 rw,fmask=0077\n";

TEST(FindMountPoint, MatchesDeviceNumberAndWholeFileSystem) {
  EXPECT_EQ(find_mount_point(kMountinfo, kEsp), "/boot efi");
  // The state partition is mounted only in part (/var): not found.
  EXPECT_EQ(find_mount_point(kMountinfo, kState), std::nullopt);
  // Without a device number, the source path.
  EXPECT_EQ(find_mount_point(kMountinfo, BlockDevice{"/dev/vda1", "", {}}), "/boot efi");
  EXPECT_EQ(find_mount_point("", kEsp), std::nullopt);
  EXPECT_EQ(find_mount_point("garbage\n1 2 3\n", kEsp), std::nullopt);
}

TEST(MountEsp, UsesAnExistingMount) {
  TempDir root;
  root.write("proc/self/mountinfo", kMountinfo);
  FakeSystem system(root.path());
  system.devices = {kState, kEsp};
  {
    auto esp = mount_esp(root.path(), system);
    ASSERT_TRUE(esp) << esp.error().message;
    EXPECT_EQ(esp->path(), root.path() + "/boot efi");
    EXPECT_FALSE(esp->owned());
  }
  EXPECT_EQ(system.log, std::vector<std::string>{});
}

TEST(MountEsp, MountsAndUnmountsWhenNotMounted) {
  TempDir root;
  FakeSystem system(root.path());
  system.devices = {kState, kEsp};
  {
    auto esp = mount_esp(root.path(), system);
    ASSERT_TRUE(esp) << esp.error().message;
    EXPECT_EQ(esp->path(), root.path() + "/run/cairn/esp");
    EXPECT_TRUE(esp->owned());
    EXPECT_TRUE(root.exists("run/cairn/esp"));
  }
  EXPECT_EQ(system.log, (std::vector<std::string>{"mount /dev/vda1 /run/cairn/esp vfat nosuid,nodev,noexec",
                                                  "unmount /run/cairn/esp"}));
}

TEST(MountEsp, NoBootPartition) {
  TempDir root;
  FakeSystem system(root.path());
  system.devices = {kState};
  auto esp = mount_esp(root.path(), system);
  ASSERT_FALSE(esp);
  EXPECT_EQ(esp.error().message, "no boot partition (a FAT file system labelled ESP, or an EFI System partition)");
}

TEST(MountEsp, MountFailureIsReported) {
  TempDir root;
  FakeSystem system(root.path());
  system.devices = {kEsp};
  system.failing_mounts["/run/cairn/esp"] = "cannot mount /dev/vda1 on /run/cairn/esp (vfat): No such device";
  auto esp = mount_esp(root.path(), system);
  ASSERT_FALSE(esp);
  EXPECT_EQ(esp.error().message, "cannot mount /dev/vda1 on /run/cairn/esp (vfat): No such device");
}

}  // namespace
}  // namespace cairn::activator
