// A generation's manifest on the state partition
// (generations/<N>/manifest.json, written by the builder when it installs
// the generation): what the image must be. The activator needs two fields:
//
//   { "image": { "sha256": "<64 hex digits>", "size": <bytes> }, … }
//
// Other fields are ignored.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.hh"

namespace cairn::activator {

struct Manifest {
  std::string image_sha256;  ///< 64 lowercase hex digits
  uint64_t image_size = 0;   ///< bytes
  bool operator==(const Manifest&) const = default;
};

/// Parses a manifest's text. Errors: "empty", "not valid JSON: …", "no \"image\"
/// object", "image.sha256 is missing", "image.sha256 is not 64 hexadecimal
/// digits", "image.size is not a byte count". Upper-case hex is accepted
/// and lowered.
[[nodiscard]] Result<Manifest> parse_manifest(std::string_view text);

/// Reads and parses the manifest at `path`. Errors name the path: "cannot
/// open <path>: No such file or directory", "<path>: image.size is missing".
[[nodiscard]] Result<Manifest> read_manifest(const std::string& path);

}  // namespace cairn::activator
