// The real `System`: each method a few system calls or one library call,
// with errno's text in every error. Not unit-tested (it needs a kernel of
// its own); the QEMU end-to-end tests run it.
#include <blkid/blkid.h>
#include <fcntl.h>
#include <libkmod.h>
#include <libmount/libmount.h>
#include <linux/loop.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "activator/system.hh"
#include "base/files.hh"
#include "base/subprocess.hh"

namespace cairn::activator {

namespace {

std::string errno_text(int err = errno) { return std::strerror(err); }

double monotonic() {
  struct timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// "/lib/modules/…/virtio-blk.ko.xz" → "virtio_blk", the name under /sys/module.
std::string module_name(const std::string& path) {
  std::string name = path.substr(path.rfind('/') + 1);
  name = name.substr(0, name.find(".ko"));
  for (char& c : name)
    if (c == '-') c = '_';
  return name;
}

// Deletes everything under the directory `fd` on its own file system, as
// switch_root(8) does with the initramfs; mount points are left.
void remove_tree(int fd) {
  struct stat root{};
  if (::fstat(fd, &root) != 0) return;
  DIR* dir = ::fdopendir(fd);
  if (!dir) return;
  while (struct dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st{};
    if (::fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_dev != root.st_dev) continue;
    if (S_ISDIR(st.st_mode)) {
      int sub = ::openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0) remove_tree(sub);  // closes sub
      ::unlinkat(fd, e->d_name, AT_REMOVEDIR);
    } else {
      ::unlinkat(fd, e->d_name, 0);
    }
  }
  ::closedir(dir);
}

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const std::string& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// The disk ("/dev/vda") and partition number (2) of the partition
// `device` ("/dev/vda2"), from sysfs: /sys/class/block/vda2 is a link into
// its disk's directory and holds the number in "partition".
Result<std::pair<std::string, size_t>> whole_disk(const std::string& root, const std::string& device) {
  std::string name = device.substr(device.rfind('/') + 1);
  std::string sys = root + "/sys/class/block/" + name;
  auto number = read_file(sys + "/partition");
  if (!number) return fail(device + " is not a partition (" + number.error().message + ")");
  size_t partno = 0;
  for (char c : *number)
    if (c >= '0' && c <= '9') partno = partno * 10 + static_cast<size_t>(c - '0');
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::canonical(sys, ec).parent_path();
  if (ec || partno == 0) return fail("cannot find the disk of " + device + " in " + sys);
  return std::pair<std::string, size_t>{"/dev/" + parent.filename().string(), partno};
}

class LinuxSystem final : public System {
 public:
  LinuxSystem() : start_(monotonic()) {}
  ~LinuxSystem() override {
    if (kmod_) ::kmod_unref(kmod_);
    for (int fd : loop_fds_) ::close(fd);
  }

  Result<void> mount(const std::string& source, const std::string& target, const std::string& type,
                     const std::string& options) override {
    struct libmnt_context* cxt = ::mnt_new_context();
    if (!cxt) return fail("cannot mount " + target + ": " + errno_text(ENOMEM));
    // No /sbin/mount.<type> helpers, no utab, no fstab: exactly this mount.
    ::mnt_context_disable_helpers(cxt, 1);
    ::mnt_context_disable_mtab(cxt, 1);
    ::mnt_context_disable_canonicalize(cxt, 1);
    ::mnt_context_set_source(cxt, source.c_str());
    ::mnt_context_set_target(cxt, target.c_str());
    if (!type.empty()) ::mnt_context_set_fstype(cxt, type.c_str());
    if (!options.empty()) ::mnt_context_set_options(cxt, options.c_str());
    int rc = ::mnt_context_mount(cxt);
    std::string why;
    if (rc != 0 || ::mnt_context_get_status(cxt) != 1) {
      if (::mnt_context_syscall_called(cxt) && ::mnt_context_get_syscall_errno(cxt) != 0) {
        why = errno_text(::mnt_context_get_syscall_errno(cxt));
      } else {
        char buf[512] = "";
        ::mnt_context_get_excode(cxt, rc, buf, sizeof buf);
        why = buf[0] ? buf : rc < 0 ? errno_text(-rc) : "failed";
      }
    }
    ::mnt_free_context(cxt);
    if (why.empty()) return {};
    return fail(fmt::format("cannot mount {} on {}{}: {}", source, target, type.empty() ? "" : " (" + type + ")",
                            why));
  }

  Result<void> move_mount(const std::string& from, const std::string& to) override {
    if (::mount(from.c_str(), to.c_str(), nullptr, MS_MOVE, nullptr) != 0)
      return fail(fmt::format("cannot move the mount {} to {}: {}", from, to, errno_text()));
    return {};
  }

  Result<void> unmount(const std::string& target) override {
    if (::umount2(target.c_str(), 0) != 0) return fail(fmt::format("cannot unmount {}: {}", target, errno_text()));
    return {};
  }

