/*
 * What the workstation's files share: the state, and the functions its screens call.
 */
#ifndef KD_TUI_WORKSTATION_INTERNAL_H
#define KD_TUI_WORKSTATION_INTERNAL_H

#include <glib.h>
#include <stdbool.h>

#include "monitor/commands.h"
#include "tui/keys.h"
#include "tui/terminal.h"
#include "tui/theme.h"
#include "tui/workstation.h"

struct kd_host;
struct kd_hostdevs_view;
struct kd_monitor_pane;
struct kd_screen_render;
struct kd_guest_keys;
struct kd_session;
struct kd_vmdef;
struct kd_sdl_display;
struct kd_serial_view;
struct kd_chardev;

enum ws_modal {
	WS_MODAL_NONE,
	WS_MODAL_CONFIRM, /* y/n */
	WS_MODAL_INPUT, /* a line of text */
};

struct kd_workstation;
typedef void (*ws_modal_done_fn)(struct kd_workstation *ws, bool accepted, const char *text);

struct kd_workstation {
	struct kd_workstation_options options;
	GMainLoop *loop;
	int status;
	bool quitting;

	/* the terminal */
	struct kd_terminal term;
	struct kd_theme theme;
	WINDOW *content; /* between the title row and the message row */
	int hint_rows; /* 1 or 2 at the bottom */
	guint input_source, winch_source, signal_sources[3];
	enum kd_tui_screen current;
	bool need_full; /* the content was drawn over: the console draws everything */

	/* the host */
	struct kd_host *host;
	char *host_error;
	struct kd_hostdevs_view *hostview;
	bool detail_only_hint;

	/* the VM */
	char *vm_dir;
	struct kd_vmdef *def;
	bool def_builtin; /* the demo, not saved yet */
	struct kd_session *session;
	struct kd_sdl_display *sdl;
	int settings_row;
	int settings_top;

	/* the console */
	struct kd_screen_render *render;
	unsigned listener;
	struct kd_guest_keys *keys;
	bool prefix; /* the escape key was typed: the next key is for kvmdesk */
	bool console_hint; /* shown until the first key reaches the guest */
	bool console_serial; /* the console shows the first serial port, not the display */
	struct kd_serial_view *serial;
	struct kd_chardev *serial_chr; /* the running VM's COM1 when it is a "vc", or NULL */

	/* the monitor */
	struct kd_monitor_context mctx;
	struct kd_monitor_pane *pane;

	/* a question or a line of text in the bottom row */
	enum ws_modal modal;
	char *modal_prompt;
	GString *modal_text;
	ws_modal_done_fn modal_done;
	char *modal_arg;

	/* the last outcome, shown above the hint bar until the next key */
	char *message;
	bool message_error;
};

/* Runs a monitor command as if typed, shows it in the monitor log and its outcome in the
 * message row. Returns whether it succeeded. */
bool ws_run(struct kd_workstation *ws, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void ws_message(struct kd_workstation *ws, bool error, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void ws_ask(struct kd_workstation *ws, enum ws_modal kind, const char *prompt, const char *text,
	    const char *arg, ws_modal_done_fn done);
void ws_redraw(struct kd_workstation *ws);
/* Runs command after a y/n question ("... (y/n)" is added). */
void ws_confirm(struct kd_workstation *ws, const char *question, const char *command);

static inline int ws_text_width(const char *text)
{
	return (int)g_utf8_strlen(text, -1);
}

/* workstation.c */
void ws_show(struct kd_workstation *ws, enum kd_tui_screen screen);
/* Quits, asking first while a VM runs. */
void ws_quit(struct kd_workstation *ws);

/* ws-hostdevs.c: the host devices screen. */
void ws_hostdevs_draw(struct kd_workstation *ws, WINDOW *win);
void ws_hostdevs_action(struct kd_workstation *ws, const struct kd_tui_key *key);

/* ws-console.c: the guest's screen or COM1, and the keys typed into it. */
struct kd_screen_cursor;
void ws_console_draw(struct kd_workstation *ws, WINDOW *win, struct kd_screen_cursor *cursor);
void ws_console_key(struct kd_workstation *ws, const struct kd_tui_keypress *k);
/* The key after the console's escape key. */
void ws_console_prefix_key(struct kd_workstation *ws, const struct kd_tui_keypress *k);

/* ws-commands.c: the workstation's own monitor commands. */
extern const struct kd_monitor_command kd_ws_commands[];
extern const struct kd_monitor_command kd_ws_info_commands[];
void kd_ws_complete(void *opaque, const char *command, unsigned argn, const char *word,
		    GPtrArray *out);
/* The VM's life, also used by the keys. */
void ws_vm_ended(void *opaque);
void ws_vm_started(struct kd_workstation *ws);
void ws_vm_stopped(struct kd_workstation *ws);
/* The definition shown (loading or building the demo). */
bool ws_select_vm(struct kd_workstation *ws, const char *name, GError **err);
struct kd_vmdef *ws_demo_vmdef(const struct kd_workstation *ws);
bool ws_rescan_host(struct kd_workstation *ws);

/* ws-settings.c: the VM settings screen. */
void ws_settings_draw(struct kd_workstation *ws, WINDOW *win);
void ws_settings_action(struct kd_workstation *ws, enum kd_tui_action action);
/* The VM's state in a word: "stopped", "running", "paused". */
const char *ws_vm_state(const struct kd_workstation *ws);

#endif
