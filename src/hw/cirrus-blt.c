/*
 * The CL-GD5446 BitBLT engine (see cirrus-blt.h for what it does and does not model).
 *
 * Every BLT is done a line at a time through three line buffers: the source line is built
 * first (read from VRAM, taken from the CPU's data, repeated from a pattern or expanded from a
 * monochrome bitmap), the destination line is read when the raster operation needs it, the
 * result is written back, byte by byte where some bytes must stay untouched (left clipping,
 * transparency). Lines are addressed from their lowest byte, a backward line ending at its start
 * address; each VRAM access goes through vram_read()/vram_write(), which wrap at the end of VRAM.
 */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "hw/cirrus-blt.h"

/*
 * GR32 codes (CIRRUS.TXT, 3CEh index 32h; the XFree86 driver's table of X11 GX functions and
 * Bochs agree, QEMU swaps 0x90 and 0xDA) with the Windows ROP3 code of the same function. That
 * byte is the result for source 0xCC and destination 0xAA: bit 4 + 2 * s + d of it is the result
 * for one source bit s and one destination bit d. Other codes are taken as "destination" (no
 * write), as QEMU and Bochs take them: the manuals define only these 16.
 */
static const struct {
	uint8_t code;
	uint8_t ms_rop;
} cirrus_rops[] = {
	{ 0x00, 0x00 }, /* 0 (BLACKNESS) */
	{ 0x05, 0x88 }, /* src & dst (SRCAND) */
	{ 0x06, 0xAA }, /* dst */
	{ 0x09, 0x44 }, /* src & ~dst (SRCERASE) */
	{ 0x0B, 0x55 }, /* ~dst (DSTINVERT) */
	{ 0x0D, 0xCC }, /* src (SRCCOPY) */
	{ 0x0E, 0xFF }, /* 1 (WHITENESS) */
	{ 0x50, 0x22 }, /* ~src & dst */
	{ 0x59, 0x66 }, /* src ^ dst (SRCINVERT) */
	{ 0x6D, 0xEE }, /* src | dst (SRCPAINT) */
	{ 0x90, 0x11 }, /* ~(src | dst) (NOTSRCERASE) */
	{ 0x95, 0x99 }, /* ~(src ^ dst) */
	{ 0xAD, 0xDD }, /* src | ~dst */
	{ 0xD0, 0x33 }, /* ~src (NOTSRCCOPY) */
	{ 0xD6, 0xBB }, /* ~src | dst (MERGEPAINT) */
	{ 0xDA, 0x77 }, /* ~(src & dst) */
};

#define MS_ROP_DST 0xAA
#define MS_ROP_SRC 0xCC

enum blt_kind {
	BLT_COPY, /* source bytes from VRAM or the CPU */
	BLT_FILL, /* GR33 solid fill: the foreground colour */
	BLT_PATTERN, /* an 8x8 colour pattern */
	BLT_EXPAND, /* a monochrome bitmap expanded to fg/bg */
	BLT_EXPAND_PATTERN, /* an 8x8 monochrome pattern expanded */
};

/* The largest pattern: 8 rows of 32 bytes at 24 and 32 bpp. */
#define PATTERN_MAX 256

struct kd_cirrus_blt {
	uint8_t *vram;
	uint32_t vram_mask;

	/* The BLT being done, decoded at start. */
	enum blt_kind kind;
	bool from_cpu, backwards;
	unsigned bytes_pp; /* bytes per pixel, 1-4 */
	uint32_t width, height; /* bytes, lines */
	uint32_t dst_addr, src_addr, dst_pitch, src_pitch;
	uint32_t skip; /* bytes left out at the start of each line (GR2F) */
	uint8_t ms_rop;
	uint8_t rop_mask[4]; /* 0xFF where the result is 1 for source s, destination d: [2s+d] */
	bool compare; /* transparency compare of the result (8/16 bpp copies and patterns) */
	bool expand_transparent, expand_invert;
	uint8_t fg[4], bg[4], transparent[2];
	unsigned pattern_row; /* the pattern row of the first line */
	uint32_t mono_line_bytes; /* bytes per line of a monochrome bitmap in VRAM */

