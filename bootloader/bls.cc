// BLS type #1 files: systemd-boot 252's lenient reading, cairn's strict
// reading and writing. See bls.hh for the rules and where they come from.
#include "bootloader/bls.hh"

#include <map>

#include <fmt/format.h>

#include "base/lines.hh"
#include "bootloader/layout.hh"

namespace cairn::bootloader {

namespace {

constexpr std::string_view kSuffix = ".conf";

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool ends_with_no_case(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    char a = s[s.size() - suffix.size() + i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != suffix[i]) return false;
  }
  return true;
}

// Reads decimal digits at `pos` the way systemd-boot's parse_number16 does
// (at least one digit; leading zeros fine). nullopt when there is no digit
// or the value passes kMaxCounter (252 then ignores the counter).
std::optional<uint32_t> read_counter(std::string_view s, size_t& pos) {
  size_t start = pos;
  uint64_t value = 0;
  bool too_big = false;
  while (pos < s.size() && is_digit(s[pos])) {
    value = value * 10 + static_cast<uint64_t>(s[pos] - '0');
    if (value > kMaxCounter) {
      too_big = true;
      value = kMaxCounter + 1ULL;  // stays above the limit, never overflows
    }
    ++pos;
  }
  if (pos == start || too_big) return std::nullopt;
  return static_cast<uint32_t>(value);
}

// The first character that is not allowed in a value: control characters
// other than tab (and DEL). Returns -1 when there is none.
int first_control(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return u;
  }
  return -1;
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t more;  // continuation bytes after the lead byte
    uint32_t cp;
    if (c < 0x80) more = 0, cp = c;
    else if ((c & 0xe0) == 0xc0) more = 1, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0) more = 2, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0) more = 3, cp = c & 0x07;
    else return false;
    if (s.size() - i <= more) return false;
    for (size_t k = 1; k <= more; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF.
    static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[more] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += more + 1;
  }
  return true;
}

// Finds "cairn.generation=…" among the words of a command line; nullopt
// when it is not there.
std::optional<std::string_view> generation_word(std::string_view options) {
  const std::string prefix = std::string(kGenerationParam) + "=";
  size_t i = 0;
  while (i < options.size()) {
    while (i < options.size() && is_blank(options[i])) ++i;
    size_t start = i;
    while (i < options.size() && !is_blank(options[i])) ++i;
    std::string_view word = options.substr(start, i - start);
    if (word.starts_with(prefix)) return word.substr(prefix.size());
  }
  return std::nullopt;
}

// Whether a command-line value names generation `n` exactly ("7", not "07").
bool names_generation(std::string_view value, uint64_t n) { return value == std::to_string(n); }

std::string_view base_name(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::optional<ConfLine> split_conf_line(std::string_view line) {
  while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
  while (!line.empty() && is_blank(line.back())) line.remove_suffix(1);
  if (line.empty() || line.front() == '#') return std::nullopt;
  ConfLine kv;
  size_t sep = 0;
  while (sep < line.size() && !is_blank(line[sep])) ++sep;
  kv.key = line.substr(0, sep);
  if (sep == line.size()) return kv;  // a key alone: systemd-boot skips it
  size_t start = sep;
  while (start < line.size() && is_blank(line[start])) ++start;
  kv.value = line.substr(start);
  kv.has_value = true;
  // Unquote as 252 does: opening quote first, closing quote last on the line
  // (a lone '"' becomes the empty value).
  if (!kv.value.empty() && kv.value.front() == '"' && kv.value.back() == '"')
    kv.value = kv.value.size() >= 2 ? kv.value.substr(1, kv.value.size() - 2) : std::string_view{};
  return kv;
}

std::vector<ConfLine> read_conf_lines(std::string_view text) {
  std::vector<ConfLine> out;
  // systemd-boot reads the file as a C string: nothing after a NUL counts.
  if (auto nul = text.find('\0'); nul != std::string_view::npos) text = text.substr(0, nul);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find_first_of("\n\r", pos);
    if (end == std::string_view::npos) end = text.size();
    auto kv = split_conf_line(text.substr(pos, end - pos));
    pos = end + 1;
    if (kv && kv->has_value) out.push_back(*kv);
  }
  return out;
}

