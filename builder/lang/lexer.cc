// The Nix lexer (see lexer.hh for the design).
//
// Each `match_*` function below is one rule of Nix's lexer.l written out by
// hand: it returns how many bytes the rule's regular expression matches at a
// position (0: no match). `Lexer::next` offers every rule's match in the
// order of lexer.l and keeps the longest, the first on a tie, which is how
// flex chooses. The regular expressions, from Nix 2.8:
//
//   ID     [a-zA-Z_][a-zA-Z0-9_'-]*
//   INT    [0-9]+
//   FLOAT  (([1-9][0-9]*\.[0-9]*)|(0?\.[0-9]+))([Ee][+-]?[0-9]+)?
//   PC     [a-zA-Z0-9._+-]                       (a path character)
//   PATH   PC*(/PC+)+/?        and  PC*/ when `${` follows
//   HPATH  ~(/PC+)+/?          and  ~/ when `${` follows
//   SPATH  <PC+(/PC+)*>
//   URI    [a-zA-Z][a-zA-Z0-9+.-]*:[a-zA-Z0-9%/?:@&=+$,_.!~*'-]+
//
// Every loop checks the source length itself: sources may hold NUL bytes,
// and nothing here relies on a terminator.
#include "builder/lang/lexer.hh"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <limits>

#include "builder/lang/error.hh"

namespace cairn::lang {

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_id_char(char c) { return is_alpha(c) || is_digit(c) || c == '_' || c == '\'' || c == '-'; }
bool is_path_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '.' || c == '_' || c == '+' || c == '-';
}
bool is_uri_char(char c) {
  if (is_alpha(c) || is_digit(c)) return true;
  switch (c) {
    case '%': case '/': case '?': case ':': case '@': case '&': case '=': case '+':
    case '$': case ',': case '-': case '_': case '.': case '!': case '~': case '*':
    case '\'':
      return true;
    default:
      return false;
  }
}

/// Counts the characters from `i` satisfying `pred`.
template <class Pred>
size_t span(std::string_view s, size_t i, Pred pred) {
  size_t j = i;
  while (j < s.size() && pred(s[j])) ++j;
  return j - i;
}

bool starts_with_at(std::string_view s, size_t i, std::string_view what) {
  return s.substr(i < s.size() ? i : s.size()).starts_with(what);
}

size_t match_id(std::string_view s, size_t i) {
  if (!(is_alpha(s[i]) || s[i] == '_')) return 0;
  return 1 + span(s, i + 1, is_id_char);
}

size_t match_float(std::string_view s, size_t i) {
  size_t j = i;
  if (s[i] >= '1' && s[i] <= '9') {
    j += span(s, j, is_digit);
    if (j >= s.size() || s[j] != '.') return 0;
    ++j;
    j += span(s, j, is_digit);
  } else {
    if (s[j] == '0') ++j;
    if (j >= s.size() || s[j] != '.') return 0;
    size_t digits = span(s, j + 1, is_digit);
    if (digits == 0) return 0;
    j += 1 + digits;
  }
  // Optional exponent: only taken when digits follow.
  if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
    size_t k = j + 1;
    if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
    size_t digits = span(s, k, is_digit);
    if (digits > 0) j = k + digits;
  }
  return j - i;
}

/// `(/PC+)*` followed by an optional `/`, from `j`; returns the new end and
/// the number of `/PC+` segments in `segments`.
size_t path_segments(std::string_view s, size_t j, size_t& segments) {
  segments = 0;
  while (j + 1 < s.size() && s[j] == '/' && is_path_char(s[j + 1])) {
    j += 1 + span(s, j + 1, is_path_char);
    ++segments;
  }
  if (j < s.size() && s[j] == '/') ++j;
  return j;
}

/// PATH: `PC*(/PC+)+/?`. `run_end` is where the path characters from `i` end.
size_t match_path(std::string_view s, size_t i, size_t run_end) {
  size_t segments;
  size_t j = path_segments(s, run_end, segments);
  return segments > 0 ? j - i : 0;
}

