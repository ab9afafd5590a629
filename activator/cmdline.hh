// The kernel command line as the activator reads it.
//
// The boot-loader entry of generation N carries `cairn.generation=N` and
// maybe `cairn.state=…`, `cairn.debug`, `cairn.shell`, `cairn.grow=0`, `cairn.timeout=S`
// (bootloader/layout.hh names the words). The line is split the way the
// kernel splits it (kernel/params.c, next_arg): words are separated by
// white space; a double quote starts a stretch in which white space does
// not split; one pair of quotes around the whole word or around the value
// (`cairn.state="LABEL=my disk"`) is removed, quotes elsewhere stay. Words
// after "--" are the kernel's arguments for init — which the activator is —
// so they are read too. Every other word is ignored; a cairn word given
// twice takes its last value, as the kernel does for its own parameters.
//
// Everything here is pure: text in, value or error out (a fuzz target can
// call `parse_cmdline` on any bytes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"

namespace cairn::activator {

/// cairn.timeout=S: how long to wait for the state partition. (Not in
/// bootloader/layout.hh yet; the builder does not write it.)
inline constexpr std::string_view kTimeoutParam = "cairn.timeout";

/// One word of the command line: `name` alone (`cairn.debug`) or with a
/// value (`cairn.generation=3`: name "cairn.generation", value "3").
struct CmdlineWord {
  std::string name;
  std::optional<std::string> value;  ///< nullopt: no '=' in the word
  bool operator==(const CmdlineWord&) const = default;
};

/// Splits `text` into words like the kernel (see the file comment).
std::vector<CmdlineWord> split_cmdline(std::string_view text);

/// Which block device holds the state partition: a libblkid tag.
struct DeviceTag {
  std::string name = "LABEL";        ///< "LABEL", "UUID" or "PARTUUID"
  std::string value = "cairn-state"; ///< as written on the command line, unquoted
  bool operator==(const DeviceTag&) const = default;
  /// "LABEL=cairn-state", for messages and blkid.
  std::string to_string() const { return name + "=" + value; }
};

/// Parses "LABEL=…", "UUID=…" or "PARTUUID=…". Errors: "expected LABEL=…,
/// UUID=… or PARTUUID=…, not "foo"", "the label is empty".
[[nodiscard]] Result<DeviceTag> parse_device_tag(std::string_view text);

/// What the activator takes from the command line.
struct Cmdline {
  /// The generation to boot; nullopt when the line has no cairn.generation
  /// (the kernel was not booted through a cairn entry).
  std::optional<uint64_t> generation;
  DeviceTag state;                  ///< cairn.state; default LABEL=cairn-state
  bool debug = false;               ///< cairn.debug: print each step's time
  bool shell = false;               ///< cairn.shell: a rescue shell when nothing else can boot
  bool grow = true;                 ///< cairn.grow: grow the state partition into free space after it
  uint32_t timeout = 30;            ///< cairn.timeout: seconds to wait for the state partition
  /// init=PATH: the program to run as PID 1 in the new root instead of
  /// systemd (init=/bin/sh for debugging), as other initramfs do.
  std::optional<std::string> init;
  bool operator==(const Cmdline&) const = default;
};

/// Parses the cairn words and init= of `text` (the contents of /proc/cmdline). Errors
/// name the word: "cairn.generation=x: not a generation number",
/// "cairn.timeout=-1: not a number of seconds", "cairn.debug=maybe: expected
/// no value or one of 1, yes, true, on, 0, no, false, off", "init=bin/sh:
/// not an absolute path". All bad words are reported, separated by "; ".
[[nodiscard]] Result<Cmdline> parse_cmdline(std::string_view text);

/// True when `text` has the word `name` switched on (bare or with a true
/// value) — for deciding on a rescue shell even when the rest of the line
/// does not parse.
bool cmdline_flag(std::string_view text, std::string_view name);

}  // namespace cairn::activator
