// Unpacking .debs with libarchive: one pass over the file, no subprocesses,
// no temporary archives, nothing run.
//
// The outer ar archive is read with libarchive's ar reader; each member
// (control.tar.*, data.tar.*) is handed to a second libarchive reader through
// a read callback that pulls blocks from the first, so the compressed tar is
// decompressed straight from the .deb into the files it holds. Only the
// decompressor named by the member's suffix is enabled: a .xz member must hold
// xz, and libarchive never falls back to an external program. When cairn is
// built with liblzma (CAIRN_HAVE_LIBLZMA), .xz members go through liblzma's
// threaded decoder instead, on a thread of its own (see xz_stream.hh).
//
// Safety rests on one invariant: the temporary tree holds exactly what this
// code created, and the in-memory map `nodes_` knows the type of every path in
// it. So before an entry is written, each of its parents is looked up there:
// a parent that is a symlink (`a -> /etc`, then `a/passwd`) or a file is an
// error, a parent never seen is created as a plain directory. Paths are
// normalised first (`./` stripped, empty and `.` components dropped), and a
// `..` component or an absolute path is an error; a hard link may only name
// a regular file written earlier. Files are then created relative to the
// tree's fd with O_EXCL|O_NOFOLLOW, so even a bug in that bookkeeping could
// not write through a link that the archive planted.
//
// Durability: a store entry must never exist half-written, so the tree is
// built under `<dest>.tmp-XXXXXX`, the filesystem is synced (one syncfs, far
// cheaper than an fsync per file), and only then is it renamed into place and
// the parent directory synced. unpack_all() stages all packages in parallel
// and shares one sync among them, with writeback started behind the workers.
//
// Errors come in three kinds, because the advice differs: a corrupt file
// (libarchive cannot read it: fetch it again), an unsafe or malformed package
// (refused: the package itself is wrong), and a system error (disk full, no
// permission: the message says which path).
#include "builder/debian/unpack.hh"

#include <algorithm>
#include <archive.h>
#include <archive_entry.h>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <optional>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>

#include <fmt/format.h>
#include "base/files.hh"
#include "base/lines.hh"
#if CAIRN_HAVE_LIBLZMA
#include "builder/debian/xz_stream.hh"
#endif

namespace cairn::debian {

namespace {

constexpr std::string_view kMetadataHeader = "# cairn-metadata 1\n";
constexpr size_t kReadBlock = 256 * 1024;
constexpr size_t kMaxControlFile = 64 * 1024 * 1024;  // md5sums of a big package: ~1 MB

/// The control.tar members kept for later stages.
constexpr std::string_view kControlFiles[] = {
    "config", "conffiles", "control", "md5sums", "postinst",
    "postrm", "preinst",   "prerm",   "triggers",
};

struct TypeName {
  EntryType type;
  std::string_view name;
};
constexpr TypeName kTypeNames[] = {
    {EntryType::file, "file"},         {EntryType::dir, "dir"},
    {EntryType::symlink, "symlink"},   {EntryType::hardlink, "hardlink"},
    {EntryType::char_device, "char"},  {EntryType::block_device, "block"},
    {EntryType::fifo, "fifo"},
};

// ---- errors ---------------------------------------------------------------

enum class FailureKind { corrupt, unsafe, system };

struct Failure {
  FailureKind kind;
  std::string message;
};

template <class T>
using Step = std::expected<T, Failure>;

std::unexpected<Failure> corrupt(std::string message) {
  return std::unexpected(Failure{FailureKind::corrupt, std::move(message)});
}
std::unexpected<Failure> unsafe(std::string message) {
  return std::unexpected(Failure{FailureKind::unsafe, std::move(message)});
}
std::unexpected<Failure> system_error(std::string_view what, const std::string& path) {
  return std::unexpected(
      Failure{FailureKind::system, fmt::format("{} {}: {}", what, path, std::strerror(errno))});
}

// The message a user reads: context, the failure, and what to do about it.
Error to_error(const std::string& deb_path, const Failure& f) {
  switch (f.kind) {
    case FailureKind::corrupt:
      return Error{fmt::format("unpacking {}: {}; the file is corrupt: delete it from the store "
                               "and fetch it again",
                               deb_path, f.message)};
    case FailureKind::unsafe:
      return Error{fmt::format(
          "unpacking {}: {}; the package is malformed or malicious and was not unpacked",
          deb_path, f.message)};
    case FailureKind::system:
      break;
  }
  return Error{fmt::format("unpacking {}: {}", deb_path, f.message)};
}

// ---- RAII -----------------------------------------------------------------

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now, reporting close()'s error (a delayed write error on NFS).
  bool close() { return ::close(std::exchange(fd_, -1)) == 0; }

