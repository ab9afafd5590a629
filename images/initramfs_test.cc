// Tests for images/initramfs: the archive read back with libarchive (order,
// parents, owners, times, modes, device nodes, contents), the raw newc
// headers after decompression (inode numbers, zeros where the build machine
// could leak in), the zstd stream checked by the zstd tool, byte-identical
// output from the same entries however they are given, every error word for
// word with `output` left alone; activator_initramfs() on a hand-made staged
// root; and, when the store holds a built vm system, a real initramfs
// (activator, bookworm libc, the host's modules, busybox) with its size.
#include "images/initramfs.hh"

#include <archive.h>
#include <archive_entry.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/hash.hh"
#include "base/subprocess.hh"
#include "base/temp_dir_test.hh"
#include "images/elf.hh"

namespace cairn::images {
namespace {

namespace fs = std::filesystem;
using Kind = InitramfsEntry::Kind;

struct TempDir : cairn::TempDir {
  TempDir() : cairn::TempDir("initramfs") {}
};

InitramfsEntry file(std::string path, uint32_t mode, std::string contents) {
  InitramfsEntry e;
  e.path = std::move(path);
  e.mode = mode;
  e.contents = std::move(contents);
  return e;
}
InitramfsEntry from_disk(std::string path, uint32_t mode, std::string source) {
  InitramfsEntry e;
  e.path = std::move(path);
  e.mode = mode;
  e.source = std::move(source);
  return e;
}
InitramfsEntry dir(std::string path, uint32_t mode = 0755) {
  InitramfsEntry e;
  e.path = std::move(path);
  e.kind = Kind::dir;
  e.mode = mode;
  return e;
}
InitramfsEntry link(std::string path, std::string target) {
  InitramfsEntry e;
  e.path = std::move(path);
  e.kind = Kind::symlink;
  e.mode = 0777;
  e.target = std::move(target);
  return e;
}
InitramfsEntry chr(std::string path, uint32_t mode, uint32_t major, uint32_t minor) {
  InitramfsEntry e;
  e.path = std::move(path);
  e.kind = Kind::char_device;
  e.mode = mode;
  e.major = major;
  e.minor = minor;
  return e;
}

// --- reading an archive back ----------------------------------------------------

/// One entry as libarchive reads it back.
struct Listed {
  std::string path;
  std::string line;      ///< "file 0755 0:0 t=0 size=5" and the like
  std::string contents;  ///< regular files
  int64_t ino = 0;
  unsigned nlink = 0;
};

std::string describe(archive_entry* e) {
  std::string type;
  switch (archive_entry_filetype(e)) {
    case AE_IFREG: type = "file"; break;
    case AE_IFDIR: type = "dir"; break;
    case AE_IFLNK: type = "symlink"; break;
    case AE_IFCHR: type = "char"; break;
    default: type = "other"; break;
  }
  std::string line = fmt::format("{} {:04o} {}:{} t={}", type, archive_entry_perm(e),
                                 archive_entry_uid(e), archive_entry_gid(e),
                                 archive_entry_mtime(e));
  if (type == "file") line += fmt::format(" size={}", archive_entry_size(e));
  if (type == "symlink") line += fmt::format(" -> {}", archive_entry_symlink(e));
  if (type == "char")
    line += fmt::format(" {},{}", archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
  return line;
}

/// The entries of a zstd cpio archive, read with libarchive.
std::vector<Listed> list(const std::string& path) {
  std::vector<Listed> out;
  std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_format_cpio(a.get());
  archive_read_support_filter_zstd(a.get());
  EXPECT_EQ(archive_read_open_filename(a.get(), path.c_str(), 65536), ARCHIVE_OK)
      << archive_error_string(a.get());
  archive_entry* e = nullptr;
  while (archive_read_next_header(a.get(), &e) == ARCHIVE_OK) {
    Listed l;
    l.path = archive_entry_pathname(e);
    l.line = describe(e);
    l.ino = archive_entry_ino64(e);
    l.nlink = archive_entry_nlink(e);
    if (archive_entry_filetype(e) == AE_IFREG) {
      char buf[65536];
      la_ssize_t n;
      while ((n = archive_read_data(a.get(), buf, sizeof buf)) > 0)
        l.contents.append(buf, static_cast<size_t>(n));
    }
    out.push_back(std::move(l));
  }
  EXPECT_EQ(archive_filter_code(a.get(), 0), ARCHIVE_FILTER_ZSTD);
  EXPECT_EQ(archive_format(a.get()), ARCHIVE_FORMAT_CPIO_SVR4_NOCRC);
  return out;
}

std::vector<std::string> paths_and_lines(const std::vector<Listed>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.path + " " + e.line);
  return out;
}

/// The decompressed cpio bytes, through libarchive's raw reader.
std::string decompress(const std::string& path) {
  std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_format_raw(a.get());
  archive_read_support_filter_zstd(a.get());
  EXPECT_EQ(archive_read_open_filename(a.get(), path.c_str(), 65536), ARCHIVE_OK);
  archive_entry* e = nullptr;
  std::string out;
  if (archive_read_next_header(a.get(), &e) != ARCHIVE_OK) return out;
  char buf[65536];
  la_ssize_t n;
  while ((n = archive_read_data(a.get(), buf, sizeof buf)) > 0)
    out.append(buf, static_cast<size_t>(n));
  return out;
}

/// One raw newc header: the 13 eight-digit hex fields after "070701".
struct RawHeader {
  std::string name;
  /// ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor
  /// rdevminor namesize check
  uint32_t field[13];
};

/// Parses the newc stream; fails the test on anything malformed.
std::vector<RawHeader> parse_newc(const std::string& cpio) {
  std::vector<RawHeader> out;
  size_t at = 0;
  auto align4 = [](size_t n) { return (n + 3) / 4 * 4; };
  while (true) {
    if (at + 110 > cpio.size()) {
      ADD_FAILURE() << "no TRAILER!!! before the end";
      return out;
    }
    EXPECT_EQ(cpio.substr(at, 6), "070701") << "at " << at;
    RawHeader h;
    for (int i = 0; i < 13; ++i)
      h.field[i] = static_cast<uint32_t>(std::stoul(cpio.substr(at + 6 + 8 * i, 8), nullptr, 16));
    uint32_t namesize = h.field[11];
    h.name = cpio.substr(at + 110, namesize - 1);
    at = align4(at + 110 + namesize);
    at = align4(at + h.field[6]);
    if (h.name == "TRAILER!!!") {
      EXPECT_EQ(at, cpio.size()) << "bytes after the trailer";
      return out;
    }
    out.push_back(h);
  }
}

// --- write_initramfs --------------------------------------------------------------

class InitramfsWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = dir_ / "libc-source";
    ASSERT_TRUE(write_file_atomic(source_, std::string(100000, 'x') + "end"));
  }
  std::vector<InitramfsEntry> sample() const {
    return {
        file("init", 0755, "#!/bin/sh\necho hi\n"),
        from_disk("usr/lib/x/libc.so.6", 0644, source_),
        link("lib", "usr/lib"),
        dir("proc"),
        file("etc/empty", 0600, ""),
    };
  }
  TempDir dir_;
  std::string source_;
};

