// Boot Loader Specification type #1 entry files — the text inside and the
// boot counter in the file name — read the way systemd-boot 252 (Debian 12)
// reads them, and written the way cairn writes them.
//
// Two readers live here on purpose. `read_bls_fields` is systemd-boot's own
// lenient reading (src/boot/efi/boot.c, config_entry_add_type1 and
// line_get_key_value in 252): any text gives some fields, nothing fails, so
// the menu logic in menu.hh sees exactly what the boot loader would see.
// `parse_entry` is cairn's strict reading of its own `cairn-<N>…conf` files:
// anything the writer would never produce is an error naming file and line,
// because a half-understood entry is how boot counting silently breaks.
// Both are pure functions of their arguments (no I/O, no globals), so a fuzz
// target can call them directly.
//
// Boot counter (BLS "Boot counting"; systemd-boot 252
// config_entry_parse_tries): the *last* '+' in the name, LEFT digits, an
// optional '-' and DONE digits, then directly ".conf". Leading zeros are
// accepted (252 parses digits with parse_number16, which does not care), but
// 252 renames with "%u-%u", so `+03-00` becomes `+2-1` on the first boot: a
// length change, which is exactly what the fixed-width rule (BLS PR #168)
// wants to avoid on FAT. cairn therefore writes one digit each, `+L-0` with
// 1 ≤ L ≤ 9: every rename 252 makes (`+3-0` → `+2-1` → `+1-2` → `+0-3`),
// and every rename a fixed-width-aware loader makes, keeps the length.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"
#include "bootloader/entry.hh"

namespace cairn::bootloader {

/// The "+LEFT-DONE" boot counter of an entry file name.
struct BootCounter {
  uint32_t left = 0;  ///< tries left; 0 = bad
  uint32_t done = 0;  ///< tries done (failed boots so far)
  bool operator==(const BootCounter&) const = default;
};

/// An entry file name split as systemd-boot 252 splits it.
struct EntryName {
  std::string stem;                    ///< the name without counter and ".conf" ("cairn-7")
  std::optional<BootCounter> counter;  ///< nullopt: no (well-formed) counter
  bool operator==(const EntryName&) const = default;
};

/// The largest counter value systemd-boot accepts (INT_MAX); beyond it the
/// name has no counter.
inline constexpr uint32_t kMaxCounter = 2147483647;
/// The most tries cairn writes: one digit keeps every rename length-preserving.
inline constexpr uint32_t kMaxTries = 9;
/// Every cairn entry: "cairn-<N>[+L-D].conf", and "sort-key cairn".
inline constexpr std::string_view kEntryPrefix = "cairn-";
inline constexpr std::string_view kSortKey = "cairn";
/// Digits the generation is zero-padded to in `version` (any width sorts
/// right under systemd's version comparison; padding also helps plain
/// string sorts).
inline constexpr int kVersionWidth = 8;

/// Splits `file_name` (a base name ending in ".conf") into stem and counter.
/// A malformed counter ("+x", "+3-", a counter above kMaxCounter, one not
/// directly before ".conf") is no counter, as in systemd-boot: such an entry
/// boots uncounted and its stem keeps the '+'. Without ".conf", the whole name
/// is the stem.
EntryName split_entry_name(std::string_view file_name);

/// The name systemd-boot 252 renames a counted entry to when it boots it:
/// "%u-%u" of LEFT−1 (not below 0) and DONE+1, no padding. nullopt when the
/// name has no counter. Used by tests to play the boot loader.
std::optional<std::string> name_after_boot(std::string_view file_name);

/// "cairn-7.conf", "cairn-7+3-0.conf".
std::string entry_file_name(uint64_t generation, std::optional<BootCounter> counter);

/// The zero-padded generation used as `version` ("00000007").
std::string version_for(uint64_t generation);

/// One "key value" line split like systemd-boot 252's line_get_key_value:
/// blanks trimmed, the key up to the first space or tab, the value after the
/// blanks that follow, a value in double quotes unquoted. nullopt for blank
/// and '#' lines; `has_value` false for a key alone (systemd-boot skips it).
/// The views point into `line`.
struct ConfLine {
  std::string_view key;
  std::string_view value;
  bool has_value = false;
};
std::optional<ConfLine> split_conf_line(std::string_view line);

/// The key/value lines of a systemd-boot config file (entry or loader.conf)
/// in order, read as 252 reads them: lines end at '\n' or '\r', reading stops
/// at a NUL, lines without a value are skipped.
std::vector<ConfLine> read_conf_lines(std::string_view text);

/// The fields of a type #1 file as systemd-boot 252 reads them: lines split at
/// '\n' or '\r', blanks and '#' lines skipped, key and value split at spaces or
/// tabs, a key without a value ignored, a value in double quotes unquoted,
/// single-valued keys last-one-wins, `initrd` collected, `options` joined
/// with one space. Unset keys are nullopt (systemd distinguishes unset from
/// empty when sorting).
struct BlsFields {
  std::optional<std::string> title, version, machine_id, sort_key, linux_path, efi_path,
      architecture, options;
  std::vector<std::string> initrds;
};
BlsFields read_bls_fields(std::string_view text);

/// The text of a cairn entry file: `title`, `version`, `sort-key cairn`,
/// `linux`, `initrd`, `options`, one per line in that order; empty title,
/// version, initrd and options are left out. Values are written as given:
/// check them with `check_entry` first.
std::string format_entry(const BootEntry& entry);

/// Checks that `entry` can be written and read back unchanged: values on one
/// line without control characters, no leading or trailing blanks, no
/// surrounding double quotes (systemd-boot would strip them), a kernel, a
/// version that is the generation (leading zeros allowed), tries left plus
/// tries done at most kMaxTries (so DONE stays one digit too), no tries done
/// without tries left, and options that name no other generation. Errors name the
/// generation and the field.
[[nodiscard]] Result<void> check_entry(const BootEntry& entry);

/// Reads a cairn entry file strictly. `filename` is the file's name or path
/// (its base name must be "cairn-<N>[+L[-D]].conf"; generation and counter
/// come from it); errors read "<filename>:<line>: <what>" or, for the file as
/// a whole, "<filename>: <what>". Rejected: control characters, a key without
/// a value, a second `title`/`version`/`sort-key`/`machine-id`/`linux`/
/// `initrd`/`devicetree`/`architecture`, an `efi` line, no `linux` line, and
/// a `cairn.generation=` in the options other than the file name's. Unknown
/// keys are ignored (the specification may grow). Never reads files.
[[nodiscard]] Result<BootEntry> parse_entry(std::string_view text, std::string_view filename);

/// The generation and counter of a cairn entry file name ("cairn-7+2-1.conf");
/// an error for any other name, including a malformed counter or a
/// generation with leading zeros.
struct CairnName {
  uint64_t generation = 0;
  std::optional<BootCounter> counter;
};
[[nodiscard]] Result<CairnName> parse_entry_file_name(std::string_view file_name);

}  // namespace cairn::bootloader
