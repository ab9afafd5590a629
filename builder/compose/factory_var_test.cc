#include "builder/compose/factory_var.hh"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "base/files.hh"
#include "base/lines.hh"
#include "base/subprocess.hh"
#include "base/temp_dir_test.hh"
#include "builder/compose/test_packages.hh"

namespace cairn::compose {
namespace {

namespace fs = std::filesystem;
using testing::FakeEntry;
using testing::make_package_dir;

FakeEntry dir(std::string path, uint32_t mode = 0755, uint32_t uid = 0, uint32_t gid = 0) {
  return FakeEntry{.path = std::move(path), .type = EntryType::dir, .mode = mode, .uid = uid, .gid = gid};
}
FakeEntry file(std::string path, std::string content) {
  return FakeEntry{.path = std::move(path), .content = std::move(content)};
}
FakeEntry link(std::string path, std::string target) {
  return FakeEntry{.path = std::move(path), .type = EntryType::symlink, .mode = 0777, .target = std::move(target)};
}

class FactoryVarTest : public ::testing::Test {
 protected:
  void add(const std::string& name, std::vector<FakeEntry> entries) {
    auto ok = tree_.add_package(make_package_dir(tmp_ / ("pkgs/" + name), name, std::move(entries)));
    ASSERT_TRUE(ok) << ok.error().message;
  }
  // seed_var(), which must succeed; its conf file's lines after the header.
  std::string seed() {
    tree_.add_skeleton();
    auto seeded = seed_var(tree_);
    EXPECT_TRUE(seeded) << seeded.error().message;
    if (!seeded) return "";
    warnings_ = seeded->warnings;
    auto text = tree_.read(kSeedVarConf);
    if (!text) return "<no file>";
    std::string out;
    for (std::string_view line : split_lines(*text))
      if (!line.starts_with("#")) out += std::string(line) + "\n";
    return out;
  }

