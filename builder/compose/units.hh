// The units pass: the enablement symlinks `systemctl enable` would make,
// from the closure's `units` (modules/closure.nix) and the units packages
// enable in their maintainer scripts (scripts.hh), without running systemd.
//
// For each unit to enable, the unit file is looked up as systemctl does:
// etc/systemd/system/ before usr/lib/systemd/system/, and for an instance
// "a@b.service" the file "a@b.service" before the template "a@.service".
// Its [Install] section (base/unit_file.hh) gives WantedBy=, RequiredBy=,
// UpheldBy=, Alias=, Also= and DefaultInstance=; for a unit in the
// configuration its wantedBy, requiredBy and aliases are added. The links:
//   etc/systemd/system/<target>.wants/<unit>     → /usr/lib/systemd/system/<file>
//   etc/systemd/system/<target>.requires/<unit>  → …   (.upholds/ likewise)
//   etc/systemd/system/<alias>                   → …
// where <file> is the unit's own file or its template's, and the target is
// "/etc/systemd/system/<file>" when the file is there — the link texts
// systemctl writes. A template enabled without an instance is enabled as
// its DefaultInstance, or gets only its aliases when it has none. Also=
// units are enabled too.
//
// A closure unit with enable = false is masked (etc/systemd/system/<unit> →
// /dev/null) and never enabled, whoever asks. A configured unit whose file
// is in neither directory is an error; a unit a package's script enables
// but no installed package ships is skipped with a warning, as
// deb-systemd-helper does.
//
// Switch settings: how `cairn switch` treats a changed unit is read from
// X- keys of the unit's definition in the image (activator/
// unit_definitions.hh). modules/system/systemd.nix writes them into the units
// it renders, but a packaged unit (no `text`) configured with, say,
// `reloadIfChanged = true; reloadTriggers = [ sshdConfig ];` has only the
// closure's flags. For each enabled closure unit whose flags are not the
// defaults, the keys the module would write (the same rule as its `flags`:
//   reloadIfChanged                         → X-ReloadIfChanged=true
//   !reloadIfChanged && !restartIfChanged   → X-RestartIfChanged=false
//   !stopIfChanged                          → X-StopIfChanged=false
//   reloadTriggers                          → X-Reload-Triggers=<reloadTriggersDigest>)
// that its definition (unit file and drop-ins, merged as systemd and the
// activator do) does not already carry are written in [Unit] of the drop-in
//   etc/systemd/system/<unit>.d/cairn-switch.conf
// (for "getty@.service", every instance's). A key the definition still
// overrides after that drop-in (a [Service] value, or a later drop-in such
// as overrides.conf saying otherwise) is reported as a warning.
//
// User units: the closure's user units are complete files and links in its
// `etc` (modules/system/systemd.nix makes them, like `systemctl --global
// enable`). What remains are units packages enable with `deb-systemd-helper
// --user enable` / `systemctl --global enable`: they are linked the same
// way under etc/systemd/user from usr/lib/systemd/user.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/error.hh"
#include "builder/compose/scripts.hh"
#include "builder/compose/tree.hh"

namespace cairn::compose {

/// One entry of the closure's `units`.
struct UnitConfig {
  bool enable = true;                     ///< false: masked
  std::vector<std::string> wanted_by{};
  std::vector<std::string> required_by{};
  std::vector<std::string> aliases{};
  /// How `cairn switch` treats the unit when its definition changed
  /// (systemd.units.<name>.restartIfChanged, … in modules/system/systemd.nix).
  bool restart_if_changed = true;
  bool stop_if_changed = true;
  bool reload_if_changed = false;
  /// The X-Reload-Triggers= value: the closure's reloadTriggersDigest; ""
  /// when the unit has no reload triggers.
  std::string reload_triggers{};
  bool operator==(const UnitConfig&) const = default;
};

/// The closure's `units` (unit name → how it is enabled). Errors name the
/// unit and the field that does not have the closure's shape.
[[nodiscard]] Result<std::map<std::string, UnitConfig>> read_unit_config(const nlohmann::json& closure);

/// What the pass did for one unit, for the manifest and --explain.
struct EnabledUnit {
  std::string unit{};    ///< "getty@tty1.service"
  bool user = false;     ///< a user unit (etc/systemd/user)
  bool masked = false;
  /// Who asked: "configuration", "package <name>", "Also= of <unit>".
  std::string reason{};
  std::string file{};    ///< the tree path of the unit file used; "" when masked
  std::vector<std::string> links{};  ///< tree paths of the links made, sorted
  bool operator==(const EnabledUnit&) const = default;
};

struct UnitsResult {
  std::vector<EnabledUnit> units{};      ///< system units, then user units, by name
  std::vector<std::string> warnings{};   ///< "…, ignoring" findings
  /// Tree paths of the switch-settings drop-ins written
  /// ("etc/systemd/system/ssh.service.d/cairn-switch.conf"), sorted.
  std::vector<std::string> switch_dropins{};
};

/// Makes the enablement links and masks in `tree` for `config` (the
/// closure's units) and `requested` (units packages enable), and the
/// switch-settings drop-ins of configured units (see above). On error the
/// tree is left unchanged.
[[nodiscard]] Result<UnitsResult> enable_units(RootTree& tree, const std::map<std::string, UnitConfig>& config,
                                               const std::vector<UnitRequest>& requested);

}  // namespace cairn::compose
