// The U-Boot + extlinux backend (extlinux.hh): records, menu, counting state.
//
// Why the menu lives at /boot/extlinux/extlinux.conf and not at
// /extlinux/extlinux.conf. Debian 12's U-Boot (2023.01) boots with
// `distro_bootcmd`, which on each partition walks the prefixes "/" and
// "/boot/" and, for each prefix, first tries `${prefix}extlinux/extlinux.conf`
// (sysboot) and only then `${prefix}boot.scr.uimg` and `${prefix}boot.scr`
// (load + source). A menu at /extlinux/extlinux.conf would be found before
// /boot.scr on the same prefix, so U-Boot would boot the menu's default and
// never run the counting script: trials would never be tried, and never
// counted. With the menu under /boot/, prefix "/" finds only /boot.scr,
// which counts and then runs sysboot on /boot/extlinux/extlinux.conf itself.
// If the script fails (a U-Boot without `fatwrite`, a damaged image), distro
// boot goes on to prefix "/boot/", finds the menu, and boots its default —
// the newest good generation — which is the safe way to fail. (Checked with
// Debian's qemu_arm64 U-Boot in QEMU. One limit: a script that never ran
// set no kernel_comp_addr_r/kernel_comp_size, which neither board's default
// environment has, so booti then refuses a gzip-compressed kernel.)
//
// U-Boot's extlinux parser (boot/pxe_utils.c in 2023.01), as this file
// relies on it: keywords are case-insensitive and end at a blank; values run
// to the end of the line (no quoting); '#' starts a comment anywhere a
// keyword may start; blank lines are fine inside a label; a label ends at the
// first line that is not a label keyword. `timeout` is in tenths of a second
// (the menu waits DIV_ROUND_UP(timeout, 10) seconds). `prompt` is read and
// ignored; instead any top-level `menu` line turns the prompt on, and with
// the prompt on and timeout 0 U-Boot waits for a choice for ever — so with
// timeout 0 no `menu title` is written and the default boots at once.
// `initrd=` inside `append` is taken as the initrd only when no `initrd`
// line came first, so `initrd` is written before `append`. Paths starting
// with '/' are from the partition's root (sysboot allows absolute paths).
// `pxe_label_override` names the label to boot instead of `default` (the
// menu still shows); a label that fails to boot makes U-Boot try the others
// in menu order, so a missing kernel falls through to the next generation.
//
// Records are read strictly (a damaged record stops every verb before it
// changes anything, naming file and line); boot.env is read leniently, as
// U-Boot itself reads it (uboot_script.hh).
#include "bootloader/extlinux.hh"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/hash.hh"
#include "base/lines.hh"
#include "bootloader/bls.hh"
#include "bootloader/esp_write.hh"
#include "bootloader/partition_files.hh"
#include "bootloader/uboot_script.hh"

