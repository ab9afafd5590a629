// The in-place switch against fakes: a temporary root holding the state
// partition (generations 3, 4 and 5), the booted generation 4's image at
// /run/cairn/image and generation 5's at /run/cairn/generations/5 (as if
// mounted: the fake System only records mounts), the fake systemd and the
// fake boot loader. One timeline — the System's log with systemd's calls
// woven in — shows the order of every side effect.
#include "activator/switch.hh"

#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "activator/fakes_test.hh"
#include "activator/systemd_fake_test.hh"
#include "base/files.hh"
#include "base/hash.hh"

namespace cairn::activator {
namespace {

using testing::FakeBackend;
using testing::FakeSystem;
using testing::FakeSystemd;
using testing::FakeUnit;
using testing::TempDir;
using Lines = std::vector<std::string>;

const BlockDevice kEsp{"/dev/vda1", "254:1", {{"TYPE", "vfat"}, {"LABEL", "ESP"}}};

// Forwards to the fake systemd and writes each of its calls into the
// System's log, prefixed "systemd ", so that one list shows the order.
class TimelineSystemd final : public Systemd {
 public:
  TimelineSystemd(FakeSystemd& sd, Lines& log) : sd_(sd), log_(log) {}
  Result<std::vector<UnitStatus>> list_units() override { return copy(sd_.list_units()); }
  Result<std::vector<UnitStatus>> list_failed_units() override { return copy(sd_.list_failed_units()); }
  Result<UnitProperties> unit_properties(const std::string& unit) override { return copy(sd_.unit_properties(unit)); }
  Result<void> daemon_reload() override { return copy(sd_.daemon_reload()); }
  Result<void> reset_failed(const std::string& unit) override { return copy(sd_.reset_failed(unit)); }
  Result<std::vector<JobOutcome>> run_jobs(const std::vector<JobRequest>& jobs, double timeout) override {
    return copy(sd_.run_jobs(jobs, timeout));
  }

 private:
  template <class T>
  T copy(T result) {
    for (; seen_ < sd_.calls.size(); ++seen_) log_.push_back("systemd " + sd_.calls[seen_]);
    return result;
  }
  FakeSystemd& sd_;
  Lines& log_;
  size_t seen_ = 0;
};

// A System whose overlay mount over root/etc shows the lower directory's
// files, as the kernel's would: what the old /etc held is out of view.
class OverlayingSystem final : public System {
 public:
  OverlayingSystem(FakeSystem& fake, std::string root) : fake_(fake), root_(std::move(root)) {}
  Result<void> mount(const std::string& source, const std::string& target, const std::string& type,
                     const std::string& options) override {
    auto r = fake_.mount(source, target, type, options);
    if (r && type == "overlay" && target == root_ + "/etc") {
      std::string lower = options.substr(9, options.find(',') - 9);  // after "lowerdir="
      std::filesystem::remove_all(target);
      std::filesystem::copy(lower, target, std::filesystem::copy_options::recursive |
                                               std::filesystem::copy_options::copy_symlinks);
    }
    return r;
  }
  Result<void> move_mount(const std::string& f, const std::string& t) override { return fake_.move_mount(f, t); }
  Result<void> unmount(const std::string& t) override { return fake_.unmount(t); }
  Result<void> load_module(const std::string& p) override { return fake_.load_module(p); }
  Result<std::vector<BlockDevice>> block_devices(const std::string& r) override { return fake_.block_devices(r); }
  Result<std::string> attach_loop(const std::string& r, const std::string& i) override {
    return fake_.attach_loop(r, i);
  }
  Result<Growth> grow_partition(const std::string& r, const std::string& d) override {
    return fake_.grow_partition(r, d);
  }
  Result<Growth> grow_filesystem(const std::string& r, const std::string& d, const std::string& m) override {
    return fake_.grow_filesystem(r, d, m);
  }
  std::string kernel_release() override { return fake_.kernel_release(); }
  double now() override { return fake_.now(); }
  void sleep(double s) override { fake_.sleep(s); }
  void print(std::string_view line) override { fake_.print(line); }
  Result<void> switch_root(const std::string& r, const std::string& n, const std::vector<std::string>& a) override {
    return fake_.switch_root(r, n, a);
  }
  void run_shell(const std::string& p, const std::vector<std::string>& a) override { fake_.run_shell(p, a); }
  Result<void> run(const std::string& p, const std::vector<std::string>& a) override { return fake_.run(p, a); }
  void reboot() override { fake_.reboot(); }

