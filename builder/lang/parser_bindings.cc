// Attribute sets and bindings: `{ … }`, `rec { … }`, the legacy `let { … }`,
// `let … in`, attribute names and paths, `inherit`, and how `a.b.c = e`
// builds and merges nested sets (Nix's addAttr), with the messages for a
// duplicate definition. Part of the Parser (parser_impl.hh).
#include <sstream>
#include <vector>

#include "builder/lang/parser_impl.hh"

namespace cairn::lang::detail {

namespace {

bool starts_attr_name(Tok t) {
  return t == Tok::Id || t == Tok::OrKw || t == Tok::Quote || t == Tok::DollarCurly;
}

}  // namespace

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

}  // namespace cairn::lang::detail
