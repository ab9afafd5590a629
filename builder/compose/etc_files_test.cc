// The generated /etc: the small generators against what Debian's scripts
// write (update-shells' output below was made by debianutils 5.7's own
// script on a merged-/usr root), then compose_etc over a tree of fake
// packages carrying bookworm's templates.
#include "builder/compose/etc_files.hh"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "builder/compose/pam.hh"
#include "builder/compose/test_packages.hh"

namespace cairn::compose {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::FakeEntry;

constexpr std::string_view kOsRelease =
    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
    "NAME=\"Debian GNU/Linux\"\n"
    "VERSION_ID=\"12\"\n"
    "VERSION=\"12 (bookworm)\"\n"
    "VERSION_CODENAME=bookworm\n"
    "ID=debian\n"
    "HOME_URL=\"https://www.debian.org/\"\n"
    "SUPPORT_URL=\"https://www.debian.org/support\"\n"
    "BUG_REPORT_URL=\"https://bugs.debian.org/\"\n";

constexpr std::string_view kShellsTemplate = "# /etc/shells: valid login shells\n/bin/sh\n";

// Merged /usr: /bin is a link to /usr/bin; /opt/x does not exist.
std::optional<std::string> merged_usr(std::string_view dir) {
  if (dir == "/opt/x") return std::nullopt;
  if (dir == "/bin" || dir == "/sbin") return "/usr" + std::string(dir);
  return std::string(dir);
}

TEST(EtcOsReleaseTest, AddsImageIdAndVersionAfterDebiansFields) {
  auto text = os_release(kOsRelease, "vm", 7);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text, std::string(kOsRelease) + "IMAGE_ID=vm\nIMAGE_VERSION=7\n");
}

TEST(EtcOsReleaseTest, ReplacesImageFieldsAndEndsTheLastLine) {
  auto text = os_release("ID=debian\nIMAGE_ID=old\nIMAGE_VERSION=3\nNAME=x", "kitchen-pi.v2", 12);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "ID=debian\nNAME=x\nIMAGE_ID=kitchen-pi.v2\nIMAGE_VERSION=12\n");
  EXPECT_EQ(*os_release("", "vm", 1), "IMAGE_ID=vm\nIMAGE_VERSION=1\n");
}

TEST(EtcOsReleaseTest, NameThatIsNoImageIdIsAnErrorWithASuggestion) {
  auto text = os_release(kOsRelease, "Kitchen Pi", 1);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().message,
            "the system name \"Kitchen Pi\" cannot be os-release's IMAGE_ID, which allows only "
            "a-z, 0-9, '.', '_' and '-'; set system.name to such a name, e.g. \"kitchen-pi\"");
  EXPECT_EQ(os_release("", "", 1).error().message,
            "the system name \"\" cannot be os-release's IMAGE_ID, which allows only a-z, 0-9, "
            "'.', '_' and '-'; set system.name to such a name");
}

TEST(EtcShellsTest, BookwormBashAndDashOnMergedUsrAsUpdateShellsWritesIt) {
  EXPECT_EQ(shells_text(kShellsTemplate, {"/bin/bash\n/bin/rbash\n", "/bin/dash\n"}, merged_usr),
            "# /etc/shells: valid login shells\n"
            "/bin/sh\n"
            "/usr/bin/sh\n"
            "/bin/bash\n"
            "/usr/bin/bash\n"
            "/bin/rbash\n"
            "/usr/bin/rbash\n"
            "/bin/dash\n"
            "/usr/bin/dash\n");
}

