#include "activator/stage.hh"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "activator/devices.hh"
#include "activator/dirs.hh"
#include "activator/esp.hh"
#include "activator/manifest.hh"
#include "activator/persist.hh"
#include "activator/verify.hh"
#include "base/files.hh"
#include "base/lines.hh"
#include "bootloader/layout.hh"

namespace cairn::activator {

namespace {

namespace fs = std::filesystem;

std::string errno_text() { return std::strerror(errno); }

// Prints "cairn: [+0.412 s] <step>" for each step with cairn.debug. Steps
// taken before the command line is read are held until it says whether
// to print them.
class Timeline {
 public:
  explicit Timeline(System& system) : system_(system) {}
  void step(std::string_view what) { line(fmt::format("cairn: [+{:.3f} s] {}", system_.now(), what)); }
  void set_debug(bool on) {
    debug_ = on;
    decided_ = true;
    if (on)
      for (const std::string& l : held_) system_.print(l);
    held_.clear();
  }

 private:
  void line(std::string text) {
    if (!decided_) held_.push_back(std::move(text));
    else if (debug_) system_.print(text);
  }
  System& system_;
  bool debug_ = false, decided_ = false;
  std::vector<std::string> held_;
};

std::string describe_devices(const std::vector<BlockDevice>& devices) {
  if (devices.empty()) return "no block devices at all";
  std::string out = "block devices:";
  for (size_t i = 0; i < devices.size(); ++i) {
    const BlockDevice& d = devices[i];
    out += (i ? ", " : " ") + d.path;
    for (const char* tag : {"TYPE", "LABEL", "PARTLABEL"})
      if (auto it = d.tags.find(tag); it != d.tags.end())
        out += std::string(" ") + (std::strcmp(tag, "TYPE") == 0 ? "" : std::string(tag) + "=") + it->second;
  }
  return out;
}

// Recreates the image root's top level in the new root: symlinks as they
// are, directories empty with their modes; anything else is not carried.
Result<void> copy_skeleton(const std::string& image, const std::string& sysroot) {
  DIR* dir = ::opendir(image.c_str());
  if (!dir) return fail("cannot open " + image + ": " + errno_text());
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(dir);
  std::ranges::sort(names);
  for (const std::string& name : names) {
    std::string from = image + "/" + name, to = sysroot + "/" + name;
    struct stat st{};
    if (::lstat(from.c_str(), &st) != 0) return fail("cannot stat " + from + ": " + errno_text());
    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlink(from.c_str(), target.data(), target.size());
      if (n < 0) return fail("cannot read the link " + from + ": " + errno_text());
      target.resize(static_cast<size_t>(n));
      if (::symlink(target.c_str(), to.c_str()) != 0 && errno != EEXIST)
        return fail("cannot create the link " + to + ": " + errno_text());
    } else if (S_ISDIR(st.st_mode)) {
      if (auto r = make_dir(to, st.st_mode & 07777); !r) return r;
    }
  }
  return {};
}

// Opens `path` inside the tree at `dir`, symlinks resolved as if `dir`
// were the root (so an image's absolute links point into the image).
int open_in_root(const std::string& dir, const std::string& path) {
  int dfd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return -1;
  struct open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT;
  int fd = static_cast<int>(::syscall(SYS_openat2, dfd, path.c_str(), &how, sizeof how));
  // Kernels before 5.6 lack openat2: links are then followed as they are.
  if (fd < 0 && errno == ENOSYS) fd = ::open((dir + path).c_str(), O_PATH | O_CLOEXEC);
  int err = errno;
  ::close(dfd);
  errno = err;
  return fd;
}

// Marks generation `n` bad on the boot partition, or says why not.
Result<void> mark_bad(const Init& init, uint64_t n, const Failure& failure) {
  auto esp = mount_esp(init.root, init.system);
  if (!esp) return std::unexpected(esp.error());
  auto state = init.backend.read_state(esp->path());
  if (!state) return std::unexpected(state.error().context("reading the boot entries on " + esp->path()));
  auto entry = std::ranges::find(state->entries, n, &bootloader::BootEntry::generation);
  if (entry == state->entries.end()) return fail(fmt::format("generation {} has no boot entry", n));
  if (!failure.generation_at_fault && entry->state() == bootloader::EntryState::good)
    return fail(fmt::format("generation {} booted before and the fault may lie elsewhere; not marking it bad", n));
  bool other = std::ranges::any_of(state->entries, [&](const bootloader::BootEntry& e) {
    return e.generation != n && e.state() != bootloader::EntryState::bad;
  });
  if (entry->state() != bootloader::EntryState::bad)
    if (auto r = init.backend.mark_bad(esp->path(), n); !r)
      return std::unexpected(r.error().context(fmt::format("marking generation {} bad", n)));
  // Unmounted before the reboot, so that the FAT is clean.
  if (auto r = esp->release(); !r) return std::unexpected(r.error());
  if (!other) return fail("no other generation to boot");
  return {};
}

// The end when there is nothing to fall back to.
Ending give_up(const Init& init, const Cmdline& cmdline, const std::string& reason) {
  System& system = init.system;
  std::string shell = init.root + std::string(kRescueShell);
  if (cmdline.shell) {
    if (::access(shell.c_str(), X_OK) == 0) {
      system.print("cairn: cannot fall back: " + reason + "; starting a rescue shell (leave it to reboot)");
      system.run_shell(shell, {"sh"});
      system.reboot();
      return Ending::rescue_shell;
    }
    system.print(fmt::format("cairn: cairn.shell: the initramfs has no {}", kRescueShell));
  }
  system.print(fmt::format("cairn: cannot fall back: {}; rebooting in {} s", reason, kRebootDelay));
  system.sleep(kRebootDelay);
  system.reboot();
  return Ending::rebooted;
}

}  // namespace

