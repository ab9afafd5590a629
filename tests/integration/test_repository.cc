// Building, signing and serving the test repository. The real tools do
// the real work — dpkg-deb builds packages, xz and gzip compress indexes,
// gpg signs — so what the tests check cairn against is what Debian's own
// tools produce. Only a deliberately broken .deb is assembled here by hand
// (libarchive writes the tarballs, the ar container is 60-byte headers).
#include "tests/integration/test_repository.hh"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "base/files.hh"
#include "base/hash.hh"

#ifndef CAIRN_SOURCE_ROOT
#error "CAIRN_SOURCE_ROOT must name the source tree (meson sets it)"
#endif

namespace cairn::integration {

namespace {

namespace fs = std::filesystem;

constexpr const char* signing_uid = "cairn test archive <archive@cairn.invalid>";
constexpr const char* signing_email = "archive@cairn.invalid";
constexpr const char* unknown_uid = "cairn unknown key <unknown@cairn.invalid>";
constexpr const char* unknown_email = "unknown@cairn.invalid";

// Runs argv (found on PATH) with extra environment variables; returns its
// stdout and stderr together, or an error quoting them.
Result<std::string> run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {}) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return fail(fmt::format("pipe: {}", std::strerror(errno)));
  pid_t pid = ::fork();
  if (pid < 0) return fail(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string output;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    output.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    return fail(fmt::format("`{}` failed (status {}): {}", cmd, status, output));
  }
  return output;
}

Result<void> write(const std::string& path, const std::string& contents, unsigned mode = 0644) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return fail(fmt::format("cannot create {}: {}", fs::path(path).parent_path().string(), ec.message()));
  if (auto r = write_file_atomic(path, contents); !r) return r;
  if (::chmod(path.c_str(), mode) != 0) return fail(fmt::format("chmod {}: {}", path, std::strerror(errno)));
  return {};
}

// "Sat, 10 Jun 2023 08:53:33 UTC", as Release files write dates.
std::string rfc2822(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S UTC", &tm);
  return buf;
}

// The version as it appears in file names: without the epoch.
std::string file_version(const std::string& version) {
  auto colon = version.find(':');
  return colon == std::string::npos ? version : version.substr(colon + 1);
}

// pool/<component>/<p or libp>/<source>/
std::string pool_dir(const PackageSpec& spec) {
  std::string source = spec.source.empty() ? spec.name : spec.source;
  std::string prefix = source.starts_with("lib") && source.size() > 3 ? source.substr(0, 4) : source.substr(0, 1);
  return fmt::format("pool/{}/{}/{}", spec.component, prefix, source);
}

std::uint64_t installed_kib(const PackageSpec& spec) {
  std::uint64_t bytes = 0;
  for (const auto& f : spec.files) bytes += f.contents.size();
  return (bytes + 1023) / 1024;
}

// libarchive output collected in a string.
la_ssize_t append_to_string(struct archive*, void* data, const void* buf, size_t len) {
  static_cast<std::string*>(data)->append(static_cast<const char*>(buf), len);
  return static_cast<la_ssize_t>(len);
}

