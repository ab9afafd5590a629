// The user database: base-passwd, sysusers.d, maintainer-script requests and
// the configuration, in that order; fixed and allocated ids; the four files.
// The fixtures are bookworm's own (base-passwd 3.6.1, systemd 252,
// dbus 1.14, systemd-resolved 252); the expected allocations are what
// systemd-sysusers 252 gives on the same input.
#include "builder/compose/users.hh"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "builder/compose/test_packages.hh"

namespace cairn::compose {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// The first lines of base-passwd's masters (enough for the systemd files).
constexpr std::string_view kPasswdMaster =
    "root:*:0:0:root:/root:/bin/bash\n"
    "daemon:*:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "sync:*:4:65534:sync:/bin:/bin/sync\n"
    "www-data:*:33:33:www-data:/var/www:/usr/sbin/nologin\n"
    "_apt:*:42:65534::/nonexistent:/usr/sbin/nologin\n"
    "nobody:*:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";

constexpr std::string_view kGroupMaster =
    "root:*:0:\n"
    "daemon:*:1:\n"
    "adm:*:4:\n"
    "sudo:*:27:\n"
    "audio:*:29:\n"
    "www-data:*:33:\n"
    "shadow:*:42:\n"
    "users:*:100:\n"
    "nogroup:*:65534:\n";

// systemd's basic.conf (abridged: it repeats base-passwd) and the dynamic
// accounts of systemd, dbus and systemd-resolved.
constexpr std::string_view kBasicConf =
    "g adm        4     -\n"
    "g users      100   -\n"
    "u root       0       - /root                /bin/bash\n"
    "u sync       4:65534 - /bin                 /bin/sync\n";

UserSources debian_sources() {
  return UserSources{
      .passwd_master = std::string(kPasswdMaster),
      .group_master = std::string(kGroupMaster),
      .sysusers = {
          {"usr/lib/sysusers.d/basic.conf", "systemd", std::string(kBasicConf)},
          {"usr/lib/sysusers.d/dbus.conf", "dbus-system-bus-common",
           "u messagebus - \"System Message Bus\"\n"},
          {"usr/lib/sysusers.d/systemd-journal.conf", "systemd", "g systemd-journal - -\n"},
          {"usr/lib/sysusers.d/systemd-network.conf", "systemd",
           "u systemd-network - \"systemd Network Management\"\n"},
          {"usr/lib/sysusers.d/systemd-resolve.conf", "systemd-resolved",
           "u systemd-resolve - \"systemd Resolver\"\n"},
      }};
}

json closure_root() {
  return json::parse(R"({
    "users": {"root": {"uid": 0, "group": "root", "description": "root", "home": "/root",
                       "shell": "/bin/bash", "hashedPassword": null, "extraGroups": [],
                       "isNormalUser": false, "isSystemUser": false, "createHome": false,
                       "authorizedKeys": []}},
    "groups": {"root": {"gid": 0, "members": []}}
  })");
}

// The desktop host's accounts: a normal user and two system users whose
// ids modules/closure.nix allocated from 999 down.
json closure_desktop() {
  json c = closure_root();
  auto user = [](uint32_t uid, const char* group, const char* desc, const char* home,
                 const char* shell, json hash) {
    return json{{"uid", uid}, {"group", group}, {"description", desc}, {"home", home},
                {"shell", shell}, {"hashedPassword", hash}};
  };
  c["users"]["alice"] = user(1000, "users", "Alice Example", "/home/alice", "/bin/bash", "$6$salt$hash");
  c["users"]["lightdm"] = user(999, "lightdm", "Light Display Manager", "/var/lib/lightdm",
                               "/usr/sbin/nologin", nullptr);
  c["users"]["sshd"] = user(998, "nogroup", "sshd privilege separation", "/run/sshd",
                            "/usr/sbin/nologin", nullptr);
  c["groups"]["audio"] = {{"gid", 29}, {"members", {"alice"}}};
  c["groups"]["sudo"] = {{"gid", 27}, {"members", {"alice"}}};
  c["groups"]["lightdm"] = {{"gid", 999}, {"members", json::array()}};
  c["groups"]["nopasswdlogin"] = {{"gid", 998}, {"members", json::array()}};
  c["groups"]["nogroup"] = {{"gid", 65534}, {"members", json::array()}};
  c["groups"]["users"] = {{"gid", 100}, {"members", json::array()}};
  return c;
}

