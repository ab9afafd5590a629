// How flashing examines the system and writes; see flash.hh for what it
// refuses and why. The order of the checks matters for the message a user
// reads: a partition is named as such before anything else, the running
// system's disk before "in use" (it is also in use, but "holds the running
// system" is the more useful word), and size last (a card that is both
// mounted and too small needs unmounting before anything else anyway).
//
// The file holds both halves, examining (sysfs, mountinfo, swaps, libblkid)
// and writing, which share only FlashTarget; at a little over 800 lines it
// is due to split along that line.
#include "images/flash.hh"

#include <blkid/blkid.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <type_traits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/fd.hh"
#include "base/files.hh"
#include "base/hash.hh"
#include "base/mountinfo.hh"

namespace cairn::images {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr size_t kChunk = size_t{4} << 20;    // bytes per read and write
constexpr size_t kHoleBlock = size_t{64} << 10;  // granularity of holes in file targets

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\n") - b + 1);
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < line.size()) {
    size_t b = line.find_first_not_of(" \t", pos);
    if (b == std::string_view::npos) break;
    size_t e = line.find_first_of(" \t", b);
    if (e == std::string_view::npos) e = line.size();
    out.push_back(line.substr(b, e - b));
    pos = e;
  }
  return out;
}

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t e = text.find('\n', pos);
    if (e == std::string_view::npos) e = text.size();
    out.push_back(text.substr(pos, e - pos));
    pos = e + 1;
  }
  return out;
}

std::string devno_text(dev_t d) { return fmt::format("{}:{}", major(d), minor(d)); }

// The block devices as sysfs shows them. Every device is found through
// `dev/block/M:m` or `class/block/NAME`, both links into `devices/…/block/
// DISK[/PARTITION]`, so a partition's disk is its directory's parent.
class Sysfs {
 public:
  explicit Sysfs(const SystemPaths& paths) : paths_(paths) {}

  // The kernel's name for device number "M:m"; "" when sysfs lacks it
  // (major 0: btrfs, overlay, tmpfs, network file systems).
  [[nodiscard]] std::string name_of(const std::string& devno) const {
    std::error_code ec;
    fs::path real = fs::canonical(paths_.sys + "/dev/block/" + devno, ec);
    return ec ? "" : real.filename().string();
  }

  // The name of the device node `node` ("/dev/mapper/x", "/dev/sda3"), read
  // under paths.dev; "" when it names no block device sysfs knows.
  [[nodiscard]] std::string name_of_node(const std::string& node) const {
    if (!node.starts_with("/dev/")) return "";
    std::string local = paths_.dev + node.substr(4);
    struct stat st{};
    if (::stat(local.c_str(), &st) == 0 && S_ISBLK(st.st_mode)) return name_of(devno_text(st.st_rdev));
    std::error_code ec;
    fs::path real = fs::canonical(local, ec);
    std::string name = (ec ? fs::path(node) : real).filename().string();
    return exists(name) ? name : "";
  }

  [[nodiscard]] fs::path dir(const std::string& name) const {
    std::error_code ec;
    fs::path real = fs::canonical(paths_.sys + "/class/block/" + name, ec);
    return ec ? fs::path() : real;
  }
  [[nodiscard]] bool exists(const std::string& name) const { return !name.empty() && !dir(name).empty(); }

  // An attribute's text, trimmed; "" when absent.
  [[nodiscard]] std::string attr(const std::string& name, const std::string& rel) const {
    fs::path d = dir(name);
    if (d.empty()) return "";
    auto text = read_file((d / rel).string());
    return text ? trim(*text) : "";
  }

  [[nodiscard]] bool is_partition(const std::string& name) const {
    fs::path d = dir(name);
    std::error_code ec;
    return !d.empty() && fs::exists(d / "partition", ec);
  }
  [[nodiscard]] std::string disk_of(const std::string& partition) const {
    return dir(partition).parent_path().filename().string();
  }

