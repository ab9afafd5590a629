// cairn-activate: the initramfs's /init when it runs as PID 1 (or is
// called /init), otherwise the runtime verbs.
//
// As /init it must never return or exit: the kernel panics when PID 1 goes.
// Should the init sequence ever come back (its last step failed, or the
// reboot itself did), it keeps trying to reboot.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "activator/bless.hh"
#include "activator/stage.hh"
#include "activator/switch.hh"
#include "activator/system.hh"
#include "activator/systemd_bus.hh"
#include "base/decimal.hh"
#include "bootloader/efivar.hh"
#include "bootloader/detect.hh"

namespace {

using namespace cairn::activator;

constexpr std::string_view kUsage =
    "usage: cairn-activate VERB [ARGS]\n"
    "\n"
    "As the initramfs's /init (PID 1) it boots the generation the kernel command line\n"
    "names (cairn.generation=N). On the booted system:\n"
    "\n"
    "  bless               mark the booted generation good on the boot partition (run\n"
    "                      after boot-complete.target); does nothing when it is good already\n"
    "  status              list the boot entries: generation, state, default, booted\n"
    "  switch N            activate installed generation N now and make it the default\n"
    "  test N              activate generation N now; the default stays (a reboot returns)\n"
    "  boot N              make generation N the default from the next boot\n"
    "  dry-activate N      print what switching to generation N would do, changing nothing\n"
    "  rollback [--now]    make the generation before the current one the default;\n"
    "                      with --now, switch to it as well\n"
    "\n"
    "Options:\n"
    "  --dry-run    with switch, test or boot: as dry-activate\n"
    "  -h, --help   show this text\n"
    "\n"
    "Exit status: 0 done, 1 error, 2 usage, 4 some unit failed (the switch itself was made).\n";

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

// switch, test, boot, dry-activate and rollback: one line per action as
// it happens, then the summary.
int run_switch_verb(std::string_view verb, const std::vector<std::string_view>& rest) {
  bool dry_run = false, now = false;
  std::optional<uint64_t> generation;
  for (std::string_view a : rest) {
    std::optional<uint64_t> n = cairn::parse_decimal<uint64_t>(a);
    if (a == "--dry-run" && verb != "rollback") {
      dry_run = true;
    } else if (a == "--now" && verb == "rollback") {
      now = true;
    } else if (verb != "rollback" && !generation && n) {
      generation = n;
    } else {
      std::fprintf(stderr, "cairn: error: %.*s: unexpected argument \"%.*s\"\n\n%s", int(verb.size()), verb.data(),
                   int(a.size()), a.data(), kUsage.data());
      return 2;
    }
  }
  if (verb != "rollback" && !generation) {
    std::fprintf(stderr, "cairn: error: %.*s: which generation? (a number)\n\n%s", int(verb.size()), verb.data(),
                 kUsage.data());
    return 2;
  }
  SwitchAction action = SwitchAction::dry_activate;
  for (const SwitchActionInfo& info : switch_actions)
    if (info.verb == verb) action = info.action;
  if (dry_run) action = SwitchAction::dry_activate;
  bool needs_systemd = verb == "rollback" ? now : action != SwitchAction::boot;

  auto system = make_linux_system();
  auto backend = make_backend(false);
  std::unique_ptr<Systemd> systemd;
  if (needs_systemd) {
    auto connected = connect_systemd();
    if (!connected) {
      std::fprintf(stderr, "cairn: error: %s\n", connected.error().message.c_str());
      return 1;
    }
    systemd = std::move(*connected);
  }
  SwitchContext ctx{"", *system, *backend, systemd.get()};
  auto report = verb == "rollback" ? run_rollback(ctx, now) : run_switch(ctx, action, *generation);
  if (!report) {
    std::fprintf(stderr, "cairn: error: %s\n", report.error().message.c_str());
    return 1;
  }
  std::printf("%s\n", summary_line(*report).c_str());
  return report->exit_status();
}

bool is_switch_verb(std::string_view verb) {
  return verb == "rollback" || std::ranges::any_of(switch_actions, [&](const auto& a) { return a.verb == verb; });
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
  if (!args.empty() && is_switch_verb(args[0])) return run_switch_verb(args[0], {args.begin() + 1, args.end()});
  if (args.empty()) std::fprintf(stderr, "cairn: error: no verb given\n\n%s", kUsage.data());
  else if (args[0] != "bless" && args[0] != "status")
    std::fprintf(stderr, "cairn: error: unknown verb \"%s\"\n\n%s", argv[1], kUsage.data());
  else std::fprintf(stderr, "cairn: error: %s takes no arguments\n\n%s", argv[1], kUsage.data());
  return 2;
}
