#include "activator/cmdline.hh"

#include "base/decimal.hh"
#include "bootloader/layout.hh"

namespace cairn::activator {

namespace {

// The kernel's isspace(): its ctype table also counts 0xA0 (Latin-1's
// no-break space) as white space.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
         static_cast<unsigned char>(c) == 0xa0;
}

// A bare word is "on"; a value must be one of the usual spellings.
std::optional<bool> parse_flag(const std::optional<std::string>& value) {
  if (!value) return true;
  for (std::string_view yes : {"1", "yes", "true", "on"})
    if (*value == yes) return true;
  for (std::string_view no : {"0", "no", "false", "off"})
    if (*value == no) return false;
  return std::nullopt;
}

std::string word_text(const CmdlineWord& w) { return w.value ? w.name + "=" + *w.value : w.name; }

}  // namespace

std::vector<CmdlineWord> split_cmdline(std::string_view text) {
  std::vector<CmdlineWord> words;
  size_t pos = 0;
  while (pos < text.size() && is_space(text[pos])) ++pos;
  while (pos < text.size()) {
    // A transcription of next_arg() in the kernel's kernel/params.c.
    bool quoted = text[pos] == '"';
    std::string_view a = text.substr(pos + (quoted ? 1 : 0));
    bool in_quote = quoted;
    size_t i = 0, equals = 0;
    for (; i < a.size(); ++i) {
      if (is_space(a[i]) && !in_quote) break;
      if (equals == 0 && a[i] == '=') equals = i;  // '=' at 0 does not count, as in the kernel
      if (a[i] == '"') in_quote = !in_quote;
    }
    // The closing quote of a quoted word is dropped.
    size_t end = quoted && i > 0 && a[i - 1] == '"' ? i - 1 : i;
    CmdlineWord word;
    if (equals == 0) {
      word.name = std::string(a.substr(0, end));
    } else {
      word.name = std::string(a.substr(0, equals));
      size_t vstart = equals + 1, vend = end;
      if (vstart < i && a[vstart] == '"') {
        ++vstart;
        if (a[i - 1] == '"') vend = i - 1;
      }
      word.value = std::string(a.substr(vstart, vend > vstart ? vend - vstart : 0));
    }
    words.push_back(std::move(word));
    pos += (quoted ? 1 : 0) + i;
    while (pos < text.size() && is_space(text[pos])) ++pos;
  }
  return words;
}

Result<DeviceTag> parse_device_tag(std::string_view text) {
  auto eq = text.find('=');
  std::string_view name = eq == std::string_view::npos ? text : text.substr(0, eq);
  if (eq == std::string_view::npos || (name != "LABEL" && name != "UUID" && name != "PARTUUID"))
    return fail("expected LABEL=…, UUID=… or PARTUUID=…, not \"" + std::string(text) + "\"");
  DeviceTag tag{std::string(name), std::string(text.substr(eq + 1))};
  if (tag.value.empty()) {
    std::string what = name == "LABEL" ? "label" : name == "UUID" ? "UUID" : "PARTUUID";
    return fail("the " + what + " is empty");
  }
  return tag;
}

Result<Cmdline> parse_cmdline(std::string_view text) {
  using bootloader::kDebugParam, bootloader::kGenerationParam, bootloader::kShellParam, bootloader::kGrowParam,
      bootloader::kStateParam;
  Cmdline out;
  std::string errors;
  auto bad = [&](const CmdlineWord& w, std::string_view why) {
    if (!errors.empty()) errors += "; ";
    errors += word_text(w) + ": " + std::string(why);
  };
  for (const CmdlineWord& w : split_cmdline(text)) {
    if (w.name == kGenerationParam) {
      auto n = w.value ? parse_decimal<uint64_t>(*w.value) : std::nullopt;
      if (!n) bad(w, "not a generation number");
      else out.generation = *n;
    } else if (w.name == kStateParam) {
      auto tag = parse_device_tag(w.value.value_or(""));
      if (!tag) bad(w, tag.error().message);
      else out.state = std::move(*tag);
    } else if (w.name == kTimeoutParam) {
      auto n = w.value ? parse_decimal<uint32_t>(*w.value) : std::nullopt;
      if (!n) bad(w, "not a number of seconds");
      else out.timeout = *n;
    } else if (w.name == "init") {
      if (!w.value || !w.value->starts_with('/')) bad(w, "not an absolute path");
      else out.init = *w.value;
    } else if (w.name == kDebugParam || w.name == kShellParam || w.name == kGrowParam) {
      auto on = parse_flag(w.value);
      if (!on) bad(w, "expected no value or one of 1, yes, true, on, 0, no, false, off");
      else (w.name == kDebugParam ? out.debug : w.name == kShellParam ? out.shell : out.grow) = *on;
    }
  }
  if (!errors.empty()) return fail(errors);
  return out;
}

bool cmdline_flag(std::string_view text, std::string_view name) {
  bool on = false;
  for (const CmdlineWord& w : split_cmdline(text))
    if (w.name == name) on = parse_flag(w.value).value_or(on);
  return on;
}

}  // namespace cairn::activator
