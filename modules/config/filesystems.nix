# fileSystems and swapDevices: more file systems and swap, as /etc/fstab
# lines that systemd's fstab generator turns into mount and swap units at
# boot (and at every switch's daemon-reload).
#
# The root needs no entry: cairn-activate assembles it in the initramfs from
# the generation's image and the state partition. So "/" and "/usr" (the
# read-only image) and "/etc" (generated per generation) cannot be listed;
# /var, /home and /root can — a mount there covers the state partition's
# directory, as on any Debian system with /home on its own disk.
#
# A device that is missing at boot holds the boot in emergency mode unless
# its options say "nofail" — as with any fstab. The tools a file system
# type needs to be checked and mounted (e2fsprogs, dosfstools, nfs-common,
# …) are installed with it.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;

  fsModule = { name, ... }: {
    options = {
      mountPoint = mkOption {
        type = types.str;
        default = name;
        description = "Where the file system is mounted; the attribute name by default.";
      };
      device = mkOption {
        type = types.nullOr types.nonEmptyStr;
        default = null;
        example = "/dev/disk/by-uuid/3e6b7c3a-2f0d-4c51-9d6e-5f1f6e0c2a11";
        description = ''
          What to mount: a device path, "UUID=…", "PARTLABEL=…", a remote
          file system ("server:/export" for NFS, "//server/share" for CIFS)
          or a name for a virtual file system ("tmpfs"). Exactly one of
          `device` and `label` is set.
        '';
      };
      label = mkOption {
        type = types.nullOr types.nonEmptyStr;
        default = null;
        example = "data";
        description = "The file system label to mount (LABEL=… in fstab).";
      };
      fsType = mkOption {
        type = types.nonEmptyStr;
        default = "auto";
        example = "ext4";
        description = "The file system type, as mount(8) names it.";
      };
      options = mkOption {
        type = types.listOf types.nonEmptyStr;
        default = [ "defaults" ];
        example = [ "nofail" "noatime" ];
        description = "Mount options, as in fstab's fourth field.";
      };
      noCheck = mkOption {
        type = types.bool;
        default = false;
        description = ''
          Skip the file system check at boot. Only types with a checker
          (ext2/3/4, vfat, f2fs) are checked in any case.
        '';
      };
    };
  };

  swapModule = {
    options = {
      device = mkOption {
        type = types.nullOr types.nonEmptyStr;
        default = null;
        example = "/dev/disk/by-partlabel/swap";
        description = "The swap partition; exactly one of `device` and `label` is set.";
      };
      label = mkOption {
        type = types.nullOr types.nonEmptyStr;
        default = null;
        description = "The swap partition's label (LABEL=… in fstab).";
      };
      priority = mkOption {
        type = types.nullOr (types.ints.between 0 32767);
        default = null;
        description = "Its priority (swapon -p); higher is used first.";
      };
      options = mkOption {
        type = types.listOf types.nonEmptyStr;
        default = [ "defaults" ];
        example = [ "nofail" "discard" ];
        description = "Options, as in fstab's fourth field.";
      };
    };
  };

  fileSystems = lib.sort (a: b: a.mountPoint < b.mountPoint) (lib.attrValues config.fileSystems);
  swaps = config.swapDevices;

  # fstab separates fields by blanks: those inside a field are octal escapes.
  escape = builtins.replaceStrings [ "\\" " " "\t" "\n" ] [ "\\134" "\\040" "\\011" "\\012" ];
  source = d:
    if d.label != null then "LABEL=${escape d.label}"
    else if d.device != null then escape d.device
    else "none"; # refused by the assertions below
  checked = [ "ext2" "ext3" "ext4" "vfat" "f2fs" ];
  pass = fs: if fs.noCheck || !(builtins.elem fs.fsType checked) then "0" else "2";
  fsLine = fs: "${source fs} ${escape fs.mountPoint} ${fs.fsType} ${lib.concatStringsSep "," fs.options} 0 ${pass fs}";
  swapLine = s:
    let opts = s.options ++ lib.optional (s.priority != null) "pri=${toString s.priority}";
    in "${source s} none swap ${lib.concatStringsSep "," opts} 0 0";

  # The packages that check and mount each type.
  tools = {
    ext2 = [ "e2fsprogs" ]; ext3 = [ "e2fsprogs" ]; ext4 = [ "e2fsprogs" ];
    vfat = [ "dosfstools" ]; f2fs = [ "f2fs-tools" ]; xfs = [ "xfsprogs" ];
    btrfs = [ "btrfs-progs" ]; nfs = [ "nfs-common" ]; nfs4 = [ "nfs-common" ];
    cifs = [ "cifs-utils" ]; exfat = [ "exfatprogs" ];
  };
  toolNames = lib.unique (lib.concatMap (fs: tools.${fs.fsType} or [ ]) fileSystems);

  hasOneSource = d: (d.device == null) != (d.label == null);
  absolute = p: lib.hasPrefix "/" p && !(builtins.elem ".." (lib.splitString "/" p));
  forbidden = p: builtins.elem p [ "/" "/usr" "/etc" ] || lib.hasPrefix "/usr/" p;
  describe = fs: "fileSystems.\"${fs.mountPoint}\"";
  badFs = check: map describe (builtins.filter check fileSystems);
