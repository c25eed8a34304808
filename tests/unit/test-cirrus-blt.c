/*
 * The GD5446 BitBLT engine against a reference model written here as plain per-pixel loops, and
 * against hand-computed bytes for what the model cannot check by itself (the ROP table, memmove
 * behaviour, expansion and pattern layout, wrapping). A hostile battery throws random registers
 * at it with VRAM between guard bytes.
 */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "hw/cirrus-blt.h"

#define GUARD 4096
#define GUARD_BYTE 0x5A

/* VRAM between two guard zones. */
struct vram {
	uint8_t *mem;
	uint8_t *bytes;
	uint32_t size;
};

static struct vram vram_new(uint32_t size, GRand *r)
{
	struct vram v = { .mem = g_malloc(GUARD + size + GUARD), .size = size };

	v.bytes = v.mem + GUARD;
	memset(v.mem, GUARD_BYTE, GUARD);
	memset(v.bytes + size, GUARD_BYTE, GUARD);
	for (uint32_t i = 0; i < size; i++)
		v.bytes[i] = r ? (uint8_t)g_rand_int(r) : 0;
	return v;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *copy = g_malloc(n);

	memcpy(copy, p, n);
	return copy;
}

static void vram_check_guards(const struct vram *v)
{
	for (size_t i = 0; i < GUARD; i++) {
		g_assert_cmphex(v->mem[i], ==, GUARD_BYTE);
		g_assert_cmphex(v->bytes[v->size + i], ==, GUARD_BYTE);
	}
}

static void vram_free(struct vram *v)
{
	vram_check_guards(v);
	g_free(v->mem);
}

/* ---------------------------------------------------------------- the reference model */

static uint8_t ref_rop(uint8_t code, uint8_t s, uint8_t d)
{
	switch (code) {
	case 0x00:
		return 0;
	case 0x05:
		return s & d;
	case 0x06:
		return d;
	case 0x09:
		return s & (uint8_t)~d;
	case 0x0B:
		return (uint8_t)~d;
	case 0x0D:
		return s;
	case 0x0E:
		return 0xFF;
	case 0x50:
		return (uint8_t)~s & d;
	case 0x59:
		return s ^ d;
	case 0x6D:
		return s | d;
	case 0x90:
		return (uint8_t) ~(s | d);
	case 0x95:
		return (uint8_t) ~(s ^ d);
	case 0xAD:
		return s | (uint8_t)~d;
	case 0xD0:
		return (uint8_t)~s;
	case 0xD6:
		return (uint8_t)~s | d;
	case 0xDA:
		return (uint8_t) ~(s & d);
	default:
		return d;
	}
}

static const uint8_t rop_codes[] = { 0x00, 0x05, 0x06, 0x09, 0x0B, 0x0D, 0x0E, 0x50,
				     0x59, 0x6D, 0x90, 0x95, 0xAD, 0xD0, 0xD6, 0xDA };

/* A BLT's registers decoded the way the engine documents them. */
struct ref {
	unsigned bpp;
	uint32_t w, h, pixels, skip, cpu_line;
	bool back, cpu, expand, pattern, transparent, solid, invert;
};

static struct ref ref_decode(const struct kd_cirrus_blt_regs *r)
{
	struct ref f = {
		.bpp = ((r->mode >> 4) & 3) + 1,
		.w = (r->width_minus_one & 0x1FFFu) + 1,
		.h = (r->height_minus_one & 0x7FFu) + 1,
		.expand = r->mode & KD_CIRRUS_BLT_MODE_COLOR_EXPAND,
		.pattern = r->mode & KD_CIRRUS_BLT_MODE_PATTERN,
		.transparent = r->mode & KD_CIRRUS_BLT_MODE_TRANSPARENT,
	};

	f.pixels = (f.w + f.bpp - 1) / f.bpp;
	f.solid = (r->mode_ext & KD_CIRRUS_BLT_EXT_SOLID_FILL) && f.pattern && f.expand &&
		  !f.transparent;
	f.cpu = (r->mode & KD_CIRRUS_BLT_MODE_SYSTEM_SRC) && !f.solid;
	f.back = (r->mode & KD_CIRRUS_BLT_MODE_BACKWARDS) && !f.pattern && !f.expand;
	f.invert = f.expand && f.transparent && (r->mode_ext & KD_CIRRUS_BLT_EXT_INVERT_EXPAND);
	if ((f.pattern || f.expand) && !f.solid)
		f.skip = f.bpp == 3 ? r->left_clip & 0x1Fu : (r->left_clip & 7u) * f.bpp;
	if (f.pattern)
		f.cpu_line = f.expand ? 8 : f.bpp == 1 ? 64 : f.bpp == 2 ? 128 : 256;
	else if (f.expand && (r->mode_ext & KD_CIRRUS_BLT_EXT_DWORD_GRANULARITY))
		f.cpu_line = (f.pixels + 31) / 32 * 4;
	else if (f.expand)
		f.cpu_line = (f.pixels + 7) / 8;
	else
		f.cpu_line = (f.w + 3) & ~3u;
	return f;
}

