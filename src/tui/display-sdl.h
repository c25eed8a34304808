/*
 * `-display sdl`: the guest's screen in an SDL2 window (built when configure found SDL2,
 * HAVE_SDL). The picture is scaled to the window, which the user may resize, keeping its
 * aspect with black bars; keys pressed in the window go to the guest's PS/2 keyboard as scan
 * code set 2, by key position (a US layout in the guest types what the keycaps say).
 * Ctrl+Alt+G grabs the keyboard (so the desktop's own shortcuts reach the guest) and releases
 * it. Closing the window asks the owner to quit.
 *
 * Main thread only; SDL's events are polled from the GLib main loop.
 */
#ifndef KD_TUI_DISPLAY_SDL_H
#define KD_TUI_DISPLAY_SDL_H

#include <glib.h>

struct kd_machine;
struct kd_display;
struct kd_sdl_display;

/* As in display-curses.h (C11 allows the same typedef twice). */
typedef void (*kd_display_quit_fn)(void *opaque);

struct kd_sdl_display *kd_sdl_display_new(struct kd_machine *m, struct kd_display *display,
					  kd_display_quit_fn quit, void *opaque, GError **err);
/* Closes the window. NULL is fine. */
void kd_sdl_display_free(struct kd_sdl_display *sd);

/* The window size for a picture of width x height: twice its size when it is small (320x200,
 * 640x400), else its size; shrunk keeping the aspect to fit max_w x max_h (when > 0); 640x480
 * without a picture. */
void kd_sdl_display_window_size(unsigned width, unsigned height, int max_w, int max_h, int *w,
				int *h);

#endif
