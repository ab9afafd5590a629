// The whole package path over HTTP against a repository the test generates:
// InRelease verified with gpgv, Packages fetched by the signed hash,
// resolution with libsolv, the lock, fetching and unpacking the closure —
// and the ways it must fail, writing nothing. The fixture is pipeline.hh;
// what resolution must choose (alternatives, Provides, Multi-Arch) is in
// resolution_test.cc.
#include <gtest/gtest.h>

// Package specs name only the fields a test cares about (designated
// initializers); g++ 12 warns about every member left at its default.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <filesystem>
#include <map>
#include <random>

#include "base/files.hh"
#include "tests/integration/pipeline.hh"

namespace cairn::debian {
namespace {

namespace fs = std::filesystem;
using namespace cairn::integration;

const std::string kCorrupt = "; the file is corrupt: delete it from the store and fetch it again";
const std::string kRefused = "; the package is malformed or malicious and was not unpacked";

// Incompressible bytes, so that a package is as big as its contents.
std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

TEST_F(Pipeline, GoodPathFromIndexToUnpackedClosure) {
  add({.name = "libc6", .multi_arch = "same", .priority = "required"});
  add({.name = "base-files", .essential = true, .priority = "required"});
  add({.name = "editor-a", .depends = "libc6", .provides = "editor"});
  add({.name = "tool", .version = "2.0", .depends = "libc6, editor",
       .files = {DebFile{.path = "usr/bin/tool", .contents = "#!/bin/sh\n", .mode = 0755}}});
  ASSERT_TRUE(repo_->publish());

  auto index = update_index(settings_, *store_, fetcher_);
  ASSERT_TRUE(index) << index.error().message;
  EXPECT_EQ(index->packages.size(), 1u);
  auto universe = Universe::load(index->packages, {.architecture = "amd64", .suite = "bookworm",
                                                   .cache_dir = dir_ + "/solv"});
  ASSERT_TRUE(universe) << universe.error().message;
  auto resolution = universe->resolve({.packages = {"tool"}});
  ASSERT_TRUE(resolution) << resolution.error().message;
  std::vector<std::string> names;
  for (auto& p : resolution->packages) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"base-files", "editor-a", "libc6", "tool"}));

  // Pinned: the same index loads from the store alone.
  auto again = load_locked_index(settings_, *store_, index->release.inrelease_sha256);
  ASSERT_TRUE(again) << again.error().message;

  // Fetch and unpack the closure.
  std::vector<StoreFetch> debs;
  for (auto& p : resolution->packages) debs.push_back({p.sha256, settings_.mirror + "/" + p.filename, p.size});
  ASSERT_TRUE(store_->ensure_all(debs, fetcher_));
  const ResolvedPackage* tool = resolution->find("tool");
  ASSERT_NE(tool, nullptr);
  std::string dest = store_->pkg_path(tool->sha256, tool->name, tool->version, tool->architecture);
  auto info = unpack_deb(store_->path_for(tool->sha256), dest);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_TRUE(fs::exists(dest + "/root/usr/bin/tool"));
}

TEST_F(Pipeline, BadSignatureIsRejectedAndNothingIsStored) {
  add({.name = "hello"});
  ASSERT_TRUE(repo_->publish({.sign_with_unknown_key = true}));
  auto index = update_index(settings_, *store_, fetcher_);
  ASSERT_FALSE(index);
  EXPECT_NE(index.error().message.find("signature"), std::string::npos) << index.error().message;
  EXPECT_EQ(store_entries(), 0u);
}

TEST_F(Pipeline, PackagesNotMatchingTheSignedHashIsRejected) {
  add({.name = "hello"});
  ASSERT_TRUE(repo_->publish());
  ASSERT_TRUE(repo_->corrupt("dists/bookworm/main/binary-amd64/Packages.xz"));
  auto index = update_index(settings_, *store_, fetcher_);
  ASSERT_FALSE(index);
  EXPECT_NE(index.error().message.find("Packages.xz"), std::string::npos) << index.error().message;
  // Only the verified InRelease may be kept; no Packages entry.
  EXPECT_LE(store_entries(), 1u);
}

