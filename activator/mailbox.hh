// The Raspberry Pi firmware's mailbox: how the running system sets the
// one-shot `tryboot` flag before it reboots into a trial generation
// (bootloader/rpi_tryboot.hh says what the firmware then does).
//
// The ARM cores talk to the VideoCore firmware through the mailbox property
// interface (raspberrypi/firmware wiki, "Mailbox property interface"): a
// buffer of 32-bit words — its size in bytes, a request code (0), tags, an
// end tag (0) — which the firmware answers in place: word 1 becomes
// 0x80000000 (success) or 0x80000001 (error parsing the request), and each
// tag it handled gets bit 31 set in its request/response word. The tag
// SET_REBOOT_FLAGS (0x00038064) with the value 1 sets the tryboot flag; it is
// what Raspberry Pi's kernel sends for `reboot "0 tryboot"`, which Debian's
// kernel does not understand (DESIGN.md §6), so cairn sends it itself.
//
// User space reaches the mailbox through the vcio character device,
// /dev/vcio: ioctl IOCTL_MBOX_PROPERTY = _IOWR(100, 0, char *) on the
// buffer. vcio is a driver of Raspberry Pi's own kernel, not of upstream
// Linux, so a kernel without it has no /dev/vcio; the error then says so.
//
// The ioctl is behind one small seam, `Mailbox`, so tests check the exact
// words with a fake and play the firmware's answers; `VcioMailbox` is the
// real one. Setting the flag and rebooting are separate steps: the caller
// reboots.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/error.hh"

namespace cairn::activator {

/// The firmware's property channel.
class Mailbox {
 public:
  virtual ~Mailbox() = default;
  /// Sends the property buffer `words` (words[0] = its size in bytes) to the
  /// firmware and leaves the firmware's answer in it. An error only when the
  /// call itself failed; what the firmware answered is the caller's to check.
  [[nodiscard]] virtual Result<void> property(std::span<uint32_t> words) = 0;
};

/// The vcio device of Raspberry Pi's kernel.
inline constexpr std::string_view kVcioDevice = "/dev/vcio";

/// The mailbox through the vcio device at `device` (on the device,
/// kVcioDevice under the activator's root prefix). Opens it for each call.
class VcioMailbox final : public Mailbox {
 public:
  explicit VcioMailbox(std::string device = std::string(kVcioDevice));
  /// Errors: "the VideoCore mailbox /dev/vcio is missing: …" (not a
  /// Raspberry Pi, or a kernel without the vcio driver), "… is not a
  /// character device …", and the ioctl's failure with errno's text.
  [[nodiscard]] Result<void> property(std::span<uint32_t> words) override;

 private:
  std::string device_;
};

/// The ioctl request of the vcio device: _IOWR(100, 0, char *).
unsigned long vcio_property_request();

/// Property interface codes.
inline constexpr uint32_t kMailboxRequest = 0x00000000;
inline constexpr uint32_t kMailboxSuccess = 0x80000000;
inline constexpr uint32_t kMailboxParseError = 0x80000001;
inline constexpr uint32_t kMailboxTagResponse = 0x80000000;  ///< bit 31 of a tag's request/response word
inline constexpr uint32_t kTagSetRebootFlags = 0x00038064;
inline constexpr uint32_t kRebootFlagTryboot = 1;

/// The request that sets the reboot flags to `flags`:
/// {28, 0, 0x00038064, 4, 0, flags, 0}.
std::array<uint32_t, 7> set_reboot_flags_request(uint32_t flags);

/// Sets the firmware's one-shot tryboot flag: the next reboot reads
/// tryboot.txt instead of config.txt, once. Errors say what failed: the
/// mailbox call, "the firmware could not parse …" (0x80000001), another
/// answer code, or a firmware that left the tag unanswered (too old for
/// tryboot).
[[nodiscard]] Result<void> set_tryboot_flag(Mailbox& mailbox);

}  // namespace cairn::activator
