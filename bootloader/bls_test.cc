#include "bootloader/bls.hh"

#include <gtest/gtest.h>

namespace cairn::bootloader {
namespace {

const std::string kKernelHash(64, 'a');
const std::string kInitrdHash(64, 'b');

BootEntry sample_entry() {
  BootEntry e;
  e.generation = 7;
  e.title = "vm — generation 7 (2026-11-21, 6.1.0-50-amd64)";
  e.version = "00000007";
  e.kernel = "/cairn/" + kKernelHash + "-kernel";
  e.initrd = "/cairn/" + kInitrdHash + "-initrd";
  e.options = "cairn.generation=7 cairn.state=LABEL=cairn-state console=ttyS0";
  e.tries_left = 3;
  return e;
}

TEST(Bls, EntryFileTextGolden) {
  BootEntry e = sample_entry();
  EXPECT_EQ(format_entry(e),
            "title vm — generation 7 (2026-11-21, 6.1.0-50-amd64)\n"
            "version 00000007\n"
            "sort-key cairn\n"
            "linux /cairn/" + kKernelHash + "-kernel\n"
            "initrd /cairn/" + kInitrdHash + "-initrd\n"
            "options cairn.generation=7 cairn.state=LABEL=cairn-state console=ttyS0\n");
  EXPECT_EQ(entry_file_name(7, BootCounter{3, 0}), "cairn-7+3-0.conf");
  EXPECT_EQ(entry_file_name(7, std::nullopt), "cairn-7.conf");
  EXPECT_EQ(version_for(7), "00000007");
}

TEST(Bls, EntryReadsBackAsWritten) {
  BootEntry e = sample_entry();
  auto back = parse_entry(format_entry(e), entry_file_name(7, BootCounter{3, 0}));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, e);
  EXPECT_EQ(back->state(), EntryState::trial);
}

TEST(Bls, EntryStatesHaveNames) {
  EXPECT_EQ(to_string(EntryState::good), "good");
  EXPECT_EQ(to_string(EntryState::trial), "trial");
  EXPECT_EQ(to_string(EntryState::bad), "bad");
}

struct CounterCase {
  std::string name;
  std::string stem;
  std::optional<BootCounter> counter;
};

TEST(Bls, CountersParseLikeSystemdBoot252) {
  const CounterCase cases[] = {
      {"cairn-7.conf", "cairn-7", std::nullopt},
      {"cairn-7+3.conf", "cairn-7", BootCounter{3, 0}},
      {"cairn-7+3-0.conf", "cairn-7", BootCounter{3, 0}},
      {"cairn-7+03-00.conf", "cairn-7", BootCounter{3, 0}},  // leading zeros are accepted
      {"cairn-7+0-3.conf", "cairn-7", BootCounter{0, 3}},
      {"cairn-7+2147483647-0.conf", "cairn-7", BootCounter{2147483647, 0}},
      {"cairn-7+2147483648.conf", "cairn-7+2147483648", std::nullopt},  // above INT_MAX: no counter
      {"cairn-7+x.conf", "cairn-7+x", std::nullopt},
      {"cairn-7+3-.conf", "cairn-7+3-", std::nullopt},
      {"cairn-7+3-1-2.conf", "cairn-7+3-1-2", std::nullopt},  // not directly before ".conf"
      {"a+b+2-1.conf", "a+b", BootCounter{2, 1}},             // the last '+' counts
      {"cairn-7+3.CONF", "cairn-7+3", std::nullopt},          // the suffix must be ".conf" exactly
  };
  for (const auto& c : cases) {
    auto got = split_entry_name(c.name);
    EXPECT_EQ(got.stem, c.stem) << c.name;
    EXPECT_EQ(got.counter, c.counter) << c.name;
  }
}

TEST(Bls, SystemdBootRenamesDropZeroPadding) {
  // 252 renames with "%u-%u": a padded counter changes length on the first boot.
  EXPECT_EQ(name_after_boot("cairn-7+03-00.conf"), "cairn-7+2-1.conf");
  EXPECT_EQ(name_after_boot("cairn-7+3.conf"), "cairn-7+2-1.conf");
  EXPECT_EQ(name_after_boot("cairn-7+0-3.conf"), "cairn-7+0-4.conf");
  EXPECT_EQ(name_after_boot("cairn-7.conf"), std::nullopt);
}

TEST(Bls, OneDigitCountersKeepTheNameLengthThroughEveryBoot) {
  for (uint32_t tries = 1; tries <= kMaxTries; ++tries) {
    std::string name = entry_file_name(12, BootCounter{tries, 0});
    for (uint32_t boot = 1; boot <= tries; ++boot) {
      auto next = name_after_boot(name);
      ASSERT_TRUE(next);
      EXPECT_EQ(next->size(), name.size()) << name << " -> " << *next;
      name = *next;
    }
    EXPECT_EQ(name, entry_file_name(12, BootCounter{0, tries}));
  }
}

TEST(Bls, ParsesCommentsTabsQuotesAndRepeatedOptions) {
  std::string text =
      "# cairn generation 3\n"
      "\n"
      "title\t\"vm — generation 3\"\n"
      "  linux   /cairn/k  \n"
      "machine-id 0123456789abcdef0123456789abcdef\n"
      "future-key whatever\n"
      "options cairn.generation=3\n"
      "options quiet\n";
  auto e = parse_entry(text, "/boot/loader/entries/cairn-3+0-3.conf");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->generation, 3u);
  EXPECT_EQ(e->title, "vm — generation 3");
  EXPECT_EQ(e->kernel, "/cairn/k");
  EXPECT_EQ(e->initrd, "");
  EXPECT_EQ(e->options, "cairn.generation=3 quiet");
  EXPECT_EQ(e->tries_left, 0u);
  EXPECT_EQ(e->tries_done, 3u);
  EXPECT_EQ(e->state(), EntryState::bad);
}

