// Test doubles for the activator's seams: a `System` that records what it
// is asked to do (paths shown without the test's root prefix) against a
// scripted clock and scripted block devices, a boot-loader `Backend` over
// an in-memory entry list, and a temporary directory as the root.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "activator/system.hh"
#include "base/temp_dir_test.hh"
#include "bootloader/entry.hh"

namespace cairn::activator::testing {

/// A cairn::TempDir (cairn-activator-XXXXXX) with helpers to fill and inspect it.
class TempDir : public cairn::TempDir {
 public:
  TempDir() : cairn::TempDir("activator") {}

  /// Writes `contents` to path()/rel, creating the directories.
  void write(const std::string& rel, const std::string& contents) const {
    std::filesystem::path p = *this / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << contents;
  }
  void mkdir(const std::string& rel) const { std::filesystem::create_directories(*this / rel); }
  bool exists(const std::string& rel) const {
    std::error_code ec;
    return std::filesystem::exists(std::filesystem::symlink_status(*this / rel, ec));
  }
};

class FakeSystem final : public System {
 public:
  explicit FakeSystem(std::string root) : root_(std::move(root)) {}

  // ---- The script ----
  /// The block devices every probe returns, once the clock reaches
  /// `devices_appear_at`; before that, none.
  std::vector<BlockDevice> devices;
  double devices_appear_at = 0;
  /// Mount targets (without the root) whose mount fails with this message.
  std::map<std::string, std::string> failing_mounts;
  /// Module paths (without the root) that fail to load.
  std::set<std::string> failing_modules;
  std::string release = "6.1.0-test";
  bool switch_root_fails = false;
  /// What growing the state partition and its file system come to: sizes
  /// in bytes (equal: nothing done), or an error message.
  Growth partition_growth{100, 100}, filesystem_growth{100, 100};
  std::string grow_error;
  /// What run() fails with ("" = it succeeds).
  std::string run_error;
  /// Seconds each mount takes (for the debug timing lines).
  double mount_cost = 0;

  // ---- What happened ----
  std::vector<std::string> log;      ///< one line per side effect (probes and 100 ms sleeps left out)
  std::vector<std::string> console;  ///< printed lines
  int probes = 0;
  double clock = 0;

  Result<void> mount(const std::string& source, const std::string& target, const std::string& type,
                     const std::string& options) override {
    clock += mount_cost;
    log.push_back(fmt::format("mount {} {} {} {}", strip(source), strip(target), type.empty() ? "-" : type,
                              options.empty() ? "-" : strip_all(options)));
    if (auto it = failing_mounts.find(strip(target)); it != failing_mounts.end()) return fail(it->second);
    return {};
  }
  Result<void> move_mount(const std::string& from, const std::string& to) override {
    log.push_back("move " + strip(from) + " " + strip(to));
    return {};
  }
  Result<void> unmount(const std::string& target) override {
    log.push_back("unmount " + strip(target));
    return {};
  }
  Result<void> load_module(const std::string& path) override {
    log.push_back("load " + strip(path));
    if (failing_modules.contains(strip(path))) return fail("cannot load " + path + ": Exec format error");
    return {};
  }
  Result<std::vector<BlockDevice>> block_devices(const std::string&) override {
    ++probes;
    if (clock + 1e-9 < devices_appear_at) return std::vector<BlockDevice>{};
    return devices;
  }
  Result<std::string> attach_loop(const std::string&, const std::string& image) override {
    log.push_back("attach " + strip(image) + " /dev/loop0");
    return std::string("/dev/loop0");
  }
  Result<Growth> grow_partition(const std::string&, const std::string& device) override {
    log.push_back("grow partition " + device);
    if (!grow_error.empty()) return fail(grow_error);
    return partition_growth;
  }
  Result<Growth> grow_filesystem(const std::string&, const std::string& device,
                                 const std::string& mountpoint) override {
    log.push_back("grow filesystem " + device + " " + strip(mountpoint));
    if (!grow_error.empty()) return fail(grow_error);
    return filesystem_growth;
  }
  std::string kernel_release() override { return release; }
  double now() override { return clock; }
  void sleep(double seconds) override {
    if (seconds >= 1) log.push_back(fmt::format("sleep {}", seconds));
    clock += seconds;
  }
  void print(std::string_view line) override { console.push_back(strip_all(std::string(line))); }
  Result<void> switch_root(const std::string& root, const std::string& new_root,
                           const std::vector<std::string>& argv) override {
    std::string line = "switch_root " + (root.empty() ? std::string("/") : strip(root) + "/") + " " +
                       strip(new_root);
    for (const std::string& a : argv) line += " " + a;
    log.push_back(line);
    if (switch_root_fails) return fail("cannot execute " + argv[0] + ": Exec format error");
    return {};
  }
  void run_shell(const std::string& program, const std::vector<std::string>& argv) override {
    std::string line = "shell " + strip(program);
    for (const std::string& a : argv) line += " " + a;
    log.push_back(line);
  }
  Result<void> run(const std::string& program, const std::vector<std::string>& args) override {
    std::string line = "run " + strip(program);
    for (const std::string& a : args) line += " " + strip_all(a);
    log.push_back(line);
    if (!run_error.empty()) return fail(run_error);
    return {};
  }
  void reboot() override { log.push_back("reboot"); }