 private:
  FakeSystem& fake_;
  std::string root_;
};

FakeUnit running(std::string id, std::string fragment = "") {
  FakeUnit u;
  u.active_state = "active";
  u.sub_state = "running";
  u.invocation_id = std::move(id);
  u.fragment_path = std::move(fragment);
  return u;
}

std::string unit_file(const std::string& name) { return "/usr/lib/systemd/system/" + name; }

class SwitchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    system_.devices = {kEsp};
    root_.write("proc/cmdline", "console=ttyS0 cairn.generation=4\n");
    // /srv is bound already (at boot); /data is not.
    root_.write("proc/self/mountinfo", "36 35 254:2 /persist/srv /srv rw,relatime - ext4 /dev/vda2 rw\n");
    root_.write("run/cairn/state/machine-id", "0123456789abcdef0123456789abcdef\n");
    root_.mkdir("usr");
    root_.mkdir("etc");
    install(3, "");
    install(4, "");
    install(5, R"(, "kernel": {"version": "6.1.0-test"},
        "persist": {"files": ["/etc/ssh/ssh_host_ed25519_key"], "directories": ["/srv", "/data"]})");

    // Generation 4 (booted): same, changed, old, reloader, onestep.
    // Generation 5: same unchanged, changed's ExecStart changed, old gone,
    // reloader's reload triggers changed, onestep changed but restarted in
    // one step, generated changed (but systemd has it from a generator),
    // new added and wanted by multi-user.target.
    std::string old_image = "run/cairn/image/", new_image = "run/cairn/generations/5/";
    for (const std::string& image : {old_image, new_image}) {
      unit(image, "multi-user.target", "[Unit]\nDescription=Multi-User System\n");
      unit(image, "same.service", "[Service]\nExecStart=/usr/bin/same\n");
      wants(image, "same.service");
      root_.write(image + "etc/hostname", "vm\n");
    }
    unit(old_image, "changed.service", "[Service]\nExecStart=/usr/bin/changed --old\n");
    unit(new_image, "changed.service", "[Service]\nExecStart=/usr/bin/changed --new\n");
    unit(old_image, "old.service", "[Service]\nExecStart=/usr/bin/old\n");
    unit(old_image, "reloader.service", "[Unit]\nX-Reload-Triggers=a\n[Service]\nExecStart=/usr/bin/r\n");
    unit(new_image, "reloader.service", "[Unit]\nX-Reload-Triggers=b\n[Service]\nExecStart=/usr/bin/r\n");
    unit(old_image, "onestep.service", "[Service]\nX-StopIfChanged=false\nExecStart=/usr/bin/o 1\n");
    unit(new_image, "onestep.service", "[Service]\nX-StopIfChanged=false\nExecStart=/usr/bin/o 2\n");
    unit(old_image, "generated.service", "[Service]\nExecStart=/usr/bin/g 1\n");
    unit(new_image, "generated.service", "[Service]\nExecStart=/usr/bin/g 2\n");
    unit(new_image, "new.service", "[Service]\nExecStart=/usr/bin/new\n");
    for (const char* u : {"changed.service", "old.service", "reloader.service", "onestep.service"}) {
      wants(old_image, u);
      if (std::string(u) != "old.service") wants(new_image, u);
    }
    wants(new_image, "new.service");

    sd_.units["multi-user.target"] = running("", unit_file("multi-user.target"));
    for (const char* u : {"same.service", "changed.service", "old.service", "reloader.service", "onestep.service"})
      sd_.units[u] = running(std::string(u) + "-0", unit_file(u));
    sd_.units["generated.service"] = running("g-0", "/run/systemd/generator/generated.service");
    sd_.after_daemon_reload["old.service"] = std::nullopt;
    FakeUnit fresh;
    fresh.fragment_path = unit_file("new.service");
    sd_.after_daemon_reload["new.service"] = fresh;

    // The boot loader: 5 installed as a trial, 4 good and the default, 3 good.
    backend_.state.entries = {FakeBackend::entry(5, 3), FakeBackend::entry(4, std::nullopt),
                              FakeBackend::entry(3, std::nullopt)};
    backend_.state.default_entry = 4;
  }

