// The fake `Systemd`, driven the way an in-place switch drives systemd:
// stop what was removed, daemon-reload, restart what changed, reload what
// only needs a reload, start what is new, then read the failures. These
// tests pin the fake's model (so that the switch's own tests can trust it)
// and the wording both implementations share.
#include "activator/systemd_fake_test.hh"

#include <gtest/gtest.h>

#include <set>

namespace cairn::activator {
namespace {

using testing::FakeSystemd;
using testing::FakeUnit;

FakeUnit running(std::string invocation) {
  FakeUnit u;
  u.active_state = "active";
  u.sub_state = "running";
  u.invocation_id = std::move(invocation);
  u.active_enter_timestamp = 5;
  return u;
}

TEST(SystemdTables, OneRowPerEnumValueInOrder) {
  std::set<std::string_view> verbs, methods;
  for (size_t i = 0; i < job_types.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(job_types[i].type), i);
    verbs.insert(job_types[i].verb);
    methods.insert(job_types[i].method);
  }
  EXPECT_EQ(verbs.size(), job_types.size());
  EXPECT_EQ(methods.size(), job_types.size());
  EXPECT_EQ(job_type_info(JobType::try_restart).method, "TryRestartUnit");
  for (size_t i = 0; i < job_modes.size(); ++i) EXPECT_EQ(static_cast<size_t>(job_modes[i].first), i);
  EXPECT_EQ(job_mode_name(JobMode::ignore_dependencies), "ignore-dependencies");
}

TEST(SystemdMessages, BusErrorAndTimeout) {
  EXPECT_EQ(bus_error_message("starting a.service", "org.freedesktop.systemd1.NoSuchUnit", "Unit a.service not found."),
            "starting a.service: org.freedesktop.systemd1.NoSuchUnit: Unit a.service not found.");
  EXPECT_EQ(bus_error_message("reloading systemd", "org.freedesktop.DBus.Error.AccessDenied", ""),
            "reloading systemd: org.freedesktop.DBus.Error.AccessDenied");
  EXPECT_EQ(job_timeout_message(1.5, {{"a.service", JobType::start, "", ""}, {"b.service", JobType::try_restart, "", ""}}),
            "waiting for systemd's jobs: no result after 1.5 s for a.service (start), b.service (try-restart)");
}

// The whole dance of a switch: a is untouched, b changed (restart), c was
// removed (stop), d is new (start after the reload), e reloads.
TEST(FakeSystemd, SwitchSequenceChangesExactlyTheUnitsItIsAskedTo) {
  FakeSystemd sd;
  sd.units["a.service"] = running("a0");
  sd.units["b.service"] = running("b0");
  sd.units["b.service"].need_daemon_reload = true;
  sd.units["c.service"] = running("c0");
  sd.units["e.service"] = running("e0");
  sd.after_daemon_reload["c.service"] = std::nullopt;
  sd.after_daemon_reload["d.service"] = FakeUnit{};

  auto before = sd.list_units();
  ASSERT_TRUE(before) << before.error().message;
  ASSERT_EQ(before->size(), 4u);
  EXPECT_EQ(before->front(), (UnitStatus{"a.service", "loaded", "active", "running"}));
  auto b = sd.unit_properties("b.service");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->need_daemon_reload);

  auto stopped = sd.run_jobs({{"c.service", JobType::stop}}, 90);
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_EQ(stopped->at(0), (JobOutcome{"c.service", JobType::stop, "done", ""}));
  ASSERT_TRUE(sd.daemon_reload());
  auto outcomes = sd.run_jobs({{"b.service", JobType::restart},
                               {"e.service", JobType::reload},
                               {"d.service", JobType::start, JobMode::fail}},
                              90);
  ASSERT_TRUE(outcomes) << outcomes.error().message;
  for (const JobOutcome& o : *outcomes) EXPECT_TRUE(o.ok()) << o.unit << ": " << o.result << o.error;

  EXPECT_EQ(sd.calls, (std::vector<std::string>{"list-units", "show b.service", "stop c.service replace",
                                                "daemon-reload", "restart b.service replace",
                                                "reload e.service replace", "start d.service fail"}));
  EXPECT_FALSE(sd.units.contains("c.service"));
  auto a = sd.unit_properties("a.service");
  auto b2 = sd.unit_properties("b.service");
  auto d = sd.unit_properties("d.service");
  auto e = sd.unit_properties("e.service");
  ASSERT_TRUE(a && b2 && d && e);
  EXPECT_EQ(a->invocation_id, "a0");  // untouched
  EXPECT_EQ(a->active_enter_timestamp, 5u);
  EXPECT_EQ(e->invocation_id, "e0");  // a reload keeps the invocation
  EXPECT_EQ(b2->invocation_id, "00000000000000000000000000000001");
  EXPECT_FALSE(b2->need_daemon_reload);
  EXPECT_EQ(d->invocation_id, "00000000000000000000000000000002");
  EXPECT_EQ(d->active_state, "active");
  EXPECT_EQ(d->sub_state, "running");
  EXPECT_GT(d->active_enter_timestamp, b2->active_enter_timestamp);
  auto c = sd.unit_properties("c.service");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->load_state, "not-found");
}

