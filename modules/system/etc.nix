# environment.etc: the files cairn generates under /etc.
#
# Each generation's /etc is built from scratch: the packages' own /etc files,
# then these on top. A file is given by exactly one of `text` (its content),
# `source` (a file in the configuration repository, copied) or `symlink` (the
# file is a symbolic link to that target).
{ config, lib, ... }:

let
  inherit (lib) mkOption types;

  etcModule = { name, config, ... }: {
    options = {
      enable = mkOption {
        type = types.bool;
        default = true;
        description = "Whether this file is generated.";
      };

      target = mkOption {
        type = types.str;
        description = ''
          The path of the file, relative to /etc. Defaults to the attribute
          name.
        '';
      };

      text = mkOption {
        type = types.nullOr types.lines;
        default = null;
        example = "nameserver 192.0.2.53\n";
        description = "The content of the file.";
      };

      source = mkOption {
        type = types.nullOr types.path;
        default = null;
        example = lib.literalExpression "./files/motd";
        description = "A file of the configuration repository to copy.";
      };

      symlink = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "/usr/share/zoneinfo/Europe/Berlin";
        description = ''
          Make the file a symbolic link to this target (absolute, or
          relative to the link's directory). Mode and owner do not apply.
        '';
      };

      mode = mkOption {
        type = types.strMatching "0?[0-7]{3,4}";
        default = "0644";
        example = "0440";
        description = "The file's permissions, in octal.";
      };

      user = mkOption {
        type = types.str;
        default = "root";
        description = "The owner of the file (a user name).";
      };

      group = mkOption {
        type = types.str;
        default = "root";
        description = "The group of the file (a group name).";
      };
    };

    config.target = lib.mkDefault name;
  };

  files = builtins.attrValues (lib.filterAttrs (_: f: f.enable) config.environment.etc);
  sourcesOf = f: builtins.length (builtins.filter (x: x != null) [ f.text f.source f.symlink ]);
  badSources = builtins.filter (f: sourcesOf f != 1) files;
  badTargets = builtins.filter
    (f: f.target == "" || lib.hasPrefix "/" f.target || builtins.elem ".." (lib.splitString "/" f.target))
    files;
  clashes = lib.filterAttrs (_: fs: builtins.length fs > 1) (builtins.groupBy (f: f.target) files);
  quoted = fs: lib.concatMapStringsSep ", " (f: "\"${f.target}\"") fs;
in
{
  options.environment.etc = mkOption {
    type = types.attrsOf (types.submodule etcModule);
    default = { };
    example = lib.literalExpression ''
      {
        "issue".text = "Welcome to \\n\n";
        "sudoers.d/admins" = { text = "%admins ALL=(ALL) ALL\n"; mode = "0440"; };
        "motd".source = ./files/motd;
      }
    '';
    description = ''
      Files to generate under /etc, by path relative to /etc.
    '';
  };

  config.assertions = [
    {
      assertion = badSources == [ ];
      message = "environment.etc: set exactly one of `text', `source' and `symlink' for ${quoted badSources}.";
    }
    {
      assertion = badTargets == [ ];
      message = "environment.etc: targets must be relative paths inside /etc (no leading \"/\", no \"..\"): ${quoted badTargets}.";
    }
    {
      assertion = clashes == { };
      message = "environment.etc: several enabled entries have the same target: ${lib.concatStringsSep ", " (builtins.attrNames clashes)}.";
    }
  ];
}
