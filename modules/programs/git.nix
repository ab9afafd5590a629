# Git, with a system-wide configuration (/etc/gitconfig in git's own format).
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.programs.git;
in
{
  options.programs.git = {
    enable = mkOption {
      type = types.bool;
      default = false;
      description = "Whether git is installed.";
    };

    config = mkOption {
      type = types.attrsOf types.anything;
      default = { };
      example = {
        init.defaultBranch = "main";
        pull.rebase = true;
        url."https://github.com/".insteadOf = [ "gh:" "github:" ];
      };
      description = ''
        System-wide git configuration (/etc/gitconfig), as nested sets:
        `section.key = value`; a deeper set is a subsection
        (`url."https://github.com/".insteadOf` is [url "https://github.com/"]
        insteadOf); a list repeats the key. Definitions from several modules
        merge.
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    environment.systemPackages = [ pkgs.git ];
    environment.etc."gitconfig" = lib.mkIf (cfg.config != { }) {
      text = lib.generators.toGitINI cfg.config;
    };
  };
}
