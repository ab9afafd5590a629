// The systemd unit definitions of one system root, as an in-place switch
// compares them (NixOS's switch-to-configuration reads the same things).
//
// A root is a directory holding a generation's tree: the units of the
// image's /usr/lib/systemd/system and of the generated /etc/systemd/system.
// Everything is read once, up front, into memory; `find` then composes a
// unit's definition without touching the disk again, so the switch plan
// (switch_plan.hh) is pure data in, data out.
//
// How a name is resolved, as systemd does for these two directories:
//   - /etc/systemd/system/<name> wins over /usr/lib/systemd/system/<name>;
//   - symlinks are followed inside the root (an absolute target means
//     <root>/<target>); a link to /dev/null masks the unit; a link to a unit
//     file of another name makes <name> an alias of that unit;
//   - an instance "foo@bar.service" without a file of its own uses the
//     template "foo@.service";
//   - drop-ins are the *.conf files of <name>.d/, of the template's
//     "foo@.service.d/", of the dash-prefix directories ("a-b-c.service"
//     reads "a-.service.d/" and "a-b-.service.d/") and of the type's
//     "service.d/", in both directories; of two drop-ins with one file name
//     the one in /etc (then: the more specific directory) wins, and all are
//     applied in file-name order; a drop-in linked to /dev/null is empty.
// Not read: /run/systemd (generators, transient units, runtime drop-ins),
// which belongs to the running system rather than to a generation.
//
// The merged definition keeps NixOS's model: section → key → values, where
// an empty assignment resets the list and [Install] is left out (it only
// matters to `systemctl enable`, which the builder did).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"
#include "base/unit_file.hh"

namespace cairn::activator {

/// The type of a unit, from its name's suffix.
enum class UnitKind {
  service,
  socket,
  target,
  timer,
  path,
  mount,
  automount,
  swap,
  slice,
  scope,
  device,
  other,
};

/// "service", "socket", … ; "other" for an unknown suffix.
std::string_view unit_kind_name(UnitKind kind);
/// The kind named by `name`'s suffix ("sshd.service" → service).
UnitKind unit_kind_of(std::string_view name);

/// section → key → values, in the order systemd applies them.
using UnitSections = std::map<std::string, std::map<std::string, std::vector<std::string>>, std::less<>>;

/// The keys by which a switch treats a unit, with NixOS's defaults. cairn
/// (modules/system/systemd.nix) writes X-ReloadIfChanged, X-RestartIfChanged
/// and X-StopIfChanged into [Service] and X-Reload-Triggers into [Unit], as
/// NixOS does; each key is read from its NixOS section and, failing that,
/// from the other of [Unit] and [Service], so that non-service units and
/// drop-ins may carry them too. Booleans are systemd's (1/yes/true/on,
/// 0/no/false/off); any other spelling leaves the default.
struct SwitchKeys {
  bool restart_if_changed = true;        ///< X-RestartIfChanged
  bool stop_if_changed = true;           ///< X-StopIfChanged
  bool reload_if_changed = false;        ///< X-ReloadIfChanged
  bool stop_on_removal = true;           ///< X-StopOnRemoval
  bool stop_on_reconfiguration = false;  ///< X-StopOnReconfiguration (targets)
  bool only_manual_start = false;        ///< X-OnlyManualStart
  bool not_socket_activated = false;     ///< X-NotSocketActivated
  bool refuse_manual_start = false;      ///< RefuseManualStart
  bool refuse_manual_stop = false;       ///< RefuseManualStop
  /// X-Reload-Triggers, its words joined by one space; "" when none.
  std::string reload_triggers;
  /// The keys (as "X-RestartIfChanged=false") that come from cairn's
  /// built-in policy for packaged units (see `builtin_switch_policy`) and
  /// not from the unit's files; empty for most units.
  std::vector<std::string> builtin;

