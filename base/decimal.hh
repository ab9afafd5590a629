// Unsigned decimal numbers written out in full: the one parser for the
// generation numbers, seconds and counts that cairn's records, kernel
// command line words, directory names and arguments carry.
//
// Why not std::from_chars alone: it stops at the first character that is
// not a digit and says where, so "5x" reads as 5 unless the caller checks
// the end; and each caller that did so had to remember that the empty
// string, a sign and an overflow are errors too. Here the text is all
// ASCII digits or it is no number. Leading zeros are allowed ("007" is 7):
// a caller that refuses them (a name cairn writes one way only) checks
// before calling.
#pragma once

#include <charconv>
#include <concepts>
#include <optional>
#include <string_view>
#include <system_error>

namespace cairn {

/// The number `text` spells in decimal, when the whole of it is ASCII
/// digits ('0'–'9') and the number fits in T; std::nullopt otherwise — for
/// "", a sign ("+5", "-5"), blanks (" 5", "5\n"), any other character
/// ("5x", "0x10", "1e3", "5.0") and a number above T's maximum.
/// Leading zeros are accepted ("007" is 7, "0" is 0).
template <class T>
  requires std::unsigned_integral<T> && (!std::same_as<T, bool>)
[[nodiscard]] std::optional<T> parse_decimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  // from_chars alone would stop at the first non-digit; checking every
  // character first leaves it only the conversion and the overflow check.
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  T out{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return out;
}

}  // namespace cairn
