#!/usr/bin/env python3
"""Drives the VGA test guest (tests/guest/vga.c) through the monitor and checks what the screen
showed against pictures computed here (tests/system/vga.sh).

  vga-check.py drive SOCKET LOG OUTDIR [--info]
        at every "vga: ready NAME" in LOG: `screendump OUTDIR/NAME.ppm` (and `info status`;
        with --info kvmdesk's `info display` and `info display cells N` too), all the monitor
        said into OUTDIR/NAME.mon, then `sendkey ret`; until the guest says "vga: done"
  vga-check.py compare PHASE LOG PPM [EXPECTED.ppm]
        the screendump against what PHASE (text, mode13h, cirrus16, hostile) must show; prints
        where they differ; writes the expected picture when asked
  vga-check.py info PHASE MONFILE
        kvmdesk's `info display` for PHASE: the adapter, the mode, the cursor, rows and cells

The pictures follow the hardware as QEMU models it (hw/display/vga.c, cirrus_vga.c), which is
what kvmdesk's model must match:
  - DAC values of 6 bits become 8 as QEMU's c6_to_8(): v << 2 | (v & 1) * 3
  - RGB565 pixels become 8 bits a channel by RGB565_EXPANSION below
  - text mode: 9 dots a cell (SR01 bit 0 clear); the 9th dot repeats the 8th for codes
    0xC0-0xDF when AR10 bit 2 is set, else it is background; the cursor cell may show the
    cursor or not (it blinks), both are accepted there
  - BitBLTs as the CL-GD5446 TRM describes them and QEMU implements them: see blt()
"""
import contextlib
import io
import os
import re
import socket
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from monitorlib import connect, read_until_prompt  # noqa: E402

SRCDIR = os.path.dirname(os.path.abspath(__file__))
FONT_HEADER = os.path.join(SRCDIR, "..", "guest", "vga-font.h")
VRAM_SIZE = 4 << 20

# How a 5- or 6-bit channel of an RGB565 pixel becomes 8 bits in the screendump. QEMU 7.2
# shares the guest's 16 bpp framebuffer with the console as a pixman r5g6b5 image and its
# screendump converts that with pixman, which repeats the top bits into the low ones.
RGB565_EXPANSION = "replicate"


def c6_to_8(v):
    """A 6-bit DAC value as QEMU shows it (vga_int.h c6_to_8)."""
    v &= 0x3F
    return (v << 2) | ((v & 1) * 3)


def expand5(v):
    return (v << 3) | (v >> 2) if RGB565_EXPANSION == "replicate" else v << 3


def expand6(v):
    return (v << 2) | (v >> 4) if RGB565_EXPANSION == "replicate" else v << 2


# ---------------------------------------------------------------- PPM


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields = []
    pos = 0
    while len(fields) < 4:
        m = re.compile(rb"\s*(#[^\n]*\n\s*)*(\S+)").match(data, pos)
        if not m:
            raise ValueError("%s: not a PPM file" % path)
        fields.append(m.group(2))
        pos = m.end()
    if fields[0] != b"P6" or fields[3] != b"255":
        raise ValueError("%s: not a binary PPM of maxval 255 (%r)" % (path, fields))
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:pos + 1 + width * height * 3]
    if len(pixels) != width * height * 3:
        raise ValueError("%s: %d bytes of pixels for %dx%d" % (path, len(pixels), width, height))
    return width, height, pixels


def write_ppm(path, width, height, pixels):
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (width, height))
        f.write(bytes(pixels))


# ---------------------------------------------------------------- the guest's log


def blts_of(log, phase):
    """The BitBLTs the guest logged for a phase, in order, as dicts."""
    out = []
    pattern = re.compile(r"^vga: %s: blt (.*)$" % re.escape(phase))
    with open(log, errors="replace") as f:
        for line in f:
            m = pattern.match(line.rstrip("\n"))
            if not m:
                continue
            b = {"system": "source=system" in m.group(1)}
            for key, value in re.findall(r"(\w+)=(\w+)", m.group(1)):
                if key not in ("via", "source"):
                    b[key] = int(value, 0)
            out.append(b)
    return out


