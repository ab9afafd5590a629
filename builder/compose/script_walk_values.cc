// Three-valued logic and the shell's computations for the abstract run.
// See script_walk_values.hh.
#include "builder/compose/script_walk_values.hh"

#include <fnmatch.h>

#include <cctype>
#include <charconv>
#include <optional>

#include <fmt/format.h>

#include "builder/compose/script_walk.hh"
#include "builder/compose/tree.hh"

namespace cairn::compose::script_walk {

namespace detail {

Flow both(const Flow& a, const Flow& b) {
  if (a.t == Tri::no) return a;
  if (b.t == Tri::no) return b;
  return Flow{a.t == Tri::yes && b.t == Tri::yes ? Tri::yes : Tri::maybe, ""};
}

Flow either(const Flow& a, const Flow& b) {
  if (a.t == Tri::yes || b.t == Tri::yes) return Flow{Tri::yes, ""};
  if (a.t == Tri::no && b.t == Tri::no) return a.why.empty() ? b : a;
  return Flow{Tri::maybe, ""};
}

Status negate(Status s) {
  if (s.t == Tri::yes) s.t = Tri::no;
  else if (s.t == Tri::no) s.t = Tri::yes;
  std::swap(s.why_false, s.why_true);
  return s;
}

Status all_of(const Status& a, const Status& b) {
  if (a.t == Tri::no) return a;
  if (b.t == Tri::no) return Status{Tri::no, b.why_false, ""};
  if (a.t == Tri::yes && b.t == Tri::yes) return Status{Tri::yes, "", b.why_true};
  return Status{};
}

Status any_of(const Status& a, const Status& b) {
  if (a.t == Tri::yes) return a;
  if (b.t == Tri::yes) return Status{Tri::yes, "", b.why_true};
  if (a.t == Tri::no && b.t == Tri::no) return Status{Tri::no, a.why_false, ""};
  return Status{};
}

Status merge(const Status& a, const Status& b) { return a.t == b.t ? a : Status{}; }

Flow when_true(const Status& s) {
  if (s.t == Tri::no) return no(s.why_false.empty() ? "its condition fails" : s.why_false);
  return Flow{s.t, ""};
}

Flow when_false(const Status& s) { return when_true(negate(s)); }

std::string action_reason(std::string_view value) {
  if (value == "upgrade" || value == "failed-upgrade") return "runs only on upgrade";
  if (value == "remove" || value == "purge" || value == "deconfigure" || value == "disappear")
    return "runs only when the package is removed";
  if (value.substr(0, 6) == "abort-") return "runs only when dpkg rolls back a failed operation";
  if (value == "triggered") return "runs only when a trigger of the package fires";
  if (value == "configure") return "runs only when the package is configured";
  if (value == "install") return "runs only when the package is installed";
  if (value == "reconfigure") return "runs only on dpkg-reconfigure";
  return fmt::format("runs only when called with `{}`", value);
}

bool has_glob(std::string_view text) {
  if (text.find_first_of("*?") != std::string_view::npos) return true;
  size_t open = text.find('[');
  return open != std::string_view::npos && text.find(']', open + 1) != std::string_view::npos;
}

void split_into(const std::string& text, std::vector<Field>& out, Field& cur, bool& have) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n'; };
  size_t k = 0;
  while (k < text.size()) {
    if (blank(text[k])) {
      if (have) {
        out.push_back(cur);
        cur = Field{"", true, cur.origin, cur.positional};
        have = false;
      }
      ++k;
      continue;
    }
    size_t e = k;
    while (e < text.size() && !blank(text[e])) ++e;
    cur.text += text.substr(k, e - k);
    have = true;
    k = e;
  }
}

std::string remove_affix(const std::string& value, const std::string& pattern, const std::string& op) {
  auto matches = [&](const std::string& s) { return ::fnmatch(pattern.c_str(), s.c_str(), 0) == 0; };
  size_t n = value.size();
  if (op == "#") {
    for (size_t k = 0; k <= n; ++k)
      if (matches(value.substr(0, k))) return value.substr(k);
  } else if (op == "##") {
    for (size_t k = n + 1; k-- > 0;)
      if (matches(value.substr(0, k))) return value.substr(k);
  } else if (op == "%") {
    for (size_t k = n + 1; k-- > 0;)
      if (matches(value.substr(k))) return value.substr(0, k);
  } else if (op == "%%") {
    for (size_t k = 0; k <= n; ++k)
      if (matches(value.substr(k))) return value.substr(0, k);
  }
  return value;
}

namespace {

bool decided(const Field& f) { return f.known && !(f.origin & from_root); }

Status decide(bool result, std::string why_false, std::string why_true) {
  return Status{result ? Tri::yes : Tri::no, std::move(why_false), std::move(why_true)};
}

std::optional<long> to_long(const std::string& s) {
  long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

class TestEval {
 public:
  TestEval(const std::vector<Field>& a, const std::string& text, const Shipped* shipped)
      : a_(a), text_(text), shipped_(shipped) {
    i_ = 1;
    end_ = a.size();
    if (a[0].text == "[" && end_ > 1 && a[end_ - 1].known && a[end_ - 1].text == "]") --end_;
  }

  Status run() {
    if (i_ == end_) return decide(false, generic(false), generic(true));
    return expr();
  }

 private:
  const std::vector<Field>& a_;
  const std::string& text_;
  const Shipped* shipped_;
  size_t i_ = 0, end_ = 0;
  size_t depth_ = 0;  ///< `!` and `(` under way

  bool at(std::string_view s) const { return i_ < end_ && a_[i_].known && a_[i_].text == s; }

  // Sub-tests may be negated, so the reasons name the test, not its value.
  std::string generic(bool) const { return fmt::format("the test `{}` rules it out on a fresh installation", text_); }

  Status expr() {
    Status s = term();
    while (at("-o")) {
      ++i_;
      s = any_of(s, term());
    }
    return s;
  }

  Status term() {
    Status s = factor();
    while (at("-a")) {
      ++i_;
      s = all_of(s, factor());
    }
    return s;
  }

  static bool is_binary(const Field& f) {
    static const char* ops[] = {"=", "==", "!=", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef"};
    if (!f.known) return false;
    for (const char* op : ops)
      if (f.text == op) return true;
    return false;
  }

  static bool is_unary(const Field& f) {
    return f.known && f.text.size() == 2 && f.text[0] == '-' &&
           std::string_view("zneEfdLhxrwsSbcpgukOGNt").find(f.text[1]) != std::string_view::npos;
  }

  Status factor() {
    size_t left = end_ - i_;
    if (left == 0) return Status{};
    if (at("!") && left > 1) {
      ++i_;
      return negate(nested([&] { return factor(); }));
    }
    if (at("(") && left > 2) {
      ++i_;
      Status s = nested([&] { return expr(); });
      if (at(")")) ++i_;
      return s;
    }
    if (left >= 3 && is_binary(a_[i_ + 1])) {
      Status s = binary(a_[i_], a_[i_ + 1].text, a_[i_ + 2]);
      i_ += 3;
      return s;
    }
    if (left >= 2 && is_unary(a_[i_])) {
      Status s = unary(a_[i_].text, a_[i_ + 1]);
      i_ += 2;
      return s;
    }
    const Field& f = a_[i_++];
    if (!decided(f)) return Status{};
    return string_test(!f.text.empty(), f);
  }

  // `!` and `(` recurse: nested deeper than any test is, the rest of the
  // test is left undecided, so that a hostile one cannot overflow the stack.
  template <class F>
  Status nested(F f) {
    constexpr size_t kMaxDepth = 32;
    if (depth_ == kMaxDepth) {
      i_ = end_;
      return Status{};
    }
    ++depth_;
    Status s = f();
    --depth_;
    return s;
  }

  // A decided -n/-z style result, explained by where the string came from.
  Status string_test(bool result, const Field& f) const {
    if (f.origin & from_old_version)
      return decide(result, std::string(kUpgradeOnly), std::string(kUpgradeOnly));
    return decide(result, generic(false), generic(true));
  }

  Status unary(const std::string& op, const Field& f) const {
    if (op == "-z" || op == "-n") {
      if (!decided(f)) return Status{};
      return string_test(op == "-n" ? !f.text.empty() : f.text.empty(), f);
    }
    if ((op == "-d" || op == "-e") && decided(f) &&
        (f.text == "/run/systemd/system" || f.text == "/run/systemd/system/"))
      return decide(false, std::string(kRunningSystemd), "");
    // The package's own files exist when its postinst runs.
    if (shipped_ && decided(f) && !f.text.empty() && f.text[0] == '/') {
      auto it = shipped_->find(RootTree::merged_path(f.text));
      if (it != shipped_->end()) {
        std::optional<bool> result;
        if (op == "-e") result = true;
        else if (op == "-d" && it->second != 'l') result = it->second == 'd';
        else if (op == "-L" || op == "-h") result = it->second == 'l';
        if (result) {
          std::string_view what = it->second == 'd' ? "a directory" : it->second == 'l' ? "a symlink" : "a file";
          std::string why = fmt::format("the test `{}` rules it out: the package ships {} as {}", text_, f.text, what);
          return decide(*result, why, why);
        }
      }
    }
    return Status{};
  }

  Status binary(const Field& x, const std::string& op, const Field& y) const {
    if (!decided(x) || !decided(y)) return Status{};
    if (op == "=" || op == "==" || op == "!=") {
      bool equal = x.text == y.text;
      bool result = op == "!=" ? !equal : equal;
      uint8_t origin = x.origin | y.origin;
      if (origin & from_action) {
        const std::string& other = (x.origin & from_action) ? y.text : x.text;
        std::string need_equal = action_reason(other);
        std::string need_other = fmt::format("runs only when called with another argument than `{}`", other);
        return op == "!=" ? decide(result, need_other, need_equal) : decide(result, need_equal, need_other);
      }
      if (origin & from_old_version)
        return decide(result, std::string(kUpgradeOnly), std::string(kUpgradeOnly));
      return decide(result, generic(false), generic(true));
    }
    if (op == "-nt" || op == "-ot" || op == "-ef") return Status{};
    auto l = to_long(x.text), r = to_long(y.text);
    if (!l || !r) return Status{};
    bool result = op == "-eq" ? *l == *r : op == "-ne" ? *l != *r : op == "-lt" ? *l < *r
                : op == "-le" ? *l <= *r : op == "-gt" ? *l > *r : *l >= *r;
    if ((x.origin | y.origin) & from_old_version)
      return decide(result, std::string(kUpgradeOnly), std::string(kUpgradeOnly));
    return decide(result, generic(false), generic(true));
  }
};

}  // namespace

Status eval_test(const std::vector<Field>& args, const std::string& text, const Shipped* shipped) {
  return TestEval(args, text, shipped).run();
}

Status compare(const std::vector<Field>& a) {
  const Field& x = a[2];
  const Field& y = a[4];
  if (!decided(x) || !decided(y) || !a[3].known) return Status{};
  std::string op = a[3].text;
  bool nl = op.size() > 3 && op.substr(op.size() - 3) == "-nl";
  if (nl) op.resize(op.size() - 3);
  int c;
  if (x.text.empty() || y.text.empty()) {
    // An empty version ("not installed") sorts first, or last with -nl.
    c = x.text.empty() && y.text.empty() ? 0 : x.text.empty() ? (nl ? 1 : -1) : (nl ? -1 : 1);
  } else {
    c = compare_versions(x.text, y.text);
  }
  bool result;
  std::string_view relation;
  if (op == "lt" || op == "<<") result = c < 0, relation = "before";
  else if (op == "le" || op == "<=" || op == "<") result = c <= 0, relation = "up to";
  else if (op == "eq" || op == "=") result = c == 0, relation = "equal to";
  else if (op == "ne") result = c != 0, relation = "other than";
  else if (op == "ge" || op == ">=" || op == ">") result = c >= 0, relation = "from";
  else if (op == "gt" || op == ">>") result = c > 0, relation = "after";
  else return Status{};
  if ((x.origin | y.origin) & from_old_version)
    return decide(result, fmt::format("runs only on upgrade from a version {} {}", relation, y.text),
                  std::string(kUpgradeOnly));
  std::string text = fmt::format("dpkg --compare-versions {} {} {}", x.text, a[3].text, y.text);
  return decide(result, fmt::format("`{}` is false", text), fmt::format("`{}` is true", text));
}

}  // namespace detail

namespace {

int order(char c) {
  if (std::isdigit(static_cast<unsigned char>(c))) return 0;
  if (std::isalpha(static_cast<unsigned char>(c))) return c;
  if (c == '~') return -1;
  if (c) return c + 256;
  return 0;
}

// dpkg's verrevcmp over NUL-terminated strings.
int verrevcmp(const char* a, const char* b) {
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  while (*a || *b) {
    int first_diff = 0;
    while ((*a && !digit(*a)) || (*b && !digit(*b))) {
      int ac = order(*a), bc = order(*b);
      if (ac != bc) return ac - bc;
      if (*a) ++a;
      if (*b) ++b;
    }
    while (*a == '0') ++a;
    while (*b == '0') ++b;
    while (digit(*a) && digit(*b)) {
      if (!first_diff) first_diff = *a - *b;
      ++a;
      ++b;
    }
    if (digit(*a)) return 1;
    if (digit(*b)) return -1;
    if (first_diff) return first_diff;
  }
  return 0;
}

struct Version {
  long epoch = 0;
  std::string upstream, revision;
};

Version split_version(std::string_view v) {
  Version out;
  size_t colon = v.find(':');
  if (colon != std::string_view::npos) {
    std::from_chars(v.data(), v.data() + colon, out.epoch);
    v.remove_prefix(colon + 1);
  }
  size_t dash = v.rfind('-');
  if (dash != std::string_view::npos) {
    out.revision = std::string(v.substr(dash + 1));
    v = v.substr(0, dash);
  }
  out.upstream = std::string(v);
  return out;
}

}  // namespace

int compare_versions(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return a.empty() ? (b.empty() ? 0 : -1) : 1;
  Version x = split_version(a), y = split_version(b);
  if (x.epoch != y.epoch) return x.epoch < y.epoch ? -1 : 1;
  int c = verrevcmp(x.upstream.c_str(), y.upstream.c_str());
  if (c) return c;
  return verrevcmp(x.revision.c_str(), y.revision.c_str());
}

}  // namespace cairn::compose::script_walk
