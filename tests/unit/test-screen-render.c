/*
 * The terminal screen renderer: colour choice, attribute mapping, code page 437 stand-ins,
 * text and graphics geometry, the colour pair cache, and frames drawn into a real ncurses
 * screen that writes to /dev/null (cells read back with mvwin_wch).
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "tui/screen-render.h"
#include "kd-test-term.h"

/* ---------------------------------------------------------------- pure parts */

static void test_colors(void)
{
	static const struct {
		uint32_t rgb;
		int colors, want;
	} cases[] = {
		{ 0xFF0000, 256, 196 },	     { 0x000000, 256, 16 },
		{ 0xFFFFFF, 256, 231 },	     { 0x808080, 256, 244 },
		{ 0x5F87AF, 256, 67 },	     { 0x0000FF, 256, 21 },
		{ 0xFF5555, 16, 9 },	     { 0xAA5500, 16, 3 },
		{ 0xFFFFFF, 16, 15 },	     { 0xFFFFFF, 8, 7 },
		{ 0x0000C0, 8, COLOR_BLUE }, { 0x123456, 1 << 24, 0x123456 },
		{ 0x000005, 1 << 24, 0 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		g_assert_cmpint(kd_screen_color_nearest(cases[i].rgb, cases[i].colors), ==,
				cases[i].want);
	/* Each colour of the palettes is its own nearest. */
	for (int c = 16; c < 256; c++)
		g_assert_cmpint(kd_screen_color_nearest(kd_screen_color_rgb(c, 256), 256), ==, c);
	for (int c = 0; c < 16; c++)
		g_assert_cmpint(kd_screen_color_nearest(kd_screen_color_rgb(c, 16), 16), ==, c);
	g_assert_cmpuint(kd_screen_luma(0xFFFFFF), ==, 255);
	g_assert_cmpuint(kd_screen_luma(0), ==, 0);
}

/* The standard palette as a 6-bit DAC shows it, widened by shifting. */
static void dac_palette(uint32_t palette[16])
{
	static const uint8_t dac[16][3] = {
		{ 0, 0, 0 },	{ 0, 0, 42 },	{ 0, 42, 0 },	{ 0, 42, 42 },
		{ 42, 0, 0 },	{ 42, 0, 42 },	{ 42, 21, 0 },	{ 42, 42, 42 },
		{ 21, 21, 21 }, { 21, 21, 63 }, { 21, 63, 21 }, { 21, 63, 63 },
		{ 63, 21, 21 }, { 63, 21, 63 }, { 63, 63, 21 }, { 63, 63, 63 },
	};

	for (int i = 0; i < 16; i++)
		palette[i] = (uint32_t)dac[i][0] << 18 | (uint32_t)dac[i][1] << 10 |
			     (uint32_t)dac[i][2] << 2;
}

static void test_vga_colors(void)
{
	uint32_t palette[16];

	g_assert_cmpint(kd_screen_vga_color(0), ==, COLOR_BLACK);
	g_assert_cmpint(kd_screen_vga_color(1), ==, COLOR_BLUE);
	g_assert_cmpint(kd_screen_vga_color(4), ==, COLOR_RED);
	g_assert_cmpint(kd_screen_vga_color(6), ==, COLOR_YELLOW);
	g_assert_cmpint(kd_screen_vga_color(7), ==, COLOR_WHITE);
	g_assert_cmpint(kd_screen_vga_color(9), ==, COLOR_BLUE + 8);
	g_assert_cmpint(kd_screen_vga_color(14), ==, COLOR_YELLOW + 8);
	dac_palette(palette);
	g_assert_true(kd_screen_palette_is_standard(palette));
	palette[1] = 0x00FF00;
	g_assert_false(kd_screen_palette_is_standard(palette));
}

static void test_text_style(void)
{
	static const struct {
		uint8_t attr;
		bool blink;
		int colors;
		int fg, bg;
		attr_t attrs;
		bool blank;
	} cases[] = {
		{ 0x07, true, 8, COLOR_WHITE, COLOR_BLACK, A_NORMAL, false },
		{ 0x1F, true, 8, COLOR_WHITE, COLOR_BLUE, A_BOLD, false },
		{ 0x1F, true, 16, 15, COLOR_BLUE, A_NORMAL, false },
		{ 0xCE, true, 16, 11, COLOR_RED, A_BLINK, false },
		{ 0xCE, false, 16, 11, COLOR_RED + 8, A_NORMAL, false },
		{ 0xCE, false, 8, COLOR_YELLOW, COLOR_RED, A_BOLD, false },
		{ 0x08, true, 8, COLOR_BLACK, COLOR_BLACK, A_BOLD, false },
		{ 0x44, true, 16, COLOR_RED, COLOR_RED, A_NORMAL, true },
		{ 0x70, true, 0, -1, -1, A_REVERSE, false },
		{ 0x0F, true, 0, -1, -1, A_BOLD, false },
		{ 0x01, true, 0, -1, -1, A_UNDERLINE, false },
		{ 0x87, true, 0, -1, -1, A_BLINK, false },
		{ 0x00, true, 0, -1, -1, A_NORMAL, true },
	};
	struct kd_screen_style s;
	uint32_t palette[16];

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		kd_screen_text_style(cases[i].attr, cases[i].blink, cases[i].colors, NULL, &s);
		g_assert_cmpint(s.fg, ==, cases[i].fg);
		g_assert_cmpint(s.bg, ==, cases[i].bg);
		g_assert_cmphex(s.attrs, ==, cases[i].attrs);
		g_assert_cmpint(s.blank, ==, cases[i].blank);
	}
	/* A palette the guest changed, on a 256-colour terminal. */
	dac_palette(palette);
	palette[1] = 0xFF0000;
	kd_screen_text_style(0x71, true, 256, palette, &s);
	g_assert_cmpint(s.fg, ==, 196);
	g_assert_cmpint(s.bg, ==, kd_screen_color_nearest(palette[7], 256));
}

static void test_cp437_ascii(void)
{
	static const struct {
		uint8_t ch;
		char acs, ascii;
	} cases[] = {
		{ 'A', 0, 'A' },    { 0x00, 0, ' ' },	{ 0xFF, 0, ' ' },   { 0xC4, 'q', '-' },
		{ 0xCD, 'q', '=' }, { 0xB3, 'x', '|' }, { 0xC9, 'l', '+' }, { 0xBC, 'j', '+' },
		{ 0xC5, 'n', '+' }, { 0xDB, '0', '#' }, { 0x82, 0, 'e' },   { 0x18, '-', '^' },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct kd_screen_ascii a = kd_screen_cp437_ascii(cases[i].ch);

		g_assert_cmpint(a.acs, ==, cases[i].acs);
		g_assert_cmpint(a.ascii, ==, cases[i].ascii);
	}
	for (unsigned ch = 0; ch < 256; ch++) {
		struct kd_screen_ascii a = kd_screen_cp437_ascii((uint8_t)ch);

		g_assert_cmpint(a.ascii, >=, 0x20);
		g_assert_cmpint(a.ascii, <, 0x7F);
		g_assert_true(!a.acs || strchr("`afg~,+.-h0jklmnqtuvwxyz{|}", a.acs));
	}
}

static void test_text_view(void)
{
	static const struct {
		unsigned cols, rows;
		int area_w, area_h;
		unsigned cursor_col, cursor_row;
		struct kd_screen_text_view want;
	} cases[] = {
		{ 80, 25, 80, 24, 0, 0, { 0, 0, 0, 0, 80, 24 } },
		{ 80, 25, 80, 24, 10, 24, { 0, 1, 0, 0, 80, 24 } },
		{ 80, 25, 100, 30, 0, 24, { 0, 0, 10, 2, 80, 25 } },
		{ 132, 60, 80, 24, 100, 50, { 21, 27, 0, 0, 80, 24 } },
		/* A cursor parked outside the grid keeps the top-left corner. */
		{ 80, 25, 80, 24, 0, 200, { 0, 0, 0, 0, 80, 24 } },
		{ 80, 25, 0, 0, 0, 0, { 0, 0, 0, 0, 0, 0 } },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct kd_screen_text_view v;

		kd_screen_text_view(cases[i].cols, cases[i].rows, cases[i].area_w, cases[i].area_h,
				    cases[i].cursor_col, cases[i].cursor_row, &v);
		g_assert_cmpuint(v.src_col, ==, cases[i].want.src_col);
		g_assert_cmpuint(v.src_row, ==, cases[i].want.src_row);
		g_assert_cmpint(v.dst_x, ==, cases[i].want.dst_x);
		g_assert_cmpint(v.dst_y, ==, cases[i].want.dst_y);
		g_assert_cmpuint(v.cols, ==, cases[i].want.cols);
		g_assert_cmpuint(v.rows, ==, cases[i].want.rows);
	}
}

static void test_graphics_fit(void)
{
	static const struct {
		unsigned width, height;
		int area_w, area_h;
		struct kd_screen_rect want;
		unsigned pixel_h;
	} cases[] = {
		{ 640, 480, 80, 24, { 8, 0, 64, 24 }, 48 },
		{ 640, 400, 80, 24, { 1, 0, 77, 24 }, 48 },
		{ 320, 200, 200, 60, { 4, 0, 192, 60 }, 120 },
		{ 2000, 100, 80, 24, { 0, 11, 80, 2 }, 4 },
		{ 1000, 312, 80, 24, { 0, 5, 80, 13 }, 25 },
		{ 1, 1, 80, 24, { 16, 0, 48, 24 }, 48 }, /* scaled up */
		{ 0, 480, 80, 24, { 0, 0, 0, 0 }, 0 },
		{ 640, 480, 0, 24, { 0, 0, 0, 0 }, 0 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct kd_screen_rect c;
		unsigned ph;

		kd_screen_graphics_fit(cases[i].width, cases[i].height, cases[i].area_w,
				       cases[i].area_h, &c, &ph);
		g_assert_cmpint(c.x, ==, cases[i].want.x);
		g_assert_cmpint(c.y, ==, cases[i].want.y);
		g_assert_cmpint(c.w, ==, cases[i].want.w);
		g_assert_cmpint(c.h, ==, cases[i].want.h);
		g_assert_cmpuint(ph, ==, cases[i].pixel_h);
	}
}

static void test_scale(void)
{
	GRand *rand = g_rand_new_with_seed(11);

	for (unsigned src = 1; src < 70; src += 3) {
		for (unsigned dst = 1; dst < 70; dst += 2) {
			unsigned prev_end = 0;

			for (unsigned i = 0; i < dst; i++) {
				unsigned start, end;

				kd_screen_scale_span(src, dst, i, &start, &end);
				g_assert_cmpuint(start, <, end);
				g_assert_cmpuint(end, <=, src);
				/* Shrinking, the spans tile the source exactly. */
				if (dst <= src)
					g_assert_cmpuint(start, ==, prev_end);
				prev_end = end;
			}
			if (dst <= src)
				g_assert_cmpuint(prev_end, ==, src);
		}
	}
	/* The cover of a source range holds every destination pixel whose span meets it. */
	for (unsigned n = 0; n < 3000; n++) {
		unsigned src = g_rand_int_range(rand, 1, 2049),
			 dst = g_rand_int_range(rand, 1, 400);
		unsigned start = g_rand_int_range(rand, 0, (gint32)src);
		unsigned len = g_rand_int_range(rand, 1, (gint32)(src - start) + 1);
		unsigned lo, hi, meets = 0;

		kd_screen_scale_cover(src, dst, start, len, &lo, &hi);
		g_assert_cmpuint(hi, <=, dst);
		for (unsigned i = 0; i < dst; i++) {
			unsigned s, e;

			kd_screen_scale_span(src, dst, i, &s, &e);
			if (s < start + len && e > start) {
				g_assert_cmpuint(i, >=, lo);
				g_assert_cmpuint(i, <, hi);
				meets++;
			}
		}
		g_assert_cmpuint(hi - lo, <=, meets + 2);
	}
	g_rand_free(rand);
}

static void test_ascii_ramp(void)
{
	char prev = ' ';

	g_assert_cmpint(kd_screen_ascii_ramp(0), ==, ' ');
	g_assert_cmpint(kd_screen_ascii_ramp(255), ==, '@');
	for (unsigned l = 0; l < 256; l++) {
		const char *ramp = " .:-=+*#%@";
		char c = kd_screen_ascii_ramp(l);

		g_assert_true(strchr(ramp, c) >= strchr(ramp, prev));
		prev = c;
	}
}

static void test_pairs(void)
{
	struct kd_screen_pairs *p = kd_screen_pairs_new(5, 3);
	bool fresh;

	kd_screen_pairs_begin_frame(p);
	g_assert_cmpint(kd_screen_pairs_get(p, 1, 2, &fresh), ==, 5);
	g_assert_true(fresh);
	g_assert_cmpint(kd_screen_pairs_get(p, 1, 2, &fresh), ==, 5);
	g_assert_false(fresh);
	g_assert_cmpint(kd_screen_pairs_get(p, 3, 4, &fresh), ==, 6);
	g_assert_cmpint(kd_screen_pairs_get(p, 5, 6, &fresh), ==, 7);
	/* All three belong to this frame: none may change colour under it. */
	g_assert_cmpint(kd_screen_pairs_get(p, 7, 0, &fresh), ==, -1);
	g_assert_cmpint(kd_screen_pairs_nearest(p, 1, 3, 16), ==, 5);
	g_assert_cmpint(kd_screen_pairs_nearest(p, 5, 6, 16), ==, 7);
	/* Next frame: the least recently used one goes first. */
	kd_screen_pairs_begin_frame(p);
	g_assert_cmpint(kd_screen_pairs_get(p, 3, 4, &fresh), ==, 6);
	g_assert_cmpint(kd_screen_pairs_get(p, 7, 0, &fresh), ==, 5);
	g_assert_true(fresh);
	g_assert_cmpint(kd_screen_pairs_get(p, 1, 2, &fresh), ==, 7);
	g_assert_true(fresh);
	kd_screen_pairs_clear(p);
	g_assert_cmpint(kd_screen_pairs_get(p, 3, 4, &fresh), ==, 5);
	g_assert_true(fresh);
	kd_screen_pairs_free(p);
}

/* Random use against a model: a pair handed out always has the colours asked for, and within
 * a frame two colour combinations never share one. */
static void test_pairs_model(void)
{
	enum { FIRST = 1, COUNT = 40 };
	struct kd_screen_pairs *p = kd_screen_pairs_new(FIRST, COUNT);
	GRand *rand = g_rand_new_with_seed(3);
	int model[FIRST + COUNT][2];

	for (int frame = 0; frame < 500; frame++) {
		int owner[FIRST + COUNT];
		int uses = g_rand_int_range(rand, 1, COUNT + 10);

		memset(owner, -1, sizeof(owner));
		kd_screen_pairs_begin_frame(p);
		for (int u = 0; u < uses; u++) {
			int fg = g_rand_int_range(rand, 0, 8), bg = g_rand_int_range(rand, 0, 8);
			bool fresh;
			int pair = kd_screen_pairs_get(p, fg, bg, &fresh);

			if (pair < 0)
				continue;
			g_assert_cmpint(pair, >=, FIRST);
			g_assert_cmpint(pair, <, FIRST + COUNT);
			if (fresh) {
				model[pair][0] = fg;
				model[pair][1] = bg;
			}
			g_assert_cmpint(model[pair][0], ==, fg);
			g_assert_cmpint(model[pair][1], ==, bg);
			g_assert_true(owner[pair] < 0 || owner[pair] == fg * 8 + bg);
			owner[pair] = fg * 8 + bg;
		}
	}
	g_rand_free(rand);
	kd_screen_pairs_free(p);
}

/* ---------------------------------------------------------------- drawing */

#define REQUIRE_TERM(t, lines, cols)                                                               \
	do {                                                                                       \
		if (!kd_test_term_open(t, lines, cols)) {                                          \
			g_test_skip("no terminfo entry for xterm-256color");                       \
			return;                                                                    \
		}                                                                                  \
	} while (0)

struct cell {
	wchar_t ch;
	attr_t attrs;
	int pair, fg, bg;
};

static struct cell cell_at(WINDOW *win, int y, int x)
{
	struct cell c = { 0 };
	wchar_t text[CCHARW_MAX + 1];
	cchar_t cc;
	short pair_short;

	g_assert_cmpint(mvwin_wch(win, y, x, &cc), ==, OK);
	g_assert_cmpint(getcchar(&cc, text, &c.attrs, &pair_short, &c.pair), ==, OK);
	c.ch = text[0];
	c.attrs &= ~A_COLOR;
	extended_pair_content(c.pair, &c.fg, &c.bg);
	return c;
}

static void text_frame(struct kd_display_frame *f, struct kd_display_cell *cells, unsigned cols,
		       unsigned rows)
{
	memset(f, 0, sizeof(*f));
	f->mode = KD_DISPLAY_TEXT;
	f->generation = 1;
	f->width = cols * 9;
	f->height = rows * 16;
	f->text.cols = cols;
	f->text.rows = rows;
	f->text.cells = cells;
	f->text.char_height = 16;
	f->text.cursor_start = 14;
	f->text.cursor_end = 15;
	f->text.cursor_visible = true;
	f->text.blink = true;
	f->text_changed = true;
	dac_palette(f->text.palette);
	for (unsigned i = 0; i < cols * rows; i++)
		cells[i] = (struct kd_display_cell){ ' ', 0x07 };
}

static void put_text(struct kd_display_cell *cells, unsigned cols, unsigned row, unsigned col,
		     const char *s, uint8_t attr)
{
	for (; *s; s++, col++)
		cells[row * cols + col] = (struct kd_display_cell){ (uint8_t)*s, attr };
}

static void test_draw_text(void)
{
	struct kd_display_cell cells[80 * 25];
	struct kd_display_frame f;
	struct kd_screen_caps caps;
	struct kd_screen_render *r;
	struct kd_screen_rect used;
	struct kd_screen_cursor cursor;
	struct kd_test_term t;
	struct cell c;

	REQUIRE_TERM(&t, 24, 80);
	text_frame(&f, cells, 80, 25);
	put_text(cells, 80, 0, 0, "Hello", 0x1F);
	cells[80] = (struct kd_display_cell){ 0xC9, 0x4E }; /* double top-left corner */
	put_text(cells, 80, 24, 0, "bottom", 0x07);
	f.text.cursor_col = 5;
	kd_screen_caps_from_curses(&caps, 1);
	g_assert_cmpint(caps.colors, ==, 256);
	caps.utf8 = true;
	r = kd_screen_render_new(&caps);
	kd_screen_render_draw(r, stdscr, &f, false, &used, &cursor);
	g_assert_cmpint(used.w, ==, 80);
	g_assert_cmpint(used.h, ==, 24);
	c = cell_at(stdscr, 0, 0);
	g_assert_cmpint(c.ch, ==, 'H');
	g_assert_cmpint(c.fg, ==, 15);
	g_assert_cmpint(c.bg, ==, COLOR_BLUE);
	c = cell_at(stdscr, 1, 0);
	g_assert_cmpint(c.ch, ==, 0x2554);
	g_assert_cmpint(c.fg, ==, COLOR_YELLOW + 8);
	g_assert_cmpint(c.bg, ==, COLOR_RED);
	g_assert_true(cursor.visible);
	g_assert_cmpint(cursor.x, ==, 5);
	g_assert_cmpint(cursor.y, ==, 0);
	g_assert_cmpint(cursor.shape, ==, 1);

	/* The cursor on the last row: the view moves down one row. */
	f.generation++;
	f.text.cursor_row = 24;
	f.text.cursor_start = 0;
	kd_screen_render_draw(r, stdscr, &f, false, &used, &cursor);
	g_assert_cmpint(cell_at(stdscr, 23, 0).ch, ==, 'b');
	g_assert_cmpint(cell_at(stdscr, 0, 0).ch, ==, 0x2554);
	g_assert_cmpint(cursor.y, ==, 23);
	g_assert_cmpint(cursor.shape, ==, 2);

	/* Without Unicode: the terminal's line drawing. */
	kd_screen_render_free(r);
	caps.utf8 = false;
	r = kd_screen_render_new(&caps);
	kd_screen_render_draw(r, stdscr, &f, true, &used, &cursor);
	{
		chtype ch = mvwinch(stdscr, 0, 0);

		g_assert_true(ch & A_ALTCHARSET);
		g_assert_cmphex(ch & A_CHARTEXT, ==, NCURSES_ACS('l') & A_CHARTEXT);
	}
	kd_screen_render_free(r);

	/* A monochrome terminal: reverse video for dark on light. */
	caps.colors = 0;
	caps.utf8 = true;
	r = kd_screen_render_new(&caps);
	put_text(cells, 80, 24, 0, "inverse", 0x70);
	kd_screen_render_draw(r, stdscr, &f, true, &used, &cursor);
	c = cell_at(stdscr, 23, 0);
	g_assert_cmpint(c.ch, ==, 'i');
	g_assert_true(c.attrs & A_REVERSE);
	kd_screen_render_free(r);
	kd_test_term_close(&t);
}

static void test_draw_text_centred(void)
{
	struct kd_display_cell cells[40 * 25];
	struct kd_display_frame f;
	struct kd_screen_caps caps;
	struct kd_screen_render *r;
	struct kd_screen_rect used;
	struct kd_test_term t;

	REQUIRE_TERM(&t, 30, 100);
	text_frame(&f, cells, 40, 25);
	put_text(cells, 40, 0, 0, "top", 0x07);
	kd_screen_caps_from_curses(&caps, 1);
	r = kd_screen_render_new(&caps);
	kd_screen_render_draw(r, stdscr, &f, false, &used, NULL);
	g_assert_cmpint(used.x, ==, 30);
	g_assert_cmpint(used.y, ==, 2);
	g_assert_cmpint(cell_at(stdscr, 2, 30).ch, ==, 't');
	/* The last row is left free (for a hint line). */
	g_assert_cmpint(used.y + used.h, <, 30);
	kd_screen_render_free(r);
	kd_test_term_close(&t);
}

static void fill(struct kd_display_frame *f, unsigned x, unsigned y, unsigned w, unsigned h,
		 uint32_t rgb)
{
	for (unsigned j = y; j < y + h; j++)
		for (unsigned i = x; i < x + w; i++)
			f->pixels[j * f->width + i] = rgb;
}

static void test_draw_graphics(void)
{
	static uint32_t pixels[64 * 48];
	struct kd_display_frame f = { 0 };
	struct kd_screen_caps caps;
	struct kd_screen_render *r;
	struct kd_screen_rect used;
	struct kd_test_term t;
	struct cell c;
	WINDOW *pane;

	REQUIRE_TERM(&t, 24, 80);
	/* A pane of 32x12 cells: 64x48 pixels fit it exactly. */
	pane = derwin(stdscr, 12, 32, 3, 5);
	f.mode = KD_DISPLAY_GRAPHICS;
	f.generation = 7;
	f.width = 64;
	f.height = 48;
	f.pixels = pixels;
	fill(&f, 0, 0, 64, 22, 0xFF0000);
	fill(&f, 0, 22, 64, 26, 0x0000FF);
	kd_screen_caps_from_curses(&caps, 1);
	caps.utf8 = true;
	r = kd_screen_render_new(&caps);
	kd_screen_render_draw(r, pane, &f, false, &used, NULL);
	g_assert_cmpint(used.x, ==, 0);
	g_assert_cmpint(used.w, ==, 32);
	g_assert_cmpint(used.h, ==, 12);
	/* Red above red: a blank on red. Red above blue: the upper half block. */
	c = cell_at(pane, 0, 0);
	g_assert_cmpint(c.ch, ==, ' ');
	g_assert_cmpint(c.bg, ==, 196);
	c = cell_at(pane, 5, 3);
	g_assert_cmpint(c.ch, ==, 0x2580);
	g_assert_cmpint(c.fg, ==, 196);
	g_assert_cmpint(c.bg, ==, 21);
	c = cell_at(pane, 11, 31);
	g_assert_cmpint(c.bg, ==, 21);

	/* Only the dirty rectangle is drawn again: a change outside it stays unseen... */
	fill(&f, 0, 0, 4, 4, 0x00FF00);
	fill(&f, 60, 0, 4, 4, 0xFFFFFF);
	f.dirty_x = 0;
	f.dirty_y = 0;
	f.dirty_w = 4;
	f.dirty_h = 4;
	f.generation++;
	kd_screen_render_draw(r, pane, &f, false, &used, NULL);
	g_assert_cmpint(cell_at(pane, 0, 0).bg, ==, 46);
	g_assert_cmpint(cell_at(pane, 0, 1).bg, ==, 46);
	g_assert_cmpint(cell_at(pane, 0, 2).bg, ==, 196);
	g_assert_cmpint(cell_at(pane, 1, 0).bg, ==, 196);
	g_assert_cmpint(cell_at(pane, 0, 31).bg, ==, 196);
	/* ...until a refresh was missed, which draws everything. */
	f.dirty_w = 0;
	f.generation += 2;
	kd_screen_render_draw(r, pane, &f, false, &used, NULL);
	g_assert_cmpint(cell_at(pane, 0, 31).bg, ==, 231);
	/* The same when the generation moved by one with nothing marked as changed. */
	fill(&f, 0, 44, 4, 4, 0xFFFF00);
	f.generation++;
	kd_screen_render_draw(r, pane, &f, false, &used, NULL);
	g_assert_cmpint(cell_at(pane, 11, 0).bg, ==, 226);

	/* Without Unicode: a brightness ramp. */
	kd_screen_render_free(r);
	caps.utf8 = false;
	r = kd_screen_render_new(&caps);
	kd_screen_render_draw(r, pane, &f, true, &used, NULL);
	g_assert_cmphex(mvwinch(pane, 0, 31) & A_CHARTEXT, ==, '@');
	g_assert_cmphex(mvwinch(pane, 11, 0) & A_CHARTEXT, !=, '@');
	kd_screen_render_free(r);

	/* Display off: nothing but blanks. */
	caps.utf8 = true;
	r = kd_screen_render_new(&caps);
	f.mode = KD_DISPLAY_OFF;
	kd_screen_render_draw(r, pane, &f, false, &used, NULL);
	g_assert_cmpint(used.w, ==, 0);
	g_assert_cmpint(cell_at(pane, 5, 3).ch, ==, ' ');
	kd_screen_render_free(r);
	delwin(pane);
	kd_test_term_close(&t);
}

/* Eight colours and 63 pairs, as a plain xterm: a picture of random colours needs every
 * combination, and each cell must still show its own two colours; with fewer pairs than
 * combinations, cells make do with the nearest pair instead of changing one in use. */
static void draw_random_picture(int npairs)
{
	static uint32_t pixels[80 * 48];
	struct kd_display_frame f = { 0 };
	struct kd_screen_caps caps = {
		.colors = 8, .first_pair = 1, .pairs = npairs, .utf8 = true
	};
	struct kd_screen_render *r;
	GRand *rand = g_rand_new_with_seed(5);
	struct kd_test_term t;

	REQUIRE_TERM(&t, 24, 80);
	f.mode = KD_DISPLAY_GRAPHICS;
	f.generation = 1;
	f.width = 80;
	f.height = 48;
	f.pixels = pixels;
	for (unsigned i = 0; i < 80 * 48; i++)
		pixels[i] = kd_screen_color_rgb(g_rand_int_range(rand, 0, 8), 8);
	r = kd_screen_render_new(&caps);
	kd_screen_render_draw(r, stdscr, &f, false, NULL, NULL);
	for (int y = 0; y < 24; y++) {
		for (int x = 0; x < 80; x++) {
			struct cell c = cell_at(stdscr, y, x);
			int upper = kd_screen_color_nearest(pixels[2 * y * 80 + x], 8);
			int lower = kd_screen_color_nearest(pixels[(2 * y + 1) * 80 + x], 8);

			g_assert_cmpint(c.pair, >, 0);
			g_assert_cmpint(c.pair, <=, npairs);
			if (npairs < 63)
				continue;
			if (c.ch == ' ') {
				g_assert_cmpint(upper, ==, lower);
				g_assert_cmpint(c.bg, ==, lower);
			} else {
				g_assert_cmpint(c.ch, ==, 0x2580);
				g_assert_cmpint(c.fg, ==, upper);
				g_assert_cmpint(c.bg, ==, lower);
			}
		}
	}
	kd_screen_render_free(r);
	g_rand_free(rand);
	kd_test_term_close(&t);
}

static void test_draw_graphics_few_pairs(void)
{
	draw_random_picture(63);
	draw_random_picture(20);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "C.UTF-8");
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/screen-render/colors", test_colors);
	g_test_add_func("/screen-render/vga-colors", test_vga_colors);
	g_test_add_func("/screen-render/text-style", test_text_style);
	g_test_add_func("/screen-render/cp437-ascii", test_cp437_ascii);
	g_test_add_func("/screen-render/text-view", test_text_view);
	g_test_add_func("/screen-render/graphics-fit", test_graphics_fit);
	g_test_add_func("/screen-render/scale", test_scale);
	g_test_add_func("/screen-render/ascii-ramp", test_ascii_ramp);
	g_test_add_func("/screen-render/pairs", test_pairs);
	g_test_add_func("/screen-render/pairs-model", test_pairs_model);
	g_test_add_func("/screen-render/draw-text", test_draw_text);
	g_test_add_func("/screen-render/draw-text-centred", test_draw_text_centred);
	g_test_add_func("/screen-render/draw-graphics", test_draw_graphics);
	g_test_add_func("/screen-render/draw-graphics-few-pairs", test_draw_graphics_few_pairs);
	return g_test_run();
}
