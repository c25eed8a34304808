/*
 * `-display curses`: the guest's screen on the whole terminal, as QEMU's curses display does.
 * The picture comes from a display (hw/display.h) through the screen renderer; keys typed on
 * the terminal go to the guest's PS/2 keyboard as scan code set 2 (US layout).
 *
 * Ctrl+A is the escape key, as in screen: then q quits kvmdesk, a sends a Ctrl+A to the guest,
 * r redraws the terminal. The key help shows in the last row when the guest's screen leaves it
 * free, while Ctrl+A waits for its second key, and for a few seconds after the start.
 *
 * Main thread only. Create it after g_unix_signal_add() for SIGINT/SIGTERM/SIGHUP, so that
 * ncurses leaves those signals to the main loop.
 */
#ifndef KD_TUI_DISPLAY_CURSES_H
#define KD_TUI_DISPLAY_CURSES_H

#include <glib.h>

struct kd_machine;
struct kd_display;
struct kd_curses_display;

/* Asks the owner to end the program (the user's quit key, a closed window or terminal); the
 * owner frees the display afterwards, from its main loop rather than inside the call.
 * Declared alike in display-sdl.h, as C11 allows. */
typedef void (*kd_display_quit_fn)(void *opaque);

/* Takes over the terminal on standard input and output. */
struct kd_curses_display *kd_curses_display_new(struct kd_machine *m, struct kd_display *display,
						kd_display_quit_fn quit, void *opaque,
						GError **err);
/* The same on another terminal: keys are read from in_fd, the screen written to out_fd (both
 * stay the caller's). For tests, on a pseudo-terminal. */
struct kd_curses_display *kd_curses_display_new_on(struct kd_machine *m, struct kd_display *display,
						   int in_fd, int out_fd, kd_display_quit_fn quit,
						   void *opaque, GError **err);
/* Gives the terminal back (ends curses mode) and frees everything. NULL is fine. */
void kd_curses_display_free(struct kd_curses_display *cd);
/* Gives the terminal back now, for an exit path that cannot wait for kd_curses_display_free
 * (the display then stops drawing and reading keys). Idempotent. */
void kd_curses_display_restore_terminal(struct kd_curses_display *cd);

#endif
