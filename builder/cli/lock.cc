// `cairn lock [--host NAME | --all] [--update] [--check] [--store DIR]`:
// resolve hosts against Debian's archive and pin the result in cairn.lock.
//
// Per (suite, architecture) the lock pins the InRelease by hash; per host,
// every package with version, file name, size and sha256. Without
// --update, an index the lock already pins is reused from the store (no
// network); --update fetches the archive's current InRelease first.
// --check changes nothing and reports drift between config and lock.
//
// `cairn why --host NAME PKG` prints why PKG is in the host's closure.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "builder/cli/packages.hh"
#include "builder/cli/verbs.hh"
#include "builder/debian/fetcher.hh"
#include "builder/debian/resolver.hh"

namespace cairn::cli {

namespace {

struct LockOptions {
  std::vector<std::string> hosts;
  bool all = false;
  bool update = false;
  bool check = false;
  std::string store;
  std::string why;  ///< for `cairn why`: the package
  std::string why_host;
};

std::vector<std::string> all_hosts(const std::string& root) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(root + "/hosts", ec))
    if (e.is_directory() && std::filesystem::exists(e.path() / "default.nix")) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

// Resolves one host; `index_for` gives the index of its suite/arch.
struct Locker {
  LockOptions opts;
  std::string root;
  debian::LockFile lock;
  std::optional<debian::Store> store;
  std::unique_ptr<debian::ProgressSink> progress;
  std::optional<debian::Fetcher> fetcher;
  std::map<std::string, debian::Index> indexes;  ///< by suite/arch and components