TEST(EtcShellsTest, CommentsUnresolvableDirectoriesAndRepeats) {
  // Checked against update-shells: the template's "/usr/bin/zsh " (read up
  // to the '#', blank included) differs from shells.d's "/usr/bin/zsh"; a
  // directory that does not resolve adds nothing; a shell packaged twice is
  // written twice.
  EXPECT_EQ(shells_text("# header\n\n/usr/bin/zsh # a comment\n",
                        {"/opt/x/fish\n# only a comment\n/usr/bin/zsh\n/bin/sh\n", "/usr/bin/sh\n"},
                        merged_usr),
            "# header\n"
            "\n"
            "/usr/bin/zsh # a comment\n"
            "/opt/x/fish\n"
            "/usr/bin/zsh\n"
            "/bin/sh\n"
            "/usr/bin/sh\n"
            "/usr/bin/sh\n");
}

TEST(EtcShellsTest, LastLineWithoutNewlineCounts) {
  EXPECT_EQ(shells_text("/bin/sh", {"/bin/zsh"}, merged_usr), "/bin/sh\n/usr/bin/sh\n/bin/zsh\n/usr/bin/zsh\n");
}

TEST(EtcFstabTest, IsOnlyComments) {
  for (std::string_view line : {fstab_text()}) EXPECT_EQ(line.front(), '#');
  EXPECT_EQ(fstab_text().find("\n#"), fstab_text().find('\n'));
  EXPECT_TRUE(fstab_text().ends_with("systemd starts.\n"));
}

class EtcTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/cairn-etc-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    users_.uids = {{"root", 0}, {"alice", 1000}};
    users_.gids = {{"root", 0}, {"users", 100}, {"shadow", 42}};
  }
  void TearDown() override { fs::remove_all(dir_); }

  void add(const std::string& name, std::vector<FakeEntry> entries) {
    auto r = tree_.add_package(testing::make_package_dir(dir_ + "/" + name, name, std::move(entries)));
    ASSERT_TRUE(r) << r.error().message;
  }

  // A tree with the packages whose scripts compose_etc stands in for.
  void add_debian() {
    add("base-files", {{.path = "/usr/lib/os-release", .content = std::string(kOsRelease)},
                       {.path = "/etc/os-release", .type = EntryType::symlink, .target = "../usr/lib/os-release"},
                       {.path = "/etc/dpkg/origins/debian", .content = "Vendor: Debian\n"},
                       {.path = "/usr/share/base-files/profile", .content = "# /etc/profile\n"},
                       {.path = "/usr/share/base-files/motd", .content = "\nThe programs…\n"},
                       {.path = "/usr/share/base-files/info.dir", .content = "INFO-DIR\n"},
                       {.path = "/usr/share/info", .type = EntryType::dir, .mode = 0755}});
    add("libc-bin", {{.path = "/usr/share/libc-bin/nsswitch.conf", .content = "passwd:         files\n"}});
    add("debianutils", {{.path = "/usr/share/debianutils/shells", .content = std::string(kShellsTemplate)},
                        {.path = "/usr/share/debianutils/shells.d", .type = EntryType::dir, .mode = 0755}});
    add("bash", {{.path = "/bin/bash", .mode = 0755},
                 {.path = "/usr/share/debianutils/shells.d/bash", .content = "/bin/bash\n/bin/rbash\n"}});
    std::vector<FakeEntry> pam = {{.path = "/usr/share/pam-configs/unix",
                                   .content = "Default: yes\nPriority: 256\nAuth-Type: Primary\n"
                                              "Auth:\n\t[success=end default=ignore]\tpam_unix.so nullok\n"}};
    for (std::string_view type : kPamTypes)
      pam.push_back({.path = "/usr/share/pam/common-" + std::string(type),
                     .content = "# here are the per-package modules (the \"Primary\" block)\n"
                                "# here's the fallback if no module succeeds\n"
                                "# and here are more per-package modules (the \"Additional\" block)\n"
                                "# end of pam-auth-update config\n"});
    add("libpam-runtime", std::move(pam));
    add("libpam-modules", {{.path = "/etc/security/limits.conf", .content = "# limits\n"}});
    tree_.add_skeleton();
  }

  Result<void> compose(const json& closure) {
    return compose_etc(tree_, closure, users_, EtcOptions{.generation = 7, .image_id = "vm"});
  }

  std::string text(std::string_view path) {
    auto t = tree_.read(path);
    EXPECT_TRUE(t) << t.error().message;
    return t ? *t : "";
  }

  std::string dir_;
  RootTree tree_;
  UserDb users_;
};

