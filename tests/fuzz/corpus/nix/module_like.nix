let
  mkOption = { default ? null, description ? "" }: { _type = "option"; inherit default description; };
  mkIf = cond: content: { _type = "if"; inherit cond content; };
  options.services.openssh = {
    enable = mkOption { default = false; description = "Whether to run sshd."; };
    ports = mkOption { default = [ 22 ]; };
  };
  config = { services.openssh.enable = true; };
  cfg = config.services.openssh;
in {
  inherit options;
  result = mkIf cfg.enable {
    systemd.services.sshd = {
      wantedBy = [ "multi-user.target" ];
      serviceConfig.ExecStart = "/usr/sbin/sshd -D -p ${toString (builtins.head options.services.openssh.ports.default)}";
    };
  };
}