UserDb build_ok(const UserSources& src, const json& closure,
                const std::vector<AccountRequest>& requests = {}, const PreviousIds& prev = {}) {
  auto db = build_user_db(src, closure, requests, prev);
  EXPECT_TRUE(db) << db.error().message;
  return db ? *db : UserDb{};
}

std::string build_error(const UserSources& src, const json& closure,
                        const std::vector<AccountRequest>& requests = {}) {
  auto db = build_user_db(src, closure, requests, {});
  EXPECT_FALSE(db);
  return db ? "" : db.error().message;
}

TEST(UsersTest, DebianSourcesGiveWhatSystemdSysusersGives) {
  UserDb db = build_ok(debian_sources(), json::object());
  EXPECT_EQ(format_passwd(db),
            "root:x:0:0:root:/root:/bin/bash\n"
            "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
            "sync:x:4:65534:sync:/bin:/bin/sync\n"
            "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
            "_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n"
            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
            "messagebus:x:998:998:System Message Bus:/:/usr/sbin/nologin\n"
            "systemd-network:x:997:997:systemd Network Management:/:/usr/sbin/nologin\n"
            "systemd-resolve:x:996:996:systemd Resolver:/:/usr/sbin/nologin\n");
  EXPECT_EQ(format_group(db),
            "root:x:0:\n"
            "daemon:x:1:\n"
            "adm:x:4:\n"
            "sudo:x:27:\n"
            "audio:x:29:\n"
            "www-data:x:33:\n"
            "shadow:x:42:\n"
            "users:x:100:\n"
            "nogroup:x:65534:\n"
            "systemd-journal:x:999:\n"
            "messagebus:x:998:\n"
            "systemd-network:x:997:\n"
            "systemd-resolve:x:996:\n");
  EXPECT_TRUE(db.warnings.empty());
}

TEST(UsersTest, GroupLinesComeBeforeUserLinesOfEarlierFiles) {
  UserSources src = debian_sources();
  src.sysusers.insert(src.sysusers.begin(), {"usr/lib/sysusers.d/a.conf", "a", "u foo -\n"});
  src.sysusers.push_back({"usr/lib/sysusers.d/z.conf", "z", "g foo 555\nu foo 7\n"});
  UserDb db = build_ok(src, json::object());
  EXPECT_EQ(db.gids.at("foo"), 555u);  // z.conf's g line
  EXPECT_EQ(db.uids.at("foo"), 555u);  // a.conf's u line, on its group's id
}

TEST(UsersTest, ShadowFilesHoldEachSourcesPasswordAndAFixedLastChange) {
  UserDb db = build_ok(debian_sources(), closure_root());
  std::string shadow = format_shadow(db);
  EXPECT_EQ(shadow.substr(0, shadow.find('\n') + 1), "root:!:1::::::\n");  // configured, no password
  EXPECT_NE(shadow.find("\ndaemon:*:1::::::\n"), std::string::npos);     // base-passwd
  EXPECT_NE(shadow.find("\nmessagebus:!*:1::::::\n"), std::string::npos);  // sysusers
  std::string gshadow = format_gshadow(db);
  EXPECT_EQ(gshadow.substr(0, gshadow.find('\n') + 1), "root:*::\n");  // configured, keeps base-passwd's
  EXPECT_NE(gshadow.find("\nshadow:*::\n"), std::string::npos);
  EXPECT_NE(gshadow.find("\nsystemd-journal:!*::\n"), std::string::npos);
}

TEST(UsersTest, AllocationDependsOnNamesNotOnFileOrder) {
  UserSources reversed = debian_sources();
  std::reverse(reversed.sysusers.begin(), reversed.sysusers.end());
  UserDb a = build_ok(debian_sources(), json::object());
  UserDb b = build_ok(reversed, json::object());
  EXPECT_EQ(a.uids, b.uids);
  EXPECT_EQ(a.gids, b.gids);
}

