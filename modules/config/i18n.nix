# The system locale: /etc/locale.conf (systemd) and /etc/default/locale
# (Debian, pam_env), and the locales generated into the image.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.i18n;
  # glibc carries these itself; anything else needs the locales package.
  builtin = [ "C" "C.UTF-8" "C.utf8" "POSIX" ];
  settings = lib.concatStrings (lib.mapAttrsToList (k: v: "${k}=${v}\n")
    ({ LANG = cfg.defaultLocale; } // cfg.extraLocaleSettings));
  generated = builtins.filter (l: !(builtins.elem (builtins.head (lib.splitString "/" l)) builtin)) cfg.supportedLocales;
in
{
  options.i18n = {
    defaultLocale = mkOption {
      type = types.str;
      default = "en_US.UTF-8";
      example = "de_DE.UTF-8";
      description = "The locale of the system (LANG).";
    };

    extraLocaleSettings = mkOption {
      type = types.attrsOf types.str;
      default = { };
      example = { LC_TIME = "en_GB.UTF-8"; LC_PAPER = "de_DE.UTF-8"; };
      description = "Further LC_* settings besides LANG.";
    };

    supportedLocales = mkOption {
      type = types.listOf types.str;
      default = lib.unique ([ "${cfg.defaultLocale}/UTF-8" ]
        ++ map (l: "${l}/UTF-8") (builtins.attrValues cfg.extraLocaleSettings));
      defaultText = lib.literalExpression ''[ "''${config.i18n.defaultLocale}/UTF-8" ] plus extraLocaleSettings'';
      example = [ "en_US.UTF-8/UTF-8" "de_DE.UTF-8/UTF-8" ];
      description = ''
        The locales compiled into the image, as lines of /etc/locale.gen
        ("name/charset"). C.UTF-8 is always available.
      '';
    };

    generatedLocales = mkOption {
      type = types.listOf types.str;
      readOnly = true;
      internal = true;
      description = ''
        The entries of `supportedLocales` that must be compiled (all but
        the ones glibc carries itself: C, C.UTF-8, POSIX).
      '';
    };
  };

  config = {
    i18n.generatedLocales = generated;
    environment.etc."locale.conf".text = settings;
    environment.etc."default/locale".text = settings;
    environment.etc."locale.gen" = lib.mkIf (generated != [ ]) {
      text = lib.concatMapStrings (l: "${builtins.replaceStrings [ "/" ] [ " " ] l}\n") generated;
    };
    environment.systemPackages = lib.optional (generated != [ ]) pkgs.locales;
  };
}
