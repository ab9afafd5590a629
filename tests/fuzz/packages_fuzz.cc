// libFuzzer target: a Packages index → builder/debian/resolver's Universe
// (libsolv's reader plus cairn's own scan of the fields libsolv drops:
// Essential, Priority, Size), then a resolution.
//
// A Packages file comes from a mirror and is trusted only through its
// hash, so the reader must survive anything. For an index it loads, the
// first few packages named in it are resolved alone (no base set, so that
// the work stays small): a resolution is sorted by name then architecture,
// holds each package once with a reason, includes what was requested, and
// every package in it can explain why it is there.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "builder/debian/deb822.hh"
#include "builder/debian/resolver.hh"
#include "tests/fuzz/fuzz_check.hh"

namespace {

using cairn::fuzz::require;
using namespace cairn::debian;

// Up to `limit` distinct Package names, in file order, as deb822 reads them.
std::vector<std::string> package_names(std::string_view text, size_t limit) {
  std::vector<std::string> names;
  auto paragraphs = parse_deb822(text, "fuzz");
  if (!paragraphs) return names;
  for (const Paragraph& p : *paragraphs) {
    std::string name(p.get("Package"));
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    if (names.size() == limit) break;
  }
  return names;
}

void check_resolution(const Resolution& r, const std::string& requested) {
  require(r.find(requested) != nullptr, "a resolution holds what was requested");
  for (size_t i = 0; i < r.packages.size(); ++i) {
    const ResolvedPackage& p = r.packages[i];
    require(r.reasons.contains(p.name), "every resolved package has a reason");
    require(!r.why(p.name).empty(), "every resolved package can say why it is there");
    if (i > 0) {
      const ResolvedPackage& q = r.packages[i - 1];
      require(q.name < p.name || (q.name == p.name && q.architecture < p.architecture),
              "a resolution is sorted by name, then architecture, without duplicates");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = cairn::fuzz::as_text(data, size);

  UniverseOptions options;
  options.architecture = "amd64";
  auto universe = Universe::from_text({text}, options);
  if (!universe) return 0;

  for (const std::string& name : package_names(text, 3)) {
    universe->close_names(name, 3);
    if (!universe->contains(name)) continue;
    ResolveRequest request;
    request.packages = {name};
    request.base = BaseSet::none;
    if (auto r = universe->resolve(request)) check_resolution(*r, name);
  }
  return 0;
}
