// config.txt text: golden files for the Pi 3 and 4 in both flavours
// (tests/golden/boot/rpi-*.txt; refresh with CAIRN_ACCEPT=1 after an
// intended change, and review the diff), and the errors word for word.
#include "bootloader/rpi_config.hh"

#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>

#include "base/files.hh"

namespace cairn::bootloader {
namespace {

namespace fs = std::filesystem;

// The server host's hardware.raspberryPi.configTxt
// (tests/golden/hosts/server.closure.json, boot.rpi.configTxt).
constexpr std::string_view kServerLines =
    "arm_64bit=1\nenable_uart=1\nupstream_kernel=1\ndisable_overscan=1\n"
    "# No display attached: give the GPU the least memory.\ngpu_mem=16\n";

// tests/golden/boot in the source tree. __FILE__ is relative to the build
// directory (meson compiles "../bootloader/…"), which is the parent of the
// directory holding this test program.
fs::path golden_dir() {
  fs::path source = __FILE__;
  if (source.is_relative()) source = fs::read_symlink("/proc/self/exe").parent_path().parent_path() / source;
  return fs::weakly_canonical(source.parent_path() / ".." / "tests" / "golden" / "boot");
}

void expect_golden(const std::string& name, const std::string& got) {
  std::string path = (golden_dir() / name).string();
  if (const char* accept = std::getenv("CAIRN_ACCEPT"); accept && std::string(accept) == "1") {
    fs::create_directories(golden_dir());
    ASSERT_TRUE(write_file_atomic(path, got));
  }
  auto want = read_file(path);
  ASSERT_TRUE(want) << want.error().message << " (run with CAIRN_ACCEPT=1 to create it)";
  EXPECT_EQ(got, *want) << path << " changed; if intended, refresh with CAIRN_ACCEPT=1";
}

RpiConfig config(uint32_t model, RpiFlavour flavour, uint64_t generation = 7) {
  RpiConfig c;
  c.model = model;
  c.device_tree = model == 3 ? "bcm2837-rpi-3-b.dtb" : model == 4 ? "bcm2711-rpi-4-b.dtb" : "bcm2712-rpi-5-b.dtb";
  c.lines = std::string(kServerLines);
  c.flavour = flavour;
  c.generation = generation;
  return c;
}

struct GoldenCase {
  uint32_t model;
  RpiFlavour flavour;
  std::string file;
};
void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.file; }

class RpiConfigGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(RpiConfigGolden, MatchesTheGoldenFile) {
  auto text = format_config_txt(config(GetParam().model, GetParam().flavour));
  ASSERT_TRUE(text) << text.error().message;
  expect_golden(GetParam().file, *text);
}

INSTANTIATE_TEST_SUITE_P(Models, RpiConfigGolden,
                         ::testing::Values(GoldenCase{3, RpiFlavour::extlinux, "rpi-3-extlinux.txt"},
                                           GoldenCase{3, RpiFlavour::tryboot, "rpi-3-tryboot.txt"},
                                           GoldenCase{4, RpiFlavour::extlinux, "rpi-4-extlinux.txt"},
                                           GoldenCase{4, RpiFlavour::tryboot, "rpi-4-tryboot.txt"}),
                         [](const auto& info) {
                           return "Pi" + std::to_string(info.param.model) +
                                  (info.param.flavour == RpiFlavour::extlinux ? "Extlinux" : "Tryboot");
                         });

TEST(RpiConfig, StartsWithTheHeaderAndEndsWithTheBootLines) {
  auto text = format_config_txt(config(5, RpiFlavour::tryboot, 12));
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_TRUE(text->starts_with(kRpiConfigHeader));
  EXPECT_TRUE(text->ends_with("[all]\n[pi5]\ndevice_tree=bcm2712-rpi-5-b.dtb\n[all]\n"
                              "os_prefix=gen-12/\nkernel=vmlinuz\ninitramfs initrd.img followkernel\n"
                              "cmdline=cmdline.txt\n"))
      << *text;
  // tryboot_a_b would make the firmware read config.txt instead of tryboot.txt.
  EXPECT_EQ(text->find("tryboot_a_b"), std::string::npos);
}

TEST(RpiConfig, NoHostLinesNoHostBlock) {
  RpiConfig c = config(4, RpiFlavour::extlinux);
  c.lines = "\n\n";
  auto text = format_config_txt(c);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text, std::string(kRpiConfigHeader) +
                       "\n# Boot U-Boot, which shows the menu of generations (extlinux.conf). The\n"
                       "# firmware loads the model's device tree from this partition and hands it on.\n"
                       "[all]\n[pi4]\ndevice_tree=bcm2711-rpi-4-b.dtb\n[all]\nkernel=u-boot.bin\n");
}

