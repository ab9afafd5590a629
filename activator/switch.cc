// The in-place switch's sequence. See switch.hh for the steps and why.
//
// The order of side effects is the contract the tests pin: nothing is
// touched until the image is known good (and, for `switch`, bootable);
// the in-progress record is on disk before the first stop; the swap
// happens between the stops and the daemon-reload; the boot default moves
// only once the activation has run (as NixOS, whose failed units also
// leave the new generation the default).
#include "activator/switch.hh"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "activator/cmdline.hh"
#include "activator/dirs.hh"
#include "activator/esp.hh"
#include "activator/manifest.hh"
#include "activator/persist.hh"
#include "activator/stage.hh"
#include "activator/unit_definitions.hh"
#include "activator/verify.hh"
#include "base/fd.hh"
#include "base/decimal.hh"
#include "base/files.hh"
#include "base/mountinfo.hh"
#include "bootloader/layout.hh"

namespace cairn::activator {

namespace {

std::string errno_text() { return std::strerror(errno); }

// The switch lock: an flock on root/run/cairn/switch.lock, held as long
// as this object lives (the kernel drops it if the process dies).
class SwitchLock {
 public:
  static Result<SwitchLock> take(const std::string& root) {
    std::string path = root + std::string(kSwitchLock);
    if (auto r = make_dir(path.substr(0, path.rfind('/'))); !r) return std::unexpected(r.error());
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd.valid()) return fail("cannot open " + path + ": " + errno_text());
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) return fail("another switch is running (" + path + " is locked)");
      return fail("cannot lock " + path + ": " + errno_text());
    }
    return SwitchLock(std::move(fd));
  }

 private:
  explicit SwitchLock(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

// Whether `path` (without the root prefix) is a mount point, per
// root/proc/self/mountinfo; false when that cannot be read.
bool is_mount_point(const std::string& root, const std::string& path) {
  auto info = read_file(root + "/proc/self/mountinfo");
  if (!info) return false;
  for (const MountInfo& m : parse_mountinfo(*info))
    if (m.mount_point == path) return true;
  return false;
}

std::optional<uint64_t> booted_generation(const std::string& root) {
  auto text = read_file(root + "/proc/cmdline");
  if (!text) return std::nullopt;
  auto cmdline = parse_cmdline(*text);
  if (!cmdline) return std::nullopt;
  return cmdline->generation;
}

// An image this switch mounted for reading: unmounted again unless kept.
class ImageMount {
 public:
  ImageMount(System& system, std::string path) : system_(&system), path_(std::move(path)) {}
  ImageMount(ImageMount&& other) noexcept : system_(other.system_), path_(std::exchange(other.path_, "")) {}
  ImageMount& operator=(ImageMount&&) = delete;
  ~ImageMount() {
    if (!path_.empty()) (void)system_->unmount(path_);
  }
  void keep() { path_.clear(); }

 private:
  System* system_;
  std::string path_;
};

// The boot partition's entries, read and unmounted again.
Result<bootloader::BootState> read_boot_state(const SwitchContext& ctx) {
  auto esp = mount_esp(ctx.root, ctx.system);
  if (!esp) return std::unexpected(esp.error());
  auto state = ctx.backend.read_state(esp->path());
  if (!state) return std::unexpected(state.error().context("reading the boot entries on " + esp->path()));
  if (auto r = esp->release(); !r) return std::unexpected(r.error());
  return state;
}

Result<void> check_boot_entry(const SwitchContext& ctx, uint64_t n) {
  auto state = read_boot_state(ctx);
  if (!state) return std::unexpected(state.error());
  if (std::ranges::find(state->entries, n, &bootloader::BootEntry::generation) == state->entries.end())
    return fail(fmt::format("generation {} has no boot entry; install it with `cairn switch` or `cairn boot` first",
                            n));
  return {};
}

Result<void> make_default(const SwitchContext& ctx, uint64_t n) {
  auto esp = mount_esp(ctx.root, ctx.system);
  if (!esp) return std::unexpected(esp.error());
  if (auto r = ctx.backend.set_default(esp->path(), n); !r)
    return std::unexpected(r.error().context(fmt::format("making generation {} the default on {}", n, esp->path())));
  return esp->release();
}

// Where generation n's image is (or will be) mounted.
std::string image_dir(const ActiveGeneration& active, std::optional<uint64_t> booted, uint64_t n) {
  if (active.generation == n) return active.image;
  if (booted == n) return std::string(kImageDir);
  return fmt::format("{}/{}", kGenerationMounts, n);
}

// A fresh overlay directory for generation n's /etc: etc-5, else etc-5.2,
// etc-5.3, … — an upper directory must never be shared with a mount that
// still exists underneath.
std::string fresh_overlay_dir(const std::string& root, uint64_t n) {
  std::string base = fmt::format("{}{}/etc-{}", root, kOverlayDir, n);
  std::string dir = base;
  for (int k = 2; ::access(dir.c_str(), F_OK) == 0; ++k) dir = fmt::format("{}.{}", base, k);
  return dir;
}

bool under_etc(const std::string& path) { return path.starts_with("/etc/"); }

// Step 6 before the daemon-reload: the new /usr, /etc, machine-id and
// persisted paths over the running root.
Result<void> swap(const SwitchContext& ctx, const std::string& image, const Manifest& manifest, uint64_t n) {
  const std::string& root = ctx.root;
  System& system = ctx.system;
  const std::string full = root + image;
  // Propagation: systemd makes every mount shared, so a bind from the
  // image's mount would join its peer group, and the next switch's mount
  // over /usr would propagate into the image, over <image>/usr — a later
  // switch back to that image would bind the wrong /usr. So the image's
  // mount is made private first and the new /usr shared in a group of its
  // own, as systemd leaves the /usr of a boot.
  if (auto r = system.mount("none", full, "", "private"); !r) return r;
  if (auto r = system.mount(full + "/usr", root + "/usr", "", "bind,ro,shared"); !r) return r;

  // Without a machine-id on the state partition, the running one lives in
  // the old /etc's upper directory, which the new overlay does not show:
  // it is carried over, or the machine would change identity mid-flight.
  std::string state = root + std::string(kStateDir);
  std::string machine_id = state + "/machine-id", target = root + "/etc/machine-id";
  const bool kept_id = ::access(machine_id.c_str(), F_OK) == 0;
  std::string running_id;
  if (!kept_id)
    if (auto t = read_file(target)) running_id = std::move(*t);

  std::string overlay = fresh_overlay_dir(root, n);
  if (auto r = make_dir(overlay + "/upper"); !r) return r;
  if (auto r = make_dir(overlay + "/work"); !r) return r;
  std::string options = "lowerdir=" + full + "/etc,upperdir=" + overlay + "/upper,workdir=" + overlay + "/work";
  if (auto r = system.mount("overlay", root + "/etc", "overlay", options); !r) return r;

  if (kept_id) {
    Fd fd(::open(target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0444));
    if (!fd.valid()) return fail("cannot create " + target + ": " + errno_text());
    if (auto r = system.mount(machine_id, target, "", "bind"); !r) return r;
  } else if (!running_id.empty()) {
    if (auto r = write_file_atomic(target, running_id); !r) return r;
    if (::chmod(target.c_str(), 0444) != 0) return fail("cannot chmod " + target + ": " + errno_text());
  }

  // /etc is new, so everything persisted under it is bound again; paths
  // elsewhere keep the bind made at boot (or by an earlier switch), and
  // only those not bound yet are bound now.
  auto wanted = [&](const std::vector<std::string>& paths) {
    std::vector<std::string> out;
    for (const std::string& p : paths)
      if (under_etc(p) || !is_mount_point(root, p)) out.push_back(p);
    return out;
  };
  PersistPlaces at{state + "/" + std::string(kPersistDir), full, root};
  return bind_persisted(at, system, wanted(manifest.persist_files), wanted(manifest.persist_directories));
}

// Words for a job result other than "done".
std::string result_words(std::string_view result) {
  if (result == "failed") return "the unit failed";
  if (result == "dependency") return "a unit it depends on failed";
  if (result == "timeout") return "it timed out";
  if (result == "canceled") return "the job was canceled";
  return fmt::format("job result \"{}\"", result);
}

// Folds the jobs an interrupted switch still owed into `plan`, for the
// units the target generation still has.
void add_owed(Plan& plan, const OwedJobs& owed, const UnitDefinitions& units) {
  auto has = [](const std::vector<PlannedUnit>& list, const std::string& unit) {
    return std::ranges::find(list, unit, &PlannedUnit::unit) != list.end();
  };
  std::string why = fmt::format("owed by the interrupted switch to generation {}", owed.to);
  auto add = [&](std::vector<PlannedUnit>& list, const std::string& unit) {
    auto def = units.find(unit);
    if (!def || def->masked || has(list, unit)) return;
    list.push_back({unit, why});
    std::ranges::sort(list, {}, &PlannedUnit::unit);
  };
  for (const std::string& u : owed.restart) add(plan.restart, u);
  for (const std::string& u : owed.reload)
    if (!has(plan.restart, u)) add(plan.reload, u);
  for (const std::string& u : owed.start)
    if (!has(plan.restart, u)) add(plan.start, u);
  std::erase_if(plan.reload, [&](const PlannedUnit& p) { return has(plan.restart, p.unit); });
  std::erase_if(plan.skipped, [&](const PlannedUnit& p) {
    return has(plan.restart, p.unit) || has(plan.reload, p.unit) || has(plan.start, p.unit);
  });
}

std::vector<std::string> unit_names(const std::vector<PlannedUnit>& list) {
  std::vector<std::string> out;
  for (const PlannedUnit& p : list) out.push_back(p.unit);
  return out;
}

// One batch of jobs from the plan: says each, queues them, sorts the
// outcomes into `done` and the report's failures.
Result<void> run_batch(const SwitchContext& ctx, JobType type, const std::vector<PlannedUnit>& list,
                       std::vector<std::string>& done, SwitchReport& report) {
  if (list.empty()) return {};
  const JobTypeInfo& info = job_type_info(type);
  std::vector<JobRequest> jobs;
  for (const PlannedUnit& p : list) {
    ctx.system.print(fmt::format("{} {} ({})", info.doing, p.unit, p.reason));
    jobs.push_back({p.unit, type, JobMode::replace});
  }
  auto outcomes = ctx.systemd->run_jobs(jobs, ctx.job_timeout);
  if (!outcomes) return std::unexpected(outcomes.error());
  for (const JobOutcome& o : *outcomes) {
    if (o.ok()) {
      done.push_back(o.unit);
      continue;
    }
    std::string message =
        o.error.empty() ? fmt::format("{} {} failed: {}", info.doing, o.unit, result_words(o.result)) : o.error;
    ctx.system.print("warning: " + message);
    report.failed.push_back({o.unit, std::move(message)});
  }
  return {};
}

// The units systemd has now, FragmentPath filled in for the ones `plan`
// acts on; `asked` says whether any was asked for.
Result<bool> add_fragment_paths(const SwitchContext& ctx, const Plan& plan, std::vector<LiveUnit>& live) {
  std::set<std::string> acted;
  for (const auto* list : {&plan.stop, &plan.restart, &plan.reload})
    for (const PlannedUnit& p : *list) acted.insert(p.unit);
  bool asked = false;
  for (LiveUnit& u : live) {
    if (!acted.contains(u.name)) continue;
    auto props = ctx.systemd->unit_properties(u.name);
    if (!props) return std::unexpected(props.error());
    u.fragment_path = props->fragment_path;
    asked = true;
  }
  return asked;
}

// The switch proper, under the lock.
Result<SwitchReport> switch_locked(const SwitchContext& ctx, SwitchAction action, uint64_t n) {
  const SwitchActionInfo& info = switch_action_info(action);
  const std::string& root = ctx.root;
  System& system = ctx.system;
  if ((info.activates || action == SwitchAction::dry_activate) && !ctx.systemd)
    return fail(fmt::format("{} needs systemd, and there is no connection to it", info.verb));
  SwitchReport report;
  report.action = action;
  report.generation = n;

  // An interrupted switch's owed jobs.
  std::optional<OwedJobs> owed;
  if (info.activates || action == SwitchAction::dry_activate) {
    std::string path = root + std::string(kSwitchInProgress);
    if (::access(path.c_str(), F_OK) == 0) {
      auto text = read_file(path);
      if (!text) return std::unexpected(text.error());
      auto parsed = parse_owed(*text);
      if (!parsed) return std::unexpected(parsed.error().context(path));
      owed = std::move(*parsed);
      report.interrupted = owed->to;
      system.print(fmt::format("the switch to generation {} was interrupted; its remaining jobs are done with this one",
                               owed->to));
    }
  }

  // Step 2: the generation is intact (and bootable, for the default).
  const std::string state = root + std::string(kStateDir) + "/";
  std::string what = fmt::format("generation {}", n);
  auto manifest = read_manifest(state + bootloader::generation_manifest(n));
  if (!manifest) return std::unexpected(manifest.error().context(what));
  auto check = check_image(state + bootloader::generation_image(n), *manifest, state + generation_marker(n));
  if (!check) return std::unexpected(check.error().context(what));
  if (!check->warning.empty()) system.print("warning: " + check->warning + ", ignoring");
  if (info.makes_default)
    if (auto r = check_boot_entry(ctx, n); !r) return std::unexpected(r.error());

  if (action == SwitchAction::boot) {
    if (auto r = make_default(ctx, n); !r) return std::unexpected(r.error());
    report.made_default = true;
    return report;
  }

  // Step 3: the image, mounted.
  auto active = read_active(root);
  if (!active) return std::unexpected(active.error());
  report.previous = active->generation;
  const bool same = active->generation == n;
  const std::string image = image_dir(*active, booted_generation(root), n);
  std::optional<ImageMount> mounted;
  if (!same && image != kImageDir && !is_mount_point(root, image)) {
    auto loop = system.attach_loop(root, state + bootloader::generation_image(n));
    if (!loop) return std::unexpected(loop.error().context(what));
    if (auto r = make_dir(root + image); !r) return std::unexpected(r.error());
    if (auto r = system.mount(root + *loop, root + image, "squashfs", "ro"); !r)
      return std::unexpected(r.error().context(what));
    mounted.emplace(system, root + image);
  }

  // Step 4: the plan.
  auto old_units = UnitDefinitions::read(root + active->image);
  if (!old_units)
    return std::unexpected(old_units.error().context(fmt::format("reading generation {}'s units", active->generation)));
  std::optional<UnitDefinitions> read_new;
  if (!same) {
    auto r = UnitDefinitions::read(root + image);
    if (!r) return std::unexpected(r.error().context(fmt::format("reading generation {}'s units", n)));
    read_new = std::move(*r);
  }
  const UnitDefinitions& new_units = same ? *old_units : *read_new;

  auto listed = ctx.systemd->list_units();
  if (!listed) return std::unexpected(listed.error());
  std::vector<LiveUnit> live;
  for (const UnitStatus& u : *listed) live.push_back({u.name, u.active_state, u.sub_state, ""});

  KernelVersions kernels{system.kernel_release(), manifest->kernel_version};
  if (kernels.running.empty()) {
    if (auto old = read_manifest(state + bootloader::generation_manifest(active->generation)))
      kernels.running = old->kernel_version;
  }
  if (kernels.next.empty() || kernels.running.empty()) kernels.next = kernels.running;  // cannot tell

  Plan plan = plan_switch(*old_units, new_units, live, kernels);
  auto asked = add_fragment_paths(ctx, plan, live);
  if (!asked) return std::unexpected(asked.error());
  if (*asked) plan = plan_switch(*old_units, new_units, live, kernels);
  if (owed) add_owed(plan, *owed, new_units);
  if (same) plan.daemon_reload = plan.daemon_reload || owed.has_value();
  report.plan = plan;
  report.skipped = unit_names(plan.skipped);

  if (action == SwitchAction::dry_activate) {
    for (const std::string& line : describe_plan(plan)) system.print(line);
    return report;  // `mounted` unmounts the image again
  }
  if (mounted) mounted->keep();

  // Step 5: the record of owed jobs, then the stops.
  std::string again = fmt::format("; run `cairn-activate {} {}` again to finish", info.verb, n);
  OwedJobs record{n, active->generation, unit_names(plan.reload), unit_names(plan.restart), unit_names(plan.start)};
  if (auto r = write_file_atomic(root + std::string(kSwitchInProgress), format_owed(record)); !r)
    return std::unexpected(r.error());
  if (auto r = run_batch(ctx, JobType::stop, plan.stop, report.stopped, report); !r)
    return fail(r.error().message + again);
  for (const PlannedUnit& p : plan.skipped) system.print(fmt::format("leaving {} alone ({})", p.unit, p.reason));

  // Step 6: the swap.
  if (same) {
    system.print(fmt::format("generation {} is active already", n));
  } else {
    system.print(fmt::format("mounting generation {} over /usr and /etc", n));
    if (auto r = swap(ctx, image, *manifest, n); !r) return fail(r.error().context("swapping /usr and /etc").message + again);
    if (auto r = write_file_atomic(root + std::string(kActiveRecord), format_active({n, image})); !r)
      return fail(r.error().message + again);
  }
  report.activated = true;
  if (!same || plan.daemon_reload) {
    system.print("reloading systemd");
    if (auto r = ctx.systemd->daemon_reload(); !r) return fail(r.error().message + again);
  }

  // What the new generation's tmpfiles.d files make — its packages' /var
  // directories among them — before its services start, as NixOS's switch
  // does (systemd-tmpfiles-resetup.service). Not --remove: Debian's tmp.conf
  // would empty /tmp under the running programs; that is left to boot.
  if (!same) {
    std::vector<std::string> args{"--create", "--exclude-prefix=/dev"};
    if (!root.empty() && root != "/") args.push_back("--root=" + root);
    if (auto r = system.run(root + "/usr/bin/systemd-tmpfiles", args); !r)
      system.print("warning: " + r.error().message + ", ignoring");
  }

  // Step 7: the jobs after the swap.
  if (auto r = run_batch(ctx, JobType::reload, plan.reload, report.reloaded, report); !r)
    return fail(r.error().message + again);
  if (auto r = run_batch(ctx, JobType::restart, plan.restart, report.restarted, report); !r)
    return fail(r.error().message + again);
  if (auto r = run_batch(ctx, JobType::start, plan.start, report.started, report); !r)
    return fail(r.error().message + again);

  // A started service may fail after its job ended (Type=simple).
  if (!report.started.empty() || !report.restarted.empty()) {
    auto failed = ctx.systemd->list_failed_units();
    if (!failed) return fail(failed.error().message + again);
    for (const UnitStatus& u : *failed) {
      bool ours = std::ranges::find(report.started, u.name) != report.started.end() ||
                  std::ranges::find(report.restarted, u.name) != report.restarted.end();
      bool known = std::ranges::find(report.failed, u.name, &UnitFailure::unit) != report.failed.end();
      if (!ours || known) continue;
      std::string message = fmt::format("{} failed after it started", u.name);
      system.print("warning: " + message);
      report.failed.push_back({u.name, message});
    }
  }

  // Step 8.
  if (::unlink((root + std::string(kSwitchInProgress)).c_str()) != 0 && errno != ENOENT)
    return fail(fmt::format("cannot remove {}{}: {}", root, kSwitchInProgress, errno_text()));
  if (info.makes_default) {
    if (auto r = make_default(ctx, n); !r) return std::unexpected(r.error());
    report.made_default = true;
  }
  return report;
}

std::string list_words(const std::vector<std::string>& units) {
  std::string out;
  for (const std::string& u : units) out += (out.empty() ? "" : ", ") + u;
  return out;
}

}  // namespace

