// modules/config/filesystems.nix: fileSystems and swapDevices as the
// closure's etc/fstab, the tools each type needs, and the assertions —
// evaluated as a host in a scratch repository with the real module library.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "builder/eval/test_hosts.hh"

namespace cairn::eval {
namespace {

using nlohmann::json;
using testing::requests;

json closure(const std::string& settings, std::string* error) { return testing::host_closure(settings, error); }

TEST(FileSystems, NoneConfiguredKeepsTheGeneratedFstab) {
  std::string error;
  json c = closure("", &error);
  ASSERT_FALSE(c.is_null()) << error;
  EXPECT_FALSE(c["etc"].contains("fstab"));  // compose writes its comment-only fstab
}

TEST(FileSystems, MountsAndSwapsAreFstabLinesSortedByMountPoint) {
  std::string error;
  json c = closure(R"(
    fileSystems."/srv/media" = { device = "nas:/export/media"; fsType = "nfs"; options = [ "nofail" "_netdev" ]; };
    fileSystems."/data" = { label = "data"; fsType = "ext4"; };
    fileSystems."/mnt/my stick" = { device = "UUID=1234-ABCD"; fsType = "vfat"; noCheck = true; options = [ "nofail" "umask=077" ]; };
    fileSystems.scratch = { mountPoint = "/scratch"; device = "tmpfs"; fsType = "tmpfs"; options = [ "size=1G" ]; };
    swapDevices = [ { label = "swap"; priority = 10; } { device = "/dev/disk/by-partlabel/swap2"; options = [ "nofail" ]; } ];
  )", &error);
  ASSERT_FALSE(c.is_null()) << error;
  ASSERT_TRUE(c["etc"].contains("fstab"));
  std::string text = c["etc"]["fstab"]["text"];
  std::string lines = text.substr(text.find("<pass>\n") + 7);
  EXPECT_EQ(lines,
            "LABEL=data /data ext4 defaults 0 2\n"
            "UUID=1234-ABCD /mnt/my\\040stick vfat nofail,umask=077 0 0\n"
            "tmpfs /scratch tmpfs size=1G 0 0\n"
            "nas:/export/media /srv/media nfs nofail,_netdev 0 0\n"
            "LABEL=swap none swap defaults,pri=10 0 0\n"
            "/dev/disk/by-partlabel/swap2 none swap nofail 0 0\n");
  EXPECT_TRUE(text.starts_with("# /etc/fstab: static file system information.\n"));
  // The tools to check and mount them come along; tmpfs needs none.
  EXPECT_TRUE(requests(c, "e2fsprogs"));
  EXPECT_TRUE(requests(c, "dosfstools"));
  EXPECT_TRUE(requests(c, "nfs-common"));
}

TEST(FileSystems, SwapAloneWritesFstabToo) {
  std::string error;
  json c = closure(R"(swapDevices = [ { label = "swap"; } ];)", &error);
  ASSERT_FALSE(c.is_null()) << error;
  std::string text = c["etc"]["fstab"]["text"];
  EXPECT_TRUE(text.ends_with("<pass>\nLABEL=swap none swap defaults 0 0\n")) << text;
}

TEST(FileSystems, TheGenerationsOwnPathsAreRefused) {
  for (std::string point : {"/", "/usr", "/usr/local", "/etc"}) {
    std::string error;
    json c = closure("fileSystems.\"" + point + "\" = { label = \"x\"; fsType = \"ext4\"; };", &error);
    EXPECT_TRUE(c.is_null()) << point;
    EXPECT_NE(error.find("fileSystems.\"" + point + "\": /, /usr and /etc belong to the generation"),
              std::string::npos)
        << error;
  }
  // /home on its own disk is an ordinary wish.
  std::string error;
  json c = closure(R"(fileSystems."/home" = { label = "home"; fsType = "ext4"; };)", &error);
  EXPECT_FALSE(c.is_null()) << error;
}

TEST(FileSystems, EntriesNeedOneSourceAndAnAbsoluteMountPoint) {
  std::string error;
  EXPECT_TRUE(closure(R"(fileSystems."/data" = { fsType = "ext4"; };)", &error).is_null());
  EXPECT_NE(error.find("fileSystems.\"/data\": set exactly one of device and label."), std::string::npos)
      << error;
  EXPECT_TRUE(closure(R"(fileSystems."/data" = { device = "/dev/sdb1"; label = "data"; };)", &error).is_null());
  EXPECT_NE(error.find("set exactly one of device and label"), std::string::npos) << error;
  EXPECT_TRUE(closure(R"(fileSystems."data/../x" = { device = "/dev/sdb1"; };)", &error).is_null());
  EXPECT_NE(error.find("fileSystems.\"data/../x\": a mount point is an absolute path without \"..\"."),
            std::string::npos)
      << error;
  EXPECT_TRUE(closure(R"(swapDevices = [ { } ];)", &error).is_null());
  EXPECT_NE(error.find("swapDevices: each entry sets exactly one of device and label."), std::string::npos)
      << error;
}

TEST(FileSystems, TypesAreChecked) {
  std::string error;
  EXPECT_TRUE(closure(R"(swapDevices = [ { label = "s"; priority = 40000; } ];)", &error).is_null());
  EXPECT_NE(error.find("priority"), std::string::npos) << error;
  EXPECT_TRUE(closure(R"(fileSystems."/d" = { device = ""; };)", &error).is_null());
  EXPECT_NE(error.find("device"), std::string::npos) << error;
}

}  // namespace
}  // namespace cairn::eval