# ---------------------------------------------------------------- phase 1: text


def font():
    """{code: 16 rows} from vga-font.h, as the guest loads it."""
    text = open(FONT_HEADER).read()
    block = text[text.index("vga-font-begin"):text.index("vga-font-end")]
    numbers = [int(n, 16) for n in re.findall(r"0x([0-9A-Fa-f]{2})\b", block)]
    glyphs = {}
    for i in range(95):
        rows5 = numbers[i * 7:i * 7 + 7]
        glyphs[0x20 + i] = [0] + [rows5[(r - 1) // 2] << 2 for r in range(1, 15)] + [0]
    rest = numbers[95 * 7:]
    if len(rest) % 17:
        raise ValueError("vga-font.h: box glyphs are not {code, 16 rows}")
    for i in range(0, len(rest), 17):
        glyphs[rest[i]] = rest[i + 1:i + 17]
    return glyphs


def text_cells():
    """The 80x25 (code, attribute) cells the guest writes, phase_text() in vga.c."""
    cells = [(0x20, 0x07)] * 2000

    def put(row, col, codes, attr):
        for i, c in enumerate(codes):
            cells[row * 80 + col + i] = (c if isinstance(c, int) else ord(c), attr)

    put(0, 0, " " * 80, 0x1F)
    put(0, 0, "kvmdesk VGA text", 0x1F)
    put(3, 10, "attr 0x4E", 0x4E)
    put(5, 0, "fg:", 0x07)
    for i in range(16):
        put(5, 4 + i, "0123456789ABCDEF"[i], i if i else 0x70)
    put(6, 0, "bg:", 0x07)
    for i in range(8):
        put(6, 4 + i, chr(ord("a") + i), i << 4 | (15 - i))
    put(9, 2, [0xC9] + [0xCD] * 10 + [0xBB], 0x0B)
    put(10, 2, [0xBA] + [ord(c) for c in " box 437  "] + [0xBA], 0x0B)
    put(11, 2, [0xC8] + [0xCD] * 10 + [0xBC], 0x0B)
    put(12, 2, "block", 0x0C)
    put(12, 8, [0xDB] * 3, 0x0C)
    for c in range(0x20, 0x7F):
        put(20 + (c - 0x20) // 80, (c - 0x20) % 80, [c], 0x07)
    return cells


CURSOR = (7, 12, 13, 14)  # row, col, first and last scan line


def ega_rgb(index):
    """The 64-entry EGA DAC palette the guest loads, in 8 bits."""
    def channel(hi, lo):
        return c6_to_8((0x2A if index & hi else 0) + (0x15 if index & lo else 0))
    return (channel(4, 32), channel(2, 16), channel(1, 8))


TEXT_ATTR_MAP = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07,
                 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F]


def expect_text():
    """720x400 and, for the cursor cell's scan lines, the set of pixels allowed there."""
    glyphs = font()
    cells = text_cells()
    pixels = bytearray(720 * 400 * 3)
    either = {}
    for row in range(25):
        for col in range(80):
            code, attr = cells[row * 80 + col]
            fg = ega_rgb(TEXT_ATTR_MAP[attr & 0x0F])
            bg = ega_rgb(TEXT_ATTR_MAP[(attr >> 4) & 0x07])  # bit 7 blinks (AR10 bit 3)
            glyph = glyphs.get(code, [0] * 16)
            for line in range(16):
                bits = glyph[line]
                ninth = bits & 1 if 0xC0 <= code <= 0xDF else 0
                y = row * 16 + line
                for dot in range(9):
                    on = (bits >> (7 - dot)) & 1 if dot < 8 else ninth
                    o = (y * 720 + col * 9 + dot) * 3
                    pixels[o:o + 3] = bytes(fg if on else bg)
                    if (row, col) == CURSOR[:2] and CURSOR[2] <= line <= CURSOR[3]:
                        either[(col * 9 + dot, y)] = (bytes(fg), bytes(bg))
    return 720, 400, pixels, either


# ---------------------------------------------------------------- phase 2: mode 13h


def mode13h_pixel(x, y):
    if x == 0 or y == 0 or x == 319 or y == 199:
        return 0x38
    if 10 <= x < 60 and 10 <= y < 40:
        return 0xFF
    if 200 <= x < 300 and 120 <= y < 180:
        return 0x07
    if 100 <= x < 140 and 150 <= y < 190:
        return 0xC0
    return (x ^ y) & 0xFF


def expect_mode13h():
    palette = [(c6_to_8((i & 7) * 9), c6_to_8((i >> 3 & 7) * 9), c6_to_8((i >> 6) * 21))
               for i in range(256)]
    pixels = bytearray()
    for y in range(200):
        for x in range(320):
            pixels += bytes(palette[mode13h_pixel(x, y)])
    return 320, 200, pixels, {}


# ---------------------------------------------------------------- phase 3: 800x600x16

PITCH = 1600
MONO_DATA, COLOR_PATTERN, MONO_PATTERN = 0x200000, 0x200400, 0x200800
COLOR_BARS = [0xFFFF, 0xFFE0, 0x07FF, 0x07E0, 0xF81F, 0xF800, 0x001F, 0x0000]


def svga_base_pixel(x, y):
    if y < 60:
        return COLOR_BARS[x // 100]
    return (x * 31 // 799) << 11 | ((y - 60) * 63 // 539) << 5 | ((x ^ y) & 31)


def mono_data_byte(i):
    return (i * 157 + 59) & 0xFF


def svga_offscreen(vram):
    for i in range(256):
        vram[MONO_DATA + i] = mono_data_byte(i)
    for py in range(8):
        for px in range(8):
            v = (px * 4) << 11 | (py * 8) << 5 | ((px ^ py) * 4)
            vram[COLOR_PATTERN + py * 16 + px * 2:COLOR_PATTERN + py * 16 + px * 2 + 2] = \
                v.to_bytes(2, "little")
    vram[MONO_PATTERN:MONO_PATTERN + 8] = bytes([0xF0, 0xE0, 0xC0, 0x80, 0x01, 0x03, 0x07, 0x0F])


# GR32 raster operations (CL-GD5446 TRM, "BitBLT raster operations"); others do nothing.
ROPS = {
    0x00: lambda d, s: 0x00, 0x05: lambda d, s: s & d, 0x06: lambda d, s: d,
    0x09: lambda d, s: s & ~d, 0x0B: lambda d, s: ~d, 0x0D: lambda d, s: s,
    0x0E: lambda d, s: 0xFF, 0x50: lambda d, s: ~s & d, 0x59: lambda d, s: s ^ d,
    0x6D: lambda d, s: s | d, 0x90: lambda d, s: ~s | ~d, 0x95: lambda d, s: ~(s ^ d),
    0xAD: lambda d, s: s | ~d, 0xD0: lambda d, s: ~s, 0xD6: lambda d, s: ~s | d,
    0xDA: lambda d, s: ~s & ~d,
}


def blt(vram, b, system_data=None, display_bpp=16):
    """One BitBLT on a VRAM bytearray. b: mode, rop, ext, fg, bg, w (bytes), h, dpitch,
    spitch, dst, src as the guest logged them. Addresses wrap at 4 MiB."""
    mode, ext, w, h = b["mode"], b["ext"], b["w"], b["h"]
    dpitch, spitch, dst, src = b["dpitch"], b["spitch"], b["dst"], b["src"]
    rop = ROPS.get(b["rop"], lambda d, s: d)
    pw = ((mode >> 4) & 3) + 1
    mask = VRAM_SIZE - 1
    fg = b["fg"].to_bytes(4, "little")[:pw]
    bg = b["bg"].to_bytes(4, "little")[:pw]

    def put(addr, value):
        for i in range(pw):
            a = (addr + i) & mask
            vram[a] = rop(vram[a], value[i]) & 0xFF

    if ext & 0x04 and mode & 0xCA == 0xC0:  # solid fill: colour expansion of all ones
        for y in range(h):
            for x in range(0, w, pw):
                put(dst + y * dpitch + x, fg)
    elif mode & 0xC0 == 0x80:  # colour expansion, 1 bit a pixel, rows start on a byte
        row_bytes = (w // pw + 7) // 8
        data = system_data if mode & 0x04 else bytes(vram[(src + i) & mask]
                                                     for i in range(row_bytes * h))
        invert = 0xFF if ext & 0x02 and mode & 0x08 else 0  # GR33 bit 1: transparent only
        for y in range(h):
            for px in range(w // pw):
                bit = (data[y * row_bytes + px // 8] ^ invert) >> (7 - px % 8) & 1
                if mode & 0x08:  # transparent: only the ones, in fg (bg when inverted)
                    if bit:
                        put(dst + y * dpitch + px * pw, bg if invert else fg)
                else:
                    put(dst + y * dpitch + px * pw, fg if bit else bg)
    elif mode & 0x40:  # 8x8 pattern, aligned by the display's depth; row = line & 7
        size = {8: 64, 15: 128, 16: 128}.get(display_bpp, 256)
        base = src & ~(size - 1)
        for y in range(h):
            for px in range(w // pw):
                if mode & 0x80:
                    bit = vram[base + (y & 7)] >> (7 - px % 8) & 1
                    put(dst + y * dpitch + px * pw, fg if bit else bg)
                else:
                    o = base + (y & 7) * 8 * pw + (px % 8) * pw
                    put(dst + y * dpitch + px * pw, vram[o:o + pw])
    else:  # copy, forward or (GR30 bit 0) backward from the last byte
        step = -1 if mode & 0x01 else 1
        if mode & 0x08:
            raise ValueError("transparent copies are not modelled")
        for y in range(h):
            d = dst + step * y * dpitch
            s = src + step * y * spitch
            for x in range(w):
                a = (d + step * x) & mask
                vram[a] = rop(vram[a], vram[(s + step * x) & mask]) & 0xFF


def render565(vram, width, height, pitch):
    pixels = bytearray(width * height * 3)
    lut5 = [expand5(v) for v in range(32)]
    lut6 = [expand6(v) for v in range(64)]
    for y in range(height):
        row = vram[y * pitch:y * pitch + width * 2]
        o = y * width * 3
        for x in range(width):
            v = row[2 * x] | row[2 * x + 1] << 8
            pixels[o] = lut5[v >> 11]
            pixels[o + 1] = lut6[(v >> 5) & 63]
            pixels[o + 2] = lut5[v & 31]
            o += 3
    return pixels


def system_bytes(b):
    """What the guest feeds a system-source BitBLT: the first rows of MONO_DATA."""
    n = (b["w"] // 2 + 7) // 8 * b["h"]
    return bytes(mono_data_byte(i) for i in range(n))


def expect_svga(log, phase, base):
    vram = bytearray(VRAM_SIZE)
    if base:
        for y in range(600):
            row = b"".join(svga_base_pixel(x, y).to_bytes(2, "little") for x in range(800))
            vram[y * PITCH:y * PITCH + PITCH] = row
    svga_offscreen(vram)
    blts = blts_of(log, phase)
    for b in blts:
        blt(vram, b, system_bytes(b) if b["system"] else None)
    return 800, 600, render565(vram, 800, 600, PITCH), {}, len(blts)


# ---------------------------------------------------------------- comparing


def scale(pixels, width, height, sx, sy):
    out = bytearray()
    for y in range(height):
        row = b"".join(bytes(pixels[(y * width + x) * 3:(y * width + x) * 3 + 3]) * sx
                       for x in range(width))
        out += row * sy
    return out


def compare(phase, log, ppm, expected_out=None, diagnose=True):
    global RGB565_EXPANSION
    if phase == "text":
        width, height, want, either = expect_text()
    elif phase == "mode13h":
        width, height, want, either = expect_mode13h()
    elif phase in ("cirrus16", "hostile"):
        width, height, want, either, count = expect_svga(log, phase, phase == "cirrus16")
        if count < (11 if phase == "cirrus16" else 3):
            print("%s: the log has %d BitBLTs of the phase, fewer than the guest runs" %
                  (phase, count))
            return 1
    else:
        raise ValueError("unknown phase %s" % phase)
    if expected_out:
        write_ppm(expected_out, width, height, want)
    try:
        got_w, got_h, got = read_ppm(ppm)
    except (OSError, ValueError) as e:
        print("%s: no screendump to compare: %s" % (phase, e))
        return 1
    if (got_w, got_h) != (width, height):
        # Modes whose dots are doubled (mode 13h: SR01 bit 3 halves the dot clock, CR09 bit 0
        # scans each line twice) may be dumped at 640x400, as QEMU does: every pixel must then
        # be repeated exactly.
        if got_w % width or got_h % height or got_w // width > 2 or got_h // height > 2:
            print("%s: the screendump is %dx%d, expected %dx%d (or twice that)" %
                  (phase, got_w, got_h, width, height))
            return 1
        sx, sy = got_w // width, got_h // height
        print("%s: the screendump is %dx%d: each pixel of %dx%d drawn %dx%d" %
              (phase, got_w, got_h, width, height, sx, sy))
        want = scale(want, width, height, sx, sy)
        either = {(x * sx + dx, y * sy + dy): v for (x, y), v in either.items()
                  for dx in range(sx) for dy in range(sy)}
        width, height = got_w, got_h
    bad = []
    if got != want:
        for y in range(height):
            o = y * width * 3
            if got[o:o + width * 3] == want[o:o + width * 3]:
                continue
            for x in range(width):
                p = o + x * 3
                g, w = bytes(got[p:p + 3]), bytes(want[p:p + 3])
                if g != w and g not in either.get((x, y), ()):
                    bad.append((x, y, w, g))
    if not bad:
        print("%s: %dx%d, all %d pixels as expected" % (phase, width, height, width * height))
        return 0
    xs = [b[0] for b in bad]
    ys = [b[1] for b in bad]
    print("%s: %d of %d pixels differ, within x %d-%d, y %d-%d" %
          (phase, len(bad), width * height, min(xs), max(xs), min(ys), max(ys)))
    for x, y, w, g in bad[:12]:
        print("  (%d,%d): expected #%s, screendump has #%s" % (x, y, w.hex(), g.hex()))
    if phase in ("cirrus16", "hostile") and diagnose:
        wanted = RGB565_EXPANSION
        RGB565_EXPANSION = "zero" if wanted == "replicate" else "replicate"
        with contextlib.redirect_stdout(io.StringIO()):
            other = compare(phase, log, ppm, None, False)
        if other == 0:
            print("%s: it all matches when RGB565 is expanded by %s: the expected way is %s"
                  % (phase, "padding with zeros (v << 3)" if wanted == "replicate" else
                     "repeating the top bits", "repeating the top bits into the low ones "
                     "((v << 3) | (v >> 2) for 5 bits, (v << 2) | (v >> 4) for 6)"
                     if wanted == "replicate" else "padding with zeros"))
        RGB565_EXPANSION = wanted
    return 1


# ---------------------------------------------------------------- kvmdesk's `info display`


def sections(monfile):
    """{command: output} from a .mon file that drive wrote."""
    out, name = {}, None
    for line in open(monfile, errors="replace").read().splitlines():
        if line.startswith("== "):
            name = line[3:]
            out[name] = []
        elif name is not None:
            out[name].append(line.rstrip("\r"))
    return out


def check_info(phase, monfile):
    mon = sections(monfile)
    shown = mon.get("info display")
    errors = []
    if shown is None:
        print("%s: no `info display` output in %s" % (phase, monfile))
        return 1
    want_lines = ["display: cirrus-vga at 00:02.0 (Cirrus GD5446, 4 MiB)"]
    if phase == "text":
        want_lines += ["mode: text 80x25 cells, 720x400 pixels",
                       "cursor: row 7 col 12, scan lines 13-14 of 16, visible"]
    elif phase == "mode13h":
        want_lines += ["mode: graphics 320x200 pixels, 8 bpp"]
    else:
        want_lines += ["mode: graphics 800x600 pixels, 16 bpp"]
    for line in want_lines:
        if line not in shown:
            errors.append("no line '%s'" % line)
    if phase == "text":
        cells = text_cells()
        rows = {}
        for line in shown:
            m = re.match(r"^row (\d+): ?(.*)$", line)
            if m:
                rows[int(m.group(1))] = m.group(2)
        for r in range(25):
            text = bytes(c for c, _ in cells[r * 80:r * 80 + 80]).decode("cp437").rstrip(" ")
            if rows.get(r, "") != text:
                errors.append("row %d: expected %r, shown %r" % (r, text, rows.get(r)))
        for r in (0, 3, 5, 6, 9, 10, 11, 12):
            out = mon.get("info display cells %d" % r, [])
            want = "row %d: " % r + " ".join("%02x:%02x" % c for c in cells[r * 80:r * 80 + 80])
            got = next((line for line in out if line.startswith("row ")), None)
            if got != want:
                errors.append("cells of row %d:\n    expected %s\n    shown    %s" %
                              (r, want, got))
    for e in errors:
        print("%s: %s" % (phase, e))
    if not errors:
        print("%s: `info display` as expected" % phase)
    return 1 if errors else 0


# ---------------------------------------------------------------- driving a run


def without_echo(out, command):
    """The monitor's answer without QEMU's readline echo of the command (cursor movements
    and the line typed so far, up to the first newline)."""
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", out.decode(errors="replace")).replace("\r", "")
    first, _, rest = text.partition("\n")
    return rest if first.endswith(command) else text


def drive(sock_path, log, outdir, with_info):
    sock = connect(sock_path)
    read_until_prompt(sock, 20.0)
    done = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            text = open(log, errors="replace").read()
        except OSError:
            text = ""
        # Whole lines only: QEMU's debugcon writes a byte at a time, so the log may end
        # within a line ("vga: ready host" of "vga: ready hostile-storm").
        ready = [n for n in re.findall(r"^vga: ready (\S+)\n", text, re.M) if n not in done]
        if not ready:
            if re.search(r"^(vga: done|kd: exit \d+)\n", text, re.M):
                print("drive: the guest is done after %s" % " ".join(done))
                return 0
            time.sleep(0.05)
            continue
        name = ready[0]
        done.append(name)
        commands = ["screendump %s" % os.path.join(outdir, name + ".ppm"), "info status"]
        if with_info:
            commands.append("info display")
            if name == "text":
                commands += ["info display cells %d" % r for r in (0, 3, 5, 6, 9, 10, 11, 12)]
        with open(os.path.join(outdir, name + ".mon"), "w") as f:
            for command in commands:
                sock.sendall(command.encode() + b"\n")
                out, alive = read_until_prompt(sock, 30.0)
                f.write("== %s\n%s\n" % (command, without_echo(out, command)))
                if not alive:
                    print("drive: the monitor closed after '%s' at %s" % (command, name))
                    return 1
        sock.sendall(b"sendkey ret\n")
        read_until_prompt(sock, 10.0)
        deadline = time.monotonic() + 120
    print("drive: no progress for 120 s after %s" % " ".join(done))
    return 1


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    try:
        if cmd == "drive":
            return drive(sys.argv[2], sys.argv[3], sys.argv[4], "--info" in sys.argv[5:])
        if cmd == "compare":
            return compare(sys.argv[2], sys.argv[3], sys.argv[4],
                           sys.argv[5] if len(sys.argv) > 5 else None)
        if cmd == "info":
            return check_info(sys.argv[2], sys.argv[3])
    except (OSError, TimeoutError, EOFError, socket.error) as e:
        print("%s: %s" % (cmd, e))
        return 1
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