  void install(uint64_t n, const std::string& extra) {
    std::string bytes = "squashfs bytes of generation " + std::to_string(n);
    std::string dir = "run/cairn/state/generations/" + std::to_string(n);
    root_.write(dir + "/system.squashfs", bytes);
    root_.write(dir + "/manifest.json", R"({"image": {"sha256": ")" + sha256_hex(bytes) + R"(", "size": )" +
                                            std::to_string(bytes.size()) + "}" + extra + "}");
  }
  void unit(const std::string& image, const std::string& name, const std::string& text) {
    root_.write(image + "usr/lib/systemd/system/" + name, text);
  }
  void wants(const std::string& image, const std::string& name) {
    std::filesystem::path link = root_.path() + "/" + image + "etc/systemd/system/multi-user.target.wants/" + name;
    std::filesystem::create_directories(link.parent_path());
    std::filesystem::create_symlink(unit_file(name), link);
  }
  std::string text(const std::string& rel) const {
    auto t = read_file(root_.path() + "/" + rel);
    return t ? *t : "(" + t.error().message + ")";
  }
  SwitchContext context(bool with_systemd = true) {
    return SwitchContext{root_.path(), system_, backend_, with_systemd ? &timeline_ : nullptr, 90};
  }
  Result<SwitchReport> run(SwitchAction action, uint64_t n = 5) { return run_switch(context(), action, n); }
  std::string strip(std::string s) const { return system_.strip_all(std::move(s)); }

  TempDir root_;
  FakeSystem system_{root_.path()};
  FakeBackend backend_{root_.path()};
  FakeSystemd sd_;
  TimelineSystemd timeline_{sd_, system_.log};
};

const Lines kEspCheck = {
    "mount /dev/vda1 /run/cairn/esp vfat nosuid,nodev,noexec",
    "unmount /run/cairn/esp",
};
const Lines kMountImage5 = {
    "attach /run/cairn/state/generations/5/system.squashfs /dev/loop0",
    "mount /dev/loop0 /run/cairn/generations/5 squashfs ro",
};
const Lines kPlanning = {
    "systemd list-units",
    // FragmentPath, only of the units the first plan acts on.
    "systemd show changed.service",
    "systemd show generated.service",
    "systemd show old.service",
    "systemd show onestep.service",
    "systemd show reloader.service",
};
const Lines kStops = {
    "systemd stop changed.service replace",
    "systemd stop old.service replace",
};
const Lines kSwap = {
    // The image's mount private, so that later mounts over /usr do not
    // propagate into it; the new /usr shared on its own.
    "mount none /run/cairn/generations/5 - private",
    "mount /run/cairn/generations/5/usr /usr - bind,ro,shared",
    "mount overlay /etc overlay lowerdir=/run/cairn/generations/5/etc,upperdir=/run/cairn/overlay/etc-5/upper,"
    "workdir=/run/cairn/overlay/etc-5/work",
    "mount /run/cairn/state/machine-id /etc/machine-id - bind",
    // /srv is bound already and outside /etc: left as it is.
    "mount /run/cairn/state/persist/data /data - bind",
    "mount /run/cairn/state/persist/etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key - bind",
    "systemd daemon-reload",
    // The new generation's tmpfiles.d (its packages' /var) before its services.
    "run /usr/bin/systemd-tmpfiles --create --exclude-prefix=/dev --root=",
};
const Lines kJobs = {
    "systemd reload reloader.service replace",
    "systemd restart onestep.service replace",
    "systemd start changed.service replace",
    "systemd start new.service replace",
    "systemd list-failed-units",
};

