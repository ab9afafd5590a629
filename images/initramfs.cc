// Writing the initramfs with libarchive (cpio newc + zstd), reproducibly and
// without root, and assembling cairn's entry list from a staged root.
//
// Why libarchive and not a hand-written newc writer: it is already linked
// (unpacking .debs), and 3.6's zstd write filter links libzstd, so the
// archive is written and compressed in one pass with no external tool.
// libarchive copies every header field from the archive_entry as given —
// it invents no inode or device number of its own for newc — so the bytes
// depend only on what is set here:
//   - uid, gid, mtime 0; the (unused) device of the archive's file system 0;
//   - inode numbers 1, 2, … in sorted order. The kernel's unpacker takes a
//     regular file with nlink ≥ 2 and an inode number seen before as a hard
//     link, so every non-directory gets nlink 1;
//   - entries sorted by path bytes: a directory precedes what it holds,
//     which the kernel needs (it creates each entry as it comes);
//   - zstd single-threaded at a fixed level (libzstd's output is a function
//     of input and parameters).
// Two traps of libarchive shape the writer: the client writer pads the
// final output to 10240-byte blocks unless told `bytes_in_last_block = 1`
// (trailing zeros a zstd frame does not own), and newc's finish_entry pads a
// file that delivered fewer bytes than its header promised with zeros
// silently — so a source that shrank while being read is caught here, by
// counting.
//
// The archive is built in memory, hashed, and handed to write_file_atomic()
// (temporary file, fsync, rename, directory fsync): an initramfs is a few
// MB, and nothing half-written can then reach `output`.
#include "images/initramfs.hh"

#include <archive.h>
#include <archive_entry.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <optional>
#include <set>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

#include "base/fd.hh"
#include "base/files.hh"
#include "base/hash.hh"
#include "images/elf.hh"

