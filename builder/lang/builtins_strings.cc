// String builtins: stringLength, substring, replaceStrings,
// concatStringsSep, toString, baseNameOf, dirOf, splitVersion,
// compareVersions, parseDrvName, hashString, and the string-context
// builtins (hasContext, getContext, appendContext,
// unsafeDiscardStringContext, unsafeDiscardOutputDependency).
//
// cairn strings carry no store context (value.hh), so the context builtins
// are identities or report an empty context; they exist so that nixpkgs-style
// code which calls them still evaluates.
//
// Speed matters here: package sets build and join hundreds of thousands of
// strings. Results are written straight into the arena where their size is
// known up front (concatStringsSep measures first, then copies once), and a
// result that is the tail of an existing string (substring to the end, an
// unchanged replaceStrings) shares that string's bytes: arena strings are
// NUL-terminated and immutable, so a tail is a valid string in its own right.
//
// Laziness follows Nix ≥ 2.16: replaceStrings forces a replacement only
// when its pattern matches (Nix 2.8 forced them all).
#include <openssl/evp.h>

#include <bitset>
#include <cctype>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "builder/lang/builtins.hh"
#include "builder/lang/eval.hh"

namespace cairn::lang {

namespace {

/// The characters of a string-like value, as Nix's coerceToString sees them
/// (strings, paths, sets with __toString or outPath). Strings are returned
/// without a copy; anything else is coerced into `storage`.
std::string_view coerce_view(EvalState& state, Value& v, PosIdx pos, std::string& storage,
                             std::string_view context, CoerceOptions opts = {}) {
  state.force(v, pos);
  if (v.type == Type::String) return v.string_view();
  storage = state.coerce_to_string(v, pos, opts, context);
  return storage;
}

/// Makes `out` the string `s`, sharing the bytes of `source` when `s` is a
/// tail of it (and so NUL-terminated), copying into the arena otherwise.
void mk_string_from(EvalState& state, Value& out, Value& source, std::string_view s) {
  if (source.type == Type::String && s.data() + s.size() == source.str.data + source.str.len &&
      s.data() >= source.str.data) {
    out.mk_string_raw(s.data(), s.size());
    return;
  }
  state.mk_string(out, s);
}

void prim_string_length(EvalState& state, PosIdx pos, Value** args, Value& out) {
  std::string storage;
  auto s = coerce_view(state, *args[0], pos, storage,
                       "while evaluating the argument passed to builtins.stringLength");
  out.mk_int(static_cast<int64_t>(s.size()));
}

void prim_substring(EvalState& state, PosIdx pos, Value** args, Value& out) {
  int64_t start = state.force_int(*args[0], pos, "while evaluating the first argument (the start offset) passed to builtins.substring");
  if (start < 0) throw EvalError("negative start position in 'substring'", pos);
  int64_t len = state.force_int(*args[1], pos, "while evaluating the second argument (the substring length) passed to builtins.substring");
  // A negative length is the idiom for "to the end of the string".
  if (len < 0) len = std::numeric_limits<int64_t>::max();
  std::string storage;
  auto s = coerce_view(state, *args[2], pos, storage,
                       "while evaluating the third argument (the string) passed to builtins.substring");
  if (static_cast<uint64_t>(start) >= s.size()) {
    out.mk_string_raw("", 0);
    return;
  }
  mk_string_from(state, out, *args[2], s.substr(static_cast<size_t>(start), static_cast<uint64_t>(len)));
}

void prim_replace_strings(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_list(*args[0], pos, "while evaluating the first argument passed to builtins.replaceStrings");
  state.force_list(*args[1], pos, "while evaluating the second argument passed to builtins.replaceStrings");
  const size_t n = args[0]->list.size;
  if (n != args[1]->list.size)
    throw EvalError("'from' and 'to' arguments to 'replaceStrings' have different lengths", pos);

  std::vector<std::string_view> from(n);
  bool has_empty = false;
  std::bitset<256> first_bytes;  // first byte of each non-empty pattern
  for (size_t i = 0; i < n; ++i) {
    from[i] = state.force_string(*args[0]->list.elems[i], pos,
                                 "while evaluating one of the strings to replace passed to builtins.replaceStrings");
    if (from[i].empty()) has_empty = true;
    else first_bytes.set(static_cast<unsigned char>(from[i][0]));
  }
  // Replacements are forced on first use only (Nix ≥ 2.16).
  std::vector<std::optional<std::string_view>> to(n);
  auto replacement = [&](size_t i) {
    if (!to[i])
      to[i] = state.force_string(*args[1]->list.elems[i], pos,
                                 "while evaluating one of the replacement strings passed to builtins.replaceStrings");
    return *to[i];
  };

  const std::string_view s = state.force_string(*args[2], pos, "while evaluating the third argument passed to builtins.replaceStrings");
  std::string res;
  res.reserve(s.size());
  bool changed = false;
  // Up to and including s.size(): an empty pattern also matches at the end.
  for (size_t p = 0; p <= s.size();) {
    if (!has_empty) {
      // Skip ahead to the next byte that can start a match.
      size_t q = p;
      while (q < s.size() && !first_bytes[static_cast<unsigned char>(s[q])]) ++q;
      res.append(s.data() + p, q - p);
      p = q;
      if (p == s.size()) break;
    }
    bool found = false;
    for (size_t i = 0; i < n; ++i) {
      if (s.compare(p, from[i].size(), from[i]) != 0) continue;
      found = changed = true;
      res += replacement(i);
      if (from[i].empty()) {
        // An empty match consumes nothing: keep the byte and move on.
        if (p < s.size()) res += s[p];
        ++p;
      } else {
        p += from[i].size();
      }
      break;
    }
    if (!found) {
      if (p < s.size()) res += s[p];
      ++p;
    }
  }
  if (!changed) {
    out = *args[2];  // strings are immutable: share the original
    return;
  }
  state.mk_string(out, res);
}

void prim_concat_strings_sep(EvalState& state, PosIdx pos, Value** args, Value& out) {
  const std::string_view sep = state.force_string(*args[0], pos, "while evaluating the first argument (the separator string) passed to builtins.concatStringsSep");
  state.force_list(*args[1], pos, "while evaluating the second argument (the list of strings to concat) passed to builtins.concatStringsSep");
  const size_t n = args[1]->list.size;
  // Measure first, then copy once into the arena: linear, one allocation.
  std::vector<std::string_view> parts(n);
  size_t total = n ? sep.size() * (n - 1) : 0;
  for (size_t i = 0; i < n; ++i) {
    Value& e = *args[1]->list.elems[i];
    state.force(e, pos);
    if (e.type == Type::String) {
      parts[i] = e.string_view();
    } else {
      std::string s = state.coerce_to_string(e, pos, {}, "while evaluating one element of the list of strings to concat passed to builtins.concatStringsSep");
      parts[i] = {state.arena.copy_string(s), s.size()};
    }
    total += parts[i].size();
  }
  if (n == 1) {
    mk_string_from(state, out, *args[1]->list.elems[0], parts[0]);
    return;
  }
  char* buf = static_cast<char*>(state.arena.allocate(total + 1));
  char* p = buf;
  for (size_t i = 0; i < n; ++i) {
    if (i) {
      std::memcpy(p, sep.data(), sep.size());
      p += sep.size();
    }
    std::memcpy(p, parts[i].data(), parts[i].size());
    p += parts[i].size();
  }
  *p = '\0';
  out.mk_string_raw(buf, total);
}

void prim_to_string(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force(*args[0], pos);
  if (args[0]->type == Type::String) {
    out = *args[0];
    return;
  }
  CoerceOptions opts;
  opts.coerce_more = true;
  state.mk_string(out, state.coerce_to_string(*args[0], pos, opts, "while evaluating the first argument passed to builtins.toString"));
}

/// Nix's baseNameOf: the last component, ignoring one trailing slash
/// ("a/" → "a", but "a//" → "").
std::string_view base_name(std::string_view path) {
  if (path.empty()) return path;
  size_t last = path.size() - 1;
  if (path[last] == '/' && last > 0) --last;
  size_t slash = path.rfind('/', last);
  size_t start = slash == std::string_view::npos ? 0 : slash + 1;
  return path.substr(start, last - start + 1);
}

void prim_base_name_of(EvalState& state, PosIdx pos, Value** args, Value& out) {
  std::string storage;
  auto s = coerce_view(state, *args[0], pos, storage, "while evaluating the first argument passed to builtins.baseNameOf");
  mk_string_from(state, out, *args[0], base_name(s));
}

/// Everything before the last slash: "." without one, "/" for a top-level
/// name. Canonical paths have no trailing slash, so this is also a path's
/// parent directory.
std::string_view dir_name(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  return slash == 0 ? std::string_view("/") : path.substr(0, slash);
}

void prim_dir_of(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force(*args[0], pos);
  if (args[0]->type == Type::Path) {
    state.mk_path(out, dir_name(args[0]->string_view()));
    return;
  }
  std::string storage;
  auto s = coerce_view(state, *args[0], pos, storage, "while evaluating the first argument passed to builtins.dirOf");
  state.mk_string(out, dir_name(s));
}

// ---- versions ------------------------------------------------------------------

/// The next version component at `p`: a run of digits, or a run of
/// characters that are neither digits nor separators ('.' and '-').
/// Leading separators are skipped; "" at the end.
std::string_view next_component(std::string_view s, size_t& p) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (p < s.size() && (s[p] == '.' || s[p] == '-')) ++p;
  size_t start = p;
  if (p < s.size() && digit(s[p])) {
    while (p < s.size() && digit(s[p])) ++p;
  } else {
    while (p < s.size() && !digit(s[p]) && s[p] != '.' && s[p] != '-') ++p;
  }
  return s.substr(start, p - start);
}

/// A component's numeric value when it is all digits and fits in an int
/// (as Nix's string2Int<int>); longer runs compare as strings.
std::optional<int> component_number(std::string_view c) {
  if (c.empty()) return std::nullopt;
  int64_t n = 0;
  for (char ch : c) {
    if (ch < '0' || ch > '9') return std::nullopt;
    n = n * 10 + (ch - '0');
    if (n > std::numeric_limits<int>::max()) return std::nullopt;
  }
  return static_cast<int>(n);
}

/// Nix's ordering of version components: numbers numerically, a missing
/// component below a number, "pre" below everything else, letters below
/// numbers ("2.3a" < "2.3.1"), other strings by bytes.
bool component_less(std::string_view c1, std::string_view c2) {
  auto n1 = component_number(c1);
  auto n2 = component_number(c2);
  if (n1 && n2) return *n1 < *n2;
  if (c1.empty() && n2) return true;
  if (c1 == "pre" && c2 != "pre") return true;
  if (c2 == "pre") return false;
  if (n2) return true;
  if (n1) return false;
  return c1 < c2;
}

int compare_versions(std::string_view v1, std::string_view v2) {
  size_t p1 = 0, p2 = 0;
  while (p1 < v1.size() || p2 < v2.size()) {
    auto c1 = next_component(v1, p1);
    auto c2 = next_component(v2, p2);
    if (component_less(c1, c2)) return -1;
    if (component_less(c2, c1)) return 1;
  }
  return 0;
}

void prim_compare_versions(EvalState& state, PosIdx pos, Value** args, Value& out) {
  auto v1 = state.force_string(*args[0], pos, "while evaluating the first argument passed to builtins.compareVersions");
  auto v2 = state.force_string(*args[1], pos, "while evaluating the second argument passed to builtins.compareVersions");
  out.mk_int(compare_versions(v1, v2));
}

void prim_split_version(EvalState& state, PosIdx pos, Value** args, Value& out) {
  auto version = state.force_string(*args[0], pos, "while evaluating the first argument passed to builtins.splitVersion");
  std::vector<std::string_view> components;
  for (size_t p = 0; p < version.size();) {
    auto c = next_component(version, p);
    if (c.empty()) break;
    components.push_back(c);
  }
  state.mk_list(out, components.size());
  for (size_t i = 0; i < components.size(); ++i) out.list.elems[i] = state.new_string(components[i]);
}

void prim_parse_drv_name(EvalState& state, PosIdx pos, Value** args, Value& out) {
  auto s = state.force_string(*args[0], pos, "while evaluating the first argument passed to builtins.parseDrvName");
  // The name ends at the first dash followed by something other than a
  // letter ("xf86-video-i810-1.7.4" → "xf86-video-i810", "1.7.4").
  std::string_view name = s, version;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '-' && i + 1 < s.size() && !std::isalpha(static_cast<unsigned char>(s[i + 1]))) {
      name = s.substr(0, i);
      version = s.substr(i + 1);
      break;
    }
  }
  BindingsBuilder b(state, 2);
  state.mk_string(b.alloc(state.s.name), name);
  mk_string_from(state, b.alloc("version"), *args[0], version);
  out.mk_attrs(b.finish());
}

