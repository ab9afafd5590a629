// Resolution with libsolv, and the Packages index it runs on.
//
// Loading. libsolv's repo_add_debpackages parses a Packages file into
// solvables (name, version, architecture, Depends/Pre-Depends as requires
// split by SOLVABLE_PREREQMARKER, Conflicts and Breaks as conflicts,
// Provides, Recommends, Filename, the longest checksum, Multi-Arch). It does
// not keep Essential, Priority or Size, which the base set and the lock
// need, so a second, much cheaper scan of the same text picks those out and
// stores them as attributes of the same repodata ("cairn:essential",
// "cairn:priority", SOLVABLE_DOWNLOADSIZE). The finished repo is written to
// "<cache_dir>/<sha256>.solv" (without descriptions, summaries and
// homepages, which resolution never shows) and read back
// from there next time: libsolv's own binary format, an order of magnitude
// faster than parsing text.
//
// Architecture. The pool has Debian semantics (DISTTYPE_DEB: Debian version
// comparison, `all` as the no-arch class) and an arch policy of exactly the
// host's architecture, so packages built for any other one are not
// installable; `foo:any` matches foo as libsolv does for Debian.
//
// Alternatives. For "a | b" apt takes the first alternative that can be
// installed; libsolv alone would take the alphabetically first provider
// (so `debconf | debconf-2.0` would become cdebconf). Before solving, a
// walk from the requested and base packages picks, apt's way, one package
// for every dependency not yet satisfied, and those packages are given to
// the solver as SOLVER_FAVOR jobs: preferred when it has a choice, but never
// forced, so Conflicts and versions still decide. For a bookworm server
// (openssh-server, systemd-sysv, linux-image-amd64, sudo, vim, git, curl and
// the Essential set) the result is apt-get's to the package and version,
// with and without Recommends. Where apt installs a first alternative that
// a package chosen later also satisfies, libsolv leaves it out.
//
// Reasons and problems. Why a package is in the set is found by a
// breadth-first walk over the resolved set's dependencies from the roots
// (requested names in order, then the base set), so the chain is the
// shortest one and the same on every run. Why there is no solution comes
// from libsolv's problem rules (solver_findproblemrule,
// solver_findallproblemrules, solver_ruleinfo), rewritten as chains in
// Debian's own terms: "cannot install foo: depends on mid, which depends on
// libbar (>= 2), but bookworm has libbar 1.9".
//
// The file is past the usual size: loading, solving, reasons and problem
// messages share the Impl and the pool helpers. Its natural split is
// packages_index.cc (loading and the cache), resolver.cc (solving and
// reasons) and resolver_problems.cc (messages) with a private header for the
// Impl; that waits for a change to meson.build, which lists one file.

#include "builder/debian/resolver.hh"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/hash.hh"
#include "base/lines.hh"

// libsolv's Solvable has a member named `requires`, a keyword since C++20;
// renamed while its headers are read (the layout is unchanged).
#define requires requires_
#include <solv/evr.h>
#include <solv/pool.h>
#include <solv/problems.h>
#include <solv/repo.h>
#include <solv/repo_solv.h>
#include <solv/repo_write.h>
#include <solv/rules.h>
#include <solv/solver.h>
#include <solv/transaction.h>
extern "C" {
#include <solv/repo_deb.h>
#include <solv/solv_xfopen.h>
}
#undef requires

namespace cairn::debian {

namespace {

// ---------------------------------------------------------------------------
// RAII for libsolv and stdio objects.

struct PoolFree {
  void operator()(Pool* p) const { pool_free(p); }
};
struct SolverFree {
  void operator()(Solver* s) const { solver_free(s); }
};
struct TransactionFree {
  void operator()(Transaction* t) const { transaction_free(t); }
};
struct RepowriterFree {
  void operator()(Repowriter* w) const { repowriter_free(w); }
};
struct FileClose {
  void operator()(FILE* f) const { std::fclose(f); }
};
using PoolPtr = std::unique_ptr<Pool, PoolFree>;
using SolverPtr = std::unique_ptr<Solver, SolverFree>;
using TransactionPtr = std::unique_ptr<Transaction, TransactionFree>;
using RepowriterPtr = std::unique_ptr<Repowriter, RepowriterFree>;
using FilePtr = std::unique_ptr<FILE, FileClose>;

// A libsolv Queue of Ids, freed on scope exit.
class IdQueue {
 public:
  IdQueue() { queue_init(&q_); }
  ~IdQueue() { queue_free(&q_); }
  IdQueue(const IdQueue&) = delete;
  IdQueue& operator=(const IdQueue&) = delete;
  Queue* get() { return &q_; }
  int size() const { return q_.count; }
  Id operator[](int i) const { return q_.elements[i]; }
  void push(Id id) { queue_push(&q_, id); }
  void push2(Id a, Id b) { queue_push2(&q_, a, b); }

