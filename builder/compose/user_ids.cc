// Id allocation (see user_ids.hh, and users.hh for why each rule).

#include "builder/compose/user_ids.hh"

#include <algorithm>

#include <fmt/format.h>

namespace cairn::compose {

namespace {

constexpr uint32_t kAllocHigh = 999;  // systemd-sysusers' SYSTEM_UID_MAX on Debian
constexpr uint32_t kAllocLow = 100;   // Debian's FIRST_SYSTEM_UID

class Ids {
 public:
  explicit Ids(AccountTable& b) : b_(b) {}

  Result<void> fixed() {
    for (UserItem& u : b_.users)
      if (u.fixed) {
        auto [it, fresh] = uid_owner_.emplace(*u.fixed, u.a.name);
        if (!fresh) return conflict("uid", *u.fixed, *b_.user(it->second), u);
        assign(u, *u.fixed);
      }
    for (GroupItem& g : b_.groups)
      if (g.fixed) {
        auto [it, fresh] = gid_owner_.emplace(*g.fixed, g.g.name);
        if (!fresh) return conflict("gid", *g.fixed, *b_.group(it->second), g);
        assign(g, *g.fixed);
      }
    return {};
  }

  // Previous generation's ids: kept when no other name holds them in the
  // same database (the other database does not matter here: the point is
  // the owners of files already on disk).
  void previous(const PreviousIds& prev, std::vector<LostId>& lost) {
    for (GroupItem* g : sorted(b_.groups)) {
      auto it = prev.gids.find(g->g.name);
      if (g->has_gid || it == prev.gids.end()) continue;
      if (auto holder = gid_owner_.find(it->second); holder != gid_owner_.end())
        lost.push_back({false, g->g.name, it->second, holder->second});
      else
        assign(*g, it->second);
    }
    for (UserItem* u : sorted(b_.users)) {
      auto it = prev.uids.find(u->a.name);
      if (u->has_uid || it == prev.uids.end()) continue;
      if (auto holder = uid_owner_.find(it->second); holder != uid_owner_.end())
        lost.push_back({true, u->a.name, it->second, holder->second});
      else
        assign(*u, it->second);
    }
  }

  Result<void> allocate() {
    for (GroupItem* g : sorted(b_.groups))
      if (!g->has_gid && g->preferred && gid_free(*g->preferred, g->g.name)) assign(*g, *g->preferred);
    // Standalone groups first, then users (with the groups made with them).
    for (GroupItem* g : sorted(b_.groups)) {
      if (g->has_gid || paired_user(*g)) continue;
      auto id = first_free([&](uint32_t x) { return gid_free(x, g->g.name); });
      if (!id) return exhausted("group", g->g.name);
      assign(*g, *id);
    }
    for (UserItem* u : sorted(b_.users)) {
      if (u->has_uid) continue;
      const std::string& name = u->a.name;
      GroupItem* own = u->group == name ? b_.group(name) : nullptr;
      std::optional<uint32_t> id;
      if (own && !own->has_gid) {
        id = first_free([&](uint32_t x) { return uid_free(x, name) && gid_free(x, name); });
        if (!id) return exhausted("user", name);
        assign(*own, *id);
      } else if (own && uid_free(own->g.gid, name)) {
        id = own->g.gid;
      } else {
        id = first_free([&](uint32_t x) { return uid_free(x, name); });
        if (!id) return exhausted("user", name);
      }
      assign(*u, *id);
    }
    return {};
  }

 private:
  template <class T>
  static std::vector<T*> sorted(std::vector<T>& items) {
    std::vector<T*> out;
    for (T& i : items) out.push_back(&i);
    std::sort(out.begin(), out.end(), [](const T* a, const T* b) { return name_of(*a) < name_of(*b); });
    return out;
  }
  static const std::string& name_of(const UserItem& u) { return u.a.name; }
  static const std::string& name_of(const GroupItem& g) { return g.g.name; }

  // A group made together with a user still to be allocated: they are
  // allocated as a pair.
  bool paired_user(const GroupItem& g) {
    const UserItem* u = b_.user(g.g.name);
    return u && !u->has_uid && u->group == g.g.name;
  }

  // systemd-sysusers' rule: free for `name` when no other name uses the id
  // as uid or as gid.
  bool uid_free(uint32_t id, const std::string& name) const {
    auto g = gid_owner_.find(id);
    return !uid_owner_.count(id) && (g == gid_owner_.end() || g->second == name);
  }
  bool gid_free(uint32_t id, const std::string& name) const {
    auto u = uid_owner_.find(id);
    return !gid_owner_.count(id) && (u == uid_owner_.end() || u->second == name);
  }

  template <class F>
  static std::optional<uint32_t> first_free(F ok) {
    for (uint32_t id = kAllocHigh; id >= kAllocLow; --id)
      if (ok(id)) return id;
    return std::nullopt;
  }

  void assign(UserItem& u, uint32_t id) {
    u.a.uid = id;
    u.has_uid = true;
    uid_owner_.emplace(id, u.a.name);
  }
  void assign(GroupItem& g, uint32_t id) {
    g.g.gid = id;
    g.has_gid = true;
    gid_owner_.emplace(id, g.g.name);
  }

  template <class T>
  static std::unexpected<Error> conflict(std::string_view what, uint32_t id, const T& first,
                                         const T& second) {
    return fail(fmt::format("{} {} is given to both {} ({}) and {} ({}); give one of them another {}",
                            what, id, name_of(first), first.origin, name_of(second), second.origin,
                            what));
  }
  static std::unexpected<Error> exhausted(std::string_view what, const std::string& name) {
    return fail(fmt::format("no id between {} and {} is free for the {} {}; give some system "
                            "accounts fixed ids in the configuration (users.users.<name>.uid, "
                            "users.groups.<name>.gid)", kAllocLow, kAllocHigh, what, name));
  }

  AccountTable& b_;
  std::map<uint32_t, std::string> uid_owner_;
  std::map<uint32_t, std::string> gid_owner_;
};

}  // namespace

Result<std::vector<LostId>> assign_ids(AccountTable& table, const PreviousIds& previous) {
  Ids ids(table);
  std::vector<LostId> lost;
  if (auto r = ids.fixed(); !r) return std::unexpected(r.error());
  ids.previous(previous, lost);
  if (auto r = ids.allocate(); !r) return std::unexpected(r.error());
  return lost;
}

}  // namespace cairn::compose
