// The store: cairn's content-addressed cache on the build machine, shared
// by every host and generation built there.
//
//   <root>/debs/<sha256>.deb                          a fetched package
//   <root>/indexes/<sha256>                           an InRelease or Packages file
//   <root>/pkgs/<sha256>-<name>_<version>_<arch>/     an unpacked package
//   <root>/tmp/                                       work in progress, entry locks
//
// An entry is named by the hash of its contents (for pkgs/, of the .deb it
// was unpacked from), so an entry that exists is complete and correct:
// entries appear only by rename(2) from tmp/ (or a `.part`) after their
// hash was checked, and are never modified afterwards.
//
// Two builds may run at once. Each entry has a lock file
// (`tmp/<entry>.lock`, flock(2)); whoever creates an entry holds its lock
// from the re-check to the rename, so the same entry is never downloaded
// or unpacked twice at the same time, and a reader never sees half of one.
// Readers need no lock: an entry is either absent or whole. Lock files
// stay (removing one races with a process about to lock it); they are
// empty and `cairn gc` may clear them when no build runs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/error.hh"
#include "builder/debian/fetcher.hh"

namespace cairn::debian {

/// What a hash names: a .deb or an index file.
enum class StoreKind { deb, index };

/// An exclusive lock on one store entry, released when this is destroyed.
class EntryLock {
 public:
  EntryLock() = default;
  explicit EntryLock(int fd) : fd_(fd) {}
  EntryLock(EntryLock&& o) noexcept;
  EntryLock& operator=(EntryLock&& o) noexcept;
  ~EntryLock();
  /// Whether a lock is held (a default-constructed one holds none).
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

/// A file the store should hold: where to get it and what it must be.
struct StoreFetch {
  std::string sha256;  ///< 64 lowercase hex digits; names the entry
  std::string url;
  std::optional<std::uint64_t> size;
};

class Store {
 public:
  /// The store directory: `store_option` (`--store DIR`) if not empty,
  /// else `$XDG_CACHE_HOME/cairn` (when set and absolute), else
  /// `$HOME/.cache/cairn`. Errors when none of them is known.
  [[nodiscard]] static Result<std::string> default_root(std::string_view store_option = "");

  /// `default_root` with the environment passed in (for tests); a null
  /// pointer is an unset variable.
  [[nodiscard]] static Result<std::string> root_from(std::string_view store_option,
                                                     const char* xdg_cache_home,
                                                     const char* home);

  /// Opens the store at `root`, creating it and its subdirectories.
  [[nodiscard]] static Result<Store> open(std::string root);

  const std::string& root() const { return root_; }

  /// `debs/<sha256>.deb` or `indexes/<sha256>` under the root. The hash is
  /// not checked here (see `valid_hash`).
  std::string path_for(std::string_view sha256, StoreKind kind = StoreKind::deb) const;

  /// Whether the entry exists (and is therefore complete).
  bool has(std::string_view sha256, StoreKind kind = StoreKind::deb) const;

  /// `pkgs/<sha256>-<name>_<version>_<arch>` under the root: the directory
  /// an unpacked .deb lives in. Characters outside Debian's name and
  /// version alphabet, and ':' (an epoch), are written as %XX, as in
  /// Debian's pool file names ("1:2.0" → "1%3a2.0").
  std::string pkg_path(std::string_view sha256, std::string_view name, std::string_view version,
                       std::string_view arch) const;

  /// The store's scratch directory, on the same file system as the entries.
  std::string tmp_dir() const { return root_ + "/tmp"; }

  /// Waits for and takes the lock of the entry called `entry` (a file or
  /// directory name under debs/, indexes/ or pkgs/). A lock is per open
  /// file, so it also excludes other threads of this process.
  [[nodiscard]] Result<EntryLock> lock(std::string_view entry) const;

  /// Takes the lock if nobody holds it; an EntryLock that is not `held()`
  /// when someone does.
  [[nodiscard]] Result<EntryLock> try_lock(std::string_view entry) const;

  /// Makes sure the entry exists and returns its path. If it is missing:
  /// takes its lock, checks again (another build may just have made it),
  /// calls `fetch(tmp)` to write the complete file at `tmp` (a path in
  /// tmp/, nothing there yet; a `tmp + ".part"` from an interrupted
  /// earlier run may be), checks its sha256 and renames it into place.
  /// `fetch` must not lock the same entry. On any error nothing is left
  /// at the entry's path.
  [[nodiscard]] Result<std::string> ensure(
      std::string_view sha256, const std::function<Result<void>(const std::string& tmp)>& fetch,
      StoreKind kind = StoreKind::deb) const;

  /// Makes sure every file is in the store, downloading the missing ones
  /// in parallel with `fetcher` straight into their entries (the fetcher
  /// checks size and hash while streaming; partial files live in tmp/ and
  /// are resumed by a later run). Entries that another build is fetching
  /// right now are waited for, and fetched here only if it failed. All
  /// failures are reported together.
  [[nodiscard]] Result<FetchStats> ensure_all(std::span<const StoreFetch> files, Fetcher& fetcher,
                                              StoreKind kind = StoreKind::deb) const;

  /// Makes sure the unpacked tree exists: like `ensure`, but `fill(tmp)`
  /// gets an empty directory in tmp/ to fill, which is renamed to
  /// `pkg_path(...)`. Returns that path.
  [[nodiscard]] Result<std::string> ensure_tree(
      std::string_view sha256, std::string_view name, std::string_view version,
      std::string_view arch, const std::function<Result<void>(const std::string& tmp)>& fill) const;

  /// Whether `s` is 64 lowercase hex digits — the only names entries have.
  static bool valid_hash(std::string_view s);

 private:
  explicit Store(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

}  // namespace cairn::debian