namespace cairn::bootloader {

namespace {

constexpr std::string_view kKernelDir = "cairn";
constexpr std::string_view kLabelPrefix = "cairn-";

// The record's own keys, after bls.hh's entry keys.
constexpr std::string_view kTriesLeftKey = "tries-left", kTriesDoneKey = "tries-done", kFdtdirKey = "fdtdir";

std::optional<uint64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 19 || (s.size() > 1 && s.front() == '0')) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// Generation N's record as cairn wrote it.
struct Record {
  BootEntry entry;     // its counter is the one written, not U-Boot's
  std::string fdtdir;  // empty: none
};

std::string record_name(uint64_t generation) { return fmt::format("{}{}.conf", kEntryPrefix, generation); }

std::string format_record(const Record& r) {
  std::string out = format_entry(r.entry);
  if (!r.fdtdir.empty()) out += fmt::format("{} {}\n", kFdtdirKey, r.fdtdir);
  if (r.entry.tries_left)
    out += fmt::format("{} {}\n{} {}\n", kTriesLeftKey, *r.entry.tries_left, kTriesDoneKey, r.entry.tries_done);
  return out;
}

Result<Record> parse_record(std::string_view text, const std::string& path) {
  std::string_view base = path;
  if (auto slash = base.rfind('/'); slash != std::string_view::npos) base.remove_prefix(slash + 1);
  auto name = parse_entry_file_name(base);
  if (!name) return std::unexpected(name.error().context(path));
  if (name->counter)
    return fail(fmt::format("{}: a record's name has no boot counter (cairn-<N>.conf); the counter is inside", path));
  auto entry = parse_entry(text, path);
  if (!entry) return std::unexpected(entry.error());

  Record r;
  r.entry = *entry;
  std::map<std::string_view, size_t> seen;
  auto lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t number = i + 1;
    auto kv = split_conf_line(lines[i]);
    if (!kv) continue;
    std::string_view key;
    for (std::string_view k : {kTriesLeftKey, kTriesDoneKey, kFdtdirKey})
      if (kv->key == k) key = k;
    if (key.empty()) continue;  // bls.hh's keys, already read
    if (auto it = seen.find(key); it != seen.end())
      return fail(fmt::format("{}:{}: second `{}' (the first is on line {})", path, number, key, it->second));
    seen.emplace(key, number);
    if (key == kFdtdirKey) {
      r.fdtdir = std::string(kv->value);
      continue;
    }
    if (kv->value.size() != 1 || kv->value[0] < '0' || kv->value[0] > '9')
      return fail(fmt::format("{}:{}: `{}' must be one digit, not `{}'", path, number, key, kv->value));
    uint32_t n = static_cast<uint32_t>(kv->value[0] - '0');
    if (key == kTriesLeftKey) r.entry.tries_left = n;
    else r.entry.tries_done = n;
  }
  if (auto ok = check_entry(r.entry); !ok) return std::unexpected(ok.error().context(path));
  return r;
}

// What is on the partition.
struct Partition {
  std::map<uint64_t, Record> records;
  BootEnv env;
  uint32_t timeout = LoaderSettings{}.timeout;
  std::optional<uint64_t> pinned;
};

std::string settings_text(const Partition& p) {
  std::string out =
      "# cairn's settings for the U-Boot menu: timeout in seconds, and default\n"
      "# (a generation) when one is pinned.\n";
  out += fmt::format("timeout {}\n", p.timeout);
  if (p.pinned) out += fmt::format("default {}\n", *p.pinned);
  return out;
}

Result<void> parse_settings(std::string_view text, const std::string& path, Partition& p) {
  auto lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t number = i + 1;
    auto kv = split_conf_line(lines[i]);
    if (!kv) continue;
    auto value = parse_decimal(kv->value);
    if (kv->key == "timeout") {
      if (!value || *value > UINT32_MAX)
        return fail(fmt::format("{}:{}: timeout `{}' is not a number of seconds", path, number, kv->value));
      p.timeout = static_cast<uint32_t>(*value);
    } else if (kv->key == "default") {
      if (!value) return fail(fmt::format("{}:{}: default `{}' is not a generation", path, number, kv->value));
      p.pinned = *value;
    } else {
      return fail(fmt::format("{}:{}: unknown setting `{}' (timeout, default)", path, number, kv->key));
    }
  }
  return {};
}

Result<Partition> read_partition(const std::string& root) {
  Partition p;
  std::string dir = root + "/" + std::string(kExtlinuxEntriesDir);
  auto names = list_files(dir);
  if (!names) return std::unexpected(names.error());
  for (const std::string& name : *names) {
    if (!name.starts_with(kEntryPrefix) || !name.ends_with(".conf")) continue;
    std::string path = dir + "/" + name;
    auto text = read_file(path);
    if (!text) return std::unexpected(text.error());
    auto record = parse_record(*text, path);
    if (!record) return std::unexpected(record.error());
    p.records.emplace(record->entry.generation, std::move(*record));
  }
  std::string env_path = root + "/" + std::string(kBootEnvPath);
  if (is_file(env_path)) {
    auto text = read_file(env_path);
    if (!text) return std::unexpected(text.error());
    p.env = parse_boot_env(*text);
  }
  std::string settings_path = root + "/" + std::string(kExtlinuxSettingsPath);
  if (is_file(settings_path)) {
    auto text = read_file(settings_path);
    if (!text) return std::unexpected(text.error());
    if (auto r = parse_settings(*text, settings_path, p); !r) return std::unexpected(r.error());
  }
  return p;
}

