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
#include "tui/screen-render.h"
#include "vm/vm.h"
/* Last: it defines a macro for every terminfo capability (cursor_visible, lines, ...). */
#include <term.h>

#define REFRESH_MS 33 /* 30 Hz */
/* How long ncurses waits after an ESC for the rest of a function key's sequence. */
#define ESC_DELAY_MS 25
/* Typed keys go to the keyboard one every this often, so a paste does not overflow the
 * i8042's queue (a lost break code would leave a key held down in the guest). */
#define KEY_INTERVAL_MS 10
#define MAX_PENDING_KEYS 512
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

struct tap {
	uint8_t len;
	uint8_t bytes[KD_KEYMAP_TAP_MAX];
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
	guint input_source, winch_source, hint_source, tap_source;
	bool prefix; /* Ctrl+A typed, waiting for its second key */
	bool show_hint; /* the first seconds */
	GArray *taps; /* struct tap, waiting for the keyboard */
	GHashTable *modified_keys; /* ncurses key code -> enum kd_key | modifiers << 16 */
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

static void put_next_tap(struct kd_curses_display *cd)
{
	struct kd_machine *m = cd->machine;
	struct tap *t = &g_array_index(cd->taps, struct tap, 0);

	kd_vm_lock(m->vm);
	if (m->i8042)
		kd_i8042_put_keycode(m->i8042, t->bytes, t->len);
	kd_vm_unlock(m->vm);
	g_array_remove_index(cd->taps, 0);
}

static gboolean on_tap_timer(gpointer data)
{
	struct kd_curses_display *cd = data;

	if (cd->taps->len)
		put_next_tap(cd);
	if (cd->taps->len)
		return G_SOURCE_CONTINUE;
	cd->tap_source = 0;
	return G_SOURCE_REMOVE;
}

static void send_key(struct kd_curses_display *cd, enum kd_key key, unsigned modifiers)
{
	struct tap t;

	if (cd->taps->len >= MAX_PENDING_KEYS)
		return;
	t.len = (uint8_t)kd_keymap_tap(t.bytes, key, modifiers);
	g_array_append_val(cd->taps, t);
	if (cd->tap_source)
		return;
	put_next_tap(cd);
	if (cd->taps->len)
		cd->tap_source = g_timeout_add(KEY_INTERVAL_MS, on_tap_timer, cd);
}

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
			send_key(cd, KD_KEY_A, KD_KEYMAP_CTRL);
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
	enum kd_key key;
	unsigned key_modifiers;

	if (cd->prefix) {
		run_prefix(cd, ch);
		return;
	}
	if (ch == CTRL_A && !modifiers) {
		cd->prefix = true;
		redraw(cd);
		return;
	}
	/* A US keyboard has no key for other characters. */
	if (ch > 0x7F || !kd_keymap_from_ascii((unsigned char)ch, &key, &key_modifiers))
		return;
	send_key(cd, key, key_modifiers | modifiers);
}

/* Function keys ncurses knows by code: cursor and editing keys, F1-F12 (terminfo's F13-F48
 * are those with Shift, Ctrl, Ctrl+Shift as xterm numbers them), the keypad's corners. */
static bool curses_key(int code, enum kd_key *key, unsigned *modifiers)
{
	static const enum kd_key fkeys[12] = {
		KD_KEY_F1, KD_KEY_F2, KD_KEY_F3, KD_KEY_F4,  KD_KEY_F5,	 KD_KEY_F6,
		KD_KEY_F7, KD_KEY_F8, KD_KEY_F9, KD_KEY_F10, KD_KEY_F11, KD_KEY_F12,
	};
	static const unsigned fkey_modifiers[4] = {
		0,
		KD_KEYMAP_SHIFT,
		KD_KEYMAP_CTRL,
		KD_KEYMAP_CTRL | KD_KEYMAP_SHIFT,
	};
	static const struct {
		int code;
		enum kd_key key;
		unsigned modifiers;
	} keys[] = {
		{ KEY_UP, KD_KEY_UP, 0 },
		{ KEY_DOWN, KD_KEY_DOWN, 0 },
		{ KEY_LEFT, KD_KEY_LEFT, 0 },
		{ KEY_RIGHT, KD_KEY_RIGHT, 0 },
		{ KEY_HOME, KD_KEY_HOME, 0 },
		{ KEY_END, KD_KEY_END, 0 },
		{ KEY_PPAGE, KD_KEY_PGUP, 0 },
		{ KEY_NPAGE, KD_KEY_PGDN, 0 },
		{ KEY_IC, KD_KEY_INSERT, 0 },
		{ KEY_DC, KD_KEY_DELETE, 0 },
		{ KEY_BACKSPACE, KD_KEY_BACKSPACE, 0 },
		{ KEY_ENTER, KD_KEY_KP_ENTER, 0 },
		{ KEY_BTAB, KD_KEY_TAB, KD_KEYMAP_SHIFT },
		{ KEY_SR, KD_KEY_UP, KD_KEYMAP_SHIFT },
		{ KEY_SF, KD_KEY_DOWN, KD_KEYMAP_SHIFT },
		{ KEY_SLEFT, KD_KEY_LEFT, KD_KEYMAP_SHIFT },
		{ KEY_SRIGHT, KD_KEY_RIGHT, KD_KEYMAP_SHIFT },
		{ KEY_SHOME, KD_KEY_HOME, KD_KEYMAP_SHIFT },
		{ KEY_SEND, KD_KEY_END, KD_KEYMAP_SHIFT },
		{ KEY_SPREVIOUS, KD_KEY_PGUP, KD_KEYMAP_SHIFT },
		{ KEY_SNEXT, KD_KEY_PGDN, KD_KEYMAP_SHIFT },
		{ KEY_SIC, KD_KEY_INSERT, KD_KEYMAP_SHIFT },
		{ KEY_SDC, KD_KEY_DELETE, KD_KEYMAP_SHIFT },
		{ KEY_A1, KD_KEY_KP_7, 0 },
		{ KEY_A3, KD_KEY_KP_9, 0 },
		{ KEY_B2, KD_KEY_KP_5, 0 },
		{ KEY_C1, KD_KEY_KP_1, 0 },
		{ KEY_C3, KD_KEY_KP_3, 0 },
	};

	if (code >= KEY_F(1) && code < KEY_F(1) + 48) {
		unsigned n = (unsigned)(code - KEY_F(1));

		*key = fkeys[n % 12];
		*modifiers = fkey_modifiers[n / 12];
		return true;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		if (keys[i].code == code) {
			*key = keys[i].key;
			*modifiers = keys[i].modifiers;
			return true;
		}
	}
	return false;
}