namespace cairn::images {

namespace {

using Kind = InitramfsEntry::Kind;

struct KindName {
  Kind kind;
  std::string_view name;
};
constexpr KindName kKindNames[] = {
    {Kind::file, "file"},
    {Kind::dir, "dir"},
    {Kind::symlink, "symlink"},
    {Kind::char_device, "char"},
};

/// How much of a source file one read takes.
constexpr size_t kChunk = 1 << 16;
/// The largest file a newc header can describe.
constexpr uint64_t kMaxFileSize = 0xffffffff;

/// The device nodes every initramfs holds (the kernel mounts no devtmpfs).
InitramfsEntry device(std::string path, uint32_t mode, uint32_t major, uint32_t minor) {
  InitramfsEntry e;
  e.path = std::move(path);
  e.kind = Kind::char_device;
  e.mode = mode;
  e.major = major;
  e.minor = minor;
  return e;
}

InitramfsEntry directory(std::string path) {
  InitramfsEntry e;
  e.path = std::move(path);
  e.kind = Kind::dir;
  e.mode = 0755;
  return e;
}

InitramfsEntry symlink_entry(std::string path, std::string target) {
  InitramfsEntry e;
  e.path = std::move(path);
  e.kind = Kind::symlink;
  e.mode = 0777;
  e.target = std::move(target);
  return e;
}

InitramfsEntry file_entry(std::string path, uint32_t mode, std::string source) {
  InitramfsEntry e;
  e.path = std::move(path);
  e.kind = Kind::file;
  e.mode = mode;
  e.source = std::move(source);
  return e;
}

std::string errno_text(std::string_view what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}

/// Checks InitramfsEntry::path's rules (also used for module paths).
Result<void> check_path(std::string_view path) {
  if (path.empty()) return fail("an empty path (the archive root needs no entry)");
  if (path.find('\0') != std::string_view::npos)
    return fail(fmt::format("\"{}\": a path cannot hold a NUL byte", path));
  if (path.find('\n') != std::string_view::npos)
    return fail(fmt::format("\"{}\": a path cannot hold a newline", path));
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string_view part =
        path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (part.empty() || part == "." || part == "..")
      return fail(fmt::format(
          "\"{}\": not a relative path without empty, \".\" or \"..\" components", path));
    if (slash == std::string_view::npos) return {};
    start = slash + 1;
  }
}

std::string parent_of(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}

/// Checks one caller's entry.
Result<void> check_entry(const InitramfsEntry& e) {
  if (auto ok = check_path(e.path); !ok) return ok;
  if (e.mode > 07777)
    return fail(fmt::format("{}: mode {:o} has bits beyond 07777", e.path, e.mode));
  if (e.kind != Kind::file && (!e.source.empty() || !e.contents.empty()))
    return fail(fmt::format("{}: a {} with a source or contents", e.path, to_string(e.kind)));
  if (e.kind != Kind::symlink && !e.target.empty())
    return fail(fmt::format("{}: a {} with a symlink target", e.path, to_string(e.kind)));
  if (e.kind != Kind::char_device && (e.major != 0 || e.minor != 0))
    return fail(fmt::format("{}: a {} with a device number", e.path, to_string(e.kind)));
  switch (e.kind) {
    case Kind::file:
      if (!e.source.empty() && !e.contents.empty())
        return fail(
            fmt::format("{}: a file with both a source ({}) and contents", e.path, e.source));
      if (e.source.find('\0') != std::string::npos)
        return fail(fmt::format("{}: the source path holds a NUL byte", e.path));
      break;
    case Kind::symlink:
      if (e.target.empty()) return fail(fmt::format("{}: a symlink without a target", e.path));
      if (e.target.find('\0') != std::string::npos)
        return fail(fmt::format("{}: the symlink target holds a NUL byte", e.path));
      break;
    case Kind::dir:
    case Kind::char_device:
      break;
  }
  return {};
}

/// The caller's entries checked, completed with the device nodes and the
/// missing parent directories, in archive order.
Result<std::vector<InitramfsEntry>> complete(const std::vector<InitramfsEntry>& entries) {
  std::map<std::string, InitramfsEntry> by_path;
  for (const auto& e : entries) {
    if (auto ok = check_entry(e); !ok) return std::unexpected(ok.error());
    if (!by_path.emplace(e.path, e).second)
      return fail(fmt::format("{}: two entries for one path", e.path));
  }
  for (auto& d : {device("dev/console", 0600, 5, 1), device("dev/null", 0666, 1, 3)})
    by_path.emplace(d.path, d);

  std::vector<std::string> paths;
  paths.reserve(by_path.size());
  for (const auto& [path, e] : by_path) paths.push_back(path);
  for (const auto& path : paths) {
    for (std::string parent = parent_of(path); !parent.empty(); parent = parent_of(parent)) {
      auto it = by_path.find(parent);
      if (it == by_path.end()) {
        by_path.emplace(parent, directory(parent));
        continue;
      }
      if (it->second.kind != Kind::dir)
        return fail(fmt::format("{}: its parent {} is a {}, not a directory", path, parent,
                                to_string(it->second.kind)));
      break;  // a listed directory: its own parents are checked in its turn
    }
  }
  std::vector<InitramfsEntry> out;
  out.reserve(by_path.size());
  for (auto& [path, e] : by_path) out.push_back(std::move(e));
  return out;
}


/// Owns a libarchive writer and one reusable entry.
class Writer {
 public:
  Writer() : archive_(archive_write_new()), entry_(archive_entry_new()) {}
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer() {
    archive_entry_free(entry_);
    archive_write_free(archive_);  // also closes it if still open
  }
  archive* get() const { return archive_; }
  archive_entry* entry() const { return entry_; }
  /// libarchive's last error, for messages.
  std::string error() const {
    const char* e = archive_error_string(archive_);
    return e ? e : "unknown libarchive error";
  }

 private:
  archive* archive_;
  archive_entry* entry_;
};

la_ssize_t append_to_string(archive*, void* data, const void* buffer, size_t size) {
  static_cast<std::string*>(data)->append(static_cast<const char*>(buffer), size);
  return static_cast<la_ssize_t>(size);
}

/// Writes the body of a file entry from its source, checking that the file
/// delivers exactly `size` bytes.
Result<void> copy_source(Writer& w, const InitramfsEntry& e, int fd, uint64_t size) {
  std::string buffer(kChunk, '\0');
  uint64_t done = 0;
  while (true) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno_text(e.path + ": cannot read", e.source));
    }
    if (n == 0) break;
    done += static_cast<uint64_t>(n);
    if (done > size) break;
    if (archive_write_data(w.get(), buffer.data(), static_cast<size_t>(n)) != n)
      return fail(fmt::format("{}: {}", e.path, w.error()));
  }
  if (done != size)
    return fail(fmt::format("{}: {} changed size while being read ({} bytes, then {} or more)",
                            e.path, e.source, size, done));
  return {};
}

