# Avahi: the machine announces itself on the local network as
# <hostName>.local (mDNS/DNS-SD) and finds the others — what makes a
# headless Raspberry Pi reachable as `ssh server.local`. The options are
# NixOS's, with its defaults: `enable` alone runs the daemon, `publish`
# says what it announces, `nssmdns4` lets this machine's programs resolve
# .local names.
#
# /etc/avahi/avahi-daemon.conf is generated from the options (Debian's
# would publish everything); the daemon is enabled by its package's
# [Install] section, and its account comes from the package's scripts.
{ config, lib, pkgs, ... }:

let
  inherit (lib) mkOption types;
  cfg = config.services.avahi;

  yesNo = b: if b then "yes" else "no";
  list = l: lib.concatStringsSep "," l;

  # One section of the daemon's configuration; null values are left out.
  section = name: settings:
    "[${name}]\n"
    + lib.concatStrings (lib.mapAttrsToList (k: v: lib.optionalString (v != null) "${k}=${v}\n") settings);

  daemonConf = lib.concatStringsSep "\n" [
    (section "server" {
      host-name = cfg.hostName;
      domain-name = cfg.domainName;
      browse-domains = if cfg.browseDomains == [ ] then null else list cfg.browseDomains;
      use-ipv4 = yesNo cfg.ipv4;
      use-ipv6 = yesNo cfg.ipv6;
      allow-interfaces = if cfg.allowInterfaces == null then null else list cfg.allowInterfaces;
      deny-interfaces = if cfg.denyInterfaces == null then null else list cfg.denyInterfaces;
      ratelimit-interval-usec = "1000000";
      ratelimit-burst = "1000";
    })
    (section "wide-area" { enable-wide-area = yesNo cfg.wideArea; })
    (section "publish" {
      disable-publishing = yesNo (!cfg.publish.enable);
      disable-user-service-publishing = yesNo (!cfg.publish.userServices);
      publish-addresses = yesNo (cfg.publish.userServices || cfg.publish.addresses);
      publish-hinfo = yesNo cfg.publish.hinfo;
      publish-workstation = yesNo cfg.publish.workstation;
      publish-domain = yesNo cfg.publish.domain;
    })
    (section "reflector" { enable-reflector = yesNo cfg.reflector; })
  ] + lib.optionalString (cfg.extraConfig != "") "\n${cfg.extraConfig}\n";

  publishOption = what: default: mkOption {
    type = types.bool;
    inherit default;
    description = "Whether to announce ${what}.";
  };
in
{
  options.services.avahi = {
    enable = mkOption {
      type = types.bool;
      default = false;
      description = ''
        Whether to run avahi-daemon, which announces the machine and its
        services on the local network (mDNS/DNS-SD) and browses for others.
      '';
    };

    hostName = mkOption {
      type = types.str;
      default = config.networking.hostName;
      defaultText = lib.literalExpression "config.networking.hostName";
      description = "The name announced (reachable as <hostName>.<domainName>).";
    };

    domainName = mkOption {
      type = types.str;
      default = "local";
      description = "The mDNS domain.";
    };

    browseDomains = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "0pointer.de" ];
      description = "Wide-area DNS-SD domains to browse besides the local one.";
    };

    ipv4 = mkOption { type = types.bool; default = true; description = "Whether to use IPv4."; };
    ipv6 = mkOption { type = types.bool; default = true; description = "Whether to use IPv6."; };

    allowInterfaces = mkOption {
      type = types.nullOr (types.listOf types.str);
      default = null;
      example = [ "eth0" ];
      description = "Only these interfaces (null: all but loopback and point-to-point).";
    };

    denyInterfaces = mkOption {
      type = types.nullOr (types.listOf types.str);
      default = null;
      example = [ "wlan0" ];
      description = "Interfaces never used; wins over allowInterfaces.";
    };

    openFirewall = mkOption {
      type = types.bool;
      default = true;
      description = "Whether to open UDP port 5353 (mDNS) in the firewall.";
    };

    wideArea = mkOption {
      type = types.bool;
      default = true;
      description = "Whether to browse wide-area DNS-SD domains (unicast DNS).";
    };

    reflector = mkOption {
      type = types.bool;
      default = false;
      description = "Whether to repeat mDNS traffic between the interfaces.";
    };

    nssmdns4 = mkOption {
      type = types.bool;
      default = false;
      description = ''
        Whether this machine's programs resolve <name>.local over mDNS
        (IPv4): libnss-mdns's mdns4_minimal, put in /etc/nsswitch.conf's
        hosts line before dns (system.nssDatabases).
      '';
    };

    publish = {
      enable = mkOption {
        type = types.bool;
        default = false;
        description = "Whether to announce anything at all; the options below choose what.";
      };
      addresses = publishOption "the machine's addresses (what <hostName>.local resolves to)" false;
      hinfo = publishOption "the machine's CPU and operating system (HINFO)" false;
      workstation = publishOption "a _workstation._tcp service (the machine in network browsers)" false;
      domain = publishOption "the domain name to browse (for clients without configuration)" false;
      userServices = publishOption "services registered by users (and the addresses they need)" false;
    };

    extraServiceFiles = mkOption {
      type = types.attrsOf types.lines;
      default = { };
      example = lib.literalExpression ''
        {
          ssh = '''
            <?xml version="1.0" standalone='no'?>
            <!DOCTYPE service-group SYSTEM "avahi-service.dtd">
            <service-group>
              <name replace-wildcards="yes">%h</name>
              <service><type>_ssh._tcp</type><port>22</port></service>
            </service-group>
          ''';
        }
      '';
      description = "Static services to announce: /etc/avahi/services/<name>.service, by name.";
    };

    extraConfig = mkOption {
      type = types.lines;
      default = "";
      description = "Text appended to avahi-daemon.conf (more sections, as avahi-daemon.conf(5) spells them).";
    };
  };

  config = lib.mkIf cfg.enable {
    environment.systemPackages = [ pkgs.avahi-daemon ] ++ lib.optional cfg.nssmdns4 pkgs.libnss-mdns;
    environment.etc = {
      "avahi/avahi-daemon.conf".text = "# Generated by cairn (services.avahi).\n" + daemonConf;
    } // lib.mapAttrs'
      (name: text: lib.nameValuePair "avahi/services/${name}.service" { inherit text; })
      cfg.extraServiceFiles;
    system.nssDatabases.hosts = lib.mkIf cfg.nssmdns4 (lib.mkOrder 1450 [ "mdns4_minimal [NOTFOUND=return]" ]);
    networking.firewall.allowedUDPPorts = lib.mkIf cfg.openFirewall [ 5353 ];

    assertions = [
      {
        assertion = builtins.match "[A-Za-z0-9-]+" cfg.hostName != null;
        message = "services.avahi.hostName \"${cfg.hostName}\" is not a host name: use letters, digits and '-'.";
      }
    ];
  };
}