/* The whole BLT, pixel by pixel; cpu holds the CPU's bytes for a system-memory source. */
static void ref_blt(uint8_t *vram, uint32_t size, const struct kd_cirrus_blt_regs *r,
		    const uint8_t *cpu)
{
	struct ref f = ref_decode(r);
	uint32_t mask = size - 1;
	uint32_t dst_addr = r->dst_addr & 0x3FFFFF, src_addr = r->src_addr & 0x3FFFFF;
	uint32_t dpitch = r->dst_pitch & 0x1FFF, spitch = r->src_pitch & 0x1FFF;
	uint8_t fg[4], bg[4], pattern[256], line[KD_CIRRUS_BLT_MAX_WIDTH];
	uint32_t row_pitch = f.bpp == 1 ? 8 : f.bpp == 2 ? 16 : 32;

	for (unsigned k = 0; k < 4; k++) {
		fg[k] = (uint8_t)(r->fg_color >> (8 * k));
		bg[k] = (uint8_t)(r->bg_color >> (8 * k));
	}
	if (f.pattern) { /* latched when the BLT starts */
		uint32_t n = f.cpu_line;

		for (uint32_t i = 0; i < n; i++)
			pattern[i] = cpu ? cpu[i] : vram[((src_addr & ~(n - 1)) + i) & mask];
	}
	for (uint32_t y = 0; y < f.h; y++) {
		uint32_t dst = f.back ? dst_addr - y * dpitch - (f.w - 1) : dst_addr + y * dpitch;
		uint32_t src = f.back ? src_addr - y * spitch - (f.w - 1) : src_addr + y * spitch;
		unsigned prow = ((src_addr & 7) + y) & 7;

		/* This line's source, taken before the line is written. */
		for (uint32_t x = 0; x < f.w; x++) {
			if (f.expand && !f.pattern && !f.solid) {
				uint32_t mono = (f.pixels + 7) / 8;

				if (x < mono)
					line[x] = cpu ? cpu[y * f.cpu_line + x]
						      : vram[(src_addr + y * mono + x) & mask];
			} else if (!f.expand && !f.pattern) {
				if (cpu)
					line[x] = cpu[y * f.cpu_line + (f.back ? f.w - 1 - x : x)];
				else
					line[x] = vram[(src + x) & mask];
			}
		}
		for (uint32_t px = 0; px < f.pixels; px++) {
			uint8_t color[4], result[4];
			bool draw = true;
			unsigned n = 0;

			if (f.solid) {
				memcpy(color, fg, 4);
			} else if (f.expand) {
				uint8_t bits = f.pattern ? pattern[prow] : line[px / 8];
				bool set = (bits >> (7 - px % 8)) & 1;

				if (f.transparent) {
					draw = set != f.invert;
					memcpy(color, f.invert ? bg : fg, 4);
				} else {
					memcpy(color, set ? fg : bg, 4);
				}
			} else if (f.pattern) {
				memcpy(color, pattern + prow * row_pitch + (px % 8) * f.bpp, f.bpp);
			}
			for (unsigned k = 0; k < f.bpp && px * f.bpp + k < f.w; k++, n++) {
				uint32_t x = px * f.bpp + k;
				uint8_t s = (f.expand || f.pattern) ? color[k] : line[x];

				result[k] = ref_rop(r->rop, s, vram[(dst + x) & mask]);
			}
			if (f.transparent && !f.expand) {
				uint8_t key[2] = { (uint8_t)r->transparent_color,
						   (uint8_t)(r->transparent_color >> 8) };

				if (!memcmp(result, key, n))
					draw = false;
			}
			for (unsigned k = 0; k < n; k++) {
				uint32_t x = px * f.bpp + k;

				if (draw && x >= f.skip)
					vram[(dst + x) & mask] = result[k];
			}
		}
	}
}

/* ---------------------------------------------------------------- helpers */

static struct kd_cirrus_blt_regs regs_copy(unsigned bpp, uint32_t w, uint32_t h, uint32_t dst,
					   uint32_t src, uint32_t pitch)
{
	return (struct kd_cirrus_blt_regs){
		.width_minus_one = (uint16_t)(w - 1),
		.height_minus_one = (uint16_t)(h - 1),
		.dst_pitch = (uint16_t)pitch,
		.src_pitch = (uint16_t)pitch,
		.dst_addr = dst,
		.src_addr = src,
		.mode = (uint8_t)((bpp - 1) << 4),
		.rop = 0x0D,
	};
}

/* Runs a BLT in the engine on v and in the model on a copy of v, feeding cpu in chunks of
 * `chunk` bytes, and checks the two agree and the engine's dirty span covers every change. */
static void check_against_model(struct kd_cirrus_blt *blt, struct vram *v,
				const struct kd_cirrus_blt_regs *r, const uint8_t *cpu,
				size_t cpu_len, size_t chunk)
{
	g_autofree uint8_t *before = dup_bytes(v->bytes, v->size);
	g_autofree uint8_t *expect = dup_bytes(v->bytes, v->size);
	enum kd_cirrus_blt_outcome out = kd_cirrus_blt_start(blt, r, v->bytes, v->size);
	uint32_t off = 0, len = 0;
	bool dirty;

	ref_blt(expect, v->size, r, cpu);
	if (cpu) {
		size_t fed = 0;

		g_assert_cmpint(out, ==, KD_CIRRUS_BLT_WAITING);
		while (fed < cpu_len) {
			size_t n = MIN(chunk, cpu_len - fed);

			g_assert_true(kd_cirrus_blt_waiting(blt));
			g_assert_cmphex(kd_cirrus_blt_status(blt), ==, 0x0B);
			g_assert_cmpuint(kd_cirrus_blt_feed(blt, cpu + fed, n), ==, n);
			fed += n;
		}
	} else {
		g_assert_cmpint(out, ==, KD_CIRRUS_BLT_DONE);
	}
	g_assert_false(kd_cirrus_blt_waiting(blt));
	g_assert_cmphex(kd_cirrus_blt_status(blt), ==, 0);
	g_assert_true(memcmp(v->bytes, expect, v->size) == 0);
	dirty = kd_cirrus_blt_take_dirty(blt, &off, &len);
	for (uint32_t i = 0; i < v->size; i++)
		if (v->bytes[i] != before[i]) {
			g_assert_true(dirty);
			g_assert_cmpuint(i, >=, off);
			g_assert_cmpuint(i, <, off + len);
		}
	g_assert_cmpuint((uint64_t)off + len, <=, v->size);
	vram_check_guards(v);
}

