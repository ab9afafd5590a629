# A small NixOS-style host description, evaluated by `cairn eval --strict`.
# Until the module system lands, the "modules" are plain functions merged
# by hand; the language features are the ones real modules use.
let
  lib = rec {
    optional = cond: x: if cond then [ x ] else [ ];
    mapToAttrs = f: names: builtins.listToAttrs (map (name: { inherit name; value = f name; }) names);
    recursiveUpdate = a: b:
      a // builtins.mapAttrs
        (name: v: if builtins.isAttrs v && builtins.isAttrs (a.${name} or null)
                  then recursiveUpdate a.${name} v else v)
        b;
  };

  base = { hostName, ... }: {
    networking.hostName = hostName;
    time.timeZone = "Europe/Berlin";
    environment.systemPackages = [ "bash" "coreutils" "systemd" ];
  };

  sshd = { ports ? [ 22 ], ... }: {
    services.openssh = {
      enable = true;
      inherit ports;
      settings.PasswordAuthentication = false;
    };
    environment.systemPackages = [ "openssh-server" ];
  };

  accounts = names: {
    users.users = lib.mapToAttrs (name: rec {
      isNormalUser = true;
      home = "/home/${name}";
      extraGroups = [ "users" ] ++ lib.optional (name == "alice") "wheel";
      description = "${name} (${home})";
    }) names;
  };

  args = { hostName = "hello"; ports = [ 22 2222 ]; };
  modules = [ (base args) (sshd args) (accounts [ "alice" "bob" ]) ];

  config = builtins.foldl' lib.recursiveUpdate { } modules // {
    environment.systemPackages = builtins.concatMap (m: m.environment.systemPackages or [ ]) modules;
  };
in
with config; {
  inherit networking services time users;
  packages = builtins.sort builtins.lessThan environment.systemPackages;
  summary = "${networking.hostName}: ${toString (builtins.length (builtins.attrNames users.users))} users, "
    + "sshd on ${builtins.concatStringsSep "," (map toString services.openssh.ports)}";
}
