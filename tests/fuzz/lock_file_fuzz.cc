// libFuzzer target: cairn.lock → builder/debian/lock_file, and back.
//
// Any text may be rejected (the reader names the member at fault). For a
// lock it accepts, the writer's output must be a fixed point: it parses to
// the same LockFile, and formatting that again gives the same bytes — what
// `cairn lock` writes is what the next build reads, and rewriting a current
// lock never changes the file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "builder/debian/lock_file.hh"
#include "tests/fuzz/fuzz_check.hh"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cairn::fuzz::require;
  using namespace cairn::debian;
  std::string_view text = cairn::fuzz::as_text(data, size);

  auto lock = parse_lock_file(text, "cairn.lock");
  if (!lock) {
    require(lock.error().message.starts_with("cairn.lock"), "errors name the file");
    return 0;
  }
  std::string written = format_lock_file(*lock);
  auto again = parse_lock_file(written, "cairn.lock (written back)");
  require(again.has_value(), "a written lock parses");
  require(*again == *lock, "a written lock reads back the same");
  require(format_lock_file(*again) == written, "writing a lock is stable");
  for (const auto& [name, host] : lock->hosts) {
    for (size_t i = 1; i < host.requested.size(); ++i)
      require(host.requested[i - 1] < host.requested[i], "requested names are sorted and unique");
    // A host's own settings drift only in the index, which the lock need
    // not hold for it.
    auto drift = lock_drift(
        *lock, name, HostPackageConfig{host.suite, host.architecture, host.base, host.recommends, host.requested});
    bool indexed = lock->indexes.contains(index_key(host.suite, host.architecture));
    require(drift.size() == (indexed ? 0u : 1u), "a host's own settings drift from its lock in the index only");
  }
  return 0;
}
