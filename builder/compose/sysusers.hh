// sysusers.d(5) files: the system users and groups packages declare
// (systemd's basic.conf, systemd-journal.conf, dbus.conf, …), which
// systemd-sysusers creates at build time on Debian (from the postinsts) or at
// boot. compose reads them at build time so that every account has its id in
// the image's /etc/passwd and files on the state partition keep their owners.
//
// Parsing follows systemd 252: one entry per line, `#` comments and empty
// lines skipped, fields separated by blanks, a field may be "double" or
// 'single' quoted (with backslash escapes), `-` means "not given". Only the
// line types that make accounts are kept: u (user), g (group), m (add a
// member); r (id ranges) is accepted and dropped. Specifiers (%a, %H, …) are
// not expanded — no Debian package uses them in a name or id.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"

namespace cairn::compose {

/// One u, g or m line.
struct SysusersEntry {
  enum class Type { user, group, member };
  Type type = Type::user;
  /// u, g: the account's name. m: the user to add.
  std::string name{};
  /// u: the uid; g: the gid. nullopt = allocate one ("-", or a path, whose
  /// owner systemd-sysusers would copy: that file does not exist at build
  /// time, so it is treated as "-").
  std::optional<uint32_t> id{};
  /// u: the primary group from "uid:gid" — by number (`gid`) or by name
  /// (`group`); neither set = a group of the user's own name. m: the group.
  std::optional<uint32_t> gid{};
  std::string group{};
  /// u only, "-" already replaced: gecos "" , home "/", shell
  /// "/usr/sbin/nologin" (or "/bin/sh" for uid 0), as systemd-sysusers 252
  /// on Debian fills them.
  std::string gecos{};
  std::string home{};
  std::string shell{};
  uint32_t line = 0;  ///< 1-based line number in its file
};

/// Parses a sysusers.d file. `where` names it in errors ("usr/lib/sysusers.d/x.conf"),
/// which give the line: "usr/lib/sysusers.d/x.conf:3: unknown line type 'x'".
[[nodiscard]] Result<std::vector<SysusersEntry>> parse_sysusers(std::string_view text,
                                                                std::string_view where);

}  // namespace cairn::compose
