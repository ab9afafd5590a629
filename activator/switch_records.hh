// The two small records the in-place switch (switch.hh) keeps on disk, in
// /run, so that a reboot forgets them:
//
//   /run/cairn/active               which generation's /usr and /etc the
//                                   running system shows (format_active);
//   /run/cairn/switch-in-progress   the jobs a switch still owes, written
//                                   before its first stop and removed at
//                                   its end (format_owed).
//
// Both are "key=value" lines, one per field, written whole by the switch
// (write_file_atomic) and read back by the next one. The reader is lenient
// where it can be and strict where a wrong value would mislead: a line is
// split at its first '=' (the value may hold more), blank lines are
// skipped, unknown keys are ignored and a key given twice takes its last
// value; a line with no '=', or with nothing before it, is an error naming
// its line number. Numbers are parse_decimal's (base/decimal.hh): ASCII
// digits only, leading zeros allowed, no sign, no overflow. Lists are
// words separated by one or more spaces — unit names hold none.
//
// Everything here is pure: text in, value or error out, so that a fuzz
// target (tests/fuzz/switch_records_fuzz.cc) checks that what the parsers
// accept formats to text that parses back the same.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"

namespace cairn::activator {

/// The generation whose /usr and /etc the running system shows.
struct ActiveGeneration {
  uint64_t generation = 0;
  std::string image;  ///< its mounted image, without the root prefix: "/run/cairn/generations/5"
  bool operator==(const ActiveGeneration&) const = default;
};

/// "generation=5\nimage=/run/cairn/generations/5\n", the active record's
/// text. `image` must hold no '\n' (parse_active never gives one that does).
std::string format_active(const ActiveGeneration& active);
/// Parses format_active's text. Errors: "line 2: \"x\" is not key=value",
/// "no generation=N line" (also when N is not a number), "no image= line"
/// (also when the image is not an absolute path).
[[nodiscard]] Result<ActiveGeneration> parse_active(std::string_view text);

/// The jobs a switch still owes, as the in-progress record keeps them.
struct OwedJobs {
  uint64_t to = 0;    ///< the generation being switched to
  uint64_t from = 0;  ///< the one switched from; 0 when the record does not say
  /// Unit names, each non-empty and without ' ' or '\n' (as parse_owed
  /// gives them); an empty list is written as "reload=".
  std::vector<std::string> reload, restart, start;
  bool operator==(const OwedJobs&) const = default;
};

/// "to=5\nfrom=4\nreload=a.service\nrestart=\nstart=b.service c.service\n".
std::string format_owed(const OwedJobs& owed);
/// Parses format_owed's text. Errors: "line 2: \"x\" is not key=value",
/// "no to=N line" (also when N is not a number). A missing or unreadable
/// from= is 0, a missing list is empty: only `to` is needed to finish the
/// jobs.
[[nodiscard]] Result<OwedJobs> parse_owed(std::string_view text);

}  // namespace cairn::activator