/// Adds one entry (header and body) with inode number `ino`.
Result<void> write_entry(Writer& w, const InitramfsEntry& e, uint64_t ino) {
  archive_entry* a = w.entry();
  archive_entry_clear(a);
  archive_entry_copy_pathname(a, e.path.c_str());
  archive_entry_set_ino64(a, static_cast<la_int64_t>(ino));
  archive_entry_set_uid(a, 0);
  archive_entry_set_gid(a, 0);
  archive_entry_set_mtime(a, 0, 0);
  archive_entry_set_dev(a, 0);
  archive_entry_set_nlink(a, e.kind == Kind::dir ? 2 : 1);
  archive_entry_set_size(a, 0);  // libarchive wants a size on every entry

  std::optional<Fd> source;
  uint64_t size = 0;
  switch (e.kind) {
    case Kind::file:
      archive_entry_set_filetype(a, AE_IFREG);
      archive_entry_set_perm(a, e.mode);
      if (e.source.empty()) {
        size = e.contents.size();
      } else {
        source.emplace(::open(e.source.c_str(), O_RDONLY | O_CLOEXEC));
        if (source->get() < 0) return fail(errno_text(e.path + ": cannot open", e.source));
        struct stat st{};
        if (::fstat(source->get(), &st) != 0)
          return fail(errno_text(e.path + ": cannot stat", e.source));
        if (!S_ISREG(st.st_mode))
          return fail(fmt::format("{}: the source {} is not a regular file", e.path, e.source));
        size = static_cast<uint64_t>(st.st_size);
      }
      // newc's size field has 8 hex digits; libarchive would write a wrong
      // size silently.
      if (size > kMaxFileSize)
        return fail(fmt::format("{}: {} bytes, more than a cpio newc entry holds ({})", e.path,
                                size, kMaxFileSize));
      archive_entry_set_size(a, static_cast<la_int64_t>(size));
      break;
    case Kind::dir:
      archive_entry_set_filetype(a, AE_IFDIR);
      archive_entry_set_perm(a, e.mode);
      break;
    case Kind::symlink:
      archive_entry_set_filetype(a, AE_IFLNK);
      archive_entry_set_perm(a, 0777);
      archive_entry_copy_symlink(a, e.target.c_str());
      break;
    case Kind::char_device:
      archive_entry_set_filetype(a, AE_IFCHR);
      archive_entry_set_perm(a, e.mode);
      archive_entry_set_rdevmajor(a, e.major);
      archive_entry_set_rdevminor(a, e.minor);
      break;
  }
  if (archive_write_header(w.get(), a) != ARCHIVE_OK)
    return fail(fmt::format("{}: {}", e.path, w.error()));
  if (e.kind != Kind::file) return {};
  if (!source) {
    if (!e.contents.empty() &&
        archive_write_data(w.get(), e.contents.data(), e.contents.size()) !=
            static_cast<la_ssize_t>(e.contents.size()))
      return fail(fmt::format("{}: {}", e.path, w.error()));
    return {};
  }
  return copy_source(w, e, source->get(), size);
}

