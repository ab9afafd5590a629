// Tests of the maintainer-script parser (script_shell.hh) and of the walk's
// value logic (script_walk.hh): the shell constructs Debian's scripts use,
// and the errors for what does not parse.
#include "builder/compose/script_shell.hh"

#include <gtest/gtest.h>

#include "builder/compose/script_walk.hh"

namespace cairn::compose::shell {
namespace {

NodePtr parse_ok(std::string_view text) {
  auto r = parse(text, "postinst");
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? std::move(*r) : nullptr;
}

// The simple commands of a tree in source order, as "line: text".
void commands(const Node& n, std::vector<std::string>& out) {
  if (n.kind == Node::Kind::command) out.push_back(std::to_string(n.line) + ": " + n.text);
  for (const auto& c : n.children) commands(*c, out);
  for (const auto& item : n.items)
    if (item.body) commands(*item.body, out);
}

std::vector<std::string> commands_of(std::string_view text) {
  std::vector<std::string> out;
  if (auto tree = parse_ok(text)) commands(*tree, out);
  return out;
}

TEST(ScriptShellTest, JoinsContinuationLinesIntoOneCommand) {
  // mawk's postinst, as dh_installalternatives writes it.
  auto cmds = commands_of(
      "if [ \"$1\" = \"configure\" ]; then\n"
      "        update-alternatives --install /usr/bin/awk awk /usr/bin/mawk 5 \\\n"
      "            --slave /usr/bin/nawk nawk /usr/bin/mawk\n"
      "fi\n");
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0], "1: [ \"$1\" = \"configure\" ]");
  EXPECT_EQ(cmds[1], "2: update-alternatives --install /usr/bin/awk awk /usr/bin/mawk 5 --slave /usr/bin/nawk nawk /usr/bin/mawk");
}

TEST(ScriptShellTest, SkipsCommentsButNotHashesInsideWords) {
  auto cmds = commands_of("# a comment\necho a#b # trailing\n  # indented\necho \"#quoted\"\n");
  EXPECT_EQ(cmds, (std::vector<std::string>{"2: echo a#b", "4: echo \"#quoted\""}));
}

TEST(ScriptShellTest, ReadsWordPartsWithQuotingAndExpansions) {
  auto tree = parse_ok("cp -p \"$DPKG_ROOT/usr/share/base-files/$1\" '${x}' ${DPKG_ROOT:+--root=\"$DPKG_ROOT\"} $(uname -s) `id -u` $((1 + 2))\n");
  ASSERT_TRUE(tree);
  const Node& cmd = *tree->children[0];
  ASSERT_EQ(cmd.words.size(), 8u);
  const Word& path = cmd.words[2];
  ASSERT_EQ(path.parts.size(), 3u);
  EXPECT_EQ(path.parts[0].kind, WordPart::Kind::param);
  EXPECT_EQ(path.parts[0].text, "DPKG_ROOT");
  EXPECT_TRUE(path.parts[0].quoted);
  EXPECT_EQ(path.parts[1].text, "/usr/share/base-files/");
  EXPECT_EQ(path.parts[2].text, "1");
  EXPECT_TRUE(cmd.words[3].is_literal());
  EXPECT_EQ(cmd.words[3].literal(), "${x}");
  const WordPart& root = cmd.words[4].parts[0];
  EXPECT_EQ(root.op, ":+");
  EXPECT_EQ(root.arg, "--root=\"$DPKG_ROOT\"");
  EXPECT_EQ(cmd.words[5].parts[0].kind, WordPart::Kind::command);
  EXPECT_EQ(cmd.words[5].parts[0].text, "uname -s");
  EXPECT_EQ(cmd.words[6].parts[0].kind, WordPart::Kind::command);
  EXPECT_EQ(cmd.words[7].parts[0].kind, WordPart::Kind::arith);
}

TEST(ScriptShellTest, EmptyQuotesAreAnEmptyWord) {
  auto tree = parse_ok("initial_binsh_setup /bin/sh dash '' /bin/ash\n");
  ASSERT_TRUE(tree);
  const Node& cmd = *tree->children[0];
  ASSERT_EQ(cmd.words.size(), 5u);
  EXPECT_TRUE(cmd.words[3].is_literal());
  EXPECT_EQ(cmd.words[3].literal(), "");
}

TEST(ScriptShellTest, SeparatesAssignmentsFromWords) {
  auto tree = parse_ok("MESSAGEUSER=messagebus\nDPKG_MAINTSCRIPT_PACKAGE='' update-initramfs -u\nx=a=b\n");
  ASSERT_TRUE(tree);
  ASSERT_EQ(tree->children.size(), 3u);
  EXPECT_EQ(tree->children[0]->assignments[0].first, "MESSAGEUSER");
  EXPECT_EQ(tree->children[0]->assignments[0].second.literal(), "messagebus");
  EXPECT_TRUE(tree->children[0]->words.empty());
  EXPECT_EQ(tree->children[1]->assignments[0].first, "DPKG_MAINTSCRIPT_PACKAGE");
  EXPECT_EQ(tree->children[1]->words[0].literal(), "update-initramfs");
  EXPECT_EQ(tree->children[2]->assignments[0].second.literal(), "a=b");
}

