// Expansion over the abstract run's state. See script_expand.hh.
#include "builder/compose/script_expand.hh"

#include <cctype>
#include <charconv>
#include <limits>

#include "builder/compose/script_walk.hh"

namespace cairn::compose::script_walk::detail {

using shell::Word;

namespace {

// The number of a positional parameter ("1", "10"); one too large for
// size_t is past every $# all the same (`${99999999999999999999}`).
size_t positional_number(const std::string& name) {
  size_t n = 0;
  auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), n);
  return ec == std::errc::result_out_of_range ? std::numeric_limits<size_t>::max() : n;
}

}  // namespace

Vars merge_vars(const Vars& a, const Flow& fa, const Vars& b, const Flow& fb) {
  if (fa.t == Tri::no) return b;
  if (fb.t == Tri::no) return a;
  Vars out = a;
  for (const auto& [name, vb] : b) {
    auto it = out.find(name);
    if (it == out.end()) {
      out[name] = Value{"", false, vb.origin};
    } else if (!(it->second == vb)) {
      it->second = Value{"", false, static_cast<uint8_t>(it->second.origin | vb.origin)};
    }
  }
  for (auto& [name, va] : out)
    if (!b.count(name)) va = Value{"", false, va.origin};
  return out;
}

std::optional<size_t> Expander::count() {
  auto it = vars_.find(kCount);
  if (it == vars_.end() || !it->second.known) return std::nullopt;
  return std::stoul(it->second.text);
}

