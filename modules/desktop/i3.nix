# The i3 tiling window manager (desktop.environment = "i3"), with what its
# default configuration calls: i3status (bar), i3lock, dmenu
# (suckless-tools), dunst (notifications) and a terminal.
{ config, lib, pkgs, ... }:

{
  config = lib.mkIf (config.desktop.enable && config.desktop.environment == "i3") {
    environment.systemPackages = with pkgs; [
      i3-wm
      i3status
      i3lock
      suckless-tools
      dunst
      xterm
    ];
  };
}
