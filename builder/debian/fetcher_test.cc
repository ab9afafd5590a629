// Fetcher unit tests: everything that needs no HTTP server, over file://
// URLs (libcurl honours Range for them too, so resuming is covered), plus
// the pure parts — retry policy, backoff, the progress line. HTTP status
// handling, retries after 500 and cut connections are in
// tests/integration/debian_test.cc against a real server.
#include "builder/debian/fetcher.hh"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "base/files.hh"
#include "base/hash.hh"

// Designated initializers that leave members at their defaults are the
// point of these option structs; g++ 12 warns about them nonetheless.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace cairn::debian {
namespace {

namespace fs = std::filesystem;

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

bool exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

class FetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/cairn-fetcher-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A source file under src/ and the request that fetches it to out/.
  FetchRequest source(const std::string& name, const std::string& contents) {
    fs::create_directories(dir_ + "/src");
    std::ofstream(dir_ + "/src/" + name, std::ios::binary) << contents;
    return FetchRequest{.url = "file://" + dir_ + "/src/" + name,
                        .dest = dir_ + "/out/" + name,
                        .size = contents.size(),
                        .sha256 = sha256_hex(contents)};
  }

  static FetchOptions quick() {
    FetchOptions o;
    o.backoff_initial = std::chrono::milliseconds(1);
    o.backoff_max = std::chrono::milliseconds(2);
    return o;
  }

  std::string dir_;
};