  Result<debian::Index*> index_for(const debian::RepositorySettings& settings) {
    std::string key = debian::index_key(settings.suite, settings.architecture);
    // Hosts of one suite and architecture may want different components
    // (the desktop non-free-firmware, the vm main only): one index each.
    std::string loaded_key = key;
    for (const std::string& c : settings.components) loaded_key += " " + c;
    if (auto it = indexes.find(loaded_key); it != indexes.end()) return &it->second;
    Result<debian::Index> index = fail("");
    auto pinned = lock.indexes.find(key);
    if (!opts.update && pinned != lock.indexes.end()) {
      index = debian::load_locked_index(settings, *store, pinned->second.in_release_sha256);
      if (!index) {
        // The store lacks what the lock pins: fetch that exact index.
        index = debian::update_index(settings, *store, *fetcher);
        if (index && index->release.inrelease_sha256 != pinned->second.in_release_sha256)
          return fail(fmt::format("cairn.lock pins InRelease {} for {}, but the archive now serves {} and the "
                                  "store has no copy of the pinned one; run `cairn lock --update` to move to "
                                  "the current index",
                                  pinned->second.in_release_sha256.substr(0, 12), key,
                                  index->release.inrelease_sha256.substr(0, 12)));
      }
    } else {
      index = debian::update_index(settings, *store, *fetcher);
    }
    if (!index) return std::unexpected(index.error().context("index of " + key));
    lock.indexes[key] = debian::LockedIndex{index->release.inrelease_sha256, index->release.date};
    return &(indexes[loaded_key] = std::move(*index));
  }
};

int run_lock(const LockOptions& opts) {
  using namespace lang;
  Locker l;
  l.opts = opts;
  l.root = repo_root_or_report();
  if (l.root.empty()) return 1;
  if (::access(lock_path(l.root).c_str(), F_OK) == 0) {
    auto existing = debian::read_lock_file(lock_path(l.root));
    if (!existing) {
      report_error(existing.error().message);
      return 1;
    }
    l.lock = std::move(*existing);
  }
  std::vector<std::string> hosts = opts.hosts;
  if (opts.all || hosts.empty()) hosts = all_hosts(l.root);
  if (!opts.why.empty() && hosts.size() != 1) {
    report_error("cairn why needs exactly one --host");
    return 1;
  }

  auto store_root = debian::Store::default_root(opts.store);
  if (!store_root) {
    report_error(store_root.error().message);
    return 1;
  }
  auto store = debian::Store::open(*store_root);
  if (!store) {
    report_error(store.error().message);
    return 1;
  }
  l.store.emplace(std::move(*store));
  debian::FetchOptions fo;
  if (::isatty(2)) {
    l.progress = debian::terminal_progress();
    fo.progress = l.progress.get();
  }
  l.fetcher.emplace(fo);

  int status = 0;
  for (const std::string& host : hosts) {
    EvalSettings settings;
    settings.allow_environment = false;
    EvalState state(settings);
    try {
      eval::EvaluatedHost h = eval::evaluate_host(state, {l.root, host, eval::default_stdlib_dir()});
      eval::check_assertions(state, *h.config);
      HostRequest request = host_request(state, *h.config);
      if (opts.check) {
        for (const std::string& d : debian::lock_drift(l.lock, host, request.config)) {
          std::cout << host << ": " << d << '\n';
          status = 1;
        }
        continue;
      }
      auto settings_r = repository_settings(state, l.root, request);
      if (!settings_r) {
        report_error(settings_r.error().message);
        return 1;
      }
      auto index = l.index_for(*settings_r);
      if (!index) {
        report_error(index.error().message);
        return 1;
      }
      debian::UniverseOptions uo;
      uo.architecture = request.config.architecture;
      uo.suite = request.config.suite;
      uo.cache_dir = *store_root + "/solv";
      auto universe = debian::Universe::load((*index)->packages, uo);
      if (!universe) {
        report_error(universe.error().message);
        return 1;
      }
      debian::ResolveRequest rr{request.config.requested, request.config.base, request.config.recommends};
      auto resolution = universe->resolve(rr);
      if (!resolution) {
        report_error(fmt::format("host {}: {}", host, resolution.error().message));
        return 1;
      }
      if (!opts.why.empty()) {
        if (!resolution->find(opts.why)) {
          report_error(fmt::format("`{}' is not in the closure of host {}", opts.why, host));
          return 1;
        }
        for (const std::string& line : resolution->why(opts.why)) std::cout << line << '\n';
        return 0;
      }
      l.lock.hosts[host] = debian::make_locked_host(request.config, *resolution);
      std::cerr << fmt::format("cairn: {}: {} packages from {} {}/{}", host, resolution->packages.size(),
                               settings_r->mirror.substr(0, settings_r->mirror.find('/', 8)) + "/…",
                               request.config.suite, request.config.architecture)
                << std::endl;
    } catch (const EvalError& e) {
      std::cerr << format_error(e, state.positions) << std::endl;
      return 1;
    }
  }
  if (opts.check) {
    if (status == 0) std::cerr << "cairn: cairn.lock matches the configuration" << std::endl;
    return status;
  }
  if (auto w = debian::write_lock_file(lock_path(l.root), l.lock); !w) {
    report_error(w.error().message);
    return 1;
  }
  return 0;
}

}  // namespace

void register_lock(CLI::App& app, VerbResult& run) {
  auto opts = std::make_shared<LockOptions>();
  CLI::App* cmd = app.add_subcommand("lock", "Resolve hosts against Debian's archive and pin them in cairn.lock");
  cmd->add_option("--host", opts->hosts, "Lock this host (repeatable; default: all)")->type_name("NAME");
  cmd->add_flag("--all", opts->all, "Lock every host under hosts/");
  cmd->add_flag("--update", opts->update, "Fetch the archive's current index instead of the pinned one");
  cmd->add_flag("--check", opts->check, "Report drift between configuration and lock; change nothing");
  cmd->add_option("--store", opts->store, "The package store (default: $XDG_CACHE_HOME/cairn)")->type_name("DIR");
  cmd->callback([opts, &run] { run = [opts] { return run_lock(*opts); }; });

  auto why = std::make_shared<LockOptions>();
  CLI::App* w = app.add_subcommand("why", "Print why a package is in a host's closure");
  w->add_option("--host", why->why_host, "The host")->type_name("NAME")->required();
  w->add_option("package", why->why, "The package")->type_name("PKG")->required();
  w->add_option("--store", why->store, "The package store (default: $XDG_CACHE_HOME/cairn)")->type_name("DIR");
  w->callback([why, &run] {
    why->hosts = {why->why_host};
    run = [why] { return run_lock(*why); };
  });
}

}  // namespace cairn::cli