  [[nodiscard]] std::vector<std::string> partitions(const std::string& disk) const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir(disk), ec))
      if (fs::exists(e.path() / "partition", ec)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  // The entries of `holders/` or `slaves/`.
  [[nodiscard]] std::vector<std::string> links(const std::string& name, const char* which) const {
    std::vector<std::string> out;
    std::error_code ec;
    fs::path d = dir(name);
    if (d.empty()) return out;
    for (const auto& e : fs::directory_iterator(d / which, ec)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  // The whole disks `name` lives on: its disk if it is a partition, the
  // disks under its slaves if it is stacked (dm, md), else itself.
  void lower_disks(const std::string& name, std::set<std::string>& out, int depth = 0) const {
    if (depth > 16) return;  // sysfs has no cycles; this only bounds a broken fake
    if (is_partition(name)) return lower_disks(disk_of(name), out, depth + 1);
    auto slaves = links(name, "slaves");
    if (slaves.empty()) out.insert(name);
    for (const std::string& s : slaves) lower_disks(s, out, depth + 1);
  }

  // "/dev/sdb1"; a device-mapper device by its mapper name.
  [[nodiscard]] std::string display(const std::string& name) const {
    std::string dm = attr(name, "dm/name");
    return dm.empty() ? "/dev/" + name : "/dev/mapper/" + dm;
  }

 private:
  const SystemPaths& paths_;
};

// A mounted file system or an active swap area, by device name.
struct Use {
  std::string name;   // the block device
  std::string where;  // mount point; "" for swap
};

Result<std::vector<Use>> read_mounts(const SystemPaths& paths, const Sysfs& sys) {
  auto text = read_file(paths.mountinfo);
  if (!text) return fail(text.error().message + "; without the mount table nothing can be written safely");
  std::vector<Use> out;
  for (const MountInfo& m : parse_mountinfo(*text)) {
    std::string name = sys.name_of(m.devno);
    if (name.empty() && m.source) name = sys.name_of_node(*m.source);
    if (!name.empty()) out.push_back({name, m.mount_point});
  }
  return out;
}

Result<std::vector<Use>> read_swaps(const SystemPaths& paths, const Sysfs& sys) {
  std::error_code ec;
  if (!fs::exists(paths.swaps, ec)) return std::vector<Use>{};  // a kernel without swap
  auto text = read_file(paths.swaps);
  if (!text) return fail(text.error().message);
  std::vector<Use> out;
  for (std::string_view line : lines(*text)) {
    // Filename Type Size Used Priority (a header line first)
    auto f = words(line);
    if (f.size() < 2 || f[0] == "Filename") continue;
    std::string file = unescape_octal(f[0]);  // escaped as in mountinfo
    std::string name;
    if (f[1] == "partition") {
      name = sys.name_of_node(file);
    } else if (struct stat st{}; ::stat(file.c_str(), &st) == 0) {
      name = sys.name_of(devno_text(st.st_dev));  // a swap file: its file system's device
    }
    if (!name.empty()) out.push_back({name, ""});
  }
  return out;
}

// What the running system lives on: (device name, "/usr is on /dev/sda2").
std::vector<std::pair<std::string, std::string>> system_devices(const SystemPaths& paths, const Sysfs& sys,
                                                                const std::vector<Use>& mounts,
                                                                const std::vector<Use>& swaps) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const char* d : {"/", "/usr", "/boot", "/boot/efi"})
    for (const Use& m : mounts)
      if (m.where == d) out.push_back({m.name, fmt::format("{} is on {}", d, sys.display(m.name))});
  for (const std::string& d : paths.system_dirs) {
    struct stat st{};
    if (::stat(d.c_str(), &st) == 0)
      if (std::string name = sys.name_of(devno_text(st.st_dev)); !name.empty())
        out.push_back({name, fmt::format("{} is on {}", d, sys.display(name))});
  }
  for (const Use& s : swaps) out.push_back({s.name, fmt::format("swap is on {}", sys.display(s.name))});
  return out;
}

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "a special file";
}

}  // namespace

