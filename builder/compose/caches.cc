// ld.so.cache and hwdb.bin for a staged root, reproducibly and without root.
//
// ldconfig. `ldconfig -r ROOT` chroots into ROOT before it reads
// /etc/ld.so.conf, so the tree's configuration is the one used — and chroot
// needs CAP_SYS_CHROOT. A root build just runs it; any other user runs it
// inside a user namespace (`unshare -r`), where it is root over its own
// namespace and may chroot, and whatever it writes belongs to the build user
// outside. Both give the same bytes (notes/debian-minimal.md §5). `-X` keeps
// ldconfig from making or fixing soname symlinks: packages ship them, and a
// step that only reports the cache must not change other files. ldconfig
// also keeps var/cache/ldconfig/aux-cache (file times, sizes and inode
// numbers to skip unchanged libraries next time), the one thing that made
// two otherwise identical builds differ; it is deleted. The cache's header
// names the glibc that wrote it ("ldconfig (Debian GLIBC 2.36-9+deb12u14)"),
// so a build machine with another glibc writes another header; the entries
// are the tree's.
//
// Another architecture: glibc's ldconfig reads an ELF file's machine type and
// files it under its own flags; the x86 build (sysdeps/unix/sysv/linux/x86/
// readelflib.c) knows only x86 machines and skips every aarch64 library with
// "is for unknown machine 183" — the cache it writes is empty (checked with
// Debian's arm64 libc6 in caches_test.cc). And aarch64's ld.so accepts only
// entries flagged FLAG_AARCH64_LIB64 (sysdeps/unix/sysv/linux/aarch64/
// dl-cache.h), so no x86 ldconfig could write a usable one. Not needed,
// either: after the cache, ld.so searches its trusted system directories
// (elf/dl-load.c, `system_dirs` from the build's slibdir and libdir), which
// Debian sets to the multiarch ones — the arm64 ld-linux-aarch64.so.1 holds
// "/lib/aarch64-linux-gnu/", "/usr/lib/aarch64-linux-gnu/", "/lib/",
// "/usr/lib/" as its system search path. So a foreign tree gets no cache,
// and what the cache would have added — directories ld.so.conf lists beyond
// those — is reported when they hold libraries.
//
// systemd-hwdb. `systemd-hwdb --root=R update --usr` records, next to every
// property, the source file it came from, by its full path — R included — so
// two builds in differently named staging directories give different files
// (the note's pitfall; 32 files × the prefix length). The fix needs no
// privileges: run it with its working directory in the tree and
// `--root=/proc/self/cwd`. systemd takes the root path as given (it does not
// resolve it; chase_symlinks keeps the prefix literal), every path it opens
// goes through the kernel's /proc/self/cwd link to the tree, and the names it
// records are "/proc/self/cwd/usr/lib/udev/hwdb.d/…" whatever the tree's real
// path. That differs from Debian's own file only in those 32 names (448
// bytes: names are debug information, never read at lookup), and it works for
// any user and any architecture. A chroot or a mount namespace could record
// "/usr/lib/…" exactly but would have to run the tree's own binary, which a
// foreign tree cannot. The result is checked: the staging path must not occur
// in the file.
#include "builder/compose/caches.hh"

#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/lines.hh"
#include "base/subprocess.hh"

