// A Debian-format repository that a test builds and serves itself.
//
// TestRepository makes a temporary directory holding
//
//   srv/debian/pool/<component>/<p>/<name>/<name>_<version>_<arch>.deb
//   srv/debian/dists/<suite>/<component>/binary-<arch>/Packages{,.xz,.gz}
//   srv/debian/dists/<suite>/{Release,InRelease,Release.gpg}
//   gnupg/          a throwaway GNUPGHOME with the signing key (and another)
//   keyring.gpg     the signing key's public keyring, for gpgv --keyring
//
// and serves srv/ with tests/integration/http_server.py on 127.0.0.1 at a
// port the kernel picks, so `url()` is "http://127.0.0.1:<port>/debian" —
// a mirror URI with a path, as real ones have. Packages are real .debs
// made by `dpkg-deb --build` from the control fields and files a test
// gives; `add_raw_package` assembles one by hand when a test needs a
// broken one (a path-traversal entry) that dpkg-deb would refuse to build.
// `publish()` writes the indexes and signs them like the archive does;
// options make the Release expired or signed by a key the keyring does not
// hold. The server can be told to fail requests (`set_fault`) and logs
// every request, so tests can ask what it saw (`request_count`,
// `range_requests`). Everything is removed and the server killed when the
// object goes.
//
// Nothing here talks to anything but 127.0.0.1.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "base/error.hh"

namespace cairn::integration {

/// One entry of a package's data.tar.
struct DebFile {
  std::string path;      ///< inside the package, e.g. "usr/bin/hello" (no leading '/')
  std::string contents;  ///< for regular files
  unsigned mode = 0644;
  /// Non-empty: a symbolic link to this target instead of a file.
  std::string symlink;
  /// A directory instead of a file.
  bool directory = false;
};

/// A binary package: its control fields and its files. Empty fields are
/// left out of the control file and the Packages index.
struct PackageSpec {
  std::string name;
  std::string version = "1.0";
  std::string architecture = "amd64";  ///< or "all"
  std::string component = "main";
  std::string depends;
  std::string pre_depends;
  std::string recommends;
  std::string provides;
  std::string conflicts;
  std::string breaks;
  std::string replaces;
  std::string multi_arch;  ///< "same", "foreign", "allowed" or ""
  bool essential = false;
  std::string priority = "optional";
  std::string section = "misc";
  std::string source;  ///< "" = the package's name
  std::string description;  ///< "" = "<name> test package"
  /// Further control fields, written as given ("Field: value").
  std::vector<std::pair<std::string, std::string>> extra_fields;
  std::vector<DebFile> files;
  /// Maintainer scripts (name → text), e.g. {"postinst", "#!/bin/sh\n…"}.
  std::vector<std::pair<std::string, std::string>> scripts;
  std::string compression = "xz";  ///< data.tar compression: xz, gzip, zstd, none
};

/// A package as published.
struct PublishedPackage {
  PackageSpec spec;
  std::string filename;  ///< relative to url(), e.g. "pool/main/h/hello/hello_1.0_amd64.deb"
  std::uint64_t size = 0;
  std::string sha256;
  std::string path;  ///< the .deb on disk
};

struct PublishOptions {
  /// Release's Date; default: now.
  std::optional<std::chrono::system_clock::time_point> date;
  /// Valid-Until = Date + this; nullopt leaves the field out. A negative
  /// value makes an expired Release.
  std::optional<std::chrono::seconds> valid_for = std::chrono::hours(24 * 7);
  /// Which Packages files exist on disk: "" (plain), "xz", "gz". Release
  /// lists all three either way, as Debian's does.
  std::vector<std::string> compressions = {"", "xz", "gz"};
  /// Sign with a second key that keyring_path() does not hold.
  bool sign_with_unknown_key = false;
};

/// What the server should do wrong; see http_server.py.
struct Fault {
  enum class Kind { status, cut, ignore_range, delay, stall };
  Kind kind = Kind::status;
  /// Relative to url() ("pool/main/…"); "" = every request.
  std::string path;
  int count = 1;      ///< how many matching requests it applies to
  int status = 500;   ///< for Kind::status
  std::uint64_t after = 0;  ///< bytes sent before cut/stall
  double seconds = 1;  ///< for delay and stall
};

/// One request the server received.
struct ServerRequest {
  std::string method;
  std::string path;   ///< relative to url(), like Fault::path
  std::string range;  ///< the Range header, "" when none
  int inflight = 0;   ///< requests being answered at that moment, this one included
};

struct RepositoryOptions {
  std::string suite = "bookworm";
  std::vector<std::string> components = {"main"};
  std::vector<std::string> architectures = {"amd64"};
};

class TestRepository {
 public:
  /// Creates the directory, the signing keys and starts the server.
  [[nodiscard]] static Result<std::unique_ptr<TestRepository>> create(RepositoryOptions options = {});
  ~TestRepository();
  TestRepository(const TestRepository&) = delete;
  TestRepository& operator=(const TestRepository&) = delete;

