#!/usr/bin/env python3
"""A line-oriented client for kvmdesk's monitor socket, for tests.

Usage: monitor-client.py SOCKET COMMAND...  -- prints each command's output, prefixed by
"== COMMAND" lines, and exits 0 when every command got its prompt back within the timeout.
"""
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from monitorlib import connect, read_until_prompt


def main():
    path, commands = sys.argv[1], sys.argv[2:]
    sock = connect(path, attempts=1)
    banner, _ = read_until_prompt(sock, 10.0)
    sys.stdout.write("== banner\n" + banner.decode())
    for command in commands:
        sock.sendall(command.encode() + b"\n")
        out, alive = read_until_prompt(sock, 10.0)
        sys.stdout.write("== %s\n%s" % (command, out.decode()))
        if not alive:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
