// What an in-place switch does to the running units: which to stop before
// the new /usr and /etc are mounted, and which to start, restart or reload
// after — NixOS's switch-to-configuration rules
// (nixos/doc/manual/development/unit-handling.section.md and
// switch-to-configuration-ng's collect_unit_changes/compare_units/
// handle_modified_unit), over cairn's two roots.
//
// Pure: the old and new roots' definitions (unit_definitions.hh) and the
// units systemd has now, filled by the caller from ListUnits, go in; a Plan
// comes out. Nothing here talks to systemd.
//
// For each unit systemd has active (ActiveState active, activating,
// reloading or refreshing) whose file is one of the roots' (FragmentPath
// under /etc/systemd/system or /usr/lib/systemd/system):
//   - gone from the new root, or masked there: stop, unless
//     X-StopOnRemoval=false (skipped);
//   - a target: never restarted (what it newly wants is started, below);
//     stopped and started when X-StopOnReconfiguration=true;
//   - changed (compare_units): only [Unit] X-Reload-Triggers=, [Service]
//     ExecReload= or [Mount] Options= → reload; otherwise
//       .path, .slice → nothing (daemon-reload applies them);
//       .mount → restart; -.mount, usr.mount and etc.mount → reload (never
//         unmounted: they are the running system, as / and /nix in NixOS);
//       .socket → stopped and started (the listening socket is made anew),
//         with its service stopped too so that the next connection starts
//         the new one — a cairn addition: NixOS leaves changed sockets alone;
//       X-ReloadIfChanged=true → reload;
//       X-RestartIfChanged=false, RefuseManualStop=true or
//         X-OnlyManualStart=true → skipped;
//       X-StopIfChanged=false, or not a service → restart (after the swap);
//       otherwise stop before the swap and start after, so that the new
//         unit never runs with the old /etc; a socket-activated service
//         (Sockets=, or an active or new <name>.socket; not
//         X-NotSocketActivated=true) is stopped with its sockets and only
//         the sockets are started;
//   - unchanged: untouched.
// A changed unit that is not active is left alone (skipped, reported).
// Then, for every target active after the switch (active now and not
// stopped for good, or being started), the units it wants in the new root
// (.wants/, .requires/, Wants=, Requires=) that are not active are started
// when newly wanted (not wanted by that target in the old root), or when
// failed and changed; RefuseManualStart=true or X-OnlyManualStart=true
// skips them. Targets started this way count as active, transitively.
// NixOS instead starts every active target, which also re-runs finished
// oneshots; cairn starts only what is new so that a switch without changes
// touches nothing.
//
// Not here (the caller's or missing): /etc/fstab mounts and swaps (NixOS
// diffs fstab; cairn's generator-made mounts are skipped as generated),
// user units, the record of an interrupted switch.
#pragma once

#include <string>
#include <vector>

#include "activator/unit_definitions.hh"

namespace cairn::activator {

/// A unit as systemd has it now.
struct LiveUnit {
  std::string name;          ///< "sshd.service"
  std::string active_state;  ///< ActiveState: "active", "inactive", "failed", "activating", …
  std::string sub_state;     ///< SubState: "running", "exited", …; only reported
  /// FragmentPath; "" when systemd has none (device, scope, …) or the
  /// caller did not ask — the unit then counts as one of the roots'.
  std::string fragment_path;
};

/// How two definitions of one unit differ.
struct UnitComparison {
  enum Kind { equal, reload, restart };
  Kind kind = equal;
  /// The first difference that decided it, as "[Service] ExecStart="; ""
  /// when equal.
  std::string what;
  bool operator==(const UnitComparison&) const = default;
};

/// Compares two definitions as NixOS's compare_units does: [Install] is
/// not part of them; [Unit] Description=, Documentation=, OnFailure=,
/// OnSuccess=, OnFailureJobMode=, IgnoreOnIsolate=, StopWhenUnneeded=,
/// RefuseManualStart=, RefuseManualStop=, AllowIsolate=, CollectMode= and
/// SourcePath= are ignored, and so is a removed [Service] ExecReload=; a
/// change of [Unit] X-Reload-Triggers=, [Service] ExecReload= or [Mount]
/// Options= asks for a reload; any other change for a restart. A key set to
/// nothing (its list reset) counts as absent. A masked definition differs
/// from any other (restart, "masked").
UnitComparison compare_units(const UnitDefinition& old_def, const UnitDefinition& new_def);

/// One unit in a Plan's list, with why it is there (for --explain).
struct PlannedUnit {
  std::string unit;
  std::string reason;
  bool operator==(const PlannedUnit&) const = default;
};

/// What to do, in this order: stop; swap /usr and /etc; daemon-reload;
/// reload; restart; start. Each list is sorted by unit name and names a
/// unit once; a unit may be both in `stop` and in `start` (stopped before
/// the swap, started after). A unit in `restart` is never in `reload`.
struct Plan {
  std::vector<PlannedUnit> stop;
  std::vector<PlannedUnit> start;
  std::vector<PlannedUnit> restart;
  std::vector<PlannedUnit> reload;
  /// Changed or removed units left as they are, with why.
  std::vector<PlannedUnit> skipped;
  /// The unit files differ (tree digests), so systemd must re-read them.
  bool daemon_reload = false;
  /// Why the new generation takes full effect only after a reboot: "the
  /// kernel changed (6.1.0-17-amd64 → 6.1.0-18-amd64)", "systemd changed
  /// (/usr/lib/systemd/systemd differs)". Empty when none.
  std::vector<std::string> reboot_reasons;
};

/// The kernel release running now and the new generation's.
struct KernelVersions {
  std::string running;
  std::string next;
};

/// Plans the switch from `old_units` (the running generation's root) to
/// `new_units`, for the units systemd has now (`live`, any order; a unit
/// named twice counts once, the first time). The systemd binary is compared
/// by digest (UnitDefinitions::systemd_digest) — the simplest sign that
/// PID 1 would be another program; NixOS re-executes systemd instead, cairn
/// asks for a reboot.
Plan plan_switch(const UnitDefinitions& old_units, const UnitDefinitions& new_units, const std::vector<LiveUnit>& live,
                 const KernelVersions& kernels);

}  // namespace cairn::activator