// ---- hashes ------------------------------------------------------------------------

void prim_hash_string(EvalState& state, PosIdx pos, Value** args, Value& out) {
  auto type = state.force_string(*args[0], pos, "while evaluating the first argument passed to builtins.hashString");
  const EVP_MD* md = type == "md5"      ? EVP_md5()
                     : type == "sha1"   ? EVP_sha1()
                     : type == "sha256" ? EVP_sha256()
                     : type == "sha512" ? EVP_sha512()
                                        : nullptr;
  if (!md) throw EvalError("unknown hash algorithm '" + std::string(type) + "'", pos);
  auto s = state.force_string(*args[1], pos, "while evaluating the second argument passed to builtins.hashString");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(s.data(), s.size(), digest, &len, md, nullptr))
    throw EvalError("computing the " + std::string(type) + " hash failed", pos);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(len * 2, '\0');
  for (unsigned int i = 0; i < len; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  state.mk_string(out, hex);
}

// ---- string context ---------------------------------------------------------------
// cairn strings have no context: these keep Nix's argument checks and
// return the string itself.

void prim_unsafe_discard_string_context(EvalState& state, PosIdx pos, Value** args, Value& out) {
  std::string storage;
  auto s = coerce_view(state, *args[0], pos, storage, "while evaluating the argument passed to builtins.unsafeDiscardStringContext");
  mk_string_from(state, out, *args[0], s);
}