 private:
  Queue q_;
};

// Written into every .solv file; a file without it (another cairn version,
// another tool) is not used.
constexpr std::string_view kCacheTag = "cairn-packages-1";

constexpr std::string_view kBaseSetNames[] = {"none", "essential", "required"};

// ---------------------------------------------------------------------------
// The fields libsolv does not keep, scanned from the Packages text.

struct SideEntry {
  std::string_view name, version, architecture = "all", priority;
  bool essential = false;
  std::uint64_t size = 0;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool tag_is(std::string_view tag, std::string_view want) {
  return tag.size() == want.size() && strncasecmp(tag.data(), want.data(), want.size()) == 0;
}

// Paragraphs end at an empty line, as in libsolv's reader; paragraphs
// without a Package field are skipped, as libsolv skips them.
std::vector<SideEntry> scan_side_fields(std::string_view text) {
  std::vector<SideEntry> out;
  SideEntry cur;
  bool have_name = false;
  auto finish = [&] {
    if (have_name) out.push_back(cur);
    cur = SideEntry{};
    have_name = false;
  };
  for (std::string_view line : split_lines(text)) {
    if (line.empty()) {
      finish();
      continue;
    }
    if (line[0] == ' ' || line[0] == '\t') continue;  // continuation
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view tag = line.substr(0, colon);
    if (tag.empty()) continue;
    std::string_view value = trim(line.substr(colon + 1));
    switch (tag[0] | 0x20) {
      case 'p':
        if (tag_is(tag, "package")) {
          cur.name = value;
          have_name = true;
        } else if (tag_is(tag, "priority")) {
          cur.priority = value;
        }
        break;
      case 'v':
        if (tag_is(tag, "version")) cur.version = value;
        break;
      case 'a':
        if (tag_is(tag, "architecture")) cur.architecture = value;
        break;
      case 'e':
        if (tag_is(tag, "essential")) cur.essential = tag_is(value, "yes");
        break;
      case 's':
        if (tag_is(tag, "size")) cur.size = std::strtoull(std::string(value).c_str(), nullptr, 10);
        break;
      default: break;
    }
  }
  finish();
  return out;
}

// ---------------------------------------------------------------------------
// Dependencies in Debian's notation.

// The alternatives of an "a | b | c" dependency, in order.
void flatten_or(Pool* pool, Id dep, std::vector<Id>& out) {
  if (ISRELDEP(dep)) {
    Reldep* rd = GETRELDEP(pool, dep);
    if (rd->flags == REL_OR) {
      flatten_or(pool, rd->name, out);
      flatten_or(pool, rd->evr, out);
      return;
    }
  }
  out.push_back(dep);
}

// The package name a single alternative is about ("libbar" for
// "libbar:any (>= 2)").
Id dep_name(Pool* pool, Id dep) {
  while (ISRELDEP(dep)) dep = GETRELDEP(pool, dep)->name;
  return dep;
}

std::string_view op_text(int flags) {
  switch (flags) {
    case REL_GT: return ">>";
    case REL_LT: return "<<";
    case REL_EQ: return "=";
    case REL_GT | REL_EQ: return ">=";
    case REL_LT | REL_EQ: return "<=";
    default: return "?";
  }
}

// "libc6 (>= 2.34)", "python3:any", "default-mta | mail-transport-agent".
std::string dep_text(Pool* pool, Id dep) {
  if (!ISRELDEP(dep)) return pool_id2str(pool, dep);
  Reldep* rd = GETRELDEP(pool, dep);
  if (rd->flags == REL_OR) return dep_text(pool, rd->name) + " | " + dep_text(pool, rd->evr);
  if (rd->flags == REL_MULTIARCH || rd->flags == REL_ARCH)
    return dep_text(pool, rd->name) + ":" + pool_id2str(pool, rd->evr);
  if (rd->flags >= 1 && rd->flags <= 7)
    return fmt::format("{} ({} {})", dep_text(pool, rd->name), op_text(rd->flags),
                       pool_id2str(pool, rd->evr));
  return pool_dep2str(pool, dep);
}

// Whether `name` is one of the packages a dependency text names.
bool dependency_names(std::string_view dependency, std::string_view name) {
  size_t pos = 0;
  while (pos <= dependency.size()) {
    size_t bar = dependency.find(" | ", pos);
    std::string_view alt =
        dependency.substr(pos, bar == std::string_view::npos ? std::string_view::npos : bar - pos);
    alt = alt.substr(0, alt.find_first_of(" :("));
    if (alt == name) return true;
    if (bar == std::string_view::npos) break;
    pos = bar + 3;
  }
  return false;
}

int priority_rank(std::string_view priority) {
  static constexpr std::string_view order[] = {"required", "important", "standard", "optional",
                                               "extra"};
  for (size_t i = 0; i < std::size(order); ++i)
    if (priority == order[i]) return static_cast<int>(i);
  return static_cast<int>(std::size(order));
}

// Bounded edit distance (Levenshtein plus swaps of neighbours, "optimal
// string alignment"): anything above `max` comes back as max + 1.
size_t edit_distance(std::string_view a, std::string_view b, size_t max) {
  if ((a.size() > b.size() ? a.size() - b.size() : b.size() - a.size()) > max) return max + 1;
  std::vector<size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
      // A swap of neighbours counts as one edit ("vmi" → "vim").
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], before[j - 2] + 1);
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > max) return max + 1;
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return std::min(prev[b.size()], max + 1);
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

bool is_sha256(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

// ---------------------------------------------------------------------------
// Enum names.

std::string_view base_set_name(BaseSet base) { return kBaseSetNames[static_cast<int>(base)]; }

std::optional<BaseSet> parse_base_set(std::string_view name) {
  for (size_t i = 0; i < std::size(kBaseSetNames); ++i)
    if (kBaseSetNames[i] == name) return static_cast<BaseSet>(i);
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// The universe.

struct Universe::Impl {
  PoolPtr owner;
  /// owner.get(), under the name libsolv's FOR_PROVIDES macro expects.
  Pool* pool = nullptr;
  UniverseOptions options;
  LoadStats stats;
  Id key_essential = 0;  // void attribute: Essential: yes
  Id key_priority = 0;   // id attribute: the Priority field
  /// The base sets: sorted, unique names.
  std::vector<std::string> essential_names, required_names;
  /// Sorted, unique names of installable real packages; made on first use
  /// (only suggestions need them).
  mutable std::optional<std::vector<std::string>> names;

  Solvable* solvable(Id p) const { return pool->solvables + p; }
  const char* str(Id id) const { return pool_id2str(pool, id); }
  bool installable(Id p) const { return pool_installable(pool, solvable(p)); }
  /// The solvables called `name`, in id order: the installable ones (from
  /// the whatprovides index), or all of them (a scan, for error messages).
  std::vector<Id> named(Id name, bool installable_only = true) const;
  const std::vector<std::string>& all_names() const;

  /// Parses Packages text into a new repo named `label`.
  Result<Repo*> add_text(std::string_view text, const std::string& label);
  Result<void> add_file(const PackagesFile& file);
  bool load_cache(const std::string& path, const std::string& label);
  Result<void> write_cache(Repo* repo, const std::string& path);
  void finish();

  Id best_of_name(Id name) const;
  std::string name_version(Id p) const {
    return fmt::format("{} {}", str(solvable(p)->name), str(solvable(p)->evr));
  }
  std::string unknown_name_message(std::string_view name) const;
  std::vector<Id> preselect(const std::vector<Id>& roots, bool recommends) const;
  Resolution collect(Solver* solv, const std::vector<std::pair<Id, Reason::Kind>>& roots,
                     bool recommends) const;
  std::string problem_message(Solver* solv, Id problem,
                              const std::unordered_map<Id, Reason::Kind>& root_kinds,
                              const std::vector<Id>& root_order) const;
  std::string availability(Id dep) const;
  bool is_pre_depends(Id p, Id dep) const;
};

Universe::Universe(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Universe::Universe(Universe&&) noexcept = default;
Universe& Universe::operator=(Universe&&) noexcept = default;
Universe::~Universe() = default;

const LoadStats& Universe::stats() const { return impl_->stats; }
const UniverseOptions& Universe::options() const { return impl_->options; }

namespace {

Result<std::unique_ptr<Universe::Impl>> make_impl(const UniverseOptions& options) {
  const std::string& arch = options.architecture;
  if (arch.empty() || arch == "all" || arch.find_first_of(":=> \t") != std::string::npos)
    return fail(fmt::format("invalid architecture '{}'", arch));
  auto impl = std::make_unique<Universe::Impl>();
  impl->options = options;
  impl->owner.reset(pool_create());
  impl->pool = impl->owner.get();
  if (pool_setdisttype(impl->pool, DISTTYPE_DEB) < 0)
    return fail("libsolv was built without Debian support");
  // Exactly the host's architecture; `all` is the pool's no-arch class and
  // always installable.
  pool_setarchpolicy(impl->pool, arch.c_str());
  impl->key_essential = pool_str2id(impl->pool, "cairn:essential", 1);
  impl->key_priority = pool_str2id(impl->pool, "cairn:priority", 1);
  return impl;
}

// Drops the texts meant for people (description, summary, homepage) from the
// cache: resolution never shows them, and without them the cache is a third
// smaller and loads a fifth faster.
int cache_keyfilter(Repo* repo, Repokey* key, void* kfdata) {
  if (key->name == SOLVABLE_DESCRIPTION || key->name == SOLVABLE_SUMMARY ||
      key->name == SOLVABLE_URL)
    return KEY_STORAGE_DROPPED;
  return repo_write_stdkeyfilter(repo, key, kfdata);
}

}  // namespace

Result<Repo*> Universe::Impl::add_text(std::string_view text, const std::string& label) {
  Pool* p = pool;
  Repo* repo = repo_create(p, label.c_str());
  ++stats.files_parsed;
  if (text.empty()) return repo;
  // fmemopen does not write through a "r" stream; the cast is for its
  // pre-C23 signature.
  FilePtr fp(fmemopen(const_cast<char*>(text.data()), text.size(), "r"));
  if (!fp) return fail(fmt::format("reading {}: {}", label, std::strerror(errno)));
  if (repo_add_debpackages(repo, fp.get(), REPO_NO_INTERNALIZE) != 0)
    return fail(fmt::format("reading {}: {}", label, pool_errstr(p)));
  Repodata* data = repo_last_repodata(repo);

  // Match the side fields to the solvables: both come in paragraph order,
  // so the fast path walks them together; anything unexpected (a file
  // libsolv reads differently) falls back to matching by name, version
  // and architecture.
  std::vector<SideEntry> side = scan_side_fields(text);
  std::vector<Id> ids;
  for (Id id = repo->start; id < repo->end; ++id)
    if (solvable(id)->repo == repo) ids.push_back(id);
  auto matches = [&](Id id, const SideEntry& e) {
    Solvable* s = solvable(id);
    return e.name == str(s->name) && e.version == str(s->evr) && e.architecture == str(s->arch);
  };
  bool in_order = side.size() == ids.size();
  for (size_t i = 0; in_order && i < ids.size(); ++i) in_order = matches(ids[i], side[i]);
  std::unordered_map<std::string, const SideEntry*> by_key;
  if (!in_order) {
    for (const SideEntry& e : side)
      by_key.emplace(fmt::format("{}\n{}\n{}", e.name, e.version, e.architecture), &e);
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    const SideEntry* e = nullptr;
    if (in_order) {
      e = &side[i];
    } else {
      Solvable* s = solvable(ids[i]);
      auto it = by_key.find(fmt::format("{}\n{}\n{}", str(s->name), str(s->evr), str(s->arch)));
      if (it != by_key.end()) e = it->second;
    }
    if (!e) continue;
    if (e->essential) repodata_set_void(data, ids[i], key_essential);
    if (!e->priority.empty())
      repodata_set_id(data, ids[i], key_priority,
                      pool_strn2id(p, e->priority.data(), e->priority.size(), 1));
    if (e->size) repodata_set_num(data, ids[i], SOLVABLE_DOWNLOADSIZE, e->size);
  }
  repodata_internalize(data);
  return repo;
}

bool Universe::Impl::load_cache(const std::string& path, const std::string& label) {
  FilePtr fp(std::fopen(path.c_str(), "re"));
  if (!fp) return false;
  unsigned char* user = nullptr;
  int user_len = 0;
  if (solv_read_userdata(fp.get(), &user, &user_len) != 0) return false;
  bool ours =
      std::string_view(reinterpret_cast<char*>(user), static_cast<size_t>(user_len)) == kCacheTag;
  solv_free(user);
  if (!ours) return false;
  std::rewind(fp.get());
  Repo* repo = repo_create(pool, label.c_str());
  if (repo_add_solv(repo, fp.get(), 0) != 0) {
    repo_free(repo, 1);
    return false;
  }
  ++stats.files_cached;
  return true;
}

Result<void> Universe::Impl::write_cache(Repo* repo, const std::string& path) {
  char* buf = nullptr;
  size_t len = 0;
  {
    FilePtr mem(open_memstream(&buf, &len));
    if (!mem) return fail(fmt::format("writing {}: {}", path, std::strerror(errno)));
    RepowriterPtr writer(repowriter_create(repo));
    repowriter_set_keyfilter(writer.get(), cache_keyfilter, nullptr);
    repowriter_set_userdata(writer.get(), kCacheTag.data(), static_cast<int>(kCacheTag.size()));
    if (repowriter_write(writer.get(), mem.get()) != 0) {
      mem.reset();
      std::free(buf);
      return fail(fmt::format("writing {}: {}", path, pool_errstr(pool)));
    }
  }  // closing the stream makes buf/len final
  std::string contents(buf, len);
  std::free(buf);
  return write_file_atomic(path, contents);
}

Result<void> Universe::Impl::add_file(const PackagesFile& file) {
  std::string sha = file.sha256;
  if (sha.empty() && !options.cache_dir.empty()) {
    auto got = sha256_file(file.path);
    if (!got) return std::unexpected(got.error());
    sha = *got;
  }
  if (!sha.empty() && !is_sha256(sha))
    return fail(fmt::format("{}: '{}' is not a sha256", file.path, sha));
  std::string cache_path;
  if (!options.cache_dir.empty()) {
    cache_path = options.cache_dir + "/" + sha + ".solv";
    if (load_cache(cache_path, file.path)) return {};
  }

  std::string text;
  if (solv_xfopen_iscompressed(file.path.c_str()) == 1) {
    FilePtr fp(solv_xfopen(file.path.c_str(), "r"));
    if (!fp) return fail(fmt::format("cannot open {}: {}", file.path, std::strerror(errno)));
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, fp.get())) > 0) text.append(buf, n);
    if (std::ferror(fp.get())) return fail(fmt::format("cannot decompress {}", file.path));
  } else {
    auto got = read_file(file.path);
    if (!got) return std::unexpected(got.error());
    text = std::move(*got);
  }
  auto repo = add_text(text, file.path);
  if (!repo) return std::unexpected(repo.error());
  if (!cache_path.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.cache_dir, ec);
    if (auto ok = ec ? fail(fmt::format("cannot create {}: {}", options.cache_dir, ec.message()))
                     : write_cache(*repo, cache_path);
        !ok)
      stats.warnings.push_back(ok.error().message + ", ignoring");
  }
  return {};
}