Result<FlashTarget> examine_block_device(const std::string& path, dev_t devno, uint64_t image_size,
                                         const SystemPaths& paths) {
  Sysfs sys(paths);
  std::string name = sys.name_of(devno_text(devno));
  if (name.empty())
    return fail(fmt::format("{} is block device {}, which {}/dev/block does not list; is sysfs mounted?", path,
                            devno_text(devno), paths.sys));
  if (sys.is_partition(name)) {
    std::string disk = "/dev/" + sys.disk_of(name);
    return fail(fmt::format("{} is a partition of {}; write to the whole disk {}", path, disk, disk));
  }

  auto mounts = read_mounts(paths, sys);
  if (!mounts) return std::unexpected(mounts.error());
  auto swaps = read_swaps(paths, sys);
  if (!swaps) return std::unexpected(swaps.error());

  for (const auto& [dev, why] : system_devices(paths, sys, *mounts, *swaps)) {
    std::set<std::string> disks;
    sys.lower_disks(dev, disks);
    if (disks.contains(name))
      return fail(fmt::format("{} holds the running system ({}); choose another disk", path, why));
  }

  // Everything on the disk: itself, its partitions, and whatever is stacked
  // on them (holders, recursively), each with what it sits on.
  struct Layer {
    std::string name, on;
  };
  std::vector<Layer> stack{{name, ""}};
  for (const std::string& p : sys.partitions(name)) stack.push_back({p, ""});
  for (size_t i = 0; i < stack.size() && stack.size() < 256; ++i)
    for (const std::string& h : sys.links(stack[i].name, "holders"))
      if (std::none_of(stack.begin(), stack.end(), [&](const Layer& l) { return l.name == h; }))
        stack.push_back({h, stack[i].name});
  std::vector<std::string> mounted, held;
  for (const Layer& l : stack) {
    std::string shown = sys.display(l.name) + (l.on.empty() ? "" : " (on " + sys.display(l.on) + ")");
    auto m = std::find_if(mounts->begin(), mounts->end(), [&](const Use& u) { return u.name == l.name; });
    if (m != mounts->end()) mounted.push_back(fmt::format("{} is mounted on {}", shown, m->where));
    if (!l.on.empty()) held.push_back(fmt::format("{} is held by {}", sys.display(l.on), sys.display(l.name)));
  }
  if (!mounted.empty())
    return fail(fmt::format("{} is in use: {}; unmount {} first", path, fmt::join(mounted, ", "),
                            mounted.size() == 1 ? "it" : "them"));
  if (!held.empty())
    return fail(fmt::format("{} is in use: {}; stop {} first (vgchange -an, cryptsetup close, mdadm --stop or "
                            "dmsetup remove)",
                            path, fmt::join(held, ", "), held.size() == 1 ? "it" : "them"));

  if (sys.attr(name, "ro") == "1")
    return fail(fmt::format("{} is read-only; if it is an SD card, slide its lock switch away from LOCK", path));
  std::string sectors = sys.attr(name, "size");
  uint64_t size = 0;
  if (sectors.empty() || sectors.find_first_not_of("0123456789") != std::string::npos)
    return fail(fmt::format("{}: cannot read its size from {}/class/block/{}/size", path, paths.sys, name));
  size = std::stoull(sectors) * 512;
  if (size == 0) return fail(fmt::format("{} has no medium (its size is 0); insert the card or stick", path));
  if (image_size > size)
    return fail(fmt::format("{} is too small: {} ({} bytes), the image needs {} ({} bytes); use a larger disk", path,
                            human_size(size), size, human_size(image_size), image_size));

  FlashTarget t;
  t.kind = TargetKind::block_device;
  t.path = path;
  t.write_path = path;
  t.name = name;
  t.size = size;
  t.vendor = sys.attr(name, "device/vendor");
  t.model = sys.attr(name, "device/model");
  if (t.vendor.empty() && t.model.empty()) t.model = sys.attr(name, "device/name");  // MMC
  t.backing_file = sys.attr(name, "loop/backing_file");
  t.removable = sys.attr(name, "removable") == "1";
  return t;
}

Result<FlashTarget> examine_target(const std::string& path, uint64_t image_size, const SystemPaths& paths) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return fail(fmt::format("cannot examine {}: {}", path, std::strerror(errno)));
    if (path.starts_with("/dev/"))
      return fail(fmt::format("{} does not exist; is the card or stick inserted? (lsblk lists the disks)", path));
    fs::path parent = fs::path(path).parent_path();
    if (parent.empty()) parent = ".";
    std::error_code ec;
    if (!fs::is_directory(parent, ec))
      return fail(fmt::format("cannot create {}: {} is not a directory", path, parent.string()));
    FlashTarget t;
    t.kind = TargetKind::new_file;
    t.path = path;
    t.write_path = fs::absolute(path, ec).string();
    return t;
  }
  if (S_ISBLK(st.st_mode)) return examine_block_device(path, st.st_rdev, image_size, paths);
  if (!S_ISREG(st.st_mode))
    return fail(fmt::format("{} is {}, neither a block device nor a regular file; give a whole disk such as "
                            "/dev/sdb, or an image file",
                            path, file_kind(st.st_mode)));
  FlashTarget t;
  t.kind = TargetKind::file;
  t.path = path;
  std::error_code ec;
  t.write_path = fs::canonical(path, ec).string();
  if (ec) return fail(fmt::format("cannot examine {}: {}", path, ec.message()));
  t.size = static_cast<uint64_t>(st.st_size);
  return t;
}

