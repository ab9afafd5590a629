// What the dynamic loader reads from an ELF file, and the set of files a
// program needs from a root tree to start.
//
// The initramfs holds cairn-activate and the target's own C libraries, found
// the way the target's ld.so would find them, but inside a staged root on the
// build machine rather than at `/`. parse_elf() reads only what ld.so reads —
// the ELF header, the program headers, PT_INTERP and the PT_DYNAMIC entries
// and their string table (found through the PT_LOAD segments, so stripped
// files without section headers work) — and checks every offset against the
// input, so a truncated or hostile file gives an error, never a crash.
// library_closure() repeats ld.so's search (see its comment) and follows
// symbolic links inside the root the way a chroot would.
//
// Only 64-bit little-endian ELF is read: cairn's targets are x86-64 and
// AArch64, both ELF64 LSB.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"

namespace cairn::images {

/// e_machine of the architectures cairn builds for (elf.h's EM_X86_64 and
/// EM_AARCH64).
inline constexpr uint16_t kElfMachineX86_64 = 62;
inline constexpr uint16_t kElfMachineAarch64 = 183;

/// What the dynamic loader needs of one ELF file.
struct ElfInfo {
  /// e_type: 2 (ET_EXEC, a fixed-address program) or 3 (ET_DYN, a shared
  /// library or position-independent program); parse_elf refuses others.
  uint16_t type = 0;
  /// e_machine, e.g. kElfMachineX86_64; any value is read, machine_name()
  /// words it.
  uint16_t machine = 0;
  /// PT_INTERP, the dynamic loader's path ("/lib64/ld-linux-x86-64.so.2");
  /// "" when there is none (a static program, or a shared library).
  std::string interpreter{};
  /// True when the file has a PT_DYNAMIC segment. A static program has none;
  /// the fields below are then empty.
  bool dynamic = false;
  /// DT_NEEDED, in file order: "libc.so.6". ld.so loads them breadth first.
  std::vector<std::string> needed{};
  /// DT_RUNPATH split at ':' in order, dynamic string tokens ($ORIGIN)
  /// unexpanded; empty elements are kept. Empty vector = no DT_RUNPATH.
  std::vector<std::string> runpath{};
  /// DT_RPATH, split likewise. ld.so ignores it when DT_RUNPATH is present;
  /// it is still reported here as it is in the file.
  std::vector<std::string> rpath{};
  /// DT_SONAME ("libc.so.6"); "" when absent.
  std::string soname{};

  bool operator==(const ElfInfo&) const = default;
};

/// Reads the ELF file held in `bytes` (the whole file). Pure: no I/O, no
/// allocation beyond the result, any input allowed (this is the fuzz entry).
/// Errors say what is wrong without a file name: "not an ELF file (no
/// \x7fELF magic)", "a 32-bit ELF file; only 64-bit ELF is read", "truncated:
/// PT_INTERP at offset 4096 (28 bytes) ends past the end of the file (3000
/// bytes)". When a tag occurs twice (DT_STRTAB, DT_RUNPATH…) the last one
/// counts, as in ld.so.
[[nodiscard]] Result<ElfInfo> parse_elf(std::string_view bytes);

/// parse_elf() on the file at `path` (mapped, not copied). Errors start with
/// "reading ELF <path>: ".
[[nodiscard]] Result<ElfInfo> read_elf(const std::string& path);

/// "x86-64", "AArch64", or "machine 40" for one cairn does not know.
std::string machine_name(uint16_t machine);

/// Debian's multiarch triplet for a machine: "x86_64-linux-gnu",
/// "aarch64-linux-gnu"; nullopt for a machine cairn does not build for.
std::optional<std::string_view> multiarch_triplet(uint16_t machine);

/// Every file of the root directory tree `root` (a staged Debian system with
/// merged /usr) that the programs `program_paths` need to start: their
/// interpreter and their DT_NEEDED libraries, transitively. The programs are
/// files on the build machine, read where they are (they need not be inside
/// `root`; cairn-activate is not); everything they need is looked up in
/// `root` only, never on the build machine.
///
/// The search is ld.so's on Debian, per needing object: names holding a `/`
/// are paths; a name already loaded (as a DT_NEEDED name or a DT_SONAME,
/// the interpreter's included) is reused; else DT_RPATH of the object and of
/// the chain of objects that loaded it (each only when it has no
/// DT_RUNPATH), then the object's DT_RUNPATH, then /lib/<triplet>,
/// /usr/lib/<triplet>, /lib, /usr/lib, the triplet following from the
/// program's machine. `$ORIGIN` expands to the directory the object was found
/// in (for a program outside `root` such elements are skipped), `$LIB` to
/// lib/<triplet>; elements with `$PLATFORM`, relative or empty ones, which
/// depend on the device or its working directory, are skipped. A candidate
/// that is not a regular file, not ELF64, or built for another machine is
/// passed over, as ld.so does. Not modelled: LD_LIBRARY_PATH, ld.so.cache
/// and /etc/ld.so.conf.d (Debian's lists only the default directories and
/// /usr/local), glibc-hwcaps subdirectories, DT_FLAGS_1 NODEFLIB.
///
/// Symbolic links are resolved inside `root`: an absolute target starts
/// again at `root`, `..` stops at it, so nothing outside is ever read.
///
/// Returns root-relative paths, sorted, without duplicates: every file
/// loaded and every symbolic link passed on the way to it, directory links
/// included ("lib64", "usr/lib64/ld-linux-x86-64.so.2",
/// "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "lib",
/// "usr/lib/x86_64-linux-gnu/libc.so.6"), so that a tree holding exactly
/// these resolves the same names. The programs themselves are not listed. A
/// static program adds nothing.
///
/// Errors start with "resolving the libraries of <program>: " (or, when
/// `root` is no directory, "resolving libraries: ") and name what is missing
/// and who needs it: "libfoo.so.1, needed by
/// usr/lib/x86_64-linux-gnu/libbar.so.2, is not in /tmp/root (searched /lib/
/// x86_64-linux-gnu, …); is the package that ships it in the system?".
[[nodiscard]] Result<std::vector<std::string>> library_closure(
    const std::string& root, const std::vector<std::string>& program_paths);

}  // namespace cairn::images
