// libFuzzer target: InRelease files → builder/debian/release, without gpgv.
//
// Two readers see every input:
//  - verify_inrelease with no keyring: the clearsigned envelope is taken
//    apart (the only code that reads the file before its signature is
//    checked, so the most exposed) and then the check must refuse the file
//    for want of a keyring, before any gpgv runs. PATH is emptied too, so
//    gpgv could not run even if the order of the checks changed. Property: a
//    file is never accepted without a keyring.
//  - parse_release on the input as if it were the signed text gpgv
//    returned. For what it accepts: Date and SHA256 are there, Suite or
//    Codename is set, every SHA256 entry is 64 lowercase hex digits; Date
//    formatted back reads back to the same time; packages_index finds only
//    listed files; check_valid_until agrees with Valid-Until.
// Release dates are also read on their own (the first line of the input as
// a date) with the same round trip.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "builder/debian/release.hh"
#include "tests/fuzz/fuzz_check.hh"

namespace {

using cairn::fuzz::require;
using namespace cairn::debian;

bool lower_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

void check_date(std::string_view text) {
  auto t = parse_release_date(text);
  if (!t) return;
  std::string written = format_release_date(*t);
  auto again = parse_release_date(written);
  require(again.has_value(), "a formatted date parses");
  require(*again == *t, "a formatted date reads back to the same time");
  require(format_release_date(*again) == written, "formatting a date is stable");
}

void check_release(const Release& r, std::string_view text) {
  require(!r.suite.empty() || !r.codename.empty(), "a Release names its suite or codename");
  require(!r.date.empty(), "a Release has a Date");
  require(r.text == text, "the Release keeps the text it was parsed from");
  require(r.inrelease_sha256.empty() && r.signers.empty(), "parse_release claims no signature");
  require(!r.files.empty(), "a Release lists files");
  for (const IndexFile& f : r.files) {
    require(lower_hex64(f.sha256), "SHA256 entries are 64 lowercase hex digits");
    require(!f.path.empty(), "SHA256 entries name a file");
    require(r.find(f.path) != nullptr, "find() finds every listed file");
  }
  check_date(r.date);
  if (r.valid_until_time) {
    require(!r.valid_until.empty(), "a Valid-Until time comes from a Valid-Until field");
    require(check_valid_until(r, *r.valid_until_time).has_value(), "a Release is valid at its Valid-Until");
    require(!check_valid_until(r, *r.valid_until_time + std::chrono::seconds(1)).has_value(),
            "a Release is expired after its Valid-Until");
  } else {
    require(check_valid_until(r, std::chrono::sys_seconds::max()).has_value(),
            "a Release without Valid-Until never expires");
  }
  for (const auto& component : r.components)
    for (const auto& arch : r.architectures) {
      auto index = packages_index(r, component, arch);
      if (!index) continue;
      const IndexFile* listed = r.find(index->path);
      require(listed != nullptr && listed->sha256 == index->sha256 && listed->size == index->size,
              "packages_index returns a listed file");
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // verify_inrelease runs gpgv by name; with no PATH there is none to run.
  setenv("PATH", "/nonexistent", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = cairn::fuzz::as_text(data, size);

  ReleaseCheck no_keyring;
  no_keyring.keyrings.clear();
  no_keyring.now = std::chrono::sys_seconds{};
  auto verified = verify_inrelease(text, "fuzz", no_keyring);
  require(!verified.has_value(), "an InRelease is never accepted without a keyring");

  if (auto release = parse_release(text, "fuzz")) check_release(*release, text);

  check_date(cairn::fuzz::split_first_line(text).first);
  return 0;
}