TEST_F(InitramfsWrite, EntriesSortedWithParentsFirstOwnedByRootAtTimeZero) {
  auto info = write_initramfs(sample(), dir_ / "initrd", {});
  ASSERT_TRUE(info) << info.error().message;
  auto entries = list(dir_ / "initrd");
  EXPECT_EQ(paths_and_lines(entries), (std::vector<std::string>{
                                          "dev dir 0755 0:0 t=0",
                                          "dev/console char 0600 0:0 t=0 5,1",
                                          "dev/null char 0666 0:0 t=0 1,3",
                                          "etc dir 0755 0:0 t=0",
                                          "etc/empty file 0600 0:0 t=0 size=0",
                                          "init file 0755 0:0 t=0 size=18",
                                          "lib symlink 0777 0:0 t=0 -> usr/lib",
                                          "proc dir 0755 0:0 t=0",
                                          "usr dir 0755 0:0 t=0",
                                          "usr/lib dir 0755 0:0 t=0",
                                          "usr/lib/x dir 0755 0:0 t=0",
                                          "usr/lib/x/libc.so.6 file 0644 0:0 t=0 size=100003",
                                      }));
  ASSERT_EQ(entries.size(), 12u);
  EXPECT_EQ(entries[5].contents, "#!/bin/sh\necho hi\n");
  EXPECT_EQ(entries[11].contents, std::string(100000, 'x') + "end");
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].ino, static_cast<int64_t>(i + 1)) << entries[i].path;
    EXPECT_EQ(entries[i].nlink, entries[i].line.starts_with("dir") ? 2u : 1u) << entries[i].path;
  }
  EXPECT_EQ(info->entries, 12u);
  EXPECT_EQ(info->path, dir_ / "initrd");
  EXPECT_EQ(info->size, fs::file_size(dir_ / "initrd"));
  EXPECT_EQ(info->sha256, *sha256_file(dir_ / "initrd"));
  EXPECT_EQ(fs::status(dir_ / "initrd").permissions(), fs::perms(0644));
}

