// The boot script, its legacy image wrapper and boot.env (uboot_script.hh).
//
// The script is U-Boot hush, not a POSIX shell: `if`/`then`/`else`/`fi`,
// `||`, `setenv` (no value: unset), `env exists`, `test` and `setexpr`.
// Hush expands ${...} when each command runs, so a variable set by one
// command is seen by the next one inside the same `if` block. Only a few
// habits of bash would break it, and the script avoids them: there are no
// empty `then` branches, no `[ ]`, no `$(...)`, no `&&` chains, and no
// apostrophes inside messages.
//
// Memory. Everything the script loads goes to ${pxefile_addr_r}, which both
// boards set (qemu_arm64 0x40300000, rpi_arm64 0x02500000) and sysboot
// reuses for extlinux.conf afterwards; boot.env is a few dozen bytes.
// booti decompresses a gzip'd kernel into ${kernel_comp_addr_r} (up to ten
// times ${kernel_comp_size} bytes) and then moves it to ${kernel_addr_r}.
// The initrd is already at ${ramdisk_addr_r} by then, so the buffer must
// lie above it with room for the initrd: ${ramdisk_addr_r} + 128 MiB
// (0x4c000000 on qemu_arm64, whose RAM starts at 0x40000000, so the guest
// needs about 256 MiB or more; 0x0a700000 on rpi_arm64). kernel_comp_size
// is the largest compressed kernel accepted: 32 MiB, about four times
// Debian's arm64 vmlinuz. A board that sets either variable keeps its value.
#include "bootloader/uboot_script.hh"

#include <algorithm>
#include <array>
#include <vector>

#include <fmt/format.h>

#include "base/lines.hh"

