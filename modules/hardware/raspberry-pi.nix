# Raspberry Pi 3, 4 and 5 with Debian's own kernel.
#
# The Pi's firmware (raspi-firmware, from the non-free-firmware component)
# starts Debian's arm64 kernel directly, with the upstream device tree for
# the model; cairn writes config.txt. By default (boot.loader.type =
# "extlinux") the firmware starts U-Boot (u-boot-rpi), which shows a menu of
# generations and counts a new generation's tries itself. With
# "rpi-tryboot" the firmware boots each generation directly and tries a new
# one once through its tryboot flag — which must be set through the
# firmware mailbox (/dev/vcio), a driver only the Raspberry Pi kernel has,
# not Debian's: choose it only with such a kernel.
#
# Device tree names are the upstream kernel's (Debian ships those under
# /usr/lib/linux-image-*/broadcom/): the Pi 3 B is bcm2837-rpi-3-b.dtb
# (bcm2710-rpi-3-b.dtb is the name in the Raspberry Pi kernel's tree).
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.hardware.raspberryPi;

  models = {
    "3" = {
      deviceTree = "bcm2837-rpi-3-b.dtb";
      serial = "ttyS1";
      initrdModules = [ "bcm2835" "sdhci_iproc" ];
    };
    "4" = {
      deviceTree = "bcm2711-rpi-4-b.dtb";
      serial = "ttyS1";
      initrdModules = [ "sdhci_iproc" "pcie_brcmstb" "reset_raspberrypi" ];
    };
    "5" = {
      deviceTree = "bcm2712-rpi-5-b.dtb";
      serial = "ttyAMA10";
      initrdModules = [ "sdhci_brcmstb" "pcie_brcmstb" ];
    };
  };
  model = models.${toString cfg.model};
in
{
  options.hardware.raspberryPi = {
    enable = mkOption {
      type = types.bool;
      default = false;
      description = "Whether the machine is a Raspberry Pi (firmware, device tree, config.txt, serial console).";
    };

    model = mkOption {
      type = types.enum [ 3 4 5 ];
      default = 4;
      example = 5;
      description = "The Raspberry Pi model: 3 (B/B+), 4 (B, 400) or 5.";
    };

    deviceTree = mkOption {
      type = types.str;
      default = model.deviceTree;
      defaultText = lib.literalExpression ''
        { "3" = "bcm2837-rpi-3-b.dtb"; "4" = "bcm2711-rpi-4-b.dtb"; "5" = "bcm2712-rpi-5-b.dtb"; }.''${model}'';
      example = "bcm2711-rpi-400.dtb";
      description = "The device tree the firmware loads (a file of the kernel package).";
    };

    configTxt = mkOption {
      type = types.lines;
      default = "";
      example = ''
        dtoverlay=vc4-kms-v3d
        dtparam=audio=on
        gpu_mem=64
      '';
      description = ''
        Lines of the firmware's config.txt: cairn's (arm_64bit=1,
        enable_uart=1, upstream_kernel=1, disable_overscan=1) and these;
        the boot loader adds the kernel, initramfs and device tree.
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    packages.components = [ "non-free-firmware" ];
    environment.systemPackages = with pkgs;
      [ raspi-firmware firmware-brcm80211 ]
      ++ lib.optional (config.boot.loader.type == "extlinux") u-boot-rpi;

    # U-Boot and its menu: Debian's kernel has no /dev/vcio for tryboot.
    boot.loader.type = lib.mkDefault "extlinux";
    boot.kernel.initrdModules = model.initrdModules;
    services.getty.serialConsole = lib.mkDefault model.serial;

    hardware.raspberryPi.configTxt = lib.mkBefore (lib.concatStringsSep "\n" [
      "arm_64bit=1"
      "enable_uart=1"
      "upstream_kernel=1"
      "disable_overscan=1"
    ]);

    assertions = [
      {
        assertion = config.system.platform == "aarch64-linux";
        message = "hardware.raspberryPi: set system.platform = \"aarch64-linux\" (cairn runs the Pi in 64-bit mode).";
      }
    ];

    warnings = lib.optional (cfg.model == 5 && config.packages.suite == "bookworm")
      "hardware.raspberryPi.model = 5: bookworm's kernel (6.1) predates the Raspberry Pi 5 (supported upstream from 6.9); set boot.kernel.package to a newer kernel (e.g. from bookworm-backports) or the Pi will not boot.";
  };
}
