#include "builder/generations/profile.hh"

#include <gtest/gtest.h>

#include "builder/generations/test_store.hh"

namespace cairn::generations {
namespace {

using testing::TempStore;

TEST(Profile, FirstGenerationIsOneAndCurrent) {
  TempStore store;
  std::string sys = store.add_system("k1", TempStore::manifest("vm", {}));
  auto p = Profile::open(store.root(), "vm");
  ASSERT_TRUE(p.has_value());
  auto none = p->current();
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  auto g = p->add(sys);
  ASSERT_TRUE(g.has_value()) << g.error().message;
  EXPECT_EQ(g->number, 1u);
  auto all = p->list();
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].number, 1u);
  EXPECT_TRUE((*all)[0].current);
  EXPECT_EQ((*all)[0].system_dir, std::filesystem::canonical(sys).string());
  EXPECT_GT((*all)[0].created, 0);
  // The link is relative, so the store can move.
  EXPECT_EQ(std::filesystem::read_symlink(p->dir() + "/1").string(), "../../systems/k1-vm");
}

TEST(Profile, GenerationsCountUpAndTheNewestIsCurrent) {
  TempStore store;
  auto p = Profile::open(store.root(), "vm");
  ASSERT_TRUE(p.has_value());
  for (int i = 1; i <= 3; ++i) {
    std::string sys = store.add_system("k" + std::to_string(i), TempStore::manifest("vm", {}));
    ASSERT_TRUE(p->add(sys).has_value());
  }
  auto c = p->current();
  ASSERT_TRUE(c.has_value() && c->has_value());
  EXPECT_EQ((*c)->number, 3u);
  ASSERT_TRUE(p->set_current(2).has_value());
  EXPECT_EQ((*p->current())->number, 2u);
  EXPECT_EQ(*p->next_number(), 4u);
}

TEST(Profile, AGenerationMayBeNumberedPastTheNext) {
  TempStore store;
  auto p = Profile::open(store.root(), "vm");
  ASSERT_TRUE(p.has_value());
  ASSERT_TRUE(p->add(store.add_system("k1", TempStore::manifest("vm", {}))).has_value());
  auto g = p->add(store.add_system("k2", TempStore::manifest("vm", {})), 7);
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->number, 7u);
  EXPECT_EQ((*p->current())->number, 7u);
  // A floor below the next number changes nothing.
  auto h = p->add(store.add_system("k3", TempStore::manifest("vm", {})), 2);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->number, 8u);
}

TEST(Profile, CurrentGenerationCannotBeRemoved) {
  TempStore store;
  auto p = Profile::open(store.root(), "vm");
  ASSERT_TRUE(p->add(store.add_system("a", TempStore::manifest("vm", {}))).has_value());
  ASSERT_TRUE(p->add(store.add_system("b", TempStore::manifest("vm", {}))).has_value());
  auto r = p->remove(2);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "generation 2 of vm is the current one and is kept");
  EXPECT_TRUE(p->remove(1).has_value());
  EXPECT_EQ(p->list()->size(), 1u);
}

TEST(Profile, UnknownGenerationSaysHowToList) {
  TempStore store;
  auto p = Profile::open(store.root(), "vm");
  auto r = p->set_current(9);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "host vm has no generation 9; `cairn generations --host vm` lists them");
}

TEST(Profile, ResultLinkIsARoot) {
  TempStore store;
  std::string sys = store.add_system("k", TempStore::manifest("vm", {}));
  std::string link = store.root() + "/repo-result";
  ASSERT_TRUE(set_result_link(store.root(), link, sys).has_value());
  EXPECT_EQ(std::filesystem::read_symlink(link).string(), sys);
  size_t roots = 0;
  for (auto& e : std::filesystem::directory_iterator(store.root() + "/roots")) {
    EXPECT_EQ(std::filesystem::read_symlink(e.path()).string(), link);
    ++roots;
  }
  EXPECT_EQ(roots, 1u);
}

}  // namespace
}  // namespace cairn::generations
