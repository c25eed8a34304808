#!/usr/bin/env python3
"""Checks what an IDE test guest reports against the image files (tests/system/ide-guest.sh).

  ide-check.py fnv FILE OFFSET LENGTH       FNV-1a 64 of a file range, as the guest computes it
  ide-check.py fill FILE LBA COUNT SEED     fills sectors with deterministic bytes, prints FNV
  ide-check.py wrote LOG IMAGE              every "WROTE lba= count= fnv=" line of LOG that no
                                            later line overwrote must match IMAGE; prints how
                                            many were checked, exits 1 on a mismatch
"""
import random
import re
import sys

FNV_OFFSET = 0xcbf29ce484222325
FNV_PRIME = 0x100000001b3
MASK = (1 << 64) - 1


def fnv(data):
    h = FNV_OFFSET
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & MASK
    return h


def read_range(path, offset, length):
    with open(path, 'rb') as f:
        f.seek(offset)
        return f.read(length)


def main():
    cmd = sys.argv[1]
    if cmd == 'fnv':
        print('0x%016x' % fnv(read_range(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
    elif cmd == 'fill':
        path, lba, count, seed = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        data = random.Random(seed).randbytes(count * 512)
        with open(path, 'r+b') as f:
            f.seek(lba * 512)
            f.write(data)
        print('0x%016x' % fnv(data))
    elif cmd == 'wrote':
        log, image = sys.argv[2], sys.argv[3]
        writes = [tuple(int(x, 16) if i == 2 else int(x) for i, x in enumerate(m.groups()))
                  for m in re.finditer(r'WROTE lba=(\d+) count=(\d+) fnv=([0-9a-f]+)',
                                       open(log, errors='replace').read())]
        checked = bad = 0
        for i, (lba, count, want) in enumerate(writes):
            if any(l < lba + count and lba < l + c for l, c, _ in writes[i + 1:]):
                continue  # overwritten later
            got = fnv(read_range(image, lba * 512, count * 512))
            checked += 1
            if got != want:
                bad += 1
                print('lba %d count %d: image has %016x, guest wrote %016x' %
                      (lba, count, got, want))
        print('%d of %d writes checked against the image, %d differ' % (checked, len(writes), bad))
        sys.exit(1 if bad or not checked else 0)
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
