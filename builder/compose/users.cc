// The user database (see users.hh for the sources, their order and the id
// rules). build_user_db collects accounts in file order into an AccountTable —
// each with where it came from, for messages — then checks the fixed ids,
// allocates the others and resolves primary groups by name.

#include "builder/compose/users.hh"

#include <algorithm>
#include <charconv>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "builder/compose/sysusers.hh"
#include "builder/compose/user_ids.hh"

namespace cairn::compose {

namespace {

using json = nlohmann::json;

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (size_t start = 0;;) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

std::optional<uint32_t> parse_id(std::string_view s) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Calls `f(line_no, fields)` for each non-empty line of a colon-separated
// master file; errors when a line has not `count` fields.
template <class F>
Result<void> for_each_record(std::string_view text, std::string_view where, size_t count, F f) {
  uint32_t line_no = 0;
  for (std::string_view line : split(text, '\n')) {
    ++line_no;
    if (line.empty() || line.starts_with('#')) continue;
    auto fields = split(line, ':');
    if (fields.size() != count)
      return fail(fmt::format("{}:{}: expected {} fields separated by ':', found {}; the "
                              "base-passwd package's master file is damaged",
                              where, line_no, count, fields.size()));
    if (auto r = f(line_no, fields); !r) return r;
  }
  return {};
}

constexpr std::string_view kPasswdMaster = "usr/share/base-passwd/passwd.master";
constexpr std::string_view kGroupMaster = "usr/share/base-passwd/group.master";

Result<void> add_base_passwd(AccountTable& b, const UserSources& src) {
  auto bad_id = [](std::string_view where, uint32_t line, std::string_view what, std::string_view v) {
    return fail(fmt::format("{}:{}: invalid {} \"{}\"; the base-passwd package's master file is "
                            "damaged", where, line, what, v));
  };
  auto groups = for_each_record(src.group_master, kGroupMaster, 4,
                                [&](uint32_t line, const std::vector<std::string_view>& f) -> Result<void> {
    auto gid = parse_id(f[2]);
    if (!gid) return bad_id(kGroupMaster, line, "gid", f[2]);
    if (b.group(f[0])) return {};
    GroupItem g{.g = {.name = std::string(f[0]), .gid = *gid, .password = std::string(f[1])},
                .fixed = gid, .origin = fmt::format("{}:{}, base-passwd", kGroupMaster, line)};
    for (std::string_view m : split(f[3], ','))
      if (!m.empty()) g.g.members.emplace_back(m);
    b.add_group(std::move(g));
    return {};
  });
  if (!groups) return groups;
  return for_each_record(src.passwd_master, kPasswdMaster, 7,
                         [&](uint32_t line, const std::vector<std::string_view>& f) -> Result<void> {
    auto uid = parse_id(f[2]);
    if (!uid) return bad_id(kPasswdMaster, line, "uid", f[2]);
    auto gid = parse_id(f[3]);
    if (!gid) return bad_id(kPasswdMaster, line, "gid", f[3]);
    if (b.user(f[0])) return {};
    b.add_user(UserItem{.a = {.name = std::string(f[0]), .uid = *uid, .gid = *gid,
                              .gecos = std::string(f[4]), .home = std::string(f[5]),
                              .shell = std::string(f[6]), .password = std::string(f[1])},
                        .fixed = uid,
                        .origin = fmt::format("{}:{}, base-passwd", kPasswdMaster, line)});
    return {};
  });
}

// A user made with a group of its own name (sysusers' `u name -`,
// adduser's --group, an `m` line's missing user).
void add_user_with_group(AccountTable& b, UserItem u, std::optional<uint32_t> group_preferred,
                         const std::string& password) {
  if (!b.group(u.a.name))
    b.add_group(GroupItem{.g = {.name = u.a.name, .password = password},
                          .preferred = group_preferred, .origin = u.origin});
  u.group = u.a.name;
  b.add_user(std::move(u));
}

struct Membership {
  std::string user, group, origin;
};

// Like systemd-sysusers: every file's g lines first, then the u lines, so a
// `g` line decides its group's id even when a `u` line in an earlier file
// would have made the group; for one name the first file wins.
Result<void> add_sysusers(AccountTable& b, const UserSources& src, std::vector<Membership>& members) {
  std::vector<std::pair<SysusersEntry, std::string>> entries;  // with their origin
  for (const SysusersFile& file : src.sysusers) {
    auto parsed = parse_sysusers(file.text, file.path);
    if (!parsed) return std::unexpected(parsed.error());
    for (SysusersEntry& e : *parsed) {
      std::string origin = fmt::format("{}:{}, {}", file.path, e.line,
                                       file.package.empty() ? "the configuration" : file.package);
      entries.emplace_back(std::move(e), std::move(origin));
    }
  }
  std::stable_partition(entries.begin(), entries.end(),
                        [](const auto& e) { return e.first.type == SysusersEntry::Type::group; });
  for (auto& [e, origin] : entries) {
    if (e.type == SysusersEntry::Type::member) {
      members.push_back({e.name, e.group, std::move(origin)});
    } else if (e.type == SysusersEntry::Type::group) {
      if (!b.group(e.name))
        b.add_group(GroupItem{.g = {.name = e.name, .password = "!*"}, .fixed = e.id,
                              .origin = std::move(origin)});
    } else if (!b.user(e.name)) {
      UserItem u{.a = {.name = e.name, .gecos = e.gecos, .home = e.home, .shell = e.shell,
                       .password = "!*"},
                 .fixed = e.id, .origin = std::move(origin)};
      if (e.gid) {
        u.a.gid = *e.gid;
        b.add_user(std::move(u));
      } else if (!e.group.empty()) {
        u.group = e.group;
        b.add_user(std::move(u));
      } else {
        add_user_with_group(b, std::move(u), e.id, "!*");
      }
    }
  }
  return {};
}

void add_requests(AccountTable& b, const std::vector<AccountRequest>& requests) {
  for (const AccountRequest& r : requests) {
    std::string origin = fmt::format("{} --system in {}'s maintainer scripts",
                                     r.kind == AccountRequest::Kind::user ? "adduser" : "addgroup", r.package);
    if (r.kind == AccountRequest::Kind::group) {
      if (!b.group(r.name))
        b.add_group(GroupItem{.g = {.name = r.name, .password = "!"}, .origin = std::move(origin)});
      continue;
    }
    if (b.user(r.name)) continue;
    UserItem u{.a = {.name = r.name, .gecos = r.gecos,
                     .home = r.home.empty() ? "/nonexistent" : r.home,
                     .shell = r.shell.empty() ? "/usr/sbin/nologin" : r.shell, .password = "!"},
               .origin = std::move(origin)};
    if (r.group == r.name) {
      add_user_with_group(b, std::move(u), std::nullopt, "!");
    } else {
      u.group = r.group.empty() ? "nogroup" : r.group;
      b.add_user(std::move(u));
    }
  }
}

// ---- the closure --------------------------------------------------------------

Result<const json*> member(const json& obj, std::string_view where, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end())
    return fail(fmt::format("closure: {}: missing \"{}\"; regenerate the closure with this "
                            "version of cairn", where, key));
  return &*it;
}

Result<std::string> string_field(const json& obj, std::string_view where, std::string_view key) {
  auto v = member(obj, where, key);
  if (!v) return std::unexpected(v.error());
  if (!(*v)->is_string())
    return fail(fmt::format("closure: {}.{}: expected a string", where, key));
  return (*v)->get<std::string>();
}

Result<uint32_t> id_field(const json& obj, std::string_view where, std::string_view key) {
  auto v = member(obj, where, key);
  if (!v) return std::unexpected(v.error());
  if (!(*v)->is_number_integer() || (*v)->get<int64_t>() < 0 || (*v)->get<int64_t>() > UINT32_MAX)
    return fail(fmt::format("closure: {}.{}: expected an integer from 0 to 4294967295", where, key));
  return (*v)->get<uint32_t>();
}

Result<void> add_closure(AccountTable& b, const json& closure) {
  if (auto it = closure.find("groups"); it != closure.end()) {
    if (!it->is_object()) return fail("closure: groups: expected an object");
    for (const auto& [name, value] : it->items()) {
      std::string where = "groups." + name;
      if (!value.is_object()) return fail(fmt::format("closure: {}: expected an object", where));
      auto gid = id_field(value, where, "gid");
      if (!gid) return std::unexpected(gid.error());
      auto ms = member(value, where, "members");
      if (!ms) return std::unexpected(ms.error());
      if (!(*ms)->is_array()) return fail(fmt::format("closure: {}.members: expected a list", where));
      GroupItem* g = b.group(name);
      if (!g) g = &b.add_group(GroupItem{.g = {.name = name, .password = "!"}});
      g->fixed = *gid;
      g->preferred.reset();
      g->origin = "users.groups." + name;
      for (const json& m : **ms) {
        if (!m.is_string())
          return fail(fmt::format("closure: {}.members: expected a list of user names", where));
        g->g.members.push_back(m.get<std::string>());
      }
    }
  }
  if (auto it = closure.find("users"); it != closure.end()) {
    if (!it->is_object()) return fail("closure: users: expected an object");
    for (const auto& [name, value] : it->items()) {
      std::string where = "users." + name;
      if (!value.is_object()) return fail(fmt::format("closure: {}: expected an object", where));
      auto uid = id_field(value, where, "uid");
      auto group = string_field(value, where, "group");
      auto gecos = string_field(value, where, "description");
      auto home = string_field(value, where, "home");
      auto shell = string_field(value, where, "shell");
      auto hash = member(value, where, "hashedPassword");
      for (const Error* e : {uid ? nullptr : &uid.error(), group ? nullptr : &group.error(),
                             gecos ? nullptr : &gecos.error(), home ? nullptr : &home.error(),
                             shell ? nullptr : &shell.error(), hash ? nullptr : &hash.error()})
        if (e) return std::unexpected(*e);
      if (!(*hash)->is_null() && !(*hash)->is_string())
        return fail(fmt::format("closure: {}.hashedPassword: expected a string or null", where));
      UserItem* u = b.user(name);
      if (!u) u = &b.add_user(UserItem{.a = {.name = name}});
      u->a.gecos = *gecos;
      u->a.home = *home;
      u->a.shell = *shell;
      u->a.password = (*hash)->is_null() ? "!" : (*hash)->get<std::string>();
      u->fixed = *uid;
      u->group = *group;
      u->origin = "users.users." + name;
    }
  }
  return {};
}

// `m` lines: missing users and groups are made, as systemd-sysusers does.
void add_members(AccountTable& b, const std::vector<Membership>& members) {
  for (const Membership& m : members) {
    if (!b.group(m.group))
      b.add_group(GroupItem{.g = {.name = m.group, .password = "!*"}, .origin = m.origin});
    if (!b.user(m.user))
      add_user_with_group(b, UserItem{.a = {.name = m.user, .home = "/", .shell = "/usr/sbin/nologin",
                                            .password = "!*"},
                                      .origin = m.origin},
                          std::nullopt, "!*");
    b.group(m.group)->g.members.push_back(m.user);
  }
}

// The characters a field of the colon-separated files cannot hold.
Result<void> check_field(std::string_view kind, const std::string& name, const std::string& origin,
                         std::string_view field, const std::string& value) {
  size_t bad = value.find_first_of(":\n");
  if (bad == std::string::npos) return {};
  // A password hash is not repeated into logs.
  std::string shown = field == "password" ? "" : fmt::format(" \"{}\"", value);
  return fail(fmt::format("{} {} ({}): its {}{} contains {}, which /etc/{} cannot hold; remove it",
                          kind, name, origin, field, shown, value[bad] == ':' ? "':'" : "a newline",
                          kind == "user" ? (field == "password" ? "shadow" : "passwd") : "group"));
}

Result<void> check_fields(const AccountTable& b) {
  for (const UserItem& u : b.users)
    for (auto [field, value] : {std::pair<std::string_view, const std::string*>{"name", &u.a.name},
                                {"description", &u.a.gecos}, {"home", &u.a.home},
                                {"shell", &u.a.shell}, {"password", &u.a.password}})
      if (auto r = check_field("user", u.a.name, u.origin, field, *value); !r) return r;
  for (const GroupItem& g : b.groups) {
    if (auto r = check_field("group", g.g.name, g.origin, "name", g.g.name); !r) return r;
    for (const std::string& m : g.g.members)
      if (auto r = check_field("group", g.g.name, g.origin, "member", m); !r) return r;
  }
  return {};
}

}  // namespace

