#include "builder/generations/diff.hh"

#include <cmath>
#include <map>

#include <fmt/format.h>

namespace cairn::generations {

namespace {

SetChange diff_maps(const std::map<std::string, std::string>& a, const std::map<std::string, std::string>& b) {
  SetChange c;
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end()) c.removed.push_back(k);
    else if (it->second != v) c.changed.push_back(k);
  }
  for (const auto& [k, v] : b)
    if (!a.count(k)) c.added.push_back(k);
  return c;
}

void format_set(std::string& out, std::string_view title, const SetChange& c, std::string_view prefix) {
  if (c.empty()) return;
  out += fmt::format("{}: {} added, {} removed, {} changed\n", title, c.added.size(), c.removed.size(),
                     c.changed.size());
  for (const std::string& p : c.added) out += fmt::format("  + {}{}\n", prefix, p);
  for (const std::string& p : c.removed) out += fmt::format("  - {}{}\n", prefix, p);
  for (const std::string& p : c.changed) out += fmt::format("  ~ {}{}\n", prefix, p);
}

}  // namespace

std::string format_size(int64_t bytes, bool sign) {
  const char* s = bytes < 0 ? "-" : (sign ? "+" : "");
  double v = std::fabs(static_cast<double>(bytes));
  if (v < 1000) return fmt::format("{}{} B", s, static_cast<int64_t>(v));
  static const char* units[] = {"kB", "MB", "GB", "TB"};
  int u = -1;
  while (v >= 1000 && u < 3) v /= 1000, ++u;
  return fmt::format("{}{:.1f} {}", s, v, units[u]);
}

SystemDiff diff_manifests(const Manifest& a, const Manifest& b) {
  SystemDiff d;
  using Key = std::pair<std::string, std::string>;
  std::map<Key, std::string> av, bv;
  for (const ManifestPackage& p : a.packages) av[{p.name, p.architecture}] = p.version;
  for (const ManifestPackage& p : b.packages) bv[{p.name, p.architecture}] = p.version;
  // A package that changed architecture (arch ↔ all) is one change, not two.
  std::map<std::string, PackageChange> by_name;
  for (const auto& [k, v] : av) {
    auto it = bv.find(k);
    if (it == bv.end()) by_name[k.first + "\n" + k.second] = {k.first, k.second, v, ""};
    else if (it->second != v) by_name[k.first + "\n" + k.second] = {k.first, k.second, v, it->second};
  }
  for (const auto& [k, v] : bv)
    if (!av.count(k)) by_name[k.first + "\n" + k.second] = {k.first, k.second, "", v};
  for (auto& [k, c] : by_name) d.packages.push_back(std::move(c));
  d.size_from = a.image.size;
  d.size_to = b.image.size;
  d.kernel_from = a.kernel.version;
  d.kernel_to = b.kernel.version;
  d.etc = diff_maps(a.etc, b.etc);
  d.units = diff_maps(a.units, b.units);
  return d;
}

std::string format_diff(const SystemDiff& d, std::string_view a_name, std::string_view b_name) {
  std::string out = fmt::format("{} → {}\n", a_name, b_name);
  size_t added = 0, removed = 0, changed = 0;
  for (const PackageChange& c : d.packages) (c.from.empty() ? added : c.to.empty() ? removed : changed)++;
  if (d.packages.empty()) {
    out += "packages: unchanged\n";
  } else {
    out += fmt::format("packages: {} added, {} removed, {} changed\n", added, removed, changed);
    for (const PackageChange& c : d.packages) {
      if (c.from.empty()) out += fmt::format("  + {} {}\n", c.name, c.to);
      else if (c.to.empty()) out += fmt::format("  - {} {}\n", c.name, c.from);
      else out += fmt::format("  ~ {} {} → {}\n", c.name, c.from, c.to);
    }
  }
  if (d.kernel_from != d.kernel_to)
    out += fmt::format("kernel: {} → {}\n", d.kernel_from.empty() ? "none" : d.kernel_from,
                       d.kernel_to.empty() ? "none" : d.kernel_to);
  out += fmt::format("image: {} → {} ({})\n", format_size(static_cast<int64_t>(d.size_from)),
                     format_size(static_cast<int64_t>(d.size_to)),
                     format_size(static_cast<int64_t>(d.size_to) - static_cast<int64_t>(d.size_from), true));
  format_set(out, "/etc", d.etc, "/etc/");
  format_set(out, "units", d.units, "");
  return out;
}

nlohmann::json diff_to_json(const SystemDiff& d) {
  nlohmann::json packages = nlohmann::json::array();
  for (const PackageChange& c : d.packages)
    packages.push_back({{"name", c.name}, {"architecture", c.architecture},
                        {"from", c.from.empty() ? nlohmann::json() : nlohmann::json(c.from)},
                        {"to", c.to.empty() ? nlohmann::json() : nlohmann::json(c.to)}});
  auto set = [](const SetChange& c) {
    return nlohmann::json{{"added", c.added}, {"removed", c.removed}, {"changed", c.changed}};
  };
  return {{"packages", packages},
          {"image", {{"from", d.size_from}, {"to", d.size_to}}},
          {"kernel", {{"from", d.kernel_from}, {"to", d.kernel_to}}},
          {"etc", set(d.etc)},
          {"units", set(d.units)}};
}

}  // namespace cairn::generations
