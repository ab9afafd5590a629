// `cairn gc`: removing what nothing needs from the store.
//
// First old generations go, per host: with --keep N all but the newest N,
// with --older-than all made before the cut-off; the current generation
// always stays. Then a sweep: a system is live when a generation or a live
// root (a ./result link that still points at it) names it; a package (.deb
// and its unpacked tree) is live when a live system lists it or when
// `keep_packages` holds it (the calling repository's cairn.lock, so that
// the next build does not fetch again). Everything else under systems/,
// pkgs/ and debs/ is deleted, with stale roots and leftovers of interrupted
// builds under tmp/.
//
// Builds hold the store's use lock shared while they run; gc takes it
// exclusively, so it never deletes what a running build is about to use.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/error.hh"

namespace cairn::generations {

/// The store's use lock (flock on <store>/tmp/use.lock), released when
/// destroyed.
class StoreUse {
 public:
  StoreUse() = default;
  StoreUse(StoreUse&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  StoreUse& operator=(StoreUse&& o) noexcept;
  ~StoreUse();

  /// Shared: for builds. Waits while a gc runs.
  [[nodiscard]] static Result<StoreUse> shared(const std::string& store_root);
  /// Exclusive: for gc. Waits until no build runs.
  [[nodiscard]] static Result<StoreUse> exclusive(const std::string& store_root);

 private:
  explicit StoreUse(int fd) : fd_(fd) {}
  int fd_ = -1;
};

struct GcOptions {
  std::optional<uint64_t> keep;             ///< keep the newest N generations per host
  std::optional<int64_t> older_than;        ///< remove generations older than this many seconds
  int64_t now = 0;                          ///< seconds since the epoch
  std::set<std::string> keep_packages;      ///< .deb sha256s that stay regardless
  bool dry_run = false;                     ///< report only
};

struct GcResult {
  std::vector<std::string> generations;  ///< removed, "vm 3"
  size_t systems = 0;                    ///< system directories removed
  size_t packages = 0;                   ///< unpacked packages removed
  size_t debs = 0;                       ///< .deb files removed
  uint64_t bytes = 0;                    ///< disk space freed (allocated blocks)
};

[[nodiscard]] Result<GcResult> collect_garbage(const std::string& store_root, const GcOptions& opts);

/// "30d", "12h", "2w", "90m", "45s" → seconds; nullopt when malformed.
std::optional<int64_t> parse_duration(std::string_view text);

}  // namespace cairn::generations
