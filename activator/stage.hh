// The initramfs stage: cairn-activate as /init.
//
// The kernel unpacks the initramfs and runs /init. From there to systemd:
//
//   1. mount /proc, /sys, /dev (devtmpfs) and /run (tmpfs);
//   2. read the kernel command line (cmdline.hh);
//   3. load the modules /usr/lib/modules/<release>/load.list lists, in order;
//   4. wait for the state partition (cairn.state, LABEL=cairn-state) to
//      appear, re-probing every 100 ms, for cairn.timeout seconds;
//   5. mount it read-write at /run/cairn/state;
//   6. read generations/<N>/manifest.json and check the image against it
//      (verify.hh: in full once, then by its marker);
//   7. attach the image to a loop device, mount it at /run/cairn/image;
//   8. assemble the new root at /sysroot (see `assemble_root`);
//   9. move /dev, /proc, /sys and /run into it and switch root to systemd.
//
// Every step takes the root prefix and the `System` seam, so the order and
// the decisions are tested against a fake (stage_test.cc).
//
// Failures. Whatever fails is said in one line on the console — "cairn:
// generation 3: image … does not match its manifest (…); booting the last
// good generation" — and then the generation is marked bad through the
// boot-loader backend (the boot partition mounted at /run/cairn/esp) and
// the machine reboots, so that the boot loader picks the next entry. Two
// cases are held back from marking:
//   - a failure that need not be the generation's own (the state partition
//     did not appear or would not mount: a disk unplugged, a file system
//     needing repair) marks only a generation still on trial, whose new
//     initramfs may well be what lacks the driver — never a generation that
//     booted before: marking every good generation bad one by one for a
//     missing disk would destroy the fallback it is there for;
//   - once /dev, /proc, /sys and /run have been moved for the handover,
//     the paths the fallback needs are gone; what could fail there (the
//     program to run) is checked before the move.
// When nothing can be marked, or no other generation is left to boot, the
// activator starts a rescue shell (with cairn.shell, when the initramfs has
// /usr/bin/busybox) and reboots when it is left, or says why and reboots
// after 30 s. Boot counting remains the backstop for all of these: a trial
// entry that keeps failing runs out of tries without the activator's help.
//
// The activator never returns to the kernel (that panics); main.cc reboots
// if `run_init` ever returns on the real system.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "activator/cmdline.hh"
#include "activator/system.hh"
#include "base/error.hh"
#include "bootloader/entry.hh"
#include "bootloader/layout.hh"

