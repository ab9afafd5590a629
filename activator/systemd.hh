// The service manager, behind one seam (STYLE.md §10).
//
// An in-place switch (`cairn-activate switch|test|rollback`, issue 8) talks
// to the running systemd the way NixOS's switch-to-configuration does: it
// lists the loaded units and their states, asks systemd to re-read its unit
// files (daemon-reload), then queues stop, start, restart and reload jobs and
// waits for each to finish, and finally reports the units that failed. That
// much, and no more, is the `Systemd` interface. The switch's decisions
// (which unit gets which job) are unit-tested against the fake in
// systemd_fake_test.hh; the real implementation (systemd_bus.hh) speaks
// D-Bus to PID 1 through libsystemd's sd-bus, and is exercised against the
// real systemd in the QEMU end-to-end tests.
//
// Jobs and their results. Asking systemd to start a unit only *queues* a
// job; systemd answers at once with the job's object path and announces its
// end later with the manager's JobRemoved signal, whose last field is the
// result ("done", "failed", …). `run_jobs` queues a batch and waits for all
// of them, as `systemctl start a b c` does. A job that systemd refuses to
// queue at all (an unknown unit, a masked one, a reload of a unit that
// cannot reload) is not an error of the whole batch: its outcome carries the
// D-Bus error instead of a result, so that one bad unit does not keep the
// others from being waited for. `Result` errors are for the conversation
// itself: the connection was lost or the jobs did not end in time.
//
// Job results are systemd's own words, kept as strings (systemd adds new
// ones now and then; a switch only needs to tell "done" from the rest).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/error.hh"

namespace cairn::activator {

/// The jobs a switch queues. Each is one Manager method (`job_method`).
enum class JobType { start, stop, restart, reload, try_restart };

/// How a new job treats jobs already queued (systemctl's --job-mode).
/// `replace` (what a switch uses) replaces conflicting queued jobs; `fail`
/// refuses the new job instead; `ignore_dependencies` queues it without
/// pulling in requirements.
enum class JobMode { replace, fail, ignore_dependencies };

/// The one table per enum (STYLE.md §4): the word used in messages and the
/// systemd Manager method that queues the job.
struct JobTypeInfo {
  JobType type;
  std::string_view verb;    ///< "start", "try-restart": messages, fake call logs
  std::string_view doing;   ///< "starting": error context
  std::string_view method;  ///< "StartUnit": the org.freedesktop.systemd1.Manager method
};
inline constexpr std::array<JobTypeInfo, 5> job_types{{
    {JobType::start, "start", "starting", "StartUnit"},
    {JobType::stop, "stop", "stopping", "StopUnit"},
    {JobType::restart, "restart", "restarting", "RestartUnit"},
    {JobType::reload, "reload", "reloading", "ReloadUnit"},
    {JobType::try_restart, "try-restart", "try-restarting", "TryRestartUnit"},
}};
inline const JobTypeInfo& job_type_info(JobType type) { return job_types[static_cast<size_t>(type)]; }

/// systemd's names of the job modes ("replace", "fail", "ignore-dependencies").
inline constexpr std::array<std::pair<JobMode, std::string_view>, 3> job_modes{{
    {JobMode::replace, "replace"},
    {JobMode::fail, "fail"},
    {JobMode::ignore_dependencies, "ignore-dependencies"},
}};
inline std::string_view job_mode_name(JobMode mode) { return job_modes[static_cast<size_t>(mode)].second; }

/// One row of ListUnits: a unit systemd has loaded (active, or referenced by
/// one that is, or failed).
struct UnitStatus {
  std::string name;          ///< "sshd.service"
  std::string load_state;    ///< "loaded", "not-found", "masked", "error", "bad-setting"
  std::string active_state;  ///< "active", "inactive", "failed", "activating", "deactivating", "reloading"
  std::string sub_state;     ///< type-specific: "running", "exited", "dead", "listening", …

  bool operator==(const UnitStatus&) const = default;
};

/// What a switch reads of one unit (its org.freedesktop.systemd1.Unit
/// properties).
struct UnitProperties {
  std::string load_state;    ///< as in UnitStatus; "not-found" for a unit with no file
  std::string active_state;
  std::string sub_state;
  /// The current or last run's InvocationID as 32 lower-case hex digits;
  /// empty when the unit has not run since systemd started. A restart gives
  /// a new one, a reload keeps it: this is how a test sees that a unit was
  /// left alone.
  std::string invocation_id;
  /// True when the unit's file changed on disk since systemd loaded it.
  bool need_daemon_reload = false;
  /// When the unit last entered the active state, in µs since the epoch
  /// (CLOCK_REALTIME); 0 when never.
  uint64_t active_enter_timestamp = 0;
  /// FragmentPath: the unit file systemd loaded the unit from
  /// ("/etc/systemd/system/a.service", "/run/systemd/generator/b.mount");
  /// empty when it has none (a device, a scope, a unit not found). A switch
  /// leaves units that are not its generations' files alone.
  std::string fragment_path;

