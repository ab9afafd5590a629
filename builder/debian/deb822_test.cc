// Tests for the deb822 parser: paragraphs and blank-line rules, continuation
// lines and the raw multi-line value, comments anywhere, case-insensitive
// lookup, errors with file and line, and the value helpers.
#include "builder/debian/deb822.hh"

#include <gtest/gtest.h>

namespace cairn::debian {
namespace {

std::vector<Paragraph> parse_ok(std::string_view text) {
  auto got = parse_deb822(text, "test");
  EXPECT_TRUE(got) << got.error().message;
  return got ? std::move(*got) : std::vector<Paragraph>{};
}

std::string parse_error(std::string_view text) {
  auto got = parse_deb822(text, "dir/Packages");
  EXPECT_FALSE(got);
  return got ? "" : got.error().message;
}

TEST(Deb822, ParagraphsAndFields) {
  auto ps = parse_ok(
      "Package: hello\n"
      "Version: 2.10-3\n"
      "\n"
      "Package: bash\n"
      "Essential: yes\n");
  ASSERT_EQ(ps.size(), 2u);
  ASSERT_EQ(ps[0].fields().size(), 2u);
  EXPECT_EQ(ps[0].fields()[0].name, "Package");
  EXPECT_EQ(ps[0].fields()[0].value, "hello");
  EXPECT_EQ(ps[0].fields()[0].line, 1u);
  EXPECT_EQ(ps[0].get("Version"), "2.10-3");
  EXPECT_EQ(ps[0].line(), 1u);
  EXPECT_EQ(ps[1].get("Essential"), "yes");
  EXPECT_EQ(ps[1].line(), 4u);
  EXPECT_EQ(ps[1].fields()[1].line, 5u);
}

TEST(Deb822, NamesAreCaseInsensitive) {
  auto ps = parse_ok("Package: a\nPRE-DEPENDS: libc6\nsigned-by: /k.gpg\n");
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].get("package"), "a");
  EXPECT_EQ(ps[0].get("Pre-Depends"), "libc6");
  EXPECT_EQ(ps[0].get("Signed-By"), "/k.gpg");
  EXPECT_EQ(ps[0].find("Signed-By")->name, "signed-by");  // as written
  EXPECT_EQ(ps[0].find("Depends"), nullptr);
  EXPECT_EQ(ps[0].get("Depends"), "");
  EXPECT_TRUE(field_name_equal("Valid-Until", "VALID-until"));
  EXPECT_FALSE(field_name_equal("Suite", "Suites"));
}

TEST(Deb822, ValuesAreTrimmedAndMayBeEmpty) {
  auto ps = parse_ok("A:value\nB:   spaced \t \nC:\nD:  \nE \t: blanks before the colon\n");
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].get("A"), "value");
  EXPECT_EQ(ps[0].get("B"), "spaced");
  ASSERT_NE(ps[0].find("C"), nullptr);
  EXPECT_EQ(ps[0].get("C"), "");
  EXPECT_EQ(ps[0].get("D"), "");
  EXPECT_EQ(ps[0].find("E")->name, "E");
  EXPECT_EQ(ps[0].get("E"), "blanks before the colon");
}

TEST(Deb822, ValueKeepsColons) {
  auto ps = parse_ok("URIs: http://mirror.test:8080/debian\nDate: Sat, 10 Jun 2023 08:55:37 UTC\n");
  EXPECT_EQ(ps[0].get("URIs"), "http://mirror.test:8080/debian");
  EXPECT_EQ(ps[0].get("Date"), "Sat, 10 Jun 2023 08:55:37 UTC");
}

TEST(Deb822, ContinuationLines) {
  std::string_view text =
      "Package: hello\n"
      "Description: example package\n"
      " The first line of the long description.\n"
      " .\n"
      "\tTab-indented.\n"
      "SHA256:\n"
      " 0123 12 main/binary-amd64/Packages\n"
      " 4567 34 main/binary-amd64/Packages.xz  \n"
      "Last: x\n";
  auto ps = parse_ok(text);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].get("Description"),
            "example package\n The first line of the long description.\n .\n\tTab-indented.");
  EXPECT_EQ(ps[0].get("SHA256"), "\n 0123 12 main/binary-amd64/Packages\n 4567 34 main/binary-amd64/Packages.xz  ");
  EXPECT_EQ(field_lines(ps[0].get("SHA256")),
            (std::vector<std::string_view>{"0123 12 main/binary-amd64/Packages", "4567 34 main/binary-amd64/Packages.xz"}));
  EXPECT_EQ(ps[0].get("Last"), "x");
  // Zero copy: the value points into the buffer.
  EXPECT_EQ(ps[0].get("Package").data(), text.data() + 9);
}

// Blank lines, lines of blanks, runs of them, and missing final newline.
TEST(Deb822, ParagraphSeparators) {
  auto ps = parse_ok("\n\n  \nA: 1\n \t\nB: 2\n\n\n\nC: 3");
  ASSERT_EQ(ps.size(), 3u);
  EXPECT_EQ(ps[0].get("A"), "1");
  EXPECT_EQ(ps[0].line(), 4u);
  EXPECT_EQ(ps[1].get("B"), "2");
  EXPECT_EQ(ps[2].get("C"), "3");
  EXPECT_EQ(ps[2].line(), 10u);
  EXPECT_TRUE(parse_ok("").empty());
  EXPECT_TRUE(parse_ok("\n \n# only a comment\n").empty());
}