TEST_F(FetcherTest, FetchesAndVerifies) {
  std::string data = random_bytes(300000, 1);
  FetchRequest req = source("a.deb", data);
  Fetcher fetcher(quick());
  auto stats = fetcher.fetch_all({&req, 1});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->files, 1u);
  EXPECT_EQ(stats->bytes_received, data.size());
  EXPECT_EQ(*read_file(req.dest), data);
  EXPECT_FALSE(exists(req.dest + ".part"));
  struct stat st{};
  ASSERT_EQ(::stat(req.dest.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(FetcherTest, SizeAndHashAreOptional) {
  FetchRequest req = source("Packages.xz", "index");
  req.size.reset();
  req.sha256.clear();
  Fetcher fetcher(quick());
  ASSERT_TRUE(fetcher.fetch_all({&req, 1}));
  EXPECT_EQ(*read_file(req.dest), "index");
}

TEST_F(FetcherTest, EmptyFile) {
  FetchRequest req = source("empty", "");
  Fetcher fetcher(quick());
  auto stats = fetcher.fetch_all({&req, 1});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(*read_file(req.dest), "");
}

TEST_F(FetcherTest, HashMismatchLeavesNothing) {
  FetchRequest req = source("a.deb", "real contents");
  req.sha256 = sha256_hex("other contents");
  Fetcher fetcher(quick());
  FetchReport report = fetcher.fetch({&req, 1});
  ASSERT_EQ(report.failures.size(), 1u);
  const FetchFailure& f = report.failures[0];
  EXPECT_EQ(f.url, req.url);
  EXPECT_EQ(f.attempts, 1);  // a mismatch is not retried
  EXPECT_EQ(f.message, req.url + ": sha256 is " + sha256_hex("real contents") + ", expected " +
                           req.sha256 +
                           " (13 bytes); the file differs from what the signed index lists — the "
                           "mirror may be mid-update: try again later or use another mirror");
  EXPECT_FALSE(exists(req.dest));
  EXPECT_FALSE(exists(req.dest + ".part"));
}

TEST_F(FetcherTest, MismatchKeepsThePreviousDestination) {
  FetchRequest req = source("a.deb", "new");
  fs::create_directories(dir_ + "/out");
  ASSERT_TRUE(write_file_atomic(req.dest, "old"));
  req.sha256 = sha256_hex("something else");
  Fetcher fetcher(quick());
  EXPECT_FALSE(fetcher.fetch_all({&req, 1}));
  EXPECT_EQ(*read_file(req.dest), "old");
}

TEST_F(FetcherTest, LongerThanExpectedIsCutOff) {
  FetchRequest req = source("a.deb", random_bytes(1 << 20, 2));
  req.size = 1000;
  Fetcher fetcher(quick());
  FetchReport report = fetcher.fetch({&req, 1});
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_NE(report.failures[0].message.find("server sent more than the expected 1000 bytes"),
            std::string::npos)
      << report.failures[0].message;
  EXPECT_LT(report.stats.bytes_received, 1u << 20);
  EXPECT_FALSE(exists(req.dest));
  EXPECT_FALSE(exists(req.dest + ".part"));
}

TEST_F(FetcherTest, MissingSourceNamesTheUrl) {
  FetchRequest req{.url = "file://" + dir_ + "/src/absent.deb", .dest = dir_ + "/out/absent.deb"};
  Fetcher fetcher(quick());
  FetchReport report = fetcher.fetch({&req, 1});
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_EQ(report.failures[0].curl_code, CURLE_FILE_COULDNT_READ_FILE);
  EXPECT_EQ(report.failures[0].attempts, 1);
  EXPECT_TRUE(report.failures[0].message.starts_with(req.url + ": Couldn't read a file:// file"))
      << report.failures[0].message;
  EXPECT_FALSE(exists(req.dest));
}

TEST_F(FetcherTest, GathersEveryFailure) {
  std::vector<FetchRequest> reqs;
  reqs.push_back(source("good1", "one"));
  reqs.push_back(FetchRequest{.url = "file://" + dir_ + "/src/missing1", .dest = dir_ + "/out/m1"});
  reqs.push_back(source("good2", "two"));
  reqs.push_back(FetchRequest{.url = "file://" + dir_ + "/src/missing2", .dest = dir_ + "/out/m2"});
  Fetcher fetcher(quick());
  FetchReport report = fetcher.fetch(reqs);
  ASSERT_EQ(report.failures.size(), 2u);
  EXPECT_EQ(report.failures[0].index, 1u);
  EXPECT_EQ(report.failures[1].index, 3u);
  EXPECT_EQ(report.stats.files, 2u);
  EXPECT_EQ(*read_file(reqs[0].dest), "one");
  EXPECT_EQ(*read_file(reqs[2].dest), "two");
  std::string msg = report.error().message;
  EXPECT_TRUE(msg.starts_with("2 of 4 downloads failed:\n  " + reqs[1].url + ": ")) << msg;
  EXPECT_NE(msg.find("\n  " + reqs[3].url + ": "), std::string::npos) << msg;
}

TEST_F(FetcherTest, ResumesAPartialFile) {
  std::string data = random_bytes(200000, 3);
  FetchRequest req = source("a.deb", data);
  fs::create_directories(dir_ + "/out");
  ASSERT_TRUE(write_file_atomic(req.dest + ".part", data.substr(0, 120000)));
  Fetcher fetcher(quick());
  auto stats = fetcher.fetch_all({&req, 1});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->resumed, 1u);
  EXPECT_EQ(stats->bytes_resumed, 120000u);
  EXPECT_EQ(stats->bytes_received, 80000u);
  EXPECT_EQ(*read_file(req.dest), data);
}

TEST_F(FetcherTest, CustomPartialPath) {
  std::string data = random_bytes(5000, 4);
  FetchRequest req = source("a.deb", data);
  req.partial = dir_ + "/out/elsewhere.part";
  fs::create_directories(dir_ + "/out");
  ASSERT_TRUE(write_file_atomic(req.partial, data.substr(0, 1000)));
  Fetcher fetcher(quick());
  auto stats = fetcher.fetch_all({&req, 1});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->bytes_resumed, 1000u);
  EXPECT_FALSE(exists(req.partial));
  EXPECT_EQ(*read_file(req.dest), data);
}

TEST_F(FetcherTest, WrongPartialPrefixIsFetchedAgain) {
  std::string data = random_bytes(50000, 5);
  FetchRequest req = source("a.deb", data);
  fs::create_directories(dir_ + "/out");
  ASSERT_TRUE(write_file_atomic(req.dest + ".part", random_bytes(10000, 6)));
  Fetcher fetcher(quick());
  auto stats = fetcher.fetch_all({&req, 1});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->retries, 1u);  // the resumed attempt failed its hash
  EXPECT_EQ(*read_file(req.dest), data);
}

