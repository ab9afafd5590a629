// Tests of reading a root's unit definitions (unit_definitions.hh), on
// temporary roots with real unit files, drop-ins and links.
#include "activator/unit_definitions.hh"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "activator/fakes_test.hh"

namespace cairn::activator {
namespace {

using testing::TempDir;
using Lines = std::vector<std::string>;

constexpr std::string_view kUsr = "usr/lib/systemd/system/";
constexpr std::string_view kEtc = "etc/systemd/system/";

class UnitDefinitionsTest : public ::testing::Test {
 protected:
  void file(std::string_view dir, const std::string& rel, const std::string& text) {
    root_.write(std::string(dir) + rel, text);
  }
  void link(std::string_view dir, const std::string& rel, const std::string& target) {
    std::filesystem::path p = root_.path() + "/" + std::string(dir) + rel;
    std::filesystem::create_directories(p.parent_path());
    std::filesystem::create_symlink(target, p);
  }
  UnitDefinitions read() {
    auto r = UnitDefinitions::read(root_.path());
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::move(*r) : UnitDefinitions{};
  }

  TempDir root_;
};

TEST_F(UnitDefinitionsTest, AFileInEtcWinsOverThePackagedOne) {
  file(kUsr, "a.service", "[Service]\nExecStart=/usr/bin/a\n");
  file(kEtc, "a.service", "[Service]\nExecStart=/usr/bin/a --etc\n");
  file(kUsr, "b.service", "[Service]\nExecStart=/usr/bin/b\n");
  auto defs = read();
  auto a = defs.find("a.service");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->fragment, "/etc/systemd/system/a.service");
  EXPECT_EQ(a->values("Service", "ExecStart"), Lines{"/usr/bin/a --etc"});
  EXPECT_EQ(a->kind, UnitKind::service);
  auto b = defs.find("b.service");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->fragment, "/usr/lib/systemd/system/b.service");
  EXPECT_FALSE(defs.find("c.service"));
  EXPECT_EQ(defs.names(), (Lines{"a.service", "b.service"}));
}

TEST_F(UnitDefinitionsTest, DropInsApplyInFileNameOrderAndEtcWinsAName) {
  file(kUsr, "web-front.service", "[Unit]\nDescription=Web\n[Service]\nExecStart=/bin/web\nEnvironment=A=1\n");
  file(kUsr, "web-front.service.d/20-same.conf", "[Service]\nEnvironment=FROM_USR=1\n");
  file(kEtc, "web-front.service.d/20-same.conf", "[Service]\nEnvironment=FROM_ETC=1\n");
  file(kEtc, "web-front.service.d/30-reset.conf", "[Service]\nExecStart=\nExecStart=/bin/web --new\n");
  file(kUsr, "web-.service.d/10-prefix.conf", "[Service]\nEnvironment=PREFIX=1\n");
  file(kUsr, "service.d/05-all.conf", "[Service]\nEnvironment=ALL=1\n");
  file(kUsr, "service.d/notes.txt", "not a drop-in");
  file(kUsr, "other.service.d/01-other.conf", "[Service]\nEnvironment=OTHER=1\n");
  auto def = read().find("web-front.service");
  ASSERT_TRUE(def);
  EXPECT_EQ(def->dropins, (Lines{
                              "/usr/lib/systemd/system/service.d/05-all.conf",
                              "/usr/lib/systemd/system/web-.service.d/10-prefix.conf",
                              "/etc/systemd/system/web-front.service.d/20-same.conf",
                              "/etc/systemd/system/web-front.service.d/30-reset.conf",
                          }));
  EXPECT_EQ(def->values("Service", "Environment"), (Lines{"A=1", "ALL=1", "PREFIX=1", "FROM_ETC=1"}));
  EXPECT_EQ(def->values("Service", "ExecStart"), Lines{"/bin/web --new"});
  EXPECT_EQ(def->words("Service", "ExecStart"), (Lines{"/bin/web", "--new"}));
}

TEST_F(UnitDefinitionsTest, LinksToDevNullMaskUnitsAndDropIns) {
  file(kUsr, "a.service", "[Service]\nExecStart=/bin/a\n");
  link(kEtc, "a.service", "/dev/null");
  file(kUsr, "b.service", "[Service]\nExecStart=/bin/b\n");
  file(kUsr, "b.service.d/10-x.conf", "[Service]\nEnvironment=X=1\n");
  link(kEtc, "b.service.d/10-x.conf", "/dev/null");
  auto defs = read();
  auto a = defs.find("a.service");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->masked);
  EXPECT_EQ(a->fragment, "");
  EXPECT_TRUE(a->sections.empty());
  auto b = defs.find("b.service");
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->masked);
  EXPECT_EQ(b->dropins, Lines{});
  EXPECT_EQ(b->values("Service", "Environment"), Lines{});
}

