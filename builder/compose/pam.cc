// pam-auth-update, transcribed (see pam.hh). The comments name the Perl
// subroutine each part follows; where Perl's semantics are subtle (regular
// expression backtracking, numeric conversion of strings, truth of "")
// the code spells out what Perl does.

#include "builder/compose/pam.hh"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <fmt/format.h>

namespace cairn::compose {

namespace {

// Perl's \s.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// The text split after each '\n', as Perl's `while (<FH>)` reads it: every
// line keeps its newline, the last one may lack it.
std::vector<std::string_view> perl_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    size_t len = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(0, len));
    text.remove_prefix(len);
  }
  return lines;
}

// The non-empty pieces of `text` between newlines (Perl's split("\n+", …),
// which is what split("\n", …) gives too for the values parse_pam_profile
// builds: they never hold an empty line).
std::vector<std::string_view> value_lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    if (nl > start) out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// /^(\S+):\s+(.*)\s*$/ on a line that still has its newline: the longest
// run of non-blanks from the start that ends in ':' followed by a blank
// (regex backtracking picks the rightmost such colon), then the value up to
// the newline after skipping blanks (and the newline itself, when nothing
// follows). Returns false when the line is not a field line.
bool field_line(std::string_view line, std::string& name, std::string& value) {
  size_t run = 0;
  while (run < line.size() && !is_space(line[run])) ++run;
  for (size_t k = run; k-- > 1;) {
    if (line[k] != ':' || k + 1 >= line.size() || !is_space(line[k + 1])) continue;
    name = std::string(line.substr(0, k));
    size_t v = k + 1;
    while (v < line.size() && is_space(line[v])) ++v;
    size_t end = line.find('\n', v);
    value = std::string(line.substr(v, end == std::string_view::npos ? end : end - v));
    return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Perl's numeric value of a string: leading blanks, then the longest prefix
// that reads as a decimal number; 0 when there is none ("abc", "0x10").
double perl_number(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  size_t start = i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  }
  if (digits == 0) return 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    if (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      i = j;
    }
  }
  return std::strtod(std::string(s.substr(start, i - start)).c_str(), nullptr);
}

// A field's value, or null when Perl would see undef.
const std::string* field(const PamProfile& p, const std::string& name) {
  auto it = p.fields.find(name);
  return it == p.fields.end() ? nullptr : &it->second;
}

// Perl truth of a string: undef, "" and "0" are false.
bool truthy(const std::string* s) { return s && !s->empty() && *s != "0"; }

double priority(const PamProfile& p) {
  const std::string* v = field(p, "Priority");
  return v ? perl_number(*v) : 0;
}

// "auth" → "Auth", "session-noninteractive" → "Session-noninteractive".
std::string ucfirst(std::string_view s) {
  std::string out(s);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// lines_for_module_and_type: the -Initial variant for the first module of
// a block, when it has one.
const std::string* lines_for(const PamProfile& p, const std::string& uctype, int pos) {
  if (pos == 0) {
    const std::string* initial = field(p, uctype + "-Initial");
    if (truthy(initial)) return initial;
  }
  return field(p, uctype);
}

// merge_one_line without local edits: "control module" with every "end"
// turned into `count`, then the options, joined by single spaces after one
// space (so a line without options ends in a space, as Debian's do).
std::string merge_one_line(std::string_view line, int count) {
  // /^((\[[^]]+\]|\w+)\s+\S+)\s*(.*)/
  size_t i = 0;
  if (!line.empty() && line[0] == '[') {
    size_t close = line.find(']', 1);
    i = (close == std::string_view::npos || close == 1) ? 0 : close + 1;
  } else {
    while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_'))
      ++i;
  }
  size_t blanks = i;
  while (blanks < line.size() && is_space(line[blanks])) ++blanks;
  size_t module_end = blanks;
  while (module_end < line.size() && !is_space(line[module_end])) ++module_end;
  std::string modline;
  std::string_view rest;
  if (i > 0 && blanks > i && module_end > blanks) {
    modline = std::string(line.substr(0, module_end));
    rest = line.substr(module_end);
  } else {
    // Not a PAM line; Perl would reuse the previous match. Keep it whole.
    modline = std::string(line);
  }
  std::string number = std::to_string(count);
  for (size_t at = modline.find("end"); at != std::string::npos; at = modline.find("end", at)) {
    modline.replace(at, 3, number);
    at += number.size();
  }
  std::string out = modline + " ";
  bool first = true;
  for (size_t p = 0; p < rest.size();) {
    while (p < rest.size() && is_space(rest[p])) ++p;
    size_t q = p;
    while (q < rest.size() && !is_space(rest[q])) ++q;
    if (q > p) {
      if (!first) out += ' ';
      out.append(rest.substr(p, q - p));
      first = false;
    }
    p = q;
  }
  return out + "\n";
}

bool starts_with(std::string_view line, std::string_view prefix) {
  return line.substr(0, prefix.size()) == prefix;
}

constexpr std::string_view kPrimaryMarker = "# here are the per-package modules (the \"Primary\" block)";
constexpr std::string_view kFallbackMarker = "# here's the fallback if no module succeeds";
constexpr std::string_view kAdditionalMarker =
    "# and here are more per-package modules (the \"Additional\" block)";
constexpr std::string_view kEndMarker = "# end of pam-auth-update config";

}  // namespace

