# A laptop: the same workstation as the desktop, with i3 instead of Xfce,
# NetworkManager and the firmware its Wi-Fi card needs; no SSH server, as
# it travels.
{ config, lib, pkgs, host, ... }:

{
  imports = [ ../common/workstation.nix ];

  system.stateVersion = "1";

  desktop.environment = "i3";

  # Networks joined from the tray applet (nm-applet) or nmcli; the saved
  # ones, passphrases included, are kept across generations.
  networking.networkmanager.enable = true;
  users.users.alice.extraGroups = [ "netdev" ];

  packages.components = [ "non-free-firmware" ];
  environment.systemPackages = with pkgs; [ firmware-iwlwifi brightnessctl ];

  # Boot quickly; hold a key for the menu.
  boot.loader.timeout = 1;
}
