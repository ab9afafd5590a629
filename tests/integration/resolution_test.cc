// What resolution chooses, checked through the whole package path: the
// index fetched over HTTP and verified, libsolv, cairn.lock written and read
// back, the .debs fetched into the store and unpacked (pipeline.hh). Each
// test asserts the locked set exactly — name, version and architecture —
// so a package chosen wrongly, or one too many, fails it; and what was not
// chosen is never downloaded.
//
//   alternatives  `a | b` takes the first that can be installed, as apt
//                 does, though libsolv alone would take the first by name
//   Provides      a virtual package, and versioned Provides against a
//                 versioned dependency (an unversioned one must not count)
//   Multi-Arch    an arm64 host from a two-architecture archive: its own
//                 architecture and `all`, `foreign` tools, `:any`, and a
//                 `same` library whose two builds sit side by side
#include <gtest/gtest.h>

// Package specs name only the fields a test cares about (designated
// initializers); g++ 12 warns about every member left at its default.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <filesystem>

#include "base/files.hh"
#include "tests/integration/pipeline.hh"

namespace cairn::debian {
namespace {

namespace fs = std::filesystem;
using namespace cairn::integration;

using ResolutionPipeline = Pipeline;

DebFile file(const std::string& path) { return DebFile{.path = path, .contents = path + "\n"}; }

// ---- alternatives -------------------------------------------------------------

// `postfix | exim4`: apt installs postfix, the first alternative, although
// exim4 comes first by name. exim4 is neither locked nor downloaded, and
// locking again gives the same bytes.
TEST_F(ResolutionPipeline, AlternativeTakesTheFirstAsAptDoes) {
  add({.name = "exim4", .files = {file("usr/sbin/exim4")}});
  add({.name = "postfix", .files = {file("usr/sbin/postfix")}});
  add({.name = "mutt", .depends = "postfix | exim4"});
  ASSERT_TRUE(repo_->publish());

  auto locked = lock(host({"mutt"}));
  ASSERT_TRUE(locked) << locked.error().message;
  EXPECT_EQ(listing(locked->host), (std::vector<std::string>{"mutt 1.0 amd64", "postfix 1.0 amd64"}));
  EXPECT_EQ(locked->resolution.why("postfix"),
            (std::vector<std::string>{"mutt is requested", "mutt depends on postfix | exim4"}));

  auto installed = fetch_and_unpack(locked->host);
  ASSERT_TRUE(installed) << installed.error().message;
  EXPECT_TRUE(fs::exists(tree(*locked, "postfix") + "/root/usr/sbin/postfix"));
  EXPECT_EQ(entries(store_->root() + "/pkgs").size(), 2u);
  EXPECT_EQ(repo_->request_count("pool/main/e/exim4/exim4_1.0_amd64.deb"), 0);

  // The same index, now read from the .solv cache, and the same request:
  // the same lock, byte for byte.
  EXPECT_EQ(locked->load.files_parsed, 1u);
  auto again = lock(host({"mutt"}));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->load.files_cached, 1u);
  EXPECT_EQ(again->lock_text, locked->lock_text);
}

// When the first alternative cannot be had — no such package, or only a
// version the dependency does not accept — the next one is taken, and the
// unusable one is not installed.
TEST_F(ResolutionPipeline, AlternativeFallsBackWhenTheFirstIsNotAvailable) {
  add({.name = "exim4", .files = {file("usr/sbin/exim4")}});
  add({.name = "sendmail", .version = "8.17", .files = {file("usr/sbin/sendmail")}});
  add({.name = "mutt", .depends = "postfix | exim4"});            // no postfix in the archive
  add({.name = "mailx", .depends = "sendmail (>= 9) | exim4"});  // sendmail is too old
  ASSERT_TRUE(repo_->publish());

  auto mutt = lock(host({"mutt"}));
  ASSERT_TRUE(mutt) << mutt.error().message;
  EXPECT_EQ(listing(mutt->host), (std::vector<std::string>{"exim4 1.0 amd64", "mutt 1.0 amd64"}));
  EXPECT_EQ(mutt->resolution.why("exim4"),
            (std::vector<std::string>{"mutt is requested", "mutt depends on postfix | exim4"}));

  auto mailx = lock(host({"mailx"}));
  ASSERT_TRUE(mailx) << mailx.error().message;
  EXPECT_EQ(listing(mailx->host), (std::vector<std::string>{"exim4 1.0 amd64", "mailx 1.0 amd64"}));
  auto installed = fetch_and_unpack(mailx->host);
  ASSERT_TRUE(installed) << installed.error().message;
  EXPECT_TRUE(fs::exists(tree(*mailx, "exim4") + "/root/usr/sbin/exim4"));
  EXPECT_EQ(repo_->request_count("pool/main/s/sendmail/sendmail_8.17_amd64.deb"), 0);
}

// ---- Provides -------------------------------------------------------------------

// Nothing is called mail-transport-agent; exim4 provides it. Asking for the
// virtual name itself is an error that names the provider.
TEST_F(ResolutionPipeline, VirtualPackageIsSatisfiedByItsProvider) {
  add({.name = "exim4", .provides = "mail-transport-agent", .files = {file("usr/sbin/exim4")}});
  add({.name = "mutt", .depends = "mail-transport-agent"});
  ASSERT_TRUE(repo_->publish());

  auto locked = lock(host({"mutt"}));
  ASSERT_TRUE(locked) << locked.error().message;
  EXPECT_EQ(listing(locked->host), (std::vector<std::string>{"exim4 1.0 amd64", "mutt 1.0 amd64"}));
  EXPECT_EQ(locked->resolution.why("exim4"),
            (std::vector<std::string>{"mutt is requested",
                                      "mutt depends on mail-transport-agent, provided by exim4"}));
  auto installed = fetch_and_unpack(locked->host);
  ASSERT_TRUE(installed) << installed.error().message;
  EXPECT_TRUE(fs::exists(tree(*locked, "exim4") + "/root/usr/sbin/exim4"));

  auto direct = lock(host({"mail-transport-agent"}));
  ASSERT_FALSE(direct);
  EXPECT_EQ(direct.error().message,
            "cannot install mail-transport-agent: it is a virtual package; name one of the packages that provide "
            "it: exim4");
}

// `libfoo-api (>= 2)` is met only by a provider of a version that is high
// enough: not by `(= 1)` (first by name), and not by an unversioned Provides,
// which by Debian policy never satisfies a versioned dependency.
TEST_F(ResolutionPipeline, VersionedProvidesSatisfiesAVersionedDependency) {
  add({.name = "a-impl", .provides = "libfoo-api (= 1)", .files = {file("usr/lib/a-impl")}});
  add({.name = "b-impl", .provides = "libfoo-api (= 2.1)", .files = {file("usr/lib/b-impl")}});
  add({.name = "0-impl", .provides = "libfoo-api, libbar-api", .files = {file("usr/lib/0-impl")}});
  add({.name = "app", .depends = "libfoo-api (>= 2)"});
  add({.name = "old-app", .depends = "libbar-api (>= 1)"});
  ASSERT_TRUE(repo_->publish());

  auto locked = lock(host({"app"}));
  ASSERT_TRUE(locked) << locked.error().message;
  EXPECT_EQ(listing(locked->host), (std::vector<std::string>{"app 1.0 amd64", "b-impl 1.0 amd64"}));
  EXPECT_EQ(locked->resolution.why("b-impl"),
            (std::vector<std::string>{"app is requested", "app depends on libfoo-api (>= 2), provided by b-impl"}));
  auto installed = fetch_and_unpack(locked->host);
  ASSERT_TRUE(installed) << installed.error().message;
  EXPECT_TRUE(fs::exists(tree(*locked, "b-impl") + "/root/usr/lib/b-impl"));

  auto unversioned = lock(host({"old-app"}));
  ASSERT_FALSE(unversioned);
  EXPECT_EQ(unversioned.error().message,
            "cannot install old-app: depends on libbar-api (>= 1), but bookworm has libbar-api only as a virtual "
            "package (0-impl provides it)");
}

// ---- Multi-Arch -----------------------------------------------------------------

// An archive for amd64 and arm64: every package built for both, each build
// with its own files, and two for `all`, one of which needs an
// architecture-specific tool.
class ResolutionMultiArch : public Pipeline {
 protected:
  void SetUp() override {
    start({.architectures = {"amd64", "arm64"}});
    for (const char* arch : {"amd64", "arm64"}) {
      std::string triplet = std::string(arch) == "amd64" ? "x86_64-linux-gnu" : "aarch64-linux-gnu";
      add({.name = "libc6", .architecture = arch, .multi_arch = "same",
           .files = {file("usr/lib/" + triplet + "/libc.so.6")}});
      add({.name = "make", .architecture = arch, .depends = "libc6", .multi_arch = "foreign",
           .files = {file("usr/bin/make")}});
      add({.name = "openssl", .version = "3.0.15", .architecture = arch, .depends = "libc6",
           .multi_arch = "foreign", .files = {file("usr/bin/openssl")}});
      add({.name = "perl", .architecture = arch, .depends = "libc6", .multi_arch = "allowed",
           .files = {file("usr/bin/perl")}});
      add({.name = "app", .architecture = arch, .depends = "libc6, make, perl:any, ca-certificates, tzdata",
           .files = {file("usr/bin/app")}});
    }
    add({.name = "tzdata", .version = "2024a", .architecture = "all", .multi_arch = "foreign",
         .files = {file("usr/share/zoneinfo/UTC")}});
    add({.name = "ca-certificates", .version = "20230311", .architecture = "all", .depends = "openssl",
         .multi_arch = "foreign", .files = {file("usr/share/ca-certificates/cairn.crt")}});
    ASSERT_TRUE(repo_->publish());
  }
};

TEST_F(ResolutionMultiArch, EachHostGetsItsArchitectureAndAll) {
  auto arm = lock(host({"app"}, "arm64"));
  ASSERT_TRUE(arm) << arm.error().message;
  EXPECT_EQ(listing(arm->host),
            (std::vector<std::string>{"app 1.0 arm64", "ca-certificates 20230311 all", "libc6 1.0 arm64",
                                      "make 1.0 arm64", "openssl 3.0.15 arm64", "perl 1.0 arm64",
                                      "tzdata 2024a all"}));
  EXPECT_EQ(arm->resolution.why("perl"),
            (std::vector<std::string>{"app is requested", "app depends on perl:any"}));
  EXPECT_EQ(arm->resolution.why("openssl"),
            (std::vector<std::string>{"app is requested", "app depends on ca-certificates",
                                      "ca-certificates depends on openssl"}));
  auto arm_installed = fetch_and_unpack(arm->host);
  ASSERT_TRUE(arm_installed) << arm_installed.error().message;
  for (const auto& p : arm->host.packages) {
    auto info = read_unpack_info(pkg_dir(p));
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->architecture, p.architecture) << p.name;
  }
  EXPECT_TRUE(fs::exists(tree(*arm, "libc6") + "/root/usr/lib/aarch64-linux-gnu/libc.so.6"));
  // Not one amd64 package was downloaded for the arm64 host.
  for (const auto& r : repo_->requests()) EXPECT_EQ(r.path.find("_amd64.deb"), std::string::npos) << r.path;

  auto amd = lock(host({"app"}, "amd64"));
  ASSERT_TRUE(amd) << amd.error().message;
  EXPECT_EQ(listing(amd->host),
            (std::vector<std::string>{"app 1.0 amd64", "ca-certificates 20230311 all", "libc6 1.0 amd64",
                                      "make 1.0 amd64", "openssl 3.0.15 amd64", "perl 1.0 amd64",
                                      "tzdata 2024a all"}));
  auto amd_installed = fetch_and_unpack(amd->host);
  ASSERT_TRUE(amd_installed) << amd_installed.error().message;
  // libc6 is Multi-Arch: same: one version, two builds, two trees side by
  // side. An `all` package is one file for both hosts, so one tree.
  EXPECT_TRUE(fs::exists(tree(*amd, "libc6") + "/root/usr/lib/x86_64-linux-gnu/libc.so.6"));
  EXPECT_TRUE(fs::exists(tree(*arm, "libc6") + "/root/usr/lib/aarch64-linux-gnu/libc.so.6"));
  EXPECT_EQ(tree(*arm, "tzdata"), tree(*amd, "tzdata"));
  EXPECT_EQ(entries(store_->root() + "/pkgs").size(), 12u);
}

}  // namespace
}  // namespace cairn::debian
