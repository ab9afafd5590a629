// The shell lexer: characters to words. See script_lexer.hh.
#include "builder/compose/script_lexer.hh"

#include <algorithm>

#include <fmt/format.h>

namespace cairn::compose::shell::detail {

namespace {

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

bool is_name(std::string_view s) {
  return !s.empty() && is_name_start(s[0]) && std::all_of(s.begin(), s.end(), is_name_char);
}

bool is_meta(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '<' ||
         c == '>' || c == '(' || c == ')' || c == '\0';
}

std::string one_line(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && s[i + 1] == '\n') {
      ++i;
      c = '\n';
    }
    if (c == '\n') {
      while (!out.empty() && is_blank(out.back())) out.pop_back();
      while (i + 1 < s.size() && is_blank(s[i + 1])) ++i;
      out += ' ';
      continue;
    }
    out += c;
  }
  size_t b = out.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = out.find_last_not_of(" \t");
  return out.substr(b, e - b + 1);
}

void Lexer::fail(const std::string& what) const { fail_at(line_, what); }

void Lexer::fail_at(uint32_t line, const std::string& what) const {
  throw ParseFailure{fmt::format("{}: line {}: {}", origin_, line, what)};
}

Word Lexer::standalone_word(bool quoted) {
  Word w;
  size_t start = i_;
  if (quoted) {
    read_double_quoted_body(w, /*until_end=*/true);
  } else {
    while (!at_end()) read_word_piece(w, /*blanks_end_word=*/false);
  }
  w.source = std::string(s_.substr(start, i_ - start));
  return w;
}

void Lexer::advance() {
  if (s_[i_] == '\n') ++line_;
  ++i_;
}
std::string Lexer::token_here() const {
  size_t e = i_;
  while (e < s_.size() && !is_meta(s_[e])) ++e;
  if (e == i_) e = i_ + 1;
  return std::string(s_.substr(i_, e - i_));
}

void Lexer::skip_blanks() {
  while (!at_end()) {
    char c = peek();
    if (is_blank(c)) {
      advance();
    } else if (c == '\\' && peek(1) == '\n') {
      advance();
      advance();
    } else if (c == '#') {
      while (!at_end() && peek() != '\n') advance();
    } else {
      break;
    }
  }
}

void Lexer::consume_newline() {
  advance();
  read_heredocs();
}

void Lexer::linebreak() {
  while (true) {
    skip_blanks();
    if (peek() == '\n') {
      consume_newline();
    } else {
      break;
    }
  }
}

void Lexer::read_heredocs() {
  std::vector<Heredoc> docs = std::move(pending_);
  pending_.clear();
  for (const Heredoc& d : docs) {
    while (true) {
      if (at_end())
        fail_at(d.line, fmt::format("the here-document is not ended by `{}`", d.delimiter));
      size_t eol = s_.find('\n', i_);
      if (eol == std::string_view::npos) eol = s_.size();
      std::string_view text = s_.substr(i_, eol - i_);
      if (d.strip_tabs)
        while (!text.empty() && text.front() == '\t') text.remove_prefix(1);
      while (i_ < eol) advance();
      if (!at_end()) advance();
      if (text == d.delimiter) break;
    }
  }
}

bool Lexer::at_word(std::string_view w) const {
  if (!looking_at(w)) return false;
  char after = i_ + w.size() < s_.size() ? s_[i_ + w.size()] : '\0';
  return is_meta(after);
}

bool Lexer::at_redirect() const {
  size_t k = 0;
  while (is_digit(peek(k))) ++k;
  char c = peek(k);
  return c == '<' || c == '>';
}

Redirect Lexer::redirect() {
  Redirect r;
  uint32_t line = line_;
  if (is_digit(peek())) {
    int fd = 0;
    while (is_digit(peek())) {
      fd = fd * 10 + (peek() - '0');
      advance();
    }
    r.fd = fd;
  }
  for (std::string_view op : {"<<-", "<<", ">>", ">|", "<>", "<&", ">&", "<", ">"}) {
    if (looking_at(op)) {
      r.op = std::string(op);
      i_ += op.size();
      break;
    }
  }
  skip_blanks();
  if (is_meta(peek())) fail(fmt::format("expected a file name after `{}`", r.op));
  r.target = word();
  if (r.op == "<<" || r.op == "<<-") {
    std::string delim;
    for (const WordPart& p : r.target.parts) delim += p.kind == WordPart::Kind::literal ? p.text : "$" + p.text;
    pending_.push_back(Heredoc{delim, r.op == "<<-", line});
  }
  return r;
}

void Lexer::add_literal(Word& w, std::string_view text, bool quoted) {
  if (!w.parts.empty() && w.parts.back().kind == WordPart::Kind::literal &&
      w.parts.back().quoted == quoted) {
    w.parts.back().text += text;
  } else {
    w.parts.push_back(WordPart{WordPart::Kind::literal, quoted, std::string(text)});
  }
}

Word Lexer::word() {
  Word w;
  size_t start = i_;
  while (!at_end() && !is_meta(peek())) read_word_piece(w, true);
  w.source = std::string(s_.substr(start, i_ - start));
  return w;
}

