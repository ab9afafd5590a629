// Tests for the string builtins (builtins_strings.cc). Expected values are
// what Nix 2.8 prints, except replaceStrings' laziness (Nix ≥ 2.16) and
// where paths would be copied to the store (cairn keeps the path).
#include <gtest/gtest.h>

#include <string>

#include "builder/lang/test_util.hh"

namespace cairn::lang {
namespace {

using testing::eval_str;
using testing::expect_cases;

TEST(Strings, StringLength) {
  expect_cases({
      {R"(builtins.stringLength "hello")", "5"},
      {R"(builtins.stringLength "")", "0"},
      {R"(builtins.stringLength "é")", "2"},  // bytes, not characters
      {R"(builtins.stringLength { __toString = s: "abcd"; })", "4"},
      {R"(builtins.stringLength { outPath = "abc"; })", "3"},
      {R"(builtins.stringLength /a/b)", "4"},
      {R"(builtins.stringLength 5)", "error: cannot coerce an integer to a string"},
      {R"(builtins.stringLength [ ])", "error: cannot coerce a list to a string"},
  });
}

TEST(Strings, Substring) {
  expect_cases({
      {R"(builtins.substring 1 2 "hello")", R"("el")"},
      {R"(builtins.substring 0 100 "hello")", R"("hello")"},
      {R"(builtins.substring 3 (-1) "hello")", R"("lo")"},
      {R"(builtins.substring 5 1 "hello")", R"("")"},
      {R"(builtins.substring 9 1 "hello")", R"("")"},
      {R"(builtins.substring 1 0 "hello")", R"("")"},
      {R"(builtins.substring 0 1 { outPath = "xyz"; })", R"("x")"},
      {R"(builtins.substring 1 2 /ab)", R"("ab")"},
      {R"(builtins.substring (-1) 1 "hello")", "error: negative start position in 'substring'"},
      {R"(builtins.substring "a" 1 "hello")", "error: value is a string while an integer was expected"},
      {R"(builtins.substring 0 "a" "hello")", "error: value is a string while an integer was expected"},
      {R"(builtins.substring 0 1 1)", "error: cannot coerce an integer to a string"},
  });
}

TEST(Strings, ReplaceStrings) {
  expect_cases({
      {R"(builtins.replaceStrings [ "o" ] [ "a" ] "foobar")", R"("faabar")"},
      {R"(builtins.replaceStrings [ "oo" "a" ] [ "a" "oo" ] "foobar")", R"("faboor")"},
      // The first pattern in list order wins, not the longest.
      {R"(builtins.replaceStrings [ "oo" "oo" ] [ "u" "i" ] "foobar")", R"("fubar")"},
      {R"(builtins.replaceStrings [ "ab" "b" ] [ "1" "2" ] "abbab")", R"("121")"},
      // An empty pattern matches between all characters and at both ends.
      {R"(builtins.replaceStrings [ "" ] [ "X" ] "abc")", R"("XaXbXcX")"},
      {R"(builtins.replaceStrings [ "" ] [ "X" ] "")", R"("X")"},
      {R"(builtins.replaceStrings [ "a" "" ] [ "A" "-" ] "banana")", R"("-bA-nA-nA-")"},
      {R"(builtins.replaceStrings [ ] [ ] "abc")", R"("abc")"},
      {R"(builtins.replaceStrings [ "x" ] [ "y" ] "abc")", R"("abc")"},
      {R"(builtins.replaceStrings [ "$" ] [ "\\$" ] "a$b")", R"("a\\$b")"},
      {R"(builtins.replaceStrings [ "a" ] [ ] "abc")",
       "error: 'from' and 'to' arguments to 'replaceStrings' have different lengths"},
      {R"(builtins.replaceStrings [ 1 ] [ "a" ] "abc")", "error: value is an integer while a string was expected"},
      {R"(builtins.replaceStrings [ "a" ] [ 1 ] "abc")", "error: value is an integer while a string was expected"},
      {R"(builtins.replaceStrings [ "a" ] [ "b" ] 1)", "error: value is an integer while a string was expected"},
      {R"(builtins.replaceStrings "a" [ "b" ] "a")", "error: value is a string while a list was expected"},
  });
}

TEST(Strings, ReplaceStringsForcesOnlyReplacementsThatMatch) {
  expect_cases({
      // Nix ≥ 2.16 (2.8 forced every replacement).
      {R"(builtins.replaceStrings [ "oo" "XX" ] [ "u" (throw "unreachable") ] "foobar")", R"("fubar")"},
      {R"(builtins.replaceStrings [ "x" ] [ (throw "unreachable") ] "abc")", R"("abc")"},
      {R"(builtins.replaceStrings [ "b" ] [ (throw "used") ] "abc")", "error: used"},
  });
}

TEST(Strings, ConcatStringsSep) {
  expect_cases({
      {R"(builtins.concatStringsSep ", " [ "a" "b" "c" ])", R"("a, b, c")"},
      {R"(builtins.concatStringsSep "" [ ])", R"("")"},
      {R"(builtins.concatStringsSep ", " [ ])", R"("")"},
      {R"(builtins.concatStringsSep "-" [ "a" ])", R"("a")"},
      {R"(builtins.concatStringsSep "-" [ "" "" ])", R"("-")"},
      // Paths stay paths (Nix would copy /b to the store).
      {R"(builtins.concatStringsSep "/" [ "a" /b { outPath = "c"; } { __toString = s: "d"; } ])", R"("a//b/c/d")"},
      {R"(builtins.concatStringsSep "," [ 1 ])", "error: cannot coerce an integer to a string"},
      {R"(builtins.concatStringsSep 1 [ ])", "error: value is an integer while a string was expected"},
      {R"(builtins.concatStringsSep "," "a")", "error: value is a string while a list was expected"},
  });
}

TEST(Strings, ConcatStringsSepIsLinear) {
  // 200,000 pieces: quadratic copying would take minutes.
  EXPECT_EQ(eval_str(R"(builtins.stringLength (builtins.concatStringsSep "\n"
                          (builtins.genList (i: "pkg-${toString i}") 200000)))"),
            "2088889");
}

TEST(Strings, ToString) {
  expect_cases({
      {R"(builtins.toString 1)", R"("1")"},
      {R"(builtins.toString "a")", R"("a")"},
      {R"(builtins.toString /a/b)", R"("/a/b")"},
      {R"(builtins.toString null)", R"("")"},
      {R"(builtins.toString true)", R"("1")"},
      {R"(builtins.toString false)", R"("")"},
      {R"(builtins.toString [ 1 "a" [ 2 ] null true false ])", R"("1 a 2  1 ")"},
      {R"(builtins.toString { outPath = "x"; })", R"("x")"},
      {R"(builtins.toString { __toString = self: "y"; })", R"("y")"},
      {R"(toString 2)", R"("2")"},
      {R"(builtins.toString (x: x))", "error: cannot coerce a function to a string"},
  });
}

TEST(Strings, BaseNameOf) {
  expect_cases({
      {R"(baseNameOf "a/b/c.nix")", R"("c.nix")"},
      {R"(baseNameOf "")", R"("")"},
      {R"(baseNameOf "a")", R"("a")"},
      {R"(baseNameOf "a/")", R"("a")"},
      {R"(baseNameOf "a//")", R"("")"},
      {R"(baseNameOf "a//b")", R"("b")"},
      {R"(baseNameOf "/")", R"("")"},
      {R"(baseNameOf "a\\b")", R"("a\\b")"},
      {R"(baseNameOf /a/b)", R"("b")"},
      {R"(builtins.baseNameOf 1)", "error: cannot coerce an integer to a string"},
  });
}

TEST(Strings, DirOf) {
  expect_cases({
      {R"(dirOf "a/b/c")", R"("a/b")"},
      {R"(dirOf "")", R"(".")"},
      {R"(dirOf "abc")", R"(".")"},
      {R"(dirOf "/")", R"("/")"},
      {R"(dirOf "/a")", R"("/")"},
      {R"(dirOf "//")", R"("/")"},
      {R"(dirOf "///")", R"("//")"},
      {R"(dirOf "a///b")", R"("a//")"},
      {R"(dirOf "a/b/c/./d")", R"("a/b/c/.")"},
      // A path's directory is a path.
      {R"(dirOf /a/b)", "/a"},
      {R"(dirOf /a)", "/"},
      {R"(dirOf /.)", "/"},
      {R"(builtins.dirOf 1)", "error: cannot coerce an integer to a string"},
  });
}

TEST(Strings, SplitVersion) {
  expect_cases({
      {R"(builtins.splitVersion "1.2.3")", R"([ "1" "2" "3" ])"},
      {R"(builtins.splitVersion "2.3pre1-rc.a")", R"([ "2" "3" "pre" "1" "rc" "a" ])"},
      {R"(builtins.splitVersion "")", "[ ]"},
      {R"(builtins.splitVersion "..1--2..")", R"([ "1" "2" ])"},
      {R"(builtins.splitVersion "1.2-beta3")", R"([ "1" "2" "beta" "3" ])"},
      {R"(builtins.splitVersion 1)", "error: value is an integer while a string was expected"},
  });
}

TEST(Strings, CompareVersions) {
  expect_cases({
      {R"(builtins.compareVersions "1.0" "2.3")", "-1"},
      {R"(builtins.compareVersions "2.3" "2.3")", "0"},
      {R"(builtins.compareVersions "2.5" "2.3")", "1"},
      {R"(builtins.compareVersions "2.3.1" "2.3")", "1"},
      {R"(builtins.compareVersions "2.3.1" "2.3a")", "1"},
      {R"(builtins.compareVersions "2.3pre1" "2.3")", "-1"},
      {R"(builtins.compareVersions "2.3pre3" "2.3pre12")", "-1"},
      {R"(builtins.compareVersions "2.3a" "2.3c")", "-1"},
      {R"(builtins.compareVersions "2.3pre1" "2.3q")", "-1"},
      {R"(builtins.compareVersions "1.0" "1.0.0")", "-1"},
      {R"(builtins.compareVersions "1.pre" "1")", "-1"},
      {R"(builtins.compareVersions "a" "b")", "-1"},
      {R"(builtins.compareVersions "" "1")", "-1"},
      // Too long for an int: compared as strings.
      {R"(builtins.compareVersions "10000000000" "9")", "-1"},
      {R"(builtins.compareVersions "1" 1)", "error: value is an integer while a string was expected"},
  });
}

TEST(Strings, ParseDrvName) {
  expect_cases({
      {R"(builtins.parseDrvName "hello-1.0.2")", R"({ name = "hello"; version = "1.0.2"; })"},
      {R"(builtins.parseDrvName "hello")", R"({ name = "hello"; version = ""; })"},
      {R"(builtins.parseDrvName "xf86-video-i810-1.7.4")", R"({ name = "xf86-video-i810"; version = "1.7.4"; })"},
      {R"(builtins.parseDrvName "name-that-ends-with-dash--1.0")",
       R"({ name = "name-that-ends-with-dash"; version = "-1.0"; })"},
      {R"(builtins.parseDrvName "a-")", R"({ name = "a-"; version = ""; })"},
      {R"(builtins.parseDrvName "-1")", R"({ name = ""; version = "1"; })"},
  });
}

TEST(Strings, HashString) {
  expect_cases({
      {R"(builtins.hashString "md5" "abc")", R"("900150983cd24fb0d6963f7d28e17f72")"},
      {R"(builtins.hashString "sha1" "abc")", R"("a9993e364706816aba3e25717850c26c9cd0d89d")"},
      {R"(builtins.hashString "sha256" "")", R"("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")"},
      {R"(builtins.hashString "sha512" "abc")",
       R"("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")"},
      {R"(builtins.hashString "sha384" "abc")", "error: unknown hash algorithm 'sha384'"},
      {R"(builtins.hashString "md5" 1)", "error: value is an integer while a string was expected"},
  });
}

TEST(Strings, ContextBuiltinsSeeNoContext) {
  expect_cases({
      {R"(builtins.hasContext "a")", "false"},
      {R"(builtins.getContext "a")", "{ }"},
      {R"(builtins.unsafeDiscardStringContext "a")", R"("a")"},
      {R"(builtins.unsafeDiscardOutputDependency "b")", R"("b")"},
      {R"(builtins.appendContext "c" { })", R"("c")"},
      {R"(builtins.unsafeDiscardStringContext /a)", R"("/a")"},
      {R"(builtins.hasContext /a)", "error: value is a path while a string was expected"},
  });
}

}  // namespace
}  // namespace cairn::lang
