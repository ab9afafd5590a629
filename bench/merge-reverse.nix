# The merge workload with the operands of `//` swapped: each new module's
# definitions lose to the ones already merged (as when later modules only
# supply defaults), so every step copies the whole accumulated set instead of
# extending it. Same 10,000 options, same summary.
let
  n = 10000;
  modules = builtins.genList (i: {
    "opt${toString i}" = {
      enable = true;
      value = i;
    };
  }) n;
  merged = builtins.foldl' (acc: m: m // acc) { } modules;
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
