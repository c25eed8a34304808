/*
 * The Cirrus Logic GD5446 (PCI 1013:00b8) driven from ring 3 with no BIOS having run: every
 * register is programmed here (IBM VGA Technical Reference for the standard tables, CL-GD5446
 * Technical Reference Manual for the extensions), and the host compares what the screen shows
 * (tests/system/vga.sh, tests/system/vga-check.py). Each phase ends with "vga: ready NAME" on
 * the debug console and waits for a key from the i8042: the host takes its screendump, then
 * sends `sendkey ret`.
 *   text      mode 3 (80x25 cells of 9x16 dots, 720x400) with our own font in plane 2
 *             (vga-font.h), 16 colours, line graphics, the cursor at row 7 col 12, lines 13-14
 *   mode13h   320x200x256 chain-4, a known palette and picture (mode13h_pixel())
 *   cirrus16  800x600 RGB565 through the linear framebuffer (BAR0), then BitBLTs through GR20-
 *             GR33 and through BAR1's registers: fills, copies forward and backward (overlapping),
 *             colour expansion from video and from system memory, patterns, ROPs. Each BitBLT is
 *             logged ("vga: cirrus16: blt ...") for the host's reference engine.
 *   hostile   BitBLTs reaching past VRAM, a system-source BitBLT never fed and one reset mid-way,
 *             register storms (fixed seed), every legacy window mapping, BARs moved; a stop
 *             ("ready hostile-storm") for a screendump of whatever that left; then the mode is
 *             set again and must draw exactly ("vga: hostile: blt ...", "ready hostile").
 * Command line: phase names (all four when none), nowait (no key waits).
 */
#include "kd.h"
#include "vga-font.h"

#define CIRRUS_ID 0x00B81013u
#define LFB 0xE0000000u /* BAR0: 32 MiB, VRAM at its start */
#define LFB_MOVED 0xD0000000u
#define MMIO 0xE2000000u /* BAR1: VGA registers at port - 0x3C0, BitBLT registers at 0x100 */
#define VRAM_SIZE (4u << 20)
#define LEGACY 0xA0000u

#define PITCH 1600 /* 800 pixels of 2 bytes */
#define MONO_DATA 0x200000u /* 64x32 mono bitmap, 8 bytes a row (offscreen) */
#define COLOR_PATTERN 0x200400u /* 8x8 RGB565 pattern */
#define MONO_PATTERN 0x200800u /* 8x8 mono pattern */

static unsigned cirrus_slot;
static bool key_waits = true;
static uint64_t tsc_hz;

/* ------------------------------------------------------------------ registers */

static void seq_write(uint8_t index, uint8_t v)
{
	outb(0x3C4, index);
	outb(0x3C5, v);
}

static uint8_t seq_read(uint8_t index)
{
	outb(0x3C4, index);
	return inb(0x3C5);
}

static void gc_write(uint8_t index, uint8_t v)
{
	outb(0x3CE, index);
	outb(0x3CF, v);
}

static uint8_t gc_read(uint8_t index)
{
	outb(0x3CE, index);
	return inb(0x3CF);
}

static void crtc_write(uint8_t index, uint8_t v)
{
	outb(0x3D4, index);
	outb(0x3D5, v);
}

static uint8_t crtc_read(uint8_t index)
{
	outb(0x3D4, index);
	return inb(0x3D5);
}

/* Attribute controller: reading input status 1 resets the index/data flip-flop. */
static void attr_write(uint8_t index, uint8_t v)
{
	inb(0x3DA);
	outb(0x3C0, index);
	outb(0x3C0, v);
}

/* GD5446 TRM: four reads of the pixel mask (3C6) open the hidden DAC register for one access.
 * Reading 3C8 first resets the count, whatever came before. */
static void hidden_dac_write(uint8_t v)
{
	inb(0x3C8);
	for (int i = 0; i < 4; i++)
		inb(0x3C6);
	outb(0x3C6, v);
	inb(0x3C8);
}

static uint8_t hidden_dac_read(void)
{
	uint8_t v;

	inb(0x3C8);
	for (int i = 0; i < 4; i++)
		inb(0x3C6);
	v = inb(0x3C6);
	inb(0x3C8);
	return v;
}

/* The standard part of a mode: miscellaneous output, sequencer, CRTC, graphics controller,
 * attribute controller (IBM VGA Technical Reference, "Video Subsystem" register tables). */
struct vga_mode {
	uint8_t misc;
	uint8_t seq[5];
	uint8_t crtc[25];
	uint8_t gc[9];
	uint8_t attr[21];
};

static const struct vga_mode mode_text80 = {
	.misc = 0x67,
	.seq = { 0x03, 0x00, 0x03, 0x00, 0x02 },
	.crtc = { 0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00,
		  0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF },
	.gc = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF },
	.attr = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A,
		  0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00 },
};

static const struct vga_mode mode_13h = {
	.misc = 0x63,
	.seq = { 0x03, 0x01, 0x0F, 0x00, 0x0E },
	.crtc = { 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00,
		  0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF },
	.gc = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF },
	.attr = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A,
		  0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x41, 0x00, 0x0F, 0x00, 0x00 },
};

/* VESA 800x600 at 60 Hz (40 MHz; 1056 dots, 628 lines): display 800x600, hsync 840-968,
 * vsync 601-605. CR13 = 1600 / 8 (CR1B bit 4 adds bit 8); CR17 byte mode, syncs on. */
static const struct vga_mode mode_svga800 = {
	.misc = 0x2F, /* colour, RAM on, VCLK3, positive syncs */
	.seq = { 0x03, 0x01, 0x0F, 0x00, 0x0E },
	.crtc = { 0x7F, 0x63, 0x64, 0x83, 0x69, 0x19, 0x72, 0xF0, 0x00, 0x60, 0x20, 0x00, 0x00,
		  0x00, 0x00, 0x00, 0x59, 0x2D, 0x57, 0xC8, 0x00, 0x58, 0x73, 0xC3, 0xFF },
	.gc = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x01, 0x0F, 0xFF },
	.attr = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A,
		  0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x41, 0x00, 0x0F, 0x00, 0x00 },
};

