/*
 * The terminal workstation (see workstation.h): the terminal, the screens' frame (title row,
 * message row, hint bar), key dispatch through the key table, the console and monitor panes,
 * and the VM's life.
 *
 * Drawing: every event redraws the current screen into ncurses' buffers and ncurses sends only
 * what changed; nothing runs while nothing happens (no timers besides the console's refresh
 * while a VM shows, which the display only calls when the guest's screen changed).
 */
#include "config.h"

#include "tui/workstation.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "assign/hostdev.h"
#include "hw/display.h"
#include "hw/machine.h"
#include "i18n.h"
#include "session.h"
#include "tui/guest-keys.h"
#include "tui/hostdevs-view.h"
#include "tui/monitor-pane.h"
#include "tui/screen-render.h"
#include "tui/serial-view.h"
#include "hw/chardev.h"
#include "tui/terminal.h"
#include "tui/workstation-internal.h"
#ifdef HAVE_SDL
#include "tui/display-sdl.h"
#endif
#include "vm/vm.h"
#include "vmdef.h"
#include "monitor/monitor.h"

#define MAX_MODAL_TEXT 1024

/* Only for the fatal-signal handler, which has no other way to reach the terminal. */
static volatile sig_atomic_t curses_active;

/* ---------------------------------------------------------------- messages and commands */

void ws_message(struct kd_workstation *ws, bool error, const char *fmt, ...)
{
	va_list ap;

	g_free(ws->message);
	va_start(ap, fmt);
	ws->message = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	ws->message_error = error;
}

/* The line worth showing from a command's output: its last non-empty line (where a command
 * puts its verdict), the first one for errors. */
static char *summary(const char *output, bool error)
{
	g_auto(GStrv) parts = g_strsplit(output, "\n", -1);
	const char *pick = NULL;

	for (char **l = parts; *l; l++) {
		if (!**l)
			continue;
		pick = *l;
		if (error)
			break;
	}
	return g_strdup(pick ? pick : "");
}

static void check_quit(struct kd_workstation *ws)
{
	if (!ws->mctx.quit_requested)
		return;
	ws->mctx.quit_requested = false;
	ws->quitting = true;
	g_main_loop_quit(ws->loop);
}

bool ws_run(struct kd_workstation *ws, const char *fmt, ...)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *line = NULL;
	g_autofree char *shown = NULL;
	va_list ap;
	bool ok;

	va_start(ap, fmt);
	line = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	ok = kd_monitor_run_line(&ws->mctx, line, out);
	kd_monitor_pane_log_command(ws->pane, line, out->str);
	shown = summary(out->str, !ok);
	if (*shown)
		ws_message(ws, !ok, "%s", shown);
	else
		ws_message(ws, false, "(qemu) %s", line);
	check_quit(ws);
	return ok;
}

static void on_pane_line(void *opaque, const char *line, GString *out)
{
	struct kd_workstation *ws = opaque;

	kd_monitor_run_line(&ws->mctx, line, out);
	check_quit(ws);
}

static GPtrArray *on_pane_complete(void *opaque, const char *line, bool *files)
{
	struct kd_workstation *ws = opaque;

	return kd_monitor_complete(&ws->mctx, line, files);
}

/* ---------------------------------------------------------------- the VM */

const char *ws_vm_state(const struct kd_workstation *ws)
{
	struct kd_vm *vm;

	if (!ws->session)
		return _("stopped");
	vm = kd_session_machine(ws->session)->vm;
	switch (kd_vm_state(vm)) {
	case KD_VM_STATE_RUNNING:
		return _("running");
	case KD_VM_STATE_PAUSED:
	case KD_VM_STATE_CREATED:
		return _("paused");
	default:
		return _("stopped");
	}
}

struct kd_vmdef *ws_demo_vmdef(const struct kd_workstation *ws)
{
	g_autofree char *image =
		ws->options.demo_image ? g_strdup(ws->options.demo_image) : kd_vmdef_demo_image();

	return kd_vmdef_demo(image);
}

