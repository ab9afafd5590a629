# A laptop: the same workstation as the desktop, with i3 instead of Xfce,
# wireless networking and the firmware its Wi-Fi card needs; no SSH server,
# as it travels.
{ config, lib, pkgs, host, ... }:

{
  imports = [ ../common/workstation.nix ];

  system.stateVersion = "1";

  desktop.environment = "i3";

  networking.wireless.enable = true; # iwd; join networks with `iwctl`
  users.users.alice.extraGroups = [ "netdev" ];

  packages.components = [ "non-free-firmware" ];
  environment.systemPackages = with pkgs; [ firmware-iwlwifi brightnessctl ];

  # Boot quickly; hold a key for the menu.
  boot.loader.timeout = 1;
}
