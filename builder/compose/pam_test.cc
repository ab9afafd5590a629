// pam-auth-update's algorithm. The expected texts were made by Debian's own
// pam-auth-update (libpam-runtime 1.5.2-6+deb12u1, run with --root on the
// same profiles and templates, debconf answering nothing): a mismatch is a
// difference from what a Debian system holds.
#include "builder/compose/pam.hh"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "builder/compose/test_packages.hh"

namespace cairn::compose {
namespace {

namespace fs = std::filesystem;
using testing::FakeEntry;

// Bookworm's profiles: libpam-runtime's unix, libpam-systemd's systemd,
// libpam-modules' mkhomedir.
constexpr std::string_view kUnix =
    "Name: Unix authentication\n"
    "Default: yes\n"
    "Priority: 256\n"
    "Auth-Type: Primary\n"
    "Auth:\n"
    "\t[success=end default=ignore]\tpam_unix.so nullok try_first_pass\n"
    "Auth-Initial:\n"
    "\t[success=end default=ignore]\tpam_unix.so nullok\n"
    "Account-Type: Primary\n"
    "Account:\n"
    "\t[success=end new_authtok_reqd=done default=ignore]\tpam_unix.so\n"
    "Account-Initial:\n"
    "\t[success=end new_authtok_reqd=done default=ignore]\tpam_unix.so\n"
    "Session-Type: Additional\n"
    "Session:\n"
    "\trequired\tpam_unix.so\n"
    "Session-Initial:\n"
    "\trequired\tpam_unix.so\n"
    "Password-Type: Primary\n"
    "Password:\n"
    "\t[success=end default=ignore]\tpam_unix.so obscure use_authtok try_first_pass yescrypt\n"
    "Password-Initial:\n"
    "\t[success=end default=ignore]\tpam_unix.so obscure yescrypt\n";

constexpr std::string_view kSystemd =
    "Name: Register user sessions in the systemd control group hierarchy\n"
    "Default: yes\n"
    "Priority: 0\n"
    "Session-Interactive-Only: yes\n"
    "Session-Type: Additional\n"
    "Session:\n"
    "\toptional\tpam_systemd.so\n";

constexpr std::string_view kMkhomedir =
    "Name: Create home directory on login\n"
    "Default: no\n"
    "Priority: 0\n"
    "Session-Type: Additional\n"
    "Session-Interactive-Only: yes\n"
    "Session:\n"
    "\toptional\t\t\tpam_mkhomedir.so\n";

// Profiles modelled on libpam-krb5 and libpam-sss, for stacks with several
// Primary modules.
constexpr std::string_view kKrb5 =
    "Name: Kerberos authentication\n"
    "Default: yes\n"
    "Priority: 704\n"
    "Auth-Type: Primary\n"
    "Auth:\n"
    "\t[success=end default=ignore]\tpam_krb5.so minimum_uid=1000\n"
    "Session-Type: Additional\n"
    "Session:\n"
    "\toptional\t\t\tpam_krb5.so minimum_uid=1000\n"
    "Account-Type: Additional\n"
    "Account:\n"
    "\trequired\t\t\tpam_krb5.so minimum_uid=1000\n"
    "Password-Type: Primary\n"
    "Password:\n"
    "\t[success=end default=ignore]\tpam_krb5.so minimum_uid=1000 try_first_pass use_authtok\n"
    "Password-Initial:\n"
    "\t[success=end default=ignore]\tpam_krb5.so minimum_uid=1000\n";

constexpr std::string_view kSss =
    "Name: SSS authentication\n"
    "Default: yes\n"
    "Priority: 128\n"
    "Auth-Type: Primary\n"
    "Auth:\n"
    "\t[success=end new_authtok_reqd=done default=ignore]\tpam_sss.so use_first_pass\n"
    "Auth-Initial:\n"
    "\t[success=end new_authtok_reqd=done default=ignore]\tpam_sss.so\n"
    "Account-Type: Additional\n"
    "Account:\n"
    "\t[default=bad success=ok user_unknown=ignore]\tpam_sss.so\n"
    "Password-Type: Primary\n"
    "Password:\n"
    "\tsufficient\t\t\tpam_sss.so use_authtok\n"
    "Session-Type: Additional\n"
    "Session:\n"
    "\toptional\t\t\tpam_sss.so\n";

// libpam-runtime's usr/share/pam/common-auth, whole.
constexpr std::string_view kAuthTemplate =
    "#\n"
    "# /etc/pam.d/common-auth - authentication settings common to all services\n"
    "#\n"
    "# This file is included from other service-specific PAM config files,\n"
    "# and should contain a list of the authentication modules that define\n"
    "# the central authentication scheme for use on the system\n"
    "# (e.g., /etc/shadow, LDAP, Kerberos, etc.).  The default is to use the\n"
    "# traditional Unix authentication mechanisms.\n"
    "#\n"
    "# As of pam 1.0.1-6, this file is managed by pam-auth-update by default.\n"
    "# To take advantage of this, it is recommended that you configure any\n"
    "# local modules either before or after the default block, and use\n"
    "# pam-auth-update to manage selection of other modules.  See\n"
    "# pam-auth-update(8) for details.\n"
    "\n"
    "# here are the per-package modules (the \"Primary\" block)\n"
    "$auth_primary\n"
    "# here's the fallback if no module succeeds\n"
    "auth\trequisite\t\t\tpam_deny.so\n"
    "# prime the stack with a positive return value if there isn't one already;\n"
    "# this avoids us returning an error just because nothing sets a success code\n"
    "# since the modules above will each just jump around\n"
    "auth\trequired\t\t\tpam_permit.so\n"
    "# and here are more per-package modules (the \"Additional\" block)\n"
    "$auth_additional\n"
    "# end of pam-auth-update config\n";

// The marker lines of a template, with the fixed lines of common-session
// between them (the header is copied as is, see kAuthTemplate's test).
std::string short_template(std::string_view word) {
  return "# header\n"
         "# here are the per-package modules (the \"Primary\" block)\n"
         "$primary\n"
         "# here's the fallback if no module succeeds\n" +
         std::string(word) + "\trequisite\t\t\tpam_deny.so\n" +
         "# and here are more per-package modules (the \"Additional\" block)\n"
         "$additional\n"
         "# end of pam-auth-update config\n";
}

std::vector<PamProfile> parse_all(std::initializer_list<std::pair<const char*, std::string_view>> files) {
  std::vector<PamProfile> out;
  for (auto [name, text] : files) out.push_back(parse_pam_profile(name, text));
  return out;
}

std::string generate(std::string_view type, std::string_view tmpl, const std::vector<PamProfile>& profiles) {
  auto text = pam_common_file(type, tmpl, profiles, pam_default_profiles(profiles));
  EXPECT_TRUE(text) << text.error().message;
  return text ? *text : "";
}

TEST(PamProfileTest, ParsesFieldsAndJoinsTrimmedContinuationLines) {
  PamProfile p = parse_pam_profile("unix", kUnix);
  EXPECT_EQ(p.name, "unix");
  EXPECT_EQ(p.fields.at("Name"), "Unix authentication");
  EXPECT_EQ(p.fields.at("Priority"), "256");
  EXPECT_EQ(p.fields.at("Auth-Type"), "Primary");
  EXPECT_EQ(p.fields.at("Auth"), "[success=end default=ignore]\tpam_unix.so nullok try_first_pass");
  EXPECT_FALSE(p.disabled);
}

TEST(PamProfileTest, SessionLinesServeTheNoninteractiveStackUnlessInteractiveOnly) {
  PamProfile unix = parse_pam_profile("unix", kUnix);
  EXPECT_EQ(unix.fields.at("Session-noninteractive-Type"), "Additional");
  EXPECT_EQ(unix.fields.at("Session-noninteractive"), "required\tpam_unix.so");
  EXPECT_EQ(unix.fields.at("Session-noninteractive-Initial"), "required\tpam_unix.so");
  PamProfile systemd = parse_pam_profile("systemd", kSystemd);
  EXPECT_FALSE(systemd.fields.count("Session-noninteractive-Type"));
  EXPECT_FALSE(systemd.fields.count("Session-noninteractive"));
}

TEST(PamProfileTest, FinalSuffixIsDroppedAndConflictsAreListed) {
  PamProfile p = parse_pam_profile(
      "x", "Conflicts: a, b\nAuth-Type: Additional\nAuth-Final:\n\toptional pam_x.so\n\n  \n\trequired pam_y.so\n");
  EXPECT_EQ(p.fields.at("Auth"), "optional pam_x.so\nrequired pam_y.so");
  EXPECT_EQ(p.conflicts, (std::set<std::string>{"a", "b"}));
}

TEST(PamProfileTest, ModuleLineOnTheFieldLineStartsTheValue) {
  PamProfile p = parse_pam_profile("x", "Auth: required pam_x.so\n\toptional pam_y.so");
  EXPECT_EQ(p.fields.at("Auth"), "required pam_x.so\noptional pam_y.so");
}

TEST(PamProfileTest, PamTallyDisablesTheProfile) {
  EXPECT_TRUE(parse_pam_profile("t", "Default: yes\nAuth-Type: Primary\nAuth:\n\trequired pam_tally.so\n").disabled);
  EXPECT_TRUE(parse_pam_profile("t", "Auth:\n\trequired pam_tally2.so deny=3\n").disabled);
}

TEST(PamProfileTest, NamesLikeEditorBackupsAreSkipped) {
  EXPECT_TRUE(pam_profile_name_ok("unix"));
  EXPECT_FALSE(pam_profile_name_ok("unix~"));
  EXPECT_FALSE(pam_profile_name_ok("#unix#"));
  EXPECT_TRUE(pam_profile_name_ok("#"));
}

TEST(PamDefaultsTest, DefaultYesProfilesByPriorityThenNameDescending) {
  auto profiles = parse_all({{"unix", kUnix}, {"systemd", kSystemd}, {"mkhomedir", kMkhomedir},
                             {"krb5", kKrb5}, {"sss", kSss},
                             {"backend", "Default: yes\nPriority: 128\n"},
                             {"tally", "Default: yes\nPriority: 900\nAuth:\n\trequired pam_tally.so\n"},
                             {"odd", "Default: yes \nPriority: 999\n"}});
  EXPECT_EQ(pam_default_profiles(profiles),
            (std::vector<std::string>{"krb5", "unix", "sss", "backend", "systemd"}));
}

TEST(PamDefaultsTest, ConflictsRemoveProfilesTheWayPerlsForeachDoes) {
  // fprint (300) conflicts with krb5 (704, before it) and sss (128, after
  // it); removing krb5 shifts the array under Perl's loop, which then skips
  // unix — harmless here, and kept so that every case matches Debian.
  auto profiles = parse_all({{"unix", kUnix}, {"krb5", kKrb5}, {"sss", kSss},
                             {"fprint", "Default: yes\nPriority: 300\nConflicts: sss, krb5\n"}});
  EXPECT_EQ(pam_default_profiles(profiles), (std::vector<std::string>{"fprint", "unix"}));
}

TEST(PamDefaultsTest, ConflictsAreCheckedAgainUntilNoneAreLeft) {
  // a drops dd and itself; the shifted loop then skips m1, whose conflict
  // with b only the next round finds.
  auto profiles = parse_all({{"a", "Default: yes\nPriority: 128\nConflicts: a, dd\n"},
                             {"dd", "Default: yes\nPriority: 12abc\n"},
                             {"m1", "Default: yes\nPriority: 0\nConflicts: b\n"},
                             {"b", "Default: yes\nPriority: \n"}});
  EXPECT_EQ(pam_default_profiles(profiles), (std::vector<std::string>{"m1"}));
}

TEST(PamCommonFileTest, CommonAuthOfBookwormIsDebiansByteForByte) {
  auto profiles = parse_all({{"unix", kUnix}, {"systemd", kSystemd}, {"mkhomedir", kMkhomedir}});
  std::string expected(kAuthTemplate);
  expected.replace(expected.find("$auth_primary\n"), 14,
                   "auth\t[success=1 default=ignore]\tpam_unix.so nullok\n");
  expected.replace(expected.find("$auth_additional\n"), 17, "");
  EXPECT_EQ(generate("auth", kAuthTemplate, profiles), expected);
}

TEST(PamCommonFileTest, BookwormSessionStacksHavePermitUnixAndSystemdWithTrailingSpace) {
  auto profiles = parse_all({{"unix", kUnix}, {"systemd", kSystemd}, {"mkhomedir", kMkhomedir}});
  const std::string head =
      "# header\n"
      "# here are the per-package modules (the \"Primary\" block)\n"
      "session\t[default=1]\t\t\tpam_permit.so\n"
      "# here's the fallback if no module succeeds\n"
      "session\trequisite\t\t\tpam_deny.so\n"
      "# and here are more per-package modules (the \"Additional\" block)\n"
      "session\trequired\tpam_unix.so \n";
  EXPECT_EQ(generate("session", short_template("session"), profiles),
            head + "session\toptional\tpam_systemd.so \n# end of pam-auth-update config\n");
  EXPECT_EQ(generate("session-noninteractive", short_template("session"), profiles),
            head + "# end of pam-auth-update config\n");
  EXPECT_EQ(generate("account", short_template("account"), profiles),
            "# header\n"
            "# here are the per-package modules (the \"Primary\" block)\n"
            "account\t[success=1 new_authtok_reqd=done default=ignore]\tpam_unix.so \n"
            "# here's the fallback if no module succeeds\n"
            "account\trequisite\t\t\tpam_deny.so\n"
            "# and here are more per-package modules (the \"Additional\" block)\n"
            "# end of pam-auth-update config\n");
}

TEST(PamCommonFileTest, JumpsCountTheLinesLeftAndInitialVariantsStartTheBlock) {
  auto profiles = parse_all({{"unix", kUnix}, {"systemd", kSystemd}, {"krb5", kKrb5}, {"sss", kSss},
                             {"backend", "Name: Backend\nDefault: yes\nPriority: 128\n"
                                         "Auth-Type: Additional\nAuth-Final:\n\toptional\tpam_backend.so  a   b\n"}});
  // In the Additional block the count starts one lower, and Perl replaces
  // every "end" of "control module": pam_backend.so becomes pam_back0.so.
  EXPECT_EQ(generate("auth", short_template("auth"), profiles),
            "# header\n"
            "# here are the per-package modules (the \"Primary\" block)\n"
            "auth\t[success=3 default=ignore]\tpam_krb5.so minimum_uid=1000\n"
            "auth\t[success=2 default=ignore]\tpam_unix.so nullok try_first_pass\n"
            "auth\t[success=1 new_authtok_reqd=done default=ignore]\tpam_sss.so use_first_pass\n"
            "# here's the fallback if no module succeeds\n"
            "auth\trequisite\t\t\tpam_deny.so\n"
            "# and here are more per-package modules (the \"Additional\" block)\n"
            "auth\toptional\tpam_back0.so a b\n"
            "# end of pam-auth-update config\n");
  EXPECT_EQ(generate("password", short_template("password"), profiles),
            "# header\n"
            "# here are the per-package modules (the \"Primary\" block)\n"
            "password\t[success=3 default=ignore]\tpam_krb5.so minimum_uid=1000\n"
            "password\t[success=2 default=ignore]\tpam_unix.so obscure use_authtok try_first_pass yescrypt\n"
            "password\tsufficient\t\t\tpam_sss.so use_authtok\n"
            "# here's the fallback if no module succeeds\n"
            "password\trequisite\t\t\tpam_deny.so\n"
            "# and here are more per-package modules (the \"Additional\" block)\n"
            "# end of pam-auth-update config\n");
  EXPECT_EQ(generate("account", short_template("account"), profiles),
            "# header\n"
            "# here are the per-package modules (the \"Primary\" block)\n"
            "account\t[success=1 new_authtok_reqd=done default=ignore]\tpam_unix.so \n"
            "# here's the fallback if no module succeeds\n"
            "account\trequisite\t\t\tpam_deny.so\n"
            "# and here are more per-package modules (the \"Additional\" block)\n"
            "account\trequired\t\t\tpam_krb5.so minimum_uid=1000\n"
            "account\t[default=bad success=ok user_unknown=ignore]\tpam_sss.so \n"
            "# end of pam-auth-update config\n");
}

TEST(PamCommonFileTest, TemplateWithoutMarkersIsAnError) {
  auto text = pam_common_file("auth", "# here are the per-package modules (the \"Primary\" block)\n", {}, {});
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().message,
            "the template of common-auth lacks the line \"# here's the fallback if no module "
            "succeeds\" (or has its markers out of order); pam-auth-update cannot fill it in "
            "either — check the libpam-runtime package");
}

class PamTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/cairn-pam-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(PamTreeTest, WritesTheFiveFilesFromTheTreesProfilesAndTemplates) {
  std::vector<FakeEntry> runtime = {{.path = "/usr/share/pam-configs/unix", .content = std::string(kUnix)},
                                    {.path = "/usr/share/pam-configs/unix~", .content = "Default: yes\n"}};
  for (std::string_view type : kPamTypes)
    runtime.push_back({.path = "/usr/share/pam/common-" + std::string(type),
                       .content = short_template(type.substr(0, 7) == "session" ? "session" : type)});
  RootTree tree;
  ASSERT_TRUE(tree.add_package(testing::make_package_dir(dir_ + "/rt", "libpam-runtime", runtime)));
  ASSERT_TRUE(tree.add_package(testing::make_package_dir(
      dir_ + "/sd", "libpam-systemd",
      {{.path = "/usr/share/pam-configs/systemd", .content = std::string(kSystemd)}})));
  ASSERT_TRUE(compose_pam(tree));

