// Tests for ld.so.cache and hwdb.bin. The real tools run over small trees
// made here (a shared library compiled with cc; a few hwdb lines) and over
// Debian's packages from the store (libc6 for amd64 and arm64, udev's hwdb.d);
// stand-ins on PATH play missing and failing tools. Reproducibility is
// checked the way it matters: two staging directories with different names
// must give the same bytes. Tests that lack a tool or a stored package skip
// with the reason.
#include "builder/compose/caches.hh"

#include <glob.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/subprocess.hh"

namespace cairn::compose {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  explicit TempDir(std::string_view name = "cairn-caches") {
    std::string t = (fs::temp_directory_path() / (std::string(name) + "-XXXXXX")).string();
    path_ = ::mkdtemp(t.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void put(const std::string& path, std::string_view contents, fs::perms perms = fs::perms(0644)) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << contents;
  fs::permissions(path, perms);
}

std::string slurp(const std::string& path) {
  auto got = read_file(path);
  return got ? *got : "<" + got.error().message + ">";
}

// A merged-/usr skeleton: bin, sbin, lib, lib64 → usr/….
void make_root(const std::string& root) {
  for (const char* d : {"bin", "sbin", "lib", "lib64"}) {
    fs::create_directories(root + "/usr/" + d);
    fs::create_symlink(std::string("usr/") + d, root + "/" + d);
  }
  fs::create_directories(root + "/etc");
  fs::create_directories(root + "/var/cache");
}

class ScopedPath {
 public:
  explicit ScopedPath(const std::string& dir) : old_(std::getenv("PATH") ? std::getenv("PATH") : "") {
    ::setenv("PATH", dir.c_str(), 1);
  }
  ~ScopedPath() { ::setenv("PATH", old_.c_str(), 1); }

 private:
  std::string old_;
};

// The build machine's PATH with /usr/sbin and /sbin, where Debian keeps
// ldconfig.
std::string sbin_path() { return std::string(std::getenv("PATH")) + ":/usr/sbin:/sbin"; }

// The unpacked store package matching `pattern` (below pkgs/), or "".
std::string store_package(std::string_view pattern) {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  std::string cache = xdg && *xdg ? xdg : std::string(home ? home : "/root") + "/.cache";
  std::string full = fmt::format("{}/cairn/pkgs/{}/root", cache, pattern);
  glob_t g{};
  std::string found;
  if (::glob(full.c_str(), 0, nullptr, &g) == 0 && g.gl_pathc > 0) found = g.gl_pathv[g.gl_pathc - 1];
  ::globfree(&g);
  return found;
}

// Copies a package's tree into a merged root (lib/… lands in usr/lib/…).
void stage_package(const std::string& package_root, const std::string& root) {
  for (const auto& e : fs::recursive_directory_iterator(package_root)) {
    std::string rel = fs::relative(e.path(), package_root).string();
    for (const char* d : {"lib/", "bin/", "sbin/", "lib64/"})
      if (rel.starts_with(d)) rel = "usr/" + rel;
    std::string dest = root + "/" + rel;
    if (e.is_symlink()) {
      fs::create_directories(fs::path(dest).parent_path());
      if (!fs::exists(fs::symlink_status(dest))) fs::copy_symlink(e.path(), dest);
    } else if (e.is_directory()) {
      fs::create_directories(dest);
    } else {
      fs::create_directories(fs::path(dest).parent_path());
      fs::copy_file(e.path(), dest, fs::copy_options::overwrite_existing);
    }
  }
}

// ---- ld.so.cache ----------------------------------------------------------------

class LdSoCache : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::make_unique<ScopedPath>(sbin_path());
    if (auto found = find_program("ldconfig"); !found) GTEST_SKIP() << found.error().message << ": install libc-bin";
    root_ = dir_.path() + "/root";
    make_root(root_);
  }

