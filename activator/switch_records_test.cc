// The switch's records: their exact text, reading it back, and what the
// readers accept and refuse (switch_records.hh).
#include "activator/switch_records.hh"

#include <gtest/gtest.h>

#include <cstdint>

namespace cairn::activator {
namespace {

// ---- The active record ----

TEST(SwitchRecords, ActiveRoundTripsAndErrors) {
  ActiveGeneration a{12, "/run/cairn/generations/12"};
  EXPECT_EQ(format_active(a), "generation=12\nimage=/run/cairn/generations/12\n");
  auto back = parse_active(format_active(a));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, a);
  EXPECT_EQ(parse_active("image=/x\n").error().message, "no generation=N line");
  EXPECT_EQ(parse_active("generation=x\nimage=/x\n").error().message, "no generation=N line");
  EXPECT_EQ(parse_active("generation=3\n").error().message, "no image= line");
  EXPECT_EQ(parse_active("generation=3\nrubbish\n").error().message, "line 2: \"rubbish\" is not key=value");
}

TEST(SwitchRecords, ActiveAccepts) {
  struct Case {
    const char* what;
    std::string_view text;
    ActiveGeneration expected;
  };
  const Case cases[] = {
      {"no final newline", "generation=3\nimage=/x", {3, "/x"}},
      {"blank lines anywhere", "\n\ngeneration=3\n\n\nimage=/x\n\n", {3, "/x"}},
      {"the keys in either order", "image=/x\ngeneration=3\n", {3, "/x"}},
      {"unknown keys are ignored", "generation=3\nimage=/x\nflavour=mint\n", {3, "/x"}},
      {"a repeated key takes its last value", "generation=3\ngeneration=4\nimage=/x\nimage=/y\n", {4, "/y"}},
      {"the value is everything after the first '='", "generation=3\nimage=/a=b=\n", {3, "/a=b="}},
      {"leading zeros", "generation=007\nimage=/x\n", {7, "/x"}},
      {"generation 0", "generation=0\nimage=/x\n", {0, "/x"}},
      {"the largest generation", "generation=18446744073709551615\nimage=/x\n", {UINT64_MAX, "/x"}},
      {"blanks in the image stay", "generation=3\nimage=/x y \n", {3, "/x y "}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto a = parse_active(c.text);
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(*a, c.expected);
  }
}

TEST(SwitchRecords, ActiveRefuses) {
  struct Case {
    const char* what;
    std::string_view text;
    std::string_view error;
  };
  const Case cases[] = {
      {"empty text", "", "no generation=N line"},
      {"only blank lines", "\n\n", "no generation=N line"},
      {"a missing generation", "image=/x\n", "no generation=N line"},
      {"a missing image", "generation=3\n", "no image= line"},
      {"an empty generation", "generation=\nimage=/x\n", "no generation=N line"},
      {"an empty image", "generation=3\nimage=\n", "no image= line"},
      {"a relative image", "generation=3\nimage=run/x\n", "no image= line"},
      {"a plus sign", "generation=+3\nimage=/x\n", "no generation=N line"},
      {"a minus sign", "generation=-3\nimage=/x\n", "no generation=N line"},
      {"an overflowing generation", "generation=18446744073709551616\nimage=/x\n", "no generation=N line"},
      {"a blank after the number", "generation=3 \nimage=/x\n", "no generation=N line"},
      {"a carriage return after the number", "generation=3\r\nimage=/x\r\n", "no generation=N line"},
      {"a blank before the '='", "generation =3\nimage=/x\n", "no generation=N line"},
      {"a line without '='", "generation=3\nrubbish\nimage=/x\n", "line 2: \"rubbish\" is not key=value"},
      {"a line starting with '='", "=3\n", "line 1: \"=3\" is not key=value"},
      {"a lone '='", "generation=3\n=\n", "line 2: \"=\" is not key=value"},
      {"blank lines count in the line number", "\n\ngeneration=3\n\nx\n", "line 5: \"x\" is not key=value"},
      {"a line of blanks is not blank", "generation=3\n \nimage=/x\n", "line 2: \" \" is not key=value"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto a = parse_active(c.text);
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error().message, c.error);
  }
}

// ---- The in-progress record ----

TEST(SwitchRecords, OwedJobsRoundTripAndErrors) {
  OwedJobs o{5, 4, {"a.service"}, {}, {"b.service", "c.socket"}};
  EXPECT_EQ(format_owed(o), "to=5\nfrom=4\nreload=a.service\nrestart=\nstart=b.service c.socket\n");
  auto back = parse_owed(format_owed(o));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, o);
  EXPECT_EQ(parse_owed("from=4\n").error().message, "no to=N line");
  EXPECT_EQ(parse_owed("to=5\n=x\n").error().message, "line 2: \"=x\" is not key=value");
}

TEST(SwitchRecords, OwedJobsEmptyListsRoundTrip) {
  OwedJobs o{5, 4, {}, {}, {}};
  EXPECT_EQ(format_owed(o), "to=5\nfrom=4\nreload=\nrestart=\nstart=\n");
  auto back = parse_owed(format_owed(o));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, o);
}

