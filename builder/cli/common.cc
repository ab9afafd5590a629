// What every verb shares: reporting an error and finding the repository.
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "base/files.hh"
#include "builder/cli/verbs.hh"
#include "builder/eval/host.hh"

namespace cairn::cli {

void report_error(const std::string& what) { std::cerr << "cairn: error: " << what << std::endl; }

Result<std::string> locate_repository(const std::string& cwd, const std::string& named_file) {
  std::string root = eval::find_repo_root(cwd);
  if (!root.empty()) return root;
  // A machine that rebuilds itself names its configuration, so that
  // `cairn switch` works from anywhere (as nixos-rebuild reads /etc/nixos).
  if (::access(named_file.c_str(), F_OK) == 0) {
    auto text = read_file(named_file);
    if (!text) return std::unexpected(text.error());
    std::string named = *text;
    while (!named.empty() && (named.back() == '\n' || named.back() == ' ')) named.pop_back();
    if (!named.empty() && ::access((named + "/hosts").c_str(), F_OK) == 0) return named;
    return fail(fmt::format("{} names the configuration repository {}, which has no hosts/ directory; clone the "
                            "configuration there or run cairn inside a clone",
                            named_file, named.empty() ? "\"\"" : named));
  }
  return fail(fmt::format("no configuration repository here: neither {} nor a parent holds a hosts/ directory; run "
                          "cairn inside one (or set programs.cairn.repository)",
                          cwd));
}

std::string repo_root_or_report() {
  auto root = locate_repository(current_dir(), std::string(kMachineRepositoryFile));
  if (!root) {
    report_error(root.error().message);
    return "";
  }
  return *root;
}

}  // namespace cairn::cli
