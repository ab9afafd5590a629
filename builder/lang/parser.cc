// The Nix parser: recursive descent over the on-demand lexer (lexer.hh).
//
// The grammar and the trees it builds follow Nix's bison grammar (parser.y of
// Nix 2.8), from the loosest construct to the tightest:
//
//   expr_function  x: e | {formals}: e | x@{…}: e | {…}@x: e
//                  | assert e; e | with e; e | let binds in e | expr_if
//   expr_if        if e then e else e | expr_op
//   expr_op        operators, by precedence climbing (binary_info below)
//   expr_app       expr_select expr_select …    (one ExprCall for all args)
//   expr_select    expr_simple . attrpath [or expr_select] | expr_simple or
//   expr_simple    literals, strings, paths, ( e ), { }, rec { }, let { }, [ ]
//
// One token of lookahead (`peek`) decides almost everything; `peek2` looks
// one further to tell `x:` and `x@` from a variable, and `at_formals` tells a
// lambda's `{ a, b }` from an attribute set. String, indented-string and path
// literals are read piece by piece (Lexer::*_piece), with each `${ … }` parsed
// as an ordinary expression.
//
// Syntax errors read like bison's ("syntax error, unexpected '}', expecting
// ';'"); where bison's list of expected tokens depends on LALR details, the
// message gives the list Nix gives for the common case, or none.
//
// Depth: every nested construct (a parenthesis, a lambda body, an operator,
// an attribute path component, …) counts one level, and more than kMaxDepth
// is a ParseError, so neither this parser nor the walks over the tree it
// returns (bind_vars, eval, show) can run out of stack. The parser also
// stops where EvalState says the stack runs low, for threads with small
// stacks and for sanitizer builds with their larger frames.
#include "builder/lang/parser.hh"

#include <algorithm>
#include <sstream>

#include "builder/lang/error.hh"
#include "builder/lang/eval.hh"
#include "builder/lang/lexer.hh"