	/* A BLT from the CPU waiting for data: its lines (or its pattern) arrive in input. */
	bool waiting;
	uint32_t input_line_bytes, input_fill, next_line;

	bool dirty;
	uint32_t dirty_start, dirty_end;

	uint8_t pattern[PATTERN_MAX];
	uint8_t input[KD_CIRRUS_BLT_MAX_WIDTH];
	uint8_t src_line[KD_CIRRUS_BLT_MAX_WIDTH];
	uint8_t dst_line[KD_CIRRUS_BLT_MAX_WIDTH];
	uint8_t keep[KD_CIRRUS_BLT_MAX_WIDTH]; /* 1 where the line's byte is written */
};

struct kd_cirrus_blt *kd_cirrus_blt_new(void)
{
	return g_new0(struct kd_cirrus_blt, 1);
}

void kd_cirrus_blt_free(struct kd_cirrus_blt *blt)
{
	g_free(blt);
}

void kd_cirrus_blt_regs_from_gr(struct kd_cirrus_blt_regs *regs, const uint8_t *gr, uint8_t gr00,
				uint8_t gr01)
{
	*regs = (struct kd_cirrus_blt_regs){
		.width_minus_one = (uint16_t)(gr[0x20] | gr[0x21] << 8),
		.height_minus_one = (uint16_t)(gr[0x22] | gr[0x23] << 8),
		.dst_pitch = (uint16_t)(gr[0x24] | gr[0x25] << 8),
		.src_pitch = (uint16_t)(gr[0x26] | gr[0x27] << 8),
		.dst_addr = (uint32_t)gr[0x28] | (uint32_t)gr[0x29] << 8 | (uint32_t)gr[0x2A] << 16,
		.src_addr = (uint32_t)gr[0x2C] | (uint32_t)gr[0x2D] << 8 | (uint32_t)gr[0x2E] << 16,
		.left_clip = gr[0x2F],
		.mode = gr[0x30],
		.rop = gr[0x32],
		.mode_ext = gr[0x33],
		.transparent_color = (uint16_t)(gr[0x34] | gr[0x35] << 8),
		.fg_color = (uint32_t)gr01 | (uint32_t)gr[0x11] << 8 | (uint32_t)gr[0x13] << 16 |
			    (uint32_t)gr[0x15] << 24,
		.bg_color = (uint32_t)gr00 | (uint32_t)gr[0x10] << 8 | (uint32_t)gr[0x12] << 16 |
			    (uint32_t)gr[0x14] << 24,
	};
}

/* ---------------------------------------------------------------- VRAM, wrapping */

static void vram_read(const struct kd_cirrus_blt *b, uint32_t addr, uint8_t *out, uint32_t len)
{
	while (len) {
		addr &= b->vram_mask;
		uint32_t n = MIN(len, b->vram_mask - addr + 1);

		memcpy(out, b->vram + addr, n);
		out += n;
		addr += n;
		len -= n;
	}
}

static void vram_write(struct kd_cirrus_blt *b, uint32_t addr, const uint8_t *in, uint32_t len)
{
	while (len) {
		addr &= b->vram_mask;
		uint32_t n = MIN(len, b->vram_mask - addr + 1);

		memcpy(b->vram + addr, in, n);
		in += n;
		addr += n;
		len -= n;
	}
}

static void mark_dirty(struct kd_cirrus_blt *b, uint32_t addr, uint32_t len)
{
	uint64_t size = (uint64_t)b->vram_mask + 1;
	uint32_t start = addr & b->vram_mask;
	uint32_t end = (uint32_t)(start + len);

	if (start + (uint64_t)len > size) { /* wraps: both ends of VRAM */
		start = 0;
		end = (uint32_t)size;
	}
	if (!b->dirty || start < b->dirty_start)
		b->dirty_start = start;
	if (!b->dirty || end > b->dirty_end)
		b->dirty_end = end;
	b->dirty = true;
}

