// What ca-certificates' postinst builds, without running it: the trusted
// CA certificates as OpenSSL and GnuTLS look for them in /etc/ssl/certs.
//
// The postinst asks debconf which of the certificates in
// /usr/share/ca-certificates to trust — by default all of them — writes that
// choice to /etc/ca-certificates.conf, and runs update-ca-certificates, which
// links each trusted certificate into /etc/ssl/certs as <name>.pem, adds the
// ones in /usr/local/share/ca-certificates, concatenates them all into
// /etc/ssl/certs/ca-certificates.crt, and runs `openssl rehash` for the
// subject-hash links (`<hash>.0` → <name>.pem) OpenSSL's directory lookup
// uses. build_ca_bundle() computes the same files from the certificates'
// bytes, with libcrypto for the hashes; it writes nothing. The hooks in
// /etc/ca-certificates/update.d (Java's keystore, for one) are not run.
#pragma once

#include <string>
#include <vector>

#include "base/error.hh"

namespace cairn::compose {

/// One certificate file of the tree.
struct CaCertificate {
  /// Below usr/share/ca-certificates ("mozilla/ISRG_Root_X1.crt"), or below
  /// usr/local/share/ca-certificates when `local`.
  std::string path{};
  std::string pem{};   ///< the file's bytes
  bool local = false;  ///< the administrator's: linked and bundled, never in the conf

  bool operator==(const CaCertificate&) const = default;
};

/// One file to create.
struct CaFile {
  enum class Kind { file, symlink };
  std::string path{};  ///< relative to the root: "etc/ssl/certs/ISRG_Root_X1.pem"
  Kind kind = Kind::file;
  /// A file's bytes (mode 0644), or a symlink's target exactly as written
  /// ("/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt", "ISRG_Root_X1.pem").
  std::string content{};

  bool operator==(const CaFile&) const = default;
};

/// The result of build_ca_bundle().
struct CaBundle {
  /// Sorted by path: etc/ca-certificates.conf, then etc/ssl/certs/….
  std::vector<CaFile> files{};
  /// What `openssl rehash` would have warned about ("mozilla/x.crt holds no
  /// certificate: it gets no hash link"), one line each.
  std::vector<std::string> notes{};

  bool operator==(const CaBundle&) const = default;
};

/// The files update-ca-certificates makes from `certificates` (the *.crt
/// files of usr/share/ca-certificates and usr/local/share/ca-certificates,
/// in any order) with every one of them trusted:
///
/// - etc/ca-certificates.conf: the postinst's header, then every shared
///   certificate's path, sorted by byte order (the postinst runs `sort` in
///   the C locale);
/// - etc/ssl/certs/<name>.pem → /usr/share/ca-certificates/<path> (or
///   /usr/local/…), <name> being the file name without .crt with ' ' and ','
///   made '_' and '(' and ')' made '='; of two certificates with one name the
///   later (shared in conf order, then local ones by path) wins, as `ln -sf`
///   does;
/// - etc/ssl/certs/<hash>.<n> → <name>.pem, <hash> being
///   X509_NAME_hash(subject) in 8 lowercase hex digits and <n> counting
///   certificates with the same hash in byte order of their .pem names, a
///   certificate whose SHA-1 fingerprint an earlier one has getting none
///   (CRLs: <hash of the issuer>.r<n>) — what `openssl rehash` makes in a
///   fresh directory;
/// - etc/ssl/certs/ca-certificates.crt: every certificate's bytes (with a
///   newline added where the file lacks a final one), shared ones in conf
///   order, then local ones by path.
///
/// No certificates, no files: a tree without ca-certificates gets none.
/// Errors: a path that is empty, absolute, has an empty, "." or ".."
/// component or does not end in ".crt", or a path given twice.
[[nodiscard]] Result<CaBundle> build_ca_bundle(const std::vector<CaCertificate>& certificates);

/// The certificates of the staged root at `root`: the regular *.crt files
/// below usr/share/ca-certificates (symlinks not followed, as the postinst's
/// `find` does not) and below usr/local/share/ca-certificates (followed),
/// with their bytes, sorted by path. Empty when the tree has neither folder.
[[nodiscard]] Result<std::vector<CaCertificate>> read_ca_certificates(const std::string& root);

}  // namespace cairn::compose
