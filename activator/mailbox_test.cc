// The tryboot flag's mailbox call: the exact words, the firmware's possible
// answers played by a fake, and the real device's errors off a Raspberry Pi.
#include "activator/mailbox.hh"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <gtest/gtest.h>
#include <vector>

#include "base/files.hh"

namespace cairn::activator {
namespace {

namespace fs = std::filesystem;

// Records each call's words and answers like the firmware would.
class FakeMailbox final : public Mailbox {
 public:
  explicit FakeMailbox(std::function<Result<void>(std::span<uint32_t>)> answer) : answer_(std::move(answer)) {}
  Result<void> property(std::span<uint32_t> words) override {
    calls.emplace_back(words.begin(), words.end());
    return answer_(words);
  }
  std::vector<std::vector<uint32_t>> calls;

 private:
  std::function<Result<void>(std::span<uint32_t>)> answer_;
};

// The firmware's answer to SET_REBOOT_FLAGS: `code` in word 1, the tag
// answered (bit 31 and a value length of 0) when `answered`.
auto firmware(uint32_t code, bool answered) {
  return [=](std::span<uint32_t> w) -> Result<void> {
    w[1] = code;
    if (answered) w[4] = 0x80000000;
    return {};
  };
}

const std::vector<uint32_t> kRequest = {28, 0x00000000, 0x00038064, 4, 0, 1, 0};

TEST(Mailbox, SetTrybootFlagSendsExactlyTheSetRebootFlagsRequest) {
  FakeMailbox mailbox(firmware(0x80000000, true));
  ASSERT_TRUE(set_tryboot_flag(mailbox));
  ASSERT_EQ(mailbox.calls.size(), 1u);
  EXPECT_EQ(mailbox.calls[0], kRequest);
  auto zero = set_reboot_flags_request(0);
  EXPECT_EQ(std::vector<uint32_t>(zero.begin(), zero.end()), (std::vector<uint32_t>{28, 0, 0x00038064, 4, 0, 0, 0}));
}

TEST(Mailbox, FirmwareParseErrorIsReported) {
  FakeMailbox mailbox(firmware(0x80000001, false));
  auto r = set_tryboot_flag(mailbox);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "setting the firmware's tryboot flag: the firmware could not parse the request (answer 0x80000001); "
            "nothing was set, so the next boot is a normal one");
}

TEST(Mailbox, AnUnchangedRequestCodeIsNoSuccess) {
  FakeMailbox mailbox([](std::span<uint32_t>) -> Result<void> { return {}; });  // nobody answered
  auto r = set_tryboot_flag(mailbox);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "setting the firmware's tryboot flag: the firmware answered 0x00000000 instead of 0x80000000 (success)");
}

TEST(Mailbox, UnansweredTagMeansTheFirmwareLacksTryboot) {
  FakeMailbox mailbox(firmware(0x80000000, false));
  auto r = set_tryboot_flag(mailbox);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "setting the firmware's tryboot flag: the firmware did not answer tag 0x00038064 (SET_REBOOT_FLAGS): it "
            "predates tryboot; update the firmware (on a Pi 4, its EEPROM bootloader too) or use boot.loader.type = "
            "\"extlinux\"");
}

TEST(Mailbox, CallFailureGetsContext) {
  FakeMailbox mailbox([](std::span<uint32_t>) -> Result<void> { return fail("ioctl: Input/output error"); });
  EXPECT_EQ(set_tryboot_flag(mailbox).error().message,
            "setting the firmware's tryboot flag: ioctl: Input/output error");
}

TEST(Mailbox, IoctlRequestIsVcios) {
  // _IOWR(100, 0, char *): read+write, the size of a pointer, type 100, number 0.
  EXPECT_EQ(vcio_property_request(),
            0xC0000000ul | (static_cast<unsigned long>(sizeof(char*)) << 16) | (100ul << 8) | 0ul);
  if constexpr (sizeof(char*) == 8) {
    EXPECT_EQ(vcio_property_request(), 0xC0086400ul);
  }
}

class VcioMailboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t = (fs::temp_directory_path() / "cairn-vcio-XXXXXX").string();
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    top_ = t;
  }
  void TearDown() override { fs::remove_all(top_); }
  std::string top_;
};

TEST_F(VcioMailboxTest, MissingDeviceAsksWhetherThisIsARaspberryPi) {
  VcioMailbox mailbox(top_ + "/dev/vcio");
  auto r = set_tryboot_flag(mailbox);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "setting the firmware's tryboot flag: the VideoCore mailbox " + top_ +
                                   "/dev/vcio is missing: is this a Raspberry Pi? The firmware is reached through "
                                   "the vcio driver of Raspberry Pi's kernel, which upstream Linux lacks");
}

TEST_F(VcioMailboxTest, RegularFileIsRefusedBeforeAnyIoctl) {
  std::string path = top_ + "/vcio";
  ASSERT_TRUE(write_file_atomic(path, "not a device"));
  VcioMailbox mailbox(path);
  auto r = set_tryboot_flag(mailbox);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "setting the firmware's tryboot flag: " + path +
                                   " is not a character device, so not the VideoCore mailbox: is this a Raspberry "
                                   "Pi with the vcio driver?");
  EXPECT_EQ(read_file(path).value(), "not a device");
}

TEST_F(VcioMailboxTest, AnotherCharacterDeviceRefusesTheIoctl) {
  if (!fs::is_character_file("/dev/null")) GTEST_SKIP() << "no /dev/null character device here";
  VcioMailbox mailbox("/dev/null");
  auto r = set_tryboot_flag(mailbox);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "setting the firmware's tryboot flag: the VideoCore mailbox /dev/null refused the "
                               "call: " + std::string(std::strerror(ENOTTY)));
}

TEST_F(VcioMailboxTest, ABufferWhoseSizeWordIsWrongIsNeverSent) {
  std::vector<uint32_t> words = {64, 0, 0x00038064, 4, 0, 1, 0};  // says 64 bytes, has 28
  auto r = VcioMailbox(top_ + "/missing").property(words);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "mailbox buffer of 7 words says it has 64 bytes");
}

}  // namespace
}  // namespace cairn::activator
