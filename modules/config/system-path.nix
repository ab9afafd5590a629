# The packages installed on the system: environment.systemPackages (what
# modules and hosts ask for), environment.defaultPackages (small conveniences
# a host may drop), and the core every cairn system needs.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
in
{
  options.environment = {
    systemPackages = mkOption {
      type = types.listOf types.package;
      default = [ ];
      example = lib.literalExpression "[ pkgs.git pkgs.htop ]";
      description = ''
        Debian packages to install, as `pkgs.<name>` (quote names that need
        it: `pkgs."g++"`). Their dependencies come along; Recommends only
        with `packages.recommends`.
      '';
    };

    alternatives = mkOption {
      type = types.attrsOf types.str;
      default = { };
      example = lib.literalExpression ''{ editor = "/usr/bin/vim.basic"; pager = "/usr/bin/less"; }'';
      description = ''
        Debian alternatives chosen by configuration, by name: the path the
        `/etc/alternatives/<name>` link points to. It must be one of the
        candidates the installed packages register (`update-alternatives
        --install` in their maintainer scripts). Names left out follow
        Debian's rule: the candidate with the highest priority.
      '';
    };

    defaultPackages = mkOption {
      type = types.listOf types.package;
      default = with pkgs; [ ca-certificates iproute2 iputils-ping less netbase procps ];
      defaultText = lib.literalExpression
        "with pkgs; [ ca-certificates iproute2 iputils-ping less netbase procps ]";
      example = lib.literalExpression "[ ]";
      description = ''
        Packages installed unless the host says otherwise: small tools one
        expects on any Debian system. Set to [ ] for a minimal system.
      '';
    };
  };

  config.environment.systemPackages =
    # The core: the init system, device manager, message bus and login
    # sessions every cairn system boots with. usr-is-merged states what
    # every cairn image is by construction (merged /usr), so that
    # init-system-helpers' `usrmerge | usr-is-merged` does not pull in the
    # usrmerge converter and perl.
    (with pkgs; [ dbus kmod libpam-systemd systemd systemd-sysv udev usr-is-merged ])
    ++ config.environment.defaultPackages;
}