void prim_unsafe_discard_output_dependency(EvalState& state, PosIdx pos, Value** args, Value& out) {
  std::string storage;
  auto s = coerce_view(state, *args[0], pos, storage, "while evaluating the argument passed to builtins.unsafeDiscardOutputDependency");
  mk_string_from(state, out, *args[0], s);
}

void prim_has_context(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_string(*args[0], pos, "while evaluating the argument passed to builtins.hasContext");
  out.mk_bool(false);
}

void prim_get_context(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_string(*args[0], pos, "while evaluating the argument passed to builtins.getContext");
  out.mk_attrs(BindingsBuilder(state, 0).finish());
}

void prim_append_context(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_string(*args[0], pos, "while evaluating the first argument passed to builtins.appendContext");
  state.force_attrs(*args[1], pos, "while evaluating the second argument passed to builtins.appendContext");
  out = *args[0];
}

}  // namespace

void register_strings_builtins(EvalState& state) {
  state.add_primop("stringLength", 1, prim_string_length);
  state.add_primop("substring", 3, prim_substring);
  state.add_primop("replaceStrings", 3, prim_replace_strings);
  state.add_primop("concatStringsSep", 2, prim_concat_strings_sep);
  state.add_primop("toString", 1, prim_to_string);
  state.add_primop("baseNameOf", 1, prim_base_name_of);
  state.add_primop("dirOf", 1, prim_dir_of);
  state.add_primop("compareVersions", 2, prim_compare_versions);
  state.add_primop("splitVersion", 1, prim_split_version);
  state.add_primop("parseDrvName", 1, prim_parse_drv_name);
  state.add_primop("hashString", 2, prim_hash_string);
  state.add_primop("unsafeDiscardStringContext", 1, prim_unsafe_discard_string_context);
  state.add_primop("unsafeDiscardOutputDependency", 1, prim_unsafe_discard_output_dependency);
  state.add_primop("hasContext", 1, prim_has_context);
  state.add_primop("getContext", 1, prim_get_context);
  state.add_primop("appendContext", 2, prim_append_context);
}

}  // namespace cairn::lang
