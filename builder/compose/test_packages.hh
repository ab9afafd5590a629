// Test helper: unpacked packages without dpkg-deb. make_package_dir() writes
// a directory in the layout debian::unpack_deb() leaves in the store
// (root/, .cairn/metadata, .cairn/control/), so compose's tests can build
// small trees with exactly the entries, owners and scripts a case needs.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "builder/compose/tree.hh"
#include "builder/debian/unpack.hh"

namespace cairn::compose::testing {

/// One entry of a fake package. Parent directories the list leaves out are
/// added as 0755 root:root.
struct FakeEntry {
  std::string path;  ///< "/usr/bin/su"
  EntryType type = EntryType::file;
  uint32_t mode = 0644;
  std::string content{};  ///< a file's bytes
  std::string target{};   ///< symlink target / hard link's first path
  std::string user = "root";
  std::string group = "root";
  uint32_t uid = 0;
  uint32_t gid = 0;
};

/// Writes a fake unpacked package named `name` into `dir` and returns
/// {name, dir}. `control` maps control file names ("postinst", "preinst",
/// "conffiles", …) to their content; a `control` file is made up if absent.
inline PackageDir make_package_dir(const std::string& dir, const std::string& name,
                                   std::vector<FakeEntry> entries,
                                   std::map<std::string, std::string> control = {}) {
  namespace fs = std::filesystem;
  fs::create_directories(dir + "/root");
  fs::create_directories(dir + "/.cairn/control");
  std::map<std::string, debian::Entry> all;
  auto add_parents = [&](const std::string& path) {
    for (size_t i = path.find('/', 1); i != std::string::npos; i = path.find('/', i + 1)) {
      std::string parent = path.substr(0, i);
      if (!all.count(parent))
        all[parent] = debian::Entry{.path = parent, .type = EntryType::dir, .mode = 0755,
                                    .user = "root", .group = "root"};
    }
  };
  all["/"] = debian::Entry{.path = "/", .type = EntryType::dir, .mode = 0755, .user = "root", .group = "root"};
  for (const FakeEntry& f : entries) {
    add_parents(f.path);
    debian::Entry e{.path = f.path, .type = f.type, .mode = f.mode, .uid = f.uid, .gid = f.gid,
                    .user = f.user, .group = f.group, .target = f.target};
    std::string disk = dir + "/root" + f.path;
    if (f.type == EntryType::dir) {
      fs::create_directories(disk);
    } else {
      fs::create_directories(fs::path(disk).parent_path());
      if (f.type == EntryType::file) {
        std::ofstream(disk, std::ios::binary) << f.content;
        e.size = f.content.size();
      } else if (f.type == EntryType::symlink) {
        fs::create_symlink(f.target, disk);
      } else if (f.type == EntryType::hardlink) {
        fs::create_hard_link(dir + "/root" + f.target, disk);
      }
    }
    all[f.path] = e;
  }
  for (auto& [path, e] : all)
    if (e.type == EntryType::dir) fs::create_directories(dir + "/root" + (path == "/" ? "" : path));
  std::vector<debian::Entry> sorted;
  for (auto& [path, e] : all) sorted.push_back(e);
  std::ofstream(dir + "/.cairn/metadata") << debian::format_metadata(sorted);
  if (!control.count("control"))
    control["control"] = "Package: " + name + "\nVersion: 1.0\nArchitecture: amd64\n";
  for (const auto& [file, text] : control) {
    std::string p = dir + "/.cairn/control/" + file;
    std::ofstream(p) << text;
    if (file != "control" && file != "conffiles" && file != "md5sums" && file != "triggers")
      ::chmod(p.c_str(), 0755);
  }
  return PackageDir{name, dir};
}

}  // namespace cairn::compose::testing
