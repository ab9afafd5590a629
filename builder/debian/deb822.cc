// The deb822 parser: one pass over the buffer, a line at a time.
//
// Speed matters because a Packages file of one component and architecture
// is 50–60 MB. The loop finds each line end with memchr, classifies the
// line by its first byte (blank, '#', space or tab, anything else) and
// records fields as views into the buffer, so the only allocations are the
// Paragraph's field vector, reused from paragraph to paragraph by
// `Deb822Reader::next`. A continuation line only moves the end of the
// current field's view, which is why a multi-line value is one contiguous
// span of the buffer (see `Field::value`).
#include "builder/debian/deb822.hh"

#include <cstring>

#include <fmt/format.h>

namespace cairn::debian {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

bool all_blank(std::string_view s) {
  for (char c : s)
    if (!is_blank(c)) return false;
  return true;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// A line quoted for an error message, shortened when long.
std::string excerpt(std::string_view line) {
  line = trim(line);
  if (line.size() > 60) return fmt::format("{}…", line.substr(0, 60));
  return std::string(line);
}

// Calls `f` with each line of `value` that is not a comment line.
template <class F>
void for_each_value_line(std::string_view value, F&& f) {
  while (true) {
    auto nl = value.find('\n');
    std::string_view line = value.substr(0, nl);
    if (line.empty() || line.front() != '#') f(line);
    if (nl == std::string_view::npos) break;
    value.remove_prefix(nl + 1);
  }
}

}  // namespace

bool field_name_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

const Field* Paragraph::find(std::string_view name) const {
  for (const Field& f : fields_)
    if (field_name_equal(f.name, name)) return &f;
  return nullptr;
}

std::string_view Paragraph::get(std::string_view name) const {
  const Field* f = find(name);
  return f ? f->value : std::string_view();
}

Deb822Reader::Deb822Reader(std::string_view text, std::string origin, uint32_t first_line)
    : text_(text), origin_(std::move(origin)), line_(first_line) {}

Result<bool> Deb822Reader::next(Paragraph& out) {
  out.fields_.clear();
  out.line_ = 0;
  Field* current = nullptr;  // the field continuation lines extend
  const char* const base = text_.data();
  while (pos_ < text_.size()) {
    const char* start = base + pos_;
    const void* nl = std::memchr(start, '\n', text_.size() - pos_);
    size_t len = nl ? static_cast<size_t>(static_cast<const char*>(nl) - start) : text_.size() - pos_;
    std::string_view line(start, len);
    uint32_t lineno = line_;
    pos_ += len + (nl ? 1 : 0);
    ++line_;

    char first = len ? line.front() : '\n';
    if (first == '#') continue;  // a comment, even inside a paragraph
    if (first == '\n' || all_blank(line)) {
      if (!out.fields_.empty()) return true;  // the blank line ends the paragraph
      continue;
    }
    if (first == ' ' || first == '\t') {
      if (current == nullptr)
        return fail(fmt::format("{}:{}: continuation line `{}' does not follow a field; "
                                "indent it under a `Name:' line or remove it",
                                origin_, lineno, excerpt(line)));
      // Extend the value's span to the end of this line.
      const char* value_end = start + len;
      while (value_end > start && *(value_end - 1) == '\r') --value_end;
      const char* value_begin = current->value.data();
      current->value = std::string_view(value_begin, static_cast<size_t>(value_end - value_begin));
      continue;
    }

    // The name runs to the colon and has no blanks (Policy §5.1; blanks just
    // before the colon are let pass), so `URIs http://…' is an error rather
    // than a field called "URIs http".
    size_t colon = 0;
    while (colon < len && line[colon] != ':' && line[colon] != ' ' && line[colon] != '\t') ++colon;
    std::string_view name = line.substr(0, colon);
    while (colon < len && (line[colon] == ' ' || line[colon] == '\t')) ++colon;
    if (colon == len || line[colon] != ':')
      return fail(fmt::format("{}:{}: expected `Name: value', a line starting with a space or a blank line, "
                              "found `{}'",
                              origin_, lineno, excerpt(line)));
    if (name.empty())
      return fail(fmt::format("{}:{}: a field without a name: `{}'", origin_, lineno, excerpt(line)));
    for (const Field& f : out.fields_)
      if (field_name_equal(f.name, name))
        return fail(fmt::format("{}:{}: field `{}' appears twice in one paragraph (first on line {})", origin_,
                                lineno, name, f.line));

    // A one-line value is trimmed; when it is empty the value's span starts at
    // the line's newline so that continuation lines can extend it.
    std::string_view rest = line.substr(colon + 1);
    std::string_view value = trim(rest);
    if (value.empty()) value = std::string_view(line.data() + line.size(), 0);
    if (out.fields_.empty()) out.line_ = lineno;
    out.fields_.push_back(Field{name, value, lineno});
    current = &out.fields_.back();
  }
  return !out.fields_.empty();
}

Result<std::vector<Paragraph>> parse_deb822(std::string_view text, std::string origin) {
  Deb822Reader reader(text, std::move(origin));
  std::vector<Paragraph> paragraphs;
  while (true) {
    Paragraph p;
    auto more = reader.next(p);
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    paragraphs.push_back(std::move(p));
  }
  return paragraphs;
}

std::vector<std::string_view> field_lines(std::string_view value) {
  std::vector<std::string_view> lines;
  for_each_value_line(value, [&](std::string_view line) {
    line = trim(line);
    if (!line.empty()) lines.push_back(line);
  });
  return lines;
}

std::vector<std::string_view> field_words(std::string_view value) {
  std::vector<std::string_view> words;
  for_each_value_line(value, [&](std::string_view line) {
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && is_blank(line[i])) ++i;
      size_t begin = i;
      while (i < line.size() && !is_blank(line[i])) ++i;
      if (i > begin) words.push_back(line.substr(begin, i - begin));
    }
  });
  return words;
}

}  // namespace cairn::debian
