// The real `Systemd` (systemd_bus.cc), without systemd.
//
// This machine's PID 1 is not systemd, so the first tests check that
// connecting fails with one clear line. The others serve a tiny stand-in for
// systemd's Manager on a Unix socket in a temporary directory — a direct
// connection, as to /run/systemd/private — with sd-bus's server mode in a
// thread, and check what goes over the wire both ways: method names and
// argument types, ListUnits' and GetAll's replies, the unit's object path,
// and JobRemoved signals. The stand-in sends each job's JobRemoved *before*
// the reply that names the job, and a foreign job's JobRemoved for the same
// unit first, so the race systemctl guards against happens on every job.
// The real systemd is exercised by the QEMU end-to-end tests.
#include "activator/systemd_bus.hh"

#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "activator/fakes_test.hh"

namespace cairn::activator {
namespace {

using testing::TempDir;

TEST(SystemdBus, ConnectingWithoutSystemdSaysSoInOneLine) {
  TempDir dir;
  auto r = connect_systemd({{"unix:path=" + dir.path() + "/private", dir.path() + "/private", false},
                            {"unix:path=" + dir.path() + "/bus", dir.path() + "/bus", true}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "cannot connect to systemd over D-Bus (" + dir.path() + "/private, " + dir.path() +
                                   "/bus): No such file or directory; is this a systemd machine?");
}

TEST(SystemdBus, EachEndpointsReasonWhenTheyDiffer) {
  TempDir dir;
  // A socket nobody listens on any more: connect() is refused.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string dead = dir.path() + "/dead";
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", dead.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
  auto r = connect_systemd({{"unix:path=" + dir.path() + "/none", "none", false}, {"unix:path=" + dead, "dead", true}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "cannot connect to systemd over D-Bus (none: No such file or directory; dead: Connection refused); "
            "is this a systemd machine?");
}

TEST(SystemdBus, DefaultEndpoints) {
  ::unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
  auto eps = default_systemd_endpoints();
  ASSERT_FALSE(eps.empty());
  EXPECT_EQ(eps.back().address, "unix:path=/run/dbus/system_bus_socket");
  EXPECT_TRUE(eps.back().via_bus);
  if (::geteuid() == 0) {
    ASSERT_EQ(eps.size(), 2u);
    EXPECT_EQ(eps.front().address, "unix:path=/run/systemd/private");
    EXPECT_FALSE(eps.front().via_bus);
  }
  ::setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/elsewhere", 1);
  eps = default_systemd_endpoints();
  EXPECT_EQ(eps.back().address, "unix:path=/elsewhere");
  EXPECT_EQ(eps.back().shown, "unix:path=/elsewhere");
  ::unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

TEST(SystemdBus, ThisMachinesSystemBus) {
  if (std::filesystem::exists("/run/systemd/system")) GTEST_SKIP() << "this machine runs systemd";
  if (std::filesystem::exists("/run/dbus/system_bus_socket")) GTEST_SKIP() << "a system bus runs here";
  ::unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
  auto r = connect_systemd();
  ASSERT_FALSE(r);
  std::string where = ::geteuid() == 0 ? "/run/systemd/private, /run/dbus/system_bus_socket" : "/run/dbus/system_bus_socket";
  EXPECT_EQ(r.error().message,
            "cannot connect to systemd over D-Bus (" + where + "): No such file or directory; is this a systemd machine?");
}

// ---- A stand-in for systemd's Manager --------------------------------------

struct StandInUnit {
  std::string active = "active", sub = "running", load = "loaded";
  std::vector<uint8_t> invocation;
  bool need_daemon_reload = false;
  uint64_t active_enter = 0;
  std::string fragment;
};

class StandInManager {
 public:
  /// Listens on `socket` for direct connections; or, with `via_bus`,
  /// connects to the bus daemon at `socket` and owns org.freedesktop.systemd1.
  explicit StandInManager(std::string socket, bool via_bus = false) : socket_(std::move(socket)), via_bus_(via_bus) {
    if (via_bus_) return;
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_.c_str());
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 4) != 0)
      ADD_FAILURE() << "cannot listen on " << socket_;
  }
  ~StandInManager() {
    stop();
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }

  // The script; set before start().
  std::map<std::string, StandInUnit> units;
  std::map<std::string, std::string> job_results;  ///< unit → JobRemoved result; default "done"
  std::set<std::string> never_finish;
  bool refuse_subscribe = false;

  /// Starts serving; returns once calls can be answered.
  void start() {
    std::promise<void> ready;
    auto started = ready.get_future();
    thread_ = std::thread([this, &ready] { via_bus_ ? serve_on_bus(ready) : serve(ready); });
    started.wait();
  }
  /// Stops serving; the connection is closed.
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  BusEndpoint endpoint() const { return {"unix:path=" + socket_, socket_, via_bus_}; }
  std::vector<std::string> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  void record(std::string call) {
    std::lock_guard lock(mu_);
    calls_.push_back(std::move(call));
  }

  void serve_on_bus(std::promise<void>& ready) {
    sd_bus* bus = nullptr;
    int r = sd_bus_new(&bus);
    if (r >= 0) r = sd_bus_set_address(bus, ("unix:path=" + socket_).c_str());
    if (r >= 0) r = sd_bus_set_bus_client(bus, 1);
    if (r >= 0) r = sd_bus_start(bus);
    if (r >= 0) r = sd_bus_add_fallback(bus, nullptr, "/", &StandInManager::handle, this);
    if (r >= 0) r = sd_bus_request_name(bus, "org.freedesktop.systemd1", 0);
    if (r < 0) ADD_FAILURE() << "the stand-in manager cannot join the bus: " << ::strerror(-r);
    ready.set_value();
    while (r >= 0 && !stop_) {
      r = sd_bus_process(bus, nullptr);
      if (r > 0) continue;
      if (r == 0) r = sd_bus_wait(bus, 20'000);
    }
    sd_bus_flush_close_unref(bus);
  }

  void serve(std::promise<void>& ready) {
    ready.set_value();
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      sd_bus* bus = nullptr;
      sd_id128_t id;
      if (sd_bus_new(&bus) < 0 || sd_bus_set_fd(bus, fd, fd) < 0 || sd_id128_randomize(&id) < 0 ||
          sd_bus_set_server(bus, 1, id) < 0 || sd_bus_add_fallback(bus, nullptr, "/", &StandInManager::handle, this) < 0 ||
          sd_bus_start(bus) < 0) {
        ADD_FAILURE() << "the stand-in manager cannot serve";
        sd_bus_flush_close_unref(bus);
        continue;
      }
      while (!stop_) {
        int r = sd_bus_process(bus, nullptr);
        if (r < 0) break;  // the client went away
        if (r > 0) continue;
        sd_bus_wait(bus, 20'000);
      }
      sd_bus_flush_close_unref(bus);
    }
  }

  static int handle(sd_bus_message* m, void* userdata, sd_bus_error*) {
    return static_cast<StandInManager*>(userdata)->dispatch(m);
  }

  static int send_unit_list(sd_bus_message* m, const std::map<std::string, StandInUnit>& units,
                            const std::set<std::string>* states) {
    sd_bus_message* reply = nullptr;
    sd_bus_message_new_method_return(m, &reply);
    sd_bus_message_open_container(reply, 'a', "(ssssssouso)");
    for (const auto& [name, u] : units) {
      if (states && !states->contains(u.active)) continue;
      sd_bus_message_append(reply, "(ssssssouso)", name.c_str(), "a unit", u.load.c_str(), u.active.c_str(),
                            u.sub.c_str(), "", "/org/freedesktop/systemd1/unit/x", 7u, "start",
                            "/org/freedesktop/systemd1/job/7");
    }
    sd_bus_message_close_container(reply);
    int r = sd_bus_message_send(reply);
    sd_bus_message_unref(reply);
    return r;
  }

  int dispatch(sd_bus_message* m) {
    std::string member = sd_bus_message_get_member(m);
    std::string path = sd_bus_message_get_path(m);
    std::string signature = sd_bus_message_get_signature(m, 1);
    std::string interface = sd_bus_message_get_interface(m) ? sd_bus_message_get_interface(m) : "";
    if (interface == "org.freedesktop.DBus.Properties" && member == "GetAll") return get_all(m, path);
    if (path != "/org/freedesktop/systemd1" || interface != "org.freedesktop.systemd1.Manager") {
      record("unexpected " + interface + "." + member + " on " + path);
      return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_UNKNOWN_METHOD, "no %s", member.c_str());
    }
    if (member == "Subscribe") {
      record("Subscribe");
      if (refuse_subscribe)
        return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_SERVICE_UNKNOWN,
                                          "The name org.freedesktop.systemd1 was not provided by any .service files");
      return sd_bus_reply_method_return(m, nullptr);
    }
    if (member == "ListUnits") {
      record("ListUnits " + signature);
      return send_unit_list(m, units, nullptr);
    }
    if (member == "ListUnitsFiltered") {
      char** states = nullptr;
      sd_bus_message_read_strv(m, &states);
      std::set<std::string> wanted;
      std::string call = "ListUnitsFiltered " + signature;
      for (char** s = states; s && *s; ++s) {
        wanted.insert(*s);
        call += std::string(" ") + *s;
        ::free(*s);
      }
      ::free(states);
      record(call);
      return send_unit_list(m, units, &wanted);
    }
    if (member == "Reload" || member == "ResetFailed") {
      record(member + " " + signature);
      return sd_bus_reply_method_return(m, nullptr);
    }
    if (member == "ResetFailedUnit") {
      const char* unit = nullptr;
      sd_bus_message_read(m, "s", &unit);
      record(member + " " + signature + " " + unit);
      if (!units.contains(unit))
        return sd_bus_reply_method_errorf(m, "org.freedesktop.systemd1.NoSuchUnit", "Unit %s not loaded.", unit);
      return sd_bus_reply_method_return(m, nullptr);
    }
    if (member.ends_with("Unit")) {  // StartUnit, StopUnit, …
      const char *unit = nullptr, *mode = nullptr;
      sd_bus_message_read(m, "ss", &unit, &mode);
      record(fmt::format("{} {} {} {}", member, signature, unit, mode));
      if (!units.contains(unit))
        return sd_bus_reply_method_errorf(m, "org.freedesktop.systemd1.NoSuchUnit", "Unit %s not found.", unit);
      uint32_t job = ++next_job_;
      std::string job_path = fmt::format("/org/freedesktop/systemd1/job/{}", job);
      sd_bus* bus = sd_bus_message_get_bus(m);
      // Someone else's job on the same unit, then ours: both before the reply.
      sd_bus_emit_signal(bus, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "JobRemoved", "uoss",
                         job + 1000, fmt::format("/org/freedesktop/systemd1/job/{}", job + 1000).c_str(), unit,
                         "canceled");
      if (!never_finish.contains(unit)) {
        auto it = job_results.find(unit);
        sd_bus_emit_signal(bus, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "JobRemoved", "uoss",
                           job, job_path.c_str(), unit, it == job_results.end() ? "done" : it->second.c_str());
      }
      return sd_bus_reply_method_return(m, "o", job_path.c_str());
    }
    record("unexpected " + member);
    return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_UNKNOWN_METHOD, "no %s", member.c_str());
  }

