// The rpi-tryboot backend (rpi_tryboot.hh): generation directories,
// config.txt/tryboot.txt, the entry records, pruning, and reading it all
// back.
//
// Every verb first reads the partition (read_partition), so that decisions —
// what to protect from pruning, whether a commit is needed — act on what the
// firmware would read, not on what cairn remembers writing. Which generation
// config.txt and tryboot.txt boot is read from their os_prefix line, the
// one line that decides it for the firmware.
#include "bootloader/rpi_tryboot.hh"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <sys/stat.h>

#include <fmt/format.h>

#include "base/decimal.hh"
#include "base/files.hh"
#include "base/lines.hh"
#include "bootloader/bls.hh"
#include "bootloader/esp_write.hh"
#include "bootloader/layout.hh"
#include "bootloader/partition_files.hh"
#include "bootloader/rpi_config.hh"

namespace cairn::bootloader {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kKernel = "vmlinuz";
constexpr std::string_view kInitrd = "initrd.img";
constexpr std::string_view kCmdline = "cmdline.txt";
constexpr std::string_view kGenConfig = "config.txt";
constexpr std::string_view kRecordHeader = "# cairn's record of this generation (rpi-tryboot); the firmware ignores it.\n";

std::string gen_dir(uint64_t n) { return fmt::format("gen-{}", n); }

// "gen-<N>" with N ≥ 1 written without leading zeros (as cairn writes it).
std::optional<uint64_t> parse_generation(std::string_view s) {
  if (s.empty() || s.front() == '0') return std::nullopt;
  return parse_decimal<uint64_t>(s);
}

std::optional<uint64_t> parse_gen_dir(std::string_view name) {
  if (!name.starts_with("gen-")) return std::nullopt;
  return parse_generation(name.substr(4));
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < ' ' || c == 0x7f; });
}

// entry.conf: "key value" lines, each of title (optional), version and state
// once, '#' comments.
struct Record {
  std::string title;
  std::string version;
  EntryState state = EntryState::good;
};

std::string format_record(const Record& r) {
  std::string out(kRecordHeader);
  if (!r.title.empty()) out += fmt::format("title {}\n", r.title);
  out += fmt::format("version {}\nstate {}\n", r.version, to_string(r.state));
  return out;
}

Result<Record> parse_record(std::string_view text, const std::string& path) {
  Record r;
  bool title = false, version = false, state = false;
  auto lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    auto bad = [&](std::string what) {
      return fail(fmt::format("{}:{}: {}; cairn writes this file itself: write the generation again", path, i + 1,
                              what));
    };
    if (line.empty() || line.front() == '#') continue;
    if (has_control(line)) return bad("control character in the line");
    size_t space = line.find(' ');
    std::string_view key = line.substr(0, space);
    std::string_view value = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    bool* seen = key == "title" ? &title : key == "version" ? &version : key == "state" ? &state : nullptr;
    if (!seen) return bad(fmt::format("unknown key `{}` (expected title, version, state)", key));
    if (*seen) return bad(fmt::format("second `{}` line", key));
    *seen = true;
    if (key == "title") {
      r.title = value;
    } else if (key == "version") {
      if (value.empty()) return bad("empty version");
      r.version = value;
    } else if (value == "good" || value == "trial" || value == "bad") {
      r.state = value == "good" ? EntryState::good : value == "trial" ? EntryState::trial : EntryState::bad;
    } else {
      return bad(fmt::format("state `{}` is none of good, trial, bad", value));
    }
  }
  if (!version || !state)
    return fail(fmt::format("{}: no `{}` line; cairn writes this file itself: write the generation again", path,
                            version ? "state" : "version"));
  return r;
}

// Which generation a config.txt or tryboot.txt boots, from its os_prefix.
struct Target {
  bool exists = false;                // the file is there
  std::optional<uint64_t> generation; // nullopt: no os_prefix line
};

