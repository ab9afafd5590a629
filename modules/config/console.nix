# The virtual console: keyboard map and font (/etc/vconsole.conf, read by
# systemd-vconsole-setup).
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.console;
in
{
  options.console = {
    keyMap = mkOption {
      type = types.str;
      default = "us";
      example = "de-latin1";
      description = ''
        The console keyboard map. "us" is built into the kernel; others
        come from the console-data package (installed when needed).
      '';
    };

    font = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "Lat2-Terminus16";
      description = "The console font (from console-setup's fonts); null keeps the kernel's.";
    };
  };

  config = {
    environment.etc."vconsole.conf".text =
      "KEYMAP=${cfg.keyMap}\n" + lib.optionalString (cfg.font != null) "FONT=${cfg.font}\n";
    environment.systemPackages =
      lib.optionals (cfg.keyMap != "us") [ pkgs.kbd pkgs.console-data ]
      ++ lib.optionals (cfg.font != null) [ pkgs.kbd pkgs.console-setup ];
  };
}