TEST(RpiConfig, HostLinesWithoutFinalNewlineAndTrailingBlanksAreTidied) {
  RpiConfig c = config(4, RpiFlavour::tryboot);
  c.lines = "gpu_mem=16";
  auto a = format_config_txt(c);
  c.lines = "gpu_mem=16\n\n\n";
  auto b = format_config_txt(c);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_NE(a->find("configTxt).\ngpu_mem=16\n\n# Boot generation 7"), std::string::npos) << *a;
}

TEST(RpiConfig, RefusesHostLinesThatSetBootKeys) {
  struct Case {
    std::string line, key;
  };
  for (const Case& c : {Case{"kernel=kernel8.img", "kernel"}, Case{"  initramfs initrd.gz followkernel", "initramfs"},
                        Case{"os_prefix=test-", "os_prefix"}, Case{"device_tree=my.dtb", "device_tree"},
                        Case{"cmdline=other.txt", "cmdline"}}) {
    RpiConfig cfg = config(4, RpiFlavour::tryboot);
    cfg.lines = "arm_64bit=1\n[pi4]\n" + c.line + "\n";
    auto text = format_config_txt(cfg);
    ASSERT_FALSE(text) << c.line;
    std::string trimmed = c.line.substr(c.line.find_first_not_of(' '));
    EXPECT_EQ(text.error().message,
              "hardware.raspberryPi.configTxt, line 3: `" + trimmed + "` sets `" + c.key +
                  "`, which cairn's boot loader writes itself (kernel, initramfs, cmdline, device tree and os_prefix "
                  "follow the generation); remove the line, and set hardware.raspberryPi.deviceTree or "
                  "boot.kernel.params instead");
  }
  // Look-alikes are fine: comments, filters, and keys that only start alike.
  RpiConfig cfg = config(4, RpiFlavour::tryboot);
  cfg.lines = "# kernel=old.img\nkernel_address=0x200000\ndevice_tree_param=i2c_arm=on\n";
  EXPECT_TRUE(format_config_txt(cfg));
}

TEST(RpiConfig, RefusesWhatTheFirmwareCouldNotUse) {
  RpiConfig c = config(4, RpiFlavour::tryboot);
  c.model = 2;
  EXPECT_EQ(format_config_txt(c).error().message,
            "hardware.raspberryPi.model = 2: cairn supports the Raspberry Pi 3, 4 and 5");
  for (std::string name : {"", "broadcom/bcm2711-rpi-4-b.dtb", "bcm2711 rpi.dtb", ".dtb", "bcm2711-rpi-4-b"}) {
    c = config(4, RpiFlavour::tryboot);
    c.device_tree = name;
    auto text = format_config_txt(c);
    ASSERT_FALSE(text) << name;
    EXPECT_EQ(text.error().message, "hardware.raspberryPi.deviceTree = \"" + name +
                                        "\": give the file name of a device tree (\"bcm2711-rpi-4-b.dtb\"), without "
                                        "directories or blanks");
  }
  c = config(4, RpiFlavour::tryboot, 0);
  EXPECT_EQ(format_config_txt(c).error().message,
            "config.txt for rpi-tryboot: generation 0 does not exist (generations count from 1)");
  // extlinux names no generation, so 0 is fine there.
  EXPECT_TRUE(format_config_txt(config(3, RpiFlavour::extlinux, 0)));
}

TEST(RpiConfig, FlavourNamesAreTheLoaderTypes) {
  EXPECT_EQ(to_string(RpiFlavour::extlinux), "extlinux");
  EXPECT_EQ(to_string(RpiFlavour::tryboot), "rpi-tryboot");
  EXPECT_EQ(rpi_generation_prefix(42), "gen-42/");
}

}  // namespace
}  // namespace cairn::bootloader