// A gzip'd tar of `files`, entry names taken as given.
Result<std::string> make_tar_gz(const std::vector<DebFile>& files) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_gnutar(a);
  archive_write_add_filter_gzip(a);
  if (archive_write_open(a, &out, nullptr, append_to_string, nullptr) != ARCHIVE_OK) {
    std::string err = archive_error_string(a);
    archive_write_free(a);
    return fail("tar: " + err);
  }
  for (const auto& f : files) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, f.path.c_str());
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    archive_entry_set_uname(e, "root");
    archive_entry_set_gname(e, "root");
    archive_entry_set_mtime(e, 1700000000, 0);
    if (f.directory) {
      archive_entry_set_filetype(e, AE_IFDIR);
      archive_entry_set_perm(e, f.mode == 0644 ? 0755 : f.mode);
    } else if (!f.symlink.empty()) {
      archive_entry_set_filetype(e, AE_IFLNK);
      archive_entry_set_perm(e, 0777);
      archive_entry_set_symlink(e, f.symlink.c_str());
    } else {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_perm(e, f.mode);
      archive_entry_set_size(e, static_cast<la_int64_t>(f.contents.size()));
    }
    int r = archive_write_header(a, e);
    if (r == ARCHIVE_OK && !f.contents.empty() && f.symlink.empty() && !f.directory)
      r = archive_write_data(a, f.contents.data(), f.contents.size()) < 0 ? ARCHIVE_FATAL : ARCHIVE_OK;
    archive_entry_free(e);
    if (r != ARCHIVE_OK) {
      std::string err = archive_error_string(a);
      archive_write_free(a);
      return fail(fmt::format("tar: {}: {}", f.path, err));
    }
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// One member of an ar archive (the .deb container).
std::string ar_member(const std::string& name, const std::string& data) {
  std::string header = fmt::format("{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n", name, 1700000000, 0, 0, 100644,
                                   data.size());
  std::string out = header + data;
  if (data.size() % 2) out += '\n';
  return out;
}

}  // namespace

// ---- control paragraphs -------------------------------------------------

std::string control_paragraph(const PackageSpec& spec) {
  std::string out;
  auto field = [&](std::string_view name, const std::string& value) {
    if (!value.empty()) out += fmt::format("{}: {}\n", name, value);
  };
  field("Package", spec.name);
  if (!spec.source.empty() && spec.source != spec.name) field("Source", spec.source);
  field("Version", spec.version);
  field("Architecture", spec.architecture);
  field("Maintainer", "cairn tests <tests@cairn.invalid>");
  field("Installed-Size", std::to_string(installed_kib(spec)));
  if (spec.essential) field("Essential", "yes");
  field("Multi-Arch", spec.multi_arch);
  field("Pre-Depends", spec.pre_depends);
  field("Depends", spec.depends);
  field("Recommends", spec.recommends);
  field("Conflicts", spec.conflicts);
  field("Breaks", spec.breaks);
  field("Replaces", spec.replaces);
  field("Provides", spec.provides);
  field("Section", spec.section);
  field("Priority", spec.priority);
  for (const auto& [name, value] : spec.extra_fields) field(name, value);
  field("Description", spec.description.empty() ? spec.name + " test package" : spec.description);
  return out;
}

// ---- lifetime -----------------------------------------------------------

Result<std::unique_ptr<TestRepository>> TestRepository::create(RepositoryOptions options) {
  std::unique_ptr<TestRepository> repo(new TestRepository());
  repo->options_ = std::move(options);
  // A short path: gpg-agent's socket lives in GNUPGHOME and socket paths
  // are limited to 108 bytes.
  std::string tmpl = "/tmp/cairn-repo-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return fail(fmt::format("mkdtemp: {}", std::strerror(errno)));
  repo->dir_ = tmpl;
  repo->root_ = repo->dir_ + "/srv/debian";
  std::error_code ec;
  fs::create_directories(repo->root_, ec);
  if (ec) return fail(fmt::format("cannot create {}: {}", repo->root_, ec.message()));
  repo->write_control();
  // The server starts while the keys are copied.
  if (auto r = repo->start_server(); !r) return std::unexpected(r.error().context("starting http_server.py"));
  if (auto r = repo->make_keys(); !r) return std::unexpected(r.error().context("making signing keys"));
  if (auto r = repo->await_server(); !r) return std::unexpected(r.error().context("starting http_server.py"));
  return repo;
}