void Universe::Impl::finish() {
  Pool* p = pool;
  // (No pool_addfileprovides: Debian dependencies never name files.)
  pool_createwhatprovides(p);
  // Name ids are dense, so a byte per id tells which names were seen.
  std::vector<char> seen(static_cast<size_t>(p->ss.nstrings), 0);
  Id required = pool_str2id(p, "required", 1);
  Id id;
  FOR_POOL_SOLVABLES(id) {
    Solvable* s = solvable(id);
    stats.packages++;
    if (!installable(id)) continue;
    char& flags = seen[static_cast<size_t>(s->name)];
    if (!(flags & 1) && solvable_lookup_void(s, key_essential)) {
      flags |= 1;
      essential_names.emplace_back(str(s->name));
    }
    if (!(flags & 2) && solvable_lookup_id(s, key_priority) == required) {
      flags |= 2;
      required_names.emplace_back(str(s->name));
    }
  }
  std::sort(essential_names.begin(), essential_names.end());
  std::sort(required_names.begin(), required_names.end());
}

std::vector<Id> Universe::Impl::named(Id name, bool installable_only) const {
  std::vector<Id> out;
  Id id, pp;
  if (installable_only) {
    FOR_PROVIDES(id, pp, name) {
      if (solvable(id)->name == name) out.push_back(id);
    }
  } else {
    FOR_POOL_SOLVABLES(id) {
      if (solvable(id)->name == name) out.push_back(id);
    }
  }
  return out;
}

