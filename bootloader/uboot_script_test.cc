// The boot script's image and the counting state file, checked against
// U-Boot's own formats: header fields from include/image.h, bytes from
// u-boot-tools' mkimage and dumpimage when they are installed, and boot.env
// as `env export -t` writes it.
#include "bootloader/uboot_script.hh"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/subprocess.hh"
#include "base/temp_dir_test.hh"

namespace cairn::bootloader {
namespace {

using namespace std::literals;

uint32_t be32(const std::string& s, size_t at) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

struct TempDir : cairn::TempDir {
  TempDir() : cairn::TempDir("uboot") {}
};

TEST(UbootScript, Crc32MatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32(""), 0u);
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);  // the CRC-32/ISO-HDLC check value
  EXPECT_EQ(crc32("6789", crc32("12345")), 0xCBF43926u);
}

// The bytes below are what Debian 12's mkimage 2023.01 wrote for
// `SOURCE_DATE_EPOCH=0 mkimage -A arm64 -O linux -T script -C none
//  -n "cairn boot counting" -d s.txt s.img` with s.txt = "echo hi\n".
TEST(UbootScript, ImageHeaderFieldByField) {
  std::string img = make_script_image("echo hi\n");
  ASSERT_EQ(img.size(), 64u + 8u + 8u);
  EXPECT_EQ(be32(img, 0), 0x27051956u);  // ih_magic
  std::string header = img.substr(0, 64);
  header.replace(4, 4, std::string(4, '\0'));
  EXPECT_EQ(be32(img, 4), crc32(header));  // ih_hcrc over the header with ih_hcrc = 0
  EXPECT_EQ(be32(img, 4), 0x937AD02Du);
  EXPECT_EQ(be32(img, 8), 0u);            // ih_time
  EXPECT_EQ(be32(img, 12), 16u);          // ih_size: the image list (8) + the script (8)
  EXPECT_EQ(be32(img, 16), 0u);           // ih_load
  EXPECT_EQ(be32(img, 20), 0u);           // ih_ep
  EXPECT_EQ(be32(img, 24), crc32(img.substr(64)));  // ih_dcrc
  EXPECT_EQ(be32(img, 24), 0xD9340162u);
  EXPECT_EQ(img[28], 5);   // ih_os: IH_OS_LINUX
  EXPECT_EQ(img[29], 22);  // ih_arch: IH_ARCH_ARM64
  EXPECT_EQ(img[30], 6);   // ih_type: IH_TYPE_SCRIPT
  EXPECT_EQ(img[31], 0);   // ih_comp: IH_COMP_NONE
  EXPECT_EQ(img.substr(32, 32), std::string("cairn boot counting") + std::string(13, '\0'));
  EXPECT_EQ(be32(img, 64), 8u);  // the script's length
  EXPECT_EQ(be32(img, 68), 0u);  // end of the image list
  EXPECT_EQ(img.substr(72), "echo hi\n");
}

TEST(UbootScript, ImageCarriesTheTimeAndCutsLongNames) {
  std::string img = make_script_image("x", std::string(40, 'n'), 0x12345678);
  EXPECT_EQ(be32(img, 8), 0x12345678u);
  EXPECT_EQ(img.substr(32, 32), std::string(32, 'n'));
  auto back = read_script_image(img);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->time, 0x12345678u);
  EXPECT_EQ(back->name, std::string(32, 'n'));
  EXPECT_EQ(back->script, "x");
}

TEST(UbootScript, ReadScriptImageReadsWhatMakeWrites) {
  auto back = read_script_image(make_script_image(boot_script()));
  ASSERT_TRUE(back) << back.error().message;
  ScriptImage want;
  want.name = "cairn boot counting";
  want.script = boot_script();
  EXPECT_EQ(*back, want);
}

TEST(UbootScript, ReadScriptImageSaysWhichCheckFailed) {
  std::string good = make_script_image("echo hi\n");
  struct Case {
    std::string bytes;
    std::string error;
  };
  std::string wrong_magic = good;
  wrong_magic[0] = 0;
  // The computed CRCs below were checked with Python's zlib.crc32.
  std::string wrong_hcrc = good;
  wrong_hcrc[8] = 1;  // the time changes, the header CRC does not
  std::string wrong_dcrc = good;
  wrong_dcrc.back() = '?';
  std::string not_script = good.substr(0, 30) + '\x02' + good.substr(31);
  // Fix the header CRC so that the type check is what fails.
  std::string h = not_script.substr(0, 64);
  h.replace(4, 4, std::string(4, '\0'));
  uint32_t c = crc32(h);
  for (int i = 0; i < 4; ++i) not_script[4 + i] = static_cast<char>(c >> (24 - 8 * i));
  const Case cases[] = {
      {good.substr(0, 10), "not a U-Boot image: 10 bytes, shorter than the 64-byte header"},
      {wrong_magic, "not a U-Boot legacy image: magic is 0x00051956, not 0x27051956"},
      {wrong_hcrc, "bad header CRC: 0x937ad02d recorded, 0x8eefc3fa computed"},
      {good.substr(0, good.size() - 1), "the header says 16 data bytes, the file has 15"},
      {wrong_dcrc, "bad data CRC: 0xd9340162 recorded, 0x8f87c541 computed"},
      {not_script, "image type is 2, not 6 (script)"},
  };
  for (const Case& k : cases) {
    auto r = read_script_image(k.bytes);
    ASSERT_FALSE(r) << k.error;
    EXPECT_EQ(r.error().message, k.error);
  }
}

