// The rpi-tryboot backend: the Raspberry Pi firmware boots the generation's
// kernel itself, and its one-shot `tryboot` flag gives a new generation one
// trial boot (DESIGN.md §6).
//
// What the firmware does (Raspberry Pi documentation, "Fail-safe OS updates
// (tryboot)"): it keeps a one-shot flag; when the flag is set it clears it
// and reads tryboot.txt instead of config.txt. Because the flag is cleared
// before the kernel starts, any crash, hang or reset during the trial
// brings the next boot back to config.txt. So:
//
//   config.txt   the committed generation: the last one blessed (good)
//   tryboot.txt  the generation on trial; read once, only with the flag set
//
// Setting the flag is not a file on the partition: the running system asks
// the firmware through its mailbox (activator/mailbox.hh) and reboots. This
// backend only writes files, so it runs on the build machine (SD images)
// and on the device alike.
//
// What goes where on the FAT firmware partition at `root` (its firmware
// files — bootcode.bin, start*.elf, fixup*.dat — are the SD image code's):
//   config.txt, tryboot.txt      copies of a generation's gen-<N>/config.txt
//   gen-<N>/vmlinuz              the kernel
//   gen-<N>/initrd.img           the initramfs
//   gen-<N>/cmdline.txt          the kernel command line (the entry's options)
//   gen-<N>/<device tree>.dtb    copied from the kernel package's device trees
//   gen-<N>/config.txt           the firmware configuration that boots this
//                                generation (rpi_config.hh), never read by the
//                                firmware from here (it reads only the root's)
//   gen-<N>/entry.conf           cairn's record: title, version, state
// A generation's config carries the host's config.txt lines of the build that
// made it, so committing or rolling back a generation also commits or rolls
// back its firmware settings, and the device needs no settings of its own to
// commit one: mark_good copies gen-<N>/config.txt to config.txt.
//
// States. entry.conf's `state` is good, trial or bad; tries are exactly one
// (the flag), so a trial entry reads back with one try left and none done,
// a bad one with none left and one done. The firmware itself never writes
// the partition: a trial that failed leaves tryboot.txt and its `trial`
// record behind, and the system that booted instead (config.txt's) marks it
// bad. read_state's `oneshot` is the generation tryboot.txt names: it boots
// next only if the flag is set.
//
// Order of writes, so that a crash leaves a bootable partition: a
// generation's files first and its entry.conf last (a gen-<N>/ without
// entry.conf is incomplete and ignored); config.txt and tryboot.txt only
// ever name complete generations; the commit (config.txt) before the records
// that follow from it. Every file is written whole (temporary file, fsync,
// rename, fsync of the directory; esp_write.hh) — the firmware reads only
// the exact names config.txt and tryboot.txt, never the temporaries. Callers
// serialise writers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bootloader/entry.hh"

namespace cairn::bootloader {

/// What write_entry needs besides the entry; the other verbs need none of it.
struct RpiTrybootSettings {
  uint32_t model = 4;            ///< hardware.raspberryPi.model: 3, 4 or 5
  std::string device_tree;       ///< hardware.raspberryPi.deviceTree: "bcm2711-rpi-4-b.dtb"
  /// The directory holding `device_tree`: the kernel package's device trees
  /// ("<tree>/usr/lib/linux-image-<release>/broadcom").
  std::string device_tree_dir;
  std::string config_lines;      ///< hardware.raspberryPi.configTxt
};

/// The partition's files.
inline constexpr std::string_view kRpiConfigTxt = "config.txt";
inline constexpr std::string_view kRpiTrybootTxt = "tryboot.txt";
inline constexpr std::string_view kRpiEntryConf = "entry.conf";

class RpiTryboot final : public Backend {
 public:
  /// `settings` may be left empty where only marking and reading happen (on
  /// the device); write_entry and install then fail and say what is missing.
  explicit RpiTryboot(RpiTrybootSettings settings = {});

  /// Writes nothing: the firmware is the boot loader, and its files come with
  /// the SD image; there is no config.txt to write before there is a
  /// generation. Checks that `root` is a directory and that the firmware the
  /// model needs is on it (Pi 3: bootcode.bin, start.elf, fixup.dat; Pi 4:
  /// start4.elf, fixup4.dat; Pi 5: none, its firmware is in the EEPROM), so
  /// call it after the firmware files are copied. `tree` and `settings` are
  /// not used (no menu, no timeout, and the limit applies in write_entry).
  [[nodiscard]] Result<void> install(const std::string& root, const std::string& tree,
                                     const LoaderSettings& settings) override;

  /// Writes gen-<N>/ (see the file comment; files already holding the same
  /// bytes are kept). A good entry (no tries_left) is then committed:
  /// config.txt boots it, and a tryboot.txt naming it is removed. A trial
  /// (tries_left > 0; recorded as one try) gets tryboot.txt, config.txt
  /// unchanged. A bad one (tries_left = 0) is only recorded. With
  /// `settings.limit`, generations beyond it are removed, bad ones first,
  /// then the oldest, never this one, the committed one, the trial or the
  /// newest good one (so more may stay); incomplete gen-<N>/ directories are
  /// removed too. Fails before changing anything when the settings, the entry
  /// or the partition's config.txt/tryboot.txt/entry.conf files are wrong.
  [[nodiscard]] Result<void> write_entry(const std::string& root, const BootEntry& entry,
                                         const std::string& kernel_file, const std::string& initrd_file,
                                         const LoaderSettings& settings) override;

  /// Commits a good generation: config.txt boots it. nullopt: the newest
  /// good generation. A trial or bad generation is refused (config.txt is
  /// what every failed trial falls back to).
  [[nodiscard]] Result<void> set_default(const std::string& root, std::optional<uint64_t> generation) override;

  /// Writes tryboot.txt for the generation (any state): it boots once the
  /// next time the firmware's tryboot flag is set (the device's mailbox
  /// call, not this function).
  [[nodiscard]] Result<void> set_oneshot(const std::string& root, uint64_t generation) override;

  /// The commit: config.txt boots the generation, its record says good, and a
  /// tryboot.txt naming it is removed. Idempotent, and finishes a commit a
  /// crash interrupted.
  [[nodiscard]] Result<void> mark_good(const std::string& root, uint64_t generation) override;

  /// Records the generation bad and removes a tryboot.txt naming it. If
  /// config.txt boots it, config.txt moves to the newest good generation
  /// (kept when there is no other: something must boot).
  [[nodiscard]] Result<void> mark_bad(const std::string& root, uint64_t generation) override;

  /// The complete generations, newest first and bad ones last;
  /// `default_entry` is config.txt's, `oneshot` tryboot.txt's. Errors: no
  /// config.txt (nothing installed), a config.txt or tryboot.txt that names
  /// no generation or a missing one (edited by hand), an entry.conf that
  /// does not parse — each naming the file and saying how to repair it.
  [[nodiscard]] Result<BootState> read_state(const std::string& root) const override;

 private:
  RpiTrybootSettings settings_;
};

}  // namespace cairn::bootloader
