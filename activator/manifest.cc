#include "activator/manifest.hh"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/files.hh"

namespace cairn::activator {

namespace {

// A path the activator may bind: absolute, every component a real name, and
// outside the image's read-only / and /usr.
bool bindable(const std::string& path) {
  if (path.size() < 2 || path[0] != '/' || path.back() == '/') return false;
  if (path == "/usr" || path.starts_with("/usr/")) return false;
  for (size_t at = 1; at <= path.size();) {
    size_t end = path.find('/', at);
    if (end == std::string::npos) end = path.size();
    std::string_view part(path.data() + at, end - at);
    if (part.empty() || part == "." || part == "..") return false;
    at = end + 1;
  }
  return path.find('\0') == std::string::npos;
}

Result<std::vector<std::string>> persist_list(const nlohmann::json& persist, const char* key) {
  std::vector<std::string> out;
  if (!persist.contains(key)) return out;
  const nlohmann::json& list = persist[key];
  if (!list.is_array()) return fail(std::string("persist.") + key + " is not a list");
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string()) return fail(fmt::format("persist.{}[{}] is not a string", key, i));
    const std::string& path = list[i].get_ref<const std::string&>();
    if (!bindable(path))
      return fail(fmt::format("persist.{}[{}]: \"{}\" is not an absolute path without . or .. "
                              "(or is / or under /usr)",
                              key, i, path));
    out.push_back(path);
  }
  return out;
}

}  // namespace

Result<Manifest> parse_manifest(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return fail("empty");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e400
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

  if (doc.contains("persist")) {
    const nlohmann::json& persist = doc["persist"];
    if (!persist.is_object()) return fail("persist is not an object");
    auto files = persist_list(persist, "files");
    if (!files) return std::unexpected(files.error());
    auto directories = persist_list(persist, "directories");
    if (!directories) return std::unexpected(directories.error());
    out.persist_files = std::move(*files);
    out.persist_directories = std::move(*directories);
  }

  if (doc.contains("kernel")) {
    const nlohmann::json& kernel = doc["kernel"];
    if (!kernel.is_object()) return fail("kernel is not an object");
    if (kernel.contains("version")) {
      if (!kernel["version"].is_string()) return fail("kernel.version is not a string");
      out.kernel_version = kernel["version"].get<std::string>();
    }
  }
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
