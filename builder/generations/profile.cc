#include "builder/generations/profile.hh"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "base/hash.hh"

namespace cairn::generations {

namespace fs = std::filesystem;

namespace {

Error errno_error(std::string_view what, const std::string& path) {
  return Error{fmt::format("{} {}: {}", what, path, std::strerror(errno))};
}

std::optional<uint64_t> parse_number(std::string_view s) {
  uint64_t n = 0;
  if (s.empty() || s[0] == '0') return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

Result<std::string> read_link(const std::string& path) {
  std::error_code ec;
  fs::path target = fs::read_symlink(path, ec);
  if (ec) return fail(fmt::format("reading the link {}: {}", path, ec.message()));
  return target.string();
}

Result<void> sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(errno_error("opening", dir));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return std::unexpected(errno_error("syncing", dir));
  return {};
}

}  // namespace

Result<void> replace_symlink(const std::string& link, const std::string& target) {
  std::string tmp = fmt::format("{}.tmp-{}", link, ::getpid());
  ::unlink(tmp.c_str());
  if (::symlink(target.c_str(), tmp.c_str()) != 0) return std::unexpected(errno_error("creating the link", tmp));
  if (::rename(tmp.c_str(), link.c_str()) != 0) {
    Error e = errno_error("renaming a link to", link);
    ::unlink(tmp.c_str());
    return std::unexpected(e);
  }
  std::string dir = fs::path(link).parent_path().string();
  return sync_dir(dir.empty() ? "." : dir);
}

Result<Profile> Profile::open(const std::string& store_root, const std::string& host) {
  std::string dir = store_root + "/profiles/" + host;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(fmt::format("creating the profile directory {}: {}", dir, ec.message()));
  return Profile(store_root, host, dir);
}

Result<std::vector<Generation>> Profile::list() const {
  std::vector<Generation> out;
  std::error_code ec;
  fs::directory_iterator it(dir_, ec);
  if (ec) return fail(fmt::format("reading the profile {}: {}", dir_, ec.message()));
  std::optional<uint64_t> current;
  if (auto c = read_link(dir_ + "/current")) current = parse_number(*c);
  for (const fs::directory_entry& e : it) {
    auto n = parse_number(e.path().filename().string());
    if (!n) continue;
    Generation g;
    g.number = *n;
    struct stat st{};
    if (::lstat(e.path().c_str(), &st) == 0) g.created = st.st_mtim.tv_sec;
    fs::path resolved = fs::weakly_canonical(e.path(), ec);
    if (!ec && fs::exists(resolved / "manifest.json")) g.system_dir = resolved.string();
    g.current = current == n;
    out.push_back(std::move(g));
  }
  std::sort(out.begin(), out.end(), [](const Generation& a, const Generation& b) { return a.number < b.number; });
  return out;
}

Result<std::optional<Generation>> Profile::current() const {
  auto all = list();
  if (!all) return std::unexpected(all.error());
  for (Generation& g : *all)
    if (g.current) return std::optional<Generation>(std::move(g));
  return std::optional<Generation>();
}

Result<uint64_t> Profile::next_number() const {
  auto all = list();
  if (!all) return std::unexpected(all.error());
  return all->empty() ? 1 : all->back().number + 1;
}

Result<Generation> Profile::add(const std::string& system_dir, uint64_t at_least) {
  auto n = next_number();
  if (!n) return std::unexpected(n.error());
  *n = std::max(*n, at_least);
  std::string name = fs::path(system_dir).filename().string();
  std::string link = fmt::format("{}/{}", dir_, *n);
  // Relative, so the store can move as a whole.
  if (auto r = replace_symlink(link, "../../systems/" + name); !r) return std::unexpected(r.error());
  if (auto r = set_current(*n); !r) return std::unexpected(r.error());
  Generation g;
  g.number = *n;
  g.system_dir = system_dir;
  g.created = ::time(nullptr);
  g.current = true;
  return g;
}

Result<void> Profile::set_current(uint64_t number) {
  std::string link = fmt::format("{}/{}", dir_, number);
  struct stat st{};
  if (::lstat(link.c_str(), &st) != 0)
    return fail(fmt::format("host {} has no generation {}; `cairn generations --host {}` lists them", host_,
                            number, host_));
  return replace_symlink(dir_ + "/current", std::to_string(number));
}

Result<void> Profile::remove(uint64_t number) {
  auto c = current();
  if (!c) return std::unexpected(c.error());
  if (*c && (*c)->number == number)
    return fail(fmt::format("generation {} of {} is the current one and is kept", number, host_));
  std::string link = fmt::format("{}/{}", dir_, number);
  if (::unlink(link.c_str()) != 0) return std::unexpected(errno_error("removing the generation link", link));
  return {};
}

Result<std::vector<std::string>> profile_hosts(const std::string& store_root) {
  std::vector<std::string> out;
  std::error_code ec;
  std::string dir = store_root + "/profiles";
  if (!fs::exists(dir)) return out;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  if (ec) return fail(fmt::format("reading {}: {}", dir, ec.message()));
  std::sort(out.begin(), out.end());
  return out;
}

Result<void> set_result_link(const std::string& store_root, const std::string& link,
                             const std::string& system_dir) {
  std::error_code ec;
  fs::path absolute = fs::absolute(link, ec);
  if (ec) return fail(fmt::format("{}: {}", link, ec.message()));
  std::string roots = store_root + "/roots";
  fs::create_directories(roots, ec);
  if (ec) return fail(fmt::format("creating {}: {}", roots, ec.message()));
  if (auto r = replace_symlink(absolute.string(), system_dir); !r) return r;
  return replace_symlink(roots + "/" + sha256_hex(absolute.string()), absolute.string());
}

}  // namespace cairn::generations
