// The Nix parser: recursive descent over the on-demand lexer (lexer.hh).
//
// The grammar and the trees it builds follow Nix's bison grammar (parser.y of
// Nix 2.8), from the loosest construct to the tightest:
//
//   expr_function  x: e | {formals}: e | x@{…}: e | {…}@x: e
//                  | assert e; e | with e; e | let binds in e | expr_if
//   expr_if        if e then e else e | expr_op
//   expr_op        operators by precedence climbing (kBinary below)
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
// returns (bind_vars, eval, show) can run out of stack.
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
    case Tok::Question: return {11, Assoc::None};
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
    default: return BinOp::ConcatLists;
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
      if (levels > kMaxDepth - p_.depth_) throw ParseError("expression nested too deeply", p_.at(offset));
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
  Token peek2() {
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
  Token expect(Tok kind, std::string_view expecting) {
    if (peek().kind != kind) unexpected(peek(), expecting);
    return take();
  }
  [[noreturn]] void unexpected(const Token& t, std::string_view expecting = {}) {
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
  Expr* parse_expr();
  bool at_formals();
  Expr* parse_formals_lambda(const Token& start, Symbol arg);
  Expr* parse_op(int min_prec);
  Expr* parse_prefix();
  Expr* parse_app();
  Expr* parse_select();
  Expr* parse_simple();
  Expr* parse_list(const Token& open);
  Expr* parse_number(const Token& t);

  AttrName parse_attr_name();
  AttrPath parse_attrpath();
  void parse_binds(ExprAttrs* attrs);
  void parse_inherit(ExprAttrs* attrs);
  void add_attr(ExprAttrs* attrs, const AttrPath& path, Expr* e, PosIdx pos);
  [[noreturn]] void dup_attr(const AttrPath& path, PosIdx pos, PosIdx prev);
  std::string show_attr_path(const AttrPath& path);

  Expr* parse_string(const Token& open);
  Expr* parse_ind_string(const Token& open);
  Expr* strip_indentation(PosIdx pos, std::vector<IndPart>& parts);
  Expr* parse_path(const Token& t);
  Expr* parse_interpolation(const Piece& dollar);

  EvalState& state_;
  Lexer lex_;
  std::string_view base_dir_;
  std::string_view home_;
  Token peeked_;
  bool have_peeked_ = false;
  uint32_t depth_ = 0;
  Symbol sym_or_, sym_body_, sym_find_file_, sym_nix_path_;
};

// ---- expr_function, expr_if ----------------------------------------------------

Expr* Parser::parse_expr() {
  const Token t = peek();
  Nest nest(*this, t.begin);
  switch (t.kind) {
    case Tok::Id: {
      Tok after = peek2().kind;
      if (after == Tok::Colon) {
        take();
        take();
        Expr* body = parse_expr();
        return state_.new_expr<ExprLambda>(at(t.begin), intern(text(t)), nullptr, body);
      }
      if (after == Tok::At) {
        take();
        take();
        if (peek().kind != Tok::LBrace) unexpected(peek(), "'{'");
        return parse_formals_lambda(t, intern(text(t)));
      }
      break;
    }
    case Tok::LBrace:
      if (at_formals()) return parse_formals_lambda(t, Symbol{});
      break;
    case Tok::Assert:
    case Tok::With: {
      take();
      Expr* first = parse_expr();
      expect(Tok::Semicolon, "';'");
      Expr* body = parse_expr();
      if (t.kind == Tok::Assert) return state_.new_expr<ExprAssert>(at(t.begin), first, body);
      return state_.new_expr<ExprWith>(at(t.begin), first, body);
    }
    case Tok::Let: {
      if (peek2().kind == Tok::LBrace) break;  // legacy `let { … }`: an expr_simple
      take();
      auto* attrs = state_.new_expr<ExprAttrs>(at(t.begin));
      parse_binds(attrs);
      if (peek().kind != Tok::In) unexpected(peek());
      take();
      Expr* body = parse_expr();
      // As in Nix, checked once the whole `let` is parsed.
      if (!attrs->dynamic_attrs.empty()) throw ParseError("dynamic attributes not allowed in let", at(t.begin));
      return state_.new_expr<ExprLet>(at(t.begin), attrs, body);
    }
    case Tok::If: {
      take();
      Expr* cond = parse_expr();
      expect(Tok::Then, "THEN");
      Expr* then = parse_expr();
      expect(Tok::Else, "ELSE");
      Expr* else_ = parse_expr();
      return state_.new_expr<ExprIf>(at(t.begin), cond, then, else_);
    }
    default:
      break;
  }
  return parse_op(1);
}

/// With peek() at `{`: is this a lambda's formals rather than a set? Formals
/// are `{ }` before `:` or `@`, `{ x` before `,` `?` or `}`, and `{ ...`.
bool Parser::at_formals() {
  Lexer::State saved = lex_.save();
  Token t1 = lex_.next();
  bool formals = t1.kind == Tok::Ellipsis;
  if (t1.kind == Tok::RBrace) {
    Tok t2 = lex_.next().kind;
    formals = t2 == Tok::Colon || t2 == Tok::At;
  } else if (t1.kind == Tok::Id) {
    Tok t2 = lex_.next().kind;
    formals = t2 == Tok::Comma || t2 == Tok::Question || t2 == Tok::RBrace;
  }
  lex_.restore(saved);
  return formals;
}

/// `{ a, b ? e, ... }: body`, `{ … } @ x: body` and (with `arg` already read)
/// `x @ { … }: body`; peek() is the `{`.
Expr* Parser::parse_formals_lambda(const Token& start, Symbol arg) {
  take();
  std::vector<Formal> list;
  bool ellipsis = false;
  for (;;) {
    Token t = peek();
    if (t.kind == Tok::RBrace) break;
    if (t.kind == Tok::Ellipsis) {
      take();
      ellipsis = true;
      if (peek().kind != Tok::RBrace) unexpected(peek(), "'}'");
      break;
    }
    if (t.kind != Tok::Id) unexpected(t);
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
    if (peek().kind != Tok::RBrace) unexpected(peek(), "',' or '}'");
    break;
  }
  take();
  if (!arg && peek().kind == Tok::At) {
    take();
    arg = intern(text(expect(Tok::Id, "ID")));
    expect(Tok::Colon, "':'");
  } else {
    expect(Tok::Colon, start.kind == Tok::Id ? "':'" : "':' or '@'");
  }
  Expr* body = parse_expr();

  // Duplicates are reported like Nix: the smallest duplicated symbol, at its
  // second occurrence; then a formal that repeats the `@` name.
  std::sort(list.begin(), list.end(), [](const Formal& a, const Formal& b) {
    return a.name != b.name ? a.name < b.name : a.pos.id < b.pos.id;
  });
  for (size_t i = 0; i + 1 < list.size(); ++i) {
    if (list[i].name == list[i + 1].name) {
      throw ParseError("duplicate formal function argument '" + std::string(state_.symbols[list[i].name]) + "'",
                       list[i + 1].pos);
    }
  }
  Formals* formals = state_.new_formals();
  formals->formals = std::move(list);
  formals->ellipsis = ellipsis;
  if (arg && std::any_of(formals->formals.begin(), formals->formals.end(),
                         [&](const Formal& f) { return f.name == arg; })) {
    throw ParseError("duplicate formal function argument '" + std::string(state_.symbols[arg]) + "'",
                     at(start.begin));
  }
  return state_.new_expr<ExprLambda>(at(start.begin), arg, formals, body);
}

// ---- expr_op: operators --------------------------------------------------------

/// Precedence climbing over kBinary: reads operators binding at least as
/// tightly as `min_prec`. A right operand is read with the operator's own
/// level (right-associative) or one above; a non-associative level may not
/// repeat (`a == b == c` is a syntax error, as in Nix).
Expr* Parser::parse_op(int min_prec) {
  const size_t lhs_begin = peek().begin;
  Nest nest(*this);  // one level per operator: a chain `a + b + …` nests its tree
  Expr* lhs = parse_prefix();
  int nonassoc_prec = 0;
  for (;;) {
    const Token op = peek();
    const BinaryInfo info = binary_info(op.kind);
    if (info.prec == 0 || info.prec < min_prec) break;
    if (info.prec == nonassoc_prec) unexpected(op);
    take();
    nest.add(op.begin);
    if (op.kind == Tok::Question) {
      lhs = state_.new_expr<ExprOpHasAttr>(at(op.begin), lhs, parse_attrpath());
    } else {
      const size_t rhs_begin = peek().begin;
      Expr* rhs = parse_op(info.assoc == Assoc::Right ? info.prec : info.prec + 1);
      if (op.kind == Tok::Plus) {
        std::vector<std::pair<PosIdx, Expr*>> parts{{at(lhs_begin), lhs}, {at(rhs_begin), rhs}};
        lhs = state_.new_expr<ExprConcatStrings>(at(op.begin), false, std::move(parts));
      } else {
        lhs = state_.new_expr<ExprBinOp>(at(op.begin), binop_of(op.kind), lhs, rhs);
      }
    }
    nonassoc_prec = info.assoc == Assoc::None ? info.prec : 0;
  }
  return lhs;
}

/// `! e` and unary `- e` (which becomes `0 - e`), else an application.
Expr* Parser::parse_prefix() {
  const Token t = peek();
  if (t.kind != Tok::Not && t.kind != Tok::Minus) return parse_app();
  take();
  Nest nest(*this, t.begin);
  if (t.kind == Tok::Not) return state_.new_expr<ExprOpNot>(at(t.begin), parse_op(kNotPrec + 1));
  Expr* e = parse_op(kNegatePrec + 1);
  Value zero;
  zero.mk_int(0);
  return state_.new_expr<ExprBinOp>(at(t.begin), BinOp::Sub, state_.new_expr<ExprLiteral>(at(t.begin), zero), e);
}

/// `f a b c`: one ExprCall holding every argument. As in Nix, arguments are
/// appended to a function expression that is itself a call (`(f a) b`).
Expr* Parser::parse_app() {
  const size_t begin = peek().begin;
  Expr* fun = parse_select();
  if (!starts_operand(peek().kind)) return fun;
  std::vector<Expr*> args;
  while (starts_operand(peek().kind)) args.push_back(parse_select());
  if (auto* call = dynamic_cast<ExprCall*>(fun)) {
    call->args.insert(call->args.end(), args.begin(), args.end());
    return call;
  }
  return state_.new_expr<ExprCall>(at(begin), fun, std::move(args));
}

/// `e.a.b`, `e.a.b or default`, and Nix's backwards-compatible `f or`,
/// which applies `f` to a variable named `or` (so `fold or [] l` works).
Expr* Parser::parse_select() {
  const size_t begin = peek().begin;
  Expr* e = parse_simple();
  const Token t = peek();
  if (t.kind == Tok::Dot) {
    take();
    AttrPath path = parse_attrpath();
    Expr* def = nullptr;
    if (peek().kind == Tok::OrKw) {
      Nest nest(*this, take().begin);
      def = parse_select();
    }
    return state_.new_expr<ExprSelect>(at(begin), e, std::move(path), def);
  }
  if (t.kind == Tok::OrKw) {
    take();
    std::vector<Expr*> args{state_.new_expr<ExprVar>(at(t.begin), sym_or_)};
    return state_.new_expr<ExprCall>(at(begin), e, std::move(args));
  }
  return e;
}

// ---- expr_simple ------------------------------------------------------------------

Expr* Parser::parse_simple() {
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
    case Tok::Quote:
      take();
      return parse_string(t);
    case Tok::IndStringOpen:
      take();
      return parse_ind_string(t);
    case Tok::Path:
    case Tok::HPath:
      take();
      return parse_path(t);
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
    case Tok::LParen: {
      take();
      Expr* e = parse_expr();
      expect(Tok::RParen, "')'");
      return e;
    }
    case Tok::LBrace:
    case Tok::Rec:
    case Tok::Let: {
      // `{ … }`, `rec { … }`, and the legacy `let { …; body = …; }`, which
      // is `(rec { … }).body`.
      take();
      const Token open = t.kind == Tok::LBrace ? t : expect(Tok::LBrace, "'{'");
      auto* attrs = state_.new_expr<ExprAttrs>(at(open.begin));
      attrs->recursive = t.kind != Tok::LBrace;
      parse_binds(attrs);
      if (peek().kind != Tok::RBrace) unexpected(peek());
      take();
      if (t.kind != Tok::Let) return attrs;
      return state_.new_expr<ExprSelect>(pos, attrs, AttrPath{AttrName{sym_body_, nullptr}}, nullptr);
    }
    case Tok::LBracket: {
      take();
      Nest nest(*this, t.begin);
      auto* list = state_.new_expr<ExprList>(pos);
      while (starts_operand(peek().kind)) list->elems.push_back(parse_select());
      if (peek().kind != Tok::RBracket) unexpected(peek());
      take();
      return list;
    }
    default:
      unexpected(t);
  }
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

/// `inherit a "b" ${"c"};` and `inherit (e) a b;`. The names must be static.
void Parser::parse_inherit(ExprAttrs* attrs) {
  take();
  Expr* from = nullptr;
  if (peek().kind == Tok::LParen) {
    take();
    from = parse_expr();
    expect(Tok::RParen, "')'");
  }
  while (starts_attr_name(peek().kind)) {
    const PosIdx pos = at(peek().begin);
    const AttrName name = parse_attr_name();
    if (!name.symbol) throw ParseError("dynamic attributes not allowed in inherit", pos);
    if (auto it = attrs->attrs.find(name.symbol); it != attrs->attrs.end()) dup_attr({name}, pos, it->second.pos);
    ExprAttrs::AttrDef def;
    def.pos = pos;
    if (from) {
      def.kind = ExprAttrs::AttrDef::Kind::InheritedFrom;
      def.e = state_.new_expr<ExprSelect>(pos, from, AttrPath{name}, nullptr);
    } else {
      def.kind = ExprAttrs::AttrDef::Kind::Inherited;
      def.e = state_.new_expr<ExprVar>(pos, name.symbol);
    }
    attrs->attrs.emplace(name.symbol, def);
  }
  if (peek().kind != Tok::Semicolon) unexpected(peek());
  take();
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

/// `a.b."${e}"`, as Nix shows attribute paths in messages.
std::string Parser::show_attr_path(const AttrPath& path) {
  std::ostringstream out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (i > 0) out << '.';
    if (path[i].symbol) {
      out << state_.symbols[path[i].symbol];
    } else {
      out << "\"${";
      path[i].expr->show(state_.symbols, out);
      out << "}\"";
    }
  }
  return out.str();
}

// ---- string and path literals ---------------------------------------------------------

Expr* Parser::parse_interpolation(const Piece& dollar) {
  Nest nest(*this, dollar.begin);
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
        parts.emplace_back(at(p.begin), parse_interpolation(p));
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
      part.expr = parse_interpolation(p);
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
      parts.emplace_back(at(p.begin), parse_interpolation(p));
      interpolated = true;
      slash = false;
    } else if (p.kind == Piece::Kind::Text) {
      if (!text_pos) text_pos = at(p.begin);
      text += p.text;
      slash = p.text.ends_with('/');
    } else {
      if (slash) throw ParseError("path has a trailing slash", at(p.begin));
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
  const uint32_t base = state.positions.add_origin(std::move(origin), source);
  Parser parser(state, base, *source, base_dir, home);
  return parser.parse_top();
}

}  // namespace cairn::lang
