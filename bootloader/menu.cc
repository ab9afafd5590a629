// systemd-boot 252's menu order and default choice, rewritten from its
// sources (see menu.hh for the functions they come from).
#include "bootloader/menu.hh"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace cairn::bootloader {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_version_char(char c) { return is_digit(c) || is_alpha(c) || c == '~' || c == '-' || c == '^' || c == '.'; }

template <class T>
int cmp(const T& a, const T& b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// strcmp16 in systemd-boot: an unset string sorts before any set one.
int compare_optional(const std::optional<std::string>& a, const std::optional<std::string>& b) {
  if (!a || !b) return cmp(a.has_value(), b.has_value());
  return cmp(*a, *b);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// efi_fnmatch_prefix: matches the pattern up to its first '*' against the
// start of `h`. On a '*', sets `p_tail`/`h_tail` to the rest after the stars
// and the haystack there, and reports a match; otherwise the pattern must
// end exactly where the haystack ends.
bool match_prefix(std::string_view p, std::string_view h, std::optional<std::string_view>& p_tail,
                  std::string_view& h_tail) {
  size_t i = 0, j = 0;
  auto hc = [&](size_t k) { return k < h.size() ? h[k] : '\0'; };
  auto pc = [&](size_t k) { return k < p.size() ? p[k] : '\0'; };
  for (;; ++i, ++j) {
    switch (pc(i)) {
      case '\0':
        return hc(j) == '\0';
      case '\\':
        ++i;
        if (pc(i) == '\0' || pc(i) != hc(j)) return false;
        break;
      case '?':
        if (hc(j) == '\0') return false;
        break;
      case '*':
        while (pc(i) == '*') ++i;
        p_tail = p.substr(std::min(i, p.size()));
        h_tail = h.substr(std::min(j, h.size()));
        return true;
      case '[': {
        if (hc(j) == '\0') return false;
        bool first = true, can_range = true, match = false;
        for (;; first = false) {
          ++i;
          if (pc(i) == '\0') return false;
          if (pc(i) == '\\') {
            ++i;
            if (pc(i) == '\0') return false;
            if (pc(i) == hc(j)) match = true;
            can_range = true;
            continue;
          }
          if (pc(i) == ']' && !first) break;
          if (pc(i) == '-' && can_range && !first && pc(i + 1) != ']') {
            char low = pc(i - 1);
            ++i;
            if (pc(i) == '\\') ++i;
            if (pc(i) == '\0') return false;
            if (low <= hc(j) && hc(j) <= pc(i)) match = true;
            can_range = false;  // "[a-c-f]" is "[-abcf]"
            continue;
          }
          if (pc(i) == hc(j)) match = true;
          can_range = true;
        }
        if (!match) return false;
        break;
      }
      default:
        if (pc(i) != hc(j)) return false;
    }
  }
}

// The first index in menu order whose id matches `pattern` (lower-cased as
// systemd-boot does).
std::optional<size_t> find_entry(const std::vector<MenuEntry>& menu, const std::optional<std::string>& pattern) {
  if (!pattern) return std::nullopt;
  std::string p = lower(*pattern);
  for (size_t i = 0; i < menu.size(); ++i)
    if (glob_match(p, menu[i].id)) return i;
  return std::nullopt;
}

}  // namespace

int compare_versions(std::optional<std::string_view> oa, std::optional<std::string_view> ob) {
  // isempty(a) || isempty(b): strcmp_ptr, where unset sorts before "".
  if (!oa || !ob || oa->empty() || ob->empty()) {
    if (!oa || !ob) return cmp(oa.has_value(), ob.has_value());
    return cmp(*oa, *ob);
  }
  std::string_view a = *oa, b = *ob;
  auto at = [](std::string_view s) { return s.empty() ? '\0' : s.front(); };
  for (;;) {
    while (!a.empty() && !is_version_char(a.front())) a.remove_prefix(1);
    while (!b.empty() && !is_version_char(b.front())) b.remove_prefix(1);
    // '~' marks a pre-release: older than anything, even the end.
    if (at(a) == '~' || at(b) == '~') {
      if (int r = cmp(at(a) != '~', at(b) != '~')) return r;
      a.remove_prefix(1), b.remove_prefix(1);
    }
    // One string ended: the longer one is newer.
    if (a.empty() || b.empty()) return cmp(at(a), at(b));
    // '-' (release) is older than '^' (patched) is older than '.' (point).
    for (char sep : {'-', '^', '.'}) {
      if (at(a) == sep || at(b) == sep) {
        if (int r = cmp(at(a) != sep, at(b) != sep)) return r;
        a.remove_prefix(1), b.remove_prefix(1);
      }
    }
    size_t la = 0, lb = 0;
    if (is_digit(at(a)) || is_digit(at(b))) {
      // Numbers: leading zeros do not count, then the longer is larger,
      // then digit by digit. A missing number is older than any.
      while (at(a) == '0') a.remove_prefix(1);
      while (at(b) == '0') b.remove_prefix(1);
      while (la < a.size() && is_digit(a[la])) ++la;
      while (lb < b.size() && is_digit(b[lb])) ++lb;
      if (int r = cmp(la, lb)) return r;
      if (int r = a.substr(0, la).compare(b.substr(0, lb))) return r < 0 ? -1 : 1;
    } else {
      while (la < a.size() && is_alpha(a[la])) ++la;
      while (lb < b.size() && is_alpha(b[lb])) ++lb;
      size_t n = std::min(la, lb);
      if (int r = a.substr(0, n).compare(b.substr(0, n))) return r < 0 ? -1 : 1;
      if (int r = cmp(la, lb)) return r;
    }
    a.remove_prefix(la), b.remove_prefix(lb);
  }
}

int compare_menu_entries(const MenuEntry& a, const MenuEntry& b) {
  if (int r = cmp(a.bad(), b.bad())) return r;
  // Entries with a sort-key come first; two with one sort by it.
  if (int r = cmp(!a.sort_key, !b.sort_key)) return r;
  if (a.sort_key && b.sort_key) {
    if (int r = compare_optional(a.sort_key, b.sort_key)) return r;
    if (int r = compare_optional(a.machine_id, b.machine_id)) return r;
    if (int r = -compare_versions(a.version, b.version)) return r;
  }
  if (int r = -compare_versions(std::string_view(a.id), std::string_view(b.id))) return r;
  if (!a.counter || !b.counter) return 0;
  if (int r = -cmp(a.counter->left, b.counter->left)) return r;
  return cmp(a.counter->done, b.counter->done);
}

void sort_menu(std::vector<MenuEntry>& entries) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const MenuEntry& a, const MenuEntry& b) { return compare_menu_entries(a, b) < 0; });
}

