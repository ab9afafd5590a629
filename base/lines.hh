// Text split into lines: the one splitter cairn's line-based parsers share
// (mountinfo, /proc/swaps, boot entries, extlinux and U-Boot environments,
// config.txt, unit files, generated /etc files, the activator's records).
#pragma once

#include <string_view>
#include <vector>

namespace cairn {

/// The lines of `text`, split at each '\n', without it; views into `text`,
/// which must outlive them. Empty lines are kept, so index i is line i + 1
/// for messages. A last line without '\n' is a line; text ending in '\n'
/// has no empty line after it, and "" has no lines. Nothing else is
/// stripped: a '\r' before the '\n' stays in the line.
std::vector<std::string_view> split_lines(std::string_view text);

}  // namespace cairn