Lines concat(std::initializer_list<Lines> parts) {
  Lines out;
  for (const Lines& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST_F(SwitchTest, SwitchStopsSwapsReloadsStartsThenMakesTheDefault) {
  auto r = run(SwitchAction::switch_now);
  ASSERT_TRUE(r) << r.error().message;

  EXPECT_EQ(system_.log, concat({kEspCheck, kMountImage5, kPlanning, kStops, kSwap, kJobs, kEspCheck}));
  EXPECT_EQ(system_.console,
            (Lines{
                "stopping changed.service (changed ([Service] ExecStart=): stopped before the switch)",
                "stopping old.service (removed in the new system)",
                "mounting generation 5 over /usr and /etc",
                "reloading systemd",
                "reloading reloader.service (only [Unit] X-Reload-Triggers= changed)",
                "restarting onestep.service (changed ([Service] ExecStart=); X-StopIfChanged=false: restarted in one "
                "step)",
                "starting changed.service (changed ([Service] ExecStart=): started after the switch)",
                "starting new.service (new, wanted by multi-user.target)",
            }));
  EXPECT_EQ(backend_.calls, (Lines{"set_default /run/cairn/esp 5"}));
  EXPECT_EQ(backend_.state.default_entry, 5u);

  EXPECT_EQ(r->previous, 4u);
  EXPECT_EQ(r->stopped, (Lines{"changed.service", "old.service"}));
  EXPECT_EQ(r->started, (Lines{"changed.service", "new.service"}));
  EXPECT_EQ(r->restarted, (Lines{"onestep.service"}));
  EXPECT_EQ(r->reloaded, (Lines{"reloader.service"}));
  EXPECT_TRUE(r->skipped.empty());
  EXPECT_TRUE(r->failed.empty());
  EXPECT_TRUE(r->activated);
  EXPECT_TRUE(r->made_default);
  EXPECT_EQ(r->exit_status(), 0);
  EXPECT_EQ(summary_line(*r),
            "generation 5 is active and the default: 2 stopped, 2 started, 1 restarted, 1 reloaded, 0 skipped, 0 "
            "failed");

  // The untouched units kept their invocations; the generator's unit too.
  EXPECT_EQ(sd_.units["same.service"].invocation_id, "same.service-0");
  EXPECT_EQ(sd_.units["generated.service"].invocation_id, "g-0");
  EXPECT_EQ(sd_.units["reloader.service"].invocation_id, "reloader.service-0");
  EXPECT_EQ(sd_.units["new.service"].active_state, "active");
  EXPECT_FALSE(sd_.units.contains("old.service"));

  EXPECT_EQ(text("run/cairn/active"), "generation=5\nimage=/run/cairn/generations/5\n");
  EXPECT_FALSE(root_.exists("run/cairn/switch-in-progress"));
  EXPECT_TRUE(root_.exists("run/cairn/overlay/etc-5/upper"));
  EXPECT_TRUE(root_.exists("run/cairn/state/persist/etc/ssh/ssh_host_ed25519_key"));
  EXPECT_TRUE(root_.exists("etc/machine-id"));
  EXPECT_TRUE(root_.exists("run/cairn/state/generations/5/verified"));
}

TEST_F(SwitchTest, AFailingSystemdTmpfilesIsAWarningAndTheSwitchGoesOn) {
  system_.run_error = "/usr/bin/systemd-tmpfiles exited with status 73: Failed to create directory /var/x";
  auto r = run(SwitchAction::switch_now);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(system_.log, concat({kEspCheck, kMountImage5, kPlanning, kStops, kSwap, kJobs, kEspCheck}));
  EXPECT_NE(std::ranges::find(system_.console,
                              "warning: /usr/bin/systemd-tmpfiles exited with status 73: Failed to create directory "
                              "/var/x, ignoring"),
            system_.console.end());
}

TEST_F(SwitchTest, TestActivatesButLeavesTheBootLoaderAlone) {
  auto r = run(SwitchAction::test);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(system_.log, concat({kMountImage5, kPlanning, kStops, kSwap, kJobs}));
  EXPECT_TRUE(backend_.calls.empty());
  EXPECT_TRUE(backend_.reads.empty());
  EXPECT_EQ(backend_.state.default_entry, 4u);
  EXPECT_FALSE(r->made_default);
  EXPECT_EQ(summary_line(*r),
            "generation 5 is active until the next boot: 2 stopped, 2 started, 1 restarted, 1 reloaded, 0 skipped, 0 "
            "failed");
}

TEST_F(SwitchTest, AFailingUnitGivesStatus4AndIsNamed) {
  FakeUnit broken;
  broken.fails_to_start = true;
  sd_.after_daemon_reload["new.service"] = broken;
  auto r = run(SwitchAction::switch_now);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->failed, (std::vector<UnitFailure>{{"new.service", "starting new.service failed: the unit failed"}}));
  EXPECT_EQ(r->started, (Lines{"changed.service"}));
  EXPECT_EQ(r->exit_status(), 4);
  EXPECT_EQ(system_.console.at(8), "warning: starting new.service failed: the unit failed");
  EXPECT_EQ(summary_line(*r),
            "generation 5 is active and the default: 2 stopped, 1 started, 1 restarted, 1 reloaded, 0 skipped, 1 "
            "failed (new.service)");
  // As NixOS: the switch was made, so the generation is the default.
  EXPECT_EQ(backend_.calls, (Lines{"set_default /run/cairn/esp 5"}));
}

TEST_F(SwitchTest, RefusedJobsAreFailuresToo) {
  sd_.refused["reloader.service"] = {"org.freedesktop.systemd1.JobTypeNotApplicable", "no reload"};
  auto r = run(SwitchAction::test);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->failed, (std::vector<UnitFailure>{
                           {"reloader.service",
                            "reloading reloader.service: org.freedesktop.systemd1.JobTypeNotApplicable: no reload"}}));
  EXPECT_EQ(r->exit_status(), 4);
}

