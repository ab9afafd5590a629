// The dpkg database of a generation: the admin directory dpkg keeps in
// /var/lib/dpkg, written read-only into the image so that `dpkg -l`,
// `dpkg -L`, `dpkg -S`, `apt list --installed` and vulnerability scanners
// (debsecan, trivy) see the generation's packages. See dpkg_database.cc
// for why and how.
#pragma once

#include <string_view>
#include <vector>

#include "base/error.hh"
#include "builder/compose/tree.hh"

namespace cairn::compose {

/// Where the database lives in the tree (a tree path, no leading slash).
inline constexpr std::string_view kDpkgDatabaseDir = "usr/lib/cairn/dpkg";

/// The tmpfiles.d file that points /var/lib/dpkg at kDpkgDatabaseDir.
inline constexpr std::string_view kDpkgTmpfilesPath = "usr/lib/tmpfiles.d/cairn-dpkg.conf";

/// Writes the dpkg database of `packages` (any order; one entry per package
/// name) into `tree`, as dpkg would have left it with every package
/// installed and configured. Under usr/lib/cairn/dpkg/:
///
/// - `status`: one stanza per package, by package name (byte order),
///   separated by blank lines and ending in a newline. A stanza is the
///   package's control file's fields in their order, each written
///   `Name: value` (multi-line values kept line for line), with
///   `Status: install ok installed` right after `Package:` and, when the
///   package has a `conffiles` control file, `Conffiles:` before
///   `Description:` (at the end without one): a line ` <path> <md5>` per
///   conffile, <md5> being the hex MD5 of the file as the package ships it,
///   or `newconffile` when the package ships no regular file there.
///   `remove-on-upgrade` lines of conffiles are left out; so are blank ones.
///   Fields the control file names `Status` or `Conffiles` are replaced.
/// - `info/<name>.list`: "/." then every path of the package's metadata
///   but "/", one per line, as the package ships it ("/bin/ls", not moved
///   to merged /usr — dpkg lists the archive's paths).
/// - `info/<name>.md5sums`, `.conffiles`, `.triggers`: the package's control
///   files of those names, copied byte for byte, when it has them. The
///   maintainer scripts are not copied (nothing runs them).
///   For a package with `Multi-Arch: same`, every info file is named
///   `<name>:<arch>.<what>` (dpkg's multiarch info layout).
/// - `info/format`: "1\n", which tells dpkg the info directory uses that
///   multiarch layout (without it dpkg reads the legacy one, `<name>.list`
///   for every package).
/// - `updates/` and `triggers/`: empty directories, as in every dpkg admin
///   directory (apt looks into updates/ for a dpkg run that was cut short).
///   No `available`: dpkg-query does not need one.
///
/// And `usr/lib/tmpfiles.d/cairn-dpkg.conf`, which makes /var/lib/dpkg a
/// symlink to /usr/lib/cairn/dpkg at boot (`L+`: replacing what is there).
///
/// Files are 0644, directories 0755, all root:root; whatever the tree had at
/// these paths is replaced. No packages, nothing written. Errors name the
/// package: "writing the dpkg database: package foo: …" (an unreadable
/// control file or metadata, a control file that is not one deb822
/// paragraph or lacks `Package:`, an unreadable conffile); on error the
/// tree is unchanged.
[[nodiscard]] Result<void> add_dpkg_database(RootTree& tree, const std::vector<PackageDir>& packages);

}  // namespace cairn::compose