// The entry as U-Boot would treat it: a counted record is a trial only
// while boot.env names it with tries left (see extlinux.hh, "States").
BootEntry effective(const Partition& p, const Record& r) {
  BootEntry e = r.entry;
  if (!e.tries_left || *e.tries_left == 0) return e;
  uint32_t written = *e.tries_left;
  if (p.env.trial == e.generation && p.env.left) {
    uint32_t left = std::min(*p.env.left, written);
    e.tries_left = left;
    e.tries_done += written - left;
  } else {
    e.tries_left = 0;  // U-Boot will not try it
  }
  return e;
}

// Newest first, bad ones last.
std::vector<BootEntry> menu_entries(const Partition& p) {
  std::vector<BootEntry> out;
  for (const auto& [g, r] : p.records) out.push_back(effective(p, r));
  std::stable_sort(out.begin(), out.end(), [](const BootEntry& a, const BootEntry& b) {
    bool a_bad = a.state() == EntryState::bad, b_bad = b.state() == EntryState::bad;
    if (a_bad != b_bad) return b_bad;
    return a.generation > b.generation;
  });
  return out;
}

std::optional<EntryState> state_of(const Partition& p, uint64_t generation) {
  auto it = p.records.find(generation);
  if (it == p.records.end()) return std::nullopt;
  return effective(p, it->second).state();
}

std::optional<uint64_t> newest_in(const Partition& p, EntryState state) {
  std::optional<uint64_t> out;
  for (const auto& [g, r] : p.records)
    if (effective(p, r).state() == state) out = g;  // the map is in ascending order
  return out;
}

// extlinux.conf's `default`: the pinned generation while good, else the
// newest good, else the newest trial; never a bad one.
std::optional<uint64_t> menu_default(const Partition& p) {
  if (p.pinned && state_of(p, *p.pinned) == EntryState::good) return p.pinned;
  if (auto g = newest_in(p, EntryState::good)) return g;
  return newest_in(p, EntryState::trial);
}

// The generation the script preselects as a trial on the next boot, if any.
std::optional<uint64_t> pending_trial(const Partition& p) {
  if (!p.env.trial || !p.env.left || *p.env.left == 0) return std::nullopt;
  auto it = p.records.find(*p.env.trial);
  if (it == p.records.end()) return std::nullopt;
  const auto& left = it->second.entry.tries_left;
  if (left && *left == 0) return std::nullopt;  // recorded bad
  return p.env.trial;
}

BootState state_of(const Partition& p) {
  BootState s;
  s.entries = menu_entries(p);
  s.default_entry = pending_trial(p);
  if (!s.default_entry) s.default_entry = menu_default(p);
  if (p.env.oneshot && p.records.contains(*p.env.oneshot)) s.oneshot = p.env.oneshot;
  return s;
}

ExtlinuxMenu menu_of(const Partition& p, const ExtlinuxOptions& options) {
  ExtlinuxMenu m;
  m.title = options.menu_title;
  m.timeout = p.timeout;
  m.default_entry = menu_default(p);
  for (const BootEntry& e : menu_entries(p)) {
    ExtlinuxLabel l;
    l.generation = e.generation;
    l.menu_label = menu_text(e.title.empty() ? fmt::format("generation {}", e.generation) : e.title);
    if (e.state() == EntryState::trial) l.menu_label += " (trial)";
    if (e.state() == EntryState::bad) l.menu_label += " (bad)";
    l.kernel = e.kernel;
    l.initrd = e.initrd;
    l.fdtdir = p.records.at(e.generation).fdtdir;
    l.append = e.options;
    m.labels.push_back(std::move(l));
  }
  return m;
}

std::string path_in(const std::string& root, std::string_view relative) { return root + "/" + std::string(relative); }

Result<void> write_menu(const std::string& root, const Partition& p, const ExtlinuxOptions& options) {
  std::string path = path_in(root, kExtlinuxConfPath);
  if (auto r = make_dirs(root, "boot/extlinux"); !r) return r;
  return write_if_changed(path, format_extlinux_conf(menu_of(p, options)));
}

Result<void> write_env(const std::string& root, const BootEnv& env) {
  if (auto r = make_dirs(root, kKernelDir); !r) return r;
  return write_if_changed(path_in(root, kBootEnvPath), format_boot_env(env));
}

