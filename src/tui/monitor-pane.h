/*
 * The workstation's monitor pane: a scrollback of monitor output above a "(qemu) " input line
 * edited by GNU readline (history, Ctrl+R search, Tab completion) that runs inside an ncurses
 * window and never touches the terminal itself (monitor-pane.c).
 *
 * GNU readline is one global state, so only one pane may exist at a time; kd_monitor_pane_new
 * takes readline over and kd_monitor_pane_free gives it back as it was.
 */
#ifndef KD_TUI_MONITOR_PANE_H
#define KD_TUI_MONITOR_PANE_H

#include <glib.h>
#include <stdbool.h>
#include <wchar.h>

#include "tui/theme.h"

struct kd_monitor_pane;

/* Runs a typed line; output (may be empty, may hold several lines) goes to out. Must not free
 * the pane (readline is inside its line handler): set a flag and free it afterwards. */
typedef void (*kd_monitor_pane_run_fn)(void *opaque, const char *line, GString *out);
/* Completion candidates for the last word of line (what precedes the cursor), newly allocated
 * strings; *files when the word is a file name (then readline's filename completion is used).
 * May return NULL. */
typedef GPtrArray *(*kd_monitor_pane_complete_fn)(void *opaque, const char *line, bool *files);

/* Only one pane may exist at a time (GNU readline has one state). history_file: loaded now and
 * written at free (NULL: no file; its directory is created when missing); at most 1000 entries
 * kept. complete may be NULL (no completion). */
struct kd_monitor_pane *kd_monitor_pane_new(kd_monitor_pane_run_fn run,
					    kd_monitor_pane_complete_fn complete, void *opaque,
					    const char *history_file);
void kd_monitor_pane_free(struct kd_monitor_pane *p);

/* Appends text to the scrollback (lines split at '\n'; a missing final newline ends the line
 * all the same), e.g. the banner or a message. The scrollback keeps the last 5000 lines. The
 * view follows new text while it is at the bottom; scrolled back, it stays on what it shows. */
void kd_monitor_pane_print(struct kd_monitor_pane *p, const char *text);
/* A command that a workstation action ran: shows "(qemu) LINE" then its output, exactly as if
 * typed, and adds LINE to the history, so users learn the command line. output may be NULL. */
void kd_monitor_pane_log_command(struct kd_monitor_pane *p, const char *line, const char *output);

/* A key from ncurses' wget_wch: keycode when it returned KEY_CODE_YES. Editing keys go to
 * readline (arrows, Home, End, Backspace, Delete as the ANSI sequences readline binds; other
 * characters as their UTF-8 bytes); Enter runs the line; PageUp/PageDown and Shift+Up/Down
 * scroll the scrollback. Escape is held as a prefix: followed by a character it makes Alt+that
 * character (Alt+B, Alt+F...), followed by anything else it is dropped, so readline is never
 * left waiting for the rest of a sequence. Returns true when the key was used. */
bool kd_monitor_pane_key(struct kd_monitor_pane *p, wint_t ch, bool keycode);
/* Whether something changed since the last draw. */
bool kd_monitor_pane_dirty(const struct kd_monitor_pane *p);
/* Draws the scrollback (long lines wrapped) above the input line (the last row of win: prompt
 * and line, scrolled sideways so the cursor is visible) into win, with a marker when the view
 * is scrolled back; *cursor_y, *cursor_x: where the terminal cursor belongs in win. No
 * refresh. */
void kd_monitor_pane_draw(struct kd_monitor_pane *p, WINDOW *win, const struct kd_theme *theme,
			  int *cursor_y, int *cursor_x);

/* For tests: the scrollback (all lines, '\n'-joined, newly allocated) and the input line. */
char *kd_monitor_pane_scrollback(const struct kd_monitor_pane *p);
const char *kd_monitor_pane_input(const struct kd_monitor_pane *p);
/* How many display rows the view is scrolled back (0: at the bottom). */
unsigned kd_monitor_pane_scrolled(const struct kd_monitor_pane *p);

#endif
