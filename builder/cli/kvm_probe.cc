#include "builder/cli/kvm_probe.hh"

#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/hash.hh"
#include "base/subprocess.hh"

namespace cairn::cli {

KvmVerdict probe_kvm(const std::string& kernel, const std::string& cache_dir, int timeout) {
  int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return {false, fmt::format("/dev/kvm cannot be opened ({})", std::strerror(errno))};
  ::close(fd);
  auto sha = sha256_file(kernel);
  if (!sha) return {false, "cannot read the kernel: " + sha.error().message};
  struct utsname u{};
  ::uname(&u);
  std::string cache = cache_dir + "/kvm-probe-" + sha256_hex(*sha + "\n" + u.release).substr(0, 16);
  if (auto known = read_file(cache); known && !known->empty()) {
    bool usable = known->starts_with("usable");
    std::string why = known->substr(known->find(' ') + 1);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return {usable, why + " (remembered)"};
  }

  auto t0 = std::chrono::steady_clock::now();
  auto r = run("timeout", {std::to_string(timeout), "qemu-system-x86_64", "-accel", "kvm", "-machine", "q35", "-m",
                           "512", "-nographic", "-serial", "stdio", "-monitor", "none", "-nic", "none", "-no-reboot",
                           "-kernel", kernel, "-append", "console=ttyS0 panic=-1 rdinit=/cairn-kvm-probe"});
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  KvmVerdict v;
  if (!r) {
    v = {false, r.error().message};
  } else if (r->exit_status == 124) {
    v = {false, fmt::format("the kernel did not get far under KVM within {} s", timeout)};
  } else if (r->success() && r->out.find("Kernel panic") != std::string::npos) {
    v = {true, fmt::format("KVM booted the kernel to its root-file-system panic in {:.1f} s", secs)};
  } else {
    std::string said = r->err.empty() ? r->out : r->err;
    if (auto nl = said.find_last_not_of("\r\n"); nl != std::string::npos) said.resize(nl + 1);
    if (auto line = said.rfind('\n'); line != std::string::npos) said = said.substr(line + 1);
    v = {false, "QEMU under KVM stopped: " + said};
  }
  (void)write_file_atomic(cache, fmt::format("{} {}\n", v.usable ? "usable" : "unusable", v.why));
  return v;
}

}  // namespace cairn::cli