Result<Target> read_target(const std::string& root, std::string_view name) {
  std::string path = root + "/" + std::string(name);
  Target t;
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return t;
    return fail(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  }
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  t.exists = true;
  auto lines = split_lines(*text);
  std::optional<size_t> found;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (!line.starts_with("os_prefix=")) continue;
    if (found)
      return fail(fmt::format(
          "{}: lines {} and {} both set os_prefix: cairn writes one; was the file edited by hand? Copy the "
          "gen-<N>/config.txt of the generation to boot over it",
          path, *found + 1, i + 1));
    found = i;
    std::string_view value = line.substr(10);
    std::optional<uint64_t> n;
    if (value.ends_with('/')) n = parse_gen_dir(value.substr(0, value.size() - 1));
    if (!n)
      return fail(fmt::format(
          "{}:{}: os_prefix={} names no cairn generation (gen-<N>/); was the file edited by hand? Copy the "
          "gen-<N>/config.txt of the generation to boot over it",
          path, i + 1, value));
    t.generation = n;
  }
  return t;
}

struct Generation {
  uint64_t n = 0;
  Record record;
};

// The partition as the firmware and cairn see it.
struct Partition {
  std::vector<Generation> generations;  // complete ones (with entry.conf), oldest first
  std::vector<std::string> incomplete;  // gen-<N> directories without entry.conf
  Target config, tryboot;

  const Generation* find(uint64_t n) const {
    auto it = std::find_if(generations.begin(), generations.end(), [&](const Generation& g) { return g.n == n; });
    return it == generations.end() ? nullptr : &*it;
  }
  std::optional<uint64_t> newest_good(std::optional<uint64_t> except = std::nullopt) const {
    for (auto it = generations.rbegin(); it != generations.rend(); ++it)
      if (it->record.state == EntryState::good && it->n != except) return it->n;
    return std::nullopt;
  }
};

