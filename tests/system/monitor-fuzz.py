#!/usr/bin/env python3
"""Feeds kvmdesk's monitor random command lines for a fixed time and prints TAP.

Usage: monitor-fuzz.py SECONDS SEED SOCKET KVMDESK-ARGS...
Lines are built from the monitor's own command names (read from `help`) with random arguments
(numbers, addresses, formats, device options, punctuation, very long words) and raw random
bytes. After every line the monitor must give its prompt back; at the end it must still
answer, and quit must end kvmdesk with status 0 (under ASan: nothing leaked or corrupted).
Lines that would touch the host stay out: assigning host devices (host=, vfio-pci), tap
interfaces, quit.
"""
import random
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from monitorlib import connect, read_prompt

TOKENS = [
    "auto", "nic", "host", "storage", "model=e1000", "model=rtl8139", "model=", "vlan=0",
    "vlan=-1", "vlan=99999999999", "macaddr=52:54:00:00:00:01", "macaddr=01:02:03:04:05:06",
    "macaddr=zz", "e1000", "rtl8139", "e1000,netdev=n0", "rtl8139,netdev=fz,id=fz",
    "netdev=", "id=", "id=fz", "addr=5", "addr=0x1f", "addr=99", "user,id=fz", "user",
    "user,id=fz,hostfwd=tcp::0-:22", "user,net=10.9.0.0/24,id=fy", "user,hostfwd=bogus",
    "/4xb", "/16xw", "/1xg", "/999999999xb", "/x", "/c", "/0xb", "/q", "/", "0", "0x0",
    "0xffff0", "0xfffffffffffffff0", "-1", "18446744073709551616", "1f", "0:0:3", "0:0:1f",
    "0:1:3", "::", ":", "ide1-cd0", "ide0-hd0", "/nonexistent/x.iso", "raw", "qcow2", "-f",
    "ctrl-alt-delete", "ctrl-alt-f1", "shift-a", "nokey", "a-b-c-d-e-f-g-h-i", "10", "0",
    "pci", "block", "network", "irq", "mtree", "status", "qtree", "registers", "exits", "chardev",
    "ksm", "balloon", "cpus", "kvm", "version", "nonsense", ",", ",,", "=", "==", "a=b=c",
    "'", '"', "\\", "%s%n%x", "\t", "é", "\u202e", "0" * 40,
]
FORBIDDEN = re.compile(r"host|vfio|tap|^\s*(quit|q)\b", re.I)


def random_word(rng):
    r = rng.random()
    if r < 0.6:
        return rng.choice(TOKENS)
    if r < 0.8:
        return ",".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 5)))
    if r < 0.95:
        return "".join(chr(rng.randint(33, 126)) for _ in range(rng.randint(1, 40)))
    return "x" * rng.randint(100, 3000)


def random_line(rng, commands):
    r = rng.random()
    if r < 0.05:
        return bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 200))).replace(b"\n", b" ")
    if r < 0.07:
        return b"y" * rng.randint(4000, 9000)  # longer than the monitor's line limit
    words = [rng.choice(commands)]
    if words[0] == "info" and rng.random() < 0.8:
        words.append(rng.choice(["pci", "block", "network", "irq", "mtree", "status", "qtree",
                                 "registers", "exits", "chardev", "ksm", "cpus", "bogus"]))
    words += [random_word(rng) for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 5]))]
    return " ".join(words).encode("utf-8", "surrogateescape")


def main():
    seconds, seed, path, args = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    rng = random.Random(seed)
    print("1..3")
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    sock = connect(path, attempts=300)
    read_prompt(sock)
    sock.sendall(b"help\n")
    commands = [l.split()[0].split("|")[0] for l in read_prompt(sock).decode().splitlines()
                if l.strip()]
    commands = [c for c in commands if not FORBIDDEN.search(c)]
    lines, failure, last = 0, None, b""
    end = time.monotonic() + seconds
    while time.monotonic() < end and failure is None:
        line = random_line(rng, commands)
        if FORBIDDEN.search(line.decode("latin-1")):
            continue
        last = line
        try:
            sock.sendall(line + b"\n")
            read_prompt(sock, 30.0)
        except (TimeoutError, EOFError, OSError) as e:
            failure = "%s after %r" % (e, line[:300])
        lines += 1
    ok = failure is None and proc.poll() is None
    print("%s 1 - %d random lines in %.0f s (seed %d): a prompt after each, kvmdesk alive" %
          ("ok" if ok else "not ok", lines, seconds, seed))
    if not ok:
        print("# " + (failure or "kvmdesk ended; last line %r" % last[:300]))
    answer = b""
    try:
        sock.sendall(b"cont\n")
        read_prompt(sock)
        sock.sendall(b"info version\n")
        answer = read_prompt(sock)
    except (TimeoutError, EOFError, OSError) as e:
        answer = str(e).encode()
    ok2 = b"kvmdesk" in answer
    print("%s 2 - the monitor still answers (info version)" % ("ok" if ok2 else "not ok"))
    try:
        sock.sendall(b"quit\n")
        sock.recv(1024)
    except OSError:
        pass
    try:
        status = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        status = "hung"
    err = proc.stderr.read().decode(errors="replace")
    ok3 = status == 0 and "ERROR: AddressSanitizer" not in err and "runtime error" not in err
    print("%s 3 - quit: kvmdesk exits 0, no sanitizer report (status %s)" %
          ("ok" if ok3 else "not ok", status))
    if not ok3:
        for l in err.splitlines()[-40:]:
            print("# " + l)
    return 0


if __name__ == "__main__":
    sys.exit(main())