/* The lowest address of line y of the area that starts (backwards: ends) at addr. */
static uint32_t line_address(const struct kd_cirrus_blt *b, uint32_t addr, uint32_t pitch,
			     uint32_t y)
{
	if (b->backwards)
		return addr - y * pitch - (b->width - 1);
	return addr + y * pitch;
}

/* ---------------------------------------------------------------- building source lines */

/* One pixel at byte `at` of the line, cut at the line's end (widths need not be whole pixels). */
static void put_pixel(uint8_t *line, uint32_t width, uint32_t at, const uint8_t *color,
		      unsigned bytes_pp)
{
	for (unsigned k = 0; k < bytes_pp && at + k < width; k++)
		line[at + k] = color[k];
}

static void line_from_color(struct kd_cirrus_blt *b, const uint8_t *color)
{
	for (uint32_t at = 0; at < b->width; at += b->bytes_pp)
		put_pixel(b->src_line, b->width, at, color, b->bytes_pp);
}

/* A colour pattern row: pixel x is pattern pixel x mod 8. */
static void line_from_pattern(struct kd_cirrus_blt *b, const uint8_t *row)
{
	for (uint32_t at = 0, x = 0; at < b->width; at += b->bytes_pp, x++)
		put_pixel(b->src_line, b->width, at, row + (x & 7) * b->bytes_pp, b->bytes_pp);
}

/*
 * Colour expansion: pixel x takes bit 7 - x % 8 of byte x / 8 (byte_mask 0 repeats the first
 * byte, for patterns). Opaque, 1s are foreground and 0s background; transparent, 0s are left
 * alone (GR30 bit 3), or with GR33 bit 1 the 1s are, and 0s are drawn in the background colour.
 */
static void line_from_mono(struct kd_cirrus_blt *b, const uint8_t *bits, uint32_t byte_mask)
{
	uint8_t flip = b->expand_invert ? 0xFF : 0x00;

	for (uint32_t at = 0, x = 0; at < b->width; at += b->bytes_pp, x++) {
		bool set = ((bits[(x >> 3) & byte_mask] ^ flip) >> (7 - (x & 7))) & 1;
		const uint8_t *color = set ? b->fg : b->bg;

		if (b->expand_transparent) {
			color = b->expand_invert ? b->bg : b->fg;
			if (!set)
				memset(b->keep + at, 0, MIN(b->bytes_pp, b->width - at));
		}
		put_pixel(b->src_line, b->width, at, color, b->bytes_pp);
	}
}

static size_t pattern_row_pitch(unsigned bytes_pp)
{
	return bytes_pp == 1 ? 8 : bytes_pp == 2 ? 16 : 32;
}

/* Line y's source bytes into src_line; cpu is the CPU's data for this line (CPU BLTs). */
static void build_source(struct kd_cirrus_blt *b, uint32_t y, const uint8_t *cpu)
{
	uint32_t w = b->width;
	unsigned row = (b->pattern_row + y) & 7;

	switch (b->kind) {
	case BLT_COPY:
		if (!cpu) {
			vram_read(b, line_address(b, b->src_addr, b->src_pitch, y), b->src_line, w);
		} else if (!b->backwards) {
			memcpy(b->src_line, cpu, w);
		} else { /* the first byte the CPU sends is the line's last */
			for (uint32_t i = 0; i < w; i++)
				b->src_line[i] = cpu[w - 1 - i];
		}
		break;
	case BLT_FILL:
		line_from_color(b, b->fg);
		break;
	case BLT_PATTERN:
		line_from_pattern(b, b->pattern + row * pattern_row_pitch(b->bytes_pp));
		break;
	case BLT_EXPAND:
		/* In VRAM the bitmap's lines follow each other, the source pitch unused. */
		if (!cpu) {
			vram_read(b, b->src_addr + y * b->mono_line_bytes, b->input,
				  b->mono_line_bytes);
			cpu = b->input;
		}
		line_from_mono(b, cpu, UINT32_MAX);
		break;
	case BLT_EXPAND_PATTERN:
		line_from_mono(b, b->pattern + row, 0);
		break;
	}
}