namespace {

struct ProbeDeleter {
  void operator()(blkid_probe p) const { ::blkid_free_probe(p); }
};
using Probe = std::unique_ptr<std::remove_pointer_t<blkid_probe>, ProbeDeleter>;

std::string lookup(blkid_probe pr, const char* name) {
  const char* v = nullptr;
  return ::blkid_probe_lookup_value(pr, name, &v, nullptr) == 0 && v ? v : "";
}

// The file system in bytes [offset, offset+size) of `fd` (size 0 = to the end).
void probe_file_system(int fd, uint64_t offset, uint64_t size, std::string& type, std::string& label) {
  Probe pr(::blkid_new_probe());
  if (!pr || ::blkid_probe_set_device(pr.get(), fd, static_cast<blkid_loff_t>(offset),
                                      static_cast<blkid_loff_t>(size)) != 0)
    return;
  ::blkid_probe_enable_partitions(pr.get(), 0);
  ::blkid_probe_enable_superblocks(pr.get(), 1);
  ::blkid_probe_set_superblocks_flags(pr.get(), BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL);
  if (::blkid_do_safeprobe(pr.get()) != 0) return;
  type = lookup(pr.get(), "TYPE");
  label = lookup(pr.get(), "LABEL");
}

}  // namespace

TargetContents probe_contents(const std::string& path) {
  TargetContents c;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return c;
  Probe pr(::blkid_new_probe());
  if (pr && ::blkid_probe_set_device(pr.get(), fd.get(), 0, 0) == 0) {
    ::blkid_probe_enable_superblocks(pr.get(), 0);
    ::blkid_probe_enable_partitions(pr.get(), 1);
    if (::blkid_do_safeprobe(pr.get()) == 0) {
      c.table = lookup(pr.get(), "PTTYPE");
      blkid_partlist list = ::blkid_probe_get_partitions(pr.get());
      int n = list ? ::blkid_partlist_numof_partitions(list) : 0;
      for (int i = 0; i < n; ++i) {
        blkid_partition part = ::blkid_partlist_get_partition(list, i);
        FoundPartition p;
        p.number = ::blkid_partition_get_partno(part);
        p.offset = static_cast<uint64_t>(::blkid_partition_get_start(part)) * 512;
        p.size = static_cast<uint64_t>(::blkid_partition_get_size(part)) * 512;
        probe_file_system(fd.get(), p.offset, p.size, p.fs_type, p.label);
        c.partitions.push_back(std::move(p));
      }
    }
  }
  if (c.table.empty()) probe_file_system(fd.get(), 0, 0, c.fs_type, c.label);
  return c;
}