  bool operator==(const SwitchKeys&) const = default;
};

/// One unit's definition after its file and drop-ins are merged.
struct UnitDefinition {
  std::string name;  ///< as asked for: "getty@tty1.service"
  UnitKind kind = UnitKind::other;
  /// True when the unit's file is a link to /dev/null; `fragment`,
  /// `dropins` and `sections` are then empty.
  bool masked = false;
  /// The unit's file, as a path in the root after links
  /// ("/usr/lib/systemd/system/getty@.service").
  std::string fragment;
  /// The drop-ins applied, as paths in the root, in the order applied.
  std::vector<std::string> dropins;
  /// The name of the unit `name` is an alias of (a link to a file of
  /// another name: "dbus-org.freedesktop.network1.service" →
  /// "systemd-networkd.service"); "" when `name` is the unit's own name.
  std::string alias_of;
  /// SHA-256 (hex) of the file's and drop-ins' contents, in order, with the
  /// drop-ins' file names; of "masked" for a masked unit.
  std::string digest;
  /// The merged sections, [Install] left out.
  UnitSections sections;
  SwitchKeys keys;

  /// The values of `key` in `section`; empty when unset.
  const std::vector<std::string>& values(std::string_view section, std::string_view key) const;
  /// The blank-separated words of every value of `key` in `section`.
  std::vector<std::string> words(std::string_view section, std::string_view key) const;
};

/// cairn's switch policy for packaged units (Debian's unit files carry no
/// X- keys), copied from the overrides NixOS sets on the same upstream
/// units: dbus.service and dbus-broker.service reload instead of restarting
/// (nixos/modules/services/system/dbus.nix: "Don't restart dbus-daemon. Bad
/// things tend to happen if we do."); systemd-logind.service and
/// user-runtime-dir@.service are neither restarted nor stopped (restarting
/// logind breaks running sessions); user@.service, systemd-user-sessions,
/// systemd-fsck@, systemd-backlight@, systemd-journal-flush,
/// systemd-random-seed, systemd-remount-fs, systemd-update-utmp and
/// systemd-udev-settle are not restarted; systemd-journald is restarted in
/// one step (X-StopIfChanged=false). `unit` is a unit or template name;
/// the result is "Key=value" settings, empty for other units. A unit's own
/// files override these.
std::vector<std::pair<std::string, bool>> builtin_switch_policy(std::string_view unit);

/// Every unit definition of one root.
class UnitDefinitions {
 public:
  /// Reads <root>/etc/systemd/system and <root>/usr/lib/systemd/system
  /// (either may be missing) and <root>/usr/lib/systemd/systemd's digest.
  /// Errors name the file: "usr/lib/systemd/system/a.service: line 3: `x` is
  /// not a `Key=Value` line", "etc/systemd/system/b.service: more than 40
  /// symbolic links".
  [[nodiscard]] static Result<UnitDefinitions> read(const std::string& root);

  /// The definition of `name`; nullopt when neither directory defines it
  /// (no file or link of its own or of its template; drop-ins alone do not
  /// define a unit).
  std::optional<UnitDefinition> find(std::string_view name) const;

  /// Every unit name either directory holds a file or link for, templates
  /// ("getty@.service") and the names of .wants/ and .requires/ links
  /// included; sorted.
  std::vector<std::string> names() const;

  /// The units `unit` wants or requires in this root: the names in its
  /// .wants/ and .requires/ directories and its [Unit] Wants= and
  /// Requires=; sorted, each once.
  std::vector<std::string> wants(std::string_view unit) const;

  /// SHA-256 (hex) of the names, link targets and contents of everything
  /// under both unit directories: equal digests mean systemd would load
  /// the same units, so no daemon-reload is needed.
  const std::string& tree_digest() const { return tree_digest_; }

  /// SHA-256 (hex) of <root>/usr/lib/systemd/systemd; "" when absent.
  const std::string& systemd_digest() const { return systemd_digest_; }

 private:
  /// One file or link in a unit directory, resolved.
  struct Entry {
    bool masked = false;
    std::string path;      ///< in the root, after links; "" when masked
    std::string contents;  ///< "" when masked
    UnitFile file;         ///< `contents`, parsed
  };
  /// One unit directory (/etc/systemd/system, then /usr/lib/systemd/system).
  struct Dir {
    std::map<std::string, Entry, std::less<>> units;                           ///< by name
    std::map<std::string, std::map<std::string, Entry>, std::less<>> dropins;  ///< "a.service.d" → file → entry
    std::map<std::string, std::set<std::string>, std::less<>> wants;           ///< "x.target" → names
  };

  std::vector<Dir> dirs_;  ///< by priority
  std::string tree_digest_;
  std::string systemd_digest_;
};

}  // namespace cairn::activator
