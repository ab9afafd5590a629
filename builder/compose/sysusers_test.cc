// sysusers.d parsing: the line forms Debian's packages use (systemd's
// basic.conf, systemd-journal.conf, systemd-network.conf, dbus.conf) and
// the errors for broken lines.
#include "builder/compose/sysusers.hh"

#include <gtest/gtest.h>

namespace cairn::compose {
namespace {

using Type = SysusersEntry::Type;

std::vector<SysusersEntry> parse_ok(std::string_view text) {
  auto r = parse_sysusers(text, "x.conf");
  EXPECT_TRUE(r) << r.error().message;
  return r ? *r : std::vector<SysusersEntry>{};
}

TEST(SysUsersParseTest, DebianBasicConfLines) {
  auto e = parse_ok(
      "# generated from /usr/share/base-passwd/{passwd,group}.master\n"
      "g adm        4     -\n"
      "\n"
      "u root       0       - /root                /bin/bash\n"
      "u sync       4:65534 - /bin                 /bin/sync\n"
      "u _apt       42:65534 - /nonexistent         /usr/sbin/nologin\n");
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].type, Type::group);
  EXPECT_EQ(e[0].name, "adm");
  EXPECT_EQ(e[0].id, 4u);
  EXPECT_EQ(e[0].line, 2u);
  EXPECT_EQ(e[1].type, Type::user);
  EXPECT_EQ(e[1].id, 0u);
  EXPECT_FALSE(e[1].gid);
  EXPECT_EQ(e[1].group, "");
  EXPECT_EQ(e[1].gecos, "");
  EXPECT_EQ(e[1].home, "/root");
  EXPECT_EQ(e[1].shell, "/bin/bash");
  EXPECT_EQ(e[2].id, 4u);
  EXPECT_EQ(e[2].gid, 65534u);
  EXPECT_EQ(e[3].line, 6u);
}

TEST(SysUsersParseTest, QuotedGecosAndDefaultsOfOmittedFields) {
  auto e = parse_ok("u systemd-network - \"systemd Network Management\"\n"
                    "u root2 0 'Super \\\"user\\\"'\n"
                    "g systemd-journal - -\n");
  ASSERT_EQ(e.size(), 3u);
  EXPECT_FALSE(e[0].id);
  EXPECT_EQ(e[0].gecos, "systemd Network Management");
  EXPECT_EQ(e[0].home, "/");
  EXPECT_EQ(e[0].shell, "/usr/sbin/nologin");
  EXPECT_EQ(e[1].gecos, "Super \"user\"");
  EXPECT_EQ(e[1].shell, "/bin/sh");  // uid 0 gets a shell
  EXPECT_EQ(e[2].type, Type::group);
  EXPECT_FALSE(e[2].id);
}

TEST(SysUsersParseTest, PrimaryGroupByNameMembersRangesAndPaths) {
  auto e = parse_ok("u web -:www-data \"Web\"\n"
                    "m web adm\n"
                    "r - 500-900\n"
                    "u authd /usr/bin/authd\n"
                    "g grp /etc/x\n");
  ASSERT_EQ(e.size(), 4u);
  EXPECT_FALSE(e[0].id);
  EXPECT_EQ(e[0].group, "www-data");
  EXPECT_EQ(e[1].type, Type::member);
  EXPECT_EQ(e[1].name, "web");
  EXPECT_EQ(e[1].group, "adm");
  EXPECT_FALSE(e[2].id);  // a path: allocated
  EXPECT_FALSE(e[3].id);
}

TEST(SysUsersParseTest, Errors) {
  struct Case {
    std::string_view text;
    std::string_view message;
  };
  const Case cases[] = {
      {"x foo -\n", "x.conf:1: unknown line type 'x' (expected u, g, m or r)"},
      {"# c\nu\n", "x.conf:2: a line needs at least a type and a name"},
      {"u a - \"b\" / /bin/sh extra\n", "x.conf:1: unexpected text after the shell: \"extra\""},
      {"u a \"oops\n", "x.conf:1: unterminated double quote"},
      {"u a 12x\n", "x.conf:1: invalid uid \"12x\" for user a"},
      {"u a 5:\n", "x.conf:1: \"5:\" names no group after the colon"},
      {"g a abc\n", "x.conf:1: invalid gid \"abc\" for group a"},
      {"g a - \"gecos\"\n", "x.conf:1: 'g' lines take no GECOS, home or shell, but this one has \"gecos\""},
      {"m a\n", "x.conf:1: 'm' line for a names no group"},
      {"u - 5\n", "x.conf:1: a 'u' line needs a name"},
  };
  for (const Case& c : cases) {
    auto r = parse_sysusers(c.text, "x.conf");
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().message, c.message);
  }
}

}  // namespace
}  // namespace cairn::compose