/* ---------------------------------------------------------------- doing a line */

static bool rop_uses_dst(uint8_t ms_rop)
{
	return ((ms_rop >> 1) ^ ms_rop) & 0x50;
}

static bool line_needs_keep(const struct kd_cirrus_blt *b)
{
	return b->skip || b->compare || b->expand_transparent;
}

/* The raster operation over the line: dst_line = rop(src_line, dst_line). */
static void apply_rop(struct kd_cirrus_blt *b, bool with_dst)
{
	const uint8_t m11 = b->rop_mask[3], m10 = b->rop_mask[2];
	const uint8_t m01 = b->rop_mask[1], m00 = b->rop_mask[0];
	const uint8_t *s = b->src_line;
	uint8_t *d = b->dst_line;

	if (!with_dst) { /* the result depends on the source alone */
		for (uint32_t i = 0; i < b->width; i++)
			d[i] = (uint8_t)((s[i] & m10) | (~s[i] & m00));
		return;
	}
	for (uint32_t i = 0; i < b->width; i++)
		d[i] = (uint8_t)((s[i] & d[i] & m11) | (s[i] & ~d[i] & m10) | (~s[i] & d[i] & m01) |
				 (~s[i] & ~d[i] & m00));
}

/* GR30 bit 3 without expansion: pixels whose result is the transparent colour stay as they were
 * (CIRRUS.TXT: "If the ROP result matches the register(s) the data is NOT written"). */
static void drop_transparent_pixels(struct kd_cirrus_blt *b)
{
	for (uint32_t at = 0; at < b->width; at += b->bytes_pp) {
		uint32_t n = MIN(b->bytes_pp, b->width - at);

		if (!memcmp(b->dst_line + at, b->transparent, n))
			memset(b->keep + at, 0, n);
	}
}

static void run_line(struct kd_cirrus_blt *b, uint32_t y, const uint8_t *cpu)
{
	uint32_t w = b->width;
	uint32_t dst = line_address(b, b->dst_addr, b->dst_pitch, y);
	bool keep = line_needs_keep(b);

	if (b->ms_rop == MS_ROP_DST)
		return; /* writes nothing */
	if (keep) {
		memset(b->keep, 1, w);
		memset(b->keep, 0, MIN(b->skip, w));
	}
	build_source(b, y, cpu);
	if (b->ms_rop == MS_ROP_SRC && !keep) {
		vram_write(b, dst, b->src_line, w);
		mark_dirty(b, dst, w);
		return;
	}
	if (rop_uses_dst(b->ms_rop))
		vram_read(b, dst, b->dst_line, w);
	apply_rop(b, rop_uses_dst(b->ms_rop));
	if (b->compare)
		drop_transparent_pixels(b);
	if (!keep) {
		vram_write(b, dst, b->dst_line, w);
	} else {
		for (uint32_t i = 0; i < w; i++)
			if (b->keep[i])
				b->vram[(dst + i) & b->vram_mask] = b->dst_line[i];
	}
	mark_dirty(b, dst, w);
}

static void run_lines(struct kd_cirrus_blt *b)
{
	for (uint32_t y = 0; y < b->height; y++)
		run_line(b, y, NULL);
}

/* ---------------------------------------------------------------- starting */

static size_t pattern_bytes(const struct kd_cirrus_blt *b)
{
	return b->kind == BLT_EXPAND_PATTERN ? 8 : 8 * pattern_row_pitch(b->bytes_pp);
}

