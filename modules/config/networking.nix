# The machine's name and static host table: /etc/hostname and /etc/hosts.
# (Interfaces, DHCP and DNS: modules/services/networking/networkd.nix.)
{ config, lib, host, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.networking;
in
{
  options.networking = {
    hostName = mkOption {
      type = types.strMatching "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
      default = host.name;
      defaultText = lib.literalExpression "host.name (the name of the host's directory under hosts/)";
      example = "kitchen-pi";
      description = ''
        The host name (/etc/hostname): letters, digits and "-", at most 63
        characters, not starting or ending with "-".
      '';
    };

    hosts = mkOption {
      type = types.attrsOf (types.listOf types.str);
      default = { };
      example = { "192.0.2.10" = [ "nas" "nas.home.arpa" ]; };
      description = ''
        Static name lookups for /etc/hosts: each address with its names.
        localhost and the host's own name (as 127.0.1.1, Debian's
        convention) are always there.
      '';
    };

    extraHosts = mkOption {
      type = types.lines;
      default = "";
      example = "192.0.2.20 printer";
      description = "Lines appended to /etc/hosts as they are.";
    };
  };

  config = {
    networking.hosts = {
      "127.0.0.1" = [ "localhost" ];
      "127.0.1.1" = [ cfg.hostName ];
      "::1" = [ "localhost" "ip6-localhost" "ip6-loopback" ];
      "ff02::1" = [ "ip6-allnodes" ];
      "ff02::2" = [ "ip6-allrouters" ];
    };

    environment.etc."hostname".text = "${cfg.hostName}\n";

    environment.etc."hosts".text =
      lib.concatStrings (lib.mapAttrsToList
        (addr: names: lib.optionalString (names != [ ]) "${addr} ${lib.concatStringsSep " " (lib.unique names)}\n")
        cfg.hosts)
      + lib.optionalString (cfg.extraHosts != "") "${cfg.extraHosts}\n";
  };
}
