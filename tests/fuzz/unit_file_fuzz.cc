// libFuzzer target: a systemd unit file → base/unit_file (the [Install]
// reader of the build and the unit definitions an in-place switch
// compares). Unit files come from Debian packages and from configuration,
// so any text may arrive; the reader may refuse it (naming the file and the
// line), never crash. What it accepts is a list of entries in file order:
// their line numbers rise and lie within the text, each has a section, and
// the lookups over them answer for every key they hold.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/unit_file.hh"
#include "tests/fuzz/fuzz_check.hh"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cairn::fuzz::require;
  std::string_view text = cairn::fuzz::as_text(data, size);

  auto unit = cairn::UnitFile::parse(text, "u@i.service");
  if (!unit) {
    require(unit.error().message.starts_with("u@i.service: line "), "errors name the file and the line");
    return 0;
  }
  size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  unsigned last = 0;
  for (const auto& e : unit->entries()) {
    require(e.line > last && e.line <= lines, "entries are in file order, on lines of the text");
    last = e.line;
    require(!e.section.empty() || text.find("[]") != std::string_view::npos, "entries sit in a section");
    require(e.value.find('\n') == std::string::npos, "a value is one line");
    std::string value = unit->value(e.section, e.key);
    (void)unit->words(e.section, e.key);
    (void)cairn::expand_unit_specifiers(value, "u@i.service");
  }
  if (!unit->entries().empty()) {
    const auto& e = unit->entries().back();
    require(unit->value(e.section, e.key) == e.value, "value() is the last assignment");
  }
  return 0;
}
