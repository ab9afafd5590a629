# What the machine is: its name in cairn's output, its processor architecture,
# and the state-version marker.
{ config, lib, host, ... }:

let
  inherit (lib) mkOption types;
in
{
  options.system = {
    name = mkOption {
      type = types.str;
      default = config.networking.hostName;
      defaultText = lib.literalExpression "config.networking.hostName";
      example = "kitchen-pi";
      description = ''
        The name of the system in what cairn builds for it: image file
        names and boot menu titles.
      '';
    };

    platform = mkOption {
      type = types.enum [ "x86_64-linux" "aarch64-linux" ];
      default = "x86_64-linux";
      example = "aarch64-linux";
      description = ''
        The machine's platform: "x86_64-linux" (Debian architecture amd64)
        or "aarch64-linux" (arm64). Packages are taken from that
        architecture, and it picks the default kernel and boot loader.
        Building for the other architecture needs no emulation.
      '';
    };

    stateVersion = mkOption {
      type = types.str;
      example = "1";
      description = ''
        The cairn state format the machine's persistent data (/var, /home,
        /root and `environment.persist`) was first created with. Modules use
        it to keep old state readable when a default changes; set it once
        when the machine is installed and do not change it when upgrading.
      '';
    };
  };
}
