// libFuzzer target: deb822 paragraphs (Packages and Release indexes, .sources
// files, control files) → builder/debian/deb822.
//
// Any bytes may be rejected. For what is accepted:
//  - parse_deb822 and Deb822Reader (paragraph at a time, storage reused)
//    see the same paragraphs;
//  - every name and value is a view into the input, names are non-empty and
//    unique per paragraph (ignoring case), line numbers increase;
//  - field_lines and field_words return views into the value, without
//    blanks at either end (words: none at all);
//  - writing the paragraphs back as "Name: value" lines separated by blank
//    lines reads back to the same names and values — the value span keeps
//    continuation lines verbatim, so this is the format's round trip.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "builder/debian/deb822.hh"
#include "tests/fuzz/fuzz_check.hh"

namespace {

using cairn::fuzz::require;
using cairn::fuzz::within;
using namespace cairn::debian;

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Names and values only: line numbers change when comments are dropped.
using Flat = std::vector<std::vector<std::pair<std::string, std::string>>>;

Flat flatten(const std::vector<Paragraph>& ps) {
  Flat out;
  for (const Paragraph& p : ps) {
    auto& fields = out.emplace_back();
    for (const Field& f : p.fields()) fields.emplace_back(f.name, f.value);
  }
  return out;
}

std::string write_back(const std::vector<Paragraph>& ps) {
  std::string out;
  for (const Paragraph& p : ps) {
    for (const Field& f : p.fields()) {
      out += f.name;
      // A value whose first line was empty starts at that line's newline.
      out += f.value.empty() || f.value.front() == '\n' ? ":" : ": ";
      out += f.value;
      out += '\n';
    }
    out += '\n';
  }
  return out;
}

void check_paragraph(const Paragraph& p, std::string_view text) {
  require(!p.empty(), "a paragraph has at least one field");
  uint32_t last = 0;
  for (size_t i = 0; i < p.fields().size(); ++i) {
    const Field& f = p.fields()[i];
    require(!f.name.empty(), "field names are not empty");
    require(within(f.name, text) && within(f.value, text), "names and values are views into the input");
    require(f.line > last, "fields are numbered in increasing line order");
    last = f.line;
    require(p.find(f.name) == &f, "find() returns the one field of that name");
    for (size_t j = 0; j < i; ++j)
      require(!field_name_equal(p.fields()[j].name, f.name), "a name appears once per paragraph");
    for (std::string_view line : field_lines(f.value)) {
      require(!line.empty() && within(line, f.value), "field_lines returns non-empty views into the value");
      require(!is_blank(line.front()) && !is_blank(line.back()), "field_lines trims blanks");
      require(line.find('\n') == std::string_view::npos, "field_lines splits at newlines");
    }
    for (std::string_view word : field_words(f.value)) {
      require(!word.empty() && within(word, f.value), "field_words returns non-empty views into the value");
      for (char c : word) require(!is_blank(c) && c != '\n', "field_words splits at blanks and newlines");
    }
  }
  require(p.line() == p.fields().front().line, "a paragraph starts at its first field");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = cairn::fuzz::as_text(data, size);

  auto all = parse_deb822(text, "fuzz");

  // The reader, one paragraph at a time into reused storage.
  Deb822Reader reader(text, "fuzz");
  std::vector<Paragraph> one_by_one;
  Paragraph p;
  bool reader_failed = false;
  while (true) {
    auto more = reader.next(p);
    if (!more) {
      reader_failed = true;
      require(!all && more.error().message == all.error().message,
              "the reader fails where parse_deb822 fails, with the same message");
      break;
    }
    if (!*more) {
      require(p.empty(), "no paragraph left leaves the paragraph empty");
      break;
    }
    one_by_one.push_back(p);
  }
  if (!all) {
    require(reader_failed, "parse_deb822 fails only where the reader fails");
    return 0;
  }
  require(flatten(*all) == flatten(one_by_one), "the reader and parse_deb822 agree");

  uint32_t last = 0;
  for (const Paragraph& q : *all) {
    check_paragraph(q, text);
    require(q.line() > last, "paragraphs are numbered in increasing line order");
    last = q.line();
  }

  std::string again = write_back(*all);
  auto reread = parse_deb822(again, "fuzz (written back)");
  require(reread.has_value(), "paragraphs written back parse again");
  require(flatten(*reread) == flatten(*all), "paragraphs written back read the same");
  return 0;
}
