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

#include <errno.h>
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
#include "tui/workstation-internal.h"
#ifdef HAVE_SDL
#include "tui/display-sdl.h"
#endif
#include "vm/vm.h"
#include "vmdef.h"
#include "monitor/monitor.h"
/* Last: it defines a macro for every terminfo capability (cursor_visible, lines, ...). */
#include <term.h>

#define REFRESH_MS 33 /* the console at 30 Hz at most */
#define ESC_DELAY_MS 25
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

static void on_frame(const struct kd_display_frame *frame, void *data);

static gboolean close_sdl(gpointer data)
{
	struct kd_workstation *ws = data;

#ifdef HAVE_SDL
	kd_sdl_display_free(ws->sdl);
	ws->sdl = NULL;
#endif
	return G_SOURCE_REMOVE;
}

/* Closing the window closes only the window: the VM and the terminal go on. */
static void on_sdl_closed(void *opaque)
{
	g_idle_add(close_sdl, opaque);
}

static void on_serial_output(void *opaque)
{
	struct kd_workstation *ws = opaque;
	g_autoptr(GBytes) bytes = kd_chardev_take_output(ws->serial_chr);
	gsize len;
	const uint8_t *data = g_bytes_get_data(bytes, &len);

	kd_serial_view_feed(ws->serial, data, len);
	if (ws->current == KD_TUI_CONSOLE && ws->console_serial && ws->modal == WS_MODAL_NONE)
		ws_redraw(ws);
}

void ws_vm_started(struct kd_workstation *ws)
{
	struct kd_machine *m = kd_session_machine(ws->session);
	const char *display = kd_session_display(ws->session);

	kd_serial_view_free(ws->serial);
	ws->serial = kd_serial_view_new();
	ws->serial_chr = kd_chardev_is_vc(m->serial[0]) ? m->serial[0] : NULL;
	kd_chardev_set_output_listener(ws->serial_chr, on_serial_output, ws);
	/* Without a display adapter the serial port is the console. */
	ws->console_serial = !m->display && ws->serial_chr;

	kd_guest_keys_set_machine(ws->keys, m);
	if (m->display && !(display && !strcmp(display, "none")))
		ws->listener = kd_display_add_listener(m->display, REFRESH_MS, on_frame, ws);
#ifdef HAVE_SDL
	if (m->display && display && !strcmp(display, "sdl")) {
		g_autoptr(GError) err = NULL;

		/* The window beside the terminal; without one the console pane still shows. */
		ws->sdl = kd_sdl_display_new(m, m->display, on_sdl_closed, ws, &err);
		if (!ws->sdl)
			kd_monitor_pane_print(ws->pane, err->message);
	}
#endif
	ws->console_hint = true;
}

void ws_vm_stopped(struct kd_workstation *ws)
{
	struct kd_machine *m;

	if (!ws->session)
		return;
	m = kd_session_machine(ws->session);
	if (ws->listener)
		kd_display_remove_listener(m->display, ws->listener);
	ws->listener = 0;
#ifdef HAVE_SDL
	kd_sdl_display_free(ws->sdl);
	ws->sdl = NULL;
#endif
	kd_guest_keys_set_machine(ws->keys, NULL);
	kd_chardev_set_output_listener(ws->serial_chr, NULL, NULL);
	ws->serial_chr = NULL;
	ws->mctx.machine = NULL;
	kd_session_free(ws->session);
	ws->session = NULL;
	ws->prefix = false;
}

static gboolean free_ended_session(gpointer data)
{
	struct kd_workstation *ws = data;
	g_autofree char *reason = NULL;
	g_autofree char *name = NULL;

	if (!ws->session)
		return G_SOURCE_REMOVE;
	name = g_strdup(kd_session_name(ws->session));
	reason = g_strdup(kd_session_end_reason(ws->session));
	ws_vm_stopped(ws);
	if (reason) {
		ws_message(ws, true, _("VM '%s' stopped: %s"), name, reason);
		kd_monitor_pane_print(ws->pane, reason);
	} else {
		ws_message(ws, false, _("VM '%s' powered off"), name);
	}
	kd_monitor_pane_print(ws->pane, ws->message);
	ws_redraw(ws);
	return G_SOURCE_REMOVE;
}

