// `cairn vm --host NAME [--kvm|--tcg] [--check] [--timeout S] [--memory MB]`:
// build the host's disk image and boot it in QEMU, the serial console on
// this terminal: an x86_64 host through OVMF (UEFI) and systemd-boot, an
// aarch64 host on QEMU's "virt" board (cortex-a72) through U-Boot
// (u-boot-qemu) and its extlinux menu.
//
// Acceleration: --kvm or --tcg decide. Otherwise KVM is used only when a
// quick probe boot of the generation's kernel under KVM succeeds
// (kvm_probe.hh): on this class of machine /dev/kvm exists but its nested
// virtualization cannot run Debian's kernel, so TCG (emulation) is the
// fallback. An aarch64 guest on an x86_64 machine is always emulated. The
// disk is the image itself (changes persist: bless, boot counters, state),
// in the working directory as NAME.img unless -o says otherwise; OVMF's
// variables live beside it as NAME.vars.
//
// --check boots headless and exits 0 as soon as the console shows that
// multi-user.target was reached, non-zero with the console's last lines
// when the machine stops or --timeout passes first.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "base/subprocess.hh"
#include "builder/cli/build.hh"
#include "builder/cli/image.hh"
#include "builder/cli/kvm_probe.hh"
#include "builder/cli/verbs.hh"
#include "builder/debian/store.hh"

namespace cairn::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kOvmfCode = "/usr/share/OVMF/OVMF_CODE_4M.fd";
constexpr const char* kOvmfVars = "/usr/share/OVMF/OVMF_VARS_4M.fd";
constexpr const char* kUbootArm64 = "/usr/lib/u-boot/qemu_arm64/u-boot.bin";

struct VmOptions {
  ImageOptions image;
  bool kvm = false;
  bool tcg = false;
  bool check = false;
  int timeout = 600;
  int memory = 1024;
};

// The QEMU program and its arguments for the machine.
std::vector<std::string> qemu_args(const VmOptions& opts, bool arm, bool kvm, const std::string& disk,
                                   const std::string& vars) {
  std::vector<std::string> args;
  if (arm)
    args = {"qemu-system-aarch64", "-machine", "virt", "-cpu", "cortex-a72", "-bios", kUbootArm64};
  else
    args = {"qemu-system-x86_64", "-machine", "q35",
            "-drive", fmt::format("if=pflash,format=raw,unit=0,readonly=on,file={}", kOvmfCode),
            "-drive", fmt::format("if=pflash,format=raw,unit=1,file={}", vars)};
  for (const std::string& a : {std::string("-m"), std::to_string(opts.memory), std::string("-smp"), std::string("2"),
                               std::string("-nographic"), std::string("-serial"), std::string("stdio"),
                               std::string("-monitor"), std::string("none"), std::string("-drive"),
                               fmt::format("file={},if=virtio,format=raw", disk), std::string("-nic"),
                               std::string("none"), std::string("-accel"), std::string(kvm ? "kvm" : "tcg")})
    args.push_back(a);
  return args;
}

// Runs QEMU with the console on a pipe until `done` shows up (0), QEMU
// ends (1), or the timeout passes (2); the last lines are kept.
int watch(const std::vector<std::string>& args, int timeout, std::deque<std::string>& last) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return 1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
  std::string line;
  int status = 1;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      status = 2;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000))) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;  // QEMU ended
    bool reached = false;
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == '\n') {
        if (line.find("Reached target") != std::string::npos && line.find("Multi-User System") != std::string::npos)
          reached = true;
        last.push_back(line);
        if (last.size() > 30) last.pop_front();
        line.clear();
      } else if (buf[i] != '\r') {
        line += buf[i];
      }
    }
    if (reached) {
      status = 0;
      break;
    }
  }
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  ::close(out[0]);
  return status;
}

