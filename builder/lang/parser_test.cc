// Tests of the parser: the tree for every construct of the grammar (through
// show(), fully parenthesised), operator precedence and associativity,
// string and indented-string literals, paths, attribute-set merging, the
// `or` quirk, syntax errors word for word with their positions, and the
// nesting limit. Expected trees and messages were checked against Nix 2.8's
// `nix-instantiate --parse`; the few places where cairn deliberately
// differs say so.
#include "builder/lang/parser.hh"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>

#include "builder/lang/error.hh"
#include "builder/lang/eval.hh"

namespace cairn::lang {
namespace {

Expr* parse_test(EvalState& state, std::string_view src) {
  return parse(state, "«test»", std::make_shared<const std::string>(src), "/base", "/home");
}

/// The parsed tree shown, or "error: MESSAGE at «test»:LINE:COL".
std::string parsed(std::string_view src) {
  EvalState state;
  try {
    std::ostringstream out;
    parse_test(state, src)->show(state.symbols, out);
    return out.str();
  } catch (const ParseError& e) {
    return "error: " + e.message + " at " + format_pos(e.pos, state.positions);
  }
}

struct Case {
  const char* src;
  const char* shown;
};
void PrintTo(const Case& c, std::ostream* out) { *out << c.src; }

class ParserShows : public ::testing::TestWithParam<Case> {};
TEST_P(ParserShows, Parses) { EXPECT_EQ(parsed(GetParam().src), GetParam().shown) << GetParam().src; }

// Loosest first: -> || && (== !=) (< <= > >=) // ! (+ -) (* /) ++ ? unary-.
INSTANTIATE_TEST_SUITE_P(ParserPrecedence, ParserShows, ::testing::Values(
    Case{"1 + 2 * 3", "(1 + (2 * 3))"},
    Case{"1 * 2 + 3", "((1 * 2) + 3)"},
    Case{"1 - 2 - 3", "((1 - 2) - 3)"},
    Case{"a * b / c", "((a * b) / c)"},
    Case{"a ++ b ++ c", "(a ++ (b ++ c))"},
    Case{"a // b // c", "(a // (b // c))"},
    Case{"a -> b -> c", "(a -> (b -> c))"},
    Case{"a || b && c || d", "((a || (b && c)) || d)"},
    Case{"a == b && c != d", "((a == b) && (c != d))"},
    Case{"a < b", "(a < b)"},
    Case{"a <= b", "(a <= b)"},
    Case{"a > b", "(a > b)"},
    Case{"a >= b", "(a >= b)"},
    Case{"a < b == c", "((a < b) == c)"},
    Case{"a // b < c", "((a // b) < c)"},
    Case{"a + b // c", "((a + b) // c)"},
    Case{"a + b * c ++ d", "(a + (b * (c ++ d)))"},
    Case{"a ++ b ? c", "(a ++ ((b) ? c))"},
    Case{"a ? b.c", "((a) ? b.c)"},
    Case{"a ? b + 1", "(((a) ? b) + 1)"},
    Case{"a ? b ? c", "((((a) ? b)) ? c)"},
    Case{"a ? \"b\".${c}", "((a) ? b.\"${c}\")"},
    Case{"a -> b || c", "(a -> (b || c))"}));

INSTANTIATE_TEST_SUITE_P(ParserPrefix, ParserShows, ::testing::Values(
    // `!` binds looser than + - * / ++ ?, tighter than //.
    Case{"!a + b", "(! (a + b))"},
    Case{"!a // b", "((! a) // b)"},
    Case{"!a == b", "((! a) == b)"},
    Case{"a == !b", "(a == (! b))"},
    Case{"a * !b + c", "(a * (! (b + c)))"},
    Case{"!a ? b", "(! ((a) ? b))"},
    Case{"!!a", "(! (! a))"},
    // Unary minus is `0 - e` and binds tightest.
    Case{"-a ? b", "(((0 - a)) ? b)"},
    Case{"-a ++ b", "((0 - a) ++ b)"},
    Case{"-a * b", "((0 - a) * b)"},
    Case{"-a.b", "(0 - (a).b)"},
    Case{"- f x", "(0 - (f x))"},
    Case{"- - 1", "(0 - (0 - 1))"},
    Case{"a - -b", "(a - (0 - b))"},
    Case{"-!a + b", "(0 - (! (a + b)))"},
    Case{"f -1", "(f - 1)"}));

INSTANTIATE_TEST_SUITE_P(ParserApplication, ParserShows, ::testing::Values(
    Case{"f a b c", "(f a b c)"},
    Case{"(f a) b", "(f a b)"},
    Case{"f (a b)", "(f (a b))"},
    Case{"f a.b c", "(f (a).b c)"},
    Case{"f { } [ ] \"s\" ./p", "(f { } [ ] \"s\" /base/p)"},
    Case{"f rec { }", "(f rec { })"},
    Case{"f let { body = 1; }", "(f (rec { body = 1; }).body)"},
    Case{"<nixpkgs>", "(__findFile __nixPath \"nixpkgs\")"},
    Case{"<nixpkgs/lib> { }", "(__findFile __nixPath \"nixpkgs/lib\" { })"},
    Case{"a<b>c", "(a (__findFile __nixPath \"b\") c)"}));

INSTANTIATE_TEST_SUITE_P(ParserSelect, ParserShows, ::testing::Values(
    Case{"a.b.c", "(a).b.c"},
    Case{"a.b or c", "(a).b or (c)"},
    Case{"a.b or c.d or e", "(a).b or ((c).d or (e))"},
    Case{"a.b or f x", "((a).b or (f) x)"},
    Case{"a.${b}.c", "(a).\"${b}\".c"},
    Case{"a.\"b\".${\"c\"}.d", "(a).b.c.d"},
    Case{"a.\"b${c}\"", "(a).\"${(\"b\" + c)}\""},
    Case{"a.\"b c\"", "(a).\"b c\""},
    Case{"a.or", "(a).or"},
    Case{"a.__curPos", "(a).__curPos"},
    Case{"{ a = 1; }.a", "({ a = 1; }).a"},
    Case{"(a).b", "(a).b"},
    // Nix's backwards-compatible `or`: a variable named `or` when it
    // follows an expression that is not a select.
    Case{"fold or [] list", "(fold or [ ] list)"},
    Case{"f or", "(f or)"},
    Case{"(a.b) or", "((a).b or)"},
    Case{"[ a or b ]", "[ ((a or)) (b) ]"},
    Case{"{ or = 1; }", "{ or = 1; }"},
    Case{"{ inherit or; }", "{ inherit or; }"},
    Case{"a ? or", "((a) ? or)"}));

INSTANTIATE_TEST_SUITE_P(ParserFunctions, ParserShows, ::testing::Values(
    Case{"x: y: x", "(x: (y: x))"},
    Case{"x: x.y or z w", "(x: ((x).y or (z) w))"},
    Case{"{ x ? 1, y, ... }@args: x", "({ x ? 1, y, ... } @ args: x)"},
    Case{"{ x ? 1, y, ... } @ args: x", "({ x ? 1, y, ... } @ args: x)"},
    Case{"args@{ x ? 1, y }: x", "({ x ? 1, y } @ args: x)"},
    Case{"args @ { }: 1", "({  } @ args: 1)"},
    Case{"{ }: 1", "({  }: 1)"},
    Case{"{ ... }: 1", "({ ... }: 1)"},
    Case{"{ a, }: 1", "({ a }: 1)"},
    Case{"{ a, b, ... }: 1", "({ a, b, ... }: 1)"},
    Case{"{ a ? b c }: a", "({ a ? (b c) }: a)"},
    Case{"{ a ? x: x }: a", "({ a ? (x: x) }: a)"},
    Case{"x: if x then 1 else 2", "(x: (if x then 1 else 2))"},
    Case{"_: _", "(_: _)"},
    Case{"__curPosFoo: __curPosFoo", "(__curPosFoo: __curPosFoo)"}));

INSTANTIATE_TEST_SUITE_P(ParserKeywords, ParserShows, ::testing::Values(
    Case{"if a then b else c", "(if a then b else c)"},
    Case{"if a then b else if c then d else e", "(if a then b else (if c then d else e))"},
    Case{"if a then x: x else y: y", "(if a then (x: x) else (y: y))"},
    Case{"assert a; b", "(assert a; b)"},
    Case{"assert a; assert b; c", "(assert a; (assert b; c))"},
    Case{"with a; b", "(with a; b)"},
    Case{"with a; with b; c", "(with a; (with b; c))"},
    Case{"let a = 1; b = a; in b", "(let a = 1; b = a; in b)"},
    Case{"let f = x: x; in f", "(let f = (x: x); in f)"},
    Case{"let in 1", "(let in 1)"},
    Case{"let inherit a; in a", "(let inherit a; in a)"},
    Case{"let a.b = 1; a.c = 2; in a", "(let a = { b = 1; c = 2; }; in a)"},
    Case{"let ${\"a\"} = 1; \"b\" = 2; in a", "(let a = 1; b = 2; in a)"},
    Case{"let a.${b} = 1; in a", "(let a = { \"${b}\" = 1; }; in a)"},
    // The legacy let is `(rec { … }).body`.
    Case{"let { a = 1; body = a; }", "(rec { a = 1; body = a; }).body"},
    Case{"let { a = 1; }.x", "((rec { a = 1; }).body).x"},
    Case{"__curPos", "__curPos"}));

INSTANTIATE_TEST_SUITE_P(ParserAttrs, ParserShows, ::testing::Values(
    Case{"{ }", "{ }"},
    Case{"rec { a = 1; b = a; }", "rec { a = 1; b = a; }"},
    Case{"{ a = 1; \"b c\" = 2; \"if\" = 3; or = 4; \"\" = 5; }",
         "{ \"\" = 5; a = 1; \"b c\" = 2; \"if\" = 3; or = 4; }"},
    // Attribute paths create nested sets and merge into them.
    Case{"{ a.b.c = 1; a.b.d = 2; }", "{ a = { b = { c = 1; d = 2; }; }; }"},
    Case{"{ a = { b = 1; }; a.c = 2; }", "{ a = { b = 1; c = 2; }; }"},
    Case{"{ a.c = 2; a = { b = 1; }; }", "{ a = { b = 1; c = 2; }; }"},
    Case{"{ a = { b = 1; }; a = { c = 2; }; }", "{ a = { b = 1; c = 2; }; }"},
    // A literal `rec` set stays rec when merged into (regrettable-rec-attrset-merge).
    Case{"{ x = rec { a = 1; }; x.b = a; }", "{ x = rec { a = 1; b = a; }; }"},
    // Dynamic names, at any depth, also when sets merge (merge-dynamic-attrs).
    Case{"{ ${a} = 1; \"b${c}\" = 2; \"d\" = 3; ${\"e\"} = 4; }",
         "{ d = 3; e = 4; \"${a}\" = 1; \"${(\"b\" + c)}\" = 2; }"},
    Case{"{ a.${b}.c = 1; a.d = 2; }", "{ a = { d = 2; \"${b}\" = { c = 1; }; }; }"},
    Case{"{ s.a = 1; s.\"${\"b\" + \"\"}\" = 2; }", "{ s = { a = 1; \"${((\"b\" + \"\"))}\" = 2; }; }"},
    Case{"{ s = { a = 1; }; s = { ${\"b\" + \"\"} = 2; }; }", "{ s = { a = 1; \"${(\"b\" + \"\")}\" = 2; }; }"},
    Case{"{ s = { ${b} = 2; }; s = { a = 1; }; }", "{ s = { a = 1; \"${b}\" = 2; }; }"},
    // inherit: names may be quoted or `${"static"}`; empty lists are fine.
    Case{"{ inherit a \"b\" ${\"c\"}; inherit (x) d e; }",
         "{ inherit a; inherit b; inherit c; inherit (x) d; inherit (x) e; }"},
    Case{"{ inherit; inherit (x); }", "{ }"}));

INSTANTIATE_TEST_SUITE_P(ParserLists, ParserShows, ::testing::Values(
    Case{"[ ]", "[ ]"},
    Case{"[ 1 2.5 \"x\" a.b (f x) [ ] { } ]", "[ (1) (2.5) (\"x\") ((a).b) ((f x)) ([ ]) ({ }) ]"},
    Case{"[ f x ]", "[ (f) (x) ]"},
    Case{"[ -1 ]", "error: syntax error, unexpected '-' at «test»:1:3"}));

INSTANTIATE_TEST_SUITE_P(ParserStrings, ParserShows, ::testing::Values(
    Case{"\"abc\"", "\"abc\""},
    Case{"\"\"", "\"\""},
    Case{"\"a${b}c${d}\"", "(\"a\" + b + \"c\" + d)"},
    Case{"\"${a}\"", "(a)"},
    Case{"\"${a}${b}\"", "(a + b)"},
    Case{"\"a${\"b\"}\"", "(\"a\" + \"b\")"},
    Case{"\"${\"${a}\"}\"", "((a))"},
    Case{"\"a\\nb\\t\\\"\\\\\\$\\{\\x\"", "\"a\\nb\\t\\\"\\\\\\${x\""},
    Case{"\"$${x} $ a$\"", "\"$\\${x} $ a$\""},
    Case{"\"a\\\nb\"", "\"a\\nb\""},
    Case{"\"a\r\nb\"", "\"a\\nb\""},
    Case{"http://example.org/a?b=c", "\"http://example.org/a?b=c\""},
    Case{"x:x", "\"x:x\""}));

INSTANTIATE_TEST_SUITE_P(ParserIndStrings, ParserShows, ::testing::Values(
    Case{"''\n  a\n  b\n''", "\"a\\nb\\n\""},
    Case{"''\n  a\n    b\n  c\n''", "\"a\\n  b\\nc\\n\""},
    Case{"''  \n  a\n''", "\"a\\n\""},
    Case{"''\t\n  a\n''", "\"\\t\\n  a\\n\""},
    Case{"''a\n  b\n  ''", "\"a\\n  b\\n\""},
    Case{"''  a\n b''", "\" a\\nb\""},
    Case{"''\n    a\n\n    b\n  ''", "\"a\\n\\nb\\n\""},
    Case{"''\n  a\n  \t b\n''", "\"a\\n\\t b\\n\""},
    Case{"''\n  a\n    ''", "\"a\\n\""},
    Case{"''\n  a\n    x''", "\"a\\n  x\""},
    Case{"''\r\n  a\r\n''", "\"\\r\\n  a\\r\\n\""},
    Case{"''''", "\"\""},
    Case{"''   ''", "\"\""},
    Case{"''\n''", "\"\""},
    // Escapes, and interpolations count as content for the indentation.
    Case{"''\n  a ''${x}\n  b''", "\"a \\${x}\\nb\""},
    Case{"''\n  '''\n  ''$\n''", "\"''\\n$\\n\""},
    Case{"''\n  ''\\n\n  x\n''", "\"\\n\\nx\\n\""},
    Case{"''\n    ''\\ x\n  y\n''", "\"   x\\ny\\n\""},
    Case{"'''''\\''", "\"''\\\\\""},
    Case{"''a''\\\nb''", "\"a\\nb\""},
    Case{"''\n  a $ b\n  $''", "\"a $ b\\n$\""},
    Case{"''$${x}''", "\"$\\${x}\""},
    Case{"''\n  ${x} a\n    b\n''", "(x + \" a\\n  b\\n\")"},
    Case{"''\n  ${x}\n  ''", "(x + \"\\n\")"},
    Case{"''${x}''", "(x)"}));

INSTANTIATE_TEST_SUITE_P(ParserPaths, ParserShows, ::testing::Values(
    Case{"./a", "/base/a"},
    Case{"./a/../b", "/base/b"},
    Case{"./.", "/base"},
    Case{"../../..", "/"},
    Case{"a/b", "/base/a/b"},
    Case{"2/3", "/base/2/3"},
    Case{"/a/./b/../c", "/a/c"},
    Case{"~/a/../b", "/home/b"},
    // Interpolated paths: the first part keeps the prefix's trailing slash.
    Case{"./a-${x}-b", "(/base/a- + x + \"-b\")"},
    Case{"./${x}", "(/base/ + x)"},
    Case{"/${x}/${y}", "(/ + x + \"/\" + y)"},
    Case{"~/${x}", "(/home/ + x)"},
    Case{"./a/${x}", "(/base/a/ + x)"},
    Case{"./${x}.nix", "(/base/ + x + \".nix\")"},
    Case{"./${x}//y", "(/base/ + x + \"//y\")"},
    Case{"./${x} y", "((/base/ + x) y)"}));

INSTANTIATE_TEST_SUITE_P(ParserNumbers, ParserShows, ::testing::Values(
    Case{"123", "123"},
    Case{"9223372036854775807", "9223372036854775807"},
    Case{"1.5", "1.5"},
    Case{"1.0e10", "1e+10"},
    Case{"0.5e-3", "0.0005"},
    Case{"00.5", "(0 0.5)"},
    Case{"1..2", "(1 0.2)"}));

INSTANTIATE_TEST_SUITE_P(ParserComments, ParserShows, ::testing::Values(
    Case{"# c\n1 /* c */ + # c\n 2", "(1 + 2)"},
    Case{"a/*x*/b", "(a b)"},
    Case{"/**/1", "1"}));

// ---- errors ----------------------------------------------------------------------

class ParserErrors : public ::testing::TestWithParam<Case> {};
TEST_P(ParserErrors, Fails) { EXPECT_EQ(parsed(GetParam().src), GetParam().shown) << GetParam().src; }

// Syntax errors as Nix (bison) words them; "end of file" points at the last
// token read, as in Nix.
INSTANTIATE_TEST_SUITE_P(ParserSyntax, ParserErrors, ::testing::Values(
    Case{"", "error: syntax error, unexpected end of file at «test»:1:1"},
    Case{"(", "error: syntax error, unexpected end of file at «test»:1:1"},
    Case{"1 +", "error: syntax error, unexpected end of file at «test»:1:3"},
    Case{")", "error: syntax error, unexpected ')' at «test»:1:1"},
    Case{"a b c:", "error: syntax error, unexpected ':', expecting end of file at «test»:1:6"},
    Case{"{ a = 1; } }", "error: syntax error, unexpected '}', expecting end of file at «test»:1:12"},
    Case{"{ a = 1 }", "error: syntax error, unexpected '}', expecting ';' at «test»:1:9"},
    Case{"{ a = 1;", "error: syntax error, unexpected end of file at «test»:1:8"},
    Case{"{ a }", "error: syntax error, unexpected end of file, expecting ':' or '@' at «test»:1:5"},
    Case{"{ ${x} }", "error: syntax error, unexpected '}', expecting '.' or '=' at «test»:1:8"},
    Case{"{ a, b } 1", "error: syntax error, unexpected INT, expecting ':' or '@' at «test»:1:10"},
    Case{"{ , }: 1", "error: syntax error, unexpected ',' at «test»:1:3"},
    Case{"{ ... , }: 1", "error: syntax error, unexpected ',', expecting '}' at «test»:1:7"},
    Case{"{ a ? }: 1", "error: syntax error, unexpected '}' at «test»:1:7"},
    Case{"{ a b }: 1", "error: syntax error, unexpected ID, expecting '.' or '=' at «test»:1:5"},
    Case{"x@y", "error: syntax error, unexpected ID, expecting '{' at «test»:1:3"},
    Case{"{}@", "error: syntax error, unexpected end of file, expecting ID at «test»:1:3"},
    Case{"{}@x", "error: syntax error, unexpected end of file, expecting ':' at «test»:1:4"},
    Case{"if 1 then 2", "error: syntax error, unexpected end of file, expecting ELSE at «test»:1:11"},
    Case{"if 1 else 2", "error: syntax error, unexpected ELSE, expecting THEN at «test»:1:6"},
    Case{"let a = 1", "error: syntax error, unexpected end of file, expecting ';' at «test»:1:9"},
    Case{"let a = 1; in", "error: syntax error, unexpected end of file at «test»:1:12"},
    Case{"let a = 1; b", "error: syntax error, unexpected end of file, expecting '.' or '=' at «test»:1:12"},
    Case{"assert 1", "error: syntax error, unexpected end of file, expecting ';' at «test»:1:8"},
    Case{"with 1", "error: syntax error, unexpected end of file, expecting ';' at «test»:1:6"},
    Case{"[1 2", "error: syntax error, unexpected end of file at «test»:1:4"},
    Case{"[ 1 ; ]", "error: syntax error, unexpected ';' at «test»:1:5"},
    Case{"(1", "error: syntax error, unexpected end of file, expecting ')' at «test»:1:2"},
    Case{"1 == 2 == 3", "error: syntax error, unexpected EQ at «test»:1:8"},
    Case{"1 < 2 > 3", "error: syntax error, unexpected '>' at «test»:1:7"},
    Case{"a.", "error: syntax error, unexpected end of file, expecting ID or OR_KW or DOLLAR_CURLY or '\"' "
               "at «test»:1:2"},
    Case{"a.b or", "error: syntax error, unexpected end of file at «test»:1:5"},
    Case{"or", "error: syntax error, unexpected OR_KW at «test»:1:1"},
    Case{"or: 1", "error: syntax error, unexpected OR_KW at «test»:1:1"},
    Case{"rec 1", "error: syntax error, unexpected INT, expecting '{' at «test»:1:5"},
    Case{"f let a = 1; in a", "error: syntax error, unexpected ID, expecting '{' at «test»:1:7"},
    Case{"{ inherit (a) }", "error: syntax error, unexpected '}' at «test»:1:15"},
    Case{"{ inherit (a b }", "error: syntax error, unexpected '}', expecting ')' at «test»:1:16"},
    Case{"${x}", "error: syntax error, unexpected DOLLAR_CURLY at «test»:1:1"},
    Case{".", "error: syntax error, unexpected '.' at «test»:1:1"},
    Case{"`", "error: syntax error, unexpected invalid token at «test»:1:1"},
    // `{ }` may be formals or a set; when neither reading can go on, Nix
    // reports the formals' expectation.
    Case{"{ } )", "error: syntax error, unexpected ')', expecting ':' or '@' at «test»:1:5"},
    Case{"({ } ...)", "error: syntax error, unexpected ELLIPSIS, expecting ':' or '@' at «test»:1:6"},
    Case{"[ { } ... ]", "error: syntax error, unexpected ELLIPSIS at «test»:1:7"},
    Case{"f { } ;", "error: syntax error, unexpected ';', expecting end of file at «test»:1:7"},
    Case{"x@{ , }: 1", "error: syntax error, unexpected ',', expecting '}' at «test»:1:5"},
    Case{"x@{ a b }: 1", "error: syntax error, unexpected ID, expecting '}' at «test»:1:7"},
    Case{"a\n  ~", "error: syntax error, unexpected invalid token, expecting end of file at «test»:2:3"}));

INSTANTIATE_TEST_SUITE_P(ParserLiterals, ParserErrors, ::testing::Values(
    Case{"\"abc", "error: syntax error, unexpected end of file, expecting '\"' at «test»:1:2"},
    Case{"\"${1", "error: syntax error, unexpected end of file, expecting '}' at «test»:1:4"},
    Case{"\"${1}", "error: syntax error, unexpected end of file, expecting '\"' at «test»:1:5"},
    Case{"''abc", "error: syntax error, unexpected end of file, expecting IND_STR or DOLLAR_CURLY or "
                  "IND_STRING_CLOSE at «test»:1:3"},
    Case{"''a''\\", "error: syntax error, unexpected invalid token, expecting end of file at «test»:1:6"},
    Case{"./a/ ", "error: path has a trailing slash at «test»:1:5"},
    Case{"(./a/)", "error: path has a trailing slash at «test»:1:6"},
    Case{"~/a/", "error: path has a trailing slash at «test»:1:1"},  // at the end: the path
    Case{"./${x}/ ", "error: path has a trailing slash at «test»:1:8"},
    Case{"./a//b", "error: syntax error, unexpected PATH_END, expecting DOLLAR_CURLY at «test»:1:7"},
    Case{"99999999999999999999", "error: invalid integer '99999999999999999999' at «test»:1:1"},
    Case{"1.0e999", "error: invalid float '1.0e999' at «test»:1:1"},
    // Nix reports "unexpected '/'" here.
    Case{"1 /* x", "error: unterminated block comment at «test»:1:3"}));

INSTANTIATE_TEST_SUITE_P(ParserFormals, ParserErrors, ::testing::Values(
    Case{"{ x, x }: 1", "error: duplicate formal function argument 'x' at «test»:1:6"},
    Case{"{ y, x, y, x }: 1", "error: duplicate formal function argument 'y' at «test»:1:9"},
    Case{"{ x }@x: 1", "error: duplicate formal function argument 'x' at «test»:1:1"},
    Case{"x@{ x }: 1", "error: duplicate formal function argument 'x' at «test»:1:1"}));

// "already defined" cites the first definition. Unlike Nix 2.8, an
// `inherit` points at each name (Nix: just after `inherit`), and a clash
// inside two merged sets names the full path at the second definition.
INSTANTIATE_TEST_SUITE_P(ParserDuplicates, ParserErrors, ::testing::Values(
    Case{"{ a = 1; a = 2; }", "error: attribute 'a' already defined at «test»:1:3 at «test»:1:10"},
    Case{"{ a.b = 1; a.b = 2; }", "error: attribute 'a.b' already defined at «test»:1:3 at «test»:1:12"},
    Case{"{ a = 1; a.b = 2; }", "error: attribute 'a.b' already defined at «test»:1:3 at «test»:1:10"},
    Case{"{ a.b = 1; a.b.c = 2; }", "error: attribute 'a.b.c' already defined at «test»:1:3 at «test»:1:12"},
    Case{"{ a = { b = 1; }; a.b = 2; }", "error: attribute 'a.b' already defined at «test»:1:9 at «test»:1:19"},
    Case{"{ a = { b = 1; }; a = { b = 2; }; }",
         "error: attribute 'a.b' already defined at «test»:1:9 at «test»:1:25"},
    Case{"{ a = 1; \"a\" = 2; }", "error: attribute 'a' already defined at «test»:1:3 at «test»:1:10"},
    Case{"{ a = 1; ${\"a\"} = 2; }", "error: attribute 'a' already defined at «test»:1:3 at «test»:1:10"},
    Case{"{ a.b = 1; a.b.${x} = 2; }",
         "error: attribute 'a.b.\"${x}\"' already defined at «test»:1:3 at «test»:1:12"},
    Case{"{ inherit a; inherit a; }", "error: attribute 'a' already defined at «test»:1:11 at «test»:1:22"},
    Case{"{ a = 1; inherit a; }", "error: attribute 'a' already defined at «test»:1:3 at «test»:1:18"},
    Case{"{ inherit a; a.b = 1; }", "error: attribute 'a.b' already defined at «test»:1:11 at «test»:1:14"},
    Case{"{ inherit (x) a; a.b = 1; }", "error: attribute 'a.b' already defined at «test»:1:15 at «test»:1:18"},
    Case{"let a = 1; a = 2; in a", "error: attribute 'a' already defined at «test»:1:5 at «test»:1:12"},
    // Names that are not identifiers are quoted.
    Case{"{ \"b c\" = 1; \"b c\" = 2; }", "error: attribute '\"b c\"' already defined at «test»:1:3 at «test»:1:14"},
    Case{"{ a.\"if\" = 1; a.if = 2; }", "error: syntax error, unexpected IF, expecting ID or OR_KW or DOLLAR_CURLY or "
                                         "'\"' at «test»:1:17"},
    Case{"{ a.\"\".b = 1; a.\"\".b = 2; }", "error: attribute 'a.\"\".b' already defined at «test»:1:3 at «test»:1:15"},
    Case{"{ a.or = 1; a.or = 2; }", "error: attribute 'a.or' already defined at «test»:1:3 at «test»:1:13"},
    // As in Nix, an inherit statement is read to its `;` before its names
    // are checked.
    Case{"{ inherit a a .; }", "error: syntax error, unexpected '.' at «test»:1:15"},
    Case{"{ inherit a a \"${b}\"; }", "error: dynamic attributes not allowed in inherit at «test»:1:15"}));

INSTANTIATE_TEST_SUITE_P(ParserDynamic, ParserErrors, ::testing::Values(
    Case{"let ${x} = 1; in 1", "error: dynamic attributes not allowed in let at «test»:1:1"},
    Case{"let \"${x}\" = 1; in 1", "error: dynamic attributes not allowed in let at «test»:1:1"},
    Case{"{ inherit \"a${b}\"; }", "error: dynamic attributes not allowed in inherit at «test»:1:11"},
    Case{"{ inherit ${b}; }", "error: dynamic attributes not allowed in inherit at «test»:1:11"},
    Case{"{ inherit (x) \"a${b}\"; }", "error: dynamic attributes not allowed in inherit at «test»:1:15"}));

// ---- the nodes built --------------------------------------------------------------

/// Parses `src` and returns its root as T (or fails the test).
template <class T>
T* root(EvalState& state, std::string_view src) {
  auto* e = dynamic_cast<T*>(parse_test(state, src));
  EXPECT_NE(e, nullptr) << src;
  return e;
}

std::string line_col(EvalState& state, PosIdx pos) {
  Pos p = state.positions.resolve(pos);
  return std::to_string(p.line) + ":" + std::to_string(p.column);
}

TEST(ParserNodes, ConcatStringsForceString) {
  EvalState state;
  auto* plus = root<ExprConcatStrings>(state, "a + b");
  EXPECT_FALSE(plus->force_string);
  ASSERT_EQ(plus->parts.size(), 2u);
  auto* str = root<ExprConcatStrings>(state, "\"a${b}\"");
  EXPECT_TRUE(str->force_string);
  auto* path = root<ExprConcatStrings>(state, "./a/${b}");
  EXPECT_FALSE(path->force_string);
  auto* prefix = dynamic_cast<ExprLiteral*>(path->parts[0].second);
  ASSERT_NE(prefix, nullptr);
  EXPECT_EQ(prefix->value.type, Type::Path);
  EXPECT_EQ(prefix->value.string_view(), "/base/a/");
}

TEST(ParserNodes, Literals) {
  EvalState state;
  EXPECT_EQ(root<ExprLiteral>(state, "42")->value.integer, 42);
  EXPECT_EQ(root<ExprLiteral>(state, "2.5")->value.fpoint, 2.5);
  auto* s = root<ExprLiteral>(state, "\"a\\nb\"");
  EXPECT_EQ(s->value.type, Type::String);
  EXPECT_EQ(s->value.string_view(), "a\nb");
  EXPECT_EQ(s->value.str.data[s->value.str.len], '\0');
  auto* p = root<ExprLiteral>(state, "./x/../y");
  EXPECT_EQ(p->value.type, Type::Path);
  EXPECT_EQ(p->value.string_view(), "/base/y");
  EXPECT_EQ(root<ExprLiteral>(state, "http://a.b")->value.type, Type::String);
}

TEST(ParserNodes, UnaryMinusIsZeroMinus) {
  EvalState state;
  auto* neg = root<ExprBinOp>(state, "-x");
  EXPECT_EQ(neg->op, BinOp::Sub);
  auto* zero = dynamic_cast<ExprLiteral*>(neg->e1);
  ASSERT_NE(zero, nullptr);
  EXPECT_EQ(zero->value.type, Type::Int);
  EXPECT_EQ(zero->value.integer, 0);
}

TEST(ParserNodes, BinOpKinds) {
  EvalState state;
  const std::pair<const char*, BinOp> ops[] = {
      {"a == b", BinOp::Eq},  {"a != b", BinOp::NEq}, {"a && b", BinOp::And},
      {"a || b", BinOp::Or},  {"a -> b", BinOp::Impl}, {"a // b", BinOp::Update},
      {"a ++ b", BinOp::ConcatLists}, {"a - b", BinOp::Sub}, {"a * b", BinOp::Mul},
      {"a / b", BinOp::Div},  {"a < b", BinOp::Lt},   {"a <= b", BinOp::Le},
      {"a > b", BinOp::Gt},   {"a >= b", BinOp::Ge},
  };
  for (const auto& [src, op] : ops) EXPECT_EQ(root<ExprBinOp>(state, src)->op, op) << src;
}

TEST(ParserNodes, LambdaNamedAfterItsBinding) {
  EvalState state;
  auto* set = root<ExprAttrs>(state, "{ f = x: x; a.g = y: y; h = (z: z); }");
  auto name_of = [&](Expr* e) {
    auto* lambda = dynamic_cast<ExprLambda*>(e);
    return lambda ? std::string(state.symbols[lambda->name]) : "(not a lambda)";
  };
  EXPECT_EQ(name_of(set->attrs.at(state.symbols.intern("f")).e), "f");
  EXPECT_EQ(name_of(set->attrs.at(state.symbols.intern("h")).e), "h");
  auto* a = dynamic_cast<ExprAttrs*>(set->attrs.at(state.symbols.intern("a")).e);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(name_of(a->attrs.at(state.symbols.intern("g")).e), "g");
  auto* let = root<ExprLet>(state, "let k = x: x; in k");
  EXPECT_EQ(name_of(let->attrs->attrs.at(state.symbols.intern("k")).e), "k");
  EXPECT_EQ(name_of(root<ExprLambda>(state, "x: x")), "");
}

TEST(ParserNodes, FormalsSortedBySymbol) {
  EvalState state;
  Symbol z = state.symbols.intern("z");
  Symbol a = state.symbols.intern("a");
  auto* lambda = root<ExprLambda>(state, "{ a, z ? 1, ... }@args: a");
  ASSERT_NE(lambda->formals, nullptr);
  ASSERT_EQ(lambda->formals->formals.size(), 2u);
  EXPECT_EQ(lambda->formals->formals[0].name, z);
  EXPECT_EQ(lambda->formals->formals[1].name, a);
  EXPECT_NE(lambda->formals->formals[0].def, nullptr);
  EXPECT_TRUE(lambda->formals->ellipsis);
  EXPECT_EQ(state.symbols[lambda->arg], "args");
  EXPECT_EQ(lambda->env_size(), 3u);
  EXPECT_EQ(root<ExprLambda>(state, "x: x")->formals, nullptr);
}

TEST(ParserNodes, InheritKinds) {
  EvalState state;
  auto* set = root<ExprAttrs>(state, "{ inherit a; inherit (s) b c; }");
  using Kind = ExprAttrs::AttrDef::Kind;
  const auto& a = set->attrs.at(state.symbols.intern("a"));
  EXPECT_EQ(a.kind, Kind::Inherited);
  EXPECT_NE(dynamic_cast<ExprVar*>(a.e), nullptr);
  const auto& b = set->attrs.at(state.symbols.intern("b"));
  const auto& c = set->attrs.at(state.symbols.intern("c"));
  EXPECT_EQ(b.kind, Kind::InheritedFrom);
  auto* sel_b = dynamic_cast<ExprSelect*>(b.e);
  auto* sel_c = dynamic_cast<ExprSelect*>(c.e);
  ASSERT_NE(sel_b, nullptr);
  ASSERT_NE(sel_c, nullptr);
  EXPECT_EQ(sel_b->e, sel_c->e);  // `s` is parsed once and shared
  ASSERT_EQ(sel_b->path.size(), 1u);
  EXPECT_EQ(state.symbols[sel_b->path[0].symbol], "b");
}

TEST(ParserNodes, RecursiveFlags) {
  EvalState state;
  EXPECT_FALSE(root<ExprAttrs>(state, "{ }")->recursive);
  EXPECT_TRUE(root<ExprAttrs>(state, "rec { }")->recursive);
  auto* legacy = root<ExprSelect>(state, "let { body = 1; }");
  auto* attrs = dynamic_cast<ExprAttrs*>(legacy->e);
  ASSERT_NE(attrs, nullptr);
  EXPECT_TRUE(attrs->recursive);
  EXPECT_FALSE(root<ExprLet>(state, "let a = 1; in a")->attrs->recursive);
}

TEST(ParserNodes, Positions) {
  EvalState state;
  EXPECT_EQ(line_col(state, root<ExprBinOp>(state, "a\n  == b")->pos), "2:3");  // the operator
  EXPECT_EQ(line_col(state, root<ExprConcatStrings>(state, "a + b")->pos), "1:3");
  EXPECT_EQ(line_col(state, root<ExprSelect>(state, " (a).b.c")->pos), "1:2");  // the start
  EXPECT_EQ(line_col(state, root<ExprCall>(state, "  f x")->pos), "1:3");
  EXPECT_EQ(line_col(state, root<ExprLambda>(state, "\n x: x")->pos), "2:2");
  EXPECT_EQ(line_col(state, root<ExprIf>(state, " if a then b else c")->pos), "1:2");
  EXPECT_EQ(line_col(state, root<ExprOpHasAttr>(state, "a ? b")->pos), "1:3");
  auto* set = root<ExprAttrs>(state, "{\n  a.b = 1;\n  inherit c;\n}");
  EXPECT_EQ(line_col(state, set->pos), "1:1");
  EXPECT_EQ(line_col(state, set->attrs.at(state.symbols.intern("a")).pos), "2:3");
  EXPECT_EQ(line_col(state, set->attrs.at(state.symbols.intern("c")).pos), "3:11");
  auto* var = root<ExprVar>(state, "  x");
  EXPECT_EQ(line_col(state, var->pos), "1:3");
}

TEST(ParserNodes, CurPos) {
  EvalState state;
  EXPECT_NE(root<ExprPos>(state, "__curPos"), nullptr);
}

// ---- nesting ----------------------------------------------------------------------

TEST(ParserNesting, DeepButAllowed) {
  std::string src = std::string(900, '(') + "1" + std::string(900, ')');
  EXPECT_EQ(parsed(src), "1");
}

TEST(ParserNesting, TooDeep) {
  // Every kind of nesting is bounded: no input can exhaust the stack, here
  // or in the passes that walk the tree.
  const size_t n = 100000;
  auto repeat = [](std::string_view s, size_t times) {
    std::string out;
    for (size_t i = 0; i < times; ++i) out += s;
    return out;
  };
  const std::string inputs[] = {
      repeat("(", n) + "1" + repeat(")", n),
      repeat("[", n) + repeat("]", n),
      repeat("!", n) + "a",
      repeat("-", n) + "1",
      "1" + repeat(" + 1", n),
      "1" + repeat(" ++ 1", n),
      repeat("x: ", n) + "x",
      repeat("let a = 1; in ", n) + "a",
      "{ a" + repeat(".a", n) + " = 1; }",
      repeat("\"${", n) + "x" + repeat("}\"", n),
      repeat("{a=", n) + "1" + repeat(";}", n),
      repeat("a.b or ", n) + "c",
      repeat("if a then b else ", n) + "c",
      repeat("./a${", n) + "x" + repeat("}", n),
  };
  for (const std::string& src : inputs) {
    std::string result = parsed(src);
    EXPECT_TRUE(result.starts_with("error: expression nested too deeply at «test»:1:")) << src.substr(0, 20);
  }
}

TEST(ParserNesting, LongFlatInputsAreFine) {
  // Long lists, selects and applications are flat, not nested.
  std::string list = "[";
  std::string select = "x";
  for (int i = 0; i < 20000; ++i) {
    list += " 1";
    select += ".a";
  }
  EXPECT_TRUE(parsed(list + " ]").starts_with("[ (1) (1)"));
  EXPECT_TRUE(parsed(select).starts_with("(x).a.a"));
  // A long run of path characters is scanned once, not once per token.
  std::string dots = "a";
  for (int i = 0; i < 100000; ++i) dots += ".a";
  EXPECT_TRUE(parsed(dots).starts_with("(a).a.a"));
}

}  // namespace
}  // namespace cairn::lang
