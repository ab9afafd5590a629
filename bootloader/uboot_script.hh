// U-Boot's side of cairn's boot counting on ARM: the boot script U-Boot
// runs (/boot.scr), the legacy image that wraps it, and the state file the
// script reads and writes (/cairn/boot.env). extlinux.hh is the other side:
// the backend that writes these and the menu the script hands over to.
//
// Why a script at all. U-Boot's extlinux support (sysboot, pxe_utils) boots
// a menu's default or a label named in `pxe_label_override`, but it counts
// nothing. Debian 12's U-Boot 2023.01 (u-boot-qemu's qemu_arm64 and
// u-boot-rpi's rpi_arm64) boots through `distro_bootcmd`: on each partition,
// for the prefixes "/" and "/boot/", it tries `${prefix}extlinux/extlinux.conf`
// and then `${prefix}boot.scr.uimg` and `${prefix}boot.scr`, each loaded to
// ${scriptaddr} and run with `source`. So /boot.scr runs first (the menu is
// kept under /boot/, see extlinux.cc), and does the counting with commands
// both builds have: `env import -t`, `env export -t`, `setexpr`, `fatwrite`.
//
// What the script does, every boot (the same bytes for every generation):
//  1. clears cairn_trial, cairn_left, cairn_oneshot and pxe_label_override,
//     then, if /cairn/boot.env exists, loads it and imports only those three
//     variables (a missing file means no counting: the menu's default boots);
//  2. cairn_oneshot set: clears it, writes boot.env back, and preselects
//     label cairn-<oneshot>;
//  3. otherwise cairn_trial set and cairn_left > 0: decrements cairn_left,
//     writes boot.env back, and preselects label cairn-<trial>. The write
//     happens before the boot, so a kernel that hangs still used its try;
//     when the write fails the trial is not booted at all (it could never
//     run out of tries);
//  4. cairn_left = 0: the trial used its tries; nothing is preselected and
//     the menu's default — the newest good generation — boots;
//  5. sets kernel_comp_addr_r and kernel_comp_size unless the board did
//     (booti needs them for Debian's gzip-compressed arm64 vmlinuz; see
//     uboot_script.cc for the addresses), then runs `sysboot` on
//     /boot/extlinux/extlinux.conf. If that returns, the script ends and
//     distro boot goes on to /boot/extlinux/extlinux.conf itself.
//
// boot.env is U-Boot's own text environment format, as `env export -t`
// writes it: `name=value` lines in name order and a terminating NUL byte.
// Values are what U-Boot's commands make of them: `setexpr` prints numbers
// in hexadecimal without "0x", which for cairn_left (1 to 9, bls.hh's
// kMaxTries) is the same as decimal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.hh"

namespace cairn::bootloader {

/// Paths on the boot partition, relative to its root.
inline constexpr std::string_view kBootScriptPath = "boot.scr";
inline constexpr std::string_view kBootEnvPath = "cairn/boot.env";
inline constexpr std::string_view kExtlinuxConfPath = "boot/extlinux/extlinux.conf";

/// The boot script's text (U-Boot hush), as described above.
std::string boot_script();

/// The name written into the script image's header ("cairn boot counting").
inline constexpr std::string_view kBootScriptName = "cairn boot counting";

/// CRC-32 as in zlib and U-Boot's image headers (IEEE 802.3, reflected,
/// initial value and final xor 0xFFFFFFFF). `crc` continues an earlier sum.
uint32_t crc32(std::string_view data, uint32_t crc = 0);

/// U-Boot legacy image ("uImage") header values used for scripts
/// (include/image.h).
inline constexpr uint32_t kImageMagic = 0x27051956;
inline constexpr size_t kImageHeaderSize = 64;
inline constexpr size_t kImageNameSize = 32;
inline constexpr uint8_t kImageOsLinux = 5;
inline constexpr uint8_t kImageArchArm64 = 22;
inline constexpr uint8_t kImageTypeScript = 6;
inline constexpr uint8_t kImageCompNone = 0;

/// A legacy script image, field by field.
struct ScriptImage {
  uint32_t time = 0;       ///< ih_time, seconds since 1970
  uint32_t load = 0;       ///< ih_load
  uint32_t entry = 0;      ///< ih_ep
  uint8_t os = kImageOsLinux;
  uint8_t arch = kImageArchArm64;
  uint8_t type = kImageTypeScript;
  uint8_t comp = kImageCompNone;
  std::string name;        ///< ih_name without its NUL padding
  std::string script;      ///< the script text
  bool operator==(const ScriptImage&) const = default;
};

/// The bytes `mkimage -A arm64 -O linux -T script -C none -n NAME -d FILE`
/// writes for a FILE holding `script` (with SOURCE_DATE_EPOCH=`time`): the
/// 64-byte big-endian header with both CRCs, then the image list (the
/// script's length and a zero terminator, 4 bytes each), then the script.
/// `name` is cut to 32 bytes, as mkimage does.
std::string make_script_image(std::string_view script, std::string_view name = kBootScriptName,
                              uint32_t time = 0);

/// Reads a legacy script image as U-Boot's `source` would accept it: magic,
/// header CRC, data size, data CRC, type "script" and uncompressed, and an
/// image list whose first length fits. Errors say which check failed.
[[nodiscard]] Result<ScriptImage> read_script_image(std::string_view bytes);

/// The counting state in /cairn/boot.env. nullopt: the variable is unset.
struct BootEnv {
  std::optional<uint64_t> trial;    ///< cairn_trial: the generation being tried
  std::optional<uint32_t> left;     ///< cairn_left: its tries left (hexadecimal in the file)
  std::optional<uint64_t> oneshot;  ///< cairn_oneshot: boot this generation once
  bool operator==(const BootEnv&) const = default;
};

/// Reads boot.env leniently, as U-Boot's `env import -t` would: the text
/// ends at the first NUL (U-Boot's export ends with one; anything after it
/// is padding), lines end at '\n' (a '\r' before it is dropped), blank and
/// '#' lines and unknown names are skipped, `name=` unsets. A value that is
/// not a number leaves its variable unset: a torn write must not stop the
/// running system from blessing itself (it rewrites the file whole).
BootEnv parse_boot_env(std::string_view text);

/// boot.env as `env export -t` writes it: the set variables as sorted
/// `name=value` lines (cairn_left in hexadecimal), then a NUL byte.
std::string format_boot_env(const BootEnv& env);

}  // namespace cairn::bootloader
