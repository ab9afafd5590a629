// Test helper: a throwaway store directory with built systems in it
// (manifest only, plus a stand-in image), for the generations tests.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "builder/generations/manifest.hh"

namespace cairn::generations::testing {

class TempStore {
 public:
  TempStore() {
    char tmpl[] = "/tmp/cairn-gen-test-XXXXXX";
    root_ = ::mkdtemp(tmpl);
  }
  ~TempStore() { std::filesystem::remove_all(root_); }
  const std::string& root() const { return root_; }

  /// A manifest with the given packages ("name=version" each).
  static Manifest manifest(std::string host, std::vector<std::string> packages, uint64_t size = 1000) {
    Manifest m;
    m.host = host;
    m.name = host;
    m.platform = "x86_64-linux";
    m.architecture = "amd64";
    m.generation = 1;
    m.closure_hash = std::string(64, 'c');
    m.lock_hash = std::string(64, 'l');
    m.inputs_hash = std::string(64, 'i');
    m.source_date_epoch = 1700000000;
    for (const std::string& p : packages) {
      auto eq = p.find('=');
      std::string name = p.substr(0, eq);
      m.packages.push_back({name, p.substr(eq + 1), "amd64", std::string(63, '0') + name.substr(0, 1), 100});
    }
    m.kernel = {"6.1.0-50-amd64", "linux-image-6.1.0-50-amd64", "kernel", "initrd", {"console=ttyS0"}};
    m.image = {"system.squashfs", std::string(64, 'a'), size};
    return m;
  }

  /// Writes systems/<key>-<host>/ with `m` and a stand-in image; returns it.
  std::string add_system(const std::string& key, const Manifest& m) {
    std::string dir = root_ + "/systems/" + key + "-" + m.host;
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/system.squashfs") << std::string(m.image.size, 'x');
    EXPECT_TRUE(write_manifest(dir, m).has_value());
    return dir;
  }

 private:
  std::string root_;
};

}  // namespace cairn::generations::testing