const std::vector<std::string>& Universe::Impl::all_names() const {
  if (names) return *names;
  std::vector<char> seen(static_cast<size_t>(pool->ss.nstrings), 0);
  std::vector<std::string> out;
  Id id;
  FOR_POOL_SOLVABLES(id) {
    Solvable* s = solvable(id);
    if (installable(id) && !seen[static_cast<size_t>(s->name)]) {
      seen[static_cast<size_t>(s->name)] = 1;
      out.emplace_back(str(s->name));
    }
  }
  std::sort(out.begin(), out.end());
  names = std::move(out);
  return *names;
}

Result<Universe> Universe::load(const std::vector<PackagesFile>& files,
                                const UniverseOptions& options) {
  auto impl = make_impl(options);
  if (!impl) return std::unexpected(impl.error());
  for (const PackagesFile& file : files)
    if (auto ok = (*impl)->add_file(file); !ok) return std::unexpected(ok.error());
  (*impl)->finish();
  return Universe(std::move(*impl));
}

Result<Universe> Universe::from_text(const std::vector<std::string_view>& texts,
                                     const UniverseOptions& options) {
  auto impl = make_impl(options);
  if (!impl) return std::unexpected(impl.error());
  for (size_t i = 0; i < texts.size(); ++i)
    if (auto repo = (*impl)->add_text(texts[i], fmt::format("<text {}>", i + 1)); !repo)
      return std::unexpected(repo.error());
  (*impl)->finish();
  return Universe(std::move(*impl));
}

bool Universe::contains(std::string_view name) const {
  Id id = pool_strn2id(impl_->pool, name.data(), static_cast<unsigned>(name.size()), 0);
  return id && !impl_->named(id).empty();
}

std::vector<std::string> Universe::close_names(std::string_view name, std::size_t limit) const {
  return debian::close_names(name, impl_->all_names(), limit);
}