Result<UserDb> build_user_db(const UserSources& sources, const json& closure,
                             const std::vector<AccountRequest>& requests,
                             const PreviousIds& previous) {
  AccountTable b;
  std::vector<Membership> members;
  if (auto r = add_base_passwd(b, sources); !r) return std::unexpected(r.error());
  if (auto r = add_sysusers(b, sources, members); !r) return std::unexpected(r.error());
  add_requests(b, requests);
  if (auto r = add_closure(b, closure); !r) return std::unexpected(r.error());
  add_members(b, members);
  if (auto r = check_fields(b); !r) return std::unexpected(r.error());

  auto lost = assign_ids(b, previous);
  if (!lost) return std::unexpected(lost.error());

  UserDb db;
  for (GroupItem& g : b.groups) {
    std::sort(g.g.members.begin(), g.g.members.end());
    g.g.members.erase(std::unique(g.g.members.begin(), g.g.members.end()), g.g.members.end());
    db.gids.emplace(g.g.name, g.g.gid);
    db.groups.push_back(std::move(g.g));
  }
  for (UserItem& u : b.users) {
    if (!u.group.empty()) {
      auto it = db.gids.find(u.group);
      if (it == db.gids.end())
        return fail(fmt::format("user {} ({}): its primary group {} does not exist; declare it "
                                "(users.groups.{}) or choose an existing group",
                                u.a.name, u.origin, u.group, u.group));
      u.a.gid = it->second;
    }
    db.uids.emplace(u.a.name, u.a.uid);
    db.users.push_back(std::move(u.a));
  }
  for (const LostId& l : *lost)
    db.warnings.push_back(fmt::format(
        "{} {}: {} {}, which an earlier generation gave it, now belongs to {}; it gets {} {} "
        "(files on the state partition that it owns keep {} {})",
        l.user ? "user" : "group", l.name, l.user ? "uid" : "gid", l.old_id, l.holder,
        l.user ? "uid" : "gid", l.user ? db.uids.at(l.name) : db.gids.at(l.name),
        l.user ? "uid" : "gid", l.old_id));
  return db;
}

