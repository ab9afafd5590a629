// loader/loader.conf, systemd-boot's settings file: read as systemd-boot 252
// reads it, edited line by line so that settings cairn does not own (and
// comments) survive.
//
// Format (systemd-boot 252, config_defaults_load_from_file with
// line_get_key_value): "key value" lines, '#' comments, the last line for a
// key wins. cairn owns three keys: `timeout` and `editor` (set by install)
// and `default` (set by install when absent, and by set_default). There is
// no one-shot key: a one-shot boot is the EFI variable LoaderEntryOneShot.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cairn::bootloader {

/// Where the file lives on the boot partition.
inline constexpr std::string_view kLoaderConf = "loader/loader.conf";

/// The first lines of a loader.conf that cairn creates.
inline constexpr std::string_view kLoaderConfHeader =
    "# systemd-boot settings. cairn sets timeout and editor on install, and default\n"
    "# (a pattern over entry file names) on install and set-default.\n";

/// The value systemd-boot uses for `key`: the last line's; nullopt when unset.
std::optional<std::string> loader_conf_value(std::string_view text, std::string_view key);

/// `text` with `key` set to `value`: the first line for `key` replaced, any
/// later ones dropped, or a line appended; every other line kept as it was.
/// An empty `text` starts with kLoaderConfHeader.
std::string set_loader_conf_value(std::string_view text, std::string_view key, std::string_view value);

}  // namespace cairn::bootloader