  int get_all(sd_bus_message* m, const std::string& path) {
    char* name = nullptr;
    const char* interface = nullptr;
    sd_bus_path_decode(path.c_str(), "/org/freedesktop/systemd1/unit", &name);
    sd_bus_message_read(m, "s", &interface);
    std::string unit = name ? name : "?";
    ::free(name);
    record("GetAll " + unit + " " + interface);
    StandInUnit u;
    if (auto it = units.find(unit); it != units.end())
      u = it->second;
    else
      u = StandInUnit{"inactive", "dead", "not-found", {}, false, 0, ""};
    sd_bus_message* reply = nullptr;
    sd_bus_message_new_method_return(m, &reply);
    sd_bus_message_open_container(reply, 'a', "{sv}");
    sd_bus_message_append(reply, "{sv}", "Id", "s", unit.c_str());
    sd_bus_message_append(reply, "{sv}", "Names", "as", 1, unit.c_str());
    sd_bus_message_append(reply, "{sv}", "LoadState", "s", u.load.c_str());
    sd_bus_message_append(reply, "{sv}", "ActiveState", "s", u.active.c_str());
    sd_bus_message_append(reply, "{sv}", "SubState", "s", u.sub.c_str());
    sd_bus_message_open_container(reply, 'e', "sv");
    sd_bus_message_append(reply, "s", "InvocationID");
    sd_bus_message_open_container(reply, 'v', "ay");
    sd_bus_message_append_array(reply, 'y', u.invocation.data(), u.invocation.size());
    sd_bus_message_close_container(reply);
    sd_bus_message_close_container(reply);
    sd_bus_message_append(reply, "{sv}", "NeedDaemonReload", "b", static_cast<int>(u.need_daemon_reload));
    sd_bus_message_append(reply, "{sv}", "ActiveEnterTimestamp", "t", u.active_enter);
    sd_bus_message_append(reply, "{sv}", "InactiveExitTimestamp", "t", uint64_t{1});
    sd_bus_message_append(reply, "{sv}", "FragmentPath", "s", u.fragment.c_str());
    sd_bus_message_close_container(reply);
    int r = sd_bus_message_send(reply);
    sd_bus_message_unref(reply);
    return r;
  }

