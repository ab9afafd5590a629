// Reading ELF dynamic information, and ld.so's library search replayed inside
// a root tree.
//
// The parser. ld.so never looks at section headers, and neither does this:
// after the ELF header come the program headers; PT_INTERP holds the
// loader's path; PT_DYNAMIC holds (tag, value) pairs up to DT_NULL, where
// DT_NEEDED, DT_SONAME, DT_RPATH and DT_RUNPATH are offsets into the string
// table whose *virtual address* is DT_STRTAB and size DT_STRSZ. The address
// becomes a file offset through the PT_LOAD segment that maps it. Every
// offset and size read from the file is checked against the input (with
// overflow-safe arithmetic) before anything is read at it, so any byte
// string — the fuzz target's diet — ends in a value or an error.
//
// The search. library_closure() replays ld.so per program, because ld.so's
// answer depends on the program: which names are loaded already and which
// DT_RPATHs are inherited along the loader chain. Objects are loaded breadth
// first in DT_NEEDED order, as ld.so does, so the first object to claim a
// soname wins exactly as on the device. Three details decide real cases:
//   - The interpreter is loaded before anything else and answers to its
//     DT_SONAME: libc.so.6's DT_NEEDED "ld-linux-x86-64.so.2" is the loader
//     itself, found through PT_INTERP (/lib64/…), not through a search.
//   - A second name for a file already loaded (a symlink) reuses the
//     object, as ld.so's device/inode check does; its links are still
//     listed, since that name must resolve on the device as well.
//   - Candidates of the wrong class or machine are passed over, not fatal,
//     so an i386 or arm64 library in /usr/lib cannot stop the search.
//
// Links are followed inside the root by resolve_in_root(), one component at
// a time with lstat/readlink under `root/<canonical prefix>`; since the
// prefix never holds a link, the host's kernel never follows one itself,
// and an absolute target restarts at the root instead of at the build
// machine's `/`.
#include "images/elf.hh"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <map>
#include <set>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

#include "base/fd.hh"