static void set_mode(const struct vga_mode *m)
{
	seq_write(0x00, 0x01); /* synchronous reset while the clocks change */
	outb(0x3C2, m->misc);
	for (uint8_t i = 1; i < 5; i++)
		outw(0x3C4, (uint16_t)(m->seq[i] << 8 | i)); /* index and data in one write */
	seq_write(0x00, 0x03);
	crtc_write(0x11, crtc_read(0x11) & 0x7F); /* CR0-CR7 writable */
	for (uint8_t i = 0; i < 25; i++)
		outw(0x3D4, (uint16_t)((i == 0x11 ? m->crtc[i] & 0x7F : m->crtc[i]) << 8 | i));
	crtc_write(0x11, m->crtc[0x11]);
	for (uint8_t i = 0; i < 9; i++)
		outw(0x3CE, (uint16_t)(m->gc[i] << 8 | i));
	for (uint8_t i = 0; i < 21; i++)
		attr_write(i, m->attr[i]);
	outb(0x3C0, 0x20); /* palette address source: the screen is on */
	inb(0x3C8); /* not the hidden DAC register: the pixel mask */
	outb(0x3C6, 0xFF);
}

/* The Cirrus extensions at what a standard VGA mode needs (all off). */
static void cirrus_standard_vga(void)
{
	seq_write(0x06, 0x12); /* unlock the extensions */
	seq_write(0x07, 0x00); /* no extended modes: the legacy window works as on the VGA */
	seq_write(0x12, 0x00); /* no hardware cursor */
	gc_write(0x09, 0x00);
	gc_write(0x0A, 0x00);
	gc_write(0x0B, 0x00);
	crtc_write(0x1A, 0x00);
	crtc_write(0x1B, 0x00);
	crtc_write(0x1D, 0x00);
	hidden_dac_write(0x00);
}

/* ------------------------------------------------------------------ the keyboard handshake */

/* Prints "vga: ready NAME" and waits for a key: a make code from the i8042 (set 1 or set 2,
 * whatever the controller translates to); break codes and mouse bytes are skipped. */
static void wait_key(const char *name)
{
	uint64_t end = kd_rdtsc() + 120 * tsc_hz;
	bool after_break_prefix = false;

	kd_printf("vga: ready %s\n", name);
	if (!key_waits)
		return;
	while (kd_rdtsc() < end) {
		uint8_t status = inb(0x64), code;

		if (!(status & 0x01))
			continue;
		code = inb(0x60);
		if (status & 0x20)
			continue; /* the mouse's */
		if (after_break_prefix) {
			after_break_prefix = false;
			continue;
		}
		if (code == 0xF0) {
			after_break_prefix = true;
			continue;
		}
		if (code == 0xE0 || code == 0xE1 || code & 0x80)
			continue; /* prefixes, set 1 breaks, ACK */
		kd_printf("vga: key 0x%02x\n", code);
		return;
	}
	kd_printf("vga: no key within 120 s after 'ready %s'\n", name);
	kd_check_failed(__FILE__, __LINE__, "a key arrives");
}

static void keyboard_init(void)
{
	while (inb(0x64) & 0x01)
		inb(0x60);
	for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
		;
	outb(0x60, 0xF4); /* enable scanning, in case no firmware did */
	for (int i = 0; i < 100000; i++)
		if (inb(0x64) & 0x01) {
			inb(0x60); /* the ACK */
			break;
		}
}

/* ------------------------------------------------------------------ PCI */

static bool cirrus_find(void)
{
	for (unsigned s = 0; s < 32; s++)
		if (kd_pci_read32(0, s, 0, 0) == CIRRUS_ID) {
			cirrus_slot = s;
			return true;
		}
	return false;
}

/* BAR sizes as QEMU has them, then BAR0 at LFB, BAR1 at MMIO, memory and I/O decoding on. */
static void cirrus_pci_setup(void)
{
	KD_CHECK_EQ(kd_pci_read32(0, cirrus_slot, 0, 0x08) >> 8, 0x030000); /* VGA display */
	kd_pci_write32(0, cirrus_slot, 0, 0x10, 0xFFFFFFFF);
	KD_CHECK_EQ(kd_pci_read32(0, cirrus_slot, 0, 0x10), 0xFE000008); /* 32 MiB, prefetchable */
	kd_pci_write32(0, cirrus_slot, 0, 0x14, 0xFFFFFFFF);
	KD_CHECK_EQ(kd_pci_read32(0, cirrus_slot, 0, 0x14), 0xFFFFF000); /* 4 KiB */
	kd_pci_write32(0, cirrus_slot, 0, 0x10, LFB);
	kd_pci_write32(0, cirrus_slot, 0, 0x14, MMIO);
	kd_pci_write16(0, cirrus_slot, 0, 0x04, 0x0003);
}

/* ------------------------------------------------------------------ phase 1: text */

static void load_font(void)
{
	/* Plane 2 alone, sequential addressing, A0000-AFFFF (IBM VGA: "loading a font"). */
	seq_write(0x02, 0x04);
	seq_write(0x04, 0x06);
	gc_write(0x04, 0x02);
	gc_write(0x05, 0x00);
	gc_write(0x06, 0x04);
	for (unsigned code = 0; code < 256; code++)
		for (unsigned row = 0; row < 32; row += 4) {
			uint32_t v = 0;

			for (unsigned i = 0; i < 4 && row + i < 16; i++)
				v |= (uint32_t)vga_font_glyph((uint8_t)code, row + i) << (8 * i);
			mmio_write32(LEGACY + code * 32 + row, v);
		}
	KD_CHECK_EQ(mmio_read8(LEGACY + 'A' * 32 + 7), vga_font_glyph('A', 7));
	KD_CHECK_EQ(mmio_read8(LEGACY + 0xC9 * 32 + 9), 0x27);
	seq_write(0x02, 0x03);
	seq_write(0x04, 0x02);
	gc_write(0x04, 0x00);
	gc_write(0x05, 0x10);
	gc_write(0x06, 0x0E);
}

