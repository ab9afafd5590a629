// Parallel downloads with libcurl's multi interface: the only way cairn
// talks to a mirror.
//
// A Fetcher takes a list of requests (url, destination, and — for .debs —
// the size and sha256 the signed index promises) and runs up to
// `parallel` transfers at once on one thread. Each transfer streams into
// `<dest>.part`, feeding every byte to SHA-256 as it arrives, so the check
// costs no second read; only a file whose size and hash match is fsync'd
// and renamed to `dest`. A destination therefore either does not exist or
// is complete and verified, never half-written.
//
// Failures are sorted into transient ones (no connection, timeouts, a cut
// connection, HTTP 5xx/408/429), which are retried with exponential
// backoff, and permanent ones (404, a hash mismatch), which are not. A
// transfer that dies midway keeps its `.part`, and the next attempt — in
// this run or the next — asks for the rest with an HTTP Range request; a
// server that ignores Range and sends the whole file again is handled by
// starting over. Every failed file gets its own message (url, what went
// wrong, what to do), and all of them are reported together.
//
// The library never prints. Progress goes to a `ProgressSink`;
// `terminal_progress()` is the one a command uses (a single updating line
// on stderr when stderr is a terminal, nothing otherwise).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.hh"
#include "builder/debian/fetch_progress.hh"

namespace cairn::debian {

/// One file to download.
struct FetchRequest {
  std::string url;   ///< http://, https:// or file://
  std::string dest;  ///< final path; missing parent directories are created
  /// Expected size in bytes; nullopt = unknown (index files whose hash
  /// comes later). Checked while streaming: a longer body is cut off.
  std::optional<std::uint64_t> size;
  /// Expected SHA-256 as 64 lowercase hex digits; "" = unknown. A `.part`
  /// left over from an earlier run is resumed only when this is known
  /// (otherwise it could belong to an older version of the file).
  std::string sha256;
  /// Where the partial download lives; "" = `dest + ".part"`. Must be on
  /// the same file system as `dest` (it is renamed there).
  std::string partial;
};


struct FetchOptions {
  int parallel = 8;      ///< transfers at once (>= 1)
  int max_attempts = 5;  ///< attempts per file, the first included (>= 1)
  /// Wait before the second attempt; doubled for each further one, capped
  /// at `backoff_max`.
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{8000};
  std::chrono::seconds connect_timeout{30};
  /// A transfer that receives nothing for this long is abandoned (and
  /// retried, resuming) — a stalled connection, not a slow one.
  std::chrono::seconds stall_timeout{30};
  std::chrono::milliseconds progress_interval{100};
  ProgressSink* progress = nullptr;  ///< not owned; nullptr = no progress
};

/// Figures of one `fetch` call.
struct FetchStats {
  std::size_t files = 0;             ///< files fetched and verified
  std::uint64_t bytes_received = 0;  ///< bytes that came over the network
  std::uint64_t bytes_resumed = 0;   ///< bytes reused from `.part` files
  std::size_t retries = 0;           ///< attempts beyond the first, all files
  std::size_t resumed = 0;           ///< transfers that resumed with Range
  double seconds = 0;
};

/// Why one file could not be fetched.
struct FetchFailure {
  std::size_t index = 0;  ///< position in the request list
  std::string url;
  long http_status = 0;   ///< last HTTP status; 0 when none was received
  int curl_code = 0;      ///< last CURLcode; 0 when curl succeeded
  int attempts = 0;
  /// "<url>: <what happened>; <what to do>", one line.
  std::string message;
};

/// The outcome of `fetch`: files not in `failures` are at their `dest`.
struct FetchReport {
  FetchStats stats;
  std::vector<FetchFailure> failures;  ///< in request order

  bool ok() const { return failures.empty(); }
  /// All failures as one error: "2 of 40 downloads failed:\n  <message>\n…".
  Error error() const;
};

/// Whether an attempt that ended this way is worth retrying: curl errors
/// of connection, timeout, cut transfer or TLS handshake; HTTP 408, 429,
/// 5xx.
bool is_transient(int curl_code, long http_status);

/// The wait before attempt `attempt` (2 = the first retry).
std::chrono::milliseconds backoff_delay(int attempt, const FetchOptions& options);

/// Runs downloads. Holds one curl multi handle, so connections are reused
/// across `fetch` calls (InRelease, then Packages, then .debs).
class Fetcher {
 public:
  explicit Fetcher(FetchOptions options = {});
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  const FetchOptions& options() const { return options_; }

  /// Downloads every request; returns when each one is done or given up.
  /// One call at a time per Fetcher (use one Fetcher per thread).
  /// Requests are started largest first. Two requests with the same `dest`
  /// are an error for the second.
  FetchReport fetch(std::span<const FetchRequest> requests);

  /// `fetch`, with the failures turned into one Error.
  [[nodiscard]] Result<FetchStats> fetch_all(std::span<const FetchRequest> requests);

 private:
  struct Impl;
  FetchOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::debian
