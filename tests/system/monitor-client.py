#!/usr/bin/env python3
"""A line-oriented client for kvmdesk's monitor socket, for tests.

Usage: monitor-client.py SOCKET COMMAND...  -- prints each command's output, prefixed by
"== COMMAND" lines, and exits 0 when every command got its prompt back within the timeout.
"""
import socket
import sys
import time

PROMPT = b"(qemu) "


def read_until_prompt(sock, timeout=10.0):
    data = b""
    end = time.monotonic() + timeout
    while not data.endswith(PROMPT):
        left = end - time.monotonic()
        if left <= 0:
            raise TimeoutError("no prompt after %r" % data[-200:])
        sock.settimeout(left)
        chunk = sock.recv(65536)
        if not chunk:
            return data, False
        data += chunk
    return data[: -len(PROMPT)], True


def main():
    path, commands = sys.argv[1], sys.argv[2:]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    banner, _ = read_until_prompt(sock)
    sys.stdout.write("== banner\n" + banner.decode())
    for command in commands:
        sock.sendall(command.encode() + b"\n")
        out, alive = read_until_prompt(sock)
        sys.stdout.write("== %s\n%s" % (command, out.decode()))
        if not alive:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