/* The 64 EGA colours: index bits 0-2 are blue, green, red at 2/3, bits 3-5 the same at 1/3. */
static void load_ega_palette(void)
{
	outb(0x3C8, 0);
	for (unsigned i = 0; i < 64; i++) {
		outb(0x3C9, (uint8_t)((i & 4 ? 0x2A : 0) + (i & 32 ? 0x15 : 0)));
		outb(0x3C9, (uint8_t)((i & 2 ? 0x2A : 0) + (i & 16 ? 0x15 : 0)));
		outb(0x3C9, (uint8_t)((i & 1 ? 0x2A : 0) + (i & 8 ? 0x15 : 0)));
	}
}

static volatile uint16_t *const text_cells = (volatile uint16_t *)0xB8000;

static void text_put(unsigned row, unsigned col, const char *s, uint8_t attr)
{
	for (; *s; s++, col++)
		text_cells[row * 80 + col] = (uint16_t)(attr << 8 | (uint8_t)*s);
}

static void text_put_code(unsigned row, unsigned col, uint8_t code, uint8_t attr, unsigned n)
{
	while (n--)
		text_cells[row * 80 + col++] = (uint16_t)(attr << 8 | code);
}

/* What tests/system/vga-check.py's text_cells() expects, cell for cell. */
static void phase_text(void)
{
	static const char hex[] = "0123456789ABCDEF";

	set_mode(&mode_text80);
	cirrus_standard_vga();
	load_ega_palette();
	load_font();
	for (unsigned i = 0; i < 80 * 25; i++)
		text_cells[i] = 0x0720;
	text_put_code(0, 0, ' ', 0x1F, 80);
	text_put(0, 0, "kvmdesk VGA text", 0x1F);
	text_put(3, 10, "attr 0x4E", 0x4E);
	text_put(5, 0, "fg:", 0x07);
	for (unsigned i = 0; i < 16; i++)
		text_put_code(5, 4 + i, (uint8_t)hex[i], (uint8_t)(i ? i : 0x70), 1);
	text_put(6, 0, "bg:", 0x07);
	for (unsigned i = 0; i < 8; i++)
		text_put_code(6, 4 + i, (uint8_t)('a' + i), (uint8_t)(i << 4 | (15 - i)), 1);
	text_put_code(9, 2, 0xC9, 0x0B, 1);
	text_put_code(9, 3, 0xCD, 0x0B, 10);
	text_put_code(9, 13, 0xBB, 0x0B, 1);
	text_put_code(10, 2, 0xBA, 0x0B, 1);
	text_put(10, 3, " box 437  ", 0x0B);
	text_put_code(10, 13, 0xBA, 0x0B, 1);
	text_put_code(11, 2, 0xC8, 0x0B, 1);
	text_put_code(11, 3, 0xCD, 0x0B, 10);
	text_put_code(11, 13, 0xBC, 0x0B, 1);
	text_put(12, 2, "block", 0x0C);
	text_put_code(12, 8, 0xDB, 0x0C, 3);
	for (unsigned c = 0x20; c < 0x7F; c++)
		text_put_code(20 + (c - 0x20) / 80, (c - 0x20) % 80, (uint8_t)c, 0x07, 1);
	/* Cursor: row 7 col 12, scan lines 13-14 (CR0A/CR0B), location in CR0E/CR0F. */
	crtc_write(0x0A, 0x0D);
	crtc_write(0x0B, 0x0E);
	crtc_write(0x0E, (7 * 80 + 12) >> 8);
	crtc_write(0x0F, (7 * 80 + 12) & 0xFF);

	KD_CHECK_EQ(text_cells[0], 0x1F6B);
	KD_CHECK_EQ(text_cells[3 * 80 + 10], 0x4E61);
	KD_CHECK_EQ(crtc_read(0x0F), (7 * 80 + 12) & 0xFF);
	KD_CHECK_EQ(seq_read(0x04), 0x02);
	wait_key("text");
}

/* ------------------------------------------------------------------ phase 2: mode 13h */

/* The picture: (x ^ y) & 0xFF under three rectangles and a one-pixel border. */
static uint8_t mode13h_pixel(unsigned x, unsigned y)
{
	if (x == 0 || y == 0 || x == 319 || y == 199)
		return 0x38;
	if (x >= 10 && x < 60 && y >= 10 && y < 40)
		return 0xFF;
	if (x >= 200 && x < 300 && y >= 120 && y < 180)
		return 0x07;
	if (x >= 100 && x < 140 && y >= 150 && y < 190)
		return 0xC0;
	return (uint8_t)((x ^ y) & 0xFF);
}

static void phase_mode13h(void)
{
	static uint8_t dac[256 * 3];

	set_mode(&mode_13h);
	cirrus_standard_vga();
	/* Palette entry i = ((i & 7) * 9, (i >> 3 & 7) * 9, (i >> 6) * 21), 6 bits each, sent as
	 * one `rep outsb` to the DAC data port. */
	for (unsigned i = 0; i < 256; i++) {
		dac[i * 3] = (uint8_t)((i & 7) * 9);
		dac[i * 3 + 1] = (uint8_t)((i >> 3 & 7) * 9);
		dac[i * 3 + 2] = (uint8_t)((i >> 6) * 21);
	}
	outb(0x3C8, 0);
	outsb(0x3C9, dac, sizeof(dac));
	outb(0x3C7, 0x81);
	KD_CHECK_EQ(inb(0x3C9), (0x81 & 7) * 9);
	KD_CHECK_EQ(inb(0x3C9), (0x81 >> 3 & 7) * 9);
	KD_CHECK_EQ(inb(0x3C9), (0x81 >> 6) * 21);

	for (unsigned y = 0; y < 200; y++)
		for (unsigned x = 0; x < 320; x += 4)
			mmio_write32(LEGACY + y * 320 + x,
				     (uint32_t)mode13h_pixel(x, y) |
					     (uint32_t)mode13h_pixel(x + 1, y) << 8 |
					     (uint32_t)mode13h_pixel(x + 2, y) << 16 |
					     (uint32_t)mode13h_pixel(x + 3, y) << 24);
	KD_CHECK_EQ(mmio_read8(LEGACY + 100 * 320 + 50), mode13h_pixel(50, 100));
	KD_CHECK_EQ(mmio_read8(LEGACY + 130 * 320 + 250), 0x07);
	wait_key("mode13h");
}