Result<void> write_record(const std::string& root, const Record& r) {
  if (auto r2 = make_dirs(root, kExtlinuxEntriesDir); !r2) return r2;
  return write_if_changed(path_in(root, kExtlinuxEntriesDir) + "/" + record_name(r.entry.generation),
                          format_record(r));
}

Result<Record*> find_record(const std::string& root, Partition& p, uint64_t generation) {
  auto it = p.records.find(generation);
  if (it == p.records.end())
    return fail(fmt::format("generation {} has no boot entry: {}/{}/{} does not exist", generation, root,
                            kExtlinuxEntriesDir, record_name(generation)));
  return &it->second;
}

// Records beyond `limit`, bad ones first, then the oldest, sparing `keep`.
std::vector<uint64_t> beyond_limit(const Partition& p, size_t limit, const std::set<uint64_t>& keep) {
  std::vector<BootEntry> candidates;
  for (const auto& [g, r] : p.records)
    if (!keep.contains(g)) candidates.push_back(effective(p, r));
  std::stable_sort(candidates.begin(), candidates.end(), [](const BootEntry& a, const BootEntry& b) {
    bool a_bad = a.state() == EntryState::bad, b_bad = b.state() == EntryState::bad;
    if (a_bad != b_bad) return a_bad;
    return a.generation < b.generation;
  });
  std::vector<uint64_t> drop;
  size_t count = p.records.size();
  for (const BootEntry& e : candidates) {
    if (count <= limit) break;
    drop.push_back(e.generation);
    --count;
  }
  return drop;
}

// Removes shared kernels and initrds that no record names.
Result<void> collect_unused(const std::string& root, const Partition& p) {
  std::set<std::string> referenced;
  for (const auto& [g, r] : p.records) {
    referenced.insert(partition_path(r.entry.kernel));
    if (!r.entry.initrd.empty()) referenced.insert(partition_path(r.entry.initrd));
  }
  std::string dir = path_in(root, kKernelDir);
  auto files = list_files(dir);
  if (!files) return std::unexpected(files.error());
  std::vector<std::string> unused;
  for (const std::string& f : *files)
    if (is_shared_file_name(f) && !referenced.contains(std::string(kKernelDir) + "/" + f)) unused.push_back(f);
  return remove_durably(dir, unused);
}

// Decodes the UTF-8 sequence at `s[i]` and moves `i` past it; nullopt, and
// one byte on, for an invalid or overlong sequence.
std::optional<uint32_t> decode_utf8(std::string_view s, size_t& i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return std::nullopt;
  }
  uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) >> 6) != 0x2) {
      ++i;
      return std::nullopt;
    }
    cp = cp << 6 | (byte(i + k) & 0x3F);
  }
  constexpr uint32_t kLeast[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kLeast[len]) {
    ++i;
    return std::nullopt;
  }
  i += len;
  return cp;
}

}  // namespace

std::string menu_text(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    auto cp = decode_utf8(text, i);
    if (!cp) out += '?';
    else if (*cp >= 0x20 && *cp < 0x7F) out += static_cast<char>(*cp);
    else if ((*cp >= 0x2010 && *cp <= 0x2015) || *cp == 0x2212) out += '-';
    else out += '?';
  }
  return out;
}

std::string format_extlinux_conf(const ExtlinuxMenu& menu) {
  std::string out =
      "# The U-Boot menu of this device's cairn generations. cairn rewrites it\n"
      "# from /cairn/entries on every change: do not edit. /boot.scr boots it\n"
      "# with the generation to try preselected (boot counting).\n";
  // U-Boot parses the timeout into an int of tenths of a second.
  uint64_t tenths = std::min<uint64_t>(uint64_t{menu.timeout} * 10, 2147483640);
  if (menu.timeout > 0) out += fmt::format("menu title {}\n", menu_text(menu.title));
  out += fmt::format("timeout {}\n", tenths);
  if (menu.default_entry) out += fmt::format("default {}{}\n", kLabelPrefix, *menu.default_entry);
  for (const ExtlinuxLabel& l : menu.labels) {
    out += fmt::format("\nlabel {}{}\n", kLabelPrefix, l.generation);
    // A leading '#' would make the text a comment: the label would show none.
    std::string text = menu_text(l.menu_label);
    if (text.starts_with('#')) text[0] = '?';
    out += fmt::format("\tmenu label {}\n", text);
    out += fmt::format("\tlinux {}\n", l.kernel);
    if (!l.initrd.empty()) out += fmt::format("\tinitrd {}\n", l.initrd);
    if (!l.fdtdir.empty()) out += fmt::format("\tfdtdir {}\n", l.fdtdir);
    if (!l.append.empty()) out += fmt::format("\tappend {}\n", l.append);
  }
  return out;
}

