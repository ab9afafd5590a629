// Reading apt's sources in both of apt's formats, and choosing a mirror.
//
// The one-line format (sources.list(5), "ONE-LINE-STYLE FORMAT") is
//   TYPE [ [ OPTION=VALUE … ] ] URI SUITE [COMPONENT …]
// with '#' starting a comment anywhere on the line. The deb822 format
// ("DEB822-STYLE FORMAT") holds the same data in paragraphs (Types, URIs,
// Suites, Components, Signed-By and option fields) and is read with
// builder/debian/deb822. Both produce `AptSource`; deb822 option fields are
// renamed to their one-line option names through one table, so callers ask
// for "arch" whichever format the entry was written in.
//
// apt itself rejects a file with a malformed entry (and then refuses to run),
// so an error here means apt is broken too; the messages say which entry
// and what it lacks.
#include "builder/debian/apt_sources.hh"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <sys/stat.h>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/lines.hh"
#include "builder/debian/deb822.hh"

namespace cairn::debian {

namespace {

// deb822 option fields and their one-line option names (sources.list(5)).
// Signed-By, Types, URIs, Suites, Components and Enabled are handled apart.
constexpr std::pair<std::string_view, std::string_view> option_names[] = {
    {"Allow-Downgrade-To-Insecure", "allow-downgrade-to-insecure"},
    {"Allow-Insecure", "allow-insecure"},
    {"Allow-Weak", "allow-weak"},
    {"Architectures", "arch"},
    {"Architectures-Add", "arch+"},
    {"Architectures-Remove", "arch-"},
    {"By-Hash", "by-hash"},
    {"Check-Date", "check-date"},
    {"Check-Valid-Until", "check-valid-until"},
    {"Date-Max-Future", "date-max-future"},
    {"InRelease-Path", "inrelease-path"},
    {"Languages", "lang"},
    {"Languages-Add", "lang+"},
    {"Languages-Remove", "lang-"},
    {"PDiffs", "pdiffs"},
    {"Snapshot", "snapshot"},
    {"Targets", "target"},
    {"Targets-Add", "target+"},
    {"Targets-Remove", "target-"},
    {"Trusted", "trusted"},
    {"Valid-Until-Max", "valid-until-max"},
    {"Valid-Until-Min", "valid-until-min"},
};

constexpr std::string_view see_manual = "see sources.list(5)";

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Splits on blanks and, when `commas`, also on ','.
std::vector<std::string> split(std::string_view s, bool commas) {
  std::vector<std::string> out;
  size_t i = 0;
  auto sep = [&](char c) { return is_blank(c) || c == '\n' || (commas && c == ','); };
  while (i < s.size()) {
    while (i < s.size() && sep(s[i])) ++i;
    size_t begin = i;
    while (i < s.size() && !sep(s[i])) ++i;
    if (i > begin) out.emplace_back(s.substr(begin, i - begin));
  }
  return out;
}

std::string join(const std::vector<std::string_view>& words, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) out += sep;
    out += words[i];
  }
  return out;
}

Result<void> check_type(const std::string& type, std::string_view where) {
  if (type == "deb" || type == "deb-src") return {};
  return fail(fmt::format("{}: unknown type `{}' (apt knows `deb' and `deb-src'); {}", where, type, see_manual));
}

// apt's rule: a suite ending in '/' is an exact path and takes no
// components; any other suite needs at least one.
Result<void> check_components(const AptSource& s, std::string_view where) {
  for (const auto& suite : s.suites) {
    bool exact = suite.ends_with('/');
    if (exact && !s.components.empty())
      return fail(fmt::format("{}: suite `{}' is an exact path (it ends in `/'), so it takes no components; "
                              "remove them or the `/'; {}",
                              where, suite, see_manual));
    if (!exact && s.components.empty())
      return fail(fmt::format("{}: suite `{}' has no components; add one such as `main'; {}", where, suite,
                              see_manual));
  }
  return {};
}

