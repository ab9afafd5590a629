// Expr::show for every node: the expression printed fully parenthesised.
//
// The format follows `nix-instantiate --parse` (Nix 2.8) so the two can be
// compared by eye, with these differences: operators that Nix 2.8 turns into
// builtin calls (`__sub`, `__lessThan`, …) print as the operators they are
// here; attributes and formals print sorted by name rather than by symbol id
// (stable whatever order names were interned in); `inherit (s) a;` prints as
// written; `assert` gets parentheses; names that are not identifiers print
// quoted; and only `${` is escaped in strings, as the value printer does.
#include <algorithm>
#include <ostream>
#include <string_view>
#include <vector>

#include "builder/lang/ast.hh"
#include "builder/lang/lexer.hh"

namespace cairn::lang {

namespace {

void show_string(std::ostream& out, std::string_view s) { out << quote_string(s); }

/// An attribute name: bare if it is an identifier, else quoted.
void show_name(const SymbolTable& symbols, std::ostream& out, Symbol name) {
  std::string_view s = symbols[name];
  if (is_identifier(s)) out << s; else show_string(out, s);
}

void show_attr_path(const SymbolTable& symbols, std::ostream& out, const AttrPath& path) {
  for (size_t i = 0; i < path.size(); ++i) {
    if (i > 0) out << '.';
    if (path[i].symbol) {
      show_name(symbols, out, path[i].symbol);
    } else {
      out << "\"${";
      path[i].expr->show(symbols, out);
      out << "}\"";
    }
  }
}

/// The bindings of a set or let, each followed by "; ".
void show_binds(const SymbolTable& symbols, std::ostream& out, const ExprAttrs& attrs) {
  using Kind = ExprAttrs::AttrDef::Kind;
  std::vector<std::pair<std::string_view, const std::pair<const Symbol, ExprAttrs::AttrDef>*>> sorted;
  for (const auto& entry : attrs.attrs) sorted.emplace_back(symbols[entry.first], &entry);
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [name, entry] : sorted) {
    const ExprAttrs::AttrDef& def = entry->second;
    if (def.kind == Kind::Inherited) {
      out << "inherit ";
      show_name(symbols, out, entry->first);
    } else if (def.kind == Kind::InheritedFrom) {
      out << "inherit (";
      static_cast<const ExprSelect*>(def.e)->e->show(symbols, out);
      out << ") ";
      show_name(symbols, out, entry->first);
    } else {
      show_name(symbols, out, entry->first);
      out << " = ";
      def.e->show(symbols, out);
    }
    out << "; ";
  }
  for (const auto& def : attrs.dynamic_attrs) {
    out << "\"${";
    def.name->show(symbols, out);
    out << "}\" = ";
    def.value->show(symbols, out);
    out << "; ";
  }
}

std::string_view binop_text(BinOp op) {
  switch (op) {
    case BinOp::Eq: return "==";
    case BinOp::NEq: return "!=";
    case BinOp::And: return "&&";
    case BinOp::Or: return "||";
    case BinOp::Impl: return "->";
    case BinOp::Update: return "//";
    case BinOp::ConcatLists: return "++";
    case BinOp::Sub: return "-";
    case BinOp::Mul: return "*";
    case BinOp::Div: return "/";
    case BinOp::Lt: return "<";
    case BinOp::Le: return "<=";
    case BinOp::Gt: return ">";
    case BinOp::Ge: return ">=";
  }
  return "?";
}

}  // namespace

void ExprLiteral::show(const SymbolTable&, std::ostream& out) const {
  switch (value.type) {
    case Type::Int: out << value.integer; break;
    case Type::Float: out << value.fpoint; break;
    case Type::String: show_string(out, value.string_view()); break;
    case Type::Path: out << value.string_view(); break;
    case Type::Bool: out << (value.boolean ? "true" : "false"); break;
    case Type::Null: out << "null"; break;
    default: out << "«literal»"; break;
  }
}