/// PATH_SEG followed by `${`: `PC*/` — returns the length without the `${`.
size_t match_path_seg_interp(std::string_view s, size_t i, size_t run_end) {
  return starts_with_at(s, run_end, "/${") ? run_end + 1 - i : 0;
}

/// HPATH: `~(/PC+)+/?`.
size_t match_hpath(std::string_view s, size_t i) {
  if (s[i] != '~') return 0;
  size_t segments;
  size_t j = path_segments(s, i + 1, segments);
  return segments > 0 ? j - i : 0;
}

/// SPATH: `<PC+(/PC+)*>`; `run_end` is where the path characters from
/// `i + 1` end.
size_t match_spath(std::string_view s, size_t i, size_t run_end) {
  if (s[i] != '<' || run_end == i + 1) return 0;
  size_t j = run_end;
  while (j + 1 < s.size() && s[j] == '/' && is_path_char(s[j + 1])) j += 1 + span(s, j + 1, is_path_char);
  return j < s.size() && s[j] == '>' ? j + 1 - i : 0;
}

/// URI; `scheme_end` is where the scheme characters from `i` end.
size_t match_uri(std::string_view s, size_t i, size_t scheme_end) {
  if (!is_alpha(s[i])) return 0;
  size_t j = scheme_end;
  if (j >= s.size() || s[j] != ':') return 0;
  size_t rest = span(s, j + 1, is_uri_char);
  return rest > 0 ? j + 1 + rest - i : 0;
}

struct Fixed {
  std::string_view text;
  Tok kind;
};

/// Multi-character operators, in lexer.l's order.
constexpr std::array<Fixed, 10> kOperators = {{
    {"...", Tok::Ellipsis}, {"==", Tok::Eq}, {"!=", Tok::NEq}, {"<=", Tok::Le},
    {">=", Tok::Ge}, {"&&", Tok::And}, {"||", Tok::Or}, {"->", Tok::Impl},
    {"//", Tok::Update}, {"++", Tok::Concat},
}};

constexpr std::array<Fixed, 9> kKeywords = {{
    {"if", Tok::If}, {"then", Tok::Then}, {"else", Tok::Else}, {"assert", Tok::Assert},
    {"with", Tok::With}, {"let", Tok::Let}, {"in", Tok::In}, {"rec", Tok::Rec},
    {"inherit", Tok::Inherit},
}};

/// The token for a single character the grammar uses, or Invalid.
Tok single_char(char c) {
  switch (c) {
    case '.': return Tok::Dot;
    case '?': return Tok::Question;
    case '@': return Tok::At;
    case ':': return Tok::Colon;
    case ';': return Tok::Semicolon;
    case ',': return Tok::Comma;
    case '=': return Tok::Assign;
    case '{': return Tok::LBrace;
    case '}': return Tok::RBrace;
    case '(': return Tok::LParen;
    case ')': return Tok::RParen;
    case '[': return Tok::LBracket;
    case ']': return Tok::RBracket;
    case '+': return Tok::Plus;
    case '-': return Tok::Minus;
    case '*': return Tok::Star;
    case '/': return Tok::Slash;
    case '<': return Tok::Lt;
    case '>': return Tok::Gt;
    case '!': return Tok::Not;
    case '"': return Tok::Quote;
    default: return Tok::Invalid;
  }
}

}  // namespace

