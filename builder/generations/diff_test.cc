#include "builder/generations/diff.hh"

#include <gtest/gtest.h>

#include "builder/generations/test_store.hh"

namespace cairn::generations {
namespace {

using testing::TempStore;

TEST(Diff, PackagesAddedRemovedAndUpgraded) {
  Manifest a = TempStore::manifest("vm", {"bash=5.2.15-2", "nano=7.2-1", "systemd=252.38-1"}, 178'200'000);
  Manifest b = TempStore::manifest("vm", {"bash=5.2.15-2", "htop=3.2.2-2", "systemd=252.39-1"}, 180'000'000);
  a.etc = {{"hostname", "sha256:1"}, {"motd", "sha256:2"}};
  b.etc = {{"hostname", "sha256:3"}, {"issue", "sha256:4"}};
  b.units = {{"htop.service", "x"}};
  SystemDiff d = diff_manifests(a, b);
  EXPECT_EQ(format_diff(d, "generation 1", "generation 2"),
            "generation 1 → generation 2\n"
            "packages: 1 added, 1 removed, 1 changed\n"
            "  + htop 3.2.2-2\n"
            "  - nano 7.2-1\n"
            "  ~ systemd 252.38-1 → 252.39-1\n"
            "image: 178.2 MB → 180.0 MB (+1.8 MB)\n"
            "/etc: 1 added, 1 removed, 1 changed\n"
            "  + /etc/issue\n"
            "  - /etc/motd\n"
            "  ~ /etc/hostname\n"
            "units: 1 added, 0 removed, 0 changed\n"
            "  + htop.service\n");
}

TEST(Diff, SameSystemHasNoChanges) {
  Manifest a = TempStore::manifest("vm", {"bash=5"});
  SystemDiff d = diff_manifests(a, a);
  EXPECT_TRUE(d.packages.empty());
  EXPECT_TRUE(d.etc.empty());
  EXPECT_EQ(format_diff(d, "1", "1"), "1 → 1\npackages: unchanged\nimage: 1.0 kB → 1.0 kB (+0 B)\n");
}

TEST(Diff, JsonListsEveryChange) {
  SystemDiff d = diff_manifests(TempStore::manifest("vm", {"a=1"}), TempStore::manifest("vm", {"a=2"}));
  nlohmann::json j = diff_to_json(d);
  EXPECT_EQ(j["packages"][0]["from"], "1");
  EXPECT_EQ(j["packages"][0]["to"], "2");
}

TEST(Diff, SizesAreDecimal) {
  EXPECT_EQ(format_size(0), "0 B");
  EXPECT_EQ(format_size(999), "999 B");
  EXPECT_EQ(format_size(1500), "1.5 kB");
  EXPECT_EQ(format_size(-2'500'000, true), "-2.5 MB");
  EXPECT_EQ(format_size(3'000'000'000), "3.0 GB");
}

}  // namespace
}  // namespace cairn::generations