/* ------------------------------------------------------------------ phase 3: 800x600x16 */

static const uint16_t color_bars[8] = { 0xFFFF, 0xFFE0, 0x07FF, 0x07E0,
					0xF81F, 0xF800, 0x001F, 0x0000 };

/* The picture before any BitBLT: eight colour bars over 60 lines, then red and green
 * gradients with a blue that changes at every pixel (a copy off by one shows). */
static uint16_t svga_base_pixel(unsigned x, unsigned y)
{
	if (y < 60)
		return color_bars[x / 100];
	return (uint16_t)((x * 31 / 799) << 11 | ((y - 60) * 63 / 539) << 5 | ((x ^ y) & 31));
}

static uint8_t mono_data_byte(unsigned i)
{
	return (uint8_t)(i * 157 + 59);
}

static uint16_t color_pattern_pixel(unsigned px, unsigned py)
{
	return (uint16_t)((px * 4) << 11 | (py * 8) << 5 | ((px ^ py) * 4));
}

static const uint8_t mono_pattern[8] = { 0xF0, 0xE0, 0xC0, 0x80, 0x01, 0x03, 0x07, 0x0F };

static void svga_mode_set(void)
{
	seq_write(0x06, 0x12);
	KD_CHECK_EQ(seq_read(0x06), 0x12);
	KD_CHECK_EQ(crtc_read(0x27), 0xB8); /* CL-GD5446 */
	set_mode(&mode_svga800);
	/* Linux's drm/tiny/cirrus.c values: SR07 bit 0 extended modes, bits 1-3 = 3 for 16 bpp;
	 * hidden DAC 0xC1 for 5:6:5 (0xC0 would be 5:5:5). */
	seq_write(0x07, (uint8_t)((seq_read(0x07) & 0xE0) | 0x17));
	seq_write(0x0E, 0x51); /* VCLK3 = 14.318 MHz * 0x51 / 29 = 40 MHz */
	seq_write(0x1E, 0x3A);
	seq_write(0x12, 0x00);
	gc_write(0x09, 0x00);
	gc_write(0x0A, 0x00);
	gc_write(0x0B, 0x00);
	crtc_write(0x1A, 0x00);
	crtc_write(0x1B, 0x22); /* extended blanking and addressing; offset bit 8 = 0 */
	crtc_write(0x1D, 0x00);
	hidden_dac_write(0xC1);
	KD_CHECK_EQ(hidden_dac_read(), 0xC1);
	gc_write(0x31, 0x04); /* BitBLT engine reset */
	gc_write(0x31, 0x00);
}

static void svga_write_offscreen(void)
{
	for (unsigned i = 0; i < 256; i++)
		mmio_write8(LFB + MONO_DATA + i, mono_data_byte(i));
	for (unsigned py = 0; py < 8; py++)
		for (unsigned px = 0; px < 8; px++)
			mmio_write16(LFB + COLOR_PATTERN + py * 16 + px * 2,
				     color_pattern_pixel(px, py));
	for (unsigned i = 0; i < 8; i++)
		mmio_write8(LFB + MONO_PATTERN + i, mono_pattern[i]);
}

struct blt {
	uint8_t mode, rop, modeext; /* GR30, GR32, GR33 */
	uint16_t fg, bg;
	unsigned width, height; /* bytes, lines (the registers hold one less) */
	unsigned dst_pitch, src_pitch;
	uint32_t dst, src;
	unsigned flags;
};
#define BLT_MMIO 1 /* through BAR1 + 0x100 instead of GR ports */
#define BLT_SYSTEM 2 /* source data from the CPU: the rows of MONO_DATA, written to A0000 */

#define MODE_BACKWARDS 0x01
#define MODE_SYSTEM_SOURCE 0x04
#define MODE_TRANSPARENT 0x08
#define MODE_16BPP 0x10
#define MODE_PATTERN 0x40
#define MODE_EXPAND 0x80
#define MODEEXT_SOLID 0x04
#define ROP_SRC 0x0D
#define ROP_NOTSRC 0xD0
#define ROP_SRC_XOR_DST 0x59

static void blt_program_ports(const struct blt *b)
{
	gc_write(0x00, (uint8_t)b->bg);
	gc_write(0x10, (uint8_t)(b->bg >> 8));
	gc_write(0x01, (uint8_t)b->fg);
	gc_write(0x11, (uint8_t)(b->fg >> 8));
	gc_write(0x20, (uint8_t)(b->width - 1));
	gc_write(0x21, (uint8_t)((b->width - 1) >> 8));
	gc_write(0x22, (uint8_t)(b->height - 1));
	gc_write(0x23, (uint8_t)((b->height - 1) >> 8));
	gc_write(0x24, (uint8_t)b->dst_pitch);
	gc_write(0x25, (uint8_t)(b->dst_pitch >> 8));
	gc_write(0x26, (uint8_t)b->src_pitch);
	gc_write(0x27, (uint8_t)(b->src_pitch >> 8));
	gc_write(0x28, (uint8_t)b->dst);
	gc_write(0x29, (uint8_t)(b->dst >> 8));
	gc_write(0x2A, (uint8_t)(b->dst >> 16));
	gc_write(0x2C, (uint8_t)b->src);
	gc_write(0x2D, (uint8_t)(b->src >> 8));
	gc_write(0x2E, (uint8_t)(b->src >> 16));
	gc_write(0x2F, 0x00);
	gc_write(0x30, b->mode);
	gc_write(0x32, b->rop);
	gc_write(0x33, b->modeext);
	gc_write(0x31, 0x02); /* start */
}