/* ---------------------------------------------------------------- tests */

static void test_regs_from_gr(void)
{
	uint8_t gr[0x40];
	struct kd_cirrus_blt_regs r;

	for (unsigned i = 0; i < sizeof(gr); i++)
		gr[i] = (uint8_t)(0xA0 + i);
	kd_cirrus_blt_regs_from_gr(&r, gr, 0x12, 0x34);
	g_assert_cmphex(r.width_minus_one, ==, 0xC1C0);
	g_assert_cmphex(r.height_minus_one, ==, 0xC3C2);
	g_assert_cmphex(r.dst_pitch, ==, 0xC5C4);
	g_assert_cmphex(r.src_pitch, ==, 0xC7C6);
	g_assert_cmphex(r.dst_addr, ==, 0xCAC9C8);
	g_assert_cmphex(r.src_addr, ==, 0xCECDCC);
	g_assert_cmphex(r.left_clip, ==, 0xCF);
	g_assert_cmphex(r.mode, ==, 0xD0);
	g_assert_cmphex(r.rop, ==, 0xD2);
	g_assert_cmphex(r.mode_ext, ==, 0xD3);
	g_assert_cmphex(r.transparent_color, ==, 0xD5D4);
	g_assert_cmphex(r.fg_color, ==, 0xB5B3B134);
	g_assert_cmphex(r.bg_color, ==, 0xB4B2B012);
}

/* Source 0xCC over destination 0xAA gives the Windows ROP3 code's byte (CIRRUS.TXT's table). */
static void test_rops(void)
{
	static const struct {
		uint8_t code, expect;
	} cases[] = {
		{ 0x00, 0x00 }, { 0x05, 0x88 }, { 0x06, 0xAA }, { 0x09, 0x44 }, { 0x0B, 0x55 },
		{ 0x0D, 0xCC }, { 0x0E, 0xFF }, { 0x50, 0x22 }, { 0x59, 0x66 }, { 0x6D, 0xEE },
		{ 0x90, 0x11 }, { 0x95, 0x99 }, { 0xAD, 0xDD }, { 0xD0, 0x33 }, { 0xD6, 0xBB },
		{ 0xDA, 0x77 }, { 0x42, 0xAA }, /* not a Cirrus code: nothing happens */
	};
	struct kd_cirrus_blt *blt = kd_cirrus_blt_new();
	struct vram v = vram_new(4096, NULL);

	for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
		struct kd_cirrus_blt_regs r = regs_copy(1, 16, 2, 256, 0, 32);
		uint32_t off, len;

		g_assert_cmphex(ref_rop(cases[c].code, 0xCC, 0xAA), ==, cases[c].expect);
		memset(v.bytes, 0xCC, 256);
		memset(v.bytes + 256, 0xAA, 256);
		r.rop = cases[c].code;
		g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==,
				KD_CIRRUS_BLT_DONE);
		for (uint32_t i = 256; i < 512; i++) {
			bool inside = (i - 256) % 32 < 16 && i < 256 + 32 + 16;

			g_assert_cmphex(v.bytes[i], ==, inside ? cases[c].expect : 0xAA);
		}
		/* Every code but "destination" (and unknown ones) writes the two lines. */
		if (cases[c].expect == 0xAA) {
			g_assert_false(kd_cirrus_blt_take_dirty(blt, &off, &len));
		} else {
			g_assert_true(kd_cirrus_blt_take_dirty(blt, &off, &len));
			g_assert_cmpuint(off, ==, 256);
			g_assert_cmpuint(len, ==, 48);
		}
	}
	vram_free(&v);
	kd_cirrus_blt_free(blt);
}

