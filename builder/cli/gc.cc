// `cairn gc [--keep N | --older-than D] [--dry-run] [--store DIR]`: remove
// old generations and whatever no generation, ./result link or the
// repository's cairn.lock still needs from the store, and say how much
// space that freed. The current generation of every host always stays.
#include <ctime>
#include <iostream>

#include <fmt/format.h>

#include "builder/cli/packages.hh"
#include "builder/cli/verbs.hh"
#include "builder/debian/store.hh"
#include "builder/eval/host.hh"
#include "builder/generations/diff.hh"
#include "builder/generations/gc.hh"

#include "base/files.hh"

namespace cairn::cli {

namespace {

struct GcOptions {
  std::string store;
  std::optional<uint64_t> keep;
  std::string older_than;
  bool dry_run = false;
};

int run_gc(const GcOptions& opts) {
  auto store_root = debian::Store::default_root(opts.store);
  if (!store_root) return report_error(store_root.error().message), 1;
  generations::GcOptions go;
  go.keep = opts.keep;
  go.now = ::time(nullptr);
  go.dry_run = opts.dry_run;
  if (!opts.older_than.empty()) {
    go.older_than = generations::parse_duration(opts.older_than);
    if (!go.older_than)
      return report_error(fmt::format("--older-than {}: expected a number and a unit (s, m, h, d, w), e.g. 30d",
                                      opts.older_than)),
             1;
  }
  if (go.keep && *go.keep == 0) return report_error("--keep 0: at least the current generation stays; use 1 or more"), 1;
  // Inside a repository, what its cairn.lock pins stays fetched.
  std::string root = eval::find_repo_root(current_dir());
  if (!root.empty())
    if (auto lock = debian::read_lock_file(lock_path(root)))
      for (const auto& [name, host] : lock->hosts)
        for (const debian::ResolvedPackage& p : host.packages) go.keep_packages.insert(p.sha256);
  auto r = generations::collect_garbage(*store_root, go);
  if (!r) return report_error(r.error().message), 1;
  const char* verb = opts.dry_run ? "would remove" : "removed";
  for (const std::string& g : r->generations) std::cerr << fmt::format("cairn: {} generation {}", verb, g) << '\n';
  std::cerr << fmt::format("cairn: {} {} systems, {} unpacked packages, {} .debs; {} {}", verb, r->systems,
                           r->packages, r->debs, generations::format_size(static_cast<int64_t>(r->bytes)),
                           opts.dry_run ? "would be freed" : "freed")
            << std::endl;
  return 0;
}

}  // namespace

void register_gc(CLI::App& app, VerbResult& run) {
  auto opts = std::make_shared<GcOptions>();
  CLI::App* cmd = app.add_subcommand("gc", "Remove old generations and unreferenced store entries");
  cmd->add_option("--store", opts->store, "The store (default: $XDG_CACHE_HOME/cairn)")->type_name("DIR");
  cmd->add_option("--keep", opts->keep, "Keep the newest N generations of each host")->type_name("N");
  cmd->add_option("--older-than", opts->older_than, "Remove generations older than this (30d, 12h, 2w)")
      ->type_name("AGE");
  cmd->add_flag("--dry-run", opts->dry_run, "Only say what would be removed");
  cmd->callback([opts, &run] { run = [opts] { return run_gc(*opts); }; });
}

}  // namespace cairn::cli
