// Tests of the switch plan (switch_plan.hh): one case per rule, each on two
// temporary roots (old and new generation) with real unit files and links,
// and the units systemd has now as the caller would list them.
#include "activator/switch_plan.hh"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "activator/fakes_test.hh"

namespace cairn::activator {

// For readable failures.
void PrintTo(const PlannedUnit& p, std::ostream* os) { *os << "{" << p.unit << ", \"" << p.reason << "\"}"; }

namespace {

using testing::TempDir;
using P = PlannedUnit;
using Ps = std::vector<PlannedUnit>;
/// Path in the root → contents; "-> target" makes a symbolic link.
using Files = std::map<std::string, std::string>;

std::pair<const std::string, std::string> usr(const std::string& name, const std::string& text) {
  return {"usr/lib/systemd/system/" + name, text};
}
std::pair<const std::string, std::string> etc(const std::string& name, const std::string& text) {
  return {"etc/systemd/system/" + name, text};
}
std::pair<const std::string, std::string> wants(const std::string& target, const std::string& unit) {
  return {"etc/systemd/system/" + target + ".wants/" + unit, "-> /usr/lib/systemd/system/" + unit};
}
std::string svc(const std::string& exec, const std::string& more = "") {
  return "[Service]\nExecStart=" + exec + "\n" + more;
}
LiveUnit live(const std::string& name, const std::string& state = "active", const std::string& fragment = "") {
  return {name, state, state == "active" ? "running" : "dead", fragment};
}

void write_root(const TempDir& root, const Files& files) {
  for (const auto& [path, text] : files) {
    if (text.starts_with("-> ")) {
      std::filesystem::path p = root.path() + "/" + path;
      std::filesystem::create_directories(p.parent_path());
      std::filesystem::create_symlink(text.substr(3), p);
    } else {
      root.write(path, text);
    }
  }
}

// Both roots have these; systemd has both targets active.
const Files kCommon{
    usr("multi-user.target", "[Unit]\nDescription=Multi-User System\n"),
    usr("sockets.target", "[Unit]\nDescription=Sockets\n"),
    usr("rescue.target", "[Unit]\nDescription=Rescue\n"),
};
const std::vector<LiveUnit> kCommonLive{live("multi-user.target"), live("sockets.target"),
                                        live("rescue.target", "inactive")};

struct Expected {
  Ps stop{}, start{}, restart{}, reload{}, skipped{};
};

struct Case {
  std::string title;
  Files old_files, new_files;
  std::vector<LiveUnit> live;
  Expected want{};
};

Plan plan_for(const Files& old_files, const Files& new_files, std::vector<LiveUnit> units,
              KernelVersions kernels = {"6.1.0-18-amd64", "6.1.0-18-amd64"}) {
  TempDir old_root, new_root;
  Files o = kCommon, n = kCommon;
  for (const auto& f : old_files) o.insert_or_assign(f.first, f.second);
  for (const auto& f : new_files) n.insert_or_assign(f.first, f.second);
  write_root(old_root, o);
  write_root(new_root, n);
  auto old_units = UnitDefinitions::read(old_root.path());
  auto new_units = UnitDefinitions::read(new_root.path());
  EXPECT_TRUE(old_units) << old_units.error().message;
  EXPECT_TRUE(new_units) << new_units.error().message;
  if (!old_units || !new_units) return {};
  units.insert(units.end(), kCommonLive.begin(), kCommonLive.end());
  return plan_switch(*old_units, *new_units, units, kernels);
}

void run(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.title);
    Plan p = plan_for(c.old_files, c.new_files, c.live);
    EXPECT_EQ(p.stop, c.want.stop);
    EXPECT_EQ(p.start, c.want.start);
    EXPECT_EQ(p.restart, c.want.restart);
    EXPECT_EQ(p.reload, c.want.reload);
    EXPECT_EQ(p.skipped, c.want.skipped);
  }
}