/* Copies, fills, patterns and expansion at each depth, against the model. */
static void test_depths(void)
{
	static const uint8_t kinds[][2] = {
		/* GR30 bits other than depth, GR33 */
		{ 0x00, 0x00 }, /* copy */
		{ KD_CIRRUS_BLT_MODE_BACKWARDS, 0x00 },
		{ KD_CIRRUS_BLT_MODE_PATTERN | KD_CIRRUS_BLT_MODE_COLOR_EXPAND,
		  KD_CIRRUS_BLT_EXT_SOLID_FILL },
		{ KD_CIRRUS_BLT_MODE_PATTERN, 0x00 },
		{ KD_CIRRUS_BLT_MODE_COLOR_EXPAND, 0x00 },
		{ KD_CIRRUS_BLT_MODE_COLOR_EXPAND | KD_CIRRUS_BLT_MODE_TRANSPARENT, 0x00 },
		{ KD_CIRRUS_BLT_MODE_COLOR_EXPAND | KD_CIRRUS_BLT_MODE_TRANSPARENT,
		  KD_CIRRUS_BLT_EXT_INVERT_EXPAND },
		{ KD_CIRRUS_BLT_MODE_PATTERN | KD_CIRRUS_BLT_MODE_COLOR_EXPAND, 0x00 },
		{ KD_CIRRUS_BLT_MODE_PATTERN | KD_CIRRUS_BLT_MODE_COLOR_EXPAND |
			  KD_CIRRUS_BLT_MODE_TRANSPARENT,
		  0x00 },
	};
	struct kd_cirrus_blt *blt = kd_cirrus_blt_new();
	GRand *rnd = g_rand_new_with_seed(5446);
	struct vram v = vram_new(1u << 18, rnd);

	for (unsigned bpp = 1; bpp <= 4; bpp++)
		for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++)
			for (unsigned round = 0; round < 40; round++) {
				uint32_t w = bpp * (uint32_t)g_rand_int_range(rnd, 1, 100) +
					     (round % 5 == 0 ? 1 : 0);
				uint32_t pitch = w + (uint32_t)g_rand_int_range(rnd, 0, 300);
				uint32_t h = (uint32_t)g_rand_int_range(rnd, 1, 40);
				uint32_t area = pitch * h;
				struct kd_cirrus_blt_regs r = regs_copy(
					bpp, w, h, (uint32_t)g_rand_int_range(rnd, 0, 0x20000),
					0x20000 + (uint32_t)g_rand_int_range(rnd, 0, 0x8000),
					pitch);

				if (kinds[k][0] & KD_CIRRUS_BLT_MODE_BACKWARDS) {
					r.dst_addr += area;
					r.src_addr += area;
				}
				r.mode |= kinds[k][0];
				r.mode_ext = kinds[k][1];
				r.rop = rop_codes[g_rand_int_range(rnd, 0, 16)];
				r.left_clip = (uint8_t)g_rand_int(rnd);
				r.fg_color = g_rand_int(rnd);
				r.bg_color = g_rand_int(rnd);
				check_against_model(blt, &v, &r, NULL, 0, 0);
			}
	vram_free(&v);
	g_rand_free(rnd);
	kd_cirrus_blt_free(blt);
}

/* 8 and 16 bpp copies with transparency: result pixels equal to GR34/35 are not written. */
static void test_transparent_copy(void)
{
	struct kd_cirrus_blt *blt = kd_cirrus_blt_new();
	struct vram v = vram_new(4096, NULL);
	struct kd_cirrus_blt_regs r = regs_copy(1, 8, 1, 100, 0, 0);

	memcpy(v.bytes, "\x01\x07\x02\x07\x07\x03\x04\x07", 8);
	memset(v.bytes + 100, 0xEE, 8);
	r.mode |= KD_CIRRUS_BLT_MODE_TRANSPARENT;
	r.transparent_color = 0x0707;
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_DONE);
	g_assert_true(!memcmp(v.bytes + 100, "\x01\xEE\x02\xEE\xEE\x03\x04\xEE", 8));

	/* 16 bpp compares whole pixels: 0x0707 only where both bytes match. */
	memcpy(v.bytes, "\x07\x07\x07\x01\x01\x07\x07\x07", 8);
	memset(v.bytes + 100, 0xEE, 8);
	r.mode = KD_CIRRUS_BLT_MODE_TRANSPARENT | 0x10;
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_DONE);
	g_assert_true(!memcmp(v.bytes + 100, "\xEE\xEE\x07\x01\x01\x07\xEE\xEE", 8));

	/* The compare is on the ROP's result: NOT source makes 0xF8 into the key. */
	memset(v.bytes, 0xF8, 8);
	v.bytes[0] = 0x00;
	memset(v.bytes + 100, 0xEE, 8);
	r.mode = KD_CIRRUS_BLT_MODE_TRANSPARENT;
	r.rop = 0xD0;
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_DONE);
	g_assert_true(!memcmp(v.bytes + 100, "\xFF\xEE\xEE\xEE\xEE\xEE\xEE\xEE", 8));
	vram_free(&v);
	kd_cirrus_blt_free(blt);
}

