// The abstract run of a maintainer script (see scripts.hh for the model):
// the syntax tree of script_shell walked the way dpkg calls the script on a
// fresh installation, with three-valued conditions, reporting every command
// it passes with the arguments it would get and whether any call may reach
// it. Internal to the scripts pass; scripts.cc turns observations into
// Actions and requests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "builder/compose/script_shell.hh"
#include "builder/compose/scripts.hh"
#include "builder/debian/unpack.hh"

namespace cairn::compose::script_walk {

/// Stands for each part of an Arg's text that is computed at run time.
inline constexpr char kHole = '\x01';

/// One field of an expanded command line.
struct Arg {
  /// The value; when not `known`, the parts computed at run time are each
  /// one '\x01' ("/var/lib/\x01/x": a path under /var/lib).
  std::string text{};
  bool known = true;
};

/// A simple command the walk passed (function calls and the shell builtins
/// the walk interprets itself — exit, return, set, shift, local, read, `.`
/// — are not reported).
struct Observation {
  /// Where to report it: the command's own line and text, or the call's
  /// when the command name came from a wrapper function's arguments
  /// (`in_sysroot adduser …`, `_systemctl stop …`).
  uint32_t line = 0;
  std::string text{};
  std::vector<Arg> args{};  ///< expanded; wrappers (chroot DIR, env, exec, eval) removed
  /// A file an output redirection writes ("" = none; /dev/null and
  /// descriptors do not count).
  std::string write_path{};
  bool write_known = true;
  /// The working directory the command runs in (`cd`); "" = unknown.
  std::string cwd = "/";
  /// Whether some invocation may run it. When not, `why_not` says what
  /// rules it out on a fresh installation ("runs only on upgrade").
  bool reached = false;
  std::string why_not{};
};

/// Walks `script` as dpkg runs it on a fresh installation (script kinds
/// other than preinst, config and postinst are never run there: everything
/// in them is reported unreached). A command reached with different
/// arguments is reported once per distinct argument list; an unreached one
/// once. `shipped` are the package's entries: a postinst's file tests on
/// them are decided (the files are unpacked before it runs). A postinst is
/// also walked as `postinst triggered` when `has_interests` (the package's
/// triggers file declares an interest; otherwise dpkg never calls it so).
/// A script whose run would take too long or recurse too deep — functions
/// that call functions several times each, loops in loops, calls through
/// deeply nested bodies — is an error naming the file and the line where
/// the walk gave up.
[[nodiscard]] Result<std::vector<Observation>> walk(const shell::Node& script, ScriptKind kind,
                                                    std::string_view package,
                                                    const std::vector<debian::Entry>& shipped = {},
                                                    bool has_interests = false);

/// dpkg's version order: <0, 0, >0 as `a` sorts before, equal to or after
/// `b`. "" sorts before every version.
int compare_versions(std::string_view a, std::string_view b);

}  // namespace cairn::compose::script_walk
