/*
 * The guest's screen in an ncurses window (see screen-render.h): colour choice, the colour pair
 * cache, scaling, and drawing text grids and pictures as cells.
 */
#include "config.h"

#include "tui/screen-render.h"

#include <stdlib.h>
#include <wchar.h>

/* ---------------------------------------------------------------- colours */

/* The 16 basic colours in curses order, as the VGA shows them (IBM VGA Technical Reference,
 * default DAC values of the 16 attribute colours). */
static const uint32_t basic_rgb[16] = {
	0x000000, 0xAA0000, 0x00AA00, 0xAA5500, 0x0000AA, 0xAA00AA, 0x00AAAA, 0xAAAAAA,
	0x555555, 0xFF5555, 0x55FF55, 0xFFFF55, 0x5555FF, 0xFF55FF, 0x55FFFF, 0xFFFFFF,
};

/* xterm's 256-colour palette (256colres.pl): a 6x6x6 cube from 16, a grey ramp from 232. */
static const uint8_t cube_level[6] = { 0x00, 0x5F, 0x87, 0xAF, 0xD7, 0xFF };
#define CUBE_BASE 16
#define GREY_BASE 232
#define GREY_STEPS 24

static unsigned red(uint32_t rgb)
{
	return (rgb >> 16) & 0xFF;
}

static unsigned green(uint32_t rgb)
{
	return (rgb >> 8) & 0xFF;
}

static unsigned blue(uint32_t rgb)
{
	return rgb & 0xFF;
}

unsigned kd_screen_color_distance(uint32_t a, uint32_t b)
{
	int dr = (int)red(a) - (int)red(b);
	int dg = (int)green(a) - (int)green(b);
	int db = (int)blue(a) - (int)blue(b);

	return (unsigned)(2 * dr * dr + 4 * dg * dg + 3 * db * db);
}

unsigned kd_screen_luma(uint32_t rgb)
{
	return (299 * red(rgb) + 587 * green(rgb) + 114 * blue(rgb)) / 1000;
}

/* The cube level nearest to a channel value: the levels are 0 and 95 + 40 k. */
static unsigned cube_index(unsigned v)
{
	if (v < 48)
		return 0;
	if (v < 115)
		return 1;
	return (v - 35) / 40;
}

static int nearest_xterm256(uint32_t rgb)
{
	unsigned ri = cube_index(red(rgb)), gi = cube_index(green(rgb)), bi = cube_index(blue(rgb));
	uint32_t cube =
		(uint32_t)cube_level[ri] << 16 | (uint32_t)cube_level[gi] << 8 | cube_level[bi];
	unsigned average = (red(rgb) + green(rgb) + blue(rgb)) / 3;
	unsigned grey_index = average < 8 ? 0 : MIN((average - 8 + 5) / 10, GREY_STEPS - 1);
	unsigned grey_level = 8 + 10 * grey_index;
	uint32_t grey = grey_level << 16 | grey_level << 8 | grey_level;

	if (kd_screen_color_distance(rgb, grey) < kd_screen_color_distance(rgb, cube))
		return GREY_BASE + (int)grey_index;
	return CUBE_BASE + (int)(36 * ri + 6 * gi + bi);
}

static int nearest_basic(uint32_t rgb, int n)
{
	unsigned best = UINT32_MAX;
	int color = 0;

	for (int i = 0; i < n; i++) {
		unsigned d = kd_screen_color_distance(rgb, basic_rgb[i]);

		if (d < best) {
			best = d;
			color = i;
		}
	}
	return color;
}

int kd_screen_color_nearest(uint32_t rgb, int colors)
{
	rgb &= 0xFFFFFF;
	if (colors >= KD_SCREEN_DIRECT_COLORS)
		/* Numbers below 8 are the ANSI colours there; those RGB values are black anyway. */
		return rgb < 8 ? COLOR_BLACK : (int)rgb;
	if (colors >= 256)
		return nearest_xterm256(rgb);
	if (colors >= 16)
		return nearest_basic(rgb, 16);
	if (colors >= 8)
		return nearest_basic(rgb, 8);
	return COLOR_BLACK;
}

