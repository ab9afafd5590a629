// `cairn build` end to end with real packages: the `vm` example host,
// locked in cairn.lock, fetched from the archive the machine's apt is
// configured with (skipped when it is unreachable), composed and packed;
// then the image is inspected with unsquashfs — owners, setuid bits, the
// generated passwd, the enablement links, merged /usr — and built a second
// time in another store to show the image is bit-identical.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/hash.hh"
#include "base/subprocess.hh"
#include "images/squashfs.hh"

namespace cairn {
namespace {

namespace fs = std::filesystem;

// The package store the tests share across runs (only .debs and unpacked
// packages are kept; systems are built fresh).
const std::string kSharedStore = CAIRN_TEST_STORE;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct BuildResult {
  int status = -1;
  std::string out, err;
};

class BuildVm : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/cairn-build-test-XXXXXX";
    work_ = ::mkdtemp(tmpl);
    repo_ = work_ + "/repo";
    fs::create_directories(repo_);
    fs::copy(std::string(CAIRN_SOURCE_ROOT) + "/hosts", repo_ + "/hosts", fs::copy_options::recursive);
    fs::copy_file(std::string(CAIRN_SOURCE_ROOT) + "/cairn.lock", repo_ + "/cairn.lock");
    // Fetch (or find) the packages; unreachable archive ⇒ every test skips.
    BuildResult f = cairn({"fetch", "--host", "vm", "--store", kSharedStore});
    if (f.status != 0) {
      skip_ = "the packages of vm could not be fetched (is the archive reachable?): " + f.err;
      return;
    }
    for (const char* d : {"systems", "profiles", "roots"}) fs::remove_all(kSharedStore + "/" + d);
    first_ = cairn({"build", "--host", "vm", "--store", kSharedStore, "-o", work_ + "/result", "--timings"});
    if (first_.status == 0) {
      image_ = fs::canonical(work_ + "/result").string() + "/system.squashfs";
      auto listed = images::list_squashfs(image_);
      if (listed) for (auto& e : *listed) entries_[e.path] = e;
      else listing_error_ = listed.error().message;
    }
  }
  static void TearDownTestSuite() {
    for (const char* d : {"systems", "profiles", "roots"}) fs::remove_all(kSharedStore + "/" + d);
    fs::remove_all(work_);
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_EQ(first_.status, 0) << first_.err;
    ASSERT_TRUE(listing_error_.empty()) << listing_error_;
  }

  static BuildResult cairn(std::vector<std::string> args) {
    RunOptions o;
    o.cwd = repo_;
    auto r = run(CAIRN_BINARY, args, o);
    if (!r) return {-1, "", r.error().message};
    return {r->success() ? 0 : 1, r->out, r->err};
  }
  // A file from the image, extracted with unsquashfs.
  static std::string image_file(const std::string& path) {
    std::string dest = work_ + "/extract-" + std::to_string(counter_++);
    auto r = run("unsquashfs", {"-no-progress", "-d", dest, image_, path});
    if (!r || !r->success()) return "";
    return read_text(dest + "/" + path);
  }
  const images::ListedEntry* entry(const std::string& path) {
    auto it = entries_.find(path);
    return it == entries_.end() ? nullptr : &it->second;
  }

  static inline std::string work_, repo_, image_, skip_, listing_error_;
  static inline BuildResult first_;
  static inline std::map<std::string, images::ListedEntry> entries_;
  static inline int counter_ = 0;
};

TEST_F(BuildVm, SystemctlIsRootOwned) {
  const images::ListedEntry* e = entry("usr/bin/systemctl");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->uid, 0u);
  EXPECT_EQ(e->gid, 0u);
  EXPECT_EQ(e->mode, 0755u);
}

TEST_F(BuildVm, SetuidBinariesKeepTheirBits) {
  for (const char* path : {"usr/bin/su", "usr/bin/passwd", "usr/bin/mount"}) {
    const images::ListedEntry* e = entry(path);
    ASSERT_NE(e, nullptr) << path;
    EXPECT_EQ(e->mode, 04755u) << path;
    EXPECT_EQ(e->uid, 0u) << path;
  }
  // Setgid shadow: chage is 2755 root:shadow (42).
  const images::ListedEntry* chage = entry("usr/bin/chage");
  ASSERT_NE(chage, nullptr);
  EXPECT_EQ(chage->mode, 02755u);
  EXPECT_EQ(chage->gid, 42u);
}

TEST_F(BuildVm, StatOverrideOfDbusHelperIsApplied) {
  // dbus' postinst: dpkg-statoverride --add root messagebus 4754 …
  const images::ListedEntry* e = entry("usr/lib/dbus-1.0/dbus-daemon-launch-helper");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->mode, 04754u);
  EXPECT_EQ(e->uid, 0u);
  std::string group = image_file("etc/group");
  std::string line = fmt::format("messagebus:x:{}:", e->gid);
  EXPECT_NE(group.find("\n" + line), std::string::npos) << group;
}

