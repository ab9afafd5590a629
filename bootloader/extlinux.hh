// The U-Boot + extlinux backend, for ARM boards whose U-Boot boots through
// distro boot (DESIGN.md §6): the QEMU `virt` machine with u-boot-qemu's
// qemu_arm64 and the Raspberry Pi with u-boot-rpi's rpi_arm64.
//
// What goes where on the FAT boot partition at `root`:
//   boot.scr                       the counting script (uboot_script.hh), as
//                                  a legacy script image; the same bytes for
//                                  every generation
//   boot/extlinux/extlinux.conf    the menu U-Boot shows, regenerated from
//                                  the records below on every change
//   cairn/entries/cairn-<N>.conf   cairn's record of generation N: the entry
//                                  (bls.hh's format: title, version, sort-key,
//                                  linux, initrd, options), then `fdtdir`, and
//                                  `tries-left`/`tries-done` for a counted entry
//   cairn/loader.conf              `timeout` (seconds) and, when pinned,
//                                  `default` (a generation)
//   cairn/boot.env                 the counting state U-Boot reads and writes
//   cairn/<sha256>-kernel, cairn/<sha256>-initrd   shared by content
//
// States. U-Boot has one counter, so there is one trial at a time: boot.env's
// cairn_trial, with cairn_left tries left, which the script decrements
// before each boot. A record with a counter is *trial* while boot.env names
// it with tries left, and *bad* otherwise — when it used its tries up, and
// also when a newer trial took the counter before it was ever tried (U-Boot
// will not try it again by itself). A record without a counter is *good*; a
// record with `tries-left 0` is *bad*. read_state reads boot.env, not only
// the records, because U-Boot counts behind cairn's back.
//
// What boots. A pending trial (tries left) boots first — even before a
// pinned default; mark it bad to stop it. Otherwise extlinux.conf's
// `default`: the pinned generation while it is good, else the newest good
// one, else (no good entry at all) the newest trial. So a trial that fails
// falls back to the last good generation with no human action, and a bad
// entry is never the default. set_oneshot wins over both, for one boot.
//
// Order of writes. Each verb writes the records and extlinux.conf first and
// boot.env last, except mark_bad, which takes the counter away in boot.env
// first: at every point in between, what read_state reports is what U-Boot
// would do. Every write is atomic and durable (base/files.hh, esp_write.hh);
// callers serialise writers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bootloader/entry.hh"

namespace cairn::bootloader {

/// Paths on the boot partition, relative to its root.
inline constexpr std::string_view kExtlinuxEntriesDir = "cairn/entries";
inline constexpr std::string_view kExtlinuxSettingsPath = "cairn/loader.conf";

/// How this device's U-Boot should boot the kernels.
struct ExtlinuxOptions {
  /// The menu's title: printable ASCII (U-Boot prints it as bytes).
  std::string menu_title = "cairn";
  /// `fdtdir` for the entries written through this backend: a directory on
  /// the boot partition holding device trees, from which U-Boot loads
  /// ${fdtfile}. Empty: no fdt line, so U-Boot passes the device tree it
  /// has — its own on QEMU, the firmware's on a Raspberry Pi.
  std::string fdtdir;
};

/// One `label` of extlinux.conf.
struct ExtlinuxLabel {
  uint64_t generation = 0;  ///< the label is "cairn-<generation>"
  std::string menu_label;   ///< the text shown; ASCII (see menu_text)
  std::string kernel;       ///< `linux`
  std::string initrd;       ///< `initrd`; empty: none
  std::string fdtdir;       ///< `fdtdir`; empty: none
  std::string append;       ///< `append`: the kernel command line; empty: none
  bool operator==(const ExtlinuxLabel&) const = default;
};

/// The whole menu.
struct ExtlinuxMenu {
  std::string title;                         ///< `menu title`
  uint32_t timeout = 3;                      ///< seconds; 0: no menu, boot the default at once
  std::optional<uint64_t> default_entry;     ///< `default cairn-<N>`; nullopt: none (U-Boot tries the labels in order)
  std::vector<ExtlinuxLabel> labels;         ///< in menu order
};

/// extlinux.conf's text as U-Boot 2023.01's pxe parser reads it (see
/// extlinux.cc): a comment, `menu title` (only with a timeout, since any
/// `menu` line at the top turns U-Boot's prompt on, and a prompt with
/// timeout 0 waits for ever), `timeout` in tenths of a second, `default`,
/// then the labels.
std::string format_extlinux_conf(const ExtlinuxMenu& menu);

/// `text` made fit for U-Boot's console: dashes (U+2010…U+2015, U+2212) become
/// '-', other characters outside printable ASCII become '?'. Invalid UTF-8
/// bytes become '?' each.
std::string menu_text(std::string_view text);

class ExtlinuxBackend final : public Backend {
 public:
  explicit ExtlinuxBackend(ExtlinuxOptions options = {});

  /// Writes boot.scr, cairn/loader.conf's timeout (keeping a pinned default),
  /// creates cairn/entries, and writes extlinux.conf from the records there.
  /// `tree` is not used: U-Boot itself and the Raspberry Pi firmware are put
  /// on the partition by the disk-image code. Files already up to date are
  /// not rewritten.
  [[nodiscard]] Result<void> install(const std::string& root, const std::string& tree,
                                     const LoaderSettings& settings) override;

  /// Writes the record cairn/entries/cairn-<N>.conf (`entry.kernel` and
  /// `entry.initrd` are ignored on input: the files are copied to
  /// cairn/<sha256>-kernel and -initrd unless there already). An empty
  /// `version` becomes the zero-padded generation. With `tries_left` > 0 the
  /// entry becomes the trial (boot.env: cairn_trial=N, cairn_left=tries);
  /// without it, boot.env stops naming N. With `settings.limit`, records
  /// beyond it are removed, bad ones first, then the oldest, but never this
  /// entry, the newest good one, the default, the one-shot or the trial.
  /// Kernels and initrds no record names are removed. Fails before changing
  /// anything when a record does not parse.
  [[nodiscard]] Result<void> write_entry(const std::string& root, const BootEntry& entry,
                                         const std::string& kernel_file, const std::string& initrd_file,
                                         const LoaderSettings& settings) override;

  /// Pins the default (cairn/loader.conf) and rewrites extlinux.conf; the
  /// generation must have a record that is not bad. nullopt unpins: the
  /// newest good generation. A pinned generation that is not good (yet)
  /// does not become extlinux.conf's default until it is.
  [[nodiscard]] Result<void> set_default(const std::string& root, std::optional<uint64_t> generation) override;

  /// boot.env: cairn_oneshot=N (the generation in any state). The script
  /// clears it when it boots it.
  [[nodiscard]] Result<void> set_oneshot(const std::string& root, uint64_t generation) override;

  /// The record loses its counter; boot.env stops naming the generation.
  [[nodiscard]] Result<void> mark_good(const std::string& root, uint64_t generation) override;

  /// boot.env stops naming the generation, then the record gets
  /// `tries-left 0` (with the tries done so far) and the menu is rewritten;
  /// nothing to do when the record says bad already.
  [[nodiscard]] Result<void> mark_bad(const std::string& root, uint64_t generation) override;

  /// The records in menu order (newest first, bad ones last) with their
  /// states as U-Boot would see them, what boots without a key press, and
  /// the pending one-shot (nullopt when it names no record: the script
  /// would clear it and boot the default). Errors name the record, and its
  /// line, that does not parse.
  [[nodiscard]] Result<BootState> read_state(const std::string& root) const override;

 private:
  ExtlinuxOptions options_;
};

}  // namespace cairn::bootloader