bool ws_select_vm(struct kd_workstation *ws, const char *name, GError **err)
{
	g_autoptr(GError) load_err = NULL;
	struct kd_vmdef *def = kd_vmdef_load_in(ws->vm_dir, name, NULL, &load_err);

	if (!def && !strcmp(name, "demo") &&
	    g_error_matches(load_err, KD_VMDEF_ERROR, KD_VMDEF_ERROR_NOT_FOUND)) {
		def = ws_demo_vmdef(ws);
		kd_vmdef_free(ws->def);
		ws->def = def;
		ws->def_builtin = true;
		ws->settings_row = 0;
		return true;
	}
	if (!def) {
		g_propagate_error(err, g_steal_pointer(&load_err));
		return false;
	}
	kd_vmdef_free(ws->def);
	ws->def = def;
	ws->def_builtin = false;
	ws->settings_row = 0;
	return true;
}

bool ws_rescan_host(struct kd_workstation *ws)
{
	g_autoptr(GError) err = NULL;
	struct kd_host *host = kd_host_scan(ws->options.host_root, &err);

	if (!host) {
		g_free(ws->host_error);
		ws->host_error = g_strdup(err->message);
		return false;
	}
	kd_hostdevs_view_set_host(ws->hostview, host);
	kd_host_free(ws->host);
	ws->host = host;
	return true;
}

/* ---------------------------------------------------------------- drawing */

char *kd_workstation_escape_name(int escape_char)
{
	static const char *const beyond_z[] = { "Ctrl+[", "Ctrl+\\", "Ctrl+]", "Ctrl+^", "Ctrl+_" };

	if (escape_char >= 1 && escape_char <= 26)
		return g_strdup_printf("Ctrl+%c", 'A' + escape_char - 1);
	if (escape_char >= 27 && escape_char <= 31)
		return g_strdup(beyond_z[escape_char - 27]);
	return g_strdup_printf("0x%02x", (unsigned)escape_char);
}

static void draw_title(struct kd_workstation *ws)
{
	g_autofree char *right = NULL;
	g_autofree char *left = NULL;
	const char *state = ws_vm_state(ws);
	int x;

	attrset(ws->theme.bar);
	mvhline(0, 0, ' ', COLS);
	left = g_strdup_printf(" kvmdesk %s %s", ws->theme.bullet,
			       ws->current == KD_TUI_CONSOLE && ws->console_serial
				       ? _("Serial console (COM1)")
				       : kd_tui_screen_title(ws->current));
	mvaddnstr(0, 0, left, COLS);
	right = g_strdup_printf(_("VM %s: %s "), ws->def->name, state);
	x = COLS - ws_text_width(right);
	if (x > ws_text_width(left) + 1)
		mvaddstr(0, x, right);
	attrset(A_NORMAL);
}

static void draw_hint_row(struct kd_workstation *ws, int y, unsigned which)
{
	g_autoptr(GPtrArray) segments = kd_tui_hint_segments(ws->current, which, COLS - 1, NULL);

	attrset(ws->theme.bar);
	mvhline(y, 0, ' ', COLS);
	move(y, 0);
	for (guint i = 0; i + 1 < segments->len; i += 2) {
		const char *label = g_ptr_array_index(segments, i);
		g_autofree char *escape = NULL;

		/* The table names the default escape key; -echr may have chosen another. */
		if (!strcmp(label, "Ctrl+A") && ws->current == KD_TUI_CONSOLE)
			label = escape = kd_workstation_escape_name(ws->options.escape_char);
		if (i)
			addstr(" ");
		attrset(ws->theme.key);
		addstr(label);
		attrset(ws->theme.bar);
		addstr(" ");
		addstr(g_ptr_array_index(segments, i + 1));
	}
	attrset(A_NORMAL);
}

static void draw_hints(struct kd_workstation *ws)
{
	if (ws->hint_rows == 1) {
		draw_hint_row(ws, LINES - 1, KD_TUI_HINT_ALL);
		return;
	}
	draw_hint_row(ws, LINES - 2, KD_TUI_HINT_LOCAL);
	draw_hint_row(ws, LINES - 1, KD_TUI_HINT_GLOBAL);
}

/* The row above the hint bar: a question, a line being typed, the console's key hint, or
 * the last outcome. Returns whether the terminal's cursor belongs there. */
