// The unit-file reader. See unit_file.hh.
#include "base/unit_file.hh"

#include <fmt/format.h>

#include "base/lines.hh"

namespace cairn {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<UnitFile> UnitFile::parse(std::string_view text, std::string_view origin) {
  UnitFile out;
  std::string section;
  auto lines = split_lines(text);
  // i is the last line read: a continuation moves it on past the lines it joins.
  for (size_t i = 0; i < lines.size(); ++i) {
    unsigned first = static_cast<unsigned>(i + 1);
    std::string_view line = trim(lines[i]);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    std::string joined(line);
    // Continuation lines: a trailing backslash joins the next line (at the
    // end of the file, nothing: systemd drops it too).
    while (!joined.empty() && joined.back() == '\\') {
      joined.back() = ' ';
      if (i + 1 == lines.size()) break;
      std::string_view next = trim(lines[++i]);
      if (!next.empty() && (next[0] == '#' || next[0] == ';')) {
        joined += '\\';  // a comment inside the continuation: skip it, keep going
        continue;
      }
      joined += next;
    }
    std::string_view l = trim(joined);
    if (l.empty()) continue;  // a continuation of nothing but blanks ("\\" then an empty line)
    if (l.front() == '[') {
      if (l.back() != ']')
        return fail(fmt::format("{}: line {}: the section header `{}` has no closing `]`", origin, first, l));
      section = std::string(l.substr(1, l.size() - 2));
      continue;
    }
    size_t eq = l.find('=');
    if (eq == std::string_view::npos)
      return fail(fmt::format("{}: line {}: `{}` is not a `Key=Value` line", origin, first, l));
    if (section.empty())
      return fail(fmt::format("{}: line {}: `{}` comes before the first [Section]", origin, first, l));
    out.entries_.push_back(
        Entry{section, std::string(trim(l.substr(0, eq))), std::string(trim(l.substr(eq + 1))), first});
  }
  return out;
}

std::vector<std::string> UnitFile::words(std::string_view section, std::string_view key) const {
  std::vector<std::string> out;
  for (const Entry& e : entries_) {
    if (e.section != section || e.key != key) continue;
    if (e.value.empty()) {
      out.clear();
      continue;
    }
    std::string_view v = e.value;
    while (!v.empty()) {
      size_t b = v.find_first_not_of(" \t");
      if (b == std::string_view::npos) break;
      v.remove_prefix(b);
      size_t end = v.find_first_of(" \t");
      out.emplace_back(v.substr(0, end));
      v.remove_prefix(end == std::string_view::npos ? v.size() : end);
    }
  }
  return out;
}

std::string UnitFile::value(std::string_view section, std::string_view key) const {
  std::string out;
  for (const Entry& e : entries_)
    if (e.section == section && e.key == key) out = e.value;
  return out;
}

std::string expand_unit_specifiers(std::string_view value, std::string_view unit) {
  size_t dot = unit.rfind('.');
  std::string_view stem = unit.substr(0, dot);
  size_t at = stem.find('@');
  std::string_view prefix = stem.substr(0, at);
  std::string_view instance = at == std::string_view::npos ? std::string_view() : stem.substr(at + 1);
  size_t dash = prefix.rfind('-');
  std::string_view last = dash == std::string_view::npos ? prefix : prefix.substr(dash + 1);
  std::string out;
  for (size_t k = 0; k < value.size(); ++k) {
    if (value[k] != '%' || k + 1 == value.size()) {
      out += value[k];
      continue;
    }
    char c = value[++k];
    switch (c) {
      case 'n': out += unit; break;
      case 'N': out += stem; break;
      case 'p': out += prefix; break;
      case 'i': out += instance; break;
      case 'j': out += last; break;
      case '%': out += '%'; break;
      default: out += '%'; out += c;
    }
  }
  return out;
}

}  // namespace cairn
