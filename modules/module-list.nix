# The standard module library: every host is evaluated with all of these
# (as NixOS evaluates nixos/modules/module-list.nix), so their options are
# always declared; what they configure is gated by `enable` options and
# defaults.
#
# modules/lib/ holds helpers the modules import; they are not modules.
[
  ./closure.nix

  ./system/assertions.nix
  ./system/etc.nix
  ./system/packages.nix
  ./system/persist.nix
  ./system/platform.nix
  ./system/systemd.nix
  ./system/tmpfiles.nix

  ./boot/kernel.nix
  ./boot/loader.nix

  ./config/console.nix
  ./config/environment.nix
  ./config/filesystems.nix
  ./config/fonts.nix
  ./config/i18n.nix
  ./config/networking.nix
  ./config/nsswitch.nix
  ./config/system-path.nix
  ./config/time.nix
  ./config/users-groups.nix
  ./config/zram.nix

  ./services/networking/avahi.nix
  ./services/networking/firewall.nix
  ./services/networking/networkd.nix
  ./services/networking/networkmanager.nix
  ./services/networking/openssh.nix
  ./services/networking/wireless.nix
  ./services/system/journald.nix
  ./services/system/logind.nix
  ./services/system/timesyncd.nix
  ./services/ttys/getty.nix

  ./programs/bash.nix
  ./programs/cairn.nix
  ./programs/git.nix
  ./programs/vim.nix

  ./security/sudo.nix

  ./hardware/bluetooth.nix
  ./hardware/raspberry-pi.nix

  ./desktop/desktop.nix
  ./desktop/i3.nix
  ./desktop/lightdm.nix
  ./desktop/pipewire.nix
  ./desktop/xfce.nix

  ./virtualisation/podman.nix
]