TEST_F(UnitDefinitionsTest, LinksResolveInsideTheRoot) {
  file(kUsr, "real.service", "[Service]\nExecStart=/bin/real\n");
  link(kEtc, "abs.service", "/usr/lib/systemd/system/abs.service");
  file(kUsr, "abs.service", "[Service]\nExecStart=/bin/abs\n");
  link(kEtc, "rel.service", "../../../usr/lib/systemd/system/rel.service");
  file(kUsr, "rel.service", "[Service]\nExecStart=/bin/rel\n");
  link(kEtc, "dbus-org.example.service", "/usr/lib/systemd/system/real.service");
  // Absolute targets are the root's: /etc/hostname of the machine running
  // the test does not count.
  link(kEtc, "host.service", "/etc/hostname");
  link(kEtc, "dangling.service", "/usr/lib/systemd/system/none.service");
  // A merged-/usr root: /lib is a link to usr/lib.
  link("", "lib", "usr/lib");
  link(kEtc, "via-lib.service", "/lib/systemd/system/real.service");
  auto defs = read();

  struct Case {
    std::string name, fragment, alias_of;
  };
  for (const Case& c : std::vector<Case>{
           {"abs.service", "/usr/lib/systemd/system/abs.service", ""},
           {"rel.service", "/usr/lib/systemd/system/rel.service", ""},
           {"dbus-org.example.service", "/usr/lib/systemd/system/real.service", "real.service"},
           {"via-lib.service", "/usr/lib/systemd/system/real.service", "real.service"},
       }) {
    auto d = defs.find(c.name);
    ASSERT_TRUE(d) << c.name;
    EXPECT_EQ(d->fragment, c.fragment) << c.name;
    EXPECT_EQ(d->alias_of, c.alias_of) << c.name;
  }
  EXPECT_FALSE(defs.find("host.service"));
  EXPECT_FALSE(defs.find("dangling.service"));
}

TEST_F(UnitDefinitionsTest, ALinkLoopIsAnError) {
  link(kEtc, "loop.service", "/etc/systemd/system/loop2.service");
  link(kEtc, "loop2.service", "/etc/systemd/system/loop.service");
  auto r = UnitDefinitions::read(root_.path());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "etc/systemd/system/loop.service: more than 40 symbolic links");
}

TEST_F(UnitDefinitionsTest, AMalformedUnitFileNamesTheFileAndLine) {
  file(kUsr, "bad.service", "[Service]\noops\n");
  auto r = UnitDefinitions::read(root_.path());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "usr/lib/systemd/system/bad.service: line 2: `oops` is not a `Key=Value` line");
}

TEST_F(UnitDefinitionsTest, InstancesUseTheirTemplateAndBothDropInDirectories) {
  file(kUsr, "getty@.service", "[Service]\nExecStart=/sbin/agetty %I\n");
  file(kEtc, "getty@.service.d/overrides.conf", "[Service]\nX-RestartIfChanged=false\n");
  file(kEtc, "getty@tty1.service.d/autologin.conf", "[Service]\nExecStart=\nExecStart=/sbin/agetty -a root %I\n");
  link(kEtc, "getty.target.wants/getty@tty1.service", "/usr/lib/systemd/system/getty@.service");
  link(kUsr, "getty.target.wants/getty@tty2.service", "../getty@.service");
  file(kUsr, "getty.target", "[Unit]\nWants=extra.service\nRequires=needed.service more.service\n");
  auto defs = read();

  auto tty1 = defs.find("getty@tty1.service");
  ASSERT_TRUE(tty1);
  EXPECT_EQ(tty1->fragment, "/usr/lib/systemd/system/getty@.service");
  EXPECT_EQ(tty1->dropins, (Lines{"/etc/systemd/system/getty@tty1.service.d/autologin.conf",
                                  "/etc/systemd/system/getty@.service.d/overrides.conf"}));
  EXPECT_EQ(tty1->values("Service", "ExecStart"), Lines{"/sbin/agetty -a root %I"});
  EXPECT_FALSE(tty1->keys.restart_if_changed);

  auto tty2 = defs.find("getty@tty2.service");
  ASSERT_TRUE(tty2);
  EXPECT_EQ(tty2->dropins, Lines{"/etc/systemd/system/getty@.service.d/overrides.conf"});
  EXPECT_EQ(tty2->values("Service", "ExecStart"), Lines{"/sbin/agetty %I"});
  EXPECT_NE(tty1->digest, tty2->digest);

  EXPECT_EQ(defs.wants("getty.target"),
            (Lines{"extra.service", "getty@tty1.service", "getty@tty2.service", "more.service", "needed.service"}));
  EXPECT_EQ(defs.wants("multi-user.target"), Lines{});
  EXPECT_EQ(defs.names(), (Lines{"getty.target", "getty@.service", "getty@tty1.service", "getty@tty2.service"}));
  EXPECT_FALSE(defs.find("other@x.service"));
}

