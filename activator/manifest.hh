// A generation's manifest on the state partition
// (generations/<N>/manifest.json, written by the builder when it installs
// the generation): what the image must be, and what the state partition
// keeps for it. The activator reads:
//
//   { "image": { "sha256": "<64 hex digits>", "size": <bytes> },
//     "persist": { "files": [<path>…], "directories": [<path>…] },
//     "kernel": { "version": "6.1.0-18-amd64", … }, … }
//
// "persist" may be absent (nothing is kept beyond /var, /home and /root);
// so may "kernel" or its "version" (a generation built without a kernel:
// an in-place switch then cannot tell whether the kernel changed). Other
// fields are ignored.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"

namespace cairn::activator {

struct Manifest {
  std::string image_sha256;  ///< 64 lowercase hex digits
  uint64_t image_size = 0;   ///< bytes
  /// environment.persist: absolute, normalized paths outside / and /usr,
  /// kept under the state partition's persist/ and bound into the root.
  std::vector<std::string> persist_files;
  std::vector<std::string> persist_directories;
  /// kernel.version: the release the image's modules are for (`uname -r`
  /// once booted, "6.1.0-18-amd64"); "" when the manifest names none.
  std::string kernel_version;
  bool operator==(const Manifest&) const = default;
};

/// Parses a manifest's text. Errors: "empty", "not valid JSON: …", "no \"image\"
/// object", "image.sha256 is missing", "image.sha256 is not 64 hexadecimal
/// digits", "image.size is not a byte count", "kernel is not an object",
/// "kernel.version is not a string", "persist.files[0]: \"etc/x\" is
/// not an absolute path without . or .. (or is / or under /usr)". Upper-case
/// hex is accepted and lowered.
[[nodiscard]] Result<Manifest> parse_manifest(std::string_view text);

/// Reads and parses the manifest at `path`. Errors name the path: "cannot
/// open <path>: No such file or directory", "<path>: image.size is missing".
[[nodiscard]] Result<Manifest> read_manifest(const std::string& path);

}  // namespace cairn::activator
