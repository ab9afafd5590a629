// Tests for images/elf: the parser on hand-made ELF byte strings (every
// field it reads, every error word for word, every truncation and random
// corruption ending in an error rather than a crash), library_closure() on
// small hand-made trees (search order, links, RPATH/RUNPATH, $ORIGIN, the
// interpreter's soname, wrong-machine candidates, links that try to leave
// the root), and — when the store holds a built vm system — against the
// real bookworm libraries: the parser agrees with readelf, and the closure of
// cairn-activate and of system programs is what ldd finds. Those skip, with
// the reason, when the image (or readelf/ldd) is not there.
#include "images/elf.hh"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <gtest/gtest.h>
#include <iostream>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/subprocess.hh"
#include "base/temp_dir_test.hh"

namespace cairn::images {
namespace {

namespace fs = std::filesystem;

struct TempDir : cairn::TempDir {
  TempDir() : cairn::TempDir("elf") {}
};

// --- hand-made ELF files ------------------------------------------------------

/// What a tiny ELF64 file holds. It is laid out as: ELF header, program
/// headers (PT_LOAD over the whole file at kBase, then PT_INTERP, then
/// PT_DYNAMIC), the interpreter string, the string table, the dynamic array.
struct TinyElf {
  uint8_t elf_class = 2;
  uint8_t data = 1;
  uint16_t type = 3;
  uint16_t machine = kElfMachineX86_64;
  std::string interpreter;  ///< "" = no PT_INTERP
  bool dynamic = true;
  std::vector<std::string> needed;
  std::optional<std::string> soname, rpath, runpath;
};

constexpr uint64_t kBase = 0x400000;

/// A built file and where its parts are, for tests that damage them.
struct Built {
  std::string bytes;
  size_t phdr_load = 0, phdr_interp = 0, phdr_dynamic = 0;  ///< program header offsets
  size_t interp = 0, strtab = 0, strtab_size = 0, dynamic = 0;
  size_t dynamic_entries = 0;
};

void put16(std::string& b, size_t at, uint64_t v) {
  for (int i = 0; i < 2; ++i) b[at + i] = static_cast<char>(v >> (8 * i));
}
void put32(std::string& b, size_t at, uint64_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>(v >> (8 * i));
}
void put64(std::string& b, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) b[at + i] = static_cast<char>(v >> (8 * i));
}

Built build(const TinyElf& e) {
  Built out;
  std::string strtab(1, '\0');
  auto add_string = [&](const std::string& s) {
    uint64_t offset = strtab.size();
    strtab += s;
    strtab += '\0';
    return offset;
  };
  std::vector<std::pair<uint64_t, uint64_t>> dyn;
  for (const auto& n : e.needed) dyn.emplace_back(1, add_string(n));
  if (e.soname) dyn.emplace_back(14, add_string(*e.soname));
  if (e.rpath) dyn.emplace_back(15, add_string(*e.rpath));
  if (e.runpath) dyn.emplace_back(29, add_string(*e.runpath));

  size_t phnum = 1 + (e.interpreter.empty() ? 0 : 1) + (e.dynamic ? 1 : 0);
  size_t phoff = 64;
  out.interp = phoff + phnum * 56;
  out.strtab = out.interp + (e.interpreter.empty() ? 0 : e.interpreter.size() + 1);
  out.strtab_size = strtab.size();
  out.dynamic = (out.strtab + strtab.size() + 7) / 8 * 8;
  dyn.emplace_back(5, kBase + out.strtab);
  dyn.emplace_back(10, strtab.size());
  dyn.emplace_back(0, 0);
  out.dynamic_entries = dyn.size();
  size_t total = out.dynamic + (e.dynamic ? dyn.size() * 16 : 0);

  std::string& b = out.bytes;
  b.assign(total, '\0');
  b.replace(0, 4, "\x7f" "ELF");
  b[4] = static_cast<char>(e.elf_class);
  b[5] = static_cast<char>(e.data);
  b[6] = 1;
  put16(b, 16, e.type);
  put16(b, 18, e.machine);
  put32(b, 20, 1);
  put64(b, 32, phoff);
  put16(b, 52, 64);
  put16(b, 54, 56);
  put16(b, 56, phnum);
  put16(b, 58, 64);

  auto phdr = [&](size_t index, uint32_t type, uint64_t offset, uint64_t size) {
    size_t at = phoff + index * 56;
    put32(b, at, type);
    put32(b, at + 4, 4);
    put64(b, at + 8, offset);
    put64(b, at + 16, kBase + offset);
    put64(b, at + 24, kBase + offset);
    put64(b, at + 32, size);
    put64(b, at + 40, size);
    put64(b, at + 48, 8);
    return at;
  };
  size_t index = 0;
  out.phdr_load = phdr(index++, 1, 0, total);
  if (!e.interpreter.empty()) {
    out.phdr_interp = phdr(index++, 3, out.interp, e.interpreter.size() + 1);
    b.replace(out.interp, e.interpreter.size(), e.interpreter);
  }
  if (e.dynamic) {
    out.phdr_dynamic = phdr(index++, 2, out.dynamic, dyn.size() * 16);
    b.replace(out.strtab, strtab.size(), strtab);
    for (size_t i = 0; i < dyn.size(); ++i) {
      put64(b, out.dynamic + 16 * i, dyn[i].first);
      put64(b, out.dynamic + 16 * i + 8, dyn[i].second);
    }
  }
  return out;
}

/// A typical position-independent program.
TinyElf program(std::vector<std::string> needed = {"libc.so.6"}) {
  TinyElf e;
  e.interpreter = "/lib64/ld-linux-x86-64.so.2";
  e.needed = std::move(needed);
  return e;
}

/// A shared library.
TinyElf library(std::string soname, std::vector<std::string> needed = {}) {
  TinyElf e;
  e.soname = std::move(soname);
  e.needed = std::move(needed);
  return e;
}

std::string error_of(std::string_view bytes) {
  auto r = parse_elf(bytes);
  return r ? std::string("(parsed)") : r.error().message;
}

// --- parse_elf ----------------------------------------------------------------

TEST(ElfParse, ReadsInterpreterNeededSonameAndSearchPaths) {
  TinyElf e = program({"libfoo.so.1", "libc.so.6"});
  e.soname = "libapp.so";
  e.rpath = "/opt/r";
  e.runpath = "$ORIGIN/../lib::/usr/local/lib";
  auto info = parse_elf(build(e).bytes);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->type, 3);
  EXPECT_EQ(info->machine, kElfMachineX86_64);
  EXPECT_EQ(info->interpreter, "/lib64/ld-linux-x86-64.so.2");
  EXPECT_TRUE(info->dynamic);
  EXPECT_EQ(info->needed, (std::vector<std::string>{"libfoo.so.1", "libc.so.6"}));
  EXPECT_EQ(info->soname, "libapp.so");
  EXPECT_EQ(info->rpath, (std::vector<std::string>{"/opt/r"}));
  EXPECT_EQ(info->runpath, (std::vector<std::string>{"$ORIGIN/../lib", "", "/usr/local/lib"}));
}

