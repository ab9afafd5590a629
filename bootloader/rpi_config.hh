// config.txt, the Raspberry Pi firmware's configuration, as cairn writes it.
//
// The firmware (start*.elf on a Pi 3 and 4, the EEPROM bootloader on a Pi 5)
// reads config.txt from the root of the first FAT partition before anything
// else runs. cairn writes the whole file: first the host's own lines
// (hardware.raspberryPi.configTxt, which already hold cairn's arm_64bit=1,
// enable_uart=1, upstream_kernel=1 and disable_overscan=1), then the lines
// that say what to boot. There are two ways to boot (boot.loader.type):
//
//   extlinux     `kernel=u-boot.bin`: the firmware starts U-Boot (u-boot-rpi's
//                rpi_arm64 build, copied to the partition's root by the SD
//                image code), which shows extlinux.conf's menu of
//                generations. The firmware still loads the device tree (from
//                the root) and hands it to U-Boot, so `device_tree=` is set;
//                there is no initramfs line, U-Boot loads the initrd. The
//                "upstream/" os_prefix that upstream_kernel=1 implies is
//                dropped by the firmware's check below (there is no
//                upstream/u-boot.bin), so the files come from the root.
//   rpi-tryboot  the firmware starts the generation's kernel itself:
//                `os_prefix=gen-<N>/` with `kernel=vmlinuz`, `initramfs
//                initrd.img followkernel`, `cmdline=cmdline.txt` and
//                `device_tree=`. The firmware prepends os_prefix to "kernels,
//                initramfs, cmdline.txt, .dtbs and overlays" (config_txt
//                boot options, os_prefix), so these names are the files in
//                gen-<N>/. It keeps the prefix only when the kernel and the
//                .dtb are found under it, so gen-<N>/ must hold both.
//                Overlays stay shared from /overlays/ unless
//                gen-<N>/overlays/README exists, which cairn never writes.
//                The explicit os_prefix also overrides the "upstream/" prefix
//                that upstream_kernel=1 would otherwise set.
//
// Why no `tryboot_a_b=1`: it is an autoboot.txt property for switching
// between boot *partitions*, and it makes the firmware read config.txt
// instead of tryboot.txt when the tryboot flag is set. cairn switches at the
// file level on one partition (rpi_tryboot.hh): the flag must make the
// firmware read tryboot.txt, so tryboot_a_b must stay unset.
//
// Per-model sections. Only the device tree differs between the models cairn
// supports: enable_uart=1 already fixes the Pi 3's core clock at 250 MHz for
// its mini UART (the documented effect of enable_uart when the mini UART is
// the primary one), and everything else is the same for the 64-bit kernel.
// `device_tree=` goes in the model's filter section ([pi3], [pi4], [pi5]),
// so a card moved into another model never loads a device tree made for a
// different board; an `[all]` before it resets any filter the host's lines
// left open, an `[all]` after it ends the section.
//
// The host's lines may not set the keys cairn writes (kernel, initramfs,
// ramfsfile, ramfsaddr, cmdline, os_prefix, device_tree): the firmware takes
// the last value, so cairn's would silently win, or the host's would break
// the boot. Output is deterministic: the same input gives the same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.hh"

namespace cairn::bootloader {

/// How the firmware boots a generation (boot.loader.type).
enum class RpiFlavour { extlinux, tryboot };
/// "extlinux", "rpi-tryboot": the boot.loader.type values.
std::string_view to_string(RpiFlavour flavour);

/// Everything config.txt depends on.
struct RpiConfig {
  uint32_t model = 4;        ///< hardware.raspberryPi.model: 3, 4 or 5
  std::string device_tree;   ///< a file name: "bcm2711-rpi-4-b.dtb"
  std::string lines;         ///< hardware.raspberryPi.configTxt, copied as given
  RpiFlavour flavour = RpiFlavour::tryboot;
  /// rpi-tryboot: the generation booted (os_prefix=gen-<N>/); must be ≥ 1.
  /// Ignored for extlinux, whose menu lists every generation.
  uint64_t generation = 0;
};

/// The first line of every config.txt cairn writes.
inline constexpr std::string_view kRpiConfigHeader =
    "# Written by cairn; edits are overwritten. Set hardware.raspberryPi.configTxt instead.\n";

/// "gen-7/": the directory of generation 7 on the firmware partition, and the
/// os_prefix that boots it.
std::string rpi_generation_prefix(uint64_t generation);

/// The text of config.txt (and of tryboot.txt, which has the same form).
/// Errors: a model other than 3, 4 or 5; a device tree that is not a plain
/// "*.dtb" file name; a host line that sets a key cairn writes (naming the
/// line); a generation of 0 for rpi-tryboot.
[[nodiscard]] Result<std::string> format_config_txt(const RpiConfig& config);

}  // namespace cairn::bootloader
