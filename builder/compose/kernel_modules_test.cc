// Tests for kernels in a staged root. Two kinds of kernel:
//
// - A fake one, built here: tiny C files compiled with the build machine's cc
//   into relocatable objects named *.ko, which kmod's depmod reads like real
//   modules (exported symbols from a `__ksymtab_strings` section, softdeps and
//   aliases from `.modinfo`). It makes dependency chains, softdeps, aliases and
//   built-in modules exactly as a case needs. Skips without cc or depmod.
// - Debian's real kernels from the package store (amd64 and, when the store
//   holds it, arm64 — depmod reads another architecture's modules as data),
//   checked against `modprobe --show-depends`. Skips with the reason when the
//   store has no such kernel; `cairn fetch --host vm` (and `--host server`)
//   fills it.
#include "builder/compose/kernel_modules.hh"

#include <glob.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/subprocess.hh"

namespace cairn::compose {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  explicit TempDir(std::string_view name = "cairn-kernel") {
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

void put(const std::string& path, std::string_view contents) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << contents;
}

// The skeleton of a merged-/usr root: lib → usr/lib, as compose stages it.
void make_root(const std::string& root) {
  fs::create_directories(root + "/usr/lib/modules");
  fs::create_directories(root + "/boot");
  fs::create_symlink("usr/lib", root + "/lib");
}

// Puts PATH=`dir` for the lifetime of the object.
class ScopedPath {
 public:
  explicit ScopedPath(const std::string& dir) : old_(std::getenv("PATH") ? std::getenv("PATH") : "") {
    ::setenv("PATH", dir.c_str(), 1);
  }
  ~ScopedPath() { ::setenv("PATH", old_.c_str(), 1); }

 private:
  std::string old_;
};

// ---- a fake kernel ------------------------------------------------------------

constexpr std::string_view kFakeVersion = "9.9.9-test";

// One fake module: its path below kernel/, the C source of its body.
struct FakeModule {
  std::string path;
  std::string source;
};

// Exported symbols go in `__ksymtab_strings`, modinfo strings in `.modinfo`.
std::string exports(std::string_view symbol) {
  return fmt::format(
      "static const char ks[] __attribute__((section(\"__ksymtab_strings\"), used)) = \"{}\";\n",
      symbol);
}
std::string modinfo(std::string_view nul_separated) {
  return fmt::format("static const char mi[] __attribute__((section(\".modinfo\"), used)) = \"{}\";\n",
                     nul_separated);
}

// a ← b ← c (c uses both), d: softdep pre: e builtin-x post: a, alias
// fancy-alias; e alone; f-dash with a dash in its file name; builtin-x built
// in. The tree's modprobe.d adds `alias tree-alias e`.
const std::vector<FakeModule>& fake_modules() {
  static const std::vector<FakeModule> modules = {
      {"kernel/lib/a.ko", "int a_fn(void) { return 1; }\n" + exports("a_fn")},
      {"kernel/lib/b.ko",
       "extern int a_fn(void);\nint b_fn(void) { return a_fn(); }\n" + exports("b_fn")},
      {"kernel/drivers/sub/c.ko",
       "extern int a_fn(void);\nextern int b_fn(void);\nint c_fn(void) { return a_fn() + b_fn(); }\n"},
      {"kernel/fs/d.ko", modinfo("softdep=pre: e builtin-x post: a\\0alias=fancy-alias")},
      {"kernel/fs/e.ko", "int e_fn(void) { return 0; }\n"},
      {"kernel/fs/f-dash.ko", "int f_fn(void) { return 0; }\n"},
  };
  return modules;
}

// Builds the fake kernel into `root`; returns why it cannot ("" on success).
std::string build_fake_kernel(const std::string& root) {
  auto cc = find_program("cc");
  if (!cc) return cc.error().message + ": install gcc to run the fake-kernel tests";
  make_root(root);
  std::string dir = root + "/usr/lib/modules/" + std::string(kFakeVersion);
  std::string order;
  for (const FakeModule& m : fake_modules()) {
    std::string src = root + "/../" + fs::path(m.path).stem().string() + ".c";
    put(src, m.source);
    fs::create_directories(fs::path(dir + "/" + m.path).parent_path());
    auto ran = run("cc", {"-c", "-O0", "-o", dir + "/" + m.path, src});
    if (!ran || !ran->success()) return "cc failed: " + (ran ? ran->err : ran.error().message);
    order += m.path + "\n";
  }
  put(dir + "/modules.order", order);
  put(dir + "/modules.builtin", "kernel/drivers/builtin-x.ko\n");
  put(dir + "/modules.builtin.modinfo", "");
  put(root + "/boot/vmlinuz-" + std::string(kFakeVersion), "not really a kernel");
  put(root + "/etc/modprobe.d/tree.conf", "alias tree-alias e\n");
  return "";
}

class FakeKernel : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() + "/root";
    skip_ = build_fake_kernel(root_);
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    if (auto depmod = find_program("depmod", "/usr/sbin:/sbin:" + std::string(std::getenv("PATH")));
        !depmod)
      GTEST_SKIP() << depmod.error().message << ": install kmod to run these tests";
    // depmod lives in /sbin on Debian, which a build user's PATH may lack.
    path_ = std::make_unique<ScopedPath>(std::string(std::getenv("PATH")) + ":/usr/sbin:/sbin");
  }

  std::string version() const { return std::string(kFakeVersion); }

  InitrdModules resolve(const std::vector<std::string>& names) {
    auto deps = run_depmod(root_, version());
    EXPECT_TRUE(deps) << deps.error().message;
    auto got = resolve_initrd_modules(root_, version(), names);
    EXPECT_TRUE(got) << got.error().message;
    return got ? *got : InitrdModules{};
  }

  TempDir dir_;
  std::string root_;
  std::string skip_;
  std::unique_ptr<ScopedPath> path_;
};

