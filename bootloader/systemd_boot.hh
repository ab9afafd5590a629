// The systemd-boot backend: BLS type #1 entries with boot counting in the
// file names, for UEFI machines (DESIGN.md §6; layout in layout.hh).
//
// What goes where on the partition at `root`:
//   EFI/systemd/systemd-boot<arch>.efi, EFI/BOOT/BOOT<ARCH>.EFI
//       copied from the target's own systemd-boot-efi files in the staged tree
//       (usr/lib/systemd/boot/efi/), so the loader matches the target's systemd
//   loader/loader.conf       timeout, `editor no`, and `default` (below)
//   loader/entries.srel      "type1", the specification's marker
//   loader/entries/cairn-<N>[+L-D].conf   one entry per generation
//   cairn/<sha256>-kernel, cairn/<sha256>-initrd   shared by content
//
// Boot counting. A trial entry is written as `cairn-N+L-0.conf` with
// 1 ≤ L ≤ 9 (bls.hh says why one digit and an explicit "-0": systemd-boot
// 252 renames "%u-%u", so these renames never change the name's length,
// which keeps them to one directory entry update on FAT). mark_good renames
// to `cairn-N.conf`; mark_bad to `cairn-N+0-D.conf`.
//
// The default. systemd-boot 252 sorts entries that have no tries left last
// and boots the first entry that the loader.conf `default` pattern matches,
// in menu order (menu.hh). cairn writes `default cairn-*` — the first cairn
// entry in menu order, which is the newest generation that is not bad, since
// every cairn entry has `sort-key cairn` and `version` = the generation —
// or, for a pinned generation N, `default cairn-N[+.][1-9c]*`, which stops
// matching once N is bad (252's ids keep the counter), so a used-up entry is
// never the default. Nothing is written to EFI variables for the default:
// the builder and the initramfs work on the partition, and NVRAM should be
// written rarely (BLS, "Why not use EFI variables"). A LoaderEntryDefault
// variable would override loader.conf, so set_default removes it when it
// has the variables at hand.
//
// One-shot. loader.conf has no one-shot key in 252; systemd-boot reads
// LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f and deletes it. So
// set_oneshot needs an efivarfs directory (the running system's
// /sys/firmware/efi/efivars), given to the constructor; without one it fails
// and says so.
//
// Each write is durable and atomic (esp_write.hh): kernels and initrds are
// on the disk before an entry names them, and an entry is gone before the
// kernels only it used are collected. Callers serialise writers (one cairn
// process changes a partition at a time).
#pragma once

#include <string>

#include "bootloader/entry.hh"

namespace cairn::bootloader {

class SystemdBoot final : public Backend {
 public:
  /// `efivars`: a directory of EFI variables in efivarfs format —
  /// kEfivarsDir on the running system, a temporary directory in tests —
  /// used by set_oneshot (required), set_default (removes LoaderEntryDefault)
  /// and read_state (LoaderEntryOneShot, LoaderEntryDefault,
  /// LoaderEntryLastBooted). Empty: no variables, as when the builder writes
  /// a partition image; read_state then assumes none are set.
  explicit SystemdBoot(std::string efivars = {});

  /// Copies systemd-boot from `tree`/usr/lib/systemd/boot/efi (every
  /// architecture found there; at least one is required) to EFI/systemd/ and
  /// EFI/BOOT/, creates loader/entries and cairn/, and sets loader.conf's
  /// timeout, `editor no`, and `default cairn-*` unless a default is set.
  /// Files already up to date are not rewritten.
  [[nodiscard]] Result<void> install(const std::string& root, const std::string& tree,
                                     const LoaderSettings& settings) override;

  /// Writes `entry` as loader/entries/cairn-<N>[+L-0].conf. `entry.kernel`
  /// and `entry.initrd` are ignored on input: the files are copied to
  /// cairn/<sha256>-kernel and -initrd unless already there, and the entry
  /// names them. An empty `version` becomes the zero-padded generation.
  /// Other files of the same generation are removed after the new one is
  /// written. With `settings.limit`, the cairn entries beyond it are removed,
  /// bad ones first, then oldest first, but never this entry, the newest good
  /// one, the default or the one-shot (so more may stay). Kernels and initrds
  /// no entry names are removed. Fails before changing anything when an
  /// existing cairn entry does not parse.
  [[nodiscard]] Result<void> write_entry(const std::string& root, const BootEntry& entry,
                                         const std::string& kernel_file, const std::string& initrd_file,
                                         const LoaderSettings& settings) override;

  /// Sets loader.conf's `default` (see the file comment); the generation must
  /// have an entry that is not bad. Removes LoaderEntryDefault when the
  /// variables are at hand.
  [[nodiscard]] Result<void> set_default(const std::string& root, std::optional<uint64_t> generation) override;

  /// Sets LoaderEntryOneShot to "cairn-<N>[+.]*" (the generation in any
  /// state). Needs the variables directory.
  [[nodiscard]] Result<void> set_oneshot(const std::string& root, uint64_t generation) override;

  /// Renames the generation's entry to cairn-<N>.conf; nothing to do when it
  /// has no counter.
  [[nodiscard]] Result<void> mark_good(const std::string& root, uint64_t generation) override;

  /// Renames the generation's entry to cairn-<N>+0-<D>.conf (D: tries done so
  /// far, 0 for a good entry); nothing to do when it is already bad.
  [[nodiscard]] Result<void> mark_bad(const std::string& root, uint64_t generation) override;

  /// Reads every type #1 entry and computes systemd-boot 252's menu and
  /// default (menu.hh). `entries` holds the cairn entries in menu order;
  /// like systemd-boot it leaves out entries whose kernel is missing.
  /// `default_entry` and `oneshot` are nullopt when nothing, or another
  /// system's entry, is picked. Errors name the file and line of a cairn
  /// entry that does not parse; other systems' entries are read leniently.
  [[nodiscard]] Result<BootState> read_state(const std::string& root) const override;

 private:
  std::string efivars_;
};

}  // namespace cairn::bootloader
