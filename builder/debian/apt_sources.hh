// The build machine's apt configuration: which archives its apt uses.
//
// cairn names no mirror of its own (DESIGN.md §4): unless cairn.nix sets
// one, it uses the archive the build machine's apt is configured with. This
// reads apt's sources the way apt does — /etc/apt/sources.list in the
// one-line format, then /etc/apt/sources.list.d/ in name order, `*.list`
// files in the one-line format and `*.sources` files in the deb822 format
// (sources.list(5)); other files there are ignored, as apt ignores them —
// and chooses the archive URI for a suite.
//
// Both formats become the same `AptSource` entries. A one-line entry
//   deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://mirror.test/debian bookworm main
// has one type, one URI and one suite; a deb822 entry may have several of
// each. Entries with `Enabled: no` are left out.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.hh"

namespace cairn::debian {

/// One entry of apt's sources.
struct AptSource {
  /// "deb" and/or "deb-src", in the order written.
  std::vector<std::string> types;
  /// Archive URIs as written (a trailing '/' is kept).
  std::vector<std::string> uris;
  /// Suites ("bookworm", "bookworm-updates"); a flat repository's suite is a
  /// path ending in '/' ("./"), and then `components` is empty.
  std::vector<std::string> suites;
  /// Components ("main", "non-free-firmware").
  std::vector<std::string> components;
  /// `Signed-By` / `signed-by=`: keyring paths and key fingerprints, in
  /// order. Empty when not set (apt then trusts its global keyrings).
  std::vector<std::string> signed_by;
  /// A `Signed-By` value that is an embedded ASCII-armored key block (deb822
  /// only), with the continuation lines' indentation and `.` lines undone;
  /// empty when not embedded.
  std::string signed_by_key;
  /// Every other option, by its one-line name ("arch", "lang", "target",
  /// "trusted", "check-valid-until", "arch+", "arch-", …; the deb822 field
  /// `Architectures` becomes "arch", `Languages` "lang", `Targets` "target",
  /// other fields their lower-cased name). List values are comma-separated
  /// ("amd64,arm64") in both formats. In order of appearance.
  std::vector<std::pair<std::string, std::string>> options;
  /// Where the entry is written: "/etc/apt/sources.list.d/debian.sources:3"
  /// (the path includes the root directory given to `read_apt_sources`).
  std::string origin;

  /// True when `types` includes "deb".
  [[nodiscard]] bool is_binary() const;
  /// The value of option `name`, or "" when not set.
  [[nodiscard]] std::string_view option(std::string_view name) const;
};

/// Reads apt's sources under `root` ("/" for the build machine; a temporary
/// directory in tests): `<root>/etc/apt/sources.list` and
/// `<root>/etc/apt/sources.list.d/*.{list,sources}` in name order. Missing
/// files and directories are not errors (no sources → empty list).
/// Errors name the file and line and say how to fix it: an unreadable file,
/// an entry without URI or suite, an unknown type, an unclosed `[`, a
/// deb822 entry missing `Types`, `URIs` or `Suites`.
[[nodiscard]] Result<std::vector<AptSource>> read_apt_sources(std::string_view root = "/");

/// Parses one file's text: one-line format unless `deb822` is true.
/// `origin` is the file name used in entries and errors.
[[nodiscard]] Result<std::vector<AptSource>> parse_apt_sources(std::string_view text, std::string_view origin,
                                                               bool deb822);

/// The archive chosen for a suite, and why.
struct MirrorChoice {
  /// The archive URI without a trailing '/': "http://mirror.test/debian".
  std::string uri;
  /// The keyring files of the chosen entry's `signed_by` (its absolute
  /// paths; fingerprints are left out). Empty when it names none: use
  /// cairn's default keyring.
  std::vector<std::string> keyrings;
  /// The chosen entry's origin ("<file>:<line>").
  std::string origin;
};

/// Chooses the archive for `suite` among `sources`: the first URI of the
/// first `deb` entry that lists `suite`; else the first URI of the first
/// `deb` entry, whatever its suites. Only URIs cairn can fetch count (http,
/// https, file); `cdrom:`, `mirror+…`, `tor+…` and `deb-src` entries are
/// passed over. Error when none is left.
[[nodiscard]] Result<MirrorChoice> choose_mirror(const std::vector<AptSource>& sources, std::string_view suite);

/// `read_apt_sources(root)` then `choose_mirror(…, suite)`, with the files
/// read named in the error and advice to set a mirror in cairn.nix.
[[nodiscard]] Result<MirrorChoice> apt_mirror(std::string_view suite, std::string_view root = "/");

}  // namespace cairn::debian
