#include "activator/verify.hh"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "activator/fakes_test.hh"
#include "base/files.hh"
#include "base/hash.hh"

namespace cairn::activator {
namespace {

// An image of a few MiB, so that the 1 MiB reads go round more than once.
std::string image_bytes() {
  std::string out;
  for (size_t i = 0; out.size() < (size_t{3} << 20) + 12345; ++i) out += std::to_string(i * 2654435761u) + "\n";
  return out;
}

class CheckImage : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_ = image_bytes();
    dir_.write("system.squashfs", bytes_);
    manifest_.image_sha256 = sha256_hex(bytes_);
    manifest_.image_size = bytes_.size();
  }
  std::string image() const { return dir_.path() + "/system.squashfs"; }
  std::string marker() const { return dir_.path() + "/verified"; }

  testing::TempDir dir_;
  std::string bytes_;
  Manifest manifest_;
};

TEST_F(CheckImage, HashFileMatchesOneShotHash) {
  auto got = hash_file(image());
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, sha256_hex(bytes_));
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_F(CheckImage, FirstCheckHashesAndWritesTheMarker) {
  auto got = check_image(image(), manifest_, marker());
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(got->hashed);
  EXPECT_EQ(got->warning, "");
  auto id = identify_file(image());
  ASSERT_TRUE(id);
  EXPECT_EQ(read_file(marker()).value_or(""), marker_text(*id, manifest_.image_sha256));
  EXPECT_TRUE(read_file(marker()).value_or("").starts_with("sha256=" + manifest_.image_sha256 + " size=" +
                                                         std::to_string(bytes_.size()) + " inode="));
}

TEST_F(CheckImage, MatchingMarkerSkipsTheHash) {
  ASSERT_TRUE(check_image(image(), manifest_, marker()));
  auto again = check_image(image(), manifest_, marker());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->hashed);
}

TEST_F(CheckImage, RewrittenImageIsHashedAgainAndFails) {
  ASSERT_TRUE(check_image(image(), manifest_, marker()));
  // Same size, one byte different: the ctime changes, so the marker no
  // longer vouches for it.
  std::string changed = bytes_;
  changed[changed.size() / 2] ^= 1;
  ::usleep(10000);
  dir_.write("system.squashfs", changed);
  auto got = check_image(image(), manifest_, marker());
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "image " + image() + " does not match its manifest (sha256 " + sha256_hex(changed) +
                                     ", expected " + manifest_.image_sha256 + ")");
}

TEST_F(CheckImage, MarkerForAnotherManifestDoesNotCount) {
  ASSERT_TRUE(check_image(image(), manifest_, marker()));
  Manifest other = manifest_;
  other.image_sha256 = std::string(64, '0');
  auto got = check_image(image(), other, marker());
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find("does not match its manifest"), std::string::npos);
}

TEST_F(CheckImage, ForgedMarkerForAnotherFileDoesNotCount) {
  // A marker copied from elsewhere names another inode or times.
  write_file_atomic(marker(), "sha256=" + manifest_.image_sha256 + " size=1 inode=1 mtime=0.000000000 ctime=0.0\n")
      .value();
  auto got = check_image(image(), manifest_, marker());
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->hashed);
}

TEST_F(CheckImage, SizeIsCheckedFirst) {
  Manifest bigger = manifest_;
  bigger.image_size += 1;
  auto got = check_image(image(), bigger, marker());
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "image " + image() + " is " + std::to_string(bytes_.size()) +
                                     " bytes, its manifest says " + std::to_string(bigger.image_size));
}

TEST_F(CheckImage, MissingImage) {
  auto got = check_image(dir_.path() + "/nothing", manifest_, marker());
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "cannot stat " + dir_.path() + "/nothing: No such file or directory");
}

TEST_F(CheckImage, UnwritableMarkerIsAWarning) {
  auto got = check_image(image(), manifest_, dir_.path() + "/no/such/dir/verified");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(got->hashed);
  EXPECT_TRUE(got->warning.starts_with("recording the check: cannot create temporary file for " + dir_.path() +
                                       "/no/such/dir/verified: No such file or directory"))
      << got->warning;
}

}  // namespace
}  // namespace cairn::activator
