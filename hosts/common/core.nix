# What every example host shares: administration with sudo, a friendly
# shell, vim as the editor, English with a European clock.
{ config, lib, pkgs, ... }:

{
  time.timeZone = lib.mkDefault "Europe/Berlin";
  i18n.defaultLocale = "en_US.UTF-8";

  security.sudo.enable = true;

  programs.bash.shellAliases = {
    ll = "ls -l";
    la = "ls -A";
  };
  programs.bash.interactiveShellInit = ''
    HISTCONTROL=ignoreboth
    HISTSIZE=10000
    shopt -s histappend
  '';

  programs.vim = {
    enable = true;
    defaultEditor = true;
    vimrc = ''
      syntax on
      set background=dark
      set expandtab shiftwidth=4 softtabstop=4
    '';
  };

  environment.systemPackages = with pkgs; [ curl htop ];
}