static bool draw_message(struct kd_workstation *ws, int *cursor_x)
{
	int y = LINES - 1 - ws->hint_rows;

	move(y, 0);
	clrtoeol();
	if (ws->modal != WS_MODAL_NONE) {
		attrset(ws->theme.title);
		mvaddnstr(y, 0, ws->modal_prompt, COLS);
		attrset(A_NORMAL);
		if (ws->modal == WS_MODAL_INPUT) {
			int start = ws_text_width(ws->modal_prompt) + 1;
			int room = COLS - start - 1;
			const char *text = ws->modal_text->str;
			long len = g_utf8_strlen(text, -1);

			/* Long text scrolls so its end stays in view. */
			if (room > 0 && len > room)
				text = g_utf8_offset_to_pointer(text, len - room);
			if (room > 0)
				mvaddnstr(y, start, text, -1);
			*cursor_x = start + (int)MIN(len, (long)MAX(room, 0));
			return true;
		}
		return false;
	}
	if (ws->current == KD_TUI_CONSOLE && (ws->prefix || ws->console_hint)) {
		g_autofree char *name = kd_workstation_escape_name(ws->options.escape_char);
		g_autofree char *hint =
			ws->prefix
				? g_strdup_printf(_("%s then: q quit  a send %s  F1-F12 send the "
						    "F-key  1 console  2 monitor"),
						  name, name)
				: g_strdup_printf(_("Keys go to the guest. F1-F5 switch screens, "
						    "%s then ? for more."),
						  name);

		attrset(ws->theme.warning);
		mvaddnstr(y, 0, hint, COLS);
		attrset(A_NORMAL);
		return false;
	}
	if (ws->message) {
		attrset(ws->message_error ? ws->theme.error : ws->theme.normal);
		mvaddnstr(y, 0, ws->message, COLS);
		attrset(A_NORMAL);
	}
	return false;
}

/* Adds line to rows wrapped at spaces to width, continuation lines indented by indent. */
static void wrap_into(GPtrArray *rows, const char *line, int width, int indent)
{
	g_autofree char *pad = g_strnfill((gsize)indent, ' ');
	const char *rest = line;

	for (bool first = true; *rest; first = false) {
		g_autofree char *piece = first ? g_strdup(rest) : g_strconcat(pad, rest, NULL);
		int lead = first ? 0 : indent;
		const char *cut, *space;

		if (ws_text_width(piece) <= width || width <= indent + 10) {
			g_ptr_array_add(rows, g_steal_pointer(&piece));
			return;
		}
		cut = g_utf8_offset_to_pointer(piece, width);
		space = cut;
		while (space > piece + lead && *space != ' ')
			space--;
		if (space <= piece + lead)
			space = cut;
		g_ptr_array_add(rows, g_strndup(piece, (gsize)(space - piece)));
		rest += (space - piece) - lead;
		while (*rest == ' ')
			rest++;
	}
	if (rest == line)
		g_ptr_array_add(rows, g_strdup(""));
}

/* The help text wrapped to width: a key's sentence continues under its start. */
static GPtrArray *help_rows(int width)
{
	g_autofree char *text = kd_tui_help_text();
	g_auto(GStrv) parts = g_strsplit(text, "\n", -1);
	GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);

	for (char **p = parts; *p; p++)
		wrap_into(rows, *p, width, g_str_has_prefix(*p, "  ") ? 11 : 0);
	return rows;
}

static void draw_help(struct kd_workstation *ws, WINDOW *win)
{
	int h = getmaxy(win), w = getmaxx(win);
	g_autoptr(GPtrArray) rows = help_rows(w - 2);
	int n = (int)rows->len;

	ws->settings_top = CLAMP(ws->settings_top, 0, MAX(n - h, 0));
	for (int y = 0; y < h && ws->settings_top + y < n; y++) {
		const char *l = g_ptr_array_index(rows, ws->settings_top + y);

		wattrset(win, (*l && l[0] != ' ') ? ws->theme.title : ws->theme.normal);
		mvwaddnstr(win, y, 1, l, w - 1);
	}
	wattrset(win, A_NORMAL);
}

