#include "activator/cmdline.hh"

#include <gtest/gtest.h>

namespace cairn::activator {
namespace {

using Words = std::vector<CmdlineWord>;
CmdlineWord w(std::string name) { return {std::move(name), std::nullopt}; }
CmdlineWord w(std::string name, std::string value) { return {std::move(name), std::move(value)}; }

struct SplitCase {
  const char* text;
  Words words;
};

// Each expectation is what the kernel's next_arg() makes of the line.
TEST(SplitCmdline, SplitsLikeTheKernel) {
  const SplitCase cases[] = {
      {"", {}},
      {"   \n", {}},
      {"quiet", {w("quiet")}},
      {"console=ttyS0 quiet\n", {w("console", "ttyS0"), w("quiet")}},
      {"  a=1\t b=2  ", {w("a", "1"), w("b", "2")}},
      {"a=b=c", {w("a", "b=c")}},
      {"a=", {w("a", "")}},
      // Quotes around the value or the whole word are removed; white space
      // inside them does not split.
      {"cairn.state=\"LABEL=my disk\" x", {w("cairn.state", "LABEL=my disk"), w("x")}},
      {"\"a=b c\" d", {w("a", "b c"), w("d")}},
      {"\"quoted flag\"", {w("quoted flag")}},
      // Quotes elsewhere stay.
      {"a=\"b c\"d e", {w("a", "b c\"d"), w("e")}},
      {"a=x\"y z\"", {w("a", "x\"y z\"")}},
      // An unclosed quote runs to the end of the line.
      {"a=\"b c", {w("a", "b c")}},
      {"a=\"", {w("a", "")}},
      // '=' at the very start does not count as the separator.
      {"=x", {w("=x")}},
      {"=a=b", {w("=a", "b")}},
      // Words after "--" are init's, and the activator is init.
      {"quiet -- cairn.shell", {w("quiet"), w("--"), w("cairn.shell")}},
  };
  for (const SplitCase& c : cases) EXPECT_EQ(split_cmdline(c.text), c.words) << "text: " << c.text;
}

TEST(ParseCmdline, Defaults) {
  auto got = parse_cmdline("BOOT_IMAGE=/vmlinuz root=/dev/sda1 quiet\n");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, Cmdline{});
  EXPECT_FALSE(got->generation);
  EXPECT_EQ(got->state.to_string(), "LABEL=cairn-state");
  EXPECT_EQ(got->timeout, 30u);
  EXPECT_FALSE(got->debug);
  EXPECT_FALSE(got->shell);
}

TEST(ParseCmdline, EveryWord) {
  auto got = parse_cmdline(
      "console=ttyS0 cairn.generation=12 cairn.state=PARTUUID=0FC63DAF-8483 cairn.debug cairn.shell=1 "
      "cairn.timeout=5 init=/bin/sh panic=10\n");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->generation, 12u);
  EXPECT_EQ(got->state, (DeviceTag{"PARTUUID", "0FC63DAF-8483"}));
  EXPECT_TRUE(got->debug);
  EXPECT_TRUE(got->shell);
  EXPECT_EQ(got->timeout, 5u);
  EXPECT_EQ(got->init, "/bin/sh");
}

TEST(ParseCmdline, LaterWordsWin) {
  auto got = parse_cmdline("cairn.generation=1 cairn.debug cairn.generation=2 cairn.debug=off");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->generation, 2u);
  EXPECT_FALSE(got->debug);
}

TEST(ParseCmdline, QuotedLabel) {
  auto got = parse_cmdline("cairn.state=\"LABEL=my state\" cairn.generation=\"3\"");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->state, (DeviceTag{"LABEL", "my state"}));
  EXPECT_EQ(got->generation, 3u);
}

struct ErrorCase {
  const char* text;
  const char* error;
};

TEST(ParseCmdline, Errors) {
  const ErrorCase cases[] = {
      {"cairn.generation=x", "cairn.generation=x: not a generation number"},
      {"cairn.generation=", "cairn.generation=: not a generation number"},
      {"cairn.generation", "cairn.generation: not a generation number"},
      {"cairn.generation=-1", "cairn.generation=-1: not a generation number"},
      {"cairn.generation=+1", "cairn.generation=+1: not a generation number"},
      {"cairn.generation=18446744073709551616", "cairn.generation=18446744073709551616: not a generation number"},
      {"cairn.timeout=-1", "cairn.timeout=-1: not a number of seconds"},
      {"cairn.timeout=1.5", "cairn.timeout=1.5: not a number of seconds"},
      {"cairn.timeout=4294967296", "cairn.timeout=4294967296: not a number of seconds"},
      {"cairn.state=/dev/vda2", "cairn.state=/dev/vda2: expected LABEL=…, UUID=… or PARTUUID=…, not \"/dev/vda2\""},
      {"cairn.state", "cairn.state: expected LABEL=…, UUID=… or PARTUUID=…, not \"\""},
      {"cairn.state=label=x", "cairn.state=label=x: expected LABEL=…, UUID=… or PARTUUID=…, not \"label=x\""},
      {"cairn.state=LABEL=", "cairn.state=LABEL=: the label is empty"},
      {"cairn.state=UUID=", "cairn.state=UUID=: the UUID is empty"},
      {"cairn.debug=maybe", "cairn.debug=maybe: expected no value or one of 1, yes, true, on, 0, no, false, off"},
      {"init=sbin/init", "init=sbin/init: not an absolute path"},
      // Every bad word is reported.
      {"cairn.generation=a cairn.timeout=b",
       "cairn.generation=a: not a generation number; cairn.timeout=b: not a number of seconds"},
  };
  for (const ErrorCase& c : cases) {
    auto got = parse_cmdline(c.text);
    ASSERT_FALSE(got) << "text: " << c.text;
    EXPECT_EQ(got.error().message, c.error) << "text: " << c.text;
  }
}

TEST(ParseCmdline, OtherWordsAreIgnored) {
  // Words that merely start like ours are someone else's.
  auto got = parse_cmdline("cairn.generations=x cairn=1 xcairn.debug cairn.debugger");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, Cmdline{});
}

TEST(CmdlineFlag, ReadsOneFlagOfABrokenLine) {
  EXPECT_TRUE(cmdline_flag("cairn.generation=x cairn.shell", "cairn.shell"));
  EXPECT_TRUE(cmdline_flag("cairn.shell=yes", "cairn.shell"));
  EXPECT_FALSE(cmdline_flag("cairn.shell cairn.shell=0", "cairn.shell"));
  EXPECT_FALSE(cmdline_flag("cairn.shell=bogus", "cairn.shell"));
  EXPECT_FALSE(cmdline_flag("quiet", "cairn.shell"));
}

TEST(SplitCmdline, SurvivesArbitraryBytes) {
  // What a fuzzer would try first: no crash, no hang, nothing invented.
  std::string text;
  for (int i = 0; i < 256; ++i) text += static_cast<char>(i);
  text += "\"\"=\"=\" \"";
  size_t total = 0;
  for (const CmdlineWord& word : split_cmdline(text)) total += word.name.size() + word.value.value_or("").size();
  EXPECT_LE(total, text.size());
  (void)parse_cmdline(text);
}

}  // namespace
}  // namespace cairn::activator
