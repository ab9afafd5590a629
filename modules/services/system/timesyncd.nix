# Keeping the clock right with systemd-timesyncd (SNTP).
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.services.timesyncd;
in
{
  options.services.timesyncd = {
    enable = mkOption {
      type = types.bool;
      default = true;
      description = "Whether systemd-timesyncd sets the clock from the network.";
    };

    servers = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "ptbtime1.ptb.de" "time.cloudflare.com" ];
      description = ''
        NTP servers to use. Empty: the ones DHCP hands out, then Debian's
        pool (debian.pool.ntp.org).
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    environment.systemPackages = [ pkgs.systemd-timesyncd ];
    systemd.units."systemd-timesyncd.service" = {
      wantedBy = [ "sysinit.target" ];
      aliases = [ "dbus-org.freedesktop.timesync1.service" ];
    };
    environment.etc."systemd/timesyncd.conf.d/cairn.conf" = lib.mkIf (cfg.servers != [ ]) {
      text = "[Time]\nNTP=${lib.concatStringsSep " " cfg.servers}\n";
    };
  };
}
