// The `cairn` command's verbs. Each verb lives in its own file and registers
// its subcommand (options and the function that runs it) on the app.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "base/error.hh"

namespace cairn::cli {

/// What a verb's callback returns: the process exit status.
using VerbResult = std::function<int()>;

/// Prints "cairn: error: WHAT" on stderr (one report per failure).
void report_error(const std::string& what);

/// The file a machine with programs.cairn.repository names its
/// configuration repository in (one line: a directory).
inline constexpr std::string_view kMachineRepositoryFile = "/etc/cairn/repository";

/// The configuration repository: the working directory or the nearest
/// parent with hosts/, else the directory `named_file` names (when it
/// exists). Errors: "no configuration repository here: neither /x nor a
/// parent holds a hosts/ directory; run cairn inside one (or set
/// programs.cairn.repository)", and one for a named directory without
/// hosts/.
[[nodiscard]] Result<std::string> locate_repository(const std::string& cwd, const std::string& named_file);

/// locate_repository() for the working directory and
/// kMachineRepositoryFile, or "" after reporting the error.
std::string repo_root_or_report();

/// Registers `cairn eval`; sets `run` when it is selected.
void register_eval(CLI::App& app, VerbResult& run);

/// Registers `cairn lock` and `cairn why`.
void register_lock(CLI::App& app, VerbResult& run);

/// Registers `cairn fetch`.
void register_fetch(CLI::App& app, VerbResult& run);

/// Registers `cairn build`.
void register_build(CLI::App& app, VerbResult& run);

/// Registers `cairn image` and `cairn vm`.
void register_image(CLI::App& app, VerbResult& run);
void register_vm(CLI::App& app, VerbResult& run);

/// Registers `cairn flash`.
void register_flash(CLI::App& app, VerbResult& run);

/// Registers `cairn generations`, `cairn diff` and `cairn gc`.
void register_generations(CLI::App& app, VerbResult& run);
void register_diff(CLI::App& app, VerbResult& run);
void register_gc(CLI::App& app, VerbResult& run);

/// Registers `cairn options`.
void register_options(CLI::App& app, VerbResult& run);

/// Registers `cairn switch`, `cairn boot`, `cairn test`, `cairn
/// dry-activate` and `cairn rollback` (switch.hh).
void register_switch(CLI::App& app, VerbResult& run);
void register_boot(CLI::App& app, VerbResult& run);
void register_test(CLI::App& app, VerbResult& run);
void register_dry_activate(CLI::App& app, VerbResult& run);
void register_rollback(CLI::App& app, VerbResult& run);

}  // namespace cairn::cli