TEST_F(InitramfsWrite, RawHeadersHoldNothingOfTheBuildMachine) {
  auto info = write_initramfs(sample(), dir_ / "initrd", {});
  ASSERT_TRUE(info) << info.error().message;
  std::string cpio = decompress(dir_ / "initrd");
  EXPECT_EQ(cpio.size(), info->cpio_size);
  auto headers = parse_newc(cpio);
  ASSERT_EQ(headers.size(), 12u);
  for (size_t i = 0; i < headers.size(); ++i) {
    const RawHeader& h = headers[i];
    SCOPED_TRACE(h.name);
    EXPECT_EQ(h.field[0], i + 1);  // ino
    EXPECT_EQ(h.field[2], 0u);     // uid
    EXPECT_EQ(h.field[3], 0u);     // gid
    EXPECT_EQ(h.field[5], 0u);     // mtime
    EXPECT_EQ(h.field[7], 0u);     // devmajor
    EXPECT_EQ(h.field[8], 0u);     // devminor
    EXPECT_EQ(h.field[12], 0u);    // check
  }
  EXPECT_EQ(headers[1].name, "dev/console");
  EXPECT_EQ(headers[1].field[1], 020600u);  // S_IFCHR | 0600
  EXPECT_EQ(headers[1].field[9], 5u);
  EXPECT_EQ(headers[1].field[10], 1u);
}

TEST_F(InitramfsWrite, ZstdToolAcceptsTheStream) {
  if (!find_program("zstd")) GTEST_SKIP() << "zstd not found on PATH";
  auto info = write_initramfs(sample(), dir_ / "initrd", {});
  ASSERT_TRUE(info) << info.error().message;
  auto tested = run("zstd", {"-t", "-q", dir_ / "initrd"});
  ASSERT_TRUE(tested);
  EXPECT_TRUE(tested->success()) << tested->err;  // one frame, no trailing bytes
  auto out = run("zstd", {"-dc", dir_ / "initrd"});
  ASSERT_TRUE(out && out->success());
  EXPECT_EQ(out->out, decompress(dir_ / "initrd"));
}

TEST_F(InitramfsWrite, SameEntriesGiveSameBytes) {
  auto first = write_initramfs(sample(), dir_ / "a", {});
  ASSERT_TRUE(first) << first.error().message;

  // The same content from another file with another time and mode, the
  // entries in another order, parents listed explicitly, later.
  std::string other = dir_ / "elsewhere";
  ASSERT_TRUE(write_file_atomic(other, std::string(100000, 'x') + "end"));
  ::chmod(other.c_str(), 0600);
  fs::last_write_time(other, fs::file_time_type::clock::now() - std::chrono::hours(1000));
  auto entries = sample();
  entries[1].source = other;
  std::reverse(entries.begin(), entries.end());
  entries.push_back(dir("usr/lib"));
  entries.push_back(dir("dev"));
  auto second = write_initramfs(entries, dir_ / "b", {});
  ASSERT_TRUE(second) << second.error().message;

  EXPECT_EQ(first->sha256, second->sha256);
  EXPECT_EQ(*read_file(dir_ / "a"), *read_file(dir_ / "b"));

  // And the level is part of the bytes.
  auto fast = write_initramfs(sample(), dir_ / "c", {.zstd_level = 1});
  ASSERT_TRUE(fast);
  EXPECT_NE(fast->sha256, first->sha256);
  EXPECT_EQ(paths_and_lines(list(dir_ / "c")), paths_and_lines(list(dir_ / "a")));
}

TEST_F(InitramfsWrite, LevelChangesTheSize) {
  // Half a megabyte of text with a long-range structure level 19 finds.
  std::string text;
  for (int i = 0; text.size() < 500000; ++i) text += fmt::format("line {} of {}\n", i % 977, i % 13);
  std::vector<InitramfsEntry> entries = {file("big", 0644, text)};
  auto fast = write_initramfs(entries, dir_ / "fast", {.zstd_level = 1});
  auto small = write_initramfs(entries, dir_ / "small", {.zstd_level = 19});
  ASSERT_TRUE(fast && small);
  EXPECT_LT(small->size, fast->size);
  EXPECT_EQ(fast->cpio_size, small->cpio_size);
}

TEST_F(InitramfsWrite, ListedDeviceNodesAreKept) {
  auto entries = sample();
  entries.push_back(chr("dev/console", 0620, 5, 1));
  entries.push_back(chr("dev/tty0", 0620, 4, 0));
  auto info = write_initramfs(entries, dir_ / "initrd", {});
  ASSERT_TRUE(info) << info.error().message;
  auto lines = paths_and_lines(list(dir_ / "initrd"));
  EXPECT_TRUE(std::count(lines.begin(), lines.end(), "dev/console char 0620 0:0 t=0 5,1"));
  EXPECT_TRUE(std::count(lines.begin(), lines.end(), "dev/null char 0666 0:0 t=0 1,3"));
  EXPECT_TRUE(std::count(lines.begin(), lines.end(), "dev/tty0 char 0620 0:0 t=0 4,0"));
}

