# Users and groups (users.users, users.groups), with NixOS's defaults.
#
# /etc/passwd, group, shadow and gshadow are generated for every generation:
# Debian's base-passwd entries, the users and groups packages declare in
# sysusers.d, and these. Ids not given here are allocated deterministically
# from the configuration (modules/lib/ids.nix); the closure carries the
# result. Passwords changed on the machine with passwd(1) last until the next
# generation: set `hashedPassword` here.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
  outer = config;
  cfg = config.users;

  shellType = types.either types.package types.str;

  userModule = { name, config, ... }: {
    options = {
      name = mkOption {
        type = types.str;
        default = name;
        description = "The user's login name. Defaults to the attribute name.";
      };

      uid = mkOption {
        type = types.nullOr types.int;
        default = null;
        example = 1000;
        description = ''
          The user id. null: Debian's id for users base-passwd ships (root,
          www-data, …), otherwise one allocated from the configuration
          (normal users from 1000 up, system users from 999 down, in name
          order). Pin it when files on the state partition must keep their
          owner whatever users are added later.
        '';
      };

      isNormalUser = mkOption {
        type = types.bool;
        default = false;
        description = ''
          A person's account: defaults the group to "users", the home to
          /home/<name> (created), the shell to `users.defaultUserShell`, and
          allocates the uid from 1000.
        '';
      };

      isSystemUser = mkOption {
        type = types.bool;
        default = false;
        description = ''
          An account for a service: no login shell, no home unless given,
          uid allocated below 1000. Requires `group`.
        '';
      };

      group = mkOption {
        type = types.str;
        default = if config.isNormalUser then "users" else "";
        defaultText = lib.literalExpression ''if isNormalUser then "users" else ""'';
        example = "backup";
        description = "The user's primary group.";
      };

      extraGroups = mkOption {
        type = types.listOf types.str;
        default = [ ];
        example = [ "sudo" "audio" "video" "netdev" ];
        description = ''
          Further groups the user belongs to. Debian's administrators'
          group is "sudo" (there is no "wheel").
        '';
      };

      description = mkOption {
        type = types.str;
        default = "";
        example = "Alice Q. User";
        description = "The user's full name (the GECOS field).";
      };

      home = mkOption {
        type = types.str;
        default = if config.isNormalUser then "/home/${name}" else "/nonexistent";
        defaultText = lib.literalExpression ''if isNormalUser then "/home/''${name}" else "/nonexistent"'';
        description = "The user's home directory.";
      };

      createHome = mkOption {
        type = types.bool;
        default = config.isNormalUser;
        defaultText = lib.literalExpression "isNormalUser";
        description = ''
          Whether the home directory is created (owned by the user, mode
          0700) on the state partition when missing.
        '';
      };

      shell = mkOption {
        type = shellType;
        default = if config.isNormalUser then outer.users.defaultUserShell else "/usr/sbin/nologin";
        defaultText = lib.literalExpression ''if isNormalUser then config.users.defaultUserShell else "/usr/sbin/nologin"'';
        example = lib.literalExpression "pkgs.zsh";
        description = ''
          The login shell: a path, or a package whose program of the same
          name is the shell (pkgs.zsh is /usr/bin/zsh; it is installed).
        '';
      };

      autoSubUidGidRange = mkOption {
        type = types.bool;
        default = config.isNormalUser;
        defaultText = lib.literalExpression "isNormalUser";
        description = ''
          Whether the user gets 65536 subordinate uids and gids
          (/etc/subuid, /etc/subgid) for rootless containers (podman,
          unshare): from 100000 + (uid - 1000) × 65536, so the range
          follows from the uid and stays the same across generations.
        '';
      };

      subUidRanges = mkOption {
        type = types.listOf (types.submodule {
          options = {
            startUid = mkOption { type = types.ints.unsigned; description = "The first subordinate uid."; };
            count = mkOption { type = types.ints.positive; default = 65536; description = "How many."; };
          };
        });
        default = [ ];
        example = [ { startUid = 1000000; count = 65536; } ];
        description = "Subordinate uid ranges of the user, besides the automatic one.";
      };

      subGidRanges = mkOption {
        type = types.listOf (types.submodule {
          options = {
            startGid = mkOption { type = types.ints.unsigned; description = "The first subordinate gid."; };
            count = mkOption { type = types.ints.positive; default = 65536; description = "How many."; };
          };
        });
        default = [ ];
        example = [ { startGid = 1000000; count = 65536; } ];
        description = "Subordinate gid ranges of the user, besides the automatic one.";
      };

      hashedPassword = mkOption {
        type = types.nullOr types.str;
        default = null;
        example = "$y$j9T$…";
        description = ''
          The password hash (crypt(3) format, e.g. from `mkpasswd -m
          yescrypt`). null: password login is disabled (the account can
          still be reached by SSH keys or autologin).
        '';
      };

      openssh.authorizedKeys = {
        keys = mkOption {
          type = types.listOf types.str;
          default = [ ];
          example = [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… alice@laptop" ];
          description = ''
            Public keys that may log in as this user over SSH (see
            `services.openssh`).
          '';
        };
        keyFiles = mkOption {
          type = types.listOf types.path;
          default = [ ];
          example = lib.literalExpression "[ ./keys/alice.pub ]";
          description = "Files of the configuration holding more such keys, one per line.";
        };
      };
    };
  };

  groupModule = { name, ... }: {
    options = {
      name = mkOption {
        type = types.str;
        default = name;
        description = "The group's name. Defaults to the attribute name.";
      };
      gid = mkOption {
        type = types.nullOr types.int;
        default = null;
        description = ''
          The group id. null: Debian's id for groups base-passwd ships
          (sudo 27, audio 29, video 44, users 100, …), otherwise one
          allocated from 999 down in name order.
        '';
      };
      members = mkOption {
        type = types.listOf types.str;
        default = [ ];
        description = ''
          Users in the group besides those listing it in `extraGroups`.
        '';
      };
    };
  };

  users = builtins.attrValues cfg.users;
  isSystem = u: u.isSystemUser || (u.uid != null && u.uid < 1000);
  badKind = builtins.filter (u: isSystem u == u.isNormalUser) users;
  noGroup = builtins.filter (u: u.group == "") users;
  validName = n: builtins.match "[a-z_][a-z0-9_-]*[$]?" n != null && builtins.stringLength n <= 32;
  badNames = builtins.filter (n: !validName n)
    (map (u: u.name) users ++ map (g: g.name) (builtins.attrValues cfg.groups));
  badHashes = builtins.filter
    (u: u.hashedPassword != null && (lib.hasInfix ":" u.hashedPassword || lib.hasInfix "\n" u.hashedPassword))
    users;
  renamed = builtins.filter (n: cfg.users.${n}.name != n) (builtins.attrNames cfg.users)
    ++ builtins.filter (n: cfg.groups.${n}.name != n) (builtins.attrNames cfg.groups);
  wheelUsers = builtins.filter (u: builtins.elem "wheel" u.extraGroups || u.group == "wheel") users;
  names = us: lib.concatMapStringsSep ", " (u: u.name) us;
