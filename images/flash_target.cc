// Examining a flash target, before anything is written; see flash.hh for
// what it refuses and why. The stat comes first (a file or a new file needs
// nothing more), then for a block device sysfs, mountinfo and swaps, every
// device by major:minor. The order of the checks matters for the message a
// user reads: a partition is named as such before anything else, the running
// system's disk before "in use" (it is also in use, but "holds the running
// system" is the more useful word), and size last (a card that is both
// mounted and too small needs unmounting before anything else anyway).
// libblkid only describes what is on the target now, for the question; it
// refuses nothing. The kernel's own last check (O_EXCL) is in flash.cc.
#include "images/flash.hh"

#include <blkid/blkid.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <string_view>
#include <type_traits>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/fd.hh"
#include "base/files.hh"
#include "base/lines.hh"
#include "base/mountinfo.hh"

namespace cairn::images {

namespace {

namespace fs = std::filesystem;

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
  for (std::string_view line : split_lines(*text)) {
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

}  // namespace cairn::images