  TempDir tmp_{"factory-var"};
  RootTree tree_;
  std::vector<std::string> warnings_;
};

TEST_F(FactoryVarTest, MovesVarToTheFactoryAndWritesALinePerEntry) {
  add("polkitd", {dir("/var/lib/polkit-1", 0700, 988, 0),
                  file("/var/lib/polkit-1/localauthority/10-vendor.d/nm.pkla", "[nm]\n")});
  add("base-files", {dir("/var/mail", 02775, 0, 8), dir("/var/run"), dir("/var/lock")});
  add("odd", {link("/var/lib/odd/a link", "../x y%\\z"), dir("/var/lib/odd/50%")});
  EXPECT_EQ(seed(),
            "d /var/lib :0755 :0 :0 -\n"
            "d /var/lib/odd :0755 :0 :0 -\n"
            "d /var/lib/odd/50%% :0755 :0 :0 -\n"
            "L /var/lib/odd/a\\ link - - - - ../x\\x20y%%\\\\z\n"
            "d /var/lib/polkit-1 :0700 :988 :0 -\n"
            "d /var/lib/polkit-1/localauthority :0755 :0 :0 -\n"
            "d /var/lib/polkit-1/localauthority/10-vendor.d :0755 :0 :0 -\n"
            "C /var/lib/polkit-1/localauthority/10-vendor.d/nm.pkla - - - -\n"
            "d /var/mail :2775 :0 :8 -\n");
  EXPECT_TRUE(warnings_.empty());
  // The image's var/ is a mount point and the skeleton's two symlinks.
  EXPECT_EQ(tree_.list("var"), (std::vector<std::string>{"var/lock", "var/run"}));
  const Node* polkit = tree_.find("usr/share/factory/var/lib/polkit-1");
  ASSERT_NE(polkit, nullptr);
  EXPECT_EQ(polkit->mode, 0700u);
  EXPECT_EQ(polkit->uid, 988u);
  auto pkla = tree_.read("usr/share/factory/var/lib/polkit-1/localauthority/10-vendor.d/nm.pkla");
  ASSERT_TRUE(pkla) << pkla.error().message;
  EXPECT_EQ(*pkla, "[nm]\n");
}

TEST_F(FactoryVarTest, PathsAnotherTmpfilesFileNamesAreLeftToIt) {
  add("pkgs", {dir("/var/cache/man"), dir("/var/lib/dpkg/info"), file("/var/lib/dpkg/status", ""),
               dir("/var/lib/my dir"), dir("/var/spool/cron"), dir("/var/tmp", 01777)});
  tree_.set_file("usr/lib/tmpfiles.d/var.conf",
                 "# systemd's\nq /var 0755 - - -\nd /var/cache 0755 - - -\nd /var/lib 0755 - - -\n"
                 "d /var/spool 0755 - - -\n");
  tree_.set_file("usr/lib/tmpfiles.d/tmp.conf", "D /tmp 1777 root root -\nq /var/tmp 1777 root root 30d\n");
  tree_.set_file("usr/lib/tmpfiles.d/cairn-dpkg.conf", "L+ /var/lib/dpkg - - - - /usr/lib/cairn/dpkg\n");
  tree_.set_file("etc/tmpfiles.d/cairn.conf", "d \"/var/lib/my dir\" 0700 - - -\n");
  // An /etc file of the same name masks the one in /usr/lib.
  tree_.set_file("usr/lib/tmpfiles.d/cron.conf", "d /var/spool/cron 0755 - - -\n");
  tree_.set_file("usr/lib/tmpfiles.d/man-db.conf", "d /var/cache/man/ 0755 man man -\n");  // a trailing slash
  tree_.set_symlink("etc/tmpfiles.d/cron.conf", "/dev/null");
  EXPECT_EQ(seed(), "d /var/spool/cron :0755 :0 :0 -\n");
  // Moved all the same: what the other files copy may come from there.
  EXPECT_NE(tree_.find("usr/share/factory/var/lib/dpkg/status"), nullptr);
}

TEST_F(FactoryVarTest, NothingUnderVarWritesNoFile) {
  add("coreutils", {file("/usr/bin/ls", "ls")});
  EXPECT_EQ(seed(), "<no file>");
  EXPECT_EQ(tree_.find("usr/share/factory"), nullptr);
  EXPECT_EQ(tree_.list("var"), (std::vector<std::string>{"var/lock", "var/run"}));
}

TEST_F(FactoryVarTest, APathWithAControlCharacterIsAWarningNotALine) {
  add("odd", {dir("/var/lib/new\nline"), dir("/var/lib/fine")});
  EXPECT_EQ(seed(),
            "d /var/lib :0755 :0 :0 -\n"
            "d /var/lib/fine :0755 :0 :0 -\n");
  EXPECT_EQ(warnings_, (std::vector<std::string>{
                           "/var/lib/new\nline is not made on the machine: tmpfiles.d cannot name a path with a "
                           "control character"}));
}

TEST_F(FactoryVarTest, ATopDirectoryWhoseFactoryPlaceIsTakenStaysWithAWarning) {
  add("a", {dir("/var/lib/a"), dir("/var/lib-x/y"), file("/usr/share/factory/var/lib", "a file")});
  EXPECT_EQ(seed(), "d /var/lib-x :0755 :0 :0 -\nd /var/lib-x/y :0755 :0 :0 -\n");
  EXPECT_EQ(warnings_, (std::vector<std::string>{
                           "/var/lib stays in the image's /var, where the machine never sees it: moving var/lib to "
                           "usr/share/factory/var/lib: the destination exists"}));
  EXPECT_NE(tree_.find("var/lib/a"), nullptr);
}

TEST(TmpfilesFields, EscapeWhatSystemdWouldReadDifferently) {
  EXPECT_EQ(tmpfiles_path("/var/lib/plain"), "/var/lib/plain");
  EXPECT_EQ(tmpfiles_path("/var/a b\t\"c'\\%"), "/var/a\\ b\\\t\\\"c\\'\\\\%%");
  EXPECT_EQ(tmpfiles_argument("../a b%\\\x01"), "../a\\x20b%%\\\\\\x01");
}

// The real systemd-tmpfiles, on the staged tree: what the lines make.
TEST_F(FactoryVarTest, SystemdTmpfilesMakesTheEntriesAndLeavesLaterChangesAlone) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: systemd-tmpfiles sets owners";
  auto tmpfiles = find_program("systemd-tmpfiles");
  if (!tmpfiles) GTEST_SKIP() << tmpfiles.error().message;
  add("pkgs", {dir("/var/lib/polkit-1", 0700, 988, 0), file("/var/lib/polkit-1/vendor.pkla", "[v]\n"),
               dir("/var/mail", 02775, 0, 8), link("/var/lib/odd/a link", "../x y%"), dir("/var/lib/odd/50%")});
  seed();
  std::string root = tmp_ / "root";
  auto staged = tree_.materialize(root);
  ASSERT_TRUE(staged) << staged.error().message;
  fs::remove_all(root + "/var");  // the machine's /var: the state partition
  fs::create_directory(root + "/var");
  auto run_tmpfiles = [&] {
    auto r = run(*tmpfiles, {"--create", "--root=" + root, root + "/" + std::string(kSeedVarConf)});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->success()) << r->describe() << ": " << r->err;
  };
  run_tmpfiles();
  struct stat st {};
  ASSERT_EQ(::stat((root + "/var/lib/polkit-1").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(st.st_uid, 988u);
  ASSERT_EQ(::stat((root + "/var/mail").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 02775u);
  EXPECT_EQ(st.st_gid, 8u);
  EXPECT_EQ(read_file(root + "/var/lib/polkit-1/vendor.pkla").value_or("<missing>"), "[v]\n");
  EXPECT_EQ(fs::read_symlink(root + "/var/lib/odd/a link").string(), "../x y%");
  EXPECT_TRUE(fs::is_directory(root + "/var/lib/odd/50%"));
  // /var is the machine's: a change made there survives the next boot's run.
  ASSERT_EQ(::chmod((root + "/var/mail").c_str(), 0755), 0);
  ASSERT_TRUE(write_file_atomic(root + "/var/lib/polkit-1/vendor.pkla", "[changed]\n"));
  run_tmpfiles();
  ASSERT_EQ(::stat((root + "/var/mail").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(read_file(root + "/var/lib/polkit-1/vendor.pkla").value_or("<missing>"), "[changed]\n");
}

}  // namespace
}  // namespace cairn::compose
