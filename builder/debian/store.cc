// The store's layout, entry locks and the check-lock-check-create dance.
//
// Creating an entry always follows the same steps: look (most entries
// exist: no lock, no syscall beyond a stat), lock, look again (another
// build may have made it while we waited), create it under tmp/, verify,
// make it durable, rename. ensure_all does the same for a whole list at
// once: it takes the locks it can get without waiting, downloads those
// entries in one parallel fetch, then waits — holding no lock, so two
// builds can never wait for each other — for the entries other builds
// were busy with, and takes over any they gave up on.
#include "builder/debian/store.hh"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/hash.hh"

namespace cairn::debian {

namespace {

namespace fs = std::filesystem;

std::string errno_text(std::string_view what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}

// fsync of a directory, so a rename into it survives a crash.
void sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// The file name of an entry under debs/ or indexes/.
std::string entry_name(std::string_view sha256, StoreKind kind) {
  return kind == StoreKind::deb ? fmt::format("{}.deb", sha256) : std::string(sha256);
}

std::string_view kind_dir(StoreKind kind) { return kind == StoreKind::deb ? "debs" : "indexes"; }

// Debian's name/version alphabet is kept; everything else (':' of an
// epoch, '_' which separates the fields, '/', …) becomes %XX.
std::string escape_field(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '+' || c == '~' || c == '-';
    if (plain)
      out += c;
    else
      out += fmt::format("%{:02x}", static_cast<unsigned char>(c));
  }
  return out;
}

Result<EntryLock> lock_file(const std::string& path, bool wait) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return fail(errno_text("cannot open lock file", path));
  EntryLock lock(fd);
  while (::flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK && !wait) return EntryLock();
    return fail(errno_text("cannot lock", path));
  }
  return lock;
}

}  // namespace

EntryLock::EntryLock(EntryLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}

EntryLock& EntryLock::operator=(EntryLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

EntryLock::~EntryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor drops the flock
}

Result<std::string> Store::root_from(std::string_view store_option, const char* xdg_cache_home,
                                     const char* home) {
  if (!store_option.empty()) return std::string(store_option);
  // The XDG spec says a relative $XDG_CACHE_HOME is to be ignored.
  if (xdg_cache_home && xdg_cache_home[0] == '/') return std::string(xdg_cache_home) + "/cairn";
  if (home && home[0]) return std::string(home) + "/.cache/cairn";
  return fail("cannot place the store: neither XDG_CACHE_HOME nor HOME is set; pass --store DIR");
}

Result<std::string> Store::default_root(std::string_view store_option) {
  return root_from(store_option, std::getenv("XDG_CACHE_HOME"), std::getenv("HOME"));
}

Result<Store> Store::open(std::string root) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  for (const char* sub : {"", "/debs", "/indexes", "/pkgs", "/tmp"}) {
    std::error_code ec;
    fs::create_directories(root + sub, ec);
    if (ec) return fail(fmt::format("cannot create store directory {}{}: {}", root, sub, ec.message()));
  }
  return Store(std::move(root));
}

