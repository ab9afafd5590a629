#include "base/decimal.hh"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>

namespace cairn {
namespace {

TEST(ParseDecimal, Cases) {
  struct Case {
    const char* what;
    std::string_view text;
    std::optional<uint64_t> expected;
  };
  const Case cases[] = {
      {"one digit", "5", 5},
      {"zero", "0", 0},
      {"several digits", "1234567890", 1234567890},
      {"leading zeros are accepted", "007", 7},
      {"the largest uint64_t", "18446744073709551615", UINT64_MAX},
      {"the largest uint64_t with leading zeros", "00018446744073709551615", UINT64_MAX},
      {"one above the largest overflows", "18446744073709551616", std::nullopt},
      {"far above the largest overflows", "99999999999999999999999", std::nullopt},
      {"the empty string", "", std::nullopt},
      {"a plus sign", "+5", std::nullopt},
      {"a minus sign", "-5", std::nullopt},
      {"a lone sign", "-", std::nullopt},
      {"a leading blank", " 5", std::nullopt},
      {"a trailing blank", "5 ", std::nullopt},
      {"a trailing newline", "5\n", std::nullopt},
      {"a trailing letter", "5x", std::nullopt},
      {"hexadecimal", "0x10", std::nullopt},
      {"an exponent", "1e3", std::nullopt},
      {"a decimal point", "5.0", std::nullopt},
      {"a digit separator", "1,000", std::nullopt},
      {"a non-ASCII digit (U+0665, Arabic-Indic five)", "\xd9\xa5", std::nullopt},
      {"a NUL after the digits", std::string_view("5\0", 2), std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(parse_decimal<uint64_t>(c.text), c.expected);
  }
}

TEST(ParseDecimal, OverflowDependsOnTheType) {
  EXPECT_EQ(parse_decimal<uint8_t>("255"), uint8_t{255});
  EXPECT_EQ(parse_decimal<uint8_t>("256"), std::nullopt);
  EXPECT_EQ(parse_decimal<uint32_t>("4294967295"), uint32_t{4294967295u});
  EXPECT_EQ(parse_decimal<uint32_t>("4294967296"), std::nullopt);
  EXPECT_EQ(parse_decimal<uint64_t>("4294967296"), uint64_t{4294967296u});
}

TEST(ParseDecimal, ReadsOnlyTheView) {
  // A view into a longer buffer: the digits after it are not read.
  std::string_view text = std::string_view("12345").substr(0, 2);
  EXPECT_EQ(parse_decimal<uint64_t>(text), uint64_t{12});
}

}  // namespace
}  // namespace cairn
