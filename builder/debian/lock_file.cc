// cairn.lock reading, writing and drift checks (see lock_file.hh for the
// format).
//
// Reading is strict: every field is checked for presence and type, unknown
// keys are errors (a typo in a hand edit should not be silently ignored),
// and the first problem is reported with the file and the JSON path to the
// value ("cairn.lock: hosts.vm.packages[3].size: expected a non-negative
// integer"). Writing goes through nlohmann::ordered_json so that keys come
// out in the documented order rather than alphabetically.

#include "builder/debian/lock_file.hh"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/files.hh"

namespace cairn::debian {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

constexpr int kVersion = 1;

bool is_sha256(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool package_less(const ResolvedPackage& a, const ResolvedPackage& b) {
  return a.name != b.name ? a.name < b.name : a.architecture < b.architecture;
}

// Remembers the first problem; every accessor is a no-op returning an empty
// value once there is one, so the parser reads straight through and checks
// once at the end.
class Reader {
 public:
  explicit Reader(std::string_view path) : path_(path) {}

  const std::optional<std::string>& error() const { return error_; }

  void problem(std::string_view where, std::string_view what) {
    if (error_) return;
    error_ = where.empty() ? fmt::format("{}: {}", path_, what)
                           : fmt::format("{}: {}: {}", path_, where, what);
  }

  // `value` must be an object with exactly the keys in `required` (and
  // perhaps some of `optional`).
  bool object(const json& value, std::string_view where,
              std::initializer_list<std::string_view> required,
              std::initializer_list<std::string_view> optional = {}) {
    if (error_) return false;
    if (!value.is_object()) {
      problem(where, "expected an object");
      return false;
    }
    for (std::string_view key : required)
      if (!value.contains(key)) {
        problem(where, fmt::format("missing \"{}\"", key));
        return false;
      }
    for (const auto& item : value.items()) {
      const std::string& key = item.key();
      auto known = [&](std::initializer_list<std::string_view> keys) {
        return std::find(keys.begin(), keys.end(), key) != keys.end();
      };
      if (!known(required) && !known(optional)) {
        problem(where, fmt::format("unknown key \"{}\"", key));
        return false;
      }
    }
    return true;
  }

  std::string string(const json& obj, std::string_view where, std::string_view key,
                     bool non_empty = true) {
    if (error_) return {};
    const json& v = obj.at(key);
    std::string at = join(where, key);
    if (!v.is_string()) {
      problem(at, "expected a string");
      return {};
    }
    std::string s = v.get<std::string>();
    if (non_empty && s.empty()) problem(at, "must not be empty");
    return s;
  }

  std::string sha256(const json& obj, std::string_view where, std::string_view key) {
    std::string s = string(obj, where, key);
    if (!error_ && !is_sha256(s)) problem(join(where, key), "expected 64 lowercase hex digits");
    return s;
  }

  bool boolean(const json& obj, std::string_view where, std::string_view key) {
    if (error_) return false;
    const json& v = obj.at(key);
    if (!v.is_boolean()) {
      problem(join(where, key), "expected true or false");
      return false;
    }
    return v.get<bool>();
  }

  std::uint64_t size(const json& obj, std::string_view where, std::string_view key) {
    if (error_) return 0;
    const json& v = obj.at(key);
    if (!v.is_number_unsigned()) {
      problem(join(where, key), "expected a non-negative integer");
      return 0;
    }
    return v.get<std::uint64_t>();
  }

  static std::string join(std::string_view where, std::string_view key) {
    return where.empty() ? std::string(key) : fmt::format("{}.{}", where, key);
  }

 private:
  std::string path_;
  std::optional<std::string> error_;
};

LockedHost read_host(Reader& r, const json& value, const std::string& where) {
  LockedHost host;
  if (!r.object(value, where,
                {"suite", "architecture", "base", "recommends", "requested", "packages"}))
    return host;
  host.suite = r.string(value, where, "suite");
  host.architecture = r.string(value, where, "architecture");
  std::string base = r.string(value, where, "base");
  if (auto b = parse_base_set(base))
    host.base = *b;
  else
    r.problem(Reader::join(where, "base"),
              fmt::format("expected \"essential\", \"required\" or \"none\", not \"{}\"", base));
  host.recommends = r.boolean(value, where, "recommends");

  const json& requested = value.at("requested");
  std::string req_where = Reader::join(where, "requested");
  if (!requested.is_array()) r.problem(req_where, "expected a list of package names");
  for (size_t i = 0; !r.error() && requested.is_array() && i < requested.size(); ++i) {
    if (!requested[i].is_string() || requested[i].get<std::string>().empty())
      r.problem(fmt::format("{}[{}]", req_where, i), "expected a package name");
    else
      host.requested.push_back(requested[i].get<std::string>());
  }
  std::sort(host.requested.begin(), host.requested.end());
  host.requested.erase(std::unique(host.requested.begin(), host.requested.end()),
                       host.requested.end());

  const json& packages = value.at("packages");
  std::string pkgs_where = Reader::join(where, "packages");
  if (!packages.is_array()) r.problem(pkgs_where, "expected a list of packages");
  for (size_t i = 0; !r.error() && packages.is_array() && i < packages.size(); ++i) {
    std::string at = fmt::format("{}[{}]", pkgs_where, i);
    const json& p = packages[i];
    if (!r.object(p, at, {"name", "version", "architecture", "filename", "size", "sha256"})) break;
    ResolvedPackage pkg;
    pkg.name = r.string(p, at, "name");
    pkg.version = r.string(p, at, "version");
    pkg.architecture = r.string(p, at, "architecture");
    pkg.filename = r.string(p, at, "filename");
    pkg.size = r.size(p, at, "size");
    pkg.sha256 = r.sha256(p, at, "sha256");
    host.packages.push_back(std::move(pkg));
  }
  if (r.error()) return host;
  std::sort(host.packages.begin(), host.packages.end(), package_less);
  for (size_t i = 1; i < host.packages.size(); ++i)
    if (host.packages[i].name == host.packages[i - 1].name &&
        host.packages[i].architecture == host.packages[i - 1].architecture) {
      r.problem(pkgs_where, fmt::format("{} ({}) is listed twice", host.packages[i].name,
                                        host.packages[i].architecture));
      return host;
    }
  for (const std::string& name : host.requested) {
    auto it =
        std::lower_bound(host.packages.begin(), host.packages.end(), name,
                         [](const ResolvedPackage& p, const std::string& n) { return p.name < n; });
    if (it == host.packages.end() || it->name != name) {
      r.problem(req_where, fmt::format("{} is requested but not among the locked packages", name));
      return host;
    }
  }
  return host;
}

}  // namespace

std::string index_key(std::string_view suite, std::string_view architecture) {
  return fmt::format("{}/{}", suite, architecture);
}

LockedHost make_locked_host(const HostPackageConfig& config, const Resolution& resolution) {
  LockedHost host{config.suite,      config.architecture, config.base,
                  config.recommends, config.requested,    resolution.packages};
  std::sort(host.requested.begin(), host.requested.end());
  host.requested.erase(std::unique(host.requested.begin(), host.requested.end()),
                       host.requested.end());
  std::sort(host.packages.begin(), host.packages.end(), package_less);
  return host;
}

Result<LockFile> parse_lock_file(std::string_view text, std::string_view path) {
  Reader r(path);
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 3, column 5: …"
    // (or out_of_range.406 for a number too large for a double)
    std::string what = e.what();
    if (auto bracket = what.find("] ");
        what.starts_with("[json.exception") && bracket != std::string::npos)
      what = what.substr(bracket + 2);
    return fail(fmt::format("{}: not valid JSON: {}", path, what));
  }
  LockFile lock;
  if (!root.is_object()) return fail(fmt::format("{}: expected a JSON object", path));
  if (!root.contains("version")) return fail(fmt::format("{}: missing \"version\"", path));
  if (const json& v = root["version"]; !v.is_number_integer() || v.get<long long>() != kVersion)
    return fail(fmt::format("{}: version {} is not supported (this cairn reads version {})", path,
                            v.dump(), kVersion));
  if (!r.object(root, "", {"version", "indexes", "hosts"})) return fail(*r.error());

