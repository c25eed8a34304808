#!/usr/bin/env python3
"""SeaBIOS POST side by side: kvmdesk and QEMU (-enable-kvm) on the same firmware, 128 MiB.

For each: process start to the firmware's first debug-console byte (how soon the guest's first
instructions run), start to "No bootable device" (POST wall time), resident memory then, and
the number of exits to userspace a POST costs (kvmdesk's own counter through its monitor;
QEMU's kvm_run_exit trace events, in a separate run since tracing slows it down).
Usage: bench/post.py [BUILDDIR] [ROUNDS]
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "_build"
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
KVMDESK = os.path.join(BUILD, "src", "kvmdesk")
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
DONE = b"No bootable device"


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def monitor(path, command):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    data = b""
    s.sendall(command.encode() + b"\n")
    end = time.monotonic() + 10
    while data.count(b"(qemu) ") < 2 and time.monotonic() < end:
        data += s.recv(65536)
    s.close()
    return data.decode(errors="replace")


def run(argv, sock=None):
    """Starts argv (debug console on stdout); returns first-byte time, POST time, RSS, exits."""
    start = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    first = None
    seen = b""
    while DONE not in seen:
        chunk = os.read(p.stdout.fileno(), 4096)
        if not chunk:
            break
        if first is None:
            first = time.monotonic() - start
        seen = (seen + chunk)[-4096:]
    post = time.monotonic() - start
    rss = rss_kib(p.pid)
    exits = None
    if sock:
        m = re.search(r"exits to userspace: (\d+)", monitor(sock, "info exits"))
        exits = int(m.group(1)) if m else None
    p.send_signal(signal.SIGTERM)
    p.wait()
    return first, post, rss, exits


def qemu_exits(argv):
    """Exits to QEMU's userspace in one POST, from its kvm_run_exit trace event (one line per
    return from KVM_RUN; strace -c counts the same but slows QEMU down by orders here)."""
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "trace")
        p = subprocess.Popen(argv + ["-trace", "kvm_run_exit", "-D", log],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        seen = b""
        while DONE not in seen:
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                break
            seen = (seen + chunk)[-4096:]
        p.send_signal(signal.SIGTERM)
        p.wait()
        if not os.path.exists(log):
            return None
        with open(log, errors="replace") as f:
            return sum(1 for line in f if "kvm_run_exit" in line)


def median(values):
    values = sorted(v for v in values if v is not None)
    return values[len(values) // 2] if values else None


def main():
    tmp = tempfile.mkdtemp()
    sock = os.path.join(tmp, "mon.sock")
    # The same PC on both: Cirrus VGA (its BIOS runs), the empty CD-ROM, no NIC (iPXE cannot
    # run on nested software KVM), only the CD tried.
    boot = ["-boot", "order=d,strict=on,reboot-timeout=-1", "-net", "none"]
    kvmdesk = [KVMDESK, "-m", "128", "-display", "none", "-vga", "cirrus"] + boot + [
               "-debugcon", "stdio", "-monitor", "unix:%s,server,nowait" % sock]
    qemu = [QEMU, "-M", "pc", "-enable-kvm", "-m", "128", "-display", "none", "-vga", "cirrus",
            "-serial", "none", "-parallel", "none"] + boot + [
            "-chardev", "stdio,id=d", "-device", "isa-debugcon,iobase=0x402,chardev=d"]
    results = {"kvmdesk": [], "qemu": []}
    for _ in range(ROUNDS):
        results["kvmdesk"].append(run(kvmdesk, sock))
        results["qemu"].append(run(qemu))
    exits = {"kvmdesk": median(r[3] for r in results["kvmdesk"]), "qemu": qemu_exits(qemu)}
    print("%-8s %14s %10s %9s %12s   (SeaBIOS POST, -m 128, median of %d)"
          % ("VMM", "first byte s", "POST s", "RSS MiB", "exits", ROUNDS))
    table = {}
    for vmm in ("kvmdesk", "qemu"):
        first = median(r[0] for r in results[vmm])
        post = median(r[1] for r in results[vmm])
        rss = median(r[2] for r in results[vmm])
        table[vmm] = (first, post, rss, exits[vmm])
        print("%-8s %14.3f %10.2f %9.1f %12s" % (vmm, first, post, rss / 1024.0,
                                                 exits[vmm] if exits[vmm] is not None else "n/a"))
    k, q = table["kvmdesk"], table["qemu"]
    line = "kvmdesk/qemu: first byte %.2f, POST %.2f, RSS %.2f" % (k[0] / q[0], k[1] / q[1], k[2] / q[2])
    if k[3] and q[3]:
        line += ", exits %.2f" % (k[3] / q[3])
    print(line)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
