#include "activator/manifest.hh"

#include <nlohmann/json.hpp>

#include "base/files.hh"

namespace cairn::activator {

Result<Manifest> parse_manifest(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return fail("empty");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // "[json.exception.parse_error.101] parse error at line 1, …": keep what follows the tag.
    std::string what = e.what();
    if (auto close = what.find("] "); what.starts_with("[json.exception") && close != std::string::npos)
      what.erase(0, close + 2);
    return fail("not valid JSON: " + what);
  }
  if (!doc.is_object() || !doc.contains("image") || !doc["image"].is_object())
    return fail("no \"image\" object");
  const nlohmann::json& image = doc["image"];

  Manifest out;
  if (!image.contains("sha256")) return fail("image.sha256 is missing");
  const nlohmann::json& sha = image["sha256"];
  bool hex = sha.is_string() && sha.get_ref<const std::string&>().size() == 64;
  if (hex) {
    out.image_sha256 = sha.get<std::string>();
    for (char& c : out.image_sha256) {
      if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) hex = false;
    }
  }
  if (!hex) return fail("image.sha256 is not 64 hexadecimal digits");

  if (!image.contains("size")) return fail("image.size is missing");
  const nlohmann::json& size = image["size"];
  if (!size.is_number_unsigned()) return fail("image.size is not a byte count");
  out.image_size = size.get<uint64_t>();
  return out;
}

Result<Manifest> read_manifest(const std::string& path) {
  auto text = read_file(path);  // its errors name the path
  if (!text) return std::unexpected(text.error());
  auto manifest = parse_manifest(*text);
  if (!manifest) return std::unexpected(manifest.error().context(path));
  return manifest;
}

}  // namespace cairn::activator