int run_vm(const VmOptions& opts) {
  ImageOptions io = opts.image;
  if (io.output.empty()) io.output = io.host + ".img";
  if (io.size.empty()) io.size = "2G";
  auto image = make_host_image(io);
  if (!image) return report_build_error(image.error()), 1;
  const bool arm = image->architecture == "arm64";
  if (!arm && image->architecture != "amd64")
    return report_error(fmt::format("{} is built for {}; cairn vm runs amd64 and arm64 hosts", io.host,
                                    image->architecture)), 1;
  // OVMF's variables live beside the disk image.
  std::string vars = (fs::path(image->path).parent_path() / (io.host + ".vars")).string();
  if (arm) {
    if (!fs::exists(kUbootArm64))
      return report_error(fmt::format("{} is missing: install the u-boot-qemu package", kUbootArm64)), 1;
  } else {
    if (!fs::exists(kOvmfCode))
      return report_error(fmt::format("{} is missing: install the ovmf package", kOvmfCode)), 1;
    std::error_code ec;
    fs::copy_file(kOvmfVars, vars, fs::copy_options::overwrite_existing, ec);
    if (ec) return report_error(fmt::format("copying {}: {}", kOvmfVars, ec.message())), 1;
  }
  // KVM when asked for, or when it runs this kernel here (x86_64 guests on
  // an x86_64 machine only).
  bool kvm = opts.kvm;
  std::string accel_why = "asked for";
  if (!opts.kvm && !opts.tcg) {
#if defined(__x86_64__)
    if (arm) {
      accel_why = "an aarch64 guest on an x86_64 machine";
    } else {
      std::string cache = debian::Store::default_root(io.store).value_or(fs::temp_directory_path().string());
      KvmVerdict v = probe_kvm(image->kernel, cache);
      kvm = v.usable;
      accel_why = v.why;
    }
#else
    accel_why = "no KVM probe on this architecture";
#endif
  }
  std::vector<std::string> args = qemu_args(opts, arm, kvm, image->path, vars);
  std::cerr << fmt::format("cairn: booting {} under {} ({})", image->path, kvm ? "KVM" : "TCG", accel_why)
            << (opts.check ? "" : "; quit: Ctrl-A X") << std::endl;
  if (!opts.check) {
    std::vector<std::string> interactive = args;
    for (auto& a : interactive)
      if (a == "stdio") a = "mon:stdio";
    std::vector<char*> argv;
    for (std::string& a : interactive) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    return report_error(fmt::format("cannot run {}: {}; install {}", args[0], std::strerror(errno),
                                    arm ? "qemu-system-arm" : "qemu-system-x86")), 1;
  }
  std::deque<std::string> last;
  auto t0 = std::chrono::steady_clock::now();
  int status = watch(args, opts.timeout, last);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (status == 0) {
    std::cerr << fmt::format("cairn: {} reached multi-user.target in {:.1f} s", io.host, secs) << std::endl;
    return 0;
  }
  std::cerr << fmt::format("cairn: error: {} did not reach multi-user.target ({}); the console's last lines:",
                           io.host, status == 2 ? fmt::format("no sign of it within {} s", opts.timeout) : "QEMU stopped")
            << std::endl;
  for (const std::string& l : last) std::cerr << "  " << l << '\n';
  return 1;
}

}  // namespace

void register_vm(CLI::App& app, VerbResult& run) {
  auto opts = std::make_shared<VmOptions>();
  CLI::App* cmd = app.add_subcommand("vm", "Build a host's disk image and boot it in QEMU (UEFI, serial console)");
  cmd->add_option("--host", opts->image.host, "The host (a directory under hosts/)")->required()->type_name("NAME");
  cmd->add_option("-o,--output", opts->image.output, "The disk image (default: NAME.img)")->type_name("FILE");
  cmd->add_option("--size", opts->image.size, "The disk's size (default: 2G)")->type_name("SIZE");
  cmd->add_option("--store", opts->image.store, "The store (default: $XDG_CACHE_HOME/cairn)")->type_name("DIR");
  cmd->add_flag("--kvm", opts->kvm, "Use KVM (default: only when a quick probe boot under KVM succeeds)");
  cmd->add_flag("--tcg", opts->tcg, "Emulate (TCG) without probing KVM")->excludes("--kvm");
  cmd->add_flag("--check", opts->check, "Boot headless; exit 0 once multi-user.target is reached");
  cmd->add_option("--timeout", opts->timeout, "With --check: seconds to wait (default: 600)")->type_name("S");
  cmd->add_option("--memory", opts->memory, "Memory in MiB (default: 1024)")->type_name("MB");
  cmd->callback([opts, &run] { run = [opts] { return run_vm(*opts); }; });
}

}  // namespace cairn::cli
