// `cairn build --host NAME`: turn a host into a generation — one
// reproducible squashfs of the whole system plus the kernel that boots it.
//
// The passes: evaluate the host to its closure; check it against cairn.lock
// (a build never resolves); if the current generation was built from the
// same inputs, stop there (a no-op rebuild); otherwise bring the locked
// packages into the store, compose the root tree (builder/compose), pack it
// with mksquashfs, and publish the system directory under the store's
// systems/ as generation N+1 of the host, with ./result pointing at it.
//
// Equal inputs (closure, lock, compose version, generation number) give a
// bit-identical image: every time in it is the locked InRelease's Date,
// ownership comes from the packages' metadata, never from the disk.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/hash.hh"
#include "base/timings.hh"
#include "builder/cli/activator_path.hh"
#include "builder/cli/self_copy.hh"
#include "builder/cli/build.hh"
#include "builder/cli/packages.hh"
#include "builder/cli/verbs.hh"
#include "builder/compose/compose.hh"
#include "builder/debian/fetch_progress.hh"
#include "builder/eval/host.hh"
#include "builder/generations/gc.hh"
#include "builder/generations/manifest.hh"
#include "builder/generations/profile.hh"
#include "builder/lang/error.hh"
#include "images/initramfs.hh"
#include "images/squashfs.hh"

namespace cairn::cli {

namespace {

namespace fs = std::filesystem;


// The host's closure as canonical JSON, and what the lock needs.
struct Evaluated {
  std::string closure_text;
  nlohmann::json closure;
  HostRequest request;
  std::vector<std::string> warnings;
};

Result<Evaluated> evaluate(const std::string& root, const BuildOptions& opts) {
  using namespace lang;
  EvalSettings settings;
  settings.allow_environment = false;
  settings.home = "/homeless-shelter";
  EvalState state(settings);
  try {
    LockedUniverse universe(state, root, opts.store);
    eval::EvaluatedHost host = eval::evaluate_host(state, {root, opts.host, eval::default_stdlib_dir(), &universe});
    Evaluated out;
    out.request = host_request(state, *host.config);
    eval::check_assertions(state, *host.config);
    out.closure_text = eval::closure_json(state, *host.config);
    out.closure = nlohmann::json::parse(out.closure_text);
    out.warnings = eval::host_warnings(state, *host.config);
    return out;
  } catch (const EvalError& e) {
    return fail(format_error(e, state.positions));
  }
}

// "Sat, 10 Jan 2026 10:00:00 UTC" → seconds since the epoch.
std::optional<int64_t> parse_release_date(const std::string& date) {
  std::tm tm{};
  const char* end = ::strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (!end) return std::nullopt;
  return static_cast<int64_t>(::timegm(&tm));
}

// The locked packages as one text, for the lock hash.
std::string locked_text(const debian::LockedHost& host) {
  std::string s = fmt::format("{} {}\n", host.suite, host.architecture);
  for (const debian::ResolvedPackage& p : host.packages)
    s += fmt::format("{} {} {} {}\n", p.name, p.version, p.architecture, p.sha256);
  return s;
}

// A directory in the store's tmp/ removed when this goes (unless kept).
struct TempDir {
  std::string path;
  ~TempDir() {
    if (path.empty()) return;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_directory(ec) && !it->is_symlink(ec)) ::chmod(it->path().c_str(), 0700);
    fs::remove_all(path, ec);
  }
};

class Builder {
 public:
  explicit Builder(const BuildOptions& opts) : opts_(opts), passes_(observer()) {}
  /// Builds (or finds) the host's current generation; errors are the
  /// whole message, an evaluation error already formatted.
  Result<BuiltSystem> build();
  /// Prints the --timings table (when asked).
  void print_timings() {
    passes_.finish();
    if (!opts_.timings) return;
    double total = 0;
    for (const Passes::Timing& t : passes_.timings()) {
      std::cerr << fmt::format("  {:>8.3f} s  {}\n", t.seconds, t.name);
      total += t.seconds;
    }
    std::cerr << fmt::format("  {:>8.3f} s  total\n", total) << std::flush;
  }

 private:
  Passes::Observer observer() {
    if (!::isatty(2)) return {};
    return [](const std::string& name) { std::cerr << "cairn: " << name << "…" << std::endl; };
  }
  static std::unexpected<Error> error(std::string message) { return std::unexpected(Error{std::move(message)}); }
  BuiltSystem done(const generations::Generation& g, generations::Manifest m, bool rebuilt) {
    return BuiltSystem{g, std::move(m), rebuilt};
  }