/* Scrolling a window in all four directions moves it as memmove would. */
static void test_overlap(void)
{
	enum { PITCH = 256, X = 20, Y = 20, W = 100, H = 50, D = 7 };
	static const struct {
		int dx, dy;
	} moves[] = { { 0, -D }, { 0, D }, { -D, 0 }, { D, 0 }, { D, D }, { -D, -D } };
	struct kd_cirrus_blt *blt = kd_cirrus_blt_new();
	GRand *rnd = g_rand_new_with_seed(42);
	struct vram v = vram_new(1u << 16, rnd);

	for (size_t m = 0; m < G_N_ELEMENTS(moves); m++) {
		g_autofree uint8_t *expect = dup_bytes(v.bytes, v.size);
		uint32_t src = Y * PITCH + X;
		uint32_t dst = (uint32_t)((Y + moves[m].dy) * PITCH + X + moves[m].dx);
		struct kd_cirrus_blt_regs r = regs_copy(1, W, H, dst, src, PITCH);

		for (uint32_t y = 0; y < H; y++)
			memcpy(expect + dst + y * PITCH, v.bytes + src + y * PITCH, W);
		/* Drivers go backwards when the destination is after the source. */
		if (dst > src) {
			r.mode |= KD_CIRRUS_BLT_MODE_BACKWARDS;
			r.dst_addr += (H - 1) * PITCH + W - 1;
			r.src_addr += (H - 1) * PITCH + W - 1;
		}
		g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==,
				KD_CIRRUS_BLT_DONE);
		g_assert_true(memcmp(v.bytes, expect, v.size) == 0);
	}

	/* The wrong direction: lines are done one after another, so a forward copy one line down
	 * repeats the first line... */
	{
		g_autofree uint8_t *orig = dup_bytes(v.bytes, v.size);
		struct kd_cirrus_blt_regs r = regs_copy(1, W, 3, PITCH, 0, PITCH);

		g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==,
				KD_CIRRUS_BLT_DONE);
		for (uint32_t y = 1; y <= 3; y++)
			g_assert_true(!memcmp(v.bytes + y * PITCH, orig, W));
	}
	/* ...but within a line the source is read before it is written: a memmove. */
	{
		g_autofree uint8_t *orig = dup_bytes(v.bytes, v.size);
		struct kd_cirrus_blt_regs r = regs_copy(1, W, 1, 5000 + 1, 5000, 0);

		g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==,
				KD_CIRRUS_BLT_DONE);
		g_assert_true(!memcmp(v.bytes + 5001, orig + 5000, W));
	}
	vram_free(&v);
	g_rand_free(rnd);
	kd_cirrus_blt_free(blt);
}

/* Expansion of 0xA5 0x0F, opaque, transparent, inverted, left-clipped; 8 and 16 bpp. */
static void test_expand(void)
{
	struct kd_cirrus_blt *blt = kd_cirrus_blt_new();
	struct vram v = vram_new(4096, NULL);
	struct kd_cirrus_blt_regs r = regs_copy(1, 16, 1, 64, 0, 0);
	static const uint8_t opaque[16] = { 0x11, 0x22, 0x11, 0x22, 0x22, 0x11, 0x22, 0x11,
					    0x22, 0x22, 0x22, 0x22, 0x11, 0x11, 0x11, 0x11 };
	uint8_t expect[32];

	r.mode = KD_CIRRUS_BLT_MODE_COLOR_EXPAND;
	r.fg_color = 0x11;
	r.bg_color = 0x22;
	v.bytes[0] = 0xA5;
	v.bytes[1] = 0x0F;
	memset(v.bytes + 64, 0x77, 32);
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_DONE);
	g_assert_true(!memcmp(v.bytes + 64, opaque, 16));

	memset(v.bytes + 64, 0x77, 32);
	r.mode |= KD_CIRRUS_BLT_MODE_TRANSPARENT;
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_DONE);
	for (int i = 0; i < 16; i++)
		expect[i] = opaque[i] == 0x11 ? 0x11 : 0x77;
	g_assert_true(!memcmp(v.bytes + 64, expect, 16));

	memset(v.bytes + 64, 0x77, 32);
	r.mode_ext = KD_CIRRUS_BLT_EXT_INVERT_EXPAND;
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_DONE);
	for (int i = 0; i < 16; i++)
		expect[i] = opaque[i] == 0x22 ? 0x22 : 0x77;
	g_assert_true(!memcmp(v.bytes + 64, expect, 16));

	/* GR2F: the first 3 pixels stay; the bitmap still starts at pixel 0. */
	memset(v.bytes + 64, 0x77, 32);
	r.mode = KD_CIRRUS_BLT_MODE_COLOR_EXPAND;
	r.mode_ext = 0;
	r.left_clip = 3;
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_DONE);
	g_assert_true(!memcmp(v.bytes + 64, "\x77\x77\x77", 3));
	g_assert_true(!memcmp(v.bytes + 67, opaque + 3, 13));

	/* 16 bpp, colours little-endian: 0xA5 over 8 pixels. */
	memset(v.bytes + 64, 0x77, 32);
	r = regs_copy(2, 16, 1, 64, 0, 0);
	r.mode |= KD_CIRRUS_BLT_MODE_COLOR_EXPAND;
	r.fg_color = 0xBEEF;
	r.bg_color = 0x1234;
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_DONE);
	g_assert_true(!memcmp(v.bytes + 64,
			      "\xEF\xBE\x34\x12\xEF\xBE\x34\x12\x34\x12\xEF\xBE\x34\x12\xEF\xBE",
			      16));
	g_assert_cmphex(v.bytes[80], ==, 0x77);
	vram_free(&v);
	kd_cirrus_blt_free(blt);
}

