// The generated /etc: the closure's `etc` files, and the files Debian's
// maintainer scripts would have created, made declaratively.
//
// compose_etc writes, in this order (a later write replaces an earlier one):
//
//   1. What scripts would have made, each from the package that provides
//      its template and only when that package is in the tree:
//        etc/nsswitch.conf          libc-bin: usr/share/libc-bin/nsswitch.conf
//        etc/pam.d/common-*         libpam-runtime: pam-auth-update (pam.hh)
//        etc/shells                 debianutils: update-shells over
//                                   usr/share/debianutils/shells and shells.d/*
//        etc/profile, etc/motd      base-files: from usr/share/base-files/,
//        etc/dpkg/origins/default   plus → debian, the etc/opt and usr/local/*
//                                   directories and usr/share/info/dir
//        etc/security/opasswd       libpam-modules (0600)
//      and always: etc/environment (empty), etc/subuid and etc/subgid (empty;
//      the closure has them when users.users give ranges),
//      etc/fstab (a comment: cairn-activate assembles the root).
//   2. The closure's `etc` entries — text, a copy of a build-machine file
//      read now, or a symlink — replacing whatever 1. or a package put there;
//      owners are names resolved through the UserDb.
//   3. Per generation, and never from the closure: etc/machine-id (empty,
//      0444: systemd fills it at first boot and the activator keeps it on
//      the state partition), and os-release — base-files' usr/lib/os-release
//      with IMAGE_ID and IMAGE_VERSION added, written at usr/lib/os-release,
//      with etc/os-release the relative symlink to it that base-files ships,
//      so that both paths read the same. etc/passwd, group, shadow and
//      gshadow are write_user_files' (users.hh); the closure may not set any
//      of these six.
//
// What stays out: files under /root and /var (base-files' dot.profile and
// dot.bashrc for root, var/mail, …) — the state partition holds those
// directories, so the image cannot seed them — and what systemd-tmpfiles
// makes at boot (etc/mtab, …).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/error.hh"
#include "builder/compose/tree.hh"
#include "builder/compose/users.hh"

namespace cairn::compose {

struct EtcOptions {
  uint64_t generation = 0;  ///< IMAGE_VERSION
  /// IMAGE_ID: the system's name; must be an os-release identifier
  /// (a-z, 0-9, '.', '_', '-'; not empty).
  std::string image_id{};
};

/// Writes the generated /etc into `tree` (see the file comment).
[[nodiscard]] Result<void> compose_etc(RootTree& tree, const nlohmann::json& closure,
                                       const UserDb& users, const EtcOptions& options);

/// Writes the closure's `etc` entries (step 2 of compose_etc).
[[nodiscard]] Result<void> write_closure_etc(RootTree& tree, const nlohmann::json& closure,
                                             const UserDb& users);

/// `base` (os-release text; "" when base-files is absent) with its IMAGE_ID
/// and IMAGE_VERSION lines replaced by the given ones, which come last.
/// Errors when `image_id` is not a valid IMAGE_ID.
[[nodiscard]] Result<std::string> os_release(std::string_view base, std::string_view image_id,
                                             uint64_t generation);

/// The text of etc/fstab.
std::string fstab_text();

/// The resolved form of an absolute directory in the root ("/bin" →
/// "/usr/bin"), as dpkg-realpath --root gives it; nullopt when it does not
/// exist.
using RealPath = std::function<std::optional<std::string>(std::string_view dir)>;

/// etc/shells as debianutils' update-shells writes it on a fresh system:
/// the template's lines, then every shell of the template and of the
/// shells.d files (`shells_d`, their texts in file-name order) that is not
/// listed yet, each followed by its resolved form when that differs
/// ("/bin/sh" adds "/usr/bin/sh" on merged /usr).
std::string shells_text(std::string_view template_text, const std::vector<std::string>& shells_d,
                        const RealPath& realpath);

}  // namespace cairn::compose
