// mountinfo's lines split into fields (mountinfo.hh).
#include "base/mountinfo.hh"

#include "base/lines.hh"

namespace cairn {

namespace {

// The space-separated fields of `line`; runs of spaces count as one.
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < line.size()) {
    size_t end = line.find(' ', pos);
    if (end == std::string_view::npos) end = line.size();
    if (end > pos) out.push_back(line.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

}  // namespace

std::vector<MountInfo> parse_mountinfo(std::string_view text) {
  std::vector<MountInfo> out;
  for (std::string_view line : split_lines(text)) {
    auto f = fields(line);
    if (f.size() < 6) continue;
    // The optional fields run from the seventh to the separator.
    size_t dash = 6;
    while (dash < f.size() && f[dash] != "-") ++dash;
    MountInfo m;
    m.id = f[0];
    m.parent_id = f[1];
    m.devno = f[2];
    m.root = unescape_octal(f[3]);
    m.mount_point = unescape_octal(f[4]);
    m.options = f[5];
    if (dash + 1 < f.size()) m.type = unescape_octal(f[dash + 1]);
    if (dash + 2 < f.size()) m.source = unescape_octal(f[dash + 2]);
    out.push_back(std::move(m));
  }
  return out;
}

std::string unescape_octal(std::string_view field) {
  auto octal = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && octal(field[i + 1]) && octal(field[i + 2]) &&
        octal(field[i + 3])) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

}  // namespace cairn
