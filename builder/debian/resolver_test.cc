// Tests for the resolver: each case writes a small Packages index as text,
// resolves against it and checks the set, the reasons or the message word
// for word. RealIndex* run against a real bookworm index when
// CAIRN_TEST_PACKAGES names one (a decompressed Packages file), and skip
// otherwise.

#include "builder/debian/resolver.hh"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <iostream>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/hash.hh"

namespace cairn::debian {
namespace {

// One Packages paragraph; Filename, Size and SHA256 are made up from the
// name and version so every package has them.
std::string pkg(std::string_view name, std::string_view version, std::string_view fields = "",
                std::string_view arch = "amd64") {
  return fmt::format(
      "Package: {0}\nVersion: {1}\nArchitecture: {2}\n{3}"
      "Filename: pool/main/{0}_{1}_{2}.deb\nSize: {4}\nMD5sum: 0123456789abcdef0123456789abcdef\n"
      "SHA256: {5}\nDescription: the {0} package\n two lines\n\n",
      name, version, arch, fields, 1000 + name.size(),
      sha256_hex(fmt::format("{}_{}_{}", name, version, arch)));
}

// Options for the suite "bookworm".
UniverseOptions options(std::string arch, std::string cache_dir = "") {
  UniverseOptions o;
  o.architecture = std::move(arch);
  o.cache_dir = std::move(cache_dir);
  return o;
}

Universe load(const std::string& text, std::string arch = "amd64") {
  auto u = Universe::from_text({text}, options(arch));
  EXPECT_TRUE(u) << u.error().message;
  return std::move(*u);
}

ResolveRequest request(std::vector<std::string> names, BaseSet base = BaseSet::none,
                       bool recommends = false) {
  return ResolveRequest{.packages = std::move(names), .base = base, .recommends = recommends};
}

// "name=version" for every resolved package, in the resolution's order.
std::vector<std::string> names_versions(const Resolution& r) {
  std::vector<std::string> out;
  for (const auto& p : r.packages) out.push_back(p.name + "=" + p.version);
  return out;
}

std::vector<std::string> resolve_names(Universe& u, ResolveRequest req) {
  auto r = u.resolve(req);
  EXPECT_TRUE(r) << r.error().message;
  if (!r) return {};
  std::vector<std::string> out;
  for (const auto& p : r->packages) out.push_back(p.name);
  return out;
}

std::string resolve_error(Universe& u, ResolveRequest req) {
  auto r = u.resolve(req);
  EXPECT_FALSE(r) << "resolved: " << testing::PrintToString(names_versions(*r));
  return r ? "" : r.error().message;
}

using Names = std::vector<std::string>;

TEST(ResolverBaseSet, NamesRoundTrip) {
  for (BaseSet b : {BaseSet::none, BaseSet::essential, BaseSet::required})
    EXPECT_EQ(parse_base_set(base_set_name(b)), b);
  EXPECT_EQ(base_set_name(BaseSet::essential), "essential");
  EXPECT_EQ(parse_base_set("Essential"), std::nullopt);
}

TEST(Resolver, PlainDependencies) {
  Universe u = load(pkg("a", "1", "Depends: b\n") + pkg("b", "1", "Depends: c\n") + pkg("c", "1") +
                    pkg("d", "1"));
  EXPECT_EQ(resolve_names(u, request({"a"})), (Names{"a", "b", "c"}));
}

TEST(Resolver, ANameLibsolvReservesIsAnErrorNotASilentGap) {
  // Found by fuzzing: libsolv leaves "pattern:…" out of the transaction.
  Universe u = load(pkg("pattern:x", "1") + pkg("a", "1"));
  auto got = u.resolve(request({"a", "pattern:x"}));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            "cannot install pattern:x: the resolver did not select it (libsolv reserves names like pattern:…, "
            "patch:… and product:…; Debian package names have no colon)");
}

TEST(Resolver, ResultCarriesThePackagesEntry) {
  Universe u = load(pkg("hello", "2.10-3") + pkg("hello-doc", "2.10-3", "", "all"));
  auto r = u.resolve(request({"hello-doc", "hello"}));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->packages.size(), 2u);
  EXPECT_EQ(r->packages[0],
            (ResolvedPackage{"hello", "2.10-3", "amd64", "pool/main/hello_2.10-3_amd64.deb", 1005,
                             sha256_hex("hello_2.10-3_amd64")}));
  EXPECT_EQ(r->packages[1].name, "hello-doc");
  EXPECT_EQ(r->packages[1].architecture, "all");
  EXPECT_EQ(r->find("hello-doc"), &r->packages[1]);
  EXPECT_EQ(r->find("nope"), nullptr);
}

