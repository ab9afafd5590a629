#include "builder/cli/boot_partition.hh"

#include <filesystem>

#include <fmt/format.h>

#include "base/files.hh"
#include "bootloader/extlinux.hh"
#include "bootloader/rpi_config.hh"
#include "bootloader/rpi_tryboot.hh"
#include "bootloader/systemd_boot.hh"

namespace cairn::cli {

namespace {

namespace fs = std::filesystem;

// The unpacked tree of the generation's package `name`; "" when it has none.
std::string package_tree(const generations::Manifest& m, const debian::Store& store, std::string_view name) {
  for (const generations::ManifestPackage& p : m.packages)
    if (p.name == name) return store.pkg_path(p.sha256, p.name, p.version, p.architecture) + "/root";
  return "";
}

Result<std::string> need_package(const generations::Manifest& m, const debian::Store& store, std::string_view name,
                                 const std::string& host, std::string_view why) {
  std::string tree = package_tree(m, store, name);
  if (tree.empty())
    return fail(fmt::format("{} does not install {}, which holds {}; add it to the host (hardware.raspberryPi "
                            "does) and run `cairn lock --host {}`",
                            host, name, why, host));
  return tree;
}

// Copies the regular files directly in `from` (those `keep` accepts) into
// `to`, following symbolic links.
Result<size_t> copy_files(const std::string& from, const std::string& to, auto keep) {
  std::error_code ec;
  size_t copied = 0;
  std::vector<fs::path> files;
  for (auto it = fs::directory_iterator(from, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->is_regular_file() && keep(it->path().filename().string())) files.push_back(it->path());
  if (ec) return fail(fmt::format("reading {}: {}", from, ec.message()));
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    fs::copy_file(f, fs::path(to) / f.filename(), fs::copy_options::overwrite_existing, ec);
    if (ec) return fail(fmt::format("copying {} to {}: {}", f.string(), to, ec.message()));
    ++copied;
  }
  return copied;
}

struct Pi {
  uint32_t model = 4;
  std::string device_tree, lines;
};

// What the Raspberry Pi firmware reads before any boot loader: its own
// files and the boards' device trees, at the partition's root.
Result<void> copy_firmware(const std::string& dir, const std::string& host, const generations::Manifest& m,
                           const debian::Store& store) {
  auto firmware = need_package(m, store, "raspi-firmware", host, "the Raspberry Pi firmware");
  if (!firmware) return std::unexpected(firmware.error());
  auto copied = copy_files(*firmware + "/usr/lib/raspi-firmware", dir, [](const std::string&) { return true; });
  if (!copied) return std::unexpected(copied.error());
  if (*copied == 0) return fail("raspi-firmware holds no firmware files in usr/lib/raspi-firmware");
  std::string kernel = package_tree(m, store, m.kernel.package);
  std::string dtbs = kernel + "/usr/lib/linux-image-" + m.kernel.version + "/broadcom";
  auto trees = copy_files(dtbs, dir, [](const std::string& name) { return name.ends_with(".dtb"); });
  if (!trees) return std::unexpected(trees.error().context("the Raspberry Pi device trees of " + m.kernel.package));
  return {};
}

Result<Pi> pi_settings(const generations::Manifest& m, const std::string& host) {
  const nlohmann::json rpi = m.boot.value("rpi", nlohmann::json::object());
  if (!rpi.is_object() || !rpi.contains("model"))
    return fail(fmt::format("{} boots with the Raspberry Pi firmware but its closure has no boot.rpi settings; "
                            "set hardware.raspberryPi.enable = true",
                            host));
  Pi pi;
  pi.model = rpi.value("model", 4u);
  pi.device_tree = rpi.value("deviceTree", "");
  pi.lines = rpi.value("configTxt", "");
  return pi;
}

}  // namespace

Result<BootPartition> prepare_boot_partition(const std::string& dir, const std::string& host,
                                             const generations::Manifest& current, const debian::Store& store,
                                             const bootloader::LoaderSettings& settings) {
  std::string loader = current.boot.value("loader", "");
  BootPartition out;
  if (loader == "systemd-boot") {
    std::string efi_tree = package_tree(current, store, "systemd-boot-efi");
    if (efi_tree.empty())
      return fail(fmt::format("{} does not install systemd-boot-efi, which holds the boot loader; boot.loader.type = "
                              "\"systemd-boot\" adds it — run `cairn lock --host {}`",
                              host, host));
    out.backend = std::make_unique<bootloader::SystemdBoot>();
    if (auto r = out.backend->install(dir, efi_tree, settings); !r)
      return std::unexpected(r.error().context("installing systemd-boot"));
    return out;
  }

  const bool raspberry_pi = current.boot.contains("rpi");
  out.table = images::PartitionTable::mbr;
  if (loader == "extlinux") {
    if (raspberry_pi) {
      auto pi = pi_settings(current, host);
      if (!pi) return std::unexpected(pi.error());
      if (auto r = copy_firmware(dir, host, current, store); !r) return std::unexpected(r.error());
      auto uboot = need_package(current, store, "u-boot-rpi", host, "U-Boot for the Raspberry Pi");
      if (!uboot) return std::unexpected(uboot.error());
      std::error_code ec;
      fs::copy_file(*uboot + "/usr/lib/u-boot/rpi_arm64/u-boot.bin", dir + "/u-boot.bin", ec);
      if (ec) return fail(fmt::format("copying U-Boot from u-boot-rpi: {}", ec.message()));
      auto config = bootloader::format_config_txt(
          {pi->model, pi->device_tree, pi->lines, bootloader::RpiFlavour::extlinux, current.generation});
      if (!config) return std::unexpected(config.error().context("config.txt of " + host));
      if (auto r = write_file_atomic(dir + "/config.txt", *config); !r) return std::unexpected(r.error());
    }
    // The default options: the device's activator rewrites the menu with
    // them when it marks a generation good or bad.
    out.backend = std::make_unique<bootloader::ExtlinuxBackend>();
    if (auto r = out.backend->install(dir, "", settings); !r)
      return std::unexpected(r.error().context("installing the U-Boot menu"));
    return out;
  }

  if (loader == "rpi-tryboot") {
    auto pi = pi_settings(current, host);
    if (!pi) return std::unexpected(pi.error());
    if (auto r = copy_firmware(dir, host, current, store); !r) return std::unexpected(r.error());
    bootloader::RpiTrybootSettings s;
    s.model = pi->model;
    s.device_tree = pi->device_tree;
    s.device_tree_dir = package_tree(current, store, current.kernel.package) + "/usr/lib/linux-image-" +
                        current.kernel.version + "/broadcom";
    s.config_lines = pi->lines;
    out.backend = std::make_unique<bootloader::RpiTryboot>(s);
    out.trials = false;
    if (auto r = out.backend->install(dir, "", settings); !r)
      return std::unexpected(r.error().context("preparing the Raspberry Pi firmware partition"));
    return out;
  }
  return fail(fmt::format("{} boots with {}; `cairn image` knows systemd-boot, extlinux and rpi-tryboot", host,
                          loader.empty() ? "no boot loader" : loader));
}

}  // namespace cairn::cli
