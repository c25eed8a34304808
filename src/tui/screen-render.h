/*
 * The guest's screen in a terminal: turns a display frame (hw/display.h) into character cells
 * of an ncurses window of any size, so the full-screen `-display curses` and the workstation's
 * console pane draw the same way.
 *
 * Text modes: the cell grid with its colours, the code page 437 characters as Unicode (or as
 * ASCII and the terminal's line-drawing set in a non-UTF-8 locale), the cursor at its cell.
 * A grid smaller than the window is centred in it; a larger one is cut to the window, from its
 * top-left corner and shifted just enough to keep the cursor's cell in view (a 25-row console in
 * a 24-row terminal shows rows 1-24 once the cursor reaches the last row).
 * Graphics modes: the picture scaled to the window keeping its aspect (pixels taken as square),
 * two pixels a cell with the upper half block U+2580 (foreground the upper pixel, background the
 * lower); a brightness ramp of ASCII characters in a non-UTF-8 locale or without colours.
 *
 * The pure parts (colour choice, attribute mapping, scaling, the colour pair cache, the ASCII
 * stand-ins) need no terminal and are declared here for the tests.
 */
#ifndef KD_TUI_SCREEN_RENDER_H
#define KD_TUI_SCREEN_RENDER_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/display.h"

/* ---------------------------------------------------------------- terminal colours */

/* Colour numbers from this one up are RGB values (ncurses' "direct colour" terminals such as
 * xterm-direct, COLORS = 2^24); below it they index a palette. */
#define KD_SCREEN_DIRECT_COLORS 0x1000000

/* The terminal colour closest to rgb (0x00RRGGBB) among what `colors` (COLORS) offers: the
 * 6x6x6 cube and grey ramp of xterm's 256 colours (16-255; 0-15 are left alone because every
 * user themes them), the 16 or 8 basic colours, or rgb itself on a direct-colour terminal. */
int kd_screen_color_nearest(uint32_t rgb, int colors);
/* The RGB a terminal colour number stands for (the basic 16 as the VGA shows them). */
uint32_t kd_screen_color_rgb(int color, int colors);
/* Squared distance of two RGB colours, weighted for the eye (2R, 4G, 3B). */
unsigned kd_screen_color_distance(uint32_t a, uint32_t b);
/* The curses colour of VGA attribute colour 0-15 (VGA: blue is bit 0, curses: red is). */
int kd_screen_vga_color(unsigned vga);
/* Whether palette (16 attribute colours) is the standard VGA one, within rounding. */
bool kd_screen_palette_is_standard(const uint32_t palette[16]);
/* 0-255 perceived brightness (ITU-R BT.601 weights). */
unsigned kd_screen_luma(uint32_t rgb);

/* ---------------------------------------------------------------- text cells */

/* How a VGA attribute byte looks on the terminal. */
struct kd_screen_style {
	int fg, bg; /* curses colours; -1 on a monochrome terminal */
	attr_t attrs; /* A_BOLD, A_BLINK, A_REVERSE, A_UNDERLINE */
	bool blank; /* the character cannot be seen (foreground = background) */
};

/* attr: the cell's attribute byte; blink: bit 7 blinks (else brightens the background);
 * colors: COLORS, 0 for monochrome; palette: the frame's 16 colours to show instead of the
 * terminal's own 16 (only with 256 colours or more; the renderer passes them when the guest
 * changed its palette or the terminal takes RGB), or NULL. */
void kd_screen_text_style(uint8_t attr, bool blink, int colors, const uint32_t *palette,
			  struct kd_screen_style *style);

/* A code page 437 character for a terminal without Unicode: acs is the VT100 line-drawing
 * character (the index of ncurses' acs_map, e.g. 'q' for ACS_HLINE) or 0, ascii the plain
 * stand-in (also used when acs is 0). */
struct kd_screen_ascii {
	char acs;
	char ascii;
};
struct kd_screen_ascii kd_screen_cp437_ascii(uint8_t ch);

/* Where a text grid of cols x rows goes in an area of area_w x area_h cells. */
struct kd_screen_text_view {
	unsigned src_col, src_row; /* first grid cell shown */
	int dst_x, dst_y; /* where it goes */
	unsigned cols, rows; /* how many are shown */
};
void kd_screen_text_view(unsigned cols, unsigned rows, int area_w, int area_h, unsigned cursor_col,
			 unsigned cursor_row, struct kd_screen_text_view *view);