TEST(UsersTest, ConfiguredAccountsReplaceInPlaceAndDynamicOnesMoveAround) {
  UserDb db = build_ok(debian_sources(), closure_desktop());
  EXPECT_EQ(db.users[0].name, "root");
  EXPECT_EQ(db.users[0].password, "!");
  // lightdm and sshd hold 999 and 998 (closure.nix allocated them), so the
  // system accounts from sysusers.d take the ids below.
  EXPECT_EQ(db.gids.at("systemd-journal"), 997u);
  EXPECT_EQ(db.uids.at("messagebus"), 996u);
  EXPECT_EQ(db.gids.at("messagebus"), 996u);
  EXPECT_EQ(db.uids.at("systemd-network"), 995u);
  EXPECT_EQ(db.uids.at("systemd-resolve"), 994u);
  std::string passwd = format_passwd(db);
  EXPECT_NE(passwd.find("\nalice:x:1000:100:Alice Example:/home/alice:/bin/bash\n"), std::string::npos);
  EXPECT_NE(passwd.find("\nsshd:x:998:65534:sshd privilege separation:/run/sshd:/usr/sbin/nologin\n"),
            std::string::npos);
  std::string group = format_group(db);
  EXPECT_NE(group.find("\nsudo:x:27:alice\n"), std::string::npos);
  EXPECT_NE(group.find("\nlightdm:x:999:\n"), std::string::npos);
  EXPECT_NE(format_shadow(db).find("\nalice:$6$salt$hash:1::::::\n"), std::string::npos);
}

TEST(UsersTest, PreviousIdsAreKeptSoStateKeepsItsOwners) {
  PreviousIds prev{.uids = {{"systemd-network", 900}, {"root", 5}},
                   .gids = {{"systemd-journal", 950}, {"systemd-network", 900}}};
  UserDb db = build_ok(debian_sources(), json::object(), {}, prev);
  EXPECT_EQ(db.gids.at("systemd-journal"), 950u);
  EXPECT_EQ(db.uids.at("systemd-network"), 900u);
  EXPECT_EQ(db.gids.at("systemd-network"), 900u);
  EXPECT_EQ(db.uids.at("root"), 0u);  // fixed ids do not look at the previous ones
  EXPECT_EQ(db.uids.at("messagebus"), 999u);
  EXPECT_EQ(db.uids.at("systemd-resolve"), 998u);
  EXPECT_TRUE(db.warnings.empty());
}

TEST(UsersTest, PreviousIdTakenByAConfiguredAccountIsReportedAndReplaced) {
  PreviousIds prev{.uids = {{"messagebus", 998}}, .gids = {{"messagebus", 998}}};
  UserDb db = build_ok(debian_sources(), closure_desktop(), {}, prev);
  EXPECT_EQ(db.uids.at("messagebus"), 996u);
  EXPECT_EQ(db.gids.at("messagebus"), 996u);
  EXPECT_EQ(db.warnings,
            (std::vector<std::string>{
                "group messagebus: gid 998, which an earlier generation gave it, now belongs to "
                "nopasswdlogin; it gets gid 996 (files on the state partition that it owns keep "
                "gid 998)",
                "user messagebus: uid 998, which an earlier generation gave it, now belongs to "
                "sshd; it gets uid 996 (files on the state partition that it owns keep uid 998)"}));
}

TEST(UsersTest, TwoNamesWithOneFixedUidIsAnErrorNamingBoth) {
  UserSources src = debian_sources();
  src.sysusers.push_back({"usr/lib/sysusers.d/web.conf", "webserver", "\nu web 33 \"Web\"\n"});
  EXPECT_EQ(build_error(src, json::object()),
            "uid 33 is given to both www-data (usr/share/base-passwd/passwd.master:4, base-passwd) "
            "and web (usr/lib/sysusers.d/web.conf:2, webserver); give one of them another uid");
}

TEST(UsersTest, ConfiguredGidClashingWithBasePasswdIsAnError) {
  json c = closure_root();
  c["groups"]["media"] = {{"gid", 29}, {"members", json::array()}};
  EXPECT_EQ(build_error(debian_sources(), c),
            "gid 29 is given to both audio (usr/share/base-passwd/group.master:5, base-passwd) and "
            "media (users.groups.media); give one of them another gid");
}

