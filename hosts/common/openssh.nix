# Remote access: key-only SSH.
{ config, lib, pkgs, ... }:

{
  services.openssh = {
    enable = true;
    settings = {
      PermitRootLogin = "no";
      ClientAliveInterval = 60;
      AllowGroups = [ "sudo" ];
    };
  };
}
