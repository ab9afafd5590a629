// Printing values: the syntax `nix-instantiate --eval` prints, and JSON.
//
// print_value reproduces Nix 2.8's printer byte for byte, because the
// conformance suite and users' scripts compare its output textually:
//
//   - floats as C++ `ostream << double` does by default (%g, 6 significant
//     digits), so 1000000.0 prints as 1e+06 and 1.0 as 1;
//   - attribute names in byte order, bare when they are plain identifiers;
//   - a non-empty list or set met a second time in one output prints as
//     «repeated». Nix tracks every container it has printed (not only the
//     ones on the current path), so `let x = [ 1 ]; in [ x x ]` prints
//     `[ [ 1 ] «repeated» ]`; that also makes cyclic values finite;
//   - without --strict, unevaluated values print as <CODE>.
//
// print_json is builtins.toJSON as Nix 2.8 writes it: floats again with %g,
// control characters other than \n \r \t as \u00XX, other bytes (UTF-8
// included) unchanged, sets with __toString as that string and sets with
// outPath as their outPath's JSON.
//
// Both printers append to a std::string and hand it to the stream once:
// per-character ostream insertion dominates printing large values, and an
// error halfway through writes nothing.
#include "builder/lang/print.hh"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "builder/lang/eval.hh"

namespace cairn::lang {

namespace {

void append_int(std::string& out, int64_t i) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, i);
  out.append(buf, end);
}

/// `ostream << double` with the default flags and precision is printf's %g.
void append_float(std::string& out, double d) {
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%g", d);
  out.append(buf, static_cast<size_t>(n));
}