  std::string socket_;
  bool via_bus_ = false;
  int listen_fd_ = -1;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> calls_;
  uint32_t next_job_ = 40;
};

class SystemdBusStandIn : public ::testing::Test {
 protected:
  TempDir dir;
  StandInManager manager{dir.path() + "/private"};

  std::unique_ptr<Systemd> connect() {
    manager.start();
    auto r = connect_systemd({manager.endpoint()});
    if (!r) {
      ADD_FAILURE() << r.error().message;
      return nullptr;
    }
    return std::move(*r);
  }
};

TEST_F(SystemdBusStandIn, ListsUnitsAndFailedUnits) {
  manager.units["a.service"] = {};
  manager.units["b.service"].active = "failed";
  manager.units["b.service"].sub = "failed";
  auto sd = connect();
  ASSERT_TRUE(sd);
  auto all = sd->list_units();
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(*all, (std::vector<UnitStatus>{{"a.service", "loaded", "active", "running"},
                                           {"b.service", "loaded", "failed", "failed"}}));
  auto failed = sd->list_failed_units();
  ASSERT_TRUE(failed) << failed.error().message;
  EXPECT_EQ(*failed, (std::vector<UnitStatus>{{"b.service", "loaded", "failed", "failed"}}));
  EXPECT_EQ(manager.calls(), (std::vector<std::string>{"Subscribe", "ListUnits ", "ListUnitsFiltered as failed"}));
}