TEST(Deb822, CommentsAnywhere) {
  auto ps = parse_ok(
      "# leading comment\n"
      "Types: deb\n"
      "# http://snapshot.test/archive/debian/20250520T000000Z\n"
      "URIs: http://mirror.test/debian\n"
      "Suites: bookworm\n"
      "# between continuation lines\n"
      " bookworm-updates\n"
      "#Enabled: no\n"
      "\n"
      "# a comment does not end a paragraph, a blank line does\n");
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].fields().size(), 3u);
  EXPECT_EQ(ps[0].get("URIs"), "http://mirror.test/debian");
  EXPECT_EQ(field_words(ps[0].get("Suites")), (std::vector<std::string_view>{"bookworm", "bookworm-updates"}));
  EXPECT_EQ(field_lines(ps[0].get("Suites")), (std::vector<std::string_view>{"bookworm", "bookworm-updates"}));
  EXPECT_EQ(ps[0].find("Enabled"), nullptr);
  EXPECT_EQ(ps[0].line(), 2u);
}

TEST(Deb822, CarriageReturnsAreBlanks) {
  auto ps = parse_ok("A: 1\r\nB:\r\n x\r\n y\r\n\r\nC: 3\r\n");
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].get("A"), "1");
  EXPECT_EQ(field_lines(ps[0].get("B")), (std::vector<std::string_view>{"x", "y"}));
  EXPECT_EQ(ps[1].get("C"), "3");
}

TEST(Deb822, ReaderReusesTheParagraph) {
  Deb822Reader reader("A: 1\nB: 2\n\nC: 3\n", "test");
  Paragraph p;
  auto more = reader.next(p);
  ASSERT_TRUE(more && *more);
  EXPECT_EQ(p.fields().size(), 2u);
  more = reader.next(p);
  ASSERT_TRUE(more && *more);
  EXPECT_EQ(p.fields().size(), 1u);
  EXPECT_EQ(p.get("C"), "3");
  EXPECT_EQ(p.get("A"), "");
  more = reader.next(p);
  ASSERT_TRUE(more);
  EXPECT_FALSE(*more);
  EXPECT_TRUE(p.empty());
}

TEST(Deb822, Errors) {
  EXPECT_EQ(parse_error("Package: a\nno colon here\n"),
            "dir/Packages:2: expected `Name: value', a line starting with a space or a blank line, "
            "found `no colon here'");
  EXPECT_EQ(parse_error(" indented first\n"),
            "dir/Packages:1: continuation line `indented first' does not follow a field; "
            "indent it under a `Name:' line or remove it");
  EXPECT_EQ(parse_error("A: 1\n\n continued after a blank line\n"),
            "dir/Packages:3: continuation line `continued after a blank line' does not follow a field; "
            "indent it under a `Name:' line or remove it");
  EXPECT_EQ(parse_error("Package: a\nVersion: 1\npackage: b\n"),
            "dir/Packages:3: field `package' appears twice in one paragraph (first on line 1)");
  EXPECT_EQ(parse_error("A: 1\nURIs http://mirror.test/debian\n"),
            "dir/Packages:2: expected `Name: value', a line starting with a space or a blank line, "
            "found `URIs http://mirror.test/debian'");
  EXPECT_EQ(parse_error("A: 1\n: value\n"), "dir/Packages:2: a field without a name: `: value'");
  EXPECT_EQ(parse_error("A: 1\n" + std::string(100, 'x') + "\n"),
            "dir/Packages:2: expected `Name: value', a line starting with a space or a blank line, found `" +
                std::string(60, 'x') + "…'");
}

TEST(Deb822, SameFieldInTwoParagraphsIsFine) {
  auto ps = parse_ok("Package: a\n\nPackage: b\n");
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[1].get("Package"), "b");
}

TEST(Deb822, FieldWords) {
  EXPECT_EQ(field_words("  amd64\tarm64  all "), (std::vector<std::string_view>{"amd64", "arm64", "all"}));
  EXPECT_EQ(field_words("\n main\n contrib non-free\n"),
            (std::vector<std::string_view>{"main", "contrib", "non-free"}));
  EXPECT_TRUE(field_words("").empty());
  EXPECT_TRUE(field_lines("").empty());
}

// A generated Packages-like file: every paragraph comes back, in order,
// with its multi-line description whole.
TEST(Deb822, ManyParagraphs) {
  std::string text;
  for (int i = 0; i < 5000; ++i)
    text += "Package: p" + std::to_string(i) + "\nVersion: 1." + std::to_string(i) +
            "\nDescription: short\n long line one\n .\n long line two\n\n";
  Deb822Reader reader(text, "big");
  Paragraph p;
  int n = 0;
  while (true) {
    auto more = reader.next(p);
    ASSERT_TRUE(more) << more.error().message;
    if (!*more) break;
    ASSERT_EQ(p.get("Package"), "p" + std::to_string(n));
    ASSERT_EQ(p.get("Description"), "short\n long line one\n .\n long line two");
    ASSERT_EQ(p.line(), static_cast<uint32_t>(7 * n + 1));
    ++n;
  }
  EXPECT_EQ(n, 5000);
}

}  // namespace
}  // namespace cairn::debian