Result<ActiveGeneration> read_active(const std::string& root) {
  std::string path = root + std::string(kActiveRecord);
  if (::access(path.c_str(), F_OK) == 0) {
    auto text = read_file(path);
    if (!text) return std::unexpected(text.error());
    auto active = parse_active(*text);
    if (!active) return std::unexpected(active.error().context(path));
    return active;
  }
  auto booted = booted_generation(root);
  if (!booted)
    return fail(fmt::format("not booted through a cairn entry (no {}= on the kernel command line, no {})",
                            bootloader::kGenerationParam, kActiveRecord));
  return ActiveGeneration{*booted, std::string(kImageDir)};
}

Result<SwitchReport> run_switch(const SwitchContext& ctx, SwitchAction action, uint64_t n) {
  auto lock = SwitchLock::take(ctx.root);
  if (!lock) return std::unexpected(lock.error());
  return switch_locked(ctx, action, n);
}

Result<std::vector<uint64_t>> installed_generations(const std::string& root) {
  std::string dir = root + std::string(kStateDir) + "/generations";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return fail("cannot open " + dir + ": " + errno_text());
  std::vector<uint64_t> out;
  while (struct dirent* e = ::readdir(d)) {
    auto n = parse_decimal<uint64_t>(e->d_name);
    if (!n) continue;
    std::string state = root + std::string(kStateDir) + "/";
    if (::access((state + bootloader::generation_manifest(*n)).c_str(), F_OK) == 0 &&
        ::access((state + bootloader::generation_image(*n)).c_str(), F_OK) == 0)
      out.push_back(*n);
  }
  ::closedir(d);
  std::ranges::sort(out);
  return out;
}