TEST(UsersTest, RequestsFromMaintainerScripts) {
  std::vector<AccountRequest> requests = {
      {.kind = AccountRequest::Kind::group, .name = "kvm", .package = "udev"},
      {.kind = AccountRequest::Kind::user, .name = "_chrony", .group = "_chrony",
       .home = "/var/lib/chrony", .gecos = "Chrony daemon", .package = "chrony"},
      {.kind = AccountRequest::Kind::user, .name = "tss", .package = "tpm-udev"},
      {.kind = AccountRequest::Kind::user, .name = "www-data", .group = "www-data", .package = "apache2"},
  };
  UserDb db = build_ok(debian_sources(), json::object(), requests);
  EXPECT_EQ(db.gids.at("kvm"), 999u);  // standalone groups first, by name
  std::string passwd = format_passwd(db);
  // Users by name ('_' sorts first), each on an id no other name uses as
  // uid or gid: _chrony and its group get 997, tss the first after the
  // sysusers.d accounts.
  EXPECT_NE(passwd.find("\n_chrony:x:997:997:Chrony daemon:/var/lib/chrony:/usr/sbin/nologin\n"),
            std::string::npos);
  EXPECT_NE(passwd.find("\ntss:x:993:65534::/nonexistent:/usr/sbin/nologin\n"), std::string::npos);
  EXPECT_NE(passwd.find("\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"), std::string::npos);
  EXPECT_NE(format_shadow(db).find("\ntss:!:1::::::\n"), std::string::npos);
  EXPECT_NE(format_gshadow(db).find("\nkvm:!::\n"), std::string::npos);
}

TEST(UsersTest, MissingPrimaryGroupIsAnError) {
  std::vector<AccountRequest> requests = {
      {.kind = AccountRequest::Kind::user, .name = "foo", .group = "bar", .package = "foo-server"}};
  EXPECT_EQ(build_error(debian_sources(), json::object(), requests),
            "user foo (adduser --system in foo-server's maintainer scripts): its primary group bar "
            "does not exist; declare it (users.groups.bar) or choose an existing group");
}

TEST(UsersTest, MemberLinesAddMembersAndCreateWhatIsMissing) {
  UserSources src = debian_sources();
  src.sysusers.push_back({"usr/lib/sysusers.d/x.conf", "x",
                          "m systemd-network adm\nm messagebus newgroup\nm newuser adm\n"});
  json c = closure_root();
  c["groups"]["adm"] = {{"gid", 4}, {"members", {"zed"}}};
  UserDb db = build_ok(src, c);
  std::string group = format_group(db);
  EXPECT_NE(group.find("\nadm:x:4:newuser,systemd-network,zed\n"), std::string::npos);
  EXPECT_NE(group.find("\nnewgroup:x:999:messagebus\n"), std::string::npos);
  EXPECT_EQ(db.uids.at("newuser"), db.gids.at("newuser"));
}

TEST(UsersTest, UserWithFixedUidGetsTheSameGidWhenFree) {
  UserSources src = debian_sources();
  src.sysusers.push_back({"usr/lib/sysusers.d/x.conf", "x", "u alpha 500\nu beta 27\n"});
  UserDb db = build_ok(src, json::object());
  EXPECT_EQ(db.gids.at("alpha"), 500u);
  EXPECT_EQ(db.gids.at("beta"), 999u);  // gid 27 is sudo's
  EXPECT_EQ(db.gids.at("systemd-journal"), 998u);
}

TEST(UsersTest, ColonInAConfiguredFieldIsAnError) {
  json c = closure_root();
  c["users"]["root"]["description"] = "root: the admin";
  EXPECT_EQ(build_error(debian_sources(), c),
            "user root (users.users.root): its description \"root: the admin\" contains ':', which "
            "/etc/passwd cannot hold; remove it");
  c = closure_root();
  c["users"]["root"]["hashedPassword"] = "$6$a:b";
  EXPECT_EQ(build_error(debian_sources(), c),
            "user root (users.users.root): its password contains ':', which /etc/shadow cannot "
            "hold; remove it");
}