in
{
  options.fileSystems = mkOption {
    type = types.attrsOf (types.submodule fsModule);
    default = { };
    example = lib.literalExpression ''
      {
        "/data" = { label = "data"; fsType = "ext4"; options = [ "nofail" ]; };
        "/mnt/music" = { device = "nas:/music"; fsType = "nfs"; options = [ "nofail" "_netdev" ]; };
      }
    '';
    description = ''
      File systems mounted at boot besides the root, by mount point: lines
      of /etc/fstab, mounted by systemd.
    '';
  };

  options.swapDevices = mkOption {
    type = types.listOf (types.submodule swapModule);
    default = [ ];
    example = [ { label = "swap"; } ];
    description = "Swap partitions, enabled at boot (swap lines of /etc/fstab).";
  };

  config = lib.mkIf (fileSystems != [ ] || swaps != [ ]) {
    environment.etc."fstab".text = lib.concatStringsSep "\n" ([
      "# /etc/fstab: static file system information."
      "#"
      "# Generated by cairn from fileSystems and swapDevices. The root file system"
      "# needs no entry here: cairn-activate assembles it in the initramfs from the"
      "# generation's image (/usr and /etc) and the state partition (/var, /home,"
      "# /root) before systemd starts."
      "#"
      "# <file system> <mount point> <type> <options> <dump> <pass>"
    ] ++ map fsLine fileSystems ++ map swapLine swaps) + "\n";

    environment.systemPackages = map (name: pkgs.${name}) toolNames;

    assertions = [
      {
        assertion = builtins.all hasOneSource fileSystems;
        message = "${lib.concatStringsSep ", " (badFs (fs: !hasOneSource fs))}: set exactly one of device and label.";
      }
      {
        assertion = builtins.all (fs: absolute fs.mountPoint) fileSystems;
        message = "${lib.concatStringsSep ", " (badFs (fs: !absolute fs.mountPoint))}: a mount point is an absolute path without \"..\".";
      }
      {
        assertion = !(builtins.any (fs: forbidden fs.mountPoint) fileSystems);
        message = "${lib.concatStringsSep ", " (badFs (fs: forbidden fs.mountPoint))}: /, /usr and /etc belong to the generation (its read-only image and its generated /etc) and cannot be mounted over; mount the file system elsewhere (/data, /srv, /mnt/…).";
      }
      {
        assertion = builtins.all hasOneSource swaps;
        message = "swapDevices: each entry sets exactly one of device and label.";
      }
    ];
  };
}