Result<InitramfsInfo> write(const std::vector<InitramfsEntry>& given, const std::string& output,
                            const InitramfsOptions& options) {
  if (options.zstd_level < 1 || options.zstd_level > 22)
    return fail(fmt::format("zstd level {} is not in 1..22", options.zstd_level));
  auto entries = complete(given);
  if (!entries) return std::unexpected(entries.error());

  std::string bytes;
  Writer w;
  std::string level = std::to_string(options.zstd_level);
  if (archive_write_set_format_cpio_newc(w.get()) != ARCHIVE_OK ||
      archive_write_add_filter_zstd(w.get()) != ARCHIVE_OK ||
      archive_write_set_filter_option(w.get(), "zstd", "compression-level", level.c_str()) !=
          ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(w.get(), 1) != ARCHIVE_OK ||
      archive_write_open(w.get(), &bytes, nullptr, append_to_string, nullptr) != ARCHIVE_OK)
    return fail("cannot set up libarchive's cpio newc writer with zstd: " + w.error());
  for (size_t i = 0; i < entries->size(); ++i)
    if (auto ok = write_entry(w, (*entries)[i], i + 1); !ok) return std::unexpected(ok.error());
  if (archive_write_close(w.get()) != ARCHIVE_OK)
    return fail("cannot finish the archive: " + w.error());

  InitramfsInfo info;
  info.path = output;
  info.size = bytes.size();
  info.cpio_size = static_cast<uint64_t>(archive_filter_bytes(w.get(), 0));
  info.entries = entries->size();
  info.sha256 = sha256_hex(bytes);
  if (auto ok = write_file_atomic(output, bytes); !ok) return std::unexpected(ok.error());
  return info;
}

// --- cairn's entry list -------------------------------------------------------

/// Entries keyed by path; a second, identical entry is allowed (the closure
/// and the merged-/usr links both name `lib`), a different one is not.
class EntryMap {
 public:
  Result<void> add(InitramfsEntry e) {
    auto [it, added] = entries_.emplace(e.path, e);
    if (!added && it->second != e)
      return fail(fmt::format("{}: two different entries (a {} and a {})", e.path,
                              to_string(it->second.kind), to_string(e.kind)));
    return {};
  }
  std::vector<InitramfsEntry> take() {
    std::vector<InitramfsEntry> out;
    out.reserve(entries_.size());
    for (auto& [path, e] : entries_) out.push_back(std::move(e));
    return out;
  }

 private:
  std::map<std::string, InitramfsEntry> entries_;
};

Result<std::string> read_link(const std::string& host) {
  std::string target(4096, '\0');
  ssize_t n = ::readlink(host.c_str(), target.data(), target.size());
  if (n < 0) return fail(errno_text("cannot read the link", host));
  if (static_cast<size_t>(n) >= target.size()) return fail(host + ": link target too long");
  target.resize(static_cast<size_t>(n));
  return target;
}

/// The entry for `path` of the staged root as it is on disk: a symlink is
/// copied, a regular file referenced (0755 if executable, else 0644).
Result<InitramfsEntry> from_root(const std::string& root, const std::string& path) {
  std::string host = root + "/" + path;
  struct stat st{};
  if (::lstat(host.c_str(), &st) != 0) return fail(errno_text("cannot stat", host));
  if (S_ISLNK(st.st_mode)) {
    auto target = read_link(host);
    if (!target) return std::unexpected(target.error());
    return symlink_entry(path, std::move(*target));
  }
  if (S_ISREG(st.st_mode))
    return file_entry(path, (st.st_mode & 0111) != 0 ? 0755 : 0644, host);
  return fail(fmt::format("{}: neither a regular file nor a symlink in the staged root", path));
}

