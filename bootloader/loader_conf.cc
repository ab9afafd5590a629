// loader.conf: read like systemd-boot 252, edited line by line (loader_conf.hh).
#include "bootloader/loader_conf.hh"

#include "bootloader/bls.hh"

namespace cairn::bootloader {

std::optional<std::string> loader_conf_value(std::string_view text, std::string_view key) {
  std::optional<std::string> value;
  for (const ConfLine& line : read_conf_lines(text))
    if (line.key == key) value = std::string(line.value);
  return value;
}

std::string set_loader_conf_value(std::string_view text, std::string_view key, std::string_view value) {
  std::string out = text.empty() ? std::string(kLoaderConfHeader) : std::string();
  std::string setting = std::string(key) + " " + std::string(value) + "\n";
  bool done = false;
  size_t pos = 0;
  while (pos < text.size()) {
    // Lines end at "\n", "\r\n" or a lone "\r", as systemd-boot splits them.
    size_t end = text.find_first_of("\r\n", pos);
    size_t next = end == std::string_view::npos ? text.size() : end + 1;
    if (end != std::string_view::npos && text[end] == '\r' && next < text.size() && text[next] == '\n') ++next;
    std::string_view line = text.substr(pos, next - pos);
    pos = next;
    auto kv = split_conf_line(line.substr(0, line.find_first_of("\r\n")));
    if (kv && kv->key == key) {
      if (!done) out += setting;
      done = true;
      continue;
    }
    out += line;
    if (!line.ends_with('\n') && !line.ends_with('\r')) out += '\n';
  }
  if (!done) out += setting;
  return out;
}

}  // namespace cairn::bootloader
