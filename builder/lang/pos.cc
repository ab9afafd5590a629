#include "builder/lang/pos.hh"

#include <algorithm>

namespace cairn::lang {

uint32_t PosTable::add_origin(std::string name, std::shared_ptr<const std::string> source) {
  uint32_t base = next_;
  // +1 so that the position just past the end (EOF) stays inside the origin.
  next_ += static_cast<uint32_t>(source->size()) + 1;
  origins_.push_back(Origin{base, std::move(name), std::move(source)});
  return base;
}

Pos PosTable::resolve(PosIdx pos) const {
  if (!pos) return {};
  auto it = std::upper_bound(origins_.begin(), origins_.end(), pos.id,
                             [](uint32_t id, const Origin& o) { return id < o.base; });
  if (it == origins_.begin()) return {};
  const Origin& o = *std::prev(it);
  size_t off = pos.id - o.base;
  const std::string& src = *o.source;
  if (off > src.size()) return {};
  Pos p;
  p.origin = o.name;
  p.line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < off; ++i) {
    if (src[i] == '\n') {
      ++p.line;
      line_start = i + 1;
    }
  }
  p.column = static_cast<uint32_t>(off - line_start + 1);
  size_t line_end = src.find('\n', line_start);
  if (line_end == std::string::npos) line_end = src.size();
  p.line_text = std::string_view(src).substr(line_start, line_end - line_start);
  return p;
}

}  // namespace cairn::lang
