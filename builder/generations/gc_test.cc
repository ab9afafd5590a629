#include "builder/generations/gc.hh"

#include <gtest/gtest.h>

#include "builder/generations/profile.hh"
#include "builder/generations/test_store.hh"

namespace cairn::generations {
namespace {

namespace fs = std::filesystem;
using testing::TempStore;

// A store with three generations of vm (packages a, then a+b, then b+c) and
// each package's .deb and unpacked tree.
struct GcStore : TempStore {
  GcStore() {
    auto p = Profile::open(root(), "vm");
    systems.push_back(add_system("k1", manifest("vm", {"a=1"})));
    systems.push_back(add_system("k2", manifest("vm", {"a=1", "b=1"})));
    systems.push_back(add_system("k3", manifest("vm", {"b=1", "c=1"})));
    for (const std::string& s : systems) EXPECT_TRUE(p->add(s).has_value());
    for (std::string name : {"a", "b", "c", "d"}) {
      std::string sha = std::string(63, '0') + name;
      fs::create_directories(root() + "/debs");
      std::ofstream(root() + "/debs/" + sha + ".deb") << std::string(5000, 'd');
      fs::create_directories(root() + "/pkgs/" + sha + "-" + name + "_1_amd64/root/usr");
      std::ofstream(root() + "/pkgs/" + sha + "-" + name + "_1_amd64/root/usr/f") << "x";
    }
  }
  bool has_deb(char c) const { return fs::exists(root() + "/debs/" + std::string(63, '0') + c + ".deb"); }
  std::vector<std::string> systems;
};

TEST(Gc, WithoutOptionsOnlyUnreferencedPackagesGo) {
  GcStore store;
  auto r = collect_garbage(store.root(), {});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(r->generations.empty());
  EXPECT_EQ(r->systems, 0u);
  EXPECT_EQ(r->debs, 1u);  // d: no system uses it
  EXPECT_EQ(r->packages, 1u);
  EXPECT_FALSE(store.has_deb('d'));
  EXPECT_TRUE(store.has_deb('a'));
  EXPECT_GT(r->bytes, 5000u);
}

TEST(Gc, KeepOneRemovesOlderGenerationsTheirSystemsAndPackages) {
  GcStore store;
  GcOptions o;
  o.keep = 1;
  auto r = collect_garbage(store.root(), o);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->generations, (std::vector<std::string>{"vm 1", "vm 2"}));
  EXPECT_EQ(r->systems, 2u);
  EXPECT_FALSE(fs::exists(store.systems[0]));
  EXPECT_TRUE(fs::exists(store.systems[2]));
  EXPECT_FALSE(store.has_deb('a'));
  EXPECT_TRUE(store.has_deb('b'));
  EXPECT_TRUE(store.has_deb('c'));
}

TEST(Gc, CurrentGenerationStaysEvenWhenOld) {
  GcStore store;
  auto p = Profile::open(store.root(), "vm");
  ASSERT_TRUE(p->set_current(1).has_value());
  GcOptions o;
  o.older_than = 0;
  o.now = ::time(nullptr) + 10;
  auto r = collect_garbage(store.root(), o);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->generations, (std::vector<std::string>{"vm 2", "vm 3"}));
  EXPECT_TRUE(fs::exists(store.systems[0]));
  EXPECT_TRUE(store.has_deb('a'));
  EXPECT_FALSE(store.has_deb('c'));
}

TEST(Gc, ResultLinkKeepsItsSystem) {
  GcStore store;
  std::string link = store.root() + "/result";
  ASSERT_TRUE(set_result_link(store.root(), link, store.systems[0]).has_value());
  GcOptions o;
  o.keep = 1;
  auto r = collect_garbage(store.root(), o);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(fs::exists(store.systems[0]));
  EXPECT_FALSE(fs::exists(store.systems[1]));
  EXPECT_TRUE(store.has_deb('a'));
  // Once the link points elsewhere, the root no longer holds it.
  fs::remove(link);
  r = collect_garbage(store.root(), o);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(fs::exists(store.systems[0]));
}

TEST(Gc, LockedPackagesStay) {
  GcStore store;
  GcOptions o;
  o.keep_packages = {std::string(63, '0') + "d"};
  auto r = collect_garbage(store.root(), o);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(store.has_deb('d'));
}

TEST(Gc, DryRunRemovesNothing) {
  GcStore store;
  GcOptions o;
  o.keep = 1;
  o.dry_run = true;
  auto r = collect_garbage(store.root(), o);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->systems, 2u);
  EXPECT_TRUE(fs::exists(store.systems[0]));
  EXPECT_TRUE(store.has_deb('d'));
}

TEST(Gc, DurationsParse) {
  EXPECT_EQ(parse_duration("30d"), 30 * 86400);
  EXPECT_EQ(parse_duration("2w"), 14 * 86400);
  EXPECT_EQ(parse_duration("12h"), 12 * 3600);
  EXPECT_EQ(parse_duration("d"), std::nullopt);
  EXPECT_EQ(parse_duration("5y"), std::nullopt);
  EXPECT_EQ(parse_duration("-1d"), std::nullopt);
}

}  // namespace
}  // namespace cairn::generations
