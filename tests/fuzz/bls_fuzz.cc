// libFuzzer target: Boot Loader Specification type #1 entries →
// bootloader/bls, both readers and the writer.
//
// The input's first line is the entry's file name ("cairn-7+3-0.conf"), the
// rest its text, so that names and contents are fuzzed together. Checked:
//  - split_entry_name and name_after_boot: a counter survives the boot
//    rename with LEFT down by one (not below 0) and DONE up by one; a
//    cairn name written back by entry_file_name parses to the same values;
//  - read_bls_fields (systemd-boot's lenient reading) never fails, and where
//    parse_entry (cairn's strict reading) accepts a file both see the same
//    title, kernel, initrd and options;
//  - an entry parse_entry accepts and check_entry passes is written by
//    format_entry and read back, under the name entry_file_name gives it,
//    to the same BootEntry — cairn reads what it writes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bootloader/bls.hh"
#include "tests/fuzz/fuzz_check.hh"

namespace {

using cairn::fuzz::require;
using namespace cairn::bootloader;

void check_name(std::string_view name) {
  EntryName split = split_entry_name(name);
  auto renamed = name_after_boot(name);
  require(renamed.has_value() == split.counter.has_value(), "only a counted entry is renamed on boot");
  if (!split.counter) return;
  EntryName after = split_entry_name(*renamed);
  require(after.counter.has_value(), "a renamed entry keeps a counter");
  require(after.stem == split.stem, "the boot rename keeps the stem");
  require(after.counter->left == (split.counter->left > 0 ? split.counter->left - 1 : 0),
          "the boot rename takes one try off");
  require(after.counter->done == std::min(split.counter->done + uint64_t{1}, uint64_t{kMaxCounter}),
          "the boot rename counts one try done");

  if (auto cairn_name = parse_entry_file_name(name)) {
    auto again = parse_entry_file_name(entry_file_name(cairn_name->generation, cairn_name->counter));
    require(again.has_value() && again->generation == cairn_name->generation && again->counter == cairn_name->counter,
            "a cairn entry name, written back, reads the same");
  }
}

void check_entry_text(std::string_view name, std::string_view text) {
  BlsFields fields = read_bls_fields(text);
  auto entry = parse_entry(text, name);
  if (!entry) return;

  require(fields.linux_path.value_or("") == entry->kernel, "both readers see the same kernel");
  require(fields.title.value_or("") == entry->title, "both readers see the same title");
  require(fields.options.value_or("") == entry->options, "both readers see the same options");
  require(fields.initrds.size() <= 1, "a strict entry has at most one initrd");
  require((fields.initrds.empty() ? std::string() : fields.initrds.front()) == entry->initrd,
          "both readers see the same initrd");

  if (!check_entry(*entry)) return;
  std::optional<BootCounter> counter;
  if (entry->tries_left) counter = BootCounter{*entry->tries_left, entry->tries_done};
  std::string file = entry_file_name(entry->generation, counter);
  std::string written = format_entry(*entry);
  auto again = parse_entry(written, file);
  require(again.has_value(), "a checked entry, written, parses");
  require(*again == *entry, "a checked entry, written, reads back the same");
  require(format_entry(*again) == written, "writing an entry is stable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [name, text] = cairn::fuzz::split_first_line(cairn::fuzz::as_text(data, size));
  check_name(name);
  check_entry_text(name, text);
  return 0;
}
