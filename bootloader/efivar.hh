// The systemd-boot EFI variables cairn reads and writes, as files in an
// efivarfs directory (/sys/firmware/efi/efivars on the running system, any
// directory in tests).
//
// Format (systemd src/basic/efivars.c, efi_set_variable_string in 252): the
// file "<Name>-<vendor GUID>" holds a little-endian uint32 of attributes
// (NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS = 7) and then the value
// in UTF-16LE with its terminating NUL, written in one write(2) — efivarfs
// takes a variable whole. Newer kernels mark most variables immutable
// (FS_IMMUTABLE_FL); like systemd, cairn clears the flag before changing or
// removing one. On a directory that is not efivarfs (tests, image builds) the
// file is written atomically instead.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/error.hh"

namespace cairn::bootloader {

/// The vendor GUID of systemd-boot's variables (the Boot Loader Interface).
inline constexpr std::string_view kLoaderGuid = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";
inline constexpr std::string_view kEntryOneShotVar = "LoaderEntryOneShot";
inline constexpr std::string_view kEntryDefaultVar = "LoaderEntryDefault";
inline constexpr std::string_view kEntryLastBootedVar = "LoaderEntryLastBooted";
/// Where the running system's variables are.
inline constexpr std::string_view kEfivarsDir = "/sys/firmware/efi/efivars";

/// "LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f".
std::string efivar_file_name(std::string_view name);

/// The bytes of a string variable: attributes 7, UTF-8 `value` as UTF-16LE, NUL.
std::string encode_efivar_string(std::string_view value);

/// The value of a string variable's bytes, as UTF-8 (to the first NUL; an
/// unpaired surrogate becomes U+FFFD). Errors for fewer than 4 bytes or an
/// odd number of value bytes.
[[nodiscard]] Result<std::string> decode_efivar_string(std::string_view bytes);

/// Reads systemd-boot variable `name` from `dir`; nullopt when it is not set.
/// Errors name the file.
[[nodiscard]] Result<std::optional<std::string>> read_efivar_string(const std::string& dir,
                                                                     std::string_view name);

/// Sets systemd-boot variable `name` in `dir` to `value`.
[[nodiscard]] Result<void> write_efivar_string(const std::string& dir, std::string_view name,
                                               std::string_view value);

/// Removes systemd-boot variable `name` from `dir`; nothing to do when unset.
[[nodiscard]] Result<void> remove_efivar(const std::string& dir, std::string_view name);

}  // namespace cairn::bootloader