std::string_view to_string(Ending ending) {
  switch (ending) {
    case Ending::handed_over: return "handed over";
    case Ending::rebooted: return "rebooted";
    case Ending::rescue_shell: return "rescue shell";
  }
  return "?";
}

Result<void> mount_api_filesystems(const std::string& root, System& system) {
  struct Api {
    const char* path;
    const char* type;
    const char* options;
  };
  static constexpr Api kApi[] = {
      {"/proc", "proc", "nosuid,nodev,noexec"},
      {"/sys", "sysfs", "nosuid,nodev,noexec"},
      {"/dev", "devtmpfs", "mode=0755,nosuid"},
      {"/run", "tmpfs", "mode=0755,nosuid,nodev,size=20%,nr_inodes=800k"},
  };
  for (const Api& a : kApi) {
    std::string target = root + a.path;
    if (auto r = make_dir(target); !r) return r;
    if (auto r = system.mount(a.type, target, a.type, a.options); !r) return r;
  }
  return {};
}

Result<Cmdline> read_cmdline(const std::string& root) {
  auto text = read_file(root + "/proc/cmdline");
  if (!text) return std::unexpected(text.error());
  auto cmdline = parse_cmdline(*text);
  if (!cmdline) return std::unexpected(cmdline.error().context("the kernel command line"));
  return cmdline;
}

ModuleLoad load_modules(const std::string& root, System& system) {
  ModuleLoad out;
  std::string dir = root + "/usr/lib/modules/" + system.kernel_release();
  auto list = read_file(dir + "/load.list");
  if (!list) {
    out.problems.push_back(list.error().message);
    return out;
  }
  for (std::string_view line : split_lines(*list)) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    if (auto r = system.load_module(dir + "/" + std::string(line)); !r) out.problems.push_back(r.error().message);
    else ++out.loaded;
  }
  return out;
}

Result<std::string> wait_for_state(const std::string& root, System& system, const DeviceTag& tag, uint32_t timeout) {
  double start = system.now();
  uint32_t next_message = 5;
  for (;;) {
    auto devices = system.block_devices(root);
    if (!devices) return std::unexpected(devices.error().context("looking for the state partition"));
    auto found = find_tagged(*devices, tag);
    if (!found.empty()) {
      if (found.size() > 1) {
        std::string all;
        for (const BlockDevice& d : found) all += (all.empty() ? "" : ", ") + d.path;
        system.print(fmt::format("cairn: {} devices carry {} ({}); using {}", found.size(), tag.to_string(), all,
                                 found.front().path));
      }
      return found.front().path;
    }
    double waited = system.now() - start;
    if (waited >= timeout)
      return fail(fmt::format("the state partition ({}) did not appear in {} s ({})", tag.to_string(), timeout,
                              describe_devices(*devices)));
    if (waited >= next_message) {
      while (waited >= next_message + 5) next_message += 5;
      system.print(fmt::format("cairn: waiting for the state partition ({}): {} s of {}", tag.to_string(),
                               next_message, timeout));
      next_message += 5;
    }
    system.sleep(0.1);
  }
}

Result<void> mount_state(const std::string& root, System& system, const std::string& device) {
  std::string dir = root + std::string(kStateDir);
  if (auto r = make_dir(dir); !r) return r;
  return system.mount(root + device, dir, "ext4", "rw");
}

