#include "activator/bless.hh"

#include <algorithm>

#include <fmt/format.h>

#include "activator/cmdline.hh"
#include "activator/esp.hh"
#include "base/files.hh"
#include "bootloader/layout.hh"

namespace cairn::activator {

namespace {

// The booted generation, from the kernel command line.
Result<uint64_t> booted_generation(const std::string& root) {
  auto text = read_file(root + "/proc/cmdline");
  if (!text) return std::unexpected(text.error());
  auto cmdline = parse_cmdline(*text);
  if (!cmdline) return std::unexpected(cmdline.error().context("the kernel command line"));
  if (!cmdline->generation)
    return fail(fmt::format("the kernel command line names no generation ({}=N): not booted through a cairn entry",
                            bootloader::kGenerationParam));
  return *cmdline->generation;
}

}  // namespace

Result<std::string> bless(const std::string& root, System& system, bootloader::Backend& backend) {
  auto n = booted_generation(root);
  if (!n) return std::unexpected(n.error());
  auto esp = mount_esp(root, system);
  if (!esp) return std::unexpected(esp.error());
  auto state = backend.read_state(esp->path());
  if (!state) return std::unexpected(state.error().context("reading the boot entries on " + esp->path()));
  auto entry = std::ranges::find(state->entries, *n, &bootloader::BootEntry::generation);
  if (entry == state->entries.end()) return fail(fmt::format("generation {} has no boot entry on {}", *n, esp->path()));

  std::string done = fmt::format("generation {} was good already", *n);
  if (entry->state() != bootloader::EntryState::good) {
    if (auto r = backend.mark_good(esp->path(), *n); !r)
      return std::unexpected(r.error().context(fmt::format("marking generation {} good", *n)));
    done = fmt::format("generation {} is marked good", *n);
  }
  if (auto r = esp->release(); !r) return std::unexpected(r.error());
  return done;
}

std::string format_status(const bootloader::BootState& state, std::optional<uint64_t> booted) {
  if (state.entries.empty()) return "no boot entries\n";
  std::string out;
  for (const bootloader::BootEntry& e : state.entries) {
    out += fmt::format("generation {}: {}", e.generation, bootloader::to_string(e.state()));
    if (e.tries_left) out += fmt::format(" ({} tries left, {} done)", *e.tries_left, e.tries_done);
    if (state.default_entry == e.generation) out += ", default";
    if (state.oneshot == e.generation) out += ", next boot";
    if (booted == e.generation) out += ", booted";
    out += '\n';
  }
  return out;
}

Result<std::string> status(const std::string& root, System& system, const bootloader::Backend& backend) {
  auto esp = mount_esp(root, system);
  if (!esp) return std::unexpected(esp.error());
  auto state = backend.read_state(esp->path());
  if (!state) return std::unexpected(state.error().context("reading the boot entries on " + esp->path()));
  if (auto r = esp->release(); !r) return std::unexpected(r.error());
  // Not booted through cairn (a build machine, a container): no "booted".
  auto n = booted_generation(root);
  return format_status(*state, n ? std::optional<uint64_t>(*n) : std::nullopt);
}

}  // namespace cairn::activator