TEST(ElfParse, StaticProgramHasNoDynamicInformation) {
  TinyElf e;
  e.type = 2;
  e.dynamic = false;
  e.machine = kElfMachineAarch64;
  auto info = parse_elf(build(e).bytes);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->type, 2);
  EXPECT_EQ(info->machine, kElfMachineAarch64);
  EXPECT_FALSE(info->dynamic);
  EXPECT_EQ(info->interpreter, "");
  EXPECT_TRUE(info->needed.empty());
  EXPECT_TRUE(info->runpath.empty());
}

TEST(ElfParse, LibraryWithoutStringsNeedsNoStringTable) {
  TinyElf e;
  Built b = build(e);
  // Drop DT_STRTAB and DT_STRSZ (turn them into DT_NULL): nothing refers to strings.
  put64(b.bytes, b.dynamic, 0);
  auto info = parse_elf(b.bytes);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_TRUE(info->dynamic);
  EXPECT_TRUE(info->needed.empty());
  EXPECT_EQ(info->soname, "");
}

TEST(ElfParse, LastOfARepeatedTagCounts) {
  TinyElf e = library("libx.so.1");
  e.runpath = "/first";
  Built b = build(e);
  // Entries: SONAME, RUNPATH, STRTAB, STRSZ, NULL. Turn SONAME into a second RUNPATH.
  put64(b.bytes, b.dynamic, 29);
  auto info = parse_elf(b.bytes);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->runpath, (std::vector<std::string>{"/first"}));
  EXPECT_EQ(info->soname, "");
}

struct ErrorCase {
  std::string name;
  TinyElf elf;
  std::function<void(Built&)> damage;
  std::function<std::string(const Built&)> expected;
};

std::function<std::string(const Built&)> says(std::string text) {
  return [text](const Built&) { return text; };
}