Result<uint64_t> rollback_target(const std::vector<uint64_t>& installed, const bootloader::BootState& state,
                                 uint64_t current) {
  std::optional<uint64_t> best;
  for (uint64_t n : installed) {
    if (n >= current || (best && n <= *best)) continue;
    auto entry = std::ranges::find(state.entries, n, &bootloader::BootEntry::generation);
    if (entry == state.entries.end() || entry->state() == bootloader::EntryState::bad) continue;
    best = n;
  }
  if (!best)
    return fail(fmt::format("no generation before {} to roll back to (installed, with a boot entry, not bad)",
                            current));
  return *best;
}

Result<SwitchReport> run_rollback(const SwitchContext& ctx, bool now) {
  auto lock = SwitchLock::take(ctx.root);
  if (!lock) return std::unexpected(lock.error());
  auto active = read_active(ctx.root);
  if (!active) return std::unexpected(active.error());
  auto state = read_boot_state(ctx);
  if (!state) return std::unexpected(state.error());
  auto installed = installed_generations(ctx.root);
  if (!installed) return std::unexpected(installed.error());
  uint64_t current = std::max(active->generation, state->default_entry.value_or(0));
  auto target = rollback_target(*installed, *state, current);
  if (!target) return std::unexpected(target.error());
  ctx.system.print(fmt::format("rolling back from generation {} to generation {}", current, *target));
  return switch_locked(ctx, now ? SwitchAction::switch_now : SwitchAction::boot, *target);
}

