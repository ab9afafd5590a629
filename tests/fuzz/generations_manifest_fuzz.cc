// libFuzzer target: a built system's manifest.json → builder/generations
// (read by `cairn generations`, `diff`, `gc` and the next build).
//
// The text is parsed as read_manifest parses it (nlohmann::json without
// exceptions) and read with manifest_from_json. For a manifest it accepts,
// format_manifest must be a fixed point: its text reads back to the same
// Manifest, and formatting that again gives the same bytes (the same build
// always writes the same manifest).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "builder/generations/manifest.hh"
#include "tests/fuzz/fuzz_check.hh"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cairn::fuzz::require;
  using namespace cairn::generations;
  std::string_view text = cairn::fuzz::as_text(data, size);

  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  auto manifest = manifest_from_json(j, "manifest.json");
  if (!manifest) {
    require(manifest.error().message.starts_with("manifest.json: "), "errors name the file");
    return 0;
  }
  std::string written = format_manifest(*manifest);
  nlohmann::json again_json = nlohmann::json::parse(written, nullptr, /*allow_exceptions=*/false);
  require(!again_json.is_discarded(), "a written manifest is JSON");
  auto again = manifest_from_json(again_json, "manifest.json");
  require(again.has_value(), "a written manifest reads");
  require(*again == *manifest, "a written manifest reads back the same");
  require(format_manifest(*again) == written, "writing a manifest is stable");
  return 0;
}