std::string human_size(uint64_t bytes) {
  if (bytes < 1000) return fmt::format("{} B", bytes);
  static constexpr const char* units[] = {"kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes) / 1000;
  int u = 0;
  while (v >= 999.95 && u < 4) v /= 1000, ++u;
  return fmt::format("{:.1f} {}", v, units[u]);
}

namespace {

// "SanDisk Ultra", "loop device of /tmp/x", "" when the device says nothing.
std::string what_device(const FlashTarget& t) {
  if (!t.backing_file.empty()) return "loop device of " + t.backing_file;
  if (t.vendor.empty() || t.model.empty()) return t.vendor + t.model;
  return t.vendor + " " + t.model;
}

// The name of partition `number` of the target: "/dev/sdb1", "/dev/mmcblk0p1",
// "partition 1" in a file.
std::string partition_name(const FlashTarget& t, int number) {
  if (t.kind != TargetKind::block_device) return fmt::format("partition {}", number);
  bool digit = !t.name.empty() && t.name.back() >= '0' && t.name.back() <= '9';
  return fmt::format("/dev/{}{}{}", t.name, digit ? "p" : "", number);
}

std::string file_system(const std::string& type, const std::string& label) {
  if (type.empty()) return "no file system recognised";
  return label.empty() ? type : fmt::format("{} \"{}\"", type, label);
}

}  // namespace

std::string short_description(const FlashTarget& t) {
  switch (t.kind) {
    case TargetKind::new_file: return t.path + " (a new file)";
    case TargetKind::file: return fmt::format("{} (an existing file, {})", t.path, human_size(t.size));
    case TargetKind::block_device: break;
  }
  std::string what = what_device(t);
  return fmt::format("{} ({}{})", t.path, what.empty() ? "" : what + ", ", human_size(t.size));
}

std::string describe_target(const FlashTarget& t) {
  if (t.kind == TargetKind::new_file) return t.path + ": a new file\n";
  std::string out;
  if (t.kind == TargetKind::file) {
    out = fmt::format("{}: an existing file, {} ({} bytes)\n", t.path, human_size(t.size), t.size);
  } else {
    std::string what = what_device(t);
    out = fmt::format("{}: {}, {} ({} bytes), {}\n", t.path, what.empty() ? "unknown model" : what,
                      human_size(t.size), t.size, t.removable ? "removable" : "not removable");
  }
  const TargetContents& c = t.contents;
  if (!c.table.empty()) {
    out += fmt::format("  now: a {} partition table with {} partition{}\n", c.table, c.partitions.size(),
                       c.partitions.size() == 1 ? "" : "s");
    for (const FoundPartition& p : c.partitions)
      out += fmt::format("    {}  {}  {}\n", partition_name(t, p.number), file_system(p.fs_type, p.label),
                         human_size(p.size));
  } else if (!c.fs_type.empty()) {
    out += fmt::format("  now: a {} file system{}\n", c.fs_type, c.label.empty() ? "" : " \"" + c.label + "\"");
  } else {
    out += "  now: nothing libblkid recognises\n";
  }
  return out;
}

std::string format_progress(std::string_view phase, uint64_t done, uint64_t total, double seconds) {
  unsigned percent = total ? static_cast<unsigned>(done * 100 / total) : 100;
  auto rate = seconds > 0 ? static_cast<uint64_t>(static_cast<double>(done) / seconds) : 0;
  return fmt::format("{:<9} {:>8} of {}  {:>3}%  {}/s", phase, human_size(done), human_size(total), percent,
                     human_size(rate));
}

namespace {

// A line redrawn on a terminal at most four times a second; nothing when off.
class ProgressLine {
 public:
  ProgressLine(std::ostream* out, bool on, std::string phase, uint64_t total)
      : out_(on ? out : nullptr), phase_(std::move(phase)), total_(total) {}
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  // A line left half-drawn by an error is ended, so the error starts a line.
  ~ProgressLine() {
    if (drawn_) *out_ << '\n' << std::flush;
  }
  void update(uint64_t done, bool force = false) {
    if (!out_) return;
    auto now = Clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    *out_ << '\r' << format_progress(phase_, done, total_, secs) << "\033[K" << std::flush;
    drawn_ = true;
  }
  // Draws the final state and ends the line.
  void finish() {
    update(total_, true);
    if (out_) *out_ << '\n' << std::flush;
    drawn_ = false;
  }

 private:
  std::ostream* out_;
  std::string phase_;
  uint64_t total_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_ = start_;
  bool drawn_ = false;  // a line is on the terminal, not yet ended
};

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<char, FreeDeleter>;

Buffer aligned_buffer(size_t align) {
  return Buffer(static_cast<char*>(std::aligned_alloc(std::max<size_t>(align, 64), kChunk)));
}

std::string errno_at(std::string_view what, const std::string& path, uint64_t offset) {
  return fmt::format("{} {} at byte {}: {}", what, path, offset, std::strerror(errno));
}

Result<void> write_full(int fd, const char* data, size_t n, uint64_t offset, const std::string& path) {
  for (size_t done = 0; done < n;) {
    ssize_t w = ::pwrite(fd, data + done, n - done, static_cast<off_t>(offset + done));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return fail(errno_at("cannot write", path, offset + done));
    if (w == 0) return fail(fmt::format("cannot write {} at byte {}: no space left", path, offset + done));
    done += static_cast<size_t>(w);
  }
  return {};
}

// Reads up to `n` bytes; fewer only at the end of the file.
Result<size_t> read_full(int fd, char* data, size_t n, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, data + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail(errno_at("cannot read", path, offset + done));
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return done;
}

bool all_zero(const char* p, size_t n) { return n == 0 || (p[0] == 0 && std::memcmp(p, p + 1, n - 1) == 0); }

// Where the image goes: one descriptor for aligned blocks (O_DIRECT on a
// device that takes it) and, when the image's size is not a multiple of
// `align`, a buffered one for the tail.
struct Sink {
  std::string path;  // for messages
  Fd main;
  Fd tail;
  size_t align = 1;
  bool block = false;
  bool holes = false;  // leave all-zero blocks unwritten (a fresh file)

  int tail_fd() const { return tail.valid() ? tail.get() : main.get(); }

  Result<void> write(const char* buf, size_t n, uint64_t offset, uint64_t& skipped) {
    if (holes) {
      for (size_t at = 0; at < n; at += kHoleBlock) {
        size_t len = std::min(kHoleBlock, n - at);
        if (all_zero(buf + at, len)) {
          skipped += len;
        } else if (auto r = write_full(main.get(), buf + at, len, offset + at, path); !r) {
          return r;
        }
      }
      return {};
    }
    size_t aligned = n / align * align;
    if (aligned)
      if (auto r = write_full(main.get(), buf, aligned, offset, path); !r) return r;
    if (n > aligned) return write_full(tail_fd(), buf + aligned, n - aligned, offset + aligned, path);
    return {};
  }

  Result<size_t> read(char* buf, size_t n, uint64_t offset) const {
    size_t aligned = n / align * align;
    size_t got = 0;
    if (aligned) {
      auto r = read_full(main.get(), buf, aligned, offset, path);
      if (!r) return r;
      if (*r < aligned) return *r;
      got = aligned;
    }
    if (n > aligned) {
      auto r = read_full(tail_fd(), buf + aligned, n - aligned, offset + aligned, path);
      if (!r) return r;
      got += *r;
    }
    return got;
  }

  // fsync, then drop the cached pages so the read-back comes from the medium.
  Result<void> sync() {
    for (const Fd* fd : {&main, &tail})
      if (fd->valid() && ::fsync(fd->get()) != 0)
        return fail(fmt::format("cannot fsync {}: {}", path, std::strerror(errno)));
    // BLKFLSBUF needs CAP_SYS_ADMIN; without it the fadvise still drops
    // clean pages, and the O_DIRECT reads bypass the cache anyway.
    if (block) (void)::ioctl(main.get(), BLKFLSBUF, 0);
    for (const Fd* fd : {&main, &tail})
      if (fd->valid()) (void)::posix_fadvise(fd->get(), 0, 0, POSIX_FADV_DONTNEED);
    return {};
  }
};

Result<Sink> open_device(const FlashTarget& t, uint64_t size) {
  Sink s;
  s.path = t.path;
  s.block = true;
  // O_EXCL on a block device: the kernel refuses while the disk or one of
  // its partitions is mounted or claimed — the last check, made at the
  // moment it matters.
  int flags = O_RDWR | O_EXCL | O_CLOEXEC;
  bool direct = true;
  s.main = Fd(::open(t.write_path.c_str(), flags | O_DIRECT));
  if (!s.main.valid() && errno == EINVAL) {
    direct = false;
    s.main = Fd(::open(t.write_path.c_str(), flags));
  }
  if (!s.main.valid()) {
    int e = errno;
    if (e == EBUSY)
      return fail(fmt::format("{} is in use (the kernel refuses exclusive access: it or a partition is mounted or "
                              "held); unmount it first",
                              t.path));
    if (e == ENOMEDIUM) return fail(fmt::format("{} has no medium; insert the card or stick", t.path));
    return fail(fmt::format("cannot open {} for writing: {}{}", t.path, std::strerror(e),
                            e == EACCES ? "; run as root or as a member of group disk" : ""));
  }
  uint64_t bytes = 0;
  if (::ioctl(s.main.get(), BLKGETSIZE64, &bytes) == 0 && bytes < size)
    return fail(fmt::format("{} is too small: {} ({} bytes), the image needs {} ({} bytes); use a larger disk",
                            t.path, human_size(bytes), bytes, human_size(size), size));
  int ro = 0;
  if (::ioctl(s.main.get(), BLKROGET, &ro) == 0 && ro)
    return fail(fmt::format("{} is read-only; if it is an SD card, slide its lock switch away from LOCK", t.path));
  int sector = 512;
  (void)::ioctl(s.main.get(), BLKSSZGET, &sector);
  s.align = direct ? std::max<size_t>(4096, static_cast<size_t>(sector)) : 1;
  if (s.align > kChunk) return fail(fmt::format("{}: logical block size {} is not supported", t.path, sector));
  if (size % s.align) {
    s.tail = Fd(::open(t.write_path.c_str(), O_RDWR | O_CLOEXEC));
    if (!s.tail.valid()) return fail(fmt::format("cannot open {} for writing: {}", t.path, std::strerror(errno)));
  }
  return s;
}

// A temporary file beside a file target, removed unless kept.
struct TempFile {
  std::string path;
  ~TempFile() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

// Returns the first byte where the image and the target differ, if any.
Result<std::optional<uint64_t>> first_difference(int image, const std::string& image_path, const Sink& sink,
                                                 uint64_t size) {
  Buffer a = aligned_buffer(sink.align), b = aligned_buffer(sink.align);
  if (!a || !b) return fail("out of memory");
  for (uint64_t off = 0; off < size; off += kChunk) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, size - off));
    auto ra = read_full(image, a.get(), n, off, image_path);
    if (!ra) return std::unexpected(ra.error());
    auto rb = sink.read(b.get(), n, off);
    if (!rb) return std::unexpected(rb.error());
    size_t common = std::min(*ra, *rb);
    auto [pa, pb] = std::mismatch(a.get(), a.get() + common, b.get());
    if (pa != a.get() + common) return off + static_cast<uint64_t>(pa - a.get());
    if (*ra != *rb) return off + common;
  }
  return std::nullopt;
}

}  // namespace

