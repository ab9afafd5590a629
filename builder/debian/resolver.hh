// Package resolution with libsolv: from a host's requested package names to
// the exact set of Debian binary packages its generation is made of.
//
// A `Universe` is the package index of one suite and architecture: one or
// more Packages files (main, non-free-firmware, bookworm-updates, …) loaded
// into a libsolv pool with Debian semantics (version comparison, Provides,
// Multi-Arch `:any`, Architecture `all`). Loading parses each Packages file
// once and then keeps libsolv's binary `.solv` form in a cache directory,
// keyed by the file's sha256, so that later loads skip parsing.
//
// `Universe::resolve` installs the requested packages plus the base set
// (every Essential package, or every Priority: required one), follows
// Pre-Depends and Depends (and Recommends when asked), and returns the
// resolved set sorted by name, with, for each package, why it is there.
// The same universe and request always give the same result. When there is
// no solution the error names every problem as a chain in plain words:
// "cannot install foo: depends on libbar (>= 2), but bookworm has libbar 1.9".
//
// The resolver does not print, fetch or cache results; the lock file
// (lock_file.hh) is what pins a resolution.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"

namespace cairn::debian {

/// The set of packages every host starts from (`packages.base`).
enum class BaseSet {
  none,       ///< nothing but the requested packages (tests, special images)
  essential,  ///< every package marked `Essential: yes` (the default)
  required,   ///< every package of `Priority: required`
};

/// "none", "essential", "required".
std::string_view base_set_name(BaseSet base);
/// The inverse of base_set_name; nullopt for any other string.
std::optional<BaseSet> parse_base_set(std::string_view name);

/// One package of a resolution, as its Packages entry describes it.
struct ResolvedPackage {
  std::string name;
  std::string version;
  std::string architecture;  ///< "amd64", "arm64" or "all"
  std::string filename;      ///< path below the mirror root ("pool/main/…/x.deb")
  std::uint64_t size = 0;    ///< bytes of the .deb
  std::string sha256;        ///< of the .deb, lowercase hex; "" if the entry has no SHA256

  bool operator==(const ResolvedPackage&) const = default;
};

/// Why a package is part of a resolution.
struct Reason {
  enum class Kind {
    requested,    ///< named by the host
    essential,    ///< in the base set as Essential: yes
    required,     ///< in the base set as Priority: required
    depends,      ///< `parent` Depends on it
    pre_depends,  ///< `parent` Pre-Depends on it
    recommends,   ///< `parent` Recommends it (only when Recommends are installed)
    solver,       ///< chosen by the solver without a dependency path (not expected)
  };
  Kind kind = Kind::solver;
  /// The package whose dependency pulled this one in; "" for the first three kinds.
  std::string parent;
  /// The dependency as written in the Packages file ("libc6 (>= 2.34)",
  /// "default-mta | mail-transport-agent"); "" for the first three kinds.
  std::string dependency;

  bool operator==(const Reason&) const = default;
};

/// The result of a successful resolution.
struct Resolution {
  /// Sorted by name, then architecture.
  std::vector<ResolvedPackage> packages;
  /// One entry per package name in `packages`.
  std::map<std::string, Reason, std::less<>> reasons;

  /// The package called `name`, or nullptr.
  const ResolvedPackage* find(std::string_view name) const;

  /// The chain from a requested or base package to `name`, one line per
  /// step, the root first:
  ///   "openssh-server is requested"
  ///   "openssh-server depends on openssh-client (= 1:9.2p1-2+deb12u3)"
  ///   "openssh-client depends on libssl3 (>= 3.0.0)"
  /// Empty if `name` is not in the resolution.
  std::vector<std::string> why(std::string_view name) const;
};

/// What to resolve.
struct ResolveRequest {
  /// Package names (real packages, not virtual ones); order and duplicates
  /// do not matter.
  std::vector<std::string> packages;
  BaseSet base = BaseSet::essential;
  /// Install Recommends too (off by default, like `--no-install-recommends`).
  bool recommends = false;
};

/// One Packages file to load.
struct PackagesFile {
  /// Plain, or compressed (.xz, .gz, .zst, .bz2: chosen by the suffix).
  std::string path;
  /// sha256 of the file as it is on disk, as InRelease lists it; "" = compute
  /// it. Names the file's .solv cache entry.
  std::string sha256;
};

struct UniverseOptions {
  /// Debian architecture of the host: packages of this architecture and of
  /// `all` are installable, every other one is not.
  std::string architecture;
  /// How messages name the index: "but bookworm has libbar 1.9".
  std::string suite = "bookworm";
  /// Directory of the .solv cache ("<sha256>.solv" per Packages file);
  /// created when missing. "" = no cache: parse every time.
  std::string cache_dir;
};

/// How a load went, for `--timings` and the benchmarks.
struct LoadStats {
  std::size_t packages = 0;      ///< solvables in the pool
  std::size_t files_parsed = 0;  ///< Packages files parsed as text
  std::size_t files_cached = 0;  ///< Packages files read from the .solv cache
  /// Problems that did not stop the load ("writing …: …, ignoring"), such
  /// as a cache that could not be written.
  std::vector<std::string> warnings;
};

/// The packages of one suite and architecture, ready to resolve against.
/// Owns its libsolv pool. Not thread-safe: resolve() grows the pool's
/// internal indexes, so one thread at a time.
class Universe {
 public:
  /// Loads the Packages files, in order (a later file may carry newer
  /// versions, as bookworm-updates does; the newest version wins). Errors
  /// name the file.
  [[nodiscard]] static Result<Universe> load(const std::vector<PackagesFile>& files,
                                             const UniverseOptions& options);
  /// Loads Packages text held in memory (tests, piped input); never cached.
  [[nodiscard]] static Result<Universe> from_text(const std::vector<std::string_view>& texts,
                                                  const UniverseOptions& options);

  Universe(Universe&&) noexcept;
  Universe& operator=(Universe&&) noexcept;
  ~Universe();

  /// Resolves `request`. Errors, one line each: every requested name that
  /// is unknown ("cannot install vmi: bookworm has no package vmi (did you
  /// mean vim?)"), virtual or of another architecture; otherwise every
  /// problem the solver finds, as a chain from the requested or base package.
  [[nodiscard]] Result<Resolution> resolve(const ResolveRequest& request);

  /// Whether a real (not only virtual) package `name` is installable here.
  bool contains(std::string_view name) const;

  /// Up to `limit` installable package names close to `name` (see the free
  /// function below), closest first. For "unknown package" errors and
  /// `pkgs.<name>` suggestions. The first call collects the names (~20 ms for
  /// bookworm); each call then scans them (~10 ms).
  std::vector<std::string> close_names(std::string_view name, std::size_t limit = 5) const;

  const LoadStats& stats() const;
  const UniverseOptions& options() const;

  struct Impl;

 private:
  explicit Universe(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Names close to `name` among `names` (which need not be sorted), closest
/// first: within a small edit distance (swaps of neighbours count as one
/// edit), or starting with `name` ("firefox" → "firefox-esr"); ties go to
/// the name nearest in length, then alphabetically. At most `limit`.
/// Exposed for tests and for callers holding names without a Universe.
std::vector<std::string> close_names(std::string_view name, const std::vector<std::string>& names,
                                     std::size_t limit = 5);

}  // namespace cairn::debian
