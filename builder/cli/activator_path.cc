// Finding cairn-activate for a host's architecture; the order of the places
// and why each is there is in activator_path.hh.
#include "builder/cli/activator_path.hh"

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "builder/compose/caches.hh"
#include "images/elf.hh"

namespace cairn::cli {

namespace {

namespace fs = std::filesystem;

// One architecture cairn builds an activator for.
struct Target {
  std::string_view architecture;  // Debian's name
  uint16_t machine;               // the ELF e_machine its programs carry
  // scripts/cross-build's name for it, which is also the suffix of the
  // cross build tree (build-aarch64/); "" when the script cannot make one.
  std::string_view cross;
};

constexpr Target kTargets[] = {
    {"amd64", images::kElfMachineX86_64, ""},
    {"arm64", images::kElfMachineAarch64, "aarch64"},
};

const Target* find_target(std::string_view architecture) {
  for (const Target& t : kTargets)
    if (t.architecture == architecture) return &t;
  return nullptr;
}

// "" when `path` is a program for `t`'s machine; else why it is not, as a
// phrase that follows the path ("is for x86-64, not arm64 (AArch64)").
std::string unfit(const std::string& path, const Target& t) {
  auto elf = images::read_elf(path);
  if (!elf) return fmt::format("cannot serve: {}", elf.error().message);
  if (elf->machine != t.machine)
    return fmt::format("is for {}, not {} ({})", images::machine_name(elf->machine), t.architecture,
                       images::machine_name(t.machine));
  return "";
}

// The end of every message: how to get an activator for `t`.
std::string how_to_get(const Target& t, bool native) {
  std::string variable = activator_variable(t.architecture);
  if (native) return fmt::format("set CAIRN_ACTIVATE (or {})", variable);
  if (!t.cross.empty()) return fmt::format("run scripts/cross-build {} (or set {})", t.cross, variable);
  return fmt::format("set {} to cairn-activate built for {}", variable, t.architecture);
}

// The places next to the running cairn, in the order they are tried: in a
// meson build tree (<tree>/builder/cli/cairn) the tree's own activator or
// the sibling cross tree's, else an installation's (<prefix>/bin/cairn).
std::vector<fs::path> places(const Target& t, bool native, const fs::path& self) {
  std::vector<fs::path> out;
  if (self.empty()) return out;
  fs::path dir = self.parent_path();
  if (dir.filename() == "cli" && dir.parent_path().filename() == "builder") {
    fs::path tree = dir.parent_path().parent_path();
    if (native)
      out.push_back(tree / "activator/cairn-activate");
    else if (!t.cross.empty())
      out.push_back(tree.parent_path() / fmt::format("build-{}", t.cross) / "activator/cairn-activate");
  } else {
    if (native) {
      out.push_back(dir / "cairn-activate");
      out.push_back(dir / "../lib/cairn/cairn-activate");
    }
    out.push_back(dir / "../lib/cairn" / t.architecture / "cairn-activate");
  }
  for (fs::path& p : out) p = p.lexically_normal();
  return out;
}

// `path`, absolute and with symbolic links resolved as far as they exist.
std::string resolved(const fs::path& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(path, ec);
  return ec ? fs::absolute(path, ec).lexically_normal().string() : p.string();
}

}  // namespace

ActivatorSearch ActivatorSearch::from_process() {
  ActivatorSearch s;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) s.self = self.string();
  s.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  s.build_architecture = std::string(compose::build_architecture());
  return s;
}

std::string activator_variable(std::string_view architecture) {
  std::string name = "CAIRN_ACTIVATE_";
  for (char c : architecture)
    name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                                                        : '_';
  return name;
}

Result<FoundActivator> find_activator(std::string_view architecture, const ActivatorSearch& search) {
  const Target* t = find_target(architecture);
  if (t == nullptr) {
    std::string known;
    for (const Target& k : kTargets) known += (known.empty() ? "" : ", ") + std::string(k.architecture);
    return FoundActivator{"", fmt::format("cairn-activate is not built for {} (only for {})", architecture, known)};
  }
  bool native = search.build_architecture == architecture;

  // The variables: what the user names must serve, else it is an error.
  std::vector<std::string> variables = {activator_variable(architecture)};
  if (native) variables.push_back("CAIRN_ACTIVATE");
  for (const std::string& variable : variables) {
    std::optional<std::string> value = search.getenv ? search.getenv(variable) : std::nullopt;
    if (!value || value->empty()) continue;
    if (std::string why = unfit(*value, *t); !why.empty())
      return fail(fmt::format("{}={} {}; point it at cairn-activate built for {}{}", variable, *value, why,
                              architecture,
                              t->cross.empty() || native
                                  ? ""
                                  : fmt::format(" (scripts/cross-build {} makes one)", t->cross)));
    return FoundActivator{resolved(*value), ""};
  }

  // The places: a file there that cannot serve is passed over and named.
  std::vector<std::string> looked;
  for (const fs::path& p : places(*t, native, search.self)) {
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
      looked.push_back(p.string());
      continue;
    }
    if (std::string why = unfit(p.string(), *t); !why.empty()) {
      looked.push_back(fmt::format("{}, which {}", p.string(), why));
      continue;
    }
    return FoundActivator{resolved(p), ""};
  }
  std::string list;
  for (const std::string& l : looked) list += (list.empty() ? "" : "; ") + l;
  return FoundActivator{"", fmt::format("no cairn-activate for {} here{}; {}", architecture,
                                        list.empty() ? "" : " (looked at " + list + ")", how_to_get(*t, native))};
}

}  // namespace cairn::cli