ExtlinuxBackend::ExtlinuxBackend(ExtlinuxOptions options) : options_(std::move(options)) {}

Result<void> ExtlinuxBackend::install(const std::string& root, const std::string& /*tree*/,
                                      const LoaderSettings& settings) {
  auto p = read_partition(root);
  if (!p) return std::unexpected(p.error());
  for (std::string_view dir : {kExtlinuxEntriesDir, std::string_view("boot/extlinux")})
    if (auto r = make_dirs(root, dir); !r) return r;
  if (auto r = write_if_changed(path_in(root, kBootScriptPath), make_script_image(boot_script())); !r) return r;
  p->timeout = settings.timeout;
  if (auto r = write_if_changed(path_in(root, kExtlinuxSettingsPath), settings_text(*p)); !r) return r;
  return write_menu(root, *p, options_);
}

Result<void> ExtlinuxBackend::write_entry(const std::string& root, const BootEntry& entry,
                                          const std::string& kernel_file, const std::string& initrd_file,
                                          const LoaderSettings& settings) {
  // The record as it will be on the partition, checked before anything changes.
  Record record;
  record.entry = entry;
  record.fdtdir = options_.fdtdir;
  BootEntry& e = record.entry;
  if (e.version.empty()) e.version = version_for(e.generation);
  auto kernel_hash = sha256_file(kernel_file);
  if (!kernel_hash) return std::unexpected(kernel_hash.error().context("hashing the kernel"));
  auto initrd_hash = sha256_file(initrd_file);
  if (!initrd_hash) return std::unexpected(initrd_hash.error().context("hashing the initrd"));
  std::string kernel_name = *kernel_hash + "-kernel", initrd_name = *initrd_hash + "-initrd";
  e.kernel = fmt::format("/{}/{}", kKernelDir, kernel_name);
  e.initrd = fmt::format("/{}/{}", kKernelDir, initrd_name);
  if (e.tries_left && uint64_t{*e.tries_left} + e.tries_done > kMaxTries)
    return fail(fmt::format("generation {}: {} tries left and {} done make more than {}: boot.env and the record "
                            "keep one digit each",
                            e.generation, *e.tries_left, e.tries_done, kMaxTries));
  if (auto r = check_entry(e); !r) return r;
  // U-Boot's parser takes a value starting with '#' for a comment, and an
  // `append` without a value makes it reject the whole menu.
  if (e.options.starts_with('#'))
    return fail(fmt::format("generation {}: options start with '#', which U-Boot's extlinux parser takes for a "
                            "comment",
                            e.generation));
  if (!options_.fdtdir.empty() &&
      (!options_.fdtdir.starts_with('/') || menu_text(options_.fdtdir) != options_.fdtdir))
    return fail(fmt::format("fdtdir `{}' is not an absolute ASCII path on the boot partition", options_.fdtdir));
  std::string record_path = path_in(root, kExtlinuxEntriesDir) + "/" + record_name(e.generation);
  if (auto back = parse_record(format_record(record), record_path);
      !back || back->entry != e || back->fdtdir != record.fdtdir)
    return fail(fmt::format("generation {}: internal error: the record does not read back as written", e.generation));

  auto p = read_partition(root);
  if (!p) return std::unexpected(p.error());

  // Kernel and initrd first: a record must never name a missing file.
  std::string kernels = path_in(root, kKernelDir);
  if (auto r = make_dirs(root, kKernelDir); !r) return r;
  for (auto [from, to] : {std::pair{&kernel_file, &kernel_name}, std::pair{&initrd_file, &initrd_name}}) {
    if (auto r = copy_shared_file(*from, kernels + "/" + *to); !r) return r;
  }
  if (auto r = write_record(root, record); !r) return r;
  p->records[e.generation] = record;

  BootEnv env = p->env;
  if (e.tries_left && *e.tries_left > 0) {
    env.trial = e.generation;
    env.left = *e.tries_left;
  } else if (env.trial == e.generation) {
    env.trial.reset();
    env.left.reset();
  }

  if (settings.limit) {
    Partition after = *p;
    after.env = env;
    std::set<uint64_t> keep{e.generation};
    for (auto g : {newest_in(after, EntryState::good), menu_default(after), after.env.oneshot, after.env.trial})
      if (g) keep.insert(*g);
    std::vector<std::string> names;
    for (uint64_t g : beyond_limit(after, *settings.limit, keep)) {
      names.push_back(record_name(g));
      p->records.erase(g);
    }
    if (auto r = remove_durably(path_in(root, kExtlinuxEntriesDir), names); !r) return r;
  }

  // The menu names the new label before boot.env can make U-Boot pick it.
  p->env = env;
  if (auto r = write_menu(root, *p, options_); !r) return r;
  if (auto r = write_env(root, env); !r) return r;
  return collect_unused(root, *p);
}