Result<UserSources> read_user_sources(const RootTree& tree, const json& closure) {
  UserSources src;
  auto read_master = [&](std::string_view path, std::string& out) -> Result<void> {
    if (!tree.find(path)) return {};
    auto text = tree.read(path);
    if (!text) return std::unexpected(text.error());
    out = std::move(*text);
    return {};
  };
  if (auto r = read_master(kPasswdMaster, src.passwd_master); !r) return std::unexpected(r.error());
  if (auto r = read_master(kGroupMaster, src.group_master); !r) return std::unexpected(r.error());

  // By file name; etc/ replaces usr/lib/, the configuration replaces both.
  // A symlink to /dev/null masks the name.
  std::map<std::string, std::optional<SysusersFile>> files;
  for (std::string_view dir : {"usr/lib/sysusers.d", "etc/sysusers.d"})
    for (const std::string& path : tree.list(dir)) {
      std::string name = path.substr(path.rfind('/') + 1);
      if (!name.ends_with(".conf")) continue;
      const Node* node = tree.find(path);
      if (node->type == EntryType::symlink && node->target == "/dev/null") {
        files[name].reset();
        continue;
      }
      auto text = tree.read(path);
      if (!text) return std::unexpected(text.error());
      files[name] = SysusersFile{path, node->package, std::move(*text)};
    }
  if (auto etc = closure.find("etc"); etc != closure.end() && etc->is_object())
    for (const auto& [key, value] : etc->items()) {
      if (!key.starts_with("sysusers.d/") || !key.ends_with(".conf") || !value.is_object()) continue;
      std::string name = key.substr(std::string_view("sysusers.d/").size());
      if (name.find('/') != std::string::npos) continue;
      if (auto t = value.find("text"); t != value.end() && t->is_string())
        files[name] = SysusersFile{"etc/" + key, "", t->get<std::string>()};
      else if (auto l = value.find("symlink"); l != value.end() && *l == "/dev/null")
        files[name].reset();
    }
  for (auto& [name, file] : files)
    if (file) src.sysusers.push_back(std::move(*file));
  return src;
}