EntryName split_entry_name(std::string_view file_name) {
  EntryName out;
  std::string_view stem = file_name;
  if (ends_with_no_case(stem, kSuffix)) stem.remove_suffix(kSuffix.size());
  out.stem = std::string(stem);
  // systemd-boot 252: the last '+', LEFT, optional "-DONE", then exactly
  // ".conf" (case matters here, though not for finding the file).
  auto plus = file_name.rfind('+');
  if (plus == std::string_view::npos) return out;
  size_t pos = plus + 1;
  auto left = read_counter(file_name, pos);
  if (!left) return out;
  uint32_t done = 0;
  if (pos < file_name.size() && file_name[pos] == '-') {
    ++pos;
    auto d = read_counter(file_name, pos);
    if (!d) return out;
    done = *d;
  }
  if (file_name.substr(pos) != kSuffix) return out;
  out.stem = std::string(file_name.substr(0, plus));
  out.counter = BootCounter{*left, done};
  return out;
}

std::optional<std::string> name_after_boot(std::string_view file_name) {
  auto name = split_entry_name(file_name);
  if (!name.counter) return std::nullopt;
  uint32_t left = name.counter->left > 0 ? name.counter->left - 1 : 0;
  uint32_t done = name.counter->done < kMaxCounter ? name.counter->done + 1 : kMaxCounter;
  return fmt::format("{}+{}-{}{}", name.stem, left, done, kSuffix);
}

std::string entry_file_name(uint64_t generation, std::optional<BootCounter> counter) {
  if (!counter) return fmt::format("{}{}{}", kEntryPrefix, generation, kSuffix);
  return fmt::format("{}{}+{}-{}{}", kEntryPrefix, generation, counter->left, counter->done, kSuffix);
}

std::string version_for(uint64_t generation) { return fmt::format("{:0{}}", generation, kVersionWidth); }

BlsFields read_bls_fields(std::string_view text) {
  BlsFields f;
  for (const ConfLine& kv : read_conf_lines(text)) {
    std::string value(kv.value);
    if (kv.key == "title") f.title = value;
    else if (kv.key == "version") f.version = value;
    else if (kv.key == "machine-id") f.machine_id = value;
    else if (kv.key == "sort-key") f.sort_key = value;
    else if (kv.key == "linux") f.linux_path = value;
    else if (kv.key == "efi") f.efi_path = value;
    else if (kv.key == "architecture") f.architecture = value;
    else if (kv.key == "initrd") f.initrds.push_back(value);
    else if (kv.key == "options") f.options = f.options ? *f.options + " " + value : value;
  }
  return f;
}

std::string format_entry(const BootEntry& entry) {
  std::string out;
  auto line = [&](std::string_view key, std::string_view value) {
    if (!value.empty()) out += fmt::format("{} {}\n", key, value);
  };
  line("title", entry.title);
  line("version", entry.version);
  line("sort-key", kSortKey);
  line("linux", entry.kernel);
  line("initrd", entry.initrd);
  line("options", entry.options);
  return out;
}

Result<void> check_entry(const BootEntry& entry) {
  auto bad = [&](std::string what) { return fail(fmt::format("generation {}: {}", entry.generation, what)); };
  struct Field {
    std::string_view name;
    const std::string& value;
  };
  for (const Field& f : {Field{"title", entry.title}, Field{"version", entry.version},
                         Field{"kernel", entry.kernel}, Field{"initrd", entry.initrd},
                         Field{"options", entry.options}}) {
    if (int c = first_control(f.value); c >= 0)
      return bad(fmt::format("{} has a control character (U+{:04X})", f.name, c));
    if (!valid_utf8(f.value)) return bad(fmt::format("{} is not valid UTF-8", f.name));
    if (!f.value.empty() && (is_blank(f.value.front()) || is_blank(f.value.back())))
      return bad(fmt::format("{} starts or ends with a blank", f.name));
    if (f.value.size() >= 1 && f.value.front() == '"' && f.value.back() == '"')
      return bad(fmt::format("{} is in double quotes, which systemd-boot strips", f.name));
  }
  if (entry.kernel.empty()) return bad("no kernel");
  if (!entry.version.empty()) {
    bool digits = true;
    for (char c : entry.version) digits = digits && is_digit(c);
    size_t nz = entry.version.find_first_not_of('0');
    std::string_view trimmed = nz == std::string::npos ? "0" : std::string_view(entry.version).substr(nz);
    if (!digits || trimmed != std::to_string(entry.generation))
      return bad(fmt::format("version `{}' does not sort like the generation (write `{}' or leave it empty)",
                             entry.version, version_for(entry.generation)));
  }
  if (auto g = generation_word(entry.options); g && !names_generation(*g, entry.generation))
    return bad(fmt::format("options say {}={}", kGenerationParam, *g));
  if (!entry.tries_left && entry.tries_done != 0)
    return bad(fmt::format("{} tries done but no tries left: a good entry has no counter", entry.tries_done));
  if (entry.tries_left && *entry.tries_left + uint64_t{entry.tries_done} > kMaxTries)
    return bad(fmt::format(
        "{} tries left and {} done make more than {}: with one digit each, systemd-boot's "
        "renames keep the file name's length",
        *entry.tries_left, entry.tries_done, kMaxTries));
  return {};
}

