// The runtime half of `cairn switch | test | boot | dry-activate |
// rollback` (DESIGN.md §6 "In place", issue 8): `cairn-activate switch N`
// and its siblings, run on the machine itself once the builder has
// installed generation N on the state partition (generations/N/) and given
// it a boot entry.
//
// The sequence of `switch N` (and of `test N`, which leaves the boot
// loader alone):
//
//   1. take /run/cairn/switch.lock (flock, not waiting): one switch at a time;
//   2. read generations/N/manifest.json and check the image against it
//      (verify.hh) — a bad image stops everything before anything changed;
//      `switch` also makes sure N has a boot entry;
//   3. attach the image to a loop device and mount it read-only at
//      /run/cairn/generations/N (reused when a switch mounted it already;
//      the booted generation's image is /run/cairn/image);
//   4. plan (switch_plan.hh): the running generation's units — the image
//      /run/cairn/active names, or the booted one — against N's, for the
//      units systemd has now; FragmentPath is asked only of the units the
//      plan would act on, and the plan is made again with it (a unit a
//      generator or /run made is not the generations' to touch). The
//      kernel running now (uname -r) against N's manifest's kernel.version
//      says whether a reboot is needed;
//   5. write /run/cairn/switch-in-progress (the jobs still owed), then stop
//      the plan's stop list;
//   6. swap: N's usr/ bound read-only over /usr and a fresh overlay over
//      /etc (lower N's etc/, upper and work in /run/cairn/overlay/etc-N),
//      each a new mount on top of the old one, which stays underneath for
//      the processes that have files open there (what was written to the
//      old /etc at run time stays behind with it, as at a reboot —
//      environment.persist is how a file outlives both); the state
//      partition's machine-id bound over /etc/machine-id (without one
//      there, the running machine-id is copied into the new /etc) and N's
//      persisted paths bound again (those under /etc, which is new, and
//      those not bound yet);
//      /run/cairn/active rewritten (atomically); systemd reloaded;
//   7. reload, restart and start per the plan, one batch each, and report
//      the units whose jobs failed (exit status 4, as NixOS's);
//   8. remove the in-progress record; `switch` makes N the boot default.
//
// `boot N` does 1, 2 and the default of 8 only; `dry-activate N` does 1–4
// and prints the plan: it queues no job, mounts nothing over the system and
// writes no record (an image it had to mount for reading is unmounted
// again). `rollback` picks the generation before the current one
// (`rollback_target`) and boots it next time, or with --now switches to it.
//
// Interrupted switches. The in-progress record (switch_records.hh) lists
// the reload, restart and start jobs the switch still owes, written before
// the first stop. A later switch that finds it says so, plans afresh from
// the mounts as they are (the active record is rewritten the moment the
// swap is done, so a switch killed after the swap plans N against N, and
// one killed before plans from the old generation again) and adds the owed
// jobs to its own, for the units its target generation still has. The
// record is in /run, so a reboot forgets it along with everything it was
// about.
//
// Every side effect goes through a seam: `System` for mounts and loop
// devices, `Systemd` for units, the boot-loader `Backend` for the default,
// and files under the `root` prefix — so switch_test.cc runs the whole
// sequence in a temporary directory against fakes. Lines saying what is
// being done ("restarting ssh.service (changed ([Service] ExecStart=))")
// go to System::print as they happen; the caller prints the summary.
//
// Not here: the wrong-host guard and building (the builder's `cairn
// switch`), user units, /etc/fstab's mounts and swaps (left to the
// daemon-reload's generators), and re-executing systemd (a changed systemd
// asks for a reboot instead).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "activator/switch_plan.hh"
#include "activator/switch_records.hh"
#include "activator/system.hh"
#include "activator/systemd.hh"
#include "base/error.hh"
#include "bootloader/entry.hh"
#include "bootloader/layout.hh"