  Result<void> load_module(const std::string& path) override {
    if (!kmod_) {
      kmod_ = ::kmod_new(nullptr, nullptr);
      if (!kmod_) return fail("cannot load " + path + ": libkmod would not start");
      // The activator words its own errors.
      ::kmod_set_log_fn(kmod_, [](void*, int, const char*, int, const char*, const char*, va_list) {}, nullptr);
    }
    if (::access(path.c_str(), F_OK) != 0) {
      int err = errno;
      // Listed but built in (or loaded another way): fine.
      if (::access(("/sys/module/" + module_name(path)).c_str(), F_OK) == 0) return {};
      return fail(fmt::format("cannot load {}: {}", path, errno_text(err)));
    }
    struct kmod_module* mod = nullptr;
    int rc = ::kmod_module_new_from_path(kmod_, path.c_str(), &mod);
    if (rc < 0) return fail(fmt::format("cannot load {}: {}", path, errno_text(-rc)));
    rc = ::kmod_module_insert_module(mod, 0, nullptr);
    ::kmod_module_unref(mod);
    if (rc == 0 || rc == -EEXIST) return {};
    // The kernel says ENOENT for an unresolved symbol; say what modprobe says.
    std::string why = rc == -ENOENT ? "Unknown symbol in module, or unknown parameter (see dmesg)" : errno_text(-rc);
    return fail(fmt::format("cannot load {}: {}", path, why));
  }

  Result<std::vector<BlockDevice>> block_devices(const std::string& root) override {
    auto text = read_file(root + "/proc/partitions");
    if (!text) return std::unexpected(text.error());
    std::vector<BlockDevice> out;
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
      // "major minor  #blocks  name"; the header and blank line do not parse.
      std::istringstream fields(line);
      unsigned major = 0, minor = 0;
      unsigned long long blocks = 0;
      std::string name;
      if (!(fields >> major >> minor >> blocks >> name) || blocks == 0) continue;
      for (char& c : name)
        if (c == '!') c = '/';  // cciss!c0d0 is /dev/cciss/c0d0
      BlockDevice device{"/dev/" + name, fmt::format("{}:{}", major, minor), {}};
      if (probe(root + device.path, device)) out.push_back(std::move(device));
    }
    return out;
  }

  Result<std::string> attach_loop(const std::string& root, const std::string& image) override {
    int file = ::open(image.c_str(), O_RDONLY | O_CLOEXEC);
    if (file < 0) return fail(fmt::format("cannot open {}: {}", image, errno_text()));
    std::string control = root + "/dev/loop-control";
    int ctl = ::open(control.c_str(), O_RDWR | O_CLOEXEC);
    if (ctl < 0) {
      int err = errno;
      ::close(file);
      return fail(fmt::format("cannot open {}: {}", control, errno_text(err)));
    }
    Result<std::string> out = fail("no free loop device");
    for (int attempt = 0; attempt < 16; ++attempt) {
      int nr = ::ioctl(ctl, LOOP_CTL_GET_FREE);
      if (nr < 0) {
        out = fail(fmt::format("cannot get a free loop device from {}: {}", control, errno_text()));
        break;
      }
      std::string device = fmt::format("/dev/loop{}", nr);
      int fd = ::open((root + device).c_str(), O_RDWR | O_CLOEXEC);
      if (fd < 0) {
        out = fail(fmt::format("cannot open {}: {}", root + device, errno_text()));
        break;
      }
      struct loop_config config{};
      config.fd = static_cast<__u32>(file);
      // Autoclear: detached when the last user goes. That would be at once
      // if `fd` were closed before the mount, so it is kept (close-on-exec).
      config.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
      std::strncpy(reinterpret_cast<char*>(config.info.lo_file_name), image.c_str(), LO_NAME_SIZE - 1);
      if (::ioctl(fd, LOOP_CONFIGURE, &config) == 0) {
        loop_fds_.push_back(fd);
        out = device;
        break;
      }
      int err = errno;
      ::close(fd);
      if (err == EBUSY) continue;  // taken since LOOP_CTL_GET_FREE
      out = fail(fmt::format("cannot attach {} to {}: {}", image, device, errno_text(err)));
      break;
    }
    ::close(ctl);
    ::close(file);
    return out;
  }

  Result<Growth> grow_partition(const std::string& root, const std::string& device) override {
    auto where = whole_disk(root, device);
    if (!where) return std::unexpected(where.error());
    return activator::grow_partition(root + where->first, where->second);
  }

  Result<Growth> grow_filesystem(const std::string& root, const std::string& device,
                                 const std::string& mountpoint) override {
    return grow_ext4(root + device, mountpoint);
  }

  std::string kernel_release() override {
    struct utsname u{};
    return ::uname(&u) == 0 ? u.release : "";
  }

  double now() override { return monotonic() - start_; }

  void sleep(double seconds) override {
    struct timespec ts{static_cast<time_t>(seconds), static_cast<long>((seconds - static_cast<double>(
                                                                            static_cast<time_t>(seconds))) * 1e9)};
    while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
  }

  void print(std::string_view line) override {
    ensure_console();
    std::string text = std::string(line) + "\n";
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }

