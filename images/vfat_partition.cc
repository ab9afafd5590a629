// Making the ESP with mkfs.vfat and mtools. See vfat_partition.hh.
#include "images/vfat_partition.hh"

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <fcntl.h>
#include <map>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

#include "base/fd.hh"
#include "base/subprocess.hh"

namespace cairn::images::detail {

namespace {

constexpr uint64_t kFatMaxFileSize = 0xffffffff;
/// Arguments per mmd/mcopy run, well below the kernel's limit.
constexpr size_t kArgsPerRun = 256;

/// Runs `program` once per chunk of `items`, each time as `head + chunk + tail`.
Result<void> run_chunked(std::string_view program, std::string_view package,
                         const std::vector<std::string>& head,
                         const std::vector<std::string>& items,
                         const std::vector<std::string>& tail, const RunOptions& options) {
  for (size_t i = 0; i < items.size(); i += kArgsPerRun) {
    std::vector<std::string> args = head;
    size_t end = std::min(items.size(), i + kArgsPerRun);
    args.insert(args.end(), items.begin() + static_cast<ptrdiff_t>(i),
                items.begin() + static_cast<ptrdiff_t>(end));
    args.insert(args.end(), tail.begin(), tail.end());
    if (auto ran = run_tool(program, package, args, options); !ran)
      return std::unexpected(ran.error());
  }
  return {};
}

uint16_t get16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t get32(const unsigned char* p) {
  return static_cast<uint32_t>(get16(p)) | static_cast<uint32_t>(get16(p + 2)) << 16;
}
void put16(unsigned char* p, uint16_t v) {
  p[0] = static_cast<unsigned char>(v);
  p[1] = static_cast<unsigned char>(v >> 8);
}

/// Dates the volume label's directory entry (the first of the root
/// directory, which mkfs.vfat --invariant dates 2015-03-14) at `epoch`, as
/// mtools dates what it writes.
Result<void> set_label_time(const std::string& image, int64_t epoch) {
  Fd fd(::open(image.c_str(), O_RDWR | O_CLOEXEC));
  if (fd.get() < 0) return fail(errno_text("cannot open", image));
  unsigned char boot[512];
  if (::pread(fd.get(), boot, sizeof boot, 0) != static_cast<ssize_t>(sizeof boot))
    return fail(errno_text("cannot read the boot sector of", image));
  uint64_t sector = get16(boot + 11), per_cluster = boot[13], reserved = get16(boot + 14),
           fats = boot[16], fat_sectors = get32(boot + 36), root_cluster = get32(boot + 44);
  if (sector == 0 || per_cluster == 0 || root_cluster < 2)
    return fail(fmt::format("{}: not a FAT32 boot sector", image));
  auto offset = static_cast<off_t>(
      (reserved + fats * fat_sectors + (root_cluster - 2) * per_cluster) * sector);
  unsigned char entry[32];
  if (::pread(fd.get(), entry, sizeof entry, offset) != static_cast<ssize_t>(sizeof entry))
    return fail(errno_text("cannot read the root directory of", image));
  if (entry[11] != 0x08)
    return fail(fmt::format("{}: the root directory does not start with the volume label", image));
  std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  auto date = static_cast<uint16_t>((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
  auto time = static_cast<uint16_t>(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
  entry[13] = 0;           // creation time, hundredths
  put16(entry + 14, time);  // creation
  put16(entry + 16, date);
  put16(entry + 18, date);  // last access
  put16(entry + 22, time);  // last write
  put16(entry + 24, date);
  if (::pwrite(fd.get(), entry, sizeof entry, offset) != static_cast<ssize_t>(sizeof entry))
    return fail(errno_text("cannot write", image));
  return {};
}

}  // namespace

/// Checks that a FAT file system, written by mtools, can hold the ESP tree.
Result<void> check_esp_tree(const std::vector<TreeEntry>& tree) {
  std::vector<std::string> problems;
  std::map<std::pair<std::string, std::string>, std::string> folded;
  for (const auto& e : tree) {
    if (e.path.empty()) continue;
    std::string_view name = base_name(e.path);
    if (!S_ISDIR(e.st.st_mode) && !S_ISREG(e.st.st_mode)) {
      problems.push_back(fmt::format("{}: not a file or directory, which is all FAT holds",
                                     e.path));
      continue;
    }
    if (S_ISREG(e.st.st_mode) && static_cast<uint64_t>(e.st.st_size) > kFatMaxFileSize)
      problems.push_back(fmt::format("{}: larger than 4 GiB - 1, the most FAT holds", e.path));
    bool bad = name.back() == '.' || name.back() == ' ';
    for (char c : name)
      bad = bad || static_cast<unsigned char>(c) < 0x20 ||
            std::string_view("\"*:<>?\\|[]\x7f").find(c) != std::string_view::npos;
    if (bad)
      problems.push_back(fmt::format(
          "\"{}\": a FAT name cannot hold control characters or any of \"*:<>?\\| or end in a "
          "dot or space, and mtools reads [ and ] as a pattern", e.path));
    auto [it, fresh] = folded.emplace(std::pair{std::string(parent_path(e.path)), lower(name)},
                                      e.path);
    if (!fresh)
      problems.push_back(fmt::format("{} and {}: names that differ only in case, which FAT "
                                     "takes for one", it->second, e.path));
  }
  return report("the ESP tree cannot be a FAT file system", std::move(problems));
}

/// Makes `work/esp.img`: FAT32 holding the tree at `root`.
Result<void> make_esp(const DiskLayout& l, const std::string& root,
                      const std::vector<TreeEntry>& tree, const WorkDir& work) {
  RunOptions in_work;
  in_work.cwd = work.path();
  in_work.env = {"LC_ALL=C"};
  std::string serial = lower(l.esp_uuid.substr(0, 8));
  if (auto ran = run_tool("mkfs.vfat", "dosfstools",
                          {"-F", "32", "--invariant", "-i", serial, "-n", l.esp_label, "-C",
                           "esp.img", std::to_string(l.esp_size / 1024)},
                          in_work);
      !ran)
    return std::unexpected(ran.error());
  if (auto ok = set_label_time(work / "esp.img", l.epoch); !ok) return ok;

  // Directories first, parents before children, then each directory's files.
  std::vector<std::string> dirs;
  std::map<std::string, std::vector<std::string>> files;  // by directory, in order
  std::vector<std::string> order = {""};
  for (const auto& e : tree) {
    if (e.path.empty()) continue;
    if (S_ISDIR(e.st.st_mode)) {
      dirs.push_back("::/" + e.path);
      order.push_back(e.path);
    } else {
      files[std::string(parent_path(e.path))].push_back(root + "/" + e.path);
    }
  }
  RunOptions mtools = in_work;
  mtools.env = {"MTOOLS_SKIP_CHECK=1", "MTOOLS_LOWER_CASE=0", "MTOOLS_NO_VFAT=0",
                "MTOOLS_NAME_NUMERIC_TAIL=1", "MTOOLS_DOTTED_DIR=0",
                "MTOOLS_FAT_COMPATIBILITY=0", "MTOOLSRC", "HOME=" + work.path(),
                "SOURCE_DATE_EPOCH=" + std::to_string(l.epoch), "TZ=UTC0", "LC_ALL=C.UTF-8"};
  const std::vector<std::string> image = {"-i", "esp.img"};
  if (auto ok = run_chunked("mmd", "mtools", image, dirs, {}, mtools); !ok) return ok;
  for (const auto& dir : order) {
    auto it = files.find(dir);
    if (it == files.end()) continue;
    if (auto ok = run_chunked("mcopy", "mtools", image, it->second, {"::/" + dir}, mtools); !ok)
      return ok;
  }
  return {};
}

}  // namespace cairn::images::detail
