// Running external programs: by name, with arguments, never through a shell.
//
// cairn calls a few tools it does not reimplement — gpgv to check InRelease
// signatures, mksquashfs to pack images. They are found on PATH at call time,
// so a test can put a stand-in first on PATH (STYLE.md §10). Arguments go to
// the program exactly as given: there is no shell, so nothing is split,
// globbed or expanded.
//
// `run` feeds optional standard input and collects standard output and
// standard error at the same time (one poll loop), so a program that writes
// more than a pipe holds before reading all its input cannot deadlock. It
// returns an error only when the program could not be run at all; how it
// ended (exit status or signal) is part of the result, for the caller to
// judge and to word in its own error.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"

namespace cairn {

/// How to run a program.
struct RunOptions {
  /// Bytes written to the program's standard input, which is closed after
  /// them. `std::nullopt` connects standard input to /dev/null. The caller
  /// owns the bytes; they must outlive the call.
  std::optional<std::string_view> stdin_data;
  /// Changes to the inherited environment, applied in order: "NAME=value"
  /// sets NAME, a bare "NAME" removes it. A PATH set here is also the one
  /// the program is looked up in.
  std::vector<std::string> env;
  /// Working directory of the program; empty keeps the caller's.
  std::string cwd;
  /// Called with each piece of output as it arrives (fd 1: standard
  /// output, 2: standard error), besides its being collected in the
  /// result: for passing a long-running program's output on live.
  std::function<void(int fd, std::string_view piece)> on_output;
};

/// How a program ended and what it wrote.
struct RunResult {
  /// The exit status when it exited; -1 when a signal ended it.
  int exit_status = 0;
  /// The signal that ended it; 0 when it exited.
  int signal = 0;
  /// Everything it wrote to standard output.
  std::string out;
  /// Everything it wrote to standard error.
  std::string err;

  /// True when it exited with status 0.
  [[nodiscard]] bool success() const { return signal == 0 && exit_status == 0; }
  /// How it ended, for messages: "exited with status 2", "was killed by
  /// signal 9 (Killed)".
  [[nodiscard]] std::string describe() const;
};

/// A program's standard error for a message: its non-empty lines joined
/// with "; ", trailing blanks dropped, only the last `max_bytes` kept.
std::string quote_stderr(std::string_view err, size_t max_bytes = 4000);

/// Finds `name` the way execvp does: a name containing '/' is taken as a
/// path; otherwise the first executable regular file `DIR/name` for DIR in
/// `path` (colon-separated; empty elements are skipped, never meaning the
/// current directory). `path` defaults to $PATH, or "/usr/local/bin:/usr/bin:/bin"
/// when that is unset. Errors: "gpgv: not found on PATH (/usr/bin:/bin)",
/// "./x: not an executable file".
[[nodiscard]] Result<std::string> find_program(std::string_view name,
                                               std::optional<std::string_view> path = std::nullopt);

/// Runs `program` (looked up with `find_program`) with `args` (argv[1..]),
/// waits for it and returns how it ended and its output. Errors only when
/// it could not be started or talked to ("cannot run gpgv: not found on
/// PATH (…)"); a non-zero exit is not an error here. The program gets no
/// file descriptors of the caller's beyond 0, 1 and 2, and the default
/// disposition and an empty mask for all signals.
[[nodiscard]] Result<RunResult> run(std::string_view program, const std::vector<std::string>& args,
                                    const RunOptions& options = {});

}  // namespace cairn