TEST_F(Pipeline, ExpiredValidUntilIsRejected) {
  add({.name = "hello"});
  ASSERT_TRUE(repo_->publish({.date = std::chrono::system_clock::now() - std::chrono::hours(24 * 30),
                              .valid_for = std::chrono::hours(24)}));
  auto index = update_index(settings_, *store_, fetcher_);
  ASSERT_FALSE(index);
  EXPECT_NE(index.error().message.find("Valid-Until"), std::string::npos) << index.error().message;
  EXPECT_EQ(store_entries(), 0u);
}

TEST_F(Pipeline, UnsatisfiableDependencyNamesTheChain) {
  add({.name = "libbar", .version = "1.9"});
  add({.name = "foo", .depends = "libbar (>= 2)"});
  ASSERT_TRUE(repo_->publish());
  auto index = update_index(settings_, *store_, fetcher_);
  ASSERT_TRUE(index) << index.error().message;
  auto universe = Universe::load(index->packages, {.architecture = "amd64", .suite = "bookworm"});
  ASSERT_TRUE(universe);
  auto resolution = universe->resolve({.packages = {"foo"}, .base = BaseSet::none});
  ASSERT_FALSE(resolution);
  EXPECT_NE(resolution.error().message.find("cannot install foo: depends on libbar (>= 2), but bookworm has libbar 1.9"),
            std::string::npos)
      << resolution.error().message;
}


// `cairn fetch` cut off in the middle of a package, then run again: the
// second run asks only for the rest (a Range request from where the kept
// `.part` ends), and the completed file unpacks.
TEST_F(Pipeline, InterruptedFetchIsResumedByTheNextRun) {
  const std::string blob = random_bytes(300000, 7);
  add({.name = "big", .files = {DebFile{.path = "usr/share/big/blob", .contents = blob}}, .compression = "none"});
  ASSERT_TRUE(repo_->publish());
  auto locked = lock(host({"big"}));
  ASSERT_TRUE(locked) << locked.error().message;
  const ResolvedPackage& big = locked->host.packages.at(0);
  ASSERT_GT(big.size, 200000u);
  const std::string url = settings_.mirror + "/" + big.filename;
  repo_->set_fault({.kind = Fault::Kind::cut, .path = big.filename, .count = 1, .after = 100000});

  Fetcher once(FetchOptions{.max_attempts = 1});
  auto first = fetch(locked->host, once);
  ASSERT_FALSE(first);
  const std::string& msg = first.error().message;
  EXPECT_TRUE(msg.starts_with("1 of 1 downloads failed:\n  " + url + ": Transferred a partial file")) << msg;
  EXPECT_TRUE(msg.ends_with("; the connection kept breaking — run again to resume (partial files are kept)")) << msg;
  EXPECT_FALSE(store_->has(big.sha256));
  std::error_code ec;
  EXPECT_EQ(fs::file_size(store_->tmp_dir() + "/" + big.sha256 + ".deb.part", ec), 100000u) << ec.message();

  auto second = fetch(locked->host, once);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->files, 1u);
  EXPECT_EQ(second->resumed, 1u);
  EXPECT_EQ(second->bytes_resumed, 100000u);
  EXPECT_EQ(second->bytes_received, big.size - 100000);
  auto seen = repo_->requests();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().path, big.filename);
  EXPECT_EQ(seen.back().range, "bytes=100000-");
  EXPECT_EQ(repo_->request_count(big.filename), 2);

  auto unpacked = unpack(locked->host);
  ASSERT_EQ(unpacked.size(), 1u);
  ASSERT_TRUE(unpacked[0]) << unpacked[0].error().message;
  EXPECT_EQ(unpacked[0]->package, "big");
  EXPECT_EQ(*read_file(pkg_dir(big) + "/root/usr/share/big/blob"), blob);
}