/* 8x8 pattern fills: colour (rows from GR2C bits 0-2), monochrome, solid at 24 bpp. */
static void test_pattern(void)
{
	struct kd_cirrus_blt *blt = kd_cirrus_blt_new();
	struct vram v = vram_new(1u << 16, NULL);
	struct kd_cirrus_blt_regs r = regs_copy(1, 20, 10, 0x2000, 0x1000 | 2, 32);

	for (int i = 0; i < 64; i++)
		v.bytes[0x1000 + i] = (uint8_t)i;
	r.mode |= KD_CIRRUS_BLT_MODE_PATTERN;
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_DONE);
	for (uint32_t y = 0; y < 10; y++)
		for (uint32_t x = 0; x < 20; x++)
			g_assert_cmphex(v.bytes[0x2000 + y * 32 + x], ==,
					((2 + y) & 7) * 8 + x % 8);

	/* Monochrome: one byte per row, the same aligned-to-8 source with row 2 first. */
	r.mode = KD_CIRRUS_BLT_MODE_PATTERN | KD_CIRRUS_BLT_MODE_COLOR_EXPAND;
	r.fg_color = 0xFF;
	r.bg_color = 0x00;
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_DONE);
	for (uint32_t y = 0; y < 10; y++)
		for (uint32_t x = 0; x < 20; x++) {
			uint8_t bits = (uint8_t)((2 + y) & 7);

			g_assert_cmphex(v.bytes[0x2000 + y * 32 + x], ==,
					(bits >> (7 - x % 8)) & 1 ? 0xFF : 0x00);
		}

	/* Solid fill at 24 bpp, 10 bytes: three pixels and the first byte of a fourth. */
	memset(v.bytes + 0x3000, 0x77, 64);
	r = regs_copy(3, 10, 2, 0x3000, 0, 32);
	r.mode |= KD_CIRRUS_BLT_MODE_PATTERN | KD_CIRRUS_BLT_MODE_COLOR_EXPAND;
	r.mode_ext = KD_CIRRUS_BLT_EXT_SOLID_FILL;
	r.fg_color = 0xFF332211;
	r.left_clip = 7; /* not for solid fills */
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_DONE);
	for (uint32_t y = 0; y < 2; y++) {
		g_assert_true(!memcmp(v.bytes + 0x3000 + y * 32,
				      "\x11\x22\x33\x11\x22\x33\x11\x22\x33\x11\x77", 11));
	}
	vram_free(&v);
	kd_cirrus_blt_free(blt);
}

/* BLTs from system memory, fed in odd chunks, against the model. */
static void test_system_source(void)
{
	static const size_t chunks[] = { 1, 3, 4, 7, 13, 4096 };
	static const uint8_t kinds[][2] = {
		{ 0x00, 0x00 },
		{ KD_CIRRUS_BLT_MODE_BACKWARDS, 0x00 },
		{ KD_CIRRUS_BLT_MODE_TRANSPARENT, 0x00 }, /* 8/16 bpp only */
		{ KD_CIRRUS_BLT_MODE_COLOR_EXPAND, 0x00 },
		{ KD_CIRRUS_BLT_MODE_COLOR_EXPAND, KD_CIRRUS_BLT_EXT_DWORD_GRANULARITY },
		{ KD_CIRRUS_BLT_MODE_COLOR_EXPAND | KD_CIRRUS_BLT_MODE_TRANSPARENT, 0x00 },
		{ KD_CIRRUS_BLT_MODE_PATTERN, 0x00 },
		{ KD_CIRRUS_BLT_MODE_PATTERN | KD_CIRRUS_BLT_MODE_COLOR_EXPAND, 0x00 },
	};
	struct kd_cirrus_blt *blt = kd_cirrus_blt_new();
	GRand *rnd = g_rand_new_with_seed(7);
	struct vram v = vram_new(1u << 16, rnd);
	uint8_t cpu[64 * 1024];

	for (size_t i = 0; i < sizeof(cpu); i++)
		cpu[i] = (uint8_t)g_rand_int(rnd);
	for (unsigned bpp = 1; bpp <= 4; bpp++)
		for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++)
			for (size_t c = 0; c < G_N_ELEMENTS(chunks); c++) {
				uint32_t w = 13 * bpp + (uint32_t)c; /* rarely a multiple of 4 */
				struct kd_cirrus_blt_regs r =
					regs_copy(bpp, w, 9, 0x4000, 0x123, 160);
				struct ref f;

				if ((kinds[k][0] & KD_CIRRUS_BLT_MODE_TRANSPARENT) &&
				    !(kinds[k][0] & KD_CIRRUS_BLT_MODE_COLOR_EXPAND) && bpp > 2)
					continue;
				r.mode |= kinds[k][0] | KD_CIRRUS_BLT_MODE_SYSTEM_SRC;
				r.mode_ext = kinds[k][1];
				r.rop = rop_codes[g_rand_int_range(rnd, 0, 16)];
				r.fg_color = g_rand_int(rnd);
				r.bg_color = g_rand_int(rnd);
				r.transparent_color = (uint16_t)(cpu[5] | cpu[6] << 8);
				r.left_clip = (uint8_t)c;
				if (kinds[k][0] & KD_CIRRUS_BLT_MODE_BACKWARDS)
					r.dst_addr += 8 * 160 + w - 1;
				f = ref_decode(&r);
				check_against_model(blt, &v, &r, cpu,
						    f.pattern ? f.cpu_line : f.cpu_line * f.h,
						    chunks[c]);
			}
	vram_free(&v);
	g_rand_free(rnd);
	kd_cirrus_blt_free(blt);
}

