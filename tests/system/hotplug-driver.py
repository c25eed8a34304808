#!/usr/bin/env python3
"""Drives tests/guest/hotplug.c through kvmdesk's monitor socket and prints TAP.

Usage: hotplug-driver.py ROUNDS SOCKET KVMDESK-ARGS...
kvmdesk runs with the guest's console (debugcon) on its stdout; the guest says when it is
ready, the driver hot-adds an e1000 (pci_add in even rounds; netdev_add + device_add in odd
ones), the guest finds and drives it and says so, the driver removes it (pci_del / device_del
+ netdev_del), the guest ejects it and says so, and `info pci` must agree at every step. Error
paths of every hotplug command and the reset path come before the rounds; a removal the
guest never answers (it has finished) completes after the 30 s timeout, with a message.
"""
import os
import re
import select
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from monitorlib import connect, read_prompt

results = []


def check(ok, what, detail=""):
    results.append(bool(ok))
    print("%s %d - %s" % ("ok" if ok else "not ok", len(results), what))
    if not ok and detail:
        for line in str(detail).splitlines()[-30:]:
            print("# " + line)
    sys.stdout.flush()
    return ok


class Monitor:
    def __init__(self, path):
        self.sock = connect(path)
        read_prompt(self.sock)

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\n")
        return read_prompt(self.sock).decode()


class Guest:
    """The guest's console lines on kvmdesk's stdout."""

    def __init__(self, proc):
        self.proc = proc
        self.buf = b""
        self.log = []

    def expect(self, pattern, timeout=30.0):
        end = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                text = line.decode(errors="replace")
                self.log.append(text)
                m = rx.search(text)
                if m:
                    return m
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    return None
                self.buf += chunk


def slot_in_info_pci(text, slot):
    return re.search(r"Bus  0, device %3d, function 0:" % slot, text) is not None


