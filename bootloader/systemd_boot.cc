// The systemd-boot backend (systemd_boot.hh): install, entries with boot
// counting, default and one-shot, and reading back what systemd-boot 252
// would do.
//
// Every verb that changes the partition first reads it with the same rules
// systemd-boot uses (read_partition), so limits, protection of the default
// and garbage collection act on what the boot loader sees, not on what cairn
// remembers having written.
#include "bootloader/systemd_boot.hh"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/files.hh"
#include "base/hash.hh"
#include "bootloader/bls.hh"
#include "bootloader/efivar.hh"
#include "bootloader/esp_write.hh"
#include "bootloader/loader_conf.hh"
#include "bootloader/menu.hh"
#include "bootloader/partition_files.hh"

namespace cairn::bootloader {

namespace {

constexpr std::string_view kEntriesDir = "loader/entries";
constexpr std::string_view kEntriesSrel = "loader/entries.srel";
constexpr std::string_view kKernelDir = "cairn";
constexpr std::string_view kLoaderSource = "usr/lib/systemd/boot/efi";

// systemd-boot's architectures: its file name's suffix and the fallback
// path firmware boots without a boot entry.
struct LoaderArch {
  std::string_view arch;
  std::string_view fallback;
};
constexpr LoaderArch kLoaderArchs[] = {{"x64", "BOOTX64.EFI"}, {"aa64", "BOOTAA64.EFI"}, {"ia32", "BOOTIA32.EFI"}};

std::string loader_name(std::string_view arch) { return fmt::format("systemd-boot{}.efi", arch); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool ends_with_no_case(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && lower(s.substr(s.size() - suffix.size())) == suffix;
}

// A cairn entry file as found on the partition.
struct CairnFile {
  std::string name;  // file name in loader/entries
  BootEntry entry;
};

// The partition as systemd-boot 252 sees it.
struct Partition {
  std::vector<CairnFile> cairn;              // every cairn entry file, parsed strictly
  std::vector<MenuEntry> menu;               // systemd-boot's menu, in order
  std::vector<std::optional<size_t>> owner;  // per menu entry: its index in `cairn`
  std::set<std::string> referenced;          // lower-cased partition paths entries name
  BootState state;
};

// The architecture whose systemd-boot is installed, when exactly one is:
// entries with another `architecture` are hidden by the loader.
std::optional<std::string> installed_arch(const std::string& root) {
  std::optional<std::string> found;
  for (const LoaderArch& l : kLoaderArchs) {
    if (!is_file(root + "/EFI/systemd/" + loader_name(l.arch))) continue;
    if (found) return std::nullopt;
    found = std::string(l.arch);
  }
  return found;
}

// loader.conf's `default` as systemd-boot 252 takes it: the last line with
// a usable value ("@…" other than "@saved" is refused and skipped).
std::optional<std::string> config_default(std::string_view text) {
  std::optional<std::string> value;
  for (const ConfLine& line : read_conf_lines(text)) {
    if (line.key != "default") continue;
    if (line.value.starts_with('@') && lower(line.value) != "@saved") continue;
    value = std::string(line.value);
  }
  return value;
}

Result<Partition> read_partition(const std::string& root, const std::string& efivars) {
  Partition p;
  std::string dir = root + "/" + std::string(kEntriesDir);
  auto names = list_files(dir);
  if (!names) return std::unexpected(names.error());
  auto arch = installed_arch(root);

  struct Item {
    MenuEntry menu;
    std::optional<size_t> owner;
  };
  std::vector<Item> items;
  for (const std::string& name : *names) {
    // What systemd-boot 252 loads (config_load_entries).
    if (name.starts_with('.') || name.starts_with("auto-") || !ends_with_no_case(name, ".conf")) continue;
    std::string path = dir + "/" + name;
    auto text = read_file(path);
    if (!text) return std::unexpected(text.error());
    BlsFields f = read_bls_fields(*text);
    std::optional<size_t> owner;
    if (name.starts_with(kEntryPrefix)) {
      auto entry = parse_entry(*text, path);
      if (!entry) return std::unexpected(entry.error());
      p.cairn.push_back({name, *entry});
      owner = p.cairn.size() - 1;
    }
    if (f.linux_path) p.referenced.insert(lower(partition_path(*f.linux_path)));
    for (const auto& i : f.initrds) p.referenced.insert(lower(partition_path(i)));

    // systemd-boot drops entries without a loader, for another
    // architecture, or whose loader file is missing.
    const auto& loader = f.linux_path ? f.linux_path : f.efi_path;
    if (!loader) continue;
    if (f.architecture && arch && *f.architecture != *arch) continue;
    if (!is_file(root + "/" + partition_path(*loader))) continue;
    MenuEntry m;
    m.id = lower(name);
    m.sort_key = f.sort_key;
    m.machine_id = f.machine_id;
    m.version = f.version;
    m.counter = split_entry_name(name).counter;
    if (owner) m.generation = p.cairn[*owner].entry.generation;
    items.push_back({std::move(m), owner});
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return compare_menu_entries(a.menu, b.menu) < 0; });
  for (auto& item : items) {
    p.menu.push_back(item.menu);
    p.owner.push_back(item.owner);
    if (item.owner) p.state.entries.push_back(p.cairn[*item.owner].entry);
  }

  Selection selection;
  std::string conf = root + "/" + std::string(kLoaderConf);
  if (is_file(conf)) {
    auto text = read_file(conf);
    if (!text) return std::unexpected(text.error());
    selection.default_config = config_default(*text);
  }
  if (!efivars.empty()) {
    for (auto [name, slot] : {std::pair{kEntryOneShotVar, &selection.oneshot},
                              std::pair{kEntryDefaultVar, &selection.default_efivar},
                              std::pair{kEntryLastBootedVar, &selection.last_booted}}) {
      auto value = read_efivar_string(efivars, name);
      if (!value) return std::unexpected(value.error());
      *slot = *value;
    }
  }
  auto generation_at = [&](std::optional<size_t> i) -> std::optional<uint64_t> {
    if (!i || !p.owner[*i]) return std::nullopt;
    return p.cairn[*p.owner[*i]].entry.generation;
  };
  p.state.default_entry = generation_at(select_default(p.menu, selection));
  p.state.oneshot = generation_at(select_oneshot(p.menu, selection));
  return p;
}

// The entry file of `generation`, by name only (its text is not read, so a
// damaged neighbour cannot stop marking this one). Exactly one must exist.
struct GenerationFile {
  std::string dir;
  std::string name;
  std::optional<BootCounter> counter;
};

Result<GenerationFile> generation_file(const std::string& root, uint64_t generation) {
  GenerationFile out{root + "/" + std::string(kEntriesDir), {}, {}};
  auto names = list_files(out.dir);
  if (!names) return std::unexpected(names.error());
  std::vector<std::string> found;
  for (const std::string& name : *names) {
    auto parsed = parse_entry_file_name(name);
    if (!parsed || parsed->generation != generation) continue;
    found.push_back(name);
    out.name = name;
    out.counter = parsed->counter;
  }
  if (found.empty()) return fail(fmt::format("no boot entry for generation {} in {}", generation, out.dir));
  if (found.size() > 1)
    return fail(fmt::format("generation {} has {} entry files in {} ({}): remove all but one", generation,
                            found.size(), out.dir, fmt::join(found, ", ")));
  return out;
}

// Which cairn entries to drop so that at most `limit` remain: bad ones
// first, then the oldest, never one in `keep`.
std::vector<std::string> beyond_limit(const Partition& p, uint32_t limit, const std::set<uint64_t>& keep) {
  std::vector<const CairnFile*> candidates;
  for (const CairnFile& f : p.cairn)
    if (!keep.contains(f.entry.generation)) candidates.push_back(&f);
  std::stable_sort(candidates.begin(), candidates.end(), [](const CairnFile* a, const CairnFile* b) {
    bool a_bad = a->entry.state() == EntryState::bad, b_bad = b->entry.state() == EntryState::bad;
    if (a_bad != b_bad) return a_bad;
    return a->entry.generation < b->entry.generation;
  });
  std::vector<std::string> drop;
  size_t count = p.cairn.size();
  for (const CairnFile* f : candidates) {
    if (count <= limit) break;
    drop.push_back(f->name);
    --count;
  }
  return drop;
}

}  // namespace

SystemdBoot::SystemdBoot(std::string efivars) : efivars_(std::move(efivars)) {}

Result<void> SystemdBoot::install(const std::string& root, const std::string& tree, const LoaderSettings& settings) {
  std::string source = tree + "/" + std::string(kLoaderSource);
  std::vector<LoaderArch> found;
  for (const LoaderArch& l : kLoaderArchs)
    if (is_file(source + "/" + loader_name(l.arch))) found.push_back(l);
  if (found.empty())
    return fail(fmt::format("no systemd-boot in {}: {}/{} is missing (the target needs the systemd-boot-efi package)",
                            tree, source, loader_name(kLoaderArchs[0].arch)));

  for (std::string_view dir : {"EFI/systemd", "EFI/BOOT", "loader/entries", "cairn"})
    if (auto r = make_dirs(root, dir); !r) return r;
  for (const LoaderArch& l : found) {
    std::string from = source + "/" + loader_name(l.arch);
    if (auto r = copy_if_changed(from, root + "/EFI/systemd/" + loader_name(l.arch)); !r) return r;
    if (auto r = copy_if_changed(from, root + "/EFI/BOOT/" + std::string(l.fallback)); !r) return r;
  }
  if (auto r = write_if_changed(root + "/" + std::string(kEntriesSrel), "type1\n"); !r) return r;

  std::string conf_path = root + "/" + std::string(kLoaderConf);
  std::string conf;
  if (is_file(conf_path)) {
    auto text = read_file(conf_path);
    if (!text) return std::unexpected(text.error());
    conf = *text;
  }
  std::string updated = set_loader_conf_value(conf, "timeout", std::to_string(settings.timeout));
  if (!loader_conf_value(updated, "default")) updated = set_loader_conf_value(updated, "default", default_pattern({}));
  updated = set_loader_conf_value(updated, "editor", "no");
  return write_if_changed(conf_path, updated);
}

Result<void> SystemdBoot::write_entry(const std::string& root, const BootEntry& entry, const std::string& kernel_file,
                                      const std::string& initrd_file, const LoaderSettings& settings) {
  // The entry as it will be on the partition, checked before anything changes.
  BootEntry e = entry;
  if (e.version.empty()) e.version = version_for(e.generation);
  auto kernel_hash = sha256_file(kernel_file);
  if (!kernel_hash) return std::unexpected(kernel_hash.error().context("hashing the kernel"));
  auto initrd_hash = sha256_file(initrd_file);
  if (!initrd_hash) return std::unexpected(initrd_hash.error().context("hashing the initrd"));
  std::string kernel_name = *kernel_hash + "-kernel", initrd_name = *initrd_hash + "-initrd";
  e.kernel = fmt::format("/{}/{}", kKernelDir, kernel_name);
  e.initrd = fmt::format("/{}/{}", kKernelDir, initrd_name);
  if (auto r = check_entry(e); !r) return r;
  std::optional<BootCounter> counter;
  if (e.tries_left) counter = BootCounter{*e.tries_left, e.tries_done};
  std::string name = entry_file_name(e.generation, counter);
  std::string text = format_entry(e);
  if (auto back = parse_entry(text, name); !back || *back != e)
    return fail(fmt::format("generation {}: internal error: the entry does not read back as written", e.generation));

  auto before = read_partition(root, efivars_);
  if (!before) return std::unexpected(before.error());

  // Kernel and initrd first: an entry must never name a missing file.
  std::string kernels = root + "/" + std::string(kKernelDir);
  std::string entries = root + "/" + std::string(kEntriesDir);
  if (auto r = make_dirs(root, kKernelDir); !r) return r;
  if (auto r = make_dirs(root, kEntriesDir); !r) return r;
  for (auto [from, to] : {std::pair{&kernel_file, &kernel_name}, std::pair{&initrd_file, &initrd_name}}) {
    if (auto r = copy_shared_file(*from, kernels + "/" + *to); !r) return r;
  }
  if (auto r = write_file_atomic(entries + "/" + name, text); !r) return r;
  std::vector<std::string> stale;
  for (const CairnFile& f : before->cairn)
    if (f.entry.generation == e.generation && f.name != name) stale.push_back(f.name);
  if (auto r = remove_durably(entries, stale); !r) return r;

  if (settings.limit) {
    auto now = read_partition(root, efivars_);
    if (!now) return std::unexpected(now.error());
    std::set<uint64_t> keep{e.generation};
    std::optional<uint64_t> newest_good;
    for (const CairnFile& f : now->cairn)
      if (f.entry.state() == EntryState::good) newest_good = std::max(newest_good.value_or(0), f.entry.generation);
    for (auto g : {newest_good, now->state.default_entry, now->state.oneshot})
      if (g) keep.insert(*g);
    if (auto r = remove_durably(entries, beyond_limit(*now, *settings.limit, keep)); !r) return r;
  }

  // Collect kernels and initrds no entry names any more.
  auto now = read_partition(root, efivars_);
  if (!now) return std::unexpected(now.error());
  auto shared = list_files(kernels);
  if (!shared) return std::unexpected(shared.error());
  std::vector<std::string> unused;
  for (const std::string& file : *shared)
    if (is_shared_file_name(file) && !now->referenced.contains(lower(std::string(kKernelDir) + "/" + file)))
      unused.push_back(file);
  return remove_durably(kernels, unused);
}

Result<void> SystemdBoot::set_default(const std::string& root, std::optional<uint64_t> generation) {
  if (generation) {
    auto file = generation_file(root, *generation);
    if (!file) return std::unexpected(file.error());
    if (file->counter && file->counter->left == 0)
      return fail(fmt::format("generation {}'s entry {} is bad (no tries left): systemd-boot would pass over it",
                              *generation, file->name));
  }
  if (auto r = make_dirs(root, "loader"); !r) return r;
  std::string path = root + "/" + std::string(kLoaderConf);
  std::string text;
  if (is_file(path)) {
    auto old = read_file(path);
    if (!old) return std::unexpected(old.error());
    text = *old;
  }
  if (auto r = write_if_changed(path, set_loader_conf_value(text, "default", default_pattern(generation))); !r)
    return r;
  // LoaderEntryDefault would win over loader.conf.
  if (!efivars_.empty()) return remove_efivar(efivars_, kEntryDefaultVar);
  return {};
}

Result<void> SystemdBoot::set_oneshot(const std::string& root, uint64_t generation) {
  if (efivars_.empty())
    return fail(fmt::format(
        "cannot boot generation {} once: systemd-boot reads a one-shot entry only from the EFI variable "
        "{} (loader.conf has no such key), and this SystemdBoot was given no EFI variables directory "
        "(on the running system: {})",
        generation, kEntryOneShotVar, kEfivarsDir));
  auto file = generation_file(root, generation);
  if (!file) return std::unexpected(file.error());
  return write_efivar_string(efivars_, kEntryOneShotVar, oneshot_pattern(generation));
}

Result<void> SystemdBoot::mark_good(const std::string& root, uint64_t generation) {
  auto file = generation_file(root, generation);
  if (!file) return std::unexpected(file.error());
  if (!file->counter) return {};
  return rename_durably(file->dir, file->name, entry_file_name(generation, std::nullopt));
}

Result<void> SystemdBoot::mark_bad(const std::string& root, uint64_t generation) {
  auto file = generation_file(root, generation);
  if (!file) return std::unexpected(file.error());
  if (file->counter && file->counter->left == 0) return {};
  BootCounter bad{0, file->counter ? file->counter->done : 0};
  return rename_durably(file->dir, file->name, entry_file_name(generation, bad));
}

Result<BootState> SystemdBoot::read_state(const std::string& root) const {
  auto p = read_partition(root, efivars_);
  if (!p) return std::unexpected(p.error());
  return std::move(p->state);
}

}  // namespace cairn::bootloader
