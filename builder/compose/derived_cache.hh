// A cache of what tools derive from package files alone — depmod's indexes
// from a kernel's modules, hwdb.bin from the hwdb.d sources — so that a
// rebuild which changed something else does not run them again.
//
//   <dir>/<kind>/<key>/<path>   the files, at their paths below the root
//
// The key is a digest of everything the tool reads (the caller computes
// it). An entry appears by rename, so one that exists is whole; restoring
// hard-links its files into the staging tree (copies across file systems).
// Failing to save is not an error: the cache only saves time. An empty
// directory name disables the cache.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::compose {

class DerivedCache {
 public:
  explicit DerivedCache(std::string dir = {}) : dir_(std::move(dir)) {}

  /// The files of (kind, key) placed into `staging` at their paths, or
  /// nullopt when the cache has no such entry (or restoring failed, in
  /// which case nothing is left half-placed... beyond files the tool
  /// would overwrite anyway).
  std::optional<std::vector<std::string>> restore(std::string_view kind, std::string_view key,
                                                  const std::string& staging) const;

  /// Keeps `files` (paths relative to `staging`) as (kind, key).
  void save(std::string_view kind, std::string_view key, const std::string& staging,
            const std::vector<std::string>& files) const;

 private:
  std::string dir_;
};

}  // namespace cairn::compose