/* The end of a CPU BLT, a reset in the middle, a new BLT replacing a waiting one. */
static void test_system_source_control(void)
{
	struct kd_cirrus_blt *blt = kd_cirrus_blt_new();
	struct vram v = vram_new(4096, NULL);
	struct kd_cirrus_blt_regs r = regs_copy(1, 6, 3, 100, 0, 10);
	uint8_t data[64];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i + 1);
	g_assert_cmpuint(kd_cirrus_blt_feed(blt, data, 4), ==, 0); /* nothing waits */
	r.mode |= KD_CIRRUS_BLT_MODE_SYSTEM_SRC;

	/* 6-byte lines come as 8 bytes each; the 4 bytes past the last line are not taken. */
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_WAITING);
	g_assert_cmpuint(kd_cirrus_blt_feed(blt, data, 28), ==, 24);
	g_assert_false(kd_cirrus_blt_waiting(blt));
	for (uint32_t y = 0; y < 3; y++) {
		g_assert_true(!memcmp(v.bytes + 100 + y * 10, data + y * 8, 6));
		g_assert_cmphex(v.bytes[106 + y * 10], ==, 0);
	}

	/* Reset after one line: that line stays, the rest never comes. */
	memset(v.bytes, 0, v.size);
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_WAITING);
	g_assert_cmpuint(kd_cirrus_blt_feed(blt, data, 10), ==, 10);
	kd_cirrus_blt_reset(blt);
	g_assert_false(kd_cirrus_blt_waiting(blt));
	g_assert_cmphex(kd_cirrus_blt_status(blt), ==, 0);
	g_assert_cmpuint(kd_cirrus_blt_feed(blt, data, 10), ==, 0);
	g_assert_true(!memcmp(v.bytes + 100, data, 6));
	g_assert_cmphex(v.bytes[110], ==, 0);

	/* A BLT started while another waits replaces it, partial line and all. */
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_WAITING);
	g_assert_cmpuint(kd_cirrus_blt_feed(blt, data + 40, 3), ==, 3);
	r.dst_addr = 200;
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_WAITING);
	g_assert_cmpuint(kd_cirrus_blt_feed(blt, data, 24), ==, 24);
	g_assert_true(!memcmp(v.bytes + 200, data, 6));
	g_assert_cmphex(v.bytes[120], ==, 0);

	/* A solid fill never waits for the CPU, whatever GR30 bit 2 says. */
	r.mode |= KD_CIRRUS_BLT_MODE_PATTERN | KD_CIRRUS_BLT_MODE_COLOR_EXPAND;
	r.mode_ext = KD_CIRRUS_BLT_EXT_SOLID_FILL;
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_DONE);
	vram_free(&v);
	kd_cirrus_blt_free(blt);
}

static void test_refused(void)
{
	static const uint8_t modes[] = {
		KD_CIRRUS_BLT_MODE_SYSTEM_DEST,
		KD_CIRRUS_BLT_MODE_SYSTEM_DEST | KD_CIRRUS_BLT_MODE_SYSTEM_SRC,
		KD_CIRRUS_BLT_MODE_TRANSPARENT | 0x20,
		KD_CIRRUS_BLT_MODE_TRANSPARENT | KD_CIRRUS_BLT_MODE_PATTERN | 0x30,
	};
	struct kd_cirrus_blt *blt = kd_cirrus_blt_new();
	struct vram v = vram_new(4096, NULL);
	struct kd_cirrus_blt_regs r = regs_copy(1, 16, 4, 512, 0, 32);
	uint32_t off, len;

	memset(v.bytes, 0x33, 64);
	for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
		r.mode = modes[i];
		g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==,
				KD_CIRRUS_BLT_REFUSED);
		g_assert_false(kd_cirrus_blt_waiting(blt));
	}
	r.mode = 0;
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, 3000), ==, KD_CIRRUS_BLT_REFUSED);
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, 0), ==, KD_CIRRUS_BLT_REFUSED);
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, NULL, 4096), ==, KD_CIRRUS_BLT_REFUSED);
	for (uint32_t i = 64; i < v.size; i++)
		g_assert_cmphex(v.bytes[i], ==, 0);
	g_assert_false(kd_cirrus_blt_take_dirty(blt, &off, &len));
	vram_free(&v);
	kd_cirrus_blt_free(blt);
}

/* Addresses wrap at the end of VRAM, in both directions. */
static void test_wrap(void)
{
	struct kd_cirrus_blt *blt = kd_cirrus_blt_new();
	struct vram v = vram_new(4096, NULL);
	struct kd_cirrus_blt_regs r = regs_copy(1, 8, 1, 4096 - 4, 0, 0);
	uint32_t off, len;

	r.mode = KD_CIRRUS_BLT_MODE_PATTERN | KD_CIRRUS_BLT_MODE_COLOR_EXPAND;
	r.mode_ext = KD_CIRRUS_BLT_EXT_SOLID_FILL;
	r.fg_color = 0xAB;
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_DONE);
	g_assert_true(!memcmp(v.bytes, "\xAB\xAB\xAB\xAB\x00", 5));
	g_assert_true(!memcmp(v.bytes + 4096 - 5, "\x00\xAB\xAB\xAB\xAB", 5));
	g_assert_true(kd_cirrus_blt_take_dirty(blt, &off, &len));
	g_assert_cmpuint(off, ==, 0);
	g_assert_cmpuint(len, ==, 4096);

	/* Backwards from address 1: the line is 4094..4095, 0..1; the source 0x3FFFFF wraps to
	 * 4095 and the line before it. A 22-bit address on 4 KiB of VRAM is masked too. */
	memset(v.bytes, 0, v.size);
	for (int i = 0; i < 8; i++)
		v.bytes[4088 + i] = (uint8_t)(0xC0 + i);
	r = regs_copy(1, 4, 1, 1, 0x3FFFFF, 0);
	r.mode = KD_CIRRUS_BLT_MODE_BACKWARDS;
	g_assert_cmpint(kd_cirrus_blt_start(blt, &r, v.bytes, v.size), ==, KD_CIRRUS_BLT_DONE);
	g_assert_true(!memcmp(v.bytes, "\xC6\xC7\x00", 3));
	g_assert_true(!memcmp(v.bytes + 4092, "\xC4\xC5\xC4\xC5", 4));
	vram_free(&v);
	kd_cirrus_blt_free(blt);
}

