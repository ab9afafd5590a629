#include "bootloader/menu.hh"

#include <gtest/gtest.h>

namespace cairn::bootloader {
namespace {

TEST(Menu, VersionOrderIsSystemds) {
  struct Case {
    std::optional<std::string_view> a, b;
    int sign;
  };
  const Case cases[] = {
      {"1", "2", -1},
      {"10", "9", 1},
      {"007", "7", 0},                  // leading zeros do not count
      {"00000008", "00000007", 1},
      {"1.0", "1", 1},                  // more segments is newer
      {"1~rc1", "1", -1},               // '~' is a pre-release
      {"1-1", "1.1", -1},               // '-' before '.'
      {"1^1", "1.1", -1},               // '^' before '.'
      {"1-1", "1^1", -1},               // '-' before '^'
      {"123a", "123.a", 1},
      {"a", "b", -1},
      {"abc", "abcde", -1},
      {"6.1.0-50-amd64", "6.1.0-9-amd64", 1},
      {std::nullopt, "", -1},           // unset before empty
      {"", "1", -1},
      {std::nullopt, std::nullopt, 0},
  };
  for (const auto& c : cases) {
    int got = compare_versions(c.a, c.b);
    EXPECT_EQ((got > 0) - (got < 0), c.sign) << c.a.value_or("<unset>") << " vs " << c.b.value_or("<unset>");
    int back = compare_versions(c.b, c.a);
    EXPECT_EQ((back > 0) - (back < 0), -c.sign);
  }
}

TEST(Menu, GlobMatchesLikeEfiFnmatch) {
  struct Case {
    std::string_view pattern, id;
    bool match;
  };
  const Case cases[] = {
      {"cairn-*", "cairn-7+2-1.conf", true},
      {"cairn-*", "debian-6.1.conf", false},
      {"cairn-7.conf", "cairn-7.conf", true},
      {"cairn-7.conf", "cairn-7+2-1.conf", false},
      {"a?c", "abc", true},
      {"a?c", "ac", false},
      {"a\\*c", "a*c", true},
      {"a\\*c", "abc", false},
      {"[!0]", "!", true},   // no negation in systemd-boot: '!' is a member
      {"[!0]", "1", false},
      {"[a-c-f]", "-", true},  // ranges do not chain
      {"[a-c-f]", "e", false},
      {"*.conf", "x.conf", true},
      {"*-1.conf", "cairn-7+2-1.conf", true},
      {"*", "", true},
  };
  for (const auto& c : cases) EXPECT_EQ(glob_match(c.pattern, c.id), c.match) << c.pattern << " vs " << c.id;
}

TEST(Menu, PinnedDefaultPatternSkipsBadEntries) {
  std::string pinned = default_pattern(7);
  EXPECT_EQ(pinned, "cairn-7[+.][1-9c]*");
  EXPECT_TRUE(glob_match(pinned, "cairn-7.conf"));
  EXPECT_TRUE(glob_match(pinned, "cairn-7+2-1.conf"));
  EXPECT_FALSE(glob_match(pinned, "cairn-7+0-3.conf"));
  EXPECT_FALSE(glob_match(pinned, "cairn-70.conf"));
  EXPECT_FALSE(glob_match(pinned, "cairn-17.conf"));
  EXPECT_EQ(default_pattern(std::nullopt), "cairn-*");
  std::string once = oneshot_pattern(7);
  EXPECT_EQ(once, "cairn-7[+.]*");
  EXPECT_TRUE(glob_match(once, "cairn-7+0-3.conf"));
  EXPECT_TRUE(glob_match(once, "cairn-7.conf"));
  EXPECT_FALSE(glob_match(once, "cairn-70.conf"));
}

MenuEntry cairn(uint64_t generation, std::optional<BootCounter> counter = std::nullopt) {
  MenuEntry m;
  m.id = entry_file_name(generation, counter);
  m.sort_key = std::string(kSortKey);
  m.version = version_for(generation);
  m.counter = counter;
  m.generation = generation;
  return m;
}

std::vector<std::string> ids(const std::vector<MenuEntry>& menu) {
  std::vector<std::string> out;
  for (const auto& m : menu) out.push_back(m.id);
  return out;
}

TEST(Menu, BadEntriesSortLastThenNewestFirst) {
  MenuEntry legacy;  // no sort-key: after every entry with one
  legacy.id = "zzz.conf";
  MenuEntry other = cairn(1);
  other.id = "arch.conf", other.sort_key = "arch", other.generation.reset();
  std::vector<MenuEntry> menu = {cairn(2), cairn(9, BootCounter{0, 3}), legacy, cairn(3, BootCounter{2, 1}),
                                 other, cairn(10)};
  sort_menu(menu);
  EXPECT_EQ(ids(menu), (std::vector<std::string>{"arch.conf", "cairn-10.conf", "cairn-3+2-1.conf", "cairn-2.conf",
                                                 "zzz.conf", "cairn-9+0-3.conf"}));
}

TEST(Menu, DefaultFollowsTheSystemdBootOrderOfPrecedence) {
  std::vector<MenuEntry> menu = {cairn(8, BootCounter{2, 1}), cairn(7), cairn(9, BootCounter{0, 3})};
  sort_menu(menu);
  Selection s;
  EXPECT_EQ(select_default(menu, s), 0u);  // no pattern at all: the first entry
  s.default_config = default_pattern(std::nullopt);
  EXPECT_EQ(menu[*select_default(menu, s)].generation, 8u);
  s.default_config = default_pattern(7);
  EXPECT_EQ(menu[*select_default(menu, s)].generation, 7u);
  s.default_config = default_pattern(9);  // bad: no match, the first entry boots
  EXPECT_EQ(menu[*select_default(menu, s)].generation, 8u);
  s.default_efivar = "CAIRN-7.CONF";  // the EFI variable wins, case-insensitively
  EXPECT_EQ(menu[*select_default(menu, s)].generation, 7u);
  s.default_efivar = "@saved";
  s.last_booted = "cairn-9+0-3.conf";
  EXPECT_EQ(menu[*select_default(menu, s)].generation, 9u);
  EXPECT_EQ(select_oneshot(menu, s), std::nullopt);
  s.oneshot = oneshot_pattern(9);
  EXPECT_EQ(menu[*select_oneshot(menu, s)].generation, 9u);
  EXPECT_EQ(select_default({}, s), std::nullopt);
}

}  // namespace
}  // namespace cairn::bootloader
