// The builder's half of `cairn switch | boot | test | dry-activate |
// rollback` on a running cairn machine (DESIGN.md §6 "In place", issue 8).
//
// The activator mounted the state partition at /run/cairn/state when the
// machine booted. `cairn switch` on the machine:
//
//   1. checks that the machine is the host being built (the wrong-host
//      guard): the host recorded at install in <state>/host — or, on a
//      machine installed before that file existed, the running generation's
//      manifest — must be --host, and the state partition's machine-id must
//      be /etc/machine-id's; --force overrides both;
//   2. takes <state>/.cairn-switch.lock (flock, not waiting), so two
//      builder-side switches never install at once;
//   3. builds the host from the machine's own store (build_host: offline
//      when the store holds the locked packages), a new generation
//      numbered past the newest installed;
//   4. installs the system as generation N on the state partition:
//      system.squashfs and manifest.json copied to generations/N.tmp-XXXXXX,
//      fsync'd, renamed to generations/N, the directory fsync'd. N is the
//      build's own number, one past the newest installed unless the build
//      was a no-op; an installed generation that holds the same system (the
//      same manifest, the image's size) is reused whatever its number; a
//      generations/N that holds another is never touched — the system goes
//      to one past the newest installed generation instead. Leftover
//      *.tmp-* directories of an interrupted install are removed before
//      the build;
//   5. for `switch` and `boot` (the verbs that make N the default), writes
//      N's boot entry — a trial with boot.tries tries, the kernel and initrd
//      from the store, image.hh's kernel_options() — through the boot
//      loader that is on the boot partition (bootloader::DetectingBackend).
//      The partition is the vfat mount at /boot, /boot/efi, /efi or
//      /run/cairn/esp in /proc/self/mountinfo, or else the partition
//      labelled ESP, mounted at /run/cairn/esp for the write and unmounted
//      again. An entry N already has is kept when N was reused and the
//      entry is not bad (rewriting would turn a blessed entry into a
//      trial). `test` and `dry-activate` write no entry: a new newest entry
//      would become the boot loader's default, which `test` must keep;
//   6. runs `cairn-activate VERB N` (the runtime half, activator/switch.hh)
//      and passes its exit status on (4: some unit failed).
//
// `rollback [--now]` builds and installs nothing: it takes the lock and
// runs `cairn-activate rollback [--now]`.
//
// Every path is under `root` ("" on the machine, a temporary directory in
// tests); the build, mounting the boot partition and the output are seams
// of the context, and the activator is a program found by path, so
// switch_test.cc runs all of it against fakes.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"
#include "base/subprocess.hh"
#include "builder/cli/build.hh"
#include "bootloader/layout.hh"

