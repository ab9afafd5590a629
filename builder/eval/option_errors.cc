#include "builder/eval/option_errors.hh"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "builder/lang/print.hh"

namespace cairn::eval {

using namespace lang;

std::string show_option(const std::vector<std::string>& loc) {
  std::string out;
  for (const std::string& part : loc) {
    if (!out.empty()) out += '.';
    if (is_plain_identifier(part) || part.starts_with("<") || part.starts_with("[")) {
      out += part;
    } else {
      std::ostringstream s;
      print_string_literal(part, s);
      out += s.str();
    }
  }
  return out;
}

std::string show_file(EvalState& state, const std::string& file, PosIdx pos, const std::string& display_root) {
  std::string where = file;
  Pos p = state.positions.resolve(pos);
  if (p.line) where = fmt::format("{}:{}:{}", p.origin, p.line, p.column);
  if (where.empty()) where = "<unknown-file>";
  if (!display_root.empty() && where.starts_with(display_root + "/")) where = where.substr(display_root.size() + 1);
  return where;
}

static std::string show_value(EvalState& state, Value& v) {
  std::ostringstream s;
  try {
    print_value(state, v, s, true);
  } catch (const EvalError& e) {
    return "«error: " + e.message.substr(0, e.message.find('\n')) + "»";
  }
  std::string out = s.str();
  if (out.size() > 300) out = out.substr(0, 300) + " …";
  return out;
}

std::string show_defs(EvalState& state, const std::vector<DischargedDef>& defs, const std::string& display_root) {
  std::string out;
  for (const DischargedDef& d : defs)
    out += fmt::format("\n- In `{}': {}", show_file(state, d.file, d.pos, display_root), show_value(state, *d.value));
  return out;
}

static size_t levenshtein(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string> close_names(const std::string& name, const std::vector<std::string>& candidates) {
  std::vector<std::pair<size_t, std::string>> scored;
  for (const std::string& c : candidates) {
    size_t d = levenshtein(name, c);
    if (d <= 2 || (candidates.size() < 100 && d <= std::max<size_t>(2, name.size() / 2))) scored.emplace_back(d, c);
  }
  std::stable_sort(scored.begin(), scored.end(), [](auto& x, auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < 3; ++i) out.push_back(scored[i].second);
  return out;
}

void throw_conflict(EvalState& state, const std::vector<std::string>& loc, const std::vector<DischargedDef>& defs,
                    const std::string& display_root) {
  throw EvalError(fmt::format("The option `{}' has conflicting definition values:{}\nUse `lib.mkForce value` or "
                              "`lib.mkDefault value` to change the priority on any of these definitions.",
                              show_option(loc), show_defs(state, defs, display_root)),
                  defs.empty() ? PosIdx{} : defs.front().pos);
}

void throw_type_mismatch(EvalState& state, const std::vector<std::string>& loc, const std::string& type_description,
                         const DischargedDef& def, const std::string& display_root) {
  throw EvalError(fmt::format("A definition for option `{}' is not of type `{}'. Definition values:{}",
                              show_option(loc), type_description, show_defs(state, {def}, display_root)),
                  def.pos);
}

}  // namespace cairn::eval
