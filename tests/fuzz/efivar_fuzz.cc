// libFuzzer target: systemd-boot's EFI string variables (the bytes of an
// efivarfs file) → bootloader/efivar.
//
// decode_efivar_string reads any bytes the firmware or another program left
// there: 4 bytes of attributes, then UTF-16LE up to a NUL. What it returns
// must be valid UTF-8 without NUL (it goes into file names and messages),
// and must survive the way back: encoding it and decoding again gives the
// same text. The input is also encoded as if it were a value to write:
// decoding that always succeeds, and gives the input back when the input is
// valid UTF-8 without NUL.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bootloader/efivar.hh"
#include "tests/fuzz/fuzz_check.hh"

namespace {

// Strict UTF-8: shortest form, no surrogates, nothing past U+10FFFF, no NUL.
bool valid_utf8_without_nul(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t more;
    uint32_t cp;
    if (c == 0) return false;
    if (c < 0x80) more = 0, cp = c;
    else if (c >= 0xc2 && c <= 0xdf) more = 1, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef) more = 2, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4) more = 3, cp = c & 0x07;
    else return false;
    if (s.size() - i <= more) return false;
    for (size_t k = 1; k <= more; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if ((more == 2 && cp < 0x800) || (more == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += more + 1;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cairn::fuzz::require;
  using namespace cairn::bootloader;
  std::string_view bytes = cairn::fuzz::as_text(data, size);

  if (auto text = decode_efivar_string(bytes)) {
    require(valid_utf8_without_nul(*text), "a decoded variable is valid UTF-8 without NUL");
    auto again = decode_efivar_string(encode_efivar_string(*text));
    require(again.has_value() && *again == *text, "a decoded variable, encoded, decodes the same");
  } else {
    require(bytes.size() < 4 || bytes.size() % 2 != 0, "only a short or odd-sized variable is refused");
  }

  auto round = decode_efivar_string(encode_efivar_string(bytes));
  require(round.has_value(), "an encoded value decodes");
  require(valid_utf8_without_nul(*round), "an encoded value decodes to valid UTF-8");
  if (valid_utf8_without_nul(bytes)) require(*round == bytes, "valid UTF-8 survives encoding and decoding");
  return 0;
}
