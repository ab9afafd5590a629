// Sparse files for the disk image: copying a partition image into the disk
// and hashing the disk, both by data ranges (SEEK_DATA/SEEK_HOLE) so that
// the holes, most of a fresh disk, are neither written nor read. Internal
// to images/disk*.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.hh"

namespace cairn::images::detail {

/// Copies the data ranges of the file `src` into `dst` at `offset`,
/// skipping holes (copy_file_range, or pread/pwrite where that cannot
/// work). An error when `src` is larger than `limit` bytes.
[[nodiscard]] Result<void> copy_into(const std::string& src, int dst, uint64_t offset,
                                     uint64_t limit);

/// SHA-256 (lowercase hex) of the first `size` bytes of the file behind
/// `fd`, holes hashed as the zeros they read as without reading them.
/// `path` names the file in errors.
[[nodiscard]] Result<std::string> sha256_sparse(int fd, const std::string& path, uint64_t size);

}  // namespace cairn::images::detail