TEST(ElfParse, ErrorsSayWhatIsWrong) {
  TinyElf plain = program({"libc.so.6"});
  TinyElf with_runpath = program({"libc.so.6"});
  with_runpath.runpath = "/opt";
  std::vector<ErrorCase> cases = {
      {"empty", plain, [](Built& b) { b.bytes.clear(); },
       says(R"(not an ELF file (no \x7fELF magic))")},
      {"script", plain, [](Built& b) { b.bytes = "#!/bin/sh\necho\n"; },
       says(R"(not an ELF file (no \x7fELF magic))")},
      {"short ident", plain, [](Built& b) { b.bytes.resize(6); },
       says("truncated: the ELF identification needs 16 bytes, the file has 6")},
      {"32-bit", plain, [](Built& b) { b.bytes[4] = 1; },
       says("a 32-bit ELF file; only 64-bit ELF is read")},
      {"class 3", plain, [](Built& b) { b.bytes[4] = 3; }, says("unknown ELF class 3")},
      {"big-endian", plain, [](Built& b) { b.bytes[5] = 2; },
       says("a big-endian ELF file; only little-endian ELF is read")},
      {"encoding 0", plain, [](Built& b) { b.bytes[5] = 0; }, says("unknown ELF data encoding 0")},
      {"version 0", plain, [](Built& b) { b.bytes[6] = 0; }, says("unknown ELF version 0")},
      {"short header", plain, [](Built& b) { b.bytes.resize(40); },
       says("truncated: the ELF header needs 64 bytes, the file has 40")},
      {"ET_REL", plain, [](Built& b) { put16(b.bytes, 16, 1); },
       says("a relocatable object (ET_REL), not a program or shared library")},
      {"ET_CORE", plain, [](Built& b) { put16(b.bytes, 16, 4); },
       says("a core dump (ET_CORE), not a program or shared library")},
      {"type 4660", plain, [](Built& b) { put16(b.bytes, 16, 0x1234); },
       says("ELF type 4660 is not a program or shared library")},
      {"PN_XNUM", plain, [](Built& b) { put16(b.bytes, 56, 0xffff); },
       says("more than 65534 program headers (PN_XNUM), which ld.so does not load")},
      {"phentsize", plain, [](Built& b) { put16(b.bytes, 54, 32); },
       says("program header size 32 is not ELF64's 56")},
      {"headers cut", plain, [](Built& b) { b.bytes.resize(100); },
       says("truncated: 3 program headers at offset 64 end past the end of the file (100 bytes)")},
      {"phoff overflow", plain, [](Built& b) { put64(b.bytes, 32, ~uint64_t{0} - 8); },
       [](const Built& b) {
         return fmt::format("truncated: 3 program headers at offset 18446744073709551607 end past "
                            "the end of the file ({} bytes)",
                            b.bytes.size());
       }},
      {"two PT_INTERP", plain, [](Built& b) { put32(b.bytes, b.phdr_dynamic, 3); },
       says("two PT_INTERP program headers")},
      {"two PT_DYNAMIC", plain, [](Built& b) { put32(b.bytes, b.phdr_interp, 2); },
       says("two PT_DYNAMIC program headers")},
      {"interp past end", plain, [](Built& b) { put64(b.bytes, b.phdr_interp + 8, 1u << 20); },
       [](const Built& b) {
         return fmt::format("truncated: PT_INTERP at offset 1048576 (28 bytes) ends past the end of "
                            "the file ({} bytes)",
                            b.bytes.size());
       }},
      {"interp unterminated", plain, [](Built& b) { put64(b.bytes, b.phdr_interp + 32, 27); },
       says("PT_INTERP is not NUL-terminated")},
      {"interp empty", plain, [](Built& b) { b.bytes[b.interp] = '\0'; }, says("PT_INTERP is empty")},
      {"dynamic past end", plain, [](Built& b) { put64(b.bytes, b.phdr_dynamic + 32, 4096); },
       [](const Built& b) {
         return fmt::format("truncated: PT_DYNAMIC at offset {} (4096 bytes) ends past the end of "
                            "the file ({} bytes)",
                            b.dynamic, b.bytes.size());
       }},
      {"needed past table", plain, [](Built& b) { put64(b.bytes, b.dynamic + 8, 1000); },
       says("DT_NEEDED points at offset 1000 of the dynamic string table, which has 11 bytes")},
      {"string unterminated", plain, [](Built& b) { put64(b.bytes, b.dynamic + 2 * 16 + 8, 10); },
       says("DT_NEEDED at offset 1 of the dynamic string table is not NUL-terminated")},
      {"runpath past table", with_runpath, [](Built& b) { put64(b.bytes, b.dynamic + 16 + 8, 99); },
       says("DT_RUNPATH points at offset 99 of the dynamic string table, which has 16 bytes")},
      {"strtab outside", plain, [](Built& b) { put64(b.bytes, b.dynamic + 16 + 8, 0x10); },
       says("DT_STRTAB address 0x10 is in no PT_LOAD segment of the file")},
      {"strsz huge", plain, [](Built& b) { put64(b.bytes, b.dynamic + 2 * 16 + 8, 0xffffffff); },
       [](const Built& b) {
         return fmt::format("the dynamic string table (4294967295 bytes at address {:#x}) runs past "
                            "the end of its PT_LOAD segment",
                            kBase + b.strtab);
       }},
      {"no DT_STRSZ", plain, [](Built& b) { put64(b.bytes, b.dynamic + 2 * 16, 0x6ffffff0); },
       says("DT_STRTAB without DT_STRSZ")},
      {"no DT_STRTAB", plain, [](Built& b) { put64(b.bytes, b.dynamic + 16, 0x6ffffff0); },
       says("DT_NEEDED, DT_SONAME, DT_RPATH or DT_RUNPATH without DT_STRTAB")},
      {"load cut short", plain, [](Built& b) { put64(b.bytes, b.phdr_load + 32, b.strtab + 4); },
       [](const Built& b) {
         return fmt::format("the dynamic string table (11 bytes at address {:#x}) runs past the end "
                            "of its PT_LOAD segment",
                            kBase + b.strtab);
       }},
      {"empty needed", program({""}), nullptr, says("an empty DT_NEEDED name")},
  };
  for (auto& c : cases) {
    Built b = build(c.elf);
    if (c.damage) c.damage(b);
    EXPECT_EQ(error_of(b.bytes), c.expected(b)) << c.name;
  }
}

TEST(ElfParse, EveryTruncationIsAnError) {
  TinyElf e = program({"libfoo.so.1", "libc.so.6"});
  e.runpath = "/opt/lib";
  std::string bytes = build(e).bytes;
  ASSERT_TRUE(parse_elf(bytes));
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(parse_elf(std::string_view(bytes).substr(0, n))) << "cut at " << n;
}

TEST(ElfParse, RandomDamageGivesAValueOrAnErrorNeverACrash) {
  TinyElf e = program({"libfoo.so.1", "libc.so.6"});
  e.soname = "libapp.so";
  e.rpath = "/opt/a:/opt/b";
  const std::string good = build(e).bytes;
  std::mt19937 random(12345);
  size_t errors = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = good;
    int flips = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < flips; ++i)
      bytes[random() % bytes.size()] = static_cast<char>(random() % 256);
    if (random() % 8 == 0) bytes.resize(random() % bytes.size());
    auto info = parse_elf(bytes);
    if (!info) {
      ++errors;
      EXPECT_FALSE(info.error().message.empty());
    }
  }
  EXPECT_GT(errors, 0u);
}

TEST(ElfParse, MachineNamesAndTriplets) {
  EXPECT_EQ(machine_name(kElfMachineX86_64), "x86-64");
  EXPECT_EQ(machine_name(kElfMachineAarch64), "AArch64");
  EXPECT_EQ(machine_name(40), "machine 40");
  EXPECT_EQ(multiarch_triplet(kElfMachineX86_64), "x86_64-linux-gnu");
  EXPECT_EQ(multiarch_triplet(kElfMachineAarch64), "aarch64-linux-gnu");
  EXPECT_EQ(multiarch_triplet(243), std::nullopt);
}

TEST(ElfParse, ReadElfNamesTheFile) {
  TempDir dir;
  auto missing = read_elf(dir / "nothing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "reading ELF " + dir / "nothing" + ": cannot open: No such file or directory");
  auto directory = read_elf(dir.path());
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().message, "reading ELF " + dir.path() + ": not a regular file");
  ASSERT_TRUE(write_file_atomic(dir / "empty", ""));
  auto empty = read_elf(dir / "empty");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message,
            "reading ELF " + dir / "empty" + R"(: not an ELF file (no \x7fELF magic))");
  ASSERT_TRUE(write_file_atomic(dir / "lib", build(library("libq.so.1")).bytes));
  auto lib = read_elf(dir / "lib");
  ASSERT_TRUE(lib) << lib.error().message;
  EXPECT_EQ(lib->soname, "libq.so.1");
}

