// Store unit tests: where the store lives, its layout, and that entries
// appear whole and once — across threads and across processes (fork), which
// is what two builds at once look like. Fetching uses file:// URLs; the
// HTTP side is in tests/integration/debian_test.cc.
#include "builder/debian/store.hh"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "base/files.hh"
#include "base/hash.hh"

namespace cairn::debian {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/cairn-store-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto s = Store::open(dir_ + "/store");
    ASSERT_TRUE(s) << s.error().message;
    store_.emplace(std::move(*s));
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes `contents` to src/<name>; returns what the store needs to fetch it.
  StoreFetch source(const std::string& name, const std::string& contents) {
    fs::create_directories(dir_ + "/src");
    EXPECT_TRUE(write_file_atomic(dir_ + "/src/" + name, contents));
    return StoreFetch{sha256_hex(contents), "file://" + dir_ + "/src/" + name, contents.size()};
  }

  const Store& store() { return *store_; }

  std::string dir_;
  std::optional<Store> store_;
};

// A fetch function that writes `contents` and counts its calls.
auto writer(std::string contents, std::atomic<int>& calls, std::chrono::milliseconds delay = 0ms) {
  return [contents, &calls, delay](const std::string& tmp) -> Result<void> {
    ++calls;
    std::this_thread::sleep_for(delay);
    return write_file_atomic(tmp, contents);
  };
}

TEST(StoreRoot, Precedence) {
  EXPECT_EQ(*Store::root_from("/srv/cache", "/xdg", "/home/u"), "/srv/cache");
  EXPECT_EQ(*Store::root_from("", "/xdg", "/home/u"), "/xdg/cairn");
  EXPECT_EQ(*Store::root_from("", nullptr, "/home/u"), "/home/u/.cache/cairn");
  EXPECT_EQ(*Store::root_from("", "relative", "/home/u"), "/home/u/.cache/cairn");
  EXPECT_EQ(*Store::root_from("", "", "/home/u"), "/home/u/.cache/cairn");
  auto none = Store::root_from("", nullptr, nullptr);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message,
            "cannot place the store: neither XDG_CACHE_HOME nor HOME is set; pass --store DIR");
}

TEST_F(StoreTest, OpenCreatesTheLayout) {
  for (const char* sub : {"debs", "indexes", "pkgs", "tmp"})
    EXPECT_TRUE(fs::is_directory(dir_ + "/store/" + sub)) << sub;
  auto again = Store::open(dir_ + "/store/");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->root(), dir_ + "/store");
}

TEST_F(StoreTest, Paths) {
  std::string h(64, 'a');
  EXPECT_EQ(store().path_for(h), dir_ + "/store/debs/" + h + ".deb");
  EXPECT_EQ(store().path_for(h, StoreKind::index), dir_ + "/store/indexes/" + h);
  EXPECT_EQ(store().pkg_path(h, "libc6", "2.36-9+deb12u4", "amd64"),
            dir_ + "/store/pkgs/" + h + "-libc6_2.36-9+deb12u4_amd64");
  EXPECT_EQ(store().pkg_path(h, "python3.11", "1:3.11.2~rc1", "all"),
            dir_ + "/store/pkgs/" + h + "-python3.11_1%3a3.11.2~rc1_all");
  EXPECT_EQ(store().pkg_path(h, "../x", "a_b", "amd64"),
            dir_ + "/store/pkgs/" + h + "-..%2fx_a%5fb_amd64");
}

TEST_F(StoreTest, ValidHash) {
  EXPECT_TRUE(Store::valid_hash(sha256_hex("x")));
  EXPECT_FALSE(Store::valid_hash(""));
  EXPECT_FALSE(Store::valid_hash(std::string(64, 'A')));
  EXPECT_FALSE(Store::valid_hash(std::string(63, 'a')));
  EXPECT_FALSE(Store::valid_hash("../../../../../../../../../../../../../../../../../etc/passwd0000"));
}

TEST_F(StoreTest, EnsureFetchesOnce) {
  std::string h = sha256_hex("deb contents");
  EXPECT_FALSE(store().has(h));
  std::atomic<int> calls = 0;
  auto path = store().ensure(h, writer("deb contents", calls));
  ASSERT_TRUE(path) << path.error().message;
  EXPECT_EQ(*path, store().path_for(h));
  EXPECT_TRUE(store().has(h));
  EXPECT_FALSE(store().has(h, StoreKind::index));
  EXPECT_EQ(*read_file(*path), "deb contents");
  auto again = store().ensure(h, writer("deb contents", calls));
  ASSERT_TRUE(again);
  EXPECT_EQ(calls, 1);
}

