# The kernel: which Debian kernel package, its command line, the modules the
# initramfs carries, and modules and sysctls set at boot.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.boot.kernel;
  arm = config.system.platform == "aarch64-linux";
in
{
  options.boot.kernel = {
    package = mkOption {
      type = types.package;
      default = if arm then pkgs.linux-image-arm64 else pkgs.linux-image-amd64;
      defaultText = lib.literalExpression
        ''if system.platform == "aarch64-linux" then pkgs.linux-image-arm64 else pkgs.linux-image-amd64'';
      example = lib.literalExpression "pkgs.linux-image-rt-amd64";
      description = ''
        The kernel package: Debian's image package (or its meta package,
        which follows the suite's current kernel). Its modules are in the
        image, and the initramfs takes `initrdModules` from it.
      '';
    };

    params = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "quiet" "console=ttyS0,115200" ];
      description = ''
        Kernel command line parameters, in order (cairn adds the ones that
        select the generation). The last console= is /dev/console.
      '';
    };

    initrdModules = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "dm_crypt" "i915" ];
      description = ''
        Kernel modules in the initramfs, loaded (with their dependencies)
        before the state partition is mounted: disk controllers, file
        systems. cairn's modules already add virtio, AHCI, NVMe, SD/MMC, USB
        storage, ext4, vfat, squashfs, loop and overlay; add what the
        machine's boot disk needs beyond that.
      '';
    };

    modules = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "kvm-intel" "br_netfilter" ];
      description = "Kernel modules loaded at boot by systemd-modules-load (/etc/modules-load.d).";
    };

    blacklistedModules = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "pcspkr" "nouveau" ];
      description = "Kernel modules never loaded automatically (/etc/modprobe.d).";
    };

    rescueShell = mkOption {
      type = types.bool;
      default = false;
      description = ''
        Put a shell (busybox-static) into the initramfs. When a generation
        cannot boot and there is no other generation to fall back to, the
        activator starts it if the kernel command line says `cairn.shell`
        (add the word from the boot menu's editor, or to boot.kernel.params
        to always allow it). Anyone at the console then has a root shell.
      '';
    };

    sysctl = mkOption {
      type = types.attrsOf (types.oneOf [ types.str types.int types.bool ]);
      default = { };
      example = { "net.ipv4.ip_forward" = 1; "vm.swappiness" = 10; };
      description = "Kernel parameters set at boot by systemd-sysctl (/etc/sysctl.d).";
    };
  };

  config = {
    environment.systemPackages = lib.optional cfg.rescueShell pkgs.busybox-static;

    boot.kernel.initrdModules = [
      # File systems and the generation image.
      # (nls_ascii: Debian's default FAT iocharset, for mounting the ESP.)
      "ext4" "vfat" "nls_ascii" "nls_cp437" "nls_iso8859_1" "squashfs" "loop" "overlay"
      # Disks: virtual machines, SATA, NVMe, SCSI, SD/MMC, USB.
      "virtio_pci" "virtio_mmio" "virtio_blk" "virtio_scsi"
      "ahci" "sd_mod" "nvme" "mmc_block"
      "xhci_pci" "ehci_pci" "usb_storage" "uas"
    ];

    environment.etc."modules-load.d/cairn.conf" = lib.mkIf (cfg.modules != [ ]) {
      text = lib.concatMapStrings (m: "${m}\n") cfg.modules;
    };
    environment.etc."modprobe.d/cairn-blacklist.conf" = lib.mkIf (cfg.blacklistedModules != [ ]) {
      text = lib.concatMapStrings (m: "blacklist ${m}\n") cfg.blacklistedModules;
    };
    environment.etc."sysctl.d/60-cairn.conf" = lib.mkIf (cfg.sysctl != { }) {
      text = lib.concatStrings (lib.mapAttrsToList
        (k: v: "${k} = ${if v == true then "1" else if v == false then "0" else toString v}\n")
        cfg.sysctl);
    };
  };
}
