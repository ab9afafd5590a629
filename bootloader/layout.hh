// Where things live on a cairn device — shared by the builder (which makes
// disk images and installs generations) and the activator (which boots
// them). DESIGN.md §6.
//
// The boot partition (the ESP on a PC, FAT32):
//   EFI/BOOT/BOOTX64.EFI, EFI/systemd/systemd-bootx64.efi   the boot loader
//   loader/loader.conf                                      timeout, default
//   loader/entries/cairn-<N>[+L[-D]].conf                   one entry per generation
//   cairn/<sha256>-kernel, cairn/<sha256>-initrd            shared by hash
//
// The state partition (ext4, label "cairn-state"):
//   generations/<N>/system.squashfs    the root image
//   generations/<N>/manifest.json      its manifest (image sha256 and size)
//   var/ home/ root/                   persistent, bound over the image's
//   persist/<path>                     the host's persisted files and directories
//   machine-id                         made on first boot, kept for every generation
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::bootloader {

/// Where the running machine has things, shared by the activator (which
/// makes them) and the builder's in-place verbs (which read them).
inline constexpr std::string_view kStateMountDir = "/run/cairn/state";   ///< the state partition, mounted
inline constexpr std::string_view kEspMountDir = "/run/cairn/esp";       ///< the boot partition, when cairn mounts it
inline constexpr std::string_view kActiveRecord = "/run/cairn/active";   ///< the generation a switch made active

/// The state partition's file-system label.
inline constexpr std::string_view kStateLabel = "cairn-state";
/// The boot partition's label.
inline constexpr std::string_view kEspLabel = "ESP";

/// "generations/7" (relative to the state partition's root).
inline std::string generation_dir(uint64_t n) { return "generations/" + std::to_string(n); }
inline std::string generation_image(uint64_t n) { return generation_dir(n) + "/system.squashfs"; }
inline std::string generation_manifest(uint64_t n) { return generation_dir(n) + "/manifest.json"; }

/// Kernel command-line words the builder writes and the activator reads.
inline constexpr std::string_view kGenerationParam = "cairn.generation";  ///< =N
inline constexpr std::string_view kStateParam = "cairn.state";            ///< =LABEL=…|UUID=…|PARTUUID=…
inline constexpr std::string_view kDebugParam = "cairn.debug";
inline constexpr std::string_view kShellParam = "cairn.shell";
inline constexpr std::string_view kGrowParam = "cairn.grow";              ///< =0: keep the state partition's size

}  // namespace cairn::bootloader
