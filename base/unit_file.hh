// systemd unit files as INI text (systemd.syntax(7)), shared by the builder
// (the [Install] section that `systemctl enable` reads) and the activator
// (the unit definitions an in-place switch compares): sections, `Key=Value`
// lines (blanks around `=` ignored), comment lines starting with `#` or
// `;`, continuation lines ending in a backslash (joined with a space;
// comment lines inside a continuation are skipped, as systemd does),
// repeated keys (each adds to the list; an empty value resets it), and
// values that list several words separated by blanks.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.hh"

namespace cairn {

class UnitFile {
 public:
  /// One `Key=Value` line, in file order.
  struct Entry {
    std::string section{};
    std::string key{};
    std::string value{};
    unsigned line = 0;
  };

  /// Parses `text`; `origin` ("usr/lib/systemd/system/foo.service") names
  /// it in errors, which give the line: a line outside any section, a
  /// section header without `]`, a line without `=`.
  [[nodiscard]] static Result<UnitFile> parse(std::string_view text, std::string_view origin);

  const std::vector<Entry>& entries() const { return entries_; }

  /// The words of every `key=` line in `section`, in order, blanks
  /// separating words; an empty assignment drops the words before it.
  std::vector<std::string> words(std::string_view section, std::string_view key) const;
  /// The last value of `key` in `section`; "" when absent.
  std::string value(std::string_view section, std::string_view key) const;

 private:
  std::vector<Entry> entries_;
};

/// The unit-name specifiers of [Install] values for unit `unit`
/// ("getty@tty1.service"): %n (full name), %N (without suffix), %p
/// (prefix before `@`), %i (instance), %j (last dash-separated part of the
/// prefix), %% ; others are left as written.
std::string expand_unit_specifiers(std::string_view value, std::string_view unit);

}  // namespace cairn