TEST_F(SwitchTest, AVerifyFailureTouchesNothing) {
  root_.write("run/cairn/state/generations/5/system.squashfs", "squashfs bytes of generation X");
  for (SwitchAction action : {SwitchAction::switch_now, SwitchAction::test, SwitchAction::boot,
                              SwitchAction::dry_activate}) {
    auto r = run(action);
    ASSERT_FALSE(r) << switch_action_info(action).verb;
    EXPECT_TRUE(strip(r.error().message).starts_with(
        "generation 5: image /run/cairn/state/generations/5/system.squashfs does not match its manifest (sha256 "))
        << r.error().message;
  }
  EXPECT_TRUE(system_.log.empty());
  EXPECT_TRUE(sd_.calls.empty());
  EXPECT_TRUE(backend_.calls.empty());
  EXPECT_FALSE(root_.exists("run/cairn/active"));
  EXPECT_FALSE(root_.exists("run/cairn/switch-in-progress"));
  EXPECT_FALSE(root_.exists("run/cairn/state/generations/5/verified"));
}

TEST_F(SwitchTest, AMissingGenerationSaysWhich) {
  auto r = run(SwitchAction::switch_now, 9);
  ASSERT_FALSE(r);
  EXPECT_EQ(strip(r.error().message),
            "generation 9: cannot open /run/cairn/state/generations/9/manifest.json: No such file or directory");
  EXPECT_TRUE(system_.log.empty());
}

TEST_F(SwitchTest, TheLockRefusesASecondSwitch) {
  root_.mkdir("run/cairn");
  int fd = ::open((root_.path() + "/run/cairn/switch.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  for (SwitchAction action : {SwitchAction::switch_now, SwitchAction::boot}) {
    auto r = run(action);
    ASSERT_FALSE(r);
    EXPECT_EQ(strip(r.error().message), "another switch is running (/run/cairn/switch.lock is locked)");
  }
  auto rollback = run_rollback(context(), true);
  ASSERT_FALSE(rollback);
  EXPECT_EQ(strip(rollback.error().message), "another switch is running (/run/cairn/switch.lock is locked)");
  EXPECT_TRUE(system_.log.empty());
  EXPECT_TRUE(sd_.calls.empty());

  // Released: the next switch goes ahead.
  ::close(fd);
  auto r = run(SwitchAction::test);
  EXPECT_TRUE(r) << r.error().message;
}

TEST_F(SwitchTest, TheDryRunPrintsThePlanAndTouchesNothing) {
  auto r = run(SwitchAction::dry_activate);
  ASSERT_TRUE(r) << r.error().message;
  // The image is mounted to be read, and unmounted again; no job, no swap,
  // no reload, no boot loader.
  EXPECT_EQ(system_.log, concat({kMountImage5, kPlanning, {"unmount /run/cairn/generations/5"}}));
  EXPECT_TRUE(backend_.calls.empty());
  EXPECT_EQ(system_.console,
            (Lines{
                "would stop changed.service (changed ([Service] ExecStart=): stopped before the switch)",
                "would stop old.service (removed in the new system)",
                "would reload systemd",
                "would reload reloader.service (only [Unit] X-Reload-Triggers= changed)",
                "would restart onestep.service (changed ([Service] ExecStart=); X-StopIfChanged=false: restarted in "
                "one step)",
                "would start changed.service (changed ([Service] ExecStart=): started after the switch)",
                "would start new.service (new, wanted by multi-user.target)",
            }));
  EXPECT_EQ(summary_line(*r),
            "dry run for generation 5, nothing changed: would stop 2, start 2, restart 1, reload 1, leave alone 0");
  EXPECT_FALSE(root_.exists("run/cairn/active"));
  EXPECT_FALSE(root_.exists("run/cairn/switch-in-progress"));
  EXPECT_FALSE(root_.exists("run/cairn/overlay"));
  EXPECT_EQ(sd_.units["old.service"].active_state, "active");
  EXPECT_EQ(sd_.units["changed.service"].invocation_id, "changed.service-0");
}

TEST_F(SwitchTest, TheDryRunUsesAnImageMountedAlready) {
  root_.write("proc/self/mountinfo", "40 35 7:0 / /run/cairn/generations/5 ro - squashfs /dev/loop0 ro\n");
  auto r = run(SwitchAction::dry_activate);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(system_.log, kPlanning);
}

TEST_F(SwitchTest, BootOnlyMakesTheDefaultAndNeedsNoSystemd) {
  auto r = run_switch(context(false), SwitchAction::boot, 5);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(system_.log, concat({kEspCheck, kEspCheck}));
  EXPECT_EQ(backend_.calls, (Lines{"set_default /run/cairn/esp 5"}));
  EXPECT_FALSE(r->activated);
  EXPECT_EQ(summary_line(*r), "generation 5 is the default from the next boot");
  EXPECT_FALSE(root_.exists("run/cairn/active"));

  auto no_systemd = run_switch(context(false), SwitchAction::test, 5);
  ASSERT_FALSE(no_systemd);
  EXPECT_EQ(no_systemd.error().message, "test needs systemd, and there is no connection to it");
}

TEST_F(SwitchTest, SwitchAndBootNeedABootEntry) {
  backend_.state.entries.erase(backend_.state.entries.begin());
  for (SwitchAction action : {SwitchAction::switch_now, SwitchAction::boot}) {
    auto r = run(action);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "generation 5 has no boot entry; install it with `cairn switch` or `cairn boot` first");
  }
  EXPECT_EQ(system_.log, concat({kEspCheck, kEspCheck}));
  EXPECT_TRUE(sd_.calls.empty());
}

