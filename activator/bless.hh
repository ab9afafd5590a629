// The runtime verbs on the booted system.
//
// `cairn-activate bless` runs from a unit ordered after boot-complete.target
// (the documented extension point of systemd's boot assessment): the
// generation named on the kernel command line has booted fully, so its
// entry is marked good and boot counting ends for it. It is idempotent: a
// good generation is left alone. `cairn-activate status` lists the entries
// as the boot loader will see them — for people and for the end-to-end
// tests, which grep its lines.
//
// Both find the boot partition by label or type (esp.hh), use its mount if
// it has one (/boot, /efi) and otherwise mount it at /run/cairn/esp for the
// duration of the call.
#pragma once

#include <optional>
#include <string>

#include "activator/system.hh"
#include "base/error.hh"
#include "bootloader/entry.hh"

namespace cairn::activator {

/// Marks the booted generation (cairn.generation= in root/proc/cmdline)
/// good. Returns what was done: "generation 3 is marked good", "generation
/// 3 was good already". Errors: "the kernel command line names no generation
/// (cairn.generation=N): not booted through a cairn entry", "generation 3
/// has no boot entry on /boot", the backend's and the mount's.
[[nodiscard]] Result<std::string> bless(const std::string& root, System& system, bootloader::Backend& backend);

/// The entries, one line each, in menu order:
///   generation 3: trial (2 tries left, 1 done), default, booted
///   generation 2: good
///   generation 1: bad (0 tries left, 3 done)
/// with "default" (booted without a key press), "next boot" (the one-shot)
/// and "booted" (the running generation, if known). "no boot entries" when
/// there are none.
std::string format_status(const bootloader::BootState& state, std::optional<uint64_t> booted);

/// Reads the entries from the boot partition and formats them (above).
[[nodiscard]] Result<std::string> status(const std::string& root, System& system,
                                         const bootloader::Backend& backend);

}  // namespace cairn::activator