in
{
  options.users = {
    users = mkOption {
      type = types.attrsOf (types.submodule userModule);
      default = { };
      example = lib.literalExpression ''
        {
          alice = {
            isNormalUser = true;
            extraGroups = [ "sudo" ];
            openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAA… alice@laptop" ];
          };
          backup = { isSystemUser = true; group = "backup"; };
        }
      '';
      description = "User accounts, by login name.";
    };

    groups = mkOption {
      type = types.attrsOf (types.submodule groupModule);
      default = { };
      example = { media.members = [ "alice" ]; };
      description = ''
        Groups, by name. Groups users name in `group` or `extraGroups`
        exist without being listed here.
      '';
    };

    defaultUserShell = mkOption {
      type = shellType;
      default = "/bin/bash";
      example = lib.literalExpression "pkgs.zsh";
      description = "The login shell of normal users that do not choose one.";
    };
  };

  config = {
    users.users.root = {
      uid = 0;
      group = "root";
      home = "/root";
      shell = lib.mkDefault "/bin/bash";
      description = lib.mkDefault "root";
    };

    # Shells given as packages are installed.
    environment.systemPackages = builtins.filter builtins.isAttrs
      (map (u: u.shell) users ++ [ cfg.defaultUserShell ]);

    assertions = [
      {
        assertion = badKind == [ ];
        message = "users.users: set exactly one of isNormalUser and isSystemUser (a uid below 1000 counts as a system user) for: ${names badKind}.";
      }
      {
        assertion = noGroup == [ ];
        message = "users.users: these users have no primary group; set users.users.<name>.group (for a service, usually a group of its own name listed in users.groups): ${names noGroup}.";
      }
      {
        assertion = badNames == [ ];
        message = "users: user and group names are lowercase letters, digits, \"_\" and \"-\", start with a letter or \"_\", and are at most 32 characters: ${builtins.toJSON badNames}.";
      }
      {
        assertion = badHashes == [ ];
        message = "users.users.<name>.hashedPassword: a hash cannot contain \":\" or a newline (users: ${names badHashes}).";
      }
      {
        assertion = renamed == [ ];
        message = "users: `name' must equal the attribute name (${builtins.toJSON renamed}); rename the attribute instead.";
      }
    ];

    warnings = lib.optional (wheelUsers != [ ])
      "users.users: the group \"wheel\" (named by ${names wheelUsers}) does not exist on Debian; administrators are in \"sudo\" (see security.sudo).";
  };
}
