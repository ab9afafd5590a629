// SHA-256 (OpenSSL EVP), streaming or whole, as lowercase hex — the hash
// cairn checks every downloaded file against and names store entries by.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/error.hh"

namespace cairn {

/// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  /// The digest as 64 lowercase hex digits; the object is spent afterwards.
  std::string hex_digest();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// SHA-256 of `data` as hex.
std::string sha256_hex(std::string_view data);

/// SHA-256 of the file at `path` as hex, read in chunks.
[[nodiscard]] Result<std::string> sha256_file(const std::string& path);

}  // namespace cairn