// --- library_closure on hand-made trees -------------------------------------

/// A staged root with merged /usr holding tiny ELF files, and a place for
/// programs outside it.
class FakeRoot {
 public:
  FakeRoot() {
    fs::create_directories(root() + "/usr/lib/x86_64-linux-gnu");
    fs::create_directories(root() + "/usr/lib64");
    fs::create_directories(root() + "/usr/bin");
    link("usr/lib", "lib");
    link("usr/lib64", "lib64");
    link("usr/bin", "bin");
    TinyElf ld = library("ld-linux-x86-64.so.2");
    file("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", ld);
    link("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "usr/lib64/ld-linux-x86-64.so.2");
    file("usr/lib/x86_64-linux-gnu/libc.so.6", library("libc.so.6", {"ld-linux-x86-64.so.2"}));
  }
  std::string root() const { return dir_ / "root"; }
  std::string outside(const std::string& name) const { return dir_ / name; }

  void file(const std::string& path, const TinyElf& e) { write(root() + "/" + path, build(e).bytes); }
  void link(const std::string& target, const std::string& path) {
    fs::create_directories(fs::path(root() + "/" + path).parent_path());
    fs::create_symlink(target, root() + "/" + path);
  }
  /// A program outside the root.
  std::string program_outside(const TinyElf& e, const std::string& name = "prog") {
    write(outside(name), build(e).bytes);
    return outside(name);
  }
  static void write(const std::string& path, const std::string& bytes) {
    fs::create_directories(fs::path(path).parent_path());
    ASSERT_TRUE(write_file_atomic(path, bytes));
  }

 private:
  TempDir dir_;
};

using Paths = std::vector<std::string>;

TEST(ElfClosure, FollowsNeededTransitivelyWithLinksAndInterpreter) {
  FakeRoot r;
  r.file("usr/lib/x86_64-linux-gnu/libA.so.1.0.0", library("libA.so.1", {"libB.so.2", "libc.so.6"}));
  r.link("libA.so.1.0.0", "usr/lib/x86_64-linux-gnu/libA.so.1");
  r.file("usr/lib/libB.so.2", library("libB.so.2", {"libc.so.6"}));
  std::string prog = r.program_outside(program({"libA.so.1", "libc.so.6"}));
  auto paths = library_closure(r.root(), {prog});
  ASSERT_TRUE(paths) << paths.error().message;
  EXPECT_EQ(*paths, (Paths{
                        "lib",
                        "lib64",
                        "usr/lib/libB.so.2",
                        "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                        "usr/lib/x86_64-linux-gnu/libA.so.1",
                        "usr/lib/x86_64-linux-gnu/libA.so.1.0.0",
                        "usr/lib/x86_64-linux-gnu/libc.so.6",
                        "usr/lib64/ld-linux-x86-64.so.2",
                    }));
}

TEST(ElfClosure, MultiarchDirectoryComesBeforePlainLib) {
  FakeRoot r;
  r.file("usr/lib/x86_64-linux-gnu/libD.so.1", library("libD.so.1"));
  r.file("usr/lib/libD.so.1", library("libD.so.1"));
  auto paths = library_closure(r.root(), {r.program_outside(program({"libD.so.1"}))});
  ASSERT_TRUE(paths) << paths.error().message;
  EXPECT_TRUE(std::count(paths->begin(), paths->end(), "usr/lib/x86_64-linux-gnu/libD.so.1"));
  EXPECT_FALSE(std::count(paths->begin(), paths->end(), "usr/lib/libD.so.1"));
}

TEST(ElfClosure, StaticProgramNeedsNothing) {
  FakeRoot r;
  TinyElf e;
  e.type = 2;
  e.dynamic = false;
  auto paths = library_closure(r.root(), {r.program_outside(e)});
  ASSERT_TRUE(paths) << paths.error().message;
  EXPECT_TRUE(paths->empty());
}

TEST(ElfClosure, UnionOfSeveralPrograms) {
  FakeRoot r;
  r.file("usr/lib/x86_64-linux-gnu/libX.so.1", library("libX.so.1"));
  r.file("usr/lib/x86_64-linux-gnu/libY.so.1", library("libY.so.1"));
  std::string a = r.program_outside(program({"libX.so.1"}), "a");
  std::string b = r.program_outside(program({"libY.so.1"}), "b");
  auto paths = library_closure(r.root(), {a, b});
  ASSERT_TRUE(paths) << paths.error().message;
  EXPECT_TRUE(std::count(paths->begin(), paths->end(), "usr/lib/x86_64-linux-gnu/libX.so.1"));
  EXPECT_TRUE(std::count(paths->begin(), paths->end(), "usr/lib/x86_64-linux-gnu/libY.so.1"));
}

TEST(ElfClosure, MissingLibraryNamesItAndWhoNeedsIt) {
  FakeRoot r;
  std::string prog = r.program_outside(program({"libgone.so.3"}));
  auto paths = library_closure(r.root(), {prog});
  ASSERT_FALSE(paths);
  EXPECT_EQ(paths.error().message,
            fmt::format("resolving the libraries of {0}: libgone.so.3, needed by {0}, is not in {1} "
                        "(searched /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib, "
                        "/usr/lib); "
                        "is the package that ships it in the system?",
                        prog, r.root()));
}

TEST(ElfClosure, MissingLibraryOfALibraryNamesTheLibrary) {
  FakeRoot r;
  r.file("usr/lib/x86_64-linux-gnu/libA.so.1", library("libA.so.1", {"libgone.so.3"}));
  std::string prog = r.program_outside(program({"libA.so.1"}));
  auto paths = library_closure(r.root(), {prog});
  ASSERT_FALSE(paths);
  EXPECT_EQ(paths.error().message,
            fmt::format("resolving the libraries of {0}: libgone.so.3, needed by "
                        "usr/lib/x86_64-linux-gnu/libA.so.1, is not in {1} (searched "
                        "/lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib, /usr/lib); is the "
                        "package that ships it in the system?",
                        prog, r.root()));
}

TEST(ElfClosure, WrongMachineAndClassArePassedOver) {
  FakeRoot r;
  TinyElf arm = library("libW.so.1");
  arm.machine = kElfMachineAarch64;
  r.file("usr/lib/x86_64-linux-gnu/libW.so.1", arm);
  TinyElf i386 = library("libW.so.1");
  i386.elf_class = 1;
  r.file("usr/lib/libW.so.1", i386);
  std::string prog = r.program_outside(program({"libW.so.1"}));
  auto paths = library_closure(r.root(), {prog});
  ASSERT_FALSE(paths);
  EXPECT_EQ(paths.error().message,
            fmt::format("resolving the libraries of {0}: libW.so.1, needed by {0}, is not in {1} "
                        "(searched /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib, "
                        "/usr/lib); "
                        "passed over usr/lib/x86_64-linux-gnu/libW.so.1 (built for AArch64), "
                        "usr/lib/libW.so.1 (a 32-bit ELF file; only 64-bit ELF is read); is the "
                        "package that ships it in the system?",
                        prog, r.root()));

  // A good one later in the search order is found.
  fs::remove(r.root() + "/usr/lib/libW.so.1");
  r.file("usr/lib/libW.so.1", library("libW.so.1"));
  auto found = library_closure(r.root(), {prog});
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_TRUE(std::count(found->begin(), found->end(), "usr/lib/libW.so.1"));
  EXPECT_FALSE(std::count(found->begin(), found->end(), "usr/lib/x86_64-linux-gnu/libW.so.1"));
}

TEST(ElfClosure, LinksNeverLeaveTheRoot) {
  FakeRoot r;
  // A perfectly good library outside the root, reachable on the build machine.
  FakeRoot::write(r.outside("outside/libE.so.1"), build(library("libE.so.1")).bytes);
  std::string outside = r.outside("outside/libE.so.1");
  r.link(outside, "usr/lib/x86_64-linux-gnu/libE.so.1");
  r.link("../../../../../../../../../../.." + outside, "usr/lib/libE.so.1");
  std::string prog = r.program_outside(program({"libE.so.1"}));
  auto paths = library_closure(r.root(), {prog});
  ASSERT_FALSE(paths);
  EXPECT_EQ(paths.error().message,
            fmt::format("resolving the libraries of {0}: libE.so.1, needed by {0}, is not in {1} "
                        "(searched /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib, "
                        "/usr/lib); "
                        "is the package that ships it in the system?",
                        prog, r.root()));

  // The same targets inside the root are followed: absolute from the root,
  // `..` stopping at it.
  r.file(outside.substr(1), library("libE.so.1"));
  auto inside = library_closure(r.root(), {prog});
  ASSERT_TRUE(inside) << inside.error().message;
  EXPECT_TRUE(std::count(inside->begin(), inside->end(), outside.substr(1)));
  EXPECT_TRUE(std::count(inside->begin(), inside->end(), "usr/lib/x86_64-linux-gnu/libE.so.1"));
}

TEST(ElfClosure, LinkLoopIsAnError) {
  FakeRoot r;
  r.link("libL.so.1", "usr/lib/x86_64-linux-gnu/libL.so.1");
  std::string prog = r.program_outside(program({"libL.so.1"}));
  auto paths = library_closure(r.root(), {prog});
  ASSERT_FALSE(paths);
  EXPECT_EQ(paths.error().message,
            fmt::format("resolving the libraries of {0}: /lib/x86_64-linux-gnu/libL.so.1: more than "
                        "40 symbolic links on the way in {1}",
                        prog, r.root()));
}

TEST(ElfClosure, RunpathWithOriginInsideTheRoot) {
  FakeRoot r;
  r.file("usr/lib/app/libP.so.1", library("libP.so.1"));
  TinyElf app = program({"libP.so.1"});
  app.runpath = "$ORIGIN/../lib/app";
  r.file("usr/bin/app", app);
  auto paths = library_closure(r.root(), {r.root() + "/usr/bin/app"});
  ASSERT_TRUE(paths) << paths.error().message;
  EXPECT_TRUE(std::count(paths->begin(), paths->end(), "usr/lib/app/libP.so.1"));

  // Reached through the /bin link: a program's $ORIGIN is its real
  // directory (ld.so takes it from /proc/self/exe), and the brace form works.
  app.runpath = "${ORIGIN}/../lib/app";
  r.file("usr/bin/app2", app);
  auto through_link = library_closure(r.root(), {r.root() + "/bin/app2"});
  ASSERT_TRUE(through_link) << through_link.error().message;
  EXPECT_TRUE(std::count(through_link->begin(), through_link->end(), "usr/lib/app/libP.so.1"));
}

TEST(ElfClosure, OriginOfAProgramOutsideTheRootIsSkipped) {
  FakeRoot r;
  r.file("usr/lib/app/libP.so.1", library("libP.so.1"));
  TinyElf app = program({"libP.so.1"});
  app.runpath = "$ORIGIN/../lib/app:/opt/$LIB:$PLATFORM/x:relative:";
  std::string prog = r.program_outside(app);
  auto paths = library_closure(r.root(), {prog});
  ASSERT_FALSE(paths);
  EXPECT_EQ(paths.error().message,
            fmt::format("resolving the libraries of {0}: libP.so.1, needed by {0}, is not in {1} "
                        "(searched /opt/lib/x86_64-linux-gnu, /lib/x86_64-linux-gnu, "
                        "/usr/lib/x86_64-linux-gnu, /lib, /usr/lib); is the package that ships it "
                        "in the system?",
                        prog, r.root()));
}

TEST(ElfClosure, RpathIsInheritedAlongTheLoaderChainButRunpathIsNot) {
  FakeRoot r;
  r.file("opt/p/libZ.so.1", library("libZ.so.1"));
  r.file("usr/lib/x86_64-linux-gnu/libA.so.1", library("libA.so.1", {"libZ.so.1"}));

  TinyElf with_rpath = program({"libA.so.1"});
  with_rpath.rpath = "/opt/p";
  auto inherited = library_closure(r.root(), {r.program_outside(with_rpath, "rpath")});
  ASSERT_TRUE(inherited) << inherited.error().message;
  EXPECT_TRUE(std::count(inherited->begin(), inherited->end(), "opt/p/libZ.so.1"));

  TinyElf with_runpath = program({"libA.so.1"});
  with_runpath.runpath = "/opt/p";
  std::string prog = r.program_outside(with_runpath, "runpath");
  auto not_inherited = library_closure(r.root(), {prog});
  ASSERT_FALSE(not_inherited);
  EXPECT_EQ(not_inherited.error().message,
            fmt::format("resolving the libraries of {0}: libZ.so.1, needed by "
                        "usr/lib/x86_64-linux-gnu/libA.so.1, is not in {1} (searched "
                        "/lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib, /usr/lib); is the "
                        "package that ships it in the system?",
                        prog, r.root()));

  // A library's own DT_RUNPATH cuts the inherited DT_RPATH off.
  fs::remove(r.root() + "/usr/lib/x86_64-linux-gnu/libA.so.1");
  TinyElf cut = library("libA.so.1", {"libZ.so.1"});
  cut.runpath = "/nowhere";
  r.file("usr/lib/x86_64-linux-gnu/libA.so.1", cut);
  auto cut_off = library_closure(r.root(), {r.program_outside(with_rpath, "rpath")});
  ASSERT_FALSE(cut_off);
  EXPECT_NE(cut_off.error().message.find("(searched /nowhere, /lib/x86_64-linux-gnu,"),
            std::string::npos)
      << cut_off.error().message;
}

TEST(ElfClosure, InterpreterAnswersToItsSoname) {
  FakeRoot r;
  r.file("usr/lib64/ld-fake.so.2", library("ld-fake.so.2"));
  r.file("usr/lib/x86_64-linux-gnu/libF.so.1", library("libF.so.1", {"ld-fake.so.2"}));
  TinyElf prog = program({"libF.so.1"});
  prog.interpreter = "/lib64/ld-fake.so.2";
  auto paths = library_closure(r.root(), {r.program_outside(prog)});
  ASSERT_TRUE(paths) << paths.error().message;
  EXPECT_EQ(*paths, (Paths{"lib", "lib64", "usr/lib/x86_64-linux-gnu/libF.so.1",
                           "usr/lib64/ld-fake.so.2"}));
}

TEST(ElfClosure, ProgramErrors) {
  FakeRoot r;
  TinyElf riscv = program();
  riscv.machine = 243;
  std::string p1 = r.program_outside(riscv, "riscv");
  EXPECT_EQ(library_closure(r.root(), {p1}).error().message,
            fmt::format("resolving the libraries of {0}: {0} is built for machine 243; cairn builds "
                        "for x86-64 and AArch64",
                        p1));

  TinyElf other_loader = program();
  other_loader.interpreter = "/lib/ld-musl-x86_64.so.1";
  std::string p2 = r.program_outside(other_loader, "musl");
  EXPECT_EQ(library_closure(r.root(), {p2}).error().message,
            fmt::format("resolving the libraries of {}: its interpreter /lib/ld-musl-x86_64.so.1 is "
                        "not in {}; is libc6 in the system?",
                        p2, r.root()));

  std::string p3 = r.program_outside(program({"./libx.so"}), "relative");
  EXPECT_EQ(library_closure(r.root(), {p3}).error().message,
            fmt::format("resolving the libraries of {0}: {0} needs ./libx.so, a relative path, which "
                        "ld.so would look up in the working directory; cairn cannot place it",
                        p3));

  EXPECT_EQ(library_closure(r.root(), {r.outside("none")}).error().message,
            fmt::format("resolving the libraries of {0}: reading ELF {0}: cannot open: No such file "
                        "or directory",
                        r.outside("none")));

  EXPECT_EQ(library_closure(r.outside("no-root"), {p1}).error().message,
            fmt::format("resolving libraries: the root {} is not a directory", r.outside("no-root")));
}

TEST(ElfClosure, AbsoluteNeededPathIsLookedUpInTheRoot) {
  FakeRoot r;
  r.file("opt/x/libabs.so", library("libabs.so"));
  auto paths = library_closure(r.root(), {r.program_outside(program({"/opt/x/libabs.so"}))});
  ASSERT_TRUE(paths) << paths.error().message;
  EXPECT_TRUE(std::count(paths->begin(), paths->end(), "opt/x/libabs.so"));
}

// --- against a real bookworm system ---------------------------------------------

/// The store's system image of the vm host (`cairn build --host vm`), or ""
/// with `why` set. CAIRN_TEST_VM_IMAGE names another image.
std::string find_system_image(const std::string& host, std::string& why) {
  if (const char* env = std::getenv("CAIRN_TEST_VM_IMAGE"); env && host == "vm") return env;
  std::string store;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && xdg[0] == '/')
    store = std::string(xdg) + "/cairn";
  else if (const char* home = std::getenv("HOME"); home && home[0])
    store = std::string(home) + "/.cache/cairn";
  std::string best;
  fs::file_time_type newest{};
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(store + "/systems", ec)) {
    std::string name = d.path().filename().string();
    if (!name.ends_with("-" + host)) continue;
    fs::path image = d.path() / "system.squashfs";
    if (!fs::exists(image, ec)) continue;
    auto t = fs::last_write_time(image, ec);
    if (best.empty() || t > newest) {
      best = image.string();
      newest = t;
    }
  }
  if (best.empty())
    why = fmt::format("no {}/systems/*-{}/system.squashfs; run `cairn build --host {}` first", store,
                      host, host);
  return best;
}

