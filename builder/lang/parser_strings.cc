// String, indented-string and path literals: their pieces come from the
// lexer (Lexer::*_piece), each `${ … }` is parsed as an ordinary expression,
// and the result is a literal or an ExprConcatStrings. Indented strings have
// their common indentation stripped as Nix's stripIndentation does; path
// literals are resolved against the base directory or $HOME. Part of the
// Parser (parser_impl.hh).
#include <algorithm>
#include <string>
#include <vector>

#include "builder/lang/parser_impl.hh"

namespace cairn::lang::detail {

Expr* Parser::parse_interpolation() {
  Expr* e = parse_expr();
  expect(Tok::RBrace, "'}'");
  return e;
}

/// `"…"`: a literal string, or ExprConcatStrings(force_string) of its text
/// and `${…}` parts when it interpolates.
Expr* Parser::parse_string(const Token& open) {
  std::vector<std::pair<PosIdx, Expr*>> parts;
  std::string text;
  PosIdx text_pos;
  bool interpolated = false;
  auto flush = [&] {
    if (text_pos) parts.emplace_back(text_pos, mk_string(text_pos, text));
    text.clear();
    text_pos = {};
  };
  for (bool done = false; !done;) {
    Piece p = lex_.string_piece();
    switch (p.kind) {
      case Piece::Kind::Text:
        if (!text_pos) text_pos = at(p.begin);
        text += p.text;
        break;
      case Piece::Kind::DollarCurly:
        flush();
        parts.emplace_back(at(p.begin), parse_interpolation());
        interpolated = true;
        break;
      case Piece::Kind::End:
        done = true;
        break;
      case Piece::Kind::Eof:
        throw ParseError("syntax error, unexpected end of file, expecting '\"'", at(p.begin));
    }
  }
  if (!interpolated) return mk_string(at(open.begin), text);
  flush();
  return state_.new_expr<ExprConcatStrings>(at(open.begin), true, std::move(parts));
}

/// `''…''`: reads the pieces, then strips the indentation.
Expr* Parser::parse_ind_string(const Token& open) {
  std::vector<IndPart> parts;
  for (;;) {
    Piece p = lex_.ind_string_piece();
    if (p.kind == Piece::Kind::End) break;
    if (p.kind == Piece::Kind::Eof) {
      throw ParseError("syntax error, unexpected end of file, expecting IND_STR or DOLLAR_CURLY or IND_STRING_CLOSE",
                       at(p.begin));
    }
    IndPart part;
    part.pos = at(p.begin);
    if (p.kind == Piece::Kind::DollarCurly) {
      part.expr = parse_interpolation();
    } else {
      part.text = std::move(p.text);
      part.has_indentation = p.has_indentation;
    }
    parts.push_back(std::move(part));
  }
  return strip_indentation(at(open.begin), parts);
}

/// Nix's stripIndentation: removes from every line as many leading spaces as
/// the least indented line has. Lines holding only spaces do not count;
/// escapes and interpolations count as content. A final line of only spaces
/// is dropped. (The lexer already dropped a first line of only spaces.)
Expr* Parser::strip_indentation(PosIdx pos, std::vector<IndPart>& parts) {
  size_t min_indent = 1000000;
  bool at_line_start = true;  // only spaces seen on this line so far
  size_t indent = 0;
  for (const IndPart& part : parts) {
    if (part.expr || !part.has_indentation) {
      if (at_line_start) min_indent = std::min(min_indent, indent);
      at_line_start = false;
      continue;
    }
    for (char c : part.text) {
      if (at_line_start) {
        if (c == ' ') {
          ++indent;
        } else if (c == '\n') {
          indent = 0;
        } else {
          at_line_start = false;
          min_indent = std::min(min_indent, indent);
        }
      } else if (c == '\n') {
        at_line_start = true;
        indent = 0;
      }
    }
  }

  std::vector<std::pair<PosIdx, Expr*>> out;
  std::string text;
  PosIdx text_pos;
  auto flush = [&] {
    if (!text.empty()) out.emplace_back(text_pos, mk_string(text_pos, text));
    text.clear();
    text_pos = {};
  };
  at_line_start = true;
  size_t dropped = 0;
  for (size_t k = 0; k < parts.size(); ++k) {
    IndPart& part = parts[k];
    if (part.expr) {
      at_line_start = false;
      dropped = 0;
      flush();
      out.emplace_back(part.pos, part.expr);
      continue;
    }
    std::string s;
    for (char c : part.text) {
      if (at_line_start) {
        if (c == ' ') {
          if (dropped++ >= min_indent) s += c;
        } else if (c == '\n') {
          dropped = 0;
          s += c;
        } else {
          at_line_start = false;
          dropped = 0;
          s += c;
        }
      } else {
        s += c;
        if (c == '\n') at_line_start = true;
      }
    }
    if (k + 1 == parts.size()) {
      size_t nl = s.find_last_of('\n');
      if (nl != std::string::npos && s.find_first_not_of(' ', nl + 1) == std::string::npos) s.resize(nl + 1);
    }
    if (!text_pos) text_pos = part.pos;
    text += s;
  }
  bool interpolated = !out.empty();
  if (!interpolated) return mk_string(pos, text);
  flush();
  return state_.new_expr<ExprConcatStrings>(pos, true, std::move(out));
}

/// A path literal: relative to base_dir, `~/` to home, canonicalised. With
/// interpolation (`./a-${x}`, `/${x}/${y}`) it is ExprConcatStrings whose
/// first part is the literal path prefix, keeping its trailing slash.
Expr* Parser::parse_path(const Token& t) {
  const std::string raw(text(t));
  std::string prefix;
  if (t.kind == Tok::HPath) {
    prefix = canon_path(std::string(home_) + raw.substr(1));
  } else {
    prefix = canon_path(raw.starts_with('/') ? raw : std::string(base_dir_) + "/" + raw);
  }
  bool slash = raw.ends_with('/');
  if (slash && prefix != "/") prefix += '/';

  const PosIdx pos = at(t.begin);
  std::vector<std::pair<PosIdx, Expr*>> parts{{pos, mk_path(pos, prefix)}};
  std::string text;
  PosIdx text_pos;
  auto flush = [&] {
    if (text_pos) parts.emplace_back(text_pos, mk_string(text_pos, text));
    text.clear();
    text_pos = {};
  };
  bool interpolated = false;
  for (;;) {
    Piece p = lex_.path_piece();
    if (p.kind == Piece::Kind::DollarCurly) {
      flush();
      parts.emplace_back(at(p.begin), parse_interpolation());
      interpolated = true;
      slash = false;
    } else if (p.kind == Piece::Kind::Text) {
      if (!text_pos) text_pos = at(p.begin);
      text += p.text;
      slash = p.text.ends_with('/');
    } else {
      // At the end of the input Nix points at the path itself.
      if (slash) throw ParseError("path has a trailing slash", at(p.begin < lex_.source().size() ? p.begin : t.begin));
      // Text after a trailing slash but no `${`: `./a//b` (Nix's grammar
      // wants an interpolation there).
      if (text_pos && !interpolated) {
        throw ParseError("syntax error, unexpected PATH_END, expecting DOLLAR_CURLY", at(p.begin));
      }
      break;
    }
  }
  if (!interpolated) return parts.front().second;
  flush();
  return state_.new_expr<ExprConcatStrings>(pos, false, std::move(parts));
}

}  // namespace cairn::lang::detail
