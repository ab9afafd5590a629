# A desktop PC: x86_64, UEFI with systemd-boot, Xfce.
{ config, lib, pkgs, host, ... }:

{
  imports = [
    ../common/workstation.nix
    ../common/openssh.nix
  ];

  system.stateVersion = "1";

  desktop.environment = "xfce";

  # An NVIDIA-free PC with an AMD or Intel GPU: the kernel's drivers need their firmware.
  packages.components = [ "non-free-firmware" ];
  environment.systemPackages = with pkgs; [ firmware-amd-graphics firmware-misc-nonfree ];
}
