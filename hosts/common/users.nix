# The people who use the example machines.
{ config, lib, pkgs, ... }:

{
  users.users.alice = {
    isNormalUser = true;
    description = "Alice Example";
    extraGroups = [ "sudo" ];
    # Keys that may log in as alice over SSH, kept next to this file.
    openssh.authorizedKeys.keyFiles = [ ./keys/alice.pub ];
  };
}
