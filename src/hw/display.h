/*
 * The guest display as the engine hands it to its consumers (ARCHITECTURE.md, "display
 * interface"). A display adapter (the VGA core of the Cirrus GD5446) produces frames; the
 * ncurses console, the SDL2 window and `screendump` consume them.
 *
 * A frame is both things at once: in text modes the cell grid with attributes and cursor *and*
 * the pixels the CRT would show (glyphs from the guest's own font in plane 2), in graphics modes
 * the pixels only. A terminal draws the grid (or the pixels as half blocks), a window and
 * screendump draw the pixels, and nobody has to know how VGA works.
 *
 * Threads: frames are produced and read on the main thread only. kd_display_refresh() takes the
 * machine lock while the adapter reads its video memory and registers, so a frame is a
 * consistent snapshot that consumers read without any lock.
 */
#ifndef KD_HW_DISPLAY_H
#define KD_HW_DISPLAY_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct kd_vm;
struct kd_display;

enum kd_display_mode {
	KD_DISPLAY_OFF, /* no picture: screen blanked, not yet programmed, in reset */
	KD_DISPLAY_TEXT, /* cells + cursor (and their pixels) */
	KD_DISPLAY_GRAPHICS, /* pixels */
};

/* One character cell as VGA stores it: a code point of the guest's font (code page 437 for
 * the BIOS font) and its attribute byte: foreground in bits 0-3, background in bits 4-6, and
 * bit 7 either blink or a bright background (see text.blink). */
struct kd_display_cell {
	uint8_t ch;
	uint8_t attr;
};

struct kd_display_text {
	unsigned cols, rows;
	struct kd_display_cell *cells; /* rows * cols, row-major */
	/* Cursor cell and shape (scan lines start..end of char_height); not visible when it is
	 * off, outside the grid or its start is below its end. */
	unsigned cursor_col, cursor_row;
	bool cursor_visible;
	unsigned cursor_start, cursor_end, char_height;
	bool blink; /* attribute bit 7 blinks (true) or selects a bright background */
	/* The 16 attribute colours as the attribute controller and DAC make them, 0x00RRGGBB. */
	uint32_t palette[16];
};

struct kd_display_frame {
	enum kd_display_mode mode;
	uint64_t generation; /* incremented whenever anything below changed */
	/* Pixels of every mode (OFF: 0x0 or a black screen), 0x00RRGGBB, row-major, stride =
	 * width. width/height are what the guest programmed, at most KD_DISPLAY_MAX_*. */
	unsigned width, height;
	uint32_t *pixels;
	/* The part of pixels that changed since the last refresh (all of it after a mode or
	 * size change); empty (w == 0) when nothing did. */
	unsigned dirty_x, dirty_y, dirty_w, dirty_h;
	/* Valid in KD_DISPLAY_TEXT. text_changed: cells or cursor changed since last refresh. */
	struct kd_display_text text;
	bool text_changed;
};

#define KD_DISPLAY_MAX_WIDTH 2048
#define KD_DISPLAY_MAX_HEIGHT 1536

/* What an adapter implements. */
struct kd_display_ops {
	/* Brings frame up to date with the guest; full: redraw everything (consumer attached,
	 * screendump). Called with the machine lock held. Uses kd_display_frame_resize() and
	 * kd_display_frame_damage(); bumps nothing else. */
	void (*update)(void *opaque, struct kd_display_frame *frame, bool full);
	/* `info display`: the adapter, the mode, and for text modes cursor and rows. Machine
	 * lock held. */
	void (*describe)(void *opaque, const struct kd_display_frame *frame, GString *out);
};

struct kd_display *kd_display_new(struct kd_vm *vm, const char *name,
				  const struct kd_display_ops *ops, void *opaque);
void kd_display_free(struct kd_display *display);
const char *kd_display_name(const struct kd_display *display);

/* Adapter side (inside update): sets the mode and size (reallocating and clearing pixels and
 * cells when they change, which damages everything). cols/rows only in text mode. */
void kd_display_frame_resize(struct kd_display_frame *frame, enum kd_display_mode mode,
			     unsigned width, unsigned height, unsigned cols, unsigned rows);
/* Adds a rectangle (clipped to the frame) to the dirty area. */
void kd_display_frame_damage(struct kd_display_frame *frame, unsigned x, unsigned y, unsigned w,
			     unsigned h);

/* Consumer side: asks the adapter for the current picture (machine lock taken inside) and
 * returns the frame, valid until the next refresh. full: the caller will redraw everything. */
const struct kd_display_frame *kd_display_refresh(struct kd_display *display, bool full);

/* Consumers that want frames as they change register here; while at least one is registered,
 * the display refreshes itself from the main loop every interval_ms (cheap when nothing
 * changed: the adapter consults KVM's dirty log) and calls fn when the frame's generation moved.
 * Returns an id for kd_display_remove_listener. */
typedef void (*kd_display_listener_fn)(const struct kd_display_frame *frame, void *data);
unsigned kd_display_add_listener(struct kd_display *display, unsigned interval_ms,
				 kd_display_listener_fn fn, void *data);
void kd_display_remove_listener(struct kd_display *display, unsigned id);

/* Refreshes and appends the adapter's `info display` text. */
void kd_display_describe(struct kd_display *display, GString *out);

/* The Unicode character a code page 437 code shows (0x00 as space). */
gunichar kd_display_cp437(uint8_t ch);

/* Writes the frame's pixels as binary PPM (P6), as QEMU's screendump does. A frame with no
 * pixels (OFF before any mode) is written as 640x480 black. */
bool kd_display_write_ppm(const struct kd_display_frame *frame, const char *path, GError **err);

#endif
