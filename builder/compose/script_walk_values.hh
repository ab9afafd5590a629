// The values of the abstract run (script_walk.cc): three-valued flows and
// exit statuses with the reasons that decide them, possibly unknown
// strings with their origin, and the pieces of the shell that compute on
// them — field splitting, `${x#pattern}`, `test`/`[` and `dpkg
// --compare-versions`. Internal to script_walk.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "builder/compose/script_walk.hh"

namespace cairn::compose::script_walk::detail {

enum class Tri { no, maybe, yes };

/// Where a value came from, so that a decided test can say why in dpkg's
/// words: $1 (the action), $2 (the old version), $DPKG_ROOT.
enum : uint8_t { from_action = 1, from_old_version = 2, from_root = 4 };

struct Value {
  std::string text{};
  bool known = true;
  uint8_t origin = 0;
  bool operator==(const Value&) const = default;
};
inline Value unknown() { return Value{"", false, 0}; }


/// One field of an expanded word.
struct Field {
  std::string text{};
  bool known = true;
  uint8_t origin = 0;
  /// The field holds a positional parameter of a function ("$@", $1):
  /// the command came from the function's caller.
  bool positional = false;
};

/// May execution be here? `why` says why not (when t is no).
struct Flow {
  Tri t = Tri::yes;
  std::string why{};
};
inline Flow no(std::string why) { return Flow{Tri::no, std::move(why)}; }
Flow both(const Flow& a, const Flow& b);    ///< a and b
Flow either(const Flow& a, const Flow& b);  ///< a or b (the first reason when neither)

/// An exit status: yes = success. The reasons say what rules out the
/// branch that needs success (why_false) or failure (why_true).
struct Status {
  Tri t = Tri::maybe;
  std::string why_false{};
  std::string why_true{};
};
Status negate(Status s);
Status all_of(const Status& a, const Status& b);  ///< a && b
Status any_of(const Status& a, const Status& b);  ///< a || b
Status merge(const Status& a, const Status& b);   ///< one of the two (different: maybe)
Flow when_true(const Status& s);
Flow when_false(const Status& s);

inline constexpr std::string_view kUpgradeOnly = "runs only on upgrade (an older version is installed)";
inline constexpr std::string_view kRunningSystemd =
    "runs only under a running systemd (/run/systemd/system): nothing is started at build time";
inline constexpr std::string_view kNotEnabledByDefault =
    "the package leaves the unit disabled on a fresh installation (it re-enables it only where it "
    "was enabled before)";
inline constexpr std::string_view kWasEnabled =
    "runs only where the unit was disabled before (deb-systemd-helper was-enabled holds on a fresh "
    "installation)";
inline constexpr std::string_view kNoStatOverride = "no stat override exists on a fresh installation";

/// Why a branch for action `value` of $1 does not run on a fresh
/// installation ("runs only on upgrade").
std::string action_reason(std::string_view value);

/// Whether unquoted text holds a pathname pattern (*, ?, […]).
bool has_glob(std::string_view text);

/// Splits an unquoted expansion's text at blanks into `out`, continuing the
/// field `cur` (`have`: cur holds something).
void split_into(const std::string& text, std::vector<Field>& out, Field& cur, bool& have);

/// ${v#p}, ${v##p}, ${v%p}, ${v%%p}.
std::string remove_affix(const std::string& value, const std::string& pattern, const std::string& op);

/// What the script's own package ships, for file tests in a postinst
/// (which runs after the files are unpacked): tree path → 'd' (directory),
/// 'l' (symlink) or 'f' (anything else). Null when not known.
using Shipped = std::map<std::string, char, std::less<>>;

/// `test …` / `[ … ]` with the expanded arguments (`[` and `]` included);
/// `text` is the command as written, for reasons.
Status eval_test(const std::vector<Field>& args, const std::string& text, const Shipped* shipped);

/// `dpkg --compare-versions A OP B`.
Status compare(const std::vector<Field>& args);

}  // namespace cairn::compose::script_walk::detail
