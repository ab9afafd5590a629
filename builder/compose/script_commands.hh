// What cairn does about each command a maintainer script runs: the one
// table from command (and argument or path) to handling, and the parsers
// for the commands whose requests later passes apply (update-alternatives,
// dpkg-divert, dpkg-statoverride, adduser/addgroup/groupadd/useradd,
// deb-systemd-helper and systemctl enable, chown/chgrp/chmod).
//
// Internal to the scripts pass (scripts.hh). The table is data: adding a
// command the scripts of a new package use is one line, and `cairn build
// --explain-scripts` prints its text.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"
#include "builder/compose/script_walk.hh"
#include "builder/compose/scripts.hh"

namespace cairn::compose::script_commands {

using script_walk::Arg;

/// What a command is to the analysis.
enum class Kind {
  shell,        ///< a shell builtin without effect outside the script (echo, test): not listed
  query,        ///< reads the system, changes nothing (grep, dpkg-query): not listed
  declarative,  ///< done by a compose pass instead
  skipped,      ///< not done; `how` says why
};

/// One row of the table. The first row that matches wins.
struct Rule {
  /// The program's base name (an fnmatch pattern: "db_*"), or "@file" for
  /// the plain file commands (cp, ln, mv, touch, mkdir, chmod, chown, chgrp,
  /// install, rm, rmdir) and files that a redirection writes.
  std::string_view command;
  /// What else must hold: "" = nothing; "/…" = a path argument (or the
  /// redirection's file) matches this fnmatch pattern; "@shipped" = a path
  /// argument is a file the package ships; otherwise an argument equal to
  /// this word ("--install", "enable").
  std::string_view match;
  Kind kind;
  /// declarative: what does it and where; skipped: why not.
  std::string_view how;
};

/// The table, in match order.
std::span<const Rule> rules();

/// The row for a command line (`args` expanded, args[0] the program as
/// written), with `write_path` the file a redirection writes ("" = none),
/// `cwd` the directory relative paths start from ("" = unknown) and
/// `shipped` the package's tree paths (sorted). Path patterns match a path
/// with unknown parts only when they match whatever those parts are. Null
/// when nothing matches.
const Rule* find_rule(const std::vector<Arg>& args, std::string_view write_path, std::string_view cwd,
                      const std::vector<std::string>& shipped);

/// The program's base name: "/lib/runit-helper/runit-helper" → "runit-helper".
std::string program_name(std::string_view word);

// Parsers for the requests. Each takes the expanded command line (args[0]
// the program) and returns nullopt when the command asks for nothing to
// record (`update-alternatives --remove`), or an error — "not understood:
// …" material — when its arguments are unknown or malformed.

[[nodiscard]] Result<std::optional<Alternative>> parse_alternative(const std::vector<Arg>& args);
/// `package` is the script's package (dpkg-divert's default owner).
[[nodiscard]] Result<std::optional<Diversion>> parse_diversion(const std::vector<Arg>& args,
                                                               std::string_view package);
/// dpkg-statoverride --add, and chown/chgrp/chmod (one override per path).
[[nodiscard]] Result<std::vector<StatOverride>> parse_owner_mode(const std::vector<Arg>& args);
/// An account request with the id the script asked for (which the users
/// pass does not take: ids come from base-passwd, sysusers.d, the
/// configuration or allocation).
struct ParsedAccount {
  AccountRequest request{};
  std::optional<uint32_t> id{};
};
[[nodiscard]] Result<std::optional<ParsedAccount>> parse_account(const std::vector<Arg>& args);
/// deb-systemd-helper enable, systemctl enable: the units, possibly none.
[[nodiscard]] Result<std::vector<UnitRequest>> parse_units(const std::vector<Arg>& args);

}  // namespace cairn::compose::script_commands