  const json& indexes = root["indexes"];
  if (!indexes.is_object()) r.problem("indexes", "expected an object");
  for (auto it = indexes.begin(); !r.error() && indexes.is_object() && it != indexes.end(); ++it) {
    std::string where = "indexes." + it.key();
    auto slash = it.key().find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == it.key().size() ||
        it.key().find('/', slash + 1) != std::string::npos) {
      r.problem("indexes", fmt::format("\"{}\" is not \"<suite>/<architecture>\"", it.key()));
      break;
    }
    if (!r.object(it.value(), where, {"inRelease", "date"})) break;
    LockedIndex index;
    index.in_release_sha256 = r.sha256(it.value(), where, "inRelease");
    index.date = r.string(it.value(), where, "date");
    lock.indexes.emplace(it.key(), std::move(index));
  }

  const json& hosts = root["hosts"];
  if (!hosts.is_object()) r.problem("hosts", "expected an object");
  for (auto it = hosts.begin(); !r.error() && hosts.is_object() && it != hosts.end(); ++it)
    lock.hosts.emplace(it.key(), read_host(r, it.value(), "hosts." + it.key()));

  if (r.error()) return fail(*r.error());
  return lock;
}

Result<LockFile> read_lock_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  return parse_lock_file(*text, path);
}