/// Extracts `paths` of the host's system image into a fresh directory, or
/// returns "" with `why` set.
std::string extract_system(const std::string& host, const std::vector<std::string>& paths,
                           std::string& temp, std::string& why) {
  std::string image = find_system_image(host, why);
  if (image.empty()) return "";
  if (!find_program("unsquashfs")) {
    why = "unsquashfs not found on PATH (squashfs-tools)";
    return "";
  }
  std::string t = (fs::temp_directory_path() / "cairn-elf-root-XXXXXX").string();
  temp = ::mkdtemp(t.data());
  std::string root = temp + "/root";
  std::vector<std::string> args = {"-q", "-n", "-no-xattrs", "-d", root, image};
  args.insert(args.end(), paths.begin(), paths.end());
  auto ran = run("unsquashfs", args);
  if (!ran || !ran->success()) {
    why = "unsquashfs " + image + " failed: " + (ran ? ran->err : ran.error().message);
    return "";
  }
  return root;
}

/// The build's cairn-activate, beside this test program's directory.
std::string activator_binary() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return (self.parent_path().parent_path() / "activator" / "cairn-activate").string();
}

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

/// What ldd says `binary` needs: the sonames and the interpreter path.
struct LddView {
  std::set<std::string> sonames;
  std::string interpreter;
  std::string problem;  ///< non-empty when ldd failed or found nothing
};