namespace cairn::lang {

namespace {

constexpr uint32_t kMaxDepth = 1000;

enum class Assoc : uint8_t { Left, Right, None };

struct BinaryInfo {
  int prec;  ///< higher binds tighter; 0 means "not a binary operator"
  Assoc assoc;
};

// Prefix operators sit between the binary levels: `!` below `+`, unary `-`
// above `?`. So `!a + b` is `!(a + b)`, `!a // b` is `(!a) // b`, and
// `-a ? b` is `(-a) ? b`.
constexpr int kNotPrec = 7;
constexpr int kNegatePrec = 12;

BinaryInfo binary_info(Tok t) {
  switch (t) {
    case Tok::Impl: return {1, Assoc::Right};
    case Tok::Or: return {2, Assoc::Left};
    case Tok::And: return {3, Assoc::Left};
    case Tok::Eq: case Tok::NEq: return {4, Assoc::None};
    case Tok::Lt: case Tok::Gt: case Tok::Le: case Tok::Ge: return {5, Assoc::None};
    case Tok::Update: return {6, Assoc::Right};
    case Tok::Plus: case Tok::Minus: return {8, Assoc::Left};
    case Tok::Star: case Tok::Slash: return {9, Assoc::Left};
    case Tok::Concat: return {10, Assoc::Right};
    // `?` takes an attribute path, not an operand, so bison never meets a
    // conflict to apply %nonassoc to: `a ? b ? c` is `(a ? b) ? c`.
    case Tok::Question: return {11, Assoc::Left};
    default: return {0, Assoc::None};
  }
}

BinOp binop_of(Tok t) {
  switch (t) {
    case Tok::Impl: return BinOp::Impl;
    case Tok::Or: return BinOp::Or;
    case Tok::And: return BinOp::And;
    case Tok::Eq: return BinOp::Eq;
    case Tok::NEq: return BinOp::NEq;
    case Tok::Lt: return BinOp::Lt;
    case Tok::Gt: return BinOp::Gt;
    case Tok::Le: return BinOp::Le;
    case Tok::Ge: return BinOp::Ge;
    case Tok::Update: return BinOp::Update;
    case Tok::Minus: return BinOp::Sub;
    case Tok::Star: return BinOp::Mul;
    case Tok::Slash: return BinOp::Div;
    case Tok::Concat: return BinOp::ConcatLists;
    default: return BinOp::ConcatLists;  // not reached: `+` and `?` are built apart
  }
}

/// Tokens that can start an expr_select, i.e. a function argument or a list
/// element. (`let` starts the legacy `let { … }`.)
bool starts_operand(Tok t) {
  switch (t) {
    case Tok::Id: case Tok::Int: case Tok::Float: case Tok::Quote: case Tok::IndStringOpen:
    case Tok::Path: case Tok::HPath: case Tok::SPath: case Tok::Uri: case Tok::LParen:
    case Tok::Let: case Tok::Rec: case Tok::LBrace: case Tok::LBracket:
      return true;
    default:
      return false;
  }
}

bool starts_attr_name(Tok t) {
  return t == Tok::Id || t == Tok::OrKw || t == Tok::Quote || t == Tok::DollarCurly;
}

/// A piece of an indented string before indentation stripping.
struct IndPart {
  PosIdx pos;
  Expr* expr = nullptr;  ///< an interpolation, or nullptr for text
  std::string text;
  bool has_indentation = false;
};

class Parser {
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
  // level passes through (see "expr_function" below).
#define OUTLINED [[gnu::noinline]]
  Expr* parse_expr();
  OUTLINED bool at_lambda_arg();
  OUTLINED bool at_legacy_let();
  OUTLINED bool at_formals();
  OUTLINED Expr* parse_lambda();
  OUTLINED Expr* parse_formals_lambda(Symbol arg, uint32_t start = 0);
  OUTLINED Expr* parse_assert_with();
  OUTLINED Expr* parse_let();
  OUTLINED Expr* parse_if();
  Expr* parse_op(int min_prec);
  OUTLINED Expr* make_has_attr(uint32_t op_begin, Expr* lhs);
  OUTLINED Expr* make_binary(Tok op, uint32_t op_begin, uint32_t lhs_begin, Expr* lhs, uint32_t rhs_begin,
                             Expr* rhs);
  Expr* parse_prefix();
  OUTLINED Expr* make_prefix(Tok op, uint32_t begin, Expr* e);
  Expr* parse_app();
  OUTLINED Expr* make_call(uint32_t begin, Expr* fun, std::vector<Expr*>& args);
  Expr* parse_select();
  OUTLINED Expr* parse_select_path(uint32_t begin, Expr* e);
  OUTLINED Expr* make_or_call(uint32_t begin, Expr* e);
  Expr* parse_simple();
  OUTLINED Expr* parse_atom();
  OUTLINED Expr* parse_parens();
  OUTLINED Expr* parse_set();
  OUTLINED Expr* parse_list();

  OUTLINED AttrName parse_attr_name();
  OUTLINED AttrPath parse_attrpath();
  OUTLINED void parse_binds(ExprAttrs* attrs);
  OUTLINED void parse_inherit(ExprAttrs* attrs);
  OUTLINED void add_attr(ExprAttrs* attrs, const AttrPath& path, Expr* e, PosIdx pos);
  [[noreturn]] OUTLINED void dup_attr(const AttrPath& path, PosIdx pos, PosIdx prev);
  OUTLINED std::string show_attr_path(const AttrPath& path);