TEST_F(SystemdBusStandIn, ReadsAUnitsPropertiesThroughItsEscapedPath) {
  StandInUnit u;
  u.invocation = {0x0f, 0xa1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0xff};
  u.need_daemon_reload = true;
  u.active_enter = 1'700'000'000'123'456;
  u.fragment = "/usr/lib/systemd/system/getty@.service";
  manager.units["getty@tty1-x.service"] = u;
  auto sd = connect();
  ASSERT_TRUE(sd);
  auto p = sd->unit_properties("getty@tty1-x.service");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(*p, (UnitProperties{"loaded", "active", "running", "0fa1" + std::string(24, '0') + "10ff", true,
                                1'700'000'000'123'456, "/usr/lib/systemd/system/getty@.service"}));
  auto missing = sd->unit_properties("nope.service");
  ASSERT_TRUE(missing) << missing.error().message;
  EXPECT_EQ(*missing, (UnitProperties{"not-found", "inactive", "dead", "", false, 0, ""}));
  EXPECT_EQ(manager.calls(),
            (std::vector<std::string>{"Subscribe", "GetAll getty@tty1-x.service org.freedesktop.systemd1.Unit",
                                      "GetAll nope.service org.freedesktop.systemd1.Unit"}));
}

TEST_F(SystemdBusStandIn, RunsJobsAndWaitsForTheirOwnJobRemoved) {
  manager.units["a.service"] = {};
  manager.units["b.service"] = {};
  manager.units["c.service"] = {};
  manager.job_results["b.service"] = "failed";
  auto sd = connect();
  ASSERT_TRUE(sd);
  ASSERT_TRUE(sd->daemon_reload());
  auto outcomes = sd->run_jobs({{"a.service", JobType::restart},
                                {"nope.service", JobType::start},
                                {"b.service", JobType::start, JobMode::fail},
                                {"c.service", JobType::try_restart, JobMode::ignore_dependencies},
                                {"c.service", JobType::reload},
                                {"a.service", JobType::stop}},
                               10);
  ASSERT_TRUE(outcomes) << outcomes.error().message;
  EXPECT_EQ(*outcomes, (std::vector<JobOutcome>{
                           {"a.service", JobType::restart, "done", ""},
                           {"nope.service", JobType::start, "",
                            "starting nope.service: org.freedesktop.systemd1.NoSuchUnit: Unit nope.service not found."},
                           {"b.service", JobType::start, "failed", ""},
                           {"c.service", JobType::try_restart, "done", ""},
                           {"c.service", JobType::reload, "done", ""},
                           {"a.service", JobType::stop, "done", ""},
                       }));
  auto one = sd->run_job("b.service", JobType::restart, JobMode::replace, 10);
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(*one, "failed");
  ASSERT_TRUE(sd->reset_failed("b.service"));
  ASSERT_TRUE(sd->reset_failed(""));
  auto unknown = sd->reset_failed("nope.service");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message,
            "resetting the failed state of nope.service: org.freedesktop.systemd1.NoSuchUnit: Unit nope.service not "
            "loaded.");
  EXPECT_EQ(manager.calls(), (std::vector<std::string>{
                                 "Subscribe",
                                 "Reload ",
                                 "RestartUnit ss a.service replace",
                                 "StartUnit ss nope.service replace",
                                 "StartUnit ss b.service fail",
                                 "TryRestartUnit ss c.service ignore-dependencies",
                                 "ReloadUnit ss c.service replace",
                                 "StopUnit ss a.service replace",
                                 "RestartUnit ss b.service replace",
                                 "ResetFailedUnit s b.service",
                                 "ResetFailed ",
                                 "ResetFailedUnit s nope.service",
                             }));
}

TEST_F(SystemdBusStandIn, AJobWithoutJobRemovedTimesOut) {
  manager.units["slow.service"] = {};
  manager.units["fast.service"] = {};
  manager.never_finish.insert("slow.service");
  auto sd = connect();
  ASSERT_TRUE(sd);
  auto outcomes = sd->run_jobs({{"slow.service", JobType::start}, {"fast.service", JobType::start}}, 0.2);
  ASSERT_FALSE(outcomes);
  EXPECT_EQ(outcomes.error().message, "waiting for systemd's jobs: no result after 0.2 s for slow.service (start)");
}

TEST_F(SystemdBusStandIn, RefusedSubscribeMeansNoSystemd) {
  manager.refuse_subscribe = true;
  manager.start();
  auto r = connect_systemd({manager.endpoint()});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "cannot connect to systemd over D-Bus (" + manager.endpoint().shown +
                                   "): org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.systemd1 "
                                   "was not provided by any .service files; is this a systemd machine?");
}

TEST_F(SystemdBusStandIn, ALostConnectionFailsTheCall) {
  manager.units["a.service"] = {};
  auto sd = connect();
  ASSERT_TRUE(sd);
  manager.stop();  // closes the connection
  auto r = sd->list_units();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().message.starts_with("listing units: ")) << r.error().message;
  auto jobs = sd->run_jobs({{"a.service", JobType::start}}, 1);
  ASSERT_FALSE(jobs);
  EXPECT_TRUE(jobs.error().message.starts_with("starting a.service: ")) << jobs.error().message;
}

