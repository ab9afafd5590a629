// The generated /etc (see etc_files.hh). Each file Debian's scripts would
// have made has a small function here; the closure's entries go through
// write_closure_etc; compose_etc runs them in order.

#include "builder/compose/etc_files.hh"

#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/files.hh"
#include "base/lines.hh"
#include "builder/compose/pam.hh"

namespace cairn::compose {

namespace {

using json = nlohmann::json;

// The files made per generation; the closure may not define them.
constexpr std::array<std::string_view, 6> kReserved = {"passwd",  "group",      "shadow",
                                                        "gshadow", "os-release", "machine-id"};

bool image_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

// Copies the tree file `from` to `to` unless `to` exists.
Result<void> copy_default(RootTree& tree, std::string_view from, std::string_view to,
                          uint32_t mode = 0644) {
  if (!tree.find(from) || tree.find(to)) return {};
  auto text = tree.read(from);
  if (!text) return std::unexpected(text.error().context(fmt::format("making {}", to)));
  tree.set_file(to, std::move(*text), mode);
  return {};
}

// base-files' postinst on a fresh install, the parts that land in the image.
Result<void> base_files(RootTree& tree) {
  if (!tree.find("usr/share/base-files")) return {};
  if (auto r = copy_default(tree, "usr/share/base-files/profile", "etc/profile"); !r) return r;
  if (auto r = copy_default(tree, "usr/share/base-files/motd", "etc/motd"); !r) return r;
  if (tree.find("etc/dpkg/origins/debian") && !tree.find("etc/dpkg/origins/default"))
    tree.set_symlink("etc/dpkg/origins/default", "debian");
  if (!tree.find("etc/opt")) tree.set_dir("etc/opt");
  // install_local_dir: root:staff 2775 only with etc/staff-group-for-usr-local,
  // which base-files leaves to the administrator.
  for (std::string_view dir : {"usr/local", "usr/local/share", "usr/local/share/man", "usr/local/bin",
                               "usr/local/games", "usr/local/lib", "usr/local/include",
                               "usr/local/sbin", "usr/local/src", "usr/local/etc"})
    if (!tree.find(dir)) tree.set_dir(dir);
  if (!tree.find("usr/local/man")) tree.set_symlink("usr/local/man", "share/man");
  if (const Node* info = tree.find("usr/share/info"); info && info->type == EntryType::dir)
    if (auto r = copy_default(tree, "usr/share/base-files/info.dir", "usr/share/info/dir"); !r) return r;
  return {};
}

Result<void> shells(RootTree& tree) {
  constexpr std::string_view kTemplate = "usr/share/debianutils/shells";
  if (!tree.find(kTemplate)) return {};
  auto tmpl = tree.read(kTemplate);
  if (!tmpl) return std::unexpected(tmpl.error().context("making etc/shells"));
  std::vector<std::string> shells_d;
  for (const std::string& path : tree.list("usr/share/debianutils/shells.d")) {
    const Node* node = tree.resolve(path);
    if (!node || node->type != EntryType::file) continue;  // `test -f`
    auto text = tree.read(path);
    if (!text) return std::unexpected(text.error().context("making etc/shells"));
    shells_d.push_back(std::move(*text));
  }
  RealPath realpath = [&tree](std::string_view dir) -> std::optional<std::string> {
    auto at = tree.resolve_path(dir);
    if (!at) return std::nullopt;
    return "/" + *at;
  };
  tree.set_file("etc/shells", shells_text(*tmpl, shells_d, realpath));
  return {};
}

Result<uint32_t> parse_mode(const std::string& where, const std::string& mode) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(mode.data(), mode.data() + mode.size(), v, 8);
  if (mode.size() < 3 || mode.size() > 4 || ec != std::errc() || end != mode.data() + mode.size())
    return fail(fmt::format("{}: mode \"{}\" is not an octal mode such as \"0644\"", where, mode));
  return v;
}

// "a/b" is a path the closure may write under etc/: relative, no "." or
// ".." component, no empty component.
bool etc_path_ok(std::string_view p) {
  if (p.empty() || p.front() == '/' || p.back() == '/') return false;
  for (size_t start = 0; start <= p.size();) {
    size_t slash = std::min(p.find('/', start), p.size());
    std::string_view c = p.substr(start, slash - start);
    if (c.empty() || c == "." || c == "..") return false;
    start = slash + 1;
  }
  return true;
}

Result<std::string> entry_string(const json& entry, const std::string& where, const char* key) {
  auto it = entry.find(key);
  if (it == entry.end() || !it->is_string())
    return fail(fmt::format("closure: {}: expected a string \"{}\"; regenerate the closure with "
                            "this version of cairn", where, key));
  return it->get<std::string>();
}

Result<void> write_entry(RootTree& tree, const std::string& key, const json& entry,
                         const UserDb& users) {
  const std::string where = "etc." + key;
  const std::string path = "etc/" + key;
  if (!entry.is_object()) return fail(fmt::format("closure: {}: expected an object", where));
  if (!etc_path_ok(key))
    return fail(fmt::format("closure: {}: \"{}\" is not a relative path below /etc; fix the "
                            "environment.etc name", where, key));
  if (std::ranges::find(kReserved, key) != kReserved.end())
    return fail(fmt::format("{}: cairn generates /etc/{} for every generation, so the "
                            "configuration cannot set it; remove environment.etc.\"{}\"",
                            path, key, key));

  if (entry.contains("symlink")) {
    auto target = entry_string(entry, where, "symlink");
    if (!target) return std::unexpected(target.error());
    tree.set_symlink(path, *target);
    return {};
  }
  bool has_text = entry.contains("text"), has_source = entry.contains("source");
  if (has_text == has_source)
    return fail(fmt::format("closure: {}: expected exactly one of \"text\", \"source\" and "
                            "\"symlink\"", where));
  auto mode_text = entry_string(entry, where, "mode");
  auto user = entry_string(entry, where, "user");
  auto group = entry_string(entry, where, "group");
  for (const auto* r : {&mode_text, &user, &group})
    if (!*r) return std::unexpected(r->error());
  auto mode = parse_mode(path, *mode_text);
  if (!mode) return std::unexpected(mode.error());
  auto uid = users.uids.find(*user);
  if (uid == users.uids.end())
    return fail(fmt::format("{}: its owner \"{}\" is not a user of this system; declare "
                            "users.users.{} or choose an existing user", path, *user, *user));
  auto gid = users.gids.find(*group);
  if (gid == users.gids.end())
    return fail(fmt::format("{}: its group \"{}\" is not a group of this system; declare "
                            "users.groups.{} or choose an existing group", path, *group, *group));

  std::string content;
  if (has_text) {
    auto text = entry_string(entry, where, "text");
    if (!text) return std::unexpected(text.error());
    content = std::move(*text);
  } else {
    auto source = entry_string(entry, where, "source");
    if (!source) return std::unexpected(source.error());
    if (!source->starts_with('/'))
      return fail(fmt::format("{}: its source \"{}\" is not an absolute path; regenerate the "
                              "closure with this version of cairn", path, *source));
    auto bytes = read_file(*source);
    if (!bytes)
      return fail(fmt::format("{}: {}; environment.etc.\"{}\".source must name a readable file "
                              "on the build machine", path, bytes.error().message, key));
    content = std::move(*bytes);
  }
  tree.set_file(path, std::move(content), *mode, uid->second, gid->second);
  return {};
}

}  // namespace