Vars Expander::take_positional() {
  Vars out;
  for (auto it = vars_.begin(); it != vars_.end();) {
    if (!it->first.empty() && it->first[0] == '\x01') {
      out.insert(*it);
      it = vars_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

void Expander::set_positional(const std::vector<Value>& values) {
  take_positional();
  vars_[kCount] = Value{std::to_string(values.size())};
  for (size_t k = 0; k < values.size(); ++k) vars_[positional_name(k + 1)] = values[k];
}

std::vector<Value> Expander::positional_list() {
  auto n = count();
  if (!n) return {unknown()};
  std::vector<Value> out;
  for (size_t k = 1; k <= *n; ++k) out.push_back(lookup(std::to_string(k)));
  return out;
}

Value Expander::lookup(const std::string& name) {
  if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) {
    size_t n = positional_number(name);
    auto it = vars_.find(positional_name(n));
    if (n > 0 && it != vars_.end()) return it->second;
    auto c = count();
    return n > 0 && c && n > *c ? Value{""} : unknown();
  }
  if (name == "#") return vars_.count(kCount) ? vars_[kCount] : unknown();
  if (name == "@" || name == "*") {
    Value all;
    auto list = positional_list();
    for (size_t k = 0; k < list.size(); ++k) {
      const Value& v = list[k];
      if (k) all.text += ' ';
      all.text += v.text;
      all.known = all.known && v.known;
      all.origin |= v.origin;
    }
    return all;
  }
  auto it = vars_.find(name);
  if (it != vars_.end()) return it->second;
  if (name == "DPKG_ROOT") return Value{"", true, from_root};
  if (name == "DPKG_MAINTSCRIPT_PACKAGE") return Value{package_};
  if (name == "DPKG_MAINTSCRIPT_NAME") return Value{std::string(to_string(kind_))};
  if (name == "DPKG_ADMINDIR") return Value{"/var/lib/dpkg"};  // dpkg exports it
  if (name == "IFS") return Value{" \t\n"};
  if (assigned_.count(name)) return Value{""};  // a script variable, not yet set
  return unknown();                             // from dpkg's environment
}

std::optional<bool> Expander::is_set(const std::string& name) {
  if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) {
    auto c = count();
    if (!c) return std::nullopt;
    return positional_number(name) <= *c;
  }
  if (vars_.count(name) || name == "DPKG_ROOT" || name == "DPKG_MAINTSCRIPT_PACKAGE" ||
      name == "DPKG_MAINTSCRIPT_NAME")
    return true;
  if (assigned_.count(name)) return false;
  return std::nullopt;
}

Value Expander::join(const std::vector<Field>& fields) {
  Value v;
  for (size_t k = 0; k < fields.size(); ++k) {
    if (k) v.text += ' ';
    v.text += fields[k].text;
    v.known = v.known && fields[k].known;
    v.origin |= fields[k].origin;
  }
  return v;
}

Value Expander::expand_arg(const std::string& source, bool quoted) {
  auto w = shell::parse_word(source, quoted);
  if (!w) return unknown();
  return join(expand(*w, false));
}

std::optional<std::string> Expander::pattern(const Word& w) {
  std::string out;
  for (const auto& p : w.parts) {
    std::string text;
    if (p.kind == shell::WordPart::Kind::literal) {
      text = p.text;
    } else if (p.kind == shell::WordPart::Kind::param) {
      Value v = parameter(p);
      if (!v.known) return std::nullopt;
      text = v.text;
    } else {
      return std::nullopt;
    }
    if (!p.quoted) {
      out += text;
    } else {
      for (char c : text) {
        if (c == '*' || c == '?' || c == '[' || c == '\\') out += '\\';
        out += c;
      }
    }
  }
  return out;
}

Value Expander::parameter(const shell::WordPart& p) {
  // Each level of `${a:-${b:-…}}` is parsed again when it is expanded and
  // recursed into: unbounded, a hostile script would overflow the stack
  // and take time quadratic in its size. Scripts nest two or three.
  constexpr size_t kMaxDepth = 32;
  if (parameter_depth_ == kMaxDepth) return unknown();
  ++parameter_depth_;
  Value v = apply_operator(p);
  --parameter_depth_;
  return v;
}

Value Expander::apply_operator(const shell::WordPart& p) {
  Value v = lookup(p.text);
  const std::string& op = p.op;
  if (op.empty()) return v;
  if (op == "len") return v.known ? Value{std::to_string(v.text.size()), true, v.origin} : v;
  if (op == ":-" || op == ":=" || op == "-" || op == "=") {
    std::optional<bool> set = is_set(p.text);
    bool use_arg;
    if (op[0] == ':') {
      if (!v.known) return v;
      use_arg = v.text.empty();
    } else {
      if (!set) return unknown();
      use_arg = !*set;
    }
    if (!use_arg) return v;
    Value a = expand_arg(p.arg, p.quoted);
    a.origin |= v.origin;
    if (op.find('=') != std::string::npos && path_.t != Tri::no) vars_[p.text] = a;
    return a;
  }
  if (op == ":+" || op == "+") {
    bool use_arg;
    if (op[0] == ':') {
      if (!v.known) return v;
      use_arg = !v.text.empty();
    } else {
      std::optional<bool> set = is_set(p.text);
      if (!set) return unknown();
      use_arg = *set;
    }
    if (!use_arg) return Value{"", true, v.origin};
    Value a = expand_arg(p.arg, p.quoted);
    a.origin |= v.origin;
    return a;
  }
  if (op == "?" || op == ":?") return v;
  // #, ##, %, %%: remove a matching prefix or suffix
  if (!v.known) return v;
  auto pat_word = shell::parse_word(p.arg, false);
  if (!pat_word) return unknown();
  auto pat = pattern(*pat_word);
  if (!pat) return unknown();
  return Value{remove_affix(v.text, *pat, op), true, v.origin};
}

std::vector<Field> Expander::expand(const Word& w, bool split) {
  std::vector<Field> out;
  Field cur;
  bool have = false;
  bool in_function = frame().call != nullptr;
  auto add_value = [&](const Value& v, bool quoted, bool positional_param) {
    cur.origin |= v.origin;
    if (positional_param && in_function) cur.positional = true;
    if (!v.known) {
      // Keep what is known of the value, with a hole for the rest.
      cur.text += v.text.find(kHole) != std::string::npos ? v.text : std::string(1, kHole);
      cur.known = false;
      have = true;
      return;
    }
    if (quoted || !split) {
      cur.text += v.text;
      have = true;
      return;
    }
    split_into(v.text, out, cur, have);
  };
  for (const auto& p : w.parts) {
    switch (p.kind) {
      case shell::WordPart::Kind::literal:
        cur.text += p.text;
        if (!p.text.empty() || p.quoted) have = true;
        if (!p.quoted && split && has_glob(p.text)) cur.known = false;
        break;
      case shell::WordPart::Kind::param: {
        bool is_pos = !p.text.empty() && (std::isdigit(static_cast<unsigned char>(p.text[0])) ||
                                          p.text == "@" || p.text == "*");
        if (p.text == "@" && p.quoted && p.op.empty()) {
          const auto pos = positional_list();
          for (size_t k = 0; k < pos.size(); ++k) {
            if (k) {
              out.push_back(cur);
              cur = Field{};
            }
            add_value(pos[k], true, true);
          }
          break;
        }
        add_value(parameter(p), p.quoted, is_pos);
        break;
      }
      case shell::WordPart::Kind::command:
        // $(mktemp) names a new temporary file; other output is unknown.
        if (p.text == "mktemp" || p.text == "mktemp -d") {
          cur.text += "/tmp/tmp.XXXXXXXXXX";
        } else {
          cur.text += kHole;
          cur.known = false;
        }
        have = true;
        break;
      case shell::WordPart::Kind::arith:
        cur.text += kHole;
        cur.known = false;
        have = true;
        break;
    }
  }
  if (have) out.push_back(cur);
  return out;
}

std::vector<Field> Expander::expand_all(const std::vector<Word>& words) {
  std::vector<Field> out;
  for (const Word& w : words) {
    auto f = expand(w);
    out.insert(out.end(), f.begin(), f.end());
  }
  return out;
}

}  // namespace cairn::compose::script_walk::detail
