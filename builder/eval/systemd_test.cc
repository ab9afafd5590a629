// modules/system/systemd.nix: services and timers rendered into unit files
// and the closure's enablement entries.
#include <gtest/gtest.h>

#include <string>

#include "builder/eval/test_hosts.hh"

namespace cairn::eval {
namespace {

using nlohmann::json;
using testing::host_closure;

TEST(SystemdServices, ScriptEnvironmentAndDependenciesMakeTheUnit) {
  std::string error;
  json c = host_closure(R"(systemd.services.backup = {
    description = "Nightly backup";
    after = [ "network-online.target" ];
    wants = [ "network-online.target" ];
    environment.TARGET = "/srv/backup";
    script = "rsync -a /home/ $TARGET";
    serviceConfig.Type = "oneshot";
  };)", &error);
  ASSERT_FALSE(c.is_null()) << error;
  const json& etc = c["etc"];
  std::string script;
  for (const auto& [path, entry] : etc.items())
    if (path.starts_with("cairn/scripts/backup-start-")) script = path;
  ASSERT_FALSE(script.empty());
  EXPECT_EQ(etc[script]["text"], "#!/bin/bash\nset -e\nrsync -a /home/ $TARGET\n");
  EXPECT_EQ(etc[script]["mode"], "0755");
  EXPECT_EQ(etc["systemd/system/backup.service"]["text"],
            "[Unit]\n"
            "After=network-online.target\n"
            "Description=Nightly backup\n"
            "Wants=network-online.target\n"
            "\n"
            "[Service]\n"
            "Environment=\"TARGET=/srv/backup\"\n"
            "ExecStart=/etc/" + script + "\n"
            "Type=oneshot\n");
  // Nothing wants it: it runs when started (or by a timer).
  EXPECT_EQ(c["units"]["backup.service"]["wantedBy"], json::array());
  EXPECT_FALSE(c["units"].contains("backup.timer"));
}

TEST(SystemdServices, StartAtMakesATimerWantedByTimersTarget) {
  std::string error;
  json c = host_closure(R"(systemd.services.backup = {
    script = "true";
    startAt = "*-*-* 03:00:00";
  };
  systemd.services.report = {
    script = "true";
    startAt = [ "Mon 09:00" "Thu 09:00" ];
  };)", &error);
  ASSERT_FALSE(c.is_null()) << error;
  EXPECT_EQ(c["etc"]["systemd/system/backup.timer"]["text"], "[Timer]\nOnCalendar=*-*-* 03:00:00\n");
  EXPECT_EQ(c["etc"]["systemd/system/report.timer"]["text"],
            "[Timer]\nOnCalendar=Mon 09:00\nOnCalendar=Thu 09:00\n");
  EXPECT_EQ(c["units"]["backup.timer"]["wantedBy"], json::array({"timers.target"}));
  EXPECT_EQ(c["units"]["backup.service"]["wantedBy"], json::array());
}

TEST(SystemdTimers, TimerConfigAddsToAServicesStartAt) {
  std::string error;
  json c = host_closure(R"(systemd.services.backup = { script = "true"; startAt = "daily"; };
  systemd.timers.backup = {
    description = "Nightly backup";
    timerConfig = { Persistent = true; RandomizedDelaySec = "1h"; };
  };
  systemd.timers.fstrim-all = {
    wantedBy = [ "timers.target" ];
    timerConfig = { OnBootSec = "15min"; Unit = "fstrim.service"; };
  };)", &error);
  ASSERT_FALSE(c.is_null()) << error;
  EXPECT_EQ(c["etc"]["systemd/system/backup.timer"]["text"],
            "[Unit]\nDescription=Nightly backup\n\n"
            "[Timer]\nOnCalendar=daily\nPersistent=true\nRandomizedDelaySec=1h\n");
  EXPECT_EQ(c["etc"]["systemd/system/fstrim-all.timer"]["text"], "[Timer]\nOnBootSec=15min\nUnit=fstrim.service\n");
  EXPECT_EQ(c["units"]["fstrim-all.timer"]["wantedBy"], json::array({"timers.target"}));
}

TEST(SystemdTimers, ADisabledTimerIsMasked) {
  std::string error;
  json c = host_closure(R"(systemd.services.backup = { script = "true"; startAt = "daily"; };
  systemd.timers.backup.enable = false;)", &error);
  ASSERT_FALSE(c.is_null()) << error;
  EXPECT_FALSE(c["etc"].contains("systemd/system/backup.timer"));
  EXPECT_EQ(c["units"]["backup.timer"]["enable"], false);
}

TEST(SystemdTimers, MistakesAreRefusedWithAdvice) {
  std::string error;
  EXPECT_TRUE(host_closure(R"(systemd.timers."x.timer".timerConfig.OnCalendar = "daily";)", &error).is_null());
  EXPECT_NE(error.find("systemd.timers: name timers without the \".timer\" suffix (it is added): [\"x.timer\"]"),
            std::string::npos)
      << error;
  EXPECT_TRUE(host_closure(R"(systemd.timers.x.wantedBy = [ "timers.target" ];)", &error).is_null());
  EXPECT_NE(error.find("systemd.timers: [\"x\"] never fire: give timerConfig"), std::string::npos) << error;
}

}  // namespace
}  // namespace cairn::eval