void append_string_literal(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  size_t run = 0;  // start of the pending run of bytes that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const char* esc = nullptr;
    switch (c) {
      case '"': esc = "\\\""; break;
      case '\\': esc = "\\\\"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      case '\t': esc = "\\t"; break;
      case '$':
        // Only `${` would start an interpolation when read back.
        if (i + 1 < s.size() && s[i + 1] == '{') esc = "\\$";
        break;
      default: break;
    }
    if (!esc) continue;
    out.append(s.data() + run, i - run);
    out += esc;
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

/// The set's attributes in byte order of their names: sets are sorted by
/// symbol id, which is interning order, not name order.
std::vector<std::pair<std::string_view, const Attr*>> sorted_attrs(EvalState& state, const Bindings& b) {
  std::vector<std::pair<std::string_view, const Attr*>> sorted;
  sorted.reserve(b.size);
  for (const Attr& a : b) sorted.emplace_back(state.symbols[a.name], &a);
  // std::string_view compares as unsigned bytes (char_traits<char>::compare).
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  return sorted;
}

/// Identifies a printed container: a set's Bindings, or a list's identity
/// (see print_list) with its size, since a builtin may share a prefix of
/// another list's element array.
struct SeenKey {
  const void* ptr;
  size_t size;
  bool operator==(const SeenKey&) const = default;
};
struct SeenHash {
  size_t operator()(const SeenKey& k) const {
    return std::hash<const void*>()(k.ptr) ^ (k.size * 0x9e3779b97f4a7c15ULL);
  }
};

class ValuePrinter {
 public:
  ValuePrinter(EvalState& state, std::string& out, bool strict) : state_(state), out_(out), strict_(strict) {}

  void print(Value& v) {
    // After force_deep nothing is left to force; this only guards against a
    // value force_deep chose to skip.
    if (strict_ && v.is_thunk()) state_.force(v, {});
    switch (v.type) {
      case Type::Thunk:
      case Type::App:
      case Type::Blackhole: out_ += "<CODE>"; break;
      case Type::Null: out_ += "null"; break;
      case Type::Bool: out_ += v.boolean ? "true" : "false"; break;
      case Type::Int: append_int(out_, v.integer); break;
      case Type::Float: append_float(out_, v.fpoint); break;
      case Type::String: append_string_literal(out_, v.string_view()); break;
      case Type::Path: out_ += v.string_view(); break;
      case Type::List: print_list(v); break;
      case Type::Attrs: print_attrs(v); break;
      case Type::Lambda: out_ += "<LAMBDA>"; break;
      case Type::PrimOp: out_ += "<PRIMOP>"; break;
      case Type::PrimOpApp: out_ += "<PRIMOP-APP>"; break;
    }
  }

 private:
  void print_list(Value& v) {
    // Nix stores lists of one or two elements inside the Value itself, so
    // for them "the same list" means the same Value; longer lists are the
    // same when they share their element array.
    const void* id = v.list.size <= 2 ? static_cast<const void*>(&v) : static_cast<const void*>(v.list.elems);
    if (v.list.size != 0 && !seen_.insert({id, v.list.size}).second) {
      out_ += "«repeated»";
      return;
    }
    EvalState::DepthGuard guard(state_, {});
    out_ += "[ ";
    for (size_t i = 0; i < v.list.size; ++i) {
      print(*v.list.elems[i]);
      out_ += ' ';
    }
    out_ += ']';
  }

  void print_attrs(Value& v) {
    if (v.attrs->size != 0 && !seen_.insert({v.attrs, 0}).second) {
      out_ += "«repeated»";
      return;
    }
    EvalState::DepthGuard guard(state_, {});
    out_ += "{ ";
    for (const auto& [name, attr] : sorted_attrs(state_, *v.attrs)) {
      if (is_plain_identifier(name)) out_ += name;
      else append_string_literal(out_, name);
      out_ += " = ";
      print(*attr->value);
      out_ += "; ";
    }
    out_ += '}';
  }

  EvalState& state_;
  std::string& out_;
  bool strict_;
  std::unordered_set<SeenKey, SeenHash> seen_;
};

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        // Nix 2.8 writes every other control character, \b and \f
        // included, as a \u escape.
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
        break;
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

/// A function as Nix names it in toJSON's error: "a function", "the
/// built-in function 'add'", "the partially applied built-in function 'add'".
std::string describe_function(const Value& v) {
  if (v.type == Type::PrimOp) return "the built-in function '" + v.primop->name + "'";
  if (v.type == Type::PrimOpApp) {
    const Value* f = v.app.fun;
    while (f->type == Type::PrimOpApp) f = f->app.fun;
    if (f->type == Type::PrimOp) return "the partially applied built-in function '" + f->primop->name + "'";
  }
  return std::string(show_type(v));
}

class JsonPrinter {
 public:
  JsonPrinter(EvalState& state, std::string& out) : state_(state), out_(out) {}

  void print(Value& v, PosIdx pos) {
    state_.force(v, pos);
    switch (v.type) {
      case Type::Null: out_ += "null"; break;
      case Type::Bool: out_ += v.boolean ? "true" : "false"; break;
      case Type::Int: append_int(out_, v.integer); break;
      case Type::Float: append_float(out_, v.fpoint); break;
      // Nix copies a path to the store and writes the store path; cairn
      // has no store, so the path itself is written.
      case Type::String:
      case Type::Path: append_json_string(out_, v.string_view()); break;
      case Type::List: {
        EvalState::DepthGuard guard(state_, pos);
        out_ += '[';
        for (size_t i = 0; i < v.list.size; ++i) {
          if (i) out_ += ',';
          print(*v.list.elems[i], pos);
        }
        out_ += ']';
        break;
      }
      case Type::Attrs: print_attrs(v, pos); break;
      default: {
        // Point at the function itself where it is known, as Nix does.
        PosIdx at = v.type == Type::Lambda && v.lambda.fun->pos ? v.lambda.fun->pos : pos;
        throw TypeError("cannot convert " + describe_function(v) + " to JSON", at);
      }
    }
  }

 private:
  void print_attrs(Value& v, PosIdx pos) {
    if (v.attrs->find(state_.s.to_string)) {
      append_json_string(out_, state_.coerce_to_string(v, pos));
      return;
    }
    if (const Attr* o = v.attrs->find(state_.s.out_path)) {
      print(*o->value, o->pos ? o->pos : pos);
      return;
    }
    EvalState::DepthGuard guard(state_, pos);
    out_ += '{';
    bool first = true;
    for (const auto& [name, attr] : sorted_attrs(state_, *v.attrs)) {
      if (!first) out_ += ',';
      first = false;
      append_json_string(out_, name);
      out_ += ':';
      print(*attr->value, attr->pos ? attr->pos : pos);
    }
    out_ += '}';
  }

  EvalState& state_;
  std::string& out_;
};

constexpr std::string_view kKeywords[] = {"assert", "else", "if", "in", "inherit", "let", "rec", "then", "with"};

}  // namespace

void print_value(EvalState& state, Value& v, std::ostream& out, bool strict) {
  if (strict) state.force_deep(v);
  else state.force(v, {});
  std::string buf;
  ValuePrinter(state, buf, strict).print(v);
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
}

void print_json(EvalState& state, Value& v, std::ostream& out, PosIdx pos) {
  std::string buf;
  JsonPrinter(state, buf).print(v, pos);
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
}

void print_string_literal(std::string_view s, std::ostream& out) {
  std::string buf;
  append_string_literal(buf, s);
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
}

bool is_plain_identifier(std::string_view name) {
  if (name.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(name[0])) return false;
  for (char c : name.substr(1))
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '\'' && c != '-') return false;
  // Keywords need quotes to be read back as names (`or` does not: Nix
  // accepts it as an attribute name).
  return std::find(std::begin(kKeywords), std::end(kKeywords), name) == std::end(kKeywords);
}

}  // namespace cairn::lang