TEST(SwitchPlanTest, UnchangedAndRemovedUnits) {
  run({
      {"an unchanged active unit is untouched",
       {usr("a.service", svc("/bin/a"))},
       {usr("a.service", svc("/bin/a"))},
       {live("a.service")}},
      {"a removed active unit is stopped",
       {usr("a.service", svc("/bin/a"))},
       {},
       {live("a.service")},
       {.stop = {P{"a.service", "removed in the new system"}}}},
      {"a removed unit with X-StopOnRemoval=false is left running",
       {usr("a.service", "[Unit]\nX-StopOnRemoval=false\n" + svc("/bin/a"))},
       {},
       {live("a.service")},
       {.skipped = {P{"a.service", "removed in the new system, but X-StopOnRemoval=false"}}}},
      {"a unit masked in the new system is stopped",
       {usr("a.service", svc("/bin/a"))},
       {usr("a.service", svc("/bin/a")), etc("a.service", "-> /dev/null")},
       {live("a.service")},
       {.stop = {P{"a.service", "masked in the new system"}}}},
      {"a removed inactive unit needs nothing", {usr("a.service", svc("/bin/a"))}, {}, {live("a.service", "inactive")}},
      {"a unit the old system did not define is not ours to stop", {}, {}, {live("run-x.service")}},
      {"a transient or generated unit is not looked at",
       {usr("x.service", svc("/bin/x"))},
       {},
       {live("x.service", "active", "/run/systemd/transient/x.service")}},
  });
}

TEST(SwitchPlanTest, ChangedServices) {
  const std::string changed = "changed ([Service] ExecStart=)";
  run({
      {"a changed service is stopped before the switch and started after",
       {usr("a.service", svc("/bin/a"))},
       {usr("a.service", svc("/bin/a --new"))},
       {live("a.service")},
       {.stop = {P{"a.service", changed + ": stopped before the switch"}},
        .start = {P{"a.service", changed + ": started after the switch"}}}},
      {"X-StopIfChanged=false restarts in one step",
       {usr("a.service", svc("/bin/a", "X-StopIfChanged=false\n"))},
       {usr("a.service", svc("/bin/a --new", "X-StopIfChanged=false\n"))},
       {live("a.service")},
       {.restart = {P{"a.service", changed + "; X-StopIfChanged=false: restarted in one step"}}}},
      {"X-ReloadIfChanged=true reloads",
       {usr("a.service", svc("/bin/a", "X-ReloadIfChanged=true\n"))},
       {usr("a.service", svc("/bin/a --new", "X-ReloadIfChanged=true\n"))},
       {live("a.service")},
       {.reload = {P{"a.service", changed + "; X-ReloadIfChanged=true"}}}},
      {"X-RestartIfChanged=false leaves it alone",
       {usr("a.service", svc("/bin/a", "X-RestartIfChanged=false\n"))},
       {usr("a.service", svc("/bin/a --new", "X-RestartIfChanged=false\n"))},
       {live("a.service")},
       {.skipped = {P{"a.service", changed + ", but X-RestartIfChanged=false"}}}},
      {"RefuseManualStop=true leaves it alone",
       {usr("a.service", "[Unit]\nRefuseManualStop=true\n" + svc("/bin/a"))},
       {usr("a.service", "[Unit]\nRefuseManualStop=true\n" + svc("/bin/a --new"))},
       {live("a.service")},
       {.skipped = {P{"a.service", changed + ", but RefuseManualStop=true"}}}},
      {"X-OnlyManualStart=true leaves it alone",
       {usr("a.service", "[Unit]\nX-OnlyManualStart=true\n" + svc("/bin/a"))},
       {usr("a.service", "[Unit]\nX-OnlyManualStart=true\n" + svc("/bin/a --new"))},
       {live("a.service")},
       {.skipped = {P{"a.service", changed + ", but X-OnlyManualStart=true"}}}},
      {"a changed drop-in counts as a change",
       {usr("a.service", svc("/bin/a"))},
       {usr("a.service", svc("/bin/a")), etc("a.service.d/overrides.conf", "[Service]\nNice=5\n")},
       {live("a.service")},
       {.stop = {P{"a.service", "changed ([Service] Nice=): stopped before the switch"}},
        .start = {P{"a.service", "changed ([Service] Nice=): started after the switch"}}}},
      {"a changed unit that is not active is left alone",
       {usr("a.service", svc("/bin/a"))},
       {usr("a.service", svc("/bin/a --new"))},
       {live("a.service", "inactive")},
       {.skipped = {P{"a.service", changed + ", but not active (inactive)"}}}},
      {"an activating unit counts as active",
       {usr("a.service", svc("/bin/a"))},
       {usr("a.service", svc("/bin/a --new"))},
       {live("a.service", "activating")},
       {.stop = {P{"a.service", changed + ": stopped before the switch"}},
        .start = {P{"a.service", changed + ": started after the switch"}}}},
  });
}

