#!/usr/bin/env python3
"""The far end of a test guest's NIC (tests/system/net-guest.sh), on a tap interface.

Usage: net-peer.py IFNAME GUEST_MAC [basic]  (run in the network namespace that holds IFNAME;
basic: only the pattern frames, for guests without offloads)

Waits for the interface, brings it up, says HELLO until the guest answers, then checks what
the guest sends (tests/guest/e1000.c: 24 pattern frames, a UDP frame with offloaded checksums,
a TSO burst, a VLAN-tagged frame, DONE) and sends 24 pattern frames back. One "PEER:" line per
finding; exit status 0 when everything was right.
"""
import os
import socket
import struct
import subprocess
import sys
import time

ETHERTYPE = 0x88B5
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4
PEER = bytes([0x02, 0, 0, 0, 0, 1])


def pattern(dst, src, length, seq):
    f = bytearray(length)
    f[0:6], f[6:12] = dst, src
    f[12:14] = struct.pack('>H', ETHERTYPE)
    f[14] = seq & 0xFF
    for i in range(15, length):
        f[i] = (seq * 31 + i * 7) & 0xFF
    return bytes(f)


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('>%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def l4_ok(frame, proto):
    ip = frame[14:34]
    total = struct.unpack('>H', ip[2:4])[0]
    l4 = frame[34:14 + total]
    pseudo = ip[12:20] + struct.pack('>BBH', 0, proto, len(l4))
    return csum(ip) == 0xFFFF and csum(pseudo + l4) == 0xFFFF


def main():
    ifname, guest = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', ''))
    basic = len(sys.argv) > 3 and sys.argv[3] == 'basic'
    problems = []
    for _ in range(300):
        if os.path.exists('/sys/class/net/' + ifname):
            break
        time.sleep(0.1)
    else:
        print('PEER: %s never appeared' % ifname)
        return 1
    try:
        with open('/proc/sys/net/ipv6/conf/%s/disable_ipv6' % ifname, 'w') as f:
            f.write('1')
    except OSError:
        pass
    subprocess.run(['ip', 'link', 'set', ifname, 'up'], check=True)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((ifname, 0))
    # The kernel takes 802.1Q tags off received frames and reports them beside the data.
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.settimeout(0.1)
    hello = pattern(guest, PEER, 60, 0)[:14] + b'HELLO' + bytes(41)
    got, deadline = [], time.monotonic() + 60
    while time.monotonic() < deadline:
        if not got:
            s.send(hello)
        try:
            frame, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(20))
        except socket.timeout:
            continue
        for level, kind, data in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA and len(data) >= 20:
                status, _, _, _, _, tci, tpid = struct.unpack('<IIIHHHH', data[:20])
                if status & TP_STATUS_VLAN_VALID:
                    frame = (frame[:12] + struct.pack('>HH', tpid or 0x8100, tci) +
                             frame[12:])
        if frame[6:12] != guest:
            continue
        got.append(frame)
        if frame[14:18] == b'DONE':
            break
    print('PEER: %d frames from the guest' % len(got))
    plain = [f for f in got if f[12:14] == struct.pack('>H', ETHERTYPE) and f[14:18] != b'DONE']
    ok = 0
    for seq in range(24):
        want = pattern(PEER, guest, 60 + seq * (1514 - 60) // 23, seq)
        if any(f == want for f in plain):
            ok += 1
    print('PEER: %d of 24 pattern frames intact' % ok)
    if ok != 24:
        problems.append('pattern frames')
    if basic:
        return finish(s, guest, problems)
    udp = [f for f in got if f[12:14] == b'\x08\x00' and f[23] == 17]
    if len(udp) == 1 and l4_ok(udp[0], 17):
        print('PEER: UDP checksum offload: IP and UDP checksums valid')
    else:
        problems.append('UDP offload (%d frames)' % len(udp))
    tcp = [f for f in got if f[12:14] == b'\x08\x00' and f[23] == 6]
    seqs = [struct.unpack('>I', f[38:42])[0] for f in tcp]
    ids = [struct.unpack('>H', f[18:20])[0] for f in tcp]
    payload = b''.join(f[54:] for f in tcp)
    want_payload = pattern(PEER, guest, 54 + 7300, 77)[54:]
    flags_ok = all(f[47] & 0x09 == 0 for f in tcp[:-1]) and tcp and tcp[-1][47] & 0x09 == 0x09
    if (len(tcp) == 8 and all(l4_ok(f, 6) for f in tcp) and payload == want_payload and
            seqs == [0x11223344 + 1000 * i for i in range(8)] and
            ids == [0x1234 + i for i in range(8)] and flags_ok and
            all(len(f) == 54 + 1000 for f in tcp[:-1])):
        print('PEER: TSO: 8 segments of MSS 1000, sequence, ids, flags and checksums right')
    else:
        problems.append('TSO (%d segments, seqs %s)' % (len(tcp), [hex(x) for x in seqs]))
    vlan = [f for f in got if f[12:14] == b'\x81\x00']
    if (len(vlan) == 1 and struct.unpack('>H', vlan[0][14:16])[0] & 0xFFF == 42 and
            vlan[0][:12] + vlan[0][16:] == pattern(PEER, guest, 100, 55)):
        print('PEER: VLAN 42 inserted')
    else:
        problems.append('VLAN insertion')
    return finish(s, guest, problems)


def finish(s, guest, problems):
    for seq in range(24):
        s.send(pattern(guest, PEER, 60 + seq * (1514 - 60) // 23, seq))
        time.sleep(0.002)
    print('PEER: sent 24 frames to the guest')
    for p in problems:
        print('PEER: WRONG ' + p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
