"""A QEMU machine for cairn's end-to-end tests, driven over its serial console.

Boots a disk image under TCG by default (this class of machine has a
/dev/kvm whose nested virtualization cannot run Debian's kernel): an x86_64
PC through OVMF (UEFI) and systemd-boot, or an aarch64 "virt" machine
(cortex-a72) whose firmware is U-Boot from u-boot-qemu. The serial console
is on a pipe. Tests wait for lines
with a timeout, send keys, and read the whole log afterwards. Reboots happen
inside the same QEMU process, so a test sees a fallback across boots.
"""
import os
import re
import selectors
import shutil
import subprocess
import tempfile
import time

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
UBOOT_ARM64 = "/usr/lib/u-boot/qemu_arm64/u-boot.bin"


class Timeout(Exception):
    pass


class Machine:
    def __init__(self, disk, memory=1024, kvm=False, log_path=None, snapshot=False, arch="x86_64", disks=()):
        self.disk = disk
        self.work = tempfile.mkdtemp(prefix="cairn-e2e-")
        self.log = ""
        self.log_file = open(log_path, "w") if log_path else None
        if arch == "aarch64":
            args = [
                "qemu-system-aarch64", "-machine", "virt", "-cpu", "cortex-a72", "-m", str(memory), "-smp", "2",
                "-nographic", "-serial", "stdio", "-monitor", "none", "-bios", UBOOT_ARM64,
            ]
        else:
            self.vars = os.path.join(self.work, "OVMF_VARS.fd")
            shutil.copyfile(OVMF_VARS, self.vars)
            args = [
                "qemu-system-x86_64", "-machine", "q35", "-m", str(memory), "-smp", "2",
                "-nographic", "-serial", "stdio", "-monitor", "none",
                "-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
                "-drive", f"if=pflash,format=raw,unit=1,file={self.vars}",
            ]
        args += ["-drive", f"file={disk},if=virtio,format=raw" + (",snapshot=on" if snapshot else ""), "-nic", "none"]
        for extra in disks:  # /dev/vdb, /dev/vdc, ...
            args += ["-drive", f"file={extra},if=virtio,format=raw" + (",snapshot=on" if snapshot else "")]
        args += ["-accel", "kvm"] if kvm else ["-accel", "tcg"]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.proc.stdout, selectors.EVENT_READ)
        self.pos = 0  # where the next wait() starts looking

    def _read(self, timeout):
        for _ in self.sel.select(timeout):
            data = os.read(self.proc.stdout.fileno(), 65536)
            if not data:
                return False
            text = data.decode("utf-8", "replace")
            self.log += text
            if self.log_file:
                self.log_file.write(text)
                self.log_file.flush()
        return True

    def wait(self, pattern, timeout, flags=0):
        """Waits for `pattern` (a regex) after the last match; returns the match."""
        rx = re.compile(pattern, flags)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.log, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None and not self._read(0):
                raise Timeout(f"no {pattern!r} within {timeout} s; last lines:\n" + self.tail())
            self._read(min(left, 1.0))

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def tail(self, lines=25):
        return "\n".join(self.log.splitlines()[-lines:])

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.log_file:
            self.log_file.close()
        shutil.rmtree(self.work, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
