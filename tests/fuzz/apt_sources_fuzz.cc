// libFuzzer target: apt's sources (sources.list(5)) in both formats →
// builder/debian/apt_sources, then the mirror choice.
//
// The input's first byte picks the format — odd: deb822 (`*.sources`),
// even: one-line (`*.list`) — so that one corpus grows both; the rest is
// the file's text. For what is accepted:
//  - every entry has types (each `deb' or `deb-src'), URIs and suites, and
//    a suite ending in '/' takes no components while any other needs one;
//  - a one-line file gives at most one entry per line, each with one type,
//    URI and suite;
//  - an entry written in the other format reads back the same: each
//    one-line entry is written as a deb822 paragraph (Types, URIs, Suites,
//    Components, Signed-By and one field per option) when its words can be
//    written there, and must parse to the same entry — the two readers and
//    the option-name table agree;
//  - choose_mirror returns an http, https or file URI of a `deb' entry,
//    without the trailing '/', and absolute keyrings of that entry only.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "builder/debian/apt_sources.hh"
#include "tests/fuzz/fuzz_check.hh"

namespace {

using cairn::fuzz::require;
using namespace cairn::debian;

// One-line option names and the deb822 fields that hold them where the name
// differs (sources.list(5)); other options keep their name as the field name.
constexpr std::pair<std::string_view, std::string_view> kFieldOf[] = {
    {"arch", "Architectures"},   {"arch+", "Architectures-Add"}, {"arch-", "Architectures-Remove"},
    {"lang", "Languages"},       {"lang+", "Languages-Add"},     {"lang-", "Languages-Remove"},
    {"target", "Targets"},       {"target+", "Targets-Add"},     {"target-", "Targets-Remove"},
};

// Lower-cased deb822 field names that do not hold the one-line option of
// that name: the entry's own fields, and the long names of the options
// above (a one-line `architectures=…' is an unknown option, but the field
// `Architectures' is `arch').
constexpr std::string_view kReserved[] = {
    "types",     "uris",          "suites",           "components",      "signed-by",    "enabled",
    "architectures", "architectures-add", "architectures-remove", "languages", "languages-add",
    "languages-remove", "targets", "targets-add", "targets-remove"};

// A word that deb822 keeps as it is: no blanks, no comment start.
bool plain_word(std::string_view w) {
  if (w.empty() || w.front() == '#') return false;
  return std::none_of(w.begin(), w.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

// An option name that can be a deb822 field name.
bool plain_name(std::string_view n) {
  if (!plain_word(n) || n.find(':') != std::string_view::npos) return false;
  return std::find(std::begin(kReserved), std::end(kReserved), n) == std::end(kReserved);
}

std::string field_of(std::string_view option) {
  for (auto [name, field] : kFieldOf)
    if (name == option) return std::string(field);
  return std::string(option);
}

// The entry as a deb822 paragraph, or "" when a word cannot be written there.
std::string as_deb822(const AptSource& s) {
  std::string out;
  auto list = [&](std::string_view field, const std::vector<std::string>& words, std::string_view sep) {
    if (words.empty()) return true;
    out += std::string(field) + ":";
    for (size_t i = 0; i < words.size(); ++i) {
      if (!plain_word(words[i])) return false;
      out += (i == 0 ? " " : std::string(sep)) + words[i];
    }
    out += "\n";
    return true;
  };
  if (!list("Types", s.types, " ") || !list("URIs", s.uris, " ") || !list("Suites", s.suites, " ") ||
      !list("Components", s.components, " "))
    return "";
  for (const auto& k : s.signed_by)
    if (k.find(',') != std::string::npos || k.find("-----BEGIN PGP PUBLIC KEY BLOCK-----") != std::string::npos)
      return "";
  if (!list("Signed-By", s.signed_by, ",")) return "";
  std::vector<std::string_view> names;
  for (const auto& [name, value] : s.options) {
    // deb822 takes a field once per paragraph; one-line options may repeat.
    if (!plain_name(name) || std::find(names.begin(), names.end(), name) != names.end()) return "";
    names.push_back(name);
    // An empty value is an empty field; a value is one word (commas and all).
    if (!value.empty() && !plain_word(value)) return "";
    out += field_of(name) + ":" + (value.empty() ? "" : " " + value) + "\n";
  }
  return out;
}

bool same_entry(const AptSource& a, const AptSource& b) {
  return a.types == b.types && a.uris == b.uris && a.suites == b.suites && a.components == b.components &&
         a.signed_by == b.signed_by && a.signed_by_key == b.signed_by_key && a.options == b.options;
}

bool fetchable(std::string_view uri) {
  return uri.starts_with("http://") || uri.starts_with("https://") || uri.starts_with("file:");
}

void check_mirror(const std::vector<AptSource>& sources, std::string_view suite) {
  auto chosen = choose_mirror(sources, suite);
  if (!chosen) return;
  require(!chosen->uri.ends_with('/'), "the chosen URI has no trailing '/'");
  bool found = false;
  for (const AptSource& s : sources) {
    if (s.origin != chosen->origin || !s.is_binary()) continue;
    for (const std::string& written : s.uris) {
      std::string u = written;
      while (u.ends_with('/')) u.pop_back();
      found = found || (u == chosen->uri && fetchable(written));
    }
  }
  require(found, "the chosen URI is an http, https or file URI of a deb entry");
  for (const auto& k : chosen->keyrings) require(k.starts_with('/'), "keyrings are absolute paths");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  bool deb822 = (data[0] & 1) != 0;
  std::string_view text = cairn::fuzz::as_text(data + 1, size - 1);

  auto sources = parse_apt_sources(text, "fuzz", deb822);
  if (!sources) return 0;

  size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  if (!deb822) require(sources->size() <= lines, "a one-line file has at most one entry per line");
  for (const AptSource& s : *sources) {
    require(!s.types.empty() && !s.uris.empty() && !s.suites.empty(), "an entry has types, URIs and suites");
    for (const auto& t : s.types) require(t == "deb" || t == "deb-src", "types are deb or deb-src");
    for (const auto& suite : s.suites)
      require(suite.ends_with('/') == s.components.empty(),
              "a suite ending in '/' takes no components, any other needs some");
    if (deb822) continue;
    require(s.types.size() == 1 && s.uris.size() == 1 && s.suites.size() == 1,
            "a one-line entry has one type, URI and suite");

    std::string paragraph = as_deb822(s);
    if (paragraph.empty()) continue;
    auto again = parse_apt_sources(paragraph, "fuzz.sources", true);
    require(again.has_value(), "a one-line entry written as deb822 parses");
    require(again->size() == 1 && same_entry(again->front(), s),
            "a one-line entry written as deb822 reads back the same");
  }

  check_mirror(*sources, "bookworm");
  if (!sources->empty() && !sources->front().suites.empty()) check_mirror(*sources, sources->front().suites.front());
  return 0;
}