TEST(UsersTest, MalformedClosureAndMasterAreErrors) {
  json c = closure_root();
  c["users"]["root"]["uid"] = "0";
  EXPECT_EQ(build_error(debian_sources(), c),
            "closure: users.root.uid: expected an integer from 0 to 4294967295");
  c = closure_root();
  c["users"]["root"].erase("shell");
  EXPECT_EQ(build_error(debian_sources(), c),
            "closure: users.root: missing \"shell\"; regenerate the closure with this version of cairn");
  UserSources src = debian_sources();
  src.group_master += "broken:*:x\n";
  EXPECT_EQ(build_error(src, json::object()),
            "usr/share/base-passwd/group.master:10: expected 4 fields separated by ':', found 3; "
            "the base-passwd package's master file is damaged");
}

class UsersTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/cairn-users-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  void add(const std::string& name, std::vector<testing::FakeEntry> entries) {
    auto r = tree_.add_package(testing::make_package_dir(dir_ + "/" + name, name, std::move(entries)));
    ASSERT_TRUE(r) << r.error().message;
  }

  std::string dir_;
  RootTree tree_;
};

TEST_F(UsersTreeTest, ReadsMastersAndSysusersFilesWithEtcOverridesAndMasks) {
  add("base-passwd", {{.path = "/usr/share/base-passwd/passwd.master", .content = std::string(kPasswdMaster)},
                      {.path = "/usr/share/base-passwd/group.master", .content = std::string(kGroupMaster)}});
  add("systemd", {{.path = "/usr/lib/sysusers.d/systemd-journal.conf", .content = "g systemd-journal - -\n"},
                  {.path = "/usr/lib/sysusers.d/systemd-network.conf", .content = "u systemd-network -\n"},
                  {.path = "/usr/lib/sysusers.d/README", .content = "u not-a-conf -\n"}});
  add("local", {{.path = "/etc/sysusers.d/systemd-network.conf", .content = "u systemd-network 800\n"},
                {.path = "/etc/sysusers.d/systemd-journal.conf", .type = EntryType::symlink,
                 .target = "/dev/null"}});
  json c = closure_root();
  c["etc"]["sysusers.d/extra.conf"] = {{"text", "g extra 700\n"}, {"mode", "0644"},
                                       {"user", "root"}, {"group", "root"}};
  auto db = compose_users(tree_, c, {}, {});
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ(db->uids.at("systemd-network"), 800u);
  EXPECT_EQ(db->gids.at("extra"), 700u);
  EXPECT_FALSE(db->gids.count("systemd-journal"));
  EXPECT_FALSE(db->uids.count("not-a-conf"));
}

TEST_F(UsersTreeTest, ErrorsSayTheyCameFromComposingUsers) {
  add("systemd", {{.path = "/usr/lib/sysusers.d/bad.conf", .content = "q x\n"}});
  auto db = compose_users(tree_, json::object(), {}, {});
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().message,
            "composing users: usr/lib/sysusers.d/bad.conf:1: unknown line type 'q' (expected u, g, m or r)");
}

TEST_F(UsersTreeTest, WritesTheFourFilesWithShadowGroupOwnership) {
  UserDb db = build_ok(debian_sources(), closure_root());
  write_user_files(tree_, db);
  for (auto [path, mode, gid] : {std::tuple{"etc/passwd", 0644u, 0u}, {"etc/group", 0644u, 0u},
                                 {"etc/shadow", 0640u, 42u}, {"etc/gshadow", 0640u, 42u}}) {
    const Node* n = tree_.find(path);
    ASSERT_NE(n, nullptr) << path;
    EXPECT_EQ(n->mode, mode) << path;
    EXPECT_EQ(n->uid, 0u) << path;
    EXPECT_EQ(n->gid, gid) << path;
  }
  EXPECT_EQ(tree_.find("etc/passwd")->text, format_passwd(db));
  EXPECT_EQ(tree_.find("etc/gshadow")->text, format_gshadow(db));
}

}  // namespace
}  // namespace cairn::compose