// Through a bus daemon, as over /run/dbus/system_bus_socket: calls name the
// destination org.freedesktop.systemd1 and JobRemoved is matched by that
// sender, which the stand-in owns under a unique name.
TEST(SystemdBusDaemon, RunsJobsThroughABusDaemon) {
  if (::access("/usr/bin/dbus-daemon", X_OK) != 0) GTEST_SKIP() << "dbus-daemon is not installed";
  TempDir dir;
  std::string socket = dir.path() + "/bus";
  pid_t daemon = ::fork();
  ASSERT_GE(daemon, 0);
  if (daemon == 0) {
    std::string address = "--address=unix:path=" + socket;
    ::execl("/usr/bin/dbus-daemon", "dbus-daemon", "--session", "--nofork", "--nopidfile", address.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  } reaper{daemon};
  for (int i = 0; i < 500 && !std::filesystem::exists(socket); ++i) ::usleep(10'000);
  ASSERT_TRUE(std::filesystem::exists(socket)) << "dbus-daemon did not start";

  StandInManager manager(socket, true);
  manager.units["a.service"] = {};
  manager.job_results["a.service"] = "dependency";
  manager.start();
  auto sd = connect_systemd({manager.endpoint()});
  ASSERT_TRUE(sd) << sd.error().message;
  auto outcomes = (*sd)->run_jobs({{"a.service", JobType::start}, {"nope.service", JobType::stop}}, 10);
  ASSERT_TRUE(outcomes) << outcomes.error().message;
  EXPECT_EQ(*outcomes,
            (std::vector<JobOutcome>{
                {"a.service", JobType::start, "dependency", ""},
                {"nope.service", JobType::stop, "",
                 "stopping nope.service: org.freedesktop.systemd1.NoSuchUnit: Unit nope.service not found."}}));
  auto units = (*sd)->list_units();
  ASSERT_TRUE(units) << units.error().message;
  EXPECT_EQ(units->size(), 1u);
  EXPECT_EQ(manager.calls(), (std::vector<std::string>{"Subscribe", "StartUnit ss a.service replace",
                                                       "StopUnit ss nope.service replace", "ListUnits "}));
}

}  // namespace
}  // namespace cairn::activator
