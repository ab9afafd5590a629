// The firmware mailbox through /dev/vcio, and the tryboot flag (mailbox.hh).
#include "activator/mailbox.hh"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include "base/fd.hh"

namespace cairn::activator {

unsigned long vcio_property_request() { return _IOWR(100, 0, char*); }

VcioMailbox::VcioMailbox(std::string device) : device_(std::move(device)) {}

Result<void> VcioMailbox::property(std::span<uint32_t> words) {
  if (words.size() < 3 || words[0] != words.size() * sizeof(uint32_t))
    return fail(fmt::format("mailbox buffer of {} words says it has {} bytes", words.size(),
                            words.empty() ? 0 : words[0]));
  Fd fd(::open(device_.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT)
      return fail(fmt::format(
          "the VideoCore mailbox {} is missing: is this a Raspberry Pi? The firmware is reached through the vcio "
          "driver of Raspberry Pi's kernel, which upstream Linux lacks",
          device_));
    return fail(fmt::format("cannot open the VideoCore mailbox {}: {}", device_, std::strerror(errno)));
  }
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0)
    return fail(fmt::format("cannot stat the VideoCore mailbox {}: {}", device_, std::strerror(errno)));
  if (!S_ISCHR(st.st_mode))
    return fail(fmt::format(
        "{} is not a character device, so not the VideoCore mailbox: is this a Raspberry Pi with the vcio driver?",
        device_));
  // The driver copies words[0] bytes in, has the firmware answer, copies them back.
  if (::ioctl(fd.get(), vcio_property_request(), words.data()) != 0)
    return fail(fmt::format("the VideoCore mailbox {} refused the call: {}", device_, std::strerror(errno)));
  return {};
}

std::array<uint32_t, 7> set_reboot_flags_request(uint32_t flags) {
  return {7 * sizeof(uint32_t),  // buffer size in bytes
          kMailboxRequest,
          kTagSetRebootFlags,
          sizeof(uint32_t),  // the tag's value buffer
          0,                 // request (bit 31 clear)
          flags,
          0};  // end tag
}

Result<void> set_tryboot_flag(Mailbox& mailbox) {
  auto words = set_reboot_flags_request(kRebootFlagTryboot);
  const std::string_view what = "setting the firmware's tryboot flag";
  if (auto r = mailbox.property(words); !r) return std::unexpected(r.error().context(what));
  if (words[1] == kMailboxParseError)
    return fail(fmt::format(
        "{}: the firmware could not parse the request (answer 0x{:08x}); nothing was set, so the next boot is a "
        "normal one",
        what, words[1]));
  if (words[1] != kMailboxSuccess)
    return fail(fmt::format("{}: the firmware answered 0x{:08x} instead of 0x{:08x} (success)", what, words[1],
                            kMailboxSuccess));
  if ((words[4] & kMailboxTagResponse) == 0)
    return fail(fmt::format(
        "{}: the firmware did not answer tag 0x{:08x} (SET_REBOOT_FLAGS): it predates tryboot; update the "
        "firmware (on a Pi 4, its EEPROM bootloader too) or use boot.loader.type = \"extlinux\"",
        what, kTagSetRebootFlags));
  return {};
}

}  // namespace cairn::activator
