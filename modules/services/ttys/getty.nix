# Login prompts: a getty on a serial console, and automatic login.
#
# The gettys on the virtual consoles are systemd's (getty@ttyN, started on
# demand by logind). A serial console also becomes the kernel's console
# (console= on the command line), so boot messages show on it.
{ config, lib, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.services.getty;
  serial = cfg.serialConsole;

  # Debian's agetty command lines (getty@.service, serial-getty@.service),
  # with -f in the login options and --autologin.
  autologin = extra: [
    ""
    "-/sbin/agetty -o '-p -f -- \\\\u' ${extra} --autologin ${cfg.autologinUser} - $TERM"
  ];
in
{
  options.services.getty = {
    serialConsole = mkOption {
      type = types.nullOr (types.strMatching "tty[A-Za-z]+[0-9]+");
      default = null;
      example = "ttyS0";
      description = ''
        A serial port that gets a login prompt and the kernel's console
        messages: "ttyS0" on PCs and virtual machines, "ttyAMA0" or
        "ttyS1" on ARM boards (hardware.raspberryPi sets its own). null:
        none.
      '';
    };

    serialSpeed = mkOption {
      type = types.ints.positive;
      default = 115200;
      description = "The serial console's speed in baud.";
    };

    autologinUser = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "root";
      description = ''
        A user logged in automatically on every console (virtual and
        serial) without a password. Meant for test machines.
      '';
    };
  };

  config = lib.mkMerge [
    # A login prompt on the first virtual console at boot, as on Debian (the
    # others start when switched to).
    { systemd.units."getty@tty1.service".wantedBy = [ "getty.target" ]; }

    (lib.mkIf (serial != null) {
      boot.kernel.params = lib.mkAfter [ "console=tty0" "console=${serial},${toString cfg.serialSpeed}" ];
      systemd.units."serial-getty@${serial}.service".wantedBy = [ "getty.target" ];
    })

    (lib.mkIf (cfg.autologinUser != null) {
      systemd.services."getty@" = {
        overrideStrategy = "asDropin";
        restartIfChanged = false;
        serviceConfig.ExecStart = autologin "--noclear";
      };
      systemd.services."serial-getty@" = {
        overrideStrategy = "asDropin";
        restartIfChanged = false;
        serviceConfig.ExecStart = autologin "--keep-baud 115200,57600,38400,9600";
      };
      assertions = [
        {
          assertion = config.users.users ? ${cfg.autologinUser} || cfg.autologinUser == "root";
          message = "services.getty.autologinUser: there is no user \"${cfg.autologinUser}\" in users.users.";
        }
      ];
    })
  ];
}