std::vector<std::string> close_names(std::string_view name, const std::vector<std::string>& names,
                                     std::size_t limit) {
  // Scores, lower is closer: twice the edit distance; 3 for a name that is
  // `name` plus one "-suffix" ("firefox" → "firefox-esr"), so it ranks
  // between one and two edits; 7 for any other name starting with `name`.
  size_t max = name.size() <= 4 ? 1 : name.size() <= 8 ? 2 : 3;
  std::vector<std::pair<size_t, const std::string*>> scored;
  for (const std::string& n : names) {
    if (n == name) continue;
    if (size_t d = edit_distance(name, n, max); d <= max) {
      scored.emplace_back(2 * d, &n);
    } else if (name.size() >= 3 && n.starts_with(name)) {
      std::string_view rest = std::string_view(n).substr(name.size());
      scored.emplace_back(rest[0] == '-' && rest.find('-', 1) == std::string_view::npos ? 3 : 7, &n);
    }
  }
  auto length_gap = [&](const std::string* n) {
    return n->size() > name.size() ? n->size() - name.size() : name.size() - n->size();
  };
  std::sort(scored.begin(), scored.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    if (length_gap(a.second) != length_gap(b.second))
      return length_gap(a.second) < length_gap(b.second);
    return *a.second < *b.second;
  });
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && out.size() < limit; ++i) out.push_back(*scored[i].second);
  return out;
}

// ---------------------------------------------------------------------------
// Helpers over the pool.

// The newest installable solvable called `name` (lowest id among equals,
// as libsolv's own policy orders them), or 0.
Id Universe::Impl::best_of_name(Id name) const {
  Id best = 0;
  for (Id id : named(name)) {
    if (!best || pool_evrcmp(pool, solvable(id)->evr, solvable(best)->evr, EVRCMP_COMPARE) > 0)
      best = id;
  }
  return best;
}

bool Universe::Impl::is_pre_depends(Id p, Id dep) const {
  Solvable* s = solvable(p);
  if (!s->requires_) return false;
  bool after_marker = false;
  for (Id* dp = s->repo->idarraydata + s->requires_; *dp; ++dp) {
    if (*dp == SOLVABLE_PREREQMARKER)
      after_marker = true;
    else if (*dp == dep)
      return after_marker;
  }
  return false;
}

std::string Universe::Impl::unknown_name_message(std::string_view name) const {
  Pool* p = pool;
  Id id = pool_strn2id(p, name.data(), static_cast<unsigned>(name.size()), 0);
  const std::string& suite = options.suite;
  if (id) {
    // Built for other architectures only?
    if (std::vector<Id> foreign = named(id, false); !foreign.empty()) {
      std::vector<std::string> arches;
      for (Id s : foreign) arches.emplace_back(str(solvable(s)->arch));
      std::sort(arches.begin(), arches.end());
      arches.erase(std::unique(arches.begin(), arches.end()), arches.end());
      return fmt::format("cannot install {}: {} has {} only for {}, not {}", name, suite, name,
                         join(arches, ", "), options.architecture);
    }
    // A virtual package?
    std::vector<std::string> providers;
    Id q, pp;
    FOR_PROVIDES(q, pp, id) providers.emplace_back(str(solvable(q)->name));
    std::sort(providers.begin(), providers.end());
    providers.erase(std::unique(providers.begin(), providers.end()), providers.end());
    if (!providers.empty())
      return fmt::format(
          "cannot install {}: it is a virtual package; name one of the packages that "
          "provide it: {}",
          name, join(providers, ", "));
  }
  std::string msg = fmt::format("cannot install {}: {} has no package {}", name, suite, name);
  auto close = debian::close_names(name, all_names(), 5);
  if (!close.empty()) msg += fmt::format(" (did you mean {}?)", join(close, ", "));
  return msg;
}

// apt's choice among alternatives (see the top of the file): from the roots,
// for each dependency no chosen package satisfies yet, choose from the first
// alternative anything can satisfy. Returns the chosen solvables.
std::vector<Id> Universe::Impl::preselect(const std::vector<Id>& roots, bool recommends) const {
  Pool* p = pool;
  std::vector<char> chosen(static_cast<size_t>(p->nsolvables), 0);
  std::vector<Id> order;
  std::deque<Id> todo;
  auto choose = [&](Id s) {
    if (chosen[static_cast<size_t>(s)]) return;
    chosen[static_cast<size_t>(s)] = 1;
    order.push_back(s);
    todo.push_back(s);
  };
  for (Id r : roots) choose(r);
  std::vector<Id> alts;
  auto visit_deps = [&](Offset deps) {
    for (Id* dp = solvable(todo.front())->repo->idarraydata + deps; *dp; ++dp) {
      if (*dp == SOLVABLE_PREREQMARKER) continue;
      Id q, pp;
      bool satisfied = false;
      FOR_PROVIDES(q, pp, *dp) {
        if (chosen[static_cast<size_t>(q)]) satisfied = true;
      }
      if (satisfied) continue;
      alts.clear();
      flatten_or(p, *dp, alts);
      for (Id alt : alts) {
        // Prefer the package named by the alternative itself; among other
        // providers, Essential, then by Priority, then by name.
        Id best = 0;
        auto better = [&](Id a, Id b) {
          Solvable *sa = solvable(a), *sb = solvable(b);
          Id name = dep_name(p, alt);
          if ((sa->name == name) != (sb->name == name)) return sa->name == name;
          bool ea = solvable_lookup_void(sa, key_essential),
               eb = solvable_lookup_void(sb, key_essential);
          if (ea != eb) return ea;
          int ra = priority_rank(str(solvable_lookup_id(sa, key_priority)));
          int rb = priority_rank(str(solvable_lookup_id(sb, key_priority)));
          if (ra != rb) return ra < rb;
          if (sa->name != sb->name) return std::strcmp(str(sa->name), str(sb->name)) < 0;
          return pool_evrcmp(p, sa->evr, sb->evr, EVRCMP_COMPARE) > 0;
        };
        FOR_PROVIDES(q, pp, alt) {
          if (!installable(q)) continue;
          if (!best || better(q, best)) best = q;
        }
        if (best) {
          choose(best);
          break;
        }
      }
    }
  };
  while (!todo.empty()) {
    Solvable* s = solvable(todo.front());
    if (s->requires_) visit_deps(s->requires_);
    if (recommends && s->recommends) visit_deps(s->recommends);
    todo.pop_front();
  }
  return order;
}

// ---------------------------------------------------------------------------
// Resolution.

