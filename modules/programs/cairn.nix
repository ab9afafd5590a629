# The cairn builder on the machine itself, so that `cairn switch` can
# rebuild it in place (as nixos-rebuild is part of every NixOS system).
#
# The builder is not a Debian package: the `cairn` that builds the image
# puts its own executable at /usr/bin/cairn (only when the host has the
# build machine's architecture: cairn is not cross-built yet), and this
# module requests the Debian packages it runs with — its libraries, and the
# programs it calls while composing a system (mksquashfs, depmod, gpgv,
# ldconfig, unshare, systemd-hwdb). The machine then builds from its own
# store ($XDG_CACHE_HOME/cairn, on the state partition) and needs the
# network only for packages the store does not hold.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.programs.cairn;
in
{
  options.programs.cairn = {
    enable = mkOption {
      type = types.bool;
      default = false;
      description = ''
        Install the cairn builder (/usr/bin/cairn) and what it needs, so the
        machine can run `cairn switch`, `cairn boot`, `cairn test` and
        `cairn rollback` on itself. Desktops and laptops want this; a board
        that is always rebuilt on a PC does not.
      '';
    };

    repository = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "/home/alice/config";
      description = ''
        The clone of the configuration repository this machine is built
        from. cairn run outside any repository uses it (it is written to
        /etc/cairn/repository), so `cairn switch` works from any directory,
        as nixos-rebuild reads /etc/nixos.
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    environment.etc."cairn/repository" = lib.mkIf (cfg.repository != null) {
      text = cfg.repository + "\n";
    };

    environment.systemPackages = with pkgs; [
      # The libraries /usr/bin/cairn is linked with (Debian 12's sonames).
      libarchive13 libblkid1 libcurl4 libfdisk1 libfmt9 libkmod2 liblzma5
      libsolv1 libsolvext1 libssl3 pkgs."libstdc++6" libgcc-s1
      # The programs it runs, and the archive's keys for `cairn lock`.
      squashfs-tools kmod gpgv debian-archive-keyring
    ];
  };
}