void ws_redraw(struct kd_workstation *ws)
{
	struct kd_screen_cursor cursor = { 0 };
	bool cursor_in_message;
	int message_x = 0, py = 0, px = 0;

	if (ws->term.ended)
		return;
	set_term(ws->term.screen);
	draw_title(ws);
	draw_hints(ws);
	cursor_in_message = draw_message(ws, &message_x);
	if (ws->current != KD_TUI_CONSOLE)
		werase(ws->content);
	switch (ws->current) {
	case KD_TUI_HELP:
		draw_help(ws, ws->content);
		break;
	case KD_TUI_HOSTDEVS:
		ws_hostdevs_draw(ws, ws->content);
		break;
	case KD_TUI_SETTINGS:
		ws_settings_draw(ws, ws->content);
		break;
	case KD_TUI_CONSOLE:
		ws_console_draw(ws, ws->content, &cursor);
		break;
	case KD_TUI_MONITOR:
		kd_monitor_pane_draw(ws->pane, ws->content, &ws->theme, &py, &px);
		cursor.visible = true;
		cursor.y = py;
		cursor.x = px;
		cursor.shape = 1;
		break;
	default:
		break;
	}
	ws->need_full = false;
	wnoutrefresh(stdscr);
	if (cursor_in_message) {
		curs_set(1);
		move(LINES - 1 - ws->hint_rows, message_x);
		wnoutrefresh(stdscr);
	} else if (cursor.visible && !ws->prefix) {
		kd_screen_render_place_cursor(ws->content, &cursor);
		wnoutrefresh(ws->content);
	} else {
		curs_set(0);
		wnoutrefresh(ws->content);
	}
	doupdate();
}

static void layout(struct kd_workstation *ws)
{
	int h;

	ws->hint_rows = kd_tui_hint_rows(COLS - 1);
	h = MAX(LINES - 2 - ws->hint_rows, 1);
	if (ws->content)
		delwin(ws->content);
	ws->content = newwin(h, COLS, 1, 0);
	ws->need_full = true;
}

static void resize(struct kd_workstation *ws)
{
	struct winsize ws_size;

	if (ws->term.ended)
		return;
	set_term(ws->term.screen);
	if (ioctl(fileno(ws->term.out), TIOCGWINSZ, &ws_size) == 0 && ws_size.ws_row &&
	    ws_size.ws_col)
		resize_term(ws_size.ws_row, ws_size.ws_col);
	clearok(curscr, TRUE);
	layout(ws);
	ws_redraw(ws);
}

