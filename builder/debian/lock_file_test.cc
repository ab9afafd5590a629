// Tests for cairn.lock: the exact text written (a golden string), reading
// it back, every kind of malformed file with its message word for word, and
// the drift check.

#include "builder/debian/lock_file.hh"

#include <algorithm>
#include <filesystem>
#include <gtest/gtest.h>

#include "base/files.hh"

namespace cairn::debian {
namespace {

const std::string kSha1(64, 'a'), kSha2(64, 'b'), kShaRelease(64, 'c');

LockFile sample() {
  LockFile lock;
  lock.indexes["bookworm/amd64"] = {kShaRelease, "Sat, 10 Jan 2026 10:00:00 UTC"};
  LockedHost vm;
  vm.suite = "bookworm";
  vm.architecture = "amd64";
  vm.requested = {"hello"};
  // Out of order on purpose: the file is sorted by name.
  vm.packages = {
      {"libc6", "2.36-9+deb12u9", "amd64", "pool/main/g/glibc/libc6_2.36-9+deb12u9_amd64.deb",
       2757936, kSha2},
      {"hello", "2.10-3", "amd64", "pool/main/h/hello/hello_2.10-3_amd64.deb", 56372, kSha1}};
  lock.hosts["vm"] = vm;
  return lock;
}

constexpr std::string_view kSampleText = R"({
  "version": 1,
  "indexes": {
    "bookworm/amd64": {
      "inRelease": "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
      "date": "Sat, 10 Jan 2026 10:00:00 UTC"
    }
  },
  "hosts": {
    "vm": {
      "suite": "bookworm",
      "architecture": "amd64",
      "base": "essential",
      "recommends": false,
      "requested": [
        "hello"
      ],
      "packages": [
        {
          "name": "hello",
          "version": "2.10-3",
          "architecture": "amd64",
          "filename": "pool/main/h/hello/hello_2.10-3_amd64.deb",
          "size": 56372,
          "sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        },
        {
          "name": "libc6",
          "version": "2.36-9+deb12u9",
          "architecture": "amd64",
          "filename": "pool/main/g/glibc/libc6_2.36-9+deb12u9_amd64.deb",
          "size": 2757936,
          "sha256": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
        }
      ]
    }
  }
}
)";

TEST(LockFile, FormatIsStable) {
  EXPECT_EQ(format_lock_file(sample()), kSampleText);
  EXPECT_EQ(format_lock_file(LockFile{}),
            "{\n  \"version\": 1,\n  \"indexes\": {},\n  \"hosts\": {}\n}\n");
}

TEST(LockFile, HostsAndIndexesSortedByKey) {
  LockFile lock = sample();
  lock.hosts["desktop"] = lock.hosts["vm"];
  lock.indexes["bookworm/arm64"] = lock.indexes["bookworm/amd64"];
  std::string text = format_lock_file(lock);
  EXPECT_LT(text.find("\"desktop\""), text.find("\"vm\""));
  EXPECT_LT(text.find("\"bookworm/amd64\""), text.find("\"bookworm/arm64\""));
}

TEST(LockFile, RoundTrip) {
  auto parsed = parse_lock_file(kSampleText, "cairn.lock");
  ASSERT_TRUE(parsed) << parsed.error().message;
  LockFile want = sample();
  std::swap(want.hosts["vm"].packages[0], want.hosts["vm"].packages[1]);  // sorted on read
  EXPECT_EQ(*parsed, want);
  EXPECT_EQ(format_lock_file(*parsed), kSampleText);
}

TEST(LockFile, WriteAtomicallyAndRead) {
  std::string t = (std::filesystem::temp_directory_path() / "cairn-lock-XXXXXX").string();
  std::string dir = ::mkdtemp(t.data());
  std::string path = dir + "/cairn.lock";
  ASSERT_TRUE(write_lock_file(path, sample()));
  auto text = read_file(path);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, kSampleText);
  auto back = read_lock_file(path);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->hosts.at("vm").packages.size(), 2u);
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1);  // no temporary file left
  std::filesystem::remove_all(dir);

  auto missing = read_lock_file(dir + "/cairn.lock");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "cannot open " + dir + "/cairn.lock: No such file or directory");
}

TEST(LockFile, MakeLockedHost) {
  Resolution r;
  r.packages = sample().hosts["vm"].packages;
  std::sort(r.packages.begin(), r.packages.end(), [](auto& a, auto& b) { return a.name < b.name; });
  HostPackageConfig config{"bookworm", "amd64", BaseSet::required, true, {"hello", "hello"}};
  LockedHost host = make_locked_host(config, r);
  EXPECT_EQ(host.requested, std::vector<std::string>{"hello"});
  EXPECT_EQ(host.base, BaseSet::required);
  EXPECT_TRUE(host.recommends);
  EXPECT_EQ(host.packages, r.packages);
}

