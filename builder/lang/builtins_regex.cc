// Regular expressions: builtins.match and builtins.split.
//
// Nix compiles patterns with std::regex's POSIX extended grammar; cairn uses
// the C library's regcomp/regexec (REG_EXTENDED), which implements the same
// POSIX leftmost-longest semantics with an automaton instead of libstdc++'s
// recursive backtracking (which can exhaust the stack on long strings).
// glibc is quick to reject a string; extracting capture groups from a
// successful match is its slow part (a few µs). Three things keep the two
// in step:
//
//   - Syntax. libstdc++ rejects some patterns glibc accepts: an escape of
//     anything but . [ \ ( ) * + ? { | ^ $ (so no \d, \w, \1 or \/), an
//     unmatched `)`, and a `{` not followed by a digit. `accepted_syntax`
//     rejects those first, so both report "invalid regular expression".
//   - Bytes. std::regex matches bytes; glibc matches characters of the
//     current locale, so under a UTF-8 locale `.` would match all of "é".
//     Patterns are compiled and run under the C locale (uselocale is
//     per-thread, so this is invisible to the rest of the process).
//   - Whole-string matching. `match` must match the entire string, as
//     std::regex_match does. The pattern is compiled a second time as
//     `^(PATTERN)$`: the extra group shifts capture numbers by one, and since
//     the syntax check forbids back-references nothing else changes. The
//     anchors let a failing match stop at the first byte instead of
//     searching the whole string.
//
// `split` walks the string like std::cregex_iterator: after a non-empty
// match the next search starts where it ended; after an empty match it
// starts one byte later (under leftmost-longest semantics a non-empty match
// at the same place cannot exist). regexec runs with REG_STARTEND, which
// also makes it safe on strings with embedded NUL bytes.
//
// Compiled patterns are cached for the life of the process, keyed by the
// pattern text: nixpkgs calls `match` with a handful of patterns millions of
// times. The cache is shared by all EvalStates, hence the mutex.
#include <locale.h>
#include <regex.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "builder/lang/builtins.hh"
#include "builder/lang/eval.hh"

namespace cairn::lang {

namespace {

/// Switches the calling thread to the C locale while it lives.
class CLocale {
 public:
  CLocale() {
    static locale_t c = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(nullptr));
    old_ = c ? uselocale(c) : nullptr;
  }
  ~CLocale() {
    if (old_) uselocale(old_);
  }
  CLocale(const CLocale&) = delete;
  CLocale& operator=(const CLocale&) = delete;

 private:
  locale_t old_;
};

/// Whether libstdc++'s std::regex (extended grammar) would accept the
/// pattern's escapes, parentheses and braces; glibc checks the rest.
bool accepted_syntax(std::string_view re) {
  int depth = 0;
  for (size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    if (c == '\\') {
      if (i + 1 == re.size() || re[i + 1] == '\0' || !std::strchr(".[\\()*+?{|^$", re[i + 1])) return false;
      ++i;
    } else if (c == '[') {
      // Skip the bracket expression: a leading `]` (after an optional `^`)
      // is literal, and [:class:], [.coll.] and [=equiv=] nest.
      size_t j = i + 1;
      if (j < re.size() && re[j] == '^') ++j;
      if (j < re.size() && re[j] == ']') ++j;
      while (j < re.size() && re[j] != ']') {
        if (re[j] == '[' && j + 1 < re.size() && std::strchr(":.=", re[j + 1]) && re[j + 1] != '\0') {
          char kind = re[j + 1];
          size_t close = j + 2;
          while (close + 1 < re.size() && !(re[close] == kind && re[close + 1] == ']')) ++close;
          if (close + 1 >= re.size()) return true;  // unterminated: let regcomp report it
          j = close + 2;
        } else {
          ++j;
        }
      }
      i = j;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (depth == 0) return false;
      --depth;
    } else if (c == '{') {
      if (i + 1 == re.size() || re[i + 1] < '0' || re[i + 1] > '9') return false;
    }
  }
  return true;
}

struct CompiledRegex {
  regex_t plain{};     ///< the pattern as written (split)
  regex_t anchored{};  ///< `^(pattern)$` (match)
  bool has_plain = false;
  bool has_anchored = false;
  size_t groups = 0;   ///< the pattern's own capture groups

