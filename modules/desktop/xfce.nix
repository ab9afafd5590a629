# The Xfce desktop (desktop.environment = "xfce").
{ config, lib, pkgs, ... }:

{
  config = lib.mkIf (config.desktop.enable && config.desktop.environment == "xfce") {
    environment.systemPackages = with pkgs; [
      xfce4
      xfce4-terminal
      xfce4-notifyd
      xfce4-screenshooter
      adwaita-icon-theme
    ];
  };
}
