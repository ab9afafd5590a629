// The switch's records (switch_records.hh): formatting and reading back.
#include "activator/switch_records.hh"

#include <map>
#include <optional>

#include <fmt/format.h>

#include "base/decimal.hh"
#include "base/lines.hh"

namespace cairn::activator {

namespace {

using KeyValues = std::map<std::string, std::string, std::less<>>;

// "key=value" lines; blank lines skipped, the last of a repeated key wins.
Result<KeyValues> key_values(std::string_view text) {
  KeyValues out;
  std::vector<std::string_view> lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.empty()) continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return fail(fmt::format("line {}: \"{}\" is not key=value", i + 1, line));
    out.insert_or_assign(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
  }
  return out;
}

// The words of `s`, split at runs of spaces; none is empty.
std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    size_t start = s.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    s.remove_prefix(start);
    size_t end = s.find(' ');
    out.emplace_back(s.substr(0, end));
    s = end == std::string_view::npos ? std::string_view() : s.substr(end);
  }
  return out;
}

// The number under `key`; nullopt when it is missing or not a number.
std::optional<uint64_t> number(const KeyValues& kv, std::string_view key) {
  auto it = kv.find(key);
  return it == kv.end() ? std::nullopt : parse_decimal<uint64_t>(it->second);
}

}  // namespace

std::string format_active(const ActiveGeneration& active) {
  return fmt::format("generation={}\nimage={}\n", active.generation, active.image);
}

Result<ActiveGeneration> parse_active(std::string_view text) {
  auto kv = key_values(text);
  if (!kv) return std::unexpected(kv.error());
  ActiveGeneration out;
  auto n = number(*kv, "generation");
  if (!n) return fail("no generation=N line");
  out.generation = *n;
  auto i = kv->find("image");
  if (i == kv->end() || !i->second.starts_with("/")) return fail("no image= line");
  out.image = i->second;
  return out;
}

std::string format_owed(const OwedJobs& owed) {
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& s : v) out += (out.empty() ? "" : " ") + s;
    return out;
  };
  return fmt::format("to={}\nfrom={}\nreload={}\nrestart={}\nstart={}\n", owed.to, owed.from, join(owed.reload),
                     join(owed.restart), join(owed.start));
}

Result<OwedJobs> parse_owed(std::string_view text) {
  auto kv = key_values(text);
  if (!kv) return std::unexpected(kv.error());
  OwedJobs out;
  auto to = number(*kv, "to");
  if (!to) return fail("no to=N line");
  out.to = *to;
  out.from = number(*kv, "from").value_or(0);
  auto list = [&](std::string_view key) {
    auto it = kv->find(key);
    return it == kv->end() ? std::vector<std::string>{} : words(it->second);
  };
  out.reload = list("reload");
  out.restart = list("restart");
  out.start = list("start");
  return out;
}

}  // namespace cairn::activator
