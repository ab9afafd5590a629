// Integration tests of builder/debian against a repository the tests build
// (dpkg-deb, gpg) and serve over HTTP on 127.0.0.1 (test_repository.hh).
// One TEST per behaviour, grouped by suite:
//
//   TestRepository  the fixture itself: signatures, indexes, packages
//   Fetch           downloads: good path, parallelism, verification,
//                   resume, retries, errors
//   StoreOverHttp   the store filled over HTTP, by one build and by two
//
// Later parts of issue 4 (InRelease check, resolution, unpack) add their
// own suites here.
#include <fcntl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

#include "base/files.hh"
#include "base/hash.hh"
#include "builder/debian/fetcher.hh"
#include "builder/debian/store.hh"
#include "tests/integration/test_repository.hh"

// Designated initializers that leave members at their defaults are the
// point of these option structs; g++ 12 warns about them nonetheless.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace cairn::debian {
namespace {

namespace fs = std::filesystem;
using integration::DebFile;
using integration::Fault;
using integration::PackageSpec;
using integration::PublishedPackage;
using integration::TestRepository;
using namespace std::chrono_literals;

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// A repository and an empty output directory per test.
class RepoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = TestRepository::create();
    ASSERT_TRUE(r) << r.error().message;
    repo_ = std::move(*r);
    std::string tmpl = ::testing::TempDir() + "/cairn-it-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    out_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(out_, ec);
  }

  // A published package whose .deb is large enough to interrupt: its one
  // file is random (incompressible) bytes.
  PublishedPackage big_package(const std::string& name, size_t bytes = 400000) {
    auto p = repo_->add_package(PackageSpec{
        .name = name,
        .files = {DebFile{.path = "usr/share/" + name + "/blob", .contents = random_bytes(bytes, 42)}},
        .compression = "none"});
    EXPECT_TRUE(p) << p.error().message;
    EXPECT_TRUE(repo_->publish());
    return *p;
  }

  FetchRequest request_for(const PublishedPackage& p) {
    return FetchRequest{.url = repo_->url(p.filename),
                        .dest = out_ + "/" + fs::path(p.filename).filename().string(),
                        .size = p.size,
                        .sha256 = p.sha256};
  }

  static FetchOptions quick() {
    FetchOptions o;
    o.backoff_initial = 10ms;
    o.backoff_max = 20ms;
    return o;
  }

  std::unique_ptr<TestRepository> repo_;
  std::string out_;
};

// ---- the fixture ----------------------------------------------------------

using TestRepositoryTest = RepoTest;

TEST_F(TestRepositoryTest, InReleaseVerifiesWithTheKeyring) {
  ASSERT_TRUE(repo_->add_package(PackageSpec{.name = "hello"}));
  ASSERT_TRUE(repo_->publish());
  std::string cmd = "gpgv --keyring " + repo_->keyring_path() + " " + repo_->root() +
                    "/dists/bookworm/InRelease >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  ASSERT_TRUE(repo_->publish({.sign_with_unknown_key = true}));
  EXPECT_NE(std::system(cmd.c_str()), 0);
}

TEST_F(TestRepositoryTest, ReleaseListsEveryIndex) {
  auto p = repo_->add_package(PackageSpec{.name = "libfoo1", .version = "1:2.0-1", .depends = "libc6 (>= 2.36)",
                                          .multi_arch = "same"});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->filename, "pool/main/libf/libfoo1/libfoo1_2.0-1_amd64.deb");
  ASSERT_TRUE(repo_->publish({.compressions = {"xz", "gz"}}));
  std::string dists = repo_->root() + "/dists/bookworm/";
  auto release = read_file(dists + "Release");
  ASSERT_TRUE(release);
  EXPECT_NE(release->find("\nValid-Until: "), std::string::npos);
  for (const char* ext : {".xz", ".gz"}) {
    auto sha = sha256_file(dists + "main/binary-amd64/Packages" + ext);
    ASSERT_TRUE(sha) << ext;
    EXPECT_NE(release->find(" " + *sha + " "), std::string::npos) << ext;
  }
  // The plain index is listed but, as on Debian's mirrors, not served.
  EXPECT_NE(release->find(" main/binary-amd64/Packages\n"), std::string::npos);
  EXPECT_FALSE(fs::exists(dists + "main/binary-amd64/Packages"));
  std::string cmd = "xz -dc " + dists + "main/binary-amd64/Packages.xz | grep -q '^SHA256: " + p->sha256 + "$'";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