// One piece of an unquoted word: a quoted string, an expansion, an
// escaped character or one plain character.
void Lexer::read_word_piece(Word& w, bool blanks_end_word) {
  char c = peek();
  if (c == '\'') {
    uint32_t line = line_;
    advance();
    size_t b = i_;
    while (!at_end() && peek() != '\'') advance();
    if (at_end()) fail_at(line, "the quote ' is not closed");
    std::string_view text = s_.substr(b, i_ - b);
    advance();
    add_literal(w, text, true);  // '' is an (empty) word too
  } else if (c == '"') {
    uint32_t line = line_;
    advance();
    size_t before = w.parts.size();
    read_double_quoted_body(w, false);
    if (peek() != '"') fail_at(line, "the quote \" is not closed");
    advance();
    if (w.parts.size() == before) add_literal(w, "", true);  // "" is an (empty) word
  } else if (c == '\\') {
    advance();
    if (at_end()) return;
    if (peek() == '\n') {
      advance();
      return;
    }
    add_literal(w, std::string(1, peek()), true);
    advance();
  } else if (c == '$') {
    dollar(w, false);
  } else if (c == '`') {
    backquote(w, false);
  } else {
    if (!blanks_end_word || !is_meta(c)) {
      add_literal(w, std::string(1, c), false);
      advance();
    }
  }
}

void Lexer::read_double_quoted_body(Word& w, bool until_end) {
  while (!at_end() && (until_end || peek() != '"')) {
    char c = peek();
    if (c == '\\') {
      char n = peek(1);
      if (n == '$' || n == '`' || n == '"' || n == '\\') {
        advance();
        add_literal(w, std::string(1, n), true);
        advance();
      } else if (n == '\n') {
        advance();
        advance();
      } else {
        add_literal(w, "\\", true);
        advance();
      }
    } else if (c == '$') {
      dollar(w, true);
    } else if (c == '`') {
      backquote(w, true);
    } else {
      add_literal(w, std::string(1, c), true);
      advance();
    }
  }
}

// Scans to the character that closes what started just before i_, with
// `open`/`close` nesting, skipping quotes and escapes; returns the text
// between and leaves i_ after the closer.
std::string Lexer::scan_balanced(char open, char close, std::string_view what, uint32_t line) {
  size_t b = i_;
  int depth = 1;
  while (true) {
    if (at_end()) fail_at(line, fmt::format("the {} is not closed", what));
    char c = peek();
    if (c == '\\') {
      advance();
      if (!at_end()) advance();
    } else if (c == '\'') {
      advance();
      while (!at_end() && peek() != '\'') advance();
      if (!at_end()) advance();
    } else if (c == '"') {
      advance();
      while (!at_end() && peek() != '"') {
        if (peek() == '\\') advance();
        if (!at_end()) advance();
      }
      if (!at_end()) advance();
    } else if (c == open) {
      ++depth;
      advance();
    } else if (c == close) {
      if (--depth == 0) {
        std::string text(s_.substr(b, i_ - b));
        advance();
        return text;
      }
      advance();
    } else {
      advance();
    }
  }
}

void Lexer::dollar(Word& w, bool quoted) {
  uint32_t line = line_;
  char n = peek(1);
  if (n == '{') {
    i_ += 2;
    std::string body = scan_balanced('{', '}', "${", line);
    w.parts.push_back(parameter(body, quoted));
  } else if (n == '(' && peek(2) == '(') {
    i_ += 3;
    std::string body = scan_balanced('(', ')', "$((", line);
    if (peek() == ')') advance();
    w.parts.push_back(WordPart{WordPart::Kind::arith, quoted, body});
  } else if (n == '(') {
    i_ += 2;
    std::string body = scan_balanced('(', ')', "$(", line);
    w.parts.push_back(WordPart{WordPart::Kind::command, quoted, body});
  } else if (is_name_start(n)) {
    advance();
    size_t b = i_;
    while (is_name_char(peek())) advance();
    w.parts.push_back(WordPart{WordPart::Kind::param, quoted, std::string(s_.substr(b, i_ - b))});
  } else if (is_digit(n) || n == '@' || n == '*' || n == '#' || n == '?' || n == '$' || n == '!' ||
             n == '-') {
    i_ += 2;
    w.parts.push_back(WordPart{WordPart::Kind::param, quoted, std::string(1, n)});
  } else {
    add_literal(w, "$", quoted);
    advance();
  }
}

WordPart Lexer::parameter(const std::string& body, bool quoted) {
  WordPart p{WordPart::Kind::param, quoted, ""};
  size_t k = 0;
  if (body.size() > 1 && body[0] == '#') {
    p.op = "len";
    p.text = body.substr(1);
    return p;
  }
  if (k < body.size() && is_name_start(body[k])) {
    while (k < body.size() && is_name_char(body[k])) ++k;
  } else if (k < body.size() && is_digit(body[k])) {
    while (k < body.size() && is_digit(body[k])) ++k;
  } else if (k < body.size()) {
    ++k;  // a special parameter
  }
  p.text = body.substr(0, k);
  if (p.text.empty()) fail(fmt::format("bad substitution `${{{}}}`", body));
  std::string_view rest = std::string_view(body).substr(k);
  for (std::string_view op : {":-", ":=", ":+", ":?", "##", "%%", "-", "=", "+", "?", "#", "%"}) {
    if (rest.substr(0, op.size()) == op) {
      p.op = std::string(op);
      p.arg = std::string(rest.substr(op.size()));
      return p;
    }
  }
  if (!rest.empty()) fail(fmt::format("bad substitution `${{{}}}`", body));
  return p;
}

void Lexer::backquote(Word& w, bool quoted) {
  uint32_t line = line_;
  advance();
  std::string body;
  while (true) {
    if (at_end()) fail_at(line, "the ` is not closed");
    char c = peek();
    if (c == '`') break;
    if (c == '\\' && (peek(1) == '`' || peek(1) == '\\' || peek(1) == '$')) {
      advance();
      c = peek();
    }
    body += c;
    advance();
  }
  advance();
  w.parts.push_back(WordPart{WordPart::Kind::command, quoted, body});
}

}  // namespace cairn::compose::shell::detail