// One line of the one-line format; no entry for blank and comment lines.
Result<std::optional<AptSource>> parse_one_line(std::string_view line, std::string_view where) {
  if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
  size_t i = 0;
  auto skip_blanks = [&] {
    while (i < line.size() && is_blank(line[i])) ++i;
  };
  auto word = [&] {
    skip_blanks();
    size_t begin = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    return line.substr(begin, i - begin);
  };

  std::string_view type = word();
  if (type.empty()) return std::nullopt;
  AptSource s;
  s.origin = std::string(where);
  s.types.emplace_back(type);
  if (auto ok = check_type(s.types.back(), where); !ok) return std::unexpected(ok.error());

  skip_blanks();
  if (i < line.size() && line[i] == '[') {
    auto close = line.find(']', i);
    if (close == std::string_view::npos)
      return fail(fmt::format("{}: the options starting with `[' have no closing `]'; {}", where, see_manual));
    for (const auto& option : split(line.substr(i + 1, close - i - 1), false)) {
      auto eq = option.find('=');
      if (eq == std::string::npos || eq == 0)
        return fail(fmt::format("{}: option `{}' is not of the form NAME=VALUE; {}", where, option, see_manual));
      std::string name = lowercase(option.substr(0, eq));
      std::string value = option.substr(eq + 1);
      if (name == "signed-by") {
        for (auto& k : split(value, true)) s.signed_by.push_back(std::move(k));
      } else {
        s.options.emplace_back(std::move(name), std::move(value));
      }
    }
    i = close + 1;
  }

  std::string_view uri = word();
  if (uri.empty())
    return fail(fmt::format("{}: the entry has no URI: expected `{} [OPTIONS] URI SUITE COMPONENT…'; {}", where,
                            type, see_manual));
  s.uris.emplace_back(uri);
  std::string_view suite = word();
  if (suite.empty())
    return fail(fmt::format("{}: the entry has no suite: expected `{} [OPTIONS] URI SUITE COMPONENT…'; {}", where,
                            type, see_manual));
  s.suites.emplace_back(suite);
  for (std::string_view c = word(); !c.empty(); c = word()) s.components.emplace_back(c);
  if (auto ok = check_components(s, where); !ok) return std::unexpected(ok.error());
  return s;
}

// An embedded key block with the deb822 folding undone: one leading blank
// off each continuation line, and `.` for an empty line.
std::string unfold_key(std::string_view value) {
  std::string out;
  for (std::string_view line : split_lines(value)) {
    if (!line.empty() && line.front() == '#') continue;
    if (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
    while (!line.empty() && is_blank(line.back())) line.remove_suffix(1);
    if (line == ".") line = "";
    if (out.empty() && line.empty()) continue;  // the empty first line
    out += line;
    out += '\n';
  }
  return out;
}

bool is_false(std::string_view v) {
  std::string s = lowercase(v);
  return s == "no" || s == "false" || s == "off" || s == "0" || s == "disable";
}

// One paragraph of a .sources file; no entry when it is disabled.
Result<std::optional<AptSource>> parse_deb822_entry(const Paragraph& p, std::string_view file) {
  std::string where = fmt::format("{}:{}", file, p.line());
  if (const Field* enabled = p.find("Enabled"); enabled && is_false(enabled->value)) return std::nullopt;
  AptSource s;
  s.origin = where;
  for (const Field& f : p.fields()) {
    auto words = field_words(f.value);
    auto strings = [&] { return std::vector<std::string>(words.begin(), words.end()); };
    if (field_name_equal(f.name, "Types")) {
      s.types = strings();
    } else if (field_name_equal(f.name, "URIs")) {
      s.uris = strings();
    } else if (field_name_equal(f.name, "Suites")) {
      s.suites = strings();
    } else if (field_name_equal(f.name, "Components")) {
      s.components = strings();
    } else if (field_name_equal(f.name, "Enabled")) {
      // Enabled: yes — nothing to record.
    } else if (field_name_equal(f.name, "Signed-By")) {
      if (f.value.find("-----BEGIN PGP PUBLIC KEY BLOCK-----") != std::string_view::npos)
        s.signed_by_key = unfold_key(f.value);
      else
        s.signed_by = split(f.value, true);
    } else {
      auto known = std::find_if(std::begin(option_names), std::end(option_names),
                                [&](const auto& entry) { return field_name_equal(entry.first, f.name); });
      std::string name = known != std::end(option_names) ? std::string(known->second) : lowercase(f.name);
      s.options.emplace_back(std::move(name), join(words, ","));
    }
  }
  for (auto [field, list] : {std::pair{"Types", &s.types}, {"URIs", &s.uris}, {"Suites", &s.suites}})
    if (list->empty())
      return fail(fmt::format("{}: the entry has no `{}' field; add it or remove the entry; {}", where, field,
                              see_manual));
  for (const auto& type : s.types)
    if (auto ok = check_type(type, where); !ok) return std::unexpected(ok.error());
  if (auto ok = check_components(s, where); !ok) return std::unexpected(ok.error());
  return s;
}

// apt reads only files whose names use these characters and ignores the
// rest (editor backups such as `debian.sources~', for instance).
bool apt_reads_name(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

bool exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

std::string etc_apt(std::string_view root) {
  while (!root.empty() && root.back() == '/') root.remove_suffix(1);
  return fmt::format("{}/etc/apt", root);
}

bool fetchable(std::string_view uri) {
  return uri.starts_with("http://") || uri.starts_with("https://") || uri.starts_with("file:");
}

}  // namespace

bool AptSource::is_binary() const { return std::find(types.begin(), types.end(), "deb") != types.end(); }

std::string_view AptSource::option(std::string_view name) const {
  for (const auto& [n, v] : options)
    if (n == name) return v;
  return {};
}

Result<std::vector<AptSource>> parse_apt_sources(std::string_view text, std::string_view origin, bool deb822) {
  std::vector<AptSource> out;
  if (deb822) {
    Deb822Reader reader(text, std::string(origin));
    Paragraph p;
    while (true) {
      auto more = reader.next(p);
      if (!more) return std::unexpected(more.error());
      if (!*more) break;
      auto entry = parse_deb822_entry(p, origin);
      if (!entry) return std::unexpected(entry.error());
      if (*entry) out.push_back(std::move(**entry));
    }
    return out;
  }
  auto lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto entry = parse_one_line(lines[i], fmt::format("{}:{}", origin, i + 1));
    if (!entry) return std::unexpected(entry.error());
    if (*entry) out.push_back(std::move(**entry));
  }
  return out;
}

