// The command table (the parsers are in script_requests.cc). See
// script_commands.hh.
//
// Reading the table: rows are tried in order and the first match decides.
// Shell builtins and queries come first, so that `grep -q x /etc/passwd` is
// a query and not a write to etc/passwd; then the commands cairn replaces
// by a pass or knowingly leaves out; then `rm`/`rmdir`, harmless anywhere;
// then rules by path for the plain file commands (cp, ln, mv, touch, mkdir,
// chmod, chown, sed -i, writes through `>`). What matches no row is "not
// understood": the report says so instead of guessing.
//
// The texts say what does the work — a compose pass (compose.hh: users,
// etc, alternatives, units, caches, the tree) or the configuration — or why
// nothing has to, in the words of the person reading `--explain-scripts`.
#include "builder/compose/script_commands.hh"

#include <fnmatch.h>

#include <algorithm>

#include <fmt/format.h>

namespace cairn::compose::script_commands {

namespace {

using K = Kind;

constexpr std::string_view kNotStarted = "services are not started at build time; systemd starts them at boot";
constexpr std::string_view kUsers = "users pass: etc/passwd, etc/group, etc/shadow and etc/gshadow are generated";
constexpr std::string_view kAccounts = "users pass: the account is added to etc/passwd and etc/group";
constexpr std::string_view kEnable = "units pass: enablement links made from the unit's [Install] section";
constexpr std::string_view kNothingToRemove =
    "only removes (what an older installation or the script itself left): nothing to do in a fresh tree";
constexpr std::string_view kInitramfs = "initramfs-tools is not used: cairn builds its own initramfs";
constexpr std::string_view kVar =
    "/var is on the state partition, not in the image; what services need there is made at boot "
    "(systemd-tmpfiles)";
constexpr std::string_view kSkeleton = "the tree's skeleton has it (merged /usr and the mount points)";
constexpr std::string_view kOwnerMode = "owner and mode set on the package's file in the tree (a stat override)";

constexpr Rule kRules[] = {
    // ---- the shell itself, and commands that only print or compute ----
    {"[", "", K::shell, ""},
    {"test", "", K::shell, ""},
    {"echo", "", K::shell, ""},
    {"printf", "", K::shell, ""},
    {":", "", K::shell, ""},
    {"true", "", K::shell, ""},
    {"false", "", K::shell, ""},
    {"sleep", "", K::shell, ""},
    {"wait", "", K::shell, ""},
    {"type", "", K::shell, ""},
    {"hash", "", K::shell, ""},
    {"command", "", K::shell, ""},
    {"which", "", K::query, ""},
    {"setup_colors", "", K::shell, ""},  // dpkg's shell library
    {"warning", "", K::shell, ""},
    {"error", "", K::shell, ""},
    // debconf: questions and answers change nothing outside debconf's own
    // database; what a script does with an answer is listed where it does it.
    {"db_*", "", K::query, ""},

    // ---- queries ----
    {"dpkg", "--compare-versions", K::query, ""},
    {"dpkg", "-s", K::query, ""},
    {"dpkg", "-l", K::query, ""},
    {"dpkg", "-L", K::query, ""},
    {"dpkg", "-S", K::query, ""},
    {"dpkg", "--print-architecture", K::query, ""},
    {"dpkg-query", "", K::query, ""},
    {"dpkg-realpath", "", K::query, ""},
    {"dpkg-architecture", "", K::query, ""},
    {"dpkg-statoverride", "--list", K::query, ""},
    {"dpkg-divert", "--list", K::query, ""},
    {"dpkg-divert", "--listpackage", K::query, ""},
    {"dpkg-divert", "--truename", K::query, ""},
    {"deb-systemd-helper", "was-enabled", K::query, ""},
    {"deb-systemd-helper", "debian-installed", K::query, ""},
    {"deb-systemd-helper", "is-enabled", K::query, ""},
    {"systemctl", "is-active", K::query, ""},
    {"systemctl", "is-enabled", K::query, ""},
    {"systemctl", "is-system-running", K::query, ""},
    {"systemctl", "show", K::query, ""},
    {"bootctl", "--print-esp-path", K::query, ""},
    {"bootctl", "is-installed", K::query, ""},
    {"update-passwd", "--dry-run", K::query, ""},
    {"update-alternatives", "--query", K::query, ""},
    {"update-alternatives", "--display", K::query, ""},
    {"update-alternatives", "--list", K::query, ""},
    {"ssh-keygen", "-l", K::query, ""},
    {"perl", "-e", K::query, ""},
    {"systemd", "--help", K::query, ""},
    {"invoke-rc.d", "status", K::query, ""},
    {"getent", "", K::query, ""},
    {"grep", "", K::query, ""},
    {"egrep", "", K::query, ""},
    {"fgrep", "", K::query, ""},
    {"awk", "", K::query, ""},
    {"mawk", "", K::query, ""},
    {"cut", "", K::query, ""},
    {"tr", "", K::query, ""},
    {"sort", "", K::query, ""},
    {"uniq", "", K::query, ""},
    {"head", "", K::query, ""},
    {"tail", "", K::query, ""},
    {"wc", "", K::query, ""},
    {"cat", "", K::query, ""},
    {"cmp", "", K::query, ""},
    {"diff", "", K::query, ""},
    {"md5sum", "", K::query, ""},
    {"sha*sum", "", K::query, ""},
    {"stat", "", K::query, ""},
    {"readlink", "", K::query, ""},
    {"realpath", "", K::query, ""},
    {"basename", "", K::query, ""},
    {"dirname", "", K::query, ""},
    {"uname", "", K::query, ""},
    {"id", "", K::query, ""},
    {"pidof", "", K::query, ""},
    {"ischroot", "", K::query, ""},
    {"mountpoint", "", K::query, ""},
    {"date", "", K::query, ""},
    {"who", "", K::query, ""},
    {"runlevel", "", K::query, ""},
    {"ls", "", K::query, ""},
    {"find", "", K::query, ""},
    {"expr", "", K::query, ""},
    {"mktemp", "", K::query, ""},
    {"systemd-detect-virt", "", K::query, ""},
    {"sync", "", K::shell, ""},

    // ---- what a compose pass does instead ----
    {"update-alternatives", "--install", K::declarative,
     "alternatives pass: etc/alternatives/<name> and its links (highest priority wins, or the configured choice)"},
    {"update-alternatives", "--remove", K::skipped, kNothingToRemove},
    {"update-alternatives", "--remove-all", K::skipped, kNothingToRemove},
    {"dpkg-divert", "--remove", K::skipped, kNothingToRemove},
    {"dpkg-divert", "", K::declarative, "the diversion is applied while the packages are added to the tree"},
    {"dpkg-statoverride", "--add", K::declarative, kOwnerMode},
    {"dpkg-statoverride", "--remove", K::skipped, kNothingToRemove},
    {"chmod", "u+s", K::skipped, "the setuid fallback for setcap is not taken: file capabilities are not set either"},
    {"chmod", "u-s", K::skipped, "the setuid fallback for setcap is not taken: file capabilities are not set either"},
    {"chown", "@shipped", K::declarative, kOwnerMode},
    {"chgrp", "@shipped", K::declarative, kOwnerMode},
    {"chmod", "@shipped", K::declarative, kOwnerMode},
    {"adduser", "", K::declarative, kAccounts},
    {"addgroup", "", K::declarative, kAccounts},
    {"useradd", "", K::declarative, kAccounts},
    {"groupadd", "", K::declarative, kAccounts},
    {"deluser", "", K::skipped, "removes an account: only on purge"},
    {"delgroup", "", K::skipped, "removes an account: only on purge"},
    {"systemd-sysusers", "", K::declarative, "users pass: the sysusers.d accounts are added to etc/passwd and etc/group"},
    {"shadowconfig", "on", K::declarative, kUsers},
    {"pwconv", "", K::declarative, kUsers},
    {"grpconv", "", K::declarative, kUsers},
    {"update-passwd", "", K::declarative, "users pass: etc/passwd and etc/group follow base-passwd's masters"},
    {"pam-auth-update", "--remove", K::skipped, "removes a PAM profile: only on removal"},
    {"pam-auth-update", "", K::declarative,
     "etc pass: etc/pam.d/common-* generated from usr/share/pam-configs, as pam-auth-update does"},
    {"update-shells", "", K::declarative, "etc pass: etc/shells generated from usr/share/debianutils/shells.d"},
    {"add-shell", "", K::declarative, "etc pass: etc/shells generated from usr/share/debianutils/shells.d"},
    {"remove-shell", "", K::skipped, "only on removal"},
    {"systemd-machine-id-setup", "", K::declarative,
     "etc pass: etc/machine-id is generated empty; systemd sets the machine ID at boot"},
    {"deb-systemd-helper", "enable", K::declarative, kEnable},
    {"systemctl", "enable", K::declarative, kEnable},
    {"deb-systemd-helper", "update-state", K::skipped,
     "deb-systemd-helper's records (var/lib/systemd/deb-systemd-helper-*) are not kept: images are built, not upgraded"},
    {"deb-systemd-helper", "unmask", K::skipped,
     "nothing is masked in a fresh tree (configuration masks with systemd.units.<name>.enable = false)"},
    {"deb-systemd-helper", "purge", K::skipped, "only on purge"},
    {"deb-systemd-helper", "disable", K::skipped, "only on removal"},
    {"deb-systemd-helper", "mask", K::skipped, "only on removal"},
    {"systemctl", "daemon-reload", K::skipped, "no systemd runs at build time; it reads the units at boot"},
    {"systemctl", "daemon-reexec", K::skipped, "no systemd runs at build time"},
    {"systemctl", "start", K::skipped, kNotStarted},
    {"systemctl", "stop", K::skipped, kNotStarted},
    {"systemctl", "restart", K::skipped, kNotStarted},
    {"systemctl", "try-restart", K::skipped, kNotStarted},
    {"systemctl", "reload", K::skipped, kNotStarted},
    {"systemctl", "reload-or-restart", K::skipped, kNotStarted},
    {"deb-systemd-invoke", "", K::skipped, kNotStarted},
    {"invoke-rc.d", "", K::skipped, kNotStarted},
    {"service", "", K::skipped, kNotStarted},
    {"start-stop-daemon", "", K::skipped, kNotStarted},
    {"telinit", "", K::skipped, "no init runs at build time"},
    {"dbus-send", "", K::skipped, "no D-Bus daemon runs at build time"},
    {"nscd", "", K::skipped, "no nscd runs at build time"},
    {"update-rc.d", "", K::skipped, "sysvinit links are not needed: systemd starts the services"},
    {"runit-helper", "", K::skipped, "runit is not used"},
    {"systemd-tmpfiles", "", K::skipped,
     "left to boot: systemd-tmpfiles-setup.service creates these files and directories"},
    {"journalctl", "--update-catalog", K::skipped,
     "the journal catalog (var/lib/systemd/catalog/database) is state, not part of the image; "
     "`journalctl --update-catalog` builds it on the device"},
    {"systemd-hwdb", "update", K::declarative, "caches pass: usr/lib/udev/hwdb.bin built"},
    {"udevadm", "hwdb", K::declarative, "caches pass: usr/lib/udev/hwdb.bin built"},
    {"ldconfig", "", K::declarative, "caches pass: etc/ld.so.cache built"},
    {"depmod", "", K::declarative, "caches pass: depmod run for the kernel's modules"},
    {"update-ca-certificates", "", K::declarative, "caches pass: the CA bundle and etc/ssl/certs built"},
    {"update-initramfs", "", K::skipped, kInitramfs},
    {"dpkg-trigger", "update-initramfs", K::skipped, kInitramfs},
    {"dpkg-trigger", "", K::skipped, "the interested package's `postinst triggered` is analysed instead"},
    {"dpkg-maintscript-helper", "", K::skipped, "conffile and directory migrations apply only to upgrades"},
    {"linux-update-symlinks", "", K::skipped, "the boot entries replace the /vmlinuz and /initrd.img links"},
    {"linux-check-removal", "", K::skipped, "only on removal"},
    {"run-parts", "/etc/kernel/*", K::skipped,
     "kernel hooks (/etc/kernel/*.d) are not run: cairn installs the kernel, initramfs and boot entries"},
    {"update-grub", "", K::skipped, "GRUB is not used: cairn writes the boot entries"},
    {"bootctl", "", K::skipped, "the boot loader is installed and updated by cairn"},
    {"kernel-install", "", K::skipped, "the boot loader is installed and updated by cairn"},
    {"update-menus", "", K::skipped, "the Debian menu system is not used"},
    {"restorecon", "", K::skipped, "SELinux labels are not set"},
    {"setcap", "", K::skipped, "file capabilities are not set: the tree has no extended attributes; the program works for root"},
    {"getcap", "", K::query, ""},
    {"update-icon-caches", "", K::skipped, "icon theme caches are not built: toolkits read the icon directories without one"},
    {"helpztags", "", K::skipped, "vim's help tags for add-ons (usr/share/vim/addons/doc/tags) are not built"},
    {"cp", "/usr/share/openssh/sshd_config", K::skipped, "etc/ssh/sshd_config comes from services.openssh"},
    {"ucf", "/etc/ssh/sshd_config", K::skipped, "etc/ssh/sshd_config comes from services.openssh"},
    {"ucfr", "/etc/ssh/sshd_config", K::skipped, "etc/ssh/sshd_config comes from services.openssh"},
    {"ucf", "", K::skipped, "the configuration file is not installed: set it with environment.etc"},
    {"ucfr", "", K::skipped, "the configuration file is not installed: set it with environment.etc"},
    {"ssh-keygen", "", K::skipped,
     "host keys are made on the device at first start (services.openssh), so every machine has its own"},
    {"dbus-uuidgen", "", K::skipped, "var/lib/dbus/machine-id is not made: D-Bus uses etc/machine-id"},
    {"clean-up-unmanaged-libraries", "", K::skipped, "cleans up after an upgrade: a fresh tree has nothing to clean"},
    {"notify-reboot-required", "", K::skipped, "only on upgrade of a running system"},
    {"mv", "alternatives/*", K::skipped, "tidies dpkg's database (var/lib/dpkg), which is not kept in the image"},
    {"locale-gen", "", K::declarative, "the locales of i18n.supportedLocales are compiled into the image"},
    {"update-locale", "", K::declarative, "etc/default/locale comes from i18n.defaultLocale"},
    {"convert-usrmerge", "", K::skipped, "the tree is merged /usr from the start"},
    {"convert-etc-shells", "", K::skipped, "the tree is merged /usr from the start; etc/shells is generated"},
    {"z50-raspi-firmware", "", K::skipped, "the boot loader stage writes the Raspberry Pi's boot partition"},

    // Removing is harmless wherever it happens: a fresh tree has nothing stale.
    {"rm", "", K::skipped, kNothingToRemove},
    {"rmdir", "", K::skipped, kNothingToRemove},

    // ---- file commands, by path ----
    {"@file", "/etc/passwd", K::declarative, kUsers},
    {"@file", "/etc/group", K::declarative, kUsers},
    {"@file", "/etc/shadow", K::declarative, kUsers},
    {"@file", "/etc/gshadow", K::declarative, kUsers},
    {"@file", "/etc/nsswitch.conf", K::declarative, "etc pass: etc/nsswitch.conf from libc-bin's default"},
    {"@file", "/etc/shells", K::declarative, "etc pass: etc/shells generated from usr/share/debianutils/shells.d"},
    {"@file", "/etc/machine-id", K::declarative, "etc pass: etc/machine-id is generated empty"},
    {"@file", "/etc/localtime*", K::declarative, "etc/localtime and etc/timezone come from time.timeZone"},
    {"@file", "/etc/timezone", K::declarative, "etc/localtime and etc/timezone come from time.timeZone"},
    {"@file", "/etc/environment", K::declarative, "etc pass: etc/environment from environment.variables (empty by default)"},
    {"@file", "/etc/hosts", K::declarative, "etc/hosts comes from the configuration (networking)"},
    {"@file", "/etc/networks", K::skipped, "not made: set environment.etc.networks to have one"},
    {"@file", "/etc/hosts.allow", K::skipped,
     "not made: TCP wrappers' etc/hosts.allow and etc/hosts.deny (comments only on Debian); absent, they deny nothing"},
    {"@file", "/etc/hosts.deny", K::skipped,
     "not made: TCP wrappers' etc/hosts.allow and etc/hosts.deny (comments only on Debian); absent, they deny nothing"},
    {"@file", "/etc/locale.gen", K::declarative, "etc/locale.gen comes from i18n.supportedLocales"},
    {"@file", "/etc/resolv.conf", K::declarative, "etc/resolv.conf comes from the configuration (services.networkd)"},
    {"@file", "/etc/ca-certificates.conf*", K::declarative,
     "caches pass: the CA bundle is made from the certificates a fresh etc/ca-certificates.conf selects"},
    {"@file", "/etc/modules", K::skipped,
     "not made: modules to load at boot are set with boot.kernel.modules (etc/modules-load.d)"},
    {"@file", "/etc/subuid", K::declarative, "etc pass: etc/subuid and etc/subgid from users.users (empty without ranges)"},
    {"@file", "/etc/subgid", K::declarative, "etc pass: etc/subuid and etc/subgid from users.users (empty without ranges)"},
    {"@file", "/etc/security/opasswd", K::declarative, "etc pass: empty etc/security/opasswd (0600)"},
    {"@file", "/etc/profile", K::declarative, "etc pass: etc/profile and etc/motd from usr/share/base-files"},
    {"@file", "/etc/motd", K::declarative, "etc pass: etc/profile and etc/motd from usr/share/base-files"},
    {"@file", "/etc/dpkg/origins/default", K::declarative, "etc pass: etc/dpkg/origins/default → debian"},
    {"@file", "/*.dpkg-*", K::skipped,
     "handles configuration files an older version left (.dpkg-bak, .dpkg-new, …): a fresh tree has none"},
    {"@file", "/tmp/tmp.*", K::skipped, "works on a temporary file"},
    {"@file", "/etc/initramfs-tools/*", K::skipped, kInitramfs},
    {"@file", "/etc/ssh", K::skipped, "etc/ssh comes from the packages and services.openssh"},
    {"@file", "/etc/ssh/*", K::skipped, "etc/ssh comes from the packages and services.openssh"},
    {"@file", "/bin/sh*", K::declarative,
     "usr/bin/sh → dash is in dash's package; dash's diversion keeps other packages' /bin/sh aside"},
    {"@file", "/usr/share/man/man1/sh*", K::declarative,
     "usr/share/man/man1/sh.1.gz → dash.1.gz is in dash's package; dash's diversion keeps others aside"},
    {"@file", "/lib", K::declarative, kSkeleton},
    {"@file", "/usr/lib", K::declarative, kSkeleton},
    {"@file", "/lib32", K::declarative, kSkeleton},
    {"@file", "/lib64", K::declarative, kSkeleton},
    {"@file", "/libx32", K::declarative, kSkeleton},
    {"@file", "/usr/lib32", K::declarative, kSkeleton},
    {"@file", "/usr/lib64", K::declarative, kSkeleton},
    {"@file", "/usr/libx32", K::declarative, kSkeleton},
    {"@file", "/usr/bin/touch", K::skipped, "merged /usr: coreutils' /bin/touch already is usr/bin/touch"},
    {"@file", "/mnt", K::declarative, kSkeleton},
    {"@file", "/lib/modules/*/.fresh-install", K::skipped,
     "a mark for the kernel's own postinst hooks, which are not run"},
    {"@file", "/srv", K::skipped, "not made: the image holds the skeleton's top-level directories only"},
    {"@file", "/opt", K::skipped, "not made: the image holds the skeleton's top-level directories only"},
    {"@file", "/media", K::skipped, "not made: the image holds the skeleton's top-level directories only"},
    {"@file", "/etc/opt", K::declarative, "etc pass: base-files' etc/opt and usr/local hierarchy"},
    {"@file", "/usr/local/share/ca-certificates*", K::skipped,
     "not made: the directory for the administrator's own certificates, which an image has none of"},
    {"@file", "/usr/local*", K::declarative, "etc pass: base-files' etc/opt and usr/local hierarchy"},
    {"@file", "/etc/init.d/*", K::skipped,
     "renames an older version's sysvinit script: a fresh tree has none (and systemd does not use them)"},
    {"@file", "/usr/share/info/dir", K::declarative, "etc pass: usr/share/info/dir from usr/share/base-files"},
    {"@file", "/boot/firmware*", K::skipped, "the boot loader stage writes the Raspberry Pi's boot partition"},
    {"@file", "/usr/share/doc/*", K::skipped, "usr/share/doc is left as the packages ship it"},
    {"@file", "/root/*", K::skipped, "root's home is on the state partition, not in the image"},
    {"mkdir", "@shipped", K::declarative, "the package ships the directory"},
    {"@file", "/home/*", K::skipped, "/home is on the state partition, not in the image"},
    {"@file", "/var/*", K::skipped, kVar},
    {"@file", "/run/*", K::skipped, "/run is a tmpfs made at boot"},
    {"@file", "/tmp/*", K::skipped, "/tmp is made at boot"},

    // ---- file commands anywhere else ----
    {"sed", "-i*", K::skipped, "not understood: edits a file in place"},
    {"sed", "", K::query, ""},
};

bool is_file_command(std::string_view name, const std::vector<Arg>& args) {
  for (std::string_view c : {"cp", "ln", "mv", "touch", "mkdir", "chmod", "chown", "chgrp", "install", "rm", "rmdir"})
    if (name == c) return true;
  if (name == "sed")  // sed -i edits its files in place
    for (const Arg& a : args)
      if (a.known && a.text.rfind("-i", 0) == 0) return true;
  return false;
}

// Whether a path with unknown parts (kHole) matches `pattern` whatever
// those parts are — tried with nothing and with a path in each hole.
bool path_matches(std::string_view pattern, const std::string& path) {
  std::string p(pattern);
  auto with = [&](std::string_view fill) {
    std::string t;
    for (char c : path) {
      if (c == script_walk::kHole) t += fill;
      else t += c;
    }
    while (t.size() > 1 && t.back() == '/') t.pop_back();
    return ::fnmatch(p.c_str(), t.c_str(), 0) == 0;
  };
  if (path.find(script_walk::kHole) == std::string::npos) return with("");
  return with("") && with("x/y.z");
}

bool glob_match(std::string_view pattern, const std::string& text) {
  return ::fnmatch(std::string(pattern).c_str(), text.c_str(), 0) == 0;
}

bool shipped_path(const std::string& arg, const std::vector<std::string>& shipped) {
  if (arg.empty() || arg[0] != '/') return false;
  std::string path = RootTree::merged_path(arg);
  return std::binary_search(shipped.begin(), shipped.end(), path);
}

bool matches(const Rule& rule, const std::vector<Arg>& args, std::string_view write_path, std::string_view cwd,
             bool file_command, const std::vector<std::string>& shipped) {
  if (rule.match.empty()) return true;
  if (rule.match == "@shipped") {
    for (size_t k = 1; k < args.size(); ++k)
      if (args[k].known && shipped_path(args[k].text, shipped)) return true;
    return false;
  }
  if (rule.match[0] == '/') {
    std::string write(write_path);
    if (!write.empty() && write[0] == '/' && path_matches(rule.match, write)) return true;
    for (size_t k = 1; k < args.size(); ++k) {
      std::string path = args[k].text;
      if (path.empty() || (path[0] == '-' && file_command)) continue;
      // The file commands' operands are paths, relative ones from `cwd`.
      if (path[0] != '/' && file_command && !cwd.empty())
        path = std::string(cwd) + (cwd == "/" ? "" : "/") + path;
      if (path[0] == '/' && path_matches(rule.match, path)) return true;
    }
    return false;
  }
  for (size_t k = 1; k < args.size(); ++k)
    if (args[k].known && glob_match(rule.match, args[k].text)) return true;
  return false;
}

}  // namespace

std::span<const Rule> rules() { return kRules; }

std::string program_name(std::string_view word) {
  size_t slash = word.rfind('/');
  return std::string(slash == std::string_view::npos ? word : word.substr(slash + 1));
}

const Rule* find_rule(const std::vector<Arg>& args, std::string_view write_path, std::string_view cwd,
                      const std::vector<std::string>& shipped) {
  const Rule* found = nullptr;
  if (!args.empty() && args[0].known) {
    std::string name = program_name(args[0].text);
    bool file_command = is_file_command(name, args);
    for (const Rule& r : kRules) {
      if (r.command == "@file" ? !file_command : !glob_match(r.command, name)) continue;
      if (matches(r, args, "", cwd, file_command, shipped)) {
        found = &r;
        break;
      }
    }
  }
  bool writes = !write_path.empty();
  if (writes && (!found || found->kind == Kind::shell || found->kind == Kind::query)) {
    std::vector<Arg> none{Arg{">"}};
    for (const Rule& r : kRules)
      if (r.command == "@file" && r.match.substr(0, 1) == "/" && matches(r, none, write_path, cwd, true, shipped))
        return &r;
    return nullptr;
  }
  return found;
}

}  // namespace cairn::compose::script_commands
