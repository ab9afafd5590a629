// Planning an in-place switch. See switch_plan.hh for the rules.
//
// The lists are built in maps (unit → reason) so that each unit is named
// once and comes out sorted; live units are visited in name order, so the
// first reason given to a unit (emplace) does not depend on the order
// systemd listed them in.
#include "activator/switch_plan.hh"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <iterator>
#include <map>
#include <set>

namespace cairn::activator {

namespace {

using Reasons = std::map<std::string, std::string, std::less<>>;

// [Unit] keys whose change needs no action (NixOS's unit_section_ignores).
constexpr std::string_view kIgnoredUnitKeys[] = {
    "AllowIsolate",     "CollectMode", "Description",       "Documentation",    "IgnoreOnIsolate", "OnFailure",
    "OnFailureJobMode", "OnSuccess",   "RefuseManualStart", "RefuseManualStop", "SourcePath",      "StopWhenUnneeded",
};

// Mounts of the running system itself: reloaded, never unmounted.
constexpr std::string_view kSystemMounts[] = {"-.mount", "etc.mount", "usr.mount"};

bool is_active(std::string_view state) {
  return state == "active" || state == "activating" || state == "reloading" || state == "refreshing";
}

// Whether a FragmentPath is a file of the roots (not a generator's, not
// transient, not a user's).
bool from_roots(std::string_view fragment) {
  return fragment.empty() || fragment.starts_with("/etc/systemd/system/") ||
         fragment.starts_with("/usr/lib/systemd/system/") || fragment.starts_with("/lib/systemd/system/");
}

template <class List>
bool contains(const List& list, std::string_view v) {
  return std::find(std::begin(list), std::end(list), v) != std::end(list);
}

// "X-RestartIfChanged=false", with where it came from when cairn's
// built-in policy set it.
std::string key_text(const UnitDefinition& def, std::string_view setting) {
  if (contains(def.keys.builtin, setting)) return fmt::format("{} (built in for {})", setting, def.name);
  return std::string(setting);
}

// Why a changed unit must not be restarted; "" when it may.
std::string refusal(const UnitDefinition& def) {
  if (!def.keys.restart_if_changed) return key_text(def, "X-RestartIfChanged=false");
  if (def.keys.refuse_manual_stop) return "RefuseManualStop=true";
  if (def.keys.only_manual_start) return "X-OnlyManualStart=true";
  return "";
}

// Why a wanted unit must not be started; "" when it may.
std::string start_refusal(const UnitDefinition& def) {
  if (def.keys.refuse_manual_start) return "RefuseManualStart=true";
  if (def.keys.only_manual_start) return "X-OnlyManualStart=true";
  return "";
}

// The name before "@" or the type suffix: "foo@bar.service" → "foo".
std::string stem_of(std::string_view name) { return std::string(name.substr(0, name.find_first_of("@."))); }

std::vector<PlannedUnit> to_list(const Reasons& r) {
  std::vector<PlannedUnit> out;
  for (const auto& [unit, reason] : r) out.push_back({unit, reason});
  return out;
}

class Planner {
 public:
  Planner(const UnitDefinitions& old_units, const UnitDefinitions& new_units, const std::vector<LiveUnit>& live)
      : old_(old_units), new_(new_units) {
    for (const LiveUnit& u : live) live_.emplace(u.name, &u);
  }

  Plan run(const KernelVersions& kernels) {
    for (const auto& [name, unit] : live_)
      if (from_roots(unit->fragment_path)) visit(*unit);
    start_wanted();

    Plan plan;
    for (const auto& [unit, _] : restart_) reload_.erase(unit);
    for (const Reasons* r : {&stop_, &start_, &restart_, &reload_})
      for (const auto& [unit, _] : *r) skipped_.erase(unit);
    plan.stop = to_list(stop_);
    plan.start = to_list(start_);
    plan.restart = to_list(restart_);
    plan.reload = to_list(reload_);
    plan.skipped = to_list(skipped_);
    plan.daemon_reload = old_.tree_digest() != new_.tree_digest();
    if (kernels.running != kernels.next)
      plan.reboot_reasons.push_back(fmt::format("the kernel changed ({} → {})", kernels.running, kernels.next));
    if (old_.systemd_digest() != new_.systemd_digest())
      plan.reboot_reasons.push_back("systemd changed (/usr/lib/systemd/systemd differs)");
    return plan;
  }

 private:
  bool live_active(std::string_view name) const {
    auto it = live_.find(name);
    return it != live_.end() && is_active(it->second->active_state);
  }