 private:
  int fd_;
};

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

// A directory removed on scope exit unless released: the staging tree.
class TempTree {
 public:
  explicit TempTree(std::string path) : path_(std::move(path)) {}
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;
  ~TempTree() {
    if (path_.empty()) return;
    std::error_code ec;  // best effort: the directories are owner-writable
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  std::string path_;
};

// ---- escaping and paths -----------------------------------------------------

bool needs_escape(unsigned char c) { return c <= 0x20 || c == 0x7f || c == '\\'; }

// Appends `s` in the metadata file's escaped form; "" becomes "-".
void append_field(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += '-';
    return;
  }
  if (s == "-") {
    out += "\\x2d";
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    if (needs_escape(c)) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
}

// A path or name as shown in an error message: escaped, in quotes.
std::string shown(std::string_view s) {
  std::string out = "'";
  if (s == "-") out += "-";
  else if (!s.empty()) append_field(out, s);
  return out + "'";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Inverse of append_field; nullopt on a malformed escape. "-" gives "".
std::optional<std::string> parse_field(std::string_view s) {
  if (s == "-") return std::string();
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (i + 3 >= s.size() || s[i + 1] != 'x') return std::nullopt;
    int hi = hex_value(s[i + 2]), lo = hex_value(s[i + 3]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 3;
  }
  return out;
}

// "./usr//bin/su" → "/usr/bin/su"; "./" and "." → "/". The error text says
// what is wrong with `raw`, for a message that names it.
std::expected<std::string, std::string> normalize_path(std::string_view raw) {
  while (raw.starts_with("./")) raw.remove_prefix(2);
  if (raw.starts_with('/')) return std::unexpected("is an absolute path");
  std::string out;
  while (!raw.empty()) {
    size_t slash = raw.find('/');
    std::string_view part = raw.substr(0, slash);
    raw.remove_prefix(slash == std::string_view::npos ? raw.size() : slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") return std::unexpected("leaves the package ('..' component)");
    out += '/';
    out += part;
  }
  if (out.empty()) out = "/";
  return out;
}

// The path relative to the tree's fd: "/usr/bin" → "usr/bin", "/" → ".".
const char* relative(const std::string& path) { return path.size() == 1 ? "." : path.c_str() + 1; }

// ---- the data.tar tree ------------------------------------------------------

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Writes the entries of one tar into the tree at `root_fd` and records them.
class TreeWriter {
 public:
  TreeWriter(int root_fd, std::string member) : root_fd_(root_fd), member_(std::move(member)) {
    entries_.push_back(implicit_dir("/"));
    nodes_.emplace("/", Node{0, true});
  }

  // Writes the entry `e` of `a` (and its data).
  Step<void> add(archive* a, archive_entry* e);

  // The entries, sorted by path.
  std::vector<Entry> finish() && {
    std::sort(entries_.begin(), entries_.end(),
              [](const Entry& x, const Entry& y) { return x.path < y.path; });
    return std::move(entries_);
  }

 private:
  struct Node {
    size_t index;   // into entries_
    bool implicit;  // a parent the archive did not list (yet)
  };

  static Entry implicit_dir(std::string path) {
    Entry d;
    d.path = std::move(path);
    d.type = EntryType::dir;
    d.mode = 0755;
    return d;
  }

  std::string where(const std::string& path) const {
    return fmt::format("{} entry {}", member_, shown(path.substr(1)));
  }

  Step<void> ensure_parents(const std::string& path);
  Step<void> write_data(archive* a, const std::string& path, mode_t mode, la_int64_t size);

  int root_fd_;
  std::string member_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, Node, StringHash, std::equal_to<>> nodes_;
};

// On-disk modes: the owner can always read, and list and delete directories;
// nothing is setuid, setgid, sticky, or writable by group or others.
mode_t safe_file_mode(uint32_t mode) { return (mode & 0755) | 0400; }
mode_t safe_dir_mode(uint32_t mode) { return (mode & 0755) | 0700; }

Step<void> TreeWriter::ensure_parents(const std::string& path) {
  // Each proper prefix ending before a '/', from the top: "/usr", "/usr/bin".
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    std::string_view parent(path.data(), slash);
    auto it = nodes_.find(parent);
    if (it == nodes_.end()) {
      std::string p(parent);
      if (::mkdirat(root_fd_, relative(p), 0755) != 0) return system_error("cannot create", p);
      nodes_.emplace(p, Node{entries_.size(), true});
      entries_.push_back(implicit_dir(std::move(p)));
      continue;
    }
    EntryType type = entries_[it->second.index].type;
    if (type == EntryType::symlink)
      return unsafe(fmt::format("{} would be written through the symlink {}", where(path),
                                shown(parent.substr(1))));
    if (type != EntryType::dir)
      return unsafe(fmt::format("{} is inside {}, which is not a directory", where(path),
                                shown(parent.substr(1))));
  }
  return {};
}

Step<void> TreeWriter::write_data(archive* a, const std::string& path, mode_t mode,
                                  la_int64_t size) {
  Fd fd(::openat(root_fd_, relative(path), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                 mode));
  if (fd.get() < 0) return system_error("cannot create", path);
  la_int64_t end = 0;
  for (;;) {
    const void* buf = nullptr;
    size_t len = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(a, &buf, &len, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN)
      return corrupt(fmt::format("{}: {}", member_, archive_error_string(a)));
    const char* p = static_cast<const char*>(buf);
    while (len > 0) {  // pwrite: sparse members come with holes between blocks
      ssize_t n = ::pwrite(fd.get(), p, len, offset);
      if (n < 0) {
        if (errno == EINTR) continue;
        return system_error("cannot write", path);
      }
      p += n;
      len -= static_cast<size_t>(n);
      offset += n;
    }
    end = std::max(end, offset);
  }
  // A sparse file may end in a hole.
  if (end < size && ::ftruncate(fd.get(), size) != 0) return system_error("cannot write", path);
  if (!fd.close()) return system_error("cannot write", path);
  return {};
}

Step<void> TreeWriter::add(archive* a, archive_entry* e) {
  const char* raw = archive_entry_pathname(e);
  if (raw == nullptr) raw = archive_entry_pathname_utf8(e);
  if (raw == nullptr) return unsafe(fmt::format("{} has an entry without a name", member_));
  auto normalized = normalize_path(raw);
  if (!normalized)
    return unsafe(fmt::format("{} entry {} {}", member_, shown(raw), normalized.error()));
  std::string path = std::move(*normalized);

  Entry entry;
  entry.path = path;
  entry.mode = static_cast<uint32_t>(archive_entry_perm(e)) & 07777;
  la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
  if (uid < 0 || uid > UINT32_MAX || gid < 0 || gid > UINT32_MAX)
    return unsafe(fmt::format("{} has an owner out of range ({}:{})", where(path), uid, gid));
  entry.uid = static_cast<uint32_t>(uid);
  entry.gid = static_cast<uint32_t>(gid);
  const char* user = archive_entry_uname(e);
  const char* group = archive_entry_gname(e);
  if (user == nullptr) user = archive_entry_uname_utf8(e);  // not in the C locale's charset
  if (group == nullptr) group = archive_entry_gname_utf8(e);
  if (user != nullptr) entry.user = user;
  if (group != nullptr) entry.group = group;
  entry.mtime = archive_entry_mtime(e);

  if (const char* link = archive_entry_hardlink(e)) {
    entry.type = EntryType::hardlink;
    auto target = normalize_path(link);
    if (!target)
      return unsafe(fmt::format("{} is a hard link pointing outside the package ({})",
                                where(path), shown(link)));
    entry.target = std::move(*target);
  } else {
    switch (archive_entry_filetype(e)) {
      case AE_IFREG: entry.type = EntryType::file; break;
      case AE_IFDIR: entry.type = EntryType::dir; break;
      case AE_IFLNK: entry.type = EntryType::symlink; break;
      case AE_IFCHR: entry.type = EntryType::char_device; break;
      case AE_IFBLK: entry.type = EntryType::block_device; break;
      case AE_IFIFO: entry.type = EntryType::fifo; break;
      default:
        return unsafe(fmt::format("{} has an unsupported type (mode {:o})", where(path),
                                  archive_entry_mode(e)));
    }
  }

  if (auto ok = ensure_parents(path); !ok) return ok;

  // A path seen before: only a directory again (same metadata), or the
  // explicit entry of a directory that was created as a parent.
  if (auto it = nodes_.find(path); it != nodes_.end()) {
    Entry& old = entries_[it->second.index];
    if (entry.type != EntryType::dir || old.type != EntryType::dir)
      return unsafe(fmt::format("{} appears twice", where(path)));
    if (it->second.implicit) {
      it->second.implicit = false;
      old = std::move(entry);
      return {};
    }
    if (old == entry) return {};
    return unsafe(fmt::format("{} appears twice with different metadata", where(path)));
  }

  const char* rel = relative(path);
  switch (entry.type) {
    case EntryType::file: {
      entry.size = static_cast<uint64_t>(std::max<la_int64_t>(archive_entry_size(e), 0));
      if (auto ok = write_data(a, path, safe_file_mode(entry.mode), archive_entry_size(e)); !ok)
        return ok;
      break;
    }
    case EntryType::dir:
      if (::mkdirat(root_fd_, rel, safe_dir_mode(entry.mode)) != 0)
        return system_error("cannot create", path);
      break;
    case EntryType::symlink: {
      const char* target = archive_entry_symlink(e);
      if (target == nullptr) target = archive_entry_symlink_utf8(e);
      if (target == nullptr || *target == '\0')
        return unsafe(fmt::format("{} is a symlink without a target", where(path)));
      entry.target = target;
      if (::symlinkat(target, root_fd_, rel) != 0) return system_error("cannot create", path);
      break;
    }
    case EntryType::hardlink: {
      // Only to a regular file already written (possibly through another
      // hard link): never to a symlink, a directory or something recorded only.
      auto it = nodes_.find(entry.target);
      EntryType to = it == nodes_.end() ? EntryType::dir : entries_[it->second.index].type;
      if (to != EntryType::file && to != EntryType::hardlink)
        return unsafe(fmt::format("{} is a hard link to {}, which is not an earlier file of "
                                  "the package",
                                  where(path), shown(entry.target.substr(1))));
      // Record the file itself, so a hard link's target is always a file.
      if (to == EntryType::hardlink) entry.target = entries_[it->second.index].target;
      if (::linkat(root_fd_, relative(entry.target), root_fd_, rel, 0) != 0)
        return system_error("cannot create", path);
      break;
    }
    case EntryType::char_device:
    case EntryType::block_device:
      entry.dev_major = static_cast<uint32_t>(archive_entry_rdevmajor(e));
      entry.dev_minor = static_cast<uint32_t>(archive_entry_rdevminor(e));
      break;
    case EntryType::fifo:
      break;
  }
  nodes_.emplace(path, Node{entries_.size(), false});
  entries_.push_back(std::move(entry));
  return {};
}

// ---- members of the ar archive ----------------------------------------------

// Feeds the outer reader's current member to an inner reader, block by block.
struct MemberSource {
  archive* outer;
  std::string error;  // the outer reader's error, if reading the member failed
};

la_ssize_t read_member(archive* inner, void* client, const void** buf) {
  auto* src = static_cast<MemberSource*>(client);
  size_t size = 0;
  la_int64_t offset = 0;
  int r = archive_read_data_block(src->outer, buf, &size, &offset);
  if (r == ARCHIVE_EOF) return 0;
  if (r < ARCHIVE_WARN) {
    const char* why = archive_error_string(src->outer);
    src->error = why != nullptr ? why : "read error";
    archive_set_error(inner, EIO, "%s", src->error.c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(size);
}

// The compressions dpkg writes, by member suffix. bzip2 is data.tar only.
struct Compression {
  std::string_view suffix;
  int (*enable)(archive*);
  bool control_too;
};
constexpr Compression kCompressions[] = {
    {"", nullptr, true},
    {".gz", archive_read_support_filter_gzip, true},
    {".xz", archive_read_support_filter_xz, true},
    {".zst", archive_read_support_filter_zstd, true},
    {".bz2", archive_read_support_filter_bzip2, false},
};

#if CAIRN_HAVE_LIBLZMA
// The compressed member, block by block, for an XzStream.
XzStream::Source member_blocks(MemberSource& src) {
  return [outer = src.outer](const void** data, size_t* size, std::string* error) {
    la_int64_t offset = 0;
    int r = archive_read_data_block(outer, data, size, &offset);
    if (r == ARCHIVE_EOF) return 0;
    if (r < ARCHIVE_WARN) {
      const char* why = archive_error_string(outer);
      *error = why != nullptr ? why : "read error";
      return -1;
    }
    return 1;
  };
}

la_ssize_t read_xz(archive* inner, void* client, const void** buf) {
  auto* xz = static_cast<XzStream*>(client);
  ssize_t n = xz->read(buf);
  if (n < 0) archive_set_error(inner, EIO, "%s", xz->error().c_str());
  return n;
}
#endif

// One tar member of the .deb ("data.tar.xz") opened for reading: the outer
// reader's blocks, decompressed, feed an inner tar reader.
class TarMember {
 public:
  TarMember(archive* outer, std::string name) : name_(std::move(name)), src_{outer, {}} {}

  // `prefix`: the length of "control.tar" or "data.tar" in the name.
  Step<void> open(size_t prefix, bool control);
  archive* get() const { return inner_.get(); }

  // Why the inner reader stopped: the source's reason (a truncated .deb, bad
  // xz data) if it failed, else the tar reader's.
  std::string error() const {
    if (!src_.error.empty()) return src_.error;
#if CAIRN_HAVE_LIBLZMA
    if (xz_)
      if (std::string why = xz_->error(); !why.empty()) return why;
#endif
    const char* why = archive_error_string(inner_.get());
    return why != nullptr ? why : "read error";
  }

 private:
  std::string name_;
  MemberSource src_;
#if CAIRN_HAVE_LIBLZMA
  std::unique_ptr<XzStream> xz_;
#endif
  ArchivePtr inner_;  // last, so it is closed before what it reads from
};

Step<void> TarMember::open(size_t prefix, bool control) {
  std::string_view suffix = std::string_view(name_).substr(prefix);
  const Compression* c = nullptr;
  for (const auto& k : kCompressions)
    if (k.suffix == suffix && (k.control_too || !control)) c = &k;
  if (c == nullptr)
    return unsafe(fmt::format("member {} has an unsupported compression", shown(name_)));
  inner_.reset(archive_read_new());
  if (!inner_) return std::unexpected(Failure{FailureKind::system, "out of memory"});
  archive_read_support_format_tar(inner_.get());
  void* client = &src_;
  archive_read_callback* reader = read_member;
#if CAIRN_HAVE_LIBLZMA
  if (suffix == ".xz") {
    xz_ = std::make_unique<XzStream>(member_blocks(src_));
    if (!xz_->start()) return std::unexpected(Failure{FailureKind::system, name_ + ": " + xz_->error()});
    client = xz_.get();
    reader = read_xz;
    c = &kCompressions[0];
  }
#endif
  // ARCHIVE_WARN would mean an external program; only the library will do.
  if (c->enable != nullptr && c->enable(inner_.get()) != ARCHIVE_OK)
    return std::unexpected(Failure{FailureKind::system,
        fmt::format("this libarchive cannot decompress {} by itself", name_)});
  if (archive_read_open(inner_.get(), client, nullptr, reader, nullptr) != ARCHIVE_OK)
    return corrupt(fmt::format("{}: {}", name_, error()));
  return {};
}

// name → contents of the kept control.tar members.
using ControlFiles = std::vector<std::pair<std::string, std::string>>;

Step<ControlFiles> read_control(archive* outer, const std::string& name) {
  TarMember member(outer, name);
  if (auto ok = member.open(std::string_view("control.tar").size(), true); !ok)
    return std::unexpected(ok.error());
  archive* a = member.get();
  ControlFiles files;
  archive_entry* e = nullptr;
  for (;;) {
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return corrupt(fmt::format("{}: {}", name, member.error()));
    const char* raw = archive_entry_pathname(e);
    if (raw == nullptr) continue;
    auto path = normalize_path(raw);
    if (!path) return unsafe(fmt::format("{} entry {} {}", name, shown(raw), path.error()));
    if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) != nullptr) continue;
    std::string_view base = std::string_view(*path).substr(1);
    if (std::ranges::find(kControlFiles, base) == std::end(kControlFiles)) continue;
    for (const auto& [seen, _] : files)
      if (seen == base) return unsafe(fmt::format("{} entry {} appears twice", name, shown(base)));
    if (archive_entry_size(e) > static_cast<la_int64_t>(kMaxControlFile))
      return unsafe(fmt::format("{} entry {} is larger than {} bytes", name, shown(base),
                                kMaxControlFile));
    std::string contents;
    contents.resize(static_cast<size_t>(std::max<la_int64_t>(archive_entry_size(e), 0)));
    size_t got = 0;
    while (got < contents.size()) {
      la_ssize_t n = archive_read_data(a, contents.data() + got, contents.size() - got);
      if (n < 0) return corrupt(fmt::format("{}: {}", name, member.error()));
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    contents.resize(got);
    files.emplace_back(std::string(base), std::move(contents));
  }
  return files;
}

Step<std::vector<Entry>> read_data(archive* outer, const std::string& name, int root_fd) {
  TarMember member(outer, name);
  if (auto ok = member.open(std::string_view("data.tar").size(), false); !ok)
    return std::unexpected(ok.error());
  archive* a = member.get();
  TreeWriter tree(root_fd, name);
  archive_entry* e = nullptr;
  for (;;) {
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return corrupt(fmt::format("{}: {}", name, member.error()));
    if (auto ok = tree.add(a, e); !ok) {
      if (ok.error().kind == FailureKind::corrupt)  // say why the data stopped
        return corrupt(fmt::format("{}: {}", name, member.error()));
      return std::unexpected(ok.error());
    }
  }
  return std::move(tree).finish();
}

// ---- control fields, metadata text, counts ---------------------------------

struct ControlFields {
  std::string package, version, architecture;
};

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The three single-line fields of the first deb822 paragraph (field names
// are case-insensitive; continuation lines belong to other fields).
ControlFields parse_control(std::string_view text) {
  ControlFields out;
  for (std::string_view line : split_lines(text)) {
    if (trim(line).empty()) break;
    if (line.front() == ' ' || line.front() == '\t' || line.front() == '#') continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view field = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (iequals(field, "Package")) out.package = value;
    else if (iequals(field, "Version")) out.version = value;
    else if (iequals(field, "Architecture")) out.architecture = value;
  }
  return out;
}


template <class T>
bool parse_number(std::string_view s, T& out, int base = 10) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

}  // namespace

Result<std::vector<Entry>> parse_metadata(std::string_view text, const std::string& file) {
  if (!text.starts_with(kMetadataHeader))
    return fail(fmt::format("{}: not a cairn metadata file of version 1", file));
  std::vector<Entry> entries;
  auto lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t line_no = i + 1;
    std::string_view line = lines[i];
    if (line.empty() || line.front() == '#') continue;
    std::string_view f[12];
    size_t n = 0;
    for (; n < 12 && !line.empty(); ++n) {
      size_t sp = line.find(' ');
      f[n] = line.substr(0, sp);
      line.remove_prefix(sp == std::string_view::npos ? line.size() : sp + 1);
    }
    auto bad = [&](std::string_view what) {
      return fail(fmt::format("{}:{}: {}", file, line_no, what));
    };
    if (n != 12 || !line.empty()) return bad("expected 12 fields");
    Entry e;
    auto path = parse_field(f[0]), user = parse_field(f[5]), group = parse_field(f[6]),
         target = parse_field(f[9]);
    if (!path || !user || !group || !target) return bad("bad escape");
    if (!path->starts_with('/')) return bad("path does not start with '/'");
    e.path = std::move(*path);
    e.user = std::move(*user);
    e.group = std::move(*group);
    e.target = std::move(*target);
    auto type = std::ranges::find(kTypeNames, f[1], &TypeName::name);
    if (type == std::end(kTypeNames)) return bad(fmt::format("unknown type {}", shown(f[1])));
    e.type = type->type;
    if (!parse_number(f[2], e.mode, 8) || e.mode > 07777) return bad("bad mode");
    if (!parse_number(f[3], e.uid) || !parse_number(f[4], e.gid)) return bad("bad owner");
    if (!parse_number(f[7], e.size)) return bad("bad size");
    if (!parse_number(f[8], e.mtime)) return bad("bad mtime");
    bool device = e.type == EntryType::char_device || e.type == EntryType::block_device;
    if (device ? !parse_number(f[10], e.dev_major) || !parse_number(f[11], e.dev_minor)
               : f[10] != "-" || f[11] != "-")
      return bad("bad device numbers");
    entries.push_back(std::move(e));
  }
  return entries;
}

namespace {

void count_entries(const std::vector<Entry>& entries, UnpackInfo& info) {
  for (const Entry& e : entries) {
    switch (e.type) {
      case EntryType::file:
        ++info.files;
        info.bytes += e.size;
        break;
      case EntryType::dir: ++info.directories; break;
      case EntryType::symlink: ++info.symlinks; break;
      case EntryType::hardlink: ++info.hardlinks; break;
      case EntryType::char_device:
      case EntryType::block_device:
      case EntryType::fifo: ++info.specials; break;
    }
  }
}

// ---- the whole package ------------------------------------------------------

// Creates `path` with `contents` (no fsync: unpack_deb syncs the whole tree).
Step<void> write_plain(const std::string& path, std::string_view contents) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (fd.get() < 0) return system_error("cannot create", path);
  while (!contents.empty()) {
    ssize_t n = ::write(fd.get(), contents.data(), contents.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return system_error("cannot write", path);
    }
    contents.remove_prefix(static_cast<size_t>(n));
  }
  if (!fd.close()) return system_error("cannot write", path);
  return {};
}

// Reads the .deb into the fresh directory `tmp`.
Step<UnpackInfo> unpack_into(const std::string& deb_path, const std::string& tmp) {
  const std::string root = tmp + "/root", meta = tmp + "/.cairn", control = meta + "/control";
  for (const std::string* dir : {&root, &meta, &control})
    if (::mkdir(dir->c_str(), 0755) != 0) return system_error("cannot create", *dir);
  Fd root_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (root_fd.get() < 0) return system_error("cannot open", root);

  Fd deb_fd(::open(deb_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (deb_fd.get() < 0) return system_error("cannot open", deb_path);
  ArchivePtr outer(archive_read_new());
  if (!outer) return std::unexpected(Failure{FailureKind::system, "out of memory"});
  archive_read_support_format_ar(outer.get());
  archive* a = outer.get();
  auto not_a_deb = [&](std::string_view why) {
    return corrupt(fmt::format("not a .deb ({})", why));
  };
  struct stat st {};
  if (::fstat(deb_fd.get(), &st) == 0 && st.st_size == 0) return not_a_deb("empty file");
  if (archive_read_open_fd(a, deb_fd.get(), kReadBlock) != ARCHIVE_OK)
    return not_a_deb(archive_error_string(a));

  // debian-binary first, saying "2.0".
  archive_entry* e = nullptr;
  int r = archive_read_next_header(a, &e);
  if (r == ARCHIVE_EOF) return not_a_deb("no debian-binary member");
  if (r < ARCHIVE_WARN) return not_a_deb(archive_error_string(a));
  if (std::string_view(archive_entry_pathname(e) ?: "") != "debian-binary")
    return not_a_deb(fmt::format("first member is {}, not debian-binary",
                                 shown(archive_entry_pathname(e) ?: "")));
  char version[16];
  la_ssize_t n = archive_read_data(a, version, sizeof version);
  if (n < 0) return corrupt(fmt::format("debian-binary: {}", archive_error_string(a)));
  if (std::string_view(version, static_cast<size_t>(n)) != "2.0\n")
    return unsafe(fmt::format("debian-binary says {}, only format 2.0 is supported",
                              shown(std::string_view(version, static_cast<size_t>(n)))));

  // Then control.tar.*, then data.tar.*; members starting with '_' (signatures) are skipped.
  std::optional<ControlFiles> control_files;
  std::optional<std::vector<Entry>> entries;
  for (;;) {
    r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return corrupt(archive_error_string(a));
    std::string name = archive_entry_pathname(e) ?: "";
    if (name.starts_with("control.tar") && !control_files && !entries) {
      auto got = read_control(a, name);
      if (!got) return std::unexpected(got.error());
      control_files = std::move(*got);
    } else if (name.starts_with("data.tar") && control_files && !entries) {
      auto got = read_data(a, name, root_fd.get());
      if (!got) return std::unexpected(got.error());
      entries = std::move(*got);
    } else if (!name.starts_with('_')) {
      return unsafe(fmt::format("unexpected member {}", shown(name)));
    }
  }
  if (!control_files) return not_a_deb("no control.tar member");
  if (!entries) return not_a_deb("no data.tar member");

  UnpackInfo info;
  bool has_control = false;
  for (const auto& [name, contents] : *control_files) {
    if (auto ok = write_plain(control + "/" + name, contents); !ok) return std::unexpected(ok.error());
    if (name == "control") {
      has_control = true;
      ControlFields f = parse_control(contents);
      info.package = std::move(f.package);
      info.version = std::move(f.version);
      info.architecture = std::move(f.architecture);
    }
  }
  if (!has_control) return unsafe("control.tar has no control file");
  if (info.package.empty()) return unsafe("the control file has no Package field");
  if (auto ok = write_plain(meta + "/metadata", format_metadata(*entries)); !ok)
    return std::unexpected(ok.error());
  count_entries(*entries, info);
  return info;
}

// A package unpacked into `<dest>.tmp-XXXXXX`: complete, but neither durable
// nor under its name yet. Dropping it removes the tree.
struct Staged {
  std::unique_ptr<TempTree> tree;
  UnpackInfo info;
};

Result<Staged> stage(const std::string& deb_path, const std::string& dest_dir) {
  namespace fs = std::filesystem;
  fs::path parent = fs::path(dest_dir).parent_path();
  std::error_code ec;
  if (!parent.empty() && !fs::is_directory(parent, ec) && !fs::create_directories(parent, ec) &&
      ec)
    return fail(fmt::format("unpacking {}: cannot create {}: {}", deb_path, parent.string(),
                            ec.message()));
  std::string tmpl = dest_dir + ".tmp-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr)
    return fail(fmt::format("unpacking {}: cannot create {}: {}", deb_path, tmpl,
                            std::strerror(errno)));
  Staged staged{std::make_unique<TempTree>(tmpl), {}};
  auto info = unpack_into(deb_path, tmpl);
  if (!info) return std::unexpected(to_error(deb_path, info.error()));
  staged.info = std::move(*info);
  ::chmod(tmpl.c_str(), 0755);  // mkdtemp made it 0700
  return staged;
}

Error errno_error(const std::string& deb_path, std::string_view what, const std::string& path) {
  return Error{fmt::format("unpacking {}: {} {}: {}", deb_path, what, path, std::strerror(errno))};
}

// One syncfs instead of an fsync per file: everything written to the
// filesystem holding `path` (data, inodes, directories) reaches the disk.
Result<void> sync_filesystem(const std::string& path, const std::string& deb_path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::syncfs(fd.get()) != 0)
    return std::unexpected(errno_error(deb_path, "cannot sync", path));
  return {};
}

// Gives a synced tree its name. When another process got there first, its
// (identical) tree is kept and ours removed.
Result<void> publish(Staged& staged, const std::string& deb_path, const std::string& dest_dir) {
  if (::rename(staged.tree->path().c_str(), dest_dir.c_str()) != 0) {
    if (errno == ENOTEMPTY || errno == EEXIST) return {};
    return std::unexpected(errno_error(deb_path, "cannot rename to", dest_dir));
  }
  staged.tree->release();
  return {};
}

std::string parent_of(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

// Makes the renames in `dir` durable.
Result<void> sync_directory(const std::string& dir, const std::string& deb_path) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0)
    return std::unexpected(errno_error(deb_path, "cannot sync", dir));
  return {};
}

}  // namespace

std::string format_metadata(const std::vector<Entry>& entries) {
  std::string out(kMetadataHeader);
  out.reserve(entries.size() * 96);
  auto it = std::back_inserter(out);
  for (const Entry& e : entries) {
    append_field(out, e.path);
    fmt::format_to(it, " {} {:04o} {} {} ", to_string(e.type), e.mode, e.uid, e.gid);
    append_field(out, e.user);
    out += ' ';
    append_field(out, e.group);
    fmt::format_to(it, " {} {} ", e.size, e.mtime);
    append_field(out, e.target);
    bool device = e.type == EntryType::char_device || e.type == EntryType::block_device;
    if (device) fmt::format_to(it, " {} {}\n", e.dev_major, e.dev_minor);
    else out += " - -\n";
  }
  return out;
}

std::string_view to_string(EntryType type) {
  for (const auto& t : kTypeNames)
    if (t.type == type) return t.name;
  return "?";
}

Result<UnpackInfo> unpack_deb(const std::string& deb_path, const std::string& dest_dir) {
  std::error_code ec;
  if (std::filesystem::exists(dest_dir, ec)) {
    auto info = read_unpack_info(dest_dir);
    if (!info) return std::unexpected(info.error().context("unpacking " + deb_path));
    return info;
  }
  auto staged = stage(deb_path, dest_dir);
  if (!staged) return std::unexpected(staged.error());
  // Contents durable before the name, the name durable before returning.
  if (auto ok = sync_filesystem(staged->tree->path(), deb_path); !ok)
    return std::unexpected(ok.error());
  if (auto ok = publish(*staged, deb_path, dest_dir); !ok) return std::unexpected(ok.error());
  if (auto ok = sync_directory(parent_of(dest_dir), deb_path); !ok)
    return std::unexpected(ok.error());
  return staged->info;
}

// As unpack_deb(), but the slow parts are shared: every package is staged
// first (in parallel), then each filesystem is synced once, then the trees
// are renamed and each parent directory synced once.
std::vector<Result<UnpackInfo>> unpack_all(const std::vector<UnpackRequest>& requests,
                                           unsigned jobs) {
  std::vector<Result<UnpackInfo>> results(requests.size());
  if (requests.empty()) return results;
  std::vector<std::optional<Staged>> staged(requests.size());
  // Largest first, so a big package (the kernel) does not start last.
  std::vector<std::pair<uint64_t, size_t>> order;
  order.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    struct stat st {};
    order.emplace_back(::stat(requests[i].deb_path.c_str(), &st) == 0 ? st.st_size : 0, i);
  }
  std::ranges::sort(order, std::greater<>());
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  jobs = static_cast<unsigned>(std::min<size_t>(jobs, requests.size()));
  std::atomic<size_t> next{0};
  {
    // Writeback runs behind the unpacking: a thread syncs the store's
    // filesystem every few hundred milliseconds while the workers write, so
    // the disk works while the cores decode and the final sync has only the
    // last writes left to wait for.
    std::mutex m;
    std::condition_variable cv;
    bool staging = true;
    std::jthread flusher([&] {
      Fd dir;
      std::unique_lock lock(m);
      while (!cv.wait_for(lock, std::chrono::milliseconds(200), [&] { return !staging; })) {
        lock.unlock();
        if (dir.get() < 0)  // the first package creates the directory
          dir = Fd(::open(parent_of(requests[order[0].second].dest_dir).c_str(),
                          O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (dir.get() >= 0) ::syncfs(dir.get());  // errors: the real sync reports them
        lock.lock();
      }
    });
    {
      std::vector<std::jthread> workers;
      for (unsigned j = 0; j < jobs; ++j)
        workers.emplace_back([&] {
          for (size_t k = next++; k < order.size(); k = next++) {
            size_t i = order[k].second;
            const UnpackRequest& req = requests[i];
            std::error_code ec;
            if (std::filesystem::exists(req.dest_dir, ec)) {
              results[i] = unpack_deb(req.deb_path, req.dest_dir);
              continue;
            }
            auto s = stage(req.deb_path, req.dest_dir);
            if (s) staged[i] = std::move(*s);
            else results[i] = std::unexpected(s.error());
          }
        });
    }
    {
      std::lock_guard lock(m);
      staging = false;
    }
    cv.notify_all();
  }

  // Sync each filesystem once (a failure fails the packages staged on it),
  // rename, then sync each parent directory once.
  std::vector<std::pair<dev_t, Result<void>>> filesystems;
  std::vector<std::pair<std::string, std::vector<size_t>>> parents;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!staged[i]) continue;
    const std::string& deb = requests[i].deb_path;
    struct stat st {};
    ::stat(staged[i]->tree->path().c_str(), &st);
    auto fs = std::ranges::find(filesystems, st.st_dev, &decltype(filesystems)::value_type::first);
    if (fs == filesystems.end())
      fs = filesystems.emplace(fs, st.st_dev, sync_filesystem(staged[i]->tree->path(), deb));
    Result<void> ok = fs->second;
    if (ok) ok = publish(*staged[i], deb, requests[i].dest_dir);
    if (!ok) {
      results[i] = std::unexpected(ok.error());
      continue;
    }
    results[i] = staged[i]->info;
    std::string parent = parent_of(requests[i].dest_dir);
    auto p = std::ranges::find(parents, parent, &decltype(parents)::value_type::first);
    if (p == parents.end()) p = parents.emplace(p, parent, std::vector<size_t>{});
    p->second.push_back(i);
  }
  for (const auto& [dir, members] : parents)
    if (auto ok = sync_directory(dir, requests[members[0]].deb_path); !ok)
      for (size_t i : members) results[i] = std::unexpected(ok.error());
  return results;
}

Result<std::vector<Entry>> read_metadata(const std::string& dir) {
  std::string file = dir + "/.cairn/metadata";
  auto text = read_file(file);
  if (!text) return std::unexpected(text.error());
  return parse_metadata(*text, file);
}

Result<UnpackInfo> read_unpack_info(const std::string& dir) {
  auto control = read_file(dir + "/.cairn/control/control");
  if (!control) return std::unexpected(control.error());
  auto entries = read_metadata(dir);
  if (!entries) return std::unexpected(entries.error());
  ControlFields f = parse_control(*control);
  UnpackInfo info{.package = std::move(f.package),
                  .version = std::move(f.version),
                  .architecture = std::move(f.architecture)};
  count_entries(*entries, info);
  return info;
}

}  // namespace cairn::debian