TEST(SwitchPlanTest, ReloadOnlyAndIgnoredChanges) {
  run({
      {"only X-Reload-Triggers changed: reload",
       {usr("a.service", "[Unit]\nX-Reload-Triggers=aaa\n" + svc("/bin/a"))},
       {usr("a.service", "[Unit]\nX-Reload-Triggers=bbb\n" + svc("/bin/a"))},
       {live("a.service")},
       {.reload = {P{"a.service", "only [Unit] X-Reload-Triggers= changed"}}}},
      {"reload triggers added: reload, even with X-RestartIfChanged=false",
       {usr("a.service", svc("/bin/a", "X-RestartIfChanged=false\n"))},
       {usr("a.service", "[Unit]\nX-Reload-Triggers=bbb\n" + svc("/bin/a", "X-RestartIfChanged=false\n"))},
       {live("a.service")},
       {.reload = {P{"a.service", "only [Unit] X-Reload-Triggers= changed"}}}},
      {"only ExecReload= changed: reload",
       {usr("a.service", svc("/bin/a", "ExecReload=/bin/kill -HUP $MAINPID\n"))},
       {usr("a.service", svc("/bin/a", "ExecReload=/bin/a --reload\n"))},
       {live("a.service")},
       {.reload = {P{"a.service", "only [Service] ExecReload= changed"}}}},
      {"ExecReload= removed: nothing to do",
       {usr("a.service", svc("/bin/a", "ExecReload=/bin/a --reload\n"))},
       {usr("a.service", svc("/bin/a"))},
       {live("a.service")}},
      {"only Description= changed: nothing to do",
       {usr("a.service", "[Unit]\nDescription=A\n" + svc("/bin/a"))},
       {usr("a.service", "[Unit]\nDescription=The A\nDocumentation=man:a(8)\n" + svc("/bin/a"))},
       {live("a.service")}},
      {"only [Install] changed: nothing to do",
       {usr("a.service", svc("/bin/a"))},
       {usr("a.service", svc("/bin/a") + "[Install]\nWantedBy=multi-user.target\n")},
       {live("a.service")}},
      {"a reload-only change and a real one: the real one decides",
       {usr("a.service", "[Unit]\nX-Reload-Triggers=aaa\n" + svc("/bin/a", "X-StopIfChanged=false\n"))},
       {usr("a.service", "[Unit]\nX-Reload-Triggers=bbb\n" + svc("/bin/a --new", "X-StopIfChanged=false\n"))},
       {live("a.service")},
       {.restart = {P{"a.service", "changed ([Service] ExecStart=); X-StopIfChanged=false: restarted in one step"}}}},
  });
}

