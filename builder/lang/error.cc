#include "builder/lang/error.hh"

#include <fmt/format.h>

namespace cairn::lang {

std::string format_pos(PosIdx pos, const PosTable& positions) {
  Pos p = positions.resolve(pos);
  if (!p.line) return "«unknown»";
  return fmt::format("{}:{}:{}", p.origin, p.line, p.column);
}

namespace {

// "at FILE:LINE:COL:" and the source line with a caret under the column,
// every line prefixed with `indent`.
void append_location(std::string& out, PosIdx pos, const PosTable& positions, std::string_view indent) {
  Pos p = positions.resolve(pos);
  if (!p.line) return;
  out += fmt::format("\n{}at {}:{}:{}:", indent, p.origin, p.line, p.column);
  std::string number = std::to_string(p.line);
  // Tabs are shown as spaces so the caret lines up.
  std::string text(p.line_text);
  for (char& c : text)
    if (c == '\t') c = ' ';
  if (text.size() > 200) text = text.substr(0, 200) + "…";
  out += fmt::format("\n{}    {}| {}", indent, number, text);
  size_t caret = p.column > 0 ? p.column - 1 : 0;
  out += fmt::format("\n{}    {}| {}^", indent, std::string(number.size(), ' '),
                     std::string(std::min<size_t>(caret, 200), ' '));
}

void append_indented(std::string& out, std::string_view text, std::string_view indent) {
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    // Indent continuation lines, but leave empty lines empty.
    if (text[i] == '\n' && i + 1 < text.size() && text[i + 1] != '\n') out += indent;
  }
}

}  // namespace

std::string format_error(const EvalError& e, const PosTable& positions) {
  static constexpr std::string_view kIndent = "       ";  // width of "error: "
  std::string out = "error: ";
  append_indented(out, e.message, kIndent);
  append_location(out, e.pos, positions, kIndent);
  // Show the innermost frames and the outermost ones; elide the middle of
  // very deep traces (a runaway recursion has thousands of identical frames).
  constexpr size_t kHead = 15, kTail = 10;
  size_t n = e.traces.size();
  for (size_t i = 0; i < n; ++i) {
    if (n > kHead + kTail && i == kHead) {
      out += fmt::format("\n{}… {} more frames …", kIndent, n - kHead - kTail);
      i = n - kTail - 1;
      continue;
    }
    const Trace& t = e.traces[i];
    out += "\n";
    out += kIndent;
    out += "… ";
    append_indented(out, t.message, kIndent);
    append_location(out, t.pos, positions, std::string(kIndent) + "  ");
  }
  return out;
}

}  // namespace cairn::lang
