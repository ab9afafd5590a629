# A minimal virtual machine for cairn's own tests: x86_64 under QEMU (UEFI
# through OVMF and systemd-boot), root logged in on the serial console.
{ config, lib, pkgs, host, ... }:

{
  system.platform = "x86_64-linux";
  system.stateVersion = "1";

  boot.loader = {
    type = "systemd-boot";
    timeout = 3;
    tries = 2;
  };

  services.getty = {
    serialConsole = "ttyS0";
    autologinUser = "root";
  };

  # Nothing beyond the core: no extra tools, no locale data to compile, no
  # clock sync inside tests.
  environment.defaultPackages = [ ];
  i18n.defaultLocale = "C.UTF-8";
  services.timesyncd.enable = false;

  # A virtual machine needs only virtio's disk and the file systems in its
  # initramfs: under emulation each module costs (47 of them took 1.8 s).
  boot.kernel.initrdModules = lib.mkForce [
    "virtio_pci" "virtio_blk" "ext4" "vfat" "nls_ascii" "nls_cp437" "squashfs" "loop" "overlay"
  ];

  # cairn on the machine: the end-to-end tests rebuild it in place.
  programs.cairn.enable = true;

  # A shell in the initramfs for when nothing boots (with cairn.shell on the
  # kernel command line), and a directory kept across generations: the
  # end-to-end tests check both.
  boot.kernel.rescueShell = true;
  environment.persist.directories = [ "/srv/cairn-e2e" ];

  # One ordinary user, so tests can check the generated passwd and a home
  # on the state partition. Password "cairn" (openssl passwd -6).
  users.users.tester = {
    isNormalUser = true;
    description = "cairn test user";
    hashedPassword = "$6$cairn$IA9N2hb.hk20ot1lpc.BIkhUZJSsDvfL5LV2qmyTe.dD7OAZFw/SOYy3z.I9mThHIRoV9Y8EgR0hHvpNBl5Oq.";
  };
}
