// Which boot loader a boot partition carries, decided by looking at it.
//
// The activator runs on every kind of cairn device with one binary: a PC
// (systemd-boot), an ARM board with U-Boot (extlinux) or a Raspberry Pi
// booted by its firmware (rpi-tryboot). What it must do to a generation's
// entry — mark it bad from the initramfs, good after boot-complete.target,
// list the entries — depends on which of them wrote the partition, and each
// leaves an unmistakable file:
//
//   loader/loader.conf or loader/entries/   systemd-boot (BLS type 1)
//   cairn/entries/                          U-Boot + extlinux (extlinux.hh)
//   gen-<N>/entry.conf with config.txt      rpi-tryboot (rpi_tryboot.hh)
//
// `DetectingBackend` forwards each call to the backend the partition at
// `root` holds, so the activator never needs to be told. A partition with
// none of these is an error that lists what was looked for.
#pragma once

#include <memory>
#include <string>

#include "bootloader/entry.hh"

namespace cairn::bootloader {

enum class LoaderKind { systemd_boot, extlinux, rpi_tryboot };
std::string_view to_string(LoaderKind kind);

/// The kind of boot loader whose files are on the partition at `root`.
/// Errors: "<root> holds no cairn boot loader files (loader/entries for
/// systemd-boot, cairn/entries for extlinux, gen-<N>/entry.conf for the
/// Raspberry Pi firmware)".
[[nodiscard]] Result<LoaderKind> detect_loader(const std::string& root);

/// A Backend that detects the partition's loader on every call.
class DetectingBackend final : public Backend {
 public:
  /// `efivars`: passed to systemd-boot (see systemd_boot.hh).
  explicit DetectingBackend(std::string efivars = {});
  ~DetectingBackend() override;

  /// Fails: installing needs to be told which loader (use the backend itself).
  [[nodiscard]] Result<void> install(const std::string& root, const std::string& tree,
                                     const LoaderSettings& settings) override;
  [[nodiscard]] Result<void> write_entry(const std::string& root, const BootEntry& entry,
                                         const std::string& kernel_file, const std::string& initrd_file,
                                         const LoaderSettings& settings) override;
  [[nodiscard]] Result<void> set_default(const std::string& root, std::optional<uint64_t> generation) override;
  [[nodiscard]] Result<void> set_oneshot(const std::string& root, uint64_t generation) override;
  [[nodiscard]] Result<void> mark_good(const std::string& root, uint64_t generation) override;
  [[nodiscard]] Result<void> mark_bad(const std::string& root, uint64_t generation) override;
  [[nodiscard]] Result<BootState> read_state(const std::string& root) const override;

 private:
  Result<Backend*> at(const std::string& root) const;
  std::unique_ptr<Backend> systemd_boot_, extlinux_, rpi_tryboot_;
};

}  // namespace cairn::bootloader
