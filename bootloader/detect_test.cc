#include "bootloader/detect.hh"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "bootloader/extlinux.hh"
#include "bootloader/systemd_boot.hh"

namespace cairn::bootloader {
namespace {

namespace fs = std::filesystem;

class DetectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t = (fs::temp_directory_path() / "cairn-detect-XXXXXX").string();
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    dir_ = t;
    root_ = dir_ + "/boot";
    fs::create_directories(root_);
    write(dir_ + "/kernel", "kernel bytes");
    write(dir_ + "/initrd", "initrd bytes");
  }
  void TearDown() override { fs::remove_all(dir_); }
  static void write(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
  }
  BootEntry entry(uint64_t n, std::optional<uint32_t> tries = std::nullopt) const {
    BootEntry e;
    e.generation = n;
    e.title = "test — generation " + std::to_string(n);
    e.options = "cairn.generation=" + std::to_string(n);
    e.tries_left = tries;
    return e;
  }
  std::string dir_, root_;
};

TEST_F(DetectTest, SystemdBootPartition) {
  SystemdBoot sd;
  ASSERT_TRUE(sd.write_entry(root_, entry(1), dir_ + "/kernel", dir_ + "/initrd", {}));
  ASSERT_TRUE(sd.write_entry(root_, entry(2, 2), dir_ + "/kernel", dir_ + "/initrd", {}));
  EXPECT_EQ(detect_loader(root_), LoaderKind::systemd_boot);

  DetectingBackend any;
  ASSERT_TRUE(any.mark_good(root_, 2));
  auto state = any.read_state(root_);
  ASSERT_TRUE(state) << state.error().message;
  ASSERT_EQ(state->entries.size(), 2u);
  EXPECT_EQ(state->entries[0].generation, 2u);
  EXPECT_EQ(state->entries[0].state(), EntryState::good);
  EXPECT_TRUE(fs::exists(root_ + "/loader/entries/cairn-2.conf"));
}

TEST_F(DetectTest, ExtlinuxPartition) {
  ExtlinuxBackend ext;
  ASSERT_TRUE(ext.install(root_, "", {}));
  ASSERT_TRUE(ext.write_entry(root_, entry(1), dir_ + "/kernel", dir_ + "/initrd", {}));
  ASSERT_TRUE(ext.write_entry(root_, entry(2, 3), dir_ + "/kernel", dir_ + "/initrd", {}));
  EXPECT_EQ(detect_loader(root_), LoaderKind::extlinux);

  DetectingBackend any;
  ASSERT_TRUE(any.mark_bad(root_, 2));
  auto state = any.read_state(root_);
  ASSERT_TRUE(state) << state.error().message;
  ASSERT_EQ(state->entries.size(), 2u);
  EXPECT_EQ(state->entries.back().generation, 2u);  // bad entries sort last
  EXPECT_EQ(state->entries.back().state(), EntryState::bad);
  EXPECT_EQ(state->default_entry, 1u);
}

TEST_F(DetectTest, RaspberryPiFirmwarePartition) {
  write(root_ + "/config.txt", "os_prefix=gen-1/\n");
  write(root_ + "/gen-1/entry.conf", "title x\n");
  EXPECT_EQ(detect_loader(root_), LoaderKind::rpi_tryboot);
  // config.txt alone (a Pi partition cairn did not write) is not enough.
  fs::remove_all(root_ + "/gen-1");
  EXPECT_FALSE(detect_loader(root_));
}

TEST_F(DetectTest, AnEmptyPartitionIsAnError) {
  auto kind = detect_loader(root_);
  ASSERT_FALSE(kind);
  EXPECT_EQ(kind.error().message,
            root_ + " holds no cairn boot loader files (loader/entries for systemd-boot, cairn/entries for "
                    "extlinux, gen-<N>/entry.conf for the Raspberry Pi firmware)");
  DetectingBackend any;
  auto state = any.read_state(root_);
  ASSERT_FALSE(state);
  EXPECT_EQ(state.error().message, kind.error().message);
  EXPECT_FALSE(any.install(root_, "", {}));
}

}  // namespace
}  // namespace cairn::bootloader
