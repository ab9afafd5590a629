# system.closure: the evaluated host as plain data, the input of everything
# after evaluation (package resolution, composing the root tree, the boot
# loader). `cairn eval --host NAME --closure` prints it as canonical JSON.
#
# It holds only strings, integers, booleans, null, lists and sets: package
# names, never package values; paths as absolute path strings. Lists whose
# order carries no meaning are sorted and without duplicates; the kernel
# command line keeps its order.
#
# Shape:
#
#   host          string   the host's directory name under hosts/
#   hostName      string   networking.hostName
#   name          string   system.name: the system's name in image file names and boot menus
#   platform      "x86_64-linux" | "aarch64-linux"
#   architecture  "amd64" | "arm64"           (Debian's name of the platform)
#   stateVersion  string
#
#   packages = {
#     suite       string                      e.g. "bookworm"
#     components  [string]                    sorted, always holds "main"
#     recommends  bool                        install Recommends too
#     base        "essential" | "required"    the set resolution starts from
#     requested   [string]                    sorted package names: environment.systemPackages
#                                             (every module's packages, services' `path`),
#                                             the kernel package
#     localDebs   [string]                    absolute paths of .deb files, in order
#   }
#
#   etc = {                                   every file cairn generates, by path under /etc
#     "<path>" = { text = string; mode; user; group; }        a file with this content
#              | { source = string; mode; user; group; }      a copy of this file (absolute path)
#              | { symlink = string; }                        a symbolic link to this target
#     (mode: octal string such as "0644"; user, group: names)
#   }
#     Unit files are here, as "systemd/system/<unit>" (or the drop-in
#     "systemd/system/<unit>.d/overrides.conf"); so are user units and their
#     enablement links under "systemd/user/"; "fstab" only when fileSystems
#     or swapDevices list something (else compose writes a comment);
#     "subuid" and "subgid" when a user has a subordinate range (else
#     compose writes them empty). Not
#     here: os-release, passwd/group/shadow, machine-id and the like, which
#     are made per generation from the rest of the closure.
#
#   users = {                                 the configured users (root always)
#     <name> = {
#       uid            int                    fixed by the configuration, by Debian's base-passwd,
#                                             or allocated (modules/lib/ids.nix)
#       group          string                 primary group (a key of `groups`)
#       extraGroups    [string]               sorted
#       description    string
#       home           string
#       createHome     bool
#       shell          string                 absolute path
#       hashedPassword string | null          null: password login disabled
#       isNormalUser   bool
#       isSystemUser   bool
#       authorizedKeys [string]               SSH public keys, in order
#     };
#   }
#
#   groups = {                                every configured group and every group a user names
#     <name> = { gid = int; members = [string]; }   members sorted: `members` plus users listing
#   }                                               the group in extraGroups
#
#   units = {                                 system units: generated ones and configured packaged ones
#     "<unit>" = {
#       enable            bool                false: masked (a link to /dev/null)
#       wantedBy          [string]            sorted: link in /etc/systemd/system/<target>.wants/
#       requiredBy        [string]            sorted: link in /etc/systemd/system/<target>.requires/
#       aliases           [string]            sorted: link /etc/systemd/system/<alias>
#       restartIfChanged  bool                how `cairn switch` treats a changed unit
#       reloadIfChanged   bool
#       stopIfChanged     bool
#       reloadTriggers    [string]            digests of the trigger values, in order
#       reloadTriggersDigest  string | null   X-Reload-Triggers= of the unit: the digest of the
#                                             trigger values joined by newlines, as
#                                             modules/system/systemd.nix writes it in the
#                                             units it renders; null without triggers
#     };
#   }
#     For a packaged unit (no text) whose switch flags are not the defaults,
#     compose writes them as the drop-in
#     /etc/systemd/system/<unit>.d/cairn-switch.conf (builder/compose/units.hh).
#     A unit's links point to /etc/systemd/system/<unit> when etc has that
#     file, otherwise to the packaged /usr/lib/systemd/system/<unit> (for an
#     instance "a@b.service", the template "a@.service").
#
#   kernel = {
#     package        string                   the kernel package's name
#     params         [string]                 the command line, in order
#     initrdModules  [string]                 sorted module names for the initramfs
#     rescueShell    bool                     busybox in the initramfs (cairn.shell)
#   }
#
#   boot = {
#     loader              "systemd-boot" | "extlinux" | "rpi-tryboot"
#     timeout             int                 seconds
#     configurationLimit  int | null          null: no limit
#     tries               int
#     healthChecks        [string]            sorted unit names boot-complete.target requires
#     rpi = {                                 only with hardware.raspberryPi
#       model       3 | 4 | 5
#       deviceTree  string                    e.g. "bcm2711-rpi-4-b.dtb"
#       configTxt   string                    config.txt lines besides the boot loader's own
#     };
#   }
#
#   persist = { files = [string]; directories = [string]; }   sorted absolute paths
#   builder   bool                            programs.cairn.enable: the building cairn puts
#                                             itself at /usr/bin/cairn
#
#   time      = { timeZone = string; }
#   locale    string                          LANG
#   locales   [string]                        sorted "name/charset" entries to compile
#                                             (/etc/locale.gen; empty: only glibc's own C.UTF-8)
#   keyMap    string
#   alternatives = { <name> = string; }       configured choices: the path /etc/alternatives/<name> names
#   warnings  [string]                        in order
{ config, lib, host, ... }:

let
  inherit (lib) mkOption types;
  ids = import ./lib/ids.nix { inherit lib; };
  digest = (import ./lib/systemd-unit.nix { inherit lib; }).digest;

  sortedUnique = l: builtins.sort builtins.lessThan (lib.unique l);
  packageName = p: p.name;

  # ---- users and groups ------------------------------------------------

  users = config.users.users;
  isSystem = u: u.isSystemUser || (u.uid != null && u.uid < 1000);
  fixedUid = name: u: if u.uid != null then u.uid else ids.debianUids.${name} or null;
  fixedUids = lib.filterAttrs (_: id: id != null) (builtins.mapAttrs fixedUid users);
  unassigned = pred: builtins.filter (n: !(fixedUids ? ${n}) && pred users.${n}) (builtins.attrNames users);
  uids = fixedUids
    // ids.allocate {
      names = unassigned (u: !isSystem u);
      taken = builtins.attrValues fixedUids;
      start = 1000;
      step = 1;
    }
    // ids.allocate {
      names = unassigned isSystem;
      taken = builtins.attrValues fixedUids;
      start = 999;
      step = -1;
    };

  groupNames = lib.unique (builtins.attrNames config.users.groups
    ++ lib.concatMap (u: [ u.group ] ++ u.extraGroups) (builtins.attrValues users));
  declaredGid = name: if config.users.groups ? ${name} then config.users.groups.${name}.gid else null;
  fixedGid = name: if declaredGid name != null then declaredGid name else ids.debianGids.${name} or null;
  fixedGids = lib.filterAttrs (_: id: id != null) (lib.genAttrs groupNames fixedGid);
  gids = fixedGids // ids.allocate {
    names = builtins.filter (n: !(fixedGids ? ${n})) groupNames;
    taken = builtins.attrValues fixedGids;
    start = 999;
    step = -1;
  };

  shellPath = s: if builtins.isAttrs s then "/usr/bin/${s.name}" else s;

  authorizedKeys = u: u.openssh.authorizedKeys.keys
    ++ lib.concatMap
      (f: builtins.filter (l: l != "" && !(lib.hasPrefix "#" l)) (lib.splitString "\n" (builtins.readFile f)))
      u.openssh.authorizedKeys.keyFiles;

  userEntry = name: u: {
    uid = uids.${name};
    inherit (u) group description home createHome hashedPassword isNormalUser isSystemUser;
    extraGroups = sortedUnique u.extraGroups;
    shell = shellPath u.shell;
    authorizedKeys = authorizedKeys u;
  };

  groupEntry = name: {
    gid = gids.${name};
    members = sortedUnique
      ((config.users.groups.${name}.members or [ ])
        ++ builtins.filter (n: builtins.elem name users.${n}.extraGroups) (builtins.attrNames users));
  };

  # /etc/subuid and /etc/subgid: "name:start:count" per range, users in
  # name order; the automatic range follows from the uid.
  autoStart = name: 100000 + (uids.${name} - 1000) * 65536;
  subIds = key: explicit:
    lib.concatStrings (lib.mapAttrsToList
      (name: u:
        lib.concatMapStrings (r: "${name}:${toString r.${key}}:${toString r.count}\n") (explicit u)
        + lib.optionalString (u.autoSubUidGidRange && uids.${name} >= 1000) "${name}:${toString (autoStart name)}:65536\n")
      users);
  subIdFile = text: { inherit text; mode = "0644"; user = "root"; group = "root"; };
  subIdFiles = lib.filterAttrs (_: f: f.text != "") {
    subuid = subIdFile (subIds "startUid" (u: u.subUidRanges));
    subgid = subIdFile (subIds "startGid" (u: u.subGidRanges));
  };
  autoRangeBelow1000 = builtins.filter (n: users.${n}.autoSubUidGidRange && uids.${n} < 1000) (builtins.attrNames users);

  # ---- /etc ------------------------------------------------------------

  etcEntry = f:
    if f.symlink != null then { inherit (f) symlink; }
    else { inherit (f) mode user group; }
      // (if f.text != null then { inherit (f) text; } else { source = toString f.source; });

  configuredEtc = builtins.listToAttrs (map (f: lib.nameValuePair f.target (etcEntry f))
    (builtins.filter (f: f.enable) (builtins.attrValues config.environment.etc)));
  etc = subIdFiles // configuredEtc // config.systemd.generatedFiles;
  etcClashes = builtins.attrNames (builtins.intersectAttrs configuredEtc config.systemd.generatedFiles);

  # ---- units -----------------------------------------------------------

  unitEntry = u: {
    inherit (u) enable restartIfChanged reloadIfChanged stopIfChanged;
    wantedBy = sortedUnique u.wantedBy;
    requiredBy = sortedUnique u.requiredBy;
    aliases = sortedUnique u.aliases;
    reloadTriggers = map digest u.reloadTriggers;
    # The same expression as reloadTriggerSettings in modules/system/systemd.nix.
    reloadTriggersDigest =
      if u.reloadTriggers == [ ] then null else digest (lib.concatStringsSep "\n" u.reloadTriggers);
  };

  # ---- everything ------------------------------------------------------

  rpi = config.hardware.raspberryPi;
  loader = config.boot.loader;

  closure = {
    host = host.name;
    inherit (config.networking) hostName;
    inherit (config.system) name;
    inherit (config.system) platform stateVersion;
    architecture = { x86_64-linux = "amd64"; aarch64-linux = "arm64"; }.${config.system.platform};

    packages = {
      inherit (config.packages) suite recommends base;
      components = sortedUnique config.packages.components;
      requested = sortedUnique (map packageName
        (config.environment.systemPackages ++ [ config.boot.kernel.package ]));
      localDebs = map toString config.packages.localDebs;
    };

    inherit etc;
    users = builtins.mapAttrs userEntry users;
    groups = lib.genAttrs groupNames groupEntry;
    units = builtins.mapAttrs (_: unitEntry) config.systemd.units;

    kernel = {
      package = packageName config.boot.kernel.package;
      inherit (config.boot.kernel) params;
      initrdModules = sortedUnique config.boot.kernel.initrdModules;
      inherit (config.boot.kernel) rescueShell;
    };

    boot = {
      loader = loader.type;
      inherit (loader) timeout configurationLimit tries;
      healthChecks = sortedUnique loader.healthChecks;
    } // lib.optionalAttrs rpi.enable {
      rpi = { inherit (rpi) model deviceTree configTxt; };
    };

    persist = {
      files = sortedUnique config.environment.persist.files;
      directories = sortedUnique config.environment.persist.directories;
    };

    builder = config.programs.cairn.enable;
    time = { inherit (config.time) timeZone; };
    locale = config.i18n.defaultLocale;
    locales = sortedUnique config.i18n.generatedLocales;
    keyMap = config.console.keyMap;
    alternatives = config.environment.alternatives;
    inherit (config) warnings;
  };

  dupUids = ids.duplicates uids;
  dupGids = ids.duplicates gids;
  showDups = what: ds: lib.concatMapStringsSep "; " (d: "${what} ${d.id} is given to ${lib.concatStringsSep ", " d.names}") ds;
in
{
  options.system.closure = mkOption {
    type = types.anything;
    readOnly = true;
    internal = true;
    description = ''
      The host's closure description: the evaluated configuration as plain
      data for the rest of cairn (see modules/closure.nix for its shape).
    '';
  };

  config = {
    system.closure = closure;

    assertions = [
      {
        assertion = dupUids == [ ];
        message = "users.users: user ids must be unique: ${showDups "uid" dupUids}.";
      }
      {
        assertion = autoRangeBelow1000 == [ ];
        message = "users.users: autoSubUidGidRange needs a uid of 1000 or more (the range is 100000 + (uid - 1000) * 65536): ${builtins.toJSON autoRangeBelow1000}; give subUidRanges/subGidRanges instead.";
      }
      {
        assertion = etcClashes == [ ];
        message = "environment.etc: ${builtins.toJSON etcClashes} would replace files made from systemd units; configure the unit instead (systemd.services, systemd.units).";
      }
      {
        assertion = dupGids == [ ];
        message = "users.groups: group ids must be unique: ${showDups "gid" dupGids}.";
      }
    ];
  };
}