namespace cairn::bootloader {

namespace {

constexpr std::string_view kScript =
    R"hush(# cairn boot counting for U-Boot distro boot. Written by cairn, the same for
# every generation: the state is in /cairn/boot.env, the menu in
# /boot/extlinux/extlinux.conf.
setenv cairn_trial
setenv cairn_left
setenv cairn_oneshot
setenv cairn_label
setenv pxe_label_override
if test -e ${devtype} ${devnum}:${distro_bootpart} /cairn/boot.env; then
  if load ${devtype} ${devnum}:${distro_bootpart} ${pxefile_addr_r} /cairn/boot.env; then
    env import -t ${pxefile_addr_r} ${filesize} cairn_trial cairn_left cairn_oneshot
  fi
else
  echo "cairn: no /cairn/boot.env, so no boot counting"
fi
if env exists cairn_oneshot; then
  setenv cairn_label cairn-${cairn_oneshot}
  echo "cairn: booting generation ${cairn_oneshot} once"
  setenv cairn_oneshot
else
  if env exists cairn_trial; then
    if env exists cairn_left; then
      if test ${cairn_left} -gt 0; then
        setexpr cairn_left ${cairn_left} - 1
        setenv cairn_label cairn-${cairn_trial}
        echo "cairn: trying generation ${cairn_trial} (${cairn_left} tries left)"
      fi
    fi
    env exists cairn_label || echo "cairn: generation ${cairn_trial} used up its tries, booting the default"
  fi
fi
if env exists cairn_label; then
  env export -t ${pxefile_addr_r} cairn_left cairn_oneshot cairn_trial
  if fatwrite ${devtype} ${devnum}:${distro_bootpart} ${pxefile_addr_r} /cairn/boot.env ${filesize}; then
    setenv pxe_label_override ${cairn_label}
  else
    echo "cairn: cannot write /cairn/boot.env, so booting the default instead of ${cairn_label}"
  fi
fi
env exists kernel_comp_addr_r || setexpr kernel_comp_addr_r ${ramdisk_addr_r} + 0x8000000
env exists kernel_comp_size || setenv kernel_comp_size 0x2000000
sysboot ${devtype} ${devnum}:${distro_bootpart} any ${pxefile_addr_r} /boot/extlinux/extlinux.conf
echo "cairn: /boot/extlinux/extlinux.conf did not boot"
)hush";

// The reflected CRC-32 table for polynomial 0xEDB88320.
constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr auto kCrcTable = make_crc_table();

void put_be32(std::string& out, size_t at, uint32_t v) {
  out[at] = static_cast<char>(v >> 24);
  out[at + 1] = static_cast<char>(v >> 16);
  out[at + 2] = static_cast<char>(v >> 8);
  out[at + 3] = static_cast<char>(v);
}

uint32_t get_be32(std::string_view in, size_t at) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(in[at + i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

// Header field offsets (include/image.h, struct legacy_img_hdr).
constexpr size_t kMagicAt = 0, kHcrcAt = 4, kTimeAt = 8, kSizeAt = 12, kLoadAt = 16, kEpAt = 20, kDcrcAt = 24,
                 kOsAt = 28, kArchAt = 29, kTypeAt = 30, kCompAt = 31, kNameAt = 32;

constexpr std::string_view kTrialVar = "cairn_trial", kLeftVar = "cairn_left", kOneshotVar = "cairn_oneshot";

std::optional<uint64_t> parse_number(std::string_view s, int base) {
  if (s.empty() || s.size() > 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return std::nullopt;
    if (base == 10 && v > (UINT64_MAX - static_cast<uint64_t>(d)) / 10) return std::nullopt;
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  return v;
}

}  // namespace

std::string boot_script() { return std::string(kScript); }

uint32_t crc32(std::string_view data, uint32_t crc) {
  crc = ~crc;
  for (char ch : data) crc = kCrcTable[(crc ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

std::string make_script_image(std::string_view script, std::string_view name, uint32_t time) {
  // The data: the image list (one length, then the zero terminator), then
  // the script, unpadded (mkimage pads only images that are not last).
  std::string data(8, '\0');
  put_be32(data, 0, static_cast<uint32_t>(script.size()));
  data += script;

  std::string out(kImageHeaderSize, '\0');
  put_be32(out, kMagicAt, kImageMagic);
  put_be32(out, kTimeAt, time);
  put_be32(out, kSizeAt, static_cast<uint32_t>(data.size()));
  put_be32(out, kDcrcAt, crc32(data));
  out[kOsAt] = static_cast<char>(kImageOsLinux);
  out[kArchAt] = static_cast<char>(kImageArchArm64);
  out[kTypeAt] = static_cast<char>(kImageTypeScript);
  out[kCompAt] = static_cast<char>(kImageCompNone);
  out.replace(kNameAt, std::min(name.size(), kImageNameSize), name.substr(0, kImageNameSize));
  // The header CRC covers the header with its CRC field zero.
  put_be32(out, kHcrcAt, crc32(out));
  return out + data;
}

Result<ScriptImage> read_script_image(std::string_view bytes) {
  if (bytes.size() < kImageHeaderSize)
    return fail(fmt::format("not a U-Boot image: {} bytes, shorter than the {}-byte header", bytes.size(),
                            kImageHeaderSize));
  if (get_be32(bytes, kMagicAt) != kImageMagic)
    return fail(fmt::format("not a U-Boot legacy image: magic is {:#010x}, not {:#010x}", get_be32(bytes, kMagicAt),
                            kImageMagic));
  std::string header(bytes.substr(0, kImageHeaderSize));
  uint32_t hcrc = get_be32(header, kHcrcAt);
  put_be32(header, kHcrcAt, 0);
  if (crc32(header) != hcrc)
    return fail(fmt::format("bad header CRC: {:#010x} recorded, {:#010x} computed", hcrc, crc32(header)));
  uint32_t size = get_be32(bytes, kSizeAt);
  if (bytes.size() - kImageHeaderSize != size)
    return fail(fmt::format("the header says {} data bytes, the file has {}", size, bytes.size() - kImageHeaderSize));
  std::string_view data = bytes.substr(kImageHeaderSize);
  if (crc32(data) != get_be32(bytes, kDcrcAt))
    return fail(fmt::format("bad data CRC: {:#010x} recorded, {:#010x} computed", get_be32(bytes, kDcrcAt),
                            crc32(data)));

  ScriptImage image;
  image.time = get_be32(bytes, kTimeAt);
  image.load = get_be32(bytes, kLoadAt);
  image.entry = get_be32(bytes, kEpAt);
  image.os = static_cast<uint8_t>(bytes[kOsAt]);
  image.arch = static_cast<uint8_t>(bytes[kArchAt]);
  image.type = static_cast<uint8_t>(bytes[kTypeAt]);
  image.comp = static_cast<uint8_t>(bytes[kCompAt]);
  std::string_view name = bytes.substr(kNameAt, kImageNameSize);
  image.name = std::string(name.substr(0, name.find('\0')));
  if (image.type != kImageTypeScript)
    return fail(fmt::format("image type is {}, not {} (script)", image.type, kImageTypeScript));
  if (image.comp != kImageCompNone)
    return fail(fmt::format("image compression is {}, not {} (none)", image.comp, kImageCompNone));

  // The image list: lengths up to a zero; U-Boot's `source` runs the first.
  size_t at = 0;
  std::vector<uint32_t> lengths;
  for (;;) {
    if (at + 4 > data.size()) return fail("the image list has no terminating zero");
    uint32_t len = get_be32(data, at);
    at += 4;
    if (len == 0) break;
    lengths.push_back(len);
  }
  if (lengths.empty()) return fail("the image list is empty");
  if (lengths[0] > data.size() - at)
    return fail(fmt::format("the script is {} bytes, but only {} follow the image list", lengths[0], data.size() - at));
  image.script = std::string(data.substr(at, lengths[0]));
  return image;
}

BootEnv parse_boot_env(std::string_view text) {
  if (auto nul = text.find('\0'); nul != std::string_view::npos) text = text.substr(0, nul);
  BootEnv env;
  for (std::string_view line : split_lines(text)) {
    if (line.ends_with('\r')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    size_t eq = line.find('=');
    std::string_view name = line.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : line.substr(eq + 1);
    if (name == kTrialVar) {
      env.trial = parse_number(value, 10);
    } else if (name == kOneshotVar) {
      env.oneshot = parse_number(value, 10);
    } else if (name == kLeftVar) {
      auto left = parse_number(value, 16);
      env.left = left && *left <= UINT32_MAX ? std::optional<uint32_t>(static_cast<uint32_t>(*left)) : std::nullopt;
    }
  }
  return env;
}

std::string format_boot_env(const BootEnv& env) {
  std::string out;
  // Sorted by name, as `env export` sorts.
  if (env.left) out += fmt::format("{}={:x}\n", kLeftVar, *env.left);
  if (env.oneshot) out += fmt::format("{}={}\n", kOneshotVar, *env.oneshot);
  if (env.trial) out += fmt::format("{}={}\n", kTrialVar, *env.trial);
  out += '\0';
  return out;
}

}  // namespace cairn::bootloader