TEST(KernelFind, KernelNeedsBothModulesAndVmlinuz) {
  TempDir dir;
  std::string root = dir.path();
  make_root(root);
  fs::create_directories(root + "/usr/lib/modules/6.1.0-9-amd64/kernel");
  fs::create_directories(root + "/usr/lib/modules/6.1.0-10-amd64/kernel");
  fs::create_directories(root + "/usr/lib/modules/5.10.0-1-amd64/kernel");  // no vmlinuz
  put(root + "/boot/vmlinuz-6.1.0-9-amd64", "k");
  put(root + "/boot/vmlinuz-6.1.0-10-amd64", "k");
  put(root + "/boot/vmlinuz-4.19.0-1-amd64", "k");  // no modules
  auto got = find_kernels(root);
  ASSERT_TRUE(got) << got.error().message;
  std::vector<Kernel> want = {
      {"6.1.0-9-amd64", "boot/vmlinuz-6.1.0-9-amd64", "usr/lib/modules/6.1.0-9-amd64", ""},
      {"6.1.0-10-amd64", "boot/vmlinuz-6.1.0-10-amd64", "usr/lib/modules/6.1.0-10-amd64", ""},
  };
  EXPECT_EQ(*got, want);  // oldest first, 9 before 10
}

TEST(KernelFind, Arm64KernelReportsItsDeviceTrees) {
  TempDir dir;
  std::string root = dir.path();
  make_root(root);
  fs::create_directories(root + "/usr/lib/modules/6.1.0-50-arm64");
  fs::create_directories(root + "/usr/lib/linux-image-6.1.0-50-arm64/broadcom");
  put(root + "/boot/vmlinuz-6.1.0-50-arm64", "k");
  auto got = find_kernels(root);
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].dtbs_dir, "usr/lib/linux-image-6.1.0-50-arm64");
}

TEST(KernelFind, RootWithoutModulesHasNoKernel) {
  TempDir dir;
  auto got = find_kernels(dir.path());
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(got->empty());
}

TEST(KernelFind, VmlinuzSymlinkIsNotAKernel) {
  // A symlink could point out of the tree; Debian ships a regular file.
  TempDir dir;
  std::string root = dir.path();
  make_root(root);
  fs::create_directories(root + "/usr/lib/modules/6.1.0-1-amd64");
  fs::create_symlink("/boot/vmlinuz", root + "/boot/vmlinuz-6.1.0-1-amd64");
  auto got = find_kernels(root);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(got->empty());
}

