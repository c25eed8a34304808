/*
 * The workstation's keys: one table says which key does what on which screen; the key
 * dispatcher, the hint bar and the help screen are all made from it, so help never drifts
 * from behaviour.
 */
#ifndef KD_TUI_KEYS_H
#define KD_TUI_KEYS_H

#include <glib.h>
#include <stdbool.h>

enum kd_tui_screen {
	KD_TUI_HELP,
	KD_TUI_HOSTDEVS,
	KD_TUI_SETTINGS,
	KD_TUI_CONSOLE,
	KD_TUI_MONITOR,
	KD_TUI_NSCREENS,
};

#define KD_TUI_ON(screen) (1u << (screen))
#define KD_TUI_EVERYWHERE ((1u << KD_TUI_NSCREENS) - 1)
/* Screens where letters are commands (not text for the guest or the monitor's line). */
#define KD_TUI_LETTER_SCREENS                                                                      \
	(KD_TUI_ON(KD_TUI_HELP) | KD_TUI_ON(KD_TUI_HOSTDEVS) | KD_TUI_ON(KD_TUI_SETTINGS))

enum kd_tui_action {
	KD_ACT_NONE,
	KD_ACT_SHOW_HELP,
	KD_ACT_SHOW_HOSTDEVS,
	KD_ACT_SHOW_SETTINGS,
	KD_ACT_SHOW_CONSOLE,
	KD_ACT_SHOW_MONITOR,
	KD_ACT_SHOW_SERIAL,
	KD_ACT_QUIT,
	KD_ACT_UP,
	KD_ACT_DOWN,
	KD_ACT_PAGE_UP,
	KD_ACT_PAGE_DOWN,
	KD_ACT_HOME,
	KD_ACT_END,
	KD_ACT_DETAIL_UP,
	KD_ACT_DETAIL_DOWN,
	KD_ACT_ASSIGN,
	KD_ACT_DETACH,
	KD_ACT_BIND,
	KD_ACT_RESTORE,
	KD_ACT_FILTER,
	KD_ACT_RESCAN,
	KD_ACT_EDIT,
	KD_ACT_REMOVE,
	KD_ACT_START,
	KD_ACT_PAUSE,
	KD_ACT_RESET,
	KD_ACT_POWERDOWN,
	KD_ACT_FORCE_STOP,
	KD_ACT_NEXT_VM,
	KD_ACT_NEW_VM,
	KD_ACT_REDRAW,
	KD_ACT_ESCAPE, /* the console's prefix key: the next key is for kvmdesk */
};

/* A key as ncurses reports it: a character or a KEY_* code, with Alt when it came after an
 * ESC. */
struct kd_tui_keypress {
	int code;
	bool keycode; /* code is KEY_* (wget_wch gave KEY_CODE_YES) */
	bool alt;
};

struct kd_tui_key {
	unsigned screens; /* KD_TUI_ON() bits */
	struct kd_tui_keypress press;
	const char *label; /* as the hint bar and help show it: "F2", "a", "Alt+1" */
	const char *hint; /* a word for the hint bar, or NULL to leave it out there */
	const char *help; /* a sentence for the help screen */
	enum kd_tui_action action;
	/* Changes or takes away something the user may not want to lose: needs a y/n confirm
	 * (and is bound to a capital letter). */
	bool confirm;
};

/* The table, ended by an entry with label NULL. */
const struct kd_tui_key *kd_tui_keys(void);
/* The entry for a key on a screen, or NULL. */
const struct kd_tui_key *kd_tui_key_find(enum kd_tui_screen screen,
					 const struct kd_tui_keypress *press);
/* Which keys a hint row shows: those of every screen (F1-F5 ...), the screen's own, or both. */
#define KD_TUI_HINT_GLOBAL 1u
#define KD_TUI_HINT_LOCAL 2u
#define KD_TUI_HINT_ALL (KD_TUI_HINT_GLOBAL | KD_TUI_HINT_LOCAL)

/* A hint row for a screen in at most width columns: "F1 Help F2 Devices ..." as segments
 * (alternating label and word, translated); what does not fit is left out from the end.
 * *complete (may be NULL): everything fitted. */
GPtrArray *kd_tui_hint_segments(enum kd_tui_screen screen, unsigned which, int width,
				bool *complete);
/* How many hint rows (1 or 2) the screens need at width: one when every screen's keys fit in
 * a row, else the screen's own keys get a row above those of every screen. */
int kd_tui_hint_rows(int width);
/* The help screen's text: every screen's keys with their sentences (translated). */
char *kd_tui_help_text(void);
/* A screen's title, translated: "Host devices". */
const char *kd_tui_screen_title(enum kd_tui_screen screen);

#endif
