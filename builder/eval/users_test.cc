// modules/config/users-groups.nix and modules/closure.nix: subordinate
// uid/gid ranges (/etc/subuid, /etc/subgid) for rootless containers.
#include <gtest/gtest.h>

#include <string>

#include "builder/eval/test_hosts.hh"

namespace cairn::eval {
namespace {

using nlohmann::json;
using testing::host_closure;

TEST(SubordinateIds, NormalUsersGetARangeThatFollowsFromTheirUid) {
  std::string error;
  json c = host_closure(R"(users.users.alice = { isNormalUser = true; };
    users.users.bob = { isNormalUser = true; uid = 1005; };
    users.users.backup = { isSystemUser = true; group = "nogroup"; };)", &error);
  ASSERT_FALSE(c.is_null()) << error;
  EXPECT_EQ(c["users"]["alice"]["uid"], 1000);
  EXPECT_EQ(c["etc"]["subuid"]["text"], "alice:100000:65536\nbob:427680:65536\n");
  EXPECT_EQ(c["etc"]["subgid"]["text"], "alice:100000:65536\nbob:427680:65536\n");
  EXPECT_EQ(c["etc"]["subuid"]["mode"], "0644");
}

TEST(SubordinateIds, ExplicitRangesComeFirstAndTheAutomaticOneCanBeTurnedOff) {
  std::string error;
  json c = host_closure(R"(users.users.alice = {
      isNormalUser = true;
      subUidRanges = [ { startUid = 1000000; count = 1000; } ];
      subGidRanges = [ { startGid = 2000000; } ];
    };
    users.users.carol = { isNormalUser = true; autoSubUidGidRange = false; };)", &error);
  ASSERT_FALSE(c.is_null()) << error;
  EXPECT_EQ(c["etc"]["subuid"]["text"], "alice:1000000:1000\nalice:100000:65536\n");
  EXPECT_EQ(c["etc"]["subgid"]["text"], "alice:2000000:65536\nalice:100000:65536\n");
}

TEST(SubordinateIds, NoRangesNoFiles) {
  std::string error;
  json c = host_closure("", &error);
  ASSERT_FALSE(c.is_null()) << error;
  EXPECT_FALSE(c["etc"].contains("subuid"));  // compose writes it empty
  EXPECT_FALSE(c["etc"].contains("subgid"));
}

TEST(SubordinateIds, AnAutomaticRangeForASystemUserIsRefused) {
  std::string error;
  EXPECT_TRUE(host_closure(R"(users.users.svc = { isSystemUser = true; group = "nogroup"; autoSubUidGidRange = true; };)",
                           &error)
                  .is_null());
  EXPECT_NE(error.find("users.users: autoSubUidGidRange needs a uid of 1000 or more"), std::string::npos) << error;
  EXPECT_NE(error.find("[\"svc\"]"), std::string::npos) << error;
}

}  // namespace
}  // namespace cairn::eval
