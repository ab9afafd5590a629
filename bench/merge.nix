# A module-system-shaped workload: 10,000 option definitions, each its own
# small "module", folded into one configuration with `//` (as naive module
# merging does, quadratic in copying), post-processed with mapAttrs (as type
# merging and defaults are), and forced completely. Prints a small summary so
# that printing does not dominate.
let
  n = 10000;
  modules = builtins.genList (i: {
    "opt${toString i}" = {
      enable = true;
      value = i;
    };
  }) n;
  merged = builtins.foldl' (acc: m: acc // m) { } modules;
  config = builtins.mapAttrs (name: opt: opt // {
    value = opt.value * 2;
    unit = "${name}.service";
  }) merged;
  enabled = builtins.filter (name: config.${name}.enable) (builtins.attrNames config);
in
{
  options = builtins.length (builtins.attrNames config);
  enabled = builtins.length enabled;
  sum = builtins.foldl' (acc: name: acc + config.${name}.value) 0 enabled;
  units = builtins.stringLength (builtins.concatStringsSep " " (map (name: config.${name}.unit) enabled));
}
