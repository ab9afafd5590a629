// Builtins that read the file system: import, readFile, hashFile, readDir,
// readFileType, pathExists, toPath, findFile (what `<name>` desugars to, as
// `__findFile __nixPath "name"`) and the nixPath constant.
//
// Symlinks. Nix resolves `..` lexically (canon_path) and then lets the
// kernel follow symlinks in the leading components, but looks at the last
// component itself with lstat: readDir reports a link to a directory as
// "symlink", readFileType likewise, and pathExists is true for a dangling
// link. The exception is pathExists on a *string* ending in "/" or "/.":
// that asks for a directory, so the last component is followed (stat) and
// must be one — `toString ./file + "/."` does not exist.
//
// Search path. findFile walks its list of { prefix; path; } entries in
// order: an entry matches `name` when its prefix is empty or is `name`'s
// first component(s) (prefix "nixpkgs" matches "nixpkgs" and
// "nixpkgs/lib", not "nixpkgsfoo"); the rest of `name` is appended to the
// entry's directory, and the first such file that exists wins. Relative
// entries are taken against the working directory, like Nix's absPath;
// entries that are URLs (Nix would download them) are skipped.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "builder/lang/builtins.hh"
#include "builder/lang/eval.hh"

namespace cairn::lang {

namespace {

/// "WHAT 'PATH': strerror(err)", as Nix's SysError words it. Callers pass
/// errno saved right after the failing call (building strings may clobber it).
EvalError sys_error(std::string_view what, const std::string& path, int err, PosIdx pos) {
  return EvalError(std::string(what) + " '" + path + "': " + std::strerror(err), pos);
}

void prim_import(EvalState& state, PosIdx pos, Value** args, Value& out) {
  std::string path = state.coerce_to_path(*args[0], pos, "while evaluating the first argument passed to builtins.import");
  state.eval_file(canon_path(path), out, pos);
}

void prim_read_file(EvalState& state, PosIdx pos, Value** args, Value& out) {
  std::string path = state.coerce_to_path(*args[0], pos, "while evaluating the first argument passed to builtins.readFile");
  state.mk_string(out, state.read_file(canon_path(path), pos));
}

/// hashFile TYPE PATH is hashString TYPE (readFile PATH): the hashing (and
/// its algorithm check) stays in one place, builtins_strings.cc.
void prim_hash_file(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_string(*args[0], pos, "while evaluating the first argument passed to builtins.hashFile");
  std::string path = state.coerce_to_path(*args[1], pos, "while evaluating the second argument passed to builtins.hashFile");
  Value* contents = state.new_string(state.read_file(canon_path(path), pos));
  const Attr* hash_string = state.get_attr(state.builtins_value(), state.symbols.intern("hashString"));
  if (!hash_string) throw EvalError("builtins.hashString is not available", pos);
  Value* call_args[] = {args[0], contents};
  state.call_function(*hash_string->value, std::span<Value*>(call_args), out, pos);
}

/// toPath (deprecated in Nix, still used): the canonical absolute path, as a string.
void prim_to_path(EvalState& state, PosIdx pos, Value** args, Value& out) {
  std::string path = state.coerce_to_path(*args[0], pos, "while evaluating the first argument passed to builtins.toPath");
  state.mk_string(out, canon_path(path));
}

/// The names readDir and readFileType give file types, by type_index.
constexpr std::string_view kTypeNames[] = {"regular", "directory", "symlink", "unknown"};

/// The kTypeNames index of a file type (st_mode bits).
int type_index(mode_t mode) {
  if (S_ISREG(mode)) return 0;
  if (S_ISDIR(mode)) return 1;
  if (S_ISLNK(mode)) return 2;
  return 3;
}

void prim_read_file_type(EvalState& state, PosIdx pos, Value** args, Value& out) {
  std::string path =
      canon_path(state.coerce_to_path(*args[0], pos, "while evaluating the first argument passed to builtins.readFileType"));
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) throw sys_error("getting status of", path, errno, pos);
  std::string_view type = kTypeNames[type_index(st.st_mode)];
  out.mk_string_raw(type.data(), type.size());  // a static literal outlives the value
}

void prim_read_dir(EvalState& state, PosIdx pos, Value** args, Value& out) {
  std::string path =
      canon_path(state.coerce_to_path(*args[0], pos, "while evaluating the first argument passed to builtins.readDir"));
  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir(path.c_str()), closedir);
  if (!dir) throw sys_error("opening directory", path, errno, pos);

  // One shared value per type name; the entries point at them.
  Value* types = static_cast<Value*>(state.arena.allocate(sizeof(Value) * 4));
  for (int i = 0; i < 4; ++i) {
    new (&types[i]) Value();
    types[i].mk_string_raw(kTypeNames[i].data(), kTypeNames[i].size());  // static literals
  }

  BindingsBuilder b(state, 16);  // grows as needed
  for (;;) {
    errno = 0;  // readdir returns null both at the end and on error
    struct dirent* d = readdir(dir.get());
    if (!d) {
      if (errno != 0) throw sys_error("reading directory", path, errno, pos);
      break;
    }
    std::string_view name = d->d_name;
    if (name == "." || name == "..") continue;
    int type = 3;
    switch (d->d_type) {
      case DT_REG: type = 0; break;
      case DT_DIR: type = 1; break;
      case DT_LNK: type = 2; break;
      case DT_UNKNOWN: {  // some file systems don't say; ask (without following)
        struct stat st {};
        std::string full = path + "/" + std::string(name);
        if (lstat(full.c_str(), &st) == 0) type = type_index(st.st_mode);
        break;
      }
      default: break;
    }
    b.insert(name, &types[type]);
  }
  out.mk_attrs(b.finish());
}