  Result<void> switch_root(const std::string& root, const std::string& new_root,
                           const std::vector<std::string>& argv) override {
    // As switch_root(8): enter the new root, keep a handle on the old one,
    // move the new root over it and make it /.
    std::string old_root = root.empty() ? "/" : root;
    if (::chdir(new_root.c_str()) != 0) return fail(fmt::format("cannot enter {}: {}", new_root, errno_text()));
    int old_fd = ::open(old_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (old_fd < 0) return fail(fmt::format("cannot open {}: {}", old_root, errno_text()));
    if (::mount(new_root.c_str(), old_root.c_str(), nullptr, MS_MOVE, nullptr) != 0) {
      int err = errno;
      ::close(old_fd);
      return fail(fmt::format("cannot move {} to {}: {}", new_root, old_root, errno_text(err)));
    }
    if (::chroot(".") != 0 || ::chdir("/") != 0) {
      int err = errno;
      ::close(old_fd);
      return fail(fmt::format("cannot change root to {}: {}", new_root, errno_text(err)));
    }
    // The initramfs's files are deleted by a child, so that systemd need not
    // wait; only if the old root really is one (ramfs or tmpfs).
    struct statfs sfs{};
    if (::fstatfs(old_fd, &sfs) == 0 && (sfs.f_type == RAMFS_MAGIC || sfs.f_type == TMPFS_MAGIC)) {
      pid_t pid = ::fork();
      if (pid == 0) {
        remove_tree(old_fd);
        ::_exit(0);
      }
    }
    ::close(old_fd);
    for (int fd : loop_fds_) ::close(fd);  // the mounts hold the loop devices now
    loop_fds_.clear();
    auto args = c_argv(argv);
    ::execv(args[0], args.data());
    return fail(fmt::format("cannot execute {}: {}", argv[0], errno_text()));
  }

  Result<void> run(const std::string& program, const std::vector<std::string>& args) override {
    auto ran = cairn::run(program, args);
    if (!ran) return std::unexpected(ran.error());
    if (!ran->success())
      return fail(fmt::format("{} {}: {}", program, ran->describe(), quote_stderr(ran->err)));
    return {};
  }

  void run_shell(const std::string& program, const std::vector<std::string>& argv) override {
    ensure_console();
    pid_t pid = ::fork();
    if (pid == 0) {
      // A session of its own with the console as its terminal, for job control.
      ::setsid();
      ::ioctl(STDIN_FILENO, TIOCSCTTY, 1);
      ::setenv("PATH", "/usr/bin:/usr/sbin:/bin:/sbin", 1);
      auto args = c_argv(argv);
      ::execv(program.c_str(), args.data());
      ::_exit(127);
    }
    if (pid < 0) {
      print(fmt::format("cairn: cannot start {}: {}", program, errno_text()));
      return;
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }

  void reboot() override {
    ::sync();
    ::reboot(RB_AUTOBOOT);
    print("cairn: cannot reboot: " + errno_text());
  }

 private:
  // Probes one device with libblkid: file system (TYPE, LABEL, UUID) and
  // partition entry (PARTUUID, PARTLABEL, PART_ENTRY_TYPE). False when it
  // cannot be opened or probed.
  static bool probe(const std::string& path, BlockDevice& device) {
    blkid_probe pr = ::blkid_new_probe_from_filename(path.c_str());
    if (!pr) return false;
    ::blkid_probe_enable_superblocks(pr, 1);
    ::blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE);
    ::blkid_probe_enable_partitions(pr, 1);
    ::blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
    int rc = ::blkid_do_safeprobe(pr);
    if (rc == 0) {
      int n = ::blkid_probe_numof_values(pr);
      for (int i = 0; i < n; ++i) {
        const char* name = nullptr;
        const char* data = nullptr;
        if (::blkid_probe_get_value(pr, i, &name, &data, nullptr) != 0) continue;
        std::string key = name;
        // The names blkid(8) and blkid_evaluate_tag use.
        if (key == "PART_ENTRY_UUID") device.tags["PARTUUID"] = data;
        if (key == "PART_ENTRY_NAME") device.tags["PARTLABEL"] = data;
        device.tags[key] = data;
      }
    }
    ::blkid_free_probe(pr);
    return rc >= 0;
  }

  // When the kernel found no /dev/console in the initramfs, /init starts
  // with no standard descriptors; once devtmpfs is mounted they can be had.
  void ensure_console() {
    if (::fcntl(STDOUT_FILENO, F_GETFD) >= 0) return;
    int fd = ::open("/dev/console", O_RDWR | O_NOCTTY);
    if (fd < 0) return;
    for (int target = 0; target <= 2; ++target)
      if (::fcntl(target, F_GETFD) < 0) ::dup2(fd, target);
    if (fd > 2) ::close(fd);
  }

  double start_;
  struct kmod_ctx* kmod_ = nullptr;
  std::vector<int> loop_fds_;
};

}  // namespace

std::unique_ptr<System> make_linux_system() { return std::make_unique<LinuxSystem>(); }

}  // namespace cairn::activator
