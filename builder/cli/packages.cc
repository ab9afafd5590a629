#include "builder/cli/packages.hh"

#include <unistd.h>

#include <fmt/format.h>

#include "builder/cli/repo_config.hh"
#include "builder/debian/apt_sources.hh"
#include "builder/debian/fetch_progress.hh"
#include "builder/debian/fetcher.hh"
#include "builder/debian/unpack.hh"

namespace cairn::cli {

using namespace lang;

namespace {

Value& attr(EvalState& state, Value& set, std::string_view name) {
  state.force_attrs(set, {});
  const Attr* a = set.attrs->find(state.symbols.intern(name));
  if (!a) throw EvalError(fmt::format("the closure lacks `{}'", name));
  state.force(*a->value, a->pos);
  return *a->value;
}

std::vector<std::string> strings(EvalState& state, Value& list) {
  std::vector<std::string> out;
  state.force_list(list, {});
  for (size_t i = 0; i < list.list.size; ++i) out.emplace_back(state.force_string(*list.list.elems[i], {}));
  return out;
}

}  // namespace

Value& closure_value(EvalState& state, Value& config) { return attr(state, attr(state, config, "system"), "closure"); }

HostRequest host_request(EvalState& state, Value& config) {
  Value& closure = closure_value(state, config);
  Value& packages = attr(state, closure, "packages");
  HostRequest r;
  r.config.suite = std::string(state.force_string(attr(state, packages, "suite"), {}));
  r.config.architecture = std::string(state.force_string(attr(state, closure, "architecture"), {}));
  std::string base(state.force_string(attr(state, packages, "base"), {}));
  auto b = debian::parse_base_set(base);
  if (!b) throw EvalError(fmt::format("packages.base `{}' is not one of essential, required", base));
  r.config.base = *b;
  r.config.recommends = state.force_bool(attr(state, packages, "recommends"), {});
  r.config.requested = strings(state, attr(state, packages, "requested"));
  r.components = strings(state, attr(state, packages, "components"));
  return r;
}

Result<debian::RepositorySettings> repository_settings(EvalState& state, const std::string& repo_root,
                                                       const HostRequest& request) {
  debian::RepositorySettings s;
  s.suite = request.config.suite;
  s.components = request.components;
  s.architecture = request.config.architecture;
  RepoConfig rc = read_repo_config(state, repo_root);
  if (rc.mirror) {
    s.mirror = *rc.mirror;
    while (!s.mirror.empty() && s.mirror.back() == '/') s.mirror.pop_back();
  } else {
    auto choice = debian::apt_mirror(s.suite);
    if (!choice) return std::unexpected(choice.error());
    s.mirror = choice->uri;
    s.keyrings = choice->keyrings;
  }
  if (!rc.keyrings.empty()) s.keyrings = rc.keyrings;
  return s;
}

LockedUniverse::LockedUniverse(EvalState& state, std::string repo_root, std::string store_option)
    : state_(state), root_(std::move(repo_root)), store_option_(std::move(store_option)) {}

debian::Universe* LockedUniverse::universe(const std::string& suite, const std::string& arch) {
  std::string key = debian::index_key(suite, arch);
  if (auto it = loaded_.find(key); it != loaded_.end()) return it->second.get();
  std::unique_ptr<debian::Universe>& slot = loaded_[key];
  if (!lock_read_) {
    lock_read_ = true;
    if (::access(lock_path(root_).c_str(), F_OK) == 0)
      if (auto l = debian::read_lock_file(lock_path(root_))) lock_ = std::move(*l);
  }
  if (!lock_) return nullptr;
  auto pinned = lock_->indexes.find(key);
  if (pinned == lock_->indexes.end()) return nullptr;
  auto root = debian::Store::default_root(store_option_);
  if (!root) return nullptr;
  auto store = debian::Store::open(*root);
  if (!store) return nullptr;
  // Which components: the ones whose Packages the store holds for this
  // InRelease; main is always there. Missing pieces mean "no index": the
  // stand-in accepts every name, and `cairn lock` reports what is wrong.
  debian::RepositorySettings settings;
  settings.suite = suite;
  settings.architecture = arch;
  settings.components = {"main"};
  auto index = debian::load_locked_index(settings, *store, pinned->second.in_release_sha256);
  if (!index) return nullptr;
  for (const char* extra : {"contrib", "non-free", "non-free-firmware"}) {
    debian::RepositorySettings more = settings;
    more.components = {extra};
    if (auto i = debian::load_locked_index(more, *store, pinned->second.in_release_sha256))
      index->packages.insert(index->packages.end(), i->packages.begin(), i->packages.end());
  }
  debian::UniverseOptions opts;
  opts.architecture = arch;
  opts.suite = suite;
  opts.cache_dir = *root + "/solv";
  auto u = debian::Universe::load(index->packages, opts);
  if (!u) return nullptr;
  slot = std::make_unique<debian::Universe>(std::move(*u));
  return slot.get();
}

bool LockedUniverse::has_index(const std::string& suite, const std::string& arch) {
  return universe(suite, arch) != nullptr;
}

bool LockedUniverse::contains(const std::string& suite, const std::string& arch, std::string_view name) {
  debian::Universe* u = universe(suite, arch);
  return !u || u->contains(name);
}

std::vector<std::string> LockedUniverse::close_names(const std::string& suite, const std::string& arch,
                                                     std::string_view name) {
  debian::Universe* u = universe(suite, arch);
  return u ? u->close_names(name, 3) : std::vector<std::string>{};
}

Result<EnsureStats> ensure_packages(const debian::Store& store, const std::vector<WantedPackage>& wanted,
                                    bool unpack) {
  EnsureStats stats;
  std::vector<debian::StoreFetch> missing;
  for (const WantedPackage& w : wanted)
    if (!store.has(w.package.sha256)) missing.push_back({w.package.sha256, w.url, w.package.size});
  if (!missing.empty()) {
    std::unique_ptr<debian::ProgressSink> progress;
    debian::FetchOptions fo;
    if (::isatty(2)) {
      progress = debian::terminal_progress();
      fo.progress = progress.get();
    }
    debian::Fetcher fetcher(fo);
    auto r = store.ensure_all(missing, fetcher);
    if (!r) return std::unexpected(r.error());
    stats.fetched = r->files;
    stats.bytes = r->bytes_received;
  }
  if (!unpack) return stats;
  std::vector<debian::UnpackRequest> requests;
  std::vector<const debian::ResolvedPackage*> of_request;
  for (const WantedPackage& w : wanted) {
    const debian::ResolvedPackage& p = w.package;
    std::string dest = store.pkg_path(p.sha256, p.name, p.version, p.architecture);
    if (::access(dest.c_str(), F_OK) != 0) {
      requests.push_back({store.path_for(p.sha256), dest});
      of_request.push_back(&p);
    }
  }
  std::string errors;
  auto results = debian::unpack_all(requests, 0);
  for (size_t i = 0; i < results.size(); ++i)
    if (!results[i]) {
      const debian::ResolvedPackage& p = *of_request[i];
      errors += fmt::format("{}{} {} ({}): {}", errors.empty() ? "" : "\n", p.name, p.version, p.architecture,
                            results[i].error().message);
    }
  if (!errors.empty()) return fail(errors);
  stats.unpacked = requests.size();
  return stats;
}

}  // namespace cairn::cli