struct ErrorCase {
  std::string filename;
  std::string text;
  std::string error;
};

TEST(Bls, ParseErrorsNameFileAndLine) {
  using namespace std::string_literals;
  const ErrorCase cases[] = {
      {"cairn-7.conf", "title a\n", "cairn-7.conf: no `linux' line"},
      {"cairn-7.conf", "linux /k\nlinux /k2\n", "cairn-7.conf:2: second `linux' (the first is on line 1)"},
      {"cairn-7.conf", "linux /k\ninitrd /a\ninitrd /b\n", "cairn-7.conf:3: second `initrd' (the first is on line 2)"},
      {"cairn-7.conf", "title\nlinux /k\n", "cairn-7.conf:1: `title' has no value"},
      {"cairn-7.conf", "linux /k\x01\n", "cairn-7.conf:1: control character U+0001"},
      {"cairn-7.conf", "linux /k\r\n", "cairn-7.conf:1: control character U+000D"},
      {"cairn-7.conf", "title a\nlinux /k\0x\n"s, "cairn-7.conf:2: control character U+0000"},
      {"cairn-7.conf", "title \xff\nlinux /k\n", "cairn-7.conf:1: invalid UTF-8"},
      {"cairn-7.conf", "title \xc0\xaf\nlinux /k\n", "cairn-7.conf:1: invalid UTF-8"},  // overlong '/'
      {"cairn-7.conf", "linux /k\nefi /x.efi\n",
       "cairn-7.conf:2: `efi' is not for cairn entries, which boot a kernel with `linux'"},
      {"cairn-7.conf", "linux /k\noptions cairn.generation=8\n",
       "cairn-7.conf:2: options say cairn.generation=8, but the file name says generation 7"},
      {"cairn-7.conf", "linux /k\noptions cairn.generation=07\n",
       "cairn-7.conf:2: options say cairn.generation=07, but the file name says generation 7"},
      {"cairn-07.conf", "linux /k\n", "cairn-07.conf: generation `07' has leading zeros"},
      {"cairn-x.conf", "linux /k\n", "cairn-x.conf: generation `x' is not a number"},
      {"cairn-.conf", "linux /k\n", "cairn-.conf: generation `' is not a number"},
      {"cairn-99999999999999999999.conf", "linux /k\n",
       "cairn-99999999999999999999.conf: generation `99999999999999999999' is too large"},
      {"cairn-7+x.conf", "linux /k\n",
       "cairn-7+x.conf: malformed boot counter `+x' (+LEFT or +LEFT-DONE, each at most 2147483647)"},
      {"cairn-7+3-.conf", "linux /k\n",
       "cairn-7+3-.conf: malformed boot counter `+3-' (+LEFT or +LEFT-DONE, each at most 2147483647)"},
      {"other.conf", "linux /k\n", "other.conf: not a cairn entry name (cairn-<N>[+LEFT[-DONE]].conf)"},
      {"/esp/loader/entries/cairn-7.conf", "", "/esp/loader/entries/cairn-7.conf: no `linux' line"},
  };
  for (const auto& c : cases) {
    auto got = parse_entry(c.text, c.filename);
    ASSERT_FALSE(got) << c.filename << ": " << c.text;
    EXPECT_EQ(got.error().message, c.error);
  }
}

