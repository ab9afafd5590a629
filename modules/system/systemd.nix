# systemd units: systemd.services, systemd.timers, systemd.units,
# systemd.user.units and the default target.
#
# `systemd.services.<name>` is the convenient form: options for the common
# [Unit] dependencies, free-form `unitConfig`/`serviceConfig`, and shell
# `script`s. Each service becomes `systemd.units."<name>.service"`, whose
# `text` is the rendered unit file; `systemd.timers.<name>` likewise becomes
# "<name>.timer", and a service's `startAt` makes one. A unit with `text = null` is one a Debian
# package installs under /usr/lib/systemd/system; its entry only says how it
# is enabled.
#
# Where things end up (all as files of the closure's `etc`, though not
# through environment.etc: see `systemd.generatedFiles`):
#   - unit text: /etc/systemd/system/<unit>, or, with
#     overrideStrategy = "asDropin", the drop-in
#     /etc/systemd/system/<unit>.d/overrides.conf that amends the packaged
#     unit;
#   - scripts: /etc/cairn/scripts/<service>-<kind>-<digest>, named after
#     their content so that a changed script changes the unit;
#   - enablement (wantedBy, requiredBy, aliases, masking with
#     enable = false): the closure's `units` (modules/closure.nix); the
#     links are made when the generation is composed, like `systemctl enable`;
#   - user units: files and links under /etc/systemd/user, made here (like
#     `systemctl --global enable`).
#
# As in NixOS, the [Unit]/[Service] keys X-RestartIfChanged=false,
# X-ReloadIfChanged=true, X-StopIfChanged=false and X-Reload-Triggers tell
# `cairn switch` how to treat a changed unit.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
  unit = import ../lib/systemd-unit.nix { inherit lib; };
  cfg = config.systemd;

  depOption = what: mkOption {
    type = types.listOf types.str;
    default = [ ];
    description = what;
  };

  # Options every unit kind shares: how it is enabled and how a switch treats it.
  commonUnitOptions = {
    enable = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Whether the unit is installed. `false` masks it (a link to
        /dev/null), which also disables a unit a package ships.
      '';
    };
    wantedBy = depOption ''
      Units that want this one (like `WantedBy=` in [Install]): the unit
      starts with them, e.g. [ "multi-user.target" ].
    '';
    requiredBy = depOption "Units that require this one (like `RequiredBy=` in [Install]).";
    aliases = depOption "Other names of the unit (like `Alias=` in [Install]).";
    restartIfChanged = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Whether `cairn switch` restarts the unit when its definition
        changed. Turn off for units whose restart would cut off the user
        (a getty, a display manager).
      '';
    };
    reloadIfChanged = mkOption {
      type = types.bool;
      default = false;
      description = ''
        Whether `cairn switch` reloads (ExecReload=) instead of restarting
        the unit when its definition changed.
      '';
    };
    stopIfChanged = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Whether a changed unit is stopped before the new /etc is activated
        and started after (true), or restarted in one step after (false),
        which keeps downtime short but runs the old stop command with the
        new /etc.
      '';
    };
    reloadTriggers = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = lib.literalExpression ''[ config.environment.etc."my-service.conf".text ]'';
      description = ''
        Values whose change makes `cairn switch` reload the unit (instead
        of leaving it alone), e.g. the text of its configuration file.
      '';
    };
    overrideStrategy = mkOption {
      type = types.enum [ "asUnit" "asDropin" ];
      default = "asUnit";
      description = ''
        "asUnit": the text is the whole unit file. "asDropin": the text
        amends the unit a package ships, as the drop-in
        /etc/systemd/system/<unit>.d/overrides.conf.
      '';
    };
  };

  unitModule = { name, ... }: {
    options = commonUnitOptions // {
      text = mkOption {
        type = types.nullOr types.lines;
        default = null;
        description = ''
          The unit file (or drop-in). null: the unit is the one a package
          installs; only its enablement is configured here.
        '';
      };
    };
  };

  userUnitModule = { name, ... }: {
    options = {
      enable = mkOption {
        type = types.bool;
        default = true;
        description = "Whether the user unit is installed; false masks it.";
      };
      text = mkOption {
        type = types.nullOr types.lines;
        default = null;
        description = ''
          The unit file, written to /etc/systemd/user. null: the unit a
          package ships under /usr/lib/systemd/user.
        '';
      };
      wantedBy = depOption "User units that want this one, e.g. [ \"default.target\" ].";
      aliases = depOption "Other names of the user unit.";
    };
  };

  serviceModule = { name, config, ... }: {
    options = commonUnitOptions // {
      description = mkOption {
        type = types.str;
        default = "";
        example = "Backup of /home";
        description = "The unit's Description= (shown by systemctl).";
      };

      wants = depOption "Units started along with this one (Wants=).";
      requires = depOption "Units this one cannot run without (Requires=).";
      after = depOption "Units this one starts after (After=).";
      before = depOption "Units this one starts before (Before=).";
      bindsTo = depOption "Units this one is bound to (BindsTo=).";
      partOf = depOption "Units whose stop or restart also stops or restarts this one (PartOf=).";
      conflicts = depOption "Units that cannot run at the same time (Conflicts=).";

      unitConfig = mkOption {
        type = types.attrsOf unit.unitOption;
        default = { };
        example = { ConditionPathExists = "/dev/ttyUSB0"; StartLimitIntervalSec = 0; };
        description = "More [Unit] settings, as systemd spells them.";
      };

      serviceConfig = mkOption {
        type = types.attrsOf unit.unitOption;
        default = { };
        example = { Type = "oneshot"; RemainAfterExit = true; User = "backup"; };
        description = ''
          [Service] settings, as systemd spells them. A list repeats the key
          (an empty string first resets a packaged list, e.g.
          ExecStart = [ "" "/usr/bin/foo --bar" ] in a drop-in).
        '';
      };

      environment = mkOption {
        type = types.attrsOf types.str;
        default = { };
        example = { LANG = "C.UTF-8"; };
        description = "Environment variables of the service's processes.";
      };

      path = mkOption {
        type = types.listOf types.package;
        default = [ ];
        example = lib.literalExpression "[ pkgs.rsync pkgs.openssh-client ]";
        description = ''
          Packages the service's commands need. They are installed with
          the system; Debian puts every package's programs in /usr/bin and
          /usr/sbin, which are on systemd's default PATH.
        '';
      };

      script = mkOption {
        type = types.lines;
        default = "";
        example = "rsync -a /home/ /backup/home/";
        description = "Shell commands (bash, `set -e`) run as ExecStart=.";
      };
      scriptArgs = mkOption {
        type = types.str;
        default = "";
        example = "%i";
        description = "Arguments passed to `script` (specifiers such as %i allowed).";
      };
      preStart = mkOption {
        type = types.lines;
        default = "";
        description = "Shell commands run before the service starts (ExecStartPre=).";
      };
      postStart = mkOption {
        type = types.lines;
        default = "";
        description = "Shell commands run after the service started (ExecStartPost=).";
      };
      reload = mkOption {
        type = types.lines;
        default = "";
        description = "Shell commands that reload the service (ExecReload=).";
      };
      preStop = mkOption {
        type = types.lines;
        default = "";
        description = "Shell commands that stop the service (ExecStop=).";
      };
      postStop = mkOption {
        type = types.lines;
        default = "";
        description = "Shell commands run after the service stopped (ExecStopPost=).";
      };

      startAt = mkOption {
        type = types.either types.str (types.listOf types.str);
        default = [ ];
        example = "*-*-* 03:00:00";
        description = ''
          When to start the service, as calendar events (systemd.time(7),
          e.g. "daily" or "Mon *-*-* 09:00"): a timer "<name>.timer", wanted
          by timers.target, starts it then (OnCalendar=). Set
          `systemd.timers.<name>` for more (Persistent=,
          RandomizedDelaySec=).
        '';
      };
    };
  };

  timerModule = { name, ... }: {
    options = commonUnitOptions // {
      description = mkOption {
        type = types.str;
        default = "";
        example = "Nightly backup";
        description = "The timer's Description= (shown by systemctl list-timers).";
      };
      unitConfig = mkOption {
        type = types.attrsOf unit.unitOption;
        default = { };
        description = "[Unit] settings, as systemd spells them.";
      };
      timerConfig = mkOption {
        type = types.attrsOf unit.unitOption;
        default = { };
        example = { OnCalendar = "daily"; Persistent = true; RandomizedDelaySec = "1h"; };
        description = ''
          [Timer] settings, as systemd spells them (systemd.timer(5)). The
          timer starts the service of its own name unless `Unit` says
          otherwise. A list repeats the key (several OnCalendar= events).
        '';
      };
    };
  };

  # The /etc path (without "/etc/") of one of a service's scripts.
  scriptTarget = name: kind: text: "cairn/scripts/${name}-${kind}-${unit.digest text}";
  scriptText = text: "#!/bin/bash\nset -e\n${text}" + lib.optionalString (!lib.hasSuffix "\n" text) "\n";
  scriptKinds = [
    { kind = "start"; option = "script"; key = "ExecStart"; }
    { kind = "pre-start"; option = "preStart"; key = "ExecStartPre"; }
    { kind = "post-start"; option = "postStart"; key = "ExecStartPost"; }
    { kind = "reload"; option = "reload"; key = "ExecReload"; }
    { kind = "pre-stop"; option = "preStop"; key = "ExecStop"; }
    { kind = "post-stop"; option = "postStop"; key = "ExecStopPost"; }
  ];
  scriptsOf = name: s:
    map (k: k // { text = s.${k.option}; target = scriptTarget name k.kind s.${k.option}; })
      (builtins.filter (k: s.${k.option} != "") scriptKinds);

  # Settings from two sources: keys in both become one list, generated first.
  combine = a: b:
    a // b // builtins.mapAttrs
      (k: _: lib.toList a.${k} ++ lib.toList b.${k})
      (builtins.intersectAttrs a b);

  flags = s:
    lib.optionalAttrs s.reloadIfChanged { X-ReloadIfChanged = true; }
    // lib.optionalAttrs (!s.reloadIfChanged && !s.restartIfChanged) { X-RestartIfChanged = false; }
    // lib.optionalAttrs (!s.stopIfChanged) { X-StopIfChanged = false; };

  reloadTriggerSettings = s:
    lib.optionalAttrs (s.reloadTriggers != [ ]) {
      X-Reload-Triggers = unit.digest (lib.concatStringsSep "\n" s.reloadTriggers);
    };

  # A unit's commonUnitOptions, as systemd.units takes them.
  enablement = u: {
    inherit (u) enable wantedBy requiredBy aliases restartIfChanged
      reloadIfChanged stopIfChanged reloadTriggers overrideStrategy;
  };

  serviceToUnit = name: s: enablement s // {
    text = unit.renderUnit [
      {
        name = "Unit";
        settings = combine
          (lib.optionalAttrs (s.description != "") { Description = s.description; }
            // unit.depsToSettings {
              Wants = s.wants; Requires = s.requires; After = s.after;
              Before = s.before; BindsTo = s.bindsTo; PartOf = s.partOf;
              Conflicts = s.conflicts;
            }
            // reloadTriggerSettings s)
          s.unitConfig;
      }
      {
        name = "Service";
        settings = combine
          (lib.optionalAttrs (s.environment != { }) {
            Environment = lib.mapAttrsToList (k: v: builtins.toJSON "${k}=${v}") s.environment;
          }
          // flags s
          // builtins.listToAttrs (map
            (sc: {
              name = sc.key;
              value = "/etc/${sc.target}"
                + lib.optionalString (sc.kind == "start" && s.scriptArgs != "") " ${s.scriptArgs}";
            })
            (scriptsOf name s)))
          s.serviceConfig;
      }
    ];
  };

  timerToUnit = name: t: enablement t // {
    text = unit.renderUnit [
      {
        name = "Unit";
        settings = combine
          (lib.optionalAttrs (t.description != "") { Description = t.description; }
            // flags t // reloadTriggerSettings t)
          t.unitConfig;
      }
      { name = "Timer"; settings = t.timerConfig; }
    ];
  };

  # A unit's file under /usr/lib/systemd/<scope>: instances use their template.
  packagedPath = scope: name:
    let m = builtins.match "([^@]+)@[^.]+(\\..+)" name; in
    "/usr/lib/systemd/${scope}/" + (if m == null then name else "${builtins.elemAt m 0}@${builtins.elemAt m 1}");

  enabledServices = lib.filterAttrs (_: s: s.enable) cfg.services;

  # The files made from the units, by path under /etc, already in the
  # closure's shape (modules/closure.nix). They are kept out of
  # environment.etc so that a unit (its text, its reloadTriggers) may read
  # environment.etc without a cycle.
  file = text: mode: { inherit text mode; user = "root"; group = "root"; };
  link = target: { symlink = target; };

  unitFiles = lib.mapAttrs'
    (name: u: lib.nameValuePair
      (if u.overrideStrategy == "asDropin"
       then "systemd/system/${name}.d/overrides.conf"
       else "systemd/system/${name}")
      (file u.text "0644"))
    (lib.filterAttrs (_: u: u.enable && u.text != null) cfg.units);

  scriptFiles = builtins.listToAttrs (lib.concatLists (lib.mapAttrsToList
    (name: s: map (sc: lib.nameValuePair sc.target (file (scriptText sc.text) "0755")) (scriptsOf name s))
    (lib.filterAttrs (name: _: cfg.units."${name}.service".enable) cfg.services)));

  userUnitFiles = builtins.listToAttrs (lib.concatLists (lib.mapAttrsToList
    (name: u:
      let
        target = if u.text != null then "/etc/systemd/user/${name}" else packagedPath "user" name;
      in
      if !u.enable then
        [ (lib.nameValuePair "systemd/user/${name}" (link "/dev/null")) ]
      else
        lib.optional (u.text != null) (lib.nameValuePair "systemd/user/${name}" (file u.text "0644"))
        ++ map (t: lib.nameValuePair "systemd/user/${t}.wants/${name}" (link target)) u.wantedBy
        ++ map (a: lib.nameValuePair "systemd/user/${a}" (link target)) u.aliases)
    cfg.user.units));

  defaultUnitFile =
    let u = cfg.units.${cfg.defaultUnit} or null; in
    if u != null && u.text != null && u.overrideStrategy == "asUnit"
    then "/etc/systemd/system/${cfg.defaultUnit}"
    else packagedPath "system" cfg.defaultUnit;

  badServiceNames = builtins.filter (n: lib.hasSuffix ".service" n) (builtins.attrNames cfg.services);
  badTimerNames = builtins.filter (n: lib.hasSuffix ".timer" n) (builtins.attrNames cfg.timers);
  emptyTimers = builtins.filter (n: cfg.timers.${n}.enable && cfg.timers.${n}.timerConfig == { })
    (builtins.attrNames cfg.timers);
  badUnitNames = builtins.filter (n: builtins.match ".+\\.[a-z]+" n == null) (builtins.attrNames cfg.units);
  doubleStart = builtins.filter (n: enabledServices.${n}.script != "" && enabledServices.${n}.serviceConfig ? ExecStart)
    (builtins.attrNames enabledServices);
