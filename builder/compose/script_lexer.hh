// The character level of the shell parser (script_shell.hh): blanks,
// comments, line continuations, here-documents, and words with their
// quoting and expansions. Internal to script_shell.cc; the grammar there
// derives from Lexer and asks for the next word or operator where the
// grammar expects one, since what a token is depends on where it stands.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "builder/compose/script_shell.hh"

namespace cairn::compose::shell::detail {

/// Thrown inside the parser, turned into an Error by parse()/parse_word().
struct ParseFailure {
  std::string message;
};

/// Characters that end an unquoted word.
bool is_meta(char c);

/// A shell variable name: [A-Za-z_][A-Za-z0-9_]*.
bool is_name(std::string_view s);

/// A command as Node::text shows it: continuation lines joined, line breaks
/// inside quotes shown as one space, outer blanks trimmed.
std::string one_line(std::string_view s);

class Lexer {
 public:
  Lexer(std::string_view src, std::string_view origin) : s_(src), origin_(origin) {}

  /// The whole rest of the source as one word (a parameter operator's
  /// argument): blanks do not end it; `quoted` reads it as "…" content.
  Word standalone_word(bool quoted);

 protected:
  std::string_view s_;
  std::string origin_;
  size_t i_ = 0;
  uint32_t line_ = 1;

  [[noreturn]] void fail(const std::string& what) const;
  /// Fails naming `line` (where an unclosed construct opened).
  [[noreturn]] void fail_at(uint32_t line, const std::string& what) const;

  bool at_end() const { return i_ >= s_.size(); }
  char peek(size_t k = 0) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  void advance();
  bool looking_at(std::string_view op) const { return s_.substr(i_, op.size()) == op; }
  /// The token at the current position, for error messages.
  std::string token_here() const;

  /// Skips blanks, line continuations and a comment up to (not including)
  /// the line end.
  void skip_blanks();
  /// Consumes a line end and the bodies of the here-documents started on
  /// the line.
  void consume_newline();
  /// Skips blank lines, comments and line ends.
  void linebreak();
  /// Whether the plain word `w` stands here (followed by a word end).
  bool at_word(std::string_view w) const;
  bool at_redirect() const;

  Word word();
  Redirect redirect();

 private:
  struct Heredoc {
    std::string delimiter;
    bool strip_tabs;
    uint32_t line;
  };
  std::vector<Heredoc> pending_;

  void read_heredocs();
  static void add_literal(Word& w, std::string_view text, bool quoted);
  void read_word_piece(Word& w, bool blanks_end_word);
  void read_double_quoted_body(Word& w, bool until_end);
  std::string scan_balanced(char open, char close, std::string_view what, uint32_t line);
  void dollar(Word& w, bool quoted);
  WordPart parameter(const std::string& body, bool quoted);
  void backquote(Word& w, bool quoted);
};

}  // namespace cairn::compose::shell::detail
