// Tests of the units pass (units.hh); the unit-file reader is tested in base/unit_file_test.cc.
#include "builder/compose/units.hh"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "builder/compose/test_packages.hh"

namespace cairn::compose {
namespace {

using testing::FakeEntry;
using testing::make_package_dir;

class UnitsTest : public ::testing::Test {
 protected:
  std::string root_ = ::testing::TempDir() + "units-test";
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

  UnitsResult enable(const std::map<std::string, UnitConfig>& config, const std::vector<UnitRequest>& requested) {
    auto r = enable_units(tree_, config, requested);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r ? std::move(*r) : UnitsResult{};
  }
};

constexpr const char* kFstrimTimer =
    "[Unit]\nDescription=Discard unused blocks once a week\n\n[Timer]\nOnCalendar=weekly\n\n"
    "[Install]\nWantedBy=timers.target\n";
constexpr const char* kGetty =
    "[Unit]\nDescription=Getty on %I\n\n[Service]\nExecStart=-/sbin/agetty -o '-p -- \\\\u' --noclear - $TERM\n\n"
    "[Install]\nWantedBy=getty.target\nDefaultInstance=tty1\n";
constexpr const char* kNetworkd =
    "[Unit]\nDescription=Network Configuration\n\n[Install]\nWantedBy=multi-user.target\n"
    "Also=systemd-networkd.socket\nAlias=dbus-org.freedesktop.network1.service\n";

TEST_F(UnitsTest, APackageUnitFollowsItsInstallSectionWithSystemctlsLinkText) {
  add("util-linux", {{.path = "/lib/systemd/system/fstrim.timer", .content = kFstrimTimer}});
  auto r = enable({}, {{"fstrim.timer", false, "util-linux"}});
  EXPECT_EQ(link_of("etc/systemd/system/timers.target.wants/fstrim.timer"), "/usr/lib/systemd/system/fstrim.timer");
  ASSERT_EQ(r.units.size(), 1u);
  EXPECT_EQ(r.units[0], (EnabledUnit{"fstrim.timer", false, false, "package util-linux",
                                     "usr/lib/systemd/system/fstrim.timer",
                                     {"etc/systemd/system/timers.target.wants/fstrim.timer"}}));
}

TEST_F(UnitsTest, AnInstanceLinksToItsTemplate) {
  add("systemd", {{.path = "/lib/systemd/system/getty@.service", .content = kGetty}});
  auto r = enable({{"getty@tty2.service", UnitConfig{true, {"getty.target"}}}}, {});
  EXPECT_EQ(link_of("etc/systemd/system/getty.target.wants/getty@tty2.service"),
            "/usr/lib/systemd/system/getty@.service");
  ASSERT_EQ(r.units.size(), 1u);
  EXPECT_EQ(r.units[0].file, "usr/lib/systemd/system/getty@.service");
}

TEST_F(UnitsTest, ATemplateWithoutInstanceIsEnabledAsItsDefaultInstance) {
  add("systemd", {{.path = "/lib/systemd/system/getty@.service", .content = kGetty},
                  {.path = "/lib/systemd/system/serial-getty@.service",
                   .content = "[Install]\nWantedBy=getty.target\n"}});
  auto r = enable({{"getty@.service", UnitConfig{}}, {"serial-getty@.service", UnitConfig{}}}, {});
  EXPECT_EQ(link_of("etc/systemd/system/getty.target.wants/getty@tty1.service"),
            "/usr/lib/systemd/system/getty@.service");
  ASSERT_EQ(r.units.size(), 2u);
  EXPECT_TRUE(r.units[1].links.empty()) << "serial-getty@.service has no DefaultInstance";
}

TEST_F(UnitsTest, ConfigurationAddsToInstallAndAlsoUnitsAreEnabledToo) {
  add("systemd", {{.path = "/lib/systemd/system/systemd-networkd.service", .content = kNetworkd},
                  {.path = "/lib/systemd/system/systemd-networkd.socket",
                   .content = "[Install]\nWantedBy=sockets.target\n"}});
  auto r = enable({{"systemd-networkd.service",
                    UnitConfig{true, {"multi-user.target", "network-online.target"}, {"x.target"},
                               {"dbus-org.freedesktop.network1.service"}}}},
                  {});
  const std::string target = "/usr/lib/systemd/system/systemd-networkd.service";
  EXPECT_EQ(link_of("etc/systemd/system/multi-user.target.wants/systemd-networkd.service"), target);
  EXPECT_EQ(link_of("etc/systemd/system/network-online.target.wants/systemd-networkd.service"), target);
  EXPECT_EQ(link_of("etc/systemd/system/x.target.requires/systemd-networkd.service"), target);
  EXPECT_EQ(link_of("etc/systemd/system/dbus-org.freedesktop.network1.service"), target);
  EXPECT_EQ(link_of("etc/systemd/system/sockets.target.wants/systemd-networkd.socket"),
            "/usr/lib/systemd/system/systemd-networkd.socket");
  ASSERT_EQ(r.units.size(), 2u);
  EXPECT_EQ(r.units[1].unit, "systemd-networkd.socket");
  EXPECT_EQ(r.units[1].reason, "Also= of systemd-networkd.service");
}

TEST_F(UnitsTest, AUnitFileInEtcWinsAndLinksPointThere) {
  add("nftables", {{.path = "/lib/systemd/system/nftables.service", .content = "[Install]\nWantedBy=sysinit.target\n"}});
  tree_.set_file("etc/systemd/system/nftables.service", "[Install]\nWantedBy=multi-user.target\n");
  auto r = enable({{"nftables.service", UnitConfig{}}}, {});
  EXPECT_EQ(link_of("etc/systemd/system/multi-user.target.wants/nftables.service"),
            "/etc/systemd/system/nftables.service");
  EXPECT_EQ(link_of("etc/systemd/system/sysinit.target.wants/nftables.service"), "(absent)");
}

TEST_F(UnitsTest, ADisabledUnitIsMaskedEvenWhenAPackageEnablesIt) {
  add("util-linux", {{.path = "/lib/systemd/system/fstrim.timer", .content = kFstrimTimer}});
  auto r = enable({{"fstrim.timer", UnitConfig{false}}}, {{"fstrim.timer", false, "util-linux"}});
  EXPECT_EQ(link_of("etc/systemd/system/fstrim.timer"), "/dev/null");
  EXPECT_EQ(link_of("etc/systemd/system/timers.target.wants/fstrim.timer"), "(absent)");
  ASSERT_EQ(r.units.size(), 1u);
  EXPECT_EQ(r.units[0], (EnabledUnit{"fstrim.timer", false, true, "configuration"}));
}

TEST_F(UnitsTest, AConfiguredUnitWithoutAFileIsAnErrorSayingWhatToDo) {
  auto r = enable_units(tree_, {{"getty@tty1.service", UnitConfig{true, {"getty.target"}}}}, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "units: getty@tty1.service is enabled in the configuration (systemd.units.\"getty@tty1.service\"), but "
            "no installed package ships usr/lib/systemd/system/getty@tty1.service (or the template getty@.service) "
            "and the configuration gives it no text; add the package that ships it to environment.systemPackages, "
            "give it a text, or set systemd.units.\"getty@tty1.service\".enable = false");
  EXPECT_EQ(tree_.find("etc/systemd/system"), nullptr) << "nothing is written on error";
}

TEST_F(UnitsTest, APackageUnitWithoutAFileIsSkippedWithAWarning) {
  auto r = enable({}, {{"dpkg-db-backup.timer", false, "dpkg"}});
  EXPECT_TRUE(r.units.empty());
  EXPECT_EQ(r.warnings, (std::vector<std::string>{
                            "units: dpkg-db-backup.timer (package dpkg) is not installed: no "
                            "usr/lib/systemd/system/dpkg-db-backup.timer, ignoring"}));
}

TEST_F(UnitsTest, TwoUnitsClaimingOneAliasIsAnErrorNamingBoth) {
  add("a", {{.path = "/lib/systemd/system/a.service", .content = "[Install]\nAlias=display-manager.service\n"},
            {.path = "/lib/systemd/system/b.service", .content = "[Install]\nAlias=display-manager.service\n"}});
  auto r = enable_units(tree_, {{"a.service", UnitConfig{}}, {"b.service", UnitConfig{}}}, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "units: etc/systemd/system/display-manager.service would link to /usr/lib/systemd/system/a.service for "
            "a.service and to /usr/lib/systemd/system/b.service for b.service; give the two units different names "
            "(Alias=, systemd.units.<name>.aliases)");
}

TEST_F(UnitsTest, UserUnitsAPackageEnablesAreLinkedUnderEtcSystemdUser) {
  add("pipewire", {{.path = "/usr/lib/systemd/user/pipewire.socket", .content = "[Install]\nWantedBy=sockets.target\n"}});
  auto r = enable({}, {{"pipewire.socket", true, "pipewire"}});
  EXPECT_EQ(link_of("etc/systemd/user/sockets.target.wants/pipewire.socket"),
            "/usr/lib/systemd/user/pipewire.socket");
  ASSERT_EQ(r.units.size(), 1u);
  EXPECT_TRUE(r.units[0].user);
}

// ---- switch settings ---------------------------------------------------

constexpr const char* kSsh =
    "[Unit]\nDescription=OpenBSD Secure Shell server\n\n[Service]\nExecStart=/usr/sbin/sshd -D $SSHD_OPTS\n"
    "ExecReload=/bin/kill -HUP $MAINPID\n\n[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n";

UnitConfig reloaded(std::string triggers) {
  UnitConfig c{true, {"multi-user.target"}};
  c.reload_if_changed = true;
  c.reload_triggers = std::move(triggers);
  return c;
}

std::string text_of(const RootTree& tree, std::string_view path) {
  auto r = tree.read(path);
  return r ? *r : "(absent)";
}

TEST_F(UnitsTest, APackagedUnitsSwitchFlagsBecomeADropInTheActivatorReads) {
  add("openssh-server", {{.path = "/lib/systemd/system/ssh.service", .content = kSsh}});
  auto r = enable({{"ssh.service", reloaded("afcc8e6f7aac")}}, {});
  EXPECT_EQ(text_of(tree_, "etc/systemd/system/ssh.service.d/cairn-switch.conf"),
            "# Generated by cairn from systemd.units.\"ssh.service\": how `cairn switch` treats\n"
            "# this unit when its definition changes (modules/system/systemd.nix).\n"
            "[Unit]\n"
            "X-ReloadIfChanged=true\n"
            "X-Reload-Triggers=afcc8e6f7aac\n");
  EXPECT_EQ(r.switch_dropins, (std::vector<std::string>{"etc/systemd/system/ssh.service.d/cairn-switch.conf"}));
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(link_of("etc/systemd/system/sshd.service"), "/usr/lib/systemd/system/ssh.service")
      << "the links are made as before";
}

TEST_F(UnitsTest, TheDropInHoldsTheKeysSystemdNixWouldWrite) {
  struct Case {
    std::string name;
    bool restart, stop, reload;
    std::string keys;  // the drop-in's lines after [Unit]; "" for no drop-in
  };
  const std::vector<Case> cases = {
      {"defaults", true, true, false, ""},
      {"restartIfChanged = false", false, true, false, "X-RestartIfChanged=false\n"},
      {"stopIfChanged = false", true, false, false, "X-StopIfChanged=false\n"},
      {"reloadIfChanged wins over restartIfChanged = false", false, true, true, "X-ReloadIfChanged=true\n"},
      {"all three", false, false, false, "X-RestartIfChanged=false\nX-StopIfChanged=false\n"},
  };
  add("nftables", {{.path = "/lib/systemd/system/nftables.service", .content = "[Service]\nType=oneshot\n"}});
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    tree_.remove("etc");
    UnitConfig config;
    config.restart_if_changed = c.restart;
    config.stop_if_changed = c.stop;
    config.reload_if_changed = c.reload;
    auto r = enable({{"nftables.service", config}}, {});
    std::string text = text_of(tree_, "etc/systemd/system/nftables.service.d/cairn-switch.conf");
    if (c.keys.empty()) {
      EXPECT_EQ(text, "(absent)");
      EXPECT_TRUE(r.switch_dropins.empty());
    } else {
      EXPECT_TRUE(text.ends_with("[Unit]\n" + c.keys)) << text;
    }
  }
}

TEST_F(UnitsTest, KeysTheDefinitionAlreadyCarriesAreNotRepeated) {
  // getty@.service's overrides.conf (systemd.services.getty with text)
  // already says X-RestartIfChanged=false for every instance.
  add("systemd", {{.path = "/lib/systemd/system/getty@.service", .content = kGetty},
                  {.path = "/lib/systemd/system/cairn-bless.service", .content = "[Service]\nType=oneshot\n"}});
  tree_.set_file("etc/systemd/system/getty@.service.d/overrides.conf",
                 "[Service]\nExecStart=\nExecStart=-/sbin/agetty - $TERM\nX-RestartIfChanged=false\n");
  tree_.set_file("etc/systemd/system/cairn-bless.service",
                 "[Unit]\nX-Reload-Triggers=abc\n[Service]\nType=oneshot\nX-RestartIfChanged=no\n");
  UnitConfig no_restart{true, {"getty.target"}};
  no_restart.restart_if_changed = false;
  UnitConfig bless = no_restart;
  bless.stop_if_changed = false;
  bless.reload_triggers = "abc";
  auto r = enable({{"getty@.service", no_restart}, {"getty@tty1.service", no_restart}, {"cairn-bless.service", bless}},
                  {});
  EXPECT_EQ(tree_.find("etc/systemd/system/getty@.service.d/cairn-switch.conf"), nullptr);
  EXPECT_EQ(tree_.find("etc/systemd/system/getty@tty1.service.d/cairn-switch.conf"), nullptr)
      << "the template's drop-in applies to the instance";
  EXPECT_TRUE(text_of(tree_, "etc/systemd/system/cairn-bless.service.d/cairn-switch.conf")
                  .ends_with("[Unit]\nX-StopIfChanged=false\n"))
      << "only the key the unit file lacks";
  EXPECT_EQ(r.switch_dropins,
            (std::vector<std::string>{"etc/systemd/system/cairn-bless.service.d/cairn-switch.conf"}));
}

TEST_F(UnitsTest, OtherReloadTriggersOfTheDefinitionAreResetFirst) {
  // A service's text carries the digest of its own reloadTriggers; more
  // added through systemd.units make the closure's digest another one.
  add("systemd", {});
  tree_.set_file("etc/systemd/system/web.service", "[Unit]\nX-Reload-Triggers=aaa\n[Service]\nExecStart=/bin/web\n");
  auto r = enable({{"web.service", reloaded("bbb")}}, {});
  EXPECT_TRUE(text_of(tree_, "etc/systemd/system/web.service.d/cairn-switch.conf")
                  .ends_with("[Unit]\nX-ReloadIfChanged=true\nX-Reload-Triggers=\nX-Reload-Triggers=bbb\n"));
  EXPECT_TRUE(r.warnings.empty()) << r.warnings[0];
}

TEST_F(UnitsTest, AMaskedUnitGetsNoDropIn) {
  add("openssh-server", {{.path = "/lib/systemd/system/ssh.service", .content = kSsh}});
  UnitConfig c = reloaded("afcc8e6f7aac");
  c.enable = false;
  auto r = enable({{"ssh.service", c}}, {});
  EXPECT_EQ(link_of("etc/systemd/system/ssh.service"), "/dev/null");
  EXPECT_EQ(tree_.find("etc/systemd/system/ssh.service.d"), nullptr);
  EXPECT_TRUE(r.switch_dropins.empty());
}

TEST_F(UnitsTest, AKeyTheDefinitionStillOverridesIsAWarning) {
  add("openssh-server", {{.path = "/lib/systemd/system/ssh.service", .content = kSsh}});
  // overrides.conf sorts after cairn-switch.conf, and [Service] comes
  // before [Unit] for the activator: either way this value stays.
  tree_.set_file("etc/systemd/system/ssh.service.d/overrides.conf", "[Service]\nX-ReloadIfChanged=false\n");
  auto r = enable({{"ssh.service", reloaded("afcc8e6f7aac")}}, {});
  EXPECT_TRUE(text_of(tree_, "etc/systemd/system/ssh.service.d/cairn-switch.conf")
                  .ends_with("[Unit]\nX-ReloadIfChanged=true\nX-Reload-Triggers=afcc8e6f7aac\n"));
  EXPECT_EQ(r.warnings, (std::vector<std::string>{
                            "units: ssh.service sets X-ReloadIfChanged=true for `cairn switch` in "
                            "etc/systemd/system/ssh.service.d/cairn-switch.conf, but its definition overrides it, "
                            "ignoring"}));
}

TEST_F(UnitsTest, AFileWhereTheDropInGoesIsAnErrorAndNothingIsWritten) {
  add("openssh-server", {{.path = "/lib/systemd/system/ssh.service", .content = kSsh}});
  tree_.set_file("etc/systemd/system/ssh.service.d/cairn-switch.conf", "[Service]\nNice=5\n");
  auto r = enable_units(tree_, {{"ssh.service", reloaded("afcc8e6f7aac")}}, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "units: etc/systemd/system/ssh.service.d/cairn-switch.conf is where cairn writes the switch settings of "
            "ssh.service (X-ReloadIfChanged=true, X-Reload-Triggers=afcc8e6f7aac), but the tree already has a file "
            "there; give that file another name");
  EXPECT_EQ(tree_.find("etc/systemd/system/multi-user.target.wants"), nullptr) << "nothing is written on error";
}

TEST(UnitsConfigTest, ReadsTheSwitchFlagsAndTheTriggersDigest) {
  auto closure = nlohmann::json::parse(R"({"units": {
    "ssh.service": {"aliases": ["sshd.service"], "enable": true, "reloadIfChanged": true,
                    "reloadTriggers": ["afcc8e6f7aac"], "reloadTriggersDigest": "afcc8e6f7aac", "requiredBy": [],
                    "restartIfChanged": true, "stopIfChanged": false, "wantedBy": ["multi-user.target"]}}})");
  auto r = read_unit_config(closure);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  UnitConfig want{true, {"multi-user.target"}, {}, {"sshd.service"}};
  want.stop_if_changed = false;
  want.reload_if_changed = true;
  want.reload_triggers = "afcc8e6f7aac";
  EXPECT_EQ(r->at("ssh.service"), want);

  auto no_digest = read_unit_config(
      nlohmann::json::parse(R"({"units": {"ssh.service": {"reloadTriggers": ["afcc8e6f7aac"]}}})"));
  ASSERT_FALSE(no_digest.has_value());
  EXPECT_EQ(no_digest.error().message,
            "closure: units.\"ssh.service\".reloadTriggersDigest is not a string (the digest of the unit's "
            "reloadTriggers, see modules/closure.nix)");
  auto not_bool = read_unit_config(nlohmann::json::parse(R"({"units": {"a.service": {"stopIfChanged": "no"}}})"));
  ASSERT_FALSE(not_bool.has_value());
  EXPECT_EQ(not_bool.error().message, "closure: units.\"a.service\".stopIfChanged is not a boolean");
}

