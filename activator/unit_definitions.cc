// Reading a root's unit definitions. See unit_definitions.hh.
//
// Links are resolved one path component at a time against the root rather
// than by the kernel, so that an absolute target ("/usr/lib/systemd/system/
// a.service", "/dev/null") means the root's file, never the running
// system's, and so that a link can be recognised as a mask before the root's
// own /dev/null (which an image does not have) is looked at.
#include "activator/unit_definitions.hh"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>

#include "base/files.hh"
#include "base/hash.hh"

namespace cairn::activator {

namespace {

namespace fs = std::filesystem;

// The directories read, by priority (systemd's /etc before /usr/lib).
constexpr std::string_view kUnitDirs[] = {"/etc/systemd/system", "/usr/lib/systemd/system"};

constexpr int kMaxLinks = 40;

struct KindName {
  UnitKind kind;
  std::string_view name;
};
constexpr KindName kKindNames[] = {
    {UnitKind::service, "service"},     {UnitKind::socket, "socket"}, {UnitKind::target, "target"},
    {UnitKind::timer, "timer"},         {UnitKind::path, "path"},     {UnitKind::mount, "mount"},
    {UnitKind::automount, "automount"}, {UnitKind::swap, "swap"},     {UnitKind::slice, "slice"},
    {UnitKind::scope, "scope"},         {UnitKind::device, "device"}, {UnitKind::other, "other"},
};

// cairn's built-in switch policy for packaged units; see
// builtin_switch_policy() in the header for where each line comes from.
struct Policy {
  std::string_view unit, key;
  bool value;
};
constexpr Policy kPolicies[] = {
    {"dbus-broker.service", "X-ReloadIfChanged", true},
    {"dbus.service", "X-ReloadIfChanged", true},
    {"systemd-backlight@.service", "X-RestartIfChanged", false},
    {"systemd-fsck@.service", "X-RestartIfChanged", false},
    {"systemd-journal-flush.service", "X-RestartIfChanged", false},
    {"systemd-journald.service", "X-StopIfChanged", false},
    {"systemd-logind.service", "X-RestartIfChanged", false},
    {"systemd-logind.service", "X-StopIfChanged", false},
    {"systemd-random-seed.service", "X-RestartIfChanged", false},
    {"systemd-remount-fs.service", "X-RestartIfChanged", false},
    {"systemd-udev-settle.service", "X-RestartIfChanged", false},
    {"systemd-update-utmp.service", "X-RestartIfChanged", false},
    {"systemd-user-sessions.service", "X-RestartIfChanged", false},
    {"user-runtime-dir@.service", "X-RestartIfChanged", false},
    {"user-runtime-dir@.service", "X-StopIfChanged", false},
    {"user@.service", "X-RestartIfChanged", false},
};

// "foo@bar.service" → "foo@.service"; "" for a name that is no instance.
std::string template_of(std::string_view name) {
  size_t at = name.find('@');
  size_t dot = name.rfind('.');
  if (at == std::string_view::npos || dot == std::string_view::npos || dot < at || at + 1 == dot) return "";
  return fmt::format("{}@{}", name.substr(0, at), name.substr(dot));
}

// systemd's booleans; nullopt for anything else.
std::optional<bool> parse_bool(std::string_view v) {
  for (std::string_view t : {"1", "yes", "y", "true", "t", "on"})
    if (v == t) return true;
  for (std::string_view f : {"0", "no", "n", "false", "f", "off"})
    if (v == f) return false;
  return std::nullopt;
}

// Where a path in the root leads.
struct Resolved {
  enum { missing, masked, present } state = missing;
  std::string path;  // in the root, when present
};

// Follows `path` (absolute, in the root) component by component.
Result<Resolved> resolve(const std::string& root, const std::string& path) {
  std::deque<std::string> todo;
  auto push_front = [&](std::string_view p) {
    std::vector<std::string> parts;
    for (const auto& c : fs::path(p)) {
      std::string s = c.string();
      if (s != "/" && !s.empty()) parts.push_back(s);
    }
    todo.insert(todo.begin(), parts.begin(), parts.end());
  };
  push_front(path);
  std::string done;  // "" is the root's "/"
  int links = 0;
  while (!todo.empty()) {
    std::string c = std::move(todo.front());
    todo.pop_front();
    if (c == ".") continue;
    if (c == "..") {
      size_t slash = done.rfind('/');
      done.resize(slash == std::string::npos ? 0 : slash);
      continue;
    }
    std::string next = done + "/" + c;
    // The root's /dev is empty or missing: /dev/null is a mask by name.
    if (next == "/dev/null" || (next == "/dev" && todo.size() == 1 && todo.front() == "null"))
      return Resolved{Resolved::masked, ""};
    struct stat st {};
    if (::lstat((root + next).c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return Resolved{};
      return fail(fmt::format("{}: {}", next.substr(1), std::strerror(errno)));
    }
    if (!S_ISLNK(st.st_mode)) {
      done = std::move(next);
      continue;
    }
    if (++links > kMaxLinks) return fail(fmt::format("{}: more than {} symbolic links", path.substr(1), kMaxLinks));
    std::error_code ec;
    fs::path target = fs::read_symlink(root + next, ec);
    if (ec) return fail(fmt::format("{}: {}", next.substr(1), ec.message()));
    if (target.is_absolute()) done.clear();
    push_front(target.string());
  }
  return Resolved{Resolved::present, done.empty() ? "/" : done};
}

// Sorted names in a directory; none when it does not exist.
Result<std::vector<std::string>> list_dir(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) return out;
    return fail(fmt::format("{}: {}", dir, ec.message()));
  }
  for (const auto& e : it) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string_view unit_kind_name(UnitKind kind) {
  for (const KindName& k : kKindNames)
    if (k.kind == kind) return k.name;
  return "other";
}

UnitKind unit_kind_of(std::string_view name) {
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return UnitKind::other;
  std::string_view suffix = name.substr(dot + 1);
  for (const KindName& k : kKindNames)
    if (k.name == suffix && k.kind != UnitKind::other) return k.kind;
  return UnitKind::other;
}

std::vector<std::pair<std::string, bool>> builtin_switch_policy(std::string_view unit) {
  std::vector<std::pair<std::string, bool>> out;
  for (const Policy& p : kPolicies)
    if (p.unit == unit) out.emplace_back(std::string(p.key), p.value);
  return out;
}

const std::vector<std::string>& UnitDefinition::values(std::string_view section, std::string_view key) const {
  static const std::vector<std::string> none;
  auto s = sections.find(section);
  if (s == sections.end()) return none;
  auto k = s->second.find(std::string(key));
  return k == s->second.end() ? none : k->second;
}

std::vector<std::string> UnitDefinition::words(std::string_view section, std::string_view key) const {
  std::vector<std::string> out;
  for (const std::string& v : values(section, key)) {
    std::string_view rest = v;
    while (!rest.empty()) {
      size_t b = rest.find_first_not_of(" \t");
      if (b == std::string_view::npos) break;
      rest.remove_prefix(b);
      size_t e = rest.find_first_of(" \t");
      out.emplace_back(rest.substr(0, e));
      rest.remove_prefix(e == std::string_view::npos ? rest.size() : e);
    }
  }
  return out;
}

Result<UnitDefinitions> UnitDefinitions::read(const std::string& root) {
  UnitDefinitions out;
  Sha256 tree;
  // Reads one file or link of a unit directory into an Entry; nullopt for
  // a dangling link or a directory, which systemd ignores as well.
  auto read_entry = [&](const std::string& path) -> Result<std::optional<Entry>> {
    auto r = resolve(root, path);
    if (!r) return std::unexpected(r.error());
    Entry e;
    if (r->state == Resolved::masked) {
      e.masked = true;
      return e;
    }
    if (r->state == Resolved::missing) return std::nullopt;
    std::error_code ec;
    if (fs::is_directory(root + r->path, ec)) return std::nullopt;
    auto text = read_file(root + r->path);
    if (!text) return std::unexpected(text.error());
    auto parsed = UnitFile::parse(*text, r->path.substr(1));
    if (!parsed) return std::unexpected(parsed.error());
    e.path = r->path;
    e.contents = std::move(*text);
    e.file = std::move(*parsed);
    return e;
  };
  // Feeds an entry (or a link name) into the tree digest.
  auto digest_entry = [&](const std::string& where, const Entry& e) {
    tree.update(where);
    tree.update(e.masked ? std::string_view("\0masked\0", 8) : std::string_view("\0", 1));
    tree.update(e.path);
    tree.update(std::string_view("\0", 1));
    tree.update(e.contents);
    tree.update(std::string_view("\0", 1));
  };

  for (std::string_view dir_name : kUnitDirs) {
    Dir dir;
    std::string dir_path(dir_name);
    auto names = list_dir(root + dir_path);
    if (!names) return std::unexpected(names.error());
    for (const std::string& name : *names) {
      std::string path = dir_path + "/" + name;
      std::error_code ec;
      bool is_dir = fs::is_directory(root + path, ec);  // follows links, as systemd does
      auto ends = [&](std::string_view s) { return name.size() > s.size() && name.ends_with(s); };
      if (is_dir && (ends(".wants") || ends(".requires"))) {
        auto links = list_dir(root + path);
        if (!links) return std::unexpected(links.error());
        std::string unit = name.substr(0, name.rfind('.'));
        for (const std::string& l : *links) {
          dir.wants[unit].insert(l);
          tree.update(fmt::format("{}/{}\n", path, l));
        }
      } else if (is_dir && ends(".d")) {
        auto files = list_dir(root + path);
        if (!files) return std::unexpected(files.error());
        for (const std::string& f : *files) {
          if (!f.ends_with(".conf")) continue;
          auto e = read_entry(path + "/" + f);
          if (!e) return std::unexpected(e.error());
          if (!*e) continue;
          digest_entry(path + "/" + f, **e);
          dir.dropins[name].emplace(f, std::move(**e));
        }
      } else if (!is_dir && unit_kind_of(name) != UnitKind::other) {
        auto e = read_entry(path);
        if (!e) return std::unexpected(e.error());
        if (!*e) continue;
        digest_entry(path, **e);
        dir.units.emplace(name, std::move(**e));
      }
    }
    out.dirs_.push_back(std::move(dir));
  }
  out.tree_digest_ = tree.hex_digest();

  std::string systemd = root + "/usr/lib/systemd/systemd";
  std::error_code ec;
  if (fs::exists(systemd, ec)) {
    auto d = sha256_file(systemd);
    if (!d) return std::unexpected(d.error());
    out.systemd_digest_ = std::move(*d);
  }
  return out;
}

std::optional<UnitDefinition> UnitDefinitions::find(std::string_view name) const {
  UnitDefinition def;
  def.name = std::string(name);
  def.kind = unit_kind_of(name);
  std::string tmpl = template_of(name);

  // The unit's file: its own, or its template's.
  const Entry* base = nullptr;
  for (const std::string& n : {def.name, tmpl}) {
    if (n.empty()) continue;
    for (const Dir& d : dirs_) {
      auto it = d.units.find(n);
      if (it == d.units.end()) continue;
      base = &it->second;
      break;
    }
    if (base) break;
  }
  if (!base) return std::nullopt;

  Sha256 digest;
  if (base->masked) {
    def.masked = true;
    digest.update("masked");
    def.digest = digest.hex_digest();
    return def;
  }
  def.fragment = base->path;
  std::string target = fs::path(base->path).filename().string();
  if (target != def.name && target != tmpl && unit_kind_of(target) == def.kind) def.alias_of = target;

  // The drop-in directories, most specific first.
  std::vector<std::string> dropin_dirs{def.name + ".d"};
  if (!tmpl.empty()) dropin_dirs.push_back(tmpl + ".d");
  std::string_view stem = std::string_view(def.name).substr(0, def.name.find_first_of("@."));
  std::string suffix = def.name.substr(def.name.rfind('.'));
  for (size_t dash = stem.rfind('-'); dash != std::string_view::npos && dash > 0; dash = stem.rfind('-', dash - 1)) {
    std::string d = fmt::format("{}{}.d", stem.substr(0, dash + 1), suffix);
    if (std::find(dropin_dirs.begin(), dropin_dirs.end(), d) == dropin_dirs.end()) dropin_dirs.push_back(d);
  }
  dropin_dirs.push_back(suffix.substr(1) + ".d");

  std::map<std::string, const Entry*> dropins;  // by file name, first found wins
  for (const Dir& d : dirs_)
    for (const std::string& dd : dropin_dirs) {
      auto it = d.dropins.find(dd);
      if (it == d.dropins.end()) continue;
      for (const auto& [file, e] : it->second) dropins.emplace(file, &e);
    }

  // Merge: an empty value resets the key's list; [Install] is left out.
  auto apply = [&](const UnitFile& f) {
    for (const UnitFile::Entry& e : f.entries()) {
      if (e.section == "Install") continue;
      auto& vals = def.sections[e.section][e.key];
      if (e.value.empty())
        vals.clear();
      else
        vals.push_back(e.value);
    }
  };
  digest.update(base->contents);
  apply(base->file);
  for (const auto& [file, e] : dropins) {
    digest.update(std::string(1, '\0') + file + std::string(1, '\0'));
    if (e->masked) continue;
    def.dropins.push_back(e->path);
    digest.update(e->contents);
    apply(e->file);
  }
  def.digest = digest.hex_digest();

  // The switch keys: NixOS's defaults, then the built-in policy, then the
  // unit's own files.
  auto last = [&](std::string_view home, std::string_view key) -> std::optional<std::string> {
    for (std::string_view section : {home, home == "Unit" ? std::string_view("Service") : std::string_view("Unit")}) {
      const auto& v = def.values(section, key);
      if (!v.empty()) return v.back();
    }
    return std::nullopt;
  };
  struct BoolKey {
    std::string_view section, key;
    bool SwitchKeys::*field;
  };
  constexpr BoolKey kBoolKeys[] = {
      {"Service", "X-RestartIfChanged", &SwitchKeys::restart_if_changed},
      {"Service", "X-StopIfChanged", &SwitchKeys::stop_if_changed},
      {"Service", "X-ReloadIfChanged", &SwitchKeys::reload_if_changed},
      {"Service", "X-NotSocketActivated", &SwitchKeys::not_socket_activated},
      {"Unit", "X-StopOnRemoval", &SwitchKeys::stop_on_removal},
      {"Unit", "X-StopOnReconfiguration", &SwitchKeys::stop_on_reconfiguration},
      {"Unit", "X-OnlyManualStart", &SwitchKeys::only_manual_start},
      {"Unit", "RefuseManualStart", &SwitchKeys::refuse_manual_start},
      {"Unit", "RefuseManualStop", &SwitchKeys::refuse_manual_stop},
  };
  auto policy = builtin_switch_policy(def.name);
  if (policy.empty() && !tmpl.empty()) policy = builtin_switch_policy(tmpl);
  for (const BoolKey& k : kBoolKeys) {
    std::optional<bool> own;
    if (auto v = last(k.section, k.key)) own = parse_bool(*v);
    if (own) {
      def.keys.*k.field = *own;
      continue;
    }
    for (const auto& [key, value] : policy)
      if (key == k.key) {
        def.keys.*k.field = value;
        def.keys.builtin.push_back(fmt::format("{}={}", key, value));
      }
  }
  std::vector<std::string> triggers = def.words("Unit", "X-Reload-Triggers");
  if (triggers.empty()) triggers = def.words("Service", "X-Reload-Triggers");
  for (const std::string& t : triggers) def.keys.reload_triggers += (def.keys.reload_triggers.empty() ? "" : " ") + t;
  return def;
}

std::vector<std::string> UnitDefinitions::names() const {
  std::set<std::string> out;
  for (const Dir& d : dirs_) {
    for (const auto& [name, _] : d.units) out.insert(name);
    for (const auto& [_, linked] : d.wants) out.insert(linked.begin(), linked.end());
  }
  return {out.begin(), out.end()};
}

std::vector<std::string> UnitDefinitions::wants(std::string_view unit) const {
  std::set<std::string> out;
  for (const Dir& d : dirs_) {
    auto it = d.wants.find(unit);
    if (it != d.wants.end()) out.insert(it->second.begin(), it->second.end());
  }
  if (auto def = find(unit)) {
    for (std::string_view key : {"Wants", "Requires"})
      for (std::string& w : def->words("Unit", key)) out.insert(std::move(w));
  }
  return {out.begin(), out.end()};
}

}  // namespace cairn::activator
