// The activator's side effects, behind one seam (STYLE.md §10).
//
// Everything the init sequence and the verbs do to the kernel — mounting,
// loading modules, probing block devices, attaching loop devices, the
// clock, the console, switching root, rebooting — goes through `System`.
// The decision logic (which step follows which, what a failure leads to)
// stays in stage.cc and bless.cc and is unit-tested against a fake; the real
// implementation (linux_system.cc) is a thin layer over the system calls and
// libmount, libkmod and libblkid.
//
// Plain files are not behind the seam: the activator reads and writes them
// itself under a `root` prefix ("" on the device, a temporary directory in
// tests), so that tests see real files. Paths handed to `System` are full
// paths, the prefix included; device paths it returns ("/dev/vda2") are
// without it.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "activator/grow.hh"
#include "base/error.hh"

namespace cairn::activator {

/// One block device as libblkid sees it.
struct BlockDevice {
  std::string path;   ///< "/dev/vda2", without the root prefix
  std::string devno;  ///< "254:2"; empty when unknown
  /// libblkid's tags: TYPE, LABEL, UUID, PARTUUID, PARTLABEL,
  /// PART_ENTRY_TYPE. A tag the device does not have is absent.
  std::map<std::string, std::string> tags;
};

class System {
 public:
  virtual ~System() = default;

  /// Mounts `source` on `target`. `type` is the file-system type; empty for
  /// a bind mount. `options` are mount(8)'s ("ro,nosuid", "bind,ro",
  /// "mode=0755"). Errors name both paths and errno's text.
  [[nodiscard]] virtual Result<void> mount(const std::string& source, const std::string& target,
                                           const std::string& type, const std::string& options) = 0;
  /// Moves the mount at `from` to `to` (mount --move).
  [[nodiscard]] virtual Result<void> move_mount(const std::string& from, const std::string& to) = 0;
  [[nodiscard]] virtual Result<void> unmount(const std::string& target) = 0;

  /// Inserts the kernel module in the file at `path`. A module already
  /// loaded, or built into the kernel, is success.
  [[nodiscard]] virtual Result<void> load_module(const std::string& path) = 0;

  /// One probe of every block device the kernel knows now (those under
  /// root/proc/partitions, opened under root/dev). A device that cannot be
  /// read (an empty CD drive) is left out; an error only when the list
  /// itself cannot be read.
  [[nodiscard]] virtual Result<std::vector<BlockDevice>> block_devices(const std::string& root) = 0;

  /// Attaches the file `image` to a free loop device, read-only, detached
  /// again when its last user goes; returns the device ("/dev/loop0",
  /// without the root prefix; the devices are under root/dev).
  [[nodiscard]] virtual Result<std::string> attach_loop(const std::string& root, const std::string& image) = 0;

  /// Grows the partition `device` ("/dev/vda2", without the root prefix)
  /// into the free space after it on its disk (grow.hh's grow_partition,
  /// the disk and partition number found through root/sys/class/block).
  [[nodiscard]] virtual Result<Growth> grow_partition(const std::string& root, const std::string& device) = 0;
  /// Grows the ext4 file system on `device` (without the root prefix),
  /// mounted at `mountpoint` (a full path), to its partition's size.
  [[nodiscard]] virtual Result<Growth> grow_filesystem(const std::string& root, const std::string& device,
                                                       const std::string& mountpoint) = 0;

  /// The running kernel's release (uname -r).
  virtual std::string kernel_release() = 0;
  /// Seconds since the activator started (CLOCK_MONOTONIC).
  virtual double now() = 0;
  virtual void sleep(double seconds) = 0;
  /// Writes one line to the console (the newline is added).
  virtual void print(std::string_view line) = 0;

  /// Makes `new_root` the root file system and executes `argv[0]` there as
  /// PID 1, with `argv`, like switch_root(8): the files of the old root
  /// (`root`, an initramfs) are deleted, the new root is moved over it and
  /// entered. Returns only on failure.
  [[nodiscard]] virtual Result<void> switch_root(const std::string& root, const std::string& new_root,
                                                 const std::vector<std::string>& argv) = 0;
  /// Runs `program` with `argv` on the console as a child and waits for it
  /// to end (the rescue shell).
  virtual void run_shell(const std::string& program, const std::vector<std::string>& argv) = 0;
  /// Runs `program` (an absolute path) with `args` and waits for it (the
  /// in-place switch's `systemd-tmpfiles --create`). Errors when it cannot
  /// be started or does not exit with 0, with how it ended and its
  /// standard error.
  [[nodiscard]] virtual Result<void> run(const std::string& program, const std::vector<std::string>& args) = 0;
  /// Flushes the file systems and reboots. Returns only if it could not (or
  /// in a fake).
  virtual void reboot() = 0;
};

/// The real thing: system calls, libmount, libkmod and libblkid.
std::unique_ptr<System> make_linux_system();

}  // namespace cairn::activator