/* The same registers at BAR1 + 0x100 (GD5446 TRM, "BitBLT memory-mapped registers"). */
static void blt_program_mmio(const struct blt *b)
{
	mmio_write32(MMIO + 0x100, b->bg);
	mmio_write32(MMIO + 0x104, b->fg);
	mmio_write16(MMIO + 0x108, (uint16_t)(b->width - 1));
	mmio_write16(MMIO + 0x10A, (uint16_t)(b->height - 1));
	mmio_write16(MMIO + 0x10C, (uint16_t)b->dst_pitch);
	mmio_write16(MMIO + 0x10E, (uint16_t)b->src_pitch);
	mmio_write32(MMIO + 0x110, b->dst);
	mmio_write32(MMIO + 0x114, b->src); /* the top byte is GR2F: 0 */
	mmio_write8(MMIO + 0x118, b->mode);
	mmio_write8(MMIO + 0x11A, b->rop);
	mmio_write8(MMIO + 0x11B, b->modeext);
	mmio_write8(MMIO + 0x140, 0x02);
}

static bool blt_wait(void)
{
	for (unsigned i = 0; i < 100000; i++)
		if (!(gc_read(0x31) & 0x01))
			return true;
	return false;
}

static void blt_run(const char *phase, const struct blt *b)
{
	kd_printf("vga: %s: blt mode=0x%02x rop=0x%02x ext=0x%02x fg=0x%04x bg=0x%04x w=%u h=%u "
		  "dpitch=%u spitch=%u dst=0x%06x src=0x%06x via=%s%s\n",
		  phase, b->mode, b->rop, b->modeext, b->fg, b->bg, b->width, b->height,
		  b->dst_pitch, b->src_pitch, b->dst, b->src,
		  b->flags & BLT_MMIO ? "mmio" : "ports",
		  b->flags & BLT_SYSTEM ? " source=system" : "");
	if (b->flags & BLT_MMIO)
		blt_program_mmio(b);
	else
		blt_program_ports(b);
	if (b->flags & BLT_SYSTEM) {
		/* Packed rows of (width / 2 + 7) / 8 bytes, all of them, as dwords. */
		unsigned bytes = (b->width / 2 + 7) / 8 * b->height;

		for (unsigned i = 0; i < bytes; i += 4)
			mmio_write32(LEGACY, (uint32_t)mono_data_byte(i) |
						     (uint32_t)mono_data_byte(i + 1) << 8 |
						     (uint32_t)mono_data_byte(i + 2) << 16 |
						     (uint32_t)mono_data_byte(i + 3) << 24);
	}
	if (!blt_wait())
		kd_check_failed(__FILE__, __LINE__, "the BitBLT finishes (GR31 bit 0 clears)");
}

static uint32_t at(unsigned x, unsigned y)
{
	return y * PITCH + x * 2;
}

static uint16_t lfb_pixel(unsigned x, unsigned y)
{
	return mmio_read16(LFB + at(x, y));
}

static void phase_cirrus16(void)
{
	const struct blt blts[] = {
		/* solid fill, magenta, (50,100) 200x80 */
		{ MODE_EXPAND | MODE_PATTERN | MODE_16BPP, ROP_SRC, MODEEXT_SOLID, 0xF81F, 0, 400,
		  80, PITCH, PITCH, at(50, 100), 0, 0 },
		/* copy the first four colour bars (0,0) 320x60 to (420,100) */
		{ MODE_16BPP, ROP_SRC, 0, 0, 0, 640, 60, PITCH, PITCH, at(420, 100), at(0, 0), 0 },
		/* overlapping, up and left: (300,250) 200x100 to (280,230), forward */
		{ MODE_16BPP, ROP_SRC, 0, 0, 0, 400, 100, PITCH, PITCH, at(280, 230), at(300, 250),
		  0 },
		/* overlapping, down and right: (100,380) 200x100 to (130,400), backward from the
		 * last byte of each rectangle */
		{ MODE_16BPP | MODE_BACKWARDS, ROP_SRC, 0, 0, 0, 400, 100, PITCH, PITCH,
		  at(130 + 199, 400 + 99) + 1, at(100 + 199, 380 + 99) + 1, 0 },
		/* colour expansion from video memory, green on blue, to (560,300) */
		{ MODE_EXPAND | MODE_16BPP, ROP_SRC, 0, 0x07E0, 0x001F, 128, 32, PITCH, 8,
		  at(560, 300), MONO_DATA, 0 },
		/* the same, transparent: only the 1 bits, yellow, to (640,300) */
		{ MODE_EXPAND | MODE_TRANSPARENT | MODE_16BPP, ROP_SRC, 0, 0xFFE0, 0x1234, 128, 32,
		  PITCH, 8, at(640, 300), MONO_DATA, 0 },
		/* 8x8 RGB565 pattern over (20,500) 160x64 */
		{ MODE_PATTERN | MODE_16BPP, ROP_SRC, 0, 0, 0, 320, 64, PITCH, PITCH, at(20, 500),
		  COLOR_PATTERN, 0 },
		/* 8x8 mono pattern, white on purple, over (200,500) 160x64 */
		{ MODE_EXPAND | MODE_PATTERN | MODE_16BPP, ROP_SRC, 0, 0xFFFF, 0x8010, 320, 64,
		  PITCH, PITCH, at(200, 500), MONO_PATTERN, 0 },
		/* XOR fill with white (inverts) over (400,480) 300x100, through BAR1 */
		{ MODE_EXPAND | MODE_PATTERN | MODE_16BPP, ROP_SRC_XOR_DST, MODEEXT_SOLID, 0xFFFF,
		  0, 600, 100, PITCH, PITCH, at(400, 480), 0, BLT_MMIO },
		/* colour expansion from system memory, red on dark blue, 64x16 at (720,380) */
		{ MODE_EXPAND | MODE_SYSTEM_SOURCE | MODE_16BPP, ROP_SRC, 0, 0xF800, 0x0010, 128,
		  16, PITCH, 8, at(720, 380), 0, BLT_SYSTEM },
		/* copy with NOT source: (0,60) 100x40 to (690,520) */
		{ MODE_16BPP, ROP_NOTSRC, 0, 0, 0, 200, 40, PITCH, PITCH, at(690, 520), at(0, 60),
		  0 },
	};

	svga_mode_set();
	for (unsigned y = 0; y < 600; y++)
		for (unsigned x = 0; x < 800; x += 2)
			mmio_write32(LFB + at(x, y), (uint32_t)svga_base_pixel(x, y) |
							     (uint32_t)svga_base_pixel(x + 1, y)
								     << 16);
	svga_write_offscreen();
	KD_CHECK_EQ(lfb_pixel(799, 599), svga_base_pixel(799, 599));
	/* The VGA registers through BAR1 too: SR06 at 0x04/0x05, CR27 at 0x14/0x15. */
	mmio_write8(MMIO + 0x04, 0x06);
	KD_CHECK_EQ(mmio_read8(MMIO + 0x05), 0x12);
	mmio_write8(MMIO + 0x14, 0x27);
	KD_CHECK_EQ(mmio_read8(MMIO + 0x15), 0xB8);

	for (unsigned i = 0; i < sizeof(blts) / sizeof(blts[0]); i++)
		blt_run("cirrus16", &blts[i]);

	KD_CHECK_EQ(lfb_pixel(60, 110), 0xF81F);
	KD_CHECK_EQ(lfb_pixel(420 + 150, 130), color_bars[1]);
	KD_CHECK_EQ(lfb_pixel(130, 400), svga_base_pixel(100, 380));
	KD_CHECK_EQ(lfb_pixel(130 + 199, 400 + 99), svga_base_pixel(100 + 199, 380 + 99));
	KD_CHECK_EQ(lfb_pixel(560, 300), mono_data_byte(0) & 0x80 ? 0x07E0 : 0x001F);
	KD_CHECK_EQ(lfb_pixel(20 + 9, 500 + 10), color_pattern_pixel(1, 2));
	KD_CHECK_EQ(lfb_pixel(690, 520), (uint16_t)~svga_base_pixel(0, 60));
	KD_CHECK_EQ(gc_read(0x31) & 0x01, 0);
	wait_key("cirrus16");
}

