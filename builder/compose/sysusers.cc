// sysusers.d parsing (see sysusers.hh). Field splitting follows systemd's
// extract_many_words(…, EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE): blanks separate
// words, quotes group, backslash escapes a character.

#include "builder/compose/sysusers.hh"

#include <charconv>

#include <fmt/format.h>

#include "base/lines.hh"

namespace cairn::compose {

namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The C escape after a backslash ('n' → newline, …); other characters stand
// for themselves.
char unescape(char c) {
  switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case 'a': return '\a';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'v': return '\v';
    default: return c;
  }
}

// Splits a line into words; errors name what is wrong without the place.
Result<std::vector<std::string>> split_words(std::string_view line) {
  std::vector<std::string> words;
  size_t i = 0;
  while (true) {
    while (i < line.size() && blank(line[i])) ++i;
    if (i >= line.size()) break;
    std::string word;
    char quote = 0;
    for (; i < line.size(); ++i) {
      char c = line[i];
      if (c == '\\') {
        if (++i >= line.size()) return fail("a backslash ends the line");
        word += unescape(line[i]);
      } else if (quote) {
        if (c == quote) quote = 0;
        else word += c;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (blank(c)) {
        break;
      } else {
        word += c;
      }
    }
    if (quote) return fail(fmt::format("unterminated {} quote", quote == '"' ? "double" : "single"));
    words.push_back(std::move(word));
  }
  return words;
}

std::optional<uint32_t> parse_id(std::string_view s) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

bool unset(const std::vector<std::string>& w, size_t i) { return i >= w.size() || w[i] == "-"; }

}  // namespace

Result<std::vector<SysusersEntry>> parse_sysusers(std::string_view text, std::string_view where) {
  std::vector<SysusersEntry> out;
  uint32_t line_no = 0;
  for (std::string_view line : split_lines(text)) {
    ++line_no;
    auto problem = [&](std::string_view what) {
      return fail(fmt::format("{}:{}: {}", where, line_no, what));
    };

    size_t first = 0;
    while (first < line.size() && blank(line[first])) ++first;
    if (first == line.size() || line[first] == '#') continue;
    auto words = split_words(line);
    if (!words) return problem(words.error().message);
    const std::vector<std::string>& w = *words;
    if (w.size() < 2) return problem("a line needs at least a type and a name");
    if (w.size() > 6) return problem(fmt::format("unexpected text after the shell: \"{}\"", w[6]));

    SysusersEntry e;
    e.line = line_no;
    e.name = w[1];
    const std::string& type = w[0];
    if (type == "r") continue;  // id ranges: compose allocates from its own range
    if (type != "u" && type != "g" && type != "m")
      return problem(fmt::format("unknown line type '{}' (expected u, g, m or r)", type));
    if (e.name.empty() || e.name == "-") return problem(fmt::format("a '{}' line needs a name", type));
    if (type != "u")
      for (size_t i = 3; i < w.size(); ++i)
        if (w[i] != "-")
          return problem(fmt::format("'{}' lines take no GECOS, home or shell, but this one has \"{}\"",
                                     type, w[i]));

    if (type == "m") {
      e.type = SysusersEntry::Type::member;
      if (unset(w, 2)) return problem(fmt::format("'m' line for {} names no group", e.name));
      e.group = w[2];
      out.push_back(std::move(e));
      continue;
    }

    std::string id = unset(w, 2) ? "" : w[2];
    if (type == "g") {
      e.type = SysusersEntry::Type::group;
      if (!id.empty() && id[0] != '/') {
        e.id = parse_id(id);
        if (!e.id) return problem(fmt::format("invalid gid \"{}\" for group {}", id, e.name));
      }
      out.push_back(std::move(e));
      continue;
    }

    e.type = SysusersEntry::Type::user;
    if (!id.empty() && id[0] != '/') {
      std::string uid = id, gid;
      if (size_t colon = id.find(':'); colon != std::string::npos) {
        uid = id.substr(0, colon);
        gid = id.substr(colon + 1);
        if (gid.empty()) return problem(fmt::format("\"{}\" names no group after the colon", id));
      }
      if (uid != "-") {
        e.id = parse_id(uid);
        if (!e.id) return problem(fmt::format("invalid uid \"{}\" for user {}", uid, e.name));
      }
      if (!gid.empty()) {
        if (auto n = parse_id(gid)) e.gid = n;
        else e.group = gid;
      }
    }
    e.gecos = unset(w, 3) ? "" : w[3];
    e.home = unset(w, 4) ? "/" : w[4];
    e.shell = unset(w, 5) ? (e.id == 0u ? "/bin/sh" : "/usr/sbin/nologin") : w[5];
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace cairn::compose