namespace cairn::cli {

/// Where things are on a running cairn machine, relative to the root.
inline constexpr std::string_view kStateMount = bootloader::kStateMountDir;
inline constexpr std::string_view kEspMount = bootloader::kEspMountDir;
inline constexpr std::string_view kEspDevice = "/dev/disk/by-label/ESP";
inline constexpr std::string_view kActivatorPath = "/usr/lib/cairn/cairn-activate";
using bootloader::kActiveRecord;
/// The boot partition's possible mount points, in the order they are taken.
inline constexpr std::array<std::string_view, 4> kEspMountPoints{"/boot/efi", "/efi", "/boot", "/run/cairn/esp"};
/// On the state partition: the host the machine was installed as (one
/// line), its machine-id, and the builder-side switch lock.
inline constexpr std::string_view kHostFile = "host";
inline constexpr std::string_view kMachineIdFile = "machine-id";
inline constexpr std::string_view kSwitchLockFile = ".cairn-switch.lock";

enum class InPlaceVerb { switch_now, boot, test, dry_activate, rollback };

/// The one table for InPlaceVerb.
struct InPlaceVerbInfo {
  InPlaceVerb verb;
  std::string_view name;  ///< the word of both `cairn` and `cairn-activate`
  bool builds;            ///< builds and installs the host first
  bool writes_entry;      ///< writes the generation's boot entry
  std::string_view help;
};
inline constexpr std::array<InPlaceVerbInfo, 5> in_place_verbs{{
    {InPlaceVerb::switch_now, "switch", true, true,
     "Build this machine's host, install it and activate it now as the boot default"},
    {InPlaceVerb::boot, "boot", true, true, "Build this machine's host and install it as the default from the next boot"},
    {InPlaceVerb::test, "test", true, false,
     "Build this machine's host, install it and activate it now; the boot default stays"},
    {InPlaceVerb::dry_activate, "dry-activate", true, false,
     "Build this machine's host, install its image and print what switching to it would do"},
    {InPlaceVerb::rollback, "rollback", false, false,
     "Make the previous generation the boot default (with --now, switch to it as well)"},
}};
inline const InPlaceVerbInfo& in_place_verb_info(InPlaceVerb v) { return in_place_verbs[static_cast<size_t>(v)]; }

/// What one in-place verb works with.
struct InPlaceContext {
  InPlaceVerb verb = InPlaceVerb::switch_now;
  /// Prefix of every path on the machine: "" on the machine itself, a
  /// temporary directory in tests (never ending in '/').
  std::string root;
  /// --host; "" = the host the machine records (see the file comment).
  std::string host;
  bool force = false;  ///< --force: build even when the guard refuses
  bool now = false;    ///< rollback --now
  /// The runtime half; "" = root/usr/lib/cairn/cairn-activate when it is
  /// there, else `cairn-activate` on PATH.
  std::string activator;
  /// Builds `host`, numbering a new generation `first_number` or more (one
  /// past the newest installed; a no-op rebuild keeps its number). The
  /// command: build_host from the machine's store; tests hand over a
  /// prepared system directory. Not called by rollback.
  std::function<Result<BuiltSystem>(const std::string& host, uint64_t first_number)> build;
  /// Mounts the vfat file system on `device` at `target` (a directory that
  /// exists), and unmounts it. The command: mount(2) and umount(2).
  std::function<Result<void>(const std::string& device, const std::string& target)> mount;
  std::function<Result<void>(const std::string& target)> unmount;
  /// Receives one line per step as it is done ("installed generation 7 on
  /// the state partition"), without "cairn: ".
  std::function<void(const std::string& line)> print;
  /// Receives cairn-activate's output as it comes (fd 1 or 2); may be
  /// empty. All of it is in the report as well.
  std::function<void(int fd, std::string_view piece)> activator_output;
};

/// What a verb did.
struct InPlaceReport {
  std::string host;                     ///< the host built ("" for rollback)
  std::optional<uint64_t> generation;   ///< the generation installed or reused; nullopt for rollback
  bool installed = false;               ///< false: the state partition held it already
  bool entry_written = false;           ///< its boot entry was written now
  std::vector<std::string> activator_command;  ///< the program and its arguments as run
  RunResult activator;                  ///< how cairn-activate ended and what it wrote
};

/// The mount point of the boot partition according to `mountinfo`
/// (/proc/self/mountinfo's text): the first of kEspMountPoints where a vfat
/// file system is mounted whole; nullopt when none is.
std::optional<std::string> find_esp_mount(std::string_view mountinfo);

/// The generation number a build numbered `built` is installed as, given
/// the numbers the state partition holds and whether generations/<built>
/// holds the same system: `built` when it is free or the same, else one
/// past the newest installed.
uint64_t choose_generation(uint64_t built, const std::vector<uint64_t>& installed, bool same_as_installed);

/// Runs the verb (see the file comment). Errors say what and what to do:
/// the guard's ("this machine is host laptop (…/host); …"), "another cairn
/// switch is running (… is locked); wait for it to finish", the build's
/// (passed on as they are), the install's and the boot entry's with the
/// generation named. How cairn-activate ended is in the report, not an
/// error, unless it could not be run or was killed.
[[nodiscard]] Result<InPlaceReport> run_in_place(const InPlaceContext& ctx);

}  // namespace cairn::cli
