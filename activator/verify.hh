// Checking a generation's image against its manifest, and remembering that
// it was checked.
//
// A full check reads the whole image through SHA-256. Natively that is
// about 0.4 s for a 170 MB image (this machine; 1 MiB reads from the page
// cache); under QEMU's TCG, roughly ten times slower and without the
// CPU's SHA extensions, it is several seconds — on every boot, for an
// image that does not change between boots. On a Raspberry Pi 4 (no ARMv8
// crypto extensions, an SD card at 40–90 MB/s) it is 2–4 s as well.
//
// So the check is full once per image file and cheap afterwards: after a
// successful full check the activator writes a marker beside the image
// (generations/<N>/verified) naming the image's SHA-256 and the identity of
// the file that had it — inode, size, mtime and ctime, all with
// nanoseconds. A later boot that finds the marker matching both the
// manifest and the file's identity trusts the earlier check and only
// compares the size. Any write to the file, a rename over it, a chmod or a
// reinstall changes the ctime or the inode (ctime cannot be set from user
// space), so a replaced, rewritten or half-copied image is hashed again; in
// practice the full check happens on the generation's first boot, its
// trial boot.
//
// What the marker does not catch: corruption that bypasses the file system
// (bit rot on the medium, writes to the raw block device) after the first
// check. SHA-256 here is an integrity check, not a signature — whoever can
// write the state partition can rewrite the manifest too — so that gap is
// about failing media, and the answer to it is a per-block check at read
// time (dm-verity: a hash tree built with the image, its root hash in the
// manifest, set up by the activator; O(1) at boot), not hashing everything
// on every boot.
#pragma once

#include <cstdint>
#include <string>

#include "activator/manifest.hh"
#include "base/error.hh"
#include "bootloader/layout.hh"

namespace cairn::activator {

/// The marker of generation N's checked image, relative to the state
/// partition's root: "generations/7/verified".
inline std::string generation_marker(uint64_t n) { return bootloader::generation_dir(n) + "/verified"; }

/// What identifies one version of a file on its file system.
struct FileIdentity {
  uint64_t inode = 0;
  uint64_t size = 0;
  int64_t mtime_sec = 0, mtime_nsec = 0;
  int64_t ctime_sec = 0, ctime_nsec = 0;
  bool operator==(const FileIdentity&) const = default;
};

/// stat(2) of `path`. Errors: "cannot stat <path>: <errno text>".
[[nodiscard]] Result<FileIdentity> identify_file(const std::string& path);

/// The marker's text for an image with this identity and SHA-256: one line,
/// "sha256=<hex> size=<n> inode=<n> mtime=<s>.<ns> ctime=<s>.<ns>".
std::string marker_text(const FileIdentity& id, const std::string& sha256);

/// SHA-256 of the file at `path` as hex, in 1 MiB reads (OpenSSL EVP).
[[nodiscard]] Result<std::string> hash_file(const std::string& path);

/// How an image was found to match its manifest.
struct ImageCheck {
  bool hashed = false;  ///< true: read and hashed now; false: a matching marker vouched for it
  /// Set when the marker could not be written ("…, ignoring" material);
  /// the image is fine all the same.
  std::string warning;
};

/// Checks the image at `image` against `manifest`: its size always, its
/// SHA-256 unless the marker at `marker` matches (see the file comment).
/// After a full check that passed, writes the marker (atomically).
/// Errors: "image <path> is <n> bytes, its manifest says <m>", "image <path>
/// does not match its manifest (sha256 <hex>, expected <hex>)", "cannot
/// open <path>: …".
[[nodiscard]] Result<ImageCheck> check_image(const std::string& image, const Manifest& manifest,
                                             const std::string& marker);

}  // namespace cairn::activator
