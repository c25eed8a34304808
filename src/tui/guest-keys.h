/*
 * Keys typed on the terminal for the guest's PS/2 keyboard: ncurses' characters and key codes
 * turned into scan code set 2 taps (US layout), queued and handed to the i8042 one every
 * KD_GUEST_KEYS_INTERVAL_MS so that a paste cannot overflow its queue (a lost break code
 * would leave a key held down in the guest). Shared by `-display curses` and the
 * workstation's console.
 *
 * Main thread only; create it while the terminal's SCREEN is current (set_term), since the
 * modified cursor keys are looked up in its terminfo entry.
 */
#ifndef KD_TUI_GUEST_KEYS_H
#define KD_TUI_GUEST_KEYS_H

#include <stdbool.h>
#include <wchar.h>

#include "hw/keymap.h"

#define KD_GUEST_KEYS_INTERVAL_MS 10

struct kd_machine;
struct kd_guest_keys;

struct kd_guest_keys *kd_guest_keys_new(void);
void kd_guest_keys_free(struct kd_guest_keys *gk);
/* The machine whose keyboard gets the keys; NULL drops what is queued. */
void kd_guest_keys_set_machine(struct kd_guest_keys *gk, struct kd_machine *m);
void kd_guest_keys_send(struct kd_guest_keys *gk, enum kd_key key, unsigned modifiers);
/* A character from wget_wch (modifiers: KD_KEYMAP_ALT when it came after an ESC). Characters
 * a US keyboard has no key for are dropped. */
void kd_guest_keys_char(struct kd_guest_keys *gk, wint_t ch, unsigned modifiers);
/* A key code from wget_wch (KEY_CODE_YES); false when it means nothing to a PC keyboard. */
bool kd_guest_keys_code(struct kd_guest_keys *gk, int code);

#endif
