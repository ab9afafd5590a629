// compose_system end to end over a handful of fake packages: every pass
// leaves its mark in the tree (merged /usr, users, a stat override, the
// generated /etc, an alternative, an enablement link), the staged tree
// matches the model, and the manifest digests see what changed.
#include "builder/compose/compose.hh"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "builder/compose/test_packages.hh"

namespace cairn::compose {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::FakeEntry;
using testing::make_package_dir;

constexpr const char* kPasswd =
    "root:*:0:0:root:/root:/bin/bash\n"
    "daemon:*:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "nobody:*:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
constexpr const char* kGroup = "root:*:0:\ndaemon:*:1:\nshadow:*:42:\nusers:*:100:\nnogroup:*:65534:\n";
constexpr const char* kPamUnix =
    "Name: Unix authentication\nDefault: yes\nPriority: 256\nAuth-Type: Primary\nAuth:\n"
    "\t[success=end default=ignore]\tpam_unix.so nullok try_first_pass\nAuth-Initial:\n"
    "\t[success=end default=ignore]\tpam_unix.so nullok\nAccount-Type: Primary\nAccount:\n"
    "\t[success=end new_authtok_reqd=done default=ignore]\tpam_unix.so\nSession-Type: Additional\n"
    "Session:\n\trequired\tpam_unix.so\nPassword-Type: Primary\nPassword:\n"
    "\t[success=end default=ignore]\tpam_unix.so obscure use_authtok try_first_pass yescrypt\n"
    "Password-Initial:\n\t[success=end default=ignore]\tpam_unix.so obscure yescrypt\n";

json closure() {
  return json::parse(R"({
    "name": "test", "host": "test", "hostName": "test", "architecture": "amd64", "platform": "x86_64-linux",
    "etc": { "hostname": { "text": "test\n", "mode": "0644", "user": "root", "group": "root" } },
    "users": {
      "root": { "uid": 0, "group": "root", "extraGroups": [], "description": "root", "home": "/root",
                "createHome": false, "shell": "/bin/bash", "hashedPassword": null, "isNormalUser": false,
                "isSystemUser": false, "authorizedKeys": [] },
      "ann": { "uid": 1000, "group": "users", "extraGroups": [], "description": "Ann", "home": "/home/ann",
               "createHome": true, "shell": "/bin/bash", "hashedPassword": "$6$x$y", "isNormalUser": true,
               "isSystemUser": false, "authorizedKeys": [] } },
    "groups": { "root": { "gid": 0, "members": [] }, "users": { "gid": 100, "members": [] } },
    "units": { "hello.service": { "enable": true, "wantedBy": [], "requiredBy": [], "aliases": [],
               "restartIfChanged": true, "reloadIfChanged": false, "stopIfChanged": true, "reloadTriggers": [] } },
    "kernel": { "package": "", "params": [], "initrdModules": [] }
  })");
}

