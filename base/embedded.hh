// Files compiled into the binary (scripts/embed-files generates the tables),
// so that cairn finds its own Nix library wherever it is installed.
#pragma once

#include <span>
#include <string_view>

namespace cairn {

struct EmbeddedFile {
  std::string_view name;  ///< base name, e.g. "lists.nix"
  std::string_view text;  ///< the file's bytes
};

}  // namespace cairn