Result<Partition> read_partition(const std::string& root) {
  Partition p;
  struct stat st{};
  if (::stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return fail(fmt::format("the firmware partition {} is not a directory (is it mounted?)", root));
  std::error_code ec;
  fs::directory_iterator it(root, ec);
  if (ec) return fail(fmt::format("cannot list {}: {}", root, ec.message()));
  for (const auto& e : it) {
    std::string name = e.path().filename().string();
    auto n = parse_gen_dir(name);
    std::error_code dec;
    if (!n || !e.is_directory(dec)) continue;
    std::string record_path = root + "/" + name + "/" + std::string(kRpiEntryConf);
    if (!is_file(record_path)) {
      p.incomplete.push_back(name);
      continue;
    }
    auto text = read_file(record_path);
    if (!text) return std::unexpected(text.error());
    auto record = parse_record(*text, record_path);
    if (!record) return std::unexpected(record.error());
    p.generations.push_back({*n, std::move(*record)});
  }
  std::sort(p.generations.begin(), p.generations.end(), [](const auto& a, const auto& b) { return a.n < b.n; });
  std::sort(p.incomplete.begin(), p.incomplete.end());

  for (auto [name, target] : {std::pair{kRpiConfigTxt, &p.config}, std::pair{kRpiTrybootTxt, &p.tryboot}}) {
    auto t = read_target(root, name);
    if (!t) return std::unexpected(t.error());
    if (t->generation && !p.find(*t->generation))
      return fail(fmt::format(
          "{}/{} boots generation {} (os_prefix={}), but {} is missing or incomplete (no {}): the firmware "
          "cannot boot it; copy the gen-<N>/config.txt of a complete generation over it",
          root, name, *t->generation, rpi_generation_prefix(*t->generation), gen_dir(*t->generation), kRpiEntryConf));
    *target = *t;
  }
  return p;
}

// The generation's own config.txt, checked to boot that generation.
Result<std::string> generation_config(const std::string& root, uint64_t n) {
  std::string dir = root + "/" + gen_dir(n);
  auto t = read_target(dir, kGenConfig);
  if (!t) return std::unexpected(t.error());
  std::string path = dir + "/" + std::string(kGenConfig);
  if (!t->exists) return fail(fmt::format("{} is missing: write generation {} again", path, n));
  if (t->generation != n)
    return fail(fmt::format("{} does not boot generation {} (it has no os_prefix={}): write generation {} again", path,
                            n, rpi_generation_prefix(n), n));
  return read_file(path);
}

Result<const Generation*> existing(const Partition& p, const std::string& root, uint64_t n) {
  const Generation* g = p.find(n);
  if (!g)
    return fail(fmt::format("no generation {} on {} ({}/{} is missing)", n, root, gen_dir(n), kRpiEntryConf));
  return g;
}

// config.txt boots generation n.
Result<void> commit(const std::string& root, uint64_t n) {
  auto text = generation_config(root, n);
  if (!text) return std::unexpected(text.error());
  return write_if_changed(root + "/" + std::string(kRpiConfigTxt), *text);
}

Result<void> set_state(const std::string& root, const Generation& g, EntryState state) {
  if (g.record.state == state) return {};
  Record r = g.record;
  r.state = state;
  return write_file_atomic(root + "/" + gen_dir(g.n) + "/" + std::string(kRpiEntryConf), format_record(r));
}

Result<void> remove_tryboot_if(const std::string& root, const Partition& p, uint64_t n) {
  if (p.tryboot.generation != n) return {};
  return remove_durably(root, {std::string(kRpiTrybootTxt)});
}

// Removes the directory root/name and everything in it, durably.
Result<void> remove_dir(const std::string& root, const std::string& name) {
  std::error_code ec;
  fs::remove_all(root + "/" + name, ec);
  if (ec) return fail(fmt::format("cannot remove {}/{}: {}", root, name, ec.message()));
  return fsync_dir(root);
}

Result<void> check_entry_text(const BootEntry& e) {
  for (auto [field, value] : {std::pair{"title", &e.title}, std::pair{"version", &e.version},
                              std::pair{"options", &e.options}}) {
    if (has_control(*value))
      return fail(fmt::format("generation {}: the {} has a line break or control character", e.generation, field));
    if (!value->empty() && (value->front() == ' ' || value->back() == ' '))
      return fail(fmt::format("generation {}: the {} starts or ends with a blank", e.generation, field));
  }
  // The command line must not boot another generation than its directory.
  std::string key = fmt::format("{}=", kGenerationParam);
  for (size_t pos = e.options.find(key); pos != std::string::npos; pos = e.options.find(key, pos + 1)) {
    if (pos > 0 && e.options[pos - 1] != ' ') continue;
    std::string_view value(e.options);
    value = value.substr(pos + key.size());
    value = value.substr(0, value.find(' '));
    if (parse_generation(value) != e.generation)
      return fail(fmt::format("generation {}: the options name {}{}", e.generation, key, value));
  }
  return {};
}

}  // namespace

RpiTryboot::RpiTryboot(RpiTrybootSettings settings) : settings_(std::move(settings)) {}

