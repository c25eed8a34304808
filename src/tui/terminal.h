/*
 * A terminal in curses mode, shared by `-display curses` and the workstation: opening it on
 * any pair of descriptors (raw, no echo, keypad, non-blocking), reading what was typed (an ESC
 * followed at once by a key is Alt+key, as terminals send it), and giving it back.
 */
#ifndef KD_TUI_TERMINAL_H
#define KD_TUI_TERMINAL_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

struct kd_terminal {
	FILE *in, *out; /* dups of the caller's descriptors */
	SCREEN *screen;
	bool ended; /* endwin() done: no drawing, no reading */
};

/* Takes the terminal on in_fd/out_fd into curses mode (colours started when colors is set
 * and the terminal has them). what prefixes the error messages ("-display curses"), or
 * NULL. On failure nothing stays open. */
bool kd_terminal_open(struct kd_terminal *t, int in_fd, int out_fd, bool colors, const char *what,
		      GError **err);
/* Gives the terminal back now (cursor shown, curses mode ended); idempotent. */
void kd_terminal_end(struct kd_terminal *t);
/* Ends and frees; a zeroed or failed terminal is fine. */
void kd_terminal_close(struct kd_terminal *t);

struct kd_terminal_keys {
	void (*key)(void *opaque, wint_t ch, bool keycode, bool alt);
	/* Stop reading (the owner is quitting). */
	bool (*done)(void *opaque);
	/* An ESC now is a key of its own, not the start of Alt+key (may be NULL). */
	bool (*escape_alone)(void *opaque);
};

/* Hands every key waiting to keys->key. Returns false when the terminal hung up (nothing to
 * read while condition says HUP or ERR). */
bool kd_terminal_read_keys(struct kd_terminal *t, GIOCondition condition,
			   const struct kd_terminal_keys *keys, void *opaque);

#endif
