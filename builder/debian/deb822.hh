// deb822: the `Field: value` paragraph format of Debian's control files —
// Packages and Release indexes, apt's *.sources, .deb control files.
//
// A file is a sequence of paragraphs separated by blank lines (a line of only
// spaces and tabs counts as blank). A paragraph is a sequence of fields; a
// field is `Name: value` on one line, continued by the following lines that
// begin with a space or a tab. Field names are matched case-insensitively
// (Debian Policy §5.1), and one name may appear only once per paragraph.
// Lines that begin with `#` are comments and are skipped, wherever they
// stand; Policy allows them only in some files, but no field name or
// continuation line can begin with `#`, so skipping them everywhere is safe.
//
// The parser does not copy: names and values are string_views into the
// caller's buffer, which must outlive the result. A bookworm main amd64
// Packages file (50 MB, 63,000 paragraphs) parses in about 0.1 s.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"

namespace cairn::debian {

/// One field of a paragraph; both views point into the parsed buffer.
struct Field {
  /// The name as written (compare with `field_name_equal`).
  std::string_view name;
  /// The value. On one line: the text after the colon without leading and
  /// trailing blanks. On several lines: the span of the buffer from the
  /// first line's text (or, when that is empty as in `SHA256:`, from its
  /// newline) to the end of the last continuation line, without the final
  /// newline — continuation lines keep their leading blank, and comment
  /// lines that stood between them are inside the span. `field_lines` and
  /// `field_words` take such values apart.
  std::string_view value;
  /// 1-based line number of `Name:` in the buffer.
  uint32_t line = 0;
};

/// True when two field names are equal ignoring ASCII case.
[[nodiscard]] bool field_name_equal(std::string_view a, std::string_view b);

/// One paragraph: its fields in order of appearance.
class Paragraph {
 public:
  /// All fields, in file order.
  [[nodiscard]] std::span<const Field> fields() const { return fields_; }
  /// The field called `name` (any case), or nullptr when absent.
  [[nodiscard]] const Field* find(std::string_view name) const;
  /// The value of `name`, or "" when absent (an empty value is also "";
  /// use `find` to tell them apart).
  [[nodiscard]] std::string_view get(std::string_view name) const;
  /// 1-based line number of the paragraph's first field.
  [[nodiscard]] uint32_t line() const { return line_; }
  [[nodiscard]] bool empty() const { return fields_.empty(); }

 private:
  friend class Deb822Reader;
  std::vector<Field> fields_;
  uint32_t line_ = 0;
};

/// Reads paragraphs one at a time from a buffer, so that a large Packages
/// file is processed without holding all its paragraphs at once.
class Deb822Reader {
 public:
  /// Reads `text`, which must outlive the reader and every Paragraph it
  /// fills. `origin` names the text in errors ("…/Packages", "InRelease of
  /// http://…"): "<origin>:<line>: <what>". `first_line` is the number of
  /// the text's first line (not 1 when the text is part of a larger file).
  Deb822Reader(std::string_view text, std::string origin, uint32_t first_line = 1);

  /// Reads the next paragraph into `out` (replacing its fields, reusing its
  /// storage). Returns false, leaving `out` empty, when no paragraph is
  /// left. Errors: a line that is neither a field, a continuation, a comment
  /// nor blank; a continuation line at the start of a paragraph; a field
  /// given twice in one paragraph; an empty field name.
  [[nodiscard]] Result<bool> next(Paragraph& out);

 private:
  std::string_view text_;
  std::string origin_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
};

/// Parses all paragraphs of `text` (see `Deb822Reader`).
[[nodiscard]] Result<std::vector<Paragraph>> parse_deb822(std::string_view text, std::string origin);

/// The lines of a field value with blanks trimmed from both ends, skipping
/// empty lines and comment lines: for `SHA256:` the list of files, for a
/// one-line value just that value. Views into the value.
[[nodiscard]] std::vector<std::string_view> field_lines(std::string_view value);

/// The words of a value separated by spaces, tabs or newlines, skipping
/// comment lines ("amd64 arm64", `Suites:` of a .sources entry). Views into
/// the value.
[[nodiscard]] std::vector<std::string_view> field_words(std::string_view value);

}  // namespace cairn::debian