TEST(Bls, CheckEntryRefusesWhatWouldNotReadBack) {
  struct Case {
    void (*change)(BootEntry&);
    std::string error;
  };
  const Case cases[] = {
      {[](BootEntry& e) { e.title = "a\nlinux /evil"; }, "generation 7: title has a control character (U+000A)"},
      {[](BootEntry& e) { e.title = " padded"; }, "generation 7: title starts or ends with a blank"},
      {[](BootEntry& e) { e.title = "\"quoted\""; }, "generation 7: title is in double quotes, which systemd-boot strips"},
      {[](BootEntry& e) { e.options = "quiet \xff"; }, "generation 7: options is not valid UTF-8"},
      {[](BootEntry& e) { e.kernel = ""; }, "generation 7: no kernel"},
      {[](BootEntry& e) { e.version = "6.1.0"; },
       "generation 7: version `6.1.0' does not sort like the generation (write `00000007' or leave it empty)"},
      {[](BootEntry& e) { e.options = "cairn.generation=8"; }, "generation 7: options say cairn.generation=8"},
      {[](BootEntry& e) { e.tries_left = 12; },
       "generation 7: 12 tries left and 0 done make more than 9: with one digit each, systemd-boot's renames "
       "keep the file name's length"},
      {[](BootEntry& e) { e.tries_left = std::nullopt, e.tries_done = 2; },
       "generation 7: 2 tries done but no tries left: a good entry has no counter"},
  };
  for (const auto& c : cases) {
    BootEntry e = sample_entry();
    c.change(e);
    auto got = check_entry(e);
    ASSERT_FALSE(got) << c.error;
    EXPECT_EQ(got.error().message, c.error);
  }
  BootEntry fine = sample_entry();
  fine.version = "7";  // leading zeros are optional
  EXPECT_TRUE(check_entry(fine));
}

TEST(Bls, SystemdBootReadingIsLenient) {
  using namespace std::string_literals;
  // '\r' ends a line, a key alone is skipped, the last title wins, options
  // join, and nothing after a NUL is read.
  auto f = read_bls_fields("title one\rtitle two\nsort-key\ninitrd /a\ninitrd /b\noptions x\noptions y\n\0linux /k\n"s);
  EXPECT_EQ(f.title, "two");
  EXPECT_EQ(f.sort_key, std::nullopt);
  EXPECT_EQ(f.initrds, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(f.options, "x y");
  EXPECT_EQ(f.linux_path, std::nullopt);
}

}  // namespace
}  // namespace cairn::bootloader