Result<void> RpiTryboot::install(const std::string& root, const std::string& /*tree*/,
                                 const LoaderSettings& /*settings*/) {
  struct stat st{};
  if (::stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return fail(fmt::format("the firmware partition {} is not a directory (is it mounted?)", root));
  std::vector<std::string_view> needed;
  switch (settings_.model) {
    case 3: needed = {"bootcode.bin", "start.elf", "fixup.dat"}; break;
    case 4: needed = {"start4.elf", "fixup4.dat"}; break;
    case 5: break;  // the Pi 5 boots from its EEPROM and reads only config.txt here
    default:
      return fail(fmt::format("hardware.raspberryPi.model = {}: cairn supports the Raspberry Pi 3, 4 and 5",
                              settings_.model));
  }
  for (std::string_view file : needed)
    if (!is_file(root + "/" + std::string(file)))
      return fail(fmt::format(
          "no Raspberry Pi {} firmware on {}: {} is missing (it comes from the target's raspi-firmware package, "
          "which the SD image copies before the boot loader is installed)",
          settings_.model, root, file));
  return {};
}

Result<void> RpiTryboot::write_entry(const std::string& root, const BootEntry& entry, const std::string& kernel_file,
                                     const std::string& initrd_file, const LoaderSettings& settings) {
  // Everything checked before anything changes.
  if (entry.generation == 0) return fail("generation 0 does not exist (generations count from 1)");
  if (auto r = check_entry_text(entry); !r) return r;
  RpiConfig config{settings_.model, settings_.device_tree, settings_.config_lines, RpiFlavour::tryboot,
                   entry.generation};
  auto text = format_config_txt(config);
  if (!text) return std::unexpected(text.error());
  if (settings_.device_tree_dir.empty())
    return fail(fmt::format("generation {}: no directory of device trees to copy {} from (RpiTrybootSettings)",
                            entry.generation, settings_.device_tree));
  const std::string dtb_source = settings_.device_tree_dir + "/" + settings_.device_tree;
  if (!is_file(dtb_source))
    return fail(fmt::format("no device tree {} in {}: check hardware.raspberryPi.deviceTree against the kernel "
                            "package's device trees",
                            settings_.device_tree, settings_.device_tree_dir));
  for (const std::string* file : {&kernel_file, &initrd_file})
    if (!is_file(*file)) return fail(fmt::format("generation {}: {} is not a file", entry.generation, *file));
  Record record{entry.title, entry.version.empty() ? version_for(entry.generation) : entry.version,
                entry.state()};
  auto before = read_partition(root);
  if (!before) return std::unexpected(before.error());

  // The generation's files, its record last.
  uint64_t n = entry.generation;
  std::string name = gen_dir(n), dir = root + "/" + name;
  if (auto r = make_dirs(root, name); !r) return r;
  const std::string ours[] = {std::string(kKernel), std::string(kInitrd), settings_.device_tree,
                              std::string(kCmdline), std::string(kGenConfig), std::string(kRpiEntryConf)};
  for (auto [from, to] : {std::pair{&kernel_file, &ours[0]}, std::pair{&initrd_file, &ours[1]},
                          std::pair{&dtb_source, &ours[2]}})
    if (auto r = copy_if_changed(*from, dir + "/" + *to); !r)
      return std::unexpected(r.error().context("copying " + *from));
  if (auto r = write_if_changed(dir + "/" + ours[3], entry.options + "\n"); !r) return r;
  if (auto r = write_if_changed(dir + "/" + ours[4], *text); !r) return r;
  if (auto r = write_if_changed(dir + "/" + ours[5], format_record(record)); !r) return r;
  // A rewrite with another device tree leaves the old one behind: remove it.
  std::vector<std::string> stale;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string file = e.path().filename().string();
    std::error_code fec;
    if (e.is_regular_file(fec) && std::find(std::begin(ours), std::end(ours), file) == std::end(ours))
      stale.push_back(file);
  }
  if (auto r = remove_durably(dir, stale); !r) return r;

  // Then what boots it.
  switch (record.state) {
    case EntryState::good:
      if (auto r = write_if_changed(root + "/" + std::string(kRpiConfigTxt), *text); !r) return r;
      if (auto r = remove_tryboot_if(root, *before, n); !r) return r;
      break;
    case EntryState::trial:
      if (auto r = write_if_changed(root + "/" + std::string(kRpiTrybootTxt), *text); !r) return r;
      break;
    case EntryState::bad:
      break;
  }

  auto now = read_partition(root);
  if (!now) return std::unexpected(now.error());
  for (const std::string& incomplete : now->incomplete)
    if (auto r = remove_dir(root, incomplete); !r) return r;
  if (!settings.limit || now->generations.size() <= *settings.limit) return {};
  std::set<uint64_t> keep{n};
  for (auto g : {now->config.generation, now->tryboot.generation, now->newest_good()})
    if (g) keep.insert(*g);
  std::vector<const Generation*> candidates;
  for (const Generation& g : now->generations)
    if (!keep.contains(g.n)) candidates.push_back(&g);
  std::stable_sort(candidates.begin(), candidates.end(), [](const Generation* a, const Generation* b) {
    return (a->record.state == EntryState::bad) > (b->record.state == EntryState::bad);
  });
  size_t count = now->generations.size();
  for (const Generation* g : candidates) {
    if (count <= *settings.limit) break;
    if (auto r = remove_dir(root, gen_dir(g->n)); !r) return r;
    --count;
  }
  return {};
}