TestRepository::~TestRepository() {
  if (port_pipe_ >= 0) ::close(port_pipe_);
  if (server_pid_ > 0) {
    ::kill(server_pid_, SIGTERM);
    int status = 0;
    while (::waitpid(server_pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (!dir_.empty()) {
    if (fs::exists(dir_ + "/gnupg"))
      (void)run({"gpgconf", "--kill", "all"}, {"GNUPGHOME=" + dir_ + "/gnupg"});
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

namespace {

// The keys are made once per test process, in a GNUPGHOME that every
// repository copies (a copy is much quicker than making keys) and that is
// removed at exit.
struct KeyTemplate {
  std::string dir;  // holds gnupg/ and keyring.gpg
  ~KeyTemplate() {
    if (dir.empty()) return;
    (void)run({"gpgconf", "--kill", "all"}, {"GNUPGHOME=" + dir + "/gnupg"});
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

Result<std::string> make_key_template() {
  std::string tmpl = "/tmp/cairn-keys-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return fail(fmt::format("mkdtemp: {}", std::strerror(errno)));
  std::string home = tmpl + "/gnupg";
  if (::mkdir(home.c_str(), 0700) != 0) return fail(fmt::format("mkdir {}: {}", home, std::strerror(errno)));
  std::vector<std::string> env = {"GNUPGHOME=" + home};
  for (const char* uid : {signing_uid, unknown_uid}) {
    auto r = run({"gpg", "--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", "",
                  "--quick-gen-key", uid, "ed25519", "sign", "never"},
                 env);
    if (!r) return std::unexpected(r.error());
  }
  auto r = run({"gpg", "--batch", "--quiet", "--yes", "--output", tmpl + "/keyring.gpg", "--export", signing_email},
               env);
  if (!r) return std::unexpected(r.error());
  (void)run({"gpgconf", "--kill", "all"}, env);
  return tmpl;
}

}  // namespace

Result<void> TestRepository::make_keys() {
  static std::mutex mutex;
  static KeyTemplate keys;
  std::lock_guard lock(mutex);
  if (keys.dir.empty()) {
    auto made = make_key_template();
    if (!made) return std::unexpected(made.error());
    keys.dir = *made;
  }
  std::error_code ec;
  fs::copy(keys.dir + "/gnupg", dir_ + "/gnupg", fs::copy_options::recursive, ec);
  if (!ec) fs::copy_file(keys.dir + "/keyring.gpg", keyring_path(), ec);
  if (ec) return fail(fmt::format("cannot copy the keys from {}: {}", keys.dir, ec.message()));
  ::chmod((dir_ + "/gnupg").c_str(), 0700);
  return {};
}

// The interpreter behind `python3` on PATH, asked once: starting it
// directly (and without site-packages) saves a wrapper's start-up (pyenv's
// shims are shell scripts) for every repository after the first.
const std::string& python() {
  static const std::string path = [] {
    auto out = run({"python3", "-c", "import sys; print(sys.executable)"});
    if (!out || out->empty()) return std::string("python3");
    return out->substr(0, out->find('\n'));
  }();
  return path;
}

Result<void> TestRepository::start_server() {
  std::string script = CAIRN_SOURCE_ROOT "/tests/integration/http_server.py";
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return fail(fmt::format("pipe: {}", std::strerror(errno)));
  std::vector<std::string> argv = {python(), "-S", script, "--root", dir_ + "/srv", "--control",
                                   dir_ + "/control.json", "--log", dir_ + "/requests.log"};
  pid_t pid = ::fork();
  if (pid < 0) return fail(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive the test
    ::dup2(out[1], 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  server_pid_ = pid;
  port_pipe_ = out[0];
  return {};
}

// The server prints its port once it listens.
Result<void> TestRepository::await_server() {
  std::string script = CAIRN_SOURCE_ROOT "/tests/integration/http_server.py";
  std::string line;
  pollfd pfd{port_pipe_, POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[64];
    ssize_t n = ::read(port_pipe_, buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  ::close(std::exchange(port_pipe_, -1));
  port_ = std::atoi(line.c_str());
  if (port_ <= 0) return fail(fmt::format("{} did not report a port (got '{}')", script, line));
  return {};
}

// ---- content ------------------------------------------------------------

Result<PublishedPackage> TestRepository::place(const PackageSpec& spec, const std::string& built) {
  PublishedPackage pkg;
  pkg.spec = spec;
  pkg.filename = fmt::format("{}/{}_{}_{}.deb", pool_dir(spec), spec.name, file_version(spec.version),
                             spec.architecture);
  pkg.path = root_ + "/" + pkg.filename;
  std::error_code ec;
  fs::create_directories(fs::path(pkg.path).parent_path(), ec);
  if (ec) return fail(fmt::format("cannot create the pool directory: {}", ec.message()));
  if (::rename(built.c_str(), pkg.path.c_str()) != 0)
    return fail(fmt::format("rename {} {}: {}", built, pkg.path, std::strerror(errno)));
  auto sha = sha256_file(pkg.path);
  if (!sha) return std::unexpected(sha.error());
  pkg.sha256 = *sha;
  pkg.size = fs::file_size(pkg.path);
  // Adding the same name, version and architecture again replaces it.
  std::erase_if(packages_, [&](const PublishedPackage& p) { return p.filename == pkg.filename; });
  packages_.push_back(pkg);
  return pkg;
}

Result<PublishedPackage> TestRepository::add_package(const PackageSpec& spec) {
  static int serial = 0;
  std::string tree = fmt::format("{}/build/{}", dir_, ++serial);
  std::string control = control_paragraph(spec);
  if (auto r = write(tree + "/DEBIAN/control", control); !r) return std::unexpected(r.error());
  for (const auto& [name, text] : spec.scripts)
    if (auto r = write(tree + "/DEBIAN/" + name, text, 0755); !r) return std::unexpected(r.error());
  ::chmod((tree + "/DEBIAN").c_str(), 0755);
  for (const auto& f : spec.files) {
    std::string path = tree + "/" + f.path;
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    if (f.directory) {
      fs::create_directories(path, ec);
      ::chmod(path.c_str(), f.mode == 0644 ? 0755 : f.mode);
    } else if (!f.symlink.empty()) {
      if (::symlink(f.symlink.c_str(), path.c_str()) != 0)
        return fail(fmt::format("symlink {}: {}", path, std::strerror(errno)));
    } else if (auto r = write(path, f.contents, f.mode); !r) {
      return std::unexpected(r.error());
    }
  }
  std::string deb = tree + ".deb";
  auto r = run({"dpkg-deb", "--root-owner-group", "-Z" + spec.compression, "--build", tree, deb},
               {"SOURCE_DATE_EPOCH=1700000000"});
  if (!r) return std::unexpected(r.error().context("building " + spec.name));
  std::error_code ec;
  fs::remove_all(tree, ec);
  return place(spec, deb);
}

Result<PublishedPackage> TestRepository::add_raw_package(const PackageSpec& spec) {
  static int serial = 0;
  DebFile control_file;
  control_file.path = "./control";
  control_file.contents = control_paragraph(spec);
  auto control = make_tar_gz({control_file});
  if (!control) return std::unexpected(control.error());
  std::vector<DebFile> entries = spec.files;
  for (auto& e : entries)
    if (!e.path.starts_with("/") && !e.path.starts_with("..")) e.path = "./" + e.path;
  auto data = make_tar_gz(entries);
  if (!data) return std::unexpected(data.error());
  std::string deb = "!<arch>\n" + ar_member("debian-binary", "2.0\n") + ar_member("control.tar.gz", *control) +
                    ar_member("data.tar.gz", *data);
  std::string built = fmt::format("{}/build/raw-{}.deb", dir_, ++serial);
  if (auto r = write(built, deb); !r) return std::unexpected(r.error());
  return place(spec, built);
}

Result<std::string> TestRepository::add_file(const std::string& rel_path, const std::string& contents) {
  if (auto r = write(root_ + "/" + rel_path, contents); !r) return std::unexpected(r.error());
  return url(rel_path);
}

Result<void> TestRepository::corrupt(const std::string& rel_path) {
  std::string path = root_ + "/" + rel_path;
  auto data = read_file(path);
  if (!data) return std::unexpected(data.error());
  if (data->empty()) return fail(path + " is empty; nothing to corrupt");
  (*data)[data->size() / 2] ^= 0x5a;
  return write_file_atomic(path, *data);
}

Result<PublishedPackage> TestRepository::corrupt_package(const std::string& filename) {
  auto it = std::find_if(packages_.begin(), packages_.end(), [&](auto& p) { return p.filename == filename; });
  if (it == packages_.end()) return fail(filename + " is not a package of this repository");
  if (auto r = corrupt(filename); !r) return std::unexpected(r.error());
  auto sha = sha256_file(it->path);
  if (!sha) return std::unexpected(sha.error());
  it->sha256 = *sha;
  it->size = fs::file_size(it->path);
  return *it;
}

// ---- indexes --------------------------------------------------------------

Result<void> TestRepository::publish(const PublishOptions& opts) {
  std::string dists = fmt::format("{}/dists/{}", root_, options_.suite);
  std::vector<std::string> hash_lines;
  for (const auto& component : options_.components) {
    for (const auto& arch : options_.architectures) {
      // Architecture: all packages appear in every architecture's index
      // (No-Support-for-Architecture-all: Packages, as in Debian).
      std::vector<const PublishedPackage*> listed;
      for (const auto& p : packages_)
        if (p.spec.component == component && (p.spec.architecture == arch || p.spec.architecture == "all"))
          listed.push_back(&p);
      std::sort(listed.begin(), listed.end(), [](auto* a, auto* b) {
        return std::tie(a->spec.name, a->spec.version, a->spec.architecture) <
               std::tie(b->spec.name, b->spec.version, b->spec.architecture);
      });
      std::string text;
      for (const auto* p : listed) {
        if (!text.empty()) text += "\n";
        text += control_paragraph(p->spec);
        text += fmt::format("Filename: {}\nSize: {}\nSHA256: {}\n", p->filename, p->size, p->sha256);
      }
      std::string rel = fmt::format("{}/binary-{}/Packages", component, arch);
      std::string plain = dists + "/" + rel;
      if (auto r = write(plain, text); !r) return r;
      for (const auto& [tool, ext] : {std::pair{"xz", "xz"}, std::pair{"gzip", "gz"}}) {
        std::vector<std::string> argv = {tool, "-k", "-f", plain};
        if (std::string(tool) == "gzip") argv.insert(argv.begin() + 1, "-n");
        if (auto r = run(argv); !r) return std::unexpected(r.error());
      }
      for (const char* ext : {"", ".xz", ".gz"}) {
        std::string file = plain + ext;
        auto sha = sha256_file(file);
        if (!sha) return std::unexpected(sha.error());
        hash_lines.push_back(fmt::format(" {} {:>16} {}{}", *sha, fs::file_size(file), rel, ext));
        std::string kind = *ext ? std::string(ext + 1) : "";
        if (std::find(opts.compressions.begin(), opts.compressions.end(), kind) == opts.compressions.end())
          fs::remove(file);
      }
    }
  }

  auto date = opts.date.value_or(std::chrono::system_clock::now());
  std::string release = fmt::format("Origin: cairn-test\nLabel: cairn-test\nSuite: {0}\nCodename: {0}\nDate: {1}\n",
                                    options_.suite, rfc2822(date));
  if (opts.valid_for) release += fmt::format("Valid-Until: {}\n", rfc2822(date + *opts.valid_for));
  std::string archs, comps;
  for (const auto& a : options_.architectures) archs += (archs.empty() ? "" : " ") + a;
  for (const auto& c : options_.components) comps += (comps.empty() ? "" : " ") + c;
  release += fmt::format(
      "Acquire-By-Hash: no\nNo-Support-for-Architecture-all: Packages\nArchitectures: {}\nComponents: {}\n"
      "Description: cairn integration test repository\nSHA256:\n",
      archs, comps);
  for (const auto& line : hash_lines) release += line + "\n";
  if (auto r = write(dists + "/Release", release); !r) return r;

  std::vector<std::string> env = {"GNUPGHOME=" + dir_ + "/gnupg"};
  std::string key = opts.sign_with_unknown_key ? unknown_email : signing_email;
  std::vector<std::string> gpg = {"gpg", "--batch", "--quiet", "--yes", "--pinentry-mode", "loopback",
                                  "--passphrase", "", "--local-user", key, "--digest-algo", "SHA256"};
  auto clearsign = gpg;
  clearsign.insert(clearsign.end(), {"--clearsign", "--output", dists + "/InRelease", dists + "/Release"});
  if (auto r = run(clearsign, env); !r) return std::unexpected(r.error().context("signing InRelease"));
  auto detach = gpg;
  detach.insert(detach.end(), {"--armor", "--detach-sign", "--output", dists + "/Release.gpg", dists + "/Release"});
  if (auto r = run(detach, env); !r) return std::unexpected(r.error().context("signing Release.gpg"));
  return {};
}

// ---- server ---------------------------------------------------------------

std::string TestRepository::url() const { return fmt::format("http://127.0.0.1:{}/debian", port_); }

std::string TestRepository::url(const std::string& rel_path) const { return url() + "/" + rel_path; }

void TestRepository::write_control() {
  nlohmann::json faults = nlohmann::json::array();
  static const std::map<Fault::Kind, const char*> kinds = {{Fault::Kind::status, "status"},
                                                           {Fault::Kind::cut, "cut"},
                                                           {Fault::Kind::ignore_range, "ignore_range"},
                                                           {Fault::Kind::delay, "delay"},
                                                           {Fault::Kind::stall, "stall"}};
  for (const auto& [id, f] : faults_) {
    faults.push_back({{"id", id},
                      {"kind", kinds.at(f.kind)},
                      {"path", f.path.empty() ? "" : "/debian/" + f.path},
                      {"count", f.count},
                      {"status", f.status},
                      {"after", f.after},
                      {"seconds", f.seconds}});
  }
  nlohmann::json doc = {{"faults", faults}};
  (void)write_file_atomic(dir_ + "/control.json", doc.dump(2));
}

void TestRepository::set_fault(const Fault& fault) {
  faults_.emplace_back(next_fault_id_++, fault);
  write_control();
}

void TestRepository::clear_faults() {
  faults_.clear();
  write_control();
}

std::vector<ServerRequest> TestRepository::requests() const {
  std::vector<ServerRequest> out;
  auto log = read_file(dir_ + "/requests.log");
  if (!log) return out;
  size_t pos = 0;
  while (pos < log->size()) {
    size_t end = log->find('\n', pos);
    if (end == std::string::npos) break;  // a line still being written
    auto j = nlohmann::json::parse(log->substr(pos, end - pos), nullptr, false);
    pos = end + 1;
    if (j.is_discarded()) continue;
    std::string path = j.value("path", "");
    if (path.starts_with("/debian/")) path = path.substr(8);
    out.push_back(ServerRequest{j.value("method", ""), path, j.value("range", ""), j.value("inflight", 0)});
  }
  return out;
}

int TestRepository::request_count(const std::string& rel_path) const {
  auto all = requests();
  return static_cast<int>(std::count_if(all.begin(), all.end(), [&](auto& r) { return r.path == rel_path; }));
}

int TestRepository::range_requests(const std::string& rel_path) const {
  auto all = requests();
  return static_cast<int>(
      std::count_if(all.begin(), all.end(), [&](auto& r) { return r.path == rel_path && !r.range.empty(); }));
}

}  // namespace cairn::integration