TEST_F(StoreTest, EnsureIndex) {
  std::string h = sha256_hex("Package: a\n");
  std::atomic<int> calls = 0;
  auto path = store().ensure(h, writer("Package: a\n", calls), StoreKind::index);
  ASSERT_TRUE(path) << path.error().message;
  EXPECT_EQ(*path, dir_ + "/store/indexes/" + h);
}

TEST_F(StoreTest, EnsureRejectsOtherContent) {
  std::string h = sha256_hex("expected");
  std::atomic<int> calls = 0;
  auto path = store().ensure(h, writer("something else", calls));
  ASSERT_FALSE(path);
  EXPECT_EQ(path.error().message, "adding " + h + ".deb to the store: content has sha256 " +
                                      sha256_hex("something else") + ", expected " + h);
  EXPECT_FALSE(store().has(h));
  EXPECT_FALSE(fs::exists(dir_ + "/store/tmp/" + h + ".deb"));
}

TEST_F(StoreTest, EnsurePassesFetchErrorsOn) {
  std::string h = sha256_hex("x");
  auto path = store().ensure(h, [](const std::string& tmp) -> Result<void> {
    EXPECT_TRUE(write_file_atomic(tmp, "half"));
    return fail("connection reset");
  });
  ASSERT_FALSE(path);
  EXPECT_EQ(path.error().message, "adding " + h + ".deb to the store: connection reset");
  EXPECT_FALSE(store().has(h));
  EXPECT_FALSE(fs::exists(dir_ + "/store/tmp/" + h + ".deb"));
}

TEST_F(StoreTest, EnsureRefusesABadHash) {
  std::atomic<int> calls = 0;
  auto path = store().ensure("../../etc/passwd", writer("x", calls));
  ASSERT_FALSE(path);
  EXPECT_EQ(path.error().message, "'../../etc/passwd' is not a sha256 hash");
  EXPECT_EQ(calls, 0);
}

TEST_F(StoreTest, LockExcludesOthers) {
  auto first = store().lock("entry");
  ASSERT_TRUE(first && first->held());
  auto second = store().try_lock("entry");
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->held());
  *first = EntryLock();  // release
  auto third = store().try_lock("entry");
  ASSERT_TRUE(third);
  EXPECT_TRUE(third->held());
}

TEST_F(StoreTest, ThreadsEnsureTheSameEntryOnce) {
  std::string h = sha256_hex("shared");
  std::atomic<int> calls = 0;
  std::vector<std::thread> threads;
  std::atomic<int> ok = 0;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      if (store().ensure(h, writer("shared", calls, 50ms))) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(calls, 1);
}

TEST_F(StoreTest, ProcessesEnsureTheSameEntryOnce) {
  // Each process appends a line to a log when its fetch function runs.
  std::string h = sha256_hex("shared");
  std::string log = dir_ + "/calls";
  auto fetch = [&](const std::string& tmp) -> Result<void> {
    int fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    (void)!::write(fd, "x\n", 2);
    ::close(fd);
    std::this_thread::sleep_for(100ms);
    return write_file_atomic(tmp, "shared");
  };
  std::vector<pid_t> children;
  for (int i = 0; i < 4; ++i) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) ::_exit(store().ensure(h, fetch) ? 0 : 1);
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_EQ(*read_file(log), "x\n");
  EXPECT_TRUE(store().has(h));
}

TEST_F(StoreTest, EnsureAllFetchesWhatIsMissing) {
  std::vector<StoreFetch> files;
  for (int i = 0; i < 6; ++i) files.push_back(source("p" + std::to_string(i) + ".deb", "pkg " + std::to_string(i)));
  files.push_back(files[2]);  // listed twice: fetched once
  std::atomic<int> calls = 0;
  ASSERT_TRUE(store().ensure(files[0].sha256, writer("pkg 0", calls)));

  Fetcher fetcher;
  auto stats = store().ensure_all(files, fetcher);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->files, 5u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(*read_file(store().path_for(files[i].sha256)), "pkg " + std::to_string(i));
  auto again = store().ensure_all(files, fetcher);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->files, 0u);
  // Nothing is left in tmp/ but the lock files.
  for (const auto& e : fs::directory_iterator(dir_ + "/store/tmp"))
    EXPECT_TRUE(e.path().string().ends_with(".lock")) << e.path();
}

