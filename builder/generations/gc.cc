#include "builder/generations/gc.hh"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "builder/generations/manifest.hh"
#include "builder/generations/profile.hh"

namespace cairn::generations {

namespace fs = std::filesystem;

namespace {

// Allocated bytes under `path`, each inode once.
uint64_t disk_usage(const fs::path& path, std::set<std::pair<dev_t, ino_t>>& seen) {
  uint64_t total = 0;
  auto count = [&](const fs::path& p) {
    struct stat st{};
    if (::lstat(p.c_str(), &st) != 0) return;
    if (!seen.insert({st.st_dev, st.st_ino}).second) return;
    total += static_cast<uint64_t>(st.st_blocks) * 512;
  };
  count(path);
  std::error_code ec;
  if (fs::is_directory(fs::symlink_status(path, ec)))
    for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      count(it->path());
  return total;
}

// Removes a tree whose directories may lack the owner's write bit.
Result<void> remove_tree(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(fs::symlink_status(path, ec)))
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_directory(ec) && !it->is_symlink(ec)) ::chmod(it->path().c_str(), 0700);
  ::chmod(path.c_str(), 0700);
  fs::remove_all(path, ec);
  if (ec) return fail(fmt::format("removing {}: {}", path.string(), ec.message()));
  return {};
}

}  // namespace

StoreUse& StoreUse::operator=(StoreUse&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

StoreUse::~StoreUse() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {
Result<StoreUse> lock_use(const std::string& store_root, int how, StoreUse (*make)(int)) {
  std::string dir = store_root + "/tmp";
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::string path = dir + "/use.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return fail(fmt::format("opening the store lock {}: {}", path, std::strerror(errno)));
  while (::flock(fd, how) != 0) {
    if (errno == EINTR) continue;
    int e = errno;
    ::close(fd);
    return fail(fmt::format("locking the store {}: {}", path, std::strerror(e)));
  }
  return make(fd);
}
}  // namespace

Result<StoreUse> StoreUse::shared(const std::string& store_root) {
  return lock_use(store_root, LOCK_SH, [](int fd) { return StoreUse(fd); });
}

Result<StoreUse> StoreUse::exclusive(const std::string& store_root) {
  return lock_use(store_root, LOCK_EX, [](int fd) { return StoreUse(fd); });
}

std::optional<int64_t> parse_duration(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  if (ec != std::errc() || end != text.data() + text.size() - 1 || n < 0) return std::nullopt;
  switch (text.back()) {
    case 's': return n;
    case 'm': return n * 60;
    case 'h': return n * 3600;
    case 'd': return n * 86400;
    case 'w': return n * 7 * 86400;
    default: return std::nullopt;
  }
}

Result<GcResult> collect_garbage(const std::string& store_root, const GcOptions& opts) {
  GcResult result;
  auto use = StoreUse::exclusive(store_root);
  if (!use) return std::unexpected(use.error());

  // 1. Old generations.
  auto hosts = profile_hosts(store_root);
  if (!hosts) return std::unexpected(hosts.error());
  std::set<std::string> live_systems;  // directory names under systems/
  for (const std::string& host : *hosts) {
    auto profile = Profile::open(store_root, host);
    if (!profile) return std::unexpected(profile.error());
    auto gens = profile->list();
    if (!gens) return std::unexpected(gens.error());
    size_t n = gens->size();
    for (size_t i = 0; i < n; ++i) {
      const Generation& g = (*gens)[i];
      bool too_many = opts.keep && n - i > *opts.keep;
      bool too_old = opts.older_than && g.created < opts.now - *opts.older_than;
      if (!g.current && (too_many || too_old)) {
        result.generations.push_back(fmt::format("{} {}", host, g.number));
        if (!opts.dry_run)
          if (auto r = profile->remove(g.number); !r) return std::unexpected(r.error());
        continue;
      }
      if (!g.system_dir.empty()) live_systems.insert(fs::path(g.system_dir).filename().string());
    }
  }

  // 2. Roots: out-of-store links that still point into systems/.
  std::error_code ec;
  std::string systems_dir = store_root + "/systems";
  std::string canonical_systems = fs::weakly_canonical(systems_dir, ec).string();
  if (fs::exists(store_root + "/roots"))
    for (const fs::directory_entry& e : fs::directory_iterator(store_root + "/roots", ec)) {
      fs::path link = fs::read_symlink(e.path(), ec);
      fs::path system = ec ? fs::path() : fs::weakly_canonical(link, ec);
      if (!ec && system.parent_path() == canonical_systems && fs::exists(system / "manifest.json")) {
        live_systems.insert(system.filename().string());
      } else if (!opts.dry_run) {
        ::unlink(e.path().c_str());  // the result link is gone or moved on
      }
      ec.clear();
    }

  // 3. Systems; the packages the live ones use.
  std::set<std::string> live_debs = opts.keep_packages;
  std::set<std::pair<dev_t, ino_t>> seen;
  if (fs::exists(systems_dir))
    for (const fs::directory_entry& e : fs::directory_iterator(systems_dir, ec)) {
      std::string name = e.path().filename().string();
      if (live_systems.count(name)) {
        auto m = read_manifest(e.path().string());
        if (!m) return std::unexpected(m.error().context("gc: keeping " + name));
        for (const ManifestPackage& p : m->packages) live_debs.insert(p.sha256);
        continue;
      }
      result.bytes += disk_usage(e.path(), seen);
      result.systems++;
      if (!opts.dry_run)
        if (auto r = remove_tree(e.path()); !r) return std::unexpected(r.error());
    }

  // 4. Packages: debs/<sha256>.deb and pkgs/<sha256>-<name>_<version>_<arch>.
  std::string debs_dir = store_root + "/debs";
  if (fs::exists(debs_dir))
    for (const fs::directory_entry& e : fs::directory_iterator(debs_dir, ec)) {
      std::string name = e.path().filename().string();
      if (name.size() != 64 + 4 || !name.ends_with(".deb") || live_debs.count(name.substr(0, 64))) continue;
      result.bytes += disk_usage(e.path(), seen);
      result.debs++;
      if (!opts.dry_run) fs::remove(e.path(), ec);
    }
  std::string pkgs_dir = store_root + "/pkgs";
  if (fs::exists(pkgs_dir))
    for (const fs::directory_entry& e : fs::directory_iterator(pkgs_dir, ec)) {
      std::string name = e.path().filename().string();
      if (name.size() < 65 || name[64] != '-' || live_debs.count(name.substr(0, 64))) continue;
      result.bytes += disk_usage(e.path(), seen);
      result.packages++;
      if (!opts.dry_run)
        if (auto r = remove_tree(e.path()); !r) return std::unexpected(r.error());
    }

  // 5. The derived cache (depmod, hwdb outputs): a rebuild remakes it.
  std::string derived_dir = store_root + "/derived";
  if (fs::exists(derived_dir)) {
    result.bytes += disk_usage(derived_dir, seen);
    if (!opts.dry_run)
      if (auto r = remove_tree(derived_dir); !r) return std::unexpected(r.error());
  }

  // 6. Leftovers of interrupted builds (no build runs: we hold the lock).
  std::string tmp_dir = store_root + "/tmp";
  if (fs::exists(tmp_dir))
    for (const fs::directory_entry& e : fs::directory_iterator(tmp_dir, ec)) {
      std::string name = e.path().filename().string();
      if (!name.starts_with("build-")) continue;
      result.bytes += disk_usage(e.path(), seen);
      if (!opts.dry_run)
        if (auto r = remove_tree(e.path()); !r) return std::unexpected(r.error());
    }
  return result;
}

}  // namespace cairn::generations