  // A shared library with soname `soname` at `dir` (inside the root).
  void make_library(const std::string& dir, const std::string& soname) {
    auto cc = find_program("cc");
    if (!cc) GTEST_SKIP() << cc.error().message << ": install gcc";
    std::string src = dir_.path() + "/lib.c";
    put(src, "int cairn_test(void) { return 42; }\n");
    fs::create_directories(root_ + dir);
    auto ran = run("cc", {"-shared", "-fPIC", "-Wl,-soname," + soname, "-o", root_ + dir + "/" + soname, src});
    ASSERT_TRUE(ran && ran->success()) << (ran ? ran->err : ran.error().message);
  }

  // The user namespace when not root (or when asked), else direct.
  Chroot chroot() const { return ::geteuid() == 0 ? Chroot::direct : Chroot::user_namespace; }

  TempDir dir_;
  std::string root_;
  std::unique_ptr<ScopedPath> path_;
};

TEST_F(LdSoCache, CacheFollowsTheTreesLdSoConf) {
  put(root_ + "/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
  put(root_ + "/etc/ld.so.conf.d/cairn.conf", "# a comment\n/opt/cairn/lib\n");
  make_library("/opt/cairn/lib", "libcairnlisted.so.1");
  make_library("/opt/unlisted", "libcairnunlisted.so.1");
  auto got = build_ld_so_cache(root_, build_architecture(), chroot());
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->written, std::vector<std::string>{"etc/ld.so.cache"});
  EXPECT_EQ(got->skipped, "");
  std::string cache = slurp(root_ + "/etc/ld.so.cache");
  EXPECT_NE(cache.find("/opt/cairn/lib/libcairnlisted.so.1"), std::string::npos);
  EXPECT_EQ(cache.find("libcairnunlisted"), std::string::npos);
  EXPECT_EQ(cache.find(root_), std::string::npos) << "the cache names the staging directory";
}

TEST_F(LdSoCache, AuxCacheIsRemovedAndTheDirectoryOnlyIfLdconfigMadeIt) {
  put(root_ + "/etc/ld.so.conf", "/opt/cairn/lib\n");
  make_library("/opt/cairn/lib", "libcairnlisted.so.1");
  ASSERT_TRUE(build_ld_so_cache(root_, build_architecture(), chroot()));
  EXPECT_FALSE(fs::exists(root_ + "/var/cache/ldconfig"));

  fs::create_directories(root_ + "/var/cache/ldconfig");  // libc-bin ships it
  ASSERT_TRUE(build_ld_so_cache(root_, build_architecture(), chroot()));
  EXPECT_TRUE(fs::is_directory(root_ + "/var/cache/ldconfig"));
  EXPECT_FALSE(fs::exists(root_ + "/var/cache/ldconfig/aux-cache"));
}

TEST_F(LdSoCache, SameBytesFromRootsWithDifferentNames) {
  TempDir other("cairn-caches-with-another-much-longer-name");
  std::string root2 = other.path() + "/x";
  make_root(root2);
  for (const std::string& r : {root_, root2}) put(r + "/etc/ld.so.conf", "/opt/cairn/lib\n");
  make_library("/opt/cairn/lib", "libcairnlisted.so.1");
  fs::copy(root_ + "/opt", root2 + "/opt", fs::copy_options::recursive);
  ASSERT_TRUE(build_ld_so_cache(root_, build_architecture(), chroot()));
  ASSERT_TRUE(build_ld_so_cache(root2, build_architecture(), chroot()));
  EXPECT_EQ(slurp(root_ + "/etc/ld.so.cache"), slurp(root2 + "/etc/ld.so.cache"));
}