void ExprVar::show(const SymbolTable& symbols, std::ostream& out) const { out << symbols[name]; }

void ExprSelect::show(const SymbolTable& symbols, std::ostream& out) const {
  out << '(';
  e->show(symbols, out);
  out << ").";
  show_attr_path(symbols, out, path);
  if (def) {
    out << " or (";
    def->show(symbols, out);
    out << ')';
  }
}

void ExprOpHasAttr::show(const SymbolTable& symbols, std::ostream& out) const {
  out << "((";
  e->show(symbols, out);
  out << ") ? ";
  show_attr_path(symbols, out, path);
  out << ')';
}

void ExprAttrs::show(const SymbolTable& symbols, std::ostream& out) const {
  if (recursive) out << "rec ";
  out << "{ ";
  show_binds(symbols, out, *this);
  out << '}';
}

void ExprList::show(const SymbolTable& symbols, std::ostream& out) const {
  out << "[ ";
  for (const Expr* elem : elems) {
    out << '(';
    elem->show(symbols, out);
    out << ") ";
  }
  out << ']';
}

void ExprLambda::show(const SymbolTable& symbols, std::ostream& out) const {
  out << '(';
  if (formals) {
    std::vector<const Formal*> sorted;
    for (const Formal& f : formals->formals) sorted.push_back(&f);
    std::sort(sorted.begin(), sorted.end(),
              [&](const Formal* a, const Formal* b) { return symbols[a->name] < symbols[b->name]; });
    out << "{ ";
    bool first = true;
    for (const Formal* f : sorted) {
      if (!first) out << ", ";
      first = false;
      out << symbols[f->name];
      if (f->def) {
        out << " ? ";
        f->def->show(symbols, out);
      }
    }
    if (formals->ellipsis) out << (first ? "..." : ", ...");
    out << " }";
    if (arg) out << " @ ";
  }
  if (arg) out << symbols[arg];
  out << ": ";
  body->show(symbols, out);
  out << ')';
}

void ExprCall::show(const SymbolTable& symbols, std::ostream& out) const {
  out << '(';
  fun->show(symbols, out);
  for (const Expr* a : args) {
    out << ' ';
    a->show(symbols, out);
  }
  out << ')';
}

void ExprLet::show(const SymbolTable& symbols, std::ostream& out) const {
  out << "(let ";
  show_binds(symbols, out, *attrs);
  out << "in ";
  body->show(symbols, out);
  out << ')';
}

void ExprWith::show(const SymbolTable& symbols, std::ostream& out) const {
  out << "(with ";
  attrs->show(symbols, out);
  out << "; ";
  body->show(symbols, out);
  out << ')';
}

void ExprIf::show(const SymbolTable& symbols, std::ostream& out) const {
  out << "(if ";
  cond->show(symbols, out);
  out << " then ";
  then->show(symbols, out);
  out << " else ";
  else_->show(symbols, out);
  out << ')';
}

void ExprAssert::show(const SymbolTable& symbols, std::ostream& out) const {
  out << "(assert ";
  cond->show(symbols, out);
  out << "; ";
  body->show(symbols, out);
  out << ')';
}

void ExprOpNot::show(const SymbolTable& symbols, std::ostream& out) const {
  out << "(! ";
  e->show(symbols, out);
  out << ')';
}

void ExprBinOp::show(const SymbolTable& symbols, std::ostream& out) const {
  out << '(';
  e1->show(symbols, out);
  out << ' ' << binop_text(op) << ' ';
  e2->show(symbols, out);
  out << ')';
}

void ExprConcatStrings::show(const SymbolTable& symbols, std::ostream& out) const {
  out << '(';
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out << " + ";
    parts[i].second->show(symbols, out);
  }
  out << ')';
}

void ExprPos::show(const SymbolTable&, std::ostream& out) const { out << "__curPos"; }

}  // namespace cairn::lang