// Replaces the first `from` in the sample text with `to`.
std::string edited(std::string_view from, std::string_view to) {
  std::string text(kSampleText);
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

struct BadCase {
  std::string text;
  std::string message;
};

TEST(LockFile, ErrorsNameTheFileAndThePlace) {
  const BadCase cases[] = {
      {"{",
       "cairn.lock: not valid JSON: parse error at line 1, column 2: syntax error while parsing "
       "object key - "
       "unexpected end of input; expected string literal"},
      {"[]", "cairn.lock: expected a JSON object"},
      {"{\"version\": 1e400}", "cairn.lock: not valid JSON: number overflow parsing '1e400'"},
      {"{}", "cairn.lock: missing \"version\""},
      {edited("\"version\": 1", "\"version\": 2"),
       "cairn.lock: version 2 is not supported (this cairn reads version 1)"},
      {edited("\"version\": 1", "\"version\": \"1\""),
       "cairn.lock: version \"1\" is not supported (this cairn reads version 1)"},
      {edited("\"hosts\": {", "\"extra\": 1, \"hosts\": {"), "cairn.lock: unknown key \"extra\""},
      {edited("\"bookworm/amd64\"", "\"bookworm\""),
       "cairn.lock: indexes: \"bookworm\" is not \"<suite>/<architecture>\""},
      {edited("\"inRelease\": \"cccc", "\"inRelease\": \"CCCC"),
       "cairn.lock: indexes.bookworm/amd64.inRelease: expected 64 lowercase hex digits"},
      {edited("\"date\": \"Sat, 10 Jan 2026 10:00:00 UTC\"", "\"date\": 7"),
       "cairn.lock: indexes.bookworm/amd64.date: expected a string"},
      {edited("\"suite\": \"bookworm\",", ""), "cairn.lock: hosts.vm: missing \"suite\""},
      {edited("\"base\": \"essential\"", "\"base\": \"minimal\""),
       "cairn.lock: hosts.vm.base: expected \"essential\", \"required\" or \"none\", not "
       "\"minimal\""},
      {edited("\"recommends\": false", "\"recommends\": 0"),
       "cairn.lock: hosts.vm.recommends: expected true or false"},
      {edited("\"hello\"\n      ]", "\"\"\n      ]"),
       "cairn.lock: hosts.vm.requested[0]: expected a package name"},
      {edited("\"hello\"\n      ]", "\"htop\"\n      ]"),
       "cairn.lock: hosts.vm.requested: htop is requested but not among the locked packages"},
      {edited("\"size\": 56372", "\"size\": -1"),
       "cairn.lock: hosts.vm.packages[0].size: expected a non-negative integer"},
      {edited("\"size\": 56372", "\"size\": 5.5"),
       "cairn.lock: hosts.vm.packages[0].size: expected a non-negative integer"},
      {edited("\"version\": \"2.36-9+deb12u9\"", "\"version\": \"\""),
       "cairn.lock: hosts.vm.packages[1].version: must not be empty"},
      {edited("\"sha256\": \"aaaa", "\"sha256\": \"aaa"),
       "cairn.lock: hosts.vm.packages[0].sha256: expected 64 lowercase hex digits"},
      {edited("\"filename\": \"pool/main/h/hello/hello_2.10-3_amd64.deb\",", "\"file\": \"x\","),
       "cairn.lock: hosts.vm.packages[0]: missing \"filename\""},
      {edited("\"name\": \"libc6\"", "\"name\": \"hello\""),
       "cairn.lock: hosts.vm.packages: hello (amd64) is listed twice"},
      {edited("\"packages\": [", "\"packages\": {\"a\": 1}, \"x\": ["),
       "cairn.lock: hosts.vm: unknown key \"x\""},
  };
  for (const BadCase& c : cases) {
    auto got = parse_lock_file(c.text, "cairn.lock");
    ASSERT_FALSE(got) << c.message;
    EXPECT_EQ(got.error().message, c.message);
  }
}

HostPackageConfig vm_config() {
  return {"bookworm", "amd64", BaseSet::essential, false, {"hello"}};
}

TEST(LockFileDrift, CurrentLockHasNone) {
  EXPECT_EQ(lock_drift(sample(), "vm", vm_config()), std::vector<std::string>{});
}

TEST(LockFileDrift, EveryDifferenceIsNamed) {
  HostPackageConfig config{"trixie", "arm64", BaseSet::required, true, {"htop", "curl", "curl"}};
  EXPECT_EQ(lock_drift(sample(), "vm", config),
            (std::vector<std::string>{
                "locked suite bookworm but config says trixie",
                "locked architecture amd64 but config says arm64",
                "locked base set essential but config says required",
                "locked without Recommends but config installs them",
                "no index locked for trixie/arm64",
                "requested but not locked: curl",
                "requested but not locked: htop",
                "locked but no longer requested: hello",
            }));
  LockFile lock = sample();
  lock.hosts["vm"].recommends = true;
  EXPECT_EQ(lock_drift(lock, "vm", vm_config()),
            std::vector<std::string>{"locked with Recommends but config leaves them out"});
}

TEST(LockFileDrift, UnlockedHost) {
  EXPECT_EQ(lock_drift(sample(), "laptop", vm_config()),
            std::vector<std::string>{"host laptop is not locked"});
}

}  // namespace
}  // namespace cairn::debian
