// Kernels in a staged root: finding them, depmod, and the initramfs module
// list.
//
// depmod is run, not reimplemented: its index files (modules.dep.bin and the
// other tries) are what libkmod and the booted system's modprobe read, and
// kmod's depmod reads modules of any architecture as data. Two things keep
// the build machine out of its output. Its configuration: depmod with `-b`
// still reads the build machine's /etc/depmod.d unless `-C` names other
// places, so it is always given the tree's directories (a missing one is not
// an error). And time and place: the indexes hold paths relative to the
// module directory and no time stamps, so two runs over the same modules give
// the same bytes wherever the root is (kernel_modules_test.cc checks it).
//
// The initramfs list comes from libkmod, the library modprobe is built on,
// over the staged module directory and the tree's modprobe.d — with the build
// machine's /etc/modprobe.d and running kernel kept out. Rather than
// re-deriving modprobe's order, resolve_initrd_modules() asks libkmod's own
// probe walk for it: kmod_module_probe_insert_module() with DRY_RUN (insert
// nothing) and IGNORE_LOADED (never look at /sys/module) reports, through its
// print callback, each module it would insert, in the order modprobe would.
// That order is the one the note on minimal images learned the hard way:
// modules.dep lists a module's dependencies so that they load right to left,
// and libkmod reverses them; softdeps (`softdep ext4 pre: crypto-crc32c`,
// from the modules' own modinfo via modules.softdep, or from modprobe.d) come
// before (`pre:`) or after (`post:`) the module. Whether a module without a
// file is built in is read from modules.builtin here: libkmod's answer
// (kmod_module_get_initstate) consults the build machine's /sys/module first.
#include "builder/compose/kernel_modules.hh"

#include <libkmod.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/lines.hh"
#include "base/subprocess.hh"