  /// Builds the .deb with dpkg-deb into the pool. Visible in the indexes
  /// after the next publish().
  [[nodiscard]] Result<PublishedPackage> add_package(const PackageSpec& spec);

  /// Like add_package, but assembles the .deb itself (ar + control.tar.gz
  /// + data.tar.gz written by libarchive), so `spec.files` may hold what
  /// dpkg-deb refuses: "../x", "/etc/x", a file under a symlinked
  /// directory. Compression is always gzip.
  [[nodiscard]] Result<PublishedPackage> add_raw_package(const PackageSpec& spec);

  /// Writes a file to serve at `rel_path` (relative to url()); returns its url.
  [[nodiscard]] Result<std::string> add_file(const std::string& rel_path, const std::string& contents);

  /// Writes Packages, Release, InRelease and Release.gpg for every package
  /// added so far.
  [[nodiscard]] Result<void> publish(const PublishOptions& options = {});

  /// "http://127.0.0.1:<port>/debian" (no trailing slash).
  std::string url() const;
  /// url() + "/" + rel_path.
  std::string url(const std::string& rel_path) const;
  /// The served repository directory (what url() points at).
  const std::string& root() const { return root_; }
  /// The public keyring holding the signing key (binary, for gpgv --keyring).
  std::string keyring_path() const { return dir_ + "/keyring.gpg"; }
  const RepositoryOptions& options() const { return options_; }
  const std::vector<PublishedPackage>& packages() const { return packages_; }

  /// Flips a byte in the middle of the served file at `rel_path`, keeping
  /// its size, so that its hash no longer matches the indexes.
  [[nodiscard]] Result<void> corrupt(const std::string& rel_path);

  /// Like corrupt() for the .deb of a package added earlier (`filename` as
  /// in PublishedPackage), and then takes the damaged file's size and
  /// sha256 into its index entry: after the next publish() the archive
  /// lists the broken file as it is, every hash check passes, and only
  /// unpacking can tell. Returns the package as it is now listed.
  [[nodiscard]] Result<PublishedPackage> corrupt_package(const std::string& filename);

  /// Adds a fault; faults apply in the order they were added.
  void set_fault(const Fault& fault);
  void clear_faults();

  /// Every request the server has received so far, oldest first.
  std::vector<ServerRequest> requests() const;
  /// How many requests for `rel_path` the server has received.
  int request_count(const std::string& rel_path) const;
  /// How many of those carried a Range header.
  int range_requests(const std::string& rel_path) const;

 private:
  TestRepository() = default;
  Result<void> start_server();
  Result<void> await_server();
  Result<void> make_keys();
  Result<PublishedPackage> place(const PackageSpec& spec, const std::string& built);
  void write_control();

  RepositoryOptions options_;
  std::string dir_;   // the temporary directory holding everything
  std::string root_;  // dir_/srv/debian
  pid_t server_pid_ = -1;
  int port_pipe_ = -1;  // the server's stdout until it has said its port
  int port_ = 0;
  std::vector<PublishedPackage> packages_;
  std::vector<std::pair<int, Fault>> faults_;
  int next_fault_id_ = 1;
};

/// A Debian control paragraph for `spec` (without Filename/Size/SHA256).
std::string control_paragraph(const PackageSpec& spec);

}  // namespace cairn::integration
