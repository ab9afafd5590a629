#include "base/lines.hh"

#include <gtest/gtest.h>

#include <string>

namespace cairn {
namespace {

TEST(SplitLines, Cases) {
  struct Case {
    const char* what;
    std::string_view text;
    std::vector<std::string_view> expected;
  };
  const Case cases[] = {
      {"empty text has no lines", "", {}},
      {"a lone newline is one empty line", "\n", {""}},
      {"one line with its newline", "a\n", {"a"}},
      {"one line without a newline", "a", {"a"}},
      {"several lines, the last without a newline", "a\nbc\nd", {"a", "bc", "d"}},
      {"no empty line after the final newline", "a\nb\n", {"a", "b"}},
      {"empty lines inside are kept", "a\n\n\nb\n", {"a", "", "", "b"}},
      {"a leading empty line is kept", "\na", {"", "a"}},
      {"two final newlines leave one empty line", "a\n\n", {"a", ""}},
      {"a carriage return stays in the line", "a\r\nb\r", {"a\r", "b\r"}},
      {"blanks are not trimmed", "  a \n\t\n", {"  a ", "\t"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(split_lines(c.text), c.expected);
  }
}

TEST(SplitLines, ViewsIntoTheText) {
  std::string text = "first\nsecond";
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].data(), text.data());
  EXPECT_EQ(lines[1].data(), text.data() + 6);
}

}  // namespace
}  // namespace cairn
