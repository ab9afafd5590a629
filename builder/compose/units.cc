// The units pass. See units.hh.
//
// The links are planned in a map first (link path → target) so that two
// requests for one link agree or fail with both named, and so that a
// failure leaves the tree unchanged: the tree is written only at the end.
#include "builder/compose/units.hh"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/unit_file.hh"

namespace cairn::compose {

namespace {

struct Scope {
  std::string_view etc;
  std::string_view lib;
};
constexpr Scope kSystem{"etc/systemd/system", "usr/lib/systemd/system"};
constexpr Scope kUser{"etc/systemd/user", "usr/lib/systemd/user"};

bool is_template(std::string_view unit) { return unit.find("@.") != std::string_view::npos; }

// "a@b.service" → "a@.service"; "" for a unit that is no instance.
std::string template_of(std::string_view unit) {
  size_t at = unit.find('@');
  size_t dot = unit.rfind('.');
  if (at == std::string_view::npos || dot == std::string_view::npos || dot < at || at + 1 == dot) return "";
  return fmt::format("{}@{}", unit.substr(0, at), unit.substr(dot));
}

struct UnitPath {
  std::string path;    ///< tree path of the file
  std::string target;  ///< what links say: "/usr/lib/systemd/system/a@.service"
};

class Enabler {
 public:
  Enabler(RootTree& tree, const std::map<std::string, UnitConfig>& config) : tree_(tree), config_(config) {}

  Result<void> mask(const std::string& unit) {
    std::string path = fmt::format("{}/{}", kSystem.etc, unit);
    if (auto r = plan(path, "/dev/null", unit); !r) return r;
    result_.units.push_back(EnabledUnit{unit, false, true, "configuration"});
    return {};
  }

  // Enables `unit`; `required`: a missing unit file is an error (else a warning).
  Result<void> enable(const Scope& scope, const std::string& unit, const std::string& reason, bool required) {
    bool user = scope.etc == kUser.etc;
    if (!user) {
      auto c = config_.find(unit);
      if (c != config_.end() && !c->second.enable) return {};  // masked
    }
    std::string key = fmt::format("{}:{}", user ? "user" : "system", unit);
    if (auto it = index_.find(key); it != index_.end()) {
      EnabledUnit& e = result_.units[it->second];
      if (e.reason.find(reason) == std::string::npos) e.reason += ", " + reason;
      return {};
    }
    auto found = find_file(scope, unit);
    if (!found) {
      std::string where = fmt::format("{}/{}", scope.lib, unit);
      if (std::string t = template_of(unit); !t.empty()) where += fmt::format(" (or the template {})", t);
      if (required)
        return fail(fmt::format("units: {} is enabled in the configuration (systemd.units.\"{}\"), but no installed "
                                "package ships {} and the configuration gives it no text; add the package that "
                                "ships it to environment.systemPackages, give it a text, or set "
                                "systemd.units.\"{}\".enable = false",
                                unit, unit, where, unit));
      result_.warnings.push_back(
          fmt::format("units: {} ({}) is not installed: no {}, ignoring", unit, reason, where));
      return {};
    }
    auto text = tree_.read(found->path);
    if (!text) return std::unexpected(text.error().context(fmt::format("units: enabling {}", unit)));
    auto file = UnitFile::parse(*text, found->path);
    if (!file) return std::unexpected(file.error().context(fmt::format("units: enabling {}", unit)));

    std::vector<std::string> wanted = file->words("Install", "WantedBy");
    std::vector<std::string> required_by = file->words("Install", "RequiredBy");
    std::vector<std::string> upheld = file->words("Install", "UpheldBy");
    std::vector<std::string> aliases = file->words("Install", "Alias");
    if (!user) {
      if (auto c = config_.find(unit); c != config_.end()) {
        wanted.insert(wanted.end(), c->second.wanted_by.begin(), c->second.wanted_by.end());
        required_by.insert(required_by.end(), c->second.required_by.begin(), c->second.required_by.end());
        aliases.insert(aliases.end(), c->second.aliases.begin(), c->second.aliases.end());
      }
    }
    // The name the .wants/ links carry: the unit, or for a template its
    // default instance (none: a template gets only its aliases).
    std::string instance = unit;
    if (is_template(unit)) {
      std::string di = expand_unit_specifiers(file->value("Install", "DefaultInstance"), unit);
      instance = di.empty() ? "" : fmt::format("{}{}{}", unit.substr(0, unit.find('@') + 1), di,
                                                unit.substr(unit.rfind('.')));
    }

    index_[key] = result_.units.size();
    result_.units.push_back(EnabledUnit{unit, user, false, reason, found->path});
    size_t me = result_.units.size() - 1;
    auto add = [&](const std::string& path) -> Result<void> {
      if (auto r = plan(path, found->target, unit); !r) return r;
      auto& links = result_.units[me].links;
      if (std::find(links.begin(), links.end(), path) == links.end()) links.push_back(path);
      return {};
    };
    const std::string& named = instance.empty() ? unit : instance;
    if (!instance.empty()) {
      for (const auto& [list, dir] : {std::pair{&wanted, ".wants"}, {&required_by, ".requires"}, {&upheld, ".upholds"}})
        for (const std::string& t : *list)
          if (auto r = add(fmt::format("{}/{}{}/{}", scope.etc, expand_unit_specifiers(t, named), dir, instance)); !r)
            return r;
    }
    for (const std::string& a : aliases) {
      std::string alias = expand_unit_specifiers(a, named);
      if (alias == unit || alias.empty()) continue;
      if (auto r = add(fmt::format("{}/{}", scope.etc, alias)); !r) return r;
    }
    std::sort(result_.units[me].links.begin(), result_.units[me].links.end());
    for (const std::string& also : file->words("Install", "Also"))
      if (auto r = enable(scope, expand_unit_specifiers(also, named), "Also= of " + unit, false); !r) return r;
    return {};
  }

