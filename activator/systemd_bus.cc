// The real `Systemd` over sd-bus: each method is one call to systemd's
// org.freedesktop.systemd1.Manager object (or, for a unit's properties, one
// GetAll on the unit's object), answered synchronously. Jobs are the one
// asynchronous part: `run_jobs` queues them all, then dispatches incoming
// messages until a JobRemoved signal has been seen for each queued job's
// object path. The signal match exists from connection time on, and sd-bus
// queues a signal that arrives while a call waits for its reply, so a job
// that ends before its StartUnit call returns is still seen (systemctl
// solves the same race the same way).
#include "activator/systemd_bus.hh"

#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>

#include <fmt/format.h>

namespace cairn::activator {
namespace {

constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
// A daemon-reload re-runs every generator and re-reads every unit file;
// on a slow machine under TCG that takes far longer than sd-bus's 25 s.
constexpr uint64_t kReloadTimeoutUsec = 300ull * 1'000'000;

struct BusUnref {
  void operator()(sd_bus* b) const { sd_bus_flush_close_unref(b); }
};
struct MessageUnref {
  void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
struct SlotUnref {
  void operator()(sd_bus_slot* s) const { sd_bus_slot_unref(s); }
};
using BusPtr = std::unique_ptr<sd_bus, BusUnref>;
using MessagePtr = std::unique_ptr<sd_bus_message, MessageUnref>;
using SlotPtr = std::unique_ptr<sd_bus_slot, SlotUnref>;

/// An sd_bus_error freed when it goes out of scope.
struct BusError {
  sd_bus_error e = SD_BUS_ERROR_NULL;
  BusError() = default;
  BusError(const BusError&) = delete;
  BusError& operator=(const BusError&) = delete;
  ~BusError() { sd_bus_error_free(&e); }
};

std::string errno_text(int r) { return ::strerror(r < 0 ? -r : r); }

/// A failed call, either refused by the other side (a D-Bus error with a
/// name) or failed here (the connection): `remote` tells which.
struct CallFailure {
  std::string message;
  bool remote = false;
};

/// The failure without context: "org.freedesktop.systemd1.NoSuchUnit: Unit
/// x.service not found." or "Connection reset by peer".
CallFailure call_failure(int r, const sd_bus_error& e) {
  if (!sd_bus_error_is_set(&e)) return {errno_text(r), false};
  std::string_view name = e.name;
  // sd-bus turns local failures (a lost connection, an unanswered call) into
  // errors named System.Error.E… or org.freedesktop.DBus.Error.NoReply.
  bool local = name.starts_with("System.Error.") || name == SD_BUS_ERROR_NO_REPLY || name == SD_BUS_ERROR_DISCONNECTED;
  if (local) return {e.message ? e.message : errno_text(r), false};
  std::string message = e.name;
  if (e.message && *e.message) message += std::string(": ") + e.message;
  return {message, true};
}

std::string to_hex(const uint8_t* bytes, size_t size) {
  std::string out;
  for (size_t i = 0; i < size; ++i) out += fmt::format("{:02x}", bytes[i]);
  return out;
}

/// Reads a(ssssssouso), ListUnits' and ListUnitsFiltered's answer.
Result<std::vector<UnitStatus>> read_unit_list(sd_bus_message* reply) {
  std::vector<UnitStatus> out;
  int r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
  if (r < 0) return fail("reading the unit list: " + errno_text(r));
  for (;;) {
    const char *name, *description, *load, *active, *sub, *following, *path, *job_type, *job_path;
    uint32_t job_id;
    r = sd_bus_message_read(reply, "(ssssssouso)", &name, &description, &load, &active, &sub, &following, &path,
                            &job_id, &job_type, &job_path);
    if (r < 0) return fail("reading the unit list: " + errno_text(r));
    if (r == 0) break;
    out.push_back({name, load, active, sub});
  }
  sd_bus_message_exit_container(reply);
  return out;
}

class BusSystemd final : public Systemd {
 public:
  BusSystemd(BusPtr bus, bool via_bus) : bus_(std::move(bus)), via_bus_(via_bus) {}

  /// Matches JobRemoved and subscribes; the error is the Subscribe call's.
  Result<void> subscribe() {
    sd_bus_slot* slot = nullptr;
    // On a direct connection messages carry no sender, so none is matched.
    int r = sd_bus_match_signal(bus_.get(), &slot, via_bus_ ? kService : nullptr, kManagerPath, kManager,
                                "JobRemoved", &BusSystemd::on_job_removed, this);
    if (r < 0) return fail("adding a match for JobRemoved: " + errno_text(r));
    job_removed_.reset(slot);
    auto reply = call_manager("Subscribe", nullptr);
    if (!reply) return fail(reply.error().message);
    return {};
  }

  Result<std::vector<UnitStatus>> list_units() override {
    auto reply = call_manager("ListUnits", nullptr);
    if (!reply) return fail("listing units: " + reply.error().message);
    return read_unit_list(reply->get());
  }

