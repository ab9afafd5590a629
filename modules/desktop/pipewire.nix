# Sound with PipeWire: the PipeWire server, its PulseAudio and ALSA
# front-ends and the WirePlumber session manager, all started per user by
# systemd --user (enabled for every user, as Debian's packages do).
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.services.pipewire;
in
{
  options.services.pipewire = {
    enable = mkOption {
      type = types.bool;
      default = false;
      description = "Whether PipeWire handles sound (on by default with the desktop).";
    };

    pulse = mkOption {
      type = types.bool;
      default = true;
      description = "Whether programs written for PulseAudio are served (pipewire-pulse).";
    };
  };

  config = lib.mkIf cfg.enable {
    environment.systemPackages = with pkgs;
      [ pipewire pipewire-alsa wireplumber ]
      ++ lib.optional cfg.pulse pipewire-pulse;

    systemd.user.units = {
      "pipewire.socket".wantedBy = [ "sockets.target" ];
      "wireplumber.service" = {
        wantedBy = [ "pipewire.service" ];
        aliases = [ "pipewire-session-manager.service" ];
      };
    } // lib.optionalAttrs cfg.pulse {
      "pipewire-pulse.socket".wantedBy = [ "sockets.target" ];
    };
  };
}
