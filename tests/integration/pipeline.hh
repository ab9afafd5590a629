// The package path end to end, driven the way `cairn lock` and `cairn fetch`
// drive it (builder/cli/lock.cc, builder/cli/fetch.cc), against a
// TestRepository served over HTTP on 127.0.0.1:
//
//   lock()    update_index (InRelease over HTTP and gpgv, Packages.xz by its
//             signed hash) → Universe::load (with the store's .solv cache)
//             → resolve → make_locked_host → cairn.lock written, read back
//   fetch()   the locked packages into the store by their locked file name,
//             size and sha256 (Store::ensure_all)
//   unpack()  each fetched .deb into store/pkgs/ (unpack_all), skipping
//             what is there already, as `cairn fetch` does
//
// Each stage returns its own result, so a test can stop where the product
// must fail and check what it said and what it left behind. Shared by
// repository_test.cc (suite Pipeline) and resolution_test.cc.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/files.hh"
#include "builder/debian/fetcher.hh"
#include "builder/debian/lock_file.hh"
#include "builder/debian/repository.hh"
#include "builder/debian/resolver.hh"
#include "builder/debian/store.hh"
#include "builder/debian/unpack.hh"
#include "tests/integration/test_repository.hh"

namespace cairn::integration {

// Options structs are filled with designated initializers naming only what
// matters; g++ 12 warns about every member left at its default.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

class Pipeline : public ::testing::Test {
 protected:
  /// What lock() made.
  struct Locked {
    debian::Resolution resolution;  ///< as the resolver returned it
    debian::LockedHost host;        ///< as cairn.lock holds it, after a write and a read
    std::string lock_text;          ///< the lock file's bytes
    debian::LoadStats load;         ///< how the Universe was loaded (parsed or from the .solv cache)
  };

  void SetUp() override { start({}); }
  /// A served repository for `options` and an empty store; SetUp's is for
  /// amd64 only, a fixture wanting more architectures calls this instead.
  void start(RepositoryOptions options) {
    auto r = TestRepository::create(std::move(options));
    ASSERT_TRUE(r) << r.error().message;
    repo_ = std::move(*r);
    std::string tmpl = ::testing::TempDir() + "cairn-pipeline-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto s = debian::Store::open(dir_ + "/store");
    ASSERT_TRUE(s) << s.error().message;
    store_.emplace(std::move(*s));
    settings_.mirror = repo_->url();
    settings_.keyrings = {repo_->keyring_path()};
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void add(PackageSpec spec) {
    auto p = repo_->add_package(spec);
    ASSERT_TRUE(p) << p.error().message;
  }
  /// Files under store/indexes/.
  size_t store_entries() {
    size_t n = 0;
    std::error_code ec;
    for (auto& e : std::filesystem::recursive_directory_iterator(dir_ + "/store/indexes", ec))
      n += e.is_regular_file();
    return n;
  }

  /// A host asking for `requested` on `architecture`, nothing else (no
  /// base set), without Recommends.
  static debian::HostPackageConfig host(std::vector<std::string> requested, std::string architecture = "amd64") {
    return {.suite = "bookworm", .architecture = std::move(architecture), .base = debian::BaseSet::none,
            .recommends = false, .requested = std::move(requested)};
  }

  /// `cairn lock` for one host, "vm": the index over HTTP, the resolution,
  /// cairn.lock in the test directory. Errors carry the stage's own words.
  Result<Locked> lock(const debian::HostPackageConfig& config) {
    settings_.suite = config.suite;
    settings_.architecture = config.architecture;
    auto index = debian::update_index(settings_, *store_, fetcher_);
    if (!index) return std::unexpected(index.error());
    auto universe = debian::Universe::load(
        index->packages,
        {.architecture = config.architecture, .suite = config.suite, .cache_dir = store_->root() + "/solv"});
    if (!universe) return std::unexpected(universe.error());
    auto resolution = universe->resolve({.packages = config.requested, .base = config.base,
                                         .recommends = config.recommends});
    if (!resolution) return std::unexpected(resolution.error());
    debian::LockFile file;
    file.indexes[debian::index_key(config.suite, config.architecture)] = {index->release.inrelease_sha256,
                                                                          index->release.date};
    file.hosts["vm"] = debian::make_locked_host(config, *resolution);
    std::string path = dir_ + "/cairn.lock";
    if (auto w = debian::write_lock_file(path, file); !w) return std::unexpected(w.error());
    auto text = read_file(path);
    if (!text) return std::unexpected(text.error());
    auto read = debian::read_lock_file(path);
    if (!read) return std::unexpected(read.error());
    return Locked{std::move(*resolution), read->hosts.at("vm"), std::move(*text), universe->stats()};
  }

  /// `cairn fetch --no-unpack`: every locked package into the store.
  Result<debian::FetchStats> fetch(const debian::LockedHost& host) { return fetch(host, fetcher_); }
  Result<debian::FetchStats> fetch(const debian::LockedHost& host, debian::Fetcher& fetcher) {
    std::vector<debian::StoreFetch> wanted;
    for (const auto& p : host.packages) wanted.push_back({p.sha256, settings_.mirror + "/" + p.filename, p.size});
    return store_->ensure_all(wanted, fetcher);
  }

  /// The unpacking half of `cairn fetch`: every locked package not yet in
  /// store/pkgs/, all at once. One result per package, in the lock's order.
  std::vector<Result<debian::UnpackInfo>> unpack(const debian::LockedHost& host) {
    std::vector<debian::UnpackRequest> requests;
    for (const auto& p : host.packages)
      requests.push_back({store_->path_for(p.sha256), pkg_dir(p)});
    return debian::unpack_all(requests, 0);
  }

  /// fetch() then unpack(): the whole of `cairn fetch`; the first failure.
  Result<void> fetch_and_unpack(const debian::LockedHost& host) {
    if (auto f = fetch(host); !f) return std::unexpected(f.error());
    for (auto& r : unpack(host))
      if (!r) return std::unexpected(r.error());
    return {};
  }

  /// The package's tree in the store.
  std::string pkg_dir(const debian::ResolvedPackage& p) const {
    return store_->pkg_path(p.sha256, p.name, p.version, p.architecture);
  }

  /// The store tree of the locked package `name`; "" (and a test failure)
  /// when it is not locked.
  std::string tree(const Locked& locked, std::string_view name) const {
    const debian::ResolvedPackage* p = locked.resolution.find(name);
    if (p == nullptr) {
      ADD_FAILURE() << name << " is not in the resolution";
      return "";
    }
    return pkg_dir(*p);
  }

  /// "name version architecture", one per locked package, in the lock's order.
  static std::vector<std::string> listing(const debian::LockedHost& host) {
    std::vector<std::string> out;
    for (const auto& p : host.packages) out.push_back(p.name + " " + p.version + " " + p.architecture);
    return out;
  }

  /// The names under `dir`, sorted; empty when it does not exist.
  static std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  std::unique_ptr<TestRepository> repo_;
  std::string dir_;
  std::optional<debian::Store> store_;
  debian::RepositorySettings settings_;
  debian::Fetcher fetcher_{debian::FetchOptions{.max_attempts = 2, .backoff_initial = std::chrono::milliseconds(10)}};
};

#pragma GCC diagnostic pop

}  // namespace cairn::integration