  Result<std::vector<UnitStatus>> list_failed_units() override {
    auto reply = call_manager("ListUnitsFiltered", [](sd_bus_message* m) {
      const char* states[] = {"failed", nullptr};
      return sd_bus_message_append_strv(m, const_cast<char**>(states));
    });
    if (!reply) return fail("listing failed units: " + reply.error().message);
    return read_unit_list(reply->get());
  }

  Result<UnitProperties> unit_properties(const std::string& unit) override {
    std::string context = "reading the properties of " + unit;
    char* raw_path = nullptr;
    int r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit.c_str(), &raw_path);
    if (r < 0) return fail(context + ": " + errno_text(r));
    std::unique_ptr<char, decltype(&::free)> path(raw_path, &::free);
    auto reply = call(path.get(), "org.freedesktop.DBus.Properties", "GetAll",
                      [](sd_bus_message* m) { return sd_bus_message_append(m, "s", "org.freedesktop.systemd1.Unit"); });
    if (!reply) return fail(context + ": " + reply.error().message);
    auto props = read_properties(reply->get());
    if (!props) return fail(context + ": " + props.error().message);
    return props;
  }

  Result<void> daemon_reload() override {
    auto reply = call_manager("Reload", nullptr, kReloadTimeoutUsec);
    if (!reply) return fail("reloading systemd: " + reply.error().message);
    return {};
  }

  Result<void> reset_failed(const std::string& unit) override {
    if (unit.empty()) {
      auto reply = call_manager("ResetFailed", nullptr);
      if (!reply) return fail("resetting failed units: " + reply.error().message);
      return {};
    }
    auto reply = call_manager("ResetFailedUnit",
                              [&](sd_bus_message* m) { return sd_bus_message_append(m, "s", unit.c_str()); });
    if (!reply) return fail("resetting the failed state of " + unit + ": " + reply.error().message);
    return {};
  }

  Result<std::vector<JobOutcome>> run_jobs(const std::vector<JobRequest>& jobs, double timeout_seconds) override {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
    removed_.clear();
    std::vector<JobOutcome> out;
    std::vector<std::string> job_paths;  // per outcome; empty when refused
    for (const JobRequest& job : jobs) {
      const JobTypeInfo& info = job_type_info(job.type);
      std::string context = std::string(info.doing) + " " + job.unit;
      JobOutcome outcome{job.unit, job.type, "", ""};
      CallFailure failure;
      auto reply = call_manager(
          std::string(info.method).c_str(),
          [&](sd_bus_message* m) {
            return sd_bus_message_append(m, "ss", job.unit.c_str(), std::string(job_mode_name(job.mode)).c_str());
          },
          0, &failure);
      std::string job_path;
      if (!reply) {
        if (!failure.remote) return fail(context + ": " + failure.message);
        outcome.error = context + ": " + failure.message;
      } else {
        const char* path = nullptr;
        int r = sd_bus_message_read(reply->get(), "o", &path);
        if (r < 0) return fail(context + ": reading the job's path: " + errno_text(r));
        job_path = path;
      }
      out.push_back(std::move(outcome));
      job_paths.push_back(std::move(job_path));
    }

    // Wait for a JobRemoved of every queued job.
    for (;;) {
      std::vector<JobOutcome> late;
      for (size_t i = 0; i < out.size(); ++i) {
        if (job_paths[i].empty() || !out[i].result.empty()) continue;
        if (auto it = removed_.find(job_paths[i]); it != removed_.end())
          out[i].result = it->second;
        else
          late.push_back(out[i]);
      }
      if (late.empty()) break;
      int r = sd_bus_process(bus_.get(), nullptr);
      if (r < 0) return fail("waiting for systemd's jobs: " + errno_text(r));
      if (r > 0) continue;  // something was dispatched; look again
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero())
        return fail(job_timeout_message(timeout_seconds, late));
      r = sd_bus_wait(bus_.get(), std::chrono::duration_cast<std::chrono::microseconds>(left).count() + 1);
      if (r < 0) return fail("waiting for systemd's jobs: " + errno_text(r));
    }
    return out;
  }

 private:
  using Append = std::function<int(sd_bus_message*)>;

