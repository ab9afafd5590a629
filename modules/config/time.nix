# The time zone: /etc/localtime (a link into tzdata) and /etc/timezone.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
  tz = config.time.timeZone;
in
{
  options.time.timeZone = mkOption {
    type = types.strMatching "[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*";
    default = "UTC";
    example = "Europe/Berlin";
    description = ''
      The time zone, as a name of the tz database (a file under
      /usr/share/zoneinfo, from the tzdata package).
    '';
  };

  config = {
    environment.systemPackages = [ pkgs.tzdata ];
    environment.etc."localtime".symlink = "/usr/share/zoneinfo/${tz}";
    environment.etc."timezone".text = "${tz}\n";
  };
}