namespace cairn::images {

namespace {

// The ELF64 layout (elf.h), little-endian.
constexpr size_t kIdentSize = 16;
constexpr size_t kEhdrSize = 64;
constexpr size_t kPhdrSize = 56;
constexpr size_t kDynSize = 16;
constexpr uint8_t kClass32 = 1, kClass64 = 2;
constexpr uint8_t kDataLsb = 1, kDataMsb = 2;
constexpr uint16_t kEtRel = 1, kEtExec = 2, kEtDyn = 3, kEtCore = 4;
constexpr uint16_t kPnXnum = 0xffff;
constexpr uint32_t kPtLoad = 1, kPtDynamic = 2, kPtInterp = 3;
constexpr uint64_t kDtNull = 0, kDtNeeded = 1, kDtStrtab = 5, kDtStrsz = 10, kDtSoname = 14,
                   kDtRpath = 15, kDtRunpath = 29;

/// ld.so and the kernel give up after this many links in one lookup.
constexpr int kMaxLinks = 40;

struct MachineInfo {
  uint16_t machine;
  std::string_view name;
  std::string_view triplet;
};
constexpr MachineInfo kMachines[] = {
    {kElfMachineX86_64, "x86-64", "x86_64-linux-gnu"},
    {kElfMachineAarch64, "AArch64", "aarch64-linux-gnu"},
};

const MachineInfo* find_machine(uint16_t machine) {
  for (const auto& m : kMachines)
    if (m.machine == machine) return &m;
  return nullptr;
}

// Little-endian reads; the caller has checked the bounds.
uint16_t u16(std::string_view b, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(b[at]) |
                               static_cast<uint8_t>(b[at + 1]) << 8);
}
uint32_t u32(std::string_view b, size_t at) {
  return static_cast<uint32_t>(u16(b, at)) | static_cast<uint32_t>(u16(b, at + 2)) << 16;
}
uint64_t u64(std::string_view b, size_t at) {
  return static_cast<uint64_t>(u32(b, at)) | static_cast<uint64_t>(u32(b, at + 4)) << 32;
}

/// Whether [offset, offset + length) lies within `size` bytes.
bool fits(uint64_t offset, uint64_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

struct Segment {
  uint32_t type;
  uint64_t offset;
  uint64_t vaddr;
  uint64_t filesz;
};

/// A DT_RPATH/DT_RUNPATH value split at ':', empty elements kept.
std::vector<std::string> split_search_path(std::string_view s) {
  std::vector<std::string> out;
  while (true) {
    auto colon = s.find(':');
    out.emplace_back(s.substr(0, colon));
    if (colon == std::string_view::npos) break;
    s.remove_prefix(colon + 1);
  }
  return out;
}

/// The dynamic string table: a checked window of the file.
class StringTable {
 public:
  explicit StringTable(std::string_view table) : table_(table) {}
  Result<std::string> at(uint64_t offset, std::string_view tag) const {
    if (offset >= table_.size())
      return fail(fmt::format(
          "{} points at offset {} of the dynamic string table, which has {} bytes", tag, offset,
          table_.size()));
    auto nul = table_.find('\0', offset);
    if (nul == std::string_view::npos)
      return fail(fmt::format("{} at offset {} of the dynamic string table is not NUL-terminated",
                              tag, offset));
    return std::string(table_.substr(offset, nul - offset));
  }

 private:
  std::string_view table_;
};

/// The values of PT_DYNAMIC this reader uses; strings still as offsets.
struct DynamicTags {
  std::vector<uint64_t> needed;
  std::optional<uint64_t> strtab, strsz, soname, rpath, runpath;
};

Result<DynamicTags> read_dynamic(std::string_view bytes, const Segment& dynamic) {
  if (!fits(dynamic.offset, dynamic.filesz, bytes.size()))
    return fail(fmt::format(
        "truncated: PT_DYNAMIC at offset {} ({} bytes) ends past the end of the file ({} bytes)",
        dynamic.offset, dynamic.filesz, bytes.size()));
  DynamicTags tags;
  for (uint64_t at = dynamic.offset; at + kDynSize <= dynamic.offset + dynamic.filesz;
       at += kDynSize) {
    uint64_t tag = u64(bytes, at);
    uint64_t value = u64(bytes, at + 8);
    if (tag == kDtNull) break;
    switch (tag) {
      case kDtNeeded: tags.needed.push_back(value); break;
      case kDtStrtab: tags.strtab = value; break;
      case kDtStrsz: tags.strsz = value; break;
      case kDtSoname: tags.soname = value; break;
      case kDtRpath: tags.rpath = value; break;
      case kDtRunpath: tags.runpath = value; break;
      default: break;
    }
  }
  return tags;
}

/// The file bytes of the string table at virtual address `vaddr`.
Result<std::string_view> string_table(std::string_view bytes, const std::vector<Segment>& segments,
                                      uint64_t vaddr, uint64_t size) {
  for (const auto& s : segments) {
    if (s.type != kPtLoad || vaddr < s.vaddr || vaddr - s.vaddr >= s.filesz) continue;
    uint64_t skip = vaddr - s.vaddr;
    if (size > s.filesz - skip)
      return fail(fmt::format("the dynamic string table ({} bytes at address {:#x}) runs past the "
                              "end of its PT_LOAD segment",
                              size, vaddr));
    uint64_t offset = s.offset + skip;
    if (offset < s.offset || !fits(offset, size, bytes.size()))
      return fail(fmt::format("truncated: the dynamic string table at offset {} ({} bytes) ends "
                              "past the end of the file ({} bytes)",
                              offset, size, bytes.size()));
    return bytes.substr(offset, size);
  }
  return fail(fmt::format("DT_STRTAB address {:#x} is in no PT_LOAD segment of the file", vaddr));
}

Result<ElfInfo> parse(std::string_view bytes) {
  if (bytes.size() < 4 || bytes.substr(0, 4) != std::string_view("\x7f" "ELF", 4))
    return fail("not an ELF file (no \\x7fELF magic)");
  if (bytes.size() < kIdentSize)
    return fail(fmt::format("truncated: the ELF identification needs {} bytes, the file has {}",
                            kIdentSize, bytes.size()));
  auto elf_class = static_cast<uint8_t>(bytes[4]);
  auto data = static_cast<uint8_t>(bytes[5]);
  if (elf_class == kClass32) return fail("a 32-bit ELF file; only 64-bit ELF is read");
  if (elf_class != kClass64) return fail(fmt::format("unknown ELF class {}", elf_class));
  if (data == kDataMsb) return fail("a big-endian ELF file; only little-endian ELF is read");
  if (data != kDataLsb) return fail(fmt::format("unknown ELF data encoding {}", data));
  if (bytes[6] != 1)
    return fail(fmt::format("unknown ELF version {}", static_cast<uint8_t>(bytes[6])));
  if (bytes.size() < kEhdrSize)
    return fail(fmt::format("truncated: the ELF header needs {} bytes, the file has {}", kEhdrSize,
                            bytes.size()));

  ElfInfo info;
  info.type = u16(bytes, 16);
  info.machine = u16(bytes, 18);
  switch (info.type) {
    case kEtExec: case kEtDyn: break;
    case kEtRel: return fail("a relocatable object (ET_REL), not a program or shared library");
    case kEtCore: return fail("a core dump (ET_CORE), not a program or shared library");
    default:
      return fail(fmt::format("ELF type {} is not a program or shared library", info.type));
  }
  uint64_t phoff = u64(bytes, 32);
  uint16_t phentsize = u16(bytes, 54);
  uint16_t phnum = u16(bytes, 56);
  if (phnum == kPnXnum)
    return fail("more than 65534 program headers (PN_XNUM), which ld.so does not load");
  if (phnum > 0 && phentsize != kPhdrSize)
    return fail(fmt::format("program header size {} is not ELF64's {}", phentsize, kPhdrSize));
  if (!fits(phoff, uint64_t{phnum} * kPhdrSize, bytes.size()))
    return fail(fmt::format("truncated: {} program headers at offset {} end past the end of the "
                            "file ({} bytes)",
                            phnum, phoff, bytes.size()));

  std::vector<Segment> segments;
  segments.reserve(phnum);
  const Segment* interp = nullptr;
  const Segment* dynamic = nullptr;
  for (uint16_t i = 0; i < phnum; ++i) {
    size_t at = static_cast<size_t>(phoff) + size_t{i} * kPhdrSize;
    segments.push_back(Segment{u32(bytes, at), u64(bytes, at + 8), u64(bytes, at + 16),
                               u64(bytes, at + 32)});
  }
  for (const auto& s : segments) {
    if (s.type == kPtInterp) {
      if (interp != nullptr) return fail("two PT_INTERP program headers");
      interp = &s;
    } else if (s.type == kPtDynamic) {
      if (dynamic != nullptr) return fail("two PT_DYNAMIC program headers");
      dynamic = &s;
    }
  }

  if (interp != nullptr) {
    if (!fits(interp->offset, interp->filesz, bytes.size()))
      return fail(fmt::format("truncated: PT_INTERP at offset {} ({} bytes) ends past the end of "
                              "the file ({} bytes)",
                              interp->offset, interp->filesz, bytes.size()));
    std::string_view text = bytes.substr(interp->offset, interp->filesz);
    auto nul = text.find('\0');
    if (nul == std::string_view::npos) return fail("PT_INTERP is not NUL-terminated");
    if (nul == 0) return fail("PT_INTERP is empty");
    info.interpreter = std::string(text.substr(0, nul));
  }

  if (dynamic == nullptr) return info;
  info.dynamic = true;
  auto tags = read_dynamic(bytes, *dynamic);
  if (!tags) return std::unexpected(tags.error());
  bool has_strings = !tags->needed.empty() || tags->soname || tags->rpath || tags->runpath;
  if (!has_strings) return info;
  if (!tags->strtab) return fail("DT_NEEDED, DT_SONAME, DT_RPATH or DT_RUNPATH without DT_STRTAB");
  if (!tags->strsz) return fail("DT_STRTAB without DT_STRSZ");
  auto table_bytes = string_table(bytes, segments, *tags->strtab, *tags->strsz);
  if (!table_bytes) return std::unexpected(table_bytes.error());
  StringTable table(*table_bytes);

  for (uint64_t offset : tags->needed) {
    auto name = table.at(offset, "DT_NEEDED");
    if (!name) return std::unexpected(name.error());
    if (name->empty()) return fail("an empty DT_NEEDED name");
    info.needed.push_back(std::move(*name));
  }
  if (tags->soname) {
    auto soname = table.at(*tags->soname, "DT_SONAME");
    if (!soname) return std::unexpected(soname.error());
    info.soname = std::move(*soname);
  }
  if (tags->rpath) {
    auto rpath = table.at(*tags->rpath, "DT_RPATH");
    if (!rpath) return std::unexpected(rpath.error());
    info.rpath = split_search_path(*rpath);
  }
  if (tags->runpath) {
    auto runpath = table.at(*tags->runpath, "DT_RUNPATH");
    if (!runpath) return std::unexpected(runpath.error());
    info.runpath = split_search_path(*runpath);
  }
  return info;
}

std::string errno_text(std::string_view what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}


/// Owns a read-only mapping of a whole file.
class Mapping {
 public:
  Mapping(void* data, size_t size) : data_(data), size_(size) {}
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (data_ != MAP_FAILED && size_ > 0) ::munmap(data_, size_);
  }
  std::string_view bytes() const {
    if (size_ == 0) return {};
    return std::string_view(static_cast<const char*>(data_), size_);
  }

 private:
  void* data_;
  size_t size_;
};

/// parse() on a file, without naming it in errors.
Result<ElfInfo> parse_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return fail(fmt::format("cannot open: {}", std::strerror(errno)));
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0)
    return fail(fmt::format("cannot stat: {}", std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) return fail("not a regular file");
  auto size = static_cast<size_t>(st.st_size);
  void* data = size == 0 ? MAP_FAILED : ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (size > 0 && data == MAP_FAILED)
    return fail(fmt::format("cannot map: {}", std::strerror(errno)));
  Mapping mapping(data, size);
  return parse(mapping.bytes());
}

