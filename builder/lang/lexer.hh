// The Nix language lexer: source text to tokens, on demand.
//
// Nix's reference lexer is a flex scanner with a stack of start conditions
// (inside "…", inside ''…'', inside a path with `${…}`). Here the parser
// drives the mode instead: `next()` reads one token of ordinary code, and
// after an opening `"`, `''` or path token the parser asks for the pieces of
// that literal with `string_piece()`, `ind_string_piece()` or `path_piece()`,
// parsing each `${ expr }` itself before it resumes the literal. Nothing is
// tokenised ahead of the parser; `save()`/`restore()` give it lookahead.
//
// Token boundaries follow flex's rule: the longest match wins, and a tie goes
// to the rule listed first in Nix's lexer.l (so `if` is a keyword, `a/b` is
// a path, `x:y` is a URI and `a->b` is `a-` `>` `b`, exactly as in Nix).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "builder/lang/pos.hh"

namespace cairn::lang {

/// Token kinds of ordinary code. The comment after each is the name bison
/// gives it in Nix's syntax errors ("unexpected ID").
enum class Tok : uint8_t {
  Eof,            ///< end of file
  Invalid,        ///< invalid token: a character the grammar does not use
  Id,             ///< ID
  Int,            ///< INT
  Float,          ///< FLOAT
  Path,           ///< PATH: `./a`, `a/b`, `/a/`, `./a-` before `${`
  HPath,          ///< HPATH: `~/a`, `~/` before `${`
  SPath,          ///< SPATH: `<nixpkgs/lib>`
  Uri,            ///< URI: `http://example.org`
  If, Then, Else, Assert, With, Let, In, Rec, Inherit,
  OrKw,           ///< OR_KW: the keyword `or`
  Ellipsis,       ///< ELLIPSIS: `...`
  Eq, NEq, Le, Ge, And, Or, Impl, Update, Concat,  ///< == != <= >= && || -> // ++
  DollarCurly,    ///< DOLLAR_CURLY: `${`
  IndStringOpen,  ///< IND_STRING_OPEN: `''`, with a following blank first line
  Quote,          ///< '"'
  Dot, Question, At, Colon, Semicolon, Comma, Assign,
  LBrace, RBrace, LParen, RParen, LBracket, RBracket,
  Plus, Minus, Star, Slash, Lt, Gt, Not,
};

/// The name of a token kind in syntax errors: "ID", "'{'", "end of file".
std::string_view token_name(Tok kind);

struct Token {
  Tok kind = Tok::Eof;
  uint32_t begin = 0;  ///< byte offset of the first character
  uint32_t end = 0;    ///< byte offset just past the token
  int64_t integer = 0; ///< the value of an Int
  double fpoint = 0;   ///< the value of a Float
};

/// One piece of a string, indented string or interpolated path literal.
struct Piece {
  enum class Kind : uint8_t {
    Text,         ///< literal text, in `text`
    DollarCurly,  ///< `${`: the parser reads an expression and `}`
    End,          ///< closing `"` / `''`; for paths: the path ended (nothing consumed)
    Eof,          ///< the input ended inside the literal
  };
  Kind kind = Kind::Eof;
  uint32_t begin = 0;
  uint32_t end = 0;
  std::string text;  ///< Text: unescaped contents
  /// Indented strings: true for raw text, which is subject to indentation
  /// stripping; false for escapes (`''$`, `'''`, `''\n`, a lone `$` or `'`).
  bool has_indentation = false;
};

class Lexer {
 public:
  /// Lexes `source`; positions in errors are `base` + offset in `positions`
  /// (the base that PosTable::add_origin returned for this source).
  Lexer(std::string_view source, const PosTable& positions, uint32_t base)
      : src_(source), positions_(positions), base_(base) {}

  /// The next token of ordinary code, after whitespace and comments. At the
  /// end it returns Eof, again and again, positioned like Nix's: at the start
  /// of the last token, whitespace run or comment read. Throws ParseError for an unterminated comment,
  /// an integer that does not fit in 64 bits or a float out of range.
  Token next();

  /// Inside "…": text (escapes resolved, CR and CRLF read as LF), `${`, the
  /// closing quote, or the end of input.
  Piece string_piece();
  /// Inside ''…'': raw text, an escape, `${`, the closing `''`, or the end
  /// of input. Indentation is stripped by the parser, which sees the pieces.
  Piece ind_string_piece();
  /// After a path token or an interpolation inside a path: `${`, more path
  /// text (`-b`, `/c/`), or End when the next character cannot continue it.
  Piece path_piece();

  /// Lexer state, for lookahead: restore() rewinds to a save().
  struct State {
    uint32_t pos = 0;
    uint32_t last_begin = 0;
  };
  State save() const { return {pos_, last_begin_}; }
  void restore(State s) { pos_ = s.pos; last_begin_ = s.last_begin; }

  /// The offset of the next unread character.
  uint32_t offset() const { return pos_; }
  std::string_view source() const { return src_; }
  /// The position of byte `offset` of this source.
  PosIdx at(size_t offset) const { return positions_.at(base_, offset); }

 private:
  /// The byte at `i`, or 0 past the end (callers check bounds for NULs).
  char peek_at(size_t i) const { return i < src_.size() ? src_[i] : '\0'; }
  bool has(size_t i) const { return i < src_.size(); }
  void skip_space_and_comments();
  Token make(Tok kind, size_t begin, size_t end);

  /// The end of the run of characters satisfying `Pred` that contains
  /// offset `i`, remembered between calls: rules such as PATH look at the
  /// whole run of path characters ahead (`a.b.c…`) but usually match only
  /// a token's worth, and rescanning the run for every token would make
  /// lexing quadratic.
  template <bool (*Pred)(char)>
  struct RunCache {
    size_t begin = 0, end = 0;
    size_t end_of_run(std::string_view s, size_t i) {
      if (i < begin || i >= end) {
        begin = i;
        end = i;
        while (end < s.size() && Pred(s[end])) ++end;
      }
      return end;
    }
  };
  static bool is_path_char(char c);
  static bool is_scheme_char(char c);
  Piece piece(Piece::Kind kind, size_t begin, size_t end);
  void number_value(Token& t) const;

  std::string_view src_;
  const PosTable& positions_;
  uint32_t base_;
  uint32_t pos_ = 0;
  uint32_t last_begin_ = 0;  ///< start of the last token or piece returned
  RunCache<&Lexer::is_path_char> path_runs_;
  RunCache<&Lexer::is_scheme_char> scheme_runs_;
};

/// Whether `s` reads back as the same name without quotes: an identifier
/// that is not a keyword (`or` counts as an identifier here, as it does in
/// attribute paths).
bool is_identifier(std::string_view s);

/// `s` as a "…" literal that reads back as `s`: `"` `\` newline, CR, tab
/// and the `$` of `${` escaped.
std::string quote_string(std::string_view s);

/// Resolves the escapes of a "…" string body (`\n` `\r` `\t`, `\x` → x)
/// and turns CR and CRLF into LF, as Nix's unescapeStr does.
std::string unescape_string(std::string_view raw);

}  // namespace cairn::lang