Result<void> RpiTryboot::set_default(const std::string& root, std::optional<uint64_t> generation) {
  auto p = read_partition(root);
  if (!p) return std::unexpected(p.error());
  if (!generation) {
    generation = p->newest_good();
    if (!generation) return fail(fmt::format("no good generation on {} to boot by default", root));
  }
  auto g = existing(*p, root, *generation);
  if (!g) return std::unexpected(g.error());
  if ((*g)->record.state != EntryState::good)
    return fail(fmt::format(
        "generation {} is {}: config.txt is what every failed trial falls back to, so it only boots good "
        "generations; boot it once with set-oneshot, or mark it good first",
        *generation, to_string((*g)->record.state)));
  return commit(root, *generation);
}

Result<void> RpiTryboot::set_oneshot(const std::string& root, uint64_t generation) {
  auto p = read_partition(root);
  if (!p) return std::unexpected(p.error());
  if (auto g = existing(*p, root, generation); !g) return std::unexpected(g.error());
  auto text = generation_config(root, generation);
  if (!text) return std::unexpected(text.error());
  return write_if_changed(root + "/" + std::string(kRpiTrybootTxt), *text);
}

Result<void> RpiTryboot::mark_good(const std::string& root, uint64_t generation) {
  auto p = read_partition(root);
  if (!p) return std::unexpected(p.error());
  auto g = existing(*p, root, generation);
  if (!g) return std::unexpected(g.error());
  // The commit first: once config.txt boots it, the rest only tidies up.
  if (auto r = commit(root, generation); !r) return r;
  if (auto r = set_state(root, **g, EntryState::good); !r) return r;
  return remove_tryboot_if(root, *p, generation);
}

Result<void> RpiTryboot::mark_bad(const std::string& root, uint64_t generation) {
  auto p = read_partition(root);
  if (!p) return std::unexpected(p.error());
  auto g = existing(*p, root, generation);
  if (!g) return std::unexpected(g.error());
  if (p->config.generation == generation)
    if (auto other = p->newest_good(generation))
      if (auto r = commit(root, *other); !r) return r;
  if (auto r = set_state(root, **g, EntryState::bad); !r) return r;
  return remove_tryboot_if(root, *p, generation);
}

Result<BootState> RpiTryboot::read_state(const std::string& root) const {
  auto p = read_partition(root);
  if (!p) return std::unexpected(p.error());
  if (!p->config.exists)
    return fail(fmt::format("no {} on {}: nothing is installed for the firmware to boot; write a generation first",
                            kRpiConfigTxt, root));
  for (auto [name, target] : {std::pair{kRpiConfigTxt, &p->config}, std::pair{kRpiTrybootTxt, &p->tryboot}})
    if (target->exists && !target->generation)
      return fail(fmt::format(
          "{}/{} names no cairn generation (it has no os_prefix=gen-<N>/ line); was it written by hand? Copy the "
          "gen-<N>/config.txt of the generation to boot over it",
          root, name));

  BootState state;
  state.default_entry = p->config.generation;
  state.oneshot = p->tryboot.generation;
  for (auto it = p->generations.rbegin(); it != p->generations.rend(); ++it) {
    BootEntry e;
    e.generation = it->n;
    e.title = it->record.title;
    e.version = it->record.version;
    e.kernel = fmt::format("/{}/{}", gen_dir(it->n), kKernel);
    e.initrd = fmt::format("/{}/{}", gen_dir(it->n), kInitrd);
    std::string cmdline_path = root + "/" + gen_dir(it->n) + "/" + std::string(kCmdline);
    auto cmdline = read_file(cmdline_path);
    if (!cmdline) return std::unexpected(cmdline.error().context(fmt::format("reading generation {}", it->n)));
    e.options = cmdline->substr(0, cmdline->find('\n'));
    if (it->record.state == EntryState::trial) e.tries_left = 1;
    if (it->record.state == EntryState::bad) {
      e.tries_left = 0;
      e.tries_done = 1;
    }
    state.entries.push_back(std::move(e));
  }
  std::stable_partition(state.entries.begin(), state.entries.end(),
                        [](const BootEntry& e) { return e.state() != EntryState::bad; });
  return state;
}

}  // namespace cairn::bootloader