namespace cairn::activator {

/// Where the init sequence puts things, relative to the root.
inline constexpr std::string_view kStateDir = bootloader::kStateMountDir;  ///< the state partition
inline constexpr std::string_view kImageDir = "/run/cairn/image";     ///< the generation's image
inline constexpr std::string_view kOverlayDir = "/run/cairn/overlay"; ///< /etc's upper and work dirs
inline constexpr std::string_view kSysroot = "/sysroot";              ///< the new root, before the switch
/// The rescue shell, in the initramfs.
inline constexpr std::string_view kRescueShell = "/usr/bin/busybox";
/// Seconds to show the last words before rebooting when there is no fallback.
inline constexpr double kRebootDelay = 30;

/// What the init sequence works with.
struct Init {
  std::string root;               ///< "" on the device; a temporary directory in tests
  System& system;
  bootloader::Backend& backend;   ///< the boot loader whose entries the fallback marks
  std::vector<std::string> init_args;  ///< /init's arguments from the kernel, passed on to systemd
};

/// How the init sequence ended — on the device only seen when the final
/// step itself failed; with a fake, what would have happened.
enum class Ending { handed_over, rebooted, rescue_shell };
std::string_view to_string(Ending ending);

/// Runs the whole sequence (see the file comment).
Ending run_init(const Init& init);

// ---- The steps, in order ----

/// Mounts /proc, /sys, /dev (devtmpfs) and /run (tmpfs, as systemd would:
/// mode=0755,nosuid,nodev,size=20%,nr_inodes=800k), creating the mount points.
[[nodiscard]] Result<void> mount_api_filesystems(const std::string& root, System& system);

/// Reads and parses root/proc/cmdline.
[[nodiscard]] Result<Cmdline> read_cmdline(const std::string& root);

/// What loading the modules came to.
struct ModuleLoad {
  size_t loaded = 0;
  /// One line per module that failed, or the list that could not be read;
  /// none of them stops the boot (the wait for the state partition then
  /// says what is missing).
  std::vector<std::string> problems;
};

/// Loads the modules listed in root/usr/lib/modules/<release>/load.list
/// (one path per line, relative to that directory; blank lines and lines
/// starting with '#' are skipped), in order.
ModuleLoad load_modules(const std::string& root, System& system);

/// Probes the block devices every 100 ms until one carries `tag`, printing
/// "cairn: waiting for the state partition (LABEL=cairn-state): 5 s of 30"
/// every 5 s; returns its path ("/dev/vda2"). Error after `timeout`
/// seconds: "the state partition (LABEL=cairn-state) did not appear in 30 s
/// (block devices: /dev/vda1 vfat LABEL=ESP)".
[[nodiscard]] Result<std::string> wait_for_state(const std::string& root, System& system, const DeviceTag& tag,
                                                 uint32_t timeout);

/// Mounts the state partition `device` read-write at root/run/cairn/state.
[[nodiscard]] Result<void> mount_state(const std::string& root, System& system, const std::string& device);

/// Attaches generation `n`'s image to a loop device and mounts it read-only
/// at root/run/cairn/image.
[[nodiscard]] Result<void> mount_image(const std::string& root, System& system, uint64_t n);

/// Assembles the new root at root/sysroot from the mounted image and the
/// state partition:
///
///   /sysroot             tmpfs, mode 0755 — writable, forgotten at shutdown
///     bin → usr/bin, …   the image root's symlinks, recreated
///     boot/ mnt/ …       the image root's directories, empty (mount points)
///     usr/               the image's usr/, bind-mounted read-only
///     etc/               overlay: lower the image's etc/, upper and work in
///                        /run/cairn/overlay/etc (tmpfs) — writable, reset
///                        every boot, so first-boot work can write it
///     var/ home/ root/   bind mounts of the state partition's var/, home/,
///                        root/ (made on first use; root/ mode 0700)
///     etc/machine-id     the state partition's machine-id bound over it,
///                        when there is one
///
/// A tmpfs root rather than the image's own root bound read-only: the image
/// need not carry any mount point, / stays writable (so /tmp, /mnt and the
/// mount points systemd creates just work), and usr/ is the only place the
/// image's files show, read-only.
[[nodiscard]] Result<void> assemble_root(const std::string& root, System& system);

/// The program to run as PID 1 in the image mounted at `image_dir`: `wanted`
/// (init=) if given, else /usr/lib/systemd/systemd, else /sbin/init — the
/// first that is, resolved inside the image, an executable regular file.
/// Returned as a path in the new root.
[[nodiscard]] Result<std::string> find_init(const std::string& image_dir, const std::optional<std::string>& wanted);

/// Moves /dev, /proc, /sys and /run into the new root and switches to it,
/// running `init` with `args`. Returns only on failure.
[[nodiscard]] Result<void> hand_over(const std::string& root, System& system, const std::string& init,
                                     const std::vector<std::string>& args);

// ---- Failure ----

struct Failure {
  std::string message;  ///< what failed and why, without "cairn: "
  /// False when the device rather than the generation may be at fault (see
  /// the file comment): only a generation on trial is marked bad then.
  bool generation_at_fault = true;
};

/// Reports `failure`, marks the generation bad and reboots, or — when that
/// is not possible — starts the rescue shell or waits and reboots.
Ending fall_back(const Init& init, const Cmdline& cmdline, const Failure& failure);

}  // namespace cairn::activator