class Compose : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cairn-compose-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    packages_.push_back(make_package_dir(dir_ + "/p/base-files", "base-files",
        {{.path = "/usr/lib/os-release", .content = "ID=debian\n"},
         {.path = "/etc/os-release", .type = EntryType::symlink, .target = "../usr/lib/os-release"}}));
    packages_.push_back(make_package_dir(dir_ + "/p/base-passwd", "base-passwd",
        {{.path = "/usr/share/base-passwd/passwd.master", .content = kPasswd},
         {.path = "/usr/share/base-passwd/group.master", .content = kGroup}}));
    std::vector<FakeEntry> pam = {{.path = "/usr/share/pam-configs/unix", .content = kPamUnix}};
    for (std::string type : {"auth", "account", "password", "session", "session-noninteractive"}) {
      std::string key = type == "session-noninteractive" ? "session" : type;
      pam.push_back({.path = "/usr/share/pam/common-" + type,
                     .content = "# here are the per-package modules (the \"Primary\" block)\n$" + key +
                                "_primary\n# here's the fallback if no module succeeds\n" + key +
                                "\trequired\tpam_permit.so\n# and here are more per-package modules (the "
                                "\"Additional\" block)\n$" + key + "_additional\n# end of pam-auth-update config\n"});
    }
    packages_.push_back(make_package_dir(dir_ + "/p/libpam-runtime", "libpam-runtime", pam));
    // A tool shipped under /bin with an alternative, a helper that a stat
    // override makes setuid for its own system group, and a unit it enables.
    packages_.push_back(make_package_dir(dir_ + "/p/hello", "hello",
        {{.path = "/bin/hello", .mode = 0755, .content = "#!/bin/sh\necho hello\n"},
         {.path = "/usr/lib/hello/helper", .mode = 0755, .content = "helper"},
         {.path = "/lib/systemd/system/hello.service",
          .content = "[Service]\nExecStart=/usr/bin/hello\n[Install]\nWantedBy=multi-user.target\n"}},
        {{"postinst",
          "#!/bin/sh\nset -e\nif [ \"$1\" = configure ]; then\n"
          "  addgroup --system hellos\n"
          "  dpkg-statoverride --update --add root hellos 4750 /usr/lib/hello/helper\n"
          "  update-alternatives --install /usr/bin/greeter greeter /usr/bin/hello 50\n"
          "fi\n"}}));
    input_.closure = &closure_;
    input_.packages = packages_;
    input_.generation = 7;
    input_.staging = dir_ + "/staging";
    auto r = compose_system(input_, passes_);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    sys_ = std::move(*r);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string text(std::string_view path) {
    auto r = sys_.tree.read(path);
    return r ? *r : "<" + r.error().message + ">";
  }

  std::string dir_;
  json closure_ = closure();
  std::vector<PackageDir> packages_;
  ComposeInput input_;
  Passes passes_;
  ComposedSystem sys_;
};

TEST_F(Compose, PackageFilesLandUnderUsr) {
  const Node* hello = sys_.tree.find("usr/bin/hello");
  ASSERT_NE(hello, nullptr);
  EXPECT_EQ(hello->package, "hello");
  EXPECT_EQ(hello->package_path, "/bin/hello");
  EXPECT_EQ(sys_.tree.find("bin")->type, EntryType::symlink);
  EXPECT_NE(sys_.tree.find("usr/lib/systemd/system/hello.service"), nullptr);
}

TEST_F(Compose, UsersComeFromTheMastersTheScriptsAndTheConfig) {
  std::string passwd = text("etc/passwd");
  EXPECT_NE(passwd.find("root:x:0:0:root:/root:/bin/bash\n"), std::string::npos) << passwd;
  EXPECT_NE(passwd.find("ann:x:1000:100:Ann:/home/ann:/bin/bash\n"), std::string::npos) << passwd;
  EXPECT_NE(text("etc/shadow").find("ann:$6$x$y:"), std::string::npos);
  ASSERT_TRUE(sys_.users.gids.count("hellos"));
  EXPECT_EQ(sys_.users.gids.at("hellos"), 999u);
}

TEST_F(Compose, StatOverrideUsesTheComposedGroup) {
  const Node* helper = sys_.tree.find("usr/lib/hello/helper");
  ASSERT_NE(helper, nullptr);
  EXPECT_EQ(helper->mode, 04750u);
  EXPECT_EQ(helper->uid, 0u);
  EXPECT_EQ(helper->gid, sys_.users.gids.at("hellos"));
}

TEST_F(Compose, GeneratedEtcOverridesAndAdds) {
  EXPECT_EQ(text("etc/hostname"), "test\n");
  EXPECT_EQ(text("etc/machine-id"), "");
  EXPECT_NE(text("usr/lib/os-release").find("IMAGE_ID=test\nIMAGE_VERSION=7\n"), std::string::npos);
  EXPECT_NE(text("etc/pam.d/common-auth").find("pam_unix.so nullok"), std::string::npos) << text("etc/pam.d/common-auth");
}