TEST(FakeSystemd, FailedStartIsListedUntilReset) {
  FakeSystemd sd;
  sd.units["bad.service"].fails_to_start = true;
  sd.units["good.service"] = FakeUnit{};
  auto outcomes = sd.run_jobs({{"bad.service", JobType::start}, {"good.service", JobType::start}}, 90);
  ASSERT_TRUE(outcomes);
  EXPECT_EQ(outcomes->at(0).result, "failed");
  EXPECT_FALSE(outcomes->at(0).ok());
  EXPECT_TRUE(outcomes->at(1).ok());
  auto failed = sd.list_failed_units();
  ASSERT_TRUE(failed);
  EXPECT_EQ(*failed, (std::vector<UnitStatus>{{"bad.service", "loaded", "failed", "failed"}}));
  ASSERT_TRUE(sd.reset_failed("bad.service"));
  failed = sd.list_failed_units();
  ASSERT_TRUE(failed);
  EXPECT_TRUE(failed->empty());
  auto reset_unknown = sd.reset_failed("nope.service");
  ASSERT_FALSE(reset_unknown);
  EXPECT_EQ(reset_unknown.error().message,
            "resetting the failed state of nope.service: org.freedesktop.systemd1.NoSuchUnit: Unit nope.service not "
            "loaded.");
}

TEST(FakeSystemd, RefusedJobsCarryTheUnitAndTheBusErrorWithoutStoppingTheBatch) {
  FakeSystemd sd;
  sd.units["masked.service"].load_state = "masked";
  sd.units["noreload.service"] = running("n0");
  sd.units["noreload.service"].can_reload = false;
  sd.units["denied.service"] = FakeUnit{};
  sd.refused["denied.service"] = {"org.freedesktop.DBus.Error.AccessDenied", "Access denied"};
  sd.units["ok.service"] = FakeUnit{};
  auto outcomes = sd.run_jobs({{"nope.service", JobType::start},
                               {"masked.service", JobType::start},
                               {"noreload.service", JobType::reload},
                               {"denied.service", JobType::restart},
                               {"ok.service", JobType::start}},
                              90);
  ASSERT_TRUE(outcomes);
  EXPECT_EQ(outcomes->at(0).error, "starting nope.service: org.freedesktop.systemd1.NoSuchUnit: Unit nope.service not found.");
  EXPECT_EQ(outcomes->at(1).error, "starting masked.service: org.freedesktop.systemd1.UnitMasked: Unit masked.service is masked.");
  EXPECT_EQ(outcomes->at(2).error,
            "reloading noreload.service: org.freedesktop.systemd1.JobTypeNotApplicable: Job type reload is not "
            "applicable for unit noreload.service.");
  EXPECT_EQ(outcomes->at(3).error, "restarting denied.service: org.freedesktop.DBus.Error.AccessDenied: Access denied");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(outcomes->at(i).result, "");
  EXPECT_TRUE(outcomes->at(4).ok());

  auto one = sd.run_job("nope.service", JobType::stop, JobMode::replace, 90);
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error().message, "stopping nope.service: org.freedesktop.systemd1.NoSuchUnit: Unit nope.service not found.");
}

TEST(FakeSystemd, ResultsFollowTheUnitsState) {
  FakeSystemd sd;
  sd.units["idle.service"] = FakeUnit{};
  sd.units["up.service"] = running("u0");
  sd.units["dep.service"] = FakeUnit{};
  sd.forced_results["dep.service"] = "dependency";
  auto outcomes = sd.run_jobs({{"idle.service", JobType::try_restart},
                               {"idle.service", JobType::reload},
                               {"up.service", JobType::try_restart},
                               {"up.service", JobType::start},
                               {"dep.service", JobType::start}},
                              90);
  ASSERT_TRUE(outcomes);
  EXPECT_EQ(outcomes->at(0).result, "done");     // try-restart of an inactive unit: nothing
  EXPECT_EQ(outcomes->at(1).result, "invalid");  // reload of an inactive unit
  EXPECT_EQ(outcomes->at(2).result, "done");
  EXPECT_EQ(outcomes->at(3).result, "done");  // already running: no new invocation
  EXPECT_EQ(outcomes->at(4).result, "dependency");
  EXPECT_EQ(sd.units["idle.service"].active_state, "inactive");
  EXPECT_EQ(sd.units["up.service"].invocation_id, "00000000000000000000000000000001");
  EXPECT_EQ(sd.units["dep.service"].active_state, "inactive");
  auto one = sd.run_job("dep.service", JobType::start, JobMode::replace, 90);
  ASSERT_TRUE(one);
  EXPECT_EQ(*one, "dependency");
}

TEST(FakeSystemd, HangingJobsTimeOutAndConnectionErrorsPropagate) {
  FakeSystemd sd;
  sd.units["slow.service"] = FakeUnit{};
  sd.units["fast.service"] = FakeUnit{};
  sd.hanging.insert("slow.service");
  auto outcomes = sd.run_jobs({{"fast.service", JobType::start}, {"slow.service", JobType::restart}}, 90);
  ASSERT_FALSE(outcomes);
  EXPECT_EQ(outcomes.error().message, "waiting for systemd's jobs: no result after 90 s for slow.service (restart)");

  sd.connection_error = "waiting for systemd's jobs: Connection reset by peer";
  EXPECT_EQ(sd.list_units().error().message, sd.connection_error);
  EXPECT_EQ(sd.daemon_reload().error().message, sd.connection_error);
  EXPECT_EQ(sd.run_jobs({{"fast.service", JobType::stop}}, 90).error().message, sd.connection_error);
}

}  // namespace
}  // namespace cairn::activator
