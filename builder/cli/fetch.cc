// `cairn fetch [--host NAME | --all] [--store DIR] [--no-unpack]`: bring
// every package cairn.lock pins for the hosts into the store — downloaded
// in parallel by their locked file names, checked against the locked size
// and sha256 — and unpack each once into store/pkgs/. Never resolves and
// never touches the network for what the store already holds.
#include <unistd.h>

#include <iostream>
#include <set>

#include <fmt/format.h>

#include "builder/cli/packages.hh"
#include "builder/cli/verbs.hh"
#include "builder/debian/fetch_progress.hh"

namespace cairn::cli {

namespace {

struct FetchOptions {
  std::vector<std::string> hosts;
  std::string store;
  bool no_unpack = false;
};

int run_fetch(const FetchOptions& opts) {
  std::string root = repo_root_or_report();
  if (root.empty()) return 1;
  auto lock = debian::read_lock_file(lock_path(root));
  if (!lock) {
    report_error(lock.error().message + " (run `cairn lock` first)");
    return 1;
  }
  auto store_root = debian::Store::default_root(opts.store);
  if (!store_root) return report_error(store_root.error().message), 1;
  auto store = debian::Store::open(*store_root);
  if (!store) return report_error(store.error().message), 1;

  lang::EvalSettings es;
  es.allow_environment = false;
  lang::EvalState state(es);
  std::vector<WantedPackage> wanted;
  std::set<std::string> seen;
  for (const std::string& h : opts.hosts)
    if (!lock->hosts.count(h)) return report_error("host " + h + " is not in cairn.lock; run `cairn lock --host " + h + "`"), 1;
  for (const auto& [name, host] : lock->hosts) {
    if (!opts.hosts.empty() && std::find(opts.hosts.begin(), opts.hosts.end(), name) == opts.hosts.end()) continue;
    HostRequest request;
    request.config.suite = host.suite;
    request.config.architecture = host.architecture;
    request.components = {"main"};
    auto settings = repository_settings(state, root, request);
    if (!settings) return report_error(settings.error().message), 1;
    for (const debian::ResolvedPackage& p : host.packages)
      if (seen.insert(p.sha256).second) wanted.push_back({p, settings->mirror + "/" + p.filename});
  }
  auto stats = ensure_packages(*store, wanted, !opts.no_unpack);
  if (!stats) return report_error(stats.error().message), 1;
  if (stats->fetched)
    std::cerr << fmt::format("cairn: fetched {} packages ({})", stats->fetched, debian::format_bytes(stats->bytes))
              << std::endl;
  if (stats->unpacked) std::cerr << fmt::format("cairn: unpacked {} packages", stats->unpacked) << std::endl;
  return 0;
}

}  // namespace

void register_fetch(CLI::App& app, VerbResult& run) {
  auto opts = std::make_shared<FetchOptions>();
  CLI::App* cmd = app.add_subcommand("fetch", "Download and unpack the packages cairn.lock pins into the store");
  cmd->add_option("--host", opts->hosts, "Only this host (repeatable; default: all locked hosts)")->type_name("NAME");
  cmd->add_option("--store", opts->store, "The package store (default: $XDG_CACHE_HOME/cairn)")->type_name("DIR");
  cmd->add_flag("--no-unpack", opts->no_unpack, "Only download");
  cmd->callback([opts, &run] { run = [opts] { return run_fetch(*opts); }; });
}

}  // namespace cairn::cli
