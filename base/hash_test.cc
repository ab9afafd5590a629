#include "base/hash.hh"

#include <gtest/gtest.h>

#include "base/files.hh"

namespace cairn {
namespace {

TEST(Hash, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, StreamingEqualsWhole) {
  Sha256 h;
  h.update("a");
  h.update("bc");
  EXPECT_EQ(h.hex_digest(), sha256_hex("abc"));
}

TEST(Hash, File) {
  std::string path = ::testing::TempDir() + "/cairn-hash-test";
  ASSERT_TRUE(write_file_atomic(path, "abc"));
  auto got = sha256_file(path);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, sha256_hex("abc"));
  EXPECT_FALSE(sha256_file("/nonexistent/x"));
}

}  // namespace
}  // namespace cairn
