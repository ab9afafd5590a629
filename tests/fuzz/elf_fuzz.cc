// libFuzzer target: ELF files → images/elf's parse_elf, which reads the
// programs and libraries of the target system to find what the initramfs
// needs (packages from the archive, so input cairn did not make).
//
// parse_elf takes the whole file as bytes, so no file is written. For a file
// it accepts: the type is ET_EXEC or ET_DYN; a file without PT_DYNAMIC has
// no DT_NEEDED, DT_RUNPATH, DT_RPATH or DT_SONAME; names are not empty and
// hold no NUL (they come from a NUL-terminated string table); and reading
// the same bytes again gives the same result.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "images/elf.hh"
#include "tests/fuzz/fuzz_check.hh"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cairn::fuzz::require;
  using namespace cairn::images;
  std::string_view bytes = cairn::fuzz::as_text(data, size);

  auto info = parse_elf(bytes);
  if (!info) {
    require(!info.error().message.empty(), "a refusal says why");
    return 0;
  }
  require(info->type == 2 || info->type == 3, "only ET_EXEC and ET_DYN are accepted");
  if (!info->dynamic)
    require(info->needed.empty() && info->runpath.empty() && info->rpath.empty() && info->soname.empty(),
            "a file without PT_DYNAMIC has no dynamic entries");
  for (const auto& name : info->needed)
    require(!name.empty() && name.find('\0') == std::string::npos, "DT_NEEDED names are non-empty C strings");
  require(info->soname.find('\0') == std::string::npos, "DT_SONAME is a C string");
  require(info->interpreter.find('\0') == std::string::npos, "PT_INTERP is a C string");
  for (const auto& dir : info->runpath) require(dir.find(':') == std::string::npos, "DT_RUNPATH is split at ':'");
  for (const auto& dir : info->rpath) require(dir.find(':') == std::string::npos, "DT_RPATH is split at ':'");
  machine_name(info->machine);
  multiarch_triplet(info->machine);

  auto again = parse_elf(bytes);
  require(again.has_value() && *again == *info, "reading the same bytes gives the same result");
  return 0;
}
