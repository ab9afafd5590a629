# A machine a person sits at: the desktop, the everyday command-line tools,
# and alice's account with a password for the login screen.
{ config, lib, pkgs, ... }:

{
  imports = [
    ./core.nix
    ./users.nix
  ];

  system.platform = "x86_64-linux";
  boot.loader.type = "systemd-boot";

  # Rebuilt in place: `cairn switch` on the machine itself, from alice's
  # clone of this repository.
  programs.cairn = {
    enable = true;
    repository = "/home/alice/config";
  };

  desktop = {
    enable = true;
    environment = lib.mkDefault "xfce";
    extraPackages = with pkgs; [ firefox-esr ];
  };

  environment.systemPackages = with pkgs; [
    git
    curl
    wget
    ripgrep
    python3
    unzip
    openssh-client
  ];

  programs.git = {
    enable = true;
    config = {
      init.defaultBranch = "main";
      pull.rebase = true;
      core.editor = "vim";
    };
  };

  users.users.alice = {
    extraGroups = [ "audio" "video" "plugdev" ];
    # The password "alice": an example only; make your own with `mkpasswd -m sha-512`.
    hashedPassword = "$6$cairnexample$gFgk1q72pzf5WfbnVV4skYgv.lX2UA.Mj5r4WkWjWu1.SWMLLo.mhiesvZpuW6kebT3noWrFzjilnajfu4v7z0";
  };
}
