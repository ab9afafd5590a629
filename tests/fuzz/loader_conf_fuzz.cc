// libFuzzer target: systemd-boot's loader.conf → bootloader/loader_conf.
//
// The input's first line is a setting to make ("default cairn-*": key up to
// the first blank, value after it), the rest the file to make it in. The
// editor must do what systemd-boot will see: after
// set_loader_conf_value(text, key, value), loader_conf_value (which reads
// as systemd-boot 252 does) gives `value` for `key`, every other key keeps
// the value it had, and setting it again changes nothing. This holds for
// files systemd-boot reads to the end (no NUL) and for settings it can read
// back: a key without blanks that does not start a comment, a value on one
// line, not empty, without blanks at its ends or surrounding quotes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bootloader/bls.hh"
#include "bootloader/loader_conf.hh"
#include "tests/fuzz/fuzz_check.hh"

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool readable_key(std::string_view key) {
  if (key.empty() || key.front() == '#') return false;
  return std::none_of(key.begin(), key.end(), [](char c) { return is_blank(c) || c == '\n' || c == '\r' || c == '\0'; });
}

bool readable_value(std::string_view value) {
  if (value.empty() || is_blank(value.front()) || is_blank(value.back())) return false;
  if (value.front() == '"' && value.back() == '"') return false;
  return value.find_first_of(std::string_view("\n\r\0", 3)) == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cairn::fuzz::require;
  using namespace cairn::bootloader;
  auto [setting, text] = cairn::fuzz::split_first_line(cairn::fuzz::as_text(data, size));
  auto blank = std::find_if(setting.begin(), setting.end(), is_blank);
  std::string_view key = setting.substr(0, static_cast<size_t>(blank - setting.begin()));
  std::string_view value = setting.substr(key.size());
  while (!value.empty() && is_blank(value.front())) value.remove_prefix(1);

  // Reading never fails; every line read is a key with a value.
  for (const ConfLine& line : read_conf_lines(text)) require(!line.key.empty() && line.has_value, "lines read have a key and a value");
  std::string edited = set_loader_conf_value(text, key, value);

  if (!readable_key(key) || !readable_value(value) || text.find('\0') != std::string_view::npos) return 0;
  require(loader_conf_value(edited, key) == std::string(value), "a value set is the value read");
  for (const ConfLine& line : read_conf_lines(text)) {
    if (line.key == key) continue;
    require(loader_conf_value(edited, line.key) == loader_conf_value(text, line.key),
            "setting one key leaves the others as they were");
  }
  require(set_loader_conf_value(edited, key, value) == edited, "setting a value twice changes nothing");
  return 0;
}