uint32_t kd_screen_color_rgb(int color, int colors)
{
	if (colors >= KD_SCREEN_DIRECT_COLORS && color >= 8)
		return (uint32_t)color & 0xFFFFFF;
	if (color < 0)
		return 0;
	if (color < CUBE_BASE)
		return basic_rgb[color];
	if (color < GREY_BASE) {
		unsigned c = (unsigned)color - CUBE_BASE;

		return (uint32_t)cube_level[c / 36] << 16 | (uint32_t)cube_level[c / 6 % 6] << 8 |
		       cube_level[c % 6];
	}
	if (color < GREY_BASE + GREY_STEPS) {
		uint32_t level = 8 + 10 * (uint32_t)(color - GREY_BASE);

		return level << 16 | level << 8 | level;
	}
	return 0;
}

int kd_screen_vga_color(unsigned vga)
{
	/* VGA colour bits are intensity, red, green, blue; curses' (ANSI) are blue, green, red. */
	return (int)((vga & 8) | (vga & 1) << 2 | (vga & 2) | (vga & 4) >> 2);
}

bool kd_screen_palette_is_standard(const uint32_t palette[16])
{
	/* 6-bit DAC values widen to 8 bits in more than one way (0x2A -> 0xA8 or 0xAA). */
	static const unsigned slack = 8;

	for (unsigned i = 0; i < 16; i++) {
		uint32_t want = basic_rgb[kd_screen_vga_color(i)], got = palette[i];

		if ((unsigned)abs((int)red(want) - (int)red(got)) > slack ||
		    (unsigned)abs((int)green(want) - (int)green(got)) > slack ||
		    (unsigned)abs((int)blue(want) - (int)blue(got)) > slack)
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------- text cells */

/* Monochrome terminals show attributes the way the MDA did (IBM MDA manual, "attribute byte"):
 * dark on light is reverse video, the intensity bit bold, foreground 1 on black underlined. */
static void mono_style(unsigned fg, unsigned bg, struct kd_screen_style *style)
{
	bool reverse = kd_screen_luma(basic_rgb[kd_screen_vga_color(bg)]) >
		       kd_screen_luma(basic_rgb[kd_screen_vga_color(fg)]);

	style->fg = style->bg = -1;
	if (reverse)
		style->attrs |= A_REVERSE;
	else if (fg & 8)
		style->attrs |= A_BOLD;
	if (!reverse && (fg & 7) == 1 && bg == 0)
		style->attrs |= A_UNDERLINE;
}

void kd_screen_text_style(uint8_t attr, bool blink, int colors, const uint32_t *palette,
			  struct kd_screen_style *style)
{
	unsigned fg = attr & 0x0F, bg = (attr >> 4) & 0x07;

	style->attrs = A_NORMAL;
	if (attr & 0x80) {
		if (blink)
			style->attrs |= A_BLINK;
		else
			bg |= 8;
	}
	style->blank = fg == bg;
	if (colors < 8) {
		mono_style(fg, bg, style);
	} else if (palette && colors >= 256) {
		style->fg = kd_screen_color_nearest(palette[fg], colors);
		style->bg = kd_screen_color_nearest(palette[bg], colors);
	} else if (colors >= 16) {
		style->fg = kd_screen_vga_color(fg);
		style->bg = kd_screen_vga_color(bg);
	} else {
		/* Eight colours: a bright foreground is bold, a bright background is lost. */
		style->fg = kd_screen_vga_color(fg & 7);
		style->bg = kd_screen_vga_color(bg & 7);
		if (fg & 8)
			style->attrs |= A_BOLD;
	}
}

/* Code page 437 without Unicode: VT100 line drawing where it has the shape, else ASCII. */
static const struct kd_screen_ascii cp437_ascii[256] = {
	[0x01] = { 0, 'o' },   [0x02] = { 0, 'o' },   [0x03] = { 0, '*' },   [0x04] = { '`', '*' },
	[0x05] = { 0, '*' },   [0x06] = { 0, '*' },   [0x07] = { '~', '.' }, [0x08] = { '0', '#' },
	[0x09] = { 0, 'o' },   [0x0A] = { 0, 'o' },   [0x0B] = { 0, 'o' },   [0x0C] = { 0, '+' },
	[0x0D] = { 0, 'd' },   [0x0E] = { 0, 'd' },   [0x0F] = { 0, '*' },   [0x10] = { '+', '>' },
	[0x11] = { ',', '<' }, [0x12] = { 0, '|' },   [0x13] = { 0, '!' },   [0x14] = { 0, 'P' },
	[0x15] = { 0, 'S' },   [0x16] = { 0, '_' },   [0x17] = { 0, '|' },   [0x18] = { '-', '^' },
	[0x19] = { '.', 'v' }, [0x1A] = { '+', '>' }, [0x1B] = { ',', '<' }, [0x1C] = { 'm', 'L' },
	[0x1D] = { 0, '-' },   [0x1E] = { '-', '^' }, [0x1F] = { '.', 'v' }, [0x7F] = { 0, '^' },
	[0x80] = { 0, 'C' },   [0x81] = { 0, 'u' },   [0x82] = { 0, 'e' },   [0x83] = { 0, 'a' },
	[0x84] = { 0, 'a' },   [0x85] = { 0, 'a' },   [0x86] = { 0, 'a' },   [0x87] = { 0, 'c' },
	[0x88] = { 0, 'e' },   [0x89] = { 0, 'e' },   [0x8A] = { 0, 'e' },   [0x8B] = { 0, 'i' },
	[0x8C] = { 0, 'i' },   [0x8D] = { 0, 'i' },   [0x8E] = { 0, 'A' },   [0x8F] = { 0, 'A' },
	[0x90] = { 0, 'E' },   [0x91] = { 0, 'a' },   [0x92] = { 0, 'A' },   [0x93] = { 0, 'o' },
	[0x94] = { 0, 'o' },   [0x95] = { 0, 'o' },   [0x96] = { 0, 'u' },   [0x97] = { 0, 'u' },
	[0x98] = { 0, 'y' },   [0x99] = { 0, 'O' },   [0x9A] = { 0, 'U' },   [0x9B] = { 0, 'c' },
	[0x9C] = { '}', 'L' }, [0x9D] = { 0, 'Y' },   [0x9E] = { 0, 'P' },   [0x9F] = { 0, 'f' },
	[0xA0] = { 0, 'a' },   [0xA1] = { 0, 'i' },   [0xA2] = { 0, 'o' },   [0xA3] = { 0, 'u' },
	[0xA4] = { 0, 'n' },   [0xA5] = { 0, 'N' },   [0xA6] = { 0, 'a' },   [0xA7] = { 0, 'o' },
	[0xA8] = { 0, '?' },   [0xA9] = { 0, '-' },   [0xAA] = { 0, '-' },   [0xAB] = { 0, '%' },
	[0xAC] = { 0, '%' },   [0xAD] = { 0, '!' },   [0xAE] = { 0, '<' },   [0xAF] = { 0, '>' },
	[0xB0] = { 'a', ':' }, [0xB1] = { 'a', '%' }, [0xB2] = { 'a', '#' }, [0xB3] = { 'x', '|' },
	[0xB4] = { 'u', '+' }, [0xB5] = { 'u', '+' }, [0xB6] = { 'u', '+' }, [0xB7] = { 'k', '+' },
	[0xB8] = { 'k', '+' }, [0xB9] = { 'u', '+' }, [0xBA] = { 'x', '|' }, [0xBB] = { 'k', '+' },
	[0xBC] = { 'j', '+' }, [0xBD] = { 'j', '+' }, [0xBE] = { 'j', '+' }, [0xBF] = { 'k', '+' },
	[0xC0] = { 'm', '+' }, [0xC1] = { 'v', '+' }, [0xC2] = { 'w', '+' }, [0xC3] = { 't', '+' },
	[0xC4] = { 'q', '-' }, [0xC5] = { 'n', '+' }, [0xC6] = { 't', '+' }, [0xC7] = { 't', '+' },
	[0xC8] = { 'm', '+' }, [0xC9] = { 'l', '+' }, [0xCA] = { 'v', '+' }, [0xCB] = { 'w', '+' },
	[0xCC] = { 't', '+' }, [0xCD] = { 'q', '=' }, [0xCE] = { 'n', '+' }, [0xCF] = { 'v', '+' },
	[0xD0] = { 'v', '+' }, [0xD1] = { 'w', '+' }, [0xD2] = { 'w', '+' }, [0xD3] = { 'm', '+' },
	[0xD4] = { 'm', '+' }, [0xD5] = { 'l', '+' }, [0xD6] = { 'l', '+' }, [0xD7] = { 'n', '+' },
	[0xD8] = { 'n', '+' }, [0xD9] = { 'j', '+' }, [0xDA] = { 'l', '+' }, [0xDB] = { '0', '#' },
	[0xDC] = { 0, '_' },   [0xDD] = { 0, '|' },   [0xDE] = { 0, '|' },   [0xDF] = { 0, '"' },
	[0xE0] = { 0, 'a' },   [0xE1] = { 0, 'B' },   [0xE2] = { 0, 'G' },   [0xE3] = { '{', 'p' },
	[0xE4] = { 0, 'S' },   [0xE5] = { 0, 's' },   [0xE6] = { 0, 'u' },   [0xE7] = { 0, 't' },
	[0xE8] = { 0, 'F' },   [0xE9] = { 0, 'O' },   [0xEA] = { 0, 'O' },   [0xEB] = { 0, 'd' },
	[0xEC] = { 0, '8' },   [0xED] = { 0, 'f' },   [0xEE] = { 0, 'e' },   [0xEF] = { 0, 'n' },
	[0xF0] = { 0, '=' },   [0xF1] = { 'g', '+' }, [0xF2] = { 'z', '>' }, [0xF3] = { 'y', '<' },
	[0xF4] = { 0, '(' },   [0xF5] = { 0, ')' },   [0xF6] = { 0, '/' },   [0xF7] = { 0, '~' },
	[0xF8] = { 'f', 'o' }, [0xF9] = { 0, '.' },   [0xFA] = { 0, '.' },   [0xFB] = { 0, 'v' },
	[0xFC] = { 0, 'n' },   [0xFD] = { 0, '2' },   [0xFE] = { '~', '#' },
};

struct kd_screen_ascii kd_screen_cp437_ascii(uint8_t ch)
{
	struct kd_screen_ascii a = cp437_ascii[ch];

	if (ch >= 0x20 && ch < 0x7F)
		a.ascii = (char)ch;
	else if (!a.ascii)
		a.ascii = ' '; /* 0x00 and 0xFF (a non-breaking space) */
	return a;
}

/* One axis of the text view: centred when it fits, else cut keeping `cursor` inside. */
static void text_axis(unsigned n, int area, unsigned cursor, unsigned *src, int *dst, unsigned *len)
{
	unsigned room = area > 0 ? (unsigned)area : 0;

	if (n <= room) {
		*src = 0;
		*dst = (int)(room - n) / 2;
		*len = n;
		return;
	}
	*src = room && cursor < n && cursor >= room ? cursor - room + 1 : 0;
	*dst = 0;
	*len = room;
}

void kd_screen_text_view(unsigned cols, unsigned rows, int area_w, int area_h, unsigned cursor_col,
			 unsigned cursor_row, struct kd_screen_text_view *view)
{
	text_axis(cols, area_w, cursor_col, &view->src_col, &view->dst_x, &view->cols);
	text_axis(rows, area_h, cursor_row, &view->src_row, &view->dst_y, &view->rows);
}

/* ---------------------------------------------------------------- graphics */

void kd_screen_graphics_fit(unsigned width, unsigned height, int area_w, int area_h,
			    struct kd_screen_rect *cells, unsigned *pixel_h)
{
	uint64_t pw = area_w > 0 ? (uint64_t)area_w : 0, ph = area_h > 0 ? 2 * (uint64_t)area_h : 0;
	uint64_t dw, dh;

	*cells = (struct kd_screen_rect){ 0 };
	*pixel_h = 0;
	if (!width || !height || !pw || !ph)
		return;
	if ((uint64_t)width * ph <= (uint64_t)height * pw) {
		/* Taller than the area: full height. */
		dh = ph;
		dw = ((uint64_t)width * ph + height / 2) / height;
	} else {
		dw = pw;
		dh = ((uint64_t)height * pw + width / 2) / width;
	}
	dw = CLAMP(dw, 1, pw);
	dh = CLAMP(dh, 1, ph);
	cells->w = (int)dw;
	cells->h = (int)((dh + 1) / 2);
	cells->x = (area_w - cells->w) / 2;
	cells->y = (area_h - cells->h) / 2;
	*pixel_h = (unsigned)dh;
}

void kd_screen_scale_span(unsigned src_len, unsigned dst_len, unsigned i, unsigned *start,
			  unsigned *end)
{
	*start = (unsigned)((uint64_t)i * src_len / dst_len);
	*end = (unsigned)((uint64_t)(i + 1) * src_len / dst_len);
	if (*end <= *start)
		*end = *start + 1;
	if (*end > src_len) {
		*end = src_len;
		*start = MIN(*start, src_len - 1);
	}
}

void kd_screen_scale_cover(unsigned src_len, unsigned dst_len, unsigned start, unsigned len,
			   unsigned *dst_start, unsigned *dst_end)
{
	/* Spans before floor(start * dst / src) end at or before start; none from
	 * ceil((start + len) * dst / src) on begins before start + len. */
	uint64_t first = (uint64_t)start * dst_len / src_len;
	uint64_t last = ((uint64_t)start + len) * dst_len;

	last = (last + src_len - 1) / src_len;
	*dst_start = (unsigned)MIN(first, dst_len);
	*dst_end = (unsigned)MIN(last, dst_len);
}

char kd_screen_ascii_ramp(unsigned luma)
{
	static const char ramp[] = " .:-=+*#%@";

	return ramp[MIN(luma, 255) * (sizeof(ramp) - 1) / 256];
}

/* ---------------------------------------------------------------- colour pairs */

struct pair_slot {
	gint64 key; /* fg << 32 | bg */
	int prev, next; /* the use list, most recent first; -1 ends it */
	uint64_t frame; /* last frame that used it */
};

struct kd_screen_pairs {
	int first, count, used;
	struct pair_slot *slots;
	GHashTable *index; /* &slot.key -> slot index + 1 */
	int head, tail;
	uint64_t frame;
};

struct kd_screen_pairs *kd_screen_pairs_new(int first, int count)
{
	struct kd_screen_pairs *p = g_new0(struct kd_screen_pairs, 1);

	p->first = first;
	p->count = MAX(count, 0);
	p->slots = g_new0(struct pair_slot, (gsize)p->count + 1);
	p->index = g_hash_table_new(g_int64_hash, g_int64_equal);
	p->head = p->tail = -1;
	p->frame = 1;
	return p;
}

void kd_screen_pairs_free(struct kd_screen_pairs *pairs)
{
	if (!pairs)
		return;
	g_hash_table_destroy(pairs->index);
	g_free(pairs->slots);
	g_free(pairs);
}

void kd_screen_pairs_begin_frame(struct kd_screen_pairs *pairs)
{
	pairs->frame++;
}

void kd_screen_pairs_clear(struct kd_screen_pairs *pairs)
{
	g_hash_table_remove_all(pairs->index);
	pairs->used = 0;
	pairs->head = pairs->tail = -1;
}

static void unlink_slot(struct kd_screen_pairs *p, int i)
{
	struct pair_slot *s = &p->slots[i];

	if (s->prev >= 0)
		p->slots[s->prev].next = s->next;
	else
		p->head = s->next;
	if (s->next >= 0)
		p->slots[s->next].prev = s->prev;
	else
		p->tail = s->prev;
}

static void push_front(struct kd_screen_pairs *p, int i)
{
	struct pair_slot *s = &p->slots[i];

	s->prev = -1;
	s->next = p->head;
	if (p->head >= 0)
		p->slots[p->head].prev = i;
	p->head = i;
	if (p->tail < 0)
		p->tail = i;
}

int kd_screen_pairs_get(struct kd_screen_pairs *pairs, int fg, int bg, bool *fresh)
{
	gint64 key = (gint64)((uint64_t)(uint32_t)fg << 32 | (uint32_t)bg);
	gpointer found = g_hash_table_lookup(pairs->index, &key);
	int i;

	*fresh = false;
	if (found) {
		i = GPOINTER_TO_INT(found) - 1;
		unlink_slot(pairs, i);
	} else if (pairs->used < pairs->count) {
		i = pairs->used++;
		*fresh = true;
	} else {
		i = pairs->tail;
		if (i < 0 || pairs->slots[i].frame == pairs->frame)
			return -1;
		g_hash_table_remove(pairs->index, &pairs->slots[i].key);
		unlink_slot(pairs, i);
		*fresh = true;
	}
	if (*fresh) {
		pairs->slots[i].key = key;
		g_hash_table_insert(pairs->index, &pairs->slots[i].key, GINT_TO_POINTER(i + 1));
	}
	pairs->slots[i].frame = pairs->frame;
	push_front(pairs, i);
	return pairs->first + i;
}

int kd_screen_pairs_nearest(const struct kd_screen_pairs *pairs, int fg, int bg, int colors)
{
	uint32_t want_fg = kd_screen_color_rgb(fg, colors),
		 want_bg = kd_screen_color_rgb(bg, colors);
	uint64_t best = UINT64_MAX;
	int pair = 0;

	for (int i = 0; i < pairs->used; i++) {
		uint64_t key = (uint64_t)pairs->slots[i].key;
		uint64_t d = (uint64_t)kd_screen_color_distance(
				     want_fg, kd_screen_color_rgb((int)(key >> 32), colors)) +
			     kd_screen_color_distance(
				     want_bg, kd_screen_color_rgb((int)(uint32_t)key, colors));

		if (d < best) {
			best = d;
			pair = pairs->first + i;
		}
	}
	return pair;
}

/* ---------------------------------------------------------------- the renderer */

/* Ncurses' pair numbers are shorts in its classic calls. */
#define MAX_PAIRS 32767
/* A box of source pixels is averaged from at most this many samples a side. */
#define MAX_SAMPLES 8

struct kd_screen_render {
	struct kd_screen_caps caps;
	struct kd_screen_pairs *pairs;
	bool drawn;
	/* What was drawn last, to tell when everything must be drawn again. */
	enum kd_display_mode mode;
	int area_w, area_h;
	unsigned width, height, cols, rows;
	uint64_t generation;
	struct kd_screen_rect used;
};

void kd_screen_caps_from_curses(struct kd_screen_caps *caps, int first_pair)
{
	*caps = (struct kd_screen_caps){ .first_pair = MAX(first_pair, 1) };
	caps->utf8 = g_get_charset(NULL);
	if (has_colors() && COLORS >= 8) {
		caps->colors = COLORS;
		caps->pairs = MIN(COLOR_PAIRS, MAX_PAIRS + 1) - caps->first_pair;
	}
	/* Too few pairs for even the eight colours' text attributes: draw as monochrome. */
	if (caps->pairs < 8) {
		caps->colors = 0;
		caps->pairs = 0;
	}
}

struct kd_screen_render *kd_screen_render_new(const struct kd_screen_caps *caps)
{
	struct kd_screen_render *r = g_new0(struct kd_screen_render, 1);

	r->caps = *caps;
	r->pairs = kd_screen_pairs_new(caps->first_pair, caps->colors ? caps->pairs : 0);
	return r;
}

void kd_screen_render_free(struct kd_screen_render *r)
{
	if (!r)
		return;
	kd_screen_pairs_free(r->pairs);
	g_free(r);
}

/* The pair for fg/bg, initialised on first use; 0 on a monochrome terminal. */
static int color_pair(struct kd_screen_render *r, int fg, int bg)
{
	bool fresh;
	int pair;

	if (!r->caps.colors || fg < 0 || bg < 0)
		return 0;
	pair = kd_screen_pairs_get(r->pairs, fg, bg, &fresh);
	if (pair < 0)
		return kd_screen_pairs_nearest(r->pairs, fg, bg, r->caps.colors);
	if (fresh)
		init_extended_pair(pair, fg, bg);
	return pair;
}

static void put_wide(WINDOW *win, int y, int x, wchar_t wc, attr_t attrs, int pair)
{
	wchar_t text[2] = { wc, 0 };
	cchar_t cell;

	/* The pair goes through opts, ncurses' way past the short of the classic calls. */
	if (setcchar(&cell, text, attrs, 0, &pair) == OK)
		mvwadd_wch(win, y, x, &cell);
}

static void put_narrow(WINDOW *win, int y, int x, chtype ch, attr_t attrs, int pair)
{
	int normal = 0;

	wattr_set(win, attrs, 0, &pair);
	mvwaddch(win, y, x, ch);
	wattr_set(win, A_NORMAL, 0, &normal);
}

static void put_cp437(struct kd_screen_render *r, WINDOW *win, int y, int x, uint8_t ch,
		      const struct kd_screen_style *style)
{
	int pair = color_pair(r, style->fg, style->bg);
	struct kd_screen_ascii a;

	if (style->blank)
		ch = ' ';
	if (r->caps.utf8) {
		gunichar u = kd_display_cp437(ch);

		if (u >= 0x20 && u != 0x7F && wcwidth((wchar_t)u) == 1) {
			put_wide(win, y, x, (wchar_t)u, style->attrs, pair);
			return;
		}
	}
	a = kd_screen_cp437_ascii(ch);
	put_narrow(win, y, x, a.acs ? NCURSES_ACS(a.acs) : (chtype)(unsigned char)a.ascii,
		   style->attrs, pair);
}

static void draw_text(struct kd_screen_render *r, WINDOW *win, const struct kd_display_frame *f,
		      bool cells, int area_w, int area_h, struct kd_screen_cursor *cursor)
{
	const struct kd_display_text *t = &f->text;
	const uint32_t *palette = NULL;
	struct kd_screen_text_view v;

	kd_screen_text_view(t->cols, t->rows, area_w, area_h, t->cursor_col, t->cursor_row, &v);
	/* The terminal's own 16 colours unless the guest changed its palette and the terminal
	 * can show better. */
	if (r->caps.colors >= KD_SCREEN_DIRECT_COLORS ||
	    (r->caps.colors >= 256 && !kd_screen_palette_is_standard(t->palette)))
		palette = t->palette;
	for (unsigned row = 0; cells && row < v.rows; row++) {
		const struct kd_display_cell *line = t->cells + (size_t)(v.src_row + row) * t->cols;

		for (unsigned col = 0; col < v.cols; col++) {
			const struct kd_display_cell *c = &line[v.src_col + col];
			struct kd_screen_style style;

			kd_screen_text_style(c->attr, t->blink, r->caps.colors, palette, &style);
			put_cp437(r, win, v.dst_y + (int)row, v.dst_x + (int)col, c->ch, &style);
		}
	}
	r->used = (struct kd_screen_rect){ v.dst_x, v.dst_y, (int)v.cols, (int)v.rows };
	if (t->cursor_visible && t->cursor_col >= v.src_col && t->cursor_col < v.src_col + v.cols &&
	    t->cursor_row >= v.src_row && t->cursor_row < v.src_row + v.rows &&
	    t->cursor_end >= t->cursor_start) {
		cursor->visible = true;
		cursor->x = v.dst_x + (int)(t->cursor_col - v.src_col);
		cursor->y = v.dst_y + (int)(t->cursor_row - v.src_row);
		/* A cursor over more than half the cell is a block. */
		cursor->shape = 2 * (t->cursor_end - t->cursor_start + 1) > t->char_height ? 2 : 1;
	}
}

/* The average colour of the source pixels under destination pixel (dx, dy). */
static uint32_t box_average(const struct kd_display_frame *f, unsigned dw, unsigned dh, unsigned dx,
			    unsigned dy)
{
	unsigned x0, x1, y0, y1, xstep, ystep, n = 0;
	uint32_t r = 0, g = 0, b = 0;

	kd_screen_scale_span(f->width, dw, dx, &x0, &x1);
	kd_screen_scale_span(f->height, dh, dy, &y0, &y1);
	xstep = MAX((x1 - x0) / MAX_SAMPLES, 1);
	ystep = MAX((y1 - y0) / MAX_SAMPLES, 1);
	for (unsigned y = y0; y < y1; y += ystep) {
		const uint32_t *line = f->pixels + (size_t)y * f->width;

		for (unsigned x = x0; x < x1; x += xstep) {
			r += red(line[x]);
			g += green(line[x]);
			b += blue(line[x]);
			n++;
		}
	}
	return (r / n) << 16 | (g / n) << 8 | b / n;
}

static uint32_t mix(uint32_t a, uint32_t b)
{
	return ((red(a) + red(b)) / 2) << 16 | ((green(a) + green(b)) / 2) << 8 |
	       (blue(a) + blue(b)) / 2;
}

static void put_pixels(struct kd_screen_render *r, WINDOW *win, int y, int x, uint32_t upper,
		       uint32_t lower)
{
	int colors = r->caps.colors;

	if (r->caps.utf8 && colors) {
		int fg = kd_screen_color_nearest(upper, colors);
		int bg = kd_screen_color_nearest(lower, colors);

		/* One colour is a blank in it: any pair with that background will do, and one
		 * with black or white on it is likely there already. */
		if (fg == bg)
			put_wide(win, y, x, L' ', A_NORMAL,
				 color_pair(r, bg == COLOR_BLACK ? COLOR_WHITE : COLOR_BLACK, bg));
		else
			put_wide(win, y, x, L'\u2580', A_NORMAL, color_pair(r, fg, bg));
		return;
	}
	upper = mix(upper, lower);
	put_narrow(win, y, x, (chtype)kd_screen_ascii_ramp(kd_screen_luma(upper)), A_NORMAL,
		   colors ? color_pair(r, kd_screen_color_nearest(upper, colors), COLOR_BLACK) : 0);
}

static void draw_graphics(struct kd_screen_render *r, WINDOW *win, const struct kd_display_frame *f,
			  bool all, int area_w, int area_h)
{
	struct kd_screen_rect c;
	unsigned ph, cx0 = 0, cx1, cy0 = 0, cy1;

	kd_screen_graphics_fit(f->width, f->height, area_w, area_h, &c, &ph);
	r->used = c;
	if (!c.w || !f->pixels)
		return;
	cx1 = (unsigned)c.w;
	cy1 = (unsigned)c.h;
	if (!all) {
		unsigned py0, py1;

		if (!f->dirty_w || !f->dirty_h)
			return;
		kd_screen_scale_cover(f->width, (unsigned)c.w, f->dirty_x, f->dirty_w, &cx0, &cx1);
		kd_screen_scale_cover(f->height, ph, f->dirty_y, f->dirty_h, &py0, &py1);
		cy0 = py0 / 2;
		cy1 = (py1 + 1) / 2;
	}
	for (unsigned cy = cy0; cy < cy1; cy++)
		for (unsigned cx = cx0; cx < cx1; cx++) {
			uint32_t upper = box_average(f, (unsigned)c.w, ph, cx, 2 * cy);
			uint32_t lower = 2 * cy + 1 < ph
						 ? box_average(f, (unsigned)c.w, ph, cx, 2 * cy + 1)
						 : 0;

			put_pixels(r, win, c.y + (int)cy, c.x + (int)cx, upper, lower);
		}
}

void kd_screen_render_draw(struct kd_screen_render *r, WINDOW *win,
			   const struct kd_display_frame *frame, bool full,
			   struct kd_screen_rect *used, struct kd_screen_cursor *cursor)
{
	int area_w = getmaxx(win), area_h = getmaxy(win);
	struct kd_screen_cursor hidden = { .visible = false };
	bool same = r->drawn && frame->generation == r->generation;
	/* A refresh this renderer did not see (screendump, another consumer) took its damage
	 * with it: the generation skipped one, or moved with nothing marked as changed. */
	bool missed = r->drawn && !same &&
		      (frame->generation != r->generation + 1 ||
		       (!frame->dirty_w && !frame->text_changed));
	bool all = full || !r->drawn || missed || frame->mode != r->mode || area_w != r->area_w ||
		   area_h != r->area_h || frame->width != r->width || frame->height != r->height ||
		   (frame->mode == KD_DISPLAY_TEXT &&
		    (frame->text.cols != r->cols || frame->text.rows != r->rows));

	if (!cursor)
		cursor = &hidden;
	*cursor = hidden;
	if (all) {
		int normal = 0;

		wattr_set(win, A_NORMAL, 0, &normal);
		werase(win);
		r->used = (struct kd_screen_rect){ 0 };
	}
	kd_screen_pairs_begin_frame(r->pairs);
	switch (frame->mode) {
	case KD_DISPLAY_TEXT:
		if (frame->text.cells)
			draw_text(r, win, frame, all || (!same && frame->text_changed), area_w,
				  area_h, cursor);
		break;
	case KD_DISPLAY_GRAPHICS:
		if (all || !same)
			draw_graphics(r, win, frame, all, area_w, area_h);
		break;
	case KD_DISPLAY_OFF:
		r->used = (struct kd_screen_rect){ 0 };
		break;
	}
	r->drawn = true;
	r->mode = frame->mode;
	r->area_w = area_w;
	r->area_h = area_h;
	r->width = frame->width;
	r->height = frame->height;
	r->cols = frame->text.cols;
	r->rows = frame->text.rows;
	r->generation = frame->generation;
	if (used)
		*used = r->used;
}

void kd_screen_render_place_cursor(WINDOW *win, const struct kd_screen_cursor *cursor)
{
	if (!cursor->visible) {
		curs_set(0);
		return;
	}
	if (curs_set(cursor->shape) == ERR)
		curs_set(1);
	wmove(win, cursor->y, cursor->x);
}