bool glob_match(std::string_view pattern, std::string_view id) {
  // As efi_fnmatch: the part before the first '*' must match the start; each
  // later part is looked for further on, one haystack character at a time,
  // without backtracking.
  for (bool first = true;;) {
    std::optional<std::string_view> p_tail;
    std::string_view h_tail;
    bool match = match_prefix(pattern, id, p_tail, h_tail);
    if (first) {
      if (!match) return false;
      if (!p_tail) return true;
      first = false;
    }
    if (p_tail) {
      pattern = *p_tail;
      id = h_tail;
    } else {
      if (match || id.empty()) return match;
      id.remove_prefix(1);
    }
  }
}

std::optional<size_t> select_default(const std::vector<MenuEntry>& menu, const Selection& s) {
  bool saved_efivar = s.default_efivar && lower(*s.default_efivar) == "@saved";
  bool saved_config = s.default_config && lower(*s.default_config) == "@saved";
  if (auto i = find_entry(menu, saved_efivar ? s.last_booted : s.default_efivar)) return i;
  if (saved_config) {
    if (!saved_efivar)
      if (auto i = find_entry(menu, s.last_booted)) return i;
  } else if (auto i = find_entry(menu, s.default_config)) {
    return i;
  }
  if (menu.empty()) return std::nullopt;
  return 0;
}

std::optional<size_t> select_oneshot(const std::vector<MenuEntry>& menu, const Selection& s) {
  return find_entry(menu, s.oneshot);
}

std::string default_pattern(std::optional<uint64_t> generation) {
  if (!generation) return fmt::format("{}*", kEntryPrefix);
  return fmt::format("{}{}[+.][1-9c]*", kEntryPrefix, *generation);
}

std::string oneshot_pattern(uint64_t generation) { return fmt::format("{}{}[+.]*", kEntryPrefix, generation); }

}  // namespace cairn::bootloader
