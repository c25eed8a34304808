/*
 * `-display curses` (see display-curses.h): ncurses on the terminal, the screen renderer for
 * the picture, terminal keys turned into PS/2 scan codes.
 */
#include "config.h"

#include "tui/display-curses.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "hw/display.h"
#include "hw/i8042.h"
#include "hw/keymap.h"
#include "hw/machine.h"
#include "i18n.h"
#include "tui/guest-keys.h"
#include "tui/screen-render.h"
#include "vm/vm.h"
/* Last: it defines a macro for every terminfo capability (cursor_visible, lines, ...). */
#include <term.h>

#define REFRESH_MS 33 /* 30 Hz */
/* How long ncurses waits after an ESC for the rest of a function key's sequence. */
#define ESC_DELAY_MS 25
#define HINT_SECONDS 4
#define CTRL_A 0x01

enum prefix_action {
	PREFIX_QUIT,
	PREFIX_SEND_CTRL_A,
	PREFIX_REDRAW,
};

/* The keys after Ctrl+A; the hint line is made from this table. */
static const struct prefix_key {
	char key;
	const char *help;
	enum prefix_action action;
} prefix_keys[] = {
	{ 'q', N_("quit kvmdesk"), PREFIX_QUIT },
	{ 'a', N_("send Ctrl+A"), PREFIX_SEND_CTRL_A },
	{ 'r', N_("redraw"), PREFIX_REDRAW },
};

struct kd_curses_display {
	struct kd_machine *machine;
	struct kd_display *display;
	kd_display_quit_fn quit;
	void *opaque;
	int in_fd, out_fd;
	FILE *in, *out;
	SCREEN *screen;
	bool ended; /* endwin() done: no more drawing */
	bool quitting;
	struct kd_screen_render *render;
	unsigned listener;
	guint input_source, winch_source, hint_source;
	bool prefix; /* Ctrl+A typed, waiting for its second key */
	bool show_hint; /* the first seconds */
	struct kd_guest_keys *keys;
};

/* ---------------------------------------------------------------- drawing */

static void draw_hint(struct kd_curses_display *cd)
{
	g_autoptr(GString) text = g_string_new(NULL);

	g_string_append(text, _("Ctrl+A then:"));
	for (size_t i = 0; i < G_N_ELEMENTS(prefix_keys); i++)
		g_string_append_printf(text, "  %c %s", prefix_keys[i].key, _(prefix_keys[i].help));
	attrset(cd->prefix ? A_REVERSE | A_BOLD : A_REVERSE);
	mvhline(LINES - 1, 0, ' ', COLS);
	mvaddnstr(LINES - 1, 0, text->str, COLS);
	attrset(A_NORMAL);
}

static void draw(struct kd_curses_display *cd, const struct kd_display_frame *frame, bool full)
{
	struct kd_screen_rect used;
	struct kd_screen_cursor cursor;
	bool overlay = cd->prefix || cd->show_hint;

	if (cd->ended)
		return;
	set_term(cd->screen);
	kd_screen_render_draw(cd->render, stdscr, frame, full, &used, &cursor);
	if (overlay || used.h == 0 || used.y + used.h < LINES)
		draw_hint(cd);
	if (cd->prefix)
		curs_set(0);
	else
		kd_screen_render_place_cursor(stdscr, &cursor);
	wrefresh(stdscr);
}

/* Draws everything again from a fresh frame (resize, hint gone, Ctrl+A r). */
static void redraw(struct kd_curses_display *cd)
{
	draw(cd, kd_display_refresh(cd->display, true), true);
}

static void on_frame(const struct kd_display_frame *frame, void *data)
{
	draw(data, frame, false);
}

static gboolean on_hint_timeout(gpointer data)
{
	struct kd_curses_display *cd = data;

	cd->hint_source = 0;
	cd->show_hint = false;
	redraw(cd);
	return G_SOURCE_REMOVE;
}