Result<FlashResult> flash(const FlashRequest& req) {
  Fd image(::open(req.image.c_str(), O_RDONLY | O_CLOEXEC));
  if (!image.valid()) return fail(fmt::format("cannot open the image {}: {}", req.image, std::strerror(errno)));
  struct stat ist{};
  if (::fstat(image.get(), &ist) != 0 || !S_ISREG(ist.st_mode))
    return fail(fmt::format("the image {} is not a regular file", req.image));
  auto size = static_cast<uint64_t>(ist.st_size);
  if (size == 0) return fail(fmt::format("the image {} is empty", req.image));

  auto examined = examine_target(req.target, size, req.paths);
  if (!examined) return std::unexpected(examined.error());
  FlashResult result;
  result.target = std::move(*examined);
  FlashTarget& t = result.target;
  if (t.kind == TargetKind::file) {
    struct stat tst{};
    if (::stat(t.write_path.c_str(), &tst) == 0 && tst.st_dev == ist.st_dev && tst.st_ino == ist.st_ino)
      return fail(fmt::format("{} is the image itself; give another target", req.target));
  }
  if (t.kind != TargetKind::new_file) t.contents = probe_contents(t.write_path);
  if (req.out) *req.out << describe_target(t) << std::flush;

  if (t.kind != TargetKind::new_file && !req.yes) {
    std::string name = req.image_name.empty() ? req.image : req.image_name;
    std::string question = fmt::format("Write {} ({} MB) to {}? All data on it will be lost. [y/N]", name,
                                       (size + 500000) / 1000000, short_description(t));
    if (!req.confirm)
      return fail(fmt::format("not writing to {} without confirmation, and there is no terminal to ask on; pass "
                              "--yes to write anyway",
                              req.target));
    if (!req.confirm(question)) return fail(fmt::format("not writing to {}: not confirmed", req.target));
  }

  // Open the target: the device itself, or a fresh temporary file beside
  // the file target (renamed over it once verified).
  Sink sink;
  TempFile temp;
  mode_t mode = 0644;
  if (t.kind == TargetKind::block_device) {
    auto opened = open_device(t, size);
    if (!opened) return std::unexpected(opened.error());
    sink = std::move(*opened);
  } else {
    if (t.kind == TargetKind::file)
      if (struct stat st{}; ::stat(t.write_path.c_str(), &st) == 0) mode = st.st_mode & 07777;
    std::string tmp = t.write_path + ".tmp.XXXXXX";
    sink.main = Fd(::mkostemp(tmp.data(), O_CLOEXEC));
    if (!sink.main.valid())
      return fail(fmt::format("cannot create a temporary file beside {}: {}", t.write_path, std::strerror(errno)));
    temp.path = tmp;
    sink.path = tmp;
    sink.holes = true;
  }
  Buffer buf = aligned_buffer(sink.align);
  if (!buf) return fail("out of memory for the write buffer");

  // Write, hashing what is written.
  Sha256 hash;
  auto t0 = Clock::now();
  ProgressLine writing(req.out, req.progress, "writing", size);
  for (uint64_t off = 0; off < size; off += kChunk) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, size - off));
    auto got = read_full(image.get(), buf.get(), n, off, req.image);
    if (!got) return std::unexpected(got.error());
    if (*got < n)
      return fail(fmt::format("the image {} ended at byte {}, not {}; was it changed while being written?",
                              req.image, off + *got, size));
    hash.update(std::string_view(buf.get(), n));
    if (auto r = sink.write(buf.get(), n, off, result.holes); !r) return std::unexpected(r.error());
    writing.update(off + n);
  }
  if (sink.holes && ::ftruncate(sink.main.get(), static_cast<off_t>(size)) != 0)
    return fail(fmt::format("cannot set the size of {}: {}", sink.path, std::strerror(errno)));
  if (sink.holes && ::fchmod(sink.main.get(), mode) != 0)
    return fail(fmt::format("cannot chmod {}: {}", sink.path, std::strerror(errno)));
  if (auto r = sink.sync(); !r) return std::unexpected(r.error());
  writing.finish();
  result.write_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  result.bytes = size;
  result.sha256 = hash.hex_digest();
  if (!req.image_sha256.empty() && req.image_sha256 != result.sha256)
    return fail(fmt::format("the image {} has sha256 {}, not the {} it was made with; it changed on disk, make it "
                            "again",
                            req.image, result.sha256, req.image_sha256));

  // Read back and compare.
  if (req.before_verify) req.before_verify(sink.path);
  auto t1 = Clock::now();
  ProgressLine verifying(req.out, req.progress, "verifying", size);
  Sha256 back;
  for (uint64_t off = 0; off < size; off += kChunk) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, size - off));
    auto got = sink.read(buf.get(), n, off);
    if (!got) return std::unexpected(got.error().context("verifying"));
    if (*got < n)
      return fail(fmt::format("verifying {}: it ends at byte {}, before the image's {} bytes; the medium may be "
                              "fake or failing",
                              t.path, off + *got, size));
    back.update(std::string_view(buf.get(), n));
    verifying.update(off + n);
  }
  std::string read_back = back.hex_digest();
  if (read_back != result.sha256) {
    auto at = first_difference(image.get(), req.image, sink, size);
    std::string where = at && *at ? fmt::format(", first at byte {}", **at) : "";
    return fail(fmt::format("verifying {}: what was read back differs from what was written{} (sha256 {} read, {} "
                            "written); the medium may be failing or fake, try another",
                            t.path, where, read_back, result.sha256));
  }
  verifying.finish();
  // Let the kernel see the new partition table (udev would too, on close);
  // a device without partitions (a loop device without partscan) says no.
  if (sink.block) (void)::ioctl(sink.main.get(), BLKRRPART, 0);
  result.verify_seconds = std::chrono::duration<double>(Clock::now() - t1).count();

  if (!temp.path.empty()) {
    if (::close(sink.main.release()) != 0)
      return fail(fmt::format("cannot close {}: {}", temp.path, std::strerror(errno)));
    if (::rename(temp.path.c_str(), t.write_path.c_str()) != 0)
      return fail(fmt::format("cannot rename {} to {}: {}", temp.path, t.write_path, std::strerror(errno)));
    temp.path.clear();
    Fd dir(::open(fs::path(t.write_path).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.valid()) ::fsync(dir.get());
  }
  return result;
}

}  // namespace cairn::images
