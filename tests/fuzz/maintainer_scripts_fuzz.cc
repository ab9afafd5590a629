// libFuzzer target: a Debian maintainer script (preinst, config, postinst,
// prerm, postrm) or triggers file → builder/compose/scripts, that is the
// shell lexer and parser (script_lexer, script_shell), the abstract run
// (script_walk, script_expand, script_walk_values) and the command table
// with its request parsers (script_commands, script_requests) — and the
// `--explain-scripts` report over the result.
//
// Input: the first byte chooses the control file — its low three bits
// index ScriptKind's order (preinst, config, postinst, prerm, postrm,
// triggers; 6 and 7 wrap around), and bit 3 adds a triggers file declaring
// an interest, so that a postinst is also walked as `postinst triggered`.
// The rest is the file's text. The seed corpus starts with '0'…'5', or
// with ':' for a postinst that is walked as triggered too.
// The package ships a fixed list of files and directories under /etc, /usr
// and /var (some of them through the /bin and /lib of unmerged /usr), which
// decides a postinst's file tests and which chmod/chown targets are its.
//
// Scripts come inside packages, so any text may arrive. The analysis may
// refuse a script, with an error naming the package, the file and a line of
// it; a triggers file is never refused. What it accepts (scripts.hh):
//  - every action belongs to the package and names the script given and a
//    line of it, says how it is handled (never an empty reason) and shows
//    its command on one line;
//  - actions come in line order, without repeats;
//  - prerm and postrm never run on a fresh installation, and a triggers
//    file is not a script: they request nothing and are done declaratively
//    nowhere, and a trigger's action is an `activate…` directive;
//  - every request belongs to the package and comes from a command done
//    declaratively (an alternative from update-alternatives, …); tree
//    paths are relative (merged /usr), alternatives' paths absolute, modes
//    within 07777; units, stat overrides and accounts are not repeated, and
//    an account has a name;
//  - explain() lists the package with the counts of its actions, and says
//    nothing when there is none.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "builder/compose/scripts.hh"
#include "tests/fuzz/fuzz_check.hh"