  OUTLINED Expr* parse_string(const Token& open);
  OUTLINED Expr* parse_ind_string(const Token& open);
  OUTLINED Expr* strip_indentation(PosIdx pos, std::vector<IndPart>& parts);
  OUTLINED Expr* parse_path(const Token& t);
  OUTLINED Expr* parse_interpolation();
#undef OUTLINED

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

// ---- expr_function, expr_if ----------------------------------------------------
//
// The functions on the path every nesting level takes — parse_expr, parse_op,
// parse_prefix, parse_app, parse_select, parse_simple — keep few locals and
// leave the rest to OUTLINED helpers, so that a level costs little stack even
// in sanitizer builds (which give every inlined local its own slot).

Expr* Parser::parse_expr() {
  const Tok kind = peek().kind;
  Nest nest(*this, peek().begin);
  switch (kind) {
    case Tok::Id:
      if (at_lambda_arg()) return parse_lambda();
      break;
    case Tok::LBrace:
      if (at_formals()) return parse_formals_lambda(Symbol{});
      break;
    case Tok::Assert:
    case Tok::With:
      return parse_assert_with();
    case Tok::Let:
      if (!at_legacy_let()) return parse_let();
      break;
    case Tok::If:
      return parse_if();
    default:
      break;
  }
  return parse_op(1);
}

/// With peek() at an ID: does `:` or `@` follow, making it a lambda?
bool Parser::at_lambda_arg() {
  Tok after = peek2().kind;
  return after == Tok::Colon || after == Tok::At;
}

/// With peek() at `let`: is it the legacy `let { … }` (an expr_simple)?
bool Parser::at_legacy_let() { return peek2().kind == Tok::LBrace; }

/// With peek() at `{`: is this a lambda's formals rather than a set? Formals
/// are `{ }` before `:` or `@`, `{ x` before `,` `?` or `}`, and `{ ...`.
bool Parser::at_formals() {
  peek();
  Lexer::State saved = lex_.save();
  Token t1 = lex_.next();
  bool formals = t1.kind == Tok::Ellipsis;
  if (t1.kind == Tok::RBrace) {
    Token t2 = lex_.next();
    formals = t2.kind == Tok::Colon || t2.kind == Tok::At;
    if (!formals) after_empty_braces_ = t2.begin;
  } else if (t1.kind == Tok::Id) {
    Tok t2 = lex_.next().kind;
    formals = t2 == Tok::Comma || t2 == Tok::Question || t2 == Tok::RBrace;
  }
  lex_.restore(saved);
  return formals;
}

/// `x: body` or `x @ { … }: body`.
Expr* Parser::parse_lambda() {
  const Token id = take();
  const Symbol arg = intern(text(id));
  if (take().kind == Tok::At) {
    if (peek().kind != Tok::LBrace) unexpected(peek(), "'{'");
    return parse_formals_lambda(arg, id.begin);
  }
  Expr* body = parse_expr();
  return state_.new_expr<ExprLambda>(at(id.begin), arg, nullptr, body);
}

/// `{ a, b ? e, ... }: body` and `{ … } @ x: body`, or with `arg` already
/// read (starting at `start`) `x @ { … }: body`; peek() is the `{`.
Expr* Parser::parse_formals_lambda(Symbol arg, uint32_t start) {
  const Token open = take();
  if (!arg) start = open.begin;
  std::vector<Formal> list;
  bool ellipsis = false;
  for (;;) {
    const Token t = peek();
    if (t.kind == Tok::RBrace) break;
    if (t.kind == Tok::Ellipsis) {
      take();
      ellipsis = true;
      if (peek().kind != Tok::RBrace) unexpected(peek(), "'}'");
      break;
    }
    // Bison, having reduced what it could, wants only the `}` here.
    if (t.kind != Tok::Id) unexpected(t, "'}'");
    take();
    Formal f{at(t.begin), intern(text(t)), nullptr};
    if (peek().kind == Tok::Question) {
      take();
      f.def = parse_expr();
    }
    list.push_back(f);
    if (peek().kind == Tok::Comma) {
      take();
      continue;
    }
    if (peek().kind != Tok::RBrace) unexpected(peek(), "'}'");
    break;
  }
  take();
  if (!arg && peek().kind == Tok::At) {
    take();
    arg = intern(text(expect(Tok::Id, "ID")));
    expect(Tok::Colon, "':'");
  } else {
    expect(Tok::Colon, start == open.begin ? "':' or '@'" : "':'");
  }
  Expr* body = parse_expr();

  // As in Nix, checked once the lambda is parsed: the smallest duplicated
  // symbol is reported at its second occurrence; then a formal that repeats
  // the `@` name, at the lambda.
  std::sort(list.begin(), list.end(), [](const Formal& a, const Formal& b) {
    return a.name != b.name ? a.name < b.name : a.pos.id < b.pos.id;
  });
  for (size_t i = 0; i + 1 < list.size(); ++i) {
    if (list[i].name == list[i + 1].name) {
      throw ParseError("duplicate formal function argument '" + std::string(state_.symbols[list[i].name]) + "'",
                       list[i + 1].pos);
    }
  }
  if (arg && std::any_of(list.begin(), list.end(), [&](const Formal& f) { return f.name == arg; })) {
    throw ParseError("duplicate formal function argument '" + std::string(state_.symbols[arg]) + "'", at(start));
  }
  Formals* formals = state_.new_formals();
  formals->formals = std::move(list);
  formals->ellipsis = ellipsis;
  return state_.new_expr<ExprLambda>(at(start), arg, formals, body);
}

/// `assert cond; body` and `with attrs; body`.
Expr* Parser::parse_assert_with() {
  const Token t = take();
  Expr* first = parse_expr();
  expect(Tok::Semicolon, "';'");
  Expr* body = parse_expr();
  if (t.kind == Tok::Assert) return state_.new_expr<ExprAssert>(at(t.begin), first, body);
  return state_.new_expr<ExprWith>(at(t.begin), first, body);
}

/// `let binds in body`. Dynamic names are not allowed at the top level of
/// the bindings (as in Nix, checked once the whole `let` is parsed).
Expr* Parser::parse_let() {
  const Token t = take();
  auto* attrs = state_.new_expr<ExprAttrs>(at(t.begin));
  parse_binds(attrs);
  if (peek().kind != Tok::In) unexpected(peek());
  take();
  Expr* body = parse_expr();
  if (!attrs->dynamic_attrs.empty()) throw ParseError("dynamic attributes not allowed in let", at(t.begin));
  return state_.new_expr<ExprLet>(at(t.begin), attrs, body);
}

Expr* Parser::parse_if() {
  const Token t = take();
  Expr* cond = parse_expr();
  expect(Tok::Then, "THEN");
  Expr* then = parse_expr();
  expect(Tok::Else, "ELSE");
  Expr* else_ = parse_expr();
  return state_.new_expr<ExprIf>(at(t.begin), cond, then, else_);
}

// ---- expr_op: operators --------------------------------------------------------

/// Precedence climbing over binary_info: reads operators binding at least
/// as tightly as `min_prec`. A right operand is read with the operator's own
/// level (right-associative) or one above; a non-associative level may not
/// repeat (`a == b == c` is a syntax error, as in Nix).
Expr* Parser::parse_op(int min_prec) {
  const uint32_t lhs_begin = peek().begin;
  Nest nest(*this);  // one level per operator: a chain `a + b + …` nests its tree
  Expr* lhs = parse_prefix();
  int nonassoc_prec = 0;
  for (;;) {
    const Tok op = peek().kind;
    const uint32_t op_begin = peek().begin;
    const BinaryInfo info = binary_info(op);
    if (info.prec == 0 || info.prec < min_prec) break;
    if (info.prec == nonassoc_prec) unexpected(peek());
    take();
    nest.add(op_begin);
    if (op == Tok::Question) {
      lhs = make_has_attr(op_begin, lhs);
    } else {
      const uint32_t rhs_begin = peek().begin;
      Expr* rhs = parse_op(info.assoc == Assoc::Right ? info.prec : info.prec + 1);
      lhs = make_binary(op, op_begin, lhs_begin, lhs, rhs_begin, rhs);
    }
    nonassoc_prec = info.assoc == Assoc::None ? info.prec : 0;
  }
  return lhs;
}

Expr* Parser::make_has_attr(uint32_t op_begin, Expr* lhs) {
  return state_.new_expr<ExprOpHasAttr>(at(op_begin), lhs, parse_attrpath());
}

/// `+` is ExprConcatStrings (it also adds numbers and paths); the other
/// operators are ExprBinOp.
Expr* Parser::make_binary(Tok op, uint32_t op_begin, uint32_t lhs_begin, Expr* lhs, uint32_t rhs_begin,
                          Expr* rhs) {
  if (op == Tok::Plus) {
    std::vector<std::pair<PosIdx, Expr*>> parts{{at(lhs_begin), lhs}, {at(rhs_begin), rhs}};
    return state_.new_expr<ExprConcatStrings>(at(op_begin), false, std::move(parts));
  }
  return state_.new_expr<ExprBinOp>(at(op_begin), binop_of(op), lhs, rhs);
}

/// `! e` and unary `- e`, else an application.
Expr* Parser::parse_prefix() {
  const Tok kind = peek().kind;
  if (kind != Tok::Not && kind != Tok::Minus) return parse_app();
  const uint32_t begin = take().begin;
  Nest nest(*this, begin);
  return make_prefix(kind, begin, parse_op((kind == Tok::Not ? kNotPrec : kNegatePrec) + 1));
}

/// `!e` is ExprOpNot; `-e` is `0 - e`, as in Nix.
Expr* Parser::make_prefix(Tok op, uint32_t begin, Expr* e) {
  if (op == Tok::Not) return state_.new_expr<ExprOpNot>(at(begin), e);
  Value zero;
  zero.mk_int(0);
  return state_.new_expr<ExprBinOp>(at(begin), BinOp::Sub, state_.new_expr<ExprLiteral>(at(begin), zero), e);
}

/// `f a b c`: one ExprCall holding every argument.
Expr* Parser::parse_app() {
  const uint32_t begin = peek().begin;
  Expr* fun = parse_select();
  if (!starts_operand(peek().kind)) return fun;
  std::vector<Expr*> args;
  while (starts_operand(peek().kind)) args.push_back(parse_select());
  return make_call(begin, fun, args);
}

/// As in Nix, arguments are appended to a function expression that is
/// itself a call (`(f a) b`, `<nixpkgs> {}`).
Expr* Parser::make_call(uint32_t begin, Expr* fun, std::vector<Expr*>& args) {
  if (auto* call = dynamic_cast<ExprCall*>(fun)) {
    call->args.insert(call->args.end(), args.begin(), args.end());
    return call;
  }
  return state_.new_expr<ExprCall>(at(begin), fun, std::move(args));
}

/// `e.a.b`, `e.a.b or default`, and Nix's backwards-compatible `f or`,
/// which applies `f` to a variable named `or` (so `fold or [] l` works).
Expr* Parser::parse_select() {
  const uint32_t begin = peek().begin;
  Expr* e = parse_simple();
  const Tok kind = peek().kind;
  if (kind == Tok::Dot) return parse_select_path(begin, e);
  if (kind == Tok::OrKw) return make_or_call(begin, e);
  return e;
}

Expr* Parser::parse_select_path(uint32_t begin, Expr* e) {
  take();
  AttrPath path = parse_attrpath();
  Expr* def = nullptr;
  if (peek().kind == Tok::OrKw) {
    Nest nest(*this, take().begin);
    def = parse_select();
  }
  return state_.new_expr<ExprSelect>(at(begin), e, std::move(path), def);
}

Expr* Parser::make_or_call(uint32_t begin, Expr* e) {
  const Token t = take();
  std::vector<Expr*> args{state_.new_expr<ExprVar>(at(t.begin), sym_or_)};
  return state_.new_expr<ExprCall>(at(begin), e, std::move(args));
}

// ---- expr_simple ------------------------------------------------------------------

Expr* Parser::parse_simple() {
  switch (peek().kind) {
    case Tok::Quote:
      return parse_string(take());
    case Tok::IndStringOpen:
      return parse_ind_string(take());
    case Tok::Path:
    case Tok::HPath:
      return parse_path(take());
    case Tok::LParen:
      return parse_parens();
    case Tok::LBrace:
    case Tok::Rec:
    case Tok::Let:
      return parse_set();
    case Tok::LBracket:
      return parse_list();
    default:
      return parse_atom();
  }
}

/// Variables and the literals that are a single token.
Expr* Parser::parse_atom() {
  const Token t = peek();
  const PosIdx pos = at(t.begin);
  switch (t.kind) {
    case Tok::Id: {
      take();
      std::string_view name = text(t);
      if (name == "__curPos") return state_.new_expr<ExprPos>(pos);
      return state_.new_expr<ExprVar>(pos, intern(name));
    }
    case Tok::Int:
    case Tok::Float: {
      take();
      Value v;
      if (t.kind == Tok::Int) v.mk_int(t.integer); else v.mk_float(t.fpoint);
      return state_.new_expr<ExprLiteral>(pos, v);
    }
    case Tok::SPath: {
      // <name> is `__findFile __nixPath "name"`, exactly as in Nix.
      take();
      std::string_view name = text(t).substr(1, t.end - t.begin - 2);
      std::vector<Expr*> args{state_.new_expr<ExprVar>(pos, sym_nix_path_), mk_string(pos, name)};
      return state_.new_expr<ExprCall>(pos, state_.new_expr<ExprVar>(pos, sym_find_file_), std::move(args));
    }
    case Tok::Uri:
      take();
      return mk_string(pos, text(t));
    default:
      unexpected(t);
  }
}

Expr* Parser::parse_parens() {
  take();
  Expr* e = parse_expr();
  expect(Tok::RParen, "')'");
  return e;
}

/// `{ … }`, `rec { … }`, and the legacy `let { …; body = …; }`, which is
/// `(rec { … }).body`.
Expr* Parser::parse_set() {
  const Token t = take();
  const Token open = t.kind == Tok::LBrace ? t : expect(Tok::LBrace, "'{'");
  auto* attrs = state_.new_expr<ExprAttrs>(at(open.begin));
  attrs->recursive = t.kind != Tok::LBrace;
  parse_binds(attrs);
  if (peek().kind != Tok::RBrace) unexpected(peek());
  take();
  if (t.kind != Tok::Let) return attrs;
  return state_.new_expr<ExprSelect>(at(t.begin), attrs, AttrPath{AttrName{sym_body_, nullptr}}, nullptr);
}

/// `[ a b c ]`: the elements are expr_selects, so `[ f x ]` has two.
Expr* Parser::parse_list() {
  const Token t = take();
  Nest nest(*this, t.begin);
  auto* list = state_.new_expr<ExprList>(at(t.begin));
  while (starts_operand(peek().kind)) list->elems.push_back(parse_select());
  if (peek().kind != Tok::RBracket) unexpected(peek());
  take();
  return list;
}

// ---- attribute paths and bindings ---------------------------------------------------

/// `a`, `or`, `"a"`, `"a${b}"` or `${e}`. A quoted name without
/// interpolation, or `${"a"}` around a plain string literal, is static.
AttrName Parser::parse_attr_name() {
  const Token t = peek();
  Expr* e = nullptr;
  switch (t.kind) {
    case Tok::Id:
    case Tok::OrKw:
      take();
      return AttrName{intern(text(t)), nullptr};
    case Tok::Quote:
      take();
      e = parse_string(t);
      break;
    case Tok::DollarCurly:
      take();
      e = parse_expr();
      expect(Tok::RBrace, "'}'");
      break;
    default:
      unexpected(t, "ID or OR_KW or DOLLAR_CURLY or '\"'");
  }
  if (is_string_literal(e)) return AttrName{intern(static_cast<ExprLiteral*>(e)->value.string_view()), nullptr};
  return AttrName{Symbol{}, e};
}

AttrPath Parser::parse_attrpath() {
  AttrPath path;
  path.push_back(parse_attr_name());
  while (peek().kind == Tok::Dot) {
    take();
    path.push_back(parse_attr_name());
  }
  return path;
}

/// The bindings of a set or `let`, up to (not including) `}` or `in`.
void Parser::parse_binds(ExprAttrs* attrs) {
  for (;;) {
    const Token t = peek();
    if (t.kind == Tok::Inherit) {
      parse_inherit(attrs);
      continue;
    }
    if (!starts_attr_name(t.kind)) return;
    AttrPath path = parse_attrpath();
    if (peek().kind != Tok::Assign) unexpected(peek(), "'.' or '='");
    take();
    // `a.b.c = e` puts e under one set per component.
    Nest nest(*this, t.begin, path.size());
    Expr* e = parse_expr();
    expect(Tok::Semicolon, "';'");
    add_attr(attrs, path, e, at(t.begin));
  }
}

/// `inherit a "b" ${"c"};` and `inherit (e) a b;`. The names must be
/// static; as in Nix, they are added (and checked for duplicates) once the
/// statement has been read up to its `;`.
void Parser::parse_inherit(ExprAttrs* attrs) {
  take();
  Expr* from = nullptr;
  if (peek().kind == Tok::LParen) {
    take();
    from = parse_expr();
    expect(Tok::RParen, "')'");
  }
  std::vector<std::pair<Symbol, PosIdx>> names;
  while (starts_attr_name(peek().kind)) {
    const PosIdx pos = at(peek().begin);
    const AttrName name = parse_attr_name();
    if (!name.symbol) throw ParseError("dynamic attributes not allowed in inherit", pos);
    names.emplace_back(name.symbol, pos);
  }
  if (peek().kind != Tok::Semicolon) unexpected(peek());
  take();
  for (const auto& [name, pos] : names) {
    if (auto it = attrs->attrs.find(name); it != attrs->attrs.end()) {
      dup_attr({AttrName{name, nullptr}}, pos, it->second.pos);
    }
    ExprAttrs::AttrDef def;
    def.pos = pos;
    if (from) {
      def.kind = ExprAttrs::AttrDef::Kind::InheritedFrom;
      def.e = state_.new_expr<ExprSelect>(pos, from, AttrPath{AttrName{name, nullptr}}, nullptr);
    } else {
      def.kind = ExprAttrs::AttrDef::Kind::Inherited;
      def.e = state_.new_expr<ExprVar>(pos, name);
    }
    attrs->attrs.emplace(name, def);
  }
}

/// Adds `path = e` to `attrs` as Nix's addAttr does: every component but the
/// last names a nested set, created on first use and merged into afterwards
/// (also a set written out literally, `a = { … }; a.b = …;`, which keeps its
/// `rec`); a dynamic component always makes a fresh set. Defining a leaf
/// twice is an error, except that two literal sets merge their attributes.
void Parser::add_attr(ExprAttrs* attrs, const AttrPath& path, Expr* e, PosIdx pos) {
  using Kind = ExprAttrs::AttrDef::Kind;
  auto literal_set = [](const ExprAttrs::AttrDef& def) {
    return def.kind == Kind::Plain ? dynamic_cast<ExprAttrs*>(def.e) : nullptr;
  };
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    ExprAttrs* nested = nullptr;
    if (!path[i].symbol) {
      nested = state_.new_expr<ExprAttrs>(pos);
      attrs->dynamic_attrs.push_back({path[i].expr, nested, pos});
    } else if (auto it = attrs->attrs.find(path[i].symbol); it != attrs->attrs.end()) {
      nested = literal_set(it->second);
      if (!nested) dup_attr(path, pos, it->second.pos);
    } else {
      nested = state_.new_expr<ExprAttrs>(pos);
      ExprAttrs::AttrDef def;
      def.e = nested;
      def.pos = pos;
      attrs->attrs.emplace(path[i].symbol, def);
    }
    attrs = nested;
  }

