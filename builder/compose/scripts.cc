// The scripts pass: each control file parsed (script_shell), walked as a
// fresh installation runs it (script_walk), and every command it passes
// looked up in the one table (script_commands) — giving the Actions of the
// report and, for the commands some call may run, the requests the later
// passes apply. See scripts.hh for the model and its limits.
#include "builder/compose/scripts.hh"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/lines.hh"
#include "builder/compose/script_commands.hh"
#include "builder/compose/script_shell.hh"
#include "builder/compose/script_walk.hh"
#include "builder/debian/unpack.hh"

namespace cairn::compose {

namespace {

using script_commands::Kind;
using script_walk::Arg;
using script_walk::Observation;

struct KindName {
  ScriptKind kind;
  std::string_view name;
};
constexpr KindName kKinds[] = {
    {ScriptKind::preinst, "preinst"}, {ScriptKind::config, "config"}, {ScriptKind::postinst, "postinst"},
    {ScriptKind::prerm, "prerm"},     {ScriptKind::postrm, "postrm"}, {ScriptKind::triggers, "triggers"},
};

// A partly known value for people: "?" for each unknown part.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text) out += c == script_walk::kHole ? std::string("?") : std::string(1, c);
  return out;
}

std::string joined(const std::vector<Arg>& args, std::string_view write_path) {
  std::string out;
  for (const Arg& a : args) {
    if (!out.empty()) out += ' ';
    if (a.text.empty()) out += a.known ? "''" : "?";
    else if (a.text.find_first_of(" \t") != std::string::npos) out += "'" + printable(a.text) + "'";
    else out += printable(a.text);
  }
  if (!write_path.empty()) out += fmt::format(" > {}", printable(write_path));
  return out;
}

class Collector {
 public:
  Collector(std::string_view package, const std::vector<debian::Entry>& shipped) {
    out_.package = std::string(package);
    for (const debian::Entry& e : shipped) shipped_.push_back(RootTree::merged_path(e.path));
    std::sort(shipped_.begin(), shipped_.end());
  }

  void add_script(ScriptKind kind, const std::vector<Observation>& observations) {
    for (const Observation& o : observations) add(kind, o);
  }

  // A triggers file: each activation makes an interested package's
  // `postinst triggered` run.
  void add_triggers(std::string_view text) {
    uint32_t line = 0;
    for (std::string_view raw : split_lines(text)) {
      ++line;
      // As dpkg reads it: blanks around the line dropped, then the
      // directive and the trigger name split at the blanks between them.
      size_t b = raw.find_first_not_of(" \t\r");
      if (b == std::string_view::npos || raw[b] == '#') continue;
      std::string l(raw.substr(b, raw.find_last_not_of(" \t\r") + 1 - b));
      size_t sp = l.find_first_of(" \t");
      std::string directive = l.substr(0, sp);
      std::string name = sp == std::string::npos ? "" : l.substr(l.find_first_not_of(" \t", sp));
      if (directive.rfind("activate", 0) != 0) continue;  // interest lines: the postinst is walked
      Action a{out_.package, ScriptKind::triggers, line, directive, l};
      if (name == "ldconfig") {
        a.handling = Action::Handling::declarative;
        a.how = "caches pass: etc/ld.so.cache built (the ldconfig trigger)";
      } else if (name == "update-initramfs") {
        a.how = "initramfs-tools is not used: cairn builds its own initramfs";
      } else {
        a.how = "the interested package's `postinst triggered` is analysed instead";
      }
      push(std::move(a));
    }
  }

  PackageScripts take() {
    std::stable_sort(out_.actions.begin(), out_.actions.end(), [](const Action& a, const Action& b) {
      return std::tie(a.script, a.line) < std::tie(b.script, b.line);
    });
    return std::move(out_);
  }

 private:
  PackageScripts out_;
  std::vector<std::string> shipped_;

  void push(Action a) {
    for (const Action& b : out_.actions)
      if (b == a) return;
    out_.actions.push_back(std::move(a));
  }

