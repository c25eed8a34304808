/*
 * A terminal in curses mode (see terminal.h).
 */
#include "config.h"

#include "tui/terminal.h"

#include <errno.h>
#include <gio/gio.h>
#include <unistd.h>

#include "i18n.h"
/* Last: it defines a macro for every terminfo capability (cursor_visible, lines, ...). */
#include <term.h>

/* How long ncurses waits after an ESC for the rest of a function key's sequence. */
#define ESC_DELAY_MS 25

static bool fail(GError **err, const char *what)
{
	if (what)
		g_prefix_error(err, "%s: ", what);
	return false;
}

bool kd_terminal_open(struct kd_terminal *t, int in_fd, int out_fd, bool colors, const char *what,
		      GError **err)
{
	int in = dup(in_fd), out = dup(out_fd), found = 0;

	if (in >= 0)
		t->in = fdopen(in, "r");
	if (out >= 0)
		t->out = fdopen(out, "w");
	if (!t->in || !t->out) {
		g_set_error(err, G_IO_ERROR, g_io_error_from_errno(errno),
			    _("cannot open the terminal: %s"), g_strerror(errno));
		if (!t->in && in >= 0)
			close(in);
		if (!t->out && out >= 0)
			close(out);
		kd_terminal_close(t);
		return fail(err, what);
	}
	/* Asked first with setupterm(), which can say no without leaking what newterm() would. */
	if (setupterm(NULL, out, &found) == OK)
		del_curterm(cur_term);
	if (found == 1)
		t->screen = newterm(NULL, t->out, t->in);
	if (!t->screen) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			    _("the terminal type '%s' is not in the terminfo database; set TERM "
			      "to one that is (e.g. xterm-256color)"),
			    g_getenv("TERM") ? g_getenv("TERM") : "");
		kd_terminal_close(t);
		return fail(err, what);
	}
	set_term(t->screen);
	if (colors && has_colors())
		start_color();
	raw();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(ESC_DELAY_MS);
	return true;
}

void kd_terminal_end(struct kd_terminal *t)
{
	if (t->ended || !t->screen)
		return;
	set_term(t->screen);
	curs_set(1);
	endwin();
	t->ended = true;
}

void kd_terminal_close(struct kd_terminal *t)
{
	kd_terminal_end(t);
	if (t->screen)
		delscreen(t->screen);
	if (t->in)
		fclose(t->in);
	if (t->out)
		fclose(t->out);
	t->screen = NULL;
	t->in = t->out = NULL;
}

bool kd_terminal_read_keys(struct kd_terminal *t, GIOCondition condition,
			   const struct kd_terminal_keys *keys, void *opaque)
{
	bool got = false, esc = false;
	wint_t ch;
	int type;

	if (t->ended)
		return true;
	set_term(t->screen);
	while (!keys->done(opaque) && (type = wget_wch(stdscr, &ch)) != ERR) {
		got = true;
		if (type == KEY_CODE_YES) {
			if (esc)
				keys->key(opaque, 0x1B, false, false);
			esc = false;
			keys->key(opaque, ch, true, false);
			continue;
		}
		/* Terminals send Alt+key as ESC and the key in one go; a lone ESC is Escape. */
		if (esc) {
			esc = false;
			if (ch != 0x1B) {
				keys->key(opaque, ch, false, true);
				continue;
			}
			keys->key(opaque, 0x1B, false, false);
		}
		if (ch == 0x1B && !(keys->escape_alone && keys->escape_alone(opaque)))
			esc = true;
		else
			keys->key(opaque, ch, false, false);
	}
	if (esc && !keys->done(opaque))
		keys->key(opaque, 0x1B, false, false);
	return got || !(condition & (G_IO_HUP | G_IO_ERR));
}
