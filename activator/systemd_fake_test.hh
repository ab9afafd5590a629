// A `Systemd` for unit tests: an in-memory service manager.
//
// The script is a map of units with their states; jobs change them the way
// systemd would, deterministically: a start makes a unit active/running with
// a fresh InvocationID (a counter, as 32 hex digits) and an
// ActiveEnterTimestamp from a clock that ticks once per job; a stop makes it
// inactive/dead; a reload keeps both; a try-restart restarts only an active
// unit. Failures are injected per unit: a start that fails, a result to
// report instead ("dependency", "timeout"), a D-Bus error that refuses the
// job, a job that never ends. `daemon_reload` swaps in the units the test
// put in `after_daemon_reload`, as re-reading changed unit files would.
// Every call is recorded in `calls`, one line each ("restart b.service
// replace"), for tests of the switch's plan to assert word for word.
//
// Deliberately simple where systemd is not: no dependencies between units,
// no job merging; every job runs at once.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "activator/systemd.hh"

namespace cairn::activator::testing {

struct FakeUnit {
  std::string load_state = "loaded";
  std::string active_state = "inactive";
  std::string sub_state = "dead";
  std::string invocation_id;  ///< empty: never ran
  bool need_daemon_reload = false;
  uint64_t active_enter_timestamp = 0;
  /// Whether the unit has ExecReload= (a reload job is refused otherwise).
  bool can_reload = true;
  /// A start (or restart) of the unit fails: result "failed", state failed.
  bool fails_to_start = false;
  /// FragmentPath; empty: none.
  std::string fragment_path;
};

class FakeSystemd final : public Systemd {
 public:
  // ---- The script ----
  std::map<std::string, FakeUnit> units;
  /// What `daemon_reload` does to `units`: each entry replaces the unit of
  /// its name, keeping its running state (active_state, sub_state,
  /// invocation_id, timestamp) when it had one, or removes it (nullopt).
  /// need_daemon_reload is cleared on every unit.
  std::map<std::string, std::optional<FakeUnit>> after_daemon_reload;
  /// Units whose next jobs end with this result instead, leaving the
  /// unit's state alone ("dependency", "timeout", "canceled").
  std::map<std::string, std::string> forced_results;
  /// Units whose jobs systemd refuses: unit → {D-Bus error name, message}.
  std::map<std::string, std::pair<std::string, std::string>> refused;
  /// Units whose jobs never end (run_jobs then times out).
  std::set<std::string> hanging;
  /// Makes every call fail with this message, as a lost connection would.
  std::string connection_error;

  // ---- What happened ----
  std::vector<std::string> calls;
  int invocations = 0;             ///< InvocationIDs handed out so far
  uint64_t clock = 1'000'000'000;  ///< µs; ticks by one second per job

  [[nodiscard]] Result<std::vector<UnitStatus>> list_units() override {
    calls.push_back("list-units");
    if (!connection_error.empty()) return fail(connection_error);
    std::vector<UnitStatus> out;
    for (const auto& [name, u] : units) out.push_back({name, u.load_state, u.active_state, u.sub_state});
    return out;
  }

  [[nodiscard]] Result<std::vector<UnitStatus>> list_failed_units() override {
    calls.push_back("list-failed-units");
    if (!connection_error.empty()) return fail(connection_error);
    std::vector<UnitStatus> out;
    for (const auto& [name, u] : units)
      if (u.active_state == "failed") out.push_back({name, u.load_state, u.active_state, u.sub_state});
    return out;
  }

  [[nodiscard]] Result<UnitProperties> unit_properties(const std::string& unit) override {
    calls.push_back("show " + unit);
    if (!connection_error.empty()) return fail(connection_error);
    auto it = units.find(unit);
    if (it == units.end()) return UnitProperties{"not-found", "inactive", "dead", "", false, 0, ""};
    const FakeUnit& u = it->second;
    return UnitProperties{u.load_state,    u.active_state,       u.sub_state,
                          u.invocation_id, u.need_daemon_reload, u.active_enter_timestamp,
                          u.fragment_path};
  }

