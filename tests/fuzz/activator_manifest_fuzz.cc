// libFuzzer target: a generation's manifest.json as cairn-activate reads it
// at boot (activator/manifest), from a state partition anyone with the disk
// could have written.
//
// For a manifest it accepts: the image's sha256 is 64 lowercase hex digits
// and persisted paths are absolute, normalized and outside /usr; and the
// reading depends on the JSON value, not on its spelling — the same
// document dumped compactly by nlohmann::json parses to the same Manifest,
// and so does a minimal manifest written from the result.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "activator/manifest.hh"
#include "tests/fuzz/fuzz_check.hh"

namespace {

using cairn::fuzz::require;

bool lower_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

void check_path(const std::string& p) {
  require(p.size() > 1 && p.front() == '/' && p.back() != '/', "a persisted path is absolute, not / and has no trailing /");
  require(p != "/usr" && !p.starts_with("/usr/"), "a persisted path is outside /usr");
  require(p.find("//") == std::string::npos && p.find("/./") == std::string::npos &&
              p.find("/../") == std::string::npos && !p.ends_with("/.") && !p.ends_with("/.."),
          "a persisted path is normalized");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn::activator;
  std::string_view text = cairn::fuzz::as_text(data, size);

  auto manifest = parse_manifest(text);
  if (!manifest) return 0;
  require(lower_hex64(manifest->image_sha256), "the image's sha256 is 64 lowercase hex digits");
  for (const auto& p : manifest->persist_files) check_path(p);
  for (const auto& p : manifest->persist_directories) check_path(p);

  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  require(!doc.is_discarded(), "what parse_manifest accepts is JSON");
  auto compact = parse_manifest(doc.dump());
  require(compact.has_value() && *compact == *manifest, "the same JSON spelled compactly reads the same");

  nlohmann::json minimal = {{"image", {{"sha256", manifest->image_sha256}, {"size", manifest->image_size}}},
                            {"persist",
                             {{"files", manifest->persist_files}, {"directories", manifest->persist_directories}}}};
  auto written = parse_manifest(minimal.dump(2));
  require(written.has_value() && *written == *manifest, "a manifest written from the result reads the same");
  return 0;
}