bool Lexer::is_path_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '.' || c == '_' || c == '+' || c == '-';
}
bool Lexer::is_scheme_char(char c) { return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.'; }

std::string_view token_name(Tok kind) {
  switch (kind) {
    case Tok::Eof: return "end of file";
    case Tok::Invalid: return "invalid token";
    case Tok::Id: return "ID";
    case Tok::Int: return "INT";
    case Tok::Float: return "FLOAT";
    case Tok::Path: return "PATH";
    case Tok::HPath: return "HPATH";
    case Tok::SPath: return "SPATH";
    case Tok::Uri: return "URI";
    case Tok::If: return "IF";
    case Tok::Then: return "THEN";
    case Tok::Else: return "ELSE";
    case Tok::Assert: return "ASSERT";
    case Tok::With: return "WITH";
    case Tok::Let: return "LET";
    case Tok::In: return "IN";
    case Tok::Rec: return "REC";
    case Tok::Inherit: return "INHERIT";
    case Tok::OrKw: return "OR_KW";
    case Tok::Ellipsis: return "ELLIPSIS";
    case Tok::Eq: return "EQ";
    case Tok::NEq: return "NEQ";
    case Tok::Le: return "LEQ";
    case Tok::Ge: return "GEQ";
    case Tok::And: return "AND";
    case Tok::Or: return "OR";
    case Tok::Impl: return "IMPL";
    case Tok::Update: return "UPDATE";
    case Tok::Concat: return "CONCAT";
    case Tok::DollarCurly: return "DOLLAR_CURLY";
    case Tok::IndStringOpen: return "IND_STRING_OPEN";
    case Tok::Quote: return "'\"'";
    case Tok::Dot: return "'.'";
    case Tok::Question: return "'?'";
    case Tok::At: return "'@'";
    case Tok::Colon: return "':'";
    case Tok::Semicolon: return "';'";
    case Tok::Comma: return "','";
    case Tok::Assign: return "'='";
    case Tok::LBrace: return "'{'";
    case Tok::RBrace: return "'}'";
    case Tok::LParen: return "'('";
    case Tok::RParen: return "')'";
    case Tok::LBracket: return "'['";
    case Tok::RBracket: return "']'";
    case Tok::Plus: return "'+'";
    case Tok::Minus: return "'-'";
    case Tok::Star: return "'*'";
    case Tok::Slash: return "'/'";
    case Tok::Lt: return "'<'";
    case Tok::Gt: return "'>'";
    case Tok::Not: return "'!'";
  }
  return "invalid token";
}

bool is_identifier(std::string_view s) {
  if (s.empty() || match_id(s, 0) != s.size()) return false;
  return std::none_of(kKeywords.begin(), kKeywords.end(), [&](const Fixed& kw) { return kw.text == s; });
}

std::string quote_string(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    switch (s[i]) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '$': out += i + 1 < s.size() && s[i + 1] == '{' ? "\\$" : "$"; break;
      default: out += s[i];
    }
  }
  return out + '"';
}

std::string unescape_string(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      char e = raw[++i];
      out += e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
    } else if (c == '\r') {
      out += '\n';
      if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
    } else {
      out += c;
    }
  }
  return out;
}

Token Lexer::make(Tok kind, size_t begin, size_t end) {
  Token t;
  t.kind = kind;
  t.begin = static_cast<uint32_t>(begin);
  t.end = static_cast<uint32_t>(end);
  pos_ = t.end;
  last_begin_ = t.begin;
  return t;
}

Piece Lexer::piece(Piece::Kind kind, size_t begin, size_t end) {
  Piece p;
  p.kind = kind;
  p.begin = static_cast<uint32_t>(begin);
  p.end = static_cast<uint32_t>(end);
  pos_ = p.end;
  if (kind != Piece::Kind::Eof) last_begin_ = p.begin;
  return p;
}

