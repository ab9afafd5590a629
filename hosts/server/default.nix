# A home server on a Raspberry Pi 4: aarch64, the firmware starts U-Boot,
# whose menu lists the generations and counts a new one's tries; SSH with
# keys only, no desktop. Its serial console is the UART on GPIO 14/15 (ttyS1
# with Debian's kernel). hosts/server-qemu is the same machine for QEMU.
{ config, lib, pkgs, host, ... }:

{
  imports = [
    ../common/core.nix
    ../common/openssh.nix
    ../common/users.nix
  ];

  system.platform = "aarch64-linux";
  system.stateVersion = "1";

  hardware.raspberryPi = {
    enable = true;
    model = 4;
    configTxt = ''
      # No display attached: give the GPU the least memory.
      gpu_mem=16
    '';
  };

  time.timeZone = "UTC";

  # Swap in compressed memory rather than on the SD card.
  zramSwap.enable = true;

  # Reachable as server.local without a DNS entry (ssh alice@server.local),
  # and able to reach the other machines' .local names.
  services.avahi = {
    enable = true;
    nssmdns4 = true;
    publish = { enable = true; addresses = true; };
  };

  # alice has no password here: sudo must not ask for one.
  security.sudo.wheelNeedsPassword = false;

  # A trial generation counts as good only once SSH is up.
  boot.loader.healthChecks = [ "ssh.service" ];

  environment.systemPackages = with pkgs; [ git rsync tmux ];
}
