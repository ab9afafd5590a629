// Tests of the maintainer-script analysis (scripts.hh), on snippets copied
// from bookworm's packages, and on every real package in the local store
// when there is one.
#include "builder/compose/scripts.hh"

#include "builder/debian/lock_file.hh"
#include "builder/debian/store.hh"

#include <filesystem>
#include <regex>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "builder/compose/script_commands.hh"
#include "builder/compose/test_packages.hh"

namespace cairn::compose {
namespace {

PackageScripts analyze(std::string_view package, std::vector<std::pair<std::string, std::string>> scripts,
                       std::vector<debian::Entry> shipped = {}) {
  auto r = analyze_script_texts(package, scripts, shipped);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? std::move(*r) : PackageScripts{};
}

// The action on `line` of `script` running `command` (the first one).
const Action* action(const PackageScripts& p, ScriptKind script, uint32_t line, std::string_view command = "") {
  for (const Action& a : p.actions)
    if (a.script == script && a.line == line && (command.empty() || a.command == command)) return &a;
  return nullptr;
}

std::string how_of(const Action* a) { return a ? a->how : "(no action)"; }
std::string expanded_of(const Action* a) { return a ? a->expanded : "(no action)"; }

constexpr std::string_view kDone = "done";
std::string_view handling(const Action* a) {
  if (!a) return "(no action)";
  return a->handling == Action::Handling::declarative ? kDone : "skipped";
}

TEST(ScriptsTest, MawkAlternativeWithSlavesIsReadFromTheDhBlock) {
  auto p = analyze("mawk", {{"postinst",
                             "#!/bin/sh\nset -e\n"
                             "# Automatically added by dh_installalternatives/13.7.1\n"
                             "if [ \"$1\" = \"configure\" ] || [ \"$1\" = \"abort-upgrade\" ] || [ \"$1\" = \"abort-deconfigure\" ] || [ \"$1\" = \"abort-remove\" ]; then\n"
                             "        update-alternatives --install /usr/bin/awk awk /usr/bin/mawk 5 \\\n"
                             "            --slave /usr/share/man/man1/awk.1.gz awk.1.gz /usr/share/man/man1/mawk.1.gz \\\n"
                             "            --slave /usr/bin/nawk nawk /usr/bin/mawk \\\n"
                             "            --slave /usr/share/man/man1/nawk.1.gz nawk.1.gz /usr/share/man/man1/mawk.1.gz\n"
                             "fi\n"
                             "# End automatically added section\n"},
                            {"prerm",
                             "#!/bin/sh\nset -e\nif [ \"$1\" = \"remove\" ]; then\n"
                             "\tupdate-alternatives --remove awk /usr/bin/mawk\nfi\n"}});
  ASSERT_EQ(p.alternatives.size(), 1u);
  const Alternative& a = p.alternatives[0];
  EXPECT_EQ(a.link, "/usr/bin/awk");
  EXPECT_EQ(a.name, "awk");
  EXPECT_EQ(a.path, "/usr/bin/mawk");
  EXPECT_EQ(a.priority, 5);
  EXPECT_EQ(a.package, "mawk");
  EXPECT_EQ(a.slaves, (std::vector<Alternative::Slave>{
                          {"/usr/share/man/man1/awk.1.gz", "awk.1.gz", "/usr/share/man/man1/mawk.1.gz"},
                          {"/usr/bin/nawk", "nawk", "/usr/bin/mawk"},
                          {"/usr/share/man/man1/nawk.1.gz", "nawk.1.gz", "/usr/share/man/man1/mawk.1.gz"}}));
  const Action* install = action(p, ScriptKind::postinst, 5);
  EXPECT_EQ(handling(install), kDone);
  EXPECT_EQ(how_of(install),
            "alternatives pass: etc/alternatives/<name> and its links (highest priority wins, or the configured choice)");
  const Action* remove = action(p, ScriptKind::prerm, 4);
  EXPECT_EQ(handling(remove), "skipped");
  EXPECT_EQ(how_of(remove), "prerm runs only when the package is removed or upgraded");
}

TEST(ScriptsTest, UtilLinuxPagerUnderAnUndecidedConditionIsTaken) {
  auto p = analyze("util-linux", {{"postinst",
                                   "#!/bin/sh\nset -e\n\n"
                                   "if [ \"$(uname -s)\" = \"Linux\" ]; then\n"
                                   "\tupdate-alternatives --install /usr/bin/pager pager /bin/more 50 \\\n"
                                   "\t\t--slave /usr/share/man/man1/pager.1.gz pager.1.gz \\\n"
                                   "\t\t/usr/share/man/man1/more.1.gz\n"
                                   "fi\n"}});
  ASSERT_EQ(p.alternatives.size(), 1u);
  EXPECT_EQ(p.alternatives[0].path, "/bin/more");
  EXPECT_EQ(p.alternatives[0].priority, 50);
  ASSERT_EQ(p.alternatives[0].slaves.size(), 1u);
  EXPECT_EQ(p.alternatives[0].slaves[0].path, "/usr/share/man/man1/more.1.gz");
}

TEST(ScriptsTest, DbusStatOverrideUsesTheScriptsVariablesAndSkipsUpgradeOnlyCode) {
  auto p = analyze("dbus", {{"postinst",
                             "#!/bin/sh\nset -e\n\n"
                             "MESSAGEUSER=messagebus\n"
                             "LAUNCHER=/usr/lib/dbus-1.0/dbus-daemon-launch-helper\n\n"
                             "if [ \"$1\" = configure ]; then\n"
                             "    # This respects $DPKG_ROOT\n"
                             "    if ! dpkg-statoverride --list \"$LAUNCHER\" >/dev/null; then\n"
                             "        dpkg-statoverride --update --add root \"$MESSAGEUSER\" 4754 \"$LAUNCHER\"\n"
                             "    fi\n"
                             "fi\n\n"
                             "if [ -z \"${DPKG_ROOT:-}\" ] && [ \"$1\" = configure ] && [ -n \"$2\" ]; then\n"
                             "    if pidof -c /bin/dbus-daemon /usr/bin/dbus-daemon >/dev/null; then\n"
                             "        touch /var/run/reboot-required || true\n"
                             "    fi\n"
                             "fi\n"}});
  ASSERT_EQ(p.stat_overrides.size(), 1u);
  EXPECT_EQ(p.stat_overrides[0],
            (StatOverride{"usr/lib/dbus-1.0/dbus-daemon-launch-helper", "root", "messagebus", 04754, "dbus"}));
  const Action* add = action(p, ScriptKind::postinst, 10);
  EXPECT_EQ(handling(add), kDone);
  EXPECT_EQ(expanded_of(add),
            "dpkg-statoverride --update --add root messagebus 4754 /usr/lib/dbus-1.0/dbus-daemon-launch-helper");
  const Action* touch = action(p, ScriptKind::postinst, 16);
  EXPECT_EQ(handling(touch), "skipped");
  EXPECT_EQ(how_of(touch), "runs only on upgrade (an older version is installed)");
  EXPECT_FALSE(action(p, ScriptKind::postinst, 15)) << "pidof is a query, not an action";
}

TEST(ScriptsTest, UdevGroupsHwdbAndTheTriggeredBranch) {
  auto p = analyze("udev", {{"postinst",
                             "#!/bin/sh\n\nset -e\n\n"
                             "update_hwdb() {\n  systemd-hwdb --usr update || true\n}\n\n"
                             "case \"$1\" in\n"
                             "    configure)\n"
                             "    update_hwdb\n\n"
                             "    # Add new system groups used by udev rules\n"
                             "    addgroup --quiet --system input\n"
                             "    addgroup --quiet --system sgx\n"
                             "    addgroup --quiet --system kvm\n"
                             "    addgroup --quiet --system render\n"
                             "    if [ -z \"$2\" ]; then # first install\n"
                             "      :\n"
                             "    else # upgrades\n"
                             "      invoke-rc.d udev restart\n"
                             "    fi\n"
                             "    ;;\n\n"
                             "    triggered)\n"
                             "    update_hwdb\n"
                             "    exit 0\n"
                             "    ;;\n"
                             "esac\n"},
                            {"triggers", "interest-noawait /lib/udev/hwdb.d\n# Triggers added by dh_installinitramfs/13.11.4\nactivate-noawait update-initramfs\n"}});
  std::vector<std::string> groups;
  for (const AccountRequest& r : p.accounts) {
    EXPECT_EQ(r.kind, AccountRequest::Kind::group);
    EXPECT_EQ(r.package, "udev");
    groups.push_back(r.name);
  }
  EXPECT_EQ(groups, (std::vector<std::string>{"input", "sgx", "kvm", "render"}));
  const Action* hwdb = action(p, ScriptKind::postinst, 6);
  EXPECT_EQ(handling(hwdb), kDone);
  EXPECT_EQ(how_of(hwdb), "caches pass: usr/lib/udev/hwdb.bin built");
  EXPECT_EQ(how_of(action(p, ScriptKind::postinst, 21)), "runs only on upgrade (an older version is installed)");
  const Action* trigger = action(p, ScriptKind::triggers, 3);
  EXPECT_EQ(handling(trigger), "skipped");
  EXPECT_EQ(how_of(trigger), "initramfs-tools is not used: cairn builds its own initramfs");
  EXPECT_FALSE(action(p, ScriptKind::triggers, 1)) << "interest lines are not actions";
}

// dash's postinst (bookworm), the functions that divert /bin/sh.
constexpr std::string_view kDashPostinst = R"(#!/bin/dash
set -e

claim_binsh() {
	dfile=$1 ltarget=$2 distrib=${3:-$dfile.distrib}
	diverter=$(dpkg-divert --listpackage $dfile)
	truename=$(dpkg-divert --truename $dfile)

	if [ "$diverter" = dash ]; then
		# good.
		return
	fi

	dpkg-divert --package bash --no-rename --remove $dfile
	dpkg-divert --package dash --no-rename --divert $distrib --add $dfile
}

unclaim_binsh() {
	dfile=$1 ltarget=$2 distrib=${3:-$dfile.distrib}
	dpkg-divert --package bash --no-rename --divert $distrib --add $dfile
}

claim_binsh /bin/sh dash
if [ -d "$DPKG_ROOT/usr/share/man/man1/" ]; then
    claim_binsh /usr/share/man/man1/sh.1.gz dash.1.gz \
        /usr/share/man/man1/sh.distrib.1.gz
fi
)";

TEST(ScriptsTest, DashDiversionsFollowFunctionArgumentsAndDefaults) {
  auto p = analyze("dash", {{"postinst", std::string(kDashPostinst)}});
  EXPECT_EQ(p.diversions.size(), 2u);
  ASSERT_GE(p.diversions.size(), 1u);
  EXPECT_EQ(p.diversions[0].path, "usr/bin/sh");
  EXPECT_EQ(p.diversions[0].divert_to, "usr/bin/sh.distrib");
  EXPECT_EQ(p.diversions[0].package, "dash");
  EXPECT_EQ(p.diversions.back().path, "usr/share/man/man1/sh.1.gz");
  EXPECT_EQ(p.diversions.back().divert_to, "usr/share/man/man1/sh.distrib.1.gz");
  const Action* never = action(p, ScriptKind::postinst, 20);
  EXPECT_EQ(handling(never), "skipped");
  EXPECT_EQ(how_of(never), "it is in function `unclaim_binsh`, which is never called");
  const Action* remove = action(p, ScriptKind::postinst, 14);
  EXPECT_EQ(how_of(remove), "only removes (what an older installation or the script itself left): nothing to do in a fresh tree");
}

TEST(ScriptsTest, SystemdUnitsFromDebhelperBlocksAndSystemctl) {
  auto p = analyze(
      "systemd",
      {{"postinst",
        "#!/bin/sh\nset -e\n"
        "if [ \"$1\" = \"configure\" ] || [ \"$1\" = \"abort-upgrade\" ] ; then\n"
        "\t# was-enabled defaults to true, so new installations run enable.\n"
        "\tif deb-systemd-helper --quiet was-enabled 'fstrim.timer'; then\n"
        "\t\tdeb-systemd-helper enable 'fstrim.timer' >/dev/null || true\n"
        "\telse\n"
        "\t\tdeb-systemd-helper update-state 'fstrim.timer' >/dev/null || true\n"
        "\tfi\n"
        "\tif deb-systemd-helper debian-installed 'nftables.service'; then\n"
        "\t\tdeb-systemd-helper enable 'nftables.service' >/dev/null || true\n"
        "\tfi\n"
        "\tif [ -d /run/systemd/system ]; then\n"
        "\t\tdeb-systemd-invoke start 'fstrim.timer' >/dev/null || true\n"
        "\tfi\n"
        "fi\n"
        "if [ -z \"$2\" ]; then\n"
        "    systemctl ${DPKG_ROOT:+--root=\"$DPKG_ROOT\"} enable getty@tty1.service || true\n"
        "fi\n"
        "if dpkg --compare-versions \"$2\" lt \"245.4-4~\"; then\n"
        "    systemctl ${DPKG_ROOT:+--root=\"$DPKG_ROOT\"} enable systemd-pstore.service || true\n"
        "fi\n"
        "if dpkg --compare-versions \"$2\" lt-nl \"245.4-5~\"; then\n"
        "    rm -f /etc/systemd/system/multi-user.target.wants/ondemand.service\n"
        "fi\n"
        "deb-systemd-helper --user enable 'pipewire.socket'\n"}});
  EXPECT_EQ(p.units, (std::vector<UnitRequest>{{"fstrim.timer", false, "systemd"},
                                              {"getty@tty1.service", false, "systemd"},
                                              {"systemd-pstore.service", false, "systemd"},
                                              {"pipewire.socket", true, "systemd"}}));
  EXPECT_EQ(how_of(action(p, ScriptKind::postinst, 8)),
            "runs only where the unit was disabled before (deb-systemd-helper was-enabled holds on a fresh installation)");
  EXPECT_EQ(how_of(action(p, ScriptKind::postinst, 11)),
            "the package leaves the unit disabled on a fresh installation (it re-enables it only where it was enabled "
            "before)");
  EXPECT_EQ(how_of(action(p, ScriptKind::postinst, 14)),
            "runs only under a running systemd (/run/systemd/system): nothing is started at build time");
  EXPECT_EQ(expanded_of(action(p, ScriptKind::postinst, 18)), "systemctl enable getty@tty1.service");
  EXPECT_EQ(how_of(action(p, ScriptKind::postinst, 24)), "runs only on upgrade from a version before 245.4-5~");
}

TEST(ScriptsTest, AdduserThroughAWrapperFunctionIsReportedAtTheCall) {
  auto p = analyze("dbus-system-bus-common",
                   {{"postinst",
                     "#!/bin/sh\nset -e\n\nMESSAGEUSER=messagebus\n\n"
                     "in_sysroot () {\n"
                     "    if [ -z \"${DPKG_ROOT:-}\" ]; then\n        \"$@\"\n"
                     "    else\n        chroot \"${DPKG_ROOT}\" \"$@\"\n    fi\n}\n\n"
                     "if [ \"$1\" = configure ]; then\n"
                     "    in_sysroot adduser --system \\\n"
                     "            --quiet \\\n            --home /nonexistent \\\n"
                     "            --no-create-home \\\n            --disabled-password \\\n"
                     "            --group \"$MESSAGEUSER\"\nfi\n"}});
  ASSERT_EQ(p.accounts.size(), 1u);
  const AccountRequest& u = p.accounts[0];
  EXPECT_EQ(u.kind, AccountRequest::Kind::user);
  EXPECT_EQ(u.name, "messagebus");
  EXPECT_EQ(u.group, "messagebus");
  EXPECT_EQ(u.home, "/nonexistent");
  EXPECT_EQ(u.shell, "");
  ASSERT_EQ(p.actions.size(), 1u) << "both branches of in_sysroot are one command at the call";
  EXPECT_EQ(p.actions[0].line, 15u);
  EXPECT_EQ(p.actions[0].command, "adduser");
  EXPECT_EQ(p.actions[0].expanded,
            "adduser --system --quiet --home /nonexistent --no-create-home --disabled-password --group messagebus");
}

TEST(ScriptsTest, AccountsFromGroupaddUseraddAndAdduserOptions) {
  auto p = analyze("x", {{"postinst",
                          "groupadd -g 42 shadow\n"
                          "useradd -r -d /var/lib/x -s /usr/sbin/nologin -c 'X daemon' xd\n"
                          "adduser --quiet --system --no-create-home --home /run/sshd --shell /usr/sbin/nologin sshd\n"
                          "adduser --system --ingroup nogroup --gecos 'A B' ab\n"
                          "adduser someone audio\n"}});
  ASSERT_EQ(p.accounts.size(), 4u);
  EXPECT_EQ(p.accounts[0].kind, AccountRequest::Kind::group);
  EXPECT_EQ(p.accounts[0].name, "shadow");
  EXPECT_EQ(how_of(action(p, ScriptKind::postinst, 1)),
            "users pass: the account is added to etc/passwd and etc/group (the gid 42 it asks for is not used: ids "
            "come from base-passwd, sysusers.d, the configuration or allocation)");
  EXPECT_EQ(p.accounts[1].name, "xd");
  EXPECT_EQ(p.accounts[1].group, "xd");
  EXPECT_EQ(p.accounts[1].home, "/var/lib/x");
  EXPECT_EQ(p.accounts[1].gecos, "X daemon");
  EXPECT_EQ(p.accounts[2].home, "/run/sshd");
  EXPECT_EQ(p.accounts[2].shell, "/usr/sbin/nologin");
  EXPECT_EQ(p.accounts[2].group, "");
  EXPECT_EQ(p.accounts[3].group, "nogroup");
  EXPECT_EQ(p.accounts[3].gecos, "A B");
  EXPECT_EQ(how_of(action(p, ScriptKind::postinst, 5)),
            "not understood: adding user someone to group audio is not supported: list the group in "
            "users.users.someone.extraGroups");
}

TEST(ScriptsTest, ChgrpAndChmodOfAShippedFileBecomeAStatOverride) {
  // openssh-client's set_ssh_agent_permissions.
  auto p = analyze("openssh-client",
                   {{"postinst",
                     "if ! getent group _ssh >/dev/null; then\n"
                     "\taddgroup --system --quiet --force-badname _ssh\nfi\n"
                     "if ! dpkg-statoverride --list /usr/bin/ssh-agent >/dev/null; then\n"
                     "\tchgrp _ssh /usr/bin/ssh-agent\n\tchmod 2755 /usr/bin/ssh-agent\nfi\n"
                     "chmod 644 /etc/not-shipped\n"}},
                   {debian::Entry{.path = "/usr/bin/ssh-agent", .type = EntryType::file, .mode = 0755}});
  ASSERT_EQ(p.stat_overrides.size(), 1u);
  EXPECT_EQ(p.stat_overrides[0], (StatOverride{"usr/bin/ssh-agent", "", "_ssh", 02755, "openssh-client"}));
  EXPECT_EQ(how_of(action(p, ScriptKind::postinst, 6)),
            "owner and mode set on the package's file in the tree (a stat override)");
  EXPECT_EQ(how_of(action(p, ScriptKind::postinst, 8)), "not understood: no rule for `chmod`");
}

TEST(ScriptsTest, PostinstFileTestsOnTheOwnPackageAreDecided) {
  // openssl's postinst: the package ships /usr/lib/ssl, so nothing runs.
  auto p = analyze("openssl",
                   {{"postinst", "#!/bin/sh -e\n\nif [ ! -e /usr/lib/ssl ]\nthen\n  ln -sf /etc/ssl /usr/lib/ssl\nfi\n"}},
                   {debian::Entry{.path = "/usr/lib/ssl", .type = EntryType::dir, .mode = 0755}});
  EXPECT_EQ(how_of(action(p, ScriptKind::postinst, 5)),
            "the test `[ ! -e /usr/lib/ssl ]` rules it out: the package ships /usr/lib/ssl as a directory");
}

TEST(ScriptsTest, WritesAreHandledByThePathTheyWrite) {
  auto p = analyze("tzdata", {{"postinst",
                               "TIMEZONE=Etc/UTC\n"
                               "echo \"$TIMEZONE\" > \"$DPKG_ROOT/etc/timezone\"\n"
                               "echo hello > /etc/unknown.conf\n"
                               "echo ignored >/dev/null\n"}});
  EXPECT_EQ(how_of(action(p, ScriptKind::postinst, 2)), "etc/localtime and etc/timezone come from time.timeZone");
  EXPECT_EQ(how_of(action(p, ScriptKind::postinst, 3)), "not understood: writes /etc/unknown.conf");
  EXPECT_FALSE(action(p, ScriptKind::postinst, 4));
}

TEST(ScriptsTest, UnknownCommandsAreNotUnderstoodAndSayWhichOne) {
  auto p = analyze("x", {{"postinst", "frobnicate --all\n$CMD go\n"}});
  EXPECT_EQ(how_of(action(p, ScriptKind::postinst, 1)), "not understood: no rule for `frobnicate`");
  EXPECT_EQ(how_of(action(p, ScriptKind::postinst, 2)), "not understood: the command's name is computed at run time");
}

TEST(ScriptsTest, TriggerActivationsAreActions) {
  auto p = analyze("libfoo1", {{"triggers", "# Triggers added by dh_makeshlibs/13.11.4\nactivate-noawait ldconfig\n"}});
  ASSERT_EQ(p.actions.size(), 1u);
  EXPECT_EQ(p.actions[0], (Action{"libfoo1", ScriptKind::triggers, 2, "activate-noawait", "activate-noawait ldconfig",
                                  "", Action::Handling::declarative,
                                  "caches pass: etc/ld.so.cache built (the ldconfig trigger)"}));
}

TEST(ScriptsTest, AScriptThatDoesNotParseIsAnErrorNamingPackageFileAndLine) {
  auto r = analyze_script_texts("broken", {{"postinst", "#!/bin/sh\nif true; then\n  echo\n"}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "package broken: postinst: line 4: expected `fi` to continue the `if` on line 2, found `end of script`; "
            "the script cannot be analysed, so the package cannot be composed without running it (report this "
            "script to cairn)");
}

// The cases below were found by tests/fuzz/maintainer_scripts_fuzz or
// while writing it; tests/fuzz/regressions/maintainer_scripts/ has them as
// fuzz inputs.

TEST(ScriptsTest, TriggersLinesAreReadAsDpkgReadsThem) {
  // Blanks after a directive made the name's search run off the line.
  auto p = analyze("libfoo1", {{"triggers", "activate-noawait ldconfig \t\r\nactivate-noawait \n"}});
  ASSERT_EQ(p.actions.size(), 2u);
  EXPECT_EQ(p.actions[0].text, "activate-noawait ldconfig");
  EXPECT_EQ(handling(&p.actions[0]), kDone);
  EXPECT_EQ(p.actions[1].text, "activate-noawait");
  EXPECT_EQ(p.actions[1].how, "the interested package's `postinst triggered` is analysed instead");
}

TEST(ScriptsTest, WhatFollowsALoopThatNeverEndsIsSkippedWithTheReason) {
  auto p = analyze("x", {{"postinst", "while true; do\n  sleep 1\ndone\nldconfig\n"}});
  EXPECT_EQ(how_of(action(p, ScriptKind::postinst, 4)), "the loop on line 1 never ends");
}

TEST(ScriptsTest, PositionalParametersPastAnyNumberAreUnset) {
  // ${99999999999999999999} threw std::out_of_range out of the analysis.
  auto p = analyze("x", {{"postinst", "ldconfig ${99999999999999999999} ${99999999999999999999-unset}\n"}});
  EXPECT_EQ(expanded_of(action(p, ScriptKind::postinst, 1)), "ldconfig unset");
}

TEST(ScriptsTest, BuiltinsSetOnlyVariableNames) {
  // `unset "$(x)#"` named the walk's own $# ("\x01#"), which then held no
  // number; `local` could set it to any text.
  auto p = analyze("x", {{"postinst", "unset \"$(x)#\"\nlocal \"$(x)#=many\"\nfor a; do\n  ldconfig \"$a\"\ndone\n"}});
  EXPECT_EQ(expanded_of(action(p, ScriptKind::postinst, 4)), "ldconfig configure");
}

TEST(ScriptsTest, AnAccountWithoutANameIsNotUnderstood) {
  auto p = analyze("x", {{"postinst", "adduser --system ''\n"}});
  EXPECT_EQ(how_of(action(p, ScriptKind::postinst, 1)), "not understood: `adduser` without a name");
  EXPECT_TRUE(p.accounts.empty());
}

TEST(ScriptsTest, DeepNestingInsideACommandIsLeftUndecided) {
  // Nested without end, `${a:-${a:-…}}` and `[ ! ! … ]` overflowed the
  // stack (and the first took time quadratic in its length).
  std::string params = "x";
  for (int k = 0; k < 20000; ++k) params = "${a:-" + params + "}";
  std::string bangs;
  for (int k = 0; k < 50000; ++k) bangs += "! ";
  auto p = analyze("x", {{"postinst", "a=\nldconfig ${a:-${a:-x}} " + params + "\nif [ " + bangs + "x ]; then ldconfig; fi\n"}});
  const Action* nested = action(p, ScriptKind::postinst, 2);
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->expanded, "");  // a part is unknown
  EXPECT_EQ(handling(action(p, ScriptKind::postinst, 3)), kDone);
  auto shallow = analyze("x", {{"postinst", "a=\nldconfig ${a:-${a:-x}}\n"}});
  EXPECT_EQ(expanded_of(action(shallow, ScriptKind::postinst, 2)), "ldconfig x");
}

TEST(ScriptsTest, AWalkThatWouldNotEndGivesUpWithAnError) {
  // 25 functions each calling the next twice: 2^25 calls.
  std::string calls;
  for (int k = 0; k < 25; ++k) calls += fmt::format("f{}() {{ f{}; f{}; }}\n", k, k + 1, k + 1);
  calls += "f25() { ldconfig; }\nf0\n";
  auto r = analyze_script_texts("x", {{"postinst", calls}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "package x: postinst: line 25: the analysis gives up: its run takes more than 100000 steps (functions "
            "that call functions many times over, or loops in loops); the script cannot be analysed, so the package "
            "cannot be composed without running it (report this script to cairn)");
  // Four functions, each nested 96 deep, calling the next at the bottom.
  std::string deep;
  for (int k = 0; k < 4; ++k) {
    deep += fmt::format("f{}() {{ ", k);
    for (int j = 0; j < 96; ++j) deep += "{ ";
    deep += fmt::format("f{}", k + 1);
    for (int j = 0; j < 96; ++j) deep += "; }";
    deep += "; }\n";
  }
  deep += "f4() { ldconfig; }\nf0\n";
  r = analyze_script_texts("x", {{"postinst", deep}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "package x: postinst: line 2: the analysis gives up: calls and compound commands nest more than 200 "
            "deep; the script cannot be analysed, so the package cannot be composed without running it (report this "
            "script to cairn)");
}

TEST(ScriptsTest, AnalyzeScriptsReadsControlFilesAndMetadata) {
  std::string dir = ::testing::TempDir() + "scripts-analyze-pkg";
  std::filesystem::remove_all(dir);
  PackageDir pkg = testing::make_package_dir(
      dir, "sudo", {{.path = "/etc/sudoers", .mode = 0440, .content = "root ALL=(ALL) ALL\n"}},
      {{"postinst", "#!/bin/sh\nset -e\nif [ -f /etc/sudoers ];then\n    chown root:root /etc/sudoers\n"
                    "    chmod 440 /etc/sudoers\nfi\n"}});
  auto r = analyze_scripts(pkg);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->package, "sudo");
  ASSERT_EQ(r->stat_overrides.size(), 1u);
  EXPECT_EQ(r->stat_overrides[0], (StatOverride{"etc/sudoers", "root", "root", 0440, "sudo"}));
  std::filesystem::remove_all(dir);
}

TEST(ScriptsTest, ExplainListsEachPackageOnceSortedWithWhatWasDoneAndWhy) {
  auto mawk = analyze("mawk", {{"postinst", "update-alternatives --install /usr/bin/awk awk /usr/bin/mawk 5\n"},
                               {"prerm", "update-alternatives --remove awk /usr/bin/mawk\n"}});
  auto base = analyze("base-files", {{"postinst",
                                      "install_directory() {\n  mkdir \"$DPKG_ROOT/$1\"\n}\n"
                                      "install_directory srv\ninstall_directory opt\n"}});
  PackageScripts quiet{"libfoo"};
  EXPECT_EQ(explain({mawk, quiet, base}),
            "base-files: 0 done declaratively, 2 skipped\n"
            "  skipped  postinst:2    mkdir \"$DPKG_ROOT/$1\"\n"
            "                         = mkdir /srv\n"
            "                         = mkdir /opt\n"
            "                         not made: the image holds the skeleton's top-level directories only\n"
            "\n"
            "mawk: 1 done declaratively, 1 skipped\n"
            "  done     postinst:1    update-alternatives --install /usr/bin/awk awk /usr/bin/mawk 5\n"
            "                         alternatives pass: etc/alternatives/<name> and its links (highest priority "
            "wins, or the configured choice)\n"
            "  skipped  prerm:1       update-alternatives --remove awk /usr/bin/mawk\n"
            "                         prerm runs only when the package is removed or upgraded\n");
  EXPECT_EQ(explain({quiet}), "");
}

TEST(ScriptsTest, TheCommandTableIsOneTableWithoutDuplicateRows) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const script_commands::Rule& r : script_commands::rules()) {
    EXPECT_TRUE(seen.insert({r.command, r.match}).second) << r.command << " " << r.match;
    bool listed = r.kind == script_commands::Kind::declarative || r.kind == script_commands::Kind::skipped;
    EXPECT_EQ(listed, !r.how.empty()) << r.command << " " << r.match;
  }
}