LddView ldd(const std::string& binary) {
  LddView view;
  auto ran = run("ldd", {binary});
  if (!ran || !ran->success()) {
    view.problem = "ldd failed: " + (ran ? ran->err : ran.error().message);
    return view;
  }
  std::string_view out = ran->out;
  while (!out.empty()) {
    auto nl = out.find('\n');
    std::string_view line = out.substr(0, nl);
    out.remove_prefix(nl == std::string_view::npos ? out.size() : nl + 1);
    while (!line.empty() && (line.front() == '\t' || line.front() == ' ')) line.remove_prefix(1);
    if (line.empty() || line.starts_with("linux-vdso")) continue;
    if (line.find("not found") != std::string_view::npos) view.problem = std::string(line);
    auto arrow = line.find(" => ");
    if (arrow != std::string_view::npos) view.sonames.emplace(line.substr(0, arrow));
    else if (line.front() == '/') view.interpreter = std::string(line.substr(0, line.find(' ')));
  }
  return view;
}

class ElfVmRoot : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = extract_system("vm",
                           {"bin", "lib", "lib64", "sbin", "usr/bin", "usr/sbin", "usr/lib64",
                            "usr/lib/x86_64-linux-gnu", "usr/lib/systemd"},
                           temp_, why_);
  }
  static void TearDownTestSuite() {
    if (!temp_.empty()) fs::remove_all(temp_);
  }
  void SetUp() override {
    if (root_.empty()) GTEST_SKIP() << why_;
  }

  /// Checks library_closure(root, {binary}) against `ldd binary` (the build
  /// machine's libraries, the same bookworm packages).
  void expect_closure_matches_ldd(const std::string& binary) {
    SCOPED_TRACE(binary);
    LddView expected = ldd(binary);
    if (!expected.problem.empty()) GTEST_SKIP() << expected.problem;
    auto paths = library_closure(root_, {binary});
    ASSERT_TRUE(paths) << paths.error().message;
    std::set<std::string> names;
    size_t files = 0;
    for (const auto& p : *paths) {
      names.insert(fs::path(p).filename().string());
      if (fs::is_regular_file(fs::symlink_status(root_ + "/" + p))) ++files;
      EXPECT_FALSE(p.empty() || p[0] == '/') << p;
    }
    for (const auto& soname : expected.sonames) EXPECT_TRUE(names.contains(soname)) << soname;
    // One file per soname, plus the interpreter (which libc's
    // "ld-linux-x86-64.so.2" reuses): nothing more, nothing less.
    EXPECT_EQ(files, expected.sonames.size() + 1);
    ASSERT_FALSE(expected.interpreter.empty());
    EXPECT_TRUE(names.contains(fs::path(expected.interpreter).filename().string()))
        << expected.interpreter;
  }

  static inline std::string temp_, root_, why_;
};