  void add(ScriptKind kind, const Observation& o) {
    if (o.args.empty() && o.write_path.empty()) return;
    Action a{out_.package, kind, o.line};
    a.text = o.text;
    if (!o.args.empty() && o.args[0].known) a.command = script_commands::program_name(o.args[0].text);
    bool all_known = o.write_known;
    for (const Arg& arg : o.args) all_known = all_known && arg.known;
    std::string expanded = joined(o.args, o.write_path);
    bool differs = o.text.find_first_of("$`") != std::string::npos ||
                   (!o.args.empty() && o.text.rfind(o.args[0].text, 0) != 0);
    if (o.reached && all_known && differs) a.expanded = expanded;

    const script_commands::Rule* rule = script_commands::find_rule(o.args, o.write_path, o.cwd, shipped_);
    bool listed = !rule || rule->kind == Kind::declarative || rule->kind == Kind::skipped;
    if (!o.reached) {
      if (!listed) return;
      a.handling = Action::Handling::skipped;
      a.how = o.why_not;
      push(std::move(a));
      return;
    }
    if (!o.args.empty() && !o.args[0].known) {
      a.how = "not understood: the command's name is computed at run time";
    } else if (!rule) {
      a.how = !o.write_path.empty() ? fmt::format("not understood: writes {}", printable(o.write_path))
                                    : fmt::format("not understood: no rule for `{}`", a.command);
    } else if (!listed) {
      return;
    } else if (rule->kind == Kind::skipped) {
      a.how = std::string(rule->how);
    } else {
      a.handling = Action::Handling::declarative;
      a.how = std::string(rule->how);
      std::string problem = extract(o, *rule, a.how);
      if (!problem.empty()) {
        a.handling = Action::Handling::skipped;
        a.how = "not understood: " + problem;
      }
    }
    push(std::move(a));
  }

  // Takes the request a declarative command makes; returns what is wrong
  // with it ("" = fine). `how` may get a note.
  std::string extract(const Observation& o, const script_commands::Rule& rule, std::string& how) {
    bool owner_mode = rule.match == "@shipped" && rule.command != "mkdir";
    namespace sc = script_commands;
    const std::string name = sc::program_name(o.args[0].text);
    if (name == "update-alternatives") {
      auto alt = sc::parse_alternative(o.args);
      if (!alt) return alt.error().message;
      if (*alt) {
        (*alt)->package = out_.package;
        add_unique(out_.alternatives, std::move(**alt));
      }
    } else if (name == "dpkg-divert") {
      auto div = sc::parse_diversion(o.args, out_.package);
      if (!div) return div.error().message;
      if (*div) {
        bool seen = false;
        for (const Diversion& d : out_.diversions) seen = seen || d.path == (*div)->path;
        if (!seen) out_.diversions.push_back(std::move(**div));
      }
    } else if (name == "dpkg-statoverride" || owner_mode) {
      auto overrides = sc::parse_owner_mode(o.args);
      if (!overrides) return overrides.error().message;
      for (StatOverride& s : *overrides) {
        if (name != "dpkg-statoverride" && !std::binary_search(shipped_.begin(), shipped_.end(), s.path)) continue;
        s.package = out_.package;
        add_override(std::move(s));
      }
    } else if (name == "adduser" || name == "addgroup" || name == "useradd" || name == "groupadd") {
      auto acc = sc::parse_account(o.args);
      if (!acc) return acc.error().message;
      if (*acc) {
        AccountRequest r = std::move((*acc)->request);
        if ((*acc)->id)
          how += fmt::format(" (the {} {} it asks for is not used: ids come from base-passwd, sysusers.d, "
                             "the configuration or allocation)",
                             r.kind == AccountRequest::Kind::user ? "uid" : "gid", *(*acc)->id);
        r.package = out_.package;
        bool seen = false;
        for (const AccountRequest& q : out_.accounts) seen = seen || (q.kind == r.kind && q.name == r.name);
        if (!seen) out_.accounts.push_back(std::move(r));
      }
    } else if (name == "deb-systemd-helper" || name == "systemctl") {
      auto units = sc::parse_units(o.args);
      if (!units) return units.error().message;
      for (UnitRequest& u : *units) {
        u.package = out_.package;
        add_unique(out_.units, std::move(u));
      }
    }
    return "";
  }

  template <class T>
  static void add_unique(std::vector<T>& list, T item) {
    for (const T& x : list)
      if (x == item) return;
    list.push_back(std::move(item));
  }

  void add_override(StatOverride s) {
    for (StatOverride& o : out_.stat_overrides) {
      if (o.path != s.path) continue;
      if (!s.user.empty()) o.user = s.user;
      if (!s.group.empty()) o.group = s.group;
      if (s.mode) o.mode = s.mode;
      return;
    }
    out_.stat_overrides.push_back(std::move(s));
  }
};

}  // namespace