Result<void> ExtlinuxBackend::set_default(const std::string& root, std::optional<uint64_t> generation) {
  auto p = read_partition(root);
  if (!p) return std::unexpected(p.error());
  if (generation) {
    auto r = find_record(root, *p, *generation);
    if (!r) return std::unexpected(r.error());
    if (effective(*p, **r).state() == EntryState::bad)
      return fail(fmt::format("generation {} is bad (no tries left): U-Boot would pass over it", *generation));
  }
  p->pinned = generation;
  if (auto r = make_dirs(root, kKernelDir); !r) return r;
  if (auto r = write_if_changed(path_in(root, kExtlinuxSettingsPath), settings_text(*p)); !r) return r;
  return write_menu(root, *p, options_);
}

Result<void> ExtlinuxBackend::set_oneshot(const std::string& root, uint64_t generation) {
  auto p = read_partition(root);
  if (!p) return std::unexpected(p.error());
  if (auto r = find_record(root, *p, generation); !r) return std::unexpected(r.error());
  p->env.oneshot = generation;
  return write_env(root, p->env);
}

Result<void> ExtlinuxBackend::mark_good(const std::string& root, uint64_t generation) {
  auto p = read_partition(root);
  if (!p) return std::unexpected(p.error());
  auto record = find_record(root, *p, generation);
  if (!record) return std::unexpected(record.error());
  (*record)->entry.tries_left.reset();
  (*record)->entry.tries_done = 0;
  if (auto r = write_record(root, **record); !r) return r;
  if (auto r = write_menu(root, *p, options_); !r) return r;
  if (p->env.trial != generation) return {};
  p->env.trial.reset();
  p->env.left.reset();
  return write_env(root, p->env);
}

Result<void> ExtlinuxBackend::mark_bad(const std::string& root, uint64_t generation) {
  auto p = read_partition(root);
  if (!p) return std::unexpected(p.error());
  auto record = find_record(root, *p, generation);
  if (!record) return std::unexpected(record.error());
  const auto& written = (*record)->entry.tries_left;
  if (written && *written == 0) return {};
  // Also for a trial that is bad already (used up, or passed by a newer
  // one): the record and the menu then say so too.
  BootEntry now = effective(*p, **record);
  // Take the counter away first: from here on U-Boot will not try it.
  if (p->env.trial == generation) {
    p->env.trial.reset();
    p->env.left.reset();
    if (auto r = write_env(root, p->env); !r) return r;
  }
  (*record)->entry.tries_left = 0;
  (*record)->entry.tries_done = now.tries_done;
  if (auto r = write_record(root, **record); !r) return r;
  return write_menu(root, *p, options_);
}

Result<BootState> ExtlinuxBackend::read_state(const std::string& root) const {
  auto p = read_partition(root);
  if (!p) return std::unexpected(p.error());
  return state_of(*p);
}

}  // namespace cairn::bootloader
