// Whether KVM can run the host's kernel here: a quick probe boot.
//
// /dev/kvm existing says little: on a cloud machine whose KVM is nested,
// Debian's kernel hangs early or QEMU stops with an emulation failure. So
// before `cairn vm` uses KVM on its own, it boots the generation's kernel
// under KVM directly (no firmware, no initramfs, panic=-1 and -no-reboot):
// reaching the panic for the missing root file system within a few seconds
// proves KVM runs this kernel; a hang or a QEMU error says it does not. The
// verdict is kept in the store, keyed by the kernel's sha256 and the build
// machine's kernel release, so only the first `cairn vm` pays for it.
#pragma once

#include <string>

namespace cairn::cli {

struct KvmVerdict {
  bool usable = false;
  std::string why;  ///< one line: "KVM booted the kernel in 1.9 s", "/dev/kvm is missing", …
};

/// Probes (or recalls) whether QEMU can boot `kernel` (a file) under KVM,
/// caching the verdict under `cache_dir`. Takes at most `timeout` seconds.
KvmVerdict probe_kvm(const std::string& kernel, const std::string& cache_dir, int timeout = 20);

}  // namespace cairn::cli