Result<Resolution> Universe::resolve(const ResolveRequest& request) {
  Impl& u = *impl_;
  Pool* p = u.pool;

  std::vector<std::string> requested = request.packages;
  std::sort(requested.begin(), requested.end());
  requested.erase(std::unique(requested.begin(), requested.end()), requested.end());
  std::vector<std::string> errors;
  for (const std::string& name : requested)
    if (!contains(name)) errors.push_back(u.unknown_name_message(name));
  if (!errors.empty()) return fail(join(errors, "\n"));

  // Roots: the requested names, then the base set.
  std::vector<std::pair<Id, Reason::Kind>> roots;
  std::unordered_map<Id, Reason::Kind> root_kinds;
  auto add_root = [&](const std::string& name, Reason::Kind kind) {
    Id id = pool_str2id(p, name.c_str(), 1);
    if (root_kinds.emplace(id, kind).second) roots.emplace_back(id, kind);
  };
  for (const std::string& name : requested) add_root(name, Reason::Kind::requested);
  if (request.base == BaseSet::essential)
    for (const std::string& name : u.essential_names) add_root(name, Reason::Kind::essential);
  if (request.base == BaseSet::required)
    for (const std::string& name : u.required_names) add_root(name, Reason::Kind::required);

  IdQueue job;
  std::vector<Id> root_order, root_solvables;
  for (const auto& [name, kind] : roots) {
    job.push2(SOLVER_INSTALL | SOLVER_SOLVABLE_NAME, name);
    root_order.push_back(name);
    if (Id best = u.best_of_name(name)) root_solvables.push_back(best);
  }
  for (Id s : u.preselect(root_solvables, request.recommends))
    job.push2(SOLVER_FAVOR | SOLVER_SOLVABLE, s);

  SolverPtr solver(solver_create(p));
  solver_set_flag(solver.get(), SOLVER_FLAG_IGNORE_RECOMMENDED, request.recommends ? 0 : 1);
  if (int problems = solver_solve(solver.get(), job.get()); problems > 0) {
    std::vector<std::string> lines;
    for (Id problem = 1; problem <= problems; ++problem) {
      std::string line = u.problem_message(solver.get(), problem, root_kinds, root_order);
      if (std::find(lines.begin(), lines.end(), line) == lines.end()) lines.push_back(line);
    }
    return fail(join(lines, "\n"));
  }
  Resolution out = u.collect(solver.get(), roots, request.recommends);
  // libsolv gives names such as "pattern:x" a meaning of its own and may
  // leave them out of the transaction without a problem: say so rather than
  // hand back a set that lacks what was asked for.
  for (const std::string& name : requested)
    if (std::none_of(out.packages.begin(), out.packages.end(),
                     [&](const ResolvedPackage& pkg) { return pkg.name == name; }))
      errors.push_back(fmt::format("cannot install {}: the resolver did not select it (libsolv reserves names "
                                   "like pattern:…, patch:… and product:…; Debian package names have no colon)",
                                   name));
  if (!errors.empty()) return fail(join(errors, "\n"));
  return out;
}

Resolution Universe::Impl::collect(Solver* solv,
                                   const std::vector<std::pair<Id, Reason::Kind>>& roots,
                                   bool recommends) const {
  Pool* p = pool;
  TransactionPtr trans(solver_create_transaction(solv));
  std::vector<char> in_set(static_cast<size_t>(p->nsolvables), 0);
  std::vector<Id> members;
  for (int i = 0; i < trans->steps.count; ++i) {
    Id id = trans->steps.elements[i];
    if (transaction_type(trans.get(), id, SOLVER_TRANSACTION_SHOW_ACTIVE) !=
        SOLVER_TRANSACTION_INSTALL)
      continue;
    in_set[static_cast<size_t>(id)] = 1;
    members.push_back(id);
  }

  Resolution out;
  for (Id id : members) {
    Solvable* s = solvable(id);
    ResolvedPackage pkg;
    pkg.name = str(s->name);
    pkg.version = str(s->evr);
    pkg.architecture = str(s->arch);
    if (const char* loc = solvable_lookup_location(s, nullptr)) pkg.filename = loc;
    pkg.size = solvable_lookup_num(s, SOLVABLE_DOWNLOADSIZE, 0);
    Id type = 0;
    const char* sum = solvable_lookup_checksum(s, SOLVABLE_CHECKSUM, &type);
    if (sum && type == REPOKEY_TYPE_SHA256) pkg.sha256 = sum;
    out.packages.push_back(std::move(pkg));
  }
  std::sort(out.packages.begin(), out.packages.end(),
            [](const ResolvedPackage& a, const ResolvedPackage& b) {
              return a.name != b.name ? a.name < b.name : a.architecture < b.architecture;
            });

  // Reasons: breadth first from the roots over the set's own dependencies.
  std::deque<Id> todo;
  auto reach = [&](Id id, Reason reason) {
    if (out.reasons.emplace(str(solvable(id)->name), std::move(reason)).second) todo.push_back(id);
  };
  for (const auto& [name, kind] : roots)
    for (Id id : named(name))
      if (in_set[static_cast<size_t>(id)]) reach(id, Reason{kind, "", ""});
  while (!todo.empty()) {
    Id id = todo.front();
    todo.pop_front();
    Solvable* s = solvable(id);
    auto walk = [&](Offset deps, bool is_recommends) {
      bool pre = false;
      for (Id* dp = s->repo->idarraydata + deps; *dp; ++dp) {
        if (*dp == SOLVABLE_PREREQMARKER) {
          pre = true;
          continue;
        }
        Reason::Kind kind = is_recommends ? Reason::Kind::recommends
                            : pre         ? Reason::Kind::pre_depends
                                          : Reason::Kind::depends;
        Id q, pp;
        FOR_PROVIDES(q, pp, *dp) {
          if (in_set[static_cast<size_t>(q)])
            reach(q, Reason{kind, str(s->name), dep_text(p, *dp)});
        }
      }
    };
    if (s->requires_) walk(s->requires_, false);
    if (recommends && s->recommends) walk(s->recommends, true);
  }
  for (Id id : members) out.reasons.emplace(str(solvable(id)->name), Reason{});
  return out;
}