void ws_vm_ended(void *opaque)
{
	/* Inside the session's own event handler: free it from the main loop afterwards. */
	g_idle_add(free_ended_session, opaque);
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

static int text_width(const char *text)
{
	return (int)g_utf8_strlen(text, -1);
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
	x = COLS - text_width(right);
	if (x > text_width(left) + 1)
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
			int start = text_width(ws->modal_prompt) + 1;
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

		if (text_width(piece) <= width || width <= indent + 10) {
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

static void draw_hostdevs(struct kd_workstation *ws, WINDOW *win)
{
	int h = getmaxy(win), w = getmaxx(win);
	int table_h, detail_y;
	WINDOW *table, *detail;

	if (!ws->host) {
		wattrset(win, ws->theme.error);
		mvwaddnstr(win, 1, 1, ws->host_error ? ws->host_error : "", w - 2);
		wattrset(win, A_NORMAL);
		return;
	}
	/* The table takes what its rows need, at most 60 %; the detail panel the rest. */
	table_h = MIN((int)kd_hostdevs_view_count(ws->hostview) + 4, h * 3 / 5);
	table_h = MAX(table_h, MIN(h, 5));
	detail_y = table_h + 1;
	table = derwin(win, table_h, w, 0, 0);
	if (table) {
		kd_hostdevs_view_draw_table(ws->hostview, table, &ws->theme);
		delwin(table);
	}
	if (detail_y >= h)
		return;
	wattrset(win, ws->theme.dim);
	for (int x = 0; x < w; x++)
		mvwaddstr(win, table_h, x, ws->theme.hline);
	wattrset(win, A_NORMAL);
	detail = derwin(win, h - detail_y, w, detail_y, 0);
	if (detail) {
		kd_hostdevs_view_draw_detail(ws->hostview, detail, &ws->theme);
		delwin(detail);
	}
}

static void draw_console(struct kd_workstation *ws, WINDOW *win, struct kd_screen_cursor *cursor)
{
	struct kd_machine *m = ws->session ? kd_session_machine(ws->session) : NULL;
	const char *msg = NULL;

	cursor->visible = false;
	if (ws->console_serial && ws->serial) {
		/* Kept after the VM stopped: its last words stay readable. */
		kd_serial_view_draw(ws->serial, win, &ws->theme, &cursor->y, &cursor->x);
		cursor->visible = m != NULL;
		cursor->shape = 1;
		return;
	}
	if (!m)
		msg = _("No VM is running. F3 shows its settings; s there starts it.");
	else if (!m->display)
		msg = _("This VM has no display adapter (vga none); Alt+3 shows its serial port.");
	else if (!ws->listener)
		msg = _("This VM's display is off (display none).");
	if (msg) {
		werase(win);
		wattrset(win, ws->theme.dim);
		mvwaddnstr(win, getmaxy(win) / 2, MAX(0, (getmaxx(win) - text_width(msg)) / 2), msg,
			   getmaxx(win));
		wattrset(win, A_NORMAL);
		return;
	}
	kd_screen_render_draw(ws->render, win, kd_display_refresh(m->display, ws->need_full),
			      ws->need_full, NULL, cursor);
}

void ws_redraw(struct kd_workstation *ws)
{
	struct kd_screen_cursor cursor = { 0 };
	bool cursor_in_message;
	int message_x = 0, py = 0, px = 0;

	if (ws->ended)
		return;
	set_term(ws->screen);
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
		draw_hostdevs(ws, ws->content);
		break;
	case KD_TUI_SETTINGS:
		ws_settings_draw(ws, ws->content);
		break;
	case KD_TUI_CONSOLE:
		draw_console(ws, ws->content, &cursor);
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

static void on_frame(const struct kd_display_frame *frame, void *data)
{
	struct kd_workstation *ws = data;
	struct kd_screen_cursor cursor;

	if (ws->ended || ws->current != KD_TUI_CONSOLE || ws->modal != WS_MODAL_NONE)
		return;
	set_term(ws->screen);
	kd_screen_render_draw(ws->render, ws->content, frame, false, NULL, &cursor);
	if (ws->prefix)
		curs_set(0);
	else
		kd_screen_render_place_cursor(ws->content, &cursor);
	wrefresh(ws->content);
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

	if (ws->ended)
		return;
	set_term(ws->screen);
	if (ioctl(fileno(ws->out), TIOCGWINSZ, &ws_size) == 0 && ws_size.ws_row && ws_size.ws_col)
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

/* ---------------------------------------------------------------- host device actions */

static void filter_done(struct kd_workstation *ws, bool accepted, const char *text)
{
	kd_hostdevs_view_set_filter(ws->hostview, accepted ? text : ws->modal_arg ? "" : "");
	if (!accepted)
		kd_hostdevs_view_set_filter(ws->hostview, "");
}

static void confirmed_command(struct kd_workstation *ws, bool yes, const char *text)
{
	if (yes)
		ws_run(ws, "%s", ws->modal_arg);
	else
		ws_message(ws, false, _("nothing done"));
}

/* Runs line after a y/n question. */
static void confirm_command(struct kd_workstation *ws, const char *question, const char *line)
{
	g_autofree char *prompt = g_strdup_printf(_("%s (y/n) "), question);

	ws_ask(ws, WS_MODAL_CONFIRM, prompt, NULL, line, NULL);
	/* ws_ask keeps line in modal_arg; the callback reads it before it is replaced. */
	ws->modal_done = confirmed_command;
}

/* The id a hot-added host device gets: its place in the settings. */
static char *hostdev_id(const struct kd_vmdef *def, const char *address)
{
	for (unsigned i = 0; i < KD_VMDEF_MAX_HOSTDEVS; i++) {
		g_autofree char *have =
			def->hostdev[i] ? kd_pci_address_normalize(def->hostdev[i]) : NULL;

		if (have && !strcmp(have, address))
			return g_strdup_printf("hostdev%u", i);
	}
	return NULL;
}

static bool in_settings(const struct kd_vmdef *def, const char *address)
{
	g_autofree char *id = hostdev_id(def, address);

	return id != NULL;
}

/* The same path hot and cold, in reverse: out of the running guest (it ejects the card),
 * then out of the settings. */
static void detach_done(struct kd_workstation *ws, bool yes, const char *text)
{
	g_autofree char *addr = g_strdup(ws->modal_arg);
	g_autofree char *normal = kd_pci_address_normalize(addr);
	g_autofree char *id = normal ? hostdev_id(ws->def, normal) : NULL;

	if (!yes || !id) {
		ws_message(ws, false, _("nothing done"));
		return;
	}
	if (ws->session && !ws_run(ws, "device_del %s", id))
		return;
	ws_run(ws, "vm_hostdev del %s", addr);
}

static void hostdevs_action(struct kd_workstation *ws, const struct kd_tui_key *key)
{
	struct kd_hostdev *dev = kd_hostdevs_view_selected(ws->hostview);
	const char *addr = dev ? kd_pci_address_short(dev->address) : NULL;
	g_autofree char *question = NULL;

	if (!dev && key->action != KD_ACT_FILTER && key->action != KD_ACT_RESCAN) {
		ws_message(ws, true, _("no device selected"));
		return;
	}
	switch (key->action) {
	case KD_ACT_ASSIGN:
		if (in_settings(ws->def, dev->address)) {
			ws_message(ws, true, _("%s is in VM '%s' already"), addr, ws->def->name);
			return;
		}
		/* The same path cold and hot: into the settings, then into the running VM. */
		if (!ws_run(ws, "vm_hostdev add %s", addr) || !ws->session)
			break;
		{
			g_autofree char *id = hostdev_id(ws->def, dev->address);

			if (!ws_run(ws, "device_add vfio-pci,host=%s,id=%s", addr, id))
				ws_run(ws, "vm_hostdev del %s", addr);
		}
		break;
	case KD_ACT_DETACH: {
		g_autofree char *id = hostdev_id(ws->def, dev->address);

		if (!id) {
			ws_message(ws, true, _("%s is not in VM '%s'"), addr, ws->def->name);
			return;
		}
		question = ws->session
				   ? g_strdup_printf(_("Hot-remove %s from the running VM '%s'?"),
						     addr, ws->def->name)
				   : g_strdup_printf(_("Remove %s from VM '%s'?"), addr,
						     ws->def->name);
		{
			g_autofree char *prompt = g_strdup_printf(_("%s (y/n) "), question);

			ws_ask(ws, WS_MODAL_CONFIRM, prompt, NULL, addr, detach_done);
		}
		break;
	}
	case KD_ACT_BIND: {
		g_autofree char *line = g_strdup_printf("host_bind %s", addr);

		question = g_strdup_printf(_("Give %s (and its IOMMU group) to vfio-pci? The host "
					     "driver %s lets go of it."),
					   addr, dev->driver ? dev->driver : _("(none)"));
		confirm_command(ws, question, line);
		break;
	}
	case KD_ACT_RESTORE: {
		g_autofree char *line = g_strdup_printf("host_restore %s", addr);

		question = g_strdup_printf(_("Give %s back to its host driver?"), addr);
		confirm_command(ws, question, line);
		break;
	}
	case KD_ACT_FILTER:
		ws_ask(ws, WS_MODAL_INPUT, _("Filter:"), kd_hostdevs_view_filter(ws->hostview),
		       "filter", filter_done);
		break;
	case KD_ACT_RESCAN:
		if (ws_rescan_host(ws))
			ws_message(ws, false, _("%u devices"),
				   kd_hostdevs_view_count(ws->hostview));
		else
			ws_message(ws, true, "%s", ws->host_error);
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------- keys */

static void show(struct kd_workstation *ws, enum kd_tui_screen screen)
{
	if (ws->current != screen)
		ws->need_full = true;
	ws->current = screen;
	ws->settings_top = screen == KD_TUI_HELP ? 0 : ws->settings_top;
	ws->prefix = false;
}

static void quit_done(struct kd_workstation *ws, bool yes, const char *text)
{
	if (!yes) {
		ws_message(ws, false, _("nothing done"));
		return;
	}
	ws_run(ws, "quit");
}

static void quit(struct kd_workstation *ws)
{
	g_autofree char *question = NULL;

	if (!ws->session) {
		ws_run(ws, "quit");
		return;
	}
	question = g_strdup_printf(_("VM '%s' is %s. Quit and stop it? (y/n) "),
				   kd_session_name(ws->session), ws_vm_state(ws));
	ws_ask(ws, WS_MODAL_CONFIRM, question, NULL, NULL, quit_done);
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
		show(ws, KD_TUI_HELP);
		break;
	case KD_ACT_SHOW_HOSTDEVS:
		show(ws, KD_TUI_HOSTDEVS);
		break;
	case KD_ACT_SHOW_SETTINGS:
		show(ws, KD_TUI_SETTINGS);
		break;
	case KD_ACT_SHOW_CONSOLE:
	case KD_ACT_SHOW_SERIAL:
		show(ws, KD_TUI_CONSOLE);
		/* The display unless there is none; Alt+3 the serial port. */
		ws->console_serial =
			key->action == KD_ACT_SHOW_SERIAL ||
			(ws->session && !kd_session_machine(ws->session)->display && ws->serial);
		ws->need_full = true;
		break;
	case KD_ACT_SHOW_MONITOR:
		show(ws, KD_TUI_MONITOR);
		break;
	case KD_ACT_QUIT:
		quit(ws);
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
		hostdevs_action(ws, key);
		break;
	case KD_ACT_ESCAPE:
		ws->prefix = true;
		break;
	default:
		ws_settings_action(ws, key->action);
		break;
	}
}

/* The key after the console's escape key. */
static void console_prefix_key(struct kd_workstation *ws, const struct kd_tui_keypress *k)
{
	ws->prefix = false;
	if (k->keycode && k->code >= KEY_F(1) && k->code <= KEY_F(12)) {
		kd_guest_keys_code(ws->keys, k->code);
		return;
	}
	if (k->keycode)
		return;
	if (k->code == ws->options.escape_char || k->code == 'a' || k->code == 'A') {
		/* The escape key twice (or then a) sends it, as in screen. */
		uint8_t c = (uint8_t)ws->options.escape_char;

		if (ws->console_serial)
			kd_chardev_send_input(ws->serial_chr, &c, 1);
		else
			kd_guest_keys_char(ws->keys, (wint_t)ws->options.escape_char, 0);
		return;
	}
	switch (k->code) {
	case 'q':
	case 'Q':
		quit(ws);
		break;
	case '1':
		show(ws, KD_TUI_CONSOLE);
		break;
	case '2':
		show(ws, KD_TUI_MONITOR);
		break;
	case '?':
	case 'h':
		show(ws, KD_TUI_HELP);
		break;
	default:
		break;
	}
}

static void console_key(struct kd_workstation *ws, const struct kd_tui_keypress *k)
{
	if (ws->prefix) {
		console_prefix_key(ws, k);
		return;
	}
	if (!k->keycode && k->code == ws->options.escape_char && !k->alt) {
		ws->prefix = true;
		return;
	}
	if (!ws->session) {
		/* Nothing to type into: the settings' keys work here too, so s starts the VM. */
		if (!k->keycode && k->code == 's')
			ws_settings_action(ws, KD_ACT_START);
		return;
	}
	ws->console_hint = false;
	if (ws->console_serial) {
		uint8_t bytes[8];
		size_t n = kd_serial_view_key_bytes(k->code, k->keycode, k->alt, bytes);

		if (n)
			kd_chardev_send_input(ws->serial_chr, bytes, n);
		return;
	}
	if (k->keycode)
		kd_guest_keys_code(ws->keys, k->code);
	else
		kd_guest_keys_char(ws->keys, (wint_t)k->code, k->alt ? KD_KEYMAP_ALT : 0);
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
		console_prefix_key(ws, k);
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
		console_key(ws, k);
	else if (ws->current == KD_TUI_MONITOR)
		kd_monitor_pane_key(ws->pane, (wint_t)k->code, k->keycode);
}

static gboolean on_input(gint fd, GIOCondition condition, gpointer data)
{
	struct kd_workstation *ws = data;
	bool got = false, esc = false;
	wint_t ch;
	int type;

	if (ws->ended) {
		ws->input_source = 0;
		return G_SOURCE_REMOVE;
	}
	set_term(ws->screen);
	while (!ws->quitting && (type = wget_wch(stdscr, &ch)) != ERR) {
		struct kd_tui_keypress k = { (int)ch, type == KEY_CODE_YES, false };

		got = true;
		/* Terminals send Alt+key as ESC and the key in one go; a lone ESC is Escape. */
		if (esc) {
			esc = false;
			if (!k.keycode && ch != 0x1B) {
				k.alt = true;
				key_typed(ws, &k);
				continue;
			}
			key_typed(ws, &(struct kd_tui_keypress){ 0x1B, false, false });
		}
		if (!k.keycode && ch == 0x1B)
			esc = true;
		else
			key_typed(ws, &k);
	}
	if (esc && !ws->quitting)
		key_typed(ws, &(struct kd_tui_keypress){ 0x1B, false, false });
	if (!got && (condition & (G_IO_HUP | G_IO_ERR))) {
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
	if (ws->ended || !ws->screen)
		return;
	set_term(ws->screen);
	curs_set(1);
	endwin();
	ws->ended = true;
	curses_active = 0;
}

static bool open_terminal(struct kd_workstation *ws, GError **err)
{
	int found = 0;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			    _("the workstation needs a terminal on standard input and output; "
			      "give VM options to run a VM without it (see --help)"));
		return false;
	}
	ws->in = fdopen(dup(STDIN_FILENO), "r");
	ws->out = fdopen(dup(STDOUT_FILENO), "w");
	if (!ws->in || !ws->out) {
		g_set_error(err, G_IO_ERROR, g_io_error_from_errno(errno),
			    _("cannot open the terminal: %s"), g_strerror(errno));
		return false;
	}
	if (setupterm(NULL, fileno(ws->out), &found) == OK)
		del_curterm(cur_term);
	if (found == 1)
		ws->screen = newterm(NULL, ws->out, ws->in);
	if (!ws->screen) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			    _("the terminal type '%s' is not in the terminfo database; set TERM "
			      "to one that is (e.g. xterm-256color)"),
			    g_getenv("TERM") ? g_getenv("TERM") : "");
		return false;
	}
	set_term(ws->screen);
	curses_active = 1;
	if (has_colors() && !ws->options.monochrome)
		start_color();
	raw();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(ESC_DELAY_MS);
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
		g_unix_fd_add(fileno(ws.in), G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, &ws);
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
	if (ws.screen)
		delscreen(ws.screen);
	if (ws.in)
		fclose(ws.in);
	if (ws.out)
		fclose(ws.out);
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
