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
#include <vector>

#include "builder/lang/parser_impl.hh"

namespace cairn::lang {

namespace detail {

namespace {

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

}  // namespace

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

}  // namespace detail

Expr* parse(EvalState& state, std::string origin, std::shared_ptr<const std::string> source,
            std::string_view base_dir, std::string_view home) {
  // Offsets and positions are 32-bit.
  if (source->size() >= (uint32_t{1} << 31)) throw ParseError("'" + origin + "' is too large to parse");
  const uint32_t base = state.positions.add_origin(std::move(origin), source);
  detail::Parser parser(state, base, *source, base_dir, home);
  return parser.parse_top();
}

}  // namespace cairn::lang