  const BuildOptions& opts_;
  Passes passes_;
};

Result<BuiltSystem> Builder::build() {
  std::string root = eval::find_repo_root(current_dir());
  if (root.empty())
    return error("no configuration repository here: neither " + current_dir() +
                 " nor a parent holds a hosts/ directory; run cairn inside one");

  passes_.start("evaluating " + opts_.host);
  auto ev = evaluate(root, opts_);
  if (!ev) return std::unexpected(ev.error());
  for (const std::string& w : ev->warnings) std::cerr << "warning: " << w << '\n';

  passes_.start("checking cairn.lock");
  auto lock = debian::read_lock_file(lock_path(root));
  if (!lock) return error(lock.error().message + " (run `cairn lock --host " + opts_.host + "` first)");
  auto locked = lock->hosts.find(opts_.host);
  if (locked == lock->hosts.end())
    return error(fmt::format("host {} is not in cairn.lock; run `cairn lock --host {}`", opts_.host, opts_.host));
  std::vector<std::string> drift = debian::lock_drift(*lock, opts_.host, ev->request.config);
  if (!drift.empty()) {
    std::string list;
    for (const std::string& d : drift) list += "\n  " + d;
    return error(fmt::format("cairn.lock does not match the configuration of {}:{}\nrun `cairn lock --host {}` to "
                             "resolve again",
                             opts_.host, list, opts_.host));
  }
  const debian::LockedHost& host = locked->second;
  auto index = lock->indexes.find(debian::index_key(host.suite, host.architecture));
  std::optional<int64_t> epoch;
  if (index != lock->indexes.end()) epoch = parse_release_date(index->second.date);
  if (!epoch)
    return error(fmt::format("cairn.lock has no usable date for {}/{}; run `cairn lock --host {} --update`",
                             host.suite, host.architecture, opts_.host));

  generations::Manifest m;
  m.host = opts_.host;
  m.name = ev->closure.value("name", opts_.host);
  m.platform = ev->closure.value("platform", "");
  m.architecture = host.architecture;
  m.closure_hash = sha256_hex(ev->closure_text);
  m.lock_hash = sha256_hex(locked_text(host));
  // The activator built for the host's architecture goes into the image and
  // its initramfs: the build machine's own, or a cross-built one.
  auto found = find_activator(host.architecture, ActivatorSearch::from_process());
  if (!found) return error(found.error().message);
  std::string activator = found->path;
  std::string activator_hash = "none";
  if (activator.empty()) {
    std::cerr << "warning: " << found->missing << "; the image will not boot\n";
  } else {
    auto h = sha256_file(activator);
    if (!h) return error(h.error().message);
    activator_hash = *h;
  }
  // programs.cairn: this very builder goes into the image as /usr/bin/cairn,
  // when it can run there.
  std::string builder;
  std::string builder_exe_hash;
  std::string builder_hash;  ///< of the executable and the module library
  StdlibFiles stdlib;
  if (ev->closure.value("builder", false)) {
    ActivatorSearch self = ActivatorSearch::from_process();
    if (host.architecture != self.build_architecture) {
      std::cerr << "warning: programs.cairn.enable: this cairn is for " << self.build_architecture << ", not "
                << host.architecture << "; the image will have no /usr/bin/cairn\n";
    } else {
      auto h = sha256_file(self.self);
      if (!h) return error(h.error().message);
      auto lib = stdlib_for_image(eval::default_stdlib_dir());
      if (!lib) return error(lib.error().message);
      builder = self.self;
      builder_exe_hash = *h;
      builder_hash = sha256_hex(*h + " " + lib->sha256);
      stdlib = std::move(*lib);
    }
  }
  m.inputs_hash = sha256_hex(fmt::format("{}\n{}\ncompose {}\nactivator {}\n{}", m.closure_hash, m.lock_hash,
                                         generations::kComposeVersion, activator_hash,
                                         builder.empty() ? "" : "builder " + builder_hash + "\n"));
  m.source_date_epoch = *epoch;
  m.boot = ev->closure.value("boot", nlohmann::json::object());
  if (const nlohmann::json persist = ev->closure.value("persist", nlohmann::json::object()); persist.is_object()) {
    m.persist.files = persist.value("files", std::vector<std::string>{});
    m.persist.directories = persist.value("directories", std::vector<std::string>{});
  }
  m.build_inputs = {{"cairn", CAIRN_VERSION}, {"suite", host.suite}, {"release-date", index->second.date},
                    {"in-release", index->second.in_release_sha256}, {"activator", activator_hash}};
  if (!builder.empty()) m.build_inputs["builder"] = builder_hash;
  for (const debian::ResolvedPackage& p : host.packages)
    m.packages.push_back({p.name, p.version, p.architecture, p.sha256, p.size});

  auto store_root = debian::Store::default_root(opts_.store);
  if (!store_root) return error(store_root.error().message);
  auto store = debian::Store::open(*store_root);
  if (!store) return error(store.error().message);
  auto use = generations::StoreUse::shared(*store_root);
  if (!use) return error(use.error().message);
  auto profile = generations::Profile::open(*store_root, opts_.host);
  if (!profile) return error(profile.error().message);

  // A no-op rebuild: the current generation was built from these inputs.
  auto current = profile->current();
  if (!current) return error(current.error().message);
  if (*current && !(*current)->system_dir.empty() && !opts_.explain_scripts) {
    auto cm = generations::read_manifest((*current)->system_dir);
    if (cm && cm->inputs_hash == m.inputs_hash) return done(**current, *cm, false);
  }

  passes_.start("fetching packages");
  HostRequest request = ev->request;
  lang::EvalSettings es;
  es.allow_environment = false;
  lang::EvalState state(es);
  // The mirror is asked for only when the store lacks a package: a machine
  // rebuilding itself from its own store needs no apt sources or network.
  std::vector<WantedPackage> wanted;
  bool all_there =
      std::ranges::all_of(host.packages, [&](const debian::ResolvedPackage& p) { return store->has(p.sha256); });
  std::string mirror;
  if (!all_there) {
    auto settings = repository_settings(state, root, request);
    if (!settings)
      return error(settings.error().message + " (the store " + *store_root +
                   " does not hold every locked package, so they must be fetched)");
    mirror = settings->mirror;
  }
  for (const debian::ResolvedPackage& p : host.packages) wanted.push_back({p, mirror + "/" + p.filename});
  auto fetched = ensure_packages(*store, wanted);
  if (!fetched) return error(fetched.error().message);

  auto number = profile->next_number();
  if (!number) return error(number.error().message);
  m.generation = std::max(*number, opts_.first_number);
  std::string key = sha256_hex(fmt::format("{}\ngeneration {}\n", m.inputs_hash, m.generation)).substr(0, 32);
  std::string system_dir = fmt::format("{}/systems/{}-{}", *store_root, key, opts_.host);

  if (!fs::exists(system_dir + "/manifest.json")) {
    TempDir work;
    std::string tmpl = store->tmp_dir() + "/build-XXXXXX";
    if (!::mkdtemp(tmpl.data())) return error(fmt::format("creating a build directory in {}: {}", store->tmp_dir(), std::strerror(errno)));
    work.path = tmpl;
    std::string staging = work.path + "/root";
    std::string out = work.path + "/system";
    fs::create_directories(out);

    compose::ComposeInput input;
    input.closure = &ev->closure;
    input.generation = m.generation;
    input.staging = staging;
    input.cache_dir = *store_root + "/derived";
    if (!activator.empty()) input.extra_files.push_back({"usr/lib/cairn/cairn-activate", activator, 0755});
    if (!builder.empty()) {
      auto copy = builder_for_image(builder, builder_exe_hash, *store_root + "/derived");
      if (!copy) return error(copy.error().message);
      input.extra_files.push_back({"usr/bin/cairn", *copy, 0755});
      input.extra_files.insert(input.extra_files.end(), stdlib.files.begin(), stdlib.files.end());
    }
    for (const debian::ResolvedPackage& p : host.packages)
      input.packages.push_back({p.name, store->pkg_path(p.sha256, p.name, p.version, p.architecture)});
    std::string previous_dir = opts_.previous_system;
    if (previous_dir.empty() || !fs::exists(previous_dir + "/manifest.json"))
      previous_dir = *current ? (*current)->system_dir : "";
    if (!previous_dir.empty())
      if (auto previous = generations::read_manifest(previous_dir)) {
        input.previous.uids = previous->uids;
        input.previous.gids = previous->gids;
      }
    auto sys = compose::compose_system(input, passes_);
    if (!sys) return error(sys.error().message);
    for (const std::string& w : sys->warnings) std::cerr << "warning: " << w << '\n';
    if (opts_.explain_scripts) std::cout << compose::explain(sys->scripts) << std::flush;

    passes_.start("packing the image");
    images::SquashfsOptions so;
    so.epoch = m.source_date_epoch;
    auto image = images::make_squashfs(staging, compose::pseudo_entries(sys->tree), out + "/system.squashfs", so);
    if (!image) return error(image.error().message);
    m.image = {"system.squashfs", image->sha256, image->size};

    passes_.start("writing the manifest");
    if (!sys->kernel_version.empty()) {
      const compose::Node* k = sys->tree.find(sys->kernel_path);
      if (!k || k->source.empty()) return error("the kernel image " + sys->kernel_path + " is not a packaged file");
      std::error_code ec;
      if (::link(k->source.c_str(), (out + "/kernel").c_str()) != 0) fs::copy_file(k->source, out + "/kernel", ec);
      if (ec) return error(fmt::format("copying the kernel {}: {}", k->source, ec.message()));
      std::string modules;
      for (const std::string& mod : sys->initrd_modules) modules += mod + "\n";
      if (auto r = write_file_atomic(out + "/initrd-modules", modules); !r) return error(r.error().message);
    }
    std::string initrd;
    if (!sys->kernel_version.empty() && !activator.empty()) {
      passes_.start("making the initramfs");
      auto entries = images::activator_initramfs(staging, activator, sys->initrd_modules, sys->kernel_version,
                                                 ev->closure["kernel"].value("rescueShell", false));
      if (!entries) return error(entries.error().message);
      images::InitramfsOptions io;
      io.zstd_level = 9;  // 0.7 s; 19 saves 1 MB and takes 20 s (images/initramfs.hh)
      auto written = images::write_initramfs(*entries, out + "/initrd", io);
      if (!written) return error(written.error().message);
      initrd = "initrd";
    }
    m.kernel = {sys->kernel_version, sys->kernel_package, sys->kernel_version.empty() ? "" : "kernel", initrd,
                ev->closure["kernel"].value("params", std::vector<std::string>{})};
    m.initrd_modules = sys->initrd_modules;
    auto etc = compose::etc_digests(sys->tree);
    if (!etc) return error(etc.error().message);
    m.etc = std::move(*etc);
    auto units = compose::unit_digests(sys->tree);
    if (!units) return error(units.error().message);
    m.units = std::move(*units);
    m.uids = sys->users.uids;
    m.gids = sys->users.gids;
    m.alternatives = sys->alternatives;
    if (auto r = generations::write_manifest(out, m); !r) return error(r.error().message);
    fs::create_directories(*store_root + "/systems");
    if (::rename(out.c_str(), system_dir.c_str()) != 0 && !fs::exists(system_dir + "/manifest.json"))
      return error(fmt::format("publishing {}: {}", system_dir, std::strerror(errno)));
  } else {
    auto existing = generations::read_manifest(system_dir);
    if (!existing) return error(existing.error().message);
    m = std::move(*existing);
  }

  auto g = profile->add(system_dir, m.generation);
  if (!g) return error(g.error().message);
  return done(*g, m, true);
}

}  // namespace

