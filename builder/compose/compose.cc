#include "builder/compose/compose.hh"

#include <algorithm>
#include <set>
#include <sys/stat.h>

#include "base/subprocess.hh"

#include <fmt/format.h>

#include "base/files.hh"
#include "base/hash.hh"
#include "builder/compose/alternatives.hh"
#include "builder/compose/ca_bundle.hh"
#include "builder/compose/derived_cache.hh"
#include "builder/compose/desktop_caches.hh"
#include "builder/compose/dpkg_database.hh"
#include "builder/compose/caches.hh"
#include "builder/compose/etc_files.hh"
#include "builder/compose/factory_var.hh"
#include "builder/compose/kernel_modules.hh"
#include "builder/compose/units.hh"

namespace cairn::compose {

namespace {

using nlohmann::json;

std::string parent_of(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? "" : std::string(path.substr(0, slash));
}

// Maintainer scripts of every package, in package order.
Result<std::vector<PackageScripts>> read_scripts(const std::vector<PackageDir>& packages) {
  std::vector<PackageScripts> out;
  out.reserve(packages.size());
  for (const PackageDir& p : packages) {
    auto s = analyze_scripts(p);
    if (!s) return std::unexpected(s.error().context("reading the maintainer scripts of " + p.name));
    out.push_back(std::move(*s));
  }
  return out;
}

// dpkg-statoverride --add lines, with names resolved through the new passwd.
Result<void> apply_stat_overrides(RootTree& tree, const std::vector<PackageScripts>& scripts, const UserDb& users,
                                  std::vector<std::string>& warnings) {
  for (const PackageScripts& ps : scripts)
    for (const StatOverride& o : ps.stat_overrides) {
      const Node* node = tree.find(o.path);
      if (!node) {
        warnings.push_back(fmt::format("{}: stat override of /{} names a path the system does not have, ignoring",
                                       o.package, o.path));
        continue;
      }
      uint32_t uid = node->uid, gid = node->gid, mode = o.mode.value_or(node->mode);
      if (!o.user.empty()) {
        auto it = users.uids.find(o.user);
        if (it == users.uids.end())
          return fail(fmt::format("{}: stat override of /{} names the user {}, which the system does not have; "
                                  "declare it in users.users",
                                  o.package, o.path, o.user));
        uid = it->second;
      }
      if (!o.group.empty()) {
        auto it = users.gids.find(o.group);
        if (it == users.gids.end())
          return fail(fmt::format("{}: stat override of /{} names the group {}, which the system does not have; "
                                  "declare it in users.groups",
                                  o.package, o.path, o.group));
        gid = it->second;
      }
      if (auto r = tree.set_owner_mode(o.path, uid, gid, mode); !r) return r;
    }
  return {};
}

// update-ca-certificates, from the tree's certificates.
Result<void> ca_certificates(RootTree& tree) {
  std::vector<CaCertificate> certs;
  for (const char* dir : {"usr/share/ca-certificates/", "usr/local/share/ca-certificates/"}) {
    bool local = std::string_view(dir).starts_with("usr/local");
    std::string_view prefix = dir;
    for (auto it = tree.nodes().lower_bound(prefix); it != tree.nodes().end() && it->first.starts_with(prefix); ++it) {
      if (it->second.type != EntryType::file || !it->first.ends_with(".crt")) continue;
      auto pem = tree.read(it->first);
      if (!pem) return std::unexpected(pem.error());
      certs.push_back({it->first.substr(prefix.size()), std::move(*pem), local});
    }
  }
  if (certs.empty()) return {};
  auto bundle = build_ca_bundle(certs);
  if (!bundle) return std::unexpected(bundle.error().context("building the CA bundle"));
  for (const CaFile& f : bundle->files) {
    if (f.kind == CaFile::Kind::symlink) tree.set_symlink(f.path, f.content);
    else tree.set_file(f.path, f.content);
  }
  return {};
}

// Adds what a tool wrote in the staged tree to the model.
Result<void> adopt_written(RootTree& tree, const std::string& staging, const std::vector<std::string>& written) {
  std::set<std::string> dirs;
  for (const std::string& w : written) dirs.insert(parent_of(w));
  for (const std::string& d : dirs)
    if (auto r = tree.adopt(staging, d); !r) return r;
  return {};
}

// What a tool reads from the tree, as one digest: every entry under the
// prefixes by path, type, mode and where its bytes come from (a store path
// names its .deb's hash; generated text by its own hash), plus the tool's
// own identity on the build machine.
std::string inputs_key(const RootTree& tree, std::string_view tool, std::initializer_list<std::string_view> prefixes) {
  std::string all(tool);
  if (auto path = find_program(tool)) {
    struct stat st{};
    if (::stat(path->c_str(), &st) == 0)
      all += fmt::format(" {} {} {}\n", *path, st.st_size, st.st_mtim.tv_sec);
  }
  for (std::string_view prefix : prefixes)
    for (auto it = tree.nodes().lower_bound(prefix); it != tree.nodes().end() && it->first.starts_with(prefix);
         ++it) {
      const Node& n = it->second;
      all += fmt::format("{} {} {:o} {} {}\n", it->first, static_cast<int>(n.type), n.mode,
                         n.source.empty() ? sha256_hex(n.text) : n.source, n.target);
    }
  return sha256_hex(all);
}

}  // namespace

Result<ComposedSystem> compose_system(const ComposeInput& input, Passes& passes) {
  const json& closure = *input.closure;
  ComposedSystem sys;

  passes.start("reading maintainer scripts");
  auto scripts = read_scripts(input.packages);
  if (!scripts) return std::unexpected(scripts.error());
  sys.scripts = std::move(*scripts);
  std::vector<Diversion> diversions;
  std::vector<AccountRequest> accounts;
  std::vector<Alternative> alternatives;
  std::vector<UnitRequest> unit_requests;
  for (const PackageScripts& ps : sys.scripts) {
    diversions.insert(diversions.end(), ps.diversions.begin(), ps.diversions.end());
    accounts.insert(accounts.end(), ps.accounts.begin(), ps.accounts.end());
    alternatives.insert(alternatives.end(), ps.alternatives.begin(), ps.alternatives.end());
    unit_requests.insert(unit_requests.end(), ps.units.begin(), ps.units.end());
  }

  passes.start("merging packages");
  sys.tree.set_diversions(std::move(diversions));
  for (const PackageDir& p : input.packages)
    if (auto r = sys.tree.add_package(p); !r) return std::unexpected(r.error());
  sys.tree.add_skeleton();
  for (const ExtraFile& f : input.extra_files) {
    auto bytes = read_file(f.source);
    if (!bytes) return std::unexpected(bytes.error().context("adding " + f.path + " to the image"));
    sys.tree.set_file(f.path, std::move(*bytes), f.mode);
  }

  passes.start("users and groups");
  auto users = compose_users(sys.tree, closure, accounts, input.previous);
  if (!users) return std::unexpected(users.error());
  sys.users = std::move(*users);
  sys.warnings.insert(sys.warnings.end(), sys.users.warnings.begin(), sys.users.warnings.end());
  write_user_files(sys.tree, sys.users);
  sys.tree.resolve_owners(sys.users.uids, sys.users.gids);
  if (auto r = apply_stat_overrides(sys.tree, sys.scripts, sys.users, sys.warnings); !r)
    return std::unexpected(r.error());

  passes.start("generating /etc");
  EtcOptions etc;
  etc.generation = input.generation;
  etc.image_id = closure.value("name", "");
  if (auto r = compose_etc(sys.tree, closure, sys.users, etc); !r) return std::unexpected(r.error());

  std::map<std::string, std::string> choices;
  if (auto it = closure.find("alternatives"); it != closure.end() && it->is_object())
    for (auto c = it->begin(); c != it->end(); ++c)
      if (c->is_string()) choices[c.key()] = c->get<std::string>();
  auto chosen = apply_alternatives(sys.tree, alternatives, choices);
  if (!chosen) return std::unexpected(chosen.error());
  for (const AlternativeChoice& c : chosen->chosen) sys.alternatives[c.name] = c.path;
  sys.warnings.insert(sys.warnings.end(), chosen->warnings.begin(), chosen->warnings.end());

  auto unit_config = read_unit_config(closure);
  if (!unit_config) return std::unexpected(unit_config.error());
  auto units = enable_units(sys.tree, *unit_config, unit_requests);
  if (!units) return std::unexpected(units.error());
  sys.warnings.insert(sys.warnings.end(), units->warnings.begin(), units->warnings.end());

  if (auto r = ca_certificates(sys.tree); !r) return std::unexpected(r.error());

  passes.start("dpkg database and /var");
  if (auto r = add_dpkg_database(sys.tree, input.packages); !r) return std::unexpected(r.error());
  auto seeded = seed_var(sys.tree);  // after the database: it leaves /var/lib/dpkg to it
  if (!seeded) return std::unexpected(seeded.error());
  sys.warnings.insert(sys.warnings.end(), seeded->warnings.begin(), seeded->warnings.end());

  passes.start("staging the root");
  if (auto r = sys.tree.materialize(input.staging); !r) return std::unexpected(r.error());

  passes.start("kernel modules");
  auto kernels = find_kernels(input.staging);
  if (!kernels) return std::unexpected(kernels.error());
  if (!kernels->empty()) {
    // The newest, if a host ships several.
    const Kernel& k = kernels->back();
    DerivedCache cache(input.cache_dir);
    std::string key = inputs_key(sys.tree, "depmod",
                                 {k.modules_dir + "/", "etc/depmod.d/", "usr/lib/depmod.d/", "usr/local/lib/depmod.d/"});
    if (!cache.restore("depmod", key, input.staging)) {
      auto written = run_depmod(input.staging, k.version);
      if (!written) return std::unexpected(written.error());
      cache.save("depmod", key, input.staging, *written);
    }
    if (auto r = sys.tree.adopt(input.staging, k.modules_dir); !r) return std::unexpected(r.error());
    std::vector<std::string> names;
    if (closure.contains("kernel")) names = closure["kernel"].value("initrdModules", std::vector<std::string>{});
    auto modules = resolve_initrd_modules(input.staging, k.version, names);
    if (!modules) return std::unexpected(modules.error());
    sys.initrd_modules = modules->modules;
    sys.kernel_version = k.version;
    sys.kernel_path = k.vmlinuz;
    if (const Node* n = sys.tree.find(k.vmlinuz)) sys.kernel_package = n->package;
  }

  passes.start("ld.so.cache and hwdb");
  auto ld = build_ld_so_cache(input.staging, closure.value("architecture", ""));
  if (!ld) return std::unexpected(ld.error());
  if (!ld->skipped.empty()) sys.warnings.push_back("ld.so.cache not built: " + ld->skipped);
  if (auto r = adopt_written(sys.tree, input.staging, ld->written); !r) return std::unexpected(r.error());
  DerivedCache cache(input.cache_dir);
  std::string key = inputs_key(sys.tree, "systemd-hwdb", {"usr/lib/udev/hwdb.d/", "etc/udev/hwdb.d/"});
  std::vector<std::string> hwdb_files;
  if (auto restored = cache.restore("hwdb", key, input.staging)) {
    hwdb_files = std::move(*restored);
  } else {
    auto hwdb = build_hwdb(input.staging);
    if (!hwdb) return std::unexpected(hwdb.error());
    cache.save("hwdb", key, input.staging, hwdb->written);
    hwdb_files = hwdb->written;
  }
  if (auto r = adopt_written(sys.tree, input.staging, hwdb_files); !r) return std::unexpected(r.error());

  passes.start("GSettings schemas and MIME database");
  auto schemas = build_gsettings_schemas(input.staging);
  if (!schemas) return std::unexpected(schemas.error());
  if (auto r = adopt_written(sys.tree, input.staging, schemas->written); !r) return std::unexpected(r.error());
  for (const std::string& note : schemas->notes) sys.warnings.push_back("GSettings schemas: " + note);
  key = inputs_key(sys.tree, "update-mime-database", {"usr/share/mime/packages/"});
  std::vector<std::string> mime_files;
  if (auto restored = cache.restore("mime", key, input.staging)) {
    mime_files = std::move(*restored);
  } else {
    auto mime = build_mime_database(input.staging);
    if (!mime) return std::unexpected(mime.error());
    if (!mime->written.empty()) cache.save("mime", key, input.staging, mime->written);
    mime_files = mime->written;
  }
  if (auto r = adopt_written(sys.tree, input.staging, mime_files); !r) return std::unexpected(r.error());
  return sys;
}

std::vector<images::PseudoEntry> pseudo_entries(const RootTree& tree) {
  std::vector<images::PseudoEntry> out;
  out.reserve(tree.nodes().size());
  for (const auto& [path, n] : tree.nodes()) {
    images::PseudoEntry e;
    e.path = path;
    e.mode = n.mode;
    e.uid = n.uid;
    e.gid = n.gid;
    switch (n.type) {
      case EntryType::file: e.type = images::PseudoType::file; break;
      case EntryType::dir: e.type = images::PseudoType::dir; break;
      case EntryType::symlink: e.type = images::PseudoType::symlink; break;
      case EntryType::hardlink: {
        // One inode: every name carries the first file's owner and mode.
        e.type = images::PseudoType::file;
        if (const Node* first = tree.find(n.target)) {
          e.mode = first->mode;
          e.uid = first->uid;
          e.gid = first->gid;
        }
        break;
      }
      case EntryType::char_device: e.type = images::PseudoType::char_device; break;
      case EntryType::block_device: e.type = images::PseudoType::block_device; break;
      case EntryType::fifo: e.type = images::PseudoType::fifo; break;
    }
    e.major = n.dev_major;
    e.minor = n.dev_minor;
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::map<std::string, std::string>> etc_digests(const RootTree& tree) {
  std::map<std::string, std::string> out;
  for (auto it = tree.nodes().lower_bound(std::string_view("etc/"));
       it != tree.nodes().end() && it->first.starts_with("etc/"); ++it) {
    const Node& n = it->second;
    std::string key = it->first.substr(4);
    if (n.type == EntryType::dir) {
      out[key] = "dir";
    } else if (n.type == EntryType::symlink) {
      out[key] = "symlink:" + n.target;
    } else if (n.type == EntryType::file || n.type == EntryType::hardlink) {
      auto bytes = tree.read(it->first);
      if (!bytes) return std::unexpected(bytes.error());
      out[key] = "sha256:" + sha256_hex(*bytes);
    } else {
      out[key] = "special";
    }
  }
  return out;
}

Result<std::map<std::string, std::string>> unit_digests(const RootTree& tree) {
  // Unit name → its definition: the file (etc/ over usr/lib/) and drop-ins.
  static constexpr std::string_view kDirs[] = {"usr/lib/systemd/system/", "etc/systemd/system/"};
  std::map<std::string, std::string> definition;
  std::map<std::string, std::map<std::string, std::string>> dropins;  // unit → conf name → text
  for (std::string_view dir : kDirs) {
    for (auto it = tree.nodes().lower_bound(dir); it != tree.nodes().end() && it->first.starts_with(dir); ++it) {
      std::string_view rest = std::string_view(it->first).substr(dir.size());
      const Node& n = it->second;
      size_t slash = rest.find('/');
      if (slash == std::string_view::npos) {
        if (n.type == EntryType::dir) continue;
        std::string name(rest);
        if (n.type == EntryType::symlink) {
          definition[name] = n.target == "/dev/null" ? "masked" : "alias:" + n.target;
        } else {
          auto bytes = tree.read(it->first);
          if (!bytes) return std::unexpected(bytes.error());
          definition[name] = "file:" + *bytes;
        }
      } else if (rest.substr(0, slash).ends_with(".d") && rest.ends_with(".conf") &&
                 rest.find('/', slash + 1) == std::string_view::npos && n.type != EntryType::dir) {
        std::string unit(rest.substr(0, slash - 2));
        auto bytes = tree.read(it->first);
        if (!bytes) return std::unexpected(bytes.error());
        dropins[unit][std::string(rest.substr(slash + 1))] = *bytes;  // etc/ wins: read last
      }
    }
  }
  std::map<std::string, std::string> out;
  for (const auto& [name, def] : definition) {
    std::string all = def;
    if (auto d = dropins.find(name); d != dropins.end())
      for (const auto& [conf, text] : d->second) all += "\n--- " + conf + "\n" + text;
    out[name] = sha256_hex(all);
  }
  for (const auto& [name, confs] : dropins)
    if (!definition.count(name)) {
      std::string all;
      for (const auto& [conf, text] : confs) all += "\n--- " + conf + "\n" + text;
      out[name] = sha256_hex(all);
    }
  return out;
}

}  // namespace cairn::compose