namespace cairn::compose {

namespace {

namespace fs = std::filesystem;

bool exists_nofollow(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// `path` made absolute and without "." or ".." (not resolving symlinks), so
/// it can be passed to a tool run elsewhere and looked for in its output.
std::string absolute(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  return (ec ? fs::path(path) : p).lexically_normal().string();
}

/// Debian puts depmod, ldconfig and their kind in /usr/sbin, which a build
/// user's PATH often lacks: say so when a tool is not found.
std::string missing_tool(std::string_view tool, std::string_view package, const Error& error) {
  const char* path = std::getenv("PATH");
  std::string hint;
  std::string p = fmt::format(":{}:", path ? path : "");
  if (p.find(":/usr/sbin:") == std::string::npos && p.find(":/sbin:") == std::string::npos)
    hint = fmt::format(" (Debian puts {} in /usr/sbin, which PATH must include)", tool);
  return fmt::format("{}; install {}{}", error.message, package, hint);
}

/// The non-empty lines of a tool's standard error.
std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  for (std::string_view line : split_lines(text))
    if (!line.empty()) lines.emplace_back(line);
  return lines;
}

// ---- ld.so.conf -------------------------------------------------------------------

/// The multiarch triplet of a Debian architecture; "" when unknown.
std::string_view multiarch_triplet(std::string_view architecture) {
  struct Arch {
    std::string_view debian, triplet;
  };
  static constexpr Arch kArchs[] = {
      {"amd64", "x86_64-linux-gnu"},       {"arm64", "aarch64-linux-gnu"},
      {"armhf", "arm-linux-gnueabihf"},    {"armel", "arm-linux-gnueabi"},
      {"i386", "i386-linux-gnu"},          {"mips64el", "mips64el-linux-gnuabi64"},
      {"ppc64el", "powerpc64le-linux-gnu"}, {"riscv64", "riscv64-linux-gnu"},
      {"s390x", "s390x-linux-gnu"},
  };
  for (const Arch& a : kArchs)
    if (a.debian == architecture) return a.triplet;
  return "";
}

/// Reads the ld.so.conf at `file` (a path inside the tree) the way ldconfig
/// does — '#' comments, one directory per line, `include` patterns relative
/// to the including file's directory, `hwcap` lines ignored — and adds the
/// directories it lists to `dirs`, in order.
void read_ld_so_conf(const std::string& root, const std::string& file, int depth,
                     std::vector<std::string>& dirs) {
  if (depth > 16) return;  // an include loop
  auto text = read_file(root + file);
  if (!text) return;
  for (std::string line : lines_of(*text)) {
    if (size_t hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    while (!line.empty() && blank(line.back())) line.pop_back();
    size_t start = 0;
    while (start < line.size() && blank(line[start])) ++start;
    line.erase(0, start);
    if (line.empty()) continue;
    auto keyword = [&](std::string_view word) {
      return line.size() > word.size() && line.starts_with(word) && blank(line[word.size()]);
    };
    if (keyword("hwcap")) continue;
    if (keyword("include")) {
      std::string rest = line.substr(8);
      for (size_t i = 0; i < rest.size();) {
        while (i < rest.size() && blank(rest[i])) ++i;
        size_t end = i;
        while (end < rest.size() && !blank(rest[end])) ++end;
        if (end == i) break;
        std::string pattern = rest.substr(i, end - i);
        i = end;
        if (!pattern.starts_with("/"))
          pattern = fs::path(file).parent_path().string() + "/" + pattern;
        glob_t g{};
        if (::glob((root + pattern).c_str(), 0, nullptr, &g) == 0)
          for (size_t n = 0; n < g.gl_pathc; ++n)
            read_ld_so_conf(root, std::string(g.gl_pathv[n]).substr(root.size()), depth + 1, dirs);
        ::globfree(&g);
      }
      continue;
    }
    if (size_t eq = line.find('='); eq != std::string::npos) line.erase(eq);  // old "dir=libc5"
    while (line.size() > 1 && line.back() == '/') line.pop_back();
    dirs.push_back(line);
  }
}

/// Whether the directory `dir` of the tree holds a shared library (a name
/// ending in ".so" or holding ".so.").
bool holds_libraries(const std::string& root, const std::string& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root + dir, ec)) {
    std::string name = e.path().filename().string();
    if ((name.ends_with(".so") || name.find(".so.") != std::string::npos) && !e.is_directory(ec)) return true;
  }
  return false;
}

}  // namespace

std::string_view build_architecture() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__i386__)
  return "i386";
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
  return "armhf";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64el";
#elif defined(__s390x__)
  return "s390x";
#else
  return "unknown";
#endif
}