Result<std::string> os_release(std::string_view base, std::string_view image_id, uint64_t generation) {
  if (image_id.empty() || !std::ranges::all_of(image_id, image_id_char)) {
    std::string suggestion;
    for (char c : image_id) {
      char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      suggestion += image_id_char(l) ? l : '-';
    }
    return fail(fmt::format(
        "the system name \"{}\" cannot be os-release's IMAGE_ID, which allows only a-z, 0-9, "
        "'.', '_' and '-'; set system.name to such a name{}",
        image_id, suggestion.empty() ? "" : fmt::format(", e.g. \"{}\"", suggestion)));
  }
  std::string out;
  for (std::string_view line : split_lines(base)) {
    if (line.starts_with("IMAGE_ID=") || line.starts_with("IMAGE_VERSION=")) continue;
    out.append(line);
    out += '\n';
  }
  out += fmt::format("IMAGE_ID={}\nIMAGE_VERSION={}\n", image_id, generation);
  return out;
}

std::string fstab_text() {
  return "# /etc/fstab: static file system information.\n"
         "#\n"
         "# Generated by cairn. The root file system needs no entry here: cairn-activate\n"
         "# assembles it in the initramfs from the generation's image (/usr and /etc) and\n"
         "# the state partition (/var, /home, /root) before systemd starts.\n";
}

