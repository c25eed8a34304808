"""What the test scripts that talk to kvmdesk's monitor socket share: connecting (kvmdesk may
still be starting) and reading one command's output up to the next prompt."""
import socket
import time

PROMPT = b"(qemu) "


def connect(path, attempts=200):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    for _ in range(attempts):
        try:
            sock.connect(path)
            return sock
        except OSError:
            time.sleep(0.05)
    sock.connect(path)  # the last try raises what went wrong
    return sock


def read_until_prompt(sock, timeout=20.0):
    """(output before the next prompt, True), or (what came, False) when the monitor closed
    first (after quit). TimeoutError if neither happens in time."""
    data = b""
    end = time.monotonic() + timeout
    while not data.endswith(PROMPT):
        left = end - time.monotonic()
        if left <= 0:
            raise TimeoutError("no prompt after %r" % data[-300:])
        sock.settimeout(left)
        chunk = sock.recv(65536)
        if not chunk:
            return data, False
        data += chunk
    return data[: -len(PROMPT)], True


def read_prompt(sock, timeout=20.0):
    """The output before the next prompt; EOFError if the monitor closes first."""
    data, alive = read_until_prompt(sock, timeout)
    if not alive:
        raise EOFError("monitor closed after %r" % data[-300:])
    return data