// The archive itself serves a broken .deb, listed with the broken file's
// hash: the index, the lock and the fetch all check out, and only unpacking
// can tell. The error names the store file, says what to do, and the
// package's half-written tree is gone; the rest of the closure unpacks.
TEST_F(Pipeline, CorruptDebIsCaughtByUnpackingAndLeavesNoTree) {
  add({.name = "app", .depends = "hello"});
  auto hello = repo_->add_package({.name = "hello",
                                   .files = {DebFile{.path = "usr/share/hello/blob", .contents = random_bytes(60000, 3)}},
                                   .compression = "xz"});
  ASSERT_TRUE(hello) << hello.error().message;
  auto broken = repo_->corrupt_package(hello->filename);
  ASSERT_TRUE(broken) << broken.error().message;
  ASSERT_NE(broken->sha256, hello->sha256);
  ASSERT_TRUE(repo_->publish());

  auto locked = lock(host({"app"}));
  ASSERT_TRUE(locked) << locked.error().message;
  ASSERT_EQ(listing(locked->host), (std::vector<std::string>{"app 1.0 amd64", "hello 1.0 amd64"}));
  const ResolvedPackage& app = locked->host.packages[0];
  const ResolvedPackage& bad = locked->host.packages[1];
  EXPECT_EQ(bad.sha256, broken->sha256);
  auto fetched = fetch(locked->host);
  ASSERT_TRUE(fetched) << fetched.error().message;
  EXPECT_EQ(fetched->files, 2u);

  auto unpacked = unpack(locked->host);
  ASSERT_EQ(unpacked.size(), 2u);
  ASSERT_TRUE(unpacked[0]) << unpacked[0].error().message;
  ASSERT_FALSE(unpacked[1]);
  EXPECT_EQ(unpacked[1].error().message,
            "unpacking " + store_->path_for(bad.sha256) + ": data.tar.xz: corrupt xz data" + kCorrupt);
  // Only app's tree: no hello, and no staging directory of it.
  EXPECT_EQ(entries(store_->root() + "/pkgs"), std::vector<std::string>{fs::path(pkg_dir(app)).filename()});
  EXPECT_FALSE(fs::exists(pkg_dir(bad)));
}

// Packages that try to write outside their tree. Each is in the index, the
// lock and the store like any other; unpacking refuses it with an error
// naming the entry, writes nothing outside, and leaves nothing in pkgs/
// although each had already written a harmless file before the bad entry.
TEST_F(Pipeline, PathTraversalIsRefusedAndNothingEscapes) {
  // Where an escape would land: the staging root is
  // <dir>/store/pkgs/<entry>.tmp-XXXXXX/root, four levels below <dir>.
  const std::string outside = dir_ + "/outside";
  ASSERT_TRUE(fs::create_directory(outside));
  const DebFile readme{.path = "usr/share/doc/README", .contents = "harmless\n"};
  struct Case {
    std::string name;
    std::vector<DebFile> files;
    std::string error;  // after "data.tar.gz entry "
  };
  const std::vector<Case> cases = {
      {"evil-dotdot", {readme, {.path = "../x", .contents = "x"}}, "'../x' leaves the package ('..' component)"},
      {"evil-dotdot-deep",
       {readme, {.path = "../../../../outside/dotdot", .contents = "x"}},
       "'../../../../outside/dotdot' leaves the package ('..' component)"},
      {"evil-absolute",
       {readme, {.path = outside + "/absolute", .contents = "x"}},
       "'" + outside + "/absolute' is an absolute path"},
      {"evil-symlink",
       {readme, {.path = "a", .symlink = outside}, {.path = "a/through-symlink", .contents = "x"}},
       "'a/through-symlink' would be written through the symlink 'a'"},
  };
  std::vector<std::string> names;
  for (const Case& c : cases) {
    auto p = repo_->add_raw_package({.name = c.name, .files = c.files});
    ASSERT_TRUE(p) << p.error().message;
    names.push_back(c.name);
  }
  ASSERT_TRUE(repo_->publish());
  auto locked = lock(host(names));
  ASSERT_TRUE(locked) << locked.error().message;
  ASSERT_EQ(locked->host.packages.size(), cases.size());
  auto fetched = fetch(locked->host);
  ASSERT_TRUE(fetched) << fetched.error().message;

  auto unpacked = unpack(locked->host);
  ASSERT_EQ(unpacked.size(), cases.size());
  std::map<std::string, std::string> errors;  // by package name
  for (size_t i = 0; i < unpacked.size(); ++i)
    errors[locked->host.packages[i].name] = unpacked[i] ? "(unpacked)" : unpacked[i].error().message;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const ResolvedPackage* p = locked->resolution.find(c.name);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(errors[c.name], "unpacking " + store_->path_for(p->sha256) + ": data.tar.gz entry " + c.error + kRefused);
  }
  EXPECT_EQ(entries(outside), std::vector<std::string>{});
  EXPECT_EQ(entries(store_->root() + "/pkgs"), std::vector<std::string>{});
}

}  // namespace
}  // namespace cairn::debian