TEST_F(LdSoCache, UserNamespaceGivesTheSameCacheAsRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to compare with the direct chroot";
  if (auto ran = run("unshare", {"-r", "true"}); !ran || !ran->success())
    GTEST_SKIP() << "this machine gives no user namespace: " << (ran ? ran->err : ran.error().message);
  put(root_ + "/etc/ld.so.conf", "/opt/cairn/lib\n");
  make_library("/opt/cairn/lib", "libcairnlisted.so.1");
  ASSERT_TRUE(build_ld_so_cache(root_, build_architecture(), Chroot::direct));
  std::string direct = slurp(root_ + "/etc/ld.so.cache");
  auto got = build_ld_so_cache(root_, build_architecture(), Chroot::user_namespace);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(slurp(root_ + "/etc/ld.so.cache"), direct);
}

TEST_F(LdSoCache, MissingLdconfigSaysWhichPackageToInstall) {
  TempDir empty("cairn-empty-path");
  ScopedPath path(empty.path());
  auto got = build_ld_so_cache(root_, build_architecture(), Chroot::direct);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            fmt::format("building ld.so.cache in {}: cannot run ldconfig: ldconfig: not found on PATH ({}); "
                        "install libc-bin (Debian puts ldconfig in /usr/sbin, which PATH must include)",
                        root_, empty.path()));
}

TEST_F(LdSoCache, MissingUnshareSaysWhichPackageToInstall) {
  TempDir bin("cairn-fake-bin");
  put(bin.path() + "/ldconfig", "#!/bin/sh\nexit 0\n", fs::perms::owner_all);
  ScopedPath path(bin.path());
  auto got = build_ld_so_cache(root_, build_architecture(), Chroot::user_namespace);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            fmt::format("building ld.so.cache in {}: ldconfig needs a chroot, which a build user gets in a user "
                        "namespace, but unshare cannot be run: unshare: not found on PATH ({}); install "
                        "util-linux (Debian puts unshare in /usr/sbin, which PATH must include)",
                        root_, bin.path()));
}

TEST_F(LdSoCache, RefusedUserNamespaceSaysWhatToDo) {
  TempDir bin("cairn-fake-bin");
  put(bin.path() + "/ldconfig", "#!/bin/sh\nexit 0\n", fs::perms::owner_all);
  put(bin.path() + "/unshare", "#!/bin/sh\necho 'unshare: unshare failed: Operation not permitted' >&2\nexit 1\n",
      fs::perms::owner_all);
  ScopedPath path(bin.path() + ":/usr/bin:/bin");
  auto got = build_ld_so_cache(root_, build_architecture(), Chroot::user_namespace);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            fmt::format("building ld.so.cache in {}: ldconfig needs a chroot, and the kernel refused a user "
                        "namespace (unshare: unshare failed: Operation not permitted); build as root, or allow "
                        "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)",
                        root_));
}

TEST_F(LdSoCache, FailingLdconfigReportsItsMessage) {
  TempDir bin("cairn-fake-bin");
  put(bin.path() + "/ldconfig", "#!/bin/sh\necho 'ldconfig: cannot chroot' >&2\nexit 1\n", fs::perms::owner_all);
  ScopedPath path(bin.path() + ":/usr/bin:/bin");
  auto got = build_ld_so_cache(root_, build_architecture(), Chroot::direct);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            fmt::format("building ld.so.cache in {}: ldconfig exited with status 1: ldconfig: cannot chroot",
                        root_));
}

// The other architecture of the two cairn builds for.
std::string foreign_architecture() { return build_architecture() == "arm64" ? "amd64" : "arm64"; }
std::string foreign_triplet() {
  return foreign_architecture() == "arm64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
}

