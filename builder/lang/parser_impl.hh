// The parser's class, shared by the files that define its parts (private to
// builder/lang; the interface is parse() in parser.hh):
//
//   parser.cc           the grammar: functions, conditionals, operators,
//                       application, selection, simple expressions
//   parser_bindings.cc  attribute sets, `let`, attribute paths and their
//                       merging, inherit
//   parser_strings.cc   string, indented-string and path literals, their
//                       interpolations, indentation stripping
//
// The stack each nesting level costs matters (see Nest and parser.cc), and
// it depends on what the compiler inlines. The class is hidden, as nothing
// outside libcairn_lang calls it: with -fPIC a default-visibility member
// could be interposed, and GCC would inline less. INLINED (below) pins the
// rest of what GCC inlined while the parser was one file with internal
// linkage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "builder/lang/ast.hh"
#include "builder/lang/error.hh"
#include "builder/lang/eval.hh"
#include "builder/lang/lexer.hh"

namespace cairn::lang::detail {

/// The deepest nesting the parser accepts; see Nest and parser.cc.
constexpr uint32_t kMaxDepth = 1000;

/// A piece of an indented string before indentation stripping.
struct IndPart {
  PosIdx pos;
  Expr* expr = nullptr;  ///< an interpolation, or nullptr for text
  std::string text;
  bool has_indentation = false;
};

/// Parses one source text: one Parser per call of parse().
class [[gnu::visibility("hidden")]] Parser {
 public:
  Parser(EvalState& state, uint32_t base, std::string_view source, std::string_view base_dir,
         std::string_view home)
      : state_(state), lex_(source, state.positions, base), base_dir_(base_dir), home_(home) {
    sym_or_ = state.symbols.intern("or");
    sym_body_ = state.symbols.intern("body");
    sym_find_file_ = state.symbols.intern("__findFile");
    sym_nix_path_ = state.symbols.intern("__nixPath");
  }

  Expr* parse_top() {
    Expr* e = parse_expr();
    if (peek().kind != Tok::Eof) unexpected(peek(), "end of file");
    return e;
  }

 private:
  /// Counts nesting levels for as long as it lives; see kMaxDepth.
  class Nest {
   public:
    explicit Nest(Parser& p) : p_(p) {}
    Nest(Parser& p, size_t offset, size_t levels = 1) : p_(p) { add(offset, levels); }
    ~Nest() { p_.depth_ -= levels_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
    void add(size_t offset, size_t levels = 1) {
      // The frame address, not a local's: sanitizers may move locals off
      // the stack. stack_limit_ is where EvalState wants the stack to end.
      auto frame = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
      if (levels > kMaxDepth - p_.depth_ || frame < p_.state_.stack_limit_) {
        throw ParseError("expression nested too deeply", p_.at(offset));
      }
      p_.depth_ += static_cast<uint32_t>(levels);
      levels_ += static_cast<uint32_t>(levels);
    }

   private:
    Parser& p_;
    uint32_t levels_ = 0;
  };

  // ---- tokens ---------------------------------------------------------------
  const Token& peek() {
    if (!have_peeked_) {
      peeked_ = lex_.next();
      have_peeked_ = true;
    }
    return peeked_;
  }
  /// The token after peek(), without consuming anything.
  [[gnu::noinline]] Token peek2() {
    peek();
    Lexer::State saved = lex_.save();
    Token t = lex_.next();
    lex_.restore(saved);
    return t;
  }
  Token take() {
    Token t = peek();
    have_peeked_ = false;
    return t;
  }
  [[gnu::noinline]] Token expect(Tok kind, std::string_view expecting) {
    if (peek().kind != kind) unexpected(peek(), expecting);
    return take();
  }
  [[noreturn]] [[gnu::noinline]] void unexpected(const Token& t, std::string_view expecting = {}) {
    // Nix's GLR parser reads `{ }` as both empty formals and an empty set;
    // when both readings fail at the next token, it reports the formals'.
    if (t.begin == after_empty_braces_) expecting = "':' or '@'";
    std::string msg = "syntax error, unexpected ";
    msg += token_name(t.kind);
    if (!expecting.empty()) {
      msg += ", expecting ";
      msg += expecting;
    }
    throw ParseError(std::move(msg), at(t.begin));
  }
  PosIdx at(size_t offset) const { return lex_.at(offset); }
  std::string_view text(const Token& t) const { return lex_.source().substr(t.begin, t.end - t.begin); }
  Symbol intern(std::string_view s) { return state_.symbols.intern(s); }

