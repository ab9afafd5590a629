#include "activator/bless.hh"

#include <gtest/gtest.h>

#include "activator/fakes_test.hh"

namespace cairn::activator {
namespace {

using testing::FakeBackend;
using testing::FakeSystem;
using testing::TempDir;
using Lines = std::vector<std::string>;

const BlockDevice kEsp{"/dev/vda1", "254:1", {{"TYPE", "vfat"}, {"LABEL", "ESP"}}};

class BlessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.write("proc/cmdline", "BOOT_IMAGE=/cairn/x-kernel cairn.generation=3 quiet\n");
    system_.devices = {kEsp};
    backend_.state.entries = {FakeBackend::entry(3, 2, 1), FakeBackend::entry(2, std::nullopt)};
  }
  TempDir root_;
  FakeSystem system_{root_.path()};
  FakeBackend backend_{root_.path()};
};

TEST_F(BlessTest, MarksTheBootedGenerationGood) {
  auto got = bless(root_.path(), system_, backend_);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, "generation 3 is marked good");
  EXPECT_EQ(backend_.calls, Lines{"mark_good /run/cairn/esp 3"});
  EXPECT_EQ(system_.log,
            (Lines{"mount /dev/vda1 /run/cairn/esp vfat nosuid,nodev,noexec", "unmount /run/cairn/esp"}));
  EXPECT_EQ(backend_.state.entries[0].state(), bootloader::EntryState::good);
}

TEST_F(BlessTest, IsIdempotent) {
  ASSERT_TRUE(bless(root_.path(), system_, backend_));
  auto again = bless(root_.path(), system_, backend_);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, "generation 3 was good already");
  EXPECT_EQ(backend_.calls, Lines{"mark_good /run/cairn/esp 3"});
}

TEST_F(BlessTest, BlessesABadGenerationThatBootedAnyway) {
  // Picked by hand from the menu after its tries ran out, and it worked.
  backend_.state.entries[0] = FakeBackend::entry(3, 0, 3);
  EXPECT_EQ(bless(root_.path(), system_, backend_).value_or("?"), "generation 3 is marked good");
}

TEST_F(BlessTest, UsesTheMountedBootPartition) {
  root_.write("proc/self/mountinfo", "41 1 254:1 / /boot rw,relatime - vfat /dev/vda1 rw\n");
  root_.mkdir("boot");
  ASSERT_TRUE(bless(root_.path(), system_, backend_));
  EXPECT_EQ(backend_.calls, Lines{"mark_good /boot 3"});
  EXPECT_EQ(system_.log, Lines{});
}

TEST_F(BlessTest, Errors) {
  root_.write("proc/cmdline", "quiet\n");
  auto none = bless(root_.path(), system_, backend_);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message,
            "the kernel command line names no generation (cairn.generation=N): not booted through a cairn entry");

  root_.write("proc/cmdline", "cairn.generation=9\n");
  auto missing = bless(root_.path(), system_, backend_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(system_.strip_all(missing.error().message), "generation 9 has no boot entry on /run/cairn/esp");
  EXPECT_EQ(system_.log.back(), "unmount /run/cairn/esp");

  root_.write("proc/cmdline", "cairn.generation=3\n");
  backend_.fail_mark = "cannot rename cairn-3+2-1.conf: Read-only file system";
  auto marking = bless(root_.path(), system_, backend_);
  ASSERT_FALSE(marking);
  EXPECT_EQ(marking.error().message,
            "marking generation 3 good: cannot rename cairn-3+2-1.conf: Read-only file system");

  backend_.fail_read = "loader/entries/cairn-3+2-1.conf:2: unknown key";
  auto reading = bless(root_.path(), system_, backend_);
  ASSERT_FALSE(reading);
  EXPECT_EQ(system_.strip_all(reading.error().message),
            "reading the boot entries on /run/cairn/esp: loader/entries/cairn-3+2-1.conf:2: unknown key");

  system_.devices = {};
  auto no_esp = bless(root_.path(), system_, backend_);
  ASSERT_FALSE(no_esp);
  EXPECT_EQ(no_esp.error().message,
            "no boot partition (a FAT file system labelled ESP, or an EFI System partition)");
}

TEST_F(BlessTest, Status) {
  backend_.state.entries.push_back(FakeBackend::entry(1, 0, 3));
  backend_.state.default_entry = 3;
  backend_.state.oneshot = 2;
  auto got = status(root_.path(), system_, backend_);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got,
            "generation 3: trial (2 tries left, 1 done), default, booted\n"
            "generation 2: good, next boot\n"
            "generation 1: bad (0 tries left, 3 done)\n");
  EXPECT_EQ(system_.log.back(), "unmount /run/cairn/esp");
}

TEST_F(BlessTest, StatusWithoutEntriesOrCairnBoot) {
  root_.write("proc/cmdline", "quiet\n");
  backend_.state.entries.clear();
  EXPECT_EQ(status(root_.path(), system_, backend_).value_or("?"), "no boot entries\n");
  backend_.state.entries = {FakeBackend::entry(2, std::nullopt)};
  EXPECT_EQ(status(root_.path(), system_, backend_).value_or("?"), "generation 2: good\n");
}

}  // namespace
}  // namespace cairn::activator