// parse_pam_profile
PamProfile parse_pam_profile(std::string name, std::string_view text) {
  PamProfile p;
  p.name = std::move(name);
  std::string current;
  for (std::string_view line : perl_lines(text)) {
    std::string fname, value;
    if (field_line(line, fname, value)) {
      if (fname.size() >= 6 && fname.ends_with("-Final")) fname.resize(fname.size() - 6);
      current = fname;
      if (fname == "Conflicts") {
        // split(/, /, …), which drops trailing empty fields.
        std::vector<std::string> names;
        for (size_t start = 0;;) {
          size_t at = value.find(", ", start);
          names.push_back(value.substr(start, at == std::string::npos ? at : at - start));
          if (at == std::string::npos) break;
          start = at + 2;
        }
        while (!names.empty() && names.back().empty()) names.pop_back();
        p.conflicts.insert(names.begin(), names.end());
      } else {
        p.fields[fname] = value;
      }
      continue;
    }
    std::string_view content = trim(line);
    auto it = p.fields.find(current);
    if (!content.empty()) {
      if (it == p.fields.end()) it = p.fields.emplace(current, "").first;
      it->second += "\n";
      it->second += content;
    }
    if (it == p.fields.end()) continue;
    if (it->second.find("pam_tally") != std::string::npos) p.disabled = true;
    size_t lead = 0;
    while (lead < it->second.size() && is_space(it->second[lead])) ++lead;
    it->second.erase(0, lead);
  }
  // Without Session-Interactive-Only, the session lines serve the
  // non-interactive stack too.
  if (!p.fields.count("Session-Interactive-Only")) {
    for (const char* suffix : {"-Type", "", "-Initial"}) {
      auto it = p.fields.find(std::string("Session") + suffix);
      if (it != p.fields.end()) p.fields[std::string("Session-noninteractive") + suffix] = it->second;
    }
  }
  return p;
}

bool pam_profile_name_ok(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  if (name.back() == '~') return false;
  if (name.size() >= 3 && name.front() == '#' && name.back() == '#') return false;
  return true;
}

std::vector<std::string> pam_default_profiles(const std::vector<PamProfile>& profiles) {
  std::vector<const PamProfile*> enabled;
  for (const PamProfile& p : profiles) {
    const std::string* def = field(p, "Default");
    if (!p.disabled && def && *def == "yes") enabled.push_back(&p);
  }
  std::stable_sort(enabled.begin(), enabled.end(), [](const PamProfile* a, const PamProfile* b) {
    double pa = priority(*a), pb = priority(*b);
    return pa != pb ? pa > pb : a->name > b->name;
  });
  enabled.erase(std::unique(enabled.begin(), enabled.end(),
                            [](const PamProfile* a, const PamProfile* b) { return a->name == b->name; }),
                enabled.end());
  // For each kept profile (in order), drop what it conflicts with, and
  // repeat until a round finds no conflict (pam-auth-update asks debconf
  // again after each round with conflicts). Perl's foreach walks the array
  // by index while the loop splices it, so removing an entry before the
  // current one makes it skip the next; so does this.
  for (bool conflicts = true; conflicts;) {
    conflicts = false;
    for (size_t i = 0; i < enabled.size(); ++i) {
      const PamProfile* elem = enabled[i];
      for (size_t j = enabled.size(); j-- > 0;)
        if (elem->conflicts.count(enabled[j]->name)) {
          enabled.erase(enabled.begin() + static_cast<std::ptrdiff_t>(j));
          conflicts = true;
        }
    }
  }
  std::vector<std::string> names;
  for (const PamProfile* p : enabled) names.push_back(p->name);
  return names;
}