static gboolean on_winch(gpointer data)
{
	resize(data);
	return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------- questions */

void ws_ask(struct kd_workstation *ws, enum ws_modal kind, const char *prompt, const char *text,
	    const char *arg, ws_modal_done_fn done)
{
	ws->modal = kind;
	g_free(ws->modal_prompt);
	ws->modal_prompt = g_strdup(prompt);
	g_string_assign(ws->modal_text, text ? text : "");
	g_free(ws->modal_arg);
	ws->modal_arg = g_strdup(arg);
	ws->modal_done = done;
}

static void confirmed(struct kd_workstation *ws, bool yes, const char *text)
{
	if (yes)
		ws_run(ws, "%s", ws->modal_arg);
	else
		ws_message(ws, false, _("nothing done"));
}

void ws_confirm(struct kd_workstation *ws, const char *question, const char *command)
{
	g_autofree char *prompt = g_strdup_printf(_("%s (y/n) "), question);

	ws_ask(ws, WS_MODAL_CONFIRM, prompt, NULL, command, confirmed);
}

static void modal_finish(struct kd_workstation *ws, bool accepted)
{
	ws_modal_done_fn done = ws->modal_done;
	g_autofree char *text = g_strdup(ws->modal_text->str);

	ws->modal = WS_MODAL_NONE;
	ws->modal_done = NULL;
	if (done)
		done(ws, accepted, text);
}

static void modal_key(struct kd_workstation *ws, const struct kd_tui_keypress *k)
{
	if (ws->modal == WS_MODAL_CONFIRM) {
		if (!k->keycode && (k->code == 'y' || k->code == 'Y'))
			modal_finish(ws, true);
		else if (!k->keycode && (k->code == 'n' || k->code == 'N' || k->code == 0x1B))
			modal_finish(ws, false);
		return;
	}
	if (k->keycode) {
		if (k->code == KEY_ENTER)
			modal_finish(ws, true);
		else if (k->code == KEY_BACKSPACE && ws->modal_text->len) {
			const char *end = ws->modal_text->str + ws->modal_text->len;
			const char *prev = g_utf8_find_prev_char(ws->modal_text->str, end);

			g_string_truncate(ws->modal_text,
					  prev ? (gsize)(prev - ws->modal_text->str) : 0);
		}
	} else if (k->code == '\r' || k->code == '\n') {
		modal_finish(ws, true);
	} else if (k->code == 0x1B || k->code == 0x07) { /* Escape, Ctrl+G */
		modal_finish(ws, false);
	} else if (k->code == 0x7F || k->code == 0x08) {
		struct kd_tui_keypress bs = { KEY_BACKSPACE, true, false };

		modal_key(ws, &bs);
		return;
	} else if (k->code == 0x15) { /* Ctrl+U */
		g_string_truncate(ws->modal_text, 0);
	} else if (k->code >= 0x20 && ws->modal_text->len < MAX_MODAL_TEXT) {
		g_string_append_unichar(ws->modal_text, (gunichar)k->code);
	}
	/* The filter follows the text as it is typed. */
	if (ws->modal == WS_MODAL_INPUT && ws->modal_arg && !strcmp(ws->modal_arg, "filter"))
		kd_hostdevs_view_set_filter(ws->hostview, ws->modal_text->str);
}

/* ---------------------------------------------------------------- keys */

void ws_show(struct kd_workstation *ws, enum kd_tui_screen screen)
{
	if (ws->current != screen)
		ws->need_full = true;
	ws->current = screen;
	ws->settings_top = screen == KD_TUI_HELP ? 0 : ws->settings_top;
	ws->prefix = false;
}

void ws_quit(struct kd_workstation *ws)
{
	g_autofree char *question = NULL;

	if (!ws->session) {
		ws_run(ws, "quit");
		return;
	}
	question = g_strdup_printf(_("VM '%s' is %s. Quit and stop it?"),
				   kd_session_name(ws->session), ws_vm_state(ws));
	ws_confirm(ws, question, "quit");
}

static void list_move(struct kd_workstation *ws, enum kd_tui_action action)
{
	int page = MAX(getmaxy(ws->content) - 4, 1);
	int delta = action == KD_ACT_UP		 ? -1
		    : action == KD_ACT_DOWN	 ? 1
		    : action == KD_ACT_PAGE_UP	 ? -page
		    : action == KD_ACT_PAGE_DOWN ? page
		    : action == KD_ACT_HOME	 ? -100000
						 : 100000;

	if (ws->current == KD_TUI_HOSTDEVS) {
		if (action == KD_ACT_HOME)
			kd_hostdevs_view_home(ws->hostview);
		else if (action == KD_ACT_END)
			kd_hostdevs_view_end(ws->hostview);
		else
			kd_hostdevs_view_move(ws->hostview, delta);
	} else if (ws->current == KD_TUI_HELP) {
		ws->settings_top = MAX(0, ws->settings_top + delta);
	} else {
		ws_settings_action(ws, action);
	}
}

static void run_action(struct kd_workstation *ws, const struct kd_tui_key *key)
{
	switch (key->action) {
	case KD_ACT_SHOW_HELP:
		ws_show(ws, KD_TUI_HELP);
		break;
	case KD_ACT_SHOW_HOSTDEVS:
		ws_show(ws, KD_TUI_HOSTDEVS);
		break;
	case KD_ACT_SHOW_SETTINGS:
		ws_show(ws, KD_TUI_SETTINGS);
		break;
	case KD_ACT_SHOW_CONSOLE:
	case KD_ACT_SHOW_SERIAL:
		ws_show(ws, KD_TUI_CONSOLE);
		/* The display unless there is none; Alt+3 the serial port. */
		ws->console_serial =
			key->action == KD_ACT_SHOW_SERIAL ||
			(ws->session && !kd_session_machine(ws->session)->display && ws->serial);
		ws->need_full = true;
		break;
	case KD_ACT_SHOW_MONITOR:
		ws_show(ws, KD_TUI_MONITOR);
		break;
	case KD_ACT_QUIT:
		ws_quit(ws);
		break;
	case KD_ACT_REDRAW:
		clearok(curscr, TRUE);
		ws->need_full = true;
		break;
	case KD_ACT_UP:
	case KD_ACT_DOWN:
	case KD_ACT_PAGE_UP:
	case KD_ACT_PAGE_DOWN:
	case KD_ACT_HOME:
	case KD_ACT_END:
		list_move(ws, key->action);
		break;
	case KD_ACT_DETAIL_UP:
	case KD_ACT_DETAIL_DOWN:
		kd_hostdevs_view_scroll_detail(ws->hostview,
					       key->action == KD_ACT_DETAIL_UP ? -3 : 3);
		break;
	case KD_ACT_ASSIGN:
	case KD_ACT_DETACH:
	case KD_ACT_BIND:
	case KD_ACT_RESTORE:
	case KD_ACT_FILTER:
	case KD_ACT_RESCAN:
		ws_hostdevs_action(ws, key);
		break;
	case KD_ACT_ESCAPE:
		ws->prefix = true;
		break;
	default:
		ws_settings_action(ws, key->action);
		break;
	}
}

static void key_typed(struct kd_workstation *ws, const struct kd_tui_keypress *k)
{
	const struct kd_tui_key *key;

	if (k->keycode && k->code == KEY_RESIZE) {
		resize(ws);
		return;
	}
	g_clear_pointer(&ws->message, g_free);
	if (ws->modal != WS_MODAL_NONE) {
		modal_key(ws, k);
		return;
	}
	/* The console's escape prefix comes before the table: Ctrl+A F4 sends F4 to the guest. */
	if (ws->current == KD_TUI_CONSOLE && ws->prefix) {
		ws_console_prefix_key(ws, k);
		return;
	}
	key = kd_tui_key_find(ws->current, k);
	/* A lower-case letter whose capital is a destructive key: say how it is done. */
	if (!key && !k->keycode && !k->alt && k->code < 0x80 && g_ascii_islower(k->code) &&
	    (KD_TUI_LETTER_SCREENS & KD_TUI_ON(ws->current))) {
		struct kd_tui_keypress upper = { g_ascii_toupper(k->code), false, false };
		const struct kd_tui_key *capital = kd_tui_key_find(ws->current, &upper);

		if (capital && capital->confirm) {
			ws_message(ws, true, _("%s needs the capital key: %s"), _(capital->hint),
				   capital->label);
			return;
		}
	}
	if (key && !(ws->current == KD_TUI_CONSOLE && key->action == KD_ACT_ESCAPE)) {
		run_action(ws, key);
		return;
	}
	if (ws->current == KD_TUI_CONSOLE)
		ws_console_key(ws, k);
	else if (ws->current == KD_TUI_MONITOR)
		kd_monitor_pane_key(ws->pane, (wint_t)k->code, k->keycode);
}

static void on_key(void *opaque, wint_t ch, bool keycode, bool alt)
{
	struct kd_tui_keypress k = { (int)ch, keycode, alt };

	key_typed(opaque, &k);
}

static bool is_quitting(void *opaque)
{
	return ((struct kd_workstation *)opaque)->quitting;
}

static const struct kd_terminal_keys terminal_keys = { on_key, is_quitting, NULL };

static gboolean on_input(gint fd, GIOCondition condition, gpointer data)
{
	struct kd_workstation *ws = data;

	if (ws->term.ended) {
		ws->input_source = 0;
		return G_SOURCE_REMOVE;
	}
	if (!kd_terminal_read_keys(&ws->term, condition, &terminal_keys, ws)) {
		/* The terminal is gone: nobody can steer the workstation any more. */
		ws->input_source = 0;
		ws->quitting = true;
		g_main_loop_quit(ws->loop);
		return G_SOURCE_REMOVE;
	}
	if (!ws->quitting)
		ws_redraw(ws);
	return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------- life cycle */

static gboolean on_signal(gpointer data)
{
	struct kd_workstation *ws = data;

	ws->quitting = true;
	g_main_loop_quit(ws->loop);
	return G_SOURCE_CONTINUE;
}

/* A crash must not leave the terminal in raw mode without echo: give it back, then die of
 * the same signal. endwin() is not async-signal-safe, but the process is going anyway, and
 * a usable shell afterwards is worth the risk (htop and tmux do the same). */
static void on_fatal_signal(int sig)
{
	if (curses_active)
		endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void restore_terminal(struct kd_workstation *ws)
{
	kd_terminal_end(&ws->term);
	curses_active = 0;
}

static bool open_terminal(struct kd_workstation *ws, GError **err)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			    _("the workstation needs a terminal on standard input and output; "
			      "give VM options to run a VM without it (see --help)"));
		return false;
	}
	if (!kd_terminal_open(&ws->term, STDIN_FILENO, STDOUT_FILENO, !ws->options.monochrome, NULL,
			      err))
		return false;
	curses_active = 1;
	if (ws->options.monochrome)
		kd_theme_monochrome(&ws->theme,
				    !ws->options.ascii && !strcmp(nl_langinfo(CODESET), "UTF-8"));
	else
		kd_theme_init(&ws->theme, ws->options.ascii);
	return true;
}