void Lexer::skip_space_and_comments() {
  for (;;) {
    char c = peek_at(pos_);
    if (!has(pos_)) return;
    // Like flex, count a run of whitespace or a comment as the last thing
    // read: that is where Nix places the end of file.
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      last_begin_ = pos_;
      while (has(pos_) && (src_[pos_] == ' ' || src_[pos_] == '\t' || src_[pos_] == '\r' || src_[pos_] == '\n')) {
        ++pos_;
      }
    } else if (c == '#') {
      last_begin_ = pos_;
      while (has(pos_) && src_[pos_] != '\n' && src_[pos_] != '\r') ++pos_;
    } else if (c == '/' && peek_at(pos_ + 1) == '*') {
      size_t close = src_.find("*/", pos_ + 2);
      if (close == std::string_view::npos) throw ParseError("unterminated block comment", at(pos_));
      last_begin_ = pos_;
      pos_ = static_cast<uint32_t>(close + 2);
    } else {
      return;
    }
  }
}

void Lexer::number_value(Token& t) const {
  std::string text(src_.substr(t.begin, t.end - t.begin));
  if (t.kind == Tok::Int) {
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    int64_t v = 0;
    for (char c : text) {
      int d = c - '0';
      if (v > (kMax - d) / 10) throw ParseError("invalid integer '" + text + "'", at(t.begin));
      v = v * 10 + d;
    }
    t.integer = v;
  } else {
    errno = 0;
    t.fpoint = std::strtod(text.c_str(), nullptr);
    if (errno != 0) throw ParseError("invalid float '" + text + "'", at(t.begin));
  }
}

Token Lexer::next() {
  skip_space_and_comments();
  if (!has(pos_)) {
    Token t;
    t.kind = Tok::Eof;
    t.begin = t.end = last_begin_;
    return t;
  }
  const size_t i = pos_;
  const char c = src_[i];

  // Candidates in lexer.l's order; a later rule wins only if strictly longer.
  size_t best = 0;
  Tok kind = Tok::Invalid;
  size_t token_len = 0;  // differs from `best` only for PATH_SEG + `${`
  auto offer = [&](size_t len, Tok k) {
    if (len > best) {
      best = len;
      kind = k;
      token_len = len;
    }
  };

  for (const Fixed& op : kOperators) {
    if (op.text[0] == c && starts_with_at(src_, i, op.text)) offer(op.text.size(), op.kind);
  }
  if (size_t n = match_id(src_, i)) {
    Tok k = Tok::Id;
    std::string_view word = src_.substr(i, n);
    for (const Fixed& kw : kKeywords) {
      if (kw.text[0] == c && word == kw.text) k = kw.kind;
    }
    if (word == "or") k = Tok::OrKw;
    offer(n, k);
  }
  if (is_digit(c)) offer(span(src_, i, is_digit), Tok::Int);
  offer(match_float(src_, i), Tok::Float);
  if (starts_with_at(src_, i, "${")) offer(2, Tok::DollarCurly);
  if (c == '}' || c == '{' || c == '"') offer(1, single_char(c));
  if (starts_with_at(src_, i, "''")) {
    size_t j = i + 2 + span(src_, i + 2, [](char ch) { return ch == ' '; });
    offer(j < src_.size() && src_[j] == '\n' ? j + 1 - i : 2, Tok::IndStringOpen);
  }
  const size_t path_run = path_runs_.end_of_run(src_, i);
  if (size_t n = match_path_seg_interp(src_, i, path_run); n + 2 > best && n > 0) {
    best = n + 2;
    kind = Tok::Path;
    token_len = n;
  }
  if (starts_with_at(src_, i, "~/${") && 4 > best) {
    best = 4;
    kind = Tok::HPath;
    token_len = 2;
  }
  offer(match_path(src_, i, path_run), Tok::Path);
  offer(match_hpath(src_, i), Tok::HPath);
  if (c == '<') offer(match_spath(src_, i, path_runs_.end_of_run(src_, i + 1)), Tok::SPath);
  if (is_alpha(c)) offer(match_uri(src_, i, scheme_runs_.end_of_run(src_, i)), Tok::Uri);
  offer(1, single_char(c));

  Token t = make(kind, i, i + token_len);
  if (kind == Tok::Int || kind == Tok::Float) number_value(t);
  return t;
}