TEST_F(InitramfsWrite, ErrorsNameTheEntryAndLeaveTheOutputAlone) {
  std::string out = dir_ / "initrd";
  ASSERT_TRUE(write_file_atomic(out, "old"));
  InitramfsEntry both = from_disk("init", 0755, source_);
  both.contents = "x";
  InitramfsEntry dir_with_contents = dir("d");
  dir_with_contents.contents = "x";
  InitramfsEntry file_with_device = file("f", 0644, "");
  file_with_device.major = 1;
  InitramfsEntry dir_with_target = dir("d");
  dir_with_target.target = "x";
  struct Case {
    std::vector<InitramfsEntry> entries;
    InitramfsOptions options;
    std::string error;
  };
  std::vector<Case> cases = {
      {{file("init", 0755, "a"), file("init", 0755, "b")}, {}, "init: two entries for one path"},
      {{link("lib", "usr/lib"), file("lib/foo", 0644, "")}, {},
       "lib/foo: its parent lib is a symlink, not a directory"},
      {{file("a/b", 0644, ""), file("a", 0644, "")}, {},
       "a/b: its parent a is a file, not a directory"},
      {{file("/init", 0755, "")}, {},
       R"("/init": not a relative path without empty, "." or ".." components)"},
      {{file("usr/../init", 0755, "")}, {},
       R"("usr/../init": not a relative path without empty, "." or ".." components)"},
      {{file("usr//init", 0755, "")}, {},
       R"("usr//init": not a relative path without empty, "." or ".." components)"},
      {{file("init/", 0755, "")}, {},
       R"("init/": not a relative path without empty, "." or ".." components)"},
      {{file("", 0755, "")}, {}, "an empty path (the archive root needs no entry)"},
      {{file("a\nb", 0755, "")}, {}, "\"a\nb\": a path cannot hold a newline"},
      {{file("x", 010644, "")}, {}, "x: mode 10644 has bits beyond 07777"},
      {{both}, {}, fmt::format("init: a file with both a source ({}) and contents", source_)},
      {{link("lib", "")}, {}, "lib: a symlink without a target"},
      {{dir_with_contents}, {}, "d: a dir with a source or contents"},
      {{dir_with_target}, {}, "d: a dir with a symlink target"},
      {{file_with_device}, {}, "f: a file with a device number"},
      {{from_disk("init", 0755, dir_ / "missing")}, {},
       fmt::format("init: cannot open {}: No such file or directory", dir_ / "missing")},
      {{from_disk("init", 0755, dir_.path())}, {},
       fmt::format("init: the source {} is not a regular file", dir_.path())},
      {sample(), {.zstd_level = 0}, "zstd level 0 is not in 1..22"},
      {sample(), {.zstd_level = 23}, "zstd level 23 is not in 1..22"},
  };
  for (const auto& c : cases) {
    auto info = write_initramfs(c.entries, out, c.options);
    ASSERT_FALSE(info) << c.error;
    EXPECT_EQ(info.error().message, "writing initramfs " + out + ": " + c.error);
  }
  EXPECT_EQ(*read_file(out), "old");
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir_.path())) left.push_back(e.path().filename());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"initrd", "libc-source"}));
}

TEST_F(InitramfsWrite, UnwritableOutputDirectoryIsAnError) {
  std::string out = dir_ / "no-such-dir/initrd";
  auto info = write_initramfs(sample(), out, {});
  ASSERT_FALSE(info);
  EXPECT_TRUE(info.error().message.starts_with("writing initramfs " + out + ": "))
      << info.error().message;
}

// --- activator_initramfs on a hand-made staged root ---------------------------------

/// A minimal ELF64 file: a program (interpreter + DT_NEEDED), a library
/// (DT_SONAME + DT_NEEDED) or, with neither, a static program.
std::string tiny_elf(uint16_t machine, const std::string& interpreter,
                     const std::vector<std::string>& needed, const std::string& soname) {
  std::string strtab(1, '\0');
  std::vector<std::pair<uint64_t, uint64_t>> dyn;
  auto add = [&](uint64_t tag, const std::string& s) {
    dyn.emplace_back(tag, strtab.size());
    strtab += s + '\0';
  };
  for (const auto& n : needed) add(1, n);
  if (!soname.empty()) add(14, soname);
  bool dynamic = !dyn.empty() || !interpreter.empty();
  size_t phnum = 1 + (interpreter.empty() ? 0 : 1) + (dynamic ? 1 : 0);
  size_t interp_at = 64 + phnum * 56;
  size_t strtab_at = interp_at + (interpreter.empty() ? 0 : interpreter.size() + 1);
  size_t dyn_at = (strtab_at + strtab.size() + 7) / 8 * 8;
  dyn.emplace_back(5, strtab_at);
  dyn.emplace_back(10, strtab.size());
  dyn.emplace_back(0, 0);
  size_t total = dyn_at + (dynamic ? dyn.size() * 16 : 0);
  std::string b(total, '\0');
  auto put = [&](size_t at, uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b[at + i] = static_cast<char>(v >> (8 * i));
  };
  b.replace(0, 7, "\x7f" "ELF\x02\x01\x01");
  put(16, dynamic ? 3 : 2, 2);
  put(18, machine, 2);
  put(32, 64, 8);
  put(54, 56, 2);
  put(56, phnum, 2);
  size_t index = 0;
  auto phdr = [&](uint32_t type, uint64_t offset, uint64_t size) {
    size_t at = 64 + 56 * index++;
    put(at, type, 4);
    put(at + 8, offset, 8);
    put(at + 16, offset, 8);
    put(at + 32, size, 8);
  };
  phdr(1, 0, total);
  if (!interpreter.empty()) {
    phdr(3, interp_at, interpreter.size() + 1);
    b.replace(interp_at, interpreter.size(), interpreter);
  }
  if (dynamic) {
    phdr(2, dyn_at, dyn.size() * 16);
    b.replace(strtab_at, strtab.size(), strtab);
    for (size_t i = 0; i < dyn.size(); ++i) {
      put(dyn_at + 16 * i, dyn[i].first, 8);
      put(dyn_at + 16 * i + 8, dyn[i].second, 8);
    }
  }
  return b;
}