static void setup_monitor(struct kd_workstation *ws)
{
	g_autofree char *banner = kd_monitor_banner();
	g_autofree char *history =
		g_build_filename(g_get_user_data_dir(), "kvmdesk", "monitor-history", NULL);
	g_autofree char *dir = g_path_get_dirname(history);

	ws->mctx.monitor_spec = "workstation";
	ws->mctx.extra = kd_ws_commands;
	ws->mctx.extra_info = kd_ws_info_commands;
	ws->mctx.extra_opaque = ws;
	ws->mctx.extra_complete = kd_ws_complete;
	g_mkdir_with_parents(dir, 0700);
	ws->pane = kd_monitor_pane_new(on_pane_line, on_pane_complete, ws, history);
	kd_monitor_pane_print(ws->pane, banner);
}

static void setup_vm(struct kd_workstation *ws)
{
	g_autoptr(GError) err = NULL;
	g_auto(GStrv) names = kd_vmdef_list_in(ws->vm_dir);
	const char *name = ws->options.vm ? ws->options.vm : names[0] ? names[0] : "demo";

	if (ws_select_vm(ws, name, &err)) {
		if (ws->def_builtin)
			ws_message(ws, false,
				   _("New here? F3 shows the built-in demo VM; s there starts it, "
				     "F4 shows it."));
		return;
	}
	ws_message(ws, true, "%s", err->message);
	kd_monitor_pane_print(ws->pane, err->message);
	ws->def = ws_demo_vmdef(ws);
	ws->def_builtin = true;
}