/* ------------------------------------------------------------------ phase 4: hostile */

static uint32_t rng_state = 0x5EED1234u;

/* xorshift32 (Marsaglia 2003): the same storm every run. */
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void blt_reset(void)
{
	gc_write(0x31, 0x04);
	gc_write(0x31, 0x00);
}

/* Raw register values, no "minus one": width 0x1FFF is 8192 bytes. */
static void hostile_blt(uint8_t mode, uint8_t rop, uint8_t modeext, unsigned width_reg,
			unsigned height_reg, unsigned dst_pitch, unsigned src_pitch, uint32_t dst,
			uint32_t src)
{
	gc_write(0x20, (uint8_t)width_reg);
	gc_write(0x21, (uint8_t)(width_reg >> 8));
	gc_write(0x22, (uint8_t)height_reg);
	gc_write(0x23, (uint8_t)(height_reg >> 8));
	gc_write(0x24, (uint8_t)dst_pitch);
	gc_write(0x25, (uint8_t)(dst_pitch >> 8));
	gc_write(0x26, (uint8_t)src_pitch);
	gc_write(0x27, (uint8_t)(src_pitch >> 8));
	gc_write(0x28, (uint8_t)dst);
	gc_write(0x29, (uint8_t)(dst >> 8));
	gc_write(0x2A, (uint8_t)(dst >> 16));
	gc_write(0x2C, (uint8_t)src);
	gc_write(0x2D, (uint8_t)(src >> 8));
	gc_write(0x2E, (uint8_t)(src >> 16));
	gc_write(0x30, mode);
	gc_write(0x32, rop);
	gc_write(0x33, modeext);
	gc_write(0x31, 0x02);
	for (unsigned i = 0; i < 100 && (gc_read(0x31) & 0x01); i++)
		;
	blt_reset();
}

static void hostile_blts(void)
{
	/* Past the end of VRAM: the largest width, height and pitches from near 4 MiB. */
	hostile_blt(0x00, ROP_SRC, 0, 0x1FFF, 0x3FF, 0x1FFF, 0x1FFF, 0x3FFFF0, 0x3FFF00);
	hostile_blt(0x10, ROP_SRC, 0, 0x1FFF, 0x3FF, 0x1FFF, 0x1FFF, 0x3FFFF0, 0x3FFF00);
	hostile_blt(0x30, ROP_SRC_XOR_DST, 0, 0x1FFF, 0x7FF, 0x1FFF, 0x1FFF, 0x3FFFFF, 0x200000);
	/* Backwards from address 0, and from the last byte with a pitch that wraps. */
	hostile_blt(0x01, ROP_SRC, 0, 0x1FFF, 0x3FF, 0x1FFF, 0x1FFF, 0, 0);
	hostile_blt(0x11, ROP_SRC, 0, 0x1FFF, 0x3FF, 0x1FFF, 0x1FFF, 0x3FFFFF, 0x000001);
	/* Fills, expansions and patterns at the end of VRAM, at every pixel width. */
	for (uint8_t width = 0; width < 0x40; width += 0x10) {
		hostile_blt(0xC0 | width, ROP_SRC, MODEEXT_SOLID, 0x1FFF, 0x3FF, 0x1FFF, 0,
			    0x3FFFF0, 0);
		hostile_blt(0x80 | width, ROP_SRC, 0, 0x1FFF, 0x3FF, 0x1FFF, 0x1FFF, 0x3FFFF0,
			    0x3FFFF8);
		hostile_blt(0x88 | width, ROP_NOTSRC, 0x02, 0x1FFF, 0x3FF, 0x1FFF, 0x1FFF, 0x3FFF00,
			    0x3FFFFF);
		hostile_blt(0x40 | width, ROP_SRC, 0, 0x1FFF, 0x3FF, 0x1FFF, 0x1FFF, 0x3FFFF0,
			    0x3FFFC0);
		hostile_blt(0xC0 | width, ROP_SRC, 0, 0x1FFF, 0x3FF, 0x1FFF, 0x1FFF, 0x3FFFF0,
			    0x3FFFF8);
		hostile_blt(0x08 | width, ROP_SRC, 0, 0x0101, 0x3FF, 0x1FFF, 0x1FFF, 0x3FFFF0, 0);
		hostile_blt(0x09 | width, 0x33, 0, 0x0101, 0x3FF, 0x1FFF, 0x1FFF, 0x3FFFF0, 0);
	}
	/* Pitch 0, odd widths at 16 bpp, unknown ROPs, memory to memory, video to system. */
	hostile_blt(0x10, ROP_SRC, 0, 0x1FFF, 0x3FF, 0, 0, 0x100000, 0);
	hostile_blt(0x10, 0xFF, 0, 0x0002, 0x002, 1, 1, 0x100001, 0x3);
	hostile_blt(0x06, ROP_SRC, 0, 0x00FF, 0x0FF, 1600, 1600, 0, 0);
	hostile_blt(0x02, ROP_SRC, 0, 0x00FF, 0x0FF, 1600, 1600, 0, 0);
	/* Autostart: GR31 bit 7 makes the write of GR2A start the BitBLT. */
	gc_write(0x31, 0x80);
	gc_write(0x2A, 0x3F);
	blt_reset();
}

