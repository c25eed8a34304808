/*
 * The workstation's VM life and console: starting and ending the session's display, keyboard
 * and serial port hookups, drawing the guest's screen (or COM1), and the keys typed into it.
 */
#include "config.h"

#include <string.h>

#include "hw/chardev.h"
#include "hw/display.h"
#include "hw/machine.h"
#include "i18n.h"
#include "session.h"
#include "tui/guest-keys.h"
#include "tui/monitor-pane.h"
#include "tui/screen-render.h"
#include "tui/serial-view.h"
#include "tui/workstation-internal.h"
#ifdef HAVE_SDL
#include "tui/display-sdl.h"
#endif
#include "vm/vm.h"

#define REFRESH_MS 33 /* the console at 30 Hz at most */

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

static void on_frame(const struct kd_display_frame *frame, void *data)
{
	struct kd_workstation *ws = data;
	struct kd_screen_cursor cursor;

	if (ws->term.ended || ws->current != KD_TUI_CONSOLE || ws->modal != WS_MODAL_NONE)
		return;
	set_term(ws->term.screen);
	kd_screen_render_draw(ws->render, ws->content, frame, false, NULL, &cursor);
	if (ws->prefix)
		curs_set(0);
	else
		kd_screen_render_place_cursor(ws->content, &cursor);
	wrefresh(ws->content);
}

void ws_console_draw(struct kd_workstation *ws, WINDOW *win, struct kd_screen_cursor *cursor)
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
		mvwaddnstr(win, getmaxy(win) / 2, MAX(0, (getmaxx(win) - ws_text_width(msg)) / 2),
			   msg, getmaxx(win));
		wattrset(win, A_NORMAL);
		return;
	}
	kd_screen_render_draw(ws->render, win, kd_display_refresh(m->display, ws->need_full),
			      ws->need_full, NULL, cursor);
}

/* The key after the console's escape key. */
void ws_console_prefix_key(struct kd_workstation *ws, const struct kd_tui_keypress *k)
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
		ws_quit(ws);
		break;
	case '1':
		ws_show(ws, KD_TUI_CONSOLE);
		break;
	case '2':
		ws_show(ws, KD_TUI_MONITOR);
		break;
	case '?':
	case 'h':
		ws_show(ws, KD_TUI_HELP);
		break;
	default:
		break;
	}
}

void ws_console_key(struct kd_workstation *ws, const struct kd_tui_keypress *k)
{
	if (ws->prefix) {
		ws_console_prefix_key(ws, k);
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