constexpr const char* kKver = "6.1.0-test";

class InitramfsActivator : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* d : {"usr/bin", "usr/sbin", "usr/lib/x86_64-linux-gnu", "usr/lib64",
                          "usr/lib/modules/6.1.0-test/kernel/fs"})
      fs::create_directories(root() + "/" + d);
    for (const char* name : {"bin", "sbin", "lib", "lib64"})
      fs::create_symlink(std::string("usr/") + name, root() + "/" + name);
    put("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        tiny_elf(kElfMachineX86_64, "", {}, "ld-linux-x86-64.so.2"));
    ::chmod((root() + "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2").c_str(), 0755);
    fs::create_symlink("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                       root() + "/usr/lib64/ld-linux-x86-64.so.2");
    put("usr/lib/x86_64-linux-gnu/libc.so.6",
        tiny_elf(kElfMachineX86_64, "", {"ld-linux-x86-64.so.2"}, "libc.so.6"));
    put("usr/lib/modules/6.1.0-test/kernel/fs/a.ko", "module a");
    put("usr/lib/modules/6.1.0-test/kernel/b.ko", "module b");
    activator_ = dir_ / "cairn-activate";
    ASSERT_TRUE(write_file_atomic(
        activator_, tiny_elf(kElfMachineX86_64, "/lib64/ld-linux-x86-64.so.2", {"libc.so.6"}, "")));
  }
  std::string root() const { return dir_ / "root"; }
  void put(const std::string& path, const std::string& bytes) {
    ASSERT_TRUE(write_file_atomic(root() + "/" + path, bytes));
  }
  /// "path kind mode" plus "< source", "-> target" or "= contents".
  std::vector<std::string> describe(const std::vector<InitramfsEntry>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) {
      std::string line = fmt::format("{} {} {:04o}", e.path, to_string(e.kind), e.mode);
      if (!e.source.empty()) line += " < " + e.source;
      if (!e.target.empty()) line += " -> " + e.target;
      if (!e.contents.empty()) line += " = " + e.contents;
      out.push_back(line);
    }
    return out;
  }
  TempDir dir_;
  std::string activator_;
};

TEST_F(InitramfsActivator, ListsActivatorLibrariesModulesAndLinks) {
  auto entries = activator_initramfs(root(), activator_, {"kernel/b.ko", "kernel/fs/a.ko"}, kKver,
                                     false);
  ASSERT_TRUE(entries) << entries.error().message;
  std::string r = root();
  EXPECT_EQ(describe(*entries),
            (std::vector<std::string>{
                "bin symlink 0777 -> usr/bin",
                "dev dir 0755",
                "init file 0755 < " + activator_,
                "lib symlink 0777 -> usr/lib",
                "lib64 symlink 0777 -> usr/lib64",
                "proc dir 0755",
                "run dir 0755",
                "sbin symlink 0777 -> usr/sbin",
                "sys dir 0755",
                "usr/lib/modules/6.1.0-test/kernel/b.ko file 0644 < " + r +
                    "/usr/lib/modules/6.1.0-test/kernel/b.ko",
                "usr/lib/modules/6.1.0-test/kernel/fs/a.ko file 0644 < " + r +
                    "/usr/lib/modules/6.1.0-test/kernel/fs/a.ko",
                "usr/lib/modules/6.1.0-test/load.list file 0644 = kernel/b.ko\nkernel/fs/a.ko\n",
                "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 file 0755 < " + r +
                    "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                "usr/lib/x86_64-linux-gnu/libc.so.6 file 0644 < " + r +
                    "/usr/lib/x86_64-linux-gnu/libc.so.6",
                "usr/lib64/ld-linux-x86-64.so.2 symlink 0777 -> "
                "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
            }));

  // It writes, and the result reads back with the device nodes added.
  auto info = write_initramfs(*entries, dir_ / "initrd", {});
  ASSERT_TRUE(info) << info.error().message;
  auto lines = paths_and_lines(list(dir_ / "initrd"));
  EXPECT_TRUE(std::count(lines.begin(), lines.end(), "dev/console char 0600 0:0 t=0 5,1"));
  EXPECT_TRUE(std::count(lines.begin(), lines.end(), "usr/lib/modules dir 0755 0:0 t=0"));
}