TEST(SwitchPlanTest, OtherUnitKinds) {
  run({
      {"a changed timer is restarted",
       {usr("backup.timer", "[Timer]\nOnCalendar=daily\n")},
       {usr("backup.timer", "[Timer]\nOnCalendar=hourly\n")},
       {live("backup.timer")},
       {.restart = {P{"backup.timer", "changed ([Timer] OnCalendar=)"}}}},
      {"a changed timer with X-RestartIfChanged=false in [Unit] is left alone",
       {usr("backup.timer", "[Unit]\nX-RestartIfChanged=false\n[Timer]\nOnCalendar=daily\n")},
       {usr("backup.timer", "[Unit]\nX-RestartIfChanged=false\n[Timer]\nOnCalendar=hourly\n")},
       {live("backup.timer")},
       {.skipped = {P{"backup.timer", "changed ([Timer] OnCalendar=), but X-RestartIfChanged=false"}}}},
      {".path and .slice units are applied by daemon-reload",
       {usr("spool.path", "[Path]\nPathChanged=/var/spool/a\n"), usr("work.slice", "[Slice]\nCPUWeight=100\n")},
       {usr("spool.path", "[Path]\nPathChanged=/var/spool/b\n"), usr("work.slice", "[Slice]\nCPUWeight=50\n")},
       {live("spool.path"), live("work.slice")},
       {.skipped = {P{"spool.path", "changed ([Path] PathChanged=): a .path unit, applied by daemon-reload"},
                    P{"work.slice", "changed ([Slice] CPUWeight=): a .slice unit, applied by daemon-reload"}}}},
      {"mounts: restarted; the running system's reloaded; options only: reloaded",
       {usr("srv.mount", "[Mount]\nWhat=/dev/sdb1\nWhere=/srv\n"), usr("-.mount", "[Mount]\nWhat=/dev/sda2\nWhere=/\n"),
        usr("data.mount", "[Mount]\nWhat=/dev/sdc1\nWhere=/data\nOptions=ro\n")},
       {usr("srv.mount", "[Mount]\nWhat=/dev/sdb2\nWhere=/srv\n"), usr("-.mount", "[Mount]\nWhat=/dev/sda3\nWhere=/\n"),
        usr("data.mount", "[Mount]\nWhat=/dev/sdc1\nWhere=/data\nOptions=rw\n")},
       {live("srv.mount"), live("-.mount"), live("data.mount")},
       {.restart = {P{"srv.mount", "changed ([Mount] What=)"}},
        .reload = {P{"-.mount", "changed ([Mount] What=): a mount of the running system is reloaded, never unmounted"},
                   P{"data.mount", "only [Mount] Options= changed"}}}},
  });
}

TEST(SwitchPlanTest, SocketsAndSocketActivatedServices) {
  const std::string socket = "[Socket]\nListenStream=80\n";
  run({
      {"a changed socket is made anew and its service stopped",
       {usr("web.socket", socket), usr("web.service", svc("/bin/web"))},
       {usr("web.socket", "[Socket]\nListenStream=8080\n"), usr("web.service", svc("/bin/web"))},
       {live("web.socket"), live("web.service")},
       {.stop = {P{"web.service",
                   "its socket web.socket changed: stopped before the switch; the socket starts it again"},
                 P{"web.socket", "changed ([Socket] ListenStream=): stopped before the switch"}},
        .start = {P{"web.socket", "changed ([Socket] ListenStream=): started after the switch"}}}},
      {"a changed per-connection socket leaves the instances alone",
       {usr("echo.socket", "[Socket]\nListenStream=7\nAccept=yes\n"), usr("echo@.service", svc("/bin/echo"))},
       {usr("echo.socket", "[Socket]\nListenStream=7007\nAccept=yes\n"), usr("echo@.service", svc("/bin/echo"))},
       {live("echo.socket"), live("echo@1-127.0.0.1:7-127.0.0.1:5000.service")},
       {.stop = {P{"echo.socket", "changed ([Socket] ListenStream=): stopped before the switch"}},
        .start = {P{"echo.socket", "changed ([Socket] ListenStream=): started after the switch"}}}},
      {"a changed socket whose service refuses restarts only the socket",
       {usr("web.socket", socket), usr("web.service", svc("/bin/web", "X-RestartIfChanged=false\n"))},
       {usr("web.socket", "[Socket]\nListenStream=8080\n"),
        usr("web.service", svc("/bin/web", "X-RestartIfChanged=false\n"))},
       {live("web.socket"), live("web.service")},
       {.stop = {P{"web.socket", "changed ([Socket] ListenStream=): stopped before the switch"}},
        .start = {P{"web.socket", "changed ([Socket] ListenStream=): started after the switch"}},
        .skipped = {P{"web.service", "its socket web.socket changed, but X-RestartIfChanged=false"}}}},
      {"a changed socket-activated service: stop both, start the socket",
       {usr("web.socket", socket), usr("web.service", svc("/bin/web"))},
       {usr("web.socket", socket), usr("web.service", svc("/bin/web --new"))},
       {live("web.socket"), live("web.service")},
       {.stop = {P{"web.service",
                   "changed ([Service] ExecStart=): stopped before the switch; its socket starts it again"},
                 P{"web.socket", "a socket of web.service, which changed: stopped before the switch"}},
        .start = {P{"web.socket", "a socket of web.service, which changed: started after the switch"}}}},
      {"Sockets= names the sockets; X-NotSocketActivated=true starts the service too",
       {usr("api.socket", socket),
        usr("web.service", svc("/bin/web", "Sockets=api.socket\nX-NotSocketActivated=true\n"))},
       {usr("api.socket", socket),
        usr("web.service", svc("/bin/web --new", "Sockets=api.socket\nX-NotSocketActivated=true\n"))},
       {live("api.socket"), live("web.service")},
       {.stop = {P{"api.socket", "a socket of web.service, which changed: stopped before the switch"},
                 P{"web.service", "changed ([Service] ExecStart=): stopped before the switch"}},
        .start = {P{"api.socket", "a socket of web.service, which changed: started after the switch"},
                  P{"web.service", "changed ([Service] ExecStart=): started after the switch"}}}},
      {"moving to socket activation: the new socket starts the service",
       {usr("web.service", svc("/bin/web"))},
       {usr("web.service", svc("/bin/web --new")), usr("web.socket", socket), wants("sockets.target", "web.socket")},
       {live("web.service")},
       {.stop = {P{"web.service",
                   "changed ([Service] ExecStart=): stopped before the switch; its socket starts it again"}},
        .start = {P{"web.socket", "new, wanted by sockets.target"}}}},
  });
}

