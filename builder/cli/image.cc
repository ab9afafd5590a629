// `cairn image --host NAME [-o FILE] [--size SIZE] [--all-generations]`: a
// bootable disk image or SD card of the host, made without root — a FAT boot
// partition with the host's boot loader (boot_partition.hh: systemd-boot on
// a GPT disk for PCs; U-Boot's extlinux menu, and on a Raspberry Pi its
// firmware, on an MBR disk) and one boot entry per generation, and the
// state partition (label cairn-state)
// holding generations/<N>/{system.squashfs,manifest.json}, empty var/,
// home/, root/, an empty machine-id that the first boot fills in and
// `host`, the host's name (for `cairn switch`).
//
// The current generation is built first if needed (as `cairn build`). Its
// entry boots as a trial with boot.loader.tries tries; with
// --all-generations every earlier generation of the host is on the disk
// too, as good entries. Same generations ⇒ same image bytes: every time is
// the lock's date and every id is derived from the generations' inputs.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "base/hash.hh"
#include "bootloader/layout.hh"
#include "builder/cli/boot_partition.hh"
#include "builder/cli/build.hh"
#include "builder/cli/image.hh"
#include "builder/cli/switch.hh"
#include "builder/cli/verbs.hh"
#include "builder/debian/fetch_progress.hh"
#include "builder/debian/store.hh"
#include "images/disk.hh"

namespace cairn::cli {

namespace fs = std::filesystem;

namespace {

// "8-4-4-4-12" from 32 hex digits.
std::string guid_from(std::string_view hex) {
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4), hex.substr(16, 4),
                     hex.substr(20, 12));
}

// "4G", "512M", "1073741824" → bytes; nullopt when malformed.
std::optional<uint64_t> parse_size(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t unit = 1;
  switch (s.back()) {
    case 'K': case 'k': unit = 1ull << 10; break;
    case 'M': case 'm': unit = 1ull << 20; break;
    case 'G': case 'g': unit = 1ull << 30; break;
    case 'T': case 't': unit = 1ull << 40; break;
    default: break;
  }
  if (unit != 1) s.remove_suffix(1);
  uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n * unit;
}

Result<void> link_or_copy(const std::string& from, const std::string& to) {
  if (::link(from.c_str(), to.c_str()) == 0) return {};
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return fail(fmt::format("copying {} to {}: {}", from, to, ec.message()));
  return {};
}


}  // namespace

std::string entry_title(const generations::Manifest& m, uint64_t generation) {
  std::time_t t = m.source_date_epoch;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char date[16];
  std::strftime(date, sizeof date, "%Y-%m-%d", &tm);
  return fmt::format("{} — generation {} ({}, {})", m.name, generation, date, m.kernel.version);
}

std::string kernel_options(const generations::Manifest& m, uint64_t generation) {
  std::string options = fmt::format("{}={} {}={}={} panic=10", bootloader::kGenerationParam, generation,
                                    bootloader::kStateParam, "LABEL", bootloader::kStateLabel);
  for (const std::string& p : m.kernel.params) options += " " + p;
  return options;
}