TEST(UnitsConfigTest, ReadsTheClosuresUnits) {
  auto closure = nlohmann::json::parse(R"({"units": {
    "getty@tty1.service": {"aliases": [], "enable": true, "reloadIfChanged": false, "reloadTriggers": [],
                           "requiredBy": [], "restartIfChanged": true, "stopIfChanged": true,
                           "wantedBy": ["getty.target"]},
    "fstrim.timer": {"enable": false, "wantedBy": [], "requiredBy": [], "aliases": []}}})");
  auto r = read_unit_config(closure);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(*r, (std::map<std::string, UnitConfig>{{"fstrim.timer", UnitConfig{false}},
                                                   {"getty@tty1.service", UnitConfig{true, {"getty.target"}}}}));
  auto bad = read_unit_config(nlohmann::json::parse(R"({"units": {"x.service": {"wantedBy": "multi-user.target"}}})"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "closure: units.\"x.service\".wantedBy is not a list of strings");
}

TEST(UnitsConfigTest, ReadsTheVmHostsClosureWhenPresent) {
  std::ifstream in("/tmp/vm.closure.json");
  if (!in) GTEST_SKIP() << "/tmp/vm.closure.json is absent (make it with `cairn eval --host vm --closure`)";
  auto r = read_unit_config(nlohmann::json::parse(in));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_TRUE(r->count("systemd-networkd.service"));
  EXPECT_EQ(r->at("systemd-networkd.service").aliases,
            (std::vector<std::string>{"dbus-org.freedesktop.network1.service"}));
}

}  // namespace
}  // namespace cairn::compose
