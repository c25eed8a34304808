/*
 * `-display curses` (see display-curses.h): ncurses on the terminal, the screen renderer for
 * the picture, terminal keys turned into PS/2 scan codes.
 */
#include "config.h"

#include "tui/display-curses.h"

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
#include "tui/terminal.h"
#include "vm/vm.h"

#define REFRESH_MS 33 /* 30 Hz */
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
	struct kd_terminal term;
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

	if (cd->term.ended)
		return;
	set_term(cd->term.screen);
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

	if (cd->term.ended)
		return;
	set_term(cd->term.screen);
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

static void on_key(void *opaque, wint_t ch, bool keycode, bool alt)
{
	struct kd_curses_display *cd = opaque;

	if (keycode)
		keycode_typed(cd, (int)ch);
	else
		char_typed(cd, ch, alt ? KD_KEYMAP_ALT : 0);
}

static bool is_quitting(void *opaque)
{
	return ((struct kd_curses_display *)opaque)->quitting;
}

/* After Ctrl+A an ESC is the second key (it ends the prefix), not Alt's start. */
static bool in_prefix(void *opaque)
{
	return ((struct kd_curses_display *)opaque)->prefix;
}

static const struct kd_terminal_keys terminal_keys = { on_key, is_quitting, in_prefix };

static gboolean on_input(gint fd, GIOCondition condition, gpointer data)
{
	struct kd_curses_display *cd = data;

	if (cd->term.ended) {
		/* The terminal was given back: reading would take curses mode up again. */
		cd->input_source = 0;
		return G_SOURCE_REMOVE;
	}
	if (!kd_terminal_read_keys(&cd->term, condition, &terminal_keys, cd) && !cd->quitting) {
		/* The terminal is gone: nobody can see or steer the guest any more. */
		cd->input_source = 0;
		cd->quitting = true;
		cd->quit(cd->opaque);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------- life cycle */

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
	if (!kd_terminal_open(&cd->term, in_fd, out_fd, true, "-display curses", err)) {
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
	if (cd)
		kd_terminal_end(&cd->term);
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
	kd_terminal_close(&cd->term);
	kd_screen_render_free(cd->render);
	kd_guest_keys_free(cd->keys);
	g_free(cd);
}