// --- looking paths up inside the root ---------------------------------------

/// Where a path leads inside the root.
struct InRoot {
  std::string path;                ///< root-relative, no link in it; "" = the root
  std::vector<std::string> links;  ///< root-relative paths of the links followed
};

/// The components of a path, empty ones included (callers skip them).
std::deque<std::string> components(std::string_view path) {
  std::deque<std::string> out;
  while (true) {
    auto slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

Result<std::string> read_link(const std::string& host) {
  std::string target(PATH_MAX, '\0');
  ssize_t n = ::readlink(host.c_str(), target.data(), target.size());
  if (n < 0) return fail(errno_text("cannot read the link", host));
  if (static_cast<size_t>(n) >= target.size())
    return fail(fmt::format("{}: link target too long", host));
  target.resize(static_cast<size_t>(n));
  return target;
}

/// Looks `path` (absolute or not, both from the root) up in `root` as
/// open() would after chroot(root). nullopt when it does not exist (or a
/// component is not a directory).
Result<std::optional<InRoot>> resolve_in_root(const std::string& root, std::string_view path) {
  std::deque<std::string> pending = components(path);
  InRoot out;
  int followed = 0;
  while (!pending.empty()) {
    std::string part = std::move(pending.front());
    pending.pop_front();
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      auto slash = out.path.rfind('/');
      out.path = slash == std::string::npos ? std::string() : out.path.substr(0, slash);
      continue;
    }
    std::string next = out.path.empty() ? part : out.path + "/" + part;
    std::string host = root + "/" + next;
    struct stat st{};
    if (::lstat(host.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
      return fail(errno_text("cannot look up", host));
    }
    if (S_ISLNK(st.st_mode)) {
      if (++followed > kMaxLinks)
        return fail(fmt::format("{}: more than {} symbolic links on the way in {}", path, kMaxLinks,
                                root));
      auto target = read_link(host);
      if (!target) return std::unexpected(target.error());
      if (target->empty()) return std::nullopt;
      out.links.push_back(std::move(next));
      if ((*target)[0] == '/') out.path.clear();
      auto parts = components(*target);
      pending.insert(pending.begin(), parts.begin(), parts.end());
      continue;
    }
    if (!S_ISDIR(st.st_mode) && !pending.empty()) return std::nullopt;
    out.path = std::move(next);
  }
  return out;
}

/// "/a/b/c" → "/a/b"; "/c" → "/".
std::string directory_of(std::string_view path) {
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return std::string();
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

// --- the closure --------------------------------------------------------------

/// One object in a program's link map.
struct Loaded {
  std::string name;    ///< for messages: the program as given, else its root-relative path
  std::string origin;  ///< $ORIGIN, absolute inside the root; "" when unknown
  ElfInfo info;
  int loader;  ///< index of the object that first needed it; -1 for the program
};

/// ld.so's loading of one program, replayed inside `root`; every path it
/// touches is added to `paths`.
class Closure {
 public:
  Closure(const std::string& root, std::set<std::string>& paths) : root_(root), paths_(paths) {}

  Result<void> add_program(const std::string& program) {
    auto info = read_elf(program);
    if (!info) return std::unexpected(info.error());
    // A static program (static-pie too: PT_DYNAMIC, nothing needed).
    if (info->needed.empty() && info->interpreter.empty()) return {};
    const MachineInfo* machine = find_machine(info->machine);
    if (machine == nullptr)
      return fail(fmt::format("{} is built for {}; cairn builds for x86-64 and AArch64", program,
                              machine_name(info->machine)));
    machine_ = machine;
    auto origin = program_origin(program);
    if (!origin) return std::unexpected(origin.error());
    std::string interpreter = info->interpreter;
    objects_.push_back(Loaded{program, *origin, std::move(*info), -1});

    if (!interpreter.empty()) {
      if (auto ok = load_interpreter(interpreter); !ok) return ok;
    }
    // Breadth first, in DT_NEEDED order: objects_ grows while it is walked.
    for (size_t i = 0; i < objects_.size(); ++i) {
      std::vector<std::string> needed = objects_[i].info.needed;
      for (const auto& name : needed)
        if (auto ok = need(static_cast<int>(i), name); !ok) return ok;
    }
    return {};
  }

 private:
  /// $ORIGIN of a program: its directory when it lies inside the root.
  Result<std::string> program_origin(const std::string& program) {
    char* real_root = ::realpath(root_.c_str(), nullptr);
    if (real_root == nullptr) return fail(errno_text("cannot resolve the root", root_));
    std::string base = real_root;
    std::free(real_root);
    char* real_program = ::realpath(program.c_str(), nullptr);
    if (real_program == nullptr) return fail(errno_text("cannot resolve", program));
    std::string real = real_program;
    std::free(real_program);
    if (base != "/") base += "/";
    if (!real.starts_with(base)) return std::string();
    return directory_of("/" + real.substr(base.size()));
  }

  /// Why a parsed candidate cannot be loaded for this program; "" if it can.
  std::string unusable(const Result<ElfInfo>& info) const {
    if (!info) return info.error().message;
    if (info->machine != machine_->machine) return "built for " + machine_name(info->machine);
    if (info->type != kEtDyn) return "not a shared library";
    return "";
  }

  void record(const InRoot& found) {
    for (const auto& link : found.links) paths_.insert(link);
    paths_.insert(found.path);
  }

  Result<void> load_interpreter(const std::string& interpreter) {
    if (interpreter[0] != '/')
      return fail(fmt::format("its interpreter {} is not an absolute path", interpreter));
    auto found = resolve_in_root(root_, interpreter);
    if (!found) return std::unexpected(found.error());
    if (!*found)
      return fail(fmt::format("its interpreter {} is not in {}; is libc6 in the system?",
                              interpreter, root_));
    auto info = parse_file(root_ + "/" + (*found)->path);
    std::string problem = unusable(info);
    if (!problem.empty())
      return fail(fmt::format("its interpreter {} ({} in {}): {}", interpreter, (*found)->path,
                              root_, problem));
    record(**found);
    int index = static_cast<int>(objects_.size());
    by_real_.emplace((*found)->path, index);
    if (!info->soname.empty()) by_name_.emplace(info->soname, index);
    objects_.push_back(Loaded{(*found)->path, directory_of(interpreter), std::move(*info), 0});
    return {};
  }

  /// Expands the dynamic string tokens of one search-path element of
  /// `object`; nullopt when the element is to be skipped.
  std::optional<std::string> expand(std::string_view element, const Loaded& object) const {
    std::string out;
    size_t i = 0;
    while (i < element.size()) {
      if (element[i] != '$') {
        out += element[i++];
        continue;
      }
      ++i;
      std::string_view name;
      if (i < element.size() && element[i] == '{') {
        auto close = element.find('}', i);
        if (close == std::string_view::npos) return std::nullopt;
        name = element.substr(i + 1, close - i - 1);
        i = close + 1;
      } else {
        size_t start = i;
        while (i < element.size() &&
               (std::isalnum(static_cast<unsigned char>(element[i])) || element[i] == '_'))
          ++i;
        name = element.substr(start, i - start);
      }
      if (name == "ORIGIN") {
        if (object.origin.empty()) return std::nullopt;
        out += object.origin;
      } else if (name == "LIB") {
        out += "lib/" + std::string(machine_->triplet);
      } else {
        return std::nullopt;  // $PLATFORM or unknown: depends on the device
      }
    }
    if (out.empty() || out[0] != '/') return std::nullopt;
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    return out;
  }

  /// The directories searched for the DT_NEEDED names of objects_[index].
  std::vector<std::string> search_dirs(int index) const {
    std::vector<std::string> dirs;
    auto add = [&](const std::vector<std::string>& elements, const Loaded& object) {
      for (const auto& e : elements) {
        auto dir = expand(e, object);
        if (dir && std::find(dirs.begin(), dirs.end(), *dir) == dirs.end()) dirs.push_back(*dir);
      }
    };
    const Loaded& self = objects_[static_cast<size_t>(index)];
    if (self.info.runpath.empty()) {
      for (int j = index; j >= 0; j = objects_[static_cast<size_t>(j)].loader) {
        const Loaded& o = objects_[static_cast<size_t>(j)];
        if (o.info.runpath.empty()) add(o.info.rpath, o);
      }
    }
    add(self.info.runpath, self);
    std::string triplet(machine_->triplet);
    add({"/lib/" + triplet, "/usr/lib/" + triplet, "/lib", "/usr/lib"}, self);
    return dirs;
  }

  /// Loads the file at `candidate` (absolute inside the root) for objects_[loader]:
  /// its index, nullopt when it is missing or unusable (why goes to `passed`).
  Result<std::optional<int>> try_load(const std::string& candidate, int loader,
                                      std::vector<std::string>& passed) {
    auto found = resolve_in_root(root_, candidate);
    if (!found) return std::unexpected(found.error());
    if (!*found) return std::nullopt;
    const InRoot& in_root = **found;
    if (auto it = by_real_.find(in_root.path); it != by_real_.end()) {
      record(in_root);
      return it->second;
    }
    auto info = parse_file(root_ + "/" + in_root.path);
    std::string problem = unusable(info);
    if (!problem.empty()) {
      // Two search directories may lead to one file (lib → usr/lib): say it once.
      std::string why = fmt::format("{} ({})", in_root.path, problem);
      if (std::find(passed.begin(), passed.end(), why) == passed.end()) passed.push_back(why);
      return std::nullopt;
    }
    record(in_root);
    int index = static_cast<int>(objects_.size());
    by_real_.emplace(in_root.path, index);
    if (!info->soname.empty()) by_name_.emplace(info->soname, index);
    objects_.push_back(Loaded{in_root.path, directory_of(candidate), std::move(*info), loader});
    return index;
  }

  /// Resolves DT_NEEDED `name` of objects_[index].
  Result<void> need(int index, const std::string& name) {
    const std::string needer = objects_[static_cast<size_t>(index)].name;
    std::vector<std::string> passed;
    if (name.find('/') != std::string::npos) {
      if (name[0] != '/')
        return fail(fmt::format("{} needs {}, a relative path, which ld.so would look up in the "
                                "working directory; cairn cannot place it",
                                needer, name));
      auto loaded = try_load(name, index, passed);
      if (!loaded) return std::unexpected(loaded.error());
      if (!*loaded)
        return fail(fmt::format("{}, needed by {}, is not in {}{}", name, needer, root_,
                                passed.empty() ? ""
                                               : " as a usable library: " + join(passed, ", ")));
      return {};
    }
    if (by_name_.contains(name)) return {};
    std::vector<std::string> dirs = search_dirs(index);
    for (const auto& dir : dirs) {
      auto loaded = try_load(dir == "/" ? "/" + name : dir + "/" + name, index, passed);
      if (!loaded) return std::unexpected(loaded.error());
      if (*loaded) {
        by_name_.emplace(name, **loaded);
        return {};
      }
    }
    return fail(fmt::format("{}, needed by {}, is not in {} (searched {}){}; is the package that "
                            "ships it in the system?",
                            name, needer, root_, join(dirs, ", "),
                            passed.empty() ? "" : "; passed over " + join(passed, ", ")));
  }

  const std::string& root_;
  std::set<std::string>& paths_;
  const MachineInfo* machine_ = nullptr;
  std::vector<Loaded> objects_;
  std::map<std::string, int> by_name_;  ///< DT_NEEDED names and DT_SONAMEs loaded
  std::map<std::string, int> by_real_;  ///< root-relative file → object
};

}  // namespace

Result<ElfInfo> parse_elf(std::string_view bytes) { return parse(bytes); }

Result<ElfInfo> read_elf(const std::string& path) {
  auto info = parse_file(path);
  if (!info) return std::unexpected(info.error().context("reading ELF " + path));
  return info;
}

std::string machine_name(uint16_t machine) {
  if (const MachineInfo* m = find_machine(machine)) return std::string(m->name);
  return fmt::format("machine {}", machine);
}

std::optional<std::string_view> multiarch_triplet(uint16_t machine) {
  if (const MachineInfo* m = find_machine(machine)) return m->triplet;
  return std::nullopt;
}

Result<std::vector<std::string>> library_closure(const std::string& root,
                                                 const std::vector<std::string>& program_paths) {
  struct stat st{};
  if (::stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return fail(fmt::format("resolving libraries: the root {} is not a directory", root));
  std::set<std::string> paths;
  for (const auto& program : program_paths) {
    Closure closure(root, paths);
    if (auto ok = closure.add_program(program); !ok)
      return std::unexpected(ok.error().context("resolving the libraries of " + program));
  }
  return std::vector<std::string>(paths.begin(), paths.end());
}

}  // namespace cairn::images