TEST(SwitchPlanTest, TargetsAndNewlyWantedUnits) {
  run({
      {"a changed target is not restarted; what it newly wants is started",
       {},
       {usr("multi-user.target", "[Unit]\nDescription=Multi-User System\nWants=new.service\n"),
        usr("new.service", svc("/bin/new"))},
       {},
       {.start = {P{"new.service", "new, wanted by multi-user.target"}},
        .skipped = {P{"multi-user.target",
                      "changed ([Unit] Wants=): a target is not restarted; what it newly wants is started"}}}},
      {"X-StopOnReconfiguration=true stops and starts a target",
       {usr("local-fs.target", "[Unit]\nX-StopOnReconfiguration=true\n")},
       {usr("local-fs.target", "[Unit]\nX-StopOnReconfiguration=true\n")},
       {live("local-fs.target")},
       {.stop = {P{"local-fs.target", "X-StopOnReconfiguration=true: stopped before the switch"}},
        .start = {P{"local-fs.target", "X-StopOnReconfiguration=true: started after the switch"}}}},
      {"a new unit linked into an active target's .wants/ is started; an inactive target's is not",
       {},
       {usr("new.service", svc("/bin/new")), wants("multi-user.target", "new.service"),
        usr("fix.service", svc("/bin/fix")), wants("rescue.target", "fix.service")},
       {},
       {.start = {P{"new.service", "new, wanted by multi-user.target"}}}},
      {"new targets count as active: what they want is started too",
       {},
       {usr("app.target", "[Unit]\nDescription=App\n"), wants("multi-user.target", "app.target"),
        usr("app.service", svc("/bin/app")), wants("app.target", "app.service")},
       {},
       {.start = {P{"app.service", "new, wanted by app.target"}, P{"app.target", "new, wanted by multi-user.target"}}}},
      {"an old unit newly wanted is started; one wanted before and finished is not",
       {usr("a.service", svc("/bin/a")), usr("once.service", svc("/bin/once")),
        wants("multi-user.target", "once.service")},
       {usr("a.service", svc("/bin/a")), wants("multi-user.target", "a.service"), usr("once.service", svc("/bin/once")),
        wants("multi-user.target", "once.service")},
       {live("a.service", "inactive"), live("once.service", "inactive")},
       {.start = {P{"a.service", "newly wanted by multi-user.target"}}}},
      {"a new unit that refuses manual start is not started",
       {},
       {usr("manual.service", "[Unit]\nRefuseManualStart=true\n" + svc("/bin/m")),
        wants("multi-user.target", "manual.service"),
        usr("only.service", "[Unit]\nX-OnlyManualStart=true\n" + svc("/bin/o")),
        wants("multi-user.target", "only.service")},
       {},
       {.skipped = {P{"manual.service", "new, wanted by multi-user.target, but RefuseManualStart=true"},
                    P{"only.service", "new, wanted by multi-user.target, but X-OnlyManualStart=true"}}}},
      {"a failed unit that changed is started again; a failed unchanged one is not",
       {usr("broken.service", svc("/bin/broken")), wants("multi-user.target", "broken.service"),
        usr("still.service", svc("/bin/still")), wants("multi-user.target", "still.service")},
       {usr("broken.service", svc("/bin/fixed")), wants("multi-user.target", "broken.service"),
        usr("still.service", svc("/bin/still")), wants("multi-user.target", "still.service")},
       {live("broken.service", "failed"), live("still.service", "failed")},
       {.start = {P{"broken.service", "failed, changed ([Service] ExecStart=), wanted by multi-user.target"}}}},
      {"an active wanted unit is not started again",
       {usr("a.service", svc("/bin/a"))},
       {usr("a.service", svc("/bin/a")), wants("multi-user.target", "a.service")},
       {live("a.service")}},
  });
}