bool Store::valid_hash(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string Store::path_for(std::string_view sha256, StoreKind kind) const {
  return fmt::format("{}/{}/{}", root_, kind_dir(kind), entry_name(sha256, kind));
}

bool Store::has(std::string_view sha256, StoreKind kind) const {
  if (!valid_hash(sha256)) return false;
  struct stat st{};
  return ::stat(path_for(sha256, kind).c_str(), &st) == 0;
}

std::string Store::pkg_path(std::string_view sha256, std::string_view name, std::string_view version,
                            std::string_view arch) const {
  return fmt::format("{}/pkgs/{}-{}_{}_{}", root_, sha256, escape_field(name), escape_field(version),
                     escape_field(arch));
}

Result<EntryLock> Store::lock(std::string_view entry) const {
  return lock_file(fmt::format("{}/{}.lock", tmp_dir(), entry), true);
}

Result<EntryLock> Store::try_lock(std::string_view entry) const {
  return lock_file(fmt::format("{}/{}.lock", tmp_dir(), entry), false);
}

Result<std::string> Store::ensure(std::string_view sha256,
                                  const std::function<Result<void>(const std::string& tmp)>& fetch,
                                  StoreKind kind) const {
  if (!valid_hash(sha256)) return fail(fmt::format("'{}' is not a sha256 hash", sha256));
  std::string name = entry_name(sha256, kind);
  std::string path = path_for(sha256, kind);
  if (has(sha256, kind)) return path;
  auto held = lock(name);
  if (!held) return std::unexpected(held.error());
  if (has(sha256, kind)) return path;  // made while we waited

  std::string tmp = fmt::format("{}/{}", tmp_dir(), name);
  ::unlink(tmp.c_str());  // left by a crash; ours now that we hold the lock
  auto discard = [&](Error e) {
    ::unlink(tmp.c_str());
    return std::unexpected(e.context(fmt::format("adding {} to the store", name)));
  };
  if (auto r = fetch(tmp); !r) return discard(r.error());
  auto got = sha256_file(tmp);
  if (!got) return discard(got.error());
  if (*got != sha256) return discard(Error{fmt::format("content has sha256 {}, expected {}", *got, sha256)});

  int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    Error e{errno_text("cannot sync", tmp)};
    if (fd >= 0) ::close(fd);
    return discard(e);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return discard(Error{errno_text("cannot rename to", path)});
  sync_dir(fmt::format("{}/{}", root_, kind_dir(kind)));
  return path;
}

Result<FetchStats> Store::ensure_all(std::span<const StoreFetch> files, Fetcher& fetcher,
                                     StoreKind kind) const {
  FetchStats total;
  std::vector<std::string> problems;
  std::size_t considered = 0;  // distinct entries, invalid hashes included

  // Each hash once; invalid ones are reported, not fetched.
  std::vector<const StoreFetch*> remaining;
  {
    std::map<std::string_view, const StoreFetch*> seen;
    for (const auto& f : files) {
      if (!valid_hash(f.sha256)) {
        problems.push_back(fmt::format("{}: '{}' is not a sha256 hash", f.url, f.sha256));
        ++considered;
        continue;
      }
      if (!seen.emplace(f.sha256, &f).second) continue;
      ++considered;
      if (!has(f.sha256, kind)) remaining.push_back(&f);
    }
  }

  // Rounds: fetch what we can lock, wait for what others are fetching. A
  // round with nothing to wait for is the last; the bound only matters if
  // other builds keep taking entries over and failing.
  for (int round = 0; !remaining.empty() && round < 16; ++round) {
    std::vector<EntryLock> locks;
    std::vector<FetchRequest> requests;
    std::vector<const StoreFetch*> busy;
    for (const StoreFetch* f : remaining) {
      std::string name = entry_name(f->sha256, kind);
      auto l = try_lock(name);
      if (!l) {
        problems.push_back(fmt::format("{}: {}", f->url, l.error().message));
        continue;
      }
      if (!l->held()) {
        busy.push_back(f);
        continue;
      }
      if (has(f->sha256, kind)) continue;
      locks.push_back(std::move(*l));
      requests.push_back(FetchRequest{.url = f->url,
                                      .dest = path_for(f->sha256, kind),
                                      .size = f->size,
                                      .sha256 = f->sha256,
                                      .partial = fmt::format("{}/{}.part", tmp_dir(), name)});
    }
    if (!requests.empty()) {
      FetchReport report = fetcher.fetch(requests);
      total.files += report.stats.files;
      total.bytes_received += report.stats.bytes_received;
      total.bytes_resumed += report.stats.bytes_resumed;
      total.retries += report.stats.retries;
      total.resumed += report.stats.resumed;
      total.seconds += report.stats.seconds;
      for (const auto& failure : report.failures) problems.push_back(failure.message);
    }
    locks.clear();

    // Wait for each busy entry's holder, holding no lock of our own.
    remaining.clear();
    for (const StoreFetch* f : busy) {
      auto l = lock(entry_name(f->sha256, kind));
      if (!l) {
        problems.push_back(fmt::format("{}: {}", f->url, l.error().message));
        continue;
      }
      if (!has(f->sha256, kind)) remaining.push_back(f);
    }
  }
  for (const StoreFetch* f : remaining)
    problems.push_back(fmt::format("{}: other builds kept failing to fetch it; try again", f->url));

  if (!problems.empty()) {
    std::string msg = fmt::format("{} of {} downloads failed:", problems.size(),
                                  considered);
    for (const auto& p : problems) msg += "\n  " + p;
    return fail(std::move(msg));
  }
  return total;
}

Result<std::string> Store::ensure_tree(
    std::string_view sha256, std::string_view name, std::string_view version, std::string_view arch,
    const std::function<Result<void>(const std::string& tmp)>& fill) const {
  if (!valid_hash(sha256)) return fail(fmt::format("'{}' is not a sha256 hash", sha256));
  std::string path = pkg_path(sha256, name, version, arch);
  std::string entry = path.substr(path.rfind('/') + 1);
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0) return path;
  auto held = lock(entry);
  if (!held) return std::unexpected(held.error());
  if (::stat(path.c_str(), &st) == 0) return path;

  std::string tmp = fmt::format("{}/{}.tree", tmp_dir(), entry);
  std::error_code ec;
  fs::remove_all(tmp, ec);  // left by a crash
  auto discard = [&](Error e) {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    return std::unexpected(e.context(fmt::format("adding {} to the store", entry)));
  };
  if (ec) return discard(Error{fmt::format("cannot remove {}: {}", tmp, ec.message())});
  if (::mkdir(tmp.c_str(), 0755) != 0) return discard(Error{errno_text("cannot create", tmp)});
  if (auto r = fill(tmp); !r) return discard(r.error());

  // One syncfs is far cheaper than an fsync per unpacked file, and the
  // tree must be on disk before its name says it is complete.
  int fd = ::open(tmp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::syncfs(fd);
    ::close(fd);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return discard(Error{errno_text("cannot rename to", path)});
  sync_dir(root_ + "/pkgs");
  return path;
}

}  // namespace cairn::debian