TEST(Resolver, NewestVersionUnlessAVersionedDependencyNeedsAnother) {
  std::string index = pkg("libbar", "1.9") + pkg("libbar", "2.1") +
                      pkg("new", "1", "Depends: libbar (>= 2)\n") +
                      pkg("old", "1", "Depends: libbar (<< 2~)\n");
  Universe u = load(index);
  auto r = u.resolve(request({"libbar"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(names_versions(*r), (Names{"libbar=2.1"}));
  r = u.resolve(request({"old"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(names_versions(*r), (Names{"libbar=1.9", "old=1"}));
  r = u.resolve(request({"new"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(names_versions(*r), (Names{"libbar=2.1", "new=1"}));
}

TEST(Resolver, DebianVersionOrder) {
  // Epochs, tildes and revisions compare the Debian way.
  Universe u = load(pkg("v", "1:0.9") + pkg("v", "2.0") + pkg("w", "1.0~rc1") + pkg("w", "1.0") +
                    pkg("x", "1.0-2") + pkg("x", "1.0-10"));
  auto r = u.resolve(request({"v", "w", "x"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(names_versions(*r), (Names{"v=1:0.9", "w=1.0", "x=1.0-10"}));
}

TEST(Resolver, LaterIndexesAddNewerVersions) {
  // bookworm, then bookworm-updates.
  auto u = Universe::from_text({pkg("tzdata", "2024a-0+deb12u1"), pkg("tzdata", "2025b-0+deb12u1")},
                               options("amd64"));
  ASSERT_TRUE(u);
  auto r = u->resolve(request({"tzdata"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(names_versions(*r), (Names{"tzdata=2025b-0+deb12u1"}));
}

TEST(Resolver, AlternativesTakeTheFirstThatCanBeInstalled) {
  std::string index = pkg("top", "1", "Depends: zzz | aaa\n") + pkg("zzz", "1") + pkg("aaa", "1") +
                      pkg("gone", "1", "Depends: missing | aaa\n") +
                      pkg("both", "1", "Depends: zzz | aaa, aaa\n");
  Universe u = load(index);
  EXPECT_EQ(resolve_names(u, request({"top"})), (Names{"top", "zzz"}));
  EXPECT_EQ(resolve_names(u, request({"gone"})), (Names{"aaa", "gone"}));
  // An alternative already needed satisfies the dependency.
  EXPECT_EQ(resolve_names(u, request({"both"})), (Names{"aaa", "both"}));
}

TEST(Resolver, RealPackageBeforeAVirtualAlternative) {
  // `debconf | debconf-2.0` must not become cdebconf, which sorts first.
  std::string index = pkg("tool", "1", "Depends: debconf (>= 0.5) | debconf-2.0\n") +
                      pkg("debconf", "1.5.82", "", "all") +
                      pkg("cdebconf", "0.270", "Provides: debconf-2.0\n");
  Universe u = load(index);
  EXPECT_EQ(resolve_names(u, request({"tool"})), (Names{"debconf", "tool"}));
}

TEST(Resolver, ProvidesVirtualPackages) {
  std::string index =
      pkg("mailer", "1", "Depends: mail-transport-agent\n") +
      pkg("exim4-daemon-light", "4.96", "Provides: mail-transport-agent\nPriority: standard\n") +
      pkg("dma", "0.13", "Provides: mail-transport-agent\nPriority: optional\n") +
      pkg("script", "1", "Depends: awk\n") +
      pkg("mawk", "1.3.4", "Provides: awk\nPriority: required\n") +
      pkg("gawk", "5.2.1", "Provides: awk\nPriority: optional\n");
  Universe u = load(index);
  // Among providers: by Priority, then name.
  EXPECT_EQ(resolve_names(u, request({"mailer"})), (Names{"exim4-daemon-light", "mailer"}));
  EXPECT_EQ(resolve_names(u, request({"script"})), (Names{"mawk", "script"}));
  // A provider already requested is taken.
  EXPECT_EQ(resolve_names(u, request({"script", "gawk"})), (Names{"gawk", "script"}));
}

TEST(Resolver, VersionedProvides) {
  std::string index = pkg("app", "1", "Depends: foo-abi (>= 2)\n") +
                      pkg("libfoo1", "1.0", "Provides: foo-abi (= 1)\n") +
                      pkg("libfoo2", "2.0", "Provides: foo-abi (= 2)\n") +
                      pkg("unversioned", "1", "Provides: foo-abi\n");
  Universe u = load(index);
  EXPECT_EQ(resolve_names(u, request({"app"})), (Names{"app", "libfoo2"}));
}

TEST(Resolver, ConflictsForceTheOtherAlternative) {
  std::string index = pkg("a", "1", "Depends: x | y\n") + pkg("x", "1", "Conflicts: b\n") +
                      pkg("y", "1") + pkg("b", "1");
  Universe u = load(index);
  EXPECT_EQ(resolve_names(u, request({"a"})), (Names{"a", "x"}));
  EXPECT_EQ(resolve_names(u, request({"a", "b"})), (Names{"a", "b", "y"}));
}

TEST(Resolver, BreaksForceTheOtherAlternative) {
  std::string index = pkg("a", "1", "Depends: x | y\n") + pkg("x", "1", "Breaks: b (<< 2)\n") +
                      pkg("y", "1") + pkg("b", "1.5");
  Universe u = load(index);
  EXPECT_EQ(resolve_names(u, request({"a", "b"})), (Names{"a", "b", "y"}));
  // Breaks on an older version than the one present is no obstacle.
  Universe u2 = load(pkg("a", "1", "Depends: x | y\n") + pkg("x", "1", "Breaks: b (<< 1)\n") +
                     pkg("y", "1") + pkg("b", "1.5"));
  EXPECT_EQ(resolve_names(u2, request({"a", "b"})), (Names{"a", "b", "x"}));
}

TEST(Resolver, PreDependsAreFollowed) {
  Universe u = load(pkg("a", "1", "Pre-Depends: b\nDepends: c\n") + pkg("b", "1") + pkg("c", "1"));
  auto r = u.resolve(request({"a"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(names_versions(*r), (Names{"a=1", "b=1", "c=1"}));
  EXPECT_EQ(r->reasons.at("b"), (Reason{Reason::Kind::pre_depends, "a", "b"}));
  EXPECT_EQ(r->reasons.at("c"), (Reason{Reason::Kind::depends, "a", "c"}));
}

TEST(ResolverMultiArch, AllPackagesOnAnyArchitecture) {
  std::string index =
      pkg("tool", "1", "Depends: tool-data\n", "arm64") + pkg("tool-data", "1", "", "all");
  Universe u = load(index, "arm64");
  auto r = u.resolve(request({"tool"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->packages[0].architecture, "arm64");
  EXPECT_EQ(r->packages[1].architecture, "all");
}

TEST(ResolverMultiArch, OnlyTheHostArchitectureIsInstallable) {
  // An index holding two architectures (as a multiarch apt list would).
  std::string index = pkg("libfoo", "1", "Multi-Arch: same\n", "amd64") +
                      pkg("libfoo", "1", "Multi-Arch: same\n", "arm64") +
                      pkg("amd64-only", "1", "", "amd64") +
                      pkg("user", "1", "Depends: amd64-only\n", "arm64");
  Universe u = load(index, "arm64");
  auto r = u.resolve(request({"libfoo"}));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->packages.size(), 1u);
  EXPECT_EQ(r->packages[0].architecture, "arm64");
  EXPECT_EQ(r->packages[0].filename, "pool/main/libfoo_1_arm64.deb");
  EXPECT_FALSE(u.contains("amd64-only"));
  EXPECT_EQ(resolve_error(u, request({"amd64-only"})),
            "cannot install amd64-only: bookworm has amd64-only only for amd64, not arm64");
  EXPECT_EQ(
      resolve_error(u, request({"user"})),
      "cannot install user: depends on amd64-only, but bookworm has amd64-only 1 only for amd64");
}

TEST(ResolverMultiArch, AnyQualifierAndForeignTools) {
  std::string index = pkg("script", "1", "Depends: python3:any (>= 3.11)\n", "all") +
                      pkg("python3", "3.11.2", "Multi-Arch: allowed\n") +
                      pkg("build", "1", "Depends: make\n") +
                      pkg("make", "4.3", "Multi-Arch: foreign\n");
  Universe u = load(index);
  auto r = u.resolve(request({"script", "build"}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(names_versions(*r), (Names{"build=1", "make=4.3", "python3=3.11.2", "script=1"}));
  EXPECT_EQ(r->reasons.at("python3").dependency, "python3:any (>= 3.11)");
  EXPECT_EQ(r->why("python3"),
            (Names{"script is requested", "script depends on python3:any (>= 3.11)"}));
}

TEST(ResolverBaseSet, EssentialAndRequired) {
  std::string index =
      pkg("base-files", "12.4", "Essential: yes\nPriority: required\n") +
      pkg("dash", "0.5.12", "Essential: yes\nPriority: required\nPre-Depends: libc6\n") +
      pkg("libc6", "2.36", "Priority: optional\n") +  // pulled in, not in either base set itself
      pkg("mawk", "1.3.4", "Priority: required\n") + pkg("vim", "9.0", "Priority: optional\n");
  Universe u = load(index);
  EXPECT_EQ(resolve_names(u, request({"vim"}, BaseSet::essential)),
            (Names{"base-files", "dash", "libc6", "vim"}));
  EXPECT_EQ(resolve_names(u, request({"vim"}, BaseSet::required)),
            (Names{"base-files", "dash", "libc6", "mawk", "vim"}));
  EXPECT_EQ(resolve_names(u, request({"vim"}, BaseSet::none)), (Names{"vim"}));
  auto r = u.resolve(request({"dash"}, BaseSet::essential));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reasons.at("dash").kind, Reason::Kind::requested);  // requested wins over Essential
  EXPECT_EQ(r->reasons.at("base-files").kind, Reason::Kind::essential);
  r = u.resolve(request({}, BaseSet::required));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reasons.at("mawk").kind, Reason::Kind::required);
  EXPECT_EQ(r->why("libc6"),
            (Names{"dash is in the base set (Priority: required)", "dash pre-depends on libc6"}));
}

TEST(Resolver, RecommendsOffByDefault) {
  std::string index = pkg("a", "1", "Depends: b\nRecommends: r | s\nSuggests: t\n") +
                      pkg("b", "1") + pkg("r", "1") + pkg("s", "1") + pkg("t", "1") +
                      pkg("c", "1", "Recommends: missing\n");
  Universe u = load(index);
  EXPECT_EQ(resolve_names(u, request({"a"})), (Names{"a", "b"}));
  auto r = u.resolve(request({"a"}, BaseSet::none, true));
  ASSERT_TRUE(r);
  EXPECT_EQ(names_versions(*r), (Names{"a=1", "b=1", "r=1"}));
  EXPECT_EQ(r->reasons.at("r"), (Reason{Reason::Kind::recommends, "a", "r | s"}));
  EXPECT_EQ(r->why("r"), (Names{"a is requested", "a recommends r | s"}));
  // A Recommends nothing satisfies is no error.
  EXPECT_EQ(resolve_names(u, request({"c"}, BaseSet::none, true)), (Names{"c"}));
}

TEST(ResolverProblems, VersionedDependencyNotMet) {
  Universe u = load(pkg("foo", "1", "Depends: libbar (>= 2)\n") + pkg("libbar", "1.9"));
  EXPECT_EQ(resolve_error(u, request({"foo"})),
            "cannot install foo: depends on libbar (>= 2), but bookworm has libbar 1.9");
}

TEST(ResolverProblems, ChainFromTheRequestedPackage) {
  Universe u =
      load(pkg("foo", "1", "Depends: mid\n") + pkg("mid", "1", "Pre-Depends: libbar (>= 2)\n") +
           pkg("libbar", "1.8") + pkg("libbar", "1.9"));
  EXPECT_EQ(resolve_error(u, request({"foo"})),
            "cannot install foo: depends on mid, which pre-depends on libbar (>= 2), but bookworm "
            "has libbar 1.8, 1.9");
}

TEST(ResolverProblems, ChainThroughAVirtualPackage) {
  Universe u = load(pkg("foo", "1", "Depends: mail-transport-agent\n") +
                    pkg("exim4", "4.96", "Provides: mail-transport-agent\nDepends: libbad (>= 2)\n") +
                    pkg("libbad", "1"));
  EXPECT_EQ(resolve_error(u, request({"foo"})),
            "cannot install foo: depends on mail-transport-agent (provided by exim4), which depends "
            "on libbad (>= 2), but bookworm has libbad 1");
}

TEST(ResolverProblems, MissingPackagesAndAlternatives) {
  Universe u =
      load(pkg("foo", "1", "Depends: libnope\n") + pkg("alt", "1", "Depends: a | b (>= 2)\n") +
           pkg("b", "1") + pkg("virt", "1", "Depends: abi (>= 3)\n") +
           pkg("impl", "1", "Provides: abi (= 2)\n"));
  EXPECT_EQ(resolve_error(u, request({"foo"})),
            "cannot install foo: depends on libnope, but bookworm has no package libnope");
  EXPECT_EQ(resolve_error(u, request({"alt"})),
            "cannot install alt: depends on a | b (>= 2), but bookworm has no package a, and b 1");
  EXPECT_EQ(resolve_error(u, request({"virt"})),
            "cannot install virt: depends on abi (>= 3), but bookworm has abi only as a virtual "
            "package (impl provides it)");
}

TEST(ResolverProblems, ConflictBetweenRequestedPackages) {
  Universe u = load(pkg("a", "1", "Depends: x\n") + pkg("x", "1", "Conflicts: y (<< 2)\n") +
                    pkg("y", "1.5"));
  EXPECT_EQ(resolve_error(u, request({"a", "y"})),
            "cannot install both x 1 and y 1.5: x conflicts with y (<< 2); a depends on x; y is "
            "requested");
}

TEST(ResolverProblems, ConflictWithTheBaseSet) {
  Universe u = load(pkg("sysvinit-core", "3.06", "Conflicts: systemd-sysv\n") +
                    pkg("systemd-sysv", "252", "Essential: yes\n"));
  EXPECT_EQ(resolve_error(u, request({"sysvinit-core"}, BaseSet::essential)),
            "cannot install both sysvinit-core 3.06 and systemd-sysv 252: sysvinit-core conflicts "
            "with systemd-sysv; "
            "sysvinit-core is requested; systemd-sysv is Essential");
}

TEST(ResolverProblems, TwoVersionsNeeded) {
  Universe u = load(pkg("a", "1", "Depends: lib (= 1)\n") + pkg("b", "1", "Depends: lib (= 2)\n") +
                    pkg("lib", "1") + pkg("lib", "2"));
  EXPECT_EQ(resolve_error(u, request({"a", "b"})),
            "cannot install both lib 1 and lib 2: a depends on lib (= 1); b depends on lib (= 2)");
}

TEST(ResolverProblems, EveryProblemIsListed) {
  Universe u = load(pkg("foo", "1", "Depends: libbar (>= 2)\n") + pkg("libbar", "1.9") +
                    pkg("baz", "1", "Depends: gone\n"));
  EXPECT_EQ(resolve_error(u, request({"foo", "baz"})),
            "cannot install baz: depends on gone, but bookworm has no package gone\n"
            "cannot install foo: depends on libbar (>= 2), but bookworm has libbar 1.9");
}

TEST(ResolverProblems, UnknownAndVirtualNames) {
  Universe u = load(pkg("openssh-server", "1") + pkg("openssh-client", "1") +
                    pkg("exim4", "1", "Provides: mail-transport-agent\n") +
                    pkg("dma", "1", "Provides: mail-transport-agent\n"));
  EXPECT_EQ(resolve_error(u, request({"opensh-server"})),
            "cannot install opensh-server: bookworm has no package opensh-server (did you mean "
            "openssh-server?)");
  EXPECT_EQ(resolve_error(u, request({"mail-transport-agent"})),
            "cannot install mail-transport-agent: it is a virtual package; name one of the "
            "packages that provide it: dma, exim4");
  // Every bad name at once.
  EXPECT_EQ(resolve_error(u, request({"zz1", "zz2"})),
            "cannot install zz1: bookworm has no package zz1\ncannot install zz2: bookworm has no "
            "package zz2");
}

TEST(Resolver, Deterministic) {
  std::string index;
  for (int i = 0; i < 40; ++i)
    index +=
        pkg(fmt::format("p{}", i), "1", fmt::format("Depends: v{} | p{}\n", i % 7, (i + 1) % 40));
  for (int i = 0; i < 7; ++i) {
    index += pkg(fmt::format("q{}", i), "1", fmt::format("Provides: v{}\n", i));
    index += pkg(fmt::format("r{}", i), "1", fmt::format("Provides: v{}\n", i));
  }
  Universe u = load(index);
  auto first = u.resolve(request({"p3", "p17"}));
  ASSERT_TRUE(first);
  for (int round = 0; round < 3; ++round) {
    auto again = u.resolve(request({"p17", "p3", "p3"}));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->packages, first->packages);
    EXPECT_EQ(again->reasons, first->reasons);
  }
  // A fresh universe from the same text gives the same answer.
  Universe u2 = load(index);
  auto other = u2.resolve(request({"p3", "p17"}));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->packages, first->packages);
  EXPECT_EQ(other->reasons, first->reasons);
}

TEST(Resolver, WhyChains) {
  std::string index =
      pkg("openssh-server", "1:9.2p1-2",
          "Depends: openssh-client (= 1:9.2p1-2), libc6 (>= 2.34)\n") +
      pkg("openssh-client", "1:9.2p1-2", "Depends: libssl3 (>= 3.0.0), libc6 (>= 2.34)\n") +
      pkg("libssl3", "3.0.11", "Depends: libc6 (>= 2.34)\n") + pkg("libc6", "2.36") +
      pkg("exim4", "1", "Depends: default-mta\n") +
      pkg("exim4-daemon-light", "4.96", "Provides: default-mta\n") +
      pkg("base-files", "12", "Essential: yes\n");
  Universe u = load(index);
  auto r = u.resolve(request({"openssh-server", "exim4"}, BaseSet::essential));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->why("libssl3"), (Names{"openssh-server is requested",
                                      "openssh-server depends on openssh-client (= 1:9.2p1-2)",
                                      "openssh-client depends on libssl3 (>= 3.0.0)"}));
  // The shortest chain.
  EXPECT_EQ(r->why("libc6"),
            (Names{"openssh-server is requested", "openssh-server depends on libc6 (>= 2.34)"}));
  EXPECT_EQ(r->why("exim4-daemon-light"),
            (Names{"exim4 is requested",
                   "exim4 depends on default-mta, provided by exim4-daemon-light"}));
  EXPECT_EQ(r->why("base-files"), (Names{"base-files is in the base set (Essential: yes)"}));
  EXPECT_EQ(r->why("nope"), Names{});
  EXPECT_EQ(r->reasons.size(), r->packages.size());
}

TEST(ResolverCloseNames, TyposThenPrefixes) {
  Names names = {"openssh-server", "openssh-client", "openssh-sftp-server", "vim", "vim-tiny",
                 "nvi", "git", "gitk", "curl", "firehol", "fireqos", "firefox-esr",
                 "firefox-esr-l10n-af"};
  EXPECT_EQ(close_names("opensh-server", names), (Names{"openssh-server"}));
  EXPECT_EQ(close_names("vmi", names), (Names{"vim"}));
  EXPECT_EQ(close_names("openssh", names),
            (Names{"openssh-client", "openssh-server", "openssh-sftp-server"}));
  EXPECT_EQ(close_names("gti", names), (Names{"git"}));
  EXPECT_EQ(close_names("xyzzy", names), Names{});
  EXPECT_EQ(close_names("vin", names), (Names{"vim"}));
  EXPECT_EQ(close_names("openssh", names, 2), (Names{"openssh-client", "openssh-server"}));
  // One "-suffix" ranks between one and two edits.
  EXPECT_EQ(close_names("firefox", names),
            (Names{"firefox-esr", "firehol", "fireqos", "firefox-esr-l10n-af"}));
  EXPECT_EQ(close_names("vi", names), (Names{"nvi", "vim"}));
}

// ---------------------------------------------------------------------------
// Files and the .solv cache.

class ResolverCache : public testing::Test {
 protected:
  void SetUp() override {
    std::string t = (std::filesystem::temp_directory_path() / "cairn-resolver-XXXXXX").string();
    dir_ = ::mkdtemp(t.data());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(ResolverCache, SecondLoadReadsTheCache) {
  std::string text = pkg("base-files", "12.4", "Essential: yes\nPriority: required\n") +
                     pkg("a", "1", "Depends: b\n") + pkg("b", "2", "Priority: required\n");
  std::string path = dir_ + "/Packages";
  ASSERT_TRUE(write_file_atomic(path, text));
  UniverseOptions opts{.architecture = "amd64", .suite = "bookworm", .cache_dir = dir_ + "/cache"};
  std::vector<PackagesFile> files{{path, sha256_hex(text)}};

  auto parsed = Universe::load(files, opts);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->stats().files_parsed, 1u);
  EXPECT_EQ(parsed->stats().files_cached, 0u);
  EXPECT_EQ(parsed->stats().warnings, Names{});
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/cache/" + sha256_hex(text) + ".solv"));

  auto cached = Universe::load(files, opts);
  ASSERT_TRUE(cached) << cached.error().message;
  EXPECT_EQ(cached->stats().files_parsed, 0u);
  EXPECT_EQ(cached->stats().files_cached, 1u);
  EXPECT_EQ(cached->stats().packages, 3u);

  // Same answer, including what only the side fields give (Size, Essential,
  // Priority).
  for (BaseSet base : {BaseSet::essential, BaseSet::required}) {
    auto a = parsed->resolve(request({"a"}, base));
    auto b = cached->resolve(request({"a"}, base));
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->packages, b->packages);
    EXPECT_EQ(a->reasons, b->reasons);
  }
  auto r = cached->resolve(request({}, BaseSet::required));
  ASSERT_TRUE(r);
  EXPECT_EQ(resolve_names(*cached, request({}, BaseSet::required)), (Names{"b", "base-files"}));
  EXPECT_EQ(r->packages[1].size, 1010u);
  EXPECT_EQ(r->packages[1].sha256, sha256_hex("base-files_12.4_amd64"));
}

TEST_F(ResolverCache, WithoutAGivenHashTheFileIsHashed) {
  std::string text = pkg("a", "1");
  std::string path = dir_ + "/Packages";
  ASSERT_TRUE(write_file_atomic(path, text));
  UniverseOptions opts{.architecture = "amd64", .cache_dir = dir_};
  ASSERT_TRUE(Universe::load({{path, ""}}, opts));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/" + sha256_hex(text) + ".solv"));
  auto again = Universe::load({{path, ""}}, opts);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->stats().files_cached, 1u);
}

TEST_F(ResolverCache, ForeignOrBrokenCacheFilesAreIgnored) {
  std::string text = pkg("a", "1");
  std::string path = dir_ + "/Packages";
  ASSERT_TRUE(write_file_atomic(path, text));
  std::string sha = sha256_hex(text);
  ASSERT_TRUE(write_file_atomic(dir_ + "/" + sha + ".solv", "not a solv file"));
  auto u =
      Universe::load({{path, sha}}, options("amd64", dir_));
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->stats().files_parsed, 1u);
  EXPECT_TRUE(u->contains("a"));
  // …and replaced by a good one.
  auto again =
      Universe::load({{path, sha}}, options("amd64", dir_));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->stats().files_cached, 1u);
}

TEST_F(ResolverCache, CompressedPackagesFiles) {
  std::string text = pkg("a", "1") + pkg("b", "2");
  for (std::string tool : {"gzip", "xz"}) {
    std::string path = dir_ + "/Packages-" + tool;
    ASSERT_TRUE(write_file_atomic(path, text));
    if (std::system((tool + " " + path + " 2>/dev/null").c_str()) != 0)
      GTEST_SKIP() << tool << " is not available";
    std::string compressed = path + (tool == "gzip" ? ".gz" : ".xz");
    auto u = Universe::load({{compressed, ""}}, options("amd64"));
    ASSERT_TRUE(u) << u.error().message;
    EXPECT_EQ(resolve_names(*u, request({"a", "b"})), (Names{"a", "b"}));
  }
}

TEST_F(ResolverCache, ErrorsNameTheFile) {
  auto u = Universe::load({{dir_ + "/missing", ""}}, options("amd64"));
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().message, "cannot open " + dir_ + "/missing: No such file or directory");
  u = Universe::load({{dir_ + "/missing", "xyz"}}, options("amd64"));
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().message, dir_ + "/missing: 'xyz' is not a sha256");
  u = Universe::from_text({}, options("all"));
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().message, "invalid architecture 'all'");
}

// ---------------------------------------------------------------------------
// A real index: CAIRN_TEST_PACKAGES=file[:file…], decompressed amd64
// Packages files of bookworm (then -updates, -security). Prints timings; the
// figures are for the report, not asserted.

TEST(ResolverRealIndex, ServerHost) {
  const char* env = std::getenv("CAIRN_TEST_PACKAGES");
  if (!env)
    GTEST_SKIP() << "CAIRN_TEST_PACKAGES is not set (decompressed bookworm amd64 Packages files)";
  using clock = std::chrono::steady_clock;
  auto ms = [](clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::vector<PackagesFile> files;
  auto t0 = clock::now();
  for (std::string_view rest = env; !rest.empty();) {
    std::string path(rest.substr(0, rest.find(':')));
    rest.remove_prefix(std::min(rest.size(), path.size() + 1));
    auto sha = sha256_file(path);
    ASSERT_TRUE(sha) << sha.error().message;
    files.push_back({path, *sha});
  }
  std::cout << fmt::format("sha256 of the Packages files: {:.0f} ms\n", ms(clock::now() - t0));
  std::string cache = (std::filesystem::temp_directory_path() / "cairn-resolver-real").string();
  std::filesystem::remove_all(cache);
  UniverseOptions opts{.architecture = "amd64", .suite = "bookworm", .cache_dir = cache};
  ResolveRequest req{.packages = {"openssh-server", "systemd-sysv", "linux-image-amd64", "sudo",
                                  "vim", "git", "curl"}};
  std::vector<ResolvedPackage> first;
  for (int round = 0; round < 4; ++round) {
    auto t1 = clock::now();
    auto u = Universe::load(files, opts);
    ASSERT_TRUE(u) << u.error().message;
    auto t2 = clock::now();
    auto r = u->resolve(req);
    ASSERT_TRUE(r) << r.error().message;
    auto t3 = clock::now();
    std::cout << fmt::format(
        "round {}: {} packages ({}), load {:.0f} ms, resolve {:.0f} ms, total {:.0f} ms, {} "
        "resolved\n",
        round, u->stats().packages, u->stats().files_cached ? "from the .solv cache" : "parsed",
        ms(t2 - t1), ms(t3 - t2), ms(t3 - t1), r->packages.size());
    if (round == 0) first = r->packages;
    EXPECT_EQ(r->packages, first);  // parsed and cached give the same set
    EXPECT_NE(r->find("libc6"), nullptr);
    EXPECT_NE(r->find("base-files"), nullptr);
    EXPECT_NE(r->find("debconf"), nullptr);
    EXPECT_EQ(r->find("cdebconf"), nullptr);
    for (const auto& p : r->packages) EXPECT_EQ(p.sha256.size(), 64u) << p.name;
    if (round == 3) {
      if (const char* out = std::getenv("CAIRN_TEST_PACKAGES_OUT")) {
        std::string list;
        for (const auto& p : r->packages) list += p.name + "=" + p.version + "\n";
        ASSERT_TRUE(write_file_atomic(out, list));
      }
      for (const char* name : {"libssl3", "perl-base", "libcrypt1", "systemd"})
        for (const auto& line : r->why(name)) std::cout << "  " << line << "\n";
      auto t4 = clock::now();
      auto close = u->close_names("opensh-server");
      auto t5 = clock::now();
      std::cout << fmt::format("close_names(opensh-server) = {} in {:.1f} ms\n",
                               fmt::join(close, ", "), ms(t5 - t4));
      auto err = u->resolve(ResolveRequest{.packages = {"vim", "vmi"}});
      ASSERT_FALSE(err);
      std::cout << err.error().message << "\n";
    }
  }
  std::filesystem::remove_all(cache);
}

}  // namespace
}  // namespace cairn::debian