TEST(SwitchPlanTest, PackagedUnitsFollowNixOSPolicyAndTemplates) {
  const std::string changed = "changed ([Service] ExecStart=)";
  run({
      {"dbus is reloaded, not restarted",
       {usr("dbus.service", svc("/usr/bin/dbus-daemon --system"))},
       {usr("dbus.service", svc("/usr/bin/dbus-daemon --system --nopidfile"))},
       {live("dbus.service")},
       {.reload = {P{"dbus.service", changed + "; X-ReloadIfChanged=true (built in for dbus.service)"}}}},
      {"systemd-logind is left alone",
       {usr("systemd-logind.service", svc("/usr/lib/systemd/systemd-logind"))},
       {usr("systemd-logind.service", svc("/usr/lib/systemd/systemd-logind --new"))},
       {live("systemd-logind.service")},
       {.skipped = {P{"systemd-logind.service",
                      changed + ", but X-RestartIfChanged=false (built in for systemd-logind.service)"}}}},
      {"systemd-journald is restarted in one step",
       {usr("systemd-journald.service", svc("/usr/lib/systemd/systemd-journald"))},
       {usr("systemd-journald.service", svc("/usr/lib/systemd/systemd-journald --new"))},
       {live("systemd-journald.service")},
       {.restart = {P{"systemd-journald.service",
                      changed + "; X-StopIfChanged=false (built in for systemd-journald.service): "
                                "restarted in one step"}}}},
      {"an instance follows its template and the template's drop-in",
       {usr("getty@.service", svc("/sbin/agetty %I")), usr("serial-getty@.service", svc("/sbin/agetty -L %I")),
        etc("getty@.service.d/overrides.conf", "[Service]\nX-RestartIfChanged=false\n")},
       {usr("getty@.service", svc("/sbin/agetty --noclear %I")),
        usr("serial-getty@.service", svc("/sbin/agetty -L --noclear %I")),
        etc("getty@.service.d/overrides.conf", "[Service]\nX-RestartIfChanged=false\n")},
       {live("getty@tty1.service"), live("serial-getty@ttyS0.service")},
       {.stop = {P{"serial-getty@ttyS0.service", changed + ": stopped before the switch"}},
        .start = {P{"serial-getty@ttyS0.service", changed + ": started after the switch"}},
        .skipped = {P{"getty@tty1.service", changed + ", but X-RestartIfChanged=false"}}}},
  });
}

