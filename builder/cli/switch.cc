// `cairn switch | boot | test | dry-activate | rollback`: the builder's half
// of rebuilding a running machine in place. What each step does and why is
// in switch.hh; this file is the steps and the verbs' command lines.
//
// The install is the one part that must survive a crash at any moment: the
// activator takes a generations/<N>/ with a manifest and an image as
// installed (and may boot it), so the directory appears whole or not at
// all — written under a temporary name, fsync'd file by file, renamed, and
// the parent fsync'd. What a crash leaves behind (a *.tmp-* directory) is
// never read by the activator and is removed by the next switch, under the
// lock.
#include "builder/cli/switch.hh"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "base/fd.hh"
#include "base/files.hh"
#include "base/lines.hh"
#include "base/mountinfo.hh"
#include "bootloader/detect.hh"
#include "bootloader/layout.hh"
#include "builder/cli/image.hh"
#include "builder/cli/verbs.hh"

namespace cairn::cli {

namespace {

namespace fs = std::filesystem;

std::string errno_text() { return std::strerror(errno); }

std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return std::string(s);
}

std::optional<uint64_t> parse_number(std::string_view s) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

// The file's text, trimmed; nullopt when it does not exist.
Result<std::optional<std::string>> read_if_there(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return fail(fmt::format("cannot read {}: {}", path, errno_text()));
  }
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  return std::optional<std::string>{trimmed(*text)};
}

// The generation the running system shows: the activator's record of the
// last switch, else the one the kernel command line booted.
std::optional<uint64_t> running_generation(const std::string& root) {
  if (auto record = read_file(root + std::string(kActiveRecord)))
    for (std::string_view line : split_lines(*record))
      if (line.starts_with("generation=")) return parse_number(line.substr(11));
  auto cmdline = read_file(root + "/proc/cmdline");
  if (!cmdline) return std::nullopt;
  std::string key = std::string(bootloader::kGenerationParam) + "=";
  for (size_t at = 0; at < cmdline->size();) {
    size_t end = cmdline->find_first_of(" \n", at);
    std::string_view word = std::string_view(*cmdline).substr(at, end == std::string::npos ? end : end - at);
    if (word.starts_with(key)) return parse_number(word.substr(key.size()));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return std::nullopt;
}

// The host this machine was installed as, and where that was read ("" and
// "" when it records none).
struct RecordedHost {
  std::string host;
  std::string source;
};

Result<RecordedHost> recorded_host(const std::string& root, const std::string& state) {
  std::string file = state + "/" + std::string(kHostFile);
  auto text = read_if_there(file);
  if (!text) return std::unexpected(text.error());
  if (*text && !(*text)->empty()) return RecordedHost{**text, file};
  // Installed before `cairn image` wrote the file: the running generation
  // was built for the machine's host.
  if (auto n = running_generation(root)) {
    std::string dir = state + "/" + bootloader::generation_dir(*n);
    if (auto m = generations::read_manifest(dir); m && !m->host.empty())
      return RecordedHost{m->host, dir + "/manifest.json"};
  }
  return RecordedHost{};
}

// The wrong-host guard: the host to build, or why not.
Result<std::string> guard(const InPlaceContext& ctx, const std::string& state) {
  std::string verb(in_place_verb_info(ctx.verb).name);
  auto recorded = recorded_host(ctx.root, state);
  if (!recorded) return std::unexpected(recorded.error());
  std::string host_file = state + "/" + std::string(kHostFile);

  auto machine_id = read_if_there(ctx.root + "/etc/machine-id");
  if (!machine_id) return std::unexpected(machine_id.error());
  auto state_id = read_if_there(state + "/" + std::string(kMachineIdFile));
  if (!state_id) return std::unexpected(state_id.error());
  std::string id = machine_id->value_or("");
  if (!ctx.force && !id.empty() && state_id->has_value() && !(*state_id)->empty() && **state_id != id)
    return fail(fmt::format("the state partition at {} belongs to machine-id {}, not to this machine ({} in "
                            "{}/etc/machine-id); add --force if it is this machine's",
                            state, **state_id, id, ctx.root));

  std::string who = id.empty() ? "" : fmt::format("; machine-id {}", id);
  if (ctx.host.empty()) {
    if (recorded->host.empty())
      return fail(fmt::format("this machine records no host (no {}, and the running generation's manifest names "
                              "none); run `cairn {} --host NAME --force` to build NAME for it",
                              host_file, verb));
    return recorded->host;
  }
  if (ctx.force || ctx.host == recorded->host) return ctx.host;
  if (recorded->host.empty())
    return fail(fmt::format("cannot check that this machine is host {}: it records no host (no {}, and the running "
                            "generation's manifest names none); add --force if it is",
                            ctx.host, host_file));
  return fail(fmt::format("this machine is host {} (recorded in {}{}), not {}; run `cairn {}` without --host to "
                          "rebuild {}, or add --force to make it {}",
                          recorded->host, recorded->source, who, ctx.host, verb, recorded->host, ctx.host));
}

// <state>/.cairn-switch.lock, held (flock) for as long as this lives.
Result<Fd> take_lock(const std::string& state) {
  std::string path = state + "/" + std::string(kSwitchLockFile);
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) return fail(fmt::format("cannot open {}: {}", path, errno_text()));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      return fail(fmt::format("another cairn switch is running ({} is locked); wait for it to finish", path));
    return fail(fmt::format("cannot lock {}: {}", path, errno_text()));
  }
  return fd;
}