Result<UserDb> compose_users(const RootTree& tree, const json& closure,
                             const std::vector<AccountRequest>& requests,
                             const PreviousIds& previous) {
  auto sources = read_user_sources(tree, closure);
  if (!sources) return std::unexpected(sources.error().context("composing users"));
  auto db = build_user_db(*sources, closure, requests, previous);
  if (!db) return std::unexpected(db.error().context("composing users"));
  return db;
}

// ---- the files ----------------------------------------------------------------

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

std::string format_passwd(const UserDb& db) {
  std::string out;
  for (const Account& a : db.users)
    out += fmt::format("{}:x:{}:{}:{}:{}:{}\n", a.name, a.uid, a.gid, a.gecos, a.home, a.shell);
  return out;
}

std::string format_group(const UserDb& db) {
  std::string out;
  for (const Group& g : db.groups) out += fmt::format("{}:x:{}:{}\n", g.name, g.gid, join(g.members));
  return out;
}

std::string format_shadow(const UserDb& db) {
  std::string out;
  for (const Account& a : db.users) out += fmt::format("{}:{}:1::::::\n", a.name, a.password);
  return out;
}

std::string format_gshadow(const UserDb& db) {
  std::string out;
  for (const Group& g : db.groups) out += fmt::format("{}:{}::{}\n", g.name, g.password, join(g.members));
  return out;
}

void write_user_files(RootTree& tree, const UserDb& db) {
  auto shadow = db.gids.find("shadow");
  uint32_t shadow_gid = shadow == db.gids.end() ? 0 : shadow->second;
  tree.set_file("etc/passwd", format_passwd(db), 0644);
  tree.set_file("etc/group", format_group(db), 0644);
  tree.set_file("etc/shadow", format_shadow(db), 0640, 0, shadow_gid);
  tree.set_file("etc/gshadow", format_gshadow(db), 0640, 0, shadow_gid);
}

}  // namespace cairn::compose