TEST(ScriptShellTest, ParsesCaseWithParenthesizedAndAlternativePatterns) {
  // debianutils' postinst style.
  auto tree = parse_ok(
      "case \"$1\" in\n"
      "    (configure)\n\tupdate-shells\n    ;;\n"
      "    (abort-upgrade|abort-remove)\n\tua\n    ;;\n"
      "    \\#*|\"\") continue ;;\n"
      "    *)\n        exit 1\n"
      "esac\n");
  ASSERT_TRUE(tree);
  const Node& c = *tree->children[0];
  ASSERT_EQ(c.kind, Node::Kind::case_);
  ASSERT_EQ(c.items.size(), 4u);
  EXPECT_EQ(c.items[0].patterns[0].literal(), "configure");
  EXPECT_EQ(c.items[1].patterns.size(), 2u);
  EXPECT_EQ(c.items[2].patterns[0].literal(), "#*");
  EXPECT_EQ(c.items[2].patterns[1].literal(), "");
  EXPECT_EQ(c.items[3].patterns[0].literal(), "*");
}

TEST(ScriptShellTest, ParsesFunctionsLoopsGroupsAndHereDocuments) {
  auto cmds = commands_of(
      "chrooted() {\n  return 0\n}\n"
      "fixup()\n(\n  cd /var/lib/dpkg\n)\n"
      "for f in a b; do echo $f; done\n"
      "while read line\ndo\n  :\ndone < /etc/ca-certificates.conf > /tmp/x\n"
      "groupadd -g 42 shadow || (\n    cat <<EOF\nGroup ID 42 (\"quoted\" `text`\nEOF\n    exit 1\n)\n"
      "{ echo \"E: failed.\" >&2; exit 1; }\n"
      "cat <<-'END' > /etc/modules\n\t# $not_expanded\n\tEND\n"
      "after\n");
  EXPECT_EQ(cmds, (std::vector<std::string>{
                      "2: return 0", "6: cd /var/lib/dpkg", "8: echo $f", "9: read line", "11: :",
                      "13: groupadd -g 42 shadow", "14: cat <<EOF", "17: exit 1", "19: echo \"E: failed.\" >&2",
                      "19: exit 1", "20: cat <<-'END' > /etc/modules", "23: after"}));
}

TEST(ScriptShellTest, ReservedWordsCountOnlyWhereACommandStarts) {
  auto cmds = commands_of("if true; then echo fi then done; fi\n");
  EXPECT_EQ(cmds, (std::vector<std::string>{"1: true", "1: echo fi then done"}));
}

TEST(ScriptShellTest, ErrorsNameTheScriptAndLine) {
  struct Case {
    std::string text, error;
  };
  std::vector<Case> cases = {
      {"if true; then\n  echo x\n", "postinst: line 3: expected `fi` to continue the `if` on line 1, found `end of script`"},
      {"echo 'open\n", "postinst: line 1: the quote ' is not closed"},
      {"x=$(echo\n\n", "postinst: line 1: the $( is not closed"},
      {"case $1 in\n  configure) echo\n", "postinst: line 3: the `case` on line 1 has no `esac`"},
      {"cat <<EOF\nno end\n", "postinst: line 1: the here-document is not ended by `EOF`"},
      {"echo )\n", "postinst: line 1: unexpected `)`"},
      {"for 1x in a; do :; done\n", "postinst: line 1: expected a variable name after `for`"},
  };
  for (const Case& c : cases) {
    auto r = parse(c.text, "postinst");
    ASSERT_FALSE(r.has_value()) << c.text;
    EXPECT_EQ(r.error().message, c.error) << c.text;
  }
}

// Found by tests/fuzz/maintainer_scripts_fuzz: each of these made the
// parser loop for ever, adding empty words until memory ran out.
TEST(ScriptShellTest, InputThatLexesToNoWordIsAnErrorNotAnEndlessLoop) {
  struct Case {
    std::string text, error;
  };
  std::vector<Case> cases = {
      {std::string("echo a\nb\0c\n", 11), "postinst: line 2: a NUL byte: this is not a shell script"},
      {"for d in /lib32(/libx32; do :; done\n", "postinst: line 1: unexpected `(` in the list of the `for` on line 1"},
      {"for d in a & b; do :; done\n", "postinst: line 1: unexpected `&` in the list of the `for` on line 1"},
  };
  for (const Case& c : cases) {
    auto r = parse(c.text, "postinst");
    ASSERT_FALSE(r.has_value()) << c.text;
    EXPECT_EQ(r.error().message, c.error) << c.text;
  }
}

// Recursive descent over a script nested thousands deep would overflow the
// stack; nesting has a limit far beyond what scripts use.
TEST(ScriptShellTest, NestingIsLimited) {
  auto nested = [](int depth) {
    std::string s;
    for (int k = 0; k < depth; ++k) s += "{ ";
    s += "true";
    for (int k = 0; k < depth; ++k) s += "; }";
    return s + "\n";
  };
  EXPECT_TRUE(parse(nested(99), "postinst").has_value());
  auto r = parse(nested(100000), "postinst");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "postinst: line 1: commands are nested more than 100 deep");
}

TEST(ScriptWalkTest, ComparesVersionsInDpkgOrder) {
  using script_walk::compare_versions;
  EXPECT_LT(compare_versions("245.4-2~", "245.4-2"), 0);
  EXPECT_LT(compare_versions("1.0", "1:0.1"), 0);
  EXPECT_GT(compare_versions("2.36-9+deb12u14", "2.36"), 0);
  EXPECT_EQ(compare_versions("1.02", "1.2"), 0);
  EXPECT_LT(compare_versions("1.0a", "1.0b"), 0);
  EXPECT_LT(compare_versions("", "0"), 0);
  EXPECT_GT(compare_versions("5.36.0-7", "5.36.0~"), 0);
}

}  // namespace
}  // namespace cairn::compose::shell
