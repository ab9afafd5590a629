#include "builder/generations/manifest.hh"

#include <gtest/gtest.h>

#include "builder/generations/test_store.hh"

namespace cairn::generations {
namespace {

using testing::TempStore;

TEST(Manifest, RoundTripsThroughItsFile) {
  TempStore store;
  Manifest m = TempStore::manifest("vm", {"bash=5.2.15-2", "coreutils=9.1-1"});
  m.etc = {{"hostname", "sha256:" + std::string(64, '1')}, {"mtab", "symlink:../proc/self/mounts"}};
  m.units = {{"sshd.service", std::string(64, '2')}};
  m.uids = {{"root", 0}, {"messagebus", 999}};
  m.gids = {{"root", 0}};
  m.alternatives = {{"awk", "/usr/bin/mawk"}};
  m.boot = {{"loader", "systemd-boot"}, {"tries", 2}};
  m.build_inputs = {{"cairn", "0.1.0"}};
  m.initrd_modules = {"kernel/fs/ext4/ext4.ko"};
  std::string dir = store.add_system("k", m);
  auto back = read_manifest(dir);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, m);
}

TEST(Manifest, SameManifestIsTheSameBytes) {
  Manifest m = TempStore::manifest("vm", {"b=1", "a=2"});
  EXPECT_EQ(format_manifest(m), format_manifest(m));
  EXPECT_TRUE(format_manifest(m).ends_with("}\n"));
  // Keys sorted: "architecture" comes before "boot".
  EXPECT_LT(format_manifest(m).find("\"architecture\""), format_manifest(m).find("\"boot\""));
}

TEST(Manifest, MissingMemberNamesItsPath) {
  nlohmann::json j = to_json(TempStore::manifest("vm", {"bash=5"}));
  j["packages"][0].erase("version");
  auto r = manifest_from_json(j, "x/manifest.json");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "x/manifest.json: packages[0].version: expected a value (it is missing); the system directory is "
            "damaged, delete it and build again");
}

TEST(Manifest, WrongTypeNamesItsPath) {
  nlohmann::json j = to_json(TempStore::manifest("vm", {}));
  j["image"]["size"] = "big";
  auto r = manifest_from_json(j, "m.json");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "m.json: image.size: expected an integer; the system directory is damaged, delete it and build again");
}

TEST(Manifest, UnknownFormatSaysToRebuild) {
  nlohmann::json j = to_json(TempStore::manifest("vm", {}));
  j["format"] = 7;
  auto r = manifest_from_json(j, "m.json");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "m.json: format 7 is not known to this cairn (it reads format 1); build the system again with this cairn");
}

TEST(Manifest, NotJsonIsAnError) {
  TempStore store;
  std::filesystem::create_directories(store.root() + "/s");
  std::ofstream(store.root() + "/s/manifest.json") << "{ not json";
  auto r = read_manifest(store.root() + "/s");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("manifest.json: not valid JSON"), std::string::npos);
}

}  // namespace
}  // namespace cairn::generations