TEST_F(FetcherTest, StalePartialWithoutHashIsDropped) {
  FetchRequest req = source("InRelease", "fresh index");
  req.size.reset();
  req.sha256.clear();
  fs::create_directories(dir_ + "/out");
  ASSERT_TRUE(write_file_atomic(req.dest + ".part", "stale"));
  Fetcher fetcher(quick());
  auto stats = fetcher.fetch_all({&req, 1});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->resumed, 0u);
  EXPECT_EQ(*read_file(req.dest), "fresh index");
}

TEST_F(FetcherTest, WholePartialNeedsNoTransfer) {
  std::string data = random_bytes(7000, 7);
  FetchRequest req = source("a.deb", data);
  fs::remove(dir_ + "/src/a.deb");  // the source is gone: nothing to fetch from
  fs::create_directories(dir_ + "/out");
  ASSERT_TRUE(write_file_atomic(req.dest + ".part", data));
  Fetcher fetcher(quick());
  auto stats = fetcher.fetch_all({&req, 1});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->bytes_received, 0u);
  EXPECT_EQ(*read_file(req.dest), data);
}

TEST_F(FetcherTest, CallerMistakesAreReported) {
  std::vector<FetchRequest> reqs;
  reqs.push_back(source("a", "a"));
  reqs.push_back(reqs[0]);
  reqs.push_back(source("b", "b"));
  reqs[2].sha256 = "ABC";
  Fetcher fetcher(quick());
  FetchReport report = fetcher.fetch(reqs);
  ASSERT_EQ(report.failures.size(), 2u);
  EXPECT_EQ(report.failures[0].message,
            reqs[1].url + ": " + reqs[1].dest +
                " is the destination of an earlier request too; this is a bug in the caller");
  EXPECT_EQ(report.failures[1].message,
            reqs[2].url + ": 'ABC' is not a sha256 (64 lowercase hex digits); this is a bug in the caller");
  EXPECT_EQ(*read_file(reqs[0].dest), "a");
}

TEST_F(FetcherTest, ManyFilesFewTransfers) {
  std::vector<FetchRequest> reqs;
  std::vector<std::string> data;
  for (int i = 0; i < 40; ++i) {
    data.push_back(random_bytes(1000 + i * 997, 100 + i));
    reqs.push_back(source("f" + std::to_string(i), data.back()));
  }
  FetchOptions o = quick();
  o.parallel = 3;
  Fetcher fetcher(o);
  auto stats = fetcher.fetch_all(reqs);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->files, 40u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(*read_file(reqs[i].dest), data[i]) << i;
}

// A sink that keeps what it is told.
struct RecordingSink : ProgressSink {
  std::vector<FetchProgress> updates;
  std::vector<FetchProgress> finishes;
  void update(const FetchProgress& p) override { updates.push_back(p); }
  void finish(const FetchProgress& p) override { finishes.push_back(p); }
};

TEST_F(FetcherTest, ProgressEndsWithTheTotals) {
  std::vector<FetchRequest> reqs;
  for (int i = 0; i < 5; ++i) reqs.push_back(source("f" + std::to_string(i), random_bytes(10000, i)));
  RecordingSink sink;
  FetchOptions o = quick();
  o.progress = &sink;
  o.progress_interval = std::chrono::milliseconds(0);
  Fetcher fetcher(o);
  ASSERT_TRUE(fetcher.fetch_all(reqs));
  ASSERT_EQ(sink.finishes.size(), 1u);
  const FetchProgress& last = sink.finishes[0];
  EXPECT_EQ(last.files_total, 5u);
  EXPECT_EQ(last.files_done, 5u);
  EXPECT_EQ(last.files_failed, 0u);
  EXPECT_EQ(last.bytes_total, 50000u);
  EXPECT_EQ(last.bytes_done, 50000u);
  EXPECT_EQ(last.active, 0u);
  ASSERT_FALSE(sink.updates.empty());
  for (size_t i = 1; i < sink.updates.size(); ++i)
    EXPECT_GE(sink.updates[i].bytes_done, sink.updates[i - 1].bytes_done);
}