/* ---------------------------------------------------------------- graphics */

struct kd_screen_rect {
	int x, y, w, h;
};

/* The cells a picture of width x height pixels occupies in an area of area_w x area_h cells
 * (each cell two pixels high), centred, aspect kept; *pixel_h: how many pixel rows of the
 * scaled picture there are (2 * cells->h, or one less when the last cell row is half used). */
void kd_screen_graphics_fit(unsigned width, unsigned height, int area_w, int area_h,
			    struct kd_screen_rect *cells, unsigned *pixel_h);
/* Scaling src_len pixels to dst_len: destination pixel i averages source pixels
 * [*start, *end) (never empty). */
void kd_screen_scale_span(unsigned src_len, unsigned dst_len, unsigned i, unsigned *start,
			  unsigned *end);
/* The destination pixels [*dst_start, *dst_end) whose span meets source pixels
 * [start, start + len). */
void kd_screen_scale_cover(unsigned src_len, unsigned dst_len, unsigned start, unsigned len,
			   unsigned *dst_start, unsigned *dst_end);
/* The ASCII character of the brightness ramp for luma 0-255 (' ' dark ... '@' bright). */
char kd_screen_ascii_ramp(unsigned luma);

/* ---------------------------------------------------------------- colour pairs */

/* A cache of colour pairs first .. first + count - 1 keyed by (fg, bg), least recently used
 * first to go; a pair used for the frame being drawn is never taken back during it. */
struct kd_screen_pairs;
struct kd_screen_pairs *kd_screen_pairs_new(int first, int count);
void kd_screen_pairs_free(struct kd_screen_pairs *pairs);
/* Starts a frame: pairs used from now on are kept until the next call. */
void kd_screen_pairs_begin_frame(struct kd_screen_pairs *pairs);
/* The pair for fg/bg; *fresh: it was (re)assigned and must be initialised (init_extended_pair).
 * -1 when every pair is already in use by this frame. */
int kd_screen_pairs_get(struct kd_screen_pairs *pairs, int fg, int bg, bool *fresh);
/* The cached pair whose colours are nearest to fg/bg (0, the default pair, when none is). */
int kd_screen_pairs_nearest(const struct kd_screen_pairs *pairs, int fg, int bg, int colors);
/* Forgets every pair (after the terminal's colours were reset). */
void kd_screen_pairs_clear(struct kd_screen_pairs *pairs);

/* ---------------------------------------------------------------- the renderer */

/* What the terminal can show. */
struct kd_screen_caps {
	int colors; /* COLORS; 0: monochrome */
	int first_pair; /* pairs first_pair .. first_pair + pairs - 1 are the renderer's */
	int pairs;
	bool utf8; /* the locale's character set is UTF-8 */
};

/* The terminal's capabilities after start_color(); the renderer uses pairs from first_pair
 * (>= 1) up, so callers can keep lower ones for themselves. */
void kd_screen_caps_from_curses(struct kd_screen_caps *caps, int first_pair);

/* Where the terminal cursor should be after drawing. */
struct kd_screen_cursor {
	bool visible;
	int x, y; /* in the window */
	int shape; /* curs_set(): 1 underline, 2 block */
};

struct kd_screen_render;
struct kd_screen_render *kd_screen_render_new(const struct kd_screen_caps *caps);
void kd_screen_render_free(struct kd_screen_render *r);

/* Draws frame into win (all of it; nothing is refreshed). full: everything, e.g. after the
 * window was resized or drawn over; otherwise only what changed since the last call, which
 * also redraws everything when the mode, the sizes or the window's size changed, or when
 * frames were missed. *used (may be NULL): the cells the picture covers, the rest is blank.
 * *cursor (may be NULL): the cursor to show, see kd_screen_render_place_cursor(). */
void kd_screen_render_draw(struct kd_screen_render *r, WINDOW *win,
			   const struct kd_display_frame *frame, bool full,
			   struct kd_screen_rect *used, struct kd_screen_cursor *cursor);
/* Shows the cursor (curs_set and wmove in win) or hides it. */
void kd_screen_render_place_cursor(WINDOW *win, const struct kd_screen_cursor *cursor);

#endif
