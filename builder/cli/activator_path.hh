// Which cairn-activate goes into a host's image and initramfs.
//
// The activator runs on the device, so it must be built for the host's
// architecture, which need not be the build machine's: a PC builds the
// arm64 `server` host with an activator cross-built by scripts/cross-build
// into build-aarch64/. find_activator() looks, in order, at
//
//   1. $CAIRN_ACTIVATE_<ARCH> (CAIRN_ACTIVATE_ARM64), for any architecture;
//   2. for the build machine's own architecture, $CAIRN_ACTIVATE;
//   3. when the running cairn is in a meson build tree
//      (<tree>/builder/cli/cairn): for the build machine's architecture the
//      tree's own <tree>/activator/cairn-activate, for another the sibling
//      cross build tree's (build/builder/cli/cairn →
//      build-aarch64/activator/cairn-activate);
//   4. when it is installed (<prefix>/bin/cairn): for the build machine's
//      architecture <prefix>/bin/cairn-activate and
//      <prefix>/lib/cairn/cairn-activate, then for any architecture
//      <prefix>/lib/cairn/<arch>/cairn-activate.
//
// Every candidate's ELF header must name the architecture's machine, so a
// stale or misplaced file never ends up in an image it cannot boot. A
// variable that names a wrong file is an error (the user asked for that
// file); a place that holds one is passed over and named in the message
// that says how to get an activator.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.hh"

namespace cairn::cli {

/// What find_activator() reads of its process; tests give their own.
struct ActivatorSearch {
  /// The running cairn executable; the build-tree and installation places
  /// are relative to its directory. "": only the environment is asked.
  std::string self{};
  /// The environment: a variable's value, or nullopt when it is unset.
  std::function<std::optional<std::string>(const std::string& name)> getenv{};
  /// Debian's name for the build machine's architecture ("amd64").
  std::string build_architecture{};

  /// This process: /proc/self/exe, std::getenv, the architecture it was
  /// compiled for.
  static ActivatorSearch from_process();
};

/// What find_activator() found.
struct FoundActivator {
  /// The activator, an absolute path without `..`; "" when none was found.
  std::string path{};
  /// When `path` is "": one line saying what was looked at and how to get
  /// an activator, without "warning:" ("no cairn-activate for arm64 here
  /// (looked at /src/build-aarch64/activator/cairn-activate); run
  /// scripts/cross-build aarch64 (or set CAIRN_ACTIVATE_ARM64)"); places
  /// holding a file that cannot serve say why ("…/cairn-activate, which is
  /// for x86-64, not arm64 (AArch64)"). "" when one was found.
  std::string missing{};
};

/// "CAIRN_ACTIVATE_ARM64" for "arm64": the variable naming the activator of
/// one Debian architecture.
std::string activator_variable(std::string_view architecture);

/// Finds the cairn-activate built for the Debian architecture
/// `architecture` ("amd64", "arm64"), looking where the file's opening
/// comment says. An architecture cairn does not build for gives no path and
/// a `missing` that says so. Errors only when a variable names a file that
/// cannot serve: "CAIRN_ACTIVATE_ARM64=/x/cairn-activate is for x86-64, not
/// arm64 (AArch64); point it at an arm64 build (scripts/cross-build aarch64
/// makes one)", or the file is missing or not ELF.
[[nodiscard]] Result<FoundActivator> find_activator(std::string_view architecture,
                                                    const ActivatorSearch& search);

}  // namespace cairn::cli
