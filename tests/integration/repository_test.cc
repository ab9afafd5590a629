// The whole package path over HTTP against a repository the test generates:
// InRelease verified with gpgv, Packages fetched by the signed hash,
// resolution with libsolv, the lock, fetching and unpacking the closure —
// and the ways it must fail, writing nothing.
#include <gtest/gtest.h>

// Package specs name only the fields a test cares about (designated
// initializers); g++ 12 warns about every member left at its default.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <filesystem>

#include "base/files.hh"
#include "builder/debian/lock_file.hh"
#include "builder/debian/repository.hh"
#include "builder/debian/unpack.hh"
#include "tests/integration/test_repository.hh"

namespace cairn::debian {
namespace {

namespace fs = std::filesystem;
using namespace cairn::integration;

class Pipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = TestRepository::create();
    ASSERT_TRUE(r) << r.error().message;
    repo_ = std::move(*r);
    std::string tmpl = ::testing::TempDir() + "/cairn-pipeline-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto s = Store::open(dir_ + "/store");
    ASSERT_TRUE(s) << s.error().message;
    store_.emplace(std::move(*s));
    settings_.mirror = repo_->url();
    settings_.keyrings = {repo_->keyring_path()};
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void add(PackageSpec spec) {
    auto p = repo_->add_package(spec);
    ASSERT_TRUE(p) << p.error().message;
  }
  size_t store_entries() {
    size_t n = 0;
    std::error_code ec;
    for (auto& e : fs::recursive_directory_iterator(dir_ + "/store/indexes", ec)) n += e.is_regular_file();
    return n;
  }

  std::unique_ptr<TestRepository> repo_;
  std::string dir_;
  std::optional<Store> store_;
  RepositorySettings settings_;
  Fetcher fetcher_{FetchOptions{.max_attempts = 2, .backoff_initial = std::chrono::milliseconds(10)}};
};

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

}  // namespace
}  // namespace cairn::debian
