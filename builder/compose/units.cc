// The units pass. See units.hh.
//
// The links are planned in a map first (link path → target) so that two
// requests for one link agree or fail with both named, and so that a
// failure leaves the tree unchanged: the tree is written only at the end.
// The switch-settings drop-ins are planned the same way, after the links:
// a configured unit's file is known to exist by then (enable() fails
// otherwise), and the drop-ins are not unit files the enabler looks at.
#include "builder/compose/units.hh"

#include <algorithm>
#include <optional>
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

// The drop-in directory names of `unit`, most specific first, as systemd
// (and activator/unit_definitions.cc) search them: "a-b@c.service.d",
// "a-b@.service.d", "a-.service.d", "service.d".
std::vector<std::string> dropin_dirs(const std::string& unit) {
  std::vector<std::string> out{unit + ".d"};
  if (std::string t = template_of(unit); !t.empty()) out.push_back(t + ".d");
  size_t dot = unit.rfind('.');
  if (dot == std::string::npos) return out;
  std::string_view stem = std::string_view(unit).substr(0, unit.find_first_of("@."));
  std::string_view suffix = std::string_view(unit).substr(dot);
  for (size_t dash = stem.rfind('-'); dash != std::string_view::npos && dash > 0; dash = stem.rfind('-', dash - 1)) {
    std::string d = fmt::format("{}{}.d", stem.substr(0, dash + 1), suffix);
    if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
  }
  out.push_back(fmt::format("{}.d", suffix.substr(1)));
  return out;
}

// systemd's booleans; nullopt for anything else.
std::optional<bool> parse_bool(std::string_view v) {
  for (std::string_view t : {"1", "yes", "y", "true", "t", "on"})
    if (v == t) return true;
  for (std::string_view f : {"0", "no", "n", "false", "f", "off"})
    if (v == f) return false;
  return std::nullopt;
}

// The switch keys of one unit: key → value, in the order they are written.
using SwitchKeys = std::vector<std::pair<std::string, std::string>>;

// The keys modules/system/systemd.nix writes for these flags (its `flags`
// and `reloadTriggerSettings`); none for the defaults.
SwitchKeys switch_keys(const UnitConfig& c) {
  SwitchKeys out;
  if (!c.reload_if_changed && !c.restart_if_changed) out.emplace_back("X-RestartIfChanged", "false");
  if (!c.stop_if_changed) out.emplace_back("X-StopIfChanged", "false");
  if (c.reload_if_changed) out.emplace_back("X-ReloadIfChanged", "true");
  if (!c.reload_triggers.empty()) out.emplace_back("X-Reload-Triggers", c.reload_triggers);
  return out;
}

