/*
 * A curses screen for drawing tests (see kd-test-term.h).
 */
#include "config.h"

#include "kd-test-term.h"

#include <glib.h>

bool kd_test_term_open(struct kd_test_term *t, int lines, int cols)
{
	t->out = fopen("/dev/null", "w");
	t->in = fopen("/dev/null", "r");
	g_assert_nonnull(t->out);
	g_assert_nonnull(t->in);
	t->screen = newterm("xterm-256color", t->out, t->in);
	if (!t->screen) {
		fclose(t->out);
		fclose(t->in);
		return false;
	}
	set_term(t->screen);
	start_color();
	resize_term(lines, cols);
	return true;
}

void kd_test_term_close(struct kd_test_term *t)
{
	endwin();
	delscreen(t->screen);
	fclose(t->out);
	fclose(t->in);
}