static void set_rop(struct kd_cirrus_blt *b, uint8_t code)
{
	b->ms_rop = MS_ROP_DST;
	for (size_t i = 0; i < G_N_ELEMENTS(cirrus_rops); i++)
		if (cirrus_rops[i].code == code)
			b->ms_rop = cirrus_rops[i].ms_rop;
	for (unsigned k = 0; k < 4; k++)
		b->rop_mask[k] = (b->ms_rop >> (4 + k)) & 1 ? 0xFF : 0x00;
}

static void color_bytes(uint8_t out[4], uint32_t color)
{
	for (unsigned k = 0; k < 4; k++)
		out[k] = (uint8_t)(color >> (8 * k));
}

/* What GR30/GR33 ask for; false for what the engine does not do. */
static bool decode_mode(struct kd_cirrus_blt *b, const struct kd_cirrus_blt_regs *r)
{
	bool transparent = r->mode & KD_CIRRUS_BLT_MODE_TRANSPARENT;
	bool pattern = r->mode & KD_CIRRUS_BLT_MODE_PATTERN;
	bool expand = r->mode & KD_CIRRUS_BLT_MODE_COLOR_EXPAND;

	/* Video to system memory, alone or with a system source (memory to memory). */
	if (r->mode & KD_CIRRUS_BLT_MODE_SYSTEM_DEST)
		return false;
	if ((r->mode_ext & KD_CIRRUS_BLT_EXT_SOLID_FILL) && pattern && expand && !transparent)
		b->kind = BLT_FILL;
	else if (expand)
		b->kind = pattern ? BLT_EXPAND_PATTERN : BLT_EXPAND;
	else
		b->kind = pattern ? BLT_PATTERN : BLT_COPY;
	b->from_cpu = (r->mode & KD_CIRRUS_BLT_MODE_SYSTEM_SRC) && b->kind != BLT_FILL;
	b->backwards = (r->mode & KD_CIRRUS_BLT_MODE_BACKWARDS) && b->kind == BLT_COPY;
	b->compare = transparent && !expand;
	b->expand_transparent = transparent && expand;
	b->expand_invert = b->expand_transparent && (r->mode_ext & KD_CIRRUS_BLT_EXT_INVERT_EXPAND);
	/* The 542x/543x compare 8 or 16 bits; wider pixels have nothing to compare them with. */
	return !(b->compare && b->bytes_pp > 2);
}

/* The left clip in bytes: GR2F bits 0-2 count pixels, at 24 bpp bits 0-4 count bytes. It
 * applies where the source is made of pixels (patterns, expansion), not to copies and fills. */
static uint32_t left_clip_bytes(const struct kd_cirrus_blt *b, uint8_t gr2f)
{
	if (b->kind == BLT_COPY || b->kind == BLT_FILL)
		return 0;
	if (b->bytes_pp == 3)
		return gr2f & 0x1F;
	return (gr2f & 0x07) * b->bytes_pp;
}

/* The bytes of one line (or of the pattern) the CPU sends. Copies send DWORDs per line
 * (CIRRUS.TXT, GR30), bitmaps bytes per line unless GR33 bit 0 asks for DWORDs. */
static uint32_t cpu_line_bytes(const struct kd_cirrus_blt *b, uint8_t mode_ext)
{
	uint32_t pixels = (b->width + b->bytes_pp - 1) / b->bytes_pp;

	switch (b->kind) {
	case BLT_COPY:
		return (b->width + 3) & ~3u;
	case BLT_EXPAND:
		if (mode_ext & KD_CIRRUS_BLT_EXT_DWORD_GRANULARITY)
			return (pixels + 31) / 32 * 4;
		return b->mono_line_bytes;
	default:
		return (uint32_t)pattern_bytes(b);
	}
}

static bool vram_size_ok(size_t size)
{
	return size && size <= (1u << 30) && !(size & (size - 1));
}