const ResolvedPackage* Resolution::find(std::string_view name) const {
  auto it =
      std::lower_bound(packages.begin(), packages.end(), name,
                       [](const ResolvedPackage& p, std::string_view n) { return p.name < n; });
  return it != packages.end() && it->name == name ? &*it : nullptr;
}

std::vector<std::string> Resolution::why(std::string_view name) const {
  std::vector<std::string> lines;
  std::string current(name);
  // A chain visits each package once; the bound guards against a cycle in
  // hand-made reasons.
  for (size_t guard = 0; guard <= reasons.size(); ++guard) {
    auto it = reasons.find(current);
    if (it == reasons.end()) return {};
    const Reason& r = it->second;
    switch (r.kind) {
      case Reason::Kind::requested: lines.push_back(current + " is requested"); break;
      case Reason::Kind::essential:
        lines.push_back(current + " is in the base set (Essential: yes)");
        break;
      case Reason::Kind::required:
        lines.push_back(current + " is in the base set (Priority: required)");
        break;
      case Reason::Kind::solver: lines.push_back(current + " was chosen by the solver"); break;
      case Reason::Kind::depends:
      case Reason::Kind::pre_depends:
      case Reason::Kind::recommends: {
        std::string_view verb = r.kind == Reason::Kind::depends       ? "depends on"
                                : r.kind == Reason::Kind::pre_depends ? "pre-depends on"
                                                                      : "recommends";
        std::string line = fmt::format("{} {} {}", r.parent, verb, r.dependency);
        if (!dependency_names(r.dependency, current)) line += ", provided by " + current;
        lines.push_back(std::move(line));
        break;
      }
    }
    if (r.parent.empty()) break;
    current = r.parent;
  }
  std::reverse(lines.begin(), lines.end());
  return lines;
}

// ---------------------------------------------------------------------------
// Problems.

// "bookworm has libbar 1.9", "bookworm has no package libbar", one clause
// per alternative.
std::string Universe::Impl::availability(Id dep) const {
  Pool* p = pool;
  std::vector<Id> alts;
  flatten_or(p, dep, alts);
  std::vector<std::string> facts;
  for (Id alt : alts) {
    Id name = dep_name(p, alt);
    std::vector<Id> real, foreign;
    for (Id id : named(name, false)) (installable(id) ? real : foreign).push_back(id);
    auto versions = [&](std::vector<Id> ids) {
      std::sort(ids.begin(), ids.end(), [&](Id a, Id b) {
        return pool_evrcmp(p, solvable(a)->evr, solvable(b)->evr, EVRCMP_COMPARE) < 0;
      });
      std::vector<std::string> v;
      for (Id id : ids)
        if (v.empty() || v.back() != str(solvable(id)->evr)) v.emplace_back(str(solvable(id)->evr));
      return join(v, ", ");
    };
    if (!real.empty()) {
      facts.push_back(fmt::format("{} {}", str(name), versions(real)));
      continue;
    }
    std::vector<std::string> providers;
    Id q, pp;
    FOR_PROVIDES(q, pp, name) providers.emplace_back(str(solvable(q)->name));
    std::sort(providers.begin(), providers.end());
    providers.erase(std::unique(providers.begin(), providers.end()), providers.end());
    if (!providers.empty()) {
      facts.push_back(fmt::format("{} only as a virtual package ({} provide{} it)", str(name),
                                  join(providers, ", "), providers.size() == 1 ? "s" : ""));
    } else if (!foreign.empty()) {
      std::vector<std::string> arches;
      for (Id id : foreign) arches.emplace_back(str(solvable(id)->arch));
      std::sort(arches.begin(), arches.end());
      arches.erase(std::unique(arches.begin(), arches.end()), arches.end());
      facts.push_back(
          fmt::format("{} {} only for {}", str(name), versions(foreign), join(arches, ", ")));
    } else {
      facts.push_back(fmt::format("no package {}", str(name)));
    }
  }
  return fmt::format("{} has {}", options.suite, join(facts, ", and "));
}