TEST(FetcherPolicy, TransientFailures) {
  EXPECT_TRUE(is_transient(CURLE_COULDNT_CONNECT, 0));
  EXPECT_TRUE(is_transient(CURLE_OPERATION_TIMEDOUT, 0));
  EXPECT_TRUE(is_transient(CURLE_PARTIAL_FILE, 0));
  EXPECT_TRUE(is_transient(CURLE_RECV_ERROR, 0));
  EXPECT_TRUE(is_transient(CURLE_OK, 500));
  EXPECT_TRUE(is_transient(CURLE_OK, 503));
  EXPECT_TRUE(is_transient(CURLE_OK, 429));
  EXPECT_TRUE(is_transient(CURLE_OK, 408));
  EXPECT_FALSE(is_transient(CURLE_OK, 404));
  EXPECT_FALSE(is_transient(CURLE_OK, 403));
  EXPECT_FALSE(is_transient(CURLE_UNSUPPORTED_PROTOCOL, 0));
  EXPECT_FALSE(is_transient(CURLE_FILE_COULDNT_READ_FILE, 0));
}

TEST(FetcherPolicy, BackoffDoublesUpToTheCap) {
  FetchOptions o;
  o.backoff_initial = std::chrono::milliseconds(500);
  o.backoff_max = std::chrono::milliseconds(3000);
  EXPECT_EQ(backoff_delay(1, o).count(), 0);
  EXPECT_EQ(backoff_delay(2, o).count(), 500);
  EXPECT_EQ(backoff_delay(3, o).count(), 1000);
  EXPECT_EQ(backoff_delay(4, o).count(), 2000);
  EXPECT_EQ(backoff_delay(5, o).count(), 3000);
  EXPECT_EQ(backoff_delay(40, o).count(), 3000);
}

TEST(FetcherProgress, Bytes) {
  struct Case {
    std::uint64_t bytes;
    const char* text;
  } cases[] = {{0, "0 B"},           {1023, "1023 B"},           {1024, "1.0 KiB"},
               {1536, "1.5 KiB"},    {10 << 20, "10.0 MiB"},     {3ull << 30, "3.0 GiB"}};
  for (const auto& c : cases) EXPECT_EQ(format_bytes(c.bytes), c.text);
}

TEST(FetcherProgress, Line) {
  FetchProgress p;
  p.files_total = 40;
  p.files_done = 3;
  p.bytes_total = 80 << 20;
  p.bytes_done = 12 << 20;
  p.bytes_per_second = 10 << 20;
  p.eta_seconds = 6.8;
  EXPECT_EQ(format_progress_line(p), "3/40 files  12.0 MiB/80.0 MiB  10.0 MiB/s  ETA 0:07");
  p.eta_seconds = 3725;
  p.files_failed = 2;
  EXPECT_EQ(format_progress_line(p), "3/40 files  12.0 MiB/80.0 MiB  10.0 MiB/s  ETA 1:02:05  2 failed");
  p = FetchProgress{.files_total = 2, .bytes_done = 100};
  EXPECT_EQ(format_progress_line(p), "0/2 files  100 B  0 B/s");
}

TEST(FetcherProgress, LineSinkRedrawsOneLine) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  {
    auto sink = line_progress(fds[1]);
    FetchProgress p{.files_total = 2, .bytes_total = 2048, .bytes_done = 1024};
    sink->update(p);
    p.files_done = 2;
    p.bytes_done = 2048;
    p.elapsed_seconds = 2;
    sink->finish(p);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  EXPECT_EQ(out,
            "\r0/2 files  1.0 KiB/2.0 KiB  0 B/s\033[K"
            "\rfetched 2 files, 2.0 KiB in 2.0 s (1.0 KiB/s)\033[K\n");
}

TEST(FetcherProgress, QuietWhenNothingWasFetched) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  line_progress(fds[1])->finish(FetchProgress{});
  ::close(fds[1]);
  char buf[16];
  EXPECT_EQ(::read(fds[0], buf, sizeof buf), 0);
  ::close(fds[0]);
}

}  // namespace
}  // namespace cairn::debian