TEST_F(InitramfsActivator, BusyboxAndItsShellLink) {
  put("usr/bin/busybox", tiny_elf(kElfMachineX86_64, "", {}, ""));
  auto entries = activator_initramfs(root(), activator_, {}, kKver, true);
  ASSERT_TRUE(entries) << entries.error().message;
  auto lines = describe(*entries);
  EXPECT_TRUE(std::count(lines.begin(), lines.end(),
                         "usr/bin/busybox file 0755 < " + root() + "/usr/bin/busybox"));
  EXPECT_TRUE(std::count(lines.begin(), lines.end(), "usr/bin/sh symlink 0777 -> busybox"));
  EXPECT_TRUE(
      std::count(lines.begin(), lines.end(), "usr/lib/modules/6.1.0-test/load.list file 0644"));
}

TEST_F(InitramfsActivator, NoLib64WhereTheRootHasNone) {
  fs::remove(root() + "/lib64");
  // An AArch64-style interpreter under /lib.
  ASSERT_TRUE(write_file_atomic(
      activator_, tiny_elf(kElfMachineX86_64, "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                           {"libc.so.6"}, "")));
  auto entries = activator_initramfs(root(), activator_, {}, kKver, false);
  ASSERT_TRUE(entries) << entries.error().message;
  for (const auto& e : *entries) EXPECT_NE(e.path, "lib64");
}

TEST_F(InitramfsActivator, ErrorsSayWhatToDo) {
  std::string prefix = "initramfs for " + root() + ": ";
  auto error = [&](const std::vector<std::string>& modules, const std::string& kver, bool busybox,
                   const std::string& activator) {
    auto r = activator_initramfs(root(), activator, modules, kver, busybox);
    return r ? std::string("(no error)") : r.error().message;
  };
  EXPECT_EQ(error({"kernel/c.ko"}, kKver, false, activator_),
            prefix + "module usr/lib/modules/6.1.0-test/kernel/c.ko is not a file in the staged "
                     "root; is it built for kernel 6.1.0-test, and is the module list right?");
  // A directory link leading out of the staged root is not followed.
  fs::create_directories(dir_ / "outside");
  ASSERT_TRUE(write_file_atomic(dir_ / "outside/x.ko", "module x"));
  fs::create_directory_symlink(dir_ / "outside", root() + "/usr/lib/modules/6.1.0-test/kernel/out");
  EXPECT_EQ(error({"kernel/out/x.ko"}, kKver, false, activator_),
            prefix + "module usr/lib/modules/6.1.0-test/kernel/out/x.ko is not a file in the "
                     "staged root; is it built for kernel 6.1.0-test, and is the module list "
                     "right?");
  EXPECT_EQ(error({"kernel/b.ko", "kernel/b.ko"}, kKver, false, activator_),
            prefix + "module kernel/b.ko is listed twice");
  EXPECT_EQ(error({"../b.ko"}, kKver, false, activator_),
            prefix + R"(module path: "../b.ko": not a relative path without empty, "." or )"
                     R"(".." components)");
  EXPECT_EQ(error({}, "6.1/x", false, activator_),
            prefix + "kernel version \"6.1/x\" is not one directory name");
  EXPECT_EQ(error({}, "", false, activator_),
            prefix + "kernel version \"\" is not one directory name");
  EXPECT_EQ(error({}, kKver, true, activator_),
            prefix + "usr/bin/busybox is not a file in the staged root; add busybox-static to the "
                     "host's packages, or build without the debug shell");

  std::string needs_more = dir_ / "needs-more";
  ASSERT_TRUE(write_file_atomic(
      needs_more, tiny_elf(kElfMachineX86_64, "/lib64/ld-linux-x86-64.so.2",
                           {"libblkid.so.1", "libc.so.6"}, "")));
  EXPECT_EQ(error({}, kKver, false, needs_more),
            prefix + "resolving the libraries of " + needs_more + ": libblkid.so.1, needed by " +
                needs_more + ", is not in " + root() +
                " (searched /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib, /usr/lib); is "
                "the package that ships it in the system?");

  std::string arm = dir_ / "arm-activate";
  ASSERT_TRUE(write_file_atomic(
      arm, tiny_elf(kElfMachineAarch64, "/lib/ld-linux-aarch64.so.1", {"libc.so.6"}, "")));
  EXPECT_EQ(error({}, kKver, false, arm),
            prefix + "the activator " + arm + " is built for AArch64, but the staged root has no "
                     "usr/lib/aarch64-linux-gnu; build cairn-activate for the target's "
                     "architecture");

  EXPECT_EQ(error({}, kKver, false, dir_ / "none"),
            prefix + "reading ELF " + dir_ / "none" + ": cannot open: No such file or directory");
}

// --- a real one --------------------------------------------------------------------

/// Copies into `root` the build machine's copies of the libraries that
/// `binary` needs (as ldd finds them) and `root` lacks, as adding their
/// packages to the system would (same bookworm packages); returns their
/// sonames. The build's cairn-activate may need libraries (libfmt.so.9)
/// that the vm host does not install.
std::vector<std::string> add_missing_libraries(const std::string& root, const std::string& binary) {
  std::vector<std::string> added;
  auto ran = run("ldd", {binary});
  if (!ran || !ran->success()) return added;
  std::string dir = root + "/usr/lib/x86_64-linux-gnu";
  std::string_view out = ran->out;
  while (!out.empty()) {
    auto nl = out.find('\n');
    std::string_view line = out.substr(0, nl);
    out.remove_prefix(nl == std::string_view::npos ? out.size() : nl + 1);
    auto arrow = line.find(" => ");
    auto start = line.find_first_not_of(" \t");
    if (arrow == std::string_view::npos || start >= arrow) continue;
    std::string soname(line.substr(start, arrow - start));
    std::string host(line.substr(arrow + 4, line.find(" (") - arrow - 4));
    std::error_code ec;
    if (fs::exists(fs::symlink_status(dir + "/" + soname, ec)) || !fs::exists(host, ec)) continue;
    fs::path real = fs::canonical(host, ec);
    fs::copy_file(real, dir + "/" + real.filename().string(), fs::copy_options::skip_existing, ec);
    if (real.filename() != soname) fs::create_symlink(real.filename(), dir + "/" + soname, ec);
    added.push_back(soname);
  }
  return added;
}

/// The store's newest systems/*-vm directory, or "" with `why` set.
std::string find_vm_system(std::string& why) {
  std::string store;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && xdg[0] == '/')
    store = std::string(xdg) + "/cairn";
  else if (const char* home = std::getenv("HOME"); home && home[0])
    store = std::string(home) + "/.cache/cairn";
  std::string best;
  fs::file_time_type newest{};
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(store + "/systems", ec)) {
    if (!d.path().filename().string().ends_with("-vm")) continue;
    fs::path image = d.path() / "system.squashfs";
    if (!fs::exists(image, ec) || !fs::exists(d.path() / "initrd-modules", ec)) continue;
    auto t = fs::last_write_time(image, ec);
    if (best.empty() || t > newest) {
      best = d.path().string();
      newest = t;
    }
  }
  if (best.empty())
    why = fmt::format("no {}/systems/*-vm with system.squashfs and initrd-modules; run `cairn "
                      "build --host vm` first",
                      store);
  return best;
}

class InitramfsVmRoot : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string system = find_vm_system(why_);
    if (system.empty()) return;
    if (!find_program("unsquashfs")) {
      why_ = "unsquashfs not found on PATH (squashfs-tools)";
      return;
    }
    activator_ = (fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "activator" /
                  "cairn-activate")
                     .string();
    if (!fs::exists(activator_)) {
      why_ = activator_ + " not built";
      return;
    }
    auto modules_text = read_file(system + "/initrd-modules");
    if (!modules_text) {
      why_ = modules_text.error().message;
      return;
    }
    std::istringstream lines(*modules_text);
    for (std::string line; std::getline(lines, line);)
      if (!line.empty()) modules_.push_back(line);

    std::string t = (fs::temp_directory_path() / "cairn-initramfs-root-XXXXXX").string();
    temp_ = ::mkdtemp(t.data());
    std::string root = temp_ + "/root";
    std::vector<std::string> args = {"-q", "-n", "-no-xattrs", "-d", root,
                                     system + "/system.squashfs",
                                     "bin", "lib", "lib64", "sbin", "usr/lib64",
                                     "usr/lib/x86_64-linux-gnu"};
    for (const auto& m : modules_) args.push_back("usr/lib/modules/*/" + m);
    auto ran = run("unsquashfs", args);
    if (!ran || !ran->success()) {
      why_ = "unsquashfs failed: " + (ran ? ran->err : ran.error().message);
      return;
    }
    for (const auto& d : fs::directory_iterator(root + "/usr/lib/modules"))
      kver_ = d.path().filename().string();
    // The vm host has no busybox-static; the build machine's is the same
    // bookworm package.
    for (const char* busybox : {"/usr/bin/busybox", "/bin/busybox"}) {
      if (fs::exists(busybox)) {
        fs::create_directories(root + "/usr/bin");
        fs::copy_file(busybox, root + "/usr/bin/busybox");
        break;
      }
    }
    for (const auto& soname : add_missing_libraries(root, activator_))
      std::cout << "[ info     ] not in the vm system, added from the build machine: " << soname
                << "\n";
    root_ = root;
  }
  static void TearDownTestSuite() {
    if (!temp_.empty()) fs::remove_all(temp_);
  }
  void SetUp() override {
    if (root_.empty()) GTEST_SKIP() << why_;
  }
  static inline std::string temp_, root_, why_, activator_, kver_;
  static inline std::vector<std::string> modules_;
};