Result<BuiltSystem> build_host(const BuildOptions& opts) {
  Builder b(opts);
  auto r = b.build();
  b.print_timings();
  return r;
}

void report_build_error(const Error& e) {
  // An evaluation error comes formatted (error: …, positions, trace).
  if (e.message.starts_with("error:")) std::cerr << e.message << std::endl;
  else report_error(e.message);
}

namespace {

int run_build(const BuildOptions& opts) {
  auto built = build_host(opts);
  if (!built) return report_build_error(built.error()), 1;
  const generations::Manifest& m = built->manifest;
  if (!opts.no_out_link) {
    auto store_root = fs::path(built->generation.system_dir).parent_path().parent_path().string();
    if (auto r = generations::set_result_link(store_root, opts.out_link, built->generation.system_dir); !r)
      return report_error(r.error().message), 1;
  }
  std::cerr << fmt::format("cairn: {} {} generation {}: {} packages, kernel {}, image {} ({})",
                           built->rebuilt ? "built" : "unchanged:", m.host, built->generation.number,
                           m.packages.size(), m.kernel.version.empty() ? "none" : m.kernel.version,
                           m.image.sha256.substr(0, 12), debian::format_bytes(m.image.size))
            << std::endl;
  std::cout << built->generation.system_dir << std::endl;
  return 0;
}

}  // namespace

void register_build(CLI::App& app, VerbResult& run) {
  auto opts = std::make_shared<BuildOptions>();
  CLI::App* cmd = app.add_subcommand("build", "Build a host's next generation: its squashfs image and kernel");
  cmd->add_option("--host", opts->host, "The host (a directory under hosts/)")->required()->type_name("NAME");
  cmd->add_option("--store", opts->store, "The store (default: $XDG_CACHE_HOME/cairn)")->type_name("DIR");
  cmd->add_option("-o,--out-link", opts->out_link, "The link to the built system (default: ./result)")
      ->type_name("PATH");
  cmd->add_flag("--no-out-link", opts->no_out_link, "Make no ./result link");
  cmd->add_flag("--timings", opts->timings, "Print how long each pass took");
  cmd->add_flag("--explain-scripts", opts->explain_scripts,
                "List per package which maintainer-script actions were done declaratively and which were skipped");
  cmd->callback([opts, &run] { run = [opts] { return run_build(*opts); }; });
}

}  // namespace cairn::cli