TEST_F(Compose, AlternativeAndEnablementLinks) {
  EXPECT_EQ(sys_.alternatives.at("greeter"), "/usr/bin/hello");
  const Node* link = sys_.tree.find("usr/bin/greeter");
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(link->target, "/etc/alternatives/greeter");
  const Node* wants = sys_.tree.find("etc/systemd/system/multi-user.target.wants/hello.service");
  ASSERT_NE(wants, nullptr);
  EXPECT_EQ(wants->target, "/usr/lib/systemd/system/hello.service");
}

TEST_F(Compose, StagedTreeMatchesTheModel) {
  EXPECT_TRUE(fs::is_symlink(input_.staging + "/bin"));
  std::ifstream passwd(input_.staging + "/etc/passwd");
  std::string first;
  std::getline(passwd, first);
  EXPECT_EQ(first, "root:x:0:0:root:/root:/bin/bash");
  // Every staged path is in the model (the image's pseudo file needs it).
  for (auto it = fs::recursive_directory_iterator(input_.staging); it != fs::recursive_directory_iterator(); ++it) {
    std::string rel = it->path().lexically_relative(input_.staging).string();
    EXPECT_NE(sys_.tree.find(rel), nullptr) << rel;
  }
}

TEST_F(Compose, PseudoEntriesCarryOwnersAndModes) {
  bool found = false;
  for (const images::PseudoEntry& e : pseudo_entries(sys_.tree))
    if (e.path == "usr/lib/hello/helper") {
      found = true;
      EXPECT_EQ(e.mode, 04750u);
      EXPECT_EQ(e.gid, sys_.users.gids.at("hellos"));
    }
  EXPECT_TRUE(found);
  EXPECT_EQ(pseudo_entries(sys_.tree).size(), sys_.tree.nodes().size());
}

TEST_F(Compose, DigestsNameEtcFilesAndUnits) {
  auto etc = etc_digests(sys_.tree);
  ASSERT_TRUE(etc.has_value());
  EXPECT_TRUE(etc->at("hostname").starts_with("sha256:"));
  EXPECT_EQ(etc->at("os-release"), "symlink:../usr/lib/os-release");
  auto units = unit_digests(sys_.tree);
  ASSERT_TRUE(units.has_value());
  ASSERT_TRUE(units->count("hello.service"));
  // A drop-in changes the unit's digest.
  std::string before = units->at("hello.service");
  sys_.tree.set_file("etc/systemd/system/hello.service.d/override.conf", "[Service]\nNice=5\n");
  EXPECT_NE(unit_digests(sys_.tree)->at("hello.service"), before);
}

TEST_F(Compose, EveryPassIsTimed) {
  passes_.finish();
  std::vector<std::string> names;
  for (const auto& t : passes_.timings()) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"reading maintainer scripts", "merging packages", "users and groups",
                                             "generating /etc", "dpkg database and /var", "staging the root", "kernel modules",
                                             "ld.so.cache and hwdb", "GSettings schemas and MIME database"}));
}

}  // namespace
}  // namespace cairn::compose

namespace cairn::compose {
namespace {

TEST(ComposeChoices, ConfiguredAlternativeMustBeACandidate) {
  char tmpl[] = "/tmp/cairn-compose-test-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::vector<PackageDir> packages = {testing::make_package_dir(
      dir + "/p/hello", "hello", {{.path = "/usr/bin/hello", .mode = 0755, .content = "x"}},
      {{"postinst", "#!/bin/sh\nupdate-alternatives --install /usr/bin/greeter greeter /usr/bin/hello 50\n"}})};
  nlohmann::json closure = {{"name", "t"}, {"alternatives", {{"greeter", "/usr/bin/nope"}}}};
  ComposeInput input;
  input.closure = &closure;
  input.packages = packages;
  input.staging = dir + "/staging";
  Passes passes;
  auto r = compose_system(input, passes);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("/usr/bin/nope"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("/usr/bin/hello"), std::string::npos) << r.error().message;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cairn::compose
