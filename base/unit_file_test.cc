// Tests of the unit-file reader (unit_file.hh).
#include "base/unit_file.hh"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace cairn {
namespace {

TEST(UnitFileTest, ReadsSectionsContinuationsCommentsAndRepeatedKeys) {
  auto f = UnitFile::parse(
      "# comment\n"
      "[Unit]\n"
      "Description=Discard unused blocks\n"
      "\n"
      "[Install]\n"
      "WantedBy = multi-user.target \\\n"
      "# a comment inside the continuation\n"
      "    graphical.target\n"
      "; another comment\n"
      "WantedBy=timers.target\n"
      "Alias=a.service\n"
      "Alias=\n"
      "Alias=b.service c.service\n"
      "DefaultInstance=tty1\n",
      "fstrim.timer");
  ASSERT_TRUE(f.has_value()) << f.error().message;
  EXPECT_EQ(f->words("Install", "WantedBy"),
            (std::vector<std::string>{"multi-user.target", "graphical.target", "timers.target"}));
  EXPECT_EQ(f->words("Install", "Alias"), (std::vector<std::string>{"b.service", "c.service"}));
  EXPECT_EQ(f->value("Install", "DefaultInstance"), "tty1");
  EXPECT_EQ(f->value("Unit", "Description"), "Discard unused blocks");
  EXPECT_EQ(f->value("Install", "RequiredBy"), "");
  EXPECT_EQ(f->entries()[1].line, 6u);
}

TEST(UnitFileTest, AContinuationOfNothingIsABlankLine) {
  // A lone backslash followed by a blank line (or the end) once read one
  // character before an empty string.
  for (std::string text : {"[Unit]\n\\\n\nA=b\n", "[Unit]\n  \\  \n", "[Unit]\n\\"}) {
    auto f = UnitFile::parse(text, "u.service");
    ASSERT_TRUE(f.has_value()) << f.error().message;
    EXPECT_LE(f->entries().size(), 1u);
  }
}

TEST(UnitFileTest, ErrorsNameTheFileAndLine) {
  struct Case {
    std::string text, error;
  };
  for (const Case& c : std::vector<Case>{
           {"WantedBy=x\n", "u.service: line 1: `WantedBy=x` comes before the first [Section]"},
           {"[Install\n", "u.service: line 1: the section header `[Install` has no closing `]`"},
           {"[Install]\nWantedBy\n", "u.service: line 2: `WantedBy` is not a `Key=Value` line"},
       }) {
    auto f = UnitFile::parse(c.text, "u.service");
    ASSERT_FALSE(f.has_value()) << c.text;
    EXPECT_EQ(f.error().message, c.error);
  }
}

TEST(UnitFileTest, ExpandsTheUnitNameSpecifiers) {
  EXPECT_EQ(expand_unit_specifiers("%p-%i.socket %n %N %j 100%%", "serial-getty@ttyS0.service"),
            "serial-getty-ttyS0.socket serial-getty@ttyS0.service serial-getty@ttyS0 getty 100%");
  EXPECT_EQ(expand_unit_specifiers("%H stays", "a.service"), "%H stays");
}

}  // namespace
}  // namespace cairn
