// Users and groups: /etc/passwd, /etc/group, /etc/shadow and /etc/gshadow of a
// generation, made without running base-passwd's, passwd's, systemd's or any
// other package's maintainer scripts.
//
// On Debian these files come about in steps: base-passwd's postinst copies
// usr/share/base-passwd/{passwd,group}.master, passwd's runs `shadowconfig
// on` (pwconv, grpconv), systemd's runs systemd-sysusers on the packages'
// usr/lib/sysusers.d/*.conf, other packages call `adduser --system` or
// `addgroup --system`, and the administrator adds the rest. compose_users
// takes the same sources in the same order, and the host's configuration
// last:
//
//   1. base-passwd's masters: fixed ids; password `*` (passwd shows `x`).
//   2. sysusers.d: every usr/lib/sysusers.d/*.conf and etc/sysusers.d/*.conf
//      of the tree (and etc/sysusers.d/ files the closure's `etc` adds), by
//      file name, a file in etc/ replacing the one of the same name in
//      usr/lib/, a symlink to /dev/null masking it; u, g and m lines, all
//      files' g lines before the u lines, as systemd-sysusers reads them. A
//      name that exists already is skipped, as systemd-sysusers does
//      (Debian's basic.conf repeats base-passwd). Password `!*`, as
//      systemd-sysusers writes. An `m` line's missing user or group is made
//      (after step 4), as systemd-sysusers does.
//   3. The AccountRequests another pass read from maintainer scripts
//      (adduser/addgroup --system); an existing name is skipped, as adduser
//      does. Password `!`, as useradd writes.
//   4. The closure's `groups` and `users`, which win: a configured account
//      replaces a same-named one in place, with the configured id and
//      fields; a configured group's members are added to the ones sysusers
//      gave it. hashedPassword null means "no password login": `!`.
//
// Ids. Fixed ids come from base-passwd, sysusers lines with a number and the
// closure (whose modules/closure.nix already gave every configured account
// an id). Two different names with one fixed uid (or gid) are an error that
// names both and where each came from. Everything else is allocated:
// first an id the previous generation gave the same name (PreviousIds), so
// files on the persistent state partition keep their owners; then, as
// systemd-sysusers does, a group created with a user of fixed uid N tries
// gid N; then the rest from 999 downwards (never below 100): first the
// groups that stand alone, then the users — each in name order, so the
// result depends on the set of names only — where a user created together
// with its group gets one id that is free as uid and as gid, and a user
// whose own group already has a gid takes that number when it can. Like
// systemd-sysusers, an id is only "free" for name N if no account of another
// name uses it in either database, so uid and gid of one name tend to agree.
// On the real Debian set this gives exactly what systemd-sysusers gives.
//
// shadow's "last change" field is 1 (1970-01-02) for every account — the
// value NixOS writes — rather than the build day, so that builds are
// reproducible; 0 would force a password change at the first login. The
// aging fields are empty (no aging), which is what systemd-sysusers writes;
// the files are generated per generation, so there is nothing to age.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/error.hh"
#include "builder/compose/tree.hh"

namespace cairn::compose {

/// One line of /etc/passwd with its /etc/shadow password.
struct Account {
  std::string name{};
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string gecos{};
  std::string home{};
  std::string shell{};
  /// The shadow password field: a crypt(3) hash, or a value no hash can
  /// equal ("*", "!", "!*"), which disables password login.
  std::string password = "!";
};

/// One line of /etc/group with its /etc/gshadow password.
struct Group {
  std::string name{};
  uint32_t gid = 0;
  std::vector<std::string> members{};  ///< sorted, without duplicates
  std::string password = "*";          ///< gshadow's field; "*", "!" or "!*" = none
};

/// A system user or group a maintainer script would have made (adduser
/// --system / addgroup --system); filled by the pass that reads the scripts.
struct AccountRequest {
  enum class Kind { user, group };
  Kind kind = Kind::user;
  std::string name{};
  /// user: the primary group — "" = nogroup (adduser's default), the user's
  /// own name = a group made with it (--group), another name = that
  /// existing group (--ingroup). group: unused.
  std::string group{};
  std::string home{};   ///< "" = /nonexistent
  std::string shell{};  ///< "" = /usr/sbin/nologin
  std::string gecos{};
  std::string package{};  ///< whose script asked, for messages
};

/// The composed user database.
struct UserDb {
  std::vector<Account> users{};  ///< in file order
  std::vector<Group> groups{};   ///< in file order
  std::map<std::string, uint32_t> uids{};  ///< name → uid, every user
  std::map<std::string, uint32_t> gids{};  ///< name → gid, every group
  /// Non-fatal findings for the command to report ("…, ignoring" style):
  /// an id the previous generation used that had to change.
  std::vector<std::string> warnings{};
};

/// Ids that earlier generations of this host gave to dynamically allocated
/// accounts (name → id); kept so that files on the persistent state
/// partition keep their owners. The previous generation's UserDb::uids and
/// gids can be passed whole: only names this build allocates look here.
struct PreviousIds {
  std::map<std::string, uint32_t> uids{};
  std::map<std::string, uint32_t> gids{};
};

/// One sysusers.d file for build_user_db.
struct SysusersFile {
  std::string path{};     ///< tree path, for messages: "usr/lib/sysusers.d/dbus.conf"
  std::string package{};  ///< who shipped it ("" = the configuration)
  std::string text{};
};

/// What compose_users reads from the tree, as texts.
struct UserSources {
  /// usr/share/base-passwd/passwd.master and group.master; "" when
  /// base-passwd is not installed.
  std::string passwd_master{};
  std::string group_master{};
  std::vector<SysusersFile> sysusers{};  ///< in processing order
};

/// Reads UserSources from the tree (and the closure's etc/sysusers.d/ texts).
[[nodiscard]] Result<UserSources> read_user_sources(const RootTree& tree,
                                                    const nlohmann::json& closure);

/// The database from its sources (the pure core of compose_users).
[[nodiscard]] Result<UserDb> build_user_db(const UserSources& sources,
                                           const nlohmann::json& closure,
                                           const std::vector<AccountRequest>& requests,
                                           const PreviousIds& previous);

/// read_user_sources, then build_user_db.
[[nodiscard]] Result<UserDb> compose_users(const RootTree& tree, const nlohmann::json& closure,
                                           const std::vector<AccountRequest>& requests,
                                           const PreviousIds& previous);

/// The four files' texts.
std::string format_passwd(const UserDb& db);
std::string format_group(const UserDb& db);
std::string format_shadow(const UserDb& db);
std::string format_gshadow(const UserDb& db);

/// Writes etc/passwd and etc/group (0644 root:root), etc/shadow and
/// etc/gshadow (0640 root:shadow; root:root when there is no shadow group).
void write_user_files(RootTree& tree, const UserDb& db);

}  // namespace cairn::compose
