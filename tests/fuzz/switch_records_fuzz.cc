// libFuzzer target: the in-place switch's records (/run/cairn/active and
// /run/cairn/switch-in-progress) → activator/switch_records, and back.
//
// The first byte chooses the record — even: the active record, odd: the
// owed jobs — and the rest is its text. Any text may be rejected. For a
// record the parser accepts, the formatter's output must be a fixed point:
// it parses to the same value, and formatting that again gives the same
// bytes — what one switch writes is what the next one reads, whatever it
// read itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "activator/switch_records.hh"
#include "tests/fuzz/fuzz_check.hh"

namespace {

using cairn::fuzz::require;
using namespace cairn::activator;

void check_active(std::string_view text) {
  auto active = parse_active(text);
  if (!active) return;
  require(active->image.starts_with('/'), "an accepted image is an absolute path");
  std::string written = format_active(*active);
  auto again = parse_active(written);
  require(again.has_value(), "a written active record parses");
  require(*again == *active, "a written active record reads back the same");
  require(format_active(*again) == written, "writing an active record is stable");
}

void check_owed(std::string_view text) {
  auto owed = parse_owed(text);
  if (!owed) return;
  for (const auto* list : {&owed->reload, &owed->restart, &owed->start})
    for (const std::string& unit : *list)
      require(!unit.empty() && unit.find(' ') == std::string::npos, "an owed unit is one non-empty word");
  std::string written = format_owed(*owed);
  auto again = parse_owed(written);
  require(again.has_value(), "a written in-progress record parses");
  require(*again == *owed, "a written in-progress record reads back the same");
  require(format_owed(*again) == written, "writing an in-progress record is stable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text = cairn::fuzz::as_text(data + 1, size - 1);
  if (data[0] % 2 == 0)
    check_active(text);
  else
    check_owed(text);
  return 0;
}
