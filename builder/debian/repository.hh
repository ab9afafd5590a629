// One suite of one Debian archive for one architecture: its verified index.
//
// update_index fetches dists/<suite>/InRelease, verifies it with gpgv,
// fetches each component's Packages.xz by the hash the signed file names
// (reusing the store's copy when it has one), decompresses it, and keeps
// both in the store. load_locked_index does the same from the store alone,
// for an InRelease pinned by cairn.lock: no network. Nothing is written
// into the store unless it verified.
#pragma once

#include <string>
#include <vector>

#include "base/error.hh"
#include "builder/debian/fetcher.hh"
#include "builder/debian/release.hh"
#include "builder/debian/resolver.hh"
#include "builder/debian/store.hh"

namespace cairn::debian {

struct RepositorySettings {
  std::string mirror;                   ///< archive root URI, no trailing '/'
  std::string suite = "bookworm";
  std::vector<std::string> components = {"main"};
  std::string architecture = "amd64";
  std::vector<std::string> keyrings;    ///< empty: the Debian archive keyring
};

struct Index {
  Release release;                      ///< the verified InRelease
  std::vector<PackagesFile> packages;   ///< decompressed Packages, one per component
};

/// Fetches, verifies and stores the current index. Errors name the URL or
/// file and say what to do.
[[nodiscard]] Result<Index> update_index(const RepositorySettings& settings, const Store& store,
                                         Fetcher& fetcher);

/// The index pinned by `inrelease_sha256`, from the store only.
[[nodiscard]] Result<Index> load_locked_index(const RepositorySettings& settings, const Store& store,
                                              const std::string& inrelease_sha256);

/// "amd64" / "arm64" for a Nix platform ("x86_64-linux", "aarch64-linux").
[[nodiscard]] Result<std::string> debian_architecture(std::string_view platform);

}  // namespace cairn::debian