// What the activator makes of `key` in a definition (the unit file, then
// its drop-ins in order): for X-Reload-Triggers the words of [Unit] (else
// [Service]) joined by one blank; for the boolean keys the last [Service]
// value (else [Unit]) as "true"/"false". nullopt: not set, or not a boolean.
std::optional<std::string> effective(const std::vector<const UnitFile*>& files, std::string_view key) {
  std::map<std::string, std::vector<std::string>, std::less<>> by_section;
  for (const UnitFile* f : files)
    for (const UnitFile::Entry& e : f->entries()) {
      if (e.key != key) continue;
      auto& values = by_section[e.section];
      if (e.value.empty())
        values.clear();
      else
        values.push_back(e.value);
    }
  auto in = [&](std::string_view section) -> const std::vector<std::string>* {
    auto it = by_section.find(section);
    return it == by_section.end() || it->second.empty() ? nullptr : &it->second;
  };
  if (key == "X-Reload-Triggers") {
    const auto* values = in("Unit");
    if (!values) values = in("Service");
    if (!values) return std::nullopt;
    std::string out;
    for (const std::string& v : *values) {
      std::string_view rest = v;
      while (!rest.empty()) {
        size_t b = rest.find_first_not_of(" \t");
        if (b == std::string_view::npos) break;
        rest.remove_prefix(b);
        size_t e = std::min(rest.find_first_of(" \t"), rest.size());
        out += fmt::format("{}{}", out.empty() ? "" : " ", rest.substr(0, e));
        rest.remove_prefix(e);
      }
    }
    return out;
  }
  const auto* values = in("Service");
  if (!values) values = in("Unit");
  if (!values) return std::nullopt;
  auto b = parse_bool(values->back());
  if (!b) return std::nullopt;
  return *b ? "true" : "false";
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

  // Plans the switch-settings drop-in of the enabled configured unit
  // `unit` (see units.hh): the keys its flags call for that its
  // definition does not already carry.
  Result<void> plan_switch_settings(const std::string& unit, const UnitConfig& c) {
    SwitchKeys wanted = switch_keys(c);
    if (wanted.empty()) return {};
    auto context = [&](Error e) { return std::unexpected(e.context(fmt::format("units: {}", unit))); };
    // The definition: the unit's file, then its drop-ins by file name
    // (the first directory holding a name wins: etc before usr/lib, the
    // most specific directory first).
    std::vector<std::pair<std::string, UnitFile>> files;
    auto add_file = [&](const std::string& path) -> Result<void> {
      auto text = tree_.read(path);
      if (!text) return context(text.error());
      auto file = UnitFile::parse(*text, path);
      if (!file) return context(file.error());
      files.emplace_back(path, std::move(*file));
      return {};
    };
    auto found = find_file(kSystem, unit);
    if (!found) return {};  // enable() has reported it
    if (auto r = add_file(found->path); !r) return r;
    std::map<std::string, std::string> dropins;  // file name → tree path; "" when masked
    for (std::string_view dir : {kSystem.etc, kSystem.lib})
      for (const std::string& d : dropin_dirs(unit))
        for (const std::string& path : tree_.list(fmt::format("{}/{}", dir, d))) {
          std::string name = path.substr(path.rfind('/') + 1);
          if (!name.ends_with(".conf") || dropins.count(name)) continue;
          const Node* n = tree_.find(path);
          if (n->type == EntryType::symlink && n->target == "/dev/null") {
            dropins[name] = "";
            continue;
          }
          const Node* to = tree_.resolve(path);
          if (to && (to->type == EntryType::file || to->type == EntryType::hardlink)) dropins[name] = path;
        }
    const std::string path = fmt::format("{}/{}.d/{}", kSystem.etc, unit, kSwitchDropin);
    for (const auto& [name, p] : dropins)
      if (!p.empty())
        if (auto r = add_file(p); !r) return r;

    auto in_order = [](const std::vector<std::pair<std::string, UnitFile>>& defn) {
      std::vector<const UnitFile*> out;
      for (const auto& [_, f] : defn) out.push_back(&f);
      return out;
    };
    auto keys_left = [&](const SwitchKeys& keys, const std::vector<std::pair<std::string, UnitFile>>& defn) {
      SwitchKeys out;
      for (const auto& [key, value] : keys)
        if (effective(in_order(defn), key) != value) out.emplace_back(key, value);
      return out;
    };
    SwitchKeys missing = keys_left(wanted, files);
    if (missing.empty()) return {};
    std::string settings;
    for (const auto& [key, value] : missing)
      settings += fmt::format("{}{}={}", settings.empty() ? "" : ", ", key, value);
    if (tree_.find(path))
      return fail(fmt::format("units: {} is where cairn writes the switch settings of {} ({}), but the tree "
                              "already has a file there; give that file another name",
                              path, unit, settings));

    std::string text = fmt::format(
        "# Generated by cairn from systemd.units.\"{}\": how `cairn switch` treats\n"
        "# this unit when its definition changes (modules/system/systemd.nix).\n"
        "[Unit]\n",
        unit);
    for (const auto& [key, value] : missing) {
      // Trigger words add up across files: an empty value first drops
      // those of the definition (a unit text with the digest of fewer
      // triggers, say), so that the value is exactly the closure's.
      if (key == "X-Reload-Triggers" && effective(in_order(files), key)) text += "X-Reload-Triggers=\n";
      text += fmt::format("{}={}\n", key, value);
    }

    // Still overridden with the drop-in in its place (a [Service] value,
    // or a drop-in sorting after it): say so rather than hide it.
    auto mine = UnitFile::parse(text, path);
    if (!mine) return context(mine.error());
    size_t at = 1;  // after the unit file, among the drop-ins by name
    for (auto it = dropins.begin(); it != dropins.end() && it->first < kSwitchDropin; ++it)
      if (!it->second.empty()) ++at;
    files.insert(files.begin() + static_cast<std::ptrdiff_t>(at), {path, std::move(*mine)});
    for (const auto& [key, value] : keys_left(missing, files))
      result_.warnings.push_back(fmt::format(
          "units: {} sets {}={} for `cairn switch` in {}, but its definition overrides it, ignoring", unit, key,
          value, path));
    planned_dropins_[path] = std::move(text);
    return {};
  }

  // Writes the planned links and drop-ins into the tree.
  UnitsResult finish() {
    for (const auto& [path, link] : planned_) tree_.set_symlink(path, link.first);
    for (const auto& [path, text] : planned_dropins_) {
      tree_.set_file(path, text);
      result_.switch_dropins.push_back(path);
    }
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
  std::map<std::string, std::string> planned_dropins_;  ///< path → text
  UnitsResult result_;

  static constexpr std::string_view kSwitchDropin = "cairn-switch.conf";

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
    for (auto [key, field] : {std::pair{"restartIfChanged", &UnitConfig::restart_if_changed},
                              {"stopIfChanged", &UnitConfig::stop_if_changed},
                              {"reloadIfChanged", &UnitConfig::reload_if_changed}}) {
      if (!u.contains(key)) continue;
      if (!u[key].is_boolean()) return fail(fmt::format("closure: units.\"{}\".{} is not a boolean", name, key));
      c.*field = u[key].get<bool>();
    }
    auto triggers = strings(u.value("reloadTriggers", nlohmann::json()), name, "reloadTriggers");
    if (!triggers) return std::unexpected(triggers.error());
    const nlohmann::json digest = u.value("reloadTriggersDigest", nlohmann::json());
    if (digest.is_string()) {
      c.reload_triggers = digest.get<std::string>();
    } else if (!digest.is_null() || !triggers->empty()) {
      return fail(fmt::format("closure: units.\"{}\".reloadTriggersDigest is not a string (the digest of the "
                              "unit's reloadTriggers, see modules/closure.nix)",
                              name));
    }
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
  for (const auto& [unit, c] : config)
    if (c.enable)
      if (auto r = e.plan_switch_settings(unit, c); !r) return std::unexpected(r.error());
  return e.finish();
}

}  // namespace cairn::compose
