// What the format fuzz targets share: turning the input into text, and
// failing loudly when a property that must hold does not.
//
// A parser may reject any input — that is its job — but what it accepts
// must make sense: a value it formats must read back the same, two readers
// of one format must agree. `require` checks such a property; when it does
// not hold it prints what was expected and aborts, which libFuzzer reports
// as a crash and saves the input (crash-*) like any other finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace cairn::fuzz {

/// The fuzzer's bytes as a string_view (no copy; valid for the call).
inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Aborts with "property violated: <what>" unless `ok`.
inline void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

/// True when `inner` lies entirely within `outer` (views into one buffer).
inline bool within(std::string_view inner, std::string_view outer) {
  if (inner.empty()) return inner.data() >= outer.data() && inner.data() <= outer.data() + outer.size();
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

/// Splits "first line\nrest" (many targets take a name or a setting on the
/// first line and the file's text after it). Without '\n' all is `first`.
struct FirstLine {
  std::string_view first;
  std::string_view rest;
};
inline FirstLine split_first_line(std::string_view text) {
  auto nl = text.find('\n');
  if (nl == std::string_view::npos) return {text, {}};
  return {text.substr(0, nl), text.substr(nl + 1)};
}

}  // namespace cairn::fuzz
