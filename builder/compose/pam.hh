// PAM's common-* files, made the way Debian's pam-auth-update makes them.
//
// Debian's login stacks (/etc/pam.d/login, sshd, su, …) `@include`
// common-auth, common-account, common-password, common-session and
// common-session-noninteractive. No package ships these files: libpam-runtime's
// postinst runs `pam-auth-update --package`, which pieces them together from
// a template per file (usr/share/pam/common-*) and the profiles modules drop
// into usr/share/pam-configs/ (unix from libpam-runtime, systemd from
// libpam-systemd, mkhomedir from libpam-modules, …). Without them nobody can
// log in, so compose runs the same algorithm on the root tree.
//
// This is a transcription of pam-auth-update (libpam-runtime 1.5.2-6, Perl)
// for a fresh install, where debconf holds no selection and
// /var/lib/pam/seen does not exist: the enabled profiles are those with
// `Default: yes`, sorted by Priority (highest first, ties by name, last
// first), with each profile's Conflicts dropped (in rounds, until none is
// left, as the script's debconf loop does). Every quirk that shows in
// the output is kept, so the result is byte-for-byte what Debian writes:
// the trailing space after a module line without options, `end` in a jump
// replaced by the number of lines that follow in the block (in the whole
// "control module" part of the line, as Perl's s/end/$count/g does), the
// Additional block counting one line less, `pam_permit.so` standing in for
// an empty Primary block, and the `-Initial` variant used for the first
// module of a block. What it does not do is merge local edits of an
// existing /etc/pam.d/common-* (there are none in a generation) or record
// its choices in /var/lib/pam (state, not part of the image; run on the
// device, pam-auth-update will treat the files as locally modified and
// leave them alone unless given --force).
#pragma once

#include <array>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"
#include "builder/compose/tree.hh"

namespace cairn::compose {

/// One usr/share/pam-configs/ profile, parsed as pam-auth-update parses it.
struct PamProfile {
  std::string name;  ///< the file's name ("unix")
  /// Field name → value. A field line's value is the text after `Name: `;
  /// continuation lines are trimmed and appended after a '\n', and leading
  /// blanks and newlines are dropped, so "Auth:\n\tA\n\tB\n" gives "A\nB".
  /// "-Final" is dropped from names ("Auth-Final" is "Auth"). A field is
  /// present here exactly when Perl's hash would hold a defined value.
  std::map<std::string, std::string> fields;
  /// The names listed in `Conflicts: a, b`.
  std::set<std::string> conflicts;
  /// The profile names a module pam-auth-update refuses (pam_tally): it is
  /// ignored as if it were not installed.
  bool disabled = false;
};

/// The five files, in the order pam-auth-update writes them; each is
/// etc/pam.d/common-<type> made from usr/share/pam/common-<type>.
inline constexpr std::array<std::string_view, 5> kPamTypes = {
    "auth", "account", "password", "session", "session-noninteractive"};

/// Parses a profile's text. Never fails: like pam-auth-update, a line that
/// is not `Name: value` continues the last field.
PamProfile parse_pam_profile(std::string name, std::string_view text);

/// Whether pam-auth-update reads a file of this name in usr/share/pam-configs
/// (it skips "*~" backups and "#*#" editor files).
bool pam_profile_name_ok(std::string_view name);

/// The profiles a fresh install enables, in stack order: not disabled,
/// `Default: yes`, sorted by Priority descending then name descending, with
/// the Conflicts of each kept profile removed. Empty when none qualifies.
std::vector<std::string> pam_default_profiles(const std::vector<PamProfile>& profiles);

/// The text of etc/pam.d/common-<type> from the template's text and the
/// enabled profiles (names into `profiles`, in stack order). Errors when the
/// template lacks one of the four marker comments pam-auth-update needs.
[[nodiscard]] Result<std::string> pam_common_file(std::string_view type,
                                                  std::string_view template_text,
                                                  const std::vector<PamProfile>& profiles,
                                                  const std::vector<std::string>& enabled);

/// Writes etc/pam.d/common-{auth,account,password,session,
/// session-noninteractive} (0644 root:root) from the tree's
/// usr/share/pam-configs/* and usr/share/pam/common-*. Does nothing when the
/// tree has no usr/share/pam/common-auth (libpam-runtime is not installed,
/// so Debian would not have run pam-auth-update either). Errors when no
/// profile is enabled: files with empty Primary blocks would let anybody
/// log in, and pam-auth-update itself never accepts an empty selection.
[[nodiscard]] Result<void> compose_pam(RootTree& tree);

}  // namespace cairn::compose