TEST_F(ElfVmRoot, ActivatorClosureMatchesLdd) {
  std::string activator = activator_binary();
  if (!fs::exists(activator)) GTEST_SKIP() << activator << " not built";
  for (const auto& soname : add_missing_libraries(root_, activator))
    std::cout << "[ info     ] not in the vm system, added from the build machine: " << soname
              << "\n";
  expect_closure_matches_ldd(activator);
  auto paths = library_closure(root_, {activator});
  ASSERT_TRUE(paths);
  EXPECT_TRUE(std::count(paths->begin(), paths->end(), "usr/lib/x86_64-linux-gnu/libc.so.6"));
  EXPECT_TRUE(std::count(paths->begin(), paths->end(), "usr/lib64/ld-linux-x86-64.so.2"));
  EXPECT_TRUE(std::count(paths->begin(), paths->end(),
                         "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"));
}

TEST_F(ElfVmRoot, SystemProgramClosuresMatchLdd) {
  // mount: libmount → libblkid, libselinux → libpcre2; kmod: libzstd,
  // liblzma, libcrypto; systemd: DT_RUNPATH /usr/lib/x86_64-linux-gnu/systemd.
  for (const char* program : {"usr/bin/mount", "usr/bin/kmod", "usr/lib/systemd/systemd",
                              "usr/bin/bash", "usr/bin/udevadm"})
    expect_closure_matches_ldd(root_ + "/" + program);
}

