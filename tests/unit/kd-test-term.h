/*
 * A curses screen for drawing tests: newterm on /dev/null as an xterm-256color of a given
 * size, colours started; nothing reaches a terminal.
 */
#ifndef KD_TEST_TERM_H
#define KD_TEST_TERM_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdbool.h>
#include <stdio.h>

struct kd_test_term {
	FILE *out, *in;
	SCREEN *screen;
};

/* False when the terminfo database lacks xterm-256color (the test should skip). */
bool kd_test_term_open(struct kd_test_term *t, int lines, int cols);
void kd_test_term_close(struct kd_test_term *t);

#endif
