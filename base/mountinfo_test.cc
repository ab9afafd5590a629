#include "base/mountinfo.hh"

#include <gtest/gtest.h>

namespace cairn {
namespace {

// A record as a tuple of its fields, so that a mismatch shows them all.
struct Expected {
  std::string id, parent_id, devno, root, mount_point, options, type;
  std::optional<std::string> source;
};

void expect_records(std::string_view text, const std::vector<Expected>& expected) {
  auto got = parse_mountinfo(text);
  ASSERT_EQ(got.size(), expected.size()) << text;
  for (size_t i = 0; i < got.size(); ++i) {
    const MountInfo& m = got[i];
    const Expected& e = expected[i];
    SCOPED_TRACE(testing::Message() << "record " << i << " of:\n" << text);
    EXPECT_EQ(m.id, e.id);
    EXPECT_EQ(m.parent_id, e.parent_id);
    EXPECT_EQ(m.devno, e.devno);
    EXPECT_EQ(m.root, e.root);
    EXPECT_EQ(m.mount_point, e.mount_point);
    EXPECT_EQ(m.options, e.options);
    EXPECT_EQ(m.type, e.type);
    EXPECT_EQ(m.source, e.source);
  }
}

TEST(ParseMountinfo, Lines) {
  struct Case {
    const char* what;
    std::string_view text;
    std::vector<Expected> expected;
  };
  const Case cases[] = {
      {"proc(5)'s example",
       "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n",
       {{"36", "35", "98:0", "/mnt1", "/mnt2", "rw,noatime", "ext3", "/dev/root"}}},
      {"no optional fields",
       "22 1 0:21 / /proc rw,relatime - proc proc rw\n",
       {{"22", "1", "0:21", "/", "/proc", "rw,relatime", "proc", "proc"}}},
      {"two optional fields before the separator",
       "41 1 254:1 / /boot/efi rw,relatime shared:20 master:3 - vfat /dev/vda1 rw,fmask=0077\n",
       {{"41", "1", "254:1", "/", "/boot/efi", "rw,relatime", "vfat", "/dev/vda1"}}},
      {"escaped space, tab, newline and backslash",
       "41 1 254:1 /a\\040b /boot\\040efi\\011x\\012y\\134z rw - vfat /dev/disk/by-label/my\\040disk rw\n",
       {{"41", "1", "254:1", "/a b", "/boot efi\tx\ny\\z", "rw", "vfat", "/dev/disk/by-label/my disk"}}},
      {"a backslash without three octal digits is kept",
       "41 1 254:1 / /a\\08\\1 rw - vfat \\ rw\n",
       {{"41", "1", "254:1", "/", "/a\\08\\1", "rw", "vfat", "\\"}}},
      {"several lines in order, the last without a newline",
       "22 1 0:21 / /proc rw - proc proc rw\n"
       "30 1 254:2 /var /var rw shared:1 - ext4 /dev/vda2 rw",
       {{"22", "1", "0:21", "/", "/proc", "rw", "proc", "proc"},
        {"30", "1", "254:2", "/var", "/var", "rw", "ext4", "/dev/vda2"}}},
      {"short lines and blank lines are skipped",
       "garbage\n1 2 3\n\n1 2 3 / /x\n22 1 0:21 / /proc rw - proc proc rw\n",
       {{"22", "1", "0:21", "/", "/proc", "rw", "proc", "proc"}}},
      {"a line that ends before the source",
       "40 1 8:1 / /a rw shared:1 - ext4\n"
       "41 1 8:2 / /b rw -\n"
       "42 1 8:3 / /c rw\n",
       {{"40", "1", "8:1", "/", "/a", "rw", "ext4", std::nullopt},
        {"41", "1", "8:2", "/", "/b", "rw", "", std::nullopt},
        {"42", "1", "8:3", "/", "/c", "rw", "", std::nullopt}}},
      {"runs of spaces separate like one",
       "22  1 0:21 /  /proc rw  -  proc proc rw\n",
       {{"22", "1", "0:21", "/", "/proc", "rw", "proc", "proc"}}},
      {"empty", "", {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    expect_records(c.text, c.expected);
  }
}

TEST(UnescapeOctal, Cases) {
  struct Case {
    std::string_view in, out;
  };
  const Case cases[] = {
      {"", ""},
      {"/plain", "/plain"},
      {"\\040", " "},
      {"a\\040b\\040", "a b "},
      {"\\011\\012\\134", "\t\n\\"},
      {"\\04", "\\04"},     // too short
      {"\\089", "\\089"},   // not octal
      {"\\\\040", "\\ "},   // the second backslash starts the escape
  };
  for (const Case& c : cases) EXPECT_EQ(unescape_octal(c.in), c.out) << c.in;
}

}  // namespace
}  // namespace cairn
