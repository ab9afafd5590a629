// The shell parser: a recursive descent over the characters, lexing words
// on demand, because what a token is depends on where it stands (`fi` is a
// reserved word only where a command starts, `)` ends a case pattern or a
// subshell, `#` starts a comment only at the start of a word).
//
// Errors inside the parser are thrown as ParseFailure and turned into an
// Error at the entry points, so that the grammar functions read like the
// grammar (POSIX XCU 2.10) instead of a chain of checks.
#include "builder/compose/script_shell.hh"

#include <algorithm>

#include <fmt/format.h>

#include "builder/compose/script_lexer.hh"

namespace cairn::compose::shell {

namespace {

using detail::is_meta;
using detail::one_line;
using detail::ParseFailure;

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

// Compound commands nest at most this deep. Each level costs a few stack
// frames here and in the walk (more when functions call functions), so a
// script nested without end would overflow the stack; real ones nest a
// handful of levels.
constexpr int kMaxDepth = 100;

class Parser : public detail::Lexer {
 public:
  using Lexer::Lexer;

  NodePtr program() {
    NodePtr list = compound_list();
    skip_blanks();
    if (!at_end()) fail(fmt::format("unexpected `{}`", token_here()));
    return list;
  }

 private:
  bool at_list_end() const {
    if (at_end() || peek() == ')' || looking_at(";;")) return true;
    for (std::string_view w : {"then", "else", "elif", "fi", "do", "done", "esac", "}"})
      if (at_word(w)) return true;
    return false;
  }

  void expect_word(std::string_view w, std::string_view what, uint32_t since) {
    linebreak();
    if (!at_word(w))
      fail(fmt::format("expected `{}` to continue the {} on line {}, found `{}`", w, what, since,
                       at_end() ? std::string("end of script") : token_here()));
    i_ += w.size();
  }

  NodePtr make(Node::Kind kind, uint32_t line) {
    auto n = std::make_unique<Node>();
    n->kind = kind;
    n->line = line;
    return n;
  }

  NodePtr compound_list() {
    NodePtr seq = make(Node::Kind::sequence, line_);
    linebreak();
    while (true) {
      skip_blanks();
      if (at_list_end()) break;
      seq->children.push_back(and_or());
      skip_blanks();
      if (peek() == ';' && !looking_at(";;")) {
        advance();
      } else if (peek() == '&' && !looking_at("&&")) {
        advance();
      } else if (peek() != '\n') {
        break;
      }
      linebreak();
    }
    return seq;
  }

  NodePtr and_or() {
    NodePtr first = pipeline();
    NodePtr node;
    while (true) {
      skip_blanks();
      std::string op;
      if (looking_at("&&")) op = "&&";
      else if (looking_at("||")) op = "||";
      else break;
      i_ += 2;
      linebreak();
      if (!node) {
        node = make(Node::Kind::and_or, first->line);
        node->children.push_back(std::move(first));
      }
      node->ops.push_back(op);
      node->children.push_back(pipeline());
    }
    return node ? std::move(node) : std::move(first);
  }

  NodePtr pipeline() {
    skip_blanks();
    uint32_t line = line_;
    bool negated = false;
    if (at_word("!")) {
      negated = true;
      advance();
      skip_blanks();
    }
    NodePtr first = command();
    if (!negated && !(peek_pipe())) return first;
    NodePtr node = make(Node::Kind::pipeline, line);
    node->negated = negated;
    node->children.push_back(std::move(first));
    while (peek_pipe()) {
      advance();
      linebreak();
      node->children.push_back(command());
    }
    return node;
  }

  bool peek_pipe() {
    skip_blanks();
    return peek() == '|' && !looking_at("||");
  }

  int depth_ = 0;

  NodePtr command() {
    if (depth_ == kMaxDepth) fail(fmt::format("commands are nested more than {} deep", kMaxDepth));
    ++depth_;
    NodePtr node = any_command();
    --depth_;
    return node;
  }

  NodePtr any_command() {
    skip_blanks();
    uint32_t line = line_;
    NodePtr node;
    if (at_word("if")) node = if_clause();
    else if (at_word("case")) node = case_clause();
    else if (at_word("for")) node = for_clause();
    else if (at_word("while")) node = loop_clause(Node::Kind::while_, "while");
    else if (at_word("until")) node = loop_clause(Node::Kind::until_, "until");
    else if (at_word("{")) node = group(Node::Kind::brace, line);
    else if (peek() == '(') node = group(Node::Kind::subshell, line);
    else if (at_word("function")) node = function_keyword();
    else return simple_command();
    redirects_into(*node);
    return node;
  }

