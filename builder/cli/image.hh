// What `cairn image` and `cairn vm` share: making a host's disk image.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.hh"
#include "builder/generations/manifest.hh"

namespace cairn::cli {

struct ImageOptions {
  std::string host;
  std::string output;  ///< "" = <host>.img
  std::string size;    ///< "" = what the content needs
  bool all_generations = false;
  std::string store;
};

struct DiskImage {
  std::string path;
  uint64_t size = 0;
  std::string sha256;
  uint64_t generation = 0;  ///< the current generation on it
  std::string architecture; ///< Debian's name: "amd64", "arm64"
  std::string kernel;       ///< the current generation's kernel, in the store
};

/// Builds the host if needed and writes its disk image.
[[nodiscard]] Result<DiskImage> make_host_image(const ImageOptions& opts);

/// The title of a generation's boot entry: "vm — generation 3 (2026-07-11,
/// 6.1.0-50-amd64)" (the date is the lock's).
std::string entry_title(const generations::Manifest& m, uint64_t generation);

/// The kernel command line of a generation's boot entry: cairn's words
/// (generation, state partition, panic=10 so a crash reboots into the
/// fallback) and the host's boot.kernel.params.
std::string kernel_options(const generations::Manifest& m, uint64_t generation);

}  // namespace cairn::cli