  auto profiles = parse_all({{"unix", kUnix}, {"systemd", kSystemd}});
  for (std::string_view type : kPamTypes) {
    std::string path = "etc/pam.d/common-" + std::string(type);
    const Node* node = tree.find(path);
    ASSERT_NE(node, nullptr) << path;
    EXPECT_EQ(node->mode, 0644u);
    EXPECT_EQ(node->text, generate(type, short_template(type.substr(0, 7) == "session" ? "session" : type),
                                   profiles))
        << path;
  }
}

TEST_F(PamTreeTest, NoProfileEnabledIsAnError) {
  std::vector<FakeEntry> runtime = {{.path = "/usr/share/pam-configs/mkhomedir", .content = std::string(kMkhomedir)}};
  for (std::string_view type : kPamTypes)
    runtime.push_back({.path = "/usr/share/pam/common-" + std::string(type), .content = short_template("x")});
  RootTree tree;
  ASSERT_TRUE(tree.add_package(testing::make_package_dir(dir_ + "/rt", "libpam-runtime", runtime)));
  auto r = compose_pam(tree);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "no profile in usr/share/pam-configs has \"Default: yes\", and common-* files without "
            "one would let anybody log in without a password; pam-auth-update refuses such a "
            "selection too — check that libpam-runtime's unix profile is in the tree");
  EXPECT_EQ(tree.find("etc/pam.d/common-auth"), nullptr);
}

TEST_F(PamTreeTest, NothingWithoutLibpamRuntime) {
  RootTree tree;
  ASSERT_TRUE(tree.add_package(testing::make_package_dir(
      dir_ + "/sd", "libpam-systemd",
      {{.path = "/usr/share/pam-configs/systemd", .content = std::string(kSystemd)}})));
  ASSERT_TRUE(compose_pam(tree));
  EXPECT_EQ(tree.find("etc/pam.d/common-auth"), nullptr);
}

}  // namespace
}  // namespace cairn::compose
