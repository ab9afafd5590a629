# Where packages come from and how the package set is resolved: the Debian
# suite and components, extra local .deb files, Recommends, and the base set.
#
# The packages themselves are requested through `environment.systemPackages`
# (and the kernel and boot options); see modules/config/system-path.nix.
{ config, lib, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.packages;
in
{
  options.packages = {
    suite = mkOption {
      type = types.str;
      default = "bookworm";
      example = "trixie";
      description = ''
        The Debian suite (release code name) packages are taken from.
      '';
    };

    components = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "contrib" "non-free" "non-free-firmware" ];
      description = ''
        Archive components to use besides "main", which is always used.
        Modules that need firmware add "non-free-firmware" themselves (for
        example `hardware.raspberryPi`).
      '';
    };

    localDebs = mkOption {
      type = types.listOf types.path;
      default = [ ];
      example = lib.literalExpression "[ ./debs/my-tool_1.0_amd64.deb ]";
      description = ''
        Extra .deb files from the configuration repository. They take part
        in resolution like archive packages (their dependencies are pulled
        from the archive) and are installed whether or not something
        requests them.
      '';
    };

    recommends = mkOption {
      type = types.bool;
      default = false;
      description = ''
        Whether packages' Recommends are installed too, as apt does by
        default. Off: only Depends and Pre-Depends are followed, which keeps
        images small and lists every package on purpose.
      '';
    };

    base = mkOption {
      type = types.enum [ "essential" "required" ];
      default = "essential";
      description = ''
        The set every system starts from: "essential" is the packages
        marked Essential (what dpkg itself needs; mmdebstrap's essential
        variant); "required" adds every package of priority required
        (mmdebstrap's minbase without apt).
      '';
    };
  };

  config = {
    packages.components = [ "main" ];

    assertions = [
      {
        assertion = builtins.all (c: builtins.match "[a-z0-9-]+" c != null) cfg.components;
        message = "packages.components: component names are lowercase words such as \"main\" or \"non-free-firmware\"; got ${builtins.toJSON cfg.components}.";
      }
    ];
  };
}