in
{
  options.systemd = {
    services = mkOption {
      type = types.attrsOf (types.submodule serviceModule);
      default = { };
      example = lib.literalExpression ''
        {
          backup = {
            description = "Nightly backup";
            path = [ pkgs.rsync ];
            script = "rsync -a /home/ /srv/backup/";
            serviceConfig.Type = "oneshot";
          };
        }
      '';
      description = ''
        System services, by name without the ".service" suffix. Each
        becomes `systemd.units."<name>.service"`.
      '';
    };

    timers = mkOption {
      type = types.attrsOf (types.submodule timerModule);
      default = { };
      example = lib.literalExpression ''
        {
          backup = {
            wantedBy = [ "timers.target" ];
            timerConfig = { OnCalendar = "daily"; Persistent = true; };
          };
        }
      '';
      description = ''
        Timers, by name without the ".timer" suffix. Each becomes
        `systemd.units."<name>.timer"` and starts the service of the same
        name. As in NixOS, a timer runs only when something wants it:
        `wantedBy = [ "timers.target" ]`.
      '';
    };

    units = mkOption {
      type = types.attrsOf (types.submodule unitModule);
      default = { };
      example = lib.literalExpression ''
        {
          "nftables.service".wantedBy = [ "sysinit.target" ];
          "backup.timer" = {
            wantedBy = [ "timers.target" ];
            text = "[Timer]\nOnCalendar=daily\n";
          };
        }
      '';
      description = ''
        System units by full name: units generated from text, and the
        enablement of units packages ship.
      '';
    };

    user.units = mkOption {
      type = types.attrsOf (types.submodule userUnitModule);
      default = { };
      example = { "pipewire.socket".wantedBy = [ "sockets.target" ]; };
      description = ''
        User units (run by every user's systemd --user), by full name:
        units generated from text and the enablement of packaged ones.
      '';
    };

    generatedFiles = mkOption {
      type = types.attrsOf types.anything;
      readOnly = true;
      internal = true;
      description = ''
        The files under /etc made from the units (unit files, drop-ins,
        scripts, user unit links, default.target), by path, in the shape of
        the closure's `etc` entries.
      '';
    };

    defaultUnit = mkOption {
      type = types.str;
      default = "multi-user.target";
      example = "graphical.target";
      description = "The unit systemd starts at boot (default.target).";
    };
  };

  config = {
    systemd.units = lib.mkMerge [
      (lib.mapAttrs' (name: s: lib.nameValuePair "${name}.service" (serviceToUnit name s)) cfg.services)
      (lib.mapAttrs' (name: t: lib.nameValuePair "${name}.timer" (timerToUnit name t)) cfg.timers)
      # What systemd's maintainer scripts enable on Debian.
      {
        "remote-fs.target".wantedBy = [ "multi-user.target" ];
        "systemd-pstore.service".wantedBy = [ "sysinit.target" ];
      }
    ];

    # A service's startAt: its timer (merged with a systemd.timers entry of the same name).
    systemd.timers = lib.mapAttrs
      (_: s: {
        wantedBy = [ "timers.target" ];
        timerConfig.OnCalendar = s.startAt;
      })
      (lib.filterAttrs (_: s: s.startAt != [ ] && s.startAt != "") cfg.services);

    systemd.generatedFiles = unitFiles // scriptFiles // userUnitFiles // {
      "systemd/system/default.target" = link defaultUnitFile;
    };

    environment.systemPackages = lib.concatMap (s: s.path) (builtins.attrValues enabledServices);

    assertions = [
      {
        assertion = badServiceNames == [ ];
        message = "systemd.services: name services without the \".service\" suffix (it is added): ${builtins.toJSON badServiceNames}.";
      }
      {
        assertion = badUnitNames == [ ];
        message = "systemd.units: unit names need their type suffix, e.g. \"foo.service\" or \"foo.timer\": ${builtins.toJSON badUnitNames}.";
      }
      {
        assertion = badTimerNames == [ ];
        message = "systemd.timers: name timers without the \".timer\" suffix (it is added): ${builtins.toJSON badTimerNames}.";
      }
      {
        assertion = emptyTimers == [ ];
        message = "systemd.timers: ${builtins.toJSON emptyTimers} never fire: give timerConfig, e.g. { OnCalendar = \"daily\"; } (or startAt on the service).";
      }
      {
        assertion = doubleStart == [ ];
        message = "systemd.services: set either `script' or `serviceConfig.ExecStart', not both: ${builtins.toJSON doubleStart}.";
      }
    ];
  };
}
