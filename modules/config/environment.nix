# environment.variables: the system-wide environment of every login
# (/etc/environment, read by pam_env).
{ config, lib, ... }:

let
  inherit (lib) mkOption types;
  vars = config.environment.variables;
in
{
  options.environment.variables = mkOption {
    type = types.attrsOf types.str;
    default = { };
    example = { EDITOR = "vim"; PAGER = "less -R"; };
    description = ''
      Environment variables of every session, written to /etc/environment
      (pam_env's KEY="value" lines: no expansion, no shell syntax).
    '';
  };

  config = {
    environment.etc."environment".text =
      lib.concatStrings (lib.mapAttrsToList (k: v: "${k}=${builtins.toJSON v}\n") vars);

    assertions = [
      {
        assertion = builtins.all (k: builtins.match "[A-Za-z_][A-Za-z0-9_]*" k != null) (builtins.attrNames vars);
        message = "environment.variables: names must be letters, digits and underscores: ${builtins.toJSON (builtins.attrNames vars)}.";
      }
      {
        assertion = !(builtins.any (v: builtins.any (c: lib.hasInfix c v) [ "\n" "\"" "\\" ]) (builtins.attrValues vars));
        message = "environment.variables: /etc/environment cannot hold values with newlines, double quotes or backslashes.";
      }
    ];
  };
}