TEST_F(LdSoCache, ForeignArchitectureIsSkippedWithTheReason) {
  std::string t = foreign_triplet();
  put(root_ + "/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
  put(root_ + "/etc/ld.so.conf.d/" + t + ".conf", fmt::format("/usr/local/lib/{0}\n/lib/{0}\n/usr/lib/{0}\n", t));
  put(root_ + "/etc/ld.so.conf.d/vendor.conf", "/opt/vendor/lib\n/opt/empty\n");
  put(root_ + "/usr/lib/" + t + "/libc.so.6", "");
  put(root_ + "/opt/vendor/lib/libvendor.so.2", "");
  fs::create_directories(root_ + "/opt/empty");
  auto got = build_ld_so_cache(root_, foreign_architecture());
  ASSERT_TRUE(got) << got.error().message;
  std::string a = foreign_architecture();
  EXPECT_EQ(*got, (CacheOutput{
                      {},
                      fmt::format("ld.so.cache is not built for {0} on this {1} machine: its ldconfig skips {0} "
                                  "libraries as of an unknown machine type and would write an empty cache; {0}'s "
                                  "ld.so finds libraries in /lib/{2}, /usr/lib/{2}, /lib, /usr/lib without one",
                                  a, build_architecture(), t),
                      {"/opt/vendor/lib is in the tree's ld.so.conf and holds libraries, but without "
                       "ld.so.cache ld.so does not search it: programs that need them must find them by RUNPATH"}}));
  EXPECT_FALSE(fs::exists(root_ + "/etc/ld.so.cache"));
}

// Debian's libc6 for `arch` staged into `root`, with its ld.so.conf.d and
// libc-bin's ld.so.conf; "" when the store lacks it.
std::string stage_libc6(const std::string& arch, const std::string& root) {
  std::string libc6 = store_package("*-libc6_*_" + arch);
  if (libc6.empty()) return "";
  stage_package(libc6, root);
  put(root + "/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n\n");
  return libc6;
}

TEST_F(LdSoCache, BuildMachinesLdconfigFilesNoForeignLibrary) {
  // The claim build_ld_so_cache's skip rests on, shown with Debian's libc6
  // for the other architecture: the build machine's ldconfig, run anyway,
  // writes a cache that lists nothing.
  std::string a = foreign_architecture();
  if (stage_libc6(a, root_).empty())
    GTEST_SKIP() << "no libc6 for " << a << " in the package store; run `cairn fetch --host server`";
  std::vector<std::string> args = {"-X", "-r", root_};
  if (::geteuid() != 0) args.insert(args.begin(), {"-r", "--", *find_program("ldconfig")});
  auto ran = run(::geteuid() == 0 ? "ldconfig" : "unshare", args);
  ASSERT_TRUE(ran && ran->success()) << (ran ? ran->err : ran.error().message);
  auto listed = run("ldconfig", {"-p", "-C", root_ + "/etc/ld.so.cache"});
  ASSERT_TRUE(listed && listed->success());
  EXPECT_TRUE(listed->out.starts_with("0 libs found in cache")) << listed->out;

  // And its ld.so needs none: its built-in system search path is the
  // multiarch directories.
  std::string t = foreign_triplet();
  glob_t g{};
  ASSERT_EQ(::glob((root_ + "/usr/lib/" + t + "/ld-linux*.so.*").c_str(), 0, nullptr, &g), 0);
  std::string ld_so = slurp(g.gl_pathv[0]);
  ::globfree(&g);
  std::string system_dirs = fmt::format("/lib/{0}/", t) + '\0' + fmt::format("/usr/lib/{0}/", t) + '\0' + "/lib/" +
                            '\0' + "/usr/lib/";
  EXPECT_NE(ld_so.find(system_dirs), std::string::npos);
}

TEST_F(LdSoCache, NativeDebianLibc) {
  std::string a(build_architecture());
  if (stage_libc6(a, root_).empty())
    GTEST_SKIP() << "no libc6 for " << a << " in the package store; run `cairn fetch --host vm`";
  auto start = std::chrono::steady_clock::now();
  auto got = build_ld_so_cache(root_, a);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(got) << got.error().message;
  auto listed = run("ldconfig", {"-p", "-C", root_ + "/etc/ld.so.cache"});
  ASSERT_TRUE(listed && listed->success());
  EXPECT_NE(listed->out.find("libc.so.6 (libc6,"), std::string::npos) << listed->out;
  std::string t = build_architecture() == "arm64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
  EXPECT_NE(listed->out.find(" => /lib/" + t + "/libc.so.6\n"), std::string::npos) << listed->out;
  std::cout << "ldconfig over libc6 (" << a << "): " << fmt::format("{:.3f}", took) << " s\n";
}

// ---- hwdb.bin ----------------------------------------------------------------------

constexpr std::string_view kHwdb =
    "# a test hwdb\n"
    "evdev:input:b0003v046DpC52B*\n"
    " KEYBOARD_KEY_70039=leftctrl\n"
    "\n"
    "usb:v1D6Bp0002*\n"
    " ID_MODEL_FROM_DATABASE=2.0 root hub\n";

class Hwdb : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() + "/root";
    make_root(root_);
  }
  void need_systemd_hwdb() {
    if (auto found = find_program("systemd-hwdb"); !found)
      GTEST_SKIP() << found.error().message << ": install udev";
  }

  TempDir dir_{"cairn-hwdb"};
  std::string root_;
};

