// Tests for builtins.match and builtins.split (builtins_regex.cc). Expected
// values are Nix 2.8's (std::regex, POSIX extended grammar), including
// which patterns it rejects.
#include <gtest/gtest.h>

#include "builder/lang/test_util.hh"

namespace cairn::lang {
namespace {

using testing::eval_str;
using testing::expect_cases;

TEST(Regex, MatchWholeString) {
  expect_cases({
      {R"nix(builtins.match "foobar" "foobar")nix", "[ ]"},
      {R"nix(builtins.match "fo*" "foobar")nix", "null"},
      {R"nix(builtins.match "fo*" "f")nix", "[ ]"},
      {R"nix(builtins.match "fo+" "f")nix", "null"},
      {R"nix(builtins.match "fo{1,2}" "fooo")nix", "null"},
      {R"nix(builtins.match "" "")nix", "[ ]"},
      {R"nix(builtins.match "a" "")nix", "null"},
      {R"nix(builtins.match "x|" "")nix", "[ ]"},
      // The whole string must match, whichever alternative does it.
      {R"nix(builtins.match "a|ab" "ab")nix", "[ ]"},
      {R"nix(builtins.match "^a$" "a")nix", "[ ]"},
      {R"nix(builtins.match "a.b" "a\nb")nix", "[ ]"},
  });
}

TEST(Regex, MatchGroups) {
  expect_cases({
      {R"nix(builtins.match "(.*)\\.nix" "foobar.nix")nix", R"nix([ "foobar" ])nix"},
      {R"nix(builtins.match "((.*)/)?([^/]*)\\.(nix|cc)" "/path/to/foobar.nix")nix",
       R"nix([ "/path/to/" "/path/to" "foobar" "nix" ])nix"},
      // Groups that take no part in the match are null.
      {R"nix(builtins.match "((.*)/)?([^/]*)\\.(nix|cc)" "foobar.cc")nix", R"nix([ null null "foobar" "cc" ])nix"},
      {R"nix(builtins.match "(a)|(b)" "b")nix", R"nix([ null "b" ])nix"},
      {R"nix(builtins.match "(a*)(b*)" "aab")nix", R"nix([ "aa" "b" ])nix"},
      {R"nix(builtins.match "[[:space:]]+([[:upper:]]+)[[:space:]]+" "  FOO   ")nix", R"nix([ "FOO" ])nix"},
      // POSIX leftmost-longest, subexpressions left to right.
      {R"nix(builtins.match "(a|ab)(c|bcd)(d*)" "abcd")nix", R"nix([ "a" "bcd" "" ])nix"},
      {R"nix(builtins.match "(.+)+(.+)" "17.0.14+7")nix", R"nix([ "17.0.14+" "7" ])nix"},
      {R"nix(builtins.match "([^/]*)/([^/]*)(/SNAPSHOT)?(/.*)?" "jna/5.6.0")nix", R"nix([ "jna" "5.6.0" null null ])nix"},
  });
}

TEST(Regex, MatchIsBytewise) {
  expect_cases({
      {R"nix(builtins.match "." "é")nix", "null"},
      {R"nix(builtins.match ".." "é")nix", "[ ]"},
      {R"nix(builtins.match "[é]" "é")nix", "null"},
      {R"nix(builtins.match "é" "é")nix", "[ ]"},
  });
}

TEST(Regex, SyntaxAsStdRegexAcceptsIt) {
  expect_cases({
      {R"nix(builtins.match "\\\\" "\\")nix", "[ ]"},
      {R"nix(builtins.match "[\\]" "\\")nix", "[ ]"},  // backslash is literal in brackets
      {R"nix(builtins.match "\\{" "{")nix", "[ ]"},
      {R"nix(builtins.match "a{2}" "aa")nix", "[ ]"},
      {R"nix(builtins.match "a}" "a}")nix", "[ ]"},
      {R"nix(builtins.match "[]a]" "]")nix", "[ ]"},
      {R"nix(builtins.match "[[:alpha:]]+" "abc")nix", "[ ]"},
      {R"nix(builtins.match "(" "a")nix", "error: invalid regular expression '('"},
      {R"nix(builtins.match "a)" "a)")nix", "error: invalid regular expression 'a)'"},
      {R"nix(builtins.match "a\\d" "a1")nix", R"nix(error: invalid regular expression 'a\d')nix"},
      {R"nix(builtins.match "\\/" "/")nix", R"nix(error: invalid regular expression '\/')nix"},
      {R"nix(builtins.match "a{,2}" "aa")nix", "error: invalid regular expression 'a{,2}'"},
      {R"nix(builtins.match "(a)\\1" "aa")nix", R"nix(error: invalid regular expression '(a)\1')nix"},
      {R"nix(builtins.match "[[:foo:]]" "a")nix", "error: invalid regular expression '[[:foo:]]'"},
      {R"nix(builtins.match "*a" "a")nix", "error: invalid regular expression '*a'"},
      {R"nix(builtins.match "[a" "a")nix", "error: invalid regular expression '[a'"},
      {R"nix(builtins.match 1 "a")nix", "error: value is an integer while a string was expected"},
      {R"nix(builtins.match "a" 1)nix", "error: value is an integer while a string was expected"},
  });
}