TEST_F(FakeKernel, DepmodReportsTheIndexesItWrote) {
  auto got = run_depmod(root_, version());
  ASSERT_TRUE(got) << got.error().message;
  std::string d = "usr/lib/modules/" + version() + "/";
  std::vector<std::string> want;
  for (const char* name : {"modules.alias", "modules.alias.bin", "modules.builtin.alias.bin",
                           "modules.builtin.bin", "modules.dep", "modules.dep.bin", "modules.devname",
                           "modules.softdep", "modules.symbols", "modules.symbols.bin"})
    want.push_back(d + name);
  EXPECT_EQ(*got, want);
  // The dependency chain as modules.dep states it: right to left.
  EXPECT_NE(read_file(root_ + "/" + d + "modules.dep")->find("kernel/drivers/sub/c.ko: kernel/lib/b.ko kernel/lib/a.ko\n"),
            std::string::npos);
}

TEST_F(FakeKernel, DepmodOutputDoesNotDependOnTheRootsPath) {
  TempDir other("cairn-kernel-with-a-much-longer-name");
  std::string root2 = other.path() + "/elsewhere";
  ASSERT_EQ(build_fake_kernel(root2), "");
  auto first = run_depmod(root_, version());
  auto second = run_depmod(root2, version());
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(second) << second.error().message;
  ASSERT_EQ(*first, *second);
  for (const std::string& f : *first) EXPECT_EQ(*read_file(root_ + "/" + f), *read_file(root2 + "/" + f)) << f;
}

TEST_F(FakeKernel, DepmodReadsTheTreesDepmodConfiguration) {
  // Of two modules named e, depmod prefers updates/ unless depmod.d says
  // otherwise; the tree's etc/depmod.d is what counts.
  std::string dir = root_ + "/usr/lib/modules/" + version();
  fs::create_directories(dir + "/updates");
  fs::copy_file(dir + "/kernel/fs/e.ko", dir + "/updates/e.ko");
  ASSERT_TRUE(run_depmod(root_, version()));
  auto got = resolve_initrd_modules(root_, version(), {"e"});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->modules, std::vector<std::string>{"updates/e.ko"});

  put(root_ + "/etc/depmod.d/test.conf", "search built-in updates\n");
  ASSERT_TRUE(run_depmod(root_, version()));
  got = resolve_initrd_modules(root_, version(), {"e"});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->modules, std::vector<std::string>{"kernel/fs/e.ko"});
}

TEST_F(FakeKernel, DepmodWithoutTheModuleDirectorySaysSo) {
  auto got = run_depmod(root_, "1.2.3");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            fmt::format("running depmod for kernel 1.2.3 in {0}: {0}/usr/lib/modules/1.2.3 is not a "
                        "directory; is the kernel's image package in the closure?",
                        root_));
}

TEST_F(FakeKernel, MissingDepmodSaysWhichPackageToInstall) {
  TempDir empty("cairn-empty-path");
  ScopedPath path(empty.path());
  auto got = run_depmod(root_, version());
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            fmt::format("running depmod for kernel {} in {}: cannot run depmod: not found on PATH ({}); "
                        "install kmod (Debian puts depmod in /usr/sbin, which PATH must include)",
                        version(), root_, empty.path()));
}

TEST_F(FakeKernel, FailingDepmodIsAnErrorWithItsMessage) {
  TempDir bin("cairn-fake-depmod");
  put(bin.path() + "/depmod", "#!/bin/sh\necho 'depmod: FATAL: broken' >&2\nexit 1\n");
  fs::permissions(bin.path() + "/depmod", fs::perms::owner_all);
  ScopedPath path(bin.path() + ":/usr/bin:/bin");
  auto got = run_depmod(root_, version());
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, fmt::format("running depmod for kernel {} in {}: depmod exited with "
                                             "status 1: depmod: FATAL: broken\n",
                                             version(), root_));
}