TEST_F(SwitchTest, AKernelChangeAsksForAReboot) {
  system_.release = "6.1.0-17-amd64";
  auto r = run(SwitchAction::test);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->plan.reboot_reasons, (Lines{"the kernel changed (6.1.0-17-amd64 → 6.1.0-test)"}));
  EXPECT_TRUE(summary_line(*r).ends_with("; reboot to finish: the kernel changed (6.1.0-17-amd64 → 6.1.0-test)"))
      << summary_line(*r);
}

TEST_F(SwitchTest, TheRecordIsWrittenBeforeTheStopsAndKeptWhenTheSwitchDies) {
  sd_.hanging.insert("old.service");
  auto r = run(SwitchAction::switch_now);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "waiting for systemd's jobs: no result after 90 s for old.service (stop); run `cairn-activate switch 5` "
            "again to finish");
  EXPECT_EQ(text("run/cairn/switch-in-progress"),
            "to=5\nfrom=4\nreload=reloader.service\nrestart=onestep.service\nstart=changed.service new.service\n");
  // Nothing swapped, nothing made the default.
  EXPECT_EQ(system_.log, concat({kEspCheck, kMountImage5, kPlanning, kStops}));
  EXPECT_FALSE(root_.exists("run/cairn/active"));
  EXPECT_TRUE(backend_.calls.empty());
}

// A switch to 5 died after the swap (the active record says 5) with its
// jobs after the swap owed: changed.service stopped and not started again.
TEST_F(SwitchTest, AnInterruptedSwitchIsFinishedByTheNext) {
  root_.write("run/cairn/active", "generation=5\nimage=/run/cairn/generations/5\n");
  root_.write("proc/self/mountinfo", "40 35 7:0 / /run/cairn/generations/5 ro - squashfs /dev/loop0 ro\n");
  root_.write("run/cairn/switch-in-progress",
              "to=5\nfrom=4\nreload=reloader.service\nrestart=onestep.service\nstart=changed.service new.service\n");
  sd_.units.erase("old.service");
  sd_.units["changed.service"].active_state = "inactive";
  sd_.units["new.service"] = FakeUnit{};
  sd_.after_daemon_reload.clear();

  auto r = run(SwitchAction::switch_now);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->interrupted, 5u);
  EXPECT_EQ(system_.console.front(),
            "the switch to generation 5 was interrupted; its remaining jobs are done with this one");
  EXPECT_EQ(system_.console.at(1), "generation 5 is active already");
  // No mount: the plan is 5 against 5, plus what was owed.
  EXPECT_EQ(system_.log, concat({kEspCheck,
                                 {"systemd list-units", "systemd daemon-reload"},
                                 {kJobs},
                                 kEspCheck}));
  EXPECT_EQ(r->plan.start, (std::vector<PlannedUnit>{
                               {"changed.service", "owed by the interrupted switch to generation 5"},
                               {"new.service", "owed by the interrupted switch to generation 5"}}));
  EXPECT_FALSE(root_.exists("run/cairn/switch-in-progress"));
  EXPECT_EQ(r->exit_status(), 0);
}

