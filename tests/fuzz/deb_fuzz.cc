// libFuzzer target: a .deb → builder/debian/unpack, into a scratch store.
//
// A .deb's hash is checked against the signed index before it is unpacked,
// but the unpacker is the one parser that writes to disk what a file tells
// it to, so it must hold whatever the bytes are. Each input is written to
// <scratch>/in.deb and unpacked to <scratch>/store/p; then:
//
//   - on an error: the message starts "unpacking <file>: " and the store is
//     empty — no tree, no temporary directory left behind;
//   - on success: the store holds exactly p; its metadata reads back and
//     writes back to the same bytes, and read_unpack_info() gives what
//     unpack_deb() returned; every recorded entry is on disk as recorded
//     (files with their size, directories, symlinks with their target, hard
//     links sharing their file's inode; devices and fifos not created), and
//     nothing is on disk that is not recorded;
//   - in both cases nothing appeared next to the store (a `..` or a link
//     followed out of it would land there).
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>

#include "base/files.hh"
#include "builder/debian/unpack.hh"
#include "tests/fuzz/fuzz_check.hh"

namespace fs = std::filesystem;

namespace {

// The scratch directory, made once per process and removed at exit; on
// /dev/shm when there is one, as unpacking syncs the file system. Never
// destroyed, so that the exit handler can still name it.
const std::string& scratch() {
  static const std::string* dir = [] {
    std::error_code ec;
    fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
    auto* made = new std::string((base / "cairn-deb-fuzz-XXXXXX").string());
    if (::mkdtemp(made->data()) == nullptr) std::abort();
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(scratch(), ec);
    });
    return made;
  }();
  return *dir;
}

bool empty_dir(const std::string& dir) {
  std::error_code ec;
  return !fs::exists(dir, ec) || fs::is_empty(dir, ec);
}

void check_tree(const std::string& dest, const cairn::debian::UnpackInfo& info) {
  using namespace cairn::debian;
  using cairn::fuzz::require;
  auto text = cairn::read_file(dest + "/.cairn/metadata");
  require(text.has_value(), "the metadata file exists");
  auto entries = read_metadata(dest);
  require(entries.has_value(), "the metadata reads back");
  require(format_metadata(*entries) == *text, "the metadata writes back to the same bytes");
  auto again = read_unpack_info(dest);
  require(again.has_value() && *again == info, "read_unpack_info gives what unpack_deb returned");

  const std::string root = dest + "/root";
  std::set<std::string> recorded;
  for (const Entry& e : *entries) {
    std::string path = e.path == "/" ? root : root + e.path;
    struct stat st {};
    bool there = ::lstat(path.c_str(), &st) == 0;
    switch (e.type) {
      case EntryType::file:
        require(there && S_ISREG(st.st_mode), "a recorded file is a regular file");
        require(static_cast<uint64_t>(st.st_size) == e.size, "a file has its recorded size");
        break;
      case EntryType::dir:
        require(there && S_ISDIR(st.st_mode), "a recorded directory is a directory");
        break;
      case EntryType::symlink: {
        require(there && S_ISLNK(st.st_mode), "a recorded symlink is a symlink");
        std::error_code ec;
        require(fs::read_symlink(path, ec).string() == e.target, "a symlink has its recorded target");
        break;
      }
      case EntryType::hardlink: {
        struct stat other {};
        require(there && S_ISREG(st.st_mode), "a hard link is a regular file");
        require(::lstat((root + e.target).c_str(), &other) == 0 && other.st_ino == st.st_ino,
                "a hard link shares its file's inode");
        break;
      }
      case EntryType::char_device:
      case EntryType::block_device:
      case EntryType::fifo:
        require(!there, "devices and fifos are recorded, not created");
        break;
    }
    if (there) recorded.insert(path);
  }
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    require(recorded.contains(it->path().string()), "everything on disk is recorded");
  require(!ec, "the tree can be walked");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cairn::fuzz::require;
  const std::string& dir = scratch();
  const std::string deb = dir + "/in.deb", store = dir + "/store", dest = store + "/p";
  FILE* f = std::fopen(deb.c_str(), "wb");
  if (f == nullptr || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) std::abort();

  auto info = cairn::debian::unpack_deb(deb, dest);
  if (!info) {
    require(info.error().message.starts_with("unpacking " + deb + ": "), "errors name the .deb");
    require(empty_dir(store), "a failed unpack leaves nothing in the store");
  } else {
    std::error_code ec;
    size_t count = 0;
    for (const auto& e : fs::directory_iterator(store, ec)) {
      require(e.path() == dest, "the store holds the package's tree only");
      ++count;
    }
    require(count == 1, "the package's tree is in the store");
    check_tree(dest, *info);
  }
  // Only in.deb and store/ may be in the scratch directory.
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    require(e.path() == deb || e.path() == store, "nothing is written next to the store");
  fs::remove_all(store, ec);
  return 0;
}