TEST_F(TestRepositoryTest, PackagesAreRealDebs) {
  auto p = repo_->add_package(PackageSpec{.name = "tool",
                                          .pre_depends = "libc6",
                                          .provides = "editor",
                                          .essential = true,
                                          .files = {DebFile{.path = "usr/bin/tool", .contents = "#!/bin/sh\n", .mode = 0755},
                                                    DebFile{.path = "usr/bin/t", .symlink = "tool"}}});
  ASSERT_TRUE(p) << p.error().message;
  std::string cmd = "dpkg-deb -f " + p->path + " Essential Provides | grep -q '^Essential: yes$'";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  cmd = "dpkg-deb -c " + p->path + " | grep -q -- '-rwxr-xr-x root/root .* ./usr/bin/tool$'";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

TEST_F(TestRepositoryTest, RawPackagesMayBeBroken) {
  auto p = repo_->add_raw_package(PackageSpec{.name = "evil", .files = {DebFile{.path = "../../etc/evil", .contents = "x"}}});
  ASSERT_TRUE(p) << p.error().message;
  std::string cmd = "dpkg-deb -c " + p->path + " 2>/dev/null | grep -q ' \\.\\./\\.\\./etc/evil$'";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

// One plain request with libcurl: status, headers and body.
struct Answer {
  long status = 0;
  std::string headers;
  std::string body;
};

Answer http(const std::string& url, const char* range = nullptr, bool head = false) {
  Answer a;
  CURL* e = curl_easy_init();
  auto append = +[](char* p, size_t size, size_t n, void* s) {
    static_cast<std::string*>(s)->append(p, size * n);
    return size * n;
  };
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &a.body);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, append);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &a.headers);
  if (range) curl_easy_setopt(e, CURLOPT_RANGE, range);
  if (head) curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  if (curl_easy_perform(e) == CURLE_OK) curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &a.status);
  curl_easy_cleanup(e);
  return a;
}

TEST_F(TestRepositoryTest, ServerCountsAndFails) {
  auto url = repo_->add_file("x/file", "contents");
  ASSERT_TRUE(url);
  repo_->set_fault({.kind = Fault::Kind::status, .path = "x/file", .count = 1, .status = 503});
  EXPECT_EQ(http(*url).status, 503);
  Answer whole = http(*url);
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body, "contents");
  Answer part = http(*url, "2-4");
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, "nte");
  EXPECT_NE(part.headers.find("Content-Range: bytes 2-4/8\r\n"), std::string::npos) << part.headers;
  EXPECT_EQ(http(*url, "9-").status, 416);
  Answer head = http(*url, nullptr, true);
  EXPECT_EQ(head.status, 200);
  EXPECT_NE(head.headers.find("Content-Length: 8\r\n"), std::string::npos) << head.headers;
  EXPECT_EQ(http(repo_->url("x/absent")).status, 404);
  EXPECT_EQ(repo_->request_count("x/file"), 5);
  EXPECT_EQ(repo_->range_requests("x/file"), 2);
  auto seen = repo_->requests();
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen[4].method, "HEAD");
  EXPECT_EQ(seen[5].path, "x/absent");
}

TEST_F(TestRepositoryTest, ServerCutsAnswersShort) {
  auto url = repo_->add_file("x/file", std::string(100000, 'x'));
  ASSERT_TRUE(url);
  repo_->set_fault({.kind = Fault::Kind::cut, .path = "x/file", .after = 1000});
  EXPECT_EQ(http(*url).status, 0);  // curl: partial file
  EXPECT_EQ(http(*url).body.size(), 100000u);
}

// ---- fetching ---------------------------------------------------------------

using Fetch = RepoTest;

TEST_F(Fetch, GoodPath) {
  PublishedPackage p = big_package("hello");
  std::vector<FetchRequest> reqs = {request_for(p),
                                    // An index: no size or hash known yet.
                                    FetchRequest{.url = repo_->url("dists/bookworm/InRelease"),
                                                 .dest = out_ + "/InRelease"}};
  Fetcher fetcher(quick());
  auto stats = fetcher.fetch_all(reqs);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->files, 2u);
  EXPECT_EQ(stats->retries, 0u);
  EXPECT_EQ(*read_file(reqs[0].dest), *read_file(p.path));
  EXPECT_EQ(*read_file(reqs[1].dest), *read_file(repo_->root() + "/dists/bookworm/InRelease"));
  EXPECT_FALSE(fs::exists(reqs[0].dest + ".part"));
  EXPECT_EQ(repo_->request_count(p.filename), 1);
}

