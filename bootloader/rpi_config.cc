// config.txt text (rpi_config.hh).
#include "bootloader/rpi_config.hh"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "base/lines.hh"

namespace cairn::bootloader {

namespace {

// The one table of RpiFlavour names, in enum order.
constexpr std::string_view kFlavourNames[] = {"extlinux", "rpi-tryboot"};

// Keys cairn writes; the host's lines may not set them.
constexpr std::array<std::string_view, 7> kBootKeys = {"cmdline",   "device_tree", "initramfs", "kernel",
                                                        "os_prefix", "ramfsaddr",   "ramfsfile"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The key a config.txt line sets: up to '=' ("kernel=x"), or up to the
// first blank for the one command with another syntax ("initramfs x
// followkernel"). Empty for blank lines, comments and [filters].
std::string_view line_key(std::string_view line) {
  line = trim(line);
  if (line.empty() || line.front() == '#' || line.front() == '[') return {};
  size_t end = line.find_first_of("= \t");
  return line.substr(0, end);
}

Result<void> check_device_tree(std::string_view name) {
  bool plain = !name.empty() && name.find('/') == std::string_view::npos &&
               std::none_of(name.begin(), name.end(), [](char c) {
                 return static_cast<unsigned char>(c) <= ' ' || c == '=' || c == '#' || c == '[';
               });
  if (!plain || !name.ends_with(".dtb") || name.size() == 4)
    return fail(fmt::format(
        "hardware.raspberryPi.deviceTree = \"{}\": give the file name of a device tree (\"bcm2711-rpi-4-b.dtb\"), "
        "without directories or blanks",
        name));
  return {};
}

// The host's lines, checked, each ending in '\n'; trailing blank lines dropped.
Result<std::string> host_lines(std::string_view text) {
  std::string out;
  auto lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    size_t number = i + 1;
    std::string_view key = line_key(line);
    if (std::find(kBootKeys.begin(), kBootKeys.end(), key) != kBootKeys.end())
      return fail(fmt::format(
          "hardware.raspberryPi.configTxt, line {}: `{}` sets `{}`, which cairn's boot loader writes itself "
          "(kernel, initramfs, cmdline, device tree and os_prefix follow the generation); remove the line, and "
          "set hardware.raspberryPi.deviceTree or boot.kernel.params instead",
          number, trim(line), key));
    out += line;
    out += '\n';
  }
  while (out.size() >= 2 && out.ends_with("\n\n")) out.pop_back();
  if (out == "\n") out.clear();
  return out;
}

}  // namespace

std::string_view to_string(RpiFlavour flavour) { return kFlavourNames[static_cast<size_t>(flavour)]; }

std::string rpi_generation_prefix(uint64_t generation) { return fmt::format("gen-{}/", generation); }

Result<std::string> format_config_txt(const RpiConfig& config) {
  if (config.model < 3 || config.model > 5)
    return fail(fmt::format("hardware.raspberryPi.model = {}: cairn supports the Raspberry Pi 3, 4 and 5", config.model));
  if (auto r = check_device_tree(config.device_tree); !r) return std::unexpected(r.error());
  if (config.flavour == RpiFlavour::tryboot && config.generation == 0)
    return fail("config.txt for rpi-tryboot: generation 0 does not exist (generations count from 1)");
  auto lines = host_lines(config.lines);
  if (!lines) return std::unexpected(lines.error());

  std::string out(kRpiConfigHeader);
  if (!lines->empty()) {
    out += "\n# The host's lines (hardware.raspberryPi.configTxt).\n";
    out += *lines;
  }
  out += '\n';
  if (config.flavour == RpiFlavour::extlinux) {
    out += "# Boot U-Boot, which shows the menu of generations (extlinux.conf). The\n"
           "# firmware loads the model's device tree from this partition and hands it on.\n";
  } else {
    out += fmt::format(
        "# Boot generation {} (rpi-tryboot). os_prefix applies to the kernel, initramfs,\n"
        "# cmdline.txt and device tree below: they are the files in {}.\n",
        config.generation, rpi_generation_prefix(config.generation));
  }
  // [all] first: the host's lines may have left a filter open.
  out += fmt::format("[all]\n[pi{}]\ndevice_tree={}\n[all]\n", config.model, config.device_tree);
  if (config.flavour == RpiFlavour::extlinux) {
    out += "kernel=u-boot.bin\n";
  } else {
    out += fmt::format("os_prefix={}\n", rpi_generation_prefix(config.generation));
    out += "kernel=vmlinuz\n";
    out += "initramfs initrd.img followkernel\n";
    out += "cmdline=cmdline.txt\n";
  }
  return out;
}

}  // namespace cairn::bootloader