TEST_F(FakeKernel, DependenciesLoadBeforeTheModuleRightToLeft) {
  InitrdModules want{{"kernel/lib/a.ko", "kernel/lib/b.ko", "kernel/drivers/sub/c.ko"}, {}};
  EXPECT_EQ(resolve({"c"}), want);
}

TEST_F(FakeKernel, SoftdepsLoadBeforeAndAfterAndBuiltinsAreListed) {
  InitrdModules want{{"kernel/fs/e.ko", "kernel/fs/d.ko", "kernel/lib/a.ko"}, {"builtin_x"}};
  EXPECT_EQ(resolve({"d"}), want);
}

TEST_F(FakeKernel, AliasesFromModinfoAndFromTheTreesModprobeD) {
  EXPECT_EQ(resolve({"fancy-alias"}),
            (InitrdModules{{"kernel/fs/e.ko", "kernel/fs/d.ko", "kernel/lib/a.ko"}, {"builtin_x"}}));
  EXPECT_EQ(resolve({"tree-alias"}), (InitrdModules{{"kernel/fs/e.ko"}, {}}));
}

TEST_F(FakeKernel, EachModuleOnceAtItsFirstPlace) {
  InitrdModules want{{"kernel/fs/e.ko", "kernel/fs/d.ko", "kernel/lib/a.ko", "kernel/lib/b.ko",
                      "kernel/drivers/sub/c.ko"},
                     {"builtin_x"}};
  EXPECT_EQ(resolve({"d", "c", "a", "b", "e"}), want);
}

TEST_F(FakeKernel, DashAndUnderscoreAreTheSame) {
  EXPECT_EQ(resolve({"f-dash"}), (InitrdModules{{"kernel/fs/f-dash.ko"}, {}}));
  EXPECT_EQ(resolve({"f_dash"}), (InitrdModules{{"kernel/fs/f-dash.ko"}, {}}));
}

TEST_F(FakeKernel, RequestedBuiltinModuleIsListedNotAnError) {
  EXPECT_EQ(resolve({"builtin-x", "builtin_x"}), (InitrdModules{{}, {"builtin_x"}}));
}

TEST_F(FakeKernel, UnknownNamesAreOneErrorNamingThemAndTheKernel) {
  ASSERT_TRUE(run_depmod(root_, version()));
  auto got = resolve_initrd_modules(root_, version(), {"nope", "c", "zzz"});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            fmt::format("resolving the initramfs modules of kernel {0} in {1}: kernel {0} has no module, "
                        "alias or built-in module named 'nope' and 'zzz'; check the names in "
                        "boot.kernel.initrdModules (modules.alias and modules.builtin in "
                        "{1}/usr/lib/modules/{0} list what this kernel has)",
                        version(), root_));
  got = resolve_initrd_modules(root_, version(), {"nope"});
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find("named 'nope'; check the name in"), std::string::npos)
      << got.error().message;
}

TEST_F(FakeKernel, ResolvingBeforeDepmodSaysToRunIt) {
  auto got = resolve_initrd_modules(root_, version(), {"c"});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            fmt::format("resolving the initramfs modules of kernel {0} in {1}: "
                        "{1}/usr/lib/modules/{0}/modules.dep.bin does not exist; run depmod first",
                        version(), root_));
}

// ---- Debian's kernels ----------------------------------------------------------

// The store's unpacked linux-image-6.1.0-*-<arch> package, or "".
std::string store_kernel(std::string_view arch) {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  std::string cache = xdg && *xdg ? xdg : std::string(home ? home : "/root") + "/.cache";
  std::string pattern = fmt::format("{}/cairn/pkgs/*linux-image-6.1.0-*-{}_*/root", cache, arch);
  glob_t g{};
  std::string found;
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0 && g.gl_pathc > 0) found = g.gl_pathv[g.gl_pathc - 1];
  ::globfree(&g);
  return found;
}