TEST_F(Fetch, ManyFilesInParallel) {
  // Every answer is held back 200 ms, so transfers must overlap to finish;
  // the server's count of requests in flight shows how many did.
  std::vector<FetchRequest> reqs;
  std::vector<std::string> data;
  for (int i = 0; i < 32; ++i) {
    data.push_back(random_bytes(64 * 1024 + i, 1000 + i));
    std::string rel = "pool/main/f/f" + std::to_string(i) + ".deb";
    auto url = repo_->add_file(rel, data.back());
    ASSERT_TRUE(url);
    reqs.push_back(FetchRequest{.url = *url, .dest = out_ + "/f" + std::to_string(i), .size = data.back().size(),
                                .sha256 = sha256_hex(data.back())});
  }
  repo_->set_fault({.kind = Fault::Kind::delay, .count = 1000, .seconds = 0.2});
  FetchOptions o = quick();
  o.parallel = 8;
  Fetcher fetcher(o);
  auto stats = fetcher.fetch_all(reqs);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->files, 32u);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(*read_file(reqs[i].dest), data[i]) << i;
  int most = 0;
  for (const auto& r : repo_->requests()) most = std::max(most, r.inflight);
  EXPECT_GE(most, 2);
  EXPECT_LE(most, 8);
  EXPECT_EQ(repo_->requests().size(), 32u);
}

TEST_F(Fetch, HashMismatchIsRejected) {
  PublishedPackage p = big_package("hello");
  ASSERT_TRUE(repo_->corrupt(p.filename));
  FetchRequest req = request_for(p);
  Fetcher fetcher(quick());
  FetchReport report = fetcher.fetch({&req, 1});
  ASSERT_EQ(report.failures.size(), 1u);
  const std::string& msg = report.failures[0].message;
  EXPECT_TRUE(msg.starts_with(req.url + ": sha256 is ")) << msg;
  EXPECT_NE(msg.find(", expected " + p.sha256 + " (" + std::to_string(p.size) + " bytes)"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(req.dest));
  EXPECT_FALSE(fs::exists(req.dest + ".part"));
  EXPECT_EQ(repo_->request_count(p.filename), 1);  // not retried
}

TEST_F(Fetch, InterruptedDownloadIsResumed) {
  PublishedPackage p = big_package("hello");
  repo_->set_fault({.kind = Fault::Kind::cut, .path = p.filename, .count = 1, .after = 100000});
  FetchRequest req = request_for(p);
  Fetcher fetcher(quick());
  auto stats = fetcher.fetch_all({&req, 1});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(*read_file(req.dest), *read_file(p.path));
  EXPECT_EQ(stats->resumed, 1u);
  EXPECT_EQ(stats->bytes_resumed, 100000u);
  EXPECT_EQ(stats->bytes_received, p.size);  // 100000 before the cut, the rest after
  auto seen = repo_->requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].range, "");
  EXPECT_EQ(seen[1].range, "bytes=100000-");
}

TEST_F(Fetch, PartialFileIsResumedByTheNextRun) {
  PublishedPackage p = big_package("hello");
  repo_->set_fault({.kind = Fault::Kind::cut, .path = p.filename, .count = 1, .after = 150000});
  FetchRequest req = request_for(p);
  FetchOptions once = quick();
  once.max_attempts = 1;
  {
    Fetcher fetcher(once);
    FetchReport report = fetcher.fetch({&req, 1});
    ASSERT_EQ(report.failures.size(), 1u);
    EXPECT_EQ(report.failures[0].curl_code, CURLE_PARTIAL_FILE);
    EXPECT_TRUE(report.failures[0].message.starts_with(req.url + ": Transferred a partial file"))
        << report.failures[0].message;
    EXPECT_NE(report.failures[0].message.find("run again to resume"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(req.dest));
  EXPECT_EQ(fs::file_size(req.dest + ".part"), 150000u);
  Fetcher fetcher(once);
  auto stats = fetcher.fetch_all({&req, 1});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->bytes_resumed, 150000u);
  EXPECT_EQ(*read_file(req.dest), *read_file(p.path));
  EXPECT_EQ(repo_->range_requests(p.filename), 1);
}

TEST_F(Fetch, ServerIgnoringRangeStartsOver) {
  PublishedPackage p = big_package("hello");
  FetchRequest req = request_for(p);
  std::string whole = *read_file(p.path);
  ASSERT_TRUE(write_file_atomic(req.dest + ".part", whole.substr(0, 50000)));
  repo_->set_fault({.kind = Fault::Kind::ignore_range, .path = p.filename});
  Fetcher fetcher(quick());
  auto stats = fetcher.fetch_all({&req, 1});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(*read_file(req.dest), whole);
  EXPECT_EQ(stats->bytes_received, p.size);
  EXPECT_EQ(stats->resumed, 0u);
  EXPECT_EQ(repo_->range_requests(p.filename), 1);  // asked, was ignored
  EXPECT_EQ(repo_->request_count(p.filename), 1);
}

TEST_F(Fetch, PartialLongerThanTheFileStartsOver) {
  PublishedPackage p = big_package("hello");
  FetchRequest req = request_for(p);
  req.size.reset();  // so the .part cannot be judged before asking
  ASSERT_TRUE(write_file_atomic(req.dest + ".part", random_bytes(p.size + 10, 9)));
  Fetcher fetcher(quick());
  auto stats = fetcher.fetch_all({&req, 1});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(*read_file(req.dest), *read_file(p.path));
  auto seen = repo_->requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].range, "bytes=" + std::to_string(p.size + 10) + "-");  // answered 416
  EXPECT_EQ(seen[1].range, "");
}