namespace {

using cairn::fuzz::require;
using namespace cairn::compose;
using cairn::debian::Entry;
using cairn::debian::EntryType;

constexpr std::string_view kPackage = "fuzz";

// In ScriptKind's order: the first byte's low bits index this.
constexpr ScriptKind kKinds[] = {ScriptKind::preinst, ScriptKind::config, ScriptKind::postinst,
                                 ScriptKind::prerm,   ScriptKind::postrm, ScriptKind::triggers};

// Paths the corpus's scripts test, chmod and chown, and a few more.
const std::vector<Entry>& shipped() {
  static const std::vector<Entry> entries = [] {
    auto e = [](std::string path, EntryType type, uint32_t mode) {
      Entry x;
      x.path = std::move(path);
      x.type = type;
      x.mode = mode;
      if (type == EntryType::symlink) x.target = "fuzz";
      return x;
    };
    const EntryType d = EntryType::dir, f = EntryType::file, l = EntryType::symlink;
    return std::vector<Entry>{
        e("/", d, 0755),
        e("/bin/ping", f, 0755),
        e("/etc/fuzz/fuzz.conf", f, 0644),
        e("/etc/fuzz", d, 0755),
        e("/etc/init.d/ssh", f, 0755),
        e("/etc/sudoers", f, 0440),
        e("/etc/sysctl.d", d, 0755),
        e("/lib/systemd/system/fuzz.service", f, 0644),
        e("/usr/bin/fuzz", f, 0755),
        e("/usr/bin/ssh-agent", f, 0755),
        e("/usr/lib/dbus-1.0/dbus-daemon-launch-helper", f, 04754),
        e("/usr/lib/fuzz", d, 0755),
        e("/usr/sbin/fuzzd", l, 0777),
        e("/usr/share/info", d, 0755),
        e("/var/lib/fuzz", d, 0755),
        e("/var/lib/lightdm", d, 0750),
        e("/var/log/fuzz", d, 0755),
    };
  }();
  return entries;
}

bool tree_path(const std::string& p) { return p.empty() || (p.front() != '/' && p.back() != '/'); }

// Whether a command named one of `programs` is done declaratively.
bool done_by(const PackageScripts& p, std::initializer_list<std::string_view> programs) {
  for (const Action& a : p.actions)
    if (a.handling == Action::Handling::declarative &&
        std::find(programs.begin(), programs.end(), a.command) != programs.end())
      return true;
  return false;
}

void check_requests(const PackageScripts& p) {
  require(p.alternatives.empty() || done_by(p, {"update-alternatives"}),
          "alternatives come from update-alternatives done declaratively");
  require(p.diversions.empty() || done_by(p, {"dpkg-divert"}), "diversions come from dpkg-divert done declaratively");
  require(p.stat_overrides.empty() || done_by(p, {"dpkg-statoverride", "chmod", "chown", "chgrp"}),
          "stat overrides come from dpkg-statoverride, chmod, chown or chgrp done declaratively");
  require(p.accounts.empty() || done_by(p, {"adduser", "addgroup", "useradd", "groupadd"}),
          "accounts come from adduser, addgroup, useradd or groupadd done declaratively");
  require(p.units.empty() || done_by(p, {"deb-systemd-helper", "systemctl"}),
          "units come from deb-systemd-helper or systemctl done declaratively");

  for (const Alternative& a : p.alternatives) {
    require(a.package == kPackage, "an alternative belongs to the package");
    require(a.link.starts_with('/') && a.path.starts_with('/'), "an alternative's link and path are absolute");
  }
  // A diversion's owner is whoever --package names (dash's for /bin/sh).
  for (const Diversion& d : p.diversions)
    require(tree_path(d.path) && tree_path(d.divert_to), "diversions are tree paths");
  for (size_t k = 0; k < p.stat_overrides.size(); ++k) {
    const StatOverride& s = p.stat_overrides[k];
    require(s.package == kPackage, "a stat override belongs to the package");
    require(tree_path(s.path), "stat overrides are on tree paths");
    require(!s.mode || *s.mode <= 07777, "a stat override's mode is within 07777");
    for (size_t j = 0; j < k; ++j)
      require(p.stat_overrides[j].path != s.path, "one stat override per path");
  }
  for (size_t k = 0; k < p.accounts.size(); ++k) {
    const AccountRequest& a = p.accounts[k];
    require(a.package == kPackage, "an account request belongs to the package");
    require(!a.name.empty(), "an account request names the account");
    for (size_t j = 0; j < k; ++j)
      require(p.accounts[j].kind != a.kind || p.accounts[j].name != a.name, "an account is requested once");
  }
  for (size_t k = 0; k < p.units.size(); ++k) {
    const UnitRequest& u = p.units[k];
    require(u.package == kPackage, "a unit request belongs to the package");
    require(!u.unit.empty() && u.unit.find('/') == std::string::npos, "a unit is a unit name");
    for (size_t j = 0; j < k; ++j) require(!(p.units[j] == u), "units are listed without repeats");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const ScriptKind kind = kKinds[(data[0] & 7) % 6];
  const std::string file(to_string(kind));
  const std::string text(cairn::fuzz::as_text(data + 1, size - 1));
  std::vector<std::pair<std::string, std::string>> scripts{{file, text}};
  if ((data[0] & 8) && kind != ScriptKind::triggers) scripts.emplace_back("triggers", "interest-noawait /usr/lib/fuzz\n");
  const auto lines = static_cast<uint32_t>(std::count(text.begin(), text.end(), '\n') + 1);

  auto result = analyze_script_texts(kPackage, scripts, shipped());
  if (!result) {
    require(kind != ScriptKind::triggers, "a triggers file is never refused");
    const std::string& message = result.error().message;
    const std::string prefix = fmt::format("package {}: {}: line ", kPackage, file);
    require(message.starts_with(prefix), "errors name the package, the file and the line");
    uint32_t line = 0;
    for (size_t k = prefix.size(); k < message.size() && message[k] >= '0' && message[k] <= '9'; ++k)
      line = std::min<uint32_t>(line * 10 + static_cast<uint32_t>(message[k] - '0'), 1u << 30);
    require(line >= 1 && line <= lines, "an error names a line of the script");
    return 0;
  }
  const PackageScripts& p = *result;
  require(p.package == kPackage, "the result names the package");

  const bool never_runs = kind == ScriptKind::prerm || kind == ScriptKind::postrm;
  size_t done = 0;
  for (size_t k = 0; k < p.actions.size(); ++k) {
    const Action& a = p.actions[k];
    require(a.package == kPackage, "an action belongs to the package");
    require(a.script == kind, "an action names the script given");
    require(a.line >= 1 && a.line <= lines, "an action is on a line of the script");
    require(!a.how.empty(), "an action says how it is handled");
    require(a.text.find('\n') == std::string::npos, "an action's text is one line");
    if (k > 0) require(p.actions[k - 1].line <= a.line, "actions are in line order");
    for (size_t j = 0; j < k; ++j) require(!(p.actions[j] == a), "actions are listed once");
    if (a.handling == Action::Handling::declarative) ++done;
    if (never_runs)
      require(a.handling == Action::Handling::skipped && a.expanded.empty(),
              "nothing in a prerm or postrm runs on a fresh installation");
    if (kind == ScriptKind::triggers) require(a.command.starts_with("activate"), "a trigger's action activates");
  }
  const bool requests = !p.alternatives.empty() || !p.diversions.empty() || !p.stat_overrides.empty() ||
                        !p.accounts.empty() || !p.units.empty();
  require(!requests || (!never_runs && kind != ScriptKind::triggers),
          "prerm, postrm and triggers files request nothing");
  check_requests(p);

  const std::string report = explain({p});
  if (p.actions.empty()) {
    require(report.empty(), "explain() says nothing of a package without actions");
  } else {
    const std::string head =
        fmt::format("{}: {} done declaratively, {} skipped\n", kPackage, done, p.actions.size() - done);
    require(report.starts_with(head), "explain() opens with the package and its counts");
    require(report.ends_with('\n'), "explain() writes whole lines");
  }
  return 0;
}
