// Packing the staged root into a squashfs with mksquashfs 4.5.1, without
// root and reproducibly.
//
// Ownership. The staging tree is owned by the build user with safe modes, so
// nothing on disk may reach the image unchecked. mksquashfs reads a pseudo
// file whose `m` lines set mode, uid and gid of what is on disk, and whose
// `c`/`b`/`i` lines create device nodes and fifos. Three traps in 4.5.1
// shape the code:
//   - `-all-root` overrides the uid/gid of `m` lines (etc/shadow comes out
//     0:0, not 0:42), so it is never passed; instead every entry of the tree
//     must have a line, and check_tree() proves that before mksquashfs runs.
//   - An `m` line for a path that is not on disk is "Ignoring"d with exit
//     status 0, and so is a second line for one path. A systemd name written
//     raw, `system-systemd\x2dcryptsetup.slice`, is read as
//     `system-systemdx2dcryptsetup.slice`, which is not on disk — so the
//     unit would silently keep the build user's owner. Names are therefore
//     escaped (escape_name), duplicates refused, and `-exit-on-error` makes
//     any slip fatal. It also turns "Failed to read file …, creating empty
//     file" (a file the build user cannot read) into an error instead of an
//     empty file in the image.
//   - The pseudo file cannot name the root, so the root's mode and owner go
//     through `-root-mode/-root-uid/-root-gid`.
//
// Reproducibility, measured with 4.5.1 on two copies of one tree staged in
// different directories, created in different orders, with different mtimes:
//   - SOURCE_DATE_EPOCH alone differs: it sets the mkfs time but only clamps
//     inode times *later* than it, so an older mtime on disk survives.
//   - `-mkfs-time E` alone differs (inode times come from disk).
//   - `-mkfs-time E -all-time E` gives identical images, the root and the
//     pseudo-created device nodes included, with the default (parallel)
//     processors: 4.5.1's `-reproducible` is the default, and mksquashfs
//     sorts each directory itself, so readdir order and inode numbers do not
//     matter. mksquashfs refuses SOURCE_DATE_EPOCH together with these
//     flags ("can't be used at the same time"), so it is removed from the
//     environment it gets.
//     Also bit-identical: a 1.2 GB, 68,770-entry copy of this machine's
//     /usr/share, /usr/bin and /etc, packed from two copies with different
//     mtimes (9.7 s each at level 3 on 2 cores; checking the tree and writing
//     the pseudo file cost well under 0.5 s of that).
//   - `-no-xattrs`: the tree's xattrs are the build machine's (an SELinux
//     label, a user.* attribute left by a tool), not the packages' — dpkg
//     installs none from data.tar and unpack records none — so they would
//     make the image depend on the build host. File capabilities, the one
//     xattr a system needs, would take pseudo `x` lines, which 4.5.1 lacks
//     (squashfs-tools 4.6 adds them).
//
// Atomicity: mksquashfs writes `<output>.tmp.XXXXXX` (created with mkstemp,
// so it is ours) next to the output; the pseudo file goes beside it as
// `<output>.pseudo.XXXXXX`. Both are owned by a TempFile that unlinks them
// unless the image was renamed into place, so no error path leaves either.
// The hash is taken before the rename, so once `output` exists nothing can
// fail any more.
#include "images/squashfs.hh"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "base/hash.hh"
#include "base/lines.hh"
#include "base/subprocess.hh"