Piece Lexer::string_piece() {
  const size_t i = pos_;
  if (!has(i)) return piece(Piece::Kind::Eof, last_begin_, i);
  if (src_[i] == '"') return piece(Piece::Kind::End, i, i + 1);
  if (starts_with_at(src_, i, "${")) return piece(Piece::Kind::DollarCurly, i, i + 2);

  // ([^$"\\] | \$[^{"\\] | \\ANY | \$\\ANY)*, then a `$` right before the
  // closing quote belongs to the text too.
  size_t j = i;
  for (;;) {
    if (!has(j)) break;
    char c = src_[j];
    if (c != '$' && c != '"' && c != '\\') {
      ++j;
    } else if (c == '\\' && has(j + 1)) {
      j += 2;
    } else if (c == '$' && has(j + 1) && src_[j + 1] != '{' && src_[j + 1] != '"' && src_[j + 1] != '\\') {
      j += 2;
    } else if (c == '$' && has(j + 2) && src_[j + 1] == '\\') {
      j += 3;
    } else {
      break;
    }
  }
  if (has(j + 1) && src_[j] == '$' && src_[j + 1] == '"') ++j;
  // Nothing matched: a `\`, `$` or `$\` at the very end of the input,
  // which Nix reads as the end of file.
  if (j == i) return piece(Piece::Kind::Eof, i, i);
  Piece p = piece(Piece::Kind::Text, i, j);
  p.text = unescape_string(src_.substr(i, j - i));
  return p;
}

Piece Lexer::ind_string_piece() {
  const size_t i = pos_;
  if (!has(i)) return piece(Piece::Kind::Eof, last_begin_, i);

  // Raw text: ([^$'] | \$[^{'] | '[^'$])+
  size_t j = i;
  for (;;) {
    if (!has(j)) break;
    char c = src_[j];
    if (c != '$' && c != '\'') {
      ++j;
    } else if (has(j + 1) && ((c == '$' && src_[j + 1] != '{' && src_[j + 1] != '\'') ||
                              (c == '\'' && src_[j + 1] != '\'' && src_[j + 1] != '$'))) {
      j += 2;
    } else {
      break;
    }
  }
  if (j > i) {
    Piece p = piece(Piece::Kind::Text, i, j);
    p.text = std::string(src_.substr(i, j - i));
    p.has_indentation = true;
    return p;
  }

  auto escaped = [&](size_t len, std::string text) {
    Piece p = piece(Piece::Kind::Text, i, i + len);
    p.text = std::move(text);
    return p;
  };
  if (src_[i] == '$') {
    if (peek_at(i + 1) == '{' && has(i + 1)) return piece(Piece::Kind::DollarCurly, i, i + 2);
    return escaped(1, "$");
  }
  // src_[i] == '\''
  if (!(has(i + 1) && src_[i + 1] == '\'')) return escaped(1, "'");
  if (has(i + 2)) {
    char c = src_[i + 2];
    if (c == '$') return escaped(3, "$");
    if (c == '\'') return escaped(3, "''");
    if (c == '\\' && has(i + 3)) return escaped(4, unescape_string(src_.substr(i + 2, 2)));
  }
  return piece(Piece::Kind::End, i, i + 2);
}

Piece Lexer::path_piece() {
  const size_t i = pos_;
  if (starts_with_at(src_, i, "${")) return piece(Piece::Kind::DollarCurly, i, i + 2);
  // More path: the longest non-empty match of PC*(/PC+)*/?
  size_t segments;
  size_t j = has(i) ? path_segments(src_, i + span(src_, i, is_path_char), segments) : i;
  if (j == i) {
    Piece p;
    p.kind = Piece::Kind::End;
    p.begin = p.end = static_cast<uint32_t>(i);
    return p;
  }
  Piece p = piece(Piece::Kind::Text, i, j);
  p.text = std::string(src_.substr(i, j - i));
  return p;
}

}  // namespace cairn::lang
