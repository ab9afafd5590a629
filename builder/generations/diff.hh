// `cairn diff A B`: what changed between two built systems, from their
// manifests alone — packages added, removed and changed (with versions),
// the image size, generated /etc files and unit definitions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "builder/generations/manifest.hh"

namespace cairn::generations {

struct PackageChange {
  std::string name;
  std::string architecture;
  std::string from;  ///< version in A; "" = added
  std::string to;    ///< version in B; "" = removed
  bool operator==(const PackageChange&) const = default;
};

/// Changes of one keyed set (etc files, units), each list sorted.
struct SetChange {
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> changed;
  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
  bool operator==(const SetChange&) const = default;
};

struct SystemDiff {
  std::vector<PackageChange> packages;  ///< sorted by name
  uint64_t size_from = 0;               ///< image bytes
  uint64_t size_to = 0;
  std::string kernel_from;
  std::string kernel_to;
  SetChange etc;
  SetChange units;
};

SystemDiff diff_manifests(const Manifest& a, const Manifest& b);

/// The report a person reads: a line per package change ("+ htop 3.2.2-2",
/// "- nano 7.2-1", "~ systemd 252.38-1 → 252.39-1"), the size change, then
/// /etc and units. `a_name`/`b_name` label the sides ("generation 3").
std::string format_diff(const SystemDiff& d, std::string_view a_name, std::string_view b_name);

/// The same as JSON (for --json).
nlohmann::json diff_to_json(const SystemDiff& d);

/// "178.2 MB", "+1.8 MB", "-512 B" (decimal units).
std::string format_size(int64_t bytes, bool sign = false);

}  // namespace cairn::generations
