/*
 * How the workstation looks: the attributes of each kind of text and the line-drawing
 * characters, chosen once for the terminal (colours or monochrome, UTF-8 or ASCII), so
 * widgets never ask the terminal themselves and tests can give them any theme.
 */
#ifndef KD_TUI_THEME_H
#define KD_TUI_THEME_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdbool.h>

/* Colour pairs 1 .. KD_THEME_PAIRS are the theme's; the guest console's renderer takes pairs
 * from KD_THEME_PAIRS + 1 up. */
#define KD_THEME_PAIRS 8

struct kd_theme {
	bool colors; /* the terminal has colours and NO_COLOR is not set */
	bool utf8; /* the locale is UTF-8 and ASCII was not asked for */
	attr_t normal; /* table rows, text */
	attr_t dim; /* bridges, things that are there but matter less */
	attr_t selected; /* the row under the cursor */
	attr_t title; /* screen and panel titles, table headers */
	attr_t ok; /* "ready", "running" */
	attr_t warning; /* warnings, "paused" */
	attr_t error; /* blockers, errors */
	attr_t key; /* key names in the hint bar */
	attr_t bar; /* the hint and status bars */
	/* Line drawing: Unicode box characters in UTF-8, else '-', '|', '+' (ACS would need the
	 * terminal's alternate character set, which many serial consoles lack). */
	const char *hline, *vline, *corner;
	const char *bullet; /* "•" or "*" */
	const char *arrow; /* "→" or "->" */
};

/* Fills theme for the current ncurses terminal (after initscr/newterm and start_color()):
 * colours unless the terminal has none or $NO_COLOR is set; UTF-8 lines unless the locale is
 * not UTF-8 or ascii is true. Initialises colour pairs 1 .. KD_THEME_PAIRS. */
void kd_theme_init(struct kd_theme *theme, bool ascii);
/* Plain attributes only (A_BOLD, A_REVERSE, A_DIM), no terminal needed: for tests and for
 * terminals without colours. */
void kd_theme_monochrome(struct kd_theme *theme, bool utf8);

#endif