void prim_path_exists(EvalState& state, PosIdx pos, Value** args, Value& out) {
  Value& arg = *args[0];
  std::string path =
      state.coerce_to_path(arg, pos, "while evaluating the first argument passed to builtins.pathExists");
  // Only a string can carry a trailing slash; a path value is canonical.
  bool must_be_dir = false;
  if (arg.type == Type::String) {
    std::string_view s = arg.string_view();
    must_be_dir = s.ends_with("/") || s.ends_with("/.");
  }
  path = canon_path(path);
  struct stat st {};
  if (must_be_dir)
    out.mk_bool(stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode));
  else
    out.mk_bool(lstat(path.c_str(), &st) == 0);
}

/// One search path entry: `prefix` (may be empty) and its directory.
struct SearchEntry {
  std::string prefix;
  std::string dir;
};

/// An absolute form of a search path directory, or "" to skip the entry.
std::string resolve_search_dir(std::string_view dir) {
  if (dir.find("://") != std::string_view::npos || dir.starts_with("channel:") || dir.starts_with("flake:"))
    return {};  // would need a download
  std::string abs(dir);
  if (!abs.starts_with("/")) {
    std::unique_ptr<char, void (*)(void*)> cwd(getcwd(nullptr, 0), std::free);
    if (!cwd) return {};
    abs = std::string(cwd.get()) + "/" + abs;
  }
  abs = canon_path(abs);
  struct stat st {};
  return stat(abs.c_str(), &st) == 0 ? abs : std::string();
}

/// The first existing file for `name` along `entries`, or "".
std::string lookup(const std::vector<SearchEntry>& entries, std::string_view name) {
  for (const SearchEntry& e : entries) {
    std::string suffix;
    if (e.prefix.empty()) {
      suffix = "/" + std::string(name);
    } else {
      size_t n = e.prefix.size();
      if (!name.starts_with(e.prefix) || (name.size() > n && name[n] != '/')) continue;
      if (name.size() > n) suffix = std::string(name.substr(n));  // keeps the '/'
    }
    std::string dir = resolve_search_dir(e.dir);
    if (dir.empty()) continue;
    std::string candidate = dir + suffix;
    struct stat st {};
    if (lstat(candidate.c_str(), &st) == 0) return canon_path(candidate);
  }
  return {};
}

void prim_find_file(EvalState& state, PosIdx pos, Value** args, Value& out) {
  state.force_list(*args[0], pos, "while evaluating the first argument passed to builtins.findFile");
  std::vector<SearchEntry> entries;
  entries.reserve(args[0]->list.size);
  for (size_t i = 0; i < args[0]->list.size; ++i) {
    Value& elem = *args[0]->list.elems[i];
    state.force_attrs(elem, pos, "while evaluating an element of the list passed to builtins.findFile");
    SearchEntry entry;
    if (const Attr* prefix = state.get_attr(elem, state.symbols.intern("prefix")))
      entry.prefix = state.force_string(
          *prefix->value, pos, "while evaluating the `prefix` attribute of an element of the list passed to builtins.findFile");
    const Attr* dir = state.get_attr(elem, state.symbols.intern("path"));
    if (!dir) throw TypeError("attribute 'path' missing for call to 'findFile'", pos);
    entry.dir = state.coerce_to_string(
        *dir->value, pos, {}, "while evaluating the `path` attribute of an element of the list passed to builtins.findFile");
    entries.push_back(std::move(entry));
  }
  std::string_view name =
      state.force_string(*args[1], pos, "while evaluating the second argument passed to builtins.findFile");
  std::string found = lookup(entries, name);
  if (found.empty())
    throw ThrownError("file '" + std::string(name) +
                          "' was not found in the Nix search path (add it using $NIX_PATH or -I)",
                      pos);
  state.mk_path(out, found);
}

/// builtins.nixPath: the configured search path as { prefix; path; } sets,
/// "prefix=dir" split at the first '=', a bare "dir" with prefix "".
Value make_nix_path(EvalState& state) {
  const auto& search_path = state.settings.search_path;
  Symbol prefix_sym = state.symbols.intern("prefix");
  Symbol path_sym = state.symbols.intern("path");
  Value list;
  state.mk_list(list, search_path.size());
  for (size_t i = 0; i < search_path.size(); ++i) {
    std::string_view entry = search_path[i];
    size_t eq = entry.find('=');
    std::string_view prefix = eq == std::string_view::npos ? std::string_view() : entry.substr(0, eq);
    std::string_view dir = eq == std::string_view::npos ? entry : entry.substr(eq + 1);
    BindingsBuilder b(state, 2);
    state.mk_string(b.alloc(prefix_sym), prefix);
    state.mk_string(b.alloc(path_sym), dir);
    Value* set = state.alloc_value();
    set->mk_attrs(b.finish());
    list.list.elems[i] = set;
  }
  return list;
}

}  // namespace

void register_files_builtins(EvalState& state) {
  state.add_primop("findFile", 2, prim_find_file);
  state.add_primop("hashFile", 2, prim_hash_file);
  state.add_primop("import", 1, prim_import);
  state.add_primop("pathExists", 1, prim_path_exists);
  state.add_primop("readDir", 1, prim_read_dir);
  state.add_primop("readFile", 1, prim_read_file);
  state.add_primop("readFileType", 1, prim_read_file_type);
  state.add_primop("toPath", 1, prim_to_path);
  state.add_constant("nixPath", make_nix_path(state));
}

}  // namespace cairn::lang
