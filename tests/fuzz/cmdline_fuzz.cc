// libFuzzer target: the kernel command line (/proc/cmdline) →
// activator/cmdline, the first thing cairn-activate reads at boot.
//
// Checked, besides crashes and hangs on any bytes:
//  - where parse_cmdline accepts the line, cmdline_flag (the rescue-shell
//    check that must work even when the rest does not parse) agrees with it
//    on cairn.debug and cairn.shell, and init= is absolute;
//  - the words split_cmdline returns, written back separated by spaces,
//    split to the same words when none of them needs quoting (no white
//    space or double quote in a name or value) — the splitter does not
//    lose, merge or invent words;
//  - parse_device_tag accepts only LABEL=, UUID= and PARTUUID= with a value,
//    and to_string gives the text back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "activator/cmdline.hh"
#include "bootloader/layout.hh"
#include "tests/fuzz/fuzz_check.hh"

namespace {

using cairn::fuzz::require;
using namespace cairn::activator;

// White space as the kernel's isspace() sees it, and the quote.
bool needs_quoting(std::string_view s) {
  for (char c : s)
    if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '"' ||
        static_cast<unsigned char>(c) == 0xa0)
      return true;
  return false;
}

void check_words(std::string_view text) {
  std::vector<CmdlineWord> words = split_cmdline(text);
  std::string line;
  for (const CmdlineWord& w : words) {
    // An empty name or one with '=' cannot be written without changing how
    // the word splits (the kernel ignores '=' at the start of a word).
    if (w.name.empty() || w.name.find('=') != std::string::npos || needs_quoting(w.name)) return;
    if (w.value && needs_quoting(*w.value)) return;
    if (!line.empty()) line += ' ';
    line += w.name;
    if (w.value) line += "=" + *w.value;
  }
  require(split_cmdline(line) == words, "plain words written back split the same");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn::bootloader;
  std::string_view text = cairn::fuzz::as_text(data, size);

  if (auto cmdline = parse_cmdline(text)) {
    require(cmdline->debug == cmdline_flag(text, kDebugParam), "cmdline_flag agrees on cairn.debug");
    require(cmdline->shell == cmdline_flag(text, kShellParam), "cmdline_flag agrees on cairn.shell");
    require(!cmdline->init || cmdline->init->starts_with('/'), "init= is an absolute path");
    auto tag = parse_device_tag(cmdline->state.to_string());
    require(tag.has_value() && *tag == cmdline->state, "the state partition's tag reads back");
  }
  check_words(text);

  if (auto tag = parse_device_tag(text)) {
    require(tag->name == "LABEL" || tag->name == "UUID" || tag->name == "PARTUUID", "a tag is LABEL, UUID or PARTUUID");
    require(!tag->value.empty(), "a tag has a value");
    require(tag->to_string() == text, "a tag is written as it was read");
  }
  return 0;
}