// Stages the package's modules and vmlinuz under `root` by hard link (a copy
// when the store is on another file system); returns the kernel version.
std::string stage_store_kernel(const std::string& package_root, const std::string& root) {
  make_root(root);
  std::string version;
  for (const auto& e : fs::directory_iterator(package_root + "/lib/modules")) version = e.path().filename();
  auto opts = fs::copy_options::recursive | fs::copy_options::create_hard_links;
  std::error_code ec;
  fs::copy(package_root + "/lib/modules/" + version, root + "/usr/lib/modules/" + version, opts, ec);
  if (ec) fs::copy(package_root + "/lib/modules/" + version, root + "/usr/lib/modules/" + version,
                   fs::copy_options::recursive);
  fs::copy_file(package_root + "/boot/vmlinuz-" + version, root + "/boot/vmlinuz-" + version);
  if (fs::exists(package_root + "/usr/lib/linux-image-" + version))
    fs::create_directories(root + "/usr/lib/linux-image-" + version);
  return version;
}

// `modprobe --show-depends` for `name` over the staged kernel (and no
// modprobe.d at all: the build machine's must not count), as paths relative
// to the module directory; builtin lines are left out (modprobe asks the
// running kernel's /sys/module whether a module is built in).
std::vector<std::string> modprobe_order(const std::string& root, const std::string& version,
                                        const std::string& name) {
  RunOptions options;
  options.env = {"PATH=/usr/sbin:/sbin:/usr/bin:/bin"};
  auto ran = run("modprobe", {"-C", root + "/etc/modprobe.d", "-d", root, "-S", version, "--show-depends", name},
                 options);
  EXPECT_TRUE(ran && ran->success()) << (ran ? ran->err : ran.error().message);
  std::vector<std::string> paths;
  std::string prefix = "insmod " + root + "/lib/modules/" + version + "/";
  std::istringstream in(ran ? ran->out : "");
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(prefix)) continue;
    std::string path = line.substr(prefix.size());
    while (!path.empty() && path.back() == ' ') path.pop_back();
    paths.push_back(path);
  }
  return paths;
}

// One staged root per architecture, depmod run once, shared by the tests
// (staging and depmod take a few seconds on two cores); removed at exit.
struct StagedKernel {
  std::unique_ptr<TempDir> dir;
  std::string package;
  std::string root;
  std::string version;
  double depmod_seconds = 0;
  std::string error;  ///< why it could not be staged
};

const StagedKernel& staged_kernel(const std::string& arch) {
  static std::map<std::string, StagedKernel> staged;
  auto [it, fresh] = staged.try_emplace(arch);
  StagedKernel& k = it->second;
  if (!fresh || !(k.package = store_kernel(arch)).size()) return k;
  k.dir = std::make_unique<TempDir>("cairn-debian-kernel");
  k.root = k.dir->path() + "/root";
  k.version = stage_store_kernel(k.package, k.root);
  auto start = std::chrono::steady_clock::now();
  auto ran = run_depmod(k.root, k.version);
  k.depmod_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!ran) k.error = ran.error().message;
  return k;
}

class DebianKernel : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    for (const char* tool : {"depmod", "modprobe"})
      if (auto found = find_program(tool, "/usr/sbin:/sbin:/usr/bin:/bin"); !found)
        GTEST_SKIP() << found.error().message << ": install kmod";
    path_ = std::make_unique<ScopedPath>(std::string(std::getenv("PATH")) + ":/usr/sbin:/sbin");
    const StagedKernel& k = staged_kernel(GetParam());
    if (k.package.empty())
      GTEST_SKIP() << "no linux-image-6.1.0-*-" << GetParam()
                   << " in the package store; run `cairn fetch --host vm` (amd64) or `--host server` (arm64)";
    ASSERT_EQ(k.error, "");
    package_ = k.package;
    root_ = k.root;
    version_ = k.version;
    depmod_seconds_ = k.depmod_seconds;
  }

  std::string package_;
  std::string root_;
  std::string version_;
  double depmod_seconds_ = 0;
  std::unique_ptr<ScopedPath> path_;
};

TEST_P(DebianKernel, FoundWithItsVmlinuz) {
  auto got = find_kernels(root_);
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].version, version_);
  EXPECT_EQ((*got)[0].vmlinuz, "boot/vmlinuz-" + version_);
  EXPECT_EQ((*got)[0].dtbs_dir, GetParam() == "arm64" ? "usr/lib/linux-image-" + version_ : "");
}