TEST_F(BuildVm, AlternativesAndCachesAreInTheImage) {
  const images::ListedEntry* awk = entry("usr/bin/awk");
  ASSERT_NE(awk, nullptr);
  EXPECT_EQ(awk->target, "/etc/alternatives/awk");
  ASSERT_NE(entry("etc/alternatives/awk"), nullptr);
  EXPECT_EQ(entry("etc/alternatives/awk")->target, "/usr/bin/mawk");
  EXPECT_NE(entry("etc/ld.so.cache"), nullptr);
  EXPECT_EQ(entry("var/cache/ldconfig/aux-cache"), nullptr);
  EXPECT_NE(entry("usr/lib/udev/hwdb.bin"), nullptr);
  EXPECT_EQ(entry("var/run")->target, "/run");
}

TEST_F(BuildVm, PasswdHoldsRootAndTheDeclaredUser) {
  std::string passwd = image_file("etc/passwd");
  EXPECT_NE(passwd.find("root:x:0:0:root:/root:/bin/bash\n"), std::string::npos) << passwd;
  EXPECT_NE(passwd.find("\ntester:x:1000:"), std::string::npos) << passwd;
  const images::ListedEntry* shadow = entry("etc/shadow");
  ASSERT_NE(shadow, nullptr);
  EXPECT_EQ(shadow->mode, 0640u);
  EXPECT_EQ(shadow->gid, 42u);
  std::string text = image_file("etc/shadow");
  EXPECT_NE(text.find("tester:$6$cairn$"), std::string::npos);
}

TEST_F(BuildVm, EnablementLinksArePresent) {
  const images::ListedEntry* getty = entry("etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service");
  ASSERT_NE(getty, nullptr);
  EXPECT_EQ(getty->type, images::PseudoType::symlink);
  EXPECT_EQ(getty->target, "/usr/lib/systemd/system/serial-getty@.service");
  EXPECT_NE(entry("etc/systemd/system/multi-user.target.wants/remote-fs.target"), nullptr);
}

TEST_F(BuildVm, NothingOutsideUsrButTheSkeleton) {
  for (const char* link : {"bin", "sbin", "lib", "lib64"}) {
    const images::ListedEntry* e = entry(link);
    ASSERT_NE(e, nullptr) << link;
    EXPECT_EQ(e->type, images::PseudoType::symlink) << link;
    EXPECT_EQ(e->target, std::string("usr/") + link) << link;
  }
  for (const auto& [path, e] : entries_)
    for (const char* dir : {"bin/", "sbin/", "lib/", "lib32/", "lib64/", "libx32/"})
      EXPECT_FALSE(path.starts_with(dir)) << path;
}

TEST_F(BuildVm, KernelModulesAreIndexed) {
  bool dep = false;
  for (const auto& [path, e] : entries_)
    if (path.starts_with("usr/lib/modules/") && path.ends_with("/modules.dep")) dep = true;
  EXPECT_TRUE(dep);
  std::string system = fs::canonical(work_ + "/result").string();
  EXPECT_TRUE(fs::exists(system + "/kernel"));
  std::string modules = read_text(system + "/initrd-modules");
  EXPECT_NE(modules.find("kernel/fs/squashfs/squashfs.ko"), std::string::npos) << modules;
}

TEST_F(BuildVm, NoOpRebuildReturnsTheSameGeneration) {
  BuildResult again = cairn({"build", "--host", "vm", "--store", kSharedStore, "-o", work_ + "/result2"});
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(fs::canonical(work_ + "/result2"), fs::canonical(work_ + "/result"));
  EXPECT_NE(again.err.find("unchanged"), std::string::npos) << again.err;
}

TEST_F(BuildVm, SecondBuildElsewhereIsBitIdentical) {
  // Another store (sharing only the .debs), another directory, later.
  std::string other = work_ + "/other-store";
  fs::create_directories(other + "/debs");
  for (auto& e : fs::directory_iterator(kSharedStore + "/debs"))
    fs::create_hard_link(e.path(), other + "/debs/" + e.path().filename().string());
  BuildResult second = cairn({"build", "--host", "vm", "--store", other, "-o", work_ + "/other-result"});
  ASSERT_EQ(second.status, 0) << second.err;
  std::string image2 = fs::canonical(work_ + "/other-result").string() + "/system.squashfs";
  EXPECT_EQ(sha256_file(image2).value_or("a"), sha256_file(image_).value_or("b"));
}

}  // namespace
}  // namespace cairn
