// Errors for system code: a value or an error, never half a result.
//
// System code (files, subprocesses, later the Debian client and the
// activator) returns `Result<T>`; each layer that passes an error upwards adds
// its own context with `Error::context`, so the message a user reads names
// the whole chain ("reading cairn.lock: open: No such file or directory").
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace cairn {

struct Error {
  std::string message;

  /// Returns this error with `what` prepended as context ("what: message").
  [[nodiscard]] Error context(std::string_view what) const {
    return Error{std::string(what) + ": " + message};
  }
};

template <class T>
using Result = std::expected<T, Error>;

/// Shorthand for returning an error: `return fail("bad thing");`.
[[nodiscard]] inline std::unexpected<Error> fail(std::string message) {
  return std::unexpected(Error{std::move(message)});
}

}  // namespace cairn
