// The file operations every boot-loader backend (systemd_boot.hh,
// extlinux.hh, rpi_tryboot.hh) does on the boot partition: look at a file,
// list a directory, write or copy only what changed, and recognise the
// kernels and initrds cairn shares between generations by hash.
//
// Writing only what changed matters on a FAT partition: writes are slow,
// and every rewrite of a file the firmware reads is a chance for a power
// cut to damage it. The writes themselves are esp_write.hh's durable ones.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.hh"

namespace cairn::bootloader {

/// True when `path` is a regular file (after following symbolic links);
/// false when it is missing, something else, or cannot be examined.
bool is_file(const std::string& path);

/// The size of the regular file `path`; nullopt when it is missing, not a
/// regular file, or cannot be examined.
std::optional<uint64_t> file_size(const std::string& path);

/// The names of the regular files in `dir` (not its subdirectories), sorted;
/// none when `dir` does not exist. Errors: "cannot list DIR: …".
[[nodiscard]] Result<std::vector<std::string>> list_files(const std::string& dir);

/// Replaces `path` with `contents` (write_file_atomic) unless it is a
/// regular file that already holds exactly that, which is left untouched.
[[nodiscard]] Result<void> write_if_changed(const std::string& path, std::string_view contents);

/// Copies `source` to `target` (copy_file_durably) unless `target` already
/// has the same bytes (same size and SHA-256). Errors are
/// copy_file_durably's, without added context.
[[nodiscard]] Result<void> copy_if_changed(const std::string& source, const std::string& target);

/// Puts the kernel or initrd `source` at `target`, a shared file named by
/// its hash (is_shared_file_name): a `target` of the same size is taken to
/// be that file already and left alone; otherwise `source` is copied
/// (copy_file_durably). Errors: "copying SOURCE: …".
[[nodiscard]] Result<void> copy_shared_file(const std::string& source, const std::string& target);

/// True for the name, within the "cairn" directory, of a kernel or initrd
/// shared by hash: "<64 lowercase hex digits>-kernel" or "…-initrd". Only
/// such files are removed when no entry names them any more.
bool is_shared_file_name(std::string_view name);

/// A path named in an entry (kernel, initrd, loader), as a path below the
/// partition's root: '\' read as '/' (as systemd-boot reads it), no leading
/// or doubled slashes ("/cairn/x", "//cairn//x" and "\cairn\x" are all
/// "cairn/x"). Letter case is kept.
std::string partition_path(std::string_view path);

}  // namespace cairn::bootloader
