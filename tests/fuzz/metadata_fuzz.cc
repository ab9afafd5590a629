// libFuzzer target: a store package's .cairn/metadata → builder/debian's
// parse_metadata, and back.
//
// The file is cairn's own, but it sits in the store across versions and
// disks, so any text may come back; the reader may refuse it (naming the
// file), never crash. What it accepts must be what format_metadata writes:
// formatting the entries and parsing that again gives the same entries,
// and formatting those gives the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "builder/debian/unpack.hh"
#include "tests/fuzz/fuzz_check.hh"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cairn::fuzz::require;
  using namespace cairn::debian;
  std::string_view text = cairn::fuzz::as_text(data, size);

  auto entries = parse_metadata(text, "metadata");
  if (!entries) {
    require(entries.error().message.starts_with("metadata"), "errors name the file");
    return 0;
  }
  std::string written = format_metadata(*entries);
  auto again = parse_metadata(written, "metadata (written back)");
  require(again.has_value(), "written metadata parses");
  require(*again == *entries, "written metadata reads back the same entries");
  require(format_metadata(*again) == written, "writing metadata is stable");
  return 0;
}