std::string_view to_string(ScriptKind kind) {
  for (const KindName& k : kKinds)
    if (k.kind == kind) return k.name;
  return "?";
}

Result<PackageScripts> analyze_script_texts(std::string_view package,
                                            const std::vector<std::pair<std::string, std::string>>& scripts,
                                            const std::vector<debian::Entry>& shipped) {
  Collector collector(package, shipped);
  // dpkg runs `postinst triggered` only for a package with trigger interests.
  bool has_interests = false;
  for (const auto& [file, text] : scripts)
    if (file == "triggers")
      for (size_t at = text.find("interest"); at != std::string::npos; at = text.find("interest", at + 1))
        has_interests = has_interests || at == 0 || text[at - 1] == '\n';
  for (const KindName& k : kKinds) {
    for (const auto& [file, text] : scripts) {
      if (file != k.name) continue;
      if (k.kind == ScriptKind::triggers) {
        collector.add_triggers(text);
        continue;
      }
      auto cannot = [&](const Error& e) {
        return fail(fmt::format("package {}: {}; the script cannot be analysed, so the package cannot be "
                                "composed without running it (report this script to cairn)",
                                package, e.message));
      };
      auto tree = shell::parse(text, file);
      if (!tree) return cannot(tree.error());
      auto observations = script_walk::walk(**tree, k.kind, package, shipped, has_interests);
      if (!observations) return cannot(observations.error());
      collector.add_script(k.kind, *observations);
    }
  }
  return collector.take();
}

Result<PackageScripts> analyze_scripts(const PackageDir& pkg) {
  std::vector<std::pair<std::string, std::string>> scripts;
  for (const KindName& k : kKinds) {
    std::string path = fmt::format("{}/.cairn/control/{}", pkg.dir, k.name);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    auto text = read_file(path);
    if (!text)
      return std::unexpected(text.error().context(fmt::format("analysing the scripts of {}", pkg.name)));
    scripts.emplace_back(std::string(k.name), std::move(*text));
  }
  std::vector<debian::Entry> shipped;
  if (!scripts.empty()) {
    auto entries = debian::read_metadata(pkg.dir);
    if (!entries)
      return std::unexpected(entries.error().context(fmt::format("analysing the scripts of {}", pkg.name)));
    shipped = std::move(*entries);
  }
  return analyze_script_texts(pkg.name, scripts, shipped);
}

std::string explain(const std::vector<PackageScripts>& packages) {
  std::vector<const PackageScripts*> sorted;
  for (const PackageScripts& p : packages)
    if (!p.actions.empty()) sorted.push_back(&p);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const PackageScripts* a, const PackageScripts* b) { return a->package < b->package; });
  std::string out;
  for (const PackageScripts* p : sorted) {
    size_t done = 0;
    for (const Action& a : p->actions) done += a.handling == Action::Handling::declarative;
    if (!out.empty()) out += '\n';
    out += fmt::format("{}: {} done declaratively, {} skipped\n", p->package, done, p->actions.size() - done);
    // One entry per command as written and handling; the argument lists it
    // ran with (a function called several times) one per line.
    const auto& acts = p->actions;
    for (size_t k = 0; k < acts.size();) {
      const Action& a = acts[k];
      size_t e = k + 1;
      while (e < acts.size() && acts[e].script == a.script && acts[e].line == a.line && acts[e].text == a.text &&
             acts[e].handling == a.handling && acts[e].how == a.how)
        ++e;
      std::string where = fmt::format("{}:{}", to_string(a.script), a.line);
      out += fmt::format("  {:<8} {:<13} {}\n", a.handling == Action::Handling::declarative ? "done" : "skipped",
                         where, a.text);
      std::vector<std::string> seen;
      for (size_t j = k; j < e; ++j) {
        const std::string& x = acts[j].expanded;
        if (x.empty() || std::find(seen.begin(), seen.end(), x) != seen.end()) continue;
        seen.push_back(x);
        out += fmt::format("  {:<8} {:<13} = {}\n", "", "", x);
      }
      out += fmt::format("  {:<8} {:<13} {}\n", "", "", a.how);
      k = e;
    }
  }
  return out;
}

}  // namespace cairn::compose
