// Splitting text into lines (lines.hh).
#include "base/lines.hh"

namespace cairn {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  // Stopping at text.size() rather than past it is what drops the empty
  // "line" after a final '\n'.
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

}  // namespace cairn
