# The server host as a QEMU machine (qemu-system-aarch64 -M virt, cortex-a72),
# for cairn's own tests: the same system and the same U-Boot + extlinux boot
# partition, but U-Boot is QEMU's firmware (u-boot-qemu, on the build
# machine) instead of the Raspberry Pi's, the disk is virtio and the console
# the virt machine's PL011 UART.
{ lib, ... }:

{
  imports = [ ../server ];

  hardware.raspberryPi.enable = lib.mkForce false;
  boot.loader.type = "extlinux";
  boot.loader.timeout = 3;
  boot.loader.tries = 2;

  services.getty = {
    serialConsole = lib.mkForce "ttyAMA0";
    autologinUser = "root";
  };

  # Under emulation each module costs; virtio's disk and the file systems.
  boot.kernel.initrdModules = lib.mkForce [
    "virtio_mmio" "virtio_pci" "virtio_blk" "ext4" "vfat" "nls_ascii" "nls_cp437" "squashfs" "loop" "overlay"
  ];
  boot.kernel.rescueShell = true;

  # A 4096-bit RSA key takes minutes to make under emulation; ed25519 only.
  services.openssh.hostKeys = lib.mkForce [ { type = "ed25519"; path = "/etc/ssh/ssh_host_ed25519_key"; } ];
}
