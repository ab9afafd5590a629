# systemd.tmpfiles.rules: files and directories systemd-tmpfiles creates at
# boot (tmpfiles.d(5) lines), written to /etc/tmpfiles.d/cairn.conf.
{ config, lib, ... }:

let
  inherit (lib) mkOption types;
  rules = config.systemd.tmpfiles.rules;
in
{
  options.systemd.tmpfiles.rules = mkOption {
    type = types.listOf types.str;
    default = [ ];
    example = [ "d /var/lib/my-service 0750 my-service my-service -" ];
    description = ''
      Rules for systemd-tmpfiles, one tmpfiles.d(5) line each, written to
      /etc/tmpfiles.d/cairn.conf in the order given.
    '';
  };

  config.environment.etc."tmpfiles.d/cairn.conf" = lib.mkIf (rules != [ ]) {
    text = lib.concatMapStrings (r: "${r}\n") rules;
  };
}