TEST_F(Fetch, RetriesAfterServerErrors) {
  PublishedPackage p = big_package("hello");
  repo_->set_fault({.kind = Fault::Kind::status, .path = p.filename, .count = 2, .status = 500});
  FetchRequest req = request_for(p);
  Fetcher fetcher(quick());
  auto stats = fetcher.fetch_all({&req, 1});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->retries, 2u);
  EXPECT_EQ(repo_->request_count(p.filename), 3);
  EXPECT_EQ(*read_file(req.dest), *read_file(p.path));
}

TEST_F(Fetch, GivesUpAfterTheLastAttempt) {
  PublishedPackage p = big_package("hello");
  repo_->set_fault({.kind = Fault::Kind::status, .path = p.filename, .count = 100, .status = 503});
  FetchRequest req = request_for(p);
  FetchOptions o = quick();
  o.max_attempts = 3;
  Fetcher fetcher(o);
  auto stats = fetcher.fetch_all({&req, 1});
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().message, "1 of 1 downloads failed:\n  " + req.url +
                                       ": HTTP 503 Service Unavailable (gave up after 3 attempts); the server kept "
                                       "failing — try again later or use another mirror");
  EXPECT_EQ(repo_->request_count(p.filename), 3);
  EXPECT_FALSE(fs::exists(req.dest));
}

TEST_F(Fetch, NotFoundNamesTheUrl) {
  FetchRequest req{.url = repo_->url("pool/main/n/nothere/nothere_1.0_amd64.deb"), .dest = out_ + "/nothere.deb",
                   .size = 10, .sha256 = sha256_hex("x")};
  Fetcher fetcher(quick());
  FetchReport report = fetcher.fetch({&req, 1});
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_EQ(report.failures[0].http_status, 404);
  EXPECT_EQ(report.failures[0].message,
            req.url + ": HTTP 404 Not Found; the server does not have this file — if the index is older than the "
                      "mirror, refresh it (cairn lock --update), otherwise check the mirror URI");
  EXPECT_EQ(repo_->request_count("pool/main/n/nothere/nothere_1.0_amd64.deb"), 1);  // not retried
  EXPECT_FALSE(fs::exists(req.dest));
  EXPECT_FALSE(fs::exists(req.dest + ".part"));
}

TEST_F(Fetch, EveryFailureIsReported) {
  PublishedPackage good = big_package("good");
  PublishedPackage bad = big_package("bad");
  ASSERT_TRUE(repo_->corrupt(bad.filename));
  std::vector<FetchRequest> reqs = {
      request_for(good), request_for(bad),
      FetchRequest{.url = repo_->url("pool/main/m/missing.deb"), .dest = out_ + "/missing.deb"}};
  Fetcher fetcher(quick());
  auto stats = fetcher.fetch_all(reqs);
  ASSERT_FALSE(stats);
  const std::string& msg = stats.error().message;
  EXPECT_TRUE(msg.starts_with("2 of 3 downloads failed:\n  " + reqs[1].url + ": sha256 is ")) << msg;
  EXPECT_NE(msg.find("\n  " + reqs[2].url + ": HTTP 404 Not Found; "), std::string::npos) << msg;
  EXPECT_EQ(*read_file(reqs[0].dest), *read_file(good.path));
}