TEST(Regex, Split) {
  expect_cases({
      {R"nix(builtins.split "foobar" "foobar")nix", R"nix([ "" [ ] "" ])nix"},
      {R"nix(builtins.split "fo+" "f")nix", R"nix([ "f" ])nix"},
      {R"nix(builtins.split "fo{1,2}" "fooo")nix", R"nix([ "" [ ] "o" ])nix"},
      {R"nix(builtins.split "(a)b" "abc")nix", R"nix([ "" [ "a" ] "c" ])nix"},
      {R"nix(builtins.split "([ac])" "abc")nix", R"nix([ "" [ "a" ] "b" [ "c" ] "" ])nix"},
      {R"nix(builtins.split "(a)|(c)" "abc")nix", R"nix([ "" [ "a" null ] "b" [ null "c" ] "" ])nix"},
      {R"nix(builtins.split "x" "abc")nix", R"nix([ "abc" ])nix"},
      {R"nix(builtins.split "a" "")nix", R"nix([ "" ])nix"},
      {R"nix(builtins.split "(o+)" "oooofoooo")nix", R"nix([ "" [ "oooo" ] "f" [ "oooo" ] "" ])nix"},
      {R"nix(builtins.split "," "a,b,,c,")nix", R"nix([ "a" [ ] "b" [ ] "" [ ] "c" [ ] "" ])nix"},
      {R"nix(builtins.split "(,)|(;)" "a,b;c")nix", R"nix([ "a" [ "," null ] "b" [ null ";" ] "c" ])nix"},
      {R"nix(builtins.split "(x)?b" "abc")nix", R"nix([ "a" [ null ] "c" ])nix"},
      {R"nix(builtins.split "[[:space:]]+|([',.!?])" "Nix Rocks!\nThat's why I use it.\n")nix",
       R"nix([ "Nix" [ null ] "Rocks" [ "!" ] "" [ null ] "That" [ "'" ] "s" [ null ] "why" [ null ] "I" [ null ] "use" [ null ] "it" [ "." ] "" [ null ] "" ])nix"},
      {R"nix(builtins.split "(" "a")nix", "error: invalid regular expression '('"},
  });
}

TEST(Regex, SplitEmptyMatches) {
  expect_cases({
      // After an empty match the search resumes one byte later; after a
      // non-empty one, where it ended (so an empty match may follow it).
      {R"nix(builtins.split "a*" "bab")nix", R"nix([ "" [ ] "b" [ ] "" [ ] "b" [ ] "" ])nix"},
      {R"nix(builtins.split "b*" "abc")nix", R"nix([ "" [ ] "a" [ ] "" [ ] "c" [ ] "" ])nix"},
      {R"nix(builtins.split "" "ab")nix", R"nix([ "" [ ] "a" [ ] "b" [ ] "" ])nix"},
      {R"nix(builtins.split "" "")nix", R"nix([ "" [ ] "" ])nix"},
  });
}

TEST(Regex, SplitAnchorsOnlyAtTheEnds) {
  expect_cases({
      {R"nix(builtins.split "^a" "aaa")nix", R"nix([ "" [ ] "aa" ])nix"},
      {R"nix(builtins.split "a$" "aaa")nix", R"nix([ "aa" [ ] "" ])nix"},
  });
}

TEST(Regex, CacheIsPerPatternAcrossStates) {
  // The same pattern in two evaluations, and two patterns in one.
  EXPECT_EQ(eval_str(R"nix(builtins.match "(x+)" "xx")nix"), R"nix([ "xx" ])nix");
  EXPECT_EQ(eval_str(R"nix([ (builtins.match "(x+)" "xxx") (builtins.match "(y+)" "yy") (builtins.match "(x+)" "y") ])nix"),
            R"nix([ [ "xxx" ] [ "yy" ] null ])nix");
}

}  // namespace
}  // namespace cairn::lang