  // ---- node helpers -----------------------------------------------------------
  Expr* mk_string(PosIdx pos, std::string_view s) {
    Value v;
    v.mk_string_raw(state_.arena.copy_string(s), s.size());
    return state_.new_expr<ExprLiteral>(pos, v);
  }
  Expr* mk_path(PosIdx pos, std::string_view s) {
    Value v;
    v.mk_path_raw(state_.arena.copy_string(s), s.size());
    return state_.new_expr<ExprLiteral>(pos, v);
  }
  static bool is_string_literal(const Expr* e) {
    auto* lit = dynamic_cast<const ExprLiteral*>(e);
    return lit && lit->value.type == Type::String;
  }

  // ---- grammar ------------------------------------------------------------------
  // OUTLINED functions stay out of the frames of the six that every nesting
  // level passes through (see "expr_function" in parser.cc). Three of those
  // six are INLINED into their only caller, so the six take three frames:
  // GCC did so by itself while the parser was one file with internal
  // linkage, and would not now that the members are shared between files.
#define OUTLINED [[gnu::noinline]]
#define INLINED [[gnu::always_inline]] inline
  // parser.cc: functions, conditionals, operators, application, selection,
  // and the simple expressions other than sets and strings.
  Expr* parse_expr();
  OUTLINED bool at_lambda_arg();
  OUTLINED bool at_legacy_let();
  OUTLINED bool at_formals();
  OUTLINED Expr* parse_lambda();
  OUTLINED Expr* parse_formals_lambda(Symbol arg, uint32_t start = 0);
  OUTLINED Expr* parse_assert_with();
  OUTLINED Expr* parse_if();
  Expr* parse_op(int min_prec);
  OUTLINED Expr* make_has_attr(uint32_t op_begin, Expr* lhs);
  OUTLINED Expr* make_binary(Tok op, uint32_t op_begin, uint32_t lhs_begin, Expr* lhs, uint32_t rhs_begin,
                             Expr* rhs);
  INLINED Expr* parse_prefix();
  OUTLINED Expr* make_prefix(Tok op, uint32_t begin, Expr* e);
  INLINED Expr* parse_app();
  OUTLINED Expr* make_call(uint32_t begin, Expr* fun, std::vector<Expr*>& args);
  Expr* parse_select();
  OUTLINED Expr* parse_select_path(uint32_t begin, Expr* e);
  OUTLINED Expr* make_or_call(uint32_t begin, Expr* e);
  INLINED Expr* parse_simple();
  OUTLINED Expr* parse_atom();
  OUTLINED Expr* parse_parens();
  OUTLINED Expr* parse_list();

  // parser_bindings.cc: sets, `let`, attribute paths, inherit.
  OUTLINED Expr* parse_set();
  OUTLINED Expr* parse_let();
  OUTLINED AttrName parse_attr_name();
  OUTLINED AttrPath parse_attrpath();
  OUTLINED void parse_binds(ExprAttrs* attrs);
  OUTLINED void parse_inherit(ExprAttrs* attrs);
  OUTLINED void add_attr(ExprAttrs* attrs, const AttrPath& path, Expr* e, PosIdx pos);
  [[noreturn]] OUTLINED void dup_attr(const AttrPath& path, PosIdx pos, PosIdx prev);
  OUTLINED std::string show_attr_path(const AttrPath& path);

  // parser_strings.cc: string, indented-string and path literals.
  OUTLINED Expr* parse_string(const Token& open);
  OUTLINED Expr* parse_ind_string(const Token& open);
  OUTLINED Expr* strip_indentation(PosIdx pos, std::vector<IndPart>& parts);
  OUTLINED Expr* parse_path(const Token& t);
  OUTLINED Expr* parse_interpolation();
#undef OUTLINED
#undef INLINED

  EvalState& state_;
  Lexer lex_;
  std::string_view base_dir_;
  std::string_view home_;
  Token peeked_;
  bool have_peeked_ = false;
  uint32_t depth_ = 0;
  /// Offset of the token after a `{ }` that could have been formals; see unexpected().
  uint32_t after_empty_braces_ = UINT32_MAX;
  Symbol sym_or_, sym_body_, sym_find_file_, sym_nix_path_;
};

}  // namespace cairn::lang::detail
