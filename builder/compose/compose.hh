// Compose: from a host's closure and its unpacked packages to the
// generation's root tree — the passes in order, over one RootTree:
//
//   packages      every package's entries, moved to merged /usr, through
//                 the diversions its maintainer scripts declare
//   scripts       what the maintainer scripts would have done, read from them
//   users         passwd, group, shadow, gshadow (base-passwd, sysusers.d,
//                 the scripts' system accounts, users.users/groups)
//   etc           the closure's /etc files and the per-generation ones
//                 (os-release, machine-id, fstab, PAM, nsswitch, shells)
//   alternatives  /etc/alternatives from update-alternatives --install lines
//   units         enablement links from config and [Install] sections
//   dpkg, /var    the dpkg database of the generation's packages, and what
//                 they ship under var/ moved to the factory that
//                 systemd-tmpfiles seeds /var from (factory_var.hh)
//   stage         the tree written into the staging directory
//   caches        depmod and the initramfs module list, ld.so.cache, hwdb.bin,
//                 the CA bundle — each with the tools' output adopted into
//                 the tree
//
// Nothing runs a package's code, so the build is the same for another
// architecture.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.hh"
#include "base/timings.hh"
#include "builder/compose/scripts.hh"
#include "builder/compose/tree.hh"
#include "builder/compose/users.hh"
#include "images/squashfs.hh"

namespace cairn::compose {

/// A file from the build machine placed into the image (cairn's own
/// programs, such as the activator at usr/lib/cairn/cairn-activate).
struct ExtraFile {
  std::string path;    ///< tree path
  std::string source;  ///< absolute path on the build machine
  uint32_t mode = 0755;
};

struct ComposeInput {
  const nlohmann::json* closure = nullptr;  ///< the host's closure (modules/closure.nix)
  std::vector<PackageDir> packages;         ///< unpacked packages, sorted by name
  uint64_t generation = 0;                  ///< the number being built (os-release IMAGE_VERSION)
  PreviousIds previous;                     ///< ids the previous generation allocated
  /// An empty directory: the root is staged here for the tools and the image.
  std::string staging;
  /// Where depmod's and systemd-hwdb's outputs are kept for the next build
  /// (derived_cache.hh); "" = run them every time.
  std::string cache_dir;
  /// Added after the packages, before the generated /etc.
  std::vector<ExtraFile> extra_files;
};

struct ComposedSystem {
  RootTree tree;
  UserDb users;
  std::vector<PackageScripts> scripts;  ///< per package, sorted by name
  std::string kernel_version;           ///< "" when the system has no kernel
  std::string kernel_package;
  std::string kernel_path;              ///< tree path of the kernel image ("boot/vmlinuz-…")
  std::vector<std::string> initrd_modules;  ///< relative to usr/lib/modules/<version>/, load order
  std::map<std::string, std::string> alternatives;  ///< name → chosen path
  std::vector<std::string> warnings;    ///< non-fatal findings, for the user
};

[[nodiscard]] Result<ComposedSystem> compose_system(const ComposeInput& input, Passes& passes);

/// One pseudo-file entry per tree entry: owner, mode, and the devices and
/// fifos that are not on disk.
std::vector<images::PseudoEntry> pseudo_entries(const RootTree& tree);

/// The manifest's digests: every entry under etc/ ("sha256:<hex>",
/// "symlink:<target>", "dir"), and every unit's definition (its file plus
/// drop-ins, from etc/ and usr/lib/) as one sha256.
[[nodiscard]] Result<std::map<std::string, std::string>> etc_digests(const RootTree& tree);
[[nodiscard]] Result<std::map<std::string, std::string>> unit_digests(const RootTree& tree);

}  // namespace cairn::compose
