// Tests of the lexer: token boundaries (flex's longest match), keywords,
// numbers, the kinds of path, URIs, comments, and the pieces of string,
// indented-string and path literals. Each expectation was checked against
// Nix 2.8 (`nix-instantiate --parse`) where Nix has an opinion.
#include "builder/lang/lexer.hh"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "builder/lang/error.hh"

namespace cairn::lang {
namespace {

/// Lexes `src` to the end: "ID:a '.' ID:b", with the text of tokens that
/// carry one.
std::string lex_all(std::string_view src) {
  PosTable positions;
  auto source = std::make_shared<const std::string>(src);
  uint32_t base = positions.add_origin("«test»", source);
  Lexer lexer(*source, positions, base);
  std::string out;
  for (int i = 0; i < 1000; ++i) {
    Token t = lexer.next();
    if (t.kind == Tok::Eof) break;
    if (!out.empty()) out += ' ';
    out += token_name(t.kind);
    switch (t.kind) {
      case Tok::Id: case Tok::Int: case Tok::Float: case Tok::Path: case Tok::HPath:
      case Tok::SPath: case Tok::Uri: case Tok::IndStringOpen:
        out += ':';
        out += src.substr(t.begin, t.end - t.begin);
        break;
      default:
        break;
    }
  }
  return out;
}

/// The error message and position ("«test»:1:3") lexing `src` throws.
std::string lex_error(std::string_view src) {
  PosTable positions;
  auto source = std::make_shared<const std::string>(src);
  uint32_t base = positions.add_origin("«test»", source);
  Lexer lexer(*source, positions, base);
  try {
    while (lexer.next().kind != Tok::Eof) {
    }
  } catch (const ParseError& e) {
    return e.message + " at " + format_pos(e.pos, positions);
  }
  return "no error";
}

struct Case {
  const char* src;
  const char* tokens;
};
void PrintTo(const Case& c, std::ostream* out) { *out << c.src; }

class LexerTokens : public ::testing::TestWithParam<Case> {};

TEST_P(LexerTokens, Lexes) { EXPECT_EQ(lex_all(GetParam().src), GetParam().tokens) << GetParam().src; }

INSTANTIATE_TEST_SUITE_P(LexerIdentifiers, LexerTokens, ::testing::Values(
    Case{"a a-b a'b _x x1 __curPos", "ID:a ID:a-b ID:a'b ID:_x ID:x1 ID:__curPos"},
    Case{"if then else assert with let in rec inherit or",
         "IF THEN ELSE ASSERT WITH LET IN REC INHERIT OR_KW"},
    Case{"iffy inx orr letter", "ID:iffy ID:inx ID:orr ID:letter"},
    Case{"a-1", "ID:a-1"},
    // `-` is an identifier character, so `a->b` is `a-` `>` `b`, as in Nix.
    Case{"a->b", "ID:a- '>' ID:b"},
    Case{"a -> b", "ID:a IMPL ID:b"}));

INSTANTIATE_TEST_SUITE_P(LexerNumbers, LexerTokens, ::testing::Values(
    Case{"0 123 007", "INT:0 INT:123 INT:007"},
    Case{"1.5 .5 0.5 1. 1.5e3 1.e5 2.5E-3 1.5e+2", "FLOAT:1.5 FLOAT:.5 FLOAT:0.5 FLOAT:1. FLOAT:1.5e3 "
                                                   "FLOAT:1.e5 FLOAT:2.5E-3 FLOAT:1.5e+2"},
    Case{"00.5", "INT:00 FLOAT:.5"},
    Case{"1e3", "INT:1 ID:e3"},
    Case{"1.5e", "FLOAT:1.5 ID:e"},
    Case{"1..2", "FLOAT:1. FLOAT:.2"},
    Case{"1-2", "INT:1 '-' INT:2"},
    Case{"a.1", "ID:a FLOAT:.1"}));

INSTANTIATE_TEST_SUITE_P(LexerPaths, LexerTokens, ::testing::Values(
    Case{"./a ../b /c a/b ./. 2/3", "PATH:./a PATH:../b PATH:/c PATH:a/b PATH:./. PATH:2/3"},
    Case{"a.b/c-d/e_f+g", "PATH:a.b/c-d/e_f+g"},
    Case{"./a/", "PATH:./a/"},
    Case{"a/ b", "ID:a '/' ID:b"},
    Case{"a//b", "ID:a UPDATE ID:b"},
    Case{"a / b", "ID:a '/' ID:b"},
    // A segment ending in `/` is a path token only before `${`.
    Case{"./${x}", "PATH:./ DOLLAR_CURLY ID:x '}'"},
    Case{"/${x}", "PATH:/ DOLLAR_CURLY ID:x '}'"},
    Case{"a/${x}", "PATH:a/ DOLLAR_CURLY ID:x '}'"},
    Case{"./ ${x}", "'.' '/' DOLLAR_CURLY ID:x '}'"},
    Case{"~/a/b", "HPATH:~/a/b"},
    Case{"~/${x}", "HPATH:~/ DOLLAR_CURLY ID:x '}'"},
    Case{"~ /a", "invalid token PATH:/a"},
    Case{"<nixpkgs> <a/b.c>", "SPATH:<nixpkgs> SPATH:<a/b.c>"},
    Case{"a<b>c", "ID:a SPATH:<b> ID:c"},
    Case{"a < b", "ID:a '<' ID:b"},
    Case{"<a", "'<' ID:a"},
    Case{"<a/>", "'<' ID:a '/' '>'"}));

INSTANTIATE_TEST_SUITE_P(LexerUris, LexerTokens, ::testing::Values(
    Case{"http://example.org/?a=b&c=%20", "URI:http://example.org/?a=b&c=%20"},
    Case{"x:y", "URI:x:y"},
    Case{"x: y", "ID:x ':' ID:y"},
    Case{"git+ssh://a@b:c/d.git", "URI:git+ssh://a@b:c/d.git"},
    Case{"x:(y)", "ID:x ':' '(' ID:y ')'"}));

INSTANTIATE_TEST_SUITE_P(LexerOperators, LexerTokens, ::testing::Values(
    Case{"... == != <= >= && || -> // ++", "ELLIPSIS EQ NEQ LEQ GEQ AND OR IMPL UPDATE CONCAT"},
    Case{". ? @ : ; , = { } ( ) [ ] + - * / < > !",
         "'.' '?' '@' ':' ';' ',' '=' '{' '}' '(' ')' '[' ']' '+' '-' '*' '/' '<' '>' '!'"},
    Case{"${", "DOLLAR_CURLY"},
    Case{"\"", "'\"'"},
    Case{"..", "'.' '.'"},
    Case{"+++", "CONCAT '+'"},
    Case{"` $ & | \\ %", "invalid token invalid token invalid token invalid token invalid token invalid token"}));

INSTANTIATE_TEST_SUITE_P(LexerIndStringOpen, LexerTokens, ::testing::Values(
    // The opening `''` takes a following line of only spaces with it.
    Case{"''", "IND_STRING_OPEN:''"},
    Case{"''\n", "IND_STRING_OPEN:''\n"},
    Case{"''   \n", "IND_STRING_OPEN:''   \n"},
    Case{"''\t\n", "IND_STRING_OPEN:''"}));

INSTANTIATE_TEST_SUITE_P(LexerSpaceAndComments, LexerTokens, ::testing::Values(
    Case{" \t\r\n a \n", "ID:a"},
    Case{"a # comment\nb", "ID:a ID:b"},
    Case{"a #", "ID:a"},
    Case{"a /* x */ b", "ID:a ID:b"},
    Case{"a/**/b", "ID:a ID:b"},
    Case{"a /* ** / */ b", "ID:a ID:b"},
    Case{"/* a */ /* b */", ""},
    Case{"", ""}));

TEST(LexerErrors, IntegerOverflow) {
  EXPECT_EQ(lex_error("9223372036854775807"), "no error");
  EXPECT_EQ(lex_error("x 9223372036854775808"), "invalid integer '9223372036854775808' at «test»:1:3");
}

TEST(LexerErrors, FloatOutOfRange) {
  EXPECT_EQ(lex_error("1.0e999"), "invalid float '1.0e999' at «test»:1:1");
  EXPECT_EQ(lex_error("1.0e-400"), "invalid float '1.0e-400' at «test»:1:1");
}

TEST(LexerErrors, UnterminatedComment) {
  EXPECT_EQ(lex_error("a\n  /* x"), "unterminated block comment at «test»:2:3");
}

TEST(Lexer, NumberValues) {
  PosTable positions;
  auto source = std::make_shared<const std::string>("42 2.5 .5e1");
  Lexer lexer(*source, positions, positions.add_origin("«test»", source));
  EXPECT_EQ(lexer.next().integer, 42);
  EXPECT_EQ(lexer.next().fpoint, 2.5);
  EXPECT_EQ(lexer.next().fpoint, 5.0);
}

TEST(Lexer, EndOfFileSitsOnTheLastThingRead) {
  // As in Nix (flex), "unexpected end of file" points at the last token,
  // whitespace run or comment read.
  auto eof_at = [](std::string_view src) {
    PosTable positions;
    auto source = std::make_shared<const std::string>(src);
    Lexer lexer(*source, positions, positions.add_origin("«test»", source));
    Token t;
    do t = lexer.next(); while (t.kind != Tok::Eof);
    EXPECT_EQ(lexer.next().kind, Tok::Eof);
    return t.begin;
  };
  EXPECT_EQ(eof_at(""), 0u);
  EXPECT_EQ(eof_at("a bc"), 2u);
  EXPECT_EQ(eof_at("a bc  \n "), 4u);
  EXPECT_EQ(eof_at("a # c"), 2u);
  EXPECT_EQ(eof_at("a /* c */"), 2u);
  EXPECT_EQ(eof_at("a # c\n"), 5u);
}

TEST(Lexer, SaveAndRestore) {
  PosTable positions;
  auto source = std::make_shared<const std::string>("a b c");
  Lexer lexer(*source, positions, positions.add_origin("«test»", source));
  lexer.next();
  Lexer::State saved = lexer.save();
  EXPECT_EQ(lexer.next().begin, 2u);
  EXPECT_EQ(lexer.next().begin, 4u);
  lexer.restore(saved);
  EXPECT_EQ(lexer.next().begin, 2u);
}

TEST(Lexer, Identifiers) {
  EXPECT_TRUE(is_identifier("a"));
  EXPECT_TRUE(is_identifier("_a-b'1"));
  EXPECT_TRUE(is_identifier("or"));  // usable bare as an attribute name
  EXPECT_FALSE(is_identifier("if"));
  EXPECT_FALSE(is_identifier("inherit"));
  EXPECT_FALSE(is_identifier(""));
  EXPECT_FALSE(is_identifier("1a"));
  EXPECT_FALSE(is_identifier("a b"));
  EXPECT_FALSE(is_identifier("a.b"));
}

TEST(Lexer, QuoteAndUnescape) {
  EXPECT_EQ(quote_string("a\"b\\c\nd\re\tf${g}$h"), "\"a\\\"b\\\\c\\nd\\re\\tf\\${g}$h\"");
  EXPECT_EQ(unescape_string("a\\nb\\tc\\rd\\\"e\\\\f\\qg\\$"), "a\nb\tc\rd\"e\\fqg$");
  EXPECT_EQ(unescape_string("a\r\nb\rc"), "a\nb\nc");
  const std::string tricky = "x\"\\\n\r\t${y}$$ z";
  std::string quoted = quote_string(tricky);
  EXPECT_EQ(unescape_string(std::string_view(quoted).substr(1, quoted.size() - 2)), tricky);
}

// ---- pieces of literals ----------------------------------------------------------

enum class Literal { String, IndString, Path };

/// Reads the pieces of a literal whose body starts at offset 0 of `src`,
/// reading `${ … }` as tokens up to the `}`: "TEXT(a) ${ ID:x } TEXT(b) END".
/// Raw text of an indented string is TEXT*, escapes TEXT.
std::string pieces(std::string_view src, Literal kind) {
  PosTable positions;
  auto source = std::make_shared<const std::string>(src);
  Lexer lexer(*source, positions, positions.add_origin("«test»", source));
  std::string out;
  for (int i = 0; i < 100; ++i) {
    Piece p = kind == Literal::String ? lexer.string_piece()
              : kind == Literal::IndString ? lexer.ind_string_piece()
                                           : lexer.path_piece();
    if (!out.empty()) out += ' ';
    switch (p.kind) {
      case Piece::Kind::Text:
        out += p.has_indentation ? "TEXT*(" : "TEXT(";
        out += p.text;
        out += ')';
        break;
      case Piece::Kind::DollarCurly:
        out += "${";
        for (Token t = lexer.next(); t.kind != Tok::RBrace && t.kind != Tok::Eof; t = lexer.next()) {
          out += ' ';
          out += token_name(t.kind);
        }
        out += " }";
        break;
      case Piece::Kind::End:
        return out + "END";
      case Piece::Kind::Eof:
        return out + "EOF";
    }
  }
  return out + "…";
}

struct PieceCase {
  const char* src;
  const char* pieces;
};
void PrintTo(const PieceCase& c, std::ostream* out) { *out << c.src; }

class LexerStringPieces : public ::testing::TestWithParam<PieceCase> {};
TEST_P(LexerStringPieces, Pieces) {
  EXPECT_EQ(pieces(GetParam().src, Literal::String), GetParam().pieces) << GetParam().src;
}
INSTANTIATE_TEST_SUITE_P(LexerStrings, LexerStringPieces, ::testing::Values(
    PieceCase{"abc\"", "TEXT(abc) END"},
    PieceCase{"\"", "END"},
    PieceCase{"a\\nb\\tc\\rd\\\"e\\\\f\\qg\"", "TEXT(a\nb\tc\rd\"e\\fqg) END"},
    PieceCase{"a${x}b\"", "TEXT(a) ${ ID } TEXT(b) END"},
    PieceCase{"${x}${y}\"", "${ ID } ${ ID } END"},
    // `$${` is literal, a lone `$` is literal, `\$` and `$\{` escape.
    PieceCase{"$${x}\"", "TEXT($${x}) END"},
    PieceCase{"a$\"", "TEXT(a$) END"},
    PieceCase{"$\"", "TEXT($) END"},
    PieceCase{"a $ b\"", "TEXT(a $ b) END"},
    PieceCase{"\\${x}\"", "TEXT(${x}) END"},
    PieceCase{"$\\{x}\"", "TEXT(${x}) END"},
    // CR and CRLF read as LF, but an escaped CR stays.
    PieceCase{"a\r\nb\rc\\\rd\"", "TEXT(a\nb\nc\rd) END"},
    PieceCase{"a\\\nb\"", "TEXT(a\nb) END"},
    PieceCase{"abc", "TEXT(abc) EOF"},
    PieceCase{"abc\\", "TEXT(abc) EOF"},
    PieceCase{"abc$", "TEXT(abc) EOF"},
    PieceCase{"", "EOF"}));

class LexerIndStringPieces : public ::testing::TestWithParam<PieceCase> {};
TEST_P(LexerIndStringPieces, Pieces) {
  EXPECT_EQ(pieces(GetParam().src, Literal::IndString), GetParam().pieces) << GetParam().src;
}
INSTANTIATE_TEST_SUITE_P(LexerIndStrings, LexerIndStringPieces, ::testing::Values(
    PieceCase{"  a\n  b''", "TEXT*(  a\n  b) END"},
    PieceCase{"''", "END"},
    PieceCase{"a'b \"c\" \\n''", "TEXT*(a'b \"c\" \\n) END"},
    PieceCase{"a$b $$ ''", "TEXT*(a$b $$ ) END"},
    PieceCase{"a${x}b''", "TEXT*(a) ${ ID } TEXT*(b) END"},
    PieceCase{"$${x}''", "TEXT*($${x}) END"},
    // Escapes: ''$ ''' ''\x, and a `$` or `'` that cannot join the text.
    PieceCase{"a''${x}''", "TEXT*(a) TEXT($) TEXT*({x}) END"},
    PieceCase{"'''''", "TEXT('') END"},
    PieceCase{"''\\n''\\t''\\x''\\'''", "TEXT(\n) TEXT(\t) TEXT(x) TEXT(') END"},
    PieceCase{"a$''", "TEXT*(a) TEXT($) END"},
    PieceCase{"'$''", "TEXT(') TEXT($) END"},
    PieceCase{"x''\\", "TEXT*(x) END"},
    PieceCase{"abc", "TEXT*(abc) EOF"},
    PieceCase{"abc'", "TEXT*(abc) TEXT(') EOF"},
    PieceCase{"", "EOF"}));

class LexerPathPieces : public ::testing::TestWithParam<PieceCase> {};
TEST_P(LexerPathPieces, Pieces) {
  EXPECT_EQ(pieces(GetParam().src, Literal::Path), GetParam().pieces) << GetParam().src;
}
INSTANTIATE_TEST_SUITE_P(LexerPaths, LexerPathPieces, ::testing::Values(
    PieceCase{"${x}-b/c.d", "${ ID } TEXT(-b/c.d) END"},
    PieceCase{"${x}/${y})", "${ ID } TEXT(/) ${ ID } END"},
    PieceCase{"${x}//y", "${ ID } TEXT(/) TEXT(/y) END"},
    PieceCase{"${x} y", "${ ID } END"},
    PieceCase{"-b ", "TEXT(-b) END"},
    PieceCase{"", "END"}));

}  // namespace
}  // namespace cairn::lang