/// Whether `path` is a regular file of the staged root: not a link, and not
/// reached through a directory link that leaves the root.
bool is_regular_in_root(const std::string& root, const std::string& path) {
  std::string host = root + "/" + path;
  struct stat st{};
  if (::lstat(host.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  char* real_root = ::realpath(root.c_str(), nullptr);
  char* real_file = ::realpath(host.c_str(), nullptr);
  std::string prefix = real_root == nullptr ? "" : real_root;
  if (prefix != "/") prefix += "/";
  bool inside = real_root != nullptr && real_file != nullptr &&
                std::string_view(real_file).starts_with(prefix);
  std::free(real_root);
  std::free(real_file);
  return inside;
}

Result<std::vector<InitramfsEntry>> assemble(const std::string& root, const std::string& activator,
                                             const std::vector<std::string>& modules,
                                             const std::string& kver, bool with_busybox) {
  if (kver.empty() || kver == "." || kver == ".." ||
      kver.find_first_of(std::string_view("/\n\0", 3)) != std::string::npos)
    return fail(fmt::format("kernel version \"{}\" is not one directory name", kver));
  EntryMap out;

  // The activator must be built for the staged root's architecture.
  auto info = read_elf(activator);
  if (!info) return std::unexpected(info.error());
  if (auto triplet = multiarch_triplet(info->machine); triplet && info->dynamic) {
    struct stat st{};
    std::string libdir = fmt::format("usr/lib/{}", *triplet);
    if (::stat((root + "/" + libdir).c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return fail(fmt::format("the activator {} is built for {}, but the staged root has no {}; "
                              "build cairn-activate for the target's architecture",
                              activator, machine_name(info->machine), libdir));
  }
  if (auto ok = out.add(file_entry("init", 0755, activator)); !ok)
    return std::unexpected(ok.error());

  std::vector<std::string> programs = {activator};
  const std::string busybox = "usr/bin/busybox";
  if (with_busybox) {
    if (!is_regular_in_root(root, busybox))
      return fail(fmt::format("{} is not a file in the staged root; add busybox-static to the "
                              "host's packages, or build without the debug shell",
                              busybox));
    programs.push_back(root + "/" + busybox);
    if (auto ok = out.add(file_entry(busybox, 0755, root + "/" + busybox)); !ok)
      return std::unexpected(ok.error());
    if (auto ok = out.add(symlink_entry("usr/bin/sh", "busybox")); !ok)
      return std::unexpected(ok.error());
  }

  auto closure = library_closure(root, programs);
  if (!closure) return std::unexpected(closure.error());
  for (const auto& path : *closure) {
    auto e = from_root(root, path);
    if (!e) return std::unexpected(e.error());
    if (auto ok = out.add(std::move(*e)); !ok) return std::unexpected(ok.error());
  }

  const std::string moddir = "usr/lib/modules/" + kver;
  std::set<std::string> seen;
  std::string load_list;
  for (const auto& m : modules) {
    if (auto ok = check_path(m); !ok)
      return std::unexpected(ok.error().context("module path"));
    if (!seen.insert(m).second) return fail(fmt::format("module {} is listed twice", m));
    std::string path = moddir + "/" + m;
    if (!is_regular_in_root(root, path))
      return fail(fmt::format("module {} is not a file in the staged root; is it built for kernel "
                              "{}, and is the module list right?",
                              path, kver));
    if (auto ok = out.add(file_entry(path, 0644, root + "/" + path)); !ok)
      return std::unexpected(ok.error());
    load_list += m + "\n";
  }
  InitramfsEntry list;
  list.path = moddir + "/" + std::string(kModuleLoadList);
  list.mode = 0644;
  list.contents = std::move(load_list);
  if (auto ok = out.add(std::move(list)); !ok) return std::unexpected(ok.error());

  // Merged /usr as the staged root has it; lib64 only where the root has one.
  for (std::string_view name : {"bin", "sbin", "lib", "lib64"}) {
    std::string host = root + "/" + std::string(name);
    struct stat st{};
    InitramfsEntry link;
    if (::lstat(host.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      auto target = read_link(host);
      if (!target) return std::unexpected(target.error());
      link = symlink_entry(std::string(name), std::move(*target));
    } else if (name != "lib64") {
      link = symlink_entry(std::string(name), "usr/" + std::string(name));
    } else {
      continue;
    }
    if (auto ok = out.add(std::move(link)); !ok) return std::unexpected(ok.error());
  }
  for (const char* mount_point : {"dev", "proc", "run", "sys"})
    if (auto ok = out.add(directory(mount_point)); !ok) return std::unexpected(ok.error());
  return out.take();
}

}  // namespace

std::string_view to_string(InitramfsEntry::Kind kind) {
  for (const auto& k : kKindNames)
    if (k.kind == kind) return k.name;
  return "unknown";
}

Result<InitramfsInfo> write_initramfs(const std::vector<InitramfsEntry>& entries,
                                      const std::string& output, const InitramfsOptions& options) {
  auto info = write(entries, output, options);
  if (!info) return std::unexpected(info.error().context("writing initramfs " + output));
  return info;
}

Result<std::vector<InitramfsEntry>> activator_initramfs(
    const std::string& staged_root, const std::string& activator_binary,
    const std::vector<std::string>& module_paths, const std::string& kernel_version,
    bool with_busybox) {
  auto entries =
      assemble(staged_root, activator_binary, module_paths, kernel_version, with_busybox);
  if (!entries) return std::unexpected(entries.error().context("initramfs for " + staged_root));
  return entries;
}

}  // namespace cairn::images