TEST_F(UnitDefinitionsTest, SwitchKeysHaveNixOSDefaultsAndReadBothSections) {
  struct Case {
    std::string name, text;
    SwitchKeys keys;
  };
  SwitchKeys defaults;
  auto with = [](auto f) {
    SwitchKeys k;
    f(k);
    return k;
  };
  std::vector<Case> cases{
      {"plain.service", "[Service]\nExecStart=/bin/x\n", defaults},
      {"flags.service",
       "[Service]\nX-RestartIfChanged=false\nX-StopIfChanged=no\nX-ReloadIfChanged=true\nX-NotSocketActivated=yes\n",
       with([](SwitchKeys& k) {
         k.restart_if_changed = false;
         k.stop_if_changed = false;
         k.reload_if_changed = true;
         k.not_socket_activated = true;
       })},
      {"unit-flags.service",
       "[Unit]\nX-StopOnRemoval=0\nX-OnlyManualStart=on\nRefuseManualStart=1\nRefuseManualStop=true\n"
       "X-Reload-Triggers=abc123 def456\nX-Reload-Triggers=789\n",
       with([](SwitchKeys& k) {
         k.stop_on_removal = false;
         k.only_manual_start = true;
         k.refuse_manual_start = true;
         k.refuse_manual_stop = true;
         k.reload_triggers = "abc123 def456 789";
       })},
      // A timer has no [Service]: its keys may sit in [Unit].
      {"backup.timer", "[Unit]\nX-RestartIfChanged=false\n[Timer]\nOnCalendar=daily\n",
       with([](SwitchKeys& k) { k.restart_if_changed = false; })},
      // The NixOS section wins when both say something; the last value counts.
      {"both.service", "[Unit]\nX-StopIfChanged=true\n[Service]\nX-StopIfChanged=true\nX-StopIfChanged=false\n",
       with([](SwitchKeys& k) { k.stop_if_changed = false; })},
      {"target.target", "[Unit]\nX-StopOnReconfiguration=true\n",
       with([](SwitchKeys& k) { k.stop_on_reconfiguration = true; })},
      // Not a boolean: the default stays.
      {"odd.service", "[Service]\nX-RestartIfChanged=perhaps\n", defaults},
  };
  for (const Case& c : cases) file(kUsr, c.name, c.text);
  auto defs = read();
  for (const Case& c : cases) {
    auto d = defs.find(c.name);
    ASSERT_TRUE(d) << c.name;
    EXPECT_EQ(d->keys, c.keys) << c.name;
  }
}

TEST_F(UnitDefinitionsTest, PackagedUnitsGetNixOSPolicyUnlessTheirFilesSayOtherwise) {
  file(kUsr, "dbus.service", "[Service]\nExecStart=/usr/bin/dbus-daemon --system\n");
  file(kUsr, "systemd-logind.service", "[Service]\nExecStart=/usr/lib/systemd/systemd-logind\n");
  file(kUsr, "user-runtime-dir@.service", "[Service]\nExecStart=/usr/lib/systemd/systemd-user-runtime-dir start %i\n");
  file(kUsr, "systemd-journald.service", "[Service]\nExecStart=/usr/lib/systemd/systemd-journald\n");
  file(kUsr, "user@.service", "[Service]\nExecStart=/usr/lib/systemd/systemd --user\n");
  file(kEtc, "user@.service.d/cairn.conf", "[Service]\nX-RestartIfChanged=true\n");
  auto defs = read();

  auto dbus = defs.find("dbus.service");
  ASSERT_TRUE(dbus);
  EXPECT_TRUE(dbus->keys.reload_if_changed);
  EXPECT_EQ(dbus->keys.builtin, Lines{"X-ReloadIfChanged=true"});

  auto logind = defs.find("systemd-logind.service");
  ASSERT_TRUE(logind);
  EXPECT_FALSE(logind->keys.restart_if_changed);
  EXPECT_FALSE(logind->keys.stop_if_changed);
  EXPECT_EQ(logind->keys.builtin, (Lines{"X-RestartIfChanged=false", "X-StopIfChanged=false"}));

  auto rundir = defs.find("user-runtime-dir@1000.service");
  ASSERT_TRUE(rundir);
  EXPECT_FALSE(rundir->keys.restart_if_changed);
  EXPECT_FALSE(rundir->keys.stop_if_changed);

  auto journald = defs.find("systemd-journald.service");
  ASSERT_TRUE(journald);
  EXPECT_TRUE(journald->keys.restart_if_changed);
  EXPECT_FALSE(journald->keys.stop_if_changed);

  // The unit's own drop-in overrides the built-in policy.
  auto user = defs.find("user@1000.service");
  ASSERT_TRUE(user);
  EXPECT_TRUE(user->keys.restart_if_changed);
  EXPECT_EQ(user->keys.builtin, Lines{});

  EXPECT_EQ(builtin_switch_policy("sshd.service"), (std::vector<std::pair<std::string, bool>>{}));
}

