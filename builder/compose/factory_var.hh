// What the packages ship under /var, made on the machine at boot.
//
// Debian packages ship directories, and a few files, under /var: polkit's
// /var/lib/polkit-1 (0700, polkitd), the mail spool's setgid /var/mail,
// NetworkManager's /var/lib/NetworkManager, a default .pkla file. dpkg makes
// them when it installs the package, and daemons count on finding them. On
// a cairn machine /var is the state partition, shared by every generation,
// so whatever an image holds under var/ is never seen.
//
// systemd has a convention for systems whose /usr is the whole operating
// system: the "factory". Compose moves what the packages put under var/ to
// usr/share/factory/var/ and writes one tmpfiles.d(5) line per entry into
// usr/lib/tmpfiles.d/cairn-var.conf. systemd-tmpfiles-setup.service reads
// it at every boot and makes what is missing:
//
//   d /var/lib/polkit-1 :0700 :988 :0 -        a directory, owner and mode
//   C /var/lib/polkit-1/10-vendor.pkla - - - -  a file, copied from the factory
//   L /var/lib/foo/link - - - - ../bar          a symlink
//
// The colons mean "only when creating": /var belongs to the machine, so an
// administrator's chmod, or a daemon's own change, stays. A package's new
// /var directory appears on the first boot of the generation that brings
// it (and after `cairn switch`, which runs `systemd-tmpfiles --create`).
//
// Paths another tmpfiles.d file of the image names already (systemd's own
// var.conf has /var/log, /var/cache, /var/lib and /var/spool; a package's
// or the host's systemd.tmpfiles.rules may have others) are left to that
// file, so that tmpfiles never sees two lines for one path, and so is
// everything under a path another file makes a symlink (the dpkg database
// at /var/lib/dpkg, dpkg_database.hh).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"
#include "builder/compose/tree.hh"

namespace cairn::compose {

/// Where the packages' var/ goes in the image: tmpfiles.d's `C` lines
/// without a source copy from /usr/share/factory/<path>.
inline constexpr std::string_view kFactoryVar = "usr/share/factory/var";
/// The tmpfiles.d file seed_var() writes.
inline constexpr std::string_view kSeedVarConf = "usr/lib/tmpfiles.d/cairn-var.conf";

struct SeededVar {
  size_t lines = 0;                   ///< tmpfiles.d lines written (0: no file)
  std::vector<std::string> warnings;  ///< entries left unseeded, and why
};

/// Moves everything under var/ but the skeleton's var/run and var/lock to
/// kFactoryVar and writes kSeedVarConf: a line per entry (directories,
/// files and hard links, symlinks, fifos, devices), in path order, with the
/// entry's owner and mode as ids. Entries named by another tmpfiles.d file
/// of the tree (usr/lib/tmpfiles.d/*.conf, etc/tmpfiles.d/*.conf, the
/// latter masking the former by name), and everything under a path one of
/// them makes a symlink, get no line. A path tmpfiles.d cannot express (a
/// control character) gets a warning instead of a line; so does a top
/// directory whose place in the factory is taken (it stays under var/).
/// Writes nothing when var/ holds nothing else. Call after the owners are
/// resolved and the generated /etc is in the tree.
[[nodiscard]] Result<SeededVar> seed_var(RootTree& tree);

/// `path` as tmpfiles.d(5)'s path field reads it back (systemd 252 unquotes
/// it — a backslash takes the next character literally — and expands
/// specifiers, so '%' is doubled).
std::string tmpfiles_path(std::string_view path);

/// `text` as tmpfiles.d(5)'s argument field reads it back (C escapes and
/// specifiers): '%' doubled, '\' doubled, blanks and control characters as
/// \xNN.
std::string tmpfiles_argument(std::string_view text);

}  // namespace cairn::compose