TEST_F(StoreTest, EnsureAllReportsEveryFailure) {
  std::vector<StoreFetch> files;
  files.push_back(source("good.deb", "good"));
  files.push_back(StoreFetch{sha256_hex("a"), "file://" + dir_ + "/src/absent-a.deb", 1});
  files.push_back(StoreFetch{"nothex", "file://" + dir_ + "/src/x.deb", 1});
  files.push_back(StoreFetch{sha256_hex("b"), "file://" + dir_ + "/src/absent-b.deb", 1});
  Fetcher fetcher;
  auto stats = store().ensure_all(files, fetcher);
  ASSERT_FALSE(stats);
  const std::string& msg = stats.error().message;
  EXPECT_TRUE(msg.starts_with("3 of 4 downloads failed:\n  " + files[2].url + ": 'nothex' is not a sha256 hash\n  " +
                              files[1].url + ": "))
      << msg;
  EXPECT_NE(msg.find("\n  " + files[3].url + ": "), std::string::npos) << msg;
  EXPECT_TRUE(store().has(files[0].sha256));
}

TEST_F(StoreTest, EnsureAllWaitsForAnotherBuild) {
  StoreFetch f = source("busy.deb", "busy");
  // "Another build" holds the entry's lock, and makes the entry before it
  // lets go: ensure_all must wait and then fetch nothing.
  auto held = store().lock(f.sha256 + ".deb");
  ASSERT_TRUE(held);
  std::atomic<bool> finished = false;
  Result<FetchStats> stats = FetchStats{};
  std::thread build([&] {
    Fetcher fetcher;
    stats = store().ensure_all({&f, 1}, fetcher);
    finished = true;
  });
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(finished);
  ASSERT_TRUE(write_file_atomic(store().path_for(f.sha256), "busy"));
  *held = EntryLock();
  build.join();
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->files, 0u);
}

TEST_F(StoreTest, EnsureAllTakesOverWhenTheOtherBuildFails) {
  StoreFetch f = source("busy.deb", "busy");
  auto held = store().lock(f.sha256 + ".deb");
  ASSERT_TRUE(held);
  Result<FetchStats> stats = FetchStats{};
  std::thread build([&] {
    Fetcher fetcher;
    stats = store().ensure_all({&f, 1}, fetcher);
  });
  std::this_thread::sleep_for(100ms);
  *held = EntryLock();  // gives up without making the entry
  build.join();
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->files, 1u);
  EXPECT_TRUE(store().has(f.sha256));
}

TEST_F(StoreTest, EnsureTree) {
  std::string h = sha256_hex("a .deb");
  int calls = 0;
  auto fill = [&](const std::string& tmp) -> Result<void> {
    ++calls;
    EXPECT_TRUE(fs::is_empty(tmp));
    fs::create_directories(tmp + "/usr/bin");
    return write_file_atomic(tmp + "/usr/bin/hello", "#!/bin/sh\n");
  };
  auto path = store().ensure_tree(h, "hello", "1:2.0", "amd64", fill);
  ASSERT_TRUE(path) << path.error().message;
  EXPECT_EQ(*path, store().pkg_path(h, "hello", "1:2.0", "amd64"));
  EXPECT_EQ(*read_file(*path + "/usr/bin/hello"), "#!/bin/sh\n");
  ASSERT_TRUE(store().ensure_tree(h, "hello", "1:2.0", "amd64", fill));
  EXPECT_EQ(calls, 1);
}

TEST_F(StoreTest, FailedTreeLeavesNothing) {
  std::string h = sha256_hex("a .deb");
  auto path = store().ensure_tree(h, "evil", "1", "amd64", [](const std::string& tmp) -> Result<void> {
    EXPECT_TRUE(write_file_atomic(tmp + "/half", ""));
    return fail("data.tar: ../etc/passwd: path leaves the package");
  });
  ASSERT_FALSE(path);
  EXPECT_EQ(path.error().message,
            "adding " + h + "-evil_1_amd64 to the store: data.tar: ../etc/passwd: path leaves the package");
  EXPECT_FALSE(fs::exists(store().pkg_path(h, "evil", "1", "amd64")));
  EXPECT_TRUE(fs::is_empty(dir_ + "/store/pkgs"));
  for (const auto& e : fs::directory_iterator(dir_ + "/store/tmp"))
    EXPECT_TRUE(e.path().string().ends_with(".lock")) << e.path();
}

}  // namespace
}  // namespace cairn::debian