static void resize(struct kd_curses_display *cd)
{
	struct winsize ws;

	if (cd->ended)
		return;
	set_term(cd->screen);
	if (ioctl(cd->out_fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		resize_term(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	redraw(cd);
}

static gboolean on_winch(gpointer data)
{
	resize(data);
	return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------- keys */

static void run_prefix(struct kd_curses_display *cd, wint_t ch)
{
	cd->prefix = false;
	if (ch == CTRL_A)
		ch = 'a';
	for (size_t i = 0; i < G_N_ELEMENTS(prefix_keys); i++) {
		if (ch != (wint_t)prefix_keys[i].key &&
		    ch != (wint_t)g_ascii_toupper(prefix_keys[i].key))
			continue;
		switch (prefix_keys[i].action) {
		case PREFIX_QUIT:
			cd->quitting = true;
			cd->quit(cd->opaque);
			return;
		case PREFIX_SEND_CTRL_A:
			kd_guest_keys_send(cd->keys, KD_KEY_A, KD_KEYMAP_CTRL);
			break;
		case PREFIX_REDRAW:
			clearok(curscr, TRUE);
			break;
		}
	}
	/* Any other key just ends the prefix. */
	redraw(cd);
}

/* A character from the terminal; modifiers: Alt when it came after an ESC. */
static void char_typed(struct kd_curses_display *cd, wint_t ch, unsigned modifiers)
{
	if (cd->prefix) {
		run_prefix(cd, ch);
		return;
	}
	if (ch == CTRL_A && !modifiers) {
		cd->prefix = true;
		redraw(cd);
		return;
	}
	kd_guest_keys_char(cd->keys, ch, modifiers);
}

static void keycode_typed(struct kd_curses_display *cd, int code)
{
	if (code == KEY_RESIZE) {
		redraw(cd);
		return;
	}
	if (cd->prefix) {
		run_prefix(cd, 0);
		return;
	}
	kd_guest_keys_code(cd->keys, code);
}

static gboolean on_input(gint fd, GIOCondition condition, gpointer data)
{
	struct kd_curses_display *cd = data;
	bool got = false, esc = false;
	wint_t ch;
	int type;

	if (cd->ended) {
		/* The terminal was given back: reading would take curses mode up again. */
		cd->input_source = 0;
		return G_SOURCE_REMOVE;
	}
	set_term(cd->screen);
	while (!cd->quitting && (type = wget_wch(stdscr, &ch)) != ERR) {
		got = true;
		if (type == KEY_CODE_YES) {
			if (esc)
				char_typed(cd, 0x1B, 0);
			esc = false;
			keycode_typed(cd, (int)ch);
			continue;
		}
		/* Terminals send Alt+key as ESC and the key in one go; a lone ESC is Escape. */
		if (esc) {
			esc = false;
			if (ch != 0x1B) {
				char_typed(cd, ch, KD_KEYMAP_ALT);
				continue;
			}
			char_typed(cd, 0x1B, 0);
		}
		if (ch == 0x1B && !cd->prefix)
			esc = true;
		else
			char_typed(cd, ch, 0);
	}
	if (esc && !cd->quitting)
		char_typed(cd, 0x1B, 0);
	if (!got && (condition & (G_IO_HUP | G_IO_ERR)) && !cd->quitting) {
		/* The terminal is gone: nobody can see or steer the guest any more. */
		cd->input_source = 0;
		cd->quitting = true;
		cd->quit(cd->opaque);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------- life cycle */

static bool open_terminal(struct kd_curses_display *cd, GError **err)
{
	int in = dup(cd->in_fd), out = dup(cd->out_fd), found = 0;

	if (in >= 0)
		cd->in = fdopen(in, "r");
	if (out >= 0)
		cd->out = fdopen(out, "w");
	if (!cd->in || !cd->out) {
		g_set_error(err, G_IO_ERROR, g_io_error_from_errno(errno),
			    _("-display curses: cannot open the terminal: %s"), g_strerror(errno));
		if (!cd->in && in >= 0)
			close(in);
		if (!cd->out && out >= 0)
			close(out);
		return false;
	}
	/* Asked first with setupterm(), which can say no without leaking what newterm() would. */
	if (setupterm(NULL, out, &found) == OK)
		del_curterm(cur_term);
	if (found == 1)
		cd->screen = newterm(NULL, cd->out, cd->in);
	if (!cd->screen) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			    _("-display curses: the terminal type '%s' is not in the terminfo "
			      "database; set TERM to one that is (e.g. xterm-256color)"),
			    g_getenv("TERM") ? g_getenv("TERM") : "");
		return false;
	}
	set_term(cd->screen);
	if (has_colors())
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

struct kd_curses_display *kd_curses_display_new_on(struct kd_machine *m, struct kd_display *display,
						   int in_fd, int out_fd, kd_display_quit_fn quit,
						   void *opaque, GError **err)
{
	struct kd_curses_display *cd;
	struct kd_screen_caps caps;

	if (!isatty(in_fd) || !isatty(out_fd)) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			    _("-display curses needs a terminal on standard input and output; "
			      "use -display sdl, -display none or -nographic otherwise"));
		return NULL;
	}
	cd = g_new0(struct kd_curses_display, 1);
	cd->machine = m;
	cd->display = display;
	cd->quit = quit;
	cd->opaque = opaque;
	cd->in_fd = in_fd;
	cd->out_fd = out_fd;
	if (!open_terminal(cd, err)) {
		kd_curses_display_free(cd);
		return NULL;
	}
	cd->keys = kd_guest_keys_new();
	kd_guest_keys_set_machine(cd->keys, m);
	kd_screen_caps_from_curses(&caps, 1);
	cd->render = kd_screen_render_new(&caps);
	cd->show_hint = true;
	cd->hint_source = g_timeout_add_seconds(HINT_SECONDS, on_hint_timeout, cd);
	cd->input_source = g_unix_fd_add(in_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, cd);
	cd->winch_source = g_unix_signal_add(SIGWINCH, on_winch, cd);
	redraw(cd);
	cd->listener = kd_display_add_listener(display, REFRESH_MS, on_frame, cd);
	return cd;
}

struct kd_curses_display *kd_curses_display_new(struct kd_machine *m, struct kd_display *display,
						kd_display_quit_fn quit, void *opaque, GError **err)
{
	return kd_curses_display_new_on(m, display, STDIN_FILENO, STDOUT_FILENO, quit, opaque, err);
}

void kd_curses_display_restore_terminal(struct kd_curses_display *cd)
{
	if (!cd || cd->ended || !cd->screen)
		return;
	set_term(cd->screen);
	curs_set(1);
	endwin();
	cd->ended = true;
}

static void remove_source(guint *id)
{
	if (*id)
		g_source_remove(*id);
	*id = 0;
}

void kd_curses_display_free(struct kd_curses_display *cd)
{
	if (!cd)
		return;
	if (cd->listener)
		kd_display_remove_listener(cd->display, cd->listener);
	remove_source(&cd->input_source);
	remove_source(&cd->winch_source);
	remove_source(&cd->hint_source);
	kd_curses_display_restore_terminal(cd);
	if (cd->screen)
		delscreen(cd->screen);
	if (cd->in)
		fclose(cd->in);
	if (cd->out)
		fclose(cd->out);
	kd_screen_render_free(cd->render);
	kd_guest_keys_free(cd->keys);
	g_free(cd);
}
