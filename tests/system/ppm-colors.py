#!/usr/bin/env python3
"""What a screendump shows, for tests that cannot compare it with a fixed image: its size, the
share of blue pixels (Linux's console blue), and how many bright white pixels the first text
line (the top 16 pixel rows) holds against the rest of the screen.
Usage: ppm-colors.py FILE.ppm"""
import sys


def read_ppm(path):
    data = open(path, "rb").read()
    fields = []
    pos = 0
    while len(fields) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or fields[3] != b"255":
        sys.exit("ppm-colors: %s is not a binary PPM with maxval 255" % path)
    width, height = int(fields[1]), int(fields[2])
    return width, height, data[pos + 1 : pos + 1 + width * height * 3]


def main():
    width, height, px = read_ppm(sys.argv[1])
    blue = white_top = white_rest = 0
    for y in range(height):
        row = px[y * width * 3 : (y + 1) * width * 3]
        for x in range(0, width * 3, 3):
            r, g, b = row[x], row[x + 1], row[x + 2]
            if r < 0x30 and g < 0x30 and b > 0x80:
                blue += 1
            elif r > 0xE0 and g > 0xE0 and b > 0xE0:
                if y < 16:
                    white_top += 1
                else:
                    white_rest += 1
    print("size %dx%d blue %.3f white_top %d white_rest %d"
          % (width, height, blue / float(width * height), white_top, white_rest))


main()
