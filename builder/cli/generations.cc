// `cairn generations --host NAME [--json] [--store DIR]`: the host's
// generations built on this machine — number, date, closure hash, kernel,
// package count — with the current one marked.
#include <ctime>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "builder/cli/verbs.hh"
#include "builder/debian/store.hh"
#include "builder/generations/manifest.hh"
#include "builder/generations/profile.hh"

namespace cairn::cli {

namespace {

struct GenerationsOptions {
  std::string host;
  std::string store;
  bool json = false;
};

std::string local_time(int64_t t) {
  std::time_t tt = t;
  std::tm tm{};
  ::localtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

int run_generations(const GenerationsOptions& opts) {
  auto store_root = debian::Store::default_root(opts.store);
  if (!store_root) return report_error(store_root.error().message), 1;
  auto profile = generations::Profile::open(*store_root, opts.host);
  if (!profile) return report_error(profile.error().message), 1;
  auto all = profile->list();
  if (!all) return report_error(all.error().message), 1;
  nlohmann::json out = nlohmann::json::array();
  std::string table = fmt::format("{:>10}  {:16}  {:12}  {:16}  {:>8}\n", "generation", "date", "closure",
                                  "kernel", "packages");
  for (const generations::Generation& g : *all) {
    std::optional<generations::Manifest> m;
    if (!g.system_dir.empty())
      if (auto r = generations::read_manifest(g.system_dir)) m = std::move(*r);
    std::string closure = m ? m->closure_hash.substr(0, 12) : "(missing)";
    std::string kernel = m ? m->kernel.version : "";
    size_t packages = m ? m->packages.size() : 0;
    table += fmt::format("{:>10}  {:16}  {:12}  {:16}  {:>8}{}\n", g.number, local_time(g.created), closure,
                         kernel, packages, g.current ? "  (current)" : "");
    out.push_back({{"generation", g.number},
                   {"created", g.created},
                   {"current", g.current},
                   {"system", g.system_dir},
                   {"closureHash", m ? m->closure_hash : ""},
                   {"kernel", kernel},
                   {"packages", packages},
                   {"imageSize", m ? m->image.size : 0}});
  }
  if (opts.json) {
    std::cout << out.dump(2) << std::endl;
  } else if (all->empty()) {
    std::cerr << fmt::format("cairn: host {} has no generations in {}; `cairn build --host {}` makes one",
                             opts.host, *store_root, opts.host)
              << std::endl;
  } else {
    std::cout << table << std::flush;
  }
  return 0;
}

}  // namespace

void register_generations(CLI::App& app, VerbResult& run) {
  auto opts = std::make_shared<GenerationsOptions>();
  CLI::App* cmd = app.add_subcommand("generations", "List a host's generations built on this machine");
  cmd->add_option("--host", opts->host, "The host (a directory under hosts/)")->required()->type_name("NAME");
  cmd->add_option("--store", opts->store, "The store (default: $XDG_CACHE_HOME/cairn)")->type_name("DIR");
  cmd->add_flag("--json", opts->json, "Print JSON");
  cmd->callback([opts, &run] { run = [opts] { return run_generations(*opts); }; });
}

}  // namespace cairn::cli
