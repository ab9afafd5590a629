#include "bootloader/detect.hh"

#include <sys/stat.h>

#include <filesystem>

#include "bootloader/extlinux.hh"
#include "bootloader/rpi_tryboot.hh"
#include "bootloader/systemd_boot.hh"

namespace cairn::bootloader {

namespace {

bool exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

// A gen-<N>/entry.conf directly under `root`.
bool has_tryboot_generation(const std::string& root) {
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(root, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.starts_with("gen-") && exists(it->path().string() + "/" + std::string(kRpiEntryConf))) return true;
  }
  return false;
}

}  // namespace

std::string_view to_string(LoaderKind kind) {
  switch (kind) {
    case LoaderKind::systemd_boot: return "systemd-boot";
    case LoaderKind::extlinux: return "extlinux";
    case LoaderKind::rpi_tryboot: return "rpi-tryboot";
  }
  return "?";
}

Result<LoaderKind> detect_loader(const std::string& root) {
  if (exists(root + "/loader/entries") || exists(root + "/loader/loader.conf")) return LoaderKind::systemd_boot;
  if (exists(root + "/cairn/entries")) return LoaderKind::extlinux;
  if (exists(root + "/" + std::string(kRpiConfigTxt)) && has_tryboot_generation(root)) return LoaderKind::rpi_tryboot;
  return fail(root + " holds no cairn boot loader files (loader/entries for systemd-boot, cairn/entries for "
                     "extlinux, gen-<N>/entry.conf for the Raspberry Pi firmware)");
}

DetectingBackend::DetectingBackend(std::string efivars)
    : systemd_boot_(std::make_unique<SystemdBoot>(std::move(efivars))),
      extlinux_(std::make_unique<ExtlinuxBackend>()),
      rpi_tryboot_(std::make_unique<RpiTryboot>()) {}

DetectingBackend::~DetectingBackend() = default;

Result<Backend*> DetectingBackend::at(const std::string& root) const {
  auto kind = detect_loader(root);
  if (!kind) return std::unexpected(kind.error());
  switch (*kind) {
    case LoaderKind::systemd_boot: return systemd_boot_.get();
    case LoaderKind::extlinux: return extlinux_.get();
    case LoaderKind::rpi_tryboot: return rpi_tryboot_.get();
  }
  return fail("unknown boot loader");
}

Result<void> DetectingBackend::install(const std::string& root, const std::string&, const LoaderSettings&) {
  return fail("installing a boot loader on " + root + " needs its kind; use its backend");
}

Result<void> DetectingBackend::write_entry(const std::string& root, const BootEntry& entry,
                                           const std::string& kernel_file, const std::string& initrd_file,
                                           const LoaderSettings& settings) {
  auto b = at(root);
  if (!b) return std::unexpected(b.error());
  return (*b)->write_entry(root, entry, kernel_file, initrd_file, settings);
}

Result<void> DetectingBackend::set_default(const std::string& root, std::optional<uint64_t> generation) {
  auto b = at(root);
  if (!b) return std::unexpected(b.error());
  return (*b)->set_default(root, generation);
}

Result<void> DetectingBackend::set_oneshot(const std::string& root, uint64_t generation) {
  auto b = at(root);
  if (!b) return std::unexpected(b.error());
  return (*b)->set_oneshot(root, generation);
}

Result<void> DetectingBackend::mark_good(const std::string& root, uint64_t generation) {
  auto b = at(root);
  if (!b) return std::unexpected(b.error());
  return (*b)->mark_good(root, generation);
}

Result<void> DetectingBackend::mark_bad(const std::string& root, uint64_t generation) {
  auto b = at(root);
  if (!b) return std::unexpected(b.error());
  return (*b)->mark_bad(root, generation);
}

Result<BootState> DetectingBackend::read_state(const std::string& root) const {
  auto b = at(root);
  if (!b) return std::unexpected(b.error());
  return (*b)->read_state(root);
}

}  // namespace cairn::bootloader