TEST_F(InitramfsVmRoot, RealInitramfsHoldsWhatBootNeedsAndIsReproducible) {
  bool busybox = fs::exists(root_ + "/usr/bin/busybox");
  auto start = std::chrono::steady_clock::now();
  auto entries = activator_initramfs(root_, activator_, modules_, kver_, busybox);
  ASSERT_TRUE(entries) << entries.error().message;
  auto listed_at = std::chrono::steady_clock::now();
  // Level 3, not the default 19: on this tree (26-36 MB of cpio) level 19
  // takes 20-30 s of one core, level 3 a fraction of a second, and the
  // bytes depend on the level the same way at any level.
  const InitramfsOptions fast{.zstd_level = 3};
  TempDir out;
  auto info = write_initramfs(*entries, out / "initrd", fast);
  ASSERT_TRUE(info) << info.error().message;
  auto written_at = std::chrono::steady_clock::now();
  auto ms = [](auto a, auto b) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
  };
  std::cout << fmt::format("[ info     ] vm initramfs: {} entries, {} modules, busybox {}: cpio {} "
                           "B, zstd -3 {} B; listing {} ms, writing {} ms\n",
                           info->entries, modules_.size(), busybox ? "yes" : "no", info->cpio_size,
                           info->size, ms(start, listed_at), ms(listed_at, written_at));
  RecordProperty("initramfs_bytes", static_cast<int>(info->size));

  auto listed = list(out / "initrd");
  std::map<std::string, std::string> lines;
  std::map<std::string, std::string> contents;
  for (const auto& l : listed) {
    lines[l.path] = l.line;
    contents[l.path] = l.contents;
  }
  EXPECT_EQ(lines["dev/console"], "char 0600 0:0 t=0 5,1");
  EXPECT_EQ(lines["dev/null"], "char 0666 0:0 t=0 1,3");
  EXPECT_TRUE(lines["init"].starts_with("file 0755 0:0 t=0 size="));
  EXPECT_EQ(contents["init"], *read_file(activator_));
  EXPECT_EQ(lines["lib64"], "symlink 0777 0:0 t=0 -> usr/lib64");
  EXPECT_EQ(lines["lib"], "symlink 0777 0:0 t=0 -> usr/lib");
  EXPECT_EQ(lines["usr/lib64/ld-linux-x86-64.so.2"],
            "symlink 0777 0:0 t=0 -> /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
  EXPECT_TRUE(lines["usr/lib/x86_64-linux-gnu/libc.so.6"].starts_with("file 0755"));
  EXPECT_EQ(contents["usr/lib/x86_64-linux-gnu/libc.so.6"],
            *read_file(root_ + "/usr/lib/x86_64-linux-gnu/libc.so.6"));
  std::string load_list;
  for (const auto& m : modules_) {
    std::string path = "usr/lib/modules/" + kver_ + "/" + m;
    EXPECT_TRUE(lines[path].starts_with("file 0644 0:0 t=0")) << path;
    load_list += m + "\n";
  }
  EXPECT_EQ(contents["usr/lib/modules/" + kver_ + "/load.list"], load_list);
  if (busybox) {
    EXPECT_EQ(lines["usr/bin/sh"], "symlink 0777 0:0 t=0 -> busybox");
  }
  // Every library the activator needs on the build machine is there (by soname).
  auto ldd = run("ldd", {activator_});
  ASSERT_TRUE(ldd && ldd->success());
  std::istringstream ldd_lines(ldd->out);
  for (std::string line; std::getline(ldd_lines, line);) {
    auto arrow = line.find(" => ");
    if (arrow == std::string::npos) continue;
    size_t start = line.find_first_not_of(" \t");
    std::string soname = line.substr(start, arrow - start);
    EXPECT_TRUE(lines.contains("usr/lib/x86_64-linux-gnu/" + soname)) << soname;
  }

  // Built again from scratch: the same bytes.
  auto again = activator_initramfs(root_, activator_, modules_, kver_, busybox);
  ASSERT_TRUE(again);
  auto second = write_initramfs(*again, out / "initrd2", fast);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->sha256, info->sha256);
}

TEST_F(InitramfsVmRoot, SizeWithoutBusybox) {
  auto entries = activator_initramfs(root_, activator_, modules_, kver_, false);
  ASSERT_TRUE(entries) << entries.error().message;
  TempDir out;
  auto info = write_initramfs(*entries, out / "initrd", {.zstd_level = 3});
  ASSERT_TRUE(info) << info.error().message;
  std::cout << fmt::format("[ info     ] vm initramfs without busybox: cpio {} B, zstd -3 {} B\n",
                           info->cpio_size, info->size);
  for (const auto& e : *entries) EXPECT_FALSE(e.path.starts_with("usr/bin/")) << e.path;
}

}  // namespace
}  // namespace cairn::images
