// Download progress: the snapshot a fetch reports and the one-line
// terminal display (files, bytes, rate, ETA) cairn shows on stderr when it
// is a terminal. Behind a small interface so tests can observe progress.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace cairn::debian {

/// A snapshot of a running fetch, handed to a ProgressSink.
struct FetchProgress {
  std::size_t files_total = 0;
  std::size_t files_done = 0;    ///< finished and verified
  std::size_t files_failed = 0;  ///< given up on
  std::size_t active = 0;        ///< transfers running now
  /// Sum of the known sizes (requests' `size`, else Content-Length once
  /// the server sent it); 0 when nothing is known.
  std::uint64_t bytes_total = 0;
  /// Bytes of finished files plus bytes received so far (including the
  /// resumed prefix of `.part` files).
  std::uint64_t bytes_done = 0;
  double bytes_per_second = 0;  ///< over the last few seconds
  double eta_seconds = -1;      ///< < 0 when unknown
  double elapsed_seconds = 0;
};

/// Receives progress. Called on the fetching thread, at most every
/// `FetchOptions::progress_interval`, then once with `finish`.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void update(const FetchProgress& progress) = 0;
  virtual void finish(const FetchProgress& progress) = 0;
};

/// The progress line: "3/40 files  12.5/80.0 MiB  9.8 MiB/s  ETA 0:07".
/// Parts that are unknown (total, ETA) are left out.
std::string format_progress_line(const FetchProgress& progress);

/// "1.5 KiB", "12.0 MiB", "312 B" — binary units, one decimal.
std::string format_bytes(std::uint64_t bytes);

/// A sink that redraws one line on `fd` ("\r" + line + erase to end of
/// line) and, on finish, replaces it with a summary ("fetched 40 files,
/// 80.0 MiB in 8.2 s (9.8 MiB/s)") or clears it when nothing was fetched.
std::unique_ptr<ProgressSink> line_progress(int fd);

/// `line_progress(2)` when stderr is a terminal, else nullptr (quiet).
std::unique_ptr<ProgressSink> terminal_progress();

}  // namespace cairn::debian