// Died before the swap: the active record still says 4, so the plan is
// made again from 4's units, and the image mounted by the first try is used.
TEST_F(SwitchTest, AnInterruptedSwitchBeforeTheSwapIsPlannedAgain) {
  root_.write("proc/self/mountinfo", "40 35 7:0 / /run/cairn/generations/5 ro - squashfs /dev/loop0 ro\n");
  root_.write("run/cairn/switch-in-progress", "to=5\nfrom=4\nreload=\nrestart=\nstart=new.service\n");
  sd_.units.erase("old.service");
  sd_.after_daemon_reload.erase("old.service");
  auto r = run(SwitchAction::switch_now);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->stopped, (Lines{"changed.service"}));
  EXPECT_EQ(r->started, (Lines{"changed.service", "new.service"}));
  EXPECT_EQ(std::ranges::count(system_.log, kMountImage5[0]), 0);
  EXPECT_EQ(std::ranges::count(system_.log, kSwap[0]), 1);
  EXPECT_EQ(r->plan.start.at(1), (PlannedUnit{"new.service", "new, wanted by multi-user.target"}));
}

TEST_F(SwitchTest, ASecondSwitchToTheSameGenerationUsesAFreshOverlay) {
  root_.mkdir("run/cairn/overlay/etc-5/upper");
  auto r = run(SwitchAction::test);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NE(std::ranges::find(system_.log,
                              "mount overlay /etc overlay lowerdir=/run/cairn/generations/5/etc,"
                              "upperdir=/run/cairn/overlay/etc-5.2/upper,workdir=/run/cairn/overlay/etc-5.2/work"),
            system_.log.end());
}

// No machine-id on the state partition: the running one, made by systemd
// in the old /etc's upper directory, is carried into the new /etc.
TEST_F(SwitchTest, AMachineIdOnlyInTheOldEtcIsCarriedOver) {
  std::filesystem::remove(root_.path() + "/run/cairn/state/machine-id");
  root_.write("etc/machine-id", "feedfacefeedfacefeedfacefeedface\n");
  root_.write("etc/made-at-runtime", "gone after the swap\n");
  root_.write("run/cairn/generations/5/etc/machine-id", "");
  OverlayingSystem overlaying(system_, root_.path());
  auto r = run_switch(SwitchContext{root_.path(), overlaying, backend_, &timeline_, 90}, SwitchAction::test, 5);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(text("etc/machine-id"), "feedfacefeedfacefeedfacefeedface\n");
  EXPECT_EQ(text("etc/hostname"), "vm\n");  // the new /etc shows
  EXPECT_FALSE(root_.exists("etc/made-at-runtime"));
  EXPECT_EQ(std::ranges::count_if(system_.log, [](const std::string& l) { return l.find("machine-id") != l.npos; }),
            0);
}

// ---- Rollback ----

TEST(RollbackTarget, TheNewestEarlierGenerationThatCanBoot) {
  bootloader::BootState state;
  state.entries = {FakeBackend::entry(6, 3), FakeBackend::entry(5, 0, 3), FakeBackend::entry(4, std::nullopt),
                   FakeBackend::entry(2, std::nullopt)};
  struct Case {
    std::vector<uint64_t> installed;
    uint64_t current;
    std::optional<uint64_t> want;
  };
  const Case cases[] = {
      {{2, 3, 4, 5, 6}, 6, 4},  // 5 is bad
      {{2, 3, 4, 5, 6}, 5, 4},
      {{2, 3, 4, 5, 6}, 4, 2},  // 3 has no boot entry
      {{2, 3, 5, 6}, 6, 2},     // 4 is not installed
      {{2, 3, 4, 5, 6}, 2, std::nullopt},
      {{}, 6, std::nullopt},
  };
  for (const Case& c : cases) {
    auto got = rollback_target(c.installed, state, c.current);
    if (c.want) {
      ASSERT_TRUE(got) << c.current << ": " << got.error().message;
      EXPECT_EQ(*got, *c.want) << c.current;
    } else {
      ASSERT_FALSE(got);
      EXPECT_EQ(got.error().message, "no generation before " + std::to_string(c.current) +
                                         " to roll back to (installed, with a boot entry, not bad)");
    }
  }
}

TEST_F(SwitchTest, InstalledGenerationsHaveAManifestAndAnImage) {
  root_.write("run/cairn/state/generations/7/manifest.json", "{}");  // no image
  root_.mkdir("run/cairn/state/generations/tmp");
  auto got = installed_generations(root_.path());
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, (std::vector<uint64_t>{3, 4, 5}));
}