  NodePtr if_clause() {
    uint32_t line = line_;
    i_ += 2;
    NodePtr node = make(Node::Kind::if_, line);
    node->children.push_back(compound_list());
    expect_word("then", "`if`", line);
    node->children.push_back(compound_list());
    while (true) {
      linebreak();
      if (at_word("elif")) {
        i_ += 4;
        node->children.push_back(compound_list());
        expect_word("then", "`elif`", line);
        node->children.push_back(compound_list());
      } else if (at_word("else")) {
        i_ += 4;
        node->children.push_back(compound_list());
        break;
      } else {
        break;
      }
    }
    expect_word("fi", "`if`", line);
    return node;
  }

  NodePtr case_clause() {
    uint32_t line = line_;
    i_ += 4;
    skip_blanks();
    NodePtr node = make(Node::Kind::case_, line);
    node->subject = word();
    expect_word("in", "`case`", line);
    while (true) {
      linebreak();
      if (at_word("esac")) {
        i_ += 4;
        break;
      }
      if (at_end()) fail(fmt::format("the `case` on line {} has no `esac`", line));
      CaseItem item;
      if (peek() == '(') advance();
      while (true) {
        skip_blanks();
        if (is_meta(peek()) && peek() != '\0') fail(fmt::format("expected a case pattern, found `{}`", token_here()));
        item.patterns.push_back(word());
        skip_blanks();
        if (peek() == '|') {
          advance();
          continue;
        }
        break;
      }
      if (peek() != ')') fail(fmt::format("expected `)` after a case pattern, found `{}`", token_here()));
      advance();
      item.body = compound_list();
      node->items.push_back(std::move(item));
      skip_blanks();
      if (looking_at(";;")) {
        i_ += 2;
      } else if (at_end()) {
        fail(fmt::format("the `case` on line {} has no `esac`", line));
      } else if (!at_word("esac")) {
        fail(fmt::format("expected `;;` or `esac` in the `case` on line {}, found `{}`", line, token_here()));
      }
    }
    return node;
  }

  NodePtr for_clause() {
    uint32_t line = line_;
    i_ += 3;
    skip_blanks();
    NodePtr node = make(Node::Kind::for_, line);
    Word var = word();
    if (!is_name(var)) fail("expected a variable name after `for`");
    node->name = var.literal();
    linebreak();
    if (at_word("in")) {
      i_ += 2;
      node->has_list = true;
      while (true) {
        skip_blanks();
        if (peek() == ';' || peek() == '\n' || at_end()) break;
        if (is_meta(peek()))
          fail(fmt::format("unexpected `{}` in the list of the `for` on line {}", token_here(), line));
        node->list.push_back(word());
      }
      if (peek() == ';') advance();
    } else if (peek() == ';') {
      advance();
    }
    expect_word("do", "`for`", line);
    node->children.push_back(compound_list());
    expect_word("done", "`for`", line);
    return node;
  }

  NodePtr loop_clause(Node::Kind kind, std::string_view keyword) {
    uint32_t line = line_;
    i_ += keyword.size();
    NodePtr node = make(kind, line);
    node->children.push_back(compound_list());
    expect_word("do", fmt::format("`{}`", keyword), line);
    node->children.push_back(compound_list());
    expect_word("done", fmt::format("`{}`", keyword), line);
    return node;
  }

  NodePtr group(Node::Kind kind, uint32_t line) {
    advance();  // `{` or `(`
    NodePtr node = make(kind, line);
    node->children.push_back(compound_list());
    linebreak();
    if (kind == Node::Kind::brace) {
      expect_word("}", "`{`", line);
    } else {
      if (peek() != ')') fail_at(line, "the `(` is not closed");
      advance();
    }
    return node;
  }

  NodePtr function_keyword() {
    uint32_t line = line_;
    i_ += 8;
    skip_blanks();
    Word name = word();
    skip_blanks();
    if (looking_at("()")) i_ += 2;
    return function_body(name.literal(), line);
  }