Result<std::vector<AptSource>> read_apt_sources(std::string_view root) {
  std::string etc = etc_apt(root);
  std::vector<std::pair<std::string, bool>> files;  // path, deb822
  if (std::string main = etc + "/sources.list"; exists(main)) files.emplace_back(main, false);

  std::string dir = etc + "/sources.list.d";
  std::error_code ec;
  std::vector<std::string> names;
  if (exists(dir)) {
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (!apt_reads_name(name) || !(name.ends_with(".list") || name.ends_with(".sources"))) continue;
      if (std::error_code type_ec; std::filesystem::is_directory(it->path(), type_ec)) continue;
      names.push_back(std::move(name));
    }
    if (ec) return fail(fmt::format("cannot list {}: {}", dir, ec.message()));
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) files.emplace_back(dir + "/" + name, name.ends_with(".sources"));

  std::vector<AptSource> out;
  for (const auto& [path, deb822] : files) {
    auto text = read_file(path);
    if (!text) return std::unexpected(text.error().context("reading apt's sources"));
    auto entries = parse_apt_sources(*text, path, deb822);
    if (!entries) return std::unexpected(entries.error());
    for (auto& e : *entries) out.push_back(std::move(e));
  }
  return out;
}

Result<MirrorChoice> choose_mirror(const std::vector<AptSource>& sources, std::string_view suite) {
  auto choice = [](const AptSource& s, const std::string& uri) {
    MirrorChoice c;
    c.uri = uri;
    while (c.uri.ends_with('/')) c.uri.pop_back();
    for (const auto& k : s.signed_by)
      if (k.starts_with('/')) c.keyrings.push_back(k);
    c.origin = s.origin;
    return c;
  };
  // First pass: an entry carrying the suite; second: any binary entry.
  for (bool need_suite : {true, false}) {
    for (const AptSource& s : sources) {
      if (!s.is_binary()) continue;
      if (need_suite && std::find(s.suites.begin(), s.suites.end(), suite) == s.suites.end()) continue;
      for (const auto& uri : s.uris)
        if (fetchable(uri)) return choice(s, uri);
    }
  }
  return fail("apt's sources have no `deb' entry with an http, https or file URI");
}

Result<MirrorChoice> apt_mirror(std::string_view suite, std::string_view root) {
  std::string etc = etc_apt(root);
  auto context = [&](const Error& e) {
    return std::unexpected(e.context(fmt::format("choosing a Debian mirror for {} from {}/sources.list and "
                                                 "{}/sources.list.d/",
                                                 suite, etc, etc)));
  };
  auto sources = read_apt_sources(root);
  if (!sources) return context(sources.error());
  auto chosen = choose_mirror(*sources, suite);
  if (!chosen)
    return context(Error{chosen.error().message + "; set a mirror in cairn.nix or add one to apt's sources"});
  return chosen;
}

}  // namespace cairn::debian