  static int on_job_removed(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto* self = static_cast<BusSystemd*>(userdata);
    uint32_t id;
    const char *path, *unit, *result;
    if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) >= 0) self->removed_[path] = result;
    return 0;
  }

  Result<MessagePtr> call_manager(const char* member, const Append& append, uint64_t timeout_usec = 0,
                                  CallFailure* failure = nullptr) {
    return call(kManagerPath, kManager, member, append, timeout_usec, failure);
  }

  /// Calls `member` and returns the reply; the error is the call's failure
  /// without context (the caller adds it), also stored in `failure`.
  Result<MessagePtr> call(const char* path, const char* interface, const char* member, const Append& append,
                          uint64_t timeout_usec = 0, CallFailure* failure = nullptr) {
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_call(bus_.get(), &raw, via_bus_ ? kService : nullptr, path, interface, member);
    MessagePtr request(raw);
    if (r >= 0 && append) r = append(raw);
    if (r < 0) {
      CallFailure f{fmt::format("building the call: {}", errno_text(r)), false};
      if (failure) *failure = f;
      return fail(f.message);
    }
    BusError error;
    sd_bus_message* reply = nullptr;
    r = sd_bus_call(bus_.get(), raw, timeout_usec, &error.e, &reply);
    if (r < 0) {
      CallFailure f = call_failure(r, error.e);
      if (failure) *failure = f;
      return fail(f.message);
    }
    return MessagePtr(reply);
  }

  static Result<UnitProperties> read_properties(sd_bus_message* m) {
    UnitProperties p;
    int r = sd_bus_message_enter_container(m, 'a', "{sv}");
    while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
      const char* key = nullptr;
      if ((r = sd_bus_message_read(m, "s", &key)) < 0) break;
      std::string_view k = key;
      const char* s = nullptr;
      if (k == "LoadState" || k == "ActiveState" || k == "SubState" || k == "FragmentPath") {
        if ((r = sd_bus_message_read(m, "v", "s", &s)) < 0) break;
        (k == "LoadState"     ? p.load_state
         : k == "ActiveState" ? p.active_state
         : k == "SubState"    ? p.sub_state
                              : p.fragment_path) = s;
      } else if (k == "InvocationID") {
        const void* bytes = nullptr;
        size_t size = 0;
        if ((r = sd_bus_message_enter_container(m, 'v', "ay")) < 0) break;
        if ((r = sd_bus_message_read_array(m, 'y', &bytes, &size)) < 0) break;
        p.invocation_id = to_hex(static_cast<const uint8_t*>(bytes), size);
        if ((r = sd_bus_message_exit_container(m)) < 0) break;
      } else if (k == "NeedDaemonReload") {
        int b = 0;
        if ((r = sd_bus_message_read(m, "v", "b", &b)) < 0) break;
        p.need_daemon_reload = b != 0;
      } else if (k == "ActiveEnterTimestamp") {
        uint64_t t = 0;
        if ((r = sd_bus_message_read(m, "v", "t", &t)) < 0) break;
        p.active_enter_timestamp = t;
      } else if ((r = sd_bus_message_skip(m, "v")) < 0) {
        break;
      }
      if ((r = sd_bus_message_exit_container(m)) < 0) break;
    }
    if (r < 0) return fail("reading the reply: " + errno_text(r));
    sd_bus_message_exit_container(m);
    return p;
  }

  BusPtr bus_;
  bool via_bus_;
  SlotPtr job_removed_;
  /// JobRemoved signals seen since the batch began: job path → result.
  std::map<std::string, std::string> removed_;
};

/// Opens and starts a connection to `ep`; the error is the reason alone.
Result<BusPtr> open_bus(const BusEndpoint& ep) {
  sd_bus* raw = nullptr;
  int r = sd_bus_new(&raw);
  if (r < 0) return fail(errno_text(r));
  BusPtr bus(raw);
  if ((r = sd_bus_set_address(raw, ep.address.c_str())) < 0 || (r = sd_bus_set_bus_client(raw, ep.via_bus)) < 0 ||
      (r = sd_bus_set_description(raw, "cairn-activate")) < 0 || (r = sd_bus_start(raw)) < 0)
    return fail(errno_text(r));
  return bus;
}

}  // namespace

std::vector<BusEndpoint> default_systemd_endpoints() {
  std::vector<BusEndpoint> out;
  if (::geteuid() == 0) out.push_back({"unix:path=/run/systemd/private", "/run/systemd/private", false});
  if (const char* env = std::getenv("DBUS_SYSTEM_BUS_ADDRESS"); env && *env)
    out.push_back({env, env, true});
  else
    out.push_back({"unix:path=/run/dbus/system_bus_socket", "/run/dbus/system_bus_socket", true});
  return out;
}

Result<std::unique_ptr<Systemd>> connect_systemd(const std::vector<BusEndpoint>& endpoints) {
  std::vector<std::string> reasons;
  for (const BusEndpoint& ep : endpoints) {
    auto bus = open_bus(ep);
    if (!bus) {
      reasons.push_back(bus.error().message);
      continue;
    }
    auto systemd = std::make_unique<BusSystemd>(std::move(*bus), ep.via_bus);
    if (auto r = systemd->subscribe(); !r) {
      reasons.push_back(r.error().message);
      continue;
    }
    return std::unique_ptr<Systemd>(std::move(systemd));
  }
  // One line: the endpoints, and why each failed (said once when alike):
  // "(a, b): reason" or "(a: reason; b: other reason)".
  std::string where;
  bool alike = std::all_of(reasons.begin(), reasons.end(), [&](const auto& r) { return r == reasons.front(); });
  for (size_t i = 0; i < endpoints.size(); ++i) {
    if (i > 0) where += alike ? ", " : "; ";
    where += endpoints[i].shown;
    if (!alike) where += ": " + reasons[i];
  }
  where = "(" + where + ")";
  if (alike && !reasons.empty()) where += ": " + reasons.front();
  return fail("cannot connect to systemd over D-Bus " + where + "; is this a systemd machine?");
}

}  // namespace cairn::activator