Result<void> fsync_dir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) return fail(fmt::format("syncing {}: {}", dir, errno_text()));
  return {};
}

// Copies `from` to the new file `to` and syncs it to the disk. The store and
// the state partition are different file systems, so no link will do.
Result<void> copy_synced(const std::string& from, const std::string& to) {
  Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return fail(fmt::format("cannot open {}: {}", from, errno_text()));
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) return fail(fmt::format("cannot stat {}: {}", from, errno_text()));
  Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!out.valid()) return fail(fmt::format("cannot create {}: {}", to, errno_text()));
  off_t done = 0;
  while (done < st.st_size) {
    ssize_t n = ::sendfile(out.get(), in.get(), &done, static_cast<size_t>(std::min<off_t>(st.st_size - done, 1 << 30)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(fmt::format("copying {} to {}: {}", from, to, errno_text()));
    if (n == 0) return fail(fmt::format("copying {} to {}: the file shrank while being copied", from, to));
  }
  if (::fsync(out.get()) != 0) return fail(fmt::format("syncing {}: {}", to, errno_text()));
  return {};
}

// A directory removed when this goes, unless released.
struct TempDir {
  std::string path;
  ~TempDir() {
    if (path.empty()) return;
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// The numbers of generations/<N> on the state partition (whole or not: a
// number that is there is taken), ascending; removes the *.tmp-* an
// interrupted install left, saying so.
Result<std::vector<uint64_t>> scan_generations(const std::string& state, const InPlaceContext& ctx) {
  std::string dir = state + "/generations";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(fmt::format("cannot create {}: {}", dir, ec.message()));
  std::vector<uint64_t> out;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (auto n = parse_number(name)) {
      out.push_back(*n);
    } else if (size_t at = name.find(".tmp-"); at != std::string::npos && parse_number(name.substr(0, at))) {
      fs::remove_all(it->path(), ec);
      if (ec) return fail(fmt::format("removing {}, left by an interrupted install: {}", it->path().string(), ec.message()));
      ctx.print(fmt::format("removed {}, left by an interrupted install", it->path().string()));
    }
  }
  if (ec) return fail(fmt::format("cannot list {}: {}", dir, ec.message()));
  std::ranges::sort(out);
  return out;
}

// Whether generations/<n> holds `built`'s system: the same manifest (which
// names the image's sha256, checked by the activator before it mounts the
// image) and an image of the manifest's size.
bool holds_same_system(const std::string& state, uint64_t n, const BuiltSystem& built) {
  std::string dir = state + "/" + bootloader::generation_dir(n);
  auto there = read_file(dir + "/manifest.json");
  auto ours = read_file(built.generation.system_dir + "/manifest.json");
  if (!there || !ours || *there != *ours) return false;
  std::error_code ec;
  auto size = fs::file_size(dir + "/" + built.manifest.image.file, ec);
  return !ec && size == built.manifest.image.size;
}

// Copies the system's image and manifest to generations/<n>, atomically.
Result<void> install(const std::string& state, uint64_t n, const BuiltSystem& built) {
  std::string parent = state + "/generations";
  std::string tmpl = fmt::format("{}/{}.tmp-XXXXXX", parent, n);
  if (!::mkdtemp(tmpl.data())) return fail(fmt::format("cannot create a directory in {}: {}", parent, errno_text()));
  TempDir tmp{tmpl};
  ::chmod(tmp.path.c_str(), 0755);
  const std::string& sys = built.generation.system_dir;
  if (auto r = copy_synced(sys + "/" + built.manifest.image.file, tmp.path + "/system.squashfs"); !r) return r;
  if (auto r = copy_synced(sys + "/manifest.json", tmp.path + "/manifest.json"); !r) return r;
  if (auto r = fsync_dir(tmp.path); !r) return r;
  std::string target = state + "/" + bootloader::generation_dir(n);
  // rename(2) never replaces a non-empty directory: a generations/<n> that
  // appeared meanwhile stays as it is and this fails.
  if (::rename(tmp.path.c_str(), target.c_str()) != 0)
    return fail(fmt::format("renaming {} to {}: {}", tmp.path, target, errno_text()));
  tmp.path.clear();
  return fsync_dir(parent);
}

// The boot partition, mounted for the entry's write: the mount the system
// has, or one made at root/run/cairn/esp (and unmounted when this goes).
class EspAccess {
 public:
  static Result<std::unique_ptr<EspAccess>> open(const InPlaceContext& ctx) {
    std::string mountinfo_path = ctx.root + "/proc/self/mountinfo";
    auto mountinfo = read_file(mountinfo_path);
    if (!mountinfo) return std::unexpected(mountinfo.error().context("finding the boot partition"));
    if (auto at = find_esp_mount(*mountinfo))
      return std::unique_ptr<EspAccess>(new EspAccess(ctx, ctx.root + *at, false));
    std::string device = ctx.root + std::string(kEspDevice);
    std::string target = ctx.root + std::string(kEspMount);
    if (::access(device.c_str(), F_OK) != 0)
      return fail(fmt::format("no boot partition: no vfat file system is mounted at /boot/efi, /efi, /boot or "
                              "{} ({}) and no partition is labelled {} ({}); mount the boot partition and run "
                              "again",
                              kEspMount, mountinfo_path, bootloader::kEspLabel, device));
    std::error_code ec;
    fs::create_directories(target, ec);
    if (ec) return fail(fmt::format("cannot create {}: {}", target, ec.message()));
    if (auto r = ctx.mount(device, target); !r)
      return std::unexpected(r.error().context(fmt::format("mounting the boot partition {} at {}", device, target)));
    ctx.print(fmt::format("mounted the boot partition {} at {}", device, target));
    return std::unique_ptr<EspAccess>(new EspAccess(ctx, target, true));
  }
  ~EspAccess() {
    if (!owned_) return;
    if (auto r = ctx_.unmount(path_); !r)
      ctx_.print(fmt::format("unmounting {}: {}, ignoring", path_, r.error().message));
  }
  const std::string& path() const { return path_; }

 private:
  EspAccess(const InPlaceContext& ctx, std::string path, bool owned) : ctx_(ctx), path_(std::move(path)), owned_(owned) {}
  const InPlaceContext& ctx_;
  std::string path_;
  bool owned_;
};

// Writes generation n's boot entry unless a reused generation has a usable
// one; true when it wrote.
Result<bool> write_boot_entry(const InPlaceContext& ctx, uint64_t n, const BuiltSystem& built, bool reused) {
  const generations::Manifest& m = built.manifest;
  if (m.kernel.file.empty() || m.kernel.initrd.empty())
    return fail(fmt::format("generation {} of {} has no {} (no cairn-activate for {} when it was built); it cannot "
                            "boot",
                            n, m.host, m.kernel.file.empty() ? "kernel" : "initramfs", m.architecture));
  auto esp = EspAccess::open(ctx);
  if (!esp) return std::unexpected(esp.error());
  const std::string& root = (*esp)->path();
  auto kind = bootloader::detect_loader(root);
  if (!kind) return std::unexpected(kind.error());
  bootloader::DetectingBackend backend;
  if (reused) {
    auto state = backend.read_state(root);
    if (!state) return std::unexpected(state.error().context("reading the boot entries on " + root));
    auto e = std::ranges::find(state->entries, n, &bootloader::BootEntry::generation);
    if (e != state->entries.end() && e->state() != bootloader::EntryState::bad) {
      ctx.print(fmt::format("generation {} has its boot entry already ({}); kept", n, bootloader::to_string(e->state())));
      return false;
    }
  }
  bootloader::LoaderSettings settings;
  settings.timeout = m.boot.value("timeout", 3u);
  if (m.boot.contains("configurationLimit") && m.boot["configurationLimit"].is_number())
    settings.limit = m.boot["configurationLimit"].get<uint32_t>();
  bootloader::BootEntry entry;
  entry.generation = n;
  entry.title = entry_title(m, n);
  entry.options = kernel_options(m, n);
  entry.tries_left = m.boot.value("tries", 3u);
  const std::string& sys = built.generation.system_dir;
  if (auto r = backend.write_entry(root, entry, sys + "/" + m.kernel.file, sys + "/" + m.kernel.initrd, settings); !r)
    return std::unexpected(r.error().context(fmt::format("writing the boot entry of generation {} on {}", n, root)));
  ctx.print(fmt::format("wrote the boot entry of generation {} on {} ({}, a trial with {} tries)", n, root,
                        bootloader::to_string(*kind), *entry.tries_left));
  return true;
}

// The cairn-activate to run.
Result<std::string> activator_program(const InPlaceContext& ctx) {
  if (!ctx.activator.empty()) return ctx.activator;
  std::string installed = ctx.root + std::string(kActivatorPath);
  if (::access(installed.c_str(), X_OK) == 0) return installed;
  auto found = find_program("cairn-activate");
  if (!found)
    return fail(fmt::format("no cairn-activate: {} is not there and {}; is this a cairn machine?", installed,
                            found.error().message));
  return found;
}

}  // namespace

std::optional<std::string> find_esp_mount(std::string_view mountinfo) {
  std::vector<MountInfo> mounts = parse_mountinfo(mountinfo);
  for (std::string_view candidate : kEspMountPoints)
    // The last mount at a point is the one visible there.
    for (auto m = mounts.rbegin(); m != mounts.rend(); ++m)
      if (m->mount_point == candidate) {
        if (m->type == "vfat" && m->root == "/") return std::string(candidate);
        break;
      }
  return std::nullopt;
}

uint64_t choose_generation(uint64_t built, const std::vector<uint64_t>& installed, bool same_as_installed) {
  if (same_as_installed || std::ranges::find(installed, built) == installed.end()) return built;
  return std::max(built, std::ranges::max(installed)) + 1;
}

Result<InPlaceReport> run_in_place(const InPlaceContext& ctx) {
  const InPlaceVerbInfo& info = in_place_verb_info(ctx.verb);
  std::string state = ctx.root + std::string(kStateMount);
  struct stat st {};
  if (::stat(state.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return fail(fmt::format("this is not a running cairn machine: {} is not there (the activator mounts the state "
                            "partition there at boot)",
                            state));
  InPlaceReport report;
  std::string recorded_file = state + "/" + std::string(kHostFile);
  if (info.builds) {
    auto host = guard(ctx, state);
    if (!host) return std::unexpected(host.error());
    report.host = *host;
  }
  auto lock = take_lock(state);
  if (!lock) return std::unexpected(lock.error());

  std::vector<std::string> args{std::string(info.name)};
  if (info.builds) {
    auto installed = scan_generations(state, ctx);
    if (!installed) return std::unexpected(installed.error());
    // A new build is numbered past what the machine has, so that the image
    // calls itself by the number it is installed as.
    auto built = ctx.build(report.host, installed->empty() ? 1 : installed->back() + 1);
    if (!built) return std::unexpected(built.error());
    if (built->generation.system_dir.empty())
      return fail(fmt::format("the build of {} gave no system directory", report.host));
    uint64_t number = built->generation.number;
    // The system may be installed already, under its own number or (built
    // elsewhere, or before the numbers agreed) another one.
    std::optional<uint64_t> holding;
    if (std::ranges::find(*installed, number) != installed->end() && holds_same_system(state, number, *built))
      holding = number;
    for (auto it = installed->rbegin(); !holding && it != installed->rend(); ++it)
      if (holds_same_system(state, *it, *built)) holding = *it;
    bool same = holding.has_value();
    uint64_t n = holding ? *holding : choose_generation(number, *installed, false);
    if (same) {
      ctx.print(fmt::format("generation {} is on the state partition already (the same system)", n));
    } else {
      if (n != number)
        ctx.print(fmt::format("generation {} on the state partition holds another system; installing {} as "
                              "generation {} (one past the newest installed)",
                              number, report.host, n));
      if (auto r = install(state, n, *built); !r)
        return std::unexpected(r.error().context(fmt::format("installing generation {}", n)));
      ctx.print(fmt::format("installed {} generation {} in {}/{}", report.host, n, state, bootloader::generation_dir(n)));
      report.installed = true;
    }
    report.generation = n;
    if (info.writes_entry) {
      auto wrote = write_boot_entry(ctx, n, *built, same);
      if (!wrote) return std::unexpected(wrote.error());
      report.entry_written = *wrote;
    }
    args.push_back(std::to_string(n));
  } else if (ctx.now) {
    args.push_back("--now");
  }

  auto program = activator_program(ctx);
  if (!program) return std::unexpected(program.error());
  report.activator_command = {*program};
  report.activator_command.insert(report.activator_command.end(), args.begin(), args.end());
  std::string command_line;
  for (const std::string& a : report.activator_command) command_line += (command_line.empty() ? "" : " ") + a;
  ctx.print("running " + command_line);
  // Its lines reach the terminal as it writes them; they are collected too.
  RunOptions ro;
  ro.on_output = ctx.activator_output;
  auto ran = run(*program, args, ro);
  if (!ran) return std::unexpected(ran.error());
  report.activator = std::move(*ran);
  if (report.activator.signal != 0)
    return fail(fmt::format("{} {}{}", command_line, report.activator.describe(),
                            report.activator.err.empty() ? "" : ": " + quote_stderr(report.activator.err)));

  // A switch or boot that went through makes the machine the host it
  // built (with --force, another one than before): record it for the
  // guard and for the next `cairn switch` without --host.
  int status = report.activator.exit_status;
  if (info.writes_entry && (status == 0 || status == 4)) {
    auto recorded = read_if_there(recorded_file);
    if (!recorded || recorded->value_or("") != report.host) {
      if (auto r = write_file_atomic(recorded_file, report.host + "\n"); !r)
        ctx.print(fmt::format("recording the host in {}: {}, ignoring", recorded_file, r.error().message));
      else
        ctx.print(fmt::format("recorded host {} in {}", report.host, recorded_file));
    }
  }
  return report;
}

namespace {

struct InPlaceOptions {
  std::string host;
  std::string store;
  std::string root = "/";
  std::string activator;
  bool force = false;
  bool now = false;
};

int run_verb(InPlaceVerb verb, const InPlaceOptions& opts) {
  InPlaceContext ctx;
  ctx.verb = verb;
  ctx.root = opts.root;
  while (!ctx.root.empty() && ctx.root.back() == '/') ctx.root.pop_back();
  ctx.host = opts.host;
  ctx.force = opts.force;
  ctx.now = opts.now;
  ctx.activator = opts.activator;
  ctx.build = [&opts, &ctx](const std::string& host, uint64_t first_number) {
    BuildOptions bo;
    bo.host = host;
    bo.first_number = first_number;
    bo.store = opts.store;
    bo.no_out_link = true;
    if (auto n = running_generation(ctx.root))
      bo.previous_system = ctx.root + std::string(kStateMount) + "/" + bootloader::generation_dir(*n);
    return build_host(bo);
  };
  ctx.mount = [](const std::string& device, const std::string& target) -> Result<void> {
    if (::mount(device.c_str(), target.c_str(), "vfat", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
      return fail(errno_text());
    return {};
  };
  ctx.unmount = [](const std::string& target) -> Result<void> {
    if (::umount2(target.c_str(), 0) != 0) return fail(errno_text());
    return {};
  };
  ctx.print = [](const std::string& line) { std::cerr << "cairn: " << line << std::endl; };
  ctx.activator_output = [](int fd, std::string_view piece) {
    std::ostream& to = fd == 1 ? std::cout : std::cerr;
    to << piece << std::flush;
  };
  auto report = run_in_place(ctx);
  if (!report) return report_build_error(report.error()), 1;
  return report->activator.exit_status;
}

void register_in_place(CLI::App& app, VerbResult& run, InPlaceVerb verb) {
  const InPlaceVerbInfo& info = in_place_verb_info(verb);
  auto opts = std::make_shared<InPlaceOptions>();
  CLI::App* cmd = app.add_subcommand(std::string(info.name), std::string(info.help));
  if (info.builds) {
    cmd->add_option("--host", opts->host, "The host to build (default: the one this machine was installed as)")
        ->type_name("NAME");
    cmd->add_option("--store", opts->store, "The store (default: $XDG_CACHE_HOME/cairn)")->type_name("DIR");
    cmd->add_flag("--force", opts->force,
                  "Build --host even when this machine was installed as another host or its machine-id differs");
  } else {
    cmd->add_flag("--now", opts->now, "Switch to the previous generation now as well");
  }
  cmd->add_option("--root", opts->root, "The machine's root directory; every path is taken under it (default: /)")
      ->type_name("DIR");
  cmd->add_option("--activator", opts->activator,
                  "The cairn-activate to run (default: /usr/lib/cairn/cairn-activate, else cairn-activate on PATH)")
      ->type_name("PATH");
  cmd->callback([opts, verb, &run] { run = [opts, verb] { return run_verb(verb, *opts); }; });
}

}  // namespace

void register_switch(CLI::App& app, VerbResult& run) { register_in_place(app, run, InPlaceVerb::switch_now); }
void register_boot(CLI::App& app, VerbResult& run) { register_in_place(app, run, InPlaceVerb::boot); }
void register_test(CLI::App& app, VerbResult& run) { register_in_place(app, run, InPlaceVerb::test); }
void register_dry_activate(CLI::App& app, VerbResult& run) { register_in_place(app, run, InPlaceVerb::dry_activate); }
void register_rollback(CLI::App& app, VerbResult& run) { register_in_place(app, run, InPlaceVerb::rollback); }

}  // namespace cairn::cli