Result<void> mount_image(const std::string& root, System& system, uint64_t n) {
  std::string image = root + std::string(kStateDir) + "/" + bootloader::generation_image(n);
  auto loop = system.attach_loop(root, image);
  if (!loop) return std::unexpected(loop.error());
  std::string dir = root + std::string(kImageDir);
  if (auto r = make_dir(dir); !r) return r;
  // Not nosuid: the image's /usr holds su, passwd and the like.
  return system.mount(root + *loop, dir, "squashfs", "ro");
}

Result<void> assemble_root(const std::string& root, System& system) {
  const std::string sysroot = root + std::string(kSysroot), image = root + std::string(kImageDir),
                    state = root + std::string(kStateDir), overlay = root + std::string(kOverlayDir) + "/etc";
  if (auto r = make_dir(sysroot); !r) return r;
  if (auto r = system.mount("tmpfs", sysroot, "tmpfs", "mode=0755"); !r) return r;
  if (auto r = copy_skeleton(image, sysroot); !r) return r;
  // The mount points the image may lack.
  static constexpr std::pair<const char*, mode_t> kMountPoints[] = {
      {"dev", 0755},  {"etc", 0755}, {"home", 0755}, {"proc", 0555}, {"root", 0700},
      {"run", 0755},  {"sys", 0555}, {"tmp", 01777}, {"usr", 0755},  {"var", 0755},
  };
  for (auto [name, mode] : kMountPoints)
    if (auto r = make_dir(sysroot + "/" + name, mode); !r) return r;

  if (auto r = system.mount(image + "/usr", sysroot + "/usr", "", "bind,ro"); !r) return r;

  if (auto r = make_dir(overlay + "/upper"); !r) return r;
  if (auto r = make_dir(overlay + "/work"); !r) return r;
  std::string options = "lowerdir=" + image + "/etc,upperdir=" + overlay + "/upper,workdir=" + overlay + "/work";
  if (auto r = system.mount("overlay", sysroot + "/etc", "overlay", options); !r) return r;

  static constexpr std::pair<const char*, mode_t> kPersistent[] = {{"var", 0755}, {"home", 0755}, {"root", 0700}};
  for (auto [name, mode] : kPersistent) {
    if (auto r = make_dir(state + "/" + name, mode); !r) return r;
    if (auto r = system.mount(state + "/" + name, sysroot + "/" + name, "", "bind"); !r) return r;
  }

  // The machine's identity outlives generations. Without one on the state
  // partition the image's (empty) /etc/machine-id stays, and systemd makes
  // an id that the tmpfs under /etc forgets at shutdown.
  std::string machine_id = state + "/machine-id", target = sysroot + "/etc/machine-id";
  if (::access(machine_id.c_str(), F_OK) == 0) {
    int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0444);
    if (fd < 0) return fail("cannot create " + target + ": " + errno_text());
    ::close(fd);
    if (auto r = system.mount(machine_id, target, "", "bind"); !r) return r;
  }
  return {};
}

Result<std::string> find_init(const std::string& image_dir, const std::optional<std::string>& wanted) {
  std::vector<std::string> candidates;
  if (wanted) candidates.push_back(*wanted);
  else candidates = {"/usr/lib/systemd/systemd", "/sbin/init"};
  for (const std::string& path : candidates) {
    int fd = open_in_root(image_dir, path);
    if (fd < 0) continue;
    struct stat st{};
    bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;
    ::close(fd);
    if (ok) return path;
  }
  if (wanted) return fail("init=" + *wanted + ": no such program in the image");
  return fail("the image has neither /usr/lib/systemd/systemd nor /sbin/init");
}

Result<void> hand_over(const std::string& root, System& system, const std::string& init,
                       const std::vector<std::string>& args) {
  std::string sysroot = root + std::string(kSysroot);
  for (const char* dir : {"/dev", "/proc", "/sys", "/run"})
    if (auto r = system.move_mount(root + dir, sysroot + dir); !r) return r;
  std::vector<std::string> argv{init};
  argv.insert(argv.end(), args.begin(), args.end());
  return system.switch_root(root, sysroot, argv);
}

Ending fall_back(const Init& init, const Cmdline& cmdline, const Failure& failure) {
  if (!cmdline.generation) {
    init.system.print("cairn: " + failure.message);
    return give_up(init, cmdline, "no generation to mark bad");
  }
  uint64_t n = *cmdline.generation;
  init.system.print(fmt::format("cairn: generation {}: {}; booting the last good generation", n, failure.message));
  if (auto r = mark_bad(init, n, failure); !r) return give_up(init, cmdline, r.error().message);
  init.system.print(fmt::format("cairn: generation {} is marked bad; rebooting", n));
  init.system.reboot();
  return Ending::rebooted;
}

