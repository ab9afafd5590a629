# The boot loader and boot counting.
#
# Every generation gets a boot entry; a new one boots as a trial with
# `tries` attempts and becomes good once boot-complete.target is reached
# (which `healthChecks` can make depend on the machine's own services). A
# generation that uses up its tries is passed over for the last good one.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.boot.loader;
  checks = cfg.healthChecks;
in
{
  options.boot.loader = {
    type = mkOption {
      type = types.enum [ "systemd-boot" "extlinux" "rpi-tryboot" ];
      default = if config.system.platform == "aarch64-linux" then "extlinux" else "systemd-boot";
      defaultText = lib.literalExpression
        ''"extlinux" on aarch64-linux (the Raspberry Pi included), else "systemd-boot"'';
      description = ''
        The boot loader: "systemd-boot" (UEFI; Boot Loader Specification
        entries with boot counting in their file names), "extlinux"
        (U-Boot's extlinux.conf menu, on ARM boards), or "rpi-tryboot"
        (the Raspberry Pi firmware's own config.txt with its one-shot
        tryboot for trials).
      '';
    };

    timeout = mkOption {
      type = types.ints.unsigned;
      default = 5;
      example = 0;
      description = ''
        Seconds the boot menu waits before booting the default entry; 0
        boots at once (a key held down still shows the menu where the
        loader supports it). rpi-tryboot has no menu.
      '';
    };

    configurationLimit = mkOption {
      type = types.nullOr types.ints.positive;
      default = 10;
      example = 5;
      description = ''
        How many generations keep a boot entry, newest first. Kernels and
        initramfs images shared by generations are stored once, but a small
        boot partition still fills up: null (no limit) is rarely wise.
      '';
    };

    tries = mkOption {
      type = types.ints.between 1 9;
      default = 3;
      description = ''
        How many times a new generation may try to boot before it is
        marked bad and the last good one boots instead. rpi-tryboot always
        has exactly one try (the firmware's tryboot flag).
      '';
    };

    healthChecks = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "network-online.target" "my-app.service" ];
      description = ''
        Units that must be active before a trial boot counts as good:
        boot-complete.target requires them and is ordered after them, so a
        failed one keeps the generation on trial (and, once its tries are
        used up, bad).
      '';
    };
  };

  config = {
    environment.systemPackages = lib.optional (cfg.type == "systemd-boot") pkgs.systemd-boot;

    # A trial generation becomes good once the system reached
    # boot-complete.target (and with it every health check): the activator
    # drops the counter from its boot entry. A generation that never gets
    # there keeps counting down and is passed over.
    systemd.services.cairn-bless = {
      description = "Mark this cairn generation good";
      wantedBy = [ "multi-user.target" ];
      requires = [ "boot-complete.target" ];
      after = [ "boot-complete.target" ];
      restartIfChanged = false;
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = "/usr/lib/cairn/cairn-activate bless";
      };
    };

    # systemd's own blessing service wants the ESP mounted at /efi or /boot
    # and fails without it; cairn-bless does its work.
    systemd.units."systemd-bless-boot.service" = lib.mkIf (cfg.type == "systemd-boot") { enable = false; };

    environment.etc."systemd/system/boot-complete.target.d/cairn-health-checks.conf" = lib.mkIf (checks != [ ]) {
      text = "[Unit]\nRequires=${lib.concatStringsSep " " checks}\nAfter=${lib.concatStringsSep " " checks}\n";
    };

    assertions = [
      {
        assertion = cfg.type == "rpi-tryboot" -> config.hardware.raspberryPi.enable;
        message = "boot.loader.type = \"rpi-tryboot\" boots through the Raspberry Pi firmware: enable hardware.raspberryPi (and set its model).";
      }
      {
        assertion = cfg.type == "rpi-tryboot" -> config.hardware.raspberryPi.model != 3;
        message = "boot.loader.type = \"rpi-tryboot\": the Raspberry Pi 3's firmware has no tryboot; use \"extlinux\" (U-Boot) on a Pi 3.";
      }
      {
        assertion = builtins.all (u: builtins.match ".+\\.[a-z]+" u != null) checks;
        message = "boot.loader.healthChecks: give full unit names such as \"my-app.service\": ${builtins.toJSON checks}.";
      }
    ];
  };
}
