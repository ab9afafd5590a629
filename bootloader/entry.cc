// The shared entry model's names (entry.hh).
#include "bootloader/entry.hh"

namespace cairn::bootloader {

namespace {

// The one table of EntryState names, in enum order.
constexpr std::string_view kStateNames[] = {"good", "trial", "bad"};

}  // namespace

std::string_view to_string(EntryState state) { return kStateNames[static_cast<size_t>(state)]; }

}  // namespace cairn::bootloader