Ending run_init(const Init& init) {
  const std::string& root = init.root;
  System& system = init.system;
  Timeline timeline(system);
  Cmdline cmdline;
  // Before the state partition is mounted, a failure may be the device's
  // (see stage.hh); from the manifest on, it is the generation's.
  auto failed = [&](const Error& e, bool generation_at_fault) {
    timeline.set_debug(cmdline.debug);
    return fall_back(init, cmdline, Failure{e.message, generation_at_fault});
  };

  timeline.step("mounting /proc, /sys, /dev and /run");
  if (auto r = mount_api_filesystems(root, system); !r) return failed(r.error(), false);

  timeline.step("reading the kernel command line");
  auto text = read_file(root + "/proc/cmdline");
  if (!text) return failed(text.error(), false);
  auto parsed = parse_cmdline(*text);
  if (!parsed) {
    cmdline.shell = cmdline_flag(*text, bootloader::kShellParam);
    return failed(parsed.error().context("the kernel command line"), true);
  }
  cmdline = std::move(*parsed);
  timeline.set_debug(cmdline.debug);
  if (!cmdline.generation)
    return failed(Error{fmt::format("the kernel command line names no generation ({}=N)",
                                    bootloader::kGenerationParam)},
                  true);
  const uint64_t n = *cmdline.generation;

  timeline.step("loading the kernel modules");
  for (const std::string& problem : load_modules(root, system).problems)
    system.print("cairn: " + problem + ", ignoring");

  timeline.step("waiting for the state partition (" + cmdline.state.to_string() + ")");
  auto device = wait_for_state(root, system, cmdline.state, cmdline.timeout);
  if (!device) return failed(device.error(), false);

  if (cmdline.grow) {
    timeline.step("growing the state partition " + *device);
    auto grown = system.grow_partition(root, *device);
    if (!grown) system.print("cairn: cannot grow the state partition: " + grown.error().message + ", ignoring");
    else if (grown->grew())
      system.print(fmt::format("cairn: the state partition {} grew from {} to {}", *device,
                               format_size(grown->before), format_size(grown->after)));
  }

  timeline.step("mounting the state partition " + *device);
  if (auto r = mount_state(root, system, *device); !r) return failed(r.error(), false);

  if (cmdline.grow) {
    auto grown = system.grow_filesystem(root, *device, root + std::string(kStateDir));
    if (!grown) system.print("cairn: cannot grow the state file system: " + grown.error().message + ", ignoring");
    else if (grown->grew())
      system.print(fmt::format("cairn: the file system on {} grew from {} to {}", *device,
                               format_size(grown->before), format_size(grown->after)));
  }

  const std::string state = root + std::string(kStateDir) + "/";
  timeline.step("reading " + bootloader::generation_manifest(n));
  auto manifest = read_manifest(state + bootloader::generation_manifest(n));
  if (!manifest) return failed(manifest.error(), true);

  timeline.step("checking " + bootloader::generation_image(n));
  auto check = check_image(state + bootloader::generation_image(n), *manifest, state + generation_marker(n));
  if (!check) return failed(check.error(), true);
  if (!check->warning.empty()) system.print("cairn: " + check->warning + ", ignoring");

  timeline.step(check->hashed ? "mounting the image (hashed in full)"
                              : "mounting the image (vouched for by its marker)");
  if (auto r = mount_image(root, system, n); !r) return failed(r.error(), true);

  timeline.step("assembling the root at " + std::string(kSysroot));
  if (auto r = assemble_root(root, system); !r) return failed(r.error(), true);
  if (!manifest->persist_files.empty() || !manifest->persist_directories.empty()) {
    timeline.step("binding the persisted paths");
    if (auto r = bind_persisted(root, system, manifest->persist_files, manifest->persist_directories); !r)
      return failed(r.error(), true);
  }
  auto program = find_init(root + std::string(kImageDir), cmdline.init);
  if (!program) return failed(program.error(), true);

  timeline.step("handing over to " + *program);
  if (auto r = hand_over(root, system, *program, init.init_args); !r) {
    // /dev, /run and the rest may have moved already: no fallback from here.
    system.print(fmt::format("cairn: generation {}: handing over to {}: {}", n, *program, r.error().message));
    return give_up(init, cmdline, "the handover failed half way");
  }
  return Ending::handed_over;
}

}  // namespace cairn::activator
