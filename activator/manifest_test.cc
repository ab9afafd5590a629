#include "activator/manifest.hh"

#include <gtest/gtest.h>

#include "activator/fakes_test.hh"

namespace cairn::activator {
namespace {

const std::string kSha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

TEST(Manifest, ReadsTheImageFields) {
  auto got = parse_manifest(R"({"generation": 3, "image": {"sha256": ")" + kSha +
                            R"(", "size": 170000000, "file": "system.squashfs"}})");
  ASSERT_TRUE(got) << got.error().message;
  Manifest want;
  want.image_sha256 = kSha;
  want.image_size = 170000000;
  EXPECT_EQ(*got, want);
}

TEST(Manifest, ReadsThePersistedPaths) {
  auto got = parse_manifest(R"({"image": {"sha256": ")" + kSha + R"(", "size": 1},
      "persist": {"files": ["/etc/ssh/ssh_host_ed25519_key", "/etc/adjtime"],
                  "directories": ["/srv", "/etc/NetworkManager/system-connections"]}})");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->persist_files, (std::vector<std::string>{"/etc/ssh/ssh_host_ed25519_key", "/etc/adjtime"}));
  EXPECT_EQ(got->persist_directories, (std::vector<std::string>{"/srv", "/etc/NetworkManager/system-connections"}));

  auto none = parse_manifest(R"({"image": {"sha256": ")" + kSha + R"(", "size": 1}, "persist": {}})");
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none->persist_files.empty());
  EXPECT_TRUE(none->persist_directories.empty());
}

TEST(Manifest, ReadsTheKernelVersion) {
  auto got = parse_manifest(R"({"image": {"sha256": ")" + kSha + R"(", "size": 1},
      "kernel": {"version": "6.1.0-18-amd64", "package": "linux-image-amd64", "file": "kernel"}})");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->kernel_version, "6.1.0-18-amd64");

  // A generation without a kernel, or a manifest from before the field.
  for (std::string extra : {"", R"(, "kernel": {"package": ""})"}) {
    auto none = parse_manifest(R"({"image": {"sha256": ")" + kSha + R"(", "size": 1})" + extra + "}");
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_EQ(none->kernel_version, "") << extra;
  }
}

TEST(Manifest, LowersUpperCaseHex) {
  std::string upper = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
  auto got = parse_manifest(R"({"image": {"sha256": ")" + upper + R"(", "size": 0}})");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->image_sha256, kSha);
}

struct ErrorCase {
  std::string text;
  std::string error;
};

TEST(Manifest, Errors) {
  const ErrorCase cases[] = {
      {"", "empty"},
      {" \n", "empty"},
      {"{\"image\": ", "not valid JSON: parse error at line 1, column 11: syntax error while parsing value - "
                       "unexpected end of input; expected '[', '{', or a literal"},
      {"[]", "no \"image\" object"},
      {R"({"image": {"size": 1e400}})", "not valid JSON: number overflow parsing '1e400'"},
      {"{}", "no \"image\" object"},
      {R"({"image": "x"})", "no \"image\" object"},
      {R"({"image": {"size": 1}})", "image.sha256 is missing"},
      {R"({"image": {"sha256": 5, "size": 1}})", "image.sha256 is not 64 hexadecimal digits"},
      {R"({"image": {"sha256": "abc", "size": 1}})", "image.sha256 is not 64 hexadecimal digits"},
      {R"({"image": {"sha256": ")" + std::string(63, 'a') + R"(g", "size": 1}})",
       "image.sha256 is not 64 hexadecimal digits"},
      {R"({"image": {"sha256": ")" + kSha + R"("}})", "image.size is missing"},
      {R"({"image": {"sha256": ")" + kSha + R"(", "size": -1}})", "image.size is not a byte count"},
      {R"({"image": {"sha256": ")" + kSha + R"(", "size": 1.5}})", "image.size is not a byte count"},
      {R"({"image": {"sha256": ")" + kSha + R"(", "size": "1"}})", "image.size is not a byte count"},
      {R"({"image": {"sha256": ")" + kSha + R"(", "size": 1}, "persist": []})", "persist is not an object"},
      {R"({"image": {"sha256": ")" + kSha + R"(", "size": 1}, "persist": {"files": "/x"}})",
       "persist.files is not a list"},
      {R"({"image": {"sha256": ")" + kSha + R"(", "size": 1}, "persist": {"directories": [1]}})",
       "persist.directories[0] is not a string"},
      {R"({"image": {"sha256": ")" + kSha + R"(", "size": 1}, "kernel": "6.1"})", "kernel is not an object"},
      {R"({"image": {"sha256": ")" + kSha + R"(", "size": 1}, "kernel": {"version": 6}})",
       "kernel.version is not a string"},
  };
  for (const ErrorCase& c : cases) {
    auto got = parse_manifest(c.text);
    ASSERT_FALSE(got) << c.text;
    EXPECT_EQ(got.error().message, c.error) << c.text;
  }
}

TEST(Manifest, RefusesPathsItCannotBind) {
  for (std::string path : {"", "/", "etc/x", "/etc/", "/etc//x", "/etc/./x", "/etc/../x", "/..", "/usr",
                           "/usr/lib/x"}) {
    auto got = parse_manifest(R"({"image": {"sha256": ")" + kSha + R"(", "size": 1}, "persist": {"files": [")" +
                              path + R"("]}})");
    ASSERT_FALSE(got) << path;
    EXPECT_EQ(got.error().message, "persist.files[0]: \"" + path +
                                       "\" is not an absolute path without . or .. (or is / or under /usr)");
  }
  auto fine = parse_manifest(R"({"image": {"sha256": ")" + kSha +
                             R"(", "size": 1}, "persist": {"files": ["/usrx", "/etc/.hidden", "/a..b"]}})");
  EXPECT_TRUE(fine) << fine.error().message;
}

TEST(Manifest, ReadErrorsNameThePath) {
  testing::TempDir dir;
  auto missing = read_manifest(dir.path() + "/generations/3/manifest.json");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "cannot open " + dir.path() + "/generations/3/manifest.json: No such file or directory");

  dir.write("generations/3/manifest.json", R"({"image": {}})");
  auto broken = read_manifest(dir.path() + "/generations/3/manifest.json");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().message, dir.path() + "/generations/3/manifest.json: image.sha256 is missing");
}

}  // namespace
}  // namespace cairn::activator