// create_from_template
Result<std::string> pam_common_file(std::string_view type, std::string_view template_text,
                                    const std::vector<PamProfile>& profiles,
                                    const std::vector<std::string>& enabled) {
  std::map<std::string_view, const PamProfile*> by_name;
  for (const PamProfile& p : profiles) by_name.emplace(p.name, &p);
  std::vector<const PamProfile*> stack;
  for (const std::string& name : enabled) {
    auto it = by_name.find(name);
    if (it != by_name.end()) stack.push_back(it->second);
  }

  const std::string uctype = ucfirst(type);
  const std::string word(type.substr(0, type.find("-noninteractive")));
  const std::string type_key = uctype + "-Type";

  // The modules of one block with their lines, and the jump count.
  auto emit_block = [&](std::string_view block, std::string& out) {
    std::vector<std::vector<std::string_view>> lines;
    int count = 0;
    int pos = 0;
    for (const PamProfile* p : stack) {
      const std::string* t = field(*p, type_key);
      if (!truthy(t) || *t != block) continue;
      const std::string* text = lines_for(*p, uctype, pos++);
      lines.push_back(text ? value_lines(*text) : std::vector<std::string_view>{});
      count += static_cast<int>(lines.back().size());
    }
    // "in case anything tries to jump in the 'additional' block, let's try
    // not to jump off the stack"
    if (block == "Additional") --count;
    if (block == "Primary" && count == 0) out += word + "\t[default=1]\t\t\tpam_permit.so\n";
    for (const auto& module : lines)
      for (std::string_view line : module) {
        out += word + "\t" + merge_one_line(line, count);
        --count;
      }
  };

  std::string out;
  int state = 0;
  for (std::string_view line : perl_lines(template_text)) {
    if (state == 1) {
      if (starts_with(line, kFallbackMarker)) {
        out += line;
        ++state;
      }
      continue;
    }
    if (state == 3) {
      if (starts_with(line, kEndMarker)) {
        out += line;
        ++state;
      }
      continue;
    }
    out += line;
    if (state == 0 && starts_with(line, kPrimaryMarker)) {
      emit_block("Primary", out);
      ++state;
    } else if (state == 2 && starts_with(line, kAdditionalMarker)) {
      emit_block("Additional", out);
      ++state;
    }
  }
  if (state < 4) {
    static constexpr std::string_view kMissing[] = {kPrimaryMarker, kFallbackMarker,
                                                    kAdditionalMarker, kEndMarker};
    return fail(fmt::format(
        "the template of common-{} lacks the line \"{}\" (or has its markers out of order); "
        "pam-auth-update cannot fill it in either — check the libpam-runtime package",
        type, kMissing[state]));
  }
  return out;
}

Result<void> compose_pam(RootTree& tree) {
  if (!tree.find("usr/share/pam/common-auth")) return {};
  std::vector<PamProfile> profiles;
  for (const std::string& path : tree.list("usr/share/pam-configs")) {
    std::string name = path.substr(path.rfind('/') + 1);
    if (!pam_profile_name_ok(name)) continue;
    const Node* node = tree.resolve(path);
    if (!node || node->type != EntryType::file) continue;
    auto text = tree.read(path);
    if (!text) return std::unexpected(text.error().context("reading the PAM profile"));
    profiles.push_back(parse_pam_profile(std::move(name), *text));
  }
  std::vector<std::string> enabled = pam_default_profiles(profiles);
  // pam-auth-update refuses an empty selection (it asks again, forever when
  // nobody answers); the files it would otherwise write let anybody in.
  if (enabled.empty())
    return fail("no profile in usr/share/pam-configs has \"Default: yes\", and common-* files "
                "without one would let anybody log in without a password; pam-auth-update "
                "refuses such a selection too — check that libpam-runtime's unix profile is in "
                "the tree");

  std::vector<std::pair<std::string, std::string>> files;
  for (std::string_view type : kPamTypes) {
    std::string template_path = fmt::format("usr/share/pam/common-{}", type);
    auto tmpl = tree.read(template_path);
    if (!tmpl)
      return fail(fmt::format("reading {}: {}; it is part of libpam-runtime, whose common-auth "
                              "template is present — is the package's store entry damaged?",
                              template_path, tmpl.error().message));
    auto text = pam_common_file(type, *tmpl, profiles, enabled);
    if (!text) return fail(text.error().context(template_path).message);
    files.emplace_back(fmt::format("etc/pam.d/common-{}", type), std::move(*text));
  }
  for (auto& [path, text] : files) tree.set_file(path, std::move(text));
  return {};
}

}  // namespace cairn::compose
