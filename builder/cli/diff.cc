// `cairn diff --host NAME A B [--json]`: what changed from system A to
// system B — packages added, removed and upgraded with versions, the image
// size, changed /etc files and unit definitions. A and B are generation
// numbers of the host, or paths of system directories (a ./result link
// works too).
#include <iostream>

#include <fmt/format.h>

#include "builder/cli/verbs.hh"
#include "builder/debian/store.hh"
#include "builder/generations/diff.hh"
#include "builder/generations/profile.hh"

namespace cairn::cli {

namespace {

struct DiffOptions {
  std::string host;
  std::string store;
  std::string a, b;
  bool json = false;
};

// A generation number or a path → the system directory and a label.
Result<std::pair<std::string, std::string>> locate(const DiffOptions& opts, const std::string& which) {
  if (which.find('/') != std::string::npos || which == "result") return std::pair{which, which};
  if (opts.host.empty()) return fail(fmt::format("`{}` is a generation number; name the host with --host", which));
  auto store_root = debian::Store::default_root(opts.store);
  if (!store_root) return std::unexpected(store_root.error());
  auto profile = generations::Profile::open(*store_root, opts.host);
  if (!profile) return std::unexpected(profile.error());
  auto all = profile->list();
  if (!all) return std::unexpected(all.error());
  for (const generations::Generation& g : *all)
    if (std::to_string(g.number) == which) {
      if (g.system_dir.empty())
        return fail(fmt::format("generation {} of {} points at a system that is gone", which, opts.host));
      return std::pair{g.system_dir, "generation " + which};
    }
  return fail(fmt::format("host {} has no generation {}; `cairn generations --host {}` lists them", opts.host,
                          which, opts.host));
}

int run_diff(const DiffOptions& opts) {
  auto a = locate(opts, opts.a);
  if (!a) return report_error(a.error().message), 1;
  auto b = locate(opts, opts.b);
  if (!b) return report_error(b.error().message), 1;
  auto ma = generations::read_manifest(a->first);
  if (!ma) return report_error(ma.error().message), 1;
  auto mb = generations::read_manifest(b->first);
  if (!mb) return report_error(mb.error().message), 1;
  generations::SystemDiff d = generations::diff_manifests(*ma, *mb);
  if (opts.json) std::cout << generations::diff_to_json(d).dump(2) << std::endl;
  else std::cout << generations::format_diff(d, a->second, b->second) << std::flush;
  return 0;
}

}  // namespace

void register_diff(CLI::App& app, VerbResult& run) {
  auto opts = std::make_shared<DiffOptions>();
  CLI::App* cmd = app.add_subcommand("diff", "Show what changed between two generations or systems");
  cmd->add_option("--host", opts->host, "The host whose generation numbers A and B are")->type_name("NAME");
  cmd->add_option("--store", opts->store, "The store (default: $XDG_CACHE_HOME/cairn)")->type_name("DIR");
  cmd->add_option("A", opts->a, "The older side: a generation number or a system directory")->required();
  cmd->add_option("B", opts->b, "The newer side: a generation number or a system directory")->required();
  cmd->add_flag("--json", opts->json, "Print JSON");
  cmd->callback([opts, &run] { run = [opts] { return run_diff(*opts); }; });
}

}  // namespace cairn::cli