std::vector<std::string> describe_plan(const Plan& plan) {
  std::vector<std::string> out;
  auto add = [&](std::string_view verb, const std::vector<PlannedUnit>& list) {
    for (const PlannedUnit& p : list) out.push_back(fmt::format("would {} {} ({})", verb, p.unit, p.reason));
  };
  add("stop", plan.stop);
  add("leave alone", plan.skipped);
  if (plan.daemon_reload) out.push_back("would reload systemd");
  add("reload", plan.reload);
  add("restart", plan.restart);
  add("start", plan.start);
  if (out.empty()) out.push_back("would change no unit");
  for (const std::string& why : plan.reboot_reasons) out.push_back("would need a reboot: " + why);
  return out;
}

std::string summary_line(const SwitchReport& r) {
  std::string out;
  uint64_t n = r.generation;
  switch (r.action) {
    case SwitchAction::boot:
      return fmt::format("generation {} is the default from the next boot", n);
    case SwitchAction::dry_activate:
      out = fmt::format("dry run for generation {}, nothing changed: would stop {}, start {}, restart {}, reload {}, "
                        "leave alone {}",
                        n, r.plan.stop.size(), r.plan.start.size(), r.plan.restart.size(), r.plan.reload.size(),
                        r.plan.skipped.size());
      break;
    case SwitchAction::switch_now:
    case SwitchAction::test:
      out = fmt::format("generation {} is active{}: {} stopped, {} started, {} restarted, {} reloaded, {} skipped, {} "
                        "failed",
                        n, r.made_default ? " and the default" : " until the next boot", r.stopped.size(),
                        r.started.size(), r.restarted.size(), r.reloaded.size(), r.skipped.size(), r.failed.size());
      if (!r.failed.empty()) {
        std::vector<std::string> names;
        for (const UnitFailure& f : r.failed) names.push_back(f.unit);
        out += " (" + list_words(names) + ")";
      }
      break;
  }
  if (!r.plan.reboot_reasons.empty())
    out += std::string(r.action == SwitchAction::dry_activate ? "; a reboot would be needed: " : "; reboot to finish: ") +
           list_words(r.plan.reboot_reasons);
  return out;
}

}  // namespace cairn::activator