TEST_P(DebianKernel, DepmodIsReproducibleAcrossRootsAndRuns) {
  // The shared root's indexes, then depmod again there and in a root at
  // another path: the same files, byte for byte.
  auto files = run_depmod(root_, version_);
  ASSERT_TRUE(files) << files.error().message;
  std::map<std::string, std::string> bytes;
  for (const std::string& f : *files) bytes[f] = *read_file(root_ + "/" + f);
  EXPECT_EQ(bytes.size(), 10u);

  TempDir other("cairn-debian-kernel-elsewhere");
  std::string root2 = other.path() + "/a/much/deeper/root";
  fs::create_directories(fs::path(root2).parent_path());
  stage_store_kernel(package_, root2);
  auto elsewhere = run_depmod(root2, version_);
  ASSERT_TRUE(elsewhere) << elsewhere.error().message;
  EXPECT_EQ(*elsewhere, *files);
  for (const auto& [f, b] : bytes) EXPECT_EQ(*read_file(root2 + "/" + f), b) << f << " depends on the root's path";
  RecordProperty("depmod_seconds", fmt::format("{:.2f}", depmod_seconds_));
  std::cout << "depmod " << version_ << ": " << fmt::format("{:.2f}", depmod_seconds_) << " s\n";
}

TEST_P(DebianKernel, InitrdOrderIsModprobesOrder) {
  std::vector<std::string> all_want;
  std::vector<std::string> names = {"ext4", "virtio_blk", "squashfs", "overlay", "loop"};
  for (const std::string& name : names) {
    std::vector<std::string> want = modprobe_order(root_, version_, name);
    ASSERT_FALSE(want.empty()) << name;
    auto got = resolve_initrd_modules(root_, version_, {name});
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->modules, want) << name;
    for (const std::string& m : want)
      if (std::find(all_want.begin(), all_want.end(), m) == all_want.end()) all_want.push_back(m);
  }
  auto all = resolve_initrd_modules(root_, version_, names);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->modules, all_want);
}

TEST_P(DebianKernel, Ext4BringsItsCrc32cSoftdepFirst) {
  auto got = resolve_initrd_modules(root_, version_, {"ext4"});
  ASSERT_TRUE(got) << got.error().message;
  std::vector<std::string> want = {"kernel/crypto/crc32c_generic.ko", "kernel/fs/jbd2/jbd2.ko",
                                   "kernel/fs/mbcache.ko", "kernel/lib/crc16.ko", "kernel/fs/ext4/ext4.ko"};
  if (GetParam() == "amd64") want.insert(want.begin(), "kernel/arch/x86/crypto/crc32c-intel.ko");
  EXPECT_EQ(got->modules, want);
}

TEST_P(DebianKernel, VirtioIsBuiltInOnArm64AndAModuleOnAmd64) {
  auto got = resolve_initrd_modules(root_, version_, {"virtio", "virtio_ring"});
  ASSERT_TRUE(got) << got.error().message;
  if (GetParam() == "arm64") {
    EXPECT_EQ(*got, (InitrdModules{{}, {"virtio", "virtio_ring"}}));
  } else {
    EXPECT_EQ(*got, (InitrdModules{{"kernel/drivers/virtio/virtio.ko", "kernel/drivers/virtio/virtio_ring.ko"}, {}}));
  }
}

TEST_P(DebianKernel, CairnsDefaultInitrdModulesAllResolve) {
  // modules/boot/kernel.nix's default list.
  auto got = resolve_initrd_modules(
      root_, version_,
      {"ahci", "ehci_pci", "ext4", "loop", "mmc_block", "nls_cp437", "nls_iso8859_1", "nvme", "overlay",
       "sd_mod", "squashfs", "uas", "usb_storage", "vfat", "virtio_blk", "virtio_mmio", "virtio_pci",
       "virtio_scsi", "xhci_pci"});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_GT(got->modules.size(), 20u);
}

INSTANTIATE_TEST_SUITE_P(Store, DebianKernel, ::testing::Values("amd64", "arm64"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace cairn::compose