TEST(SwitchRecords, OwedJobsAccepts) {
  struct Case {
    const char* what;
    std::string_view text;
    OwedJobs expected;
  };
  const Case cases[] = {
      {"only to=", "to=5", {5, 0, {}, {}, {}}},
      {"a missing from= is 0", "to=5\nreload=a\n", {5, 0, {"a"}, {}, {}}},
      // Only `to` is needed to finish the jobs; `from` is informative.
      {"an unreadable from= is 0", "to=5\nfrom=x\n", {5, 0, {}, {}, {}}},
      {"a signed from= is 0", "to=5\nfrom=-4\n", {5, 0, {}, {}, {}}},
      {"an overflowing from= is 0", "to=5\nfrom=18446744073709551616\n", {5, 0, {}, {}, {}}},
      {"empty lists", "to=5\nfrom=4\nreload=\nrestart=\nstart=\n", {5, 4, {}, {}, {}}},
      {"a list of spaces is empty", "to=5\nrestart=   \n", {5, 0, {}, {}, {}}},
      {"several spaces between words", "to=5\nstart=  a.service   b.service  \n",
       {5, 0, {}, {}, {"a.service", "b.service"}}},
      {"only spaces separate words", "to=5\nstart=a\tb c=d\n", {5, 0, {}, {}, {"a\tb", "c=d"}}},
      {"blank lines anywhere", "\nto=5\n\n\nfrom=4\n\n", {5, 4, {}, {}, {}}},
      {"a repeated key takes its last value", "to=5\nto=6\nreload=a\nreload=b\n", {6, 0, {"b"}, {}, {}}},
      {"unknown keys are ignored", "to=5\nstop=a.service\n", {5, 0, {}, {}, {}}},
      {"leading zeros", "to=05\nfrom=004\n", {5, 4, {}, {}, {}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto o = parse_owed(c.text);
    ASSERT_TRUE(o) << o.error().message;
    EXPECT_EQ(*o, c.expected);
  }
}

TEST(SwitchRecords, OwedJobsRefuses) {
  struct Case {
    const char* what;
    std::string_view text;
    std::string_view error;
  };
  const Case cases[] = {
      {"empty text", "", "no to=N line"},
      {"a missing to=", "from=4\nreload=a\n", "no to=N line"},
      {"an empty to=", "to=\n", "no to=N line"},
      {"a plus sign", "to=+5\n", "no to=N line"},
      {"a minus sign", "to=-5\n", "no to=N line"},
      {"an overflowing to=", "to=18446744073709551616\n", "no to=N line"},
      {"a line without '='", "to=5\nfrom=4\nreload a.service\n", "line 3: \"reload a.service\" is not key=value"},
      {"a line starting with '='", "to=5\n=x\n", "line 2: \"=x\" is not key=value"},
      {"blank lines count in the line number", "\nto=5\n\nstart\n", "line 4: \"start\" is not key=value"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto o = parse_owed(c.text);
    ASSERT_FALSE(o);
    EXPECT_EQ(o.error().message, c.error);
  }
}

}  // namespace
}  // namespace cairn::activator