TEST(SwitchPlanTest, ARealisticSwitchAddsChangesKeepsAndRemoves) {
  // The e2e scenario of issue 8: a new package's service, a changed
  // service, an untouched one and a removed one, in one switch.
  Files old_files{usr("changed.service", svc("/bin/changed", "Environment=LEVEL=1\n")),
                  wants("multi-user.target", "changed.service"),
                  usr("same.service", svc("/bin/same")),
                  wants("multi-user.target", "same.service"),
                  usr("gone.service", svc("/bin/gone")),
                  wants("multi-user.target", "gone.service")};
  Files new_files{usr("changed.service", svc("/bin/changed", "Environment=LEVEL=2\n")),
                  wants("multi-user.target", "changed.service"),
                  usr("same.service", svc("/bin/same")),
                  wants("multi-user.target", "same.service"),
                  usr("added.service", svc("/bin/added")),
                  wants("multi-user.target", "added.service")};
  Plan p = plan_for(old_files, new_files,
                    {live("changed.service"), live("same.service"), live("gone.service"),
                     live("systemd-udevd.service", "active", "/usr/lib/systemd/system/systemd-udevd.service")});
  EXPECT_EQ(p.stop, (Ps{P{"changed.service", "changed ([Service] Environment=): stopped before the switch"},
                        P{"gone.service", "removed in the new system"}}));
  EXPECT_EQ(p.start, (Ps{P{"added.service", "new, wanted by multi-user.target"},
                         P{"changed.service", "changed ([Service] Environment=): started after the switch"}}));
  EXPECT_EQ(p.restart, Ps{});
  EXPECT_EQ(p.reload, Ps{});
  EXPECT_EQ(p.skipped, Ps{});
  EXPECT_TRUE(p.daemon_reload);
  EXPECT_EQ(p.reboot_reasons, std::vector<std::string>{});
}

TEST(SwitchPlanTest, DaemonReloadOnlyWhenTheUnitFilesDiffer) {
  Files same{usr("a.service", svc("/bin/a")), wants("multi-user.target", "a.service")};
  Plan unchanged = plan_for(same, same, {live("a.service")});
  EXPECT_FALSE(unchanged.daemon_reload);
  EXPECT_EQ(unchanged.stop, Ps{});
  EXPECT_EQ(unchanged.start, Ps{});

  // A link added to an inactive target changes no running unit, but systemd
  // must still see it.
  Files more = same;
  more.insert(wants("rescue.target", "a.service"));
  Plan linked = plan_for(same, more, {live("a.service")});
  EXPECT_TRUE(linked.daemon_reload);
  EXPECT_EQ(linked.start, Ps{});
}

TEST(SwitchPlanTest, RebootReasons) {
  Plan same = plan_for({}, {}, {}, {"6.1.0-18-amd64", "6.1.0-18-amd64"});
  EXPECT_EQ(same.reboot_reasons, std::vector<std::string>{});

  Plan kernel = plan_for({}, {}, {}, {"6.1.0-17-amd64", "6.1.0-18-amd64"});
  EXPECT_EQ(kernel.reboot_reasons, std::vector<std::string>{"the kernel changed (6.1.0-17-amd64 → 6.1.0-18-amd64)"});

  Plan systemd = plan_for({{"usr/lib/systemd/systemd", "systemd 252.19"}},
                          {{"usr/lib/systemd/systemd", "systemd 252.22"}}, {}, {"6.1.0-17-amd64", "6.1.0-18-amd64"});
  EXPECT_EQ(systemd.reboot_reasons, (std::vector<std::string>{"the kernel changed (6.1.0-17-amd64 → 6.1.0-18-amd64)",
                                                              "systemd changed (/usr/lib/systemd/systemd differs)"}));

  Plan same_systemd =
      plan_for({{"usr/lib/systemd/systemd", "systemd 252.19"}}, {{"usr/lib/systemd/systemd", "systemd 252.19"}}, {});
  EXPECT_EQ(same_systemd.reboot_reasons, std::vector<std::string>{});
}