Result<CacheOutput> build_ld_so_cache(const std::string& root_arg, std::string_view architecture,
                                      Chroot chroot) {
  std::string root = absolute(root_arg);
  std::string where = fmt::format("building ld.so.cache in {}", root);
  if (!is_directory(root)) return fail(fmt::format("{}: {} is not a directory", where, root));
  CacheOutput out;

  if (architecture != build_architecture()) {
    std::string_view triplet = multiarch_triplet(architecture);
    std::vector<std::string> searched = {"/lib", "/usr/lib"};
    if (!triplet.empty())
      searched.insert(searched.begin(), {fmt::format("/lib/{}", triplet), fmt::format("/usr/lib/{}", triplet)});
    out.skipped = fmt::format(
        "ld.so.cache is not built for {} on this {} machine: its ldconfig skips {} libraries as of an "
        "unknown machine type and would write an empty cache; {}'s ld.so finds libraries in {} without one",
        architecture, build_architecture(), architecture, architecture,
        fmt::join(searched.begin(), searched.end(), ", "));
    std::vector<std::string> dirs;
    read_ld_so_conf(root, "/etc/ld.so.conf", 0, dirs);
    std::set<std::string> noted;
    for (const std::string& dir : dirs) {
      bool trusted = std::find(searched.begin(), searched.end(), dir) != searched.end();
      if (trusted || !noted.insert(dir).second || !holds_libraries(root, dir)) continue;
      out.notes.push_back(fmt::format(
          "{} is in the tree's ld.so.conf and holds libraries, but without ld.so.cache ld.so does not "
          "search it: programs that need them must find them by RUNPATH",
          dir));
    }
    return out;
  }

  // What to run: ldconfig itself, or unshare running it.
  if (chroot == Chroot::automatic) chroot = ::geteuid() == 0 ? Chroot::direct : Chroot::user_namespace;
  auto ldconfig = find_program("ldconfig");
  if (!ldconfig)
    return fail(fmt::format("{}: cannot run ldconfig: {}", where, missing_tool("ldconfig", "libc-bin", ldconfig.error())));
  std::vector<std::string> ldconfig_args = {"-X", "-r", root};
  std::string program = *ldconfig;
  std::vector<std::string> args = ldconfig_args;
  if (chroot == Chroot::user_namespace) {
    auto unshare = find_program("unshare");
    if (!unshare)
      return fail(fmt::format("{}: ldconfig needs a chroot, which a build user gets in a user namespace, "
                              "but unshare cannot be run: {}",
                              where, missing_tool("unshare", "util-linux", unshare.error())));
    program = *unshare;
    args = {"-r", "--", *ldconfig};
    args.insert(args.end(), ldconfig_args.begin(), ldconfig_args.end());
  }

  std::string aux_dir = root + "/var/cache/ldconfig";
  bool aux_dir_existed = exists_nofollow(aux_dir);
  RunOptions options;
  options.env = {"LC_ALL=C", "LANGUAGE"};
  auto ran = run(program, args, options);
  if (!ran) return fail(fmt::format("{}: {}", where, ran.error().message));

  // Clean up first, whatever happened: the aux-cache must never stay.
  std::error_code ec;
  fs::remove(aux_dir + "/aux-cache", ec);
  if (!aux_dir_existed) fs::remove(aux_dir, ec);  // only if empty

  if (!ran->success()) {
    std::string err = ran->err;
    while (!err.empty() && err.back() == '\n') err.pop_back();
    if (chroot == Chroot::user_namespace && err.starts_with("unshare:"))
      return fail(fmt::format("{}: ldconfig needs a chroot, and the kernel refused a user namespace ({}); "
                              "build as root, or allow unprivileged user namespaces "
                              "(sysctl kernel.unprivileged_userns_clone=1)",
                              where, err));
    return fail(fmt::format("{}: ldconfig {}: {}", where, ran->describe(), err.empty() ? "(no message)" : err));
  }
  if (!exists_nofollow(root + "/etc/ld.so.cache"))
    return fail(fmt::format("{}: ldconfig exited successfully but wrote no etc/ld.so.cache", where));
  out.written = {"etc/ld.so.cache"};
  out.notes = lines_of(ran->err);
  return out;
}

Result<CacheOutput> build_hwdb(const std::string& root_arg) {
  std::string root = absolute(root_arg);
  std::string where = fmt::format("building hwdb.bin in {}", root);
  if (!is_directory(root)) return fail(fmt::format("{}: {} is not a directory", where, root));

  CacheOutput out;
  bool any = false;
  for (const char* dir : {"/etc/udev/hwdb.d", "/usr/lib/udev/hwdb.d"}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root + dir, ec))
      if (e.path().extension() == ".hwdb") any = true;
  }
  if (!any) {
    out.skipped = "the tree has no hwdb files (etc/udev/hwdb.d/*.hwdb, usr/lib/udev/hwdb.d/*.hwdb)";
    return out;
  }

  // systemd 252 writes --usr output to /lib/udev/hwdb.bin under the root;
  // lib must lead to usr/lib inside the tree, never out of it.
  std::error_code ec, ec2;
  fs::path lib = fs::canonical(root + "/lib", ec);
  fs::path real_root = fs::canonical(root, ec2);
  if (ec || ec2 || lib != real_root / "usr/lib")
    return fail(fmt::format("{}: {}/lib is not a symlink to usr/lib; the staged root must be merged-/usr "
                            "(systemd-hwdb writes through lib/udev)",
                            where, root));

  RunOptions options;
  options.env = {"LC_ALL=C", "LANGUAGE", "SYSTEMD_LOG_LEVEL=warning"};
  options.cwd = root;
  auto ran = run("systemd-hwdb", {"--root=/proc/self/cwd", "update", "--usr"}, options);
  if (!ran)
    return fail(fmt::format("{}: {}; install udev", where, ran.error().message));
  if (!ran->success()) {
    std::string err = ran->err;
    while (!err.empty() && err.back() == '\n') err.pop_back();
    return fail(fmt::format("{}: systemd-hwdb {}: {}", where, ran->describe(), err.empty() ? "(no message)" : err));
  }

  std::string bin = root + "/usr/lib/udev/hwdb.bin";
  auto bytes = read_file(bin);
  if (!bytes) return fail(fmt::format("{}: systemd-hwdb exited successfully but {}", where, bytes.error().message));
  for (const std::string& path : {root, real_root.string()})
    if (bytes->find(path + "/usr/lib/udev/hwdb.d/") != std::string::npos ||
        bytes->find(path + "/etc/udev/hwdb.d/") != std::string::npos)
      return fail(fmt::format("{}: hwdb.bin records the staging path {} in its source file names, so it "
                              "would differ between builds; this systemd-hwdb does not keep the "
                              "--root=/proc/self/cwd prefix as systemd 252 does",
                              where, path));
  out.written = {"usr/lib/udev/hwdb.bin"};
  out.notes = lines_of(ran->err);
  return out;
}

}  // namespace cairn::compose