namespace cairn::images {

namespace {

struct TypeName {
  PseudoType type;
  std::string_view name;
};
constexpr TypeName kTypeNames[] = {
    {PseudoType::file, "file"},          {PseudoType::dir, "dir"},
    {PseudoType::symlink, "symlink"},    {PseudoType::char_device, "char"},
    {PseudoType::block_device, "block"}, {PseudoType::fifo, "fifo"},
};

/// The listing's name for the image root (`-d` of unsquashfs).
constexpr std::string_view kListRoot = "squashfs-root";
/// How many table/tree mismatches one error names before "and N more".
constexpr size_t kMaxProblems = 10;
/// How much of mksquashfs's standard error an error message quotes.

bool on_disk(PseudoType type) {
  return type == PseudoType::file || type == PseudoType::dir || type == PseudoType::symlink;
}

std::string errno_text(std::string_view what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}

/// How a path is named in messages: the root has no name of its own.
std::string display(std::string_view path) {
  return path.empty() ? std::string("the root directory") : std::string(path);
}

/// A path as a command-line argument: one starting with `-` would be read as
/// an option by mksquashfs and unsquashfs, which take no `--`.
std::string as_argument(const std::string& path) {
  return !path.empty() && path[0] == '-' ? "./" + path : path;
}

/// `dir/name` of a relative path; "" for a name at the root.
std::string parent_of(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}

/// Checks PseudoEntry::path's rules; the error says what is wrong.
Result<void> check_path(const std::string& path) {
  if (path.empty()) return {};
  if (path.find('\0') != std::string::npos)
    return fail(fmt::format("\"{}\": a path cannot hold a NUL byte", path));
  if (path.find('\n') != std::string::npos)
    return fail(fmt::format("\"{}\": a pseudo file cannot hold a name with a newline", path));
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string_view part =
        std::string_view(path).substr(start, slash == std::string::npos ? std::string::npos
                                                                         : slash - start);
    if (part.empty() || part == "." || part == "..")
      return fail(fmt::format(
          "\"{}\": not a relative path without empty, \".\" or \"..\" components", path));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return {};
}

/// A name as mksquashfs 4.5.1 reads it back (pseudo.c, read_file.c): `\`
/// takes the next byte literally, `"` toggles quoting, white space ends the
/// name, a line starting with `#` is a comment. Escaping all of them
/// everywhere is simplest and always right. Newlines are refused earlier:
/// `\` before one continues the line instead.
std::string escape_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    switch (c) {
      case '\\': case '"': case '#': case ' ': case '\t': case '\v': case '\f': case '\r':
        out += '\\';
        break;
      default:
        break;
    }
    out += c;
  }
  return out;
}

