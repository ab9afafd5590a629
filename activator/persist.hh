// environment.persist: the host's own paths that outlive generations.
//
// A generation's root is a tmpfs with the image's read-only /usr, an /etc
// that is reset every boot, and /var, /home and /root from the state
// partition. Anything else a machine must keep — SSH host keys, saved Wi-Fi
// networks, /srv — is listed in environment.persist; the manifest carries
// the list and, once the root is assembled, the activator binds
//
//     <state>/persist/<path>   over   /sysroot/<path>
//
// for each directory, then each file (both sorted, so a parent comes before
// what is inside it).
//
// First use. A path the state partition does not hold yet is made there
// from the image: a directory with the image's mode and owner (empty: what
// the image has there is not copied, so that a directory's contents are the
// machine's alone), a file as a copy of the image's file, or — when the
// image has none — an empty file of mode 0600 (secrets are the common case:
// the openssh module lists its host keys and fills them on first start).
// The copy is written to a temporary name and renamed, so an interrupted
// boot never leaves half a file to be kept forever.
//
// The mount point is made in the new root when missing (in /etc's overlay
// or the tmpfs root). A path that crosses a symbolic link in the image is
// refused: inside the initramfs an absolute link would resolve against the
// initramfs, not the image, and bind the wrong place.
#pragma once

#include <string>
#include <vector>

#include "activator/system.hh"
#include "base/error.hh"

namespace cairn::activator {

/// The state partition's directory of persisted paths.
inline constexpr std::string_view kPersistDir = "persist";

/// Where the persisted paths are bound from and to. All full paths (the
/// root prefix included), without a trailing slash; `target` may be "" for
/// the running system's own root.
struct PersistPlaces {
  std::string kept;    ///< the state partition's persist/ directory
  std::string image;   ///< the mounted image that first-use copies come from
  std::string target;  ///< the root the paths are bound into
};

/// Binds every path of `files` and `directories` (absolute, validated by
/// the manifest) from at.kept into at.target, making them on first use
/// from at.image (see the file comment). Stops at the first failure,
/// naming the path. An in-place switch uses it with the running root as
/// the target (switch.hh).
[[nodiscard]] Result<void> bind_persisted(const PersistPlaces& at, System& system,
                                          const std::vector<std::string>& files,
                                          const std::vector<std::string>& directories);

/// The initramfs's case: from root/run/cairn/state/persist into
/// root/sysroot, the image at root/run/cairn/image.
[[nodiscard]] Result<void> bind_persisted(const std::string& root, System& system,
                                          const std::vector<std::string>& files,
                                          const std::vector<std::string>& directories);

}  // namespace cairn::activator