TEST_F(UnitDefinitionsTest, DigestsFollowTheDefinitionNotWhereItLives) {
  file(kUsr, "a.service", "[Service]\nExecStart=/bin/a\n");
  file(kEtc, "b.service", "[Service]\nExecStart=/bin/a\n");
  file(kUsr, "c.service", "[Service]\nExecStart=/bin/a\n");
  file(kUsr, "c.service.d/10.conf", "[Service]\nNice=5\n");
  file(kUsr, "d.service", "[Service]\nExecStart=/bin/a\n[Install]\nWantedBy=multi-user.target\n");
  auto defs = read();
  auto a = defs.find("a.service"), b = defs.find("b.service"), c = defs.find("c.service"), d = defs.find("d.service");
  ASSERT_TRUE(a && b && c && d);
  EXPECT_EQ(a->digest.size(), 64u);
  EXPECT_EQ(a->digest, b->digest);
  EXPECT_NE(a->digest, c->digest);
  // [Install] is part of the digest (the file changed) but not of the sections.
  EXPECT_NE(a->digest, d->digest);
  EXPECT_EQ(a->sections, d->sections);
}

TEST_F(UnitDefinitionsTest, TreeAndSystemdDigests) {
  TempDir other;
  for (const TempDir* r : {&root_, &other}) r->write(std::string(kUsr) + "a.service", "[Service]\nExecStart=/a\n");
  auto one = UnitDefinitions::read(root_.path());
  auto two = UnitDefinitions::read(other.path());
  ASSERT_TRUE(one && two);
  EXPECT_EQ(one->tree_digest(), two->tree_digest());
  EXPECT_EQ(one->systemd_digest(), "");

  link(kEtc, "multi-user.target.wants/a.service", "/usr/lib/systemd/system/a.service");
  root_.write("usr/lib/systemd/systemd", "ELF systemd 252");
  auto three = UnitDefinitions::read(root_.path());
  ASSERT_TRUE(three);
  EXPECT_NE(three->tree_digest(), one->tree_digest());
  EXPECT_EQ(three->systemd_digest(),
            "a5d57173d0d7ad843f4236cc4a61c2465e1adbbdaa8ae14f14902680e0194f7b");  // sha256 of "ELF systemd 252"
}

TEST(UnitKindTest, NamesAndSuffixes) {
  struct Case {
    std::string name;
    UnitKind kind;
    std::string_view kind_name;
  };
  for (const Case& c : std::vector<Case>{
           {"a.service", UnitKind::service, "service"},
           {"a.socket", UnitKind::socket, "socket"},
           {"a.target", UnitKind::target, "target"},
           {"a.timer", UnitKind::timer, "timer"},
           {"a.path", UnitKind::path, "path"},
           {"-.mount", UnitKind::mount, "mount"},
           {"a.automount", UnitKind::automount, "automount"},
           {"a.swap", UnitKind::swap, "swap"},
           {"a.slice", UnitKind::slice, "slice"},
           {"a.scope", UnitKind::scope, "scope"},
           {"dev-sda.device", UnitKind::device, "device"},
           {"a.conf", UnitKind::other, "other"},
           {"noext", UnitKind::other, "other"},
       }) {
    EXPECT_EQ(unit_kind_of(c.name), c.kind) << c.name;
    EXPECT_EQ(unit_kind_name(c.kind), c.kind_name) << c.name;
  }
}

}  // namespace
}  // namespace cairn::activator