/// Owns a temporary file by path and unlinks it on scope exit unless kept.
class TempFile {
 public:
  /// Creates `<prefix>XXXXXX` with mkstemp (mode 0600) and closes it.
  static Result<TempFile> create(const std::string& prefix) {
    std::string path = prefix + "XXXXXX";
    int fd = ::mkstemp(path.data());
    if (fd < 0) return fail(errno_text("cannot create temporary file", path));
    ::close(fd);
    return TempFile(std::move(path));
  }
  TempFile(TempFile&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  TempFile& operator=(TempFile&&) = delete;
  TempFile(const TempFile&) = delete;
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  [[nodiscard]] const std::string& path() const { return path_; }
  /// The file was renamed away: nothing to remove any more.
  void keep() { path_.clear(); }

 private:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

/// Writes all of `data` to the existing file at `path`.
Result<void> write_all(const std::string& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return fail(errno_text("cannot open", path));
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      auto err = errno_text("cannot write", path);
      ::close(fd);
      return fail(err);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (::close(fd) != 0) return fail(errno_text("cannot close", path));
  return {};
}

/// The table entry of a path and whether the tree walk met it on disk.
struct Slot {
  const PseudoEntry* entry = nullptr;
  bool seen = false;
};
using Table = std::unordered_map<std::string, Slot>;

/// Walks the directory `dir_fd` (the tree's `rel`, closed on return),
/// marking every entry of the table it finds and noting what does not match.
/// Subdirectories are opened relative to their parent with O_NOFOLLOW, so
/// the walk holds one descriptor per level and never leaves the tree.
void walk(int dir_fd, const std::string& rel, Table& table, std::vector<std::string>& problems) {
  DIR* dir = ::fdopendir(dir_fd);
  if (dir == nullptr) {
    problems.push_back(fmt::format("{}: cannot read the directory: {}", display(rel),
                                   std::strerror(errno)));
    ::close(dir_fd);
    return;
  }
  while (true) {
    errno = 0;
    dirent* d = ::readdir(dir);
    if (d == nullptr) {
      if (errno != 0)
        problems.push_back(fmt::format("{}: cannot read the directory: {}", display(rel),
                                       std::strerror(errno)));
      break;
    }
    std::string_view name = d->d_name;
    if (name == "." || name == "..") continue;
    std::string path = rel.empty() ? std::string(name) : fmt::format("{}/{}", rel, name);
    struct stat st{};
    if (::fstatat(::dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      problems.push_back(fmt::format("{}: cannot stat: {}", path, std::strerror(errno)));
      continue;
    }
    std::optional<PseudoType> type;
    if (S_ISREG(st.st_mode)) type = PseudoType::file;
    else if (S_ISDIR(st.st_mode)) type = PseudoType::dir;
    else if (S_ISLNK(st.st_mode)) type = PseudoType::symlink;
    if (!type) {
      problems.push_back(fmt::format(
          "{}: a device node, fifo or socket in the staging tree (special files come from the "
          "pseudo table only)",
          path));
      continue;
    }
    auto it = table.find(path);
    if (it == table.end()) {
      problems.push_back(fmt::format("{}: in the staging tree but not in the pseudo table", path));
    } else {
      it->second.seen = true;
      if (it->second.entry->type != *type)
        problems.push_back(fmt::format("{}: a {} in the staging tree but a {} in the pseudo table",
                                       path, to_string(*type), to_string(it->second.entry->type)));
    }
    if (*type != PseudoType::dir) continue;
    int fd = ::openat(::dirfd(dir), d->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      problems.push_back(fmt::format("{}: cannot open the directory: {}", path,
                                     std::strerror(errno)));
      continue;
    }
    walk(fd, path, table, problems);
  }
  ::closedir(dir);
}

/// Checks that `entries` describe the tree at `staging` exactly (see
/// make_squashfs) and returns the root's entry.
Result<PseudoEntry> check_tree(const std::string& staging, const std::vector<PseudoEntry>& entries) {
  Table table;
  table.reserve(entries.size());
  for (const auto& e : entries) table[e.path] = Slot{&e, false};
  auto root = table.find("");
  if (root == table.end() || root->second.entry->type != PseudoType::dir)
    return fail("the pseudo table has no dir entry for the root directory (\"\")");
  root->second.seen = true;

  int fd = ::open(staging.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(errno_text("cannot open the staging directory", staging));
  std::vector<std::string> problems;
  walk(fd, "", table, problems);

  for (const auto& [path, slot] : table) {
    const PseudoEntry& e = *slot.entry;
    if (on_disk(e.type)) {
      if (!slot.seen)
        problems.push_back(fmt::format("{}: in the pseudo table but not in the staging tree", path));
      continue;
    }
    // A device node or fifo: mksquashfs puts it into a directory of the tree.
    auto parent = table.find(parent_of(path));
    if (parent == table.end() || parent->second.entry->type != PseudoType::dir ||
        !parent->second.seen)
      problems.push_back(fmt::format("{}: its directory is not a directory of the staging tree",
                                     path));
  }
  if (problems.empty()) return *root->second.entry;

  std::sort(problems.begin(), problems.end());
  std::string message = "the pseudo table does not match the staging tree: ";
  for (size_t i = 0; i < problems.size() && i < kMaxProblems; ++i)
    message += (i ? "; " : "") + problems[i];
  if (problems.size() > kMaxProblems)
    message += fmt::format(" (and {} more)", problems.size() - kMaxProblems);
  return fail(message);
}

Result<void> check_options(const SquashfsOptions& o) {
  if (o.compression_level < 1 || o.compression_level > 22)
    return fail(fmt::format("zstd compression level {} is not in 1..22", o.compression_level));
  if (o.epoch < 0 || o.epoch > int64_t{UINT32_MAX})
    return fail(fmt::format("time {} does not fit squashfs's 32-bit times (0..{})", o.epoch,
                            UINT32_MAX));
  uint32_t b = o.block_size;
  if (b < 4096 || b > 1048576 || (b & (b - 1)) != 0)
    return fail(fmt::format("block size {} is not a power of two from 4096 to 1048576", b));
  return {};
}

/// Runs a squashfs-tools program; an error unless it exited with status 0.
Result<RunResult> run_tool(std::string_view program, const std::vector<std::string>& args) {
  RunOptions options;
  // mksquashfs refuses SOURCE_DATE_EPOCH beside -mkfs-time/-all-time, and a
  // locale must not change how names are read (isspace).
  options.env = {"SOURCE_DATE_EPOCH", "LC_ALL=C"};
  auto ran = run(program, args, options);
  if (!ran) return fail(ran.error().message + "; is squashfs-tools installed?");
  if (!ran->success()) {
    std::string err = quote_stderr(ran->err);
    return fail(err.empty() ? fmt::format("{} failed ({})", program, ran->describe())
                            : fmt::format("{} failed ({}): {}", program, ran->describe(), err));
  }
  return std::move(*ran);
}

/// Fails when `output` would land inside the staging tree (mksquashfs would
/// pack its own temporary files).
Result<void> check_output_outside(const std::string& staging, const std::string& output) {
  auto slash = output.rfind('/');
  std::string dir = slash == std::string::npos ? "." : output.substr(0, slash == 0 ? 1 : slash);
  char* real_dir = ::realpath(dir.c_str(), nullptr);
  if (real_dir == nullptr) return fail(errno_text("cannot resolve the directory", dir));
  std::string out_dir = real_dir;
  std::free(real_dir);
  char* real_staging = ::realpath(staging.c_str(), nullptr);
  if (real_staging == nullptr) return fail(errno_text("cannot resolve the staging directory", staging));
  std::string stage = real_staging;
  std::free(real_staging);
  if (out_dir == stage || out_dir.starts_with(stage == "/" ? stage : stage + "/"))
    return fail(fmt::format("the output is inside the staging tree {}", staging));
  return {};
}

Result<SquashfsImage> make(const std::string& staging, const std::vector<PseudoEntry>& entries,
                           const std::string& output, const SquashfsOptions& options) {
  if (auto ok = check_options(options); !ok) return std::unexpected(ok.error());
  auto pseudo = pseudo_file(entries);
  if (!pseudo) return std::unexpected(pseudo.error());
  auto root = check_tree(staging, entries);
  if (!root) return std::unexpected(root.error());
  if (auto ok = check_output_outside(staging, output); !ok) return std::unexpected(ok.error());

  auto pseudo_tmp = TempFile::create(output + ".pseudo.");
  if (!pseudo_tmp) return std::unexpected(pseudo_tmp.error());
  if (auto ok = write_all(pseudo_tmp->path(), *pseudo); !ok) return std::unexpected(ok.error());
  auto image_tmp = TempFile::create(output + ".tmp.");
  if (!image_tmp) return std::unexpected(image_tmp.error());

  std::string epoch = std::to_string(options.epoch);
  std::vector<std::string> args = {
      as_argument(staging), as_argument(image_tmp->path()),
      "-noappend", "-quiet", "-no-progress", "-exit-on-error",
      "-comp", "zstd", "-Xcompression-level", std::to_string(options.compression_level),
      "-b", std::to_string(options.block_size),
      "-no-xattrs",
      "-mkfs-time", epoch, "-all-time", epoch,
      "-root-mode", fmt::format("{:04o}", root->mode),
      "-root-uid", std::to_string(root->uid), "-root-gid", std::to_string(root->gid),
      "-pf", pseudo_tmp->path(),
  };
  if (options.processors != 0) {
    args.push_back("-processors");
    args.push_back(std::to_string(options.processors));
  }
  if (auto ran = run_tool("mksquashfs", args); !ran) return std::unexpected(ran.error());

  // mksquashfs wrote into our mkstemp file, which kept its mode 0600.
  const std::string& tmp = image_tmp->path();
  int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(errno_text("cannot open", tmp));
  struct stat st{};
  bool ok = ::fstat(fd, &st) == 0 && ::fchmod(fd, 0644) == 0 && ::fsync(fd) == 0;
  auto sync_error = ok ? std::string() : errno_text("cannot sync", tmp);
  ::close(fd);
  if (!ok) return fail(sync_error);
  auto sha = sha256_file(tmp);
  if (!sha) return std::unexpected(sha.error());

  if (::rename(tmp.c_str(), output.c_str()) != 0)
    return fail(errno_text("cannot rename into place", output));
  image_tmp->keep();
  auto slash = output.rfind('/');
  std::string dir = slash == std::string::npos ? "." : output.substr(0, slash == 0 ? 1 : slash);
  // Best effort, as in write_file_atomic: the image is in place already.
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return SquashfsImage{output, static_cast<uint64_t>(st.st_size), std::move(*sha)};
}

// --- the listing parser ---------------------------------------------------

/// Reads a decimal integer (optionally negative) at the front of `s`.
template <class T>
std::optional<T> take_number(std::string_view& s) {
  T value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end == s.data()) return std::nullopt;
  s.remove_prefix(static_cast<size_t>(end - s.data()));
  return value;
}

void skip_spaces(std::string_view& s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
}

/// Reads up to the next space and the space.
std::optional<std::string_view> take_word(std::string_view& s) {
  auto space = s.find(' ');
  if (space == std::string_view::npos || space == 0) return std::nullopt;
  std::string_view word = s.substr(0, space);
  s.remove_prefix(space + 1);
  return word;
}

/// `drwsr-xr-x` as ls prints it → type and permission bits.
std::optional<std::pair<PseudoType, uint32_t>> parse_mode(std::string_view m) {
  if (m.size() != 10) return std::nullopt;
  PseudoType type;
  switch (m[0]) {
    case '-': type = PseudoType::file; break;
    case 'd': type = PseudoType::dir; break;
    case 'l': type = PseudoType::symlink; break;
    case 'c': type = PseudoType::char_device; break;
    case 'b': type = PseudoType::block_device; break;
    case 'p': type = PseudoType::fifo; break;
    default: return std::nullopt;
  }
  uint32_t mode = 0;
  // Per class (user, group, other): r, w, then x or the special bit.
  constexpr uint32_t kSpecial[] = {04000, 02000, 01000};
  constexpr char kSpecialChar[] = {'s', 's', 't'};
  for (int c = 0; c < 3; ++c) {
    char r = m[1 + 3 * c], w = m[2 + 3 * c], x = m[3 + 3 * c];
    uint32_t shift = 3 * (2 - c);
    if (r == 'r') mode |= 4u << shift;
    else if (r != '-') return std::nullopt;
    if (w == 'w') mode |= 2u << shift;
    else if (w != '-') return std::nullopt;
    if (x == 'x') mode |= 1u << shift;
    else if (x == kSpecialChar[c]) mode |= kSpecial[c] | (1u << shift);
    else if (x == static_cast<char>(kSpecialChar[c] - 'a' + 'A')) mode |= kSpecial[c];
    else if (x != '-') return std::nullopt;
  }
  return std::pair{type, mode};
}

/// One line of `unsquashfs -lln`: `MODE UID/GID SIZE|MAJ,MIN DATE TIME NAME[ -> TARGET]`.
std::optional<ListedEntry> parse_line(std::string_view s) {
  ListedEntry e;
  auto mode_word = take_word(s);
  if (!mode_word) return std::nullopt;
  auto mode = parse_mode(*mode_word);
  if (!mode) return std::nullopt;
  e.type = mode->first;
  e.mode = mode->second;

  // Owners: printed with %d or %u depending on the version; either way the
  // low 32 bits are the id.
  auto uid = take_number<int64_t>(s);
  if (!uid || s.empty() || s.front() != '/') return std::nullopt;
  s.remove_prefix(1);
  auto gid = take_number<int64_t>(s);
  if (!gid || s.empty() || s.front() != ' ') return std::nullopt;
  e.uid = static_cast<uint32_t>(*uid);
  e.gid = static_cast<uint32_t>(*gid);
  skip_spaces(s);

  if (e.type == PseudoType::char_device || e.type == PseudoType::block_device) {
    // unsquashfs prints the stored number's bits 8.. and 0..7; squashfs packs
    // it like the kernel's new_encode_dev, minor bits 8.. at bit 20.
    auto hi = take_number<int64_t>(s);
    if (!hi || s.empty() || s.front() != ',') return std::nullopt;
    s.remove_prefix(1);
    skip_spaces(s);
    auto lo = take_number<int64_t>(s);
    if (!lo) return std::nullopt;
    uint32_t data = (static_cast<uint32_t>(*hi) << 8) | (static_cast<uint32_t>(*lo) & 0xff);
    e.major = (data >> 8) & 0xfff;
    e.minor = (data & 0xff) | ((data >> 12) & 0xfff00);
  } else {
    auto size = take_number<uint64_t>(s);
    if (!size) return std::nullopt;
    if (e.type == PseudoType::file || e.type == PseudoType::symlink) e.size = *size;
  }
  if (s.empty() || s.front() != ' ') return std::nullopt;
  s.remove_prefix(1);
  auto date = take_word(s);
  auto time = take_word(s);
  if (!date || !time || date->find('-') == std::string_view::npos ||
      time->find(':') == std::string_view::npos)
    return std::nullopt;

  // The name, and for a symlink " -> " and a target of known length.
  if (e.type == PseudoType::symlink) {
    constexpr std::string_view arrow = " -> ";
    if (s.size() < e.size + arrow.size() ||
        s.substr(s.size() - e.size - arrow.size(), arrow.size()) != arrow)
      return std::nullopt;
    e.target = std::string(s.substr(s.size() - e.size));
    s.remove_suffix(e.size + arrow.size());
  }
  if (!s.starts_with(kListRoot)) return std::nullopt;
  s.remove_prefix(kListRoot.size());
  if (!s.empty()) {
    if (s.front() != '/' || s.size() == 1) return std::nullopt;
    s.remove_prefix(1);
  }
  e.path = std::string(s);
  return e;
}

}  // namespace

std::string_view to_string(PseudoType type) {
  for (const auto& t : kTypeNames)
    if (t.type == type) return t.name;
  return "unknown";
}

Result<std::string> pseudo_file(const std::vector<PseudoEntry>& entries) {
  std::vector<const PseudoEntry*> sorted;
  sorted.reserve(entries.size());
  for (const auto& e : entries) {
    if (auto ok = check_path(e.path); !ok) return std::unexpected(ok.error());
    if (e.mode > 07777)
      return fail(fmt::format("{}: mode {:o} has bits beyond 07777", display(e.path), e.mode));
    if (e.path.empty() && e.type != PseudoType::dir)
      return fail(fmt::format("the root directory is a {} in the pseudo table", to_string(e.type)));
    sorted.push_back(&e);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const PseudoEntry* a, const PseudoEntry* b) { return a->path < b->path; });
  std::string out;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const PseudoEntry& e = *sorted[i];
    if (i > 0 && sorted[i - 1]->path == e.path)
      return fail(fmt::format("{}: two entries in the pseudo table", display(e.path)));
    if (e.path.empty()) continue;  // the root: -root-mode/-root-uid/-root-gid
    std::string name = escape_name(e.path);
    switch (e.type) {
      case PseudoType::file:
      case PseudoType::dir:
      case PseudoType::symlink:
        out += fmt::format("{} m {:04o} {} {}\n", name, e.mode, e.uid, e.gid);
        break;
      case PseudoType::char_device:
      case PseudoType::block_device:
        out += fmt::format("{} {} {:04o} {} {} {} {}\n", name,
                           e.type == PseudoType::char_device ? 'c' : 'b', e.mode, e.uid, e.gid,
                           e.major, e.minor);
        break;
      case PseudoType::fifo:
        out += fmt::format("{} i {:04o} {} {} f\n", name, e.mode, e.uid, e.gid);
        break;
    }
  }
  return out;
}

Result<SquashfsImage> make_squashfs(const std::string& staging,
                                    const std::vector<PseudoEntry>& entries,
                                    const std::string& output, const SquashfsOptions& options) {
  auto made = make(staging, entries, output, options);
  if (!made) return std::unexpected(made.error().context("making squashfs " + output));
  return made;
}

Result<std::vector<ListedEntry>> parse_squashfs_listing(std::string_view text) {
  std::vector<ListedEntry> out;
  auto lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.empty()) continue;
    auto entry = parse_line(line);
    if (!entry)
      return fail(fmt::format("unsquashfs listing line {}: cannot parse \"{}\"", i + 1, line));
    out.push_back(std::move(*entry));
  }
  return out;
}

Result<std::vector<ListedEntry>> list_squashfs(const std::string& image) {
  auto context = [&](const Error& e) { return std::unexpected(e.context("listing " + image)); };
  auto ran = run_tool("unsquashfs", {"-lln", "-d", std::string(kListRoot), as_argument(image)});
  if (!ran) return context(ran.error());
  auto entries = parse_squashfs_listing(ran->out);
  if (!entries) return context(entries.error());
  return entries;
}

}  // namespace cairn::images
