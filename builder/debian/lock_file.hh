// cairn.lock: what the network could change, pinned.
//
// Per suite and architecture the lock records the signed index it was made
// from (the InRelease file's sha256 and Date); per host the settings the
// resolution was made with and its result, package by package with exact
// version, file name, size and sha256. A build with a lock never resolves
// again, so the same configuration and lock give the same images.
//
//   {
//     "version": 1,
//     "indexes": {
//       "bookworm/amd64": { "inRelease": "<sha256>", "date": "Sat, 10 Jan 2026 10:00:00 UTC" }
//     },
//     "hosts": {
//       "vm": {
//         "suite": "bookworm", "architecture": "amd64",
//         "base": "essential", "recommends": false,
//         "requested": [ "linux-image-amd64", "openssh-server" ],
//         "packages": [
//           { "name": "base-files", "version": "12.4+deb12u5", "architecture": "amd64",
//             "filename": "pool/main/b/base-files/base-files_12.4+deb12u5_amd64.deb",
//             "size": 70712, "sha256": "…" }, …
//         ]
//       }
//     }
//   }
//
// Keys come in this order, indexes and hosts sorted by key, requested and
// packages sorted by name; two-space indentation and a final newline, so
// the file diffs well and the same lock is always the same bytes. `base`,
// `recommends` and `requested` are there so that `cairn lock --check` can
// tell a changed configuration from a current lock: without `requested`, a
// package removed from the configuration would stay in the image unnoticed.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"
#include "builder/debian/resolver.hh"

namespace cairn::debian {

/// The signed index a resolution was made against.
struct LockedIndex {
  std::string in_release_sha256;  ///< sha256 of the InRelease file, lowercase hex
  std::string date;               ///< its Date field, verbatim

  bool operator==(const LockedIndex&) const = default;
};

/// A host's package settings, as its configuration states them (the
/// closure's `packages` and `architecture`).
struct HostPackageConfig {
  std::string suite;
  std::string architecture;
  BaseSet base = BaseSet::essential;
  bool recommends = false;
  /// Package names; order and duplicates do not matter.
  std::vector<std::string> requested;
};

/// One host's entry: the settings it was resolved with and the result.
struct LockedHost {
  std::string suite;
  std::string architecture;
  BaseSet base = BaseSet::essential;
  bool recommends = false;
  std::vector<std::string> requested;     ///< sorted, unique
  std::vector<ResolvedPackage> packages;  ///< sorted by name, then architecture

  bool operator==(const LockedHost&) const = default;
};

struct LockFile {
  /// By index_key(suite, architecture).
  std::map<std::string, LockedIndex> indexes;
  /// By host name (the directory under hosts/).
  std::map<std::string, LockedHost> hosts;

  bool operator==(const LockFile&) const = default;
};

/// "bookworm/amd64".
std::string index_key(std::string_view suite, std::string_view architecture);

/// The entry for a host resolved with `config`: the settings, the requested
/// names sorted, the packages as resolved (already sorted).
LockedHost make_locked_host(const HostPackageConfig& config, const Resolution& resolution);

/// Parses the text of a lock file; `path` only names it in errors
/// ("cairn.lock: hosts.vm.packages[3].sha256: expected 64 lowercase hex
/// digits"). Requested names and packages are sorted when they are not.
[[nodiscard]] Result<LockFile> parse_lock_file(std::string_view text, std::string_view path);

/// Reads and parses the lock file at `path`.
[[nodiscard]] Result<LockFile> read_lock_file(const std::string& path);

/// The lock file's text: stable order, two-space indentation, final newline.
std::string format_lock_file(const LockFile& lock);

/// Writes the lock atomically (write_file_atomic): a crash leaves the old
/// lock or the new one.
[[nodiscard]] Result<void> write_lock_file(const std::string& path, const LockFile& lock);

/// How `config` differs from the lock's entry for `host`, one sentence per
/// difference ("requested but not locked: htop", "locked suite bookworm but
/// config says trixie"): settings first, then the index, then names, sorted.
/// Empty when the lock is current for the host.
std::vector<std::string> lock_drift(const LockFile& lock, std::string_view host,
                                    const HostPackageConfig& config);

}  // namespace cairn::debian
