// manifest.json: what a built system is, next to its image in the store.
//
//   <store>/systems/<key>-<host>/
//     manifest.json      this file
//     system.squashfs    the root image (usr/ + generated etc/ + skeleton)
//     kernel             the kernel image (vmlinuz) the generation boots
//     initrd             the initramfs: cairn-activate, its libraries, the modules
//     initrd-modules     the kernel modules the initramfs loads, in order
//
// The manifest is written last (atomically), so a system directory with a
// manifest is complete. It carries everything later stages and the
// generation commands need without opening the image: the packages with
// versions (for `cairn diff`), the image's sha256 (the activator checks the
// image against it), the kernel, the digest of every generated /etc file
// and unit definition, the ids given to dynamically allocated users (kept
// stable by the next build), and the build inputs.
//
// Keys are written sorted, two-space indented, with a final newline, so the
// same build always writes the same bytes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.hh"

namespace cairn::generations {

/// Bumped whenever compose or the image format changes what a build makes
/// from the same inputs, so that no earlier system is taken for current.
inline constexpr int kComposeVersion = 3;

struct ManifestPackage {
  std::string name;
  std::string version;
  std::string architecture;
  std::string sha256;  ///< of the .deb
  uint64_t size = 0;   ///< of the .deb

  bool operator==(const ManifestPackage&) const = default;
};

struct Manifest {
  int format = 1;
  std::string host;          ///< directory name under hosts/
  std::string name;          ///< system.name
  std::string platform;      ///< "x86_64-linux"
  std::string architecture;  ///< "amd64"
  uint64_t generation = 0;   ///< the number this system was built as (os-release IMAGE_VERSION)
  /// sha256 of the closure's canonical JSON.
  std::string closure_hash;
  /// sha256 of the host's locked package list (name, version, arch, sha256).
  std::string lock_hash;
  /// sha256 over closure_hash, lock_hash and kComposeVersion: equal inputs
  /// build equal systems (but for the generation number).
  std::string inputs_hash;
  /// All times in the image (the locked InRelease's Date).
  int64_t source_date_epoch = 0;
  std::vector<ManifestPackage> packages;  ///< sorted by name, then architecture

  struct Kernel {
    std::string version;  ///< "6.1.0-50-amd64"; "" = the system has no kernel
    std::string package;  ///< the package that shipped it
    std::string file;     ///< "kernel": its file in the system directory
    std::string initrd;   ///< "initrd": the initramfs beside it; "" = none (no activator for the target)
    std::vector<std::string> params;
    bool operator==(const Kernel&) const = default;
  } kernel;
  /// Module paths relative to usr/lib/modules/<version>/, in load order.
  std::vector<std::string> initrd_modules;

  struct Image {
    std::string file;  ///< "system.squashfs"
    std::string sha256;
    uint64_t size = 0;
    bool operator==(const Image&) const = default;
  } image;

  /// Every file under etc/ in the image: path below etc/ → "sha256:<hex>"
  /// for files, "symlink:<target>" for links, "dir" for directories.
  std::map<std::string, std::string> etc;
  /// Every unit file under etc/systemd/system and usr/lib/systemd/system
  /// with its drop-ins: unit name → sha256 of its definition.
  std::map<std::string, std::string> units;
  std::map<std::string, uint32_t> uids;  ///< user name → uid
  std::map<std::string, uint32_t> gids;  ///< group name → gid
  /// Alternatives chosen: name → path.
  std::map<std::string, std::string> alternatives;
  /// environment.persist: absolute paths the activator keeps on the state
  /// partition (persist/<path>) and binds into every generation. Sorted.
  struct Persist {
    std::vector<std::string> files;
    std::vector<std::string> directories;
    bool operator==(const Persist&) const = default;
  } persist;
  /// The closure's boot settings, verbatim (loader, timeout, tries, …).
  nlohmann::json boot = nlohmann::json::object();
  /// What else went in: "cairn" (version), "suite", "release-date", ….
  std::map<std::string, std::string> build_inputs;

  bool operator==(const Manifest&) const = default;
};

nlohmann::json to_json(const Manifest& m);
/// Errors name the member ("manifest.json: packages[2].version: expected a string").
[[nodiscard]] Result<Manifest> manifest_from_json(const nlohmann::json& j, std::string_view file);

/// The file's text: sorted keys, two-space indentation, final newline.
std::string format_manifest(const Manifest& m);

/// Reads `<system_dir>/manifest.json`.
[[nodiscard]] Result<Manifest> read_manifest(const std::string& system_dir);

/// Writes `<system_dir>/manifest.json` atomically.
[[nodiscard]] Result<void> write_manifest(const std::string& system_dir, const Manifest& m);

}  // namespace cairn::generations