TEST(SwitchPlanTest, ALiveUnitListedTwiceCountsOnce) {
  Plan p = plan_for({usr("a.service", svc("/bin/a"))}, {}, {live("a.service"), live("a.service", "inactive")});
  EXPECT_EQ(p.stop, (Ps{P{"a.service", "removed in the new system"}}));
}

UnitDefinition def_of(UnitSections sections, bool masked = false) {
  UnitDefinition d;
  d.name = "x.service";
  d.kind = UnitKind::service;
  d.sections = std::move(sections);
  d.masked = masked;
  return d;
}

TEST(CompareUnitsTest, FollowsNixOSCompareUnits) {
  using K = UnitComparison;
  struct Case {
    std::string title;
    UnitSections before, after;
    UnitComparison expected;
  };
  for (const Case& c : std::vector<Case>{
           {"equal", {{"Service", {{"ExecStart", {"/a"}}}}}, {{"Service", {{"ExecStart", {"/a"}}}}}, {}},
           {"a value changed",
            {{"Service", {{"ExecStart", {"/a"}}}}},
            {{"Service", {{"ExecStart", {"/b"}}}}},
            {K::restart, "[Service] ExecStart="}},
           {"a key added",
            {{"Service", {{"ExecStart", {"/a"}}}}},
            {{"Service", {{"ExecStart", {"/a"}}, {"Nice", {"5"}}}}},
            {K::restart, "[Service] Nice="}},
           {"a section removed",
            {{"Service", {{"ExecStart", {"/a"}}}}, {"Socket", {{"ListenStream", {"1"}}}}},
            {{"Service", {{"ExecStart", {"/a"}}}}},
            {K::restart, "[Socket] ListenStream="}},
           {"a list reset to nothing counts as absent",
            {{"Service", {{"ExecStart", {"/a"}}}}},
            {{"Service", {{"ExecStart", {"/a"}}, {"Environment", {}}}}},
            {}},
           {"ignored [Unit] keys",
            {{"Unit", {{"Description", {"a"}}, {"OnFailure", {"x.service"}}}}},
            {{"Unit", {{"Description", {"b"}}, {"RefuseManualStop", {"true"}}, {"CollectMode", {"inactive"}}}}},
            {}},
           {"the same key outside [Unit] is not ignored",
            {{"Service", {{"Description", {"a"}}}}},
            {{"Service", {{"Description", {"b"}}}}},
            {K::restart, "[Service] Description="}},
           {"reload triggers",
            {{"Unit", {{"X-Reload-Triggers", {"a"}}}}},
            {{"Unit", {{"X-Reload-Triggers", {"b"}}}}},
            {K::reload, "[Unit] X-Reload-Triggers="}},
           {"ExecReload added",
            {{"Service", {{"ExecStart", {"/a"}}}}},
            {{"Service", {{"ExecStart", {"/a"}}, {"ExecReload", {"/r"}}}}},
            {K::reload, "[Service] ExecReload="}},
           {"ExecReload removed",
            {{"Service", {{"ExecStart", {"/a"}}, {"ExecReload", {"/r"}}}}},
            {{"Service", {{"ExecStart", {"/a"}}}}},
            {}},
           {"mount options",
            {{"Mount", {{"Options", {"ro"}}}}},
            {{"Mount", {{"Options", {"rw"}}}}},
            {K::reload, "[Mount] Options="}},
           {"a restart outweighs a reload",
            {{"Service", {{"ExecReload", {"/r"}}, {"ExecStart", {"/a"}}}}},
            {{"Service", {{"ExecReload", {"/r2"}}, {"ExecStart", {"/b"}}}}},
            {K::restart, "[Service] ExecStart="}},
       }) {
    EXPECT_EQ(compare_units(def_of(c.before), def_of(c.after)), c.expected) << c.title;
  }
  EXPECT_EQ(compare_units(def_of({}), def_of({}, true)), (UnitComparison{K::restart, "masked"}));
}

}  // namespace
}  // namespace cairn::activator