// Every package in the local store: each script parses. For the packages
// of the `vm` example host (cairn.lock), no command some call may run is
// "not understood"; for the others (a desktop's python3, shared-mime-info,
// …) the count is only reported — each such command is a gap to close, not
// a build failure (the build lists them in --explain-scripts).
TEST(ScriptsTest, EveryRealPackageIsUnderstood) {
  auto root = debian::Store::default_root("");
  if (!root) GTEST_SKIP() << root.error().message;
  const std::string store = *root + "/pkgs";
  std::error_code ec;
  if (!std::filesystem::is_directory(store, ec))
    GTEST_SKIP() << store << " is absent: no unpacked packages to analyse (run a build first)";
  auto lock = debian::read_lock_file(std::string(CAIRN_SOURCE_ROOT) + "/cairn.lock");
  ASSERT_TRUE(lock.has_value()) << lock.error().message;
  std::set<std::string> known;  // the vm host's .debs
  for (const debian::ResolvedPackage& p : lock->hosts.at("vm").packages) known.insert(p.sha256);
  std::regex name_re("^([0-9a-f]{64})-([^_]+)_[^_]+_[^_]+$");
  size_t packages = 0, with_scripts = 0, actions = 0, done = 0, elsewhere = 0;
  std::vector<std::string> not_understood;
  for (const auto& entry : std::filesystem::directory_iterator(store)) {
    std::smatch m;
    std::string dirname = entry.path().filename().string();
    if (!std::regex_match(dirname, m, name_re)) continue;
    ++packages;
    auto r = analyze_scripts(PackageDir{m[2], entry.path().string()});
    ASSERT_TRUE(r.has_value()) << r.error().message;
    if (!r->actions.empty()) ++with_scripts;
    for (const Action& a : r->actions) {
      ++actions;
      done += a.handling == Action::Handling::declarative;
      if (!a.how.starts_with("not understood")) continue;
      if (known.count(m[1])) not_understood.push_back(fmt::format("{} {}:{} {} — {}", dirname, to_string(a.script), a.line, a.text, a.how));
      else ++elsewhere;
    }
  }
  if (packages == 0) GTEST_SKIP() << store << " holds no unpacked packages";
  EXPECT_EQ(not_understood, std::vector<std::string>{});
  std::cout << "[ analysed ] " << packages << " packages, " << with_scripts << " with actions: " << actions
            << " actions, " << done << " done declaratively; not understood: " << not_understood.size()
            << " in vm's packages, " << elsewhere << " in others\n";
}

}  // namespace
}  // namespace cairn::compose
