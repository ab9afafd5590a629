// Maintainer-script analysis: what a package's preinst, postinst, prerm,
// postrm, debconf config and triggers would do, read without running them.
//
// cairn never runs maintainer scripts (DESIGN.md §5); compose does what they
// would have done declaratively. This module reads each unpacked package's
// `.cairn/control/` and reports, per package:
//   - the structured requests the later passes apply: alternatives
//     (update-alternatives --install), diversions (dpkg-divert --add), stat
//     overrides (dpkg-statoverride --add, and chown/chgrp/chmod of files the
//     package ships), system accounts (adduser, addgroup, groupadd, useradd)
//     and the systemd units the package enables (deb-systemd-helper enable,
//     systemctl enable);
//   - every command the scripts contain that does something, as an Action
//     saying how cairn handles it: done declaratively (and by what), or
//     skipped (and why). `cairn build --explain-scripts` prints them.
//
// How the scripts are read. script_shell parses them into a syntax tree;
// script_walk then runs that tree abstractly, the way dpkg calls the
// scripts on a fresh installation: `preinst install`, `config configure`,
// `postinst configure` (no old version: $2 is empty) and, for a package
// whose triggers file declares an interest, `postinst triggered` (trigger
// names unknown). prerm and postrm never run on a fresh installation.
// Variables with a known value are expanded, functions are followed with
// their arguments (a wrapper like `in_sysroot adduser …` is reported at its
// call), and conditions are decided where the answer is certain on a fresh
// build — `[ "$1" = upgrade ]`, `[ -n "$2" ]`, `dpkg --compare-versions
// "$2" lt-nl V`, `[ -d /run/systemd/system ]` (nothing runs at build
// time), `deb-systemd-helper debian-installed`, a postinst's tests of its
// own package's files — and otherwise taken as "maybe". A command no call
// can reach is skipped with what rules it out ("runs only on upgrade"); a
// command some call may reach gets the handling of the one table in
// script_commands.cc. $DPKG_ROOT is the empty root for paths, while tests
// of it stay undecided.
//
// Requests are taken only from commands that may run and whose arguments
// are known; a command the analysis cannot pin down is an Action handled
// "skipped: not understood: …", so the report never claims more than was
// read. Commands inside `$(…)` only compute values (unknown ones, except
// that `$(mktemp)` names a temporary file) and are not listed; shell
// builtins, queries (grep, dpkg-query, …) and debconf's db_* commands
// change nothing and are not listed either.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"
#include "builder/compose/tree.hh"
#include "builder/compose/users.hh"
#include "builder/debian/unpack.hh"

namespace cairn::compose {

/// Which control file a command is in. One table in scripts.cc maps it to
/// the file name.
enum class ScriptKind { preinst, config, postinst, prerm, postrm, triggers };
std::string_view to_string(ScriptKind kind);

/// An `update-alternatives --install LINK NAME PATH PRIORITY [--slave …]`.
/// Paths as the script wrote them (absolute, not yet merged /usr).
struct Alternative {
  struct Slave {
    std::string link{};
    std::string name{};
    std::string path{};
    bool operator==(const Slave&) const = default;
  };
  std::string link{};
  std::string name{};
  std::string path{};
  int64_t priority = 0;
  std::vector<Slave> slaves{};
  std::string package{};  ///< the package whose script installs it
  bool operator==(const Alternative&) const = default;
};

/// A `dpkg-statoverride --add USER GROUP MODE PATH`, or the owner and mode
/// a script gives a file its package ships (chown/chgrp/chmod). Tree path
/// (merged /usr, no leading slash).
struct StatOverride {
  std::string path{};
  std::string user{};             ///< "" = unchanged
  std::string group{};            ///< "" = unchanged
  std::optional<uint32_t> mode{};  ///< the 07777 bits; none = unchanged
  std::string package{};
  bool operator==(const StatOverride&) const = default;
};

/// A unit a package enables on installation.
struct UnitRequest {
  std::string unit{};     ///< "fstrim.timer", "getty@tty1.service"
  bool user = false;      ///< a user unit (--user/--global)
  std::string package{};
  bool operator==(const UnitRequest&) const = default;
};

/// One command of a script and what cairn does about it.
struct Action {
  enum class Handling { declarative, skipped };
  std::string package{};
  ScriptKind script = ScriptKind::postinst;
  uint32_t line = 0;  ///< 1-based line in the control file
  /// The program: "update-alternatives", "ldconfig"; for a write through a
  /// redirection the program that writes ("cat", "echo"); "" when the
  /// command name itself is not known statically.
  std::string command{};
  std::string text{};  ///< the command as written, on one line
  /// The command as it would run on a fresh installation, when that
  /// differs from `text` and every part is known; "" otherwise.
  std::string expanded{};
  Handling handling = Handling::skipped;
  /// declarative: what does it ("ld.so.cache built (caches)"); skipped: why
  /// ("runs only on upgrade", "not understood: …").
  std::string how{};
  bool operator==(const Action&) const = default;
};

/// Everything the scripts of one package ask for.
struct PackageScripts {
  std::string package{};
  std::vector<Alternative> alternatives{};
  std::vector<Diversion> diversions{};       ///< tree paths (merged /usr)
  std::vector<StatOverride> stat_overrides{};
  std::vector<AccountRequest> accounts{};    ///< users.hh; system accounts only
  std::vector<UnitRequest> units{};          ///< in script order, without repeats
  std::vector<Action> actions{};             ///< by script (ScriptKind order), then line
};

/// Analyses the control files of the unpacked package in `pkg.dir` (the
/// package's own file list in `.cairn/metadata` tells which chmod/chown
/// targets are its files). A script that does not parse, or whose abstract
/// run would not end in reasonable time (script_walk.hh), is an error naming
/// the package, the file and the line.
[[nodiscard]] Result<PackageScripts> analyze_scripts(const PackageDir& pkg);

/// Analyses script texts directly: `scripts` maps control file names
/// ("postinst", "triggers", …) to their content; `shipped` are the
/// package's entries (as in its .cairn/metadata), which decide a postinst's
/// tests of its own files and which chmod/chown targets are its files.
[[nodiscard]] Result<PackageScripts> analyze_script_texts(
    std::string_view package, const std::vector<std::pair<std::string, std::string>>& scripts,
    const std::vector<debian::Entry>& shipped = {});

/// The report of `cairn build --explain-scripts`: one block per package
/// (sorted by name) listing each action with its script and line, what was
/// done declaratively and what was skipped and why. A command run with
/// several argument lists (a function called more than once) is one entry
/// with one `= …` line per list. Packages without actions are left out;
/// "" when none has any.
std::string explain(const std::vector<PackageScripts>& packages);

}  // namespace cairn::compose
