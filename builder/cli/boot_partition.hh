// The boot partition of a host's disk image or SD card, by boot loader.
//
//   systemd-boot   a GPT disk; the ESP gets systemd-boot from the target's
//                  systemd-boot-efi package (bootloader/systemd_boot.hh)
//   extlinux       an MBR disk; the FAT partition gets U-Boot's counting
//                  boot.scr and the extlinux menu (bootloader/extlinux.hh).
//                  On a Raspberry Pi also what the firmware needs before
//                  U-Boot runs: the firmware (raspi-firmware), the boards'
//                  device trees (the kernel package's broadcom/*.dtb),
//                  U-Boot itself (u-boot-rpi's rpi_arm64 build as
//                  u-boot.bin) and config.txt (bootloader/rpi_config.hh).
//                  Elsewhere (QEMU's virt machine) the firmware is U-Boot.
//   rpi-tryboot    an MBR disk; the firmware, config.txt and one directory
//                  per generation (bootloader/rpi_tryboot.hh)
//
// Everything comes from the generation's own locked packages, so the
// firmware, device trees and U-Boot are refreshed with each generation.
// Debian's raspi-firmware kernel hooks are not used: cairn owns the
// partition.
#pragma once

#include <memory>
#include <string>

#include "base/error.hh"
#include "bootloader/entry.hh"
#include "builder/debian/store.hh"
#include "builder/generations/manifest.hh"
#include "images/disk.hh"

namespace cairn::cli {

struct BootPartition {
  std::unique_ptr<bootloader::Backend> backend;  ///< writes the generations' entries
  images::PartitionTable table = images::PartitionTable::gpt;
  /// rpi-tryboot: every generation is written as good (the newest is the
  /// committed one); a trial needs the firmware's flag, set on the device.
  bool trials = true;
};

/// Fills the staged boot partition `dir` for `current`'s boot loader
/// (current.boot["loader"]) and returns the backend that writes its entries.
/// Errors name the host and say which package to add when one is missing.
[[nodiscard]] Result<BootPartition> prepare_boot_partition(const std::string& dir, const std::string& host,
                                                           const generations::Manifest& current,
                                                           const debian::Store& store,
                                                           const bootloader::LoaderSettings& settings);

}  // namespace cairn::cli