def main():
    rounds, sock_path, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    guest = Guest(proc)
    mon = Monitor(sock_path)
    print("1..%d" % (9 + rounds + 4))

    # Error paths: one clear line each, nothing changes.
    before = mon.cmd("info pci")
    bad = [
        ("pci_add", "usage"),
        ("pci_add 3 nic model=e1000", "slot 3 is taken"),
        ("pci_add 1 nic", "reserved"),
        ("pci_add 0:0:zz nic", "invalid PCI address"),
        ("pci_add auto nic model=ne2k", "e1000, rtl8139"),
        ("pci_add auto nic macaddr=01:00:00:00:00:01", "multicast"),
        ("pci_add auto storage file=/tmp/x.img", "no hot-pluggable disk controller"),
        ("pci_add auto floppy", "unknown device type"),
        ("pci_del 1", "part of the board"),
        ("pci_del 1f", "slot 31 is empty"),
        ("device_add e1000,netdev=nope", "no netdev 'nope'"),
        ("device_add isa-debug-exit", "cannot be hot-plugged"),
        ("device_del nope", "not found"),
        ("device_del rtc", "not a hot-pluggable card"),
        ("netdev_add bogus,id=x", "user"),
        ("netdev_del nope", "no netdev"),
    ]
    failures = []
    for line, want in bad:
        out = mon.cmd(line)
        if want not in out or len(out.strip().splitlines()) != 1:
            failures.append("%s -> %r (want %r)" % (line, out, want))
    check(not failures, "%d bad hotplug commands: one line each naming the problem" % len(bad),
          "\n".join(failures))
    check(mon.cmd("info pci") == before, "bad commands change nothing (info pci)")
    out = mon.cmd("netdev_add user,id=dup")
    out2 = mon.cmd("netdev_add user,id=dup")
    check(out.strip() == "" and "in use already" in out2, "netdev_add: a second 'dup' is refused",
          out + out2)
    check(mon.cmd("netdev_del dup").strip() == "" and "no netdev" in mon.cmd("netdev_del dup"),
          "netdev_del removes it, once")

    # A removal requested twice, and a card that the paused guest cannot eject: system_reset
    # completes it.
    mon.cmd("stop")
    out = mon.cmd("pci_add auto nic model=e1000")
    m = re.match(r"OK domain 0, bus 0, slot (\d+), function 0", out.strip())
    check(m, "pci_add auto nic model=e1000 prints QEMU's OK line", out)
    slot = int(m.group(1)) if m else 4
    info = mon.cmd("info pci")
    check(slot_in_info_pci(info, slot) and "8086:100e" in info, "info pci shows the new e1000",
          info)
    out = mon.cmd("pci_del %x" % slot)
    out2 = mon.cmd("pci_del %x" % slot)
    check(out.strip() == "" and "being removed already" in out2,
          "pci_del: a second request for the same slot is refused", out + out2)
    qtree = mon.cmd("info qtree")
    m = re.search(r"acpi-pcihp: .* removing (0x[0-9a-f]+)", qtree)
    check(m and int(m.group(1), 16) == 1 << slot, "info qtree shows the removal waiting", qtree)

    # The guest does not see any of that: it has not started its rounds yet (paused before
    # "ready" or at it). system_reset restarts it and completes the removal.
    mon.cmd("system_reset")
    gone = False
    for _ in range(100):
        if not slot_in_info_pci(mon.cmd("info pci"), slot):
            gone = True
            break
        time.sleep(0.05)
    check(gone, "system_reset completes a removal the guest did not answer")
    mon.cmd("cont")

    # The rounds. The guest restarted after the reset; events it saw before are dropped.
    guest.log.clear()
    ok_rounds = 0
    for r in range(rounds):
        detail = ""
        m = guest.expect(r"hotplug: ready %d$" % r)
        if not m:
            check(False, "round %d: the guest is ready" % r, "\n".join(guest.log))
            break
        if r % 2 == 0:
            out = mon.cmd("pci_add auto nic model=e1000")
            m = re.match(r"OK domain 0, bus 0, slot (\d+), function 0", out.strip())
        else:
            out = mon.cmd("netdev_add user,id=hp%d" % r)
            out += mon.cmd("device_add e1000,netdev=hp%d,id=nic%d,mac=52:54:00:aa:00:%02x" %
                           (r, r, r))
            m = re.match(r"^$", out.strip())
        if not m:
            check(False, "round %d: add" % r, out)
            break
        added = guest.expect(r"hotplug: added slot (\d+) mac (\S+)")
        if not added:
            check(False, "round %d: the guest finds the card" % r, "\n".join(guest.log))
            break
        slot = int(added.group(1))
        net = mon.cmd("info network")
        ok = slot_in_info_pci(mon.cmd("info pci"), slot) and added.group(2) in net
        if r % 2 == 1:
            ok = ok and added.group(2) == "52:54:00:aa:00:%02x" % r
        out = mon.cmd("pci_del %x" % slot) if r % 2 == 0 else mon.cmd("device_del nic%d" % r)
        ok = ok and out.strip() == ""
        removed = guest.expect(r"hotplug: removed slot %d$" % slot)
        ok = ok and removed is not None
        if r % 2 == 1:
            ok = ok and mon.cmd("netdev_del hp%d" % r).strip() == ""
        info = mon.cmd("info pci")
        ok = ok and not slot_in_info_pci(info, slot)
        detail = "\n".join(guest.log[-5:]) + "\n" + info + net
        check(ok, "round %d: %s e1000 at slot %d: found by the guest (mac %s), ejected, gone" %
              (r, "pci_add/pci_del" if r % 2 == 0 else "device_add/device_del",
               slot, added.group(2)), detail)
        ok_rounds += ok
    while len(results) < 9 + rounds:
        check(False, "round not run")

    check(guest.expect(r"hotplug: done$") is not None, "the guest completes its rounds")

    # The guest has stopped answering: a removal it never acknowledges completes after the
    # timeout, with a message.
    out = mon.cmd("pci_add auto nic model=e1000")
    m = re.match(r"OK domain 0, bus 0, slot (\d+), function 0", out.strip())
    slot = int(m.group(1)) if m else 4
    mon.cmd("pci_del %x" % slot)
    start = time.monotonic()
    gone = False
    while time.monotonic() - start < 45 and not gone:
        time.sleep(0.5)
        gone = not slot_in_info_pci(mon.cmd("info pci"), slot)
    waited = time.monotonic() - start
    timeout_ok = gone and 25 <= waited <= 40
    try:
        mon.cmd("quit")
    except (EOFError, OSError):
        pass
    try:
        status = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        status = "hung"
    rest = proc.stdout.read() if status != "hung" else b""
    guest.log += (guest.buf + rest).decode(errors="replace").splitlines()
    err = proc.stderr.read().decode(errors="replace") if status != "hung" else ""
    check(timeout_ok and "did not release the card in slot %d within 30 s" % slot in err,
          "an unanswered pci_del completes after 30 s with a message (took %.0f s)" % waited,
          err)
    check(status == 0, "quit: kvmdesk exits 0 (no leaks under ASan) after %d rounds" % rounds,
          "exit status %s" % status)
    check(not any("FAIL" in l for l in guest.log) and
          "hotplug: hostile register storm: survived" in guest.log,
          "the guest's register storm left the board and the default NIC; no guest check failed",
          "\n".join(guest.log[-20:]))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