int kd_workstation_run(const struct kd_workstation_options *options, GError **err)
{
	struct kd_workstation ws = { 0 };
	struct kd_screen_caps caps;
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };

	ws.options = *options;
	if (!ws.options.escape_char)
		ws.options.escape_char = 0x01;
	ws.vm_dir = options->vm_dir ? g_strdup(options->vm_dir) : kd_vmdef_dir();
	ws.modal_text = g_string_new(NULL);
	ws.loop = g_main_loop_new(NULL, FALSE);
	ws.hostview = kd_hostdevs_view_new();
	ws.current = KD_TUI_HOSTDEVS;
	ws.console_hint = true; /* until the first key reaches a guest */
	/* Before ncurses starts: it then leaves these signals to the main loop. */
	ws.signal_sources[0] = g_unix_signal_add(SIGINT, on_signal, &ws);
	ws.signal_sources[1] = g_unix_signal_add(SIGTERM, on_signal, &ws);
	ws.signal_sources[2] = g_unix_signal_add(SIGHUP, on_signal, &ws);
	if (!open_terminal(&ws, err)) {
		ws.status = 1;
		goto out;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(fatal); i++)
		signal(fatal[i], on_fatal_signal);
	kd_screen_caps_from_curses(&caps, KD_THEME_PAIRS + 1);
	if (ws.options.monochrome)
		caps.colors = 0;
	ws.render = kd_screen_render_new(&caps);
	ws.keys = kd_guest_keys_new();
	setup_monitor(&ws);
	setup_vm(&ws);
	if (!ws_rescan_host(&ws))
		kd_monitor_pane_print(ws.pane, ws.host_error);
	layout(&ws);
	ws.input_source =
		g_unix_fd_add(fileno(ws.term.in), G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, &ws);
	ws.winch_source = g_unix_signal_add(SIGWINCH, on_winch, &ws);
	ws_redraw(&ws);
	g_main_loop_run(ws.loop);
out:
	ws_vm_stopped(&ws);
	restore_terminal(&ws);
	for (size_t i = 0; i < G_N_ELEMENTS(fatal); i++)
		signal(fatal[i], SIG_DFL);
	for (size_t i = 0; i < G_N_ELEMENTS(ws.signal_sources); i++)
		if (ws.signal_sources[i])
			g_source_remove(ws.signal_sources[i]);
	if (ws.input_source)
		g_source_remove(ws.input_source);
	if (ws.winch_source)
		g_source_remove(ws.winch_source);
	kd_serial_view_free(ws.serial);
	kd_monitor_pane_free(ws.pane);
	kd_guest_keys_free(ws.keys);
	kd_screen_render_free(ws.render);
	if (ws.content)
		delwin(ws.content);
	kd_terminal_close(&ws.term);
	kd_hostdevs_view_free(ws.hostview);
	kd_host_free(ws.host);
	kd_vmdef_free(ws.def);
	g_free(ws.vm_dir);
	g_free(ws.host_error);
	g_free(ws.message);
	g_free(ws.modal_prompt);
	g_free(ws.modal_arg);
	g_string_free(ws.modal_text, TRUE);
	g_main_loop_unref(ws.loop);
	return ws.status;
}
