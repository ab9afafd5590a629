// The boot-entry model every backend shares, and the one small interface
// they implement (STYLE.md §13): systemd-boot (BLS type 1 with boot
// counting) now, extlinux and the Raspberry Pi firmware next.
//
// A generation's entry is *trial* while it has tries left (it boots, the
// counter goes down), *good* once the running system blessed it (no
// counter), and *bad* when its tries are used up (it sorts last; the boot
// loader passes over it). Every function takes the boot partition's
// mount point (`root`), so tests run in a temporary directory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"

namespace cairn::bootloader {

enum class EntryState { good, trial, bad };
std::string_view to_string(EntryState state);

/// One generation as the boot loader sees it.
struct BootEntry {
  uint64_t generation = 0;
  std::string title;        ///< "vm — generation 3 (2026-11-21, 6.1.0-50-amd64)"
  std::string version;      ///< sorts newest first: the generation, zero-padded
  std::string kernel;       ///< path on the boot partition ("/cairn/<sha256>-kernel")
  std::string initrd;       ///< likewise
  std::string options;      ///< the kernel command line
  /// Boot counting: tries left and tries done; nullopt = no counter (good).
  std::optional<uint32_t> tries_left;
  uint32_t tries_done = 0;

  EntryState state() const {
    if (!tries_left) return EntryState::good;
    return *tries_left > 0 ? EntryState::trial : EntryState::bad;
  }
  bool operator==(const BootEntry&) const = default;
};

/// What the boot loader would do next, as read back from the partition.
struct BootState {
  std::vector<BootEntry> entries;        ///< in menu order (newest first, bad ones last)
  std::optional<uint64_t> default_entry; ///< the generation booted without a key press
  std::optional<uint64_t> oneshot;       ///< booted once next time, then the default again
};

/// Loader-wide settings.
struct LoaderSettings {
  uint32_t timeout = 3;                   ///< seconds the menu shows
  std::optional<uint32_t> limit;          ///< keep at most this many entries (configurationLimit)
};

class Backend {
 public:
  virtual ~Backend() = default;

  /// Installs the boot loader's own files (from the target's package tree
  /// at `tree`) and loader settings on the partition at `root`.
  [[nodiscard]] virtual Result<void> install(const std::string& root, const std::string& tree,
                                             const LoaderSettings& settings) = 0;

  /// Adds or replaces `entry`, copying `kernel_file` and `initrd_file` (paths
  /// on the build machine or device) to the partition, shared by hash. A new
  /// entry with `tries_left` set starts as a trial. Removes entries beyond
  /// the limit (bad ones first, then the oldest; never this entry, the
  /// newest good one or the default), and kernels/initrds no entry uses.
  [[nodiscard]] virtual Result<void> write_entry(const std::string& root, const BootEntry& entry,
                                                 const std::string& kernel_file,
                                                 const std::string& initrd_file,
                                                 const LoaderSettings& settings) = 0;

  /// Makes `generation` the default (nullopt: the boot loader's own rule,
  /// newest non-bad first).
  [[nodiscard]] virtual Result<void> set_default(const std::string& root, std::optional<uint64_t> generation) = 0;

  /// Boots `generation` once, next boot only.
  [[nodiscard]] virtual Result<void> set_oneshot(const std::string& root, uint64_t generation) = 0;

  /// Marks the generation good: no counter any more.
  [[nodiscard]] virtual Result<void> mark_good(const std::string& root, uint64_t generation) = 0;

  /// Marks the generation bad: no tries left, so it sorts last.
  [[nodiscard]] virtual Result<void> mark_bad(const std::string& root, uint64_t generation) = 0;

  /// Reads the entries and what would boot next.
  [[nodiscard]] virtual Result<BootState> read_state(const std::string& root) const = 0;
};

}  // namespace cairn::bootloader