std::string format_lock_file(const LockFile& lock) {
  ordered_json root;
  root["version"] = kVersion;
  ordered_json indexes = ordered_json::object();
  for (const auto& [key, index] : lock.indexes)
    indexes[key] = ordered_json{{"inRelease", index.in_release_sha256}, {"date", index.date}};
  root["indexes"] = std::move(indexes);
  ordered_json hosts = ordered_json::object();
  for (const auto& [name, host] : lock.hosts) {
    std::vector<std::string> requested = host.requested;
    std::sort(requested.begin(), requested.end());
    requested.erase(std::unique(requested.begin(), requested.end()), requested.end());
    std::vector<ResolvedPackage> sorted = host.packages;
    std::sort(sorted.begin(), sorted.end(), package_less);
    ordered_json packages = ordered_json::array();
    for (const ResolvedPackage& p : sorted)
      packages.push_back(ordered_json{{"name", p.name},
                                      {"version", p.version},
                                      {"architecture", p.architecture},
                                      {"filename", p.filename},
                                      {"size", p.size},
                                      {"sha256", p.sha256}});
    ordered_json entry;
    entry["suite"] = host.suite;
    entry["architecture"] = host.architecture;
    entry["base"] = std::string(base_set_name(host.base));
    entry["recommends"] = host.recommends;
    entry["requested"] = requested;
    entry["packages"] = std::move(packages);
    hosts[name] = std::move(entry);
  }
  root["hosts"] = std::move(hosts);
  return root.dump(2) + "\n";
}

Result<void> write_lock_file(const std::string& path, const LockFile& lock) {
  return write_file_atomic(path, format_lock_file(lock));
}

std::vector<std::string> lock_drift(const LockFile& lock, std::string_view host,
                                    const HostPackageConfig& config) {
  auto it = lock.hosts.find(std::string(host));
  if (it == lock.hosts.end()) return {fmt::format("host {} is not locked", host)};
  const LockedHost& locked = it->second;
  std::vector<std::string> out;
  if (locked.suite != config.suite)
    out.push_back(fmt::format("locked suite {} but config says {}", locked.suite, config.suite));
  if (locked.architecture != config.architecture)
    out.push_back(fmt::format("locked architecture {} but config says {}", locked.architecture,
                              config.architecture));
  if (locked.base != config.base)
    out.push_back(fmt::format("locked base set {} but config says {}", base_set_name(locked.base),
                              base_set_name(config.base)));
  if (locked.recommends != config.recommends)
    out.push_back(locked.recommends ? "locked with Recommends but config leaves them out"
                                    : "locked without Recommends but config installs them");
  if (!lock.indexes.count(index_key(config.suite, config.architecture)))
    out.push_back(
        fmt::format("no index locked for {}", index_key(config.suite, config.architecture)));
  std::set<std::string> wanted(config.requested.begin(), config.requested.end());
  std::set<std::string> had(locked.requested.begin(), locked.requested.end());
  for (const std::string& name : wanted)
    if (!had.count(name)) out.push_back("requested but not locked: " + name);
  for (const std::string& name : had)
    if (!wanted.count(name)) out.push_back("locked but no longer requested: " + name);
  return out;
}

}  // namespace cairn::debian