Result<DiskImage> make_host_image(const ImageOptions& opts) {
  BuildOptions bo;
  bo.host = opts.host;
  bo.store = opts.store;
  bo.no_out_link = true;
  auto built = build_host(bo);
  if (!built) return std::unexpected(built.error());
  const generations::Manifest& current = built->manifest;
  if (current.kernel.initrd.empty())
    return fail(fmt::format("generation {} of {} has no initramfs (no cairn-activate for {}); it cannot boot",
                            built->generation.number, opts.host, current.architecture));
  auto store_root = debian::Store::default_root(opts.store);
  if (!store_root) return std::unexpected(store_root.error());
  auto store = debian::Store::open(*store_root);
  if (!store) return std::unexpected(store.error());

  // The generations on the disk: the current one, and with
  // --all-generations the earlier ones that still have their system.
  std::vector<std::pair<generations::Generation, generations::Manifest>> gens;
  if (opts.all_generations) {
    auto profile = generations::Profile::open(*store_root, opts.host);
    if (!profile) return std::unexpected(profile.error());
    auto all = profile->list();
    if (!all) return std::unexpected(all.error());
    for (const generations::Generation& g : *all) {
      if (g.system_dir.empty() || g.number == built->generation.number) continue;
      auto m = generations::read_manifest(g.system_dir);
      if (!m) return std::unexpected(m.error());
      if (m->kernel.initrd.empty()) continue;  // cannot boot
      gens.push_back({g, std::move(*m)});
    }
  }
  gens.push_back({built->generation, current});

  std::string work = store->tmp_dir() + "/build-image-XXXXXX";
  if (!::mkdtemp(work.data())) return fail(fmt::format("creating a work directory in {}", store->tmp_dir()));
  struct Cleanup {
    std::string path;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } cleanup{work};
  std::string esp = work + "/esp", state = work + "/state";
  fs::create_directories(esp);
  for (const char* d : {"var", "home", "root", "generations"}) fs::create_directories(state + "/" + d);
  fs::permissions(state + "/root", fs::perms::owner_all, fs::perm_options::replace);
  std::ofstream(state + "/machine-id").close();  // the first boot writes the id here
  ::chmod((state + "/machine-id").c_str(), 0444);
  // The host the machine is installed as: `cairn switch`'s wrong-host guard
  // and its default --host (switch.hh).
  std::ofstream(state + "/" + std::string(kHostFile)) << opts.host << '\n';

  bootloader::LoaderSettings settings;
  settings.timeout = current.boot.value("timeout", 3u);
  if (current.boot.contains("configurationLimit") && current.boot["configurationLimit"].is_number())
    settings.limit = current.boot["configurationLimit"].get<uint32_t>();
  auto boot = prepare_boot_partition(esp, opts.host, current, *store, settings);
  if (!boot) return std::unexpected(boot.error());
  bootloader::Backend& backend = *boot->backend;

  std::string inputs;
  for (const auto& [g, m] : gens) {
    std::string dir = state + "/" + bootloader::generation_dir(g.number);
    fs::create_directories(dir);
    if (auto r = link_or_copy(g.system_dir + "/system.squashfs", dir + "/system.squashfs"); !r) return std::unexpected(r.error());
    if (auto r = link_or_copy(g.system_dir + "/manifest.json", dir + "/manifest.json"); !r) return std::unexpected(r.error());
    bootloader::BootEntry entry;
    entry.generation = g.number;
    entry.title = entry_title(m, g.number);
    entry.options = kernel_options(m, g.number);
    bool newest = g.number == built->generation.number;
    if (newest && boot->trials) entry.tries_left = m.boot.value("tries", 3u);
    if (auto r = backend.write_entry(esp, entry, g.system_dir + "/" + m.kernel.file, g.system_dir + "/" + m.kernel.initrd,
                                     settings);
        !r)
      return std::unexpected(r.error().context(fmt::format("writing the boot entry of generation {}", g.number)));
    inputs += fmt::format("{} {} {}\n", g.number, m.inputs_hash, m.image.sha256);
  }

  std::string h = sha256_hex(opts.host + "\n" + inputs);
  images::DiskLayout layout;
  layout.table = boot->table;
  layout.esp_dir = esp;
  layout.state_dir = state;
  layout.esp_label = std::string(bootloader::kEspLabel);
  layout.state_label = std::string(bootloader::kStateLabel);
  layout.disk_guid = guid_from(sha256_hex(h + " disk").substr(0, 32));
  layout.esp_uuid = guid_from(sha256_hex(h + " esp").substr(0, 32));
  layout.state_uuid = guid_from(sha256_hex(h + " state").substr(0, 32));
  layout.epoch = current.source_date_epoch;
  if (!opts.size.empty()) {
    auto size = parse_size(opts.size);
    if (!size) return fail(fmt::format("--size {}: expected a size such as 4G, 512M or a number of bytes", opts.size));
    layout.total_size = *size / images::kMiB * images::kMiB;
  }
  std::string output = opts.output.empty() ? opts.host + ".img" : opts.output;
  auto disk = images::make_disk_image(layout, output);
  if (!disk) return std::unexpected(disk.error());
  return DiskImage{output, disk->size, disk->sha256, built->generation.number, current.architecture,
                   built->generation.system_dir + "/" + current.kernel.file};
}

namespace {

int run_image(const ImageOptions& opts) {
  auto r = make_host_image(opts);
  if (!r) return report_build_error(r.error()), 1;
  std::cerr << fmt::format("cairn: wrote {} ({}, sha256 {}): {} generation {}", r->path,
                           debian::format_bytes(r->size), r->sha256.substr(0, 12), opts.host, r->generation)
            << std::endl;
  return 0;
}

}  // namespace

void register_image(CLI::App& app, VerbResult& run) {
  auto opts = std::make_shared<ImageOptions>();
  CLI::App* cmd = app.add_subcommand("image", "Make a bootable disk image of a host (GPT: ESP + state partition)");
  cmd->add_option("--host", opts->host, "The host (a directory under hosts/)")->required()->type_name("NAME");
  cmd->add_option("-o,--output", opts->output, "The image file (default: NAME.img)")->type_name("FILE");
  cmd->add_option("--size", opts->size, "The disk's size, e.g. 4G (default: what the content needs)")
      ->type_name("SIZE");
  cmd->add_flag("--all-generations", opts->all_generations, "Put every built generation of the host on the disk");
  cmd->add_option("--store", opts->store, "The store (default: $XDG_CACHE_HOME/cairn)")->type_name("DIR");
  cmd->callback([opts, &run] { run = [opts] { return run_image(*opts); }; });
}

}  // namespace cairn::cli
