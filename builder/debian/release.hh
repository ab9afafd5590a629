// InRelease: a suite's signed index, checked with gpgv, then read.
//
// Everything cairn takes from an archive is trusted through one file,
// `dists/<suite>/InRelease`: an OpenPGP clearsigned Release file listing
// the size and SHA-256 of every index (Packages.xz, …), whose entries in
// turn give the hash of every .deb. So this file is verified before a byte
// of it is believed: gpgv (found on PATH) checks the signature against the
// configured keyrings, and only the text gpgv verified is parsed — anything
// outside the signed part is refused, not ignored (readers that split such
// files loosely have let unsigned text through before). Then Valid-Until is
// checked against a clock the caller passes, so a mirror frozen in the past
// cannot replay old indexes forever.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"

namespace cairn::debian {

/// The keyring of Debian's debian-archive-keyring package, the default.
inline constexpr std::string_view default_archive_keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";

/// One file of the SHA256 list.
struct IndexFile {
  /// Path below `dists/<suite>/`: "main/binary-amd64/Packages.xz".
  std::string path;
  /// Size in bytes.
  uint64_t size = 0;
  /// SHA-256 as 64 lowercase hex digits.
  std::string sha256;
};

/// A verified, parsed Release. Built only from the signed text.
struct Release {
  /// Where it came from, as given to `verify_inrelease`
  /// ("http://mirror.test/debian/dists/bookworm"); names it in errors.
  std::string location;
  /// Origin, Label, Suite, Codename, Version: "" when absent. At least one
  /// of `suite` and `codename` is set.
  std::string origin, label, suite, codename, version;
  /// Date as written ("Sat, 10 Jun 2023 08:55:37 UTC") and as a time.
  std::string date;
  std::chrono::sys_seconds date_time{};
  /// Valid-Until as written and as a time; "" and nullopt when absent.
  std::string valid_until;
  std::optional<std::chrono::sys_seconds> valid_until_time;
  /// Architectures and Components, in order; empty when absent.
  std::vector<std::string> architectures, components;
  /// Acquire-By-Hash: yes — indexes may be fetched from by-hash/SHA256/<hash>.
  bool acquire_by_hash = false;
  /// The SHA256 field, in file order.
  std::vector<IndexFile> files;
  /// The signed text exactly as gpgv verified it (what was parsed).
  std::string text;
  /// SHA-256 of the whole InRelease file as fetched (hex); "" when parsed
  /// with `parse_release`. cairn.lock pins it.
  std::string inrelease_sha256;
  /// Primary-key fingerprints of the keys whose good signatures were found.
  std::vector<std::string> signers;

  /// The entry for `path` in `files`, or nullptr.
  [[nodiscard]] const IndexFile* find(std::string_view path) const;
};

/// How to check an InRelease file.
struct ReleaseCheck {
  /// Keyrings for gpgv (binary OpenPGP keyrings, not ASCII-armored); at
  /// least one signature must verify against a key in one of them.
  std::vector<std::string> keyrings = {std::string(default_archive_keyring)};
  /// The present time, for Valid-Until.
  std::chrono::sys_seconds now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  /// The suite or codename asked for ("bookworm"); the file must name it as
  /// its Suite or Codename. Empty: not checked.
  std::string suite;
};

/// Verifies the bytes of an InRelease file and parses its signed text.
/// `location` names it in errors: "InRelease of <location>: …". In order:
/// the file must be exactly one clearsigned message (nothing before or
/// after it); every keyring must exist and be binary; gpgv must report at
/// least one good signature and no bad one; the text gpgv verified must be
/// the file's signed part; then the fields are read (`parse_release`), the
/// suite compared and Valid-Until checked against `check.now`. Every error
/// says what failed and what to do; nothing of a failed file is returned.
[[nodiscard]] Result<Release> verify_inrelease(std::string_view inrelease, std::string_view location,
                                               const ReleaseCheck& check = {});

/// Parses the text of a Release file that is already trusted (the signed
/// part of an InRelease). `first_line` is the line of the file the text
/// starts on, for messages. Requires Date, SHA256 and Suite or Codename;
/// checks the format of dates and of every SHA256 line. Does not check
/// Valid-Until (see `check_valid_until`).
[[nodiscard]] Result<Release> parse_release(std::string_view text, std::string_view location,
                                            uint32_t first_line = 1);

/// Error when `release` has a Valid-Until earlier than `now`.
[[nodiscard]] Result<void> check_valid_until(const Release& release, std::chrono::sys_seconds now);

/// The Packages index to fetch for `component` and `arch`:
/// "<component>/binary-<arch>/Packages.xz" if listed, else ".gz". Error
/// when neither is listed, naming the suite's components and architectures.
[[nodiscard]] Result<IndexFile> packages_index(const Release& release, std::string_view component,
                                               std::string_view arch);

/// Parses a Release date: "Sat, 10 Jun 2023 08:55:37 UTC" (RFC 1123; the
/// weekday is optional and not checked; the zone is UTC, GMT, Z or ±hhmm).
[[nodiscard]] Result<std::chrono::sys_seconds> parse_release_date(std::string_view text);

/// Formats a time the way Release files write dates, in UTC.
[[nodiscard]] std::string format_release_date(std::chrono::sys_seconds time);

}  // namespace cairn::debian