/* Random registers, random CPU data and resets: the engine stays inside VRAM, writes only
 * within the span it reports, ends every BLT, and where the model can follow (lines shorter
 * than VRAM, no resets) agrees with it. */
static void test_hostile(void)
{
	static const uint32_t sizes[] = { 1u << 14, 1u << 16, 1u << 22 };
	struct kd_cirrus_blt *blt = kd_cirrus_blt_new();
	GRand *rnd = g_rand_new_with_seed(0xC1C0);
	g_autofree uint8_t *cpu = g_malloc(1u << 20);
	uint8_t noise[8192];

	for (size_t i = 0; i < (1u << 20); i++)
		cpu[i] = (uint8_t)g_rand_int(rnd);
	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (uint8_t)g_rand_int(rnd);
	for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
		struct vram v = vram_new(sizes[s], rnd);
		unsigned rounds = sizes[s] > (1u << 16) ? 150 : 2500;

		for (unsigned round = 0; round < rounds; round++) {
			struct kd_cirrus_blt_regs r;
			uint8_t gr[0x40];
			struct ref f;
			bool big = round % 50 == 0;

			for (size_t i = 0; i < sizeof(gr); i++)
				gr[i] = (uint8_t)g_rand_int(rnd);
			if (!big) { /* most rounds stay small enough to compare */
				gr[0x21] &= 0x01;
				gr[0x23] = 0;
				gr[0x22] &= 0x3F;
			}
			if (round % 3 == 0)
				gr[0x32] = rop_codes[g_rand_int_range(rnd, 0, 16)];
			kd_cirrus_blt_regs_from_gr(&r, gr, (uint8_t)g_rand_int(rnd),
						   (uint8_t)g_rand_int(rnd));
			f = ref_decode(&r);
			if (!big && f.w <= v.size && (!f.cpu || f.cpu_line * f.h <= (1u << 20)) &&
			    !(r.mode & KD_CIRRUS_BLT_MODE_SYSTEM_DEST) &&
			    !(f.transparent && !f.expand && f.bpp > 2)) {
				check_against_model(blt, &v, &r, f.cpu ? cpu : NULL,
						    f.pattern ? f.cpu_line : f.cpu_line * f.h,
						    (size_t)g_rand_int_range(rnd, 1, 300));
				continue;
			}

			g_autofree uint8_t *before = dup_bytes(v.bytes, v.size);
			enum kd_cirrus_blt_outcome out =
				kd_cirrus_blt_start(blt, &r, v.bytes, v.size);
			uint64_t fed = 0;
			uint32_t off = 0, len = 0;
			bool dirty;

			while (kd_cirrus_blt_waiting(blt)) {
				size_t n = (size_t)g_rand_int_range(rnd, 1, sizeof(noise));
				size_t took = kd_cirrus_blt_feed(blt, noise, n);

				g_assert_cmpuint(took, <=, n);
				g_assert_true(took == n || !kd_cirrus_blt_waiting(blt));
				fed += took;
				g_assert_cmpuint(fed, <=,
						 (uint64_t)KD_CIRRUS_BLT_MAX_WIDTH *
							 KD_CIRRUS_BLT_MAX_HEIGHT);
				if (g_rand_int_range(rnd, 0, 1000) == 0)
					kd_cirrus_blt_reset(blt);
			}
			if (out != KD_CIRRUS_BLT_WAITING)
				g_assert_cmpuint(fed, ==, 0);
			dirty = kd_cirrus_blt_take_dirty(blt, &off, &len);
			g_assert_cmpuint((uint64_t)off + len, <=, v.size);
			for (uint32_t i = 0; i < v.size; i++)
				if (v.bytes[i] != before[i])
					g_assert_true(dirty && i >= off && i < off + len);
			vram_check_guards(&v);
		}
		vram_free(&v);
	}
	g_rand_free(rnd);
	kd_cirrus_blt_free(blt);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cirrus-blt/regs-from-gr", test_regs_from_gr);
	g_test_add_func("/cirrus-blt/rops", test_rops);
	g_test_add_func("/cirrus-blt/depths", test_depths);
	g_test_add_func("/cirrus-blt/transparent-copy", test_transparent_copy);
	g_test_add_func("/cirrus-blt/overlap", test_overlap);
	g_test_add_func("/cirrus-blt/expand", test_expand);
	g_test_add_func("/cirrus-blt/pattern", test_pattern);
	g_test_add_func("/cirrus-blt/system-source", test_system_source);
	g_test_add_func("/cirrus-blt/system-source-control", test_system_source_control);
	g_test_add_func("/cirrus-blt/refused", test_refused);
	g_test_add_func("/cirrus-blt/wrap", test_wrap);
	g_test_add_func("/cirrus-blt/hostile", test_hostile);
	return g_test_run();
}
