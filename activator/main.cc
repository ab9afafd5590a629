// cairn-activate: the initramfs's /init when it runs as PID 1 (or is
// called /init), otherwise the runtime verbs.
//
// As /init it must never return or exit: the kernel panics when PID 1 goes.
// Should the init sequence ever come back (its last step failed, or the
// reboot itself did), it keeps trying to reboot.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "activator/bless.hh"
#include "activator/stage.hh"
#include "activator/system.hh"
#include "bootloader/efivar.hh"
#include "bootloader/detect.hh"

namespace {

using namespace cairn::activator;

constexpr std::string_view kUsage =
    "usage: cairn-activate VERB\n"
    "\n"
    "As the initramfs's /init (PID 1) it boots the generation the kernel command line\n"
    "names (cairn.generation=N). On the booted system:\n"
    "\n"
    "  bless    mark the booted generation good on the boot partition (run after\n"
    "           boot-complete.target); does nothing when it is good already\n"
    "  status   list the boot entries: generation, state, default, booted\n"
    "\n"
    "Options:\n"
    "  -h, --help   show this text\n";

// The boot loader's backend, whichever wrote the boot partition
// (bootloader/detect.hh). The initramfs has no efivarfs, and marking an
// entry bad needs none; the running system passes its variables when it has
// them (status shows a LoaderEntryDefault or one-shot).
std::unique_ptr<cairn::bootloader::Backend> make_backend(bool initramfs) {
  std::string efivars(cairn::bootloader::kEfivarsDir);
  if (initramfs || ::access(efivars.c_str(), F_OK) != 0) efivars.clear();
  return std::make_unique<cairn::bootloader::DetectingBackend>(efivars);
}

[[noreturn]] void run_as_init(int argc, char** argv) {
  auto system = make_linux_system();
  try {
    auto backend = make_backend(true);
    Init init{"", *system, *backend, std::vector<std::string>(argv + 1, argv + argc)};
    run_init(init);
  } catch (const std::exception& e) {
    system->print(std::string("cairn: internal error: ") + e.what() + "; rebooting in 30 s");
    system->sleep(kRebootDelay);
  } catch (...) {
    system->print("cairn: internal error; rebooting in 30 s");
    system->sleep(kRebootDelay);
  }
  for (;;) {
    system->reboot();
    system->sleep(kRebootDelay);
  }
}

int run_verb(std::string_view verb) {
  auto system = make_linux_system();
  auto backend = make_backend(false);
  auto out = verb == "bless" ? bless("", *system, *backend) : status("", *system, *backend);
  if (!out) {
    std::fprintf(stderr, "cairn: error: %s\n", out.error().message.c_str());
    return 1;
  }
  std::fputs(verb == "bless" ? ("cairn: " + *out + "\n").c_str() : out->c_str(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view argv0 = argc > 0 ? argv[0] : "";
  if (::getpid() == 1 || argv0 == "/init") run_as_init(argc, argv);

  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (std::ranges::find(args, "-h") != args.end() || std::ranges::find(args, "--help") != args.end()) {
    std::fputs(kUsage.data(), stdout);
    return 0;
  }
  if (args.size() == 1 && (args[0] == "bless" || args[0] == "status")) return run_verb(args[0]);
  if (args.empty()) std::fprintf(stderr, "cairn: error: no verb given\n\n%s", kUsage.data());
  else if (args[0] != "bless" && args[0] != "status")
    std::fprintf(stderr, "cairn: error: unknown verb \"%s\"\n\n%s", argv[1], kUsage.data());
  else std::fprintf(stderr, "cairn: error: %s takes no arguments\n\n%s", argv[1], kUsage.data());
  return 2;
}