  [[nodiscard]] Result<void> daemon_reload() override {
    calls.push_back("daemon-reload");
    if (!connection_error.empty()) return fail(connection_error);
    for (auto& [name, replacement] : after_daemon_reload) {
      auto it = units.find(name);
      if (!replacement) {
        if (it != units.end()) units.erase(it);
        continue;
      }
      FakeUnit next = *replacement;
      if (it != units.end()) {
        next.active_state = it->second.active_state;
        next.sub_state = it->second.sub_state;
        next.invocation_id = it->second.invocation_id;
        next.active_enter_timestamp = it->second.active_enter_timestamp;
      }
      units[name] = next;
    }
    after_daemon_reload.clear();
    for (auto& [name, u] : units) u.need_daemon_reload = false;
    return {};
  }

  [[nodiscard]] Result<void> reset_failed(const std::string& unit) override {
    calls.push_back(unit.empty() ? "reset-failed" : "reset-failed " + unit);
    if (!connection_error.empty()) return fail(connection_error);
    for (auto& [name, u] : units) {
      if ((unit.empty() || name == unit) && u.active_state == "failed") {
        u.active_state = "inactive";
        u.sub_state = "dead";
      }
    }
    if (!unit.empty() && !units.contains(unit))
      return fail(bus_error_message("resetting the failed state of " + unit, "org.freedesktop.systemd1.NoSuchUnit",
                                    "Unit " + unit + " not loaded."));
    return {};
  }

  [[nodiscard]] Result<std::vector<JobOutcome>> run_jobs(const std::vector<JobRequest>& jobs,
                                                         double timeout_seconds) override {
    std::vector<JobOutcome> out;
    std::vector<JobOutcome> late;
    for (const JobRequest& job : jobs) {
      const JobTypeInfo& info = job_type_info(job.type);
      calls.push_back(fmt::format("{} {} {}", info.verb, job.unit, job_mode_name(job.mode)));
      if (!connection_error.empty()) return fail(connection_error);
      JobOutcome o{job.unit, job.type, "", ""};
      std::string context = std::string(info.doing) + " " + job.unit;
      auto it = units.find(job.unit);
      if (auto r = refused.find(job.unit); r != refused.end()) {
        o.error = bus_error_message(context, r->second.first, r->second.second);
      } else if (it == units.end() || it->second.load_state == "not-found") {
        o.error = bus_error_message(context, "org.freedesktop.systemd1.NoSuchUnit", "Unit " + job.unit + " not found.");
      } else if (it->second.load_state == "masked" && job.type != JobType::stop) {
        o.error = bus_error_message(context, "org.freedesktop.systemd1.UnitMasked", "Unit " + job.unit + " is masked.");
      } else if (job.type == JobType::reload && !it->second.can_reload) {
        o.error = bus_error_message(context, "org.freedesktop.systemd1.JobTypeNotApplicable",
                                    "Job type reload is not applicable for unit " + job.unit + ".");
      } else if (hanging.contains(job.unit)) {
        late.push_back(o);
      } else if (auto f = forced_results.find(job.unit); f != forced_results.end()) {
        o.result = f->second;
      } else {
        o.result = run(it->second, job.type);
      }
      out.push_back(std::move(o));
    }
    if (!late.empty()) return fail(job_timeout_message(timeout_seconds, late));
    return out;
  }

 private:
  std::string next_invocation_id() { return fmt::format("{:032x}", ++invocations); }

  std::string start(FakeUnit& u) {
    u.invocation_id = next_invocation_id();
    if (u.fails_to_start) {
      u.active_state = "failed";
      u.sub_state = "failed";
      return "failed";
    }
    u.active_state = "active";
    u.sub_state = "running";
    u.active_enter_timestamp = clock;
    return "done";
  }

  std::string run(FakeUnit& u, JobType type) {
    clock += 1'000'000;
    bool active = u.active_state == "active" || u.active_state == "reloading";
    switch (type) {
      case JobType::start:
        return active ? "done" : start(u);
      case JobType::stop:
        u.active_state = "inactive";
        u.sub_state = "dead";
        return "done";
      case JobType::restart:
        return start(u);
      case JobType::try_restart:
        return active ? start(u) : "done";
      case JobType::reload:
        return active ? "done" : "invalid";
    }
    return "invalid";
  }
};

}  // namespace cairn::activator::testing