  CompiledRegex() = default;
  CompiledRegex(const CompiledRegex&) = delete;
  CompiledRegex& operator=(const CompiledRegex&) = delete;
  ~CompiledRegex() {
    if (has_plain) regfree(&plain);
    if (has_anchored) regfree(&anchored);
  }
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

[[noreturn]] void throw_invalid(std::string_view re, PosIdx pos) {
  throw EvalError("invalid regular expression '" + std::string(re) + "'", pos);
}

/// The compiled form of `re`, from the cache or compiled now; throws on an
/// invalid pattern. The result lives until the process exits.
const CompiledRegex& get_regex(std::string_view re, PosIdx pos) {
  static std::mutex mutex;
  static std::unordered_map<std::string, std::unique_ptr<CompiledRegex>, StringHash, std::equal_to<>> cache;

  std::lock_guard lock(mutex);
  if (auto it = cache.find(re); it != cache.end()) return *it->second;

  // regcomp reads a C string: a pattern with a NUL byte would be cut short.
  if (re.find('\0') != std::string_view::npos || !accepted_syntax(re)) throw_invalid(re, pos);
  auto compiled = std::make_unique<CompiledRegex>();
  std::string text(re);
  CLocale c_locale;
  if (regcomp(&compiled->plain, text.c_str(), REG_EXTENDED) != 0) throw_invalid(re, pos);
  compiled->has_plain = true;
  compiled->groups = compiled->plain.re_nsub;
  std::string anchored = "^(" + text + ")$";
  if (regcomp(&compiled->anchored, anchored.c_str(), REG_EXTENDED) == 0) {
    // Should always hold after the syntax check; otherwise `match` falls
    // back to checking the plain pattern's match span.
    if (compiled->anchored.re_nsub == compiled->groups + 1) compiled->has_anchored = true;
    else regfree(&compiled->anchored);
  }
  return *cache.emplace(std::move(text), std::move(compiled)).first->second;
}

/// Runs `re` on s[start, s.size()) with REG_STARTEND; false on no match.
/// `m` needs room for re_nsub + 1 entries.
bool run(const regex_t& re, std::string_view s, size_t start, std::vector<regmatch_t>& m,
         std::string_view pattern, PosIdx pos) {
  m[0].rm_so = static_cast<regoff_t>(start);
  m[0].rm_eo = static_cast<regoff_t>(s.size());
  CLocale c_locale;
  int rc = regexec(&re, s.data(), m.size(), m.data(), REG_STARTEND);
  if (rc == REG_NOMATCH) return false;
  if (rc != 0) throw EvalError("memory limit exceeded by regular expression '" + std::string(pattern) + "'", pos);
  return true;
}

/// A string value for s[so, eo) of the subject string `s` (a string
/// value's bytes). A piece that ends where the subject ends shares its
/// bytes: they are NUL-terminated there.
Value* substring_value(EvalState& state, std::string_view s, regoff_t so, regoff_t eo) {
  Value* v = state.alloc_value();
  auto from = static_cast<size_t>(so), to = static_cast<size_t>(eo);
  if (to == s.size()) v->mk_string_raw(s.data() + from, to - from);
  else state.mk_string(*v, s.substr(from, to - from));
  return v;
}

/// The list of capture groups m[first .. first + count): strings, or null
/// for a group that did not take part in the match.
void groups_list(EvalState& state, Value& out, std::string_view s, const std::vector<regmatch_t>& m,
                 size_t first, size_t count) {
  state.mk_list(out, count);
  Value* null = nullptr;
  for (size_t i = 0; i < count; ++i) {
    const regmatch_t& g = m[first + i];
    if (g.rm_so < 0) {
      if (!null) (null = state.alloc_value())->mk_null();
      out.list.elems[i] = null;
    } else {
      out.list.elems[i] = substring_value(state, s, g.rm_so, g.rm_eo);
    }
  }
}

void prim_match(EvalState& state, PosIdx pos, Value** args, Value& out) {
  auto pattern = state.force_string(*args[0], pos, "while evaluating the first argument passed to builtins.match");
  const CompiledRegex& re = get_regex(pattern, pos);
  auto s = state.force_string(*args[1], pos, "while evaluating the second argument passed to builtins.match");

  if (re.has_anchored) {
    // Without groups only the match itself is asked for: glibc then skips
    // working out submatch positions, most of a successful match's cost.
    std::vector<regmatch_t> m(re.groups ? re.groups + 2 : 1);
    if (!run(re.anchored, s, 0, m, pattern, pos)) return out.mk_null();
    return groups_list(state, out, s, m, 2, re.groups);
  }
  std::vector<regmatch_t> m(re.groups + 1);
  // Leftmost-longest: if the whole string matches, the match found is it.
  if (!run(re.plain, s, 0, m, pattern, pos) || m[0].rm_so != 0 ||
      static_cast<size_t>(m[0].rm_eo) != s.size())
    return out.mk_null();
  groups_list(state, out, s, m, 1, re.groups);
}

void prim_split(EvalState& state, PosIdx pos, Value** args, Value& out) {
  auto pattern = state.force_string(*args[0], pos, "while evaluating the first argument passed to builtins.split");
  const CompiledRegex& re = get_regex(pattern, pos);
  auto s = state.force_string(*args[1], pos, "while evaluating the second argument passed to builtins.split");

  std::vector<regmatch_t> m(re.groups + 1);
  std::vector<Value*> parts;
  size_t prev_end = 0;  // end of the previous match: start of the next gap
  for (size_t p = 0; p <= s.size();) {
    if (!run(re.plain, s, p, m, pattern, pos)) break;
    auto so = static_cast<size_t>(m[0].rm_so), eo = static_cast<size_t>(m[0].rm_eo);
    parts.push_back(substring_value(state, s, static_cast<regoff_t>(prev_end), m[0].rm_so));
    Value* groups = state.alloc_value();
    groups_list(state, *groups, s, m, 1, re.groups);
    parts.push_back(groups);
    prev_end = eo;
    p = eo == so ? so + 1 : eo;
  }
  if (parts.empty()) {
    // No match: the string itself is the only piece.
    state.mk_list(out, 1);
    out.list.elems[0] = args[1];
    return;
  }
  parts.push_back(substring_value(state, s, static_cast<regoff_t>(prev_end), static_cast<regoff_t>(s.size())));
  state.mk_list(out, parts.size());
  std::copy(parts.begin(), parts.end(), out.list.elems);
}

}  // namespace

void register_regex_builtins(EvalState& state) {
  state.add_primop("match", 2, prim_match);
  state.add_primop("split", 2, prim_split);
}

}  // namespace cairn::lang