TEST_F(Hwdb, SkippedWithoutHwdbFiles) {
  fs::create_directories(root_ + "/usr/lib/udev/hwdb.d");
  put(root_ + "/usr/lib/udev/hwdb.d/README", "not a hwdb file");
  auto got = build_hwdb(root_);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, (CacheOutput{{}, "the tree has no hwdb files (etc/udev/hwdb.d/*.hwdb, usr/lib/udev/hwdb.d/*.hwdb)", {}}));
}

TEST_F(Hwdb, SameBytesFromRootsWithDifferentNames) {
  need_systemd_hwdb();
  TempDir other("cairn-hwdb-in-a-directory-with-a-much-longer-name");
  std::string root2 = other.path() + "/deeper/still";
  fs::create_directories(root2);
  fs::remove(root2);
  make_root(root2);
  for (const std::string& r : {root_, root2}) {
    put(r + "/usr/lib/udev/hwdb.d/60-test.hwdb", kHwdb);
    put(r + "/etc/udev/hwdb.d/90-local.hwdb", "usb:v1234p5678*\n ID_MODEL_FROM_DATABASE=local\n");
  }
  auto first = build_hwdb(root_);
  auto second = build_hwdb(root2);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(first->written, std::vector<std::string>{"usr/lib/udev/hwdb.bin"});
  std::string a = slurp(root_ + "/usr/lib/udev/hwdb.bin");
  EXPECT_EQ(a, slurp(root2 + "/usr/lib/udev/hwdb.bin"));
  EXPECT_NE(a.find("/proc/self/cwd/usr/lib/udev/hwdb.d/60-test.hwdb"), std::string::npos);
  EXPECT_NE(a.find("/proc/self/cwd/etc/udev/hwdb.d/90-local.hwdb"), std::string::npos);
  EXPECT_NE(a.find("ID_MODEL_FROM_DATABASE"), std::string::npos);
}

TEST_F(Hwdb, DebiansHwdbIsReproducibleAcrossStagingDirectories) {
  need_systemd_hwdb();
  std::string udev = store_package("*-udev_*_amd64");
  if (udev.empty()) udev = store_package("*-udev_*_arm64");
  if (udev.empty()) GTEST_SKIP() << "no udev package in the package store; run `cairn fetch --host vm`";
  TempDir other("cairn-hwdb-other");
  std::string root2 = other.path() + "/r";
  make_root(root2);
  for (const std::string& r : {root_, root2}) {
    std::string src = udev + "/lib/udev/hwdb.d";
    if (!fs::exists(src)) src = udev + "/usr/lib/udev/hwdb.d";
    fs::create_directories(r + "/usr/lib/udev");
    fs::copy(src, r + "/usr/lib/udev/hwdb.d", fs::copy_options::recursive);
  }
  auto start = std::chrono::steady_clock::now();
  auto first = build_hwdb(root_);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(build_hwdb(root2));
  std::string a = slurp(root_ + "/usr/lib/udev/hwdb.bin");
  EXPECT_GT(a.size(), 1'000'000u);
  EXPECT_TRUE(a == slurp(root2 + "/usr/lib/udev/hwdb.bin")) << "hwdb.bin differs between staging directories";
  std::cout << "systemd-hwdb over " << fs::path(udev).parent_path().filename().string() << ": "
            << fmt::format("{:.2f} s, {} bytes", took, a.size()) << "\n";
}

