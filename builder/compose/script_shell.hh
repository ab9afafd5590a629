// A parser for the POSIX shell that Debian maintainer scripts are written in,
// enough to analyse them without running them (see scripts.hh).
//
// It turns a script into a syntax tree: simple commands (assignments, words,
// redirections) joined by pipelines, `&&`/`||` lists and sequences, and the
// compound commands if/elif/else, case, for, while/until, `{ }`, `( )` and
// function definitions. Words keep their structure — literal text, quoting,
// `$var`/`${var…}` expansions, `$(…)`/backquote command substitutions and
// `$((…))` arithmetic — so that the analysis can expand the ones whose value
// is known statically. Line continuations, comments and here-documents are
// consumed by the lexer; a here-document's body is not kept.
//
// What is not understood is an error with the line (an unterminated quote,
// a missing `fi`), never a guess: scripts that dpkg would run must parse.
// Command substitutions are not parsed further: their output is unknown to
// the analysis anyway.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"

namespace cairn::compose::shell {

/// One piece of a word.
struct WordPart {
  enum class Kind {
    literal,  ///< text as is (quotes and escapes already removed)
    param,    ///< $name, ${name…}, $1, $@, $#, …
    command,  ///< $(…) or `…`: `text` is the source between the delimiters
    arith,    ///< $((…)): `text` is the expression
  };
  Kind kind = Kind::literal;
  bool quoted = false;  ///< inside '…' or "…": no field splitting
  std::string text{};   ///< literal text, parameter name, or source
  /// Parameter operator: "" (plain), ":-", "-", ":=", "=", ":+", "+", ":?",
  /// "?", "#", "##", "%", "%%", or "len" for ${#name}.
  std::string op{};
  std::string arg{};  ///< the operator's word, as source (parse with parse_word)
};

struct Word {
  std::vector<WordPart> parts{};
  std::string source{};  ///< as written

  /// Whether the word is plain unquoted text without expansions (the only
  /// form reserved words and function names take).
  bool is_plain() const;
  /// The text of a word without expansions (quotes removed); "" otherwise.
  std::string literal() const;
  /// Whether the word holds no expansion (quoted or not).
  bool is_literal() const;
};

struct Redirect {
  int fd = -1;          ///< the explicit descriptor ("2>"), -1 = default
  std::string op{};     ///< "<", ">", ">>", ">|", "<>", "<&", ">&", "<<", "<<-"
  Word target{};        ///< file, descriptor, or here-document delimiter
};

struct Node;
using NodePtr = std::unique_ptr<Node>;

struct CaseItem {
  std::vector<Word> patterns{};
  NodePtr body{};  ///< null for an empty branch
};

struct Node {
  enum class Kind {
    command,   ///< a simple command
    pipeline,  ///< children joined by `|` (`negated` for `!`)
    and_or,    ///< children joined by `ops` ("&&" / "||")
    sequence,  ///< children run one after the other (`;`, `&`, newline)
    if_,       ///< children: cond, then, [cond, then]…, [else]
    case_,     ///< subject and items
    for_,      ///< var, list (when has_list), children[0] the body
    while_,    ///< children: cond, body
    until_,    ///< children: cond, body
    brace,     ///< { list; } — children[0]
    subshell,  ///< ( list ) — children[0]
    function,  ///< name() body — children[0]
  };
  Kind kind = Kind::command;
  uint32_t line = 0;  ///< where the node starts (1-based)

  // command
  std::vector<std::pair<std::string, Word>> assignments{};
  std::vector<Word> words{};
  /// The command as written, continuation lines joined into one line.
  std::string text{};

  // every kind: redirections (a compound command may have them too)
  std::vector<Redirect> redirects{};

  std::vector<NodePtr> children{};
  std::vector<std::string> ops{};  ///< and_or
  bool negated = false;            ///< pipeline

  Word subject{};                  ///< case
  std::vector<CaseItem> items{};   ///< case
  std::string name{};              ///< for: the variable; function: its name
  std::vector<Word> list{};        ///< for
  bool has_list = false;           ///< for: `in …` given (else "$@")
};

/// Parses a whole script. `origin` names it in errors ("postinst").
[[nodiscard]] Result<NodePtr> parse(std::string_view script, std::string_view origin);

/// Parses one word from source, as found in a parameter operator's argument
/// (`${3:-$dfile.distrib}`); `quoted` when the expansion was inside "…".
[[nodiscard]] Result<Word> parse_word(std::string_view source, bool quoted);

}  // namespace cairn::compose::shell
