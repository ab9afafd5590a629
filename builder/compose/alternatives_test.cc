// Tests of the alternatives pass (alternatives.hh) on small trees.
#include "builder/compose/alternatives.hh"

#include <filesystem>

#include <gtest/gtest.h>

#include "builder/compose/test_packages.hh"

namespace cairn::compose {
namespace {

using testing::FakeEntry;
using testing::make_package_dir;

class AlternativesTest : public ::testing::Test {
 protected:
  std::string root_ = ::testing::TempDir() + "alternatives-test";
  RootTree tree_;

  void SetUp() override { std::filesystem::remove_all(root_); }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void add(const std::string& name, std::vector<FakeEntry> entries) {
    PackageDir pkg = make_package_dir(root_ + "/" + name, name, std::move(entries));
    auto r = tree_.add_package(pkg);
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }

  std::string link_of(std::string_view path) {
    const Node* n = tree_.find(path);
    if (!n) return "(absent)";
    if (n->type != EntryType::symlink) return "(not a link)";
    return n->target;
  }

  static Alternative pager(std::string path, int64_t priority, std::string package,
                           std::vector<Alternative::Slave> slaves = {}) {
    return Alternative{"/usr/bin/pager", "pager", std::move(path), priority, std::move(slaves), std::move(package)};
  }
};

TEST_F(AlternativesTest, HighestPriorityWinsAndLinksGoThroughEtcAlternatives) {
  add("util-linux", {{.path = "/bin/more", .mode = 0755}, {.path = "/usr/share/man/man1/more.1.gz"}});
  add("less", {{.path = "/usr/bin/less", .mode = 0755}, {.path = "/usr/share/man/man1/less.1.gz"}});
  tree_.add_skeleton();
  auto r = apply_alternatives(
      tree_,
      {pager("/bin/more", 50, "util-linux", {{"/usr/share/man/man1/pager.1.gz", "pager.1.gz", "/usr/share/man/man1/more.1.gz"}}),
       pager("/usr/bin/less", 77, "less",
             {{"/usr/share/man/man1/pager.1.gz", "pager.1.gz", "/usr/share/man/man1/less.1.gz"}})},
      {});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->chosen.size(), 1u);
  const AlternativeChoice& c = r->chosen[0];
  EXPECT_EQ(c.path, "/usr/bin/less");
  EXPECT_EQ(c.package, "less");
  EXPECT_FALSE(c.configured);
  EXPECT_EQ(c.candidates, (std::vector<std::string>{"/usr/bin/less (priority 77, package less)",
                                                    "/bin/more (priority 50, package util-linux)"}));
  EXPECT_EQ(link_of("etc/alternatives/pager"), "/usr/bin/less");
  EXPECT_EQ(link_of("usr/bin/pager"), "/etc/alternatives/pager");
  EXPECT_EQ(link_of("etc/alternatives/pager.1.gz"), "/usr/share/man/man1/less.1.gz");
  EXPECT_EQ(link_of("usr/share/man/man1/pager.1.gz"), "/etc/alternatives/pager.1.gz");
  EXPECT_TRUE(r->warnings.empty());
}

TEST_F(AlternativesTest, EqualPrioritiesGoToTheLexicallySmallestPath) {
  add("a", {{.path = "/usr/bin/zpager", .mode = 0755}, {.path = "/usr/bin/apager", .mode = 0755}});
  tree_.add_skeleton();
  auto r = apply_alternatives(tree_, {pager("/usr/bin/zpager", 10, "a"), pager("/usr/bin/apager", 10, "a")}, {});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->chosen[0].path, "/usr/bin/apager");
}

TEST_F(AlternativesTest, OnlyCandidatesWhosePathIsInTheTreeCount) {
  add("util-linux", {{.path = "/bin/more", .mode = 0755}});
  tree_.add_skeleton();
  auto r = apply_alternatives(tree_, {pager("/usr/bin/less", 77, "less"), pager("/bin/more", 50, "util-linux")}, {});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->chosen[0].path, "/bin/more");
  EXPECT_EQ(r->chosen[0].candidates, (std::vector<std::string>{"/bin/more (priority 50, package util-linux)"}));
  EXPECT_EQ(link_of("etc/alternatives/pager"), "/bin/more");
}

TEST_F(AlternativesTest, LinksAndPathsUnderBinLandInMergedUsr) {
  // cpio: update-alternatives --install /bin/mt mt /bin/mt-gnu 10
  add("cpio", {{.path = "/bin/mt-gnu", .mode = 0755}});
  tree_.add_skeleton();
  auto r = apply_alternatives(tree_, {Alternative{"/bin/mt", "mt", "/bin/mt-gnu", 10, {}, "cpio"}}, {});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(link_of("usr/bin/mt"), "/etc/alternatives/mt");
  EXPECT_EQ(link_of("etc/alternatives/mt"), "/bin/mt-gnu");
  EXPECT_NE(tree_.resolve("bin/mt"), nullptr) << "/bin/mt resolves through bin → usr/bin";
}

