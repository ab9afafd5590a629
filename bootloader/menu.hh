// The menu systemd-boot 252 builds from type #1 entries: its order and the
// entry it boots without a key press. cairn reads the partition back with
// these rules (read_state) instead of trusting what it meant to write, so a
// test can ask "what would the boot loader do?" and get the loader's answer.
//
// Sources, systemd 252 (Debian 12's systemd-boot 252.x; the installed
// binary's format strings match): src/boot/efi/boot.c —
//   config_entry_compare: entries with no tries left go last; then entries
//     with a sort-key before those without; with both, sort-key ascending,
//     machine-id ascending (unset first), version descending; then the id
//     descending by version order; then more tries left, then fewer done.
//   config_entry_add_type1: the id is the *file name* lower-cased, counter
//     included ("cairn-7+2-1.conf"); an entry whose `linux`/`efi` file does
//     not exist, or whose `architecture` is not the loader's, is dropped.
//   config_default_entry_select: LoaderEntryOneShot, else LoaderEntryDefault
//     (or "@saved": LoaderEntryLastBooted), else loader.conf `default`, each
//     a pattern matched against the ids in menu order, first match wins; else
//     the first entry.
// src/boot/efi/efi-string.c — efi_fnmatch: '*', '?', "[…]" with ranges and
//   '\' escapes; no negation ("[!0]" is the set '!', '0').
// src/fundamental/string-util-fundamental.c — strverscmp_improved.
//
// Why this matters for cairn: a pattern can exclude used-up entries,
// because 252 keeps the counter in the id. `cairn-7[+.][1-9c]*` matches
// "cairn-7.conf" (good) and "cairn-7+2-1.conf" (trial) but not
// "cairn-7+0-3.conf" (bad), so a pinned default that went bad falls through
// to the newest entry that is not bad. (Later systemd strips the counter from
// the id; there the pattern still matches good and trial entries, and bootctl
// 252's user-space reading already does so.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bootloader/bls.hh"

namespace cairn::bootloader {

/// One type #1 entry as systemd-boot holds it for sorting and selection.
struct MenuEntry {
  std::string id;  ///< the file name, lower-cased, counter included
  std::optional<std::string> sort_key, machine_id, version;
  std::optional<BootCounter> counter;  ///< from the file name
  /// The cairn generation, or nullopt for another system's entry.
  std::optional<uint64_t> generation;

  bool bad() const { return counter && counter->left == 0; }
};

/// systemd's version order (strverscmp_improved): <0, 0, >0. Numeric
/// segments compare by value ("007" = "7"), letters by strcmp, '~' sorts
/// before everything, '-' before '^' before '.'; an unset or empty string is
/// older than any other.
int compare_versions(std::optional<std::string_view> a, std::optional<std::string_view> b);

/// systemd-boot 252's menu order (config_entry_compare): <0 when `a` comes first.
int compare_menu_entries(const MenuEntry& a, const MenuEntry& b);

/// Sorts entries into menu order (stable, as systemd-boot's merge sort).
void sort_menu(std::vector<MenuEntry>& entries);

/// systemd-boot's efi_fnmatch: whole-string match of `pattern` against `id`.
bool glob_match(std::string_view pattern, std::string_view id);

/// The inputs of systemd-boot's choice. Each string is a pattern as stored,
/// not yet lower-cased (systemd-boot lower-cases them and the ids).
struct Selection {
  std::optional<std::string> oneshot;        ///< LoaderEntryOneShot
  std::optional<std::string> default_efivar; ///< LoaderEntryDefault
  std::optional<std::string> default_config; ///< loader.conf `default`
  std::optional<std::string> last_booted;    ///< LoaderEntryLastBooted, for "@saved"
};

/// The index of the entry booted without a key press, ignoring the one-shot
/// (config_default_entry_select minus its first step); nullopt for an empty
/// menu.
std::optional<size_t> select_default(const std::vector<MenuEntry>& menu, const Selection& selection);

/// The index of the entry the one-shot pattern picks, if any.
std::optional<size_t> select_oneshot(const std::vector<MenuEntry>& menu, const Selection& selection);

/// The loader.conf `default` cairn writes: with no generation,
/// "cairn-*" (the first cairn entry in menu order, i.e. the newest one that is
/// not bad); with one, "cairn-<N>[+.][1-9c]*" (that generation while it is
/// good or trial; once bad, no match, and systemd-boot takes the first entry).
std::string default_pattern(std::optional<uint64_t> generation);

/// The LoaderEntryOneShot value cairn writes: "cairn-<N>[+.]*", the
/// generation in any state — a one-shot is an explicit request.
std::string oneshot_pattern(uint64_t generation);

}  // namespace cairn::bootloader
