# environment.persist: paths outside /var, /home and /root that must survive
# switching generations.
#
# A generation's root is its read-only image plus a freshly generated /etc;
# only the state partition (which already holds /var, /home and /root)
# outlives it. Paths listed here are kept on the state partition and
# bind-mounted into every generation (a file that does not exist yet starts
# out empty).
{ config, lib, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.environment.persist;

  absolute = p: lib.hasPrefix "/" p && !(builtins.elem ".." (lib.splitString "/" p));
  # /usr is the generation's image, read-only and replaced as a whole; / itself cannot be bound.
  inImage = p: p == "/" || p == "/usr" || lib.hasPrefix "/usr/" p;
  alreadyKept = p: builtins.any (d: p == d || lib.hasPrefix "${d}/" p) [ "/var" "/home" "/root" ];
  all = cfg.files ++ cfg.directories;
in
{
  options.environment.persist = {
    files = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "/etc/machine-id" ];
      description = ''
        Files kept across generations on the state partition.
      '';
    };

    directories = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "/etc/NetworkManager/system-connections" ];
      description = ''
        Directories kept across generations on the state partition.
      '';
    };
  };

  config = {
    # The activator binds the state partition's machine-id over
    # /etc/machine-id, so the id systemd writes on the first boot is kept;
    # systemd's "commit a transient machine-id" service would unmount that.
    systemd.units."systemd-machine-id-commit.service".enable = false;

    assertions = [
      {
        assertion = builtins.all absolute all;
        message = "environment.persist: paths must be absolute and without \"..\": ${builtins.toJSON (builtins.filter (p: !absolute p) all)}.";
      }
      {
        assertion = !(builtins.any inImage all);
        message = "environment.persist: ${builtins.toJSON (builtins.filter inImage all)} cannot be kept: / and /usr belong to the generation's read-only image; persist a path under /etc, /srv, /opt or another top-level directory instead.";
      }
    ];

    warnings = map
      (p: "environment.persist: ${p} is under /var, /home or /root, which are kept on the state partition anyway; drop it from the list.")
      (builtins.filter alreadyKept all);
  };
}