  // One unit systemd has now.
  void visit(const LiveUnit& unit) {
    auto old_def = old_.find(unit.name);
    if (!old_def || old_def->masked || !old_def->alias_of.empty()) return;  // not the old root's unit
    auto new_def = new_.find(unit.name);
    bool active = is_active(unit.active_state);

    if (!new_def || new_def->masked) {
      if (!active) return;
      std::string what = new_def ? "masked in the new system" : "removed in the new system";
      if (old_def->keys.stop_on_removal)
        stop_.emplace(unit.name, what);
      else
        skipped_.emplace(unit.name, what + ", but " + key_text(*old_def, "X-StopOnRemoval=false"));
      return;
    }

    UnitComparison cmp = compare_units(*old_def, *new_def);
    std::string changed = fmt::format("changed ({})", cmp.what);
    if (!active) {
      if (cmp.kind != UnitComparison::equal)
        skipped_.emplace(unit.name, fmt::format("{}, but not active ({})", changed, unit.active_state));
      return;
    }
    if (new_def->kind == UnitKind::target) {
      if (new_def->keys.stop_on_reconfiguration) {
        stop_.emplace(unit.name, "X-StopOnReconfiguration=true: stopped before the switch");
        start_.emplace(unit.name, "X-StopOnReconfiguration=true: started after the switch");
      } else if (cmp.kind != UnitComparison::equal) {
        skipped_.emplace(unit.name, changed + ": a target is not restarted; what it newly wants is started");
      }
      return;
    }
    switch (cmp.kind) {
      case UnitComparison::equal:
        return;
      case UnitComparison::reload:
        if (!restart_.contains(unit.name)) reload_.emplace(unit.name, fmt::format("only {} changed", cmp.what));
        return;
      case UnitComparison::restart:
        modified(unit.name, *new_def, changed);
        return;
    }
  }

  // A unit whose definition changed in a way a reload does not cover.
  void modified(const std::string& name, const UnitDefinition& def, const std::string& changed) {
    switch (def.kind) {
      case UnitKind::path:
      case UnitKind::slice:
        skipped_.emplace(name,
                         fmt::format("{}: a .{} unit, applied by daemon-reload", changed, unit_kind_name(def.kind)));
        return;
      case UnitKind::mount:
        if (contains(kSystemMounts, name))
          reload_.emplace(name, changed + ": a mount of the running system is reloaded, never unmounted");
        else
          restart_.emplace(name, changed);
        return;
      case UnitKind::socket:
        modified_socket(name, def, changed);
        return;
      default:
        break;
    }
    if (def.keys.reload_if_changed && !restart_.contains(name) && !stop_.contains(name)) {
      reload_.emplace(name, changed + "; " + key_text(def, "X-ReloadIfChanged=true"));
      return;
    }
    if (std::string r = refusal(def); !r.empty()) {
      skipped_.emplace(name, fmt::format("{}, but {}", changed, r));
      return;
    }
    if (def.kind != UnitKind::service) {
      restart_.emplace(name, changed);
      return;
    }
    if (!def.keys.stop_if_changed) {
      restart_.emplace(name, changed + "; " + key_text(def, "X-StopIfChanged=false") + ": restarted in one step");
      return;
    }
    // Stop before the swap, start after; a socket-activated service is
    // stopped with its sockets and only the sockets are started.
    std::vector<std::string> sockets = def.words("Service", "Sockets");
    if (sockets.empty()) sockets.push_back(stem_of(name) + ".socket");
    bool socket_activated = false;
    for (const std::string& s : sockets) {
      auto sdef = new_.find(s);
      bool in_new = sdef && !sdef->masked;
      if (live_active(s)) {
        stop_.emplace(s, fmt::format("a socket of {}, which changed: stopped before the switch", name));
        if (in_new) start_.emplace(s, fmt::format("a socket of {}, which changed: started after the switch", name));
      }
      socket_activated = socket_activated || in_new;
    }
    if (def.keys.not_socket_activated) socket_activated = false;
    if (socket_activated) {
      stop_.emplace(name, changed + ": stopped before the switch; its socket starts it again");
    } else {
      stop_.emplace(name, changed + ": stopped before the switch");
      start_.emplace(name, changed + ": started after the switch");
    }
    reload_.erase(name);
  }