  // Writes the planned links into the tree.
  UnitsResult finish() {
    for (const auto& [path, link] : planned_) tree_.set_symlink(path, link.first);
    std::stable_sort(result_.units.begin(), result_.units.end(), [](const EnabledUnit& a, const EnabledUnit& b) {
      return std::tie(a.user, a.unit) < std::tie(b.user, b.unit);
    });
    return std::move(result_);
  }

 private:
  RootTree& tree_;
  const std::map<std::string, UnitConfig>& config_;
  std::map<std::string, std::pair<std::string, std::string>> planned_;  ///< path → (target, unit)
  std::map<std::string, size_t> index_;
  UnitsResult result_;

  // The unit's file as systemctl finds it: etc before usr/lib, the unit's
  // own name before its template's.
  std::optional<UnitPath> find_file(const Scope& scope, const std::string& unit) {
    std::vector<std::string> names{unit};
    if (std::string t = template_of(unit); !t.empty()) names.push_back(t);
    for (std::string_view dir : {scope.etc, scope.lib}) {
      for (const std::string& name : names) {
        std::string path = fmt::format("{}/{}", dir, name);
        const Node* n = tree_.find(path);
        if (!n) continue;
        if (n->type == EntryType::symlink) {
          // A link in etc (a packaged unit's alias, say): the file it names.
          const Node* to = tree_.resolve(path);
          if (!to || to->type != EntryType::file || n->target == "/dev/null") continue;
          std::string target = n->target.starts_with("/") ? n->target : fmt::format("/{}/{}", dir, n->target);
          return UnitPath{std::string(RootTree::merged_path(target)), target};
        }
        if (n->type == EntryType::file || n->type == EntryType::hardlink) return UnitPath{path, "/" + path};
      }
    }
    return std::nullopt;
  }

  Result<void> plan(const std::string& path, const std::string& target, const std::string& unit) {
    if (auto it = planned_.find(path); it != planned_.end()) {
      if (it->second.first == target) return {};
      return fail(fmt::format("units: {} would link to {} for {} and to {} for {}; give the two units different "
                              "names (Alias=, systemd.units.<name>.aliases)",
                              path, it->second.first, it->second.second, target, unit));
    }
    if (const Node* n = tree_.find(path); n && !(n->type == EntryType::symlink && n->target == target)) {
      std::string what = n->type == EntryType::symlink ? fmt::format("a link to {}", n->target)
                                                         : fmt::format("a {}", to_string(n->type));
      return fail(fmt::format("units: enabling {} needs {} → {}, but the tree has {} there ({}); remove that file "
                              "from the configuration or the unit's enablement",
                              unit, path, target, what, n->package.empty() ? "generated" : "package " + n->package));
    }
    planned_[path] = {target, unit};
    return {};
  }
};

Result<std::vector<std::string>> strings(const nlohmann::json& v, const std::string& unit, std::string_view field) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (!v.is_array()) return fail(fmt::format("closure: units.\"{}\".{} is not a list of strings", unit, field));
  for (const auto& s : v) {
    if (!s.is_string()) return fail(fmt::format("closure: units.\"{}\".{} is not a list of strings", unit, field));
    out.push_back(s.get<std::string>());
  }
  return out;
}

}  // namespace

Result<std::map<std::string, UnitConfig>> read_unit_config(const nlohmann::json& closure) {
  std::map<std::string, UnitConfig> out;
  if (!closure.is_object() || !closure.contains("units")) return out;
  const nlohmann::json& units = closure["units"];
  if (!units.is_object()) return fail("closure: `units` is not a set of units");
  for (const auto& [name, u] : units.items()) {
    if (!u.is_object()) return fail(fmt::format("closure: units.\"{}\" is not a set", name));
    UnitConfig c;
    if (u.contains("enable")) {
      if (!u["enable"].is_boolean()) return fail(fmt::format("closure: units.\"{}\".enable is not a boolean", name));
      c.enable = u["enable"].get<bool>();
    }
    auto wanted = strings(u.value("wantedBy", nlohmann::json()), name, "wantedBy");
    if (!wanted) return std::unexpected(wanted.error());
    auto required = strings(u.value("requiredBy", nlohmann::json()), name, "requiredBy");
    if (!required) return std::unexpected(required.error());
    auto aliases = strings(u.value("aliases", nlohmann::json()), name, "aliases");
    if (!aliases) return std::unexpected(aliases.error());
    c.wanted_by = std::move(*wanted);
    c.required_by = std::move(*required);
    c.aliases = std::move(*aliases);
    out.emplace(name, std::move(c));
  }
  return out;
}

Result<UnitsResult> enable_units(RootTree& tree, const std::map<std::string, UnitConfig>& config,
                                 const std::vector<UnitRequest>& requested) {
  Enabler e(tree, config);
  for (const auto& [unit, c] : config) {
    auto r = c.enable ? e.enable(kSystem, unit, "configuration", true) : e.mask(unit);
    if (!r) return std::unexpected(r.error());
  }
  for (const UnitRequest& u : requested) {
    auto r = e.enable(u.user ? kUser : kSystem, u.unit, fmt::format("package {}", u.package), false);
    if (!r) return std::unexpected(r.error());
  }
  return e.finish();
}

}  // namespace cairn::compose