  const AttrName& leaf = path.back();
  if (!leaf.symbol) {
    attrs->dynamic_attrs.push_back({leaf.expr, e, pos});
    return;
  }
  auto it = attrs->attrs.find(leaf.symbol);
  if (it == attrs->attrs.end()) {
    ExprAttrs::AttrDef def;
    def.e = e;
    def.pos = pos;
    attrs->attrs.emplace(leaf.symbol, def);
    if (auto* lambda = dynamic_cast<ExprLambda*>(e)) lambda->name = leaf.symbol;
    return;
  }
  ExprAttrs* existing = literal_set(it->second);
  auto* added = dynamic_cast<ExprAttrs*>(e);
  if (!existing || !added) dup_attr(path, pos, it->second.pos);
  for (const auto& [name, def] : added->attrs) {
    if (auto old = existing->attrs.find(name); old != existing->attrs.end()) {
      AttrPath full = path;
      full.push_back(AttrName{name, nullptr});
      dup_attr(full, def.pos, old->second.pos);
    }
    existing->attrs.emplace(name, def);
  }
  existing->dynamic_attrs.insert(existing->dynamic_attrs.end(), added->dynamic_attrs.begin(),
                                 added->dynamic_attrs.end());
}

void Parser::dup_attr(const AttrPath& path, PosIdx pos, PosIdx prev) {
  throw ParseError("attribute '" + show_attr_path(path) + "' already defined at " +
                       format_pos(prev, state_.positions),
                   pos);
}

/// `a."b c"."${e}"`, as Nix shows attribute paths in messages.
std::string Parser::show_attr_path(const AttrPath& path) {
  std::ostringstream out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (i > 0) out << '.';
    if (path[i].symbol) {
      std::string_view name = state_.symbols[path[i].symbol];
      if (is_identifier(name)) out << name; else out << quote_string(name);
    } else {
      out << "\"${";
      path[i].expr->show(state_.symbols, out);
      out << "}\"";
    }
  }
  return out.str();
}

// ---- string and path literals ---------------------------------------------------------

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

}  // namespace

Expr* parse(EvalState& state, std::string origin, std::shared_ptr<const std::string> source,
            std::string_view base_dir, std::string_view home) {
  // Offsets and positions are 32-bit.
  if (source->size() >= (uint32_t{1} << 31)) throw ParseError("'" + origin + "' is too large to parse");
  const uint32_t base = state.positions.add_origin(std::move(origin), source);
  Parser parser(state, base, *source, base_dir, home);
  return parser.parse_top();
}

}  // namespace cairn::lang