TEST_F(Hwdb, RootWithoutMergedUsrIsAnError) {
  need_systemd_hwdb();
  fs::remove(root_ + "/lib");
  fs::create_directories(root_ + "/lib/udev");
  put(root_ + "/usr/lib/udev/hwdb.d/60-test.hwdb", kHwdb);
  auto got = build_hwdb(root_);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            fmt::format("building hwdb.bin in {0}: {0}/lib is not a symlink to usr/lib; the staged root must be "
                        "merged-/usr (systemd-hwdb writes through lib/udev)",
                        root_));
}

TEST_F(Hwdb, AbsoluteLibSymlinkIsRefusedNotFollowedOutOfTheTree) {
  fs::remove(root_ + "/lib");
  fs::create_symlink("/usr/lib", root_ + "/lib");
  put(root_ + "/usr/lib/udev/hwdb.d/60-test.hwdb", kHwdb);
  auto got = build_hwdb(root_);
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find("is not a symlink to usr/lib"), std::string::npos) << got.error().message;
}

TEST_F(Hwdb, MissingSystemdHwdbSaysWhichPackageToInstall) {
  put(root_ + "/usr/lib/udev/hwdb.d/60-test.hwdb", kHwdb);
  TempDir empty("cairn-empty-path");
  ScopedPath path(empty.path());
  auto got = build_hwdb(root_);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            fmt::format("building hwdb.bin in {}: cannot run systemd-hwdb: not found on PATH ({}); install udev",
                        root_, empty.path()));
}

TEST_F(Hwdb, FailingSystemdHwdbReportsItsMessage) {
  put(root_ + "/usr/lib/udev/hwdb.d/60-test.hwdb", kHwdb);
  TempDir bin("cairn-fake-bin");
  put(bin.path() + "/systemd-hwdb", "#!/bin/sh\necho 'Failed to write database: No space left on device' >&2\nexit 1\n",
      fs::perms::owner_all);
  ScopedPath path(bin.path() + ":/usr/bin:/bin");
  auto got = build_hwdb(root_);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            fmt::format("building hwdb.bin in {}: systemd-hwdb exited with status 1: Failed to write database: No "
                        "space left on device",
                        root_));
}

TEST_F(Hwdb, StagingPathInTheOutputIsAnError) {
  // A systemd-hwdb that resolved the root (as a future one might) would
  // record the staging directory; that must not pass silently.
  put(root_ + "/usr/lib/udev/hwdb.d/60-test.hwdb", kHwdb);
  TempDir bin("cairn-fake-bin");
  put(bin.path() + "/systemd-hwdb",
      "#!/bin/sh\nprintf 'KSLPHHRH%s/usr/lib/udev/hwdb.d/60-test.hwdb' \"$(pwd -P)\" > usr/lib/udev/hwdb.bin\n",
      fs::perms::owner_all);
  ScopedPath path(bin.path() + ":/usr/bin:/bin");
  auto got = build_hwdb(root_);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            fmt::format("building hwdb.bin in {0}: hwdb.bin records the staging path {0} in its source file names, "
                        "so it would differ between builds; this systemd-hwdb does not keep the "
                        "--root=/proc/self/cwd prefix as systemd 252 does",
                        fs::canonical(root_).string()));
}

}  // namespace
}  // namespace cairn::compose