enum kd_cirrus_blt_outcome kd_cirrus_blt_start(struct kd_cirrus_blt *b,
					       const struct kd_cirrus_blt_regs *r, uint8_t *vram,
					       size_t vram_size)
{
	b->waiting = false;
	if (!vram || !vram_size_ok(vram_size))
		return KD_CIRRUS_BLT_REFUSED;
	b->vram = vram;
	b->vram_mask = (uint32_t)(vram_size - 1);
	b->bytes_pp = ((r->mode & KD_CIRRUS_BLT_MODE_DEPTH_MASK) >> 4) + 1;
	if (!decode_mode(b, r))
		return KD_CIRRUS_BLT_REFUSED;

	b->width = (r->width_minus_one & 0x1FFFu) + 1;
	b->height = (r->height_minus_one & 0x7FFu) + 1;
	b->dst_pitch = r->dst_pitch & 0x1FFFu;
	b->src_pitch = r->src_pitch & 0x1FFFu;
	b->dst_addr = r->dst_addr & 0x3FFFFFu;
	b->src_addr = r->src_addr & 0x3FFFFFu;
	b->skip = left_clip_bytes(b, r->left_clip);
	set_rop(b, r->rop);
	color_bytes(b->fg, r->fg_color);
	color_bytes(b->bg, r->bg_color);
	b->transparent[0] = (uint8_t)r->transparent_color;
	b->transparent[1] = (uint8_t)(r->transparent_color >> 8);
	b->pattern_row = b->src_addr & 7;
	b->mono_line_bytes = ((b->width + b->bytes_pp - 1) / b->bytes_pp + 7) / 8;

	if (b->from_cpu) {
		b->input_line_bytes = cpu_line_bytes(b, r->mode_ext);
		b->input_fill = 0;
		b->next_line = 0;
		b->waiting = true;
		return KD_CIRRUS_BLT_WAITING;
	}
	if (b->kind == BLT_PATTERN || b->kind == BLT_EXPAND_PATTERN) {
		/* Patterns are aligned to their size; the low 3 bits pick the first row. */
		uint32_t size = (uint32_t)pattern_bytes(b);

		vram_read(b, b->src_addr & ~(size - 1), b->pattern, size);
	}
	run_lines(b);
	return KD_CIRRUS_BLT_DONE;
}

/* ---------------------------------------------------------------- the CPU's data */

bool kd_cirrus_blt_waiting(const struct kd_cirrus_blt *b)
{
	return b->waiting;
}

size_t kd_cirrus_blt_feed(struct kd_cirrus_blt *b, const uint8_t *data, size_t len)
{
	size_t taken = 0;

	while (b->waiting && taken < len) {
		uint32_t n = (uint32_t)MIN(len - taken, b->input_line_bytes - b->input_fill);

		memcpy(b->input + b->input_fill, data + taken, n);
		b->input_fill += n;
		taken += n;
		if (b->input_fill < b->input_line_bytes)
			break;
		b->input_fill = 0;
		if (b->kind == BLT_PATTERN || b->kind == BLT_EXPAND_PATTERN) {
			memcpy(b->pattern, b->input, b->input_line_bytes);
			b->waiting = false; /* before running: the lines read no CPU data */
			run_lines(b);
		} else {
			run_line(b, b->next_line, b->input);
			b->waiting = ++b->next_line < b->height;
		}
	}
	return taken;
}

void kd_cirrus_blt_reset(struct kd_cirrus_blt *b)
{
	b->waiting = false;
}

uint8_t kd_cirrus_blt_status(const struct kd_cirrus_blt *b)
{
	if (!b->waiting)
		return 0;
	return KD_CIRRUS_BLT_STATUS_BUSY | KD_CIRRUS_BLT_START | KD_CIRRUS_BLT_STATUS_PROGRESS;
}

bool kd_cirrus_blt_take_dirty(struct kd_cirrus_blt *b, uint32_t *offset, uint32_t *length)
{
	if (!b->dirty)
		return false;
	*offset = b->dirty_start;
	*length = b->dirty_end - b->dirty_start;
	b->dirty = false;
	return true;
}