TEST_F(EtcTreeTest, WritesWhatDebiansScriptsWouldHave) {
  add_debian();
  ASSERT_TRUE(compose(json::object()));

  EXPECT_EQ(text("etc/nsswitch.conf"), "passwd:         files\n");
  EXPECT_EQ(text("etc/shells"),
            "# /etc/shells: valid login shells\n/bin/sh\n/usr/bin/sh\n/bin/bash\n/usr/bin/bash\n"
            "/bin/rbash\n/usr/bin/rbash\n");
  EXPECT_EQ(text("etc/pam.d/common-auth"),
            "# here are the per-package modules (the \"Primary\" block)\n"
            "auth\t[success=1 default=ignore]\tpam_unix.so nullok\n"
            "# here's the fallback if no module succeeds\n"
            "# and here are more per-package modules (the \"Additional\" block)\n"
            "# end of pam-auth-update config\n");
  EXPECT_EQ(text("etc/profile"), "# /etc/profile\n");
  EXPECT_EQ(text("etc/motd"), "\nThe programs…\n");
  EXPECT_EQ(text("usr/share/info/dir"), "INFO-DIR\n");
  EXPECT_EQ(tree_.find("etc/dpkg/origins/default")->target, "debian");
  EXPECT_EQ(tree_.find("usr/local/man")->target, "share/man");
  EXPECT_EQ(tree_.find("usr/local/sbin")->type, EntryType::dir);
  EXPECT_EQ(tree_.find("etc/opt")->type, EntryType::dir);
  EXPECT_EQ(tree_.find("etc/security/opasswd")->mode, 0600u);
  for (const char* empty : {"etc/environment", "etc/subuid", "etc/subgid"}) {
    EXPECT_EQ(text(empty), "") << empty;
    EXPECT_EQ(tree_.find(empty)->mode, 0644u) << empty;
  }
  EXPECT_EQ(text("etc/fstab"), fstab_text());
}

TEST_F(EtcTreeTest, PerGenerationFiles) {
  add_debian();
  ASSERT_TRUE(compose(json::object()));
  const Node* id = tree_.find("etc/machine-id");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->text, "");
  EXPECT_EQ(id->mode, 0444u);
  EXPECT_EQ(tree_.find("etc/os-release")->type, EntryType::symlink);
  EXPECT_EQ(tree_.find("etc/os-release")->target, "../usr/lib/os-release");
  EXPECT_EQ(text("etc/os-release"), std::string(kOsRelease) + "IMAGE_ID=vm\nIMAGE_VERSION=7\n");
}

TEST_F(EtcTreeTest, ABareTreeGetsOnlyTheUnconditionalFiles) {
  ASSERT_TRUE(compose(json::object()));
  EXPECT_EQ(text("etc/os-release"), "IMAGE_ID=vm\nIMAGE_VERSION=7\n");
  for (const char* absent : {"etc/nsswitch.conf", "etc/shells", "etc/pam.d/common-auth", "etc/profile",
                             "etc/security/opasswd", "usr/local"})
    EXPECT_EQ(tree_.find(absent), nullptr) << absent;
  for (const char* present : {"etc/environment", "etc/subuid", "etc/subgid", "etc/fstab", "etc/machine-id"})
    EXPECT_NE(tree_.find(present), nullptr) << present;
}

