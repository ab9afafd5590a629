// The kernel in a staged root: where it is, its module indexes, and the
// modules the initramfs must load to reach the root file system.
//
// Debian's kernel image package ships `boot/vmlinuz-<kver>`, the modules
// under `lib/modules/<kver>/` (usr/lib/… in the merged tree) with only
// modules.builtin, modules.builtin.modinfo and modules.order beside them,
// and on arm64 the device trees in `usr/lib/linux-image-<kver>/`. Its postinst
// runs `depmod <kver>`; cairn runs `depmod -b <root> <kver>` instead
// (run_depmod), which reads the .ko files as data and so works for another
// architecture's kernel too.
//
// The initramfs carries only the modules named in
// `boot.kernel.initrdModules` and what they need. resolve_initrd_modules()
// asks libkmod — over the staged tree's indexes and modprobe.d, never the
// build machine's — for the same list, in the same order, that
// `modprobe --show-depends` prints: a module's dependencies and `pre:`
// softdeps before it, `post:` softdeps after it. The initramfs loads them
// with plain insmod in that order (DESIGN.md §5).
//
// Paths are relative to the root ("boot/vmlinuz-6.1.0-50-amd64") or, for
// module files, to the kernel's module directory ("kernel/fs/ext4/ext4.ko").
#pragma once

#include <string>
#include <vector>

#include "base/error.hh"

namespace cairn::compose {

/// One kernel of a staged root.
struct Kernel {
  std::string version{};      ///< "6.1.0-50-amd64": the name of its module directory
  std::string vmlinuz{};      ///< "boot/vmlinuz-6.1.0-50-amd64"
  std::string modules_dir{};  ///< "usr/lib/modules/6.1.0-50-amd64"
  /// "usr/lib/linux-image-6.1.0-50-arm64", the device trees Debian's arm64
  /// kernel ships (one folder per vendor); "" when the tree has none.
  std::string dtbs_dir{};

  bool operator==(const Kernel&) const = default;
};

/// The kernels in the staged root at `root`: every usr/lib/modules/<kver>/
/// directory for which boot/vmlinuz-<kver> is a regular file, oldest first
/// (versions compared the way `ls -v` does). A module directory without its
/// vmlinuz (modules some package built for a kernel that is not installed) is
/// not a kernel and is left out. An empty list means the root has no kernel.
[[nodiscard]] Result<std::vector<Kernel>> find_kernels(const std::string& root);

/// Runs `depmod -b <root> <kver>` (kmod's depmod, found on PATH — Debian
/// keeps it in /usr/sbin, which the build's PATH must include), reading
/// depmod.d from the tree only (etc/, usr/local/lib/, usr/lib/ — never the
/// build machine's), and returns the index files it wrote, relative to the
/// root and sorted ("usr/lib/modules/<kver>/modules.dep", …). The output
/// depends only on the modules and the configuration, not on `root`'s path
/// or the time. Errors name the kernel and say what to do: a missing depmod
/// says to install kmod.
[[nodiscard]] Result<std::vector<std::string>> run_depmod(const std::string& root,
                                                          const std::string& version);

/// What the initramfs must load.
struct InitrdModules {
  /// Module files in insmod order, relative to the module directory
  /// ("kernel/drivers/virtio/virtio.ko"): each module after everything it
  /// needs, every module once (its first place wins).
  std::vector<std::string> modules{};
  /// Names of modules (requested ones or dependencies) that are built into
  /// this kernel ("virtio", "virtio_ring" on arm64): nothing to load, in the
  /// order they were met, each once.
  std::vector<std::string> builtin{};

  bool operator==(const InitrdModules&) const = default;
};

/// Resolves `names` (module names or aliases: "ext4", "virtio_pci",
/// "crypto-crc32c"; '-' and '_' are the same) against kernel `version` of
/// the staged root at `root`, whose indexes run_depmod() must have built.
/// Each name brings its dependencies and softdeps the way modprobe does it;
/// an alias brings every module it matches. The tree's modprobe.d
/// (etc/, usr/local/lib/, usr/lib/) supplies aliases and softdeps; `install`
/// commands and `options` lines are not applied (the initramfs only
/// insmods). A name that is no module, alias or built-in module of this
/// kernel is an error naming every such name and the kernel.
[[nodiscard]] Result<InitrdModules> resolve_initrd_modules(const std::string& root,
                                                           const std::string& version,
                                                           const std::vector<std::string>& names);

}  // namespace cairn::compose