/* System-source BitBLTs: one fed a little and never finished, one restarted while pending,
 * one reset mid-way; afterwards the linear framebuffer must reach VRAM again. */
static void hostile_system_source(void)
{
	hostile_blt(0x84 | MODE_16BPP, ROP_SRC, 0, 0x1FFF, 0x3FF, 1600, 0, 0, 0);
	gc_write(0x30, 0x84 | MODE_16BPP);
	gc_write(0x31, 0x02);
	for (unsigned i = 0; i < 100; i++)
		mmio_write32(LEGACY + i * 4, rnd());
	gc_write(0x31, 0x02); /* start again while pending */
	for (unsigned i = 0; i < 100; i++)
		mmio_write32(LFB + i * 4, rnd());
	blt_reset();
	gc_write(0x30, MODE_SYSTEM_SOURCE | MODE_16BPP); /* no expansion: 8 KiB a row */
	gc_write(0x31, 0x02);
	for (unsigned i = 0; i < 6144; i++)
		mmio_write32(LEGACY + (i & 0x3FFF) * 4, rnd());
	blt_reset();
	gc_write(0x30, 0x00);
	mmio_write32(LFB + 0x300000, 0xC0FFEE11);
	KD_CHECK_EQ(mmio_read32(LFB + 0x300000), 0xC0FFEE11);
}

/* Every legacy window mapping (GR06 bits 2-3) with planar, odd/even and chain-4 addressing,
 * every write mode, and the Cirrus banking modes (GR0B, GR09/GR0A) with SR07 on and off. */
static void hostile_legacy_windows(void)
{
	static const uint32_t offsets[] = { 0x00000, 0x07FFF, 0x08000, 0x0FFFF, 0x10000,
					    0x17FFF, 0x18000, 0x18040, 0x1FFFF };
	static const uint8_t seq4[] = { 0x02, 0x06, 0x0E };
	static const uint8_t gc5[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x40, 0x10 };
	static const uint8_t gc0b[] = { 0x00, 0x01, 0x02, 0x04, 0x06, 0x14, 0x20, 0x21, 0x2E };
	static const uint8_t seq7[] = { 0x00, 0x01, 0x17 };

	for (unsigned s7 = 0; s7 < 3; s7++)
		for (unsigned b = 0; b < (s7 ? 9u : 1u); b++)
			for (uint8_t map = 0; map < 16; map += 4)
				for (unsigned s4 = 0; s4 < 3; s4++)
					for (unsigned m = 0; m < 8; m++) {
						seq_write(0x07, seq7[s7]);
						seq_write(0x17, (uint8_t)(b & 1 ? 0x04 : 0x00));
						gc_write(0x0B, gc0b[b]);
						gc_write(0x09, (uint8_t)rnd());
						gc_write(0x0A, b & 2 ? 0xFF : (uint8_t)rnd());
						gc_write(0x06, (uint8_t)(map | (m & 1)));
						seq_write(0x04, seq4[s4]);
						gc_write(0x05, gc5[m]);
						seq_write(0x02, (uint8_t)rnd());
						gc_write(0x08, (uint8_t)rnd());
						gc_write(0x03, (uint8_t)rnd());
						for (unsigned o = 0; o < 9; o++) {
							uint64_t a = LEGACY + offsets[o];

							if ((m + o) & 1)
								mmio_write8(a, (uint8_t)rnd());
							else
								mmio_write32(a & ~3ull, rnd());
							(void)mmio_read8(a);
						}
					}
	seq_write(0x17, 0x00);
}

/* Random values into random registers of every group, the DAC, the attribute controller,
 * BAR1, the linear framebuffer (all 32 MiB of BAR0) and the legacy window. */
static void hostile_storm(unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		uint32_t r = rnd(), v = rnd();

		switch (r & 15) {
		case 0:
		case 1:
		case 2:
		case 3:
			gc_write((uint8_t)(r >> 8 & 0x3F), (uint8_t)v);
			break;
		case 4:
		case 5:
			seq_write((uint8_t)(r >> 8 & 0x1F), (uint8_t)v);
			break;
		case 6:
		case 7:
		case 8:
			crtc_write((uint8_t)(r >> 8 & 0x3F), (uint8_t)v);
			break;
		case 9:
			attr_write((uint8_t)(r >> 8), (uint8_t)v);
			break;
		case 10:
			if (r & 0x100) {
				outb(0x3C8, (uint8_t)(r >> 16));
				outb(0x3C9, (uint8_t)v);
			} else if (r & 0x200) {
				outb(0x3C7, (uint8_t)(r >> 16));
				(void)inb(0x3C9);
			} else {
				for (int k = 0; k < 4; k++)
					inb(0x3C6);
				outb(0x3C6, (uint8_t)v);
			}
			break;
		case 11:
			if (r & 0x100)
				mmio_write8(MMIO + (r >> 16 & 0x1FF), (uint8_t)v);
			else
				(void)mmio_read8(MMIO + (r >> 16 & 0xFFF));
			break;
		case 12:
			mmio_write32(LFB + (r >> 4 & 0x1FFFFFC), v);
			break;
		case 13:
			mmio_write16(LEGACY + (r >> 8 & 0x1FFFE), (uint16_t)v);
			break;
		case 14:
			(void)gc_read((uint8_t)(r >> 8));
			(void)seq_read((uint8_t)(r >> 16));
			(void)crtc_read((uint8_t)(r >> 24));
			(void)mmio_read32(LFB + (v & 0x1FFFFFC));
			break;
		default:
			if (r & 0x100)
				outb(0x3C2, (uint8_t)v);
			else
				outb(r & 0x200 ? 0x3DA : 0x3BA, (uint8_t)v);
			break;
		}
	}
}

