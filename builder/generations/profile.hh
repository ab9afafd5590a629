// A host's generations on the build machine, the way Nix keeps profiles:
//
//   <store>/profiles/<host>/<N>        symlink → ../../systems/<key>-<host>
//   <store>/profiles/<host>/current    symlink → <N>
//   <store>/roots/<sha256 of path>     symlink → an out-of-store link such as
//                                      a repository's ./result
//
// A generation is a number naming one built system; the date it was made
// is its link's mtime. Every change is a symlink made under a temporary
// name and renamed over, so a reader sees the old state or the new one.
// Systems that no generation and no live root names are garbage
// (`cairn gc`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.hh"

namespace cairn::generations {

struct Generation {
  uint64_t number = 0;
  std::string system_dir;  ///< absolute path of the system directory
  int64_t created = 0;     ///< seconds since the epoch (the link's mtime)
  bool current = false;
};

class Profile {
 public:
  /// The profile of `host` in the store at `store_root` (created when
  /// missing).
  [[nodiscard]] static Result<Profile> open(const std::string& store_root, const std::string& host);

  const std::string& dir() const { return dir_; }

  /// Every generation, oldest first. A link whose system is gone is
  /// listed with an empty system_dir.
  [[nodiscard]] Result<std::vector<Generation>> list() const;

  /// The current generation, or nullopt when the host has none.
  [[nodiscard]] Result<std::optional<Generation>> current() const;

  /// Adds generation max+1 (1 for the first), or `at_least` when that is
  /// more, naming `system_dir` (which must be under the store's systems/)
  /// and makes it current.
  [[nodiscard]] Result<Generation> add(const std::string& system_dir, uint64_t at_least = 0);

  /// The number add() would give next.
  [[nodiscard]] Result<uint64_t> next_number() const;

  /// Makes generation `number` current. Errors when it does not exist.
  [[nodiscard]] Result<void> set_current(uint64_t number);

  /// Removes generation `number`; the current one cannot be removed.
  [[nodiscard]] Result<void> remove(uint64_t number);

 private:
  Profile(std::string store_root, std::string host, std::string dir)
      : store_root_(std::move(store_root)), host_(std::move(host)), dir_(std::move(dir)) {}
  std::string store_root_;
  std::string host_;
  std::string dir_;
};

/// Every host that has a profile in the store, sorted.
[[nodiscard]] Result<std::vector<std::string>> profile_hosts(const std::string& store_root);

/// Points `link` (e.g. "./result") at `system_dir` and registers it as a
/// garbage-collection root of the store, so the system stays while the
/// link does.
[[nodiscard]] Result<void> set_result_link(const std::string& store_root, const std::string& link,
                                           const std::string& system_dir);

/// Makes `link` a symlink to `target`, atomically (temporary name + rename).
[[nodiscard]] Result<void> replace_symlink(const std::string& link, const std::string& target);

}  // namespace cairn::generations