  /// `s` with every occurrence of the root prefix removed.
  std::string strip_all(std::string s) const {
    for (size_t at; !root_.empty() && (at = s.find(root_)) != std::string::npos;) s.erase(at, root_.size());
    return s;
  }

 private:
  std::string strip(const std::string& s) const { return s.starts_with(root_) ? s.substr(root_.size()) : s; }
  std::string root_;
};

/// Entries in memory; records the writes.
class FakeBackend final : public bootloader::Backend {
 public:
  explicit FakeBackend(std::string root) : root_(std::move(root)) {}

  bootloader::BootState state;
  std::string fail_read, fail_mark;  ///< non-empty: that call fails with this message
  std::vector<std::string> calls;    ///< "mark_bad /run/cairn/esp 3"

  Result<void> install(const std::string&, const std::string&, const bootloader::LoaderSettings&) override {
    return fail("not in this fake");
  }
  Result<void> write_entry(const std::string&, const bootloader::BootEntry&, const std::string&,
                           const std::string&, const bootloader::LoaderSettings&) override {
    return fail("not in this fake");
  }
  /// Records "set_default /run/cairn/esp 5" ("… auto" for nullopt) and
  /// changes state.default_entry; fails with `fail_default` when set.
  Result<void> set_default(const std::string& root, std::optional<uint64_t> n) override {
    calls.push_back(fmt::format("set_default {} {}", strip(root), n ? std::to_string(*n) : "auto"));
    if (!fail_default.empty()) return fail(fail_default);
    state.default_entry = n;
    return {};
  }
  std::string fail_default;
  Result<void> set_oneshot(const std::string&, uint64_t) override { return fail("not in this fake"); }
  Result<void> mark_good(const std::string& root, uint64_t n) override { return mark("mark_good", root, n, {}); }
  Result<void> mark_bad(const std::string& root, uint64_t n) override { return mark("mark_bad", root, n, 0u); }
  Result<bootloader::BootState> read_state(const std::string& root) const override {
    reads.push_back(strip(root));
    if (!fail_read.empty()) return fail(fail_read);
    return state;
  }
  mutable std::vector<std::string> reads;  ///< read_state's roots

  /// An entry: good (no counter), trial (tries left) or bad (0 left).
  static bootloader::BootEntry entry(uint64_t n, std::optional<uint32_t> tries_left, uint32_t done = 0) {
    bootloader::BootEntry e;
    e.generation = n;
    e.tries_left = tries_left;
    e.tries_done = done;
    return e;
  }

 private:
  Result<void> mark(const char* what, const std::string& root, uint64_t n, std::optional<uint32_t> left) {
    calls.push_back(fmt::format("{} {} {}", what, strip(root), n));
    if (!fail_mark.empty()) return fail(fail_mark);
    for (bootloader::BootEntry& e : state.entries)
      if (e.generation == n) e.tries_left = left;
    return {};
  }
  std::string strip(const std::string& s) const { return s.starts_with(root_) ? s.substr(root_.size()) : s; }
  std::string root_;
};

}  // namespace cairn::activator::testing
