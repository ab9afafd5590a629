#include "bootloader/efivar.hh"

#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>

#include "base/files.hh"

namespace cairn::bootloader {
namespace {

TEST(Efivar, StringsAreAttributesThenUtf16WithNul) {
  using namespace std::string_literals;
  EXPECT_EQ(encode_efivar_string("c-7"), "\x07\0\0\0c\0-\0" "7\0\0\0"s);
  EXPECT_EQ(encode_efivar_string("é"), "\x07\0\0\0\xe9\0\0\0"s);
  EXPECT_EQ(efivar_file_name(kEntryOneShotVar), "LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f");
  for (std::string value : {"cairn-7[+.]*", "", "vm — ä", "\xf0\x9f\x98\x80"}) {
    auto back = decode_efivar_string(encode_efivar_string(value));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, value);
  }
}

TEST(Efivar, DecodeErrorsSayWhatIsWrong) {
  using namespace std::string_literals;
  EXPECT_EQ(decode_efivar_string("\x07\0"s).error().message, "2 bytes, fewer than the 4 of the attributes");
  EXPECT_EQ(decode_efivar_string("\x07\0\0\0a"s).error().message, "1 value bytes, not UTF-16");
}

TEST(Efivar, WriteReadRemoveInADirectory) {
  std::string dir = (std::filesystem::temp_directory_path() / "cairn-efivars-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  EXPECT_EQ(read_efivar_string(dir, kEntryOneShotVar).value(), std::nullopt);
  ASSERT_TRUE(write_efivar_string(dir, kEntryOneShotVar, "cairn-7[+.]*"));
  ASSERT_TRUE(write_efivar_string(dir, kEntryOneShotVar, "cairn-8[+.]*"));
  EXPECT_EQ(read_efivar_string(dir, kEntryOneShotVar).value(), "cairn-8[+.]*");
  EXPECT_EQ(read_file(dir + "/" + efivar_file_name(kEntryOneShotVar)).value(),
            encode_efivar_string("cairn-8[+.]*"));
  ASSERT_TRUE(remove_efivar(dir, kEntryOneShotVar));
  ASSERT_TRUE(remove_efivar(dir, kEntryOneShotVar));  // already gone: fine
  EXPECT_EQ(read_efivar_string(dir, kEntryOneShotVar).value(), std::nullopt);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cairn::bootloader