static void keycode_typed(struct kd_curses_display *cd, int code)
{
	enum kd_key key;
	unsigned modifiers;
	gpointer found;

	if (code == KEY_RESIZE) {
		redraw(cd);
		return;
	}
	if (cd->prefix) {
		run_prefix(cd, 0);
		return;
	}
	if (curses_key(code, &key, &modifiers)) {
		send_key(cd, key, modifiers);
	} else if ((found = g_hash_table_lookup(cd->modified_keys, GINT_TO_POINTER(code)))) {
		guint v = GPOINTER_TO_UINT(found);

		send_key(cd, (enum kd_key)(v & 0xFFFF), v >> 16);
	}
}

/* xterm's cursor and editing keys with modifiers have extended terminfo names: kUP5 is
 * Ctrl+Up; the digit minus one holds Shift (1), Alt (2) and Ctrl (4). ncurses gives each a
 * code of its own, looked up here once. */
static void find_modified_keys(struct kd_curses_display *cd)
{
	static const struct {
		const char *name;
		enum kd_key key;
	} caps[] = {
		{ "kUP", KD_KEY_UP },	  { "kDN", KD_KEY_DOWN },  { "kLFT", KD_KEY_LEFT },
		{ "kRIT", KD_KEY_RIGHT }, { "kHOM", KD_KEY_HOME }, { "kEND", KD_KEY_END },
		{ "kPRV", KD_KEY_PGUP },  { "kNXT", KD_KEY_PGDN }, { "kIC", KD_KEY_INSERT },
		{ "kDC", KD_KEY_DELETE },
	};

	cd->modified_keys = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (size_t i = 0; i < G_N_ELEMENTS(caps); i++) {
		for (unsigned digit = 2; digit <= 8; digit++) {
			g_autofree char *name = g_strdup_printf("%s%u", caps[i].name, digit);
			unsigned bits = digit - 1, modifiers = 0;
			const char *seq = tigetstr(name);
			int code;

			if (!seq || seq == (char *)-1 || (code = key_defined(seq)) <= 0)
				continue;
			if (bits & 1)
				modifiers |= KD_KEYMAP_SHIFT;
			if (bits & 2)
				modifiers |= KD_KEYMAP_ALT;
			if (bits & 4)
				modifiers |= KD_KEYMAP_CTRL;
			g_hash_table_insert(cd->modified_keys, GINT_TO_POINTER(code),
					    GUINT_TO_POINTER((guint)caps[i].key | modifiers << 16));
		}
	}
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
	cd->taps = g_array_new(FALSE, FALSE, sizeof(struct tap));
	if (!open_terminal(cd, err)) {
		kd_curses_display_free(cd);
		return NULL;
	}
	find_modified_keys(cd);
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
	remove_source(&cd->tap_source);
	kd_curses_display_restore_terminal(cd);
	if (cd->screen)
		delscreen(cd->screen);
	if (cd->in)
		fclose(cd->in);
	if (cd->out)
		fclose(cd->out);
	kd_screen_render_free(cd->render);
	if (cd->modified_keys)
		g_hash_table_destroy(cd->modified_keys);
	g_array_free(cd->taps, TRUE);
	g_free(cd);
}