  bool operator==(const UnitProperties&) const = default;
};

/// One job to queue.
struct JobRequest {
  std::string unit;
  JobType type = JobType::start;
  JobMode mode = JobMode::replace;
};

/// How one job of a batch ended.
struct JobOutcome {
  std::string unit;
  JobType type = JobType::start;
  /// systemd's result: "done" (success), "canceled", "timeout", "failed",
  /// "dependency", "skipped", "invalid", "assert", "unsupported",
  /// "collected", "once". Empty when the job was refused (see `error`).
  std::string result;
  /// Why systemd refused to queue the job, one line naming the unit and the
  /// D-Bus error ("starting nope.service: org.freedesktop.systemd1.NoSuchUnit:
  /// Unit nope.service not found."); empty when the job was queued.
  std::string error;

  [[nodiscard]] bool ok() const { return error.empty() && result == "done"; }
  bool operator==(const JobOutcome&) const = default;
};

/// The message for a D-Bus call that failed: "<context>: <error name>:
/// <error message>" ("starting nope.service:
/// org.freedesktop.systemd1.NoSuchUnit: Unit nope.service not found."). The
/// fake uses it too, so that both word their errors alike.
inline std::string bus_error_message(std::string_view context, std::string_view name, std::string_view message) {
  std::string out(context);
  out += ": ";
  out += name;
  if (!message.empty()) {
    out += ": ";
    out += message;
  }
  return out;
}

/// The message when jobs did not end within the timeout: "waiting for
/// systemd's jobs: no result after 90 s for a.service (start), b.service
/// (restart)". `late` are the outcomes still without a result.
inline std::string job_timeout_message(double timeout_seconds, const std::vector<JobOutcome>& late) {
  std::string out = "waiting for systemd's jobs: no result after " + fmt::format("{:g}", timeout_seconds) + " s for ";
  for (size_t i = 0; i < late.size(); ++i) {
    if (i > 0) out += ", ";
    out += late[i].unit + " (" + std::string(job_type_info(late[i].type).verb) + ")";
  }
  return out;
}

class Systemd {
 public:
  virtual ~Systemd() = default;

  /// The units systemd has loaded (ListUnits), in systemd's order.
  [[nodiscard]] virtual Result<std::vector<UnitStatus>> list_units() = 0;
  /// The loaded units whose ActiveState is "failed".
  [[nodiscard]] virtual Result<std::vector<UnitStatus>> list_failed_units() = 0;
  /// One unit's properties. A unit with no unit file is not an error: its
  /// load_state is "not-found" (systemd loads the name on demand).
  [[nodiscard]] virtual Result<UnitProperties> unit_properties(const std::string& unit) = 0;

  /// Makes systemd re-read all unit files and generators (daemon-reload);
  /// returns when it has.
  [[nodiscard]] virtual Result<void> daemon_reload() = 0;
  /// Resets the "failed" state of `unit` (ResetFailedUnit), or of every
  /// unit when `unit` is empty (ResetFailed).
  [[nodiscard]] virtual Result<void> reset_failed(const std::string& unit) = 0;

  /// Queues `jobs` in order, then waits until every queued one has ended or
  /// `timeout_seconds` have passed. Returns one outcome per request, in the
  /// same order. Jobs that end before systemd has even answered the call
  /// that queued them are not missed. An error when the connection fails,
  /// or when some job has not ended in time (job_timeout_message).
  [[nodiscard]] virtual Result<std::vector<JobOutcome>> run_jobs(const std::vector<JobRequest>& jobs,
                                                                 double timeout_seconds) = 0;

  /// One job: its result ("done", "failed", …), or an error when it was
  /// refused (the outcome's `error`), timed out or the connection failed.
  [[nodiscard]] Result<std::string> run_job(const std::string& unit, JobType type, JobMode mode,
                                            double timeout_seconds) {
    auto outcomes = run_jobs({JobRequest{unit, type, mode}}, timeout_seconds);
    if (!outcomes) return std::unexpected(outcomes.error());
    if (!outcomes->front().error.empty()) return fail(outcomes->front().error);
    return outcomes->front().result;
  }
};

}  // namespace cairn::activator
