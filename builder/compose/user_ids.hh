// Ids for the user database (see users.hh for the rules): the accounts
// compose_users collected, as a table the allocation works on.
//
// assign_ids() runs the phases in order — fixed ids (checked for clashes),
// ids of earlier generations, a user's own group trying the user's fixed
// uid, then allocation from 999 down — over one record of which name holds
// which uid and gid, and sets UserItem::a.uid and GroupItem::g.gid. Primary
// groups are resolved afterwards, by name, in users.cc.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"
#include "builder/compose/users.hh"

namespace cairn::compose {

/// A user on its way into the UserDb.
struct UserItem {
  Account a{};
  std::optional<uint32_t> fixed{};  ///< the uid, when not allocated
  std::string group{};              ///< primary group by name; "" = a.gid as given
  std::string origin{};             ///< where it came from, for messages
  bool has_uid = false;             ///< a.uid is final
};

/// A group on its way into the UserDb.
struct GroupItem {
  Group g{};
  std::optional<uint32_t> fixed{};      ///< the gid, when not allocated
  std::optional<uint32_t> preferred{};  ///< a `u name N` line's own group tries gid N
  std::string origin{};
  bool has_gid = false;                 ///< g.gid is final
};

/// An id an earlier generation gave `name` that another name holds now.
struct LostId {
  bool user = true;  ///< a uid (else a gid)
  std::string name{};
  uint32_t old_id = 0;
  std::string holder{};  ///< who has it now
};

/// The accounts being composed, in file order, found by name.
class AccountTable {
 public:
  std::vector<UserItem> users{};
  std::vector<GroupItem> groups{};

  UserItem* user(std::string_view name) {
    auto it = user_index_.find(name);
    return it == user_index_.end() ? nullptr : &users[it->second];
  }
  GroupItem* group(std::string_view name) {
    auto it = group_index_.find(name);
    return it == group_index_.end() ? nullptr : &groups[it->second];
  }
  UserItem& add_user(UserItem item) {
    user_index_.emplace(item.a.name, users.size());
    users.push_back(std::move(item));
    return users.back();
  }
  GroupItem& add_group(GroupItem item) {
    group_index_.emplace(item.g.name, groups.size());
    groups.push_back(std::move(item));
    return groups.back();
  }

 private:
  std::map<std::string, size_t, std::less<>> user_index_;
  std::map<std::string, size_t, std::less<>> group_index_;
};

/// Gives every account of `table` its id. Errors when two names share a
/// fixed id (naming both and their origins) or when the range runs out.
/// Returns the earlier generations' ids that could not be kept.
[[nodiscard]] Result<std::vector<LostId>> assign_ids(AccountTable& table, const PreviousIds& previous);

}  // namespace cairn::compose