TEST_F(EtcTreeTest, ClosureEntriesWinWithTheirOwnersModesAndKinds) {
  add_debian();
  std::string source = dir_ + "/motd.src";
  std::ofstream(source) << "Welcome\n";
  json closure = {{"etc",
                   {{"environment", {{"text", "EDITOR=vim\n"}, {"mode", "0644"}, {"user", "root"}, {"group", "root"}}},
                    {"nsswitch.conf", {{"text", "hosts: files\n"}, {"mode", "0644"}, {"user", "root"}, {"group", "root"}}},
                    {"motd", {{"source", source}, {"mode", "0640"}, {"user", "alice"}, {"group", "users"}}},
                    {"ssh/sshd_config.d/x.conf", {{"text", "Port 22\n"}, {"mode", "0600"}, {"user", "root"}, {"group", "root"}}},
                    {"localtime", {{"symlink", "/usr/share/zoneinfo/UTC"}}}}}};
  ASSERT_TRUE(compose(closure));
  EXPECT_EQ(text("etc/environment"), "EDITOR=vim\n");
  EXPECT_EQ(text("etc/nsswitch.conf"), "hosts: files\n");
  const Node* motd = tree_.find("etc/motd");
  EXPECT_EQ(motd->text, "Welcome\n");
  EXPECT_EQ(motd->mode, 0640u);
  EXPECT_EQ(motd->uid, 1000u);
  EXPECT_EQ(motd->gid, 100u);
  EXPECT_EQ(tree_.find("etc/ssh/sshd_config.d/x.conf")->mode, 0600u);
  EXPECT_EQ(tree_.find("etc/ssh")->mode, 0755u);
  EXPECT_EQ(tree_.find("etc/localtime")->target, "/usr/share/zoneinfo/UTC");
}

TEST_F(EtcTreeTest, ClosureEntryErrors) {
  auto entry = [](json fields) {
    json e = {{"text", ""}, {"mode", "0644"}, {"user", "root"}, {"group", "root"}};
    if (fields.is_object()) e.update(fields);
    return e;
  };
  struct Case {
    std::string key;
    json entry;
    std::string message;
  };
  const Case cases[] = {
      {"foo", entry({{"user", "bob"}}),
       "etc/foo: its owner \"bob\" is not a user of this system; declare users.users.bob or choose "
       "an existing user"},
      {"foo", entry({{"group", "wheel"}}),
       "etc/foo: its group \"wheel\" is not a group of this system; declare users.groups.wheel or "
       "choose an existing group"},
      {"foo", entry({{"mode", "rw-r--r--"}}), "etc/foo: mode \"rw-r--r--\" is not an octal mode such as \"0644\""},
      {"passwd", entry(json::object()),
       "etc/passwd: cairn generates /etc/passwd for every generation, so the configuration cannot "
       "set it; remove environment.etc.\"passwd\""},
      {"../x", entry(json::object()),
       "closure: etc.../x: \"../x\" is not a relative path below /etc; fix the environment.etc name"},
      {"foo", json{{"mode", "0644"}, {"user", "root"}, {"group", "root"}},
       "closure: etc.foo: expected exactly one of \"text\", \"source\" and \"symlink\""},
      {"foo", json{{"source", "/nonexistent/cairn-test"}, {"mode", "0644"}, {"user", "root"}, {"group", "root"}},
       "etc/foo: cannot open /nonexistent/cairn-test: No such file or directory; "
       "environment.etc.\"foo\".source must name a readable file on the build machine"},
  };
  for (const Case& c : cases) {
    RootTree tree;
    auto r = write_closure_etc(tree, json{{"etc", {{c.key, c.entry}}}}, users_);
    ASSERT_FALSE(r) << c.key;
    EXPECT_EQ(r.error().message, c.message);
  }
}

TEST_F(EtcTreeTest, BadImageIdFailsTheWholePass) {
  auto r = compose_etc(tree_, json::object(), users_, EtcOptions{.generation = 1, .image_id = "A"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "making os-release: the system name \"A\" cannot be os-release's IMAGE_ID, which allows "
            "only a-z, 0-9, '.', '_' and '-'; set system.name to such a name, e.g. \"a\"");
}

}  // namespace
}  // namespace cairn::compose