TEST(UbootScript, MatchesMkimageByteForByte) {
  if (!find_program("mkimage")) GTEST_SKIP() << "mkimage is not installed (Debian package u-boot-tools)";
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  ASSERT_TRUE(write_file_atomic(dir.path() + "/boot.cmd", boot_script()));
  RunOptions options;
  options.env = {"SOURCE_DATE_EPOCH=0"};
  auto r = run("mkimage", {"-A", "arm64", "-O", "linux", "-T", "script", "-C", "none", "-n",
                           std::string(kBootScriptName), "-d", dir.path() + "/boot.cmd", dir.path() + "/boot.scr"},
               options);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->success()) << r->describe() << ": " << r->err;
  EXPECT_EQ(read_file(dir.path() + "/boot.scr").value(), make_script_image(boot_script()));
}

TEST(UbootScript, DumpimageListsOurImageAsAnArm64Script) {
  if (!find_program("dumpimage")) GTEST_SKIP() << "dumpimage is not installed (Debian package u-boot-tools)";
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  ASSERT_TRUE(write_file_atomic(dir.path() + "/boot.scr", make_script_image(boot_script())));
  auto r = run("dumpimage", {"-l", dir.path() + "/boot.scr"});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->success()) << r->describe() << ": " << r->out << r->err;
  EXPECT_NE(r->out.find("Image Name:   cairn boot counting\n"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("Image Type:   AArch64 Linux Script (uncompressed)\n"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find(fmt::format("Image 0: {} Bytes", boot_script().size())), std::string::npos) << r->out;
}

// Hush has no `[ ]`, `$(…)`, `elif` in old builds or functions; a block
// left open makes U-Boot refuse the whole script. Count the keywords.
TEST(UbootScript, ScriptIsBalancedHushWithoutBashisms) {
  std::string s = boot_script();
  int depth = 0, ifs = 0;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find('\n', pos);
    std::string line = s.substr(pos, end - pos);
    pos = end + 1;
    EXPECT_LT(line.size(), 256u) << "U-Boot's console buffer is small: " << line;
    size_t first = line.find_first_not_of(' ');
    if (first == std::string::npos || line[first] == '#') continue;
    std::string_view word = std::string_view(line).substr(first);
    if (word.starts_with("if ")) {
      ++depth;
      ++ifs;
      EXPECT_TRUE(line.ends_with("; then")) << line;
    }
    if (word == "fi") --depth;
    EXPECT_GE(depth, 0) << line;
    EXPECT_EQ(line.find("[ "), std::string::npos) << line;
    EXPECT_EQ(line.find("$("), std::string::npos) << line;
    EXPECT_EQ(line.find("&&"), std::string::npos) << line;
    EXPECT_EQ(line.find("elif"), std::string::npos) << line;
    EXPECT_EQ(line.find('\''), std::string::npos) << line;
  }
  EXPECT_EQ(depth, 0);
  EXPECT_EQ(ifs, 8);
  // It reads and writes the state file and boots the menu where extlinux.cc puts them.
  EXPECT_NE(s.find(" ${pxefile_addr_r} /" + std::string(kBootEnvPath) + "; then\n"), std::string::npos);
  EXPECT_NE(s.find(" ${pxefile_addr_r} /" + std::string(kBootEnvPath) + " ${filesize}; then\n"), std::string::npos);
  EXPECT_NE(s.find(" /" + std::string(kExtlinuxConfPath) + "\n"), std::string::npos);
  // The state is written back before the label is preselected.
  EXPECT_LT(s.find("fatwrite"), s.find("setenv pxe_label_override ${cairn_label}"));
}

TEST(UbootScript, BootEnvReadsWhatUBootExports) {
  // `env export -t` output as fatwrite stores it: sorted lines and a NUL.
  EXPECT_EQ(parse_boot_env(std::string("cairn_left=2\ncairn_trial=7\n\0"sv)),
            (BootEnv{.trial = 7, .left = 2, .oneshot = std::nullopt}));
  // Anything after the NUL is padding.
  EXPECT_EQ(parse_boot_env(std::string("cairn_oneshot=3\n\0cairn_trial=9\n"sv)),
            (BootEnv{.trial = std::nullopt, .left = std::nullopt, .oneshot = 3}));
  // CRLF, comments, blanks before a name, unknown names, `name=` unsetting.
  EXPECT_EQ(parse_boot_env("# written by hand\r\n  cairn_trial=4\r\nbootcmd=reset\ncairn_left=1\ncairn_left=\n"),
            (BootEnv{.trial = 4, .left = std::nullopt, .oneshot = std::nullopt}));
  // setexpr writes hexadecimal.
  EXPECT_EQ(parse_boot_env("cairn_left=a\ncairn_trial=12\n").left, 10u);
  // A value that is not a number leaves its variable unset.
  EXPECT_EQ(parse_boot_env("cairn_left=zz\ncairn_trial=1x\ncairn_oneshot=\xff\n"), BootEnv{});
  EXPECT_EQ(parse_boot_env(""), BootEnv{});
}

TEST(UbootScript, BootEnvIsWrittenAsEnvExportWritesIt) {
  BootEnv env{.trial = 12, .left = 3, .oneshot = 4};
  EXPECT_EQ(format_boot_env(env), std::string("cairn_left=3\ncairn_oneshot=4\ncairn_trial=12\n\0"sv));
  EXPECT_EQ(parse_boot_env(format_boot_env(env)), env);
  EXPECT_EQ(format_boot_env(BootEnv{}), std::string(1, '\0'));
}

}  // namespace
}  // namespace cairn::bootloader