  NodePtr function_body(std::string name, uint32_t line) {
    linebreak();
    NodePtr node = make(Node::Kind::function, line);
    node->name = std::move(name);
    NodePtr body = command();
    if (body->kind == Node::Kind::command)
      fail(fmt::format("the body of function `{}` is not a compound command", node->name));
    node->children.push_back(std::move(body));
    return node;
  }

  void redirects_into(Node& node) {
    while (true) {
      skip_blanks();
      if (!at_redirect()) break;
      node.redirects.push_back(redirect());
    }
  }

  static bool is_name(const Word& w) {
    std::string t = w.literal();
    if (!w.is_plain() || t.empty() || !is_name_start(t[0])) return false;
    for (char c : t)
      if (!is_name_char(c)) return false;
    return true;
  }

  static bool split_assignment(const Word& w, std::string& name, Word& value) {
    if (w.parts.empty() || w.parts[0].kind != WordPart::Kind::literal || w.parts[0].quoted) return false;
    const std::string& t = w.parts[0].text;
    size_t eq = t.find('=');
    if (eq == std::string::npos || eq == 0 || !is_name_start(t[0])) return false;
    for (size_t k = 0; k < eq; ++k)
      if (!is_name_char(t[k])) return false;
    name = t.substr(0, eq);
    value.parts.clear();
    if (eq + 1 < t.size()) value.parts.push_back(WordPart{WordPart::Kind::literal, false, t.substr(eq + 1)});
    for (size_t k = 1; k < w.parts.size(); ++k) value.parts.push_back(w.parts[k]);
    size_t src_eq = w.source.find('=');
    value.source = w.source.substr(src_eq + 1);
    return true;
  }

  NodePtr simple_command() {
    skip_blanks();
    NodePtr node = make(Node::Kind::command, line_);
    size_t start = i_, end = i_;
    while (true) {
      skip_blanks();
      char c = peek();
      if (at_end() || c == '\n' || c == ';' || c == '&' || c == '|' || c == ')') break;
      if (c == '(') {
        if (node->words.size() == 1 && node->assignments.empty() && node->redirects.empty() &&
            node->words[0].is_plain()) {
          advance();
          skip_blanks();
          if (peek() != ')') fail("expected `)` after `(` of a function definition");
          advance();
          return function_body(node->words[0].literal(), node->line);
        }
        fail("unexpected `(`");
      }
      if (at_redirect()) {
        node->redirects.push_back(redirect());
      } else {
        Word w = word();
        std::string name;
        Word value;
        if (node->words.empty() && split_assignment(w, name, value))
          node->assignments.emplace_back(std::move(name), std::move(value));
        else
          node->words.push_back(std::move(w));
      }
      end = i_;
    }
    if (node->words.empty() && node->assignments.empty() && node->redirects.empty())
      fail(fmt::format("expected a command, found `{}`", at_end() ? std::string("end of script") : token_here()));
    node->text = one_line(s_.substr(start, end - start));
    return node;
  }

};

}  // namespace

bool Word::is_plain() const {
  if (parts.empty()) return false;
  for (const WordPart& p : parts)
    if (p.kind != WordPart::Kind::literal || p.quoted) return false;
  return true;
}

bool Word::is_literal() const {
  for (const WordPart& p : parts)
    if (p.kind != WordPart::Kind::literal) return false;
  return true;
}

std::string Word::literal() const {
  if (!is_literal()) return "";
  std::string out;
  for (const WordPart& p : parts) out += p.text;
  return out;
}

Result<NodePtr> parse(std::string_view script, std::string_view origin) {
  // No shell takes a NUL byte for part of a script (dash drops them), and
  // the lexer reads '\0' as the end of the input.
  if (size_t nul = script.find('\0'); nul != std::string_view::npos) {
    auto line = 1 + std::count(script.begin(), script.begin() + static_cast<std::ptrdiff_t>(nul), '\n');
    return fail(fmt::format("{}: line {}: a NUL byte: this is not a shell script", origin, line));
  }
  try {
    return Parser(script, origin).program();
  } catch (const ParseFailure& e) {
    return fail(e.message);
  }
}

Result<Word> parse_word(std::string_view source, bool quoted) {
  try {
    return Parser(source, "word").standalone_word(quoted);
  } catch (const ParseFailure& e) {
    return fail(e.message);
  }
}

}  // namespace cairn::compose::shell