namespace cairn::compose {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kModulesDir = "usr/lib/modules";

/// The files kmod 30's depmod writes (depmod.c, `depfiles`); newer depmods
/// may add others, which run_depmod() notices as new files.
constexpr std::string_view kDepmodFiles[] = {
    "modules.alias",       "modules.alias.bin", "modules.builtin.alias.bin",
    "modules.builtin.bin", "modules.dep",       "modules.dep.bin",
    "modules.devname",     "modules.softdep",   "modules.symbols",
    "modules.symbols.bin", "modules.weakdep",
};

/// Where the tree keeps depmod.d and modprobe.d, in kmod's order of
/// precedence (/etc first). /lib/… is usr/lib/… in a merged tree; /run is
/// empty in an image.
constexpr std::string_view kConfigParents[] = {"etc", "usr/local/lib", "usr/lib"};

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_directory_nofollow(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// `path` absolute and without "." or "..", so that the paths libkmod
/// reports start with it and messages name one place.
std::string absolute(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  return (ec ? fs::path(path) : p).lexically_normal().string();
}

bool is_regular_file_nofollow(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// The names of the regular files directly in `dir`.
std::set<std::string> files_in(const std::string& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file(ec)) names.insert(e.path().filename().string());
  return names;
}

/// Module names compare with '-' and '_' the same; kmod names use '_'.
std::string module_name(std::string_view s) {
  std::string name(s);
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

/// The names of the modules listed in modules.builtin ("kernel/fs/ext4/ext4.ko"
/// → "ext4"). A kernel without the file has none.
Result<std::set<std::string>> builtin_names(const std::string& dir) {
  std::set<std::string> names;
  std::string path = dir + "/modules.builtin";
  if (::access(path.c_str(), F_OK) != 0) return names;
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  for (std::string_view line : split_lines(*text)) {
    if (line.empty()) continue;
    std::string_view base = line.substr(line.rfind('/') + 1);  // npos + 1 == 0
    if (base.ends_with(".ko")) base.remove_suffix(3);
    names.insert(module_name(base));
  }
  return names;
}

// ---- libkmod ----------------------------------------------------------------

struct KmodCtxFree {
  void operator()(kmod_ctx* ctx) const { kmod_unref(ctx); }
};
struct KmodListFree {
  void operator()(kmod_list* list) const { kmod_module_unref_list(list); }
};
using KmodCtx = std::unique_ptr<kmod_ctx, KmodCtxFree>;
using KmodList = std::unique_ptr<kmod_list, KmodListFree>;

/// libkmod's log lines go here instead of stderr (libraries don't print);
/// they are added to an error when they may explain it.
void collect_log(void* data, int /*priority*/, const char* /*file*/, int /*line*/, const char* /*fn*/,
                 const char* format, va_list args) {
  char buf[512];
  std::vsnprintf(buf, sizeof buf, format, args);
  std::string line = buf;
  while (!line.empty() && line.back() == '\n') line.pop_back();
  static_cast<std::vector<std::string>*>(data)->push_back(std::move(line));
}

/// What one probe walk reported: kmod_module_probe_insert_module's print
/// callback takes no user data, so it finds its output through this
/// per-thread pointer, set only for the duration of one walk.
struct ProbeWalk {
  std::vector<kmod_module*> modules;
};
thread_local ProbeWalk* current_walk = nullptr;

void record_action(kmod_module* m, bool /*install*/, const char* /*options*/) {
  // An `install` command from modprobe.d is reported like a module: the
  // initramfs only insmods, so the module's own file is what counts.
  if (current_walk != nullptr) current_walk->modules.push_back(kmod_module_ref(m));
}

}  // namespace

Result<std::vector<Kernel>> find_kernels(const std::string& root_arg) {
  std::string root = absolute(root_arg);
  std::string modules = root + "/" + std::string(kModulesDir);
  std::vector<Kernel> kernels;
  if (!is_directory(modules)) return kernels;
  std::error_code ec;
  fs::directory_iterator it(modules, ec);
  if (ec)
    return fail(fmt::format("finding the kernels in {}: cannot read {}: {}", root, modules,
                            ec.message()));
  for (const auto& entry : it) {
    // Symlinks are not followed: one could lead out of the tree.
    if (entry.symlink_status(ec).type() != fs::file_type::directory) continue;
    std::string version = entry.path().filename().string();
    Kernel k{.version = version,
             .vmlinuz = "boot/vmlinuz-" + version,
             .modules_dir = std::string(kModulesDir) + "/" + version};
    if (!is_regular_file_nofollow(root + "/" + k.vmlinuz)) continue;
    std::string dtbs = "usr/lib/linux-image-" + version;
    if (is_directory_nofollow(root + "/" + dtbs)) k.dtbs_dir = dtbs;
    kernels.push_back(std::move(k));
  }
  std::sort(kernels.begin(), kernels.end(), [](const Kernel& a, const Kernel& b) {
    return ::strverscmp(a.version.c_str(), b.version.c_str()) < 0;
  });
  return kernels;
}

Result<std::vector<std::string>> run_depmod(const std::string& root_arg, const std::string& version) {
  std::string root = absolute(root_arg);
  std::string where = fmt::format("running depmod for kernel {} in {}", version, root);
  std::string dir = root + "/" + std::string(kModulesDir) + "/" + version;
  if (!is_directory(dir))
    return fail(fmt::format("{}: {} is not a directory; is the kernel's image package in the closure?",
                            where, dir));
  std::set<std::string> before = files_in(dir);

  std::vector<std::string> args = {"-b", root};
  for (std::string_view parent : kConfigParents) {
    args.push_back("-C");
    args.push_back(root + "/" + std::string(parent) + "/depmod.d");
  }
  args.push_back(version);
  RunOptions options;
  options.env = {"LC_ALL=C", "LANGUAGE"};
  auto ran = run("depmod", args, options);
  if (!ran) {
    // Debian keeps depmod in /usr/sbin, which a build user's PATH often lacks.
    const char* path = std::getenv("PATH");
    std::string p = fmt::format(":{}:", path ? path : "");
    bool sbin = p.find(":/usr/sbin:") != std::string::npos || p.find(":/sbin:") != std::string::npos;
    return fail(fmt::format("{}: {}; install kmod{}", where, ran.error().message,
                            sbin ? "" : " (Debian puts depmod in /usr/sbin, which PATH must include)"));
  }
  if (!ran->success())
    return fail(fmt::format("{}: depmod {}: {}", where, ran->describe(),
                            ran->err.empty() ? "(no message)" : ran->err));

  // What it wrote: its known outputs, and anything new a newer depmod adds.
  std::set<std::string> after = files_in(dir);
  std::set<std::string> written;
  for (std::string_view name : kDepmodFiles)
    if (after.count(std::string(name))) written.insert(std::string(name));
  for (const std::string& name : after)
    if (!before.count(name)) written.insert(name);
  if (!written.count("modules.dep.bin"))
    return fail(fmt::format("{}: depmod exited successfully but wrote no modules.dep.bin in {}", where,
                            dir));
  std::vector<std::string> paths;
  for (const std::string& name : written)
    paths.push_back(std::string(kModulesDir) + "/" + version + "/" + name);
  return paths;
}

Result<InitrdModules> resolve_initrd_modules(const std::string& root_arg, const std::string& version,
                                             const std::vector<std::string>& names) {
  std::string root = absolute(root_arg);
  std::string where =
      fmt::format("resolving the initramfs modules of kernel {} in {}", version, root);
  std::string dir = root + "/" + std::string(kModulesDir) + "/" + version;
  if (::access((dir + "/modules.dep.bin").c_str(), F_OK) != 0)
    return fail(fmt::format("{}: {}/modules.dep.bin does not exist; run depmod first", where, dir));
  auto builtin = builtin_names(dir);
  if (!builtin) return std::unexpected(builtin.error().context(where));

  // The tree's modprobe.d only: kmod_new with no paths would read the build
  // machine's. A missing directory is left out rather than logged. (kmod_new
  // parses the configuration before a log function can be set, so a broken
  // modprobe.d line is still reported on stderr by libkmod itself.)
  std::vector<std::string> config_dirs;
  for (std::string_view parent : kConfigParents) {
    std::string d = root + "/" + std::string(parent) + "/modprobe.d";
    if (is_directory(d)) config_dirs.push_back(d);
  }
  std::vector<const char*> config_paths;
  for (const std::string& d : config_dirs) config_paths.push_back(d.c_str());
  config_paths.push_back(nullptr);

  KmodCtx ctx(kmod_new(dir.c_str(), config_paths.data()));
  if (!ctx) return fail(fmt::format("{}: libkmod cannot open {}", where, dir));
  std::vector<std::string> log;
  kmod_set_log_fn(ctx.get(), collect_log, &log);
  if (int err = kmod_load_resources(ctx.get()); err < 0)
    return fail(fmt::format("{}: libkmod cannot load the indexes in {}: {}; run depmod again", where,
                            dir, ::strerror(-err)));

  std::string prefix = dir + "/";
  InitrdModules result;
  std::set<std::string> seen_files;
  std::set<std::string> seen_builtin;
  std::vector<std::string> unknown;
  std::vector<std::string> problems;
  for (const std::string& name : names) {
    kmod_list* found = nullptr;
    int err = kmod_module_new_from_lookup(ctx.get(), name.c_str(), &found);
    KmodList matches(found);
    if (err < 0) {
      problems.push_back(fmt::format("looking up '{}': {}", name, ::strerror(-err)));
      continue;
    }
    if (!matches) {
      unknown.push_back(name);
      continue;
    }
    kmod_list* l;
    kmod_list_foreach(l, matches.get()) {
      kmod_module* mod = kmod_module_get_module(l);
      ProbeWalk walk;
      current_walk = &walk;
      err = kmod_module_probe_insert_module(mod, KMOD_PROBE_DRY_RUN | KMOD_PROBE_IGNORE_LOADED, nullptr,
                                            nullptr, nullptr, record_action);
      current_walk = nullptr;
      std::string mod_name = kmod_module_get_name(mod);
      kmod_module_unref(mod);
      if (err < 0)
        problems.push_back(fmt::format("walking the dependencies of '{}': {}", mod_name, ::strerror(-err)));
      for (kmod_module* m : walk.modules) {
        std::string m_name = kmod_module_get_name(m);
        const char* path = kmod_module_get_path(m);
        bool has_file = path != nullptr;
        std::string file = has_file ? path : "";
        kmod_module_unref(m);
        if (!has_file) {
          if (builtin->count(m_name)) {
            if (seen_builtin.insert(m_name).second) result.builtin.push_back(m_name);
          } else if (m_name == mod_name && mod_name == module_name(name)) {
            unknown.push_back(name);  // e.g. only an `install` line names it
          } else {
            problems.push_back(fmt::format("'{}' needs module '{}', which has no file in {} and is not "
                                           "built in; check the tree's modprobe.d",
                                           name, m_name, dir));
          }
          continue;
        }
        if (!file.starts_with(prefix)) {
          problems.push_back(fmt::format("module '{}' is at {}, outside {}", m_name, file, dir));
          continue;
        }
        file.erase(0, prefix.size());
        if (seen_files.insert(file).second) result.modules.push_back(file);
      }
    }
  }

  if (!unknown.empty()) {
    std::string list;
    for (size_t i = 0; i < unknown.size(); ++i)
      list += (i == 0 ? "" : i + 1 == unknown.size() ? " and " : ", ") + fmt::format("'{}'", unknown[i]);
    problems.insert(problems.begin(),
                    fmt::format("kernel {} has no module, alias or built-in module named {}; check the "
                                "name{} in boot.kernel.initrdModules (modules.alias and modules.builtin "
                                "in {} list what this kernel has)",
                                version, list, unknown.size() == 1 ? "" : "s", dir));
  }
  if (!problems.empty()) {
    std::string message = where + ": ";
    for (size_t i = 0; i < problems.size(); ++i) message += (i == 0 ? "" : "; ") + problems[i];
    if (!log.empty()) message += " (libkmod: " + log.back() + ")";
    return fail(std::move(message));
  }
  return result;
}

}  // namespace cairn::compose