namespace cairn::activator {

/// Where the switch keeps its state, relative to the root.
inline constexpr std::string_view kSwitchLock = "/run/cairn/switch.lock";
using bootloader::kActiveRecord;
inline constexpr std::string_view kSwitchInProgress = "/run/cairn/switch-in-progress";
/// Generation N's image is mounted at kGenerationMounts/N.
inline constexpr std::string_view kGenerationMounts = "/run/cairn/generations";

enum class SwitchAction { switch_now, test, boot, dry_activate };

/// The one table for SwitchAction.
struct SwitchActionInfo {
  SwitchAction action;
  std::string_view verb;  ///< the command's word: "switch", "test", "boot", "dry-activate"
  bool activates;         ///< mounts the generation over the running system and runs the jobs
  bool makes_default;     ///< makes it the boot loader's default
};
inline constexpr std::array<SwitchActionInfo, 4> switch_actions{{
    {SwitchAction::switch_now, "switch", true, true},
    {SwitchAction::test, "test", true, false},
    {SwitchAction::boot, "boot", false, true},
    {SwitchAction::dry_activate, "dry-activate", false, false},
}};
inline const SwitchActionInfo& switch_action_info(SwitchAction a) { return switch_actions[static_cast<size_t>(a)]; }

/// What a switch works with.
struct SwitchContext {
  std::string root;  ///< "" on the device; a temporary directory in tests
  System& system;
  bootloader::Backend& backend;
  /// The service manager; needed by every action but `boot` (and rollback
  /// without --now), which may pass nullptr.
  Systemd* systemd = nullptr;
  /// Seconds each batch of jobs may take.
  double job_timeout = 300;
};

/// The active generation: root/run/cairn/active when a switch wrote it,
/// else the booted one (cairn.generation= on root/proc/cmdline) at
/// /run/cairn/image. Errors: the record's, and "not booted through a cairn
/// entry (no cairn.generation= on the kernel command line, no
/// /run/cairn/active)".
[[nodiscard]] Result<ActiveGeneration> read_active(const std::string& root);

/// One unit whose job did not end well.
struct UnitFailure {
  std::string unit;
  /// "starting bad.service failed: the unit failed", or systemd's refusal
  /// ("starting x.service: org.freedesktop.systemd1.NoSuchUnit: …").
  std::string message;
  bool operator==(const UnitFailure&) const = default;
};

/// What a switch did (or, for dry-activate, would do).
struct SwitchReport {
  SwitchAction action = SwitchAction::switch_now;
  uint64_t generation = 0;
  /// The generation active before; 0 for `boot`, which does not look.
  uint64_t previous = 0;
  /// The generation an interrupted switch was going to, when one was found.
  std::optional<uint64_t> interrupted;
  /// The plan, owed jobs of an interrupted switch included.
  Plan plan;
  /// The units whose jobs succeeded, by job; `skipped` is the plan's.
  std::vector<std::string> stopped, started, restarted, reloaded, skipped;
  std::vector<UnitFailure> failed;
  bool activated = false;     ///< the new /usr and /etc are mounted (or were already)
  bool made_default = false;  ///< the boot loader's default is now `generation`

  /// 0, or 4 when some unit failed (NixOS's code for it).
  int exit_status() const { return failed.empty() ? 0 : 4; }
};

/// Runs `action` for generation `n` (see the file comment). Errors are the
/// switch's own failures, each naming the step ("generation 5: image … does
/// not match its manifest (…)", "another switch is running (… is locked)");
/// failing units are not errors but part of the report. An error after the
/// stop jobs ends in "; run `cairn-activate switch 5` again to finish".
[[nodiscard]] Result<SwitchReport> run_switch(const SwitchContext& ctx, SwitchAction action, uint64_t n);

/// The generations installed on the state partition at
/// root/run/cairn/state (a generations/<N>/ with a manifest and an image),
/// ascending.
[[nodiscard]] Result<std::vector<uint64_t>> installed_generations(const std::string& root);

/// The generation a rollback from `current` goes to: the newest one below
/// it that is installed, has a boot entry and is not bad. Errors: "no
/// generation before 5 to roll back to (installed, with a boot entry, not
/// bad)".
[[nodiscard]] Result<uint64_t> rollback_target(const std::vector<uint64_t>& installed,
                                               const bootloader::BootState& state, uint64_t current);

/// `rollback`: from the newer of the active generation and the boot
/// loader's default — so that it undoes the last `switch`, `test` or
/// `boot` alike — to `rollback_target`, made the default; with `now`,
/// switched to as well (`run_switch` with switch_now).
[[nodiscard]] Result<SwitchReport> run_rollback(const SwitchContext& ctx, bool now);

/// The lines a dry run prints: "would stop a.service (removed in the new
/// system)", …, "would reload systemd", "would need a reboot: the kernel
/// changed (…)"; "would change no unit" when the plan is empty.
std::vector<std::string> describe_plan(const Plan& plan);

/// The last line of the output: "generation 5 is active and the default:
/// 1 stopped, 2 started, 1 restarted, 0 reloaded, 1 skipped, 1 failed
/// (bad.service); reboot to finish: the kernel changed (a → b)".
std::string summary_line(const SwitchReport& report);

}  // namespace cairn::activator
