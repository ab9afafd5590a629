// Source positions as compact indices.
//
// Every parsed source (a file, an --expr string) is an "origin" that owns a
// contiguous range of global offsets. A position is one 32-bit index into
// that space, so AST nodes and attributes carry 4 bytes instead of
// (file, line, column); the line and column are computed only when an error
// is printed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::lang {

/// A position; id 0 means "no position".
struct PosIdx {
  uint32_t id = 0;
  explicit operator bool() const { return id != 0; }
  bool operator==(const PosIdx&) const = default;
};

struct Pos {
  std::string_view origin;  ///< file path, or «string» / «stdin»
  uint32_t line = 0;        ///< 1-based
  uint32_t column = 0;      ///< 1-based, in bytes
  std::string_view line_text;
};

class PosTable {
 public:
  /// Registers a source; returns the origin's base offset. `name` is the
  /// file path or a display name such as «string».
  uint32_t add_origin(std::string name, std::shared_ptr<const std::string> source);

  /// The position `offset` bytes into the origin that starts at `base`.
  PosIdx at(uint32_t base, size_t offset) const {
    return PosIdx{base + static_cast<uint32_t>(offset)};
  }

  /// Resolves a position to file, line and column. An unknown index
  /// gives an empty Pos (line 0).
  Pos resolve(PosIdx pos) const;

 private:
  struct Origin {
    uint32_t base;
    std::string name;
    std::shared_ptr<const std::string> source;
  };
  std::vector<Origin> origins_;
  uint32_t next_ = 1;
};

}  // namespace cairn::lang
