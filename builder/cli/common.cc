// What every verb shares: reporting an error and finding the repository.
#include <iostream>

#include "base/files.hh"
#include "builder/cli/verbs.hh"
#include "builder/eval/host.hh"

namespace cairn::cli {

void report_error(const std::string& what) { std::cerr << "cairn: error: " << what << std::endl; }

std::string repo_root_or_report() {
  std::string cwd = current_dir();
  std::string root = eval::find_repo_root(cwd);
  if (root.empty())
    report_error("no configuration repository here: neither " + cwd +
                 " nor a parent holds a hosts/ directory; run cairn inside one");
  return root;
}

}  // namespace cairn::cli
