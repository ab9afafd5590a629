# Assertions and warnings (like nixpkgs' nixos/modules/misc/assertions.nix).
#
# Any module may add to them. cairn checks them after evaluating a host: a
# false assertion fails the evaluation with every failed message listed; each
# warning is printed and carried into the closure (`warnings`).
{ lib, ... }:

let
  inherit (lib) mkOption types;
in
{
  options = {
    assertions = mkOption {
      type = types.listOf (types.submodule {
        options = {
          assertion = mkOption {
            type = types.bool;
            description = "The condition that must hold.";
          };
          message = mkOption {
            type = types.str;
            description = "What is wrong and what to do about it, shown when the condition is false.";
          };
        };
      });
      default = [ ];
      internal = true;
      example = [ { assertion = false; message = "you can't enable this for that reason"; } ];
      description = ''
        Conditions the configuration must satisfy. When one is false,
        evaluation fails and prints its message (with every other failed one).
      '';
    };

    warnings = mkOption {
      type = types.listOf types.str;
      default = [ ];
      internal = true;
      example = [ "The `foo' service is deprecated and will go away soon!" ];
      description = ''
        Messages printed after evaluating the host; they do not stop the build.
      '';
    };
  };
}
