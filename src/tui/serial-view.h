/*
 * A guest's serial port in the workstation's console: what the guest writes, as lines (a
 * teletype, not a terminal emulator: carriage return, backspace and tab move the cursor in the
 * line, escape sequences are dropped), and the keys typed as the bytes a terminal would send.
 */
#ifndef KD_TUI_SERIAL_VIEW_H
#define KD_TUI_SERIAL_VIEW_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/theme.h"

#define KD_SERIAL_VIEW_LINES 2000 /* kept; older ones go */
#define KD_SERIAL_VIEW_COLUMNS 1024 /* a longer line continues on the next */

struct kd_serial_view;

struct kd_serial_view *kd_serial_view_new(void);
void kd_serial_view_free(struct kd_serial_view *v);
/* Output of the guest. */
void kd_serial_view_feed(struct kd_serial_view *v, const uint8_t *data, size_t len);
/* The last lines, wrapped to the window, with the cursor after the last character. */
void kd_serial_view_draw(struct kd_serial_view *v, WINDOW *win, const struct kd_theme *theme,
			 int *cursor_y, int *cursor_x);
/* Every kept line, '\n'-joined: for tests. */
char *kd_serial_view_text(const struct kd_serial_view *v);
/* The bytes a VT100-style terminal sends for a key from wget_wch (keycode: KEY_CODE_YES):
 * Enter is CR, Backspace DEL, the cursor keys ESC [ A..D, characters as UTF-8. Returns how
 * many (0: the key means nothing on a serial line). out holds at least 8 bytes. */
size_t kd_serial_view_key_bytes(int code, bool keycode, bool alt, uint8_t *out);

#endif