// After `switch 5`: rollback makes 4 the default again; with --now it is
// activated too, from the booted image.
TEST_F(SwitchTest, RollbackAfterASwitch) {
  ASSERT_TRUE(run(SwitchAction::switch_now));
  system_.log.clear();
  system_.console.clear();
  backend_.calls.clear();
  auto r = run_rollback(context(false), false);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->action, SwitchAction::boot);
  EXPECT_EQ(r->generation, 4u);
  EXPECT_EQ(system_.console, (Lines{"rolling back from generation 5 to generation 4"}));
  EXPECT_EQ(backend_.calls, (Lines{"set_default /run/cairn/esp 4"}));
  EXPECT_EQ(text("run/cairn/active"), "generation=5\nimage=/run/cairn/generations/5\n");

  // Rolling back from the default 4 now (the running 5 is newer, so still
  // from 5), activating it: 4's image is the booted one.
  system_.log.clear();
  backend_.calls.clear();
  sd_.after_daemon_reload["old.service"] = FakeUnit{};  // 4's units, read again
  auto now = run_rollback(context(), true);
  ASSERT_TRUE(now) << now.error().message;
  EXPECT_EQ(now->generation, 4u);
  EXPECT_EQ(now->previous, 5u);
  EXPECT_EQ(std::ranges::count(system_.log, "mount none /run/cairn/image - private"), 1);
  EXPECT_EQ(std::ranges::count(system_.log, "mount /run/cairn/image/usr /usr - bind,ro,shared"), 1);
  EXPECT_EQ(std::ranges::count(system_.log, kMountImage5[0]), 0);
  EXPECT_EQ(now->stopped, (Lines{"changed.service", "new.service"}));
  EXPECT_EQ(now->started, (Lines{"changed.service", "old.service"}));
  EXPECT_EQ(now->exit_status(), 0);
  EXPECT_EQ(text("run/cairn/active"), "generation=4\nimage=/run/cairn/image\n");
  EXPECT_EQ(backend_.calls, (Lines{"set_default /run/cairn/esp 4"}));

  // And once more: from 4 to 3.
  backend_.calls.clear();
  auto again = run_rollback(context(false), false);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->generation, 3u);
}

// After `test 5` the default is still 4: rollback returns to it.
TEST_F(SwitchTest, RollbackAfterATest) {
  ASSERT_TRUE(run(SwitchAction::test));
  backend_.calls.clear();
  auto r = run_rollback(context(false), false);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->generation, 4u);
  EXPECT_EQ(backend_.calls, (Lines{"set_default /run/cairn/esp 4"}));
}

TEST_F(SwitchTest, RollbackPassesOverBadGenerations) {
  backend_.state.entries = {FakeBackend::entry(5, 3), FakeBackend::entry(4, 0, 3),
                            FakeBackend::entry(3, std::nullopt)};
  backend_.state.default_entry = 5;
  auto r = run_rollback(context(false), false);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->generation, 3u);
}

TEST_F(SwitchTest, ActiveIsTheBootedGenerationUntilASwitch) {
  auto a = read_active(root_.path());
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(*a, (ActiveGeneration{4, "/run/cairn/image"}));
  root_.write("proc/cmdline", "console=ttyS0\n");
  auto none = read_active(root_.path());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message,
            "not booted through a cairn entry (no cairn.generation= on the kernel command line, no /run/cairn/active)");
  root_.write("run/cairn/active", "generation=5\n");
  auto bad = read_active(root_.path());
  ASSERT_FALSE(bad);
  EXPECT_EQ(strip(bad.error().message), "/run/cairn/active: no image= line");
}

TEST(SwitchPlanText, SaysNothingChangesWhenNothingDoes) {
  EXPECT_EQ(describe_plan(Plan{}), (Lines{"would change no unit"}));
  Plan p;
  p.skipped = {{"logind.service", "changed ([Service] ExecStart=), but X-RestartIfChanged=false"}};
  p.reboot_reasons = {"systemd changed (/usr/lib/systemd/systemd differs)"};
  EXPECT_EQ(describe_plan(p),
            (Lines{"would leave alone logind.service (changed ([Service] ExecStart=), but X-RestartIfChanged=false)",
                   "would need a reboot: systemd changed (/usr/lib/systemd/systemd differs)"}));
}

}  // namespace
}  // namespace cairn::activator
