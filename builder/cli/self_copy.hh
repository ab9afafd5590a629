// The builder as it goes into an image (programs.cairn.enable): the running
// `cairn` executable, without its debug information.
//
// A development build (meson's debugoptimized) is about 120 MiB, nearly all
// of it DWARF; the machine needs only the code (about 8 MiB). The stripped
// copy is made once per executable, with `strip` from binutils, and kept in
// the store's derived/ cache by the executable's hash, so rebuilds reuse it
// and the image stays reproducible. Where there is no `strip` (on a cairn
// machine rebuilding itself, whose /usr/bin/cairn is stripped already) the
// executable is taken as it is.
//
// The module library the builder evaluates every host with goes along, at
// /usr/share/cairn/modules, where an installed cairn finds it
// (eval::default_stdlib_dir), so the machine evaluates its host with the
// same library as the build that made it.
#pragma once

#include <string>
#include <vector>

#include "base/error.hh"
#include "builder/compose/compose.hh"

namespace cairn::cli {

/// The file to install as /usr/bin/cairn for the executable `exe` whose
/// sha256 is `sha256`: <cache_dir>/cairn-<sha256> (made now if missing:
/// written under a temporary name, renamed), or `exe` itself when `strip`
/// is not on PATH. Errors: strip's failure, with its message.
[[nodiscard]] Result<std::string> builder_for_image(const std::string& exe, const std::string& sha256,
                                                    const std::string& cache_dir);

/// Where the module library goes in an image.
inline constexpr std::string_view kStdlibInImage = "usr/share/cairn/modules";

/// The module library's files, for an image.
struct StdlibFiles {
  std::vector<compose::ExtraFile> files;  ///< every regular file under the library, by path, mode 0644
  std::string sha256;                     ///< one digest of their paths and contents
};

/// Lists the files under `stdlib_dir` (symbolic links and other special
/// files are skipped) as files under kStdlibInImage. Errors: a directory or
/// file that cannot be read.
[[nodiscard]] Result<StdlibFiles> stdlib_for_image(const std::string& stdlib_dir);

}  // namespace cairn::cli