Result<CairnName> parse_entry_file_name(std::string_view file_name) {
  if (!file_name.starts_with(kEntryPrefix) || !file_name.ends_with(kSuffix))
    return fail("not a cairn entry name (cairn-<N>[+LEFT[-DONE]].conf)");
  auto name = split_entry_name(file_name);
  std::string_view number = std::string_view(name.stem).substr(kEntryPrefix.size());
  if (auto plus = number.find('+'); plus != std::string_view::npos) {
    std::string_view counter = file_name.substr(kEntryPrefix.size() + plus);
    counter.remove_suffix(kSuffix.size());
    return fail(fmt::format("malformed boot counter `{}' (+LEFT or +LEFT-DONE, each at most {})", counter,
                            kMaxCounter));
  }
  CairnName out;
  bool digits = !number.empty();
  for (char c : number) digits = digits && is_digit(c);
  if (!digits) return fail(fmt::format("generation `{}' is not a number", number));
  if (number.size() > 1 && number.front() == '0')
    return fail(fmt::format("generation `{}' has leading zeros", number));
  if (number.size() > 19) return fail(fmt::format("generation `{}' is too large", number));
  for (char c : number) out.generation = out.generation * 10 + static_cast<uint64_t>(c - '0');
  out.counter = name.counter;
  return out;
}

Result<BootEntry> parse_entry(std::string_view text, std::string_view filename) {
  auto name = parse_entry_file_name(base_name(filename));
  if (!name) return std::unexpected(name.error().context(filename));
  auto at = [&](size_t line, std::string what) {
    return fail(fmt::format("{}:{}: {}", filename, line, what));
  };

  BootEntry entry;
  entry.generation = name->generation;
  if (name->counter) {
    entry.tries_left = name->counter->left;
    entry.tries_done = name->counter->done;
  }
  // Keys that may appear once, and where each was first seen.
  static const std::string_view kOnce[] = {"title",  "version", "sort-key",    "machine-id",
                                           "linux",  "initrd",  "devicetree", "architecture"};
  std::map<std::string, size_t, std::less<>> seen;
  bool have_linux = false;

  auto lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    size_t number = i + 1;
    if (int c = first_control(line); c >= 0)
      return at(number, fmt::format("control character U+{:04X}", c));
    if (!valid_utf8(line)) return at(number, "invalid UTF-8");
    auto kv = split_conf_line(line);
    if (!kv) continue;
    if (!kv->has_value) return at(number, fmt::format("`{}' has no value", kv->key));
    for (std::string_view once : kOnce) {
      if (kv->key != once) continue;
      if (auto it = seen.find(once); it != seen.end())
        return at(number, fmt::format("second `{}' (the first is on line {})", once, it->second));
      seen.emplace(std::string(once), number);
    }
    std::string value(kv->value);
    if (kv->key == "title") entry.title = value;
    else if (kv->key == "version") entry.version = value;
    else if (kv->key == "linux") {
      entry.kernel = value;
      have_linux = true;
    }
    else if (kv->key == "initrd") entry.initrd = value;
    else if (kv->key == "efi")
      return at(number, "`efi' is not for cairn entries, which boot a kernel with `linux'");
    else if (kv->key == "options") {
      if (auto g = generation_word(value); g && !names_generation(*g, entry.generation))
        return at(number, fmt::format("options say {}={}, but the file name says generation {}",
                                      kGenerationParam, *g, entry.generation));
      entry.options = entry.options.empty() ? value : entry.options + " " + value;
    }
    // sort-key, machine-id, devicetree, architecture and unknown keys: not
    // part of the model; the menu logic reads them with read_bls_fields.
  }
  if (!have_linux) return fail(fmt::format("{}: no `linux' line", filename));
  return entry;
}

}  // namespace cairn::bootloader