TEST_F(AlternativesTest, ASlaveWhosePathIsMissingGetsNoLink) {
  add("mawk", {{.path = "/usr/bin/mawk", .mode = 0755}});
  tree_.add_skeleton();
  auto r = apply_alternatives(
      tree_,
      {Alternative{"/usr/bin/awk", "awk", "/usr/bin/mawk", 5,
                   {{"/usr/share/man/man1/awk.1.gz", "awk.1.gz", "/usr/share/man/man1/mawk.1.gz"},
                    {"/usr/bin/nawk", "nawk", "/usr/bin/mawk"}},
                   "mawk"}},
      {});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(link_of("usr/bin/nawk"), "/etc/alternatives/nawk");
  EXPECT_EQ(link_of("etc/alternatives/nawk"), "/usr/bin/mawk");
  EXPECT_EQ(link_of("usr/share/man/man1/awk.1.gz"), "(absent)");
  EXPECT_EQ(link_of("etc/alternatives/awk.1.gz"), "(absent)");
  EXPECT_EQ(r->chosen[0].slaves, (std::vector<Alternative::Slave>{{"/usr/bin/nawk", "nawk", "/usr/bin/mawk"}}));
}

TEST_F(AlternativesTest, AConfiguredChoiceWinsOverPriority) {
  add("util-linux", {{.path = "/bin/more", .mode = 0755}});
  add("less", {{.path = "/usr/bin/less", .mode = 0755}});
  tree_.add_skeleton();
  auto r = apply_alternatives(tree_, {pager("/bin/more", 50, "util-linux"), pager("/usr/bin/less", 77, "less")},
                              {{"pager", "/usr/bin/more"}});  // the same file as /bin/more under merged /usr
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->chosen[0].path, "/bin/more");
  EXPECT_TRUE(r->chosen[0].configured);
  EXPECT_EQ(link_of("etc/alternatives/pager"), "/bin/more");
}

TEST_F(AlternativesTest, AnUnknownChoiceIsAnErrorNamingTheCandidates) {
  add("util-linux", {{.path = "/bin/more", .mode = 0755}});
  add("less", {{.path = "/usr/bin/less", .mode = 0755}});
  tree_.add_skeleton();
  auto r = apply_alternatives(tree_, {pager("/bin/more", 50, "util-linux"), pager("/usr/bin/less", 77, "less")},
                              {{"pager", "/usr/bin/most"}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "alternatives.pager is set to /usr/bin/most, which is not one of its candidates in this system: "
            "/usr/bin/less (priority 77, package less); /bin/more (priority 50, package util-linux); set it to one "
            "of them, or add the package that provides /usr/bin/most");
  EXPECT_EQ(tree_.find("etc/alternatives/pager"), nullptr);
}

TEST_F(AlternativesTest, AChoiceForANameNoPackageProvidesIsAnError) {
  add("less", {{.path = "/usr/bin/less", .mode = 0755}});
  tree_.add_skeleton();
  auto r = apply_alternatives(tree_, {pager("/usr/bin/less", 77, "less")}, {{"editor", "/usr/bin/vim"}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "alternatives.editor is set to /usr/bin/vim, but no installed package provides an alternative named "
            "`editor`; the names are: pager");
}

TEST_F(AlternativesTest, ARealFileAtTheLinkIsLeftAloneWithAWarning) {
  add("less", {{.path = "/usr/bin/less", .mode = 0755}, {.path = "/usr/bin/pager", .mode = 0755}});
  tree_.add_skeleton();
  auto r = apply_alternatives(tree_, {pager("/usr/bin/less", 77, "less")}, {});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(link_of("usr/bin/pager"), "(not a link)");
  EXPECT_EQ(r->warnings, (std::vector<std::string>{
                             "alternatives: usr/bin/pager is a file of package less, not replacing it with a link "
                             "to /etc/alternatives/pager, ignoring"}));
}

TEST_F(AlternativesTest, ANameWithoutAnyInstalledCandidateIsSkippedWithAWarning) {
  tree_.add_skeleton();
  auto r = apply_alternatives(tree_, {pager("/usr/bin/less", 77, "less")}, {});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(r->chosen.empty());
  EXPECT_EQ(r->warnings,
            (std::vector<std::string>{"alternatives: no candidate of `pager` is installed (/usr/bin/less), ignoring"}));
  EXPECT_EQ(tree_.find("usr/bin/pager"), nullptr);
}

}  // namespace
}  // namespace cairn::compose