/* BAR0 moved and back, with memory decoding off in between: VRAM follows the BAR. */
static void hostile_bars(void)
{
	mmio_write32(LFB + 0x310000, 0x12345678);
	kd_pci_write16(0, cirrus_slot, 0, 0x04, 0x0001);
	(void)mmio_read32(LFB + 0x310000);
	mmio_write32(LFB + 0x310000, 0xDEADBEEF); /* nothing decodes it: lost */
	kd_pci_write32(0, cirrus_slot, 0, 0x10, LFB_MOVED);
	kd_pci_write16(0, cirrus_slot, 0, 0x04, 0x0003);
	KD_CHECK_EQ(mmio_read32(LFB_MOVED + 0x310000), 0x12345678);
	mmio_write32(LFB_MOVED + 0x310004, 0x9ABCDEF0);
	kd_pci_write32(0, cirrus_slot, 0, 0x10, LFB);
	KD_CHECK_EQ(mmio_read32(LFB + 0x310004), 0x9ABCDEF0);
}

static void phase_hostile(void)
{
	static const uint8_t saved_seq[] = { 0x08, 0x0F, 0x15, 0x16, 0x17, 0x1F };
	static const uint8_t saved_gc[] = { 0x18 };
	uint8_t seq_values[sizeof(saved_seq)], gc_values[sizeof(saved_gc)];
	const struct blt after[] = {
		{ MODE_EXPAND | MODE_PATTERN | MODE_16BPP, ROP_SRC, MODEEXT_SOLID, 0x39E7, 0, 1600,
		  600, PITCH, PITCH, 0, 0, 0 },
		{ MODE_EXPAND | MODE_PATTERN | MODE_16BPP, ROP_SRC, MODEEXT_SOLID, 0xF800, 0, 400,
		  100, PITCH, PITCH, at(100, 100), 0, BLT_MMIO },
		{ MODE_EXPAND | MODE_16BPP, ROP_SRC, 0, 0xFFFF, 0x0000, 128, 32, PITCH, 8,
		  at(400, 300), MONO_DATA, 0 },
	};

	seq_write(0x06, 0x12);
	for (unsigned i = 0; i < sizeof(saved_seq); i++)
		seq_values[i] = seq_read(saved_seq[i]);
	for (unsigned i = 0; i < sizeof(saved_gc); i++)
		gc_values[i] = gc_read(saved_gc[i]);
	svga_mode_set();

	hostile_blts();
	hostile_system_source();
	hostile_bars();
	hostile_legacy_windows();
	hostile_storm(6000);
	hostile_blts();
	wait_key("hostile-storm");

	/* Everything back: the engine, the BARs, the saved extension registers, the mode. */
	blt_reset();
	kd_pci_write32(0, cirrus_slot, 0, 0x10, LFB);
	kd_pci_write32(0, cirrus_slot, 0, 0x14, MMIO);
	kd_pci_write16(0, cirrus_slot, 0, 0x04, 0x0003);
	outb(0x3C2, 0x2F);
	seq_write(0x06, 0x12);
	for (unsigned i = 0; i < sizeof(saved_seq); i++)
		seq_write(saved_seq[i], seq_values[i]);
	for (unsigned i = 0; i < sizeof(saved_gc); i++)
		gc_write(saved_gc[i], gc_values[i]);
	for (uint8_t i = 0x0C; i <= 0x0F; i++)
		crtc_write(i, 0x00); /* start address and cursor location */
	svga_mode_set();
	mmio_write32(LFB, 0x0BADF00D);
	KD_CHECK_EQ(mmio_read32(LFB), 0x0BADF00D);
	svga_write_offscreen();
	for (unsigned i = 0; i < sizeof(after) / sizeof(after[0]); i++)
		blt_run("hostile", &after[i]);
	KD_CHECK_EQ(lfb_pixel(0, 0), 0x39E7);
	KD_CHECK_EQ(lfb_pixel(799, 599), 0x39E7);
	KD_CHECK_EQ(lfb_pixel(150, 150), 0xF800);
	kd_printf("vga: hostile: survived\n");
	wait_key("hostile");
}

int kd_main(const struct kd_boot_info *boot)
{
	static const char *const phases[] = { "text", "mode13h", "cirrus16", "hostile" };
	bool any = false;

	for (unsigned i = 0; i < 4; i++)
		any |= kd_cmdline_has(boot, phases[i]);
	key_waits = !kd_cmdline_has(boot, "nowait");
	tsc_hz = kd_tsc_hz();
	if (!cirrus_find()) {
		kd_printf("vga: no Cirrus GD5446 (PCI 1013:00b8) on bus 0\n");
		return 1;
	}
	kd_printf("vga: GD5446 at 00:%02x.0\n", cirrus_slot);
	cirrus_pci_setup();
	keyboard_init();
	if (!any || kd_cmdline_has(boot, "text"))
		phase_text();
	if (!any || kd_cmdline_has(boot, "mode13h"))
		phase_mode13h();
	if (!any || kd_cmdline_has(boot, "cirrus16"))
		phase_cirrus16();
	if (!any || kd_cmdline_has(boot, "hostile"))
		phase_hostile();
	kd_printf("vga: done\n");
	return 0;
}