TEST_F(ElfVmRoot, EveryProgramOfTheSystemResolves) {
  std::vector<std::string> programs;
  for (const char* dir : {"usr/bin", "usr/sbin", "usr/lib/systemd"}) {
    for (const auto& e : fs::directory_iterator(root_ + "/" + dir)) {
      if (!e.is_regular_file() || e.is_symlink()) continue;
      auto info = read_elf(e.path().string());
      if (info) programs.push_back(e.path().string());
    }
  }
  std::sort(programs.begin(), programs.end());
  ASSERT_GT(programs.size(), 100u);
  auto start = std::chrono::steady_clock::now();
  auto paths = library_closure(root_, programs);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(paths) << paths.error().message;
  RecordProperty("programs", static_cast<int>(programs.size()));
  RecordProperty("closure_ms", static_cast<int>(ms));
  std::cout << "[ info     ] closure of " << programs.size() << " programs: " << paths->size()
            << " paths in " << ms << " ms\n";
}

TEST_F(ElfVmRoot, ParserAgreesWithReadelf) {
  if (!find_program("readelf")) GTEST_SKIP() << "readelf not found on PATH (binutils)";
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(root_ + "/usr/lib/x86_64-linux-gnu"))
    if (e.is_regular_file() && !e.is_symlink() &&
        e.path().filename().string().find(".so") != std::string::npos)
      files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  if (files.size() > 120) files.resize(120);
  files.push_back(root_ + "/usr/lib/systemd/systemd");
  files.push_back(root_ + "/usr/bin/mount");
  size_t compared = 0, with_needed = 0;
  for (const auto& file : files) {
    SCOPED_TRACE(file);
    auto info = read_elf(file);
    if (!info) continue;  // a linker script or data file named *.so*
    ++compared;
    if (!info->needed.empty()) ++with_needed;
    auto ran = run("readelf", {"-W", "-d", "-l", file});
    ASSERT_TRUE(ran && ran->success());
    ElfInfo expected;
    std::string_view out = ran->out;
    auto bracket = [](std::string_view line) {
      auto open = line.find('[');
      auto close = line.rfind(']');
      return std::string(line.substr(open + 1, close - open - 1));
    };
    auto split = [](const std::string& s) {
      std::vector<std::string> parts;
      size_t start = 0;
      while (true) {
        auto colon = s.find(':', start);
        parts.push_back(s.substr(start, colon - start));
        if (colon == std::string::npos) break;
        start = colon + 1;
      }
      return parts;
    };
    while (!out.empty()) {
      auto nl = out.find('\n');
      std::string_view line = out.substr(0, nl);
      out.remove_prefix(nl == std::string_view::npos ? out.size() : nl + 1);
      if (line.find("(NEEDED)") != std::string_view::npos) expected.needed.push_back(bracket(line));
      else if (line.find("(SONAME)") != std::string_view::npos) expected.soname = bracket(line);
      else if (line.find("(RUNPATH)") != std::string_view::npos)
        expected.runpath = split(bracket(line));
      else if (line.find("(RPATH)") != std::string_view::npos) expected.rpath = split(bracket(line));
      else if (line.find("Requesting program interpreter:") != std::string_view::npos) {
        auto at = line.find(": ") + 2;
        expected.interpreter = std::string(line.substr(at, line.rfind(']') - at));
      }
    }
    EXPECT_EQ(info->needed, expected.needed);
    EXPECT_EQ(info->soname, expected.soname);
    EXPECT_EQ(info->runpath, expected.runpath);
    EXPECT_EQ(info->rpath, expected.rpath);
    EXPECT_EQ(info->interpreter, expected.interpreter);
    EXPECT_EQ(info->machine, kElfMachineX86_64);
  }
  EXPECT_GT(compared, 50u);
  EXPECT_GT(with_needed, 50u);
}

TEST(ElfServerRoot, Aarch64ProgramUsesTheAarch64Triplet) {
  std::string temp, why;
  std::string root = extract_system(
      "server", {"bin", "lib", "sbin", "usr/bin/mount", "usr/lib/aarch64-linux-gnu",
                 "usr/lib/ld-linux-aarch64.so.1"},
      temp, why);
  if (root.empty()) GTEST_SKIP() << why;
  struct Cleanup {
    std::string dir;
    ~Cleanup() { fs::remove_all(dir); }
  } cleanup{temp};
  auto info = read_elf(root + "/usr/bin/mount");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->machine, kElfMachineAarch64);
  EXPECT_EQ(info->interpreter, "/lib/ld-linux-aarch64.so.1");
  auto paths = library_closure(root, {root + "/usr/bin/mount"});
  ASSERT_TRUE(paths) << paths.error().message;
  std::set<std::string> names;
  for (const auto& p : *paths) {
    names.insert(fs::path(p).filename().string());
    EXPECT_TRUE(p == "lib" || p == "usr/lib/ld-linux-aarch64.so.1" ||
                p.starts_with("usr/lib/aarch64-linux-gnu/"))
        << p;
  }
  for (const char* soname : {"libmount.so.1", "libblkid.so.1", "libselinux.so.1",
                             "libpcre2-8.so.0", "libc.so.6", "ld-linux-aarch64.so.1"})
    EXPECT_TRUE(names.contains(soname)) << soname;
  EXPECT_TRUE(std::count(paths->begin(), paths->end(), "usr/lib/ld-linux-aarch64.so.1"));
  EXPECT_TRUE(std::count(paths->begin(), paths->end(),
                         "usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1"));
}

}  // namespace
}  // namespace cairn::images