TEST_F(Fetch, StalledTransferIsRetried) {
  PublishedPackage p = big_package("hello");
  repo_->set_fault({.kind = Fault::Kind::stall, .path = p.filename, .count = 1, .after = 20000, .seconds = 5});
  FetchRequest req = request_for(p);
  FetchOptions o = quick();
  o.stall_timeout = 1s;
  Fetcher fetcher(o);
  auto stats = fetcher.fetch_all({&req, 1});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->bytes_resumed, 20000u);
  EXPECT_EQ(*read_file(req.dest), *read_file(p.path));
}

TEST_F(Fetch, RefusedConnectionIsReported) {
  // A port nobody listens on: bind one, note it, close it.
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(s);
  FetchRequest req{.url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/debian/x.deb",
                   .dest = out_ + "/x.deb"};
  FetchOptions o = quick();
  o.max_attempts = 2;
  Fetcher fetcher(o);
  FetchReport report = fetcher.fetch({&req, 1});
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_EQ(report.failures[0].curl_code, CURLE_COULDNT_CONNECT);
  EXPECT_EQ(report.failures[0].attempts, 2);
  EXPECT_TRUE(report.failures[0].message.starts_with(req.url + ": Couldn't connect to server"))
      << report.failures[0].message;
  EXPECT_TRUE(report.failures[0].message.ends_with(
      "(gave up after 2 attempts); check the network connection, the mirror URI and the proxy settings"))
      << report.failures[0].message;
}

// ---- the store over HTTP ----------------------------------------------------

class StoreOverHttp : public RepoTest {
 protected:
  void SetUp() override {
    RepoTest::SetUp();
    for (int i = 0; i < 6; ++i) {
      auto p = repo_->add_package(PackageSpec{
          .name = "pkg" + std::to_string(i),
          .files = {DebFile{.path = "usr/share/doc/pkg" + std::to_string(i), .contents = random_bytes(20000, i)}}});
      ASSERT_TRUE(p) << p.error().message;
      files_.push_back(StoreFetch{p->sha256, repo_->url(p->filename), p->size});
    }
    ASSERT_TRUE(repo_->publish());
    auto s = Store::open(out_ + "/store");
    ASSERT_TRUE(s);
    store_.emplace(std::move(*s));
  }

  std::vector<StoreFetch> files_;
  std::optional<Store> store_;
};

TEST_F(StoreOverHttp, FetchesEachFileOnce) {
  Fetcher fetcher(quick());
  auto stats = store_->ensure_all(files_, fetcher);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->files, files_.size());
  auto again = store_->ensure_all(files_, fetcher);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->files, 0u);
  for (const auto& p : repo_->packages()) {
    EXPECT_TRUE(store_->has(p.sha256));
    EXPECT_EQ(*read_file(store_->path_for(p.sha256)), *read_file(p.path));
    EXPECT_EQ(repo_->request_count(p.filename), 1) << p.filename;
  }
}

TEST_F(StoreOverHttp, TwoBuildsAtOnceFetchEachFileOnce) {
  // Slow answers, so that the two builds overlap.
  repo_->set_fault({.kind = Fault::Kind::delay, .count = 1000, .seconds = 0.2});
  Result<FetchStats> a = FetchStats{}, b = FetchStats{};
  std::thread first([&] {
    Fetcher fetcher(quick());
    a = store_->ensure_all(files_, fetcher);
  });
  std::thread second([&] {
    Fetcher fetcher(quick());
    b = store_->ensure_all(files_, fetcher);
  });
  first.join();
  second.join();
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(a->files + b->files, files_.size());
  for (const auto& p : repo_->packages()) {
    EXPECT_EQ(repo_->request_count(p.filename), 1) << p.filename;
    EXPECT_EQ(*read_file(store_->path_for(p.sha256)), *read_file(p.path));
  }
}

TEST_F(StoreOverHttp, InterruptedDownloadResumesIntoTheStore) {
  const auto& p = repo_->packages()[0];
  repo_->set_fault({.kind = Fault::Kind::cut, .path = p.filename, .count = 1, .after = 5000});
  FetchOptions once = quick();
  once.max_attempts = 1;
  Fetcher fetcher(once);
  EXPECT_FALSE(store_->ensure_all(files_, fetcher));
  EXPECT_FALSE(store_->has(p.sha256));
  EXPECT_TRUE(fs::exists(store_->tmp_dir() + "/" + p.sha256 + ".deb.part"));
  auto stats = store_->ensure_all(files_, fetcher);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->files, 1u);
  EXPECT_EQ(stats->bytes_resumed, 5000u);
  EXPECT_EQ(repo_->range_requests(p.filename), 1);
}

}  // namespace
}  // namespace cairn::debian
