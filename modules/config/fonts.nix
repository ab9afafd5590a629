# Fonts: packages installed for fontconfig to find (under /usr/share/fonts).
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
in
{
  options.fonts.packages = mkOption {
    type = types.listOf types.package;
    default = [ ];
    example = lib.literalExpression "[ pkgs.fonts-firacode pkgs.fonts-noto-cjk ]";
    description = "Font packages to install. The desktop adds DejaVu and Noto.";
  };

  config.environment.systemPackages = config.fonts.packages;
}