std::string Universe::Impl::problem_message(Solver* solv, Id problem,
                                            const std::unordered_map<Id, Reason::Kind>& root_kinds,
                                            const std::vector<Id>& root_order) const {
  Pool* p = pool;
  IdQueue rules;
  solver_findallproblemrules(solv, problem, rules.get());

  // The dependency edges and the roots this problem involves.
  std::unordered_map<Id, std::vector<Id>> edges;  // solvable → its requires in the problem
  std::unordered_set<Id> job_names;
  for (int i = 0; i < rules.size(); ++i) {
    Id source = 0, target = 0, dep = 0;
    SolverRuleinfo type = solver_ruleinfo(solv, rules[i], &source, &target, &dep);
    if (type == SOLVER_RULE_PKG_REQUIRES || type == SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP)
      edges[source].push_back(dep);
    else if ((type & SOLVER_RULE_TYPEMASK) == SOLVER_RULE_JOB && root_kinds.count(dep))
      job_names.insert(dep);
  }
  // Breadth first from the roots (in request order) along those edges.
  struct Step {
    Id parent = 0, dep = 0, root = 0;
  };
  std::unordered_map<Id, Step> reached;
  std::deque<Id> todo;
  for (Id name : root_order) {
    if (!job_names.count(name)) continue;
    for (Id id : named(name))
      if (reached.emplace(id, Step{0, 0, name}).second) todo.push_back(id);
  }
  while (!todo.empty()) {
    Id id = todo.front();
    todo.pop_front();
    auto it = edges.find(id);
    if (it == edges.end()) continue;
    for (Id dep : it->second) {
      Id q, pp;
      FOR_PROVIDES(q, pp, dep) {
        if (reached.emplace(q, Step{id, dep, reached[id].root}).second) todo.push_back(q);
      }
    }
  }

  auto verb = [&](Id s, Id dep) {
    return is_pre_depends(s, dep) ? "pre-depends on" : "depends on";
  };
  // "depends on a, which depends on b" from the root to `id` (one hop per
  // dependency); empty when `id` is a root or unreachable.
  auto path = [&](Id id) {
    std::vector<std::string> hops;
    for (auto it = reached.find(id); it != reached.end() && it->second.parent;
         it = reached.find(it->second.parent)) {
      std::string hop = fmt::format("{} {}", verb(it->second.parent, it->second.dep),
                                    dep_text(p, it->second.dep));
      if (!dependency_names(dep_text(p, it->second.dep), str(solvable(it->first)->name)))
        hop += fmt::format(" (provided by {})", str(solvable(it->first)->name));
      hops.push_back(std::move(hop));
    }
    std::reverse(hops.begin(), hops.end());
    return join(hops, ", which ");
  };
  auto root_of = [&](Id id) -> Id {
    auto it = reached.find(id);
    return it == reached.end() ? 0 : it->second.root;
  };
  auto subject = [&](Id root_name) {
    std::string name = str(root_name);
    switch (root_kinds.at(root_name)) {
      case Reason::Kind::essential: return name + " (Essential)";
      case Reason::Kind::required: return name + " (Priority: required)";
      default: return name;
    }
  };
  // Why `id` is wanted: "foo is requested", "a depends on b, which depends on id".
  auto need = [&](Id id) -> std::string {
    Id root = root_of(id);
    if (!root) return "";
    std::string chain = path(id);
    if (chain.empty()) {
      switch (root_kinds.at(root)) {
        case Reason::Kind::essential: return fmt::format("{} is Essential", str(root));
        case Reason::Kind::required: return fmt::format("{} has Priority: required", str(root));
        default: return fmt::format("{} is requested", str(root));
      }
    }
    return fmt::format("{} {}", str(root), chain);
  };

  // The rule to explain: libsolv's pick, unless that is a dependency whose
  // providers exist but are ruled out by something else in the problem; then
  // that something (a missing dependency further down, a conflict).
  Id source = 0, target = 0, dep = 0;
  SolverRuleinfo type =
      solver_ruleinfo(solv, solver_findproblemrule(solv, problem), &source, &target, &dep);
  if (type == SOLVER_RULE_PKG_REQUIRES || (type & SOLVER_RULE_TYPEMASK) == SOLVER_RULE_JOB) {
    auto rank = [](SolverRuleinfo t) {
      switch (t) {
        case SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP: return 0;
        case SOLVER_RULE_PKG_CONFLICTS:
        case SOLVER_RULE_PKG_OBSOLETES:
        case SOLVER_RULE_PKG_INSTALLED_OBSOLETES:
        case SOLVER_RULE_PKG_SAME_NAME:
        case SOLVER_RULE_PKG_IMPLICIT_OBSOLETES:
        case SOLVER_RULE_PKG_SELF_CONFLICT:
        case SOLVER_RULE_PKG_NOT_INSTALLABLE: return 1;
        default: return 2;
      }
    };
    int best = 2;
    for (int i = 0; i < rules.size(); ++i) {
      Id s = 0, t = 0, d = 0;
      SolverRuleinfo ti = solver_ruleinfo(solv, rules[i], &s, &t, &d);
      if (rank(ti) < best) {
        best = rank(ti);
        type = ti, source = s, target = t, dep = d;
      }
    }
  }
  switch (type) {
    case SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP:
    case SOLVER_RULE_PKG_REQUIRES: {
      Id root = root_of(source);
      std::string head = root ? subject(root) : name_version(source);
      std::string chain = root ? path(source) : "";
      std::string what = fmt::format("{} {}", verb(source, dep), dep_text(p, dep));
      // Something matches but cannot be installed: say what does.
      std::vector<std::string> blocked;
      Id q, pp;
      FOR_PROVIDES(q, pp, dep) blocked.push_back(name_version(q));
      std::string but =
          blocked.empty() ? availability(dep) : join(blocked, ", ") + " cannot be installed";
      return fmt::format("cannot install {}: {}{}, but {}", head,
                         chain.empty() ? "" : chain + ", which ", what, but);
    }
    case SOLVER_RULE_PKG_CONFLICTS:
    case SOLVER_RULE_PKG_OBSOLETES:
    case SOLVER_RULE_PKG_INSTALLED_OBSOLETES:
    case SOLVER_RULE_PKG_SAME_NAME:
    case SOLVER_RULE_PKG_IMPLICIT_OBSOLETES: {
      if ((type == SOLVER_RULE_PKG_SAME_NAME || type == SOLVER_RULE_PKG_IMPLICIT_OBSOLETES) &&
          pool_evrcmp(p, solvable(source)->evr, solvable(target)->evr, EVRCMP_COMPARE) > 0)
        std::swap(source, target);  // older version first
      std::vector<std::string> parts;
      if (type == SOLVER_RULE_PKG_CONFLICTS || type == SOLVER_RULE_PKG_OBSOLETES ||
          type == SOLVER_RULE_PKG_INSTALLED_OBSOLETES)
        parts.push_back(
            fmt::format("{} conflicts with {}", str(solvable(source)->name), dep_text(p, dep)));
      for (Id id : {source, target})
        if (std::string n = need(id); !n.empty()) parts.push_back(std::move(n));
      std::string msg =
          fmt::format("cannot install both {} and {}", name_version(source), name_version(target));
      return parts.empty() ? msg : msg + ": " + join(parts, "; ");
    }
    case SOLVER_RULE_PKG_SELF_CONFLICT:
      return fmt::format("cannot install {}: it conflicts with itself ({})", name_version(source),
                         dep_text(p, dep));
    case SOLVER_RULE_PKG_NOT_INSTALLABLE:
      return fmt::format("cannot install {}: it is built for {}, not {}", name_version(source),
                         str(solvable(source)->arch), options.architecture);
    case SOLVER_RULE_JOB_UNKNOWN_PACKAGE:
    case SOLVER_RULE_JOB_NOTHING_PROVIDES_DEP:
      return fmt::format("cannot install {}: {} has no package {}", str(dep), options.suite,
                         str(dep));
    default: {
      std::vector<std::string> names;
      for (Id name : root_order)
        if (job_names.count(name)) names.push_back(str(name));
      return fmt::format("cannot install {}: {}", names.empty() ? "the request" : join(names, ", "),
                         solver_problemruleinfo2str(solv, type, source, target, dep));
    }
  }
}

}  // namespace cairn::debian