  // A changed socket: made anew, and its service stopped so that the next
  // connection starts the new one.
  void modified_socket(const std::string& name, const UnitDefinition& def, const std::string& changed) {
    if (std::string r = refusal(def); !r.empty()) {
      skipped_.emplace(name, fmt::format("{}, but {}", changed, r));
      return;
    }
    stop_.emplace(name, changed + ": stopped before the switch");
    start_.emplace(name, changed + ": started after the switch");
    std::vector<std::string> services = def.words("Socket", "Service");
    auto accept = def.values("Socket", "Accept");
    bool per_connection = !accept.empty() && (accept.back() == "yes" || accept.back() == "true" ||
                                              accept.back() == "1" || accept.back() == "on");
    if (services.empty() && !per_connection) services.push_back(stem_of(name) + ".service");
    for (const std::string& s : services) {
      if (!live_active(s)) continue;
      auto sdef = new_.find(s);
      if (!sdef || sdef->masked) continue;  // the service's own removal stops it
      if (std::string r = refusal(*sdef); !r.empty())
        skipped_.emplace(s, fmt::format("its socket {} changed, but {}", name, r));
      else
        stop_.emplace(
            s, fmt::format("its socket {} changed: stopped before the switch; the socket starts it again", name));
    }
  }

  // Units newly wanted by the targets active after the switch.
  void start_wanted() {
    std::deque<std::string> todo;
    std::set<std::string> seen;
    auto add_target = [&](const std::string& t) {
      if (seen.insert(t).second) todo.push_back(t);
    };
    for (const auto& [name, unit] : live_) {
      if (unit_kind_of(name) != UnitKind::target || !is_active(unit->active_state)) continue;
      if (stop_.contains(name) && !start_.contains(name)) continue;
      auto def = new_.find(name);
      if (def && !def->masked) add_target(name);
    }
    for (const auto& [name, _] : start_)
      if (unit_kind_of(name) == UnitKind::target) add_target(name);

    while (!todo.empty()) {
      std::string target = std::move(todo.front());
      todo.pop_front();
      std::vector<std::string> old_wants = old_.wants(target);
      for (const std::string& w : new_.wants(target)) {
        if (start_.contains(w) || restart_.contains(w)) {
          if (unit_kind_of(w) == UnitKind::target) add_target(w);
          continue;
        }
        if (live_active(w)) continue;
        auto def = new_.find(w);
        if (!def || def->masked) continue;
        auto old_def = old_.find(w);
        bool existed = old_def && !old_def->masked;
        std::string reason;
        if (!existed) {
          reason = fmt::format("new, wanted by {}", target);
        } else if (!contains(old_wants, w)) {
          reason = fmt::format("newly wanted by {}", target);
        } else {
          auto live = live_.find(w);
          if (live == live_.end() || live->second->active_state != "failed") continue;
          UnitComparison cmp = compare_units(*old_def, *def);
          if (cmp.kind == UnitComparison::equal) continue;
          reason = fmt::format("failed, changed ({}), wanted by {}", cmp.what, target);
        }
        if (std::string r = start_refusal(*def); !r.empty()) {
          skipped_.emplace(w, fmt::format("{}, but {}", reason, r));
          continue;
        }
        start_.emplace(w, reason);
        if (def->kind == UnitKind::target) add_target(w);
      }
    }
  }

  const UnitDefinitions& old_;
  const UnitDefinitions& new_;
  std::map<std::string, const LiveUnit*, std::less<>> live_;
  Reasons stop_, start_, restart_, reload_, skipped_;
};

}  // namespace

UnitComparison compare_units(const UnitDefinition& old_def, const UnitDefinition& new_def) {
  if (old_def.masked != new_def.masked) return {UnitComparison::restart, "masked"};
  // Every (section, key) of either side, in order.
  std::set<std::pair<std::string, std::string>> keys;
  for (const UnitDefinition* d : {&old_def, &new_def})
    for (const auto& [section, entries] : d->sections)
      for (const auto& [key, _] : entries) keys.emplace(section, key);

  UnitComparison out;
  for (const auto& [section, key] : keys) {
    const auto& before = old_def.values(section, key);
    const auto& after = new_def.values(section, key);
    if (before == after) continue;
    std::string what = fmt::format("[{}] {}=", section, key);
    if (section == "Unit" && key == "X-Reload-Triggers") {
      if (out.kind == UnitComparison::equal) out = {UnitComparison::reload, what};
      continue;
    }
    if (section == "Unit" && contains(kIgnoredUnitKeys, key)) continue;
    if (section == "Service" && key == "ExecReload") {
      if (after.empty()) continue;  // the running process is unaffected
      if (out.kind == UnitComparison::equal) out = {UnitComparison::reload, what};
      continue;
    }
    if (section == "Mount" && key == "Options") {
      if (out.kind == UnitComparison::equal) out = {UnitComparison::reload, what};
      continue;
    }
    return {UnitComparison::restart, what};
  }
  return out;
}

Plan plan_switch(const UnitDefinitions& old_units, const UnitDefinitions& new_units, const std::vector<LiveUnit>& live,
                 const KernelVersions& kernels) {
  return Planner(old_units, new_units, live).run(kernels);
}

}  // namespace cairn::activator