// update-shells (debianutils 5.7) on a fresh system: /etc/shells is a copy
// of the template and var/lib/shells.state does not exist, so nothing counts
// as locally removed. A line is read up to its first '#', blanks included,
// as the script's `IFS='#' read` does. One difference: a last line without
// a newline counts here (the script's `read` would drop it).
std::string shells_text(std::string_view template_text, const std::vector<std::string>& shells_d,
                        const RealPath& realpath) {
  std::vector<std::string> packaged;
  auto collect = [&](std::string_view text) {
    for (std::string_view raw : split_lines(text)) {
      std::string_view line = raw.substr(0, raw.find('#'));
      if (line.empty()) continue;
      packaged.emplace_back(line);
      size_t slash = line.rfind('/');
      if (slash == std::string_view::npos || line.front() != '/') continue;
      auto dir = realpath(slash == 0 ? std::string_view("/") : line.substr(0, slash));
      if (!dir) continue;
      std::string real = (*dir == "/" ? "" : *dir) + std::string(line.substr(slash));
      if (real != line) packaged.push_back(std::move(real));
    }
  };
  collect(template_text);
  for (const std::string& text : shells_d) collect(text);

  std::string out;
  std::vector<std::string> listed;
  auto is_listed = [&](std::string_view s) { return std::ranges::find(listed, s) != listed.end(); };
  for (std::string_view line : split_lines(template_text)) {
    std::string_view shell = line.substr(0, line.find('#'));
    // Comments and blank lines stay; so do shells, once. (The script also
    // drops shells the state file lists but no package does any more; on a
    // fresh system there is no state file.)
    if (shell.empty() || !is_listed(shell)) {
      out.append(line);
      out += '\n';
      if (!shell.empty()) listed.emplace_back(shell);
    }
  }
  // The list is not updated here, so a shell packaged twice is added twice —
  // as the script does.
  for (const std::string& shell : packaged)
    if (!is_listed(shell)) out += shell + "\n";
  return out;
}

Result<void> write_closure_etc(RootTree& tree, const json& closure, const UserDb& users) {
  auto etc = closure.find("etc");
  if (etc == closure.end()) return {};
  if (!etc->is_object()) return fail("closure: etc: expected an object");
  for (const auto& [key, entry] : etc->items())
    if (auto r = write_entry(tree, key, entry, users); !r) return r;
  return {};
}

Result<void> compose_etc(RootTree& tree, const json& closure, const UserDb& users,
                         const EtcOptions& options) {
  auto step = [](Result<void> r, std::string_view what) -> Result<void> {
    if (!r) return std::unexpected(r.error().context(what));
    return {};
  };
  // 1. What maintainer scripts would have made.
  if (auto r = copy_default(tree, "usr/share/libc-bin/nsswitch.conf", "etc/nsswitch.conf"); !r)
    return r;
  if (auto r = step(compose_pam(tree), "making etc/pam.d/common-*"); !r) return r;
  if (auto r = shells(tree); !r) return r;
  if (auto r = base_files(tree); !r) return r;
  if (tree.find("etc/security") && !tree.find("etc/security/opasswd"))
    tree.set_file("etc/security/opasswd", "", 0600);
  if (!tree.find("etc/environment")) tree.set_file("etc/environment", "");
  tree.set_file("etc/subuid", "");
  tree.set_file("etc/subgid", "");
  tree.set_file("etc/fstab", fstab_text());

  // 2. The configuration.
  if (auto r = write_closure_etc(tree, closure, users); !r) return r;

  // 3. Per generation.
  tree.set_file("etc/machine-id", "", 0444);
  std::string base;
  if (tree.find("usr/lib/os-release")) {
    auto text = tree.read("usr/lib/os-release");
    if (!text) return std::unexpected(text.error().context("making os-release"));
    base = std::move(*text);
  }
  auto release = os_release(base, options.image_id, options.generation);
  if (!release) return std::unexpected(release.error().context("making os-release"));
  tree.set_file("usr/lib/os-release", std::move(*release));
  tree.set_symlink("etc/os-release", "../usr/lib/os-release");
  return {};
}

}  // namespace cairn::compose
