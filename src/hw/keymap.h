/*
 * The PC keyboard as its consumers see it: PS/2 scan code set 2 make codes for every key of a
 * US 105-key keyboard, and the ways to reach them (QEMU's key names for the monitor's sendkey,
 * USB HID usages for windowed displays, ASCII for terminals). Codes follow Microsoft's
 * "Keyboard Scan Code Specification" rev. 1.3a, appendix C (set 2 column).
 *
 * Pure data and helpers, no device state: the bytes are sent with kd_i8042_put_keycode().
 */
#ifndef KD_HW_KEYMAP_H
#define KD_HW_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A set 2 make code; 0xE0xx is the byte xx after an 0xE0 prefix. */
enum kd_key {
	KD_KEY_NONE = 0,
	KD_KEY_A = 0x1C,
	KD_KEY_B = 0x32,
	KD_KEY_C = 0x21,
	KD_KEY_D = 0x23,
	KD_KEY_E = 0x24,
	KD_KEY_F = 0x2B,
	KD_KEY_G = 0x34,
	KD_KEY_H = 0x33,
	KD_KEY_I = 0x43,
	KD_KEY_J = 0x3B,
	KD_KEY_K = 0x42,
	KD_KEY_L = 0x4B,
	KD_KEY_M = 0x3A,
	KD_KEY_N = 0x31,
	KD_KEY_O = 0x44,
	KD_KEY_P = 0x4D,
	KD_KEY_Q = 0x15,
	KD_KEY_R = 0x2D,
	KD_KEY_S = 0x1B,
	KD_KEY_T = 0x2C,
	KD_KEY_U = 0x3C,
	KD_KEY_V = 0x2A,
	KD_KEY_W = 0x1D,
	KD_KEY_X = 0x22,
	KD_KEY_Y = 0x35,
	KD_KEY_Z = 0x1A,
	KD_KEY_1 = 0x16,
	KD_KEY_2 = 0x1E,
	KD_KEY_3 = 0x26,
	KD_KEY_4 = 0x25,
	KD_KEY_5 = 0x2E,
	KD_KEY_6 = 0x36,
	KD_KEY_7 = 0x3D,
	KD_KEY_8 = 0x3E,
	KD_KEY_9 = 0x46,
	KD_KEY_0 = 0x45,
	KD_KEY_F1 = 0x05,
	KD_KEY_F2 = 0x06,
	KD_KEY_F3 = 0x04,
	KD_KEY_F4 = 0x0C,
	KD_KEY_F5 = 0x03,
	KD_KEY_F6 = 0x0B,
	KD_KEY_F7 = 0x83,
	KD_KEY_F8 = 0x0A,
	KD_KEY_F9 = 0x01,
	KD_KEY_F10 = 0x09,
	KD_KEY_F11 = 0x78,
	KD_KEY_F12 = 0x07,
	KD_KEY_ESC = 0x76,
	KD_KEY_MINUS = 0x4E,
	KD_KEY_EQUAL = 0x55,
	KD_KEY_BACKSPACE = 0x66,
	KD_KEY_TAB = 0x0D,
	KD_KEY_BRACKET_LEFT = 0x54,
	KD_KEY_BRACKET_RIGHT = 0x5B,
	KD_KEY_ENTER = 0x5A,
	KD_KEY_SEMICOLON = 0x4C,
	KD_KEY_APOSTROPHE = 0x52,
	KD_KEY_GRAVE = 0x0E,
	KD_KEY_BACKSLASH = 0x5D,
	KD_KEY_COMMA = 0x41,
	KD_KEY_DOT = 0x49,
	KD_KEY_SLASH = 0x4A,
	KD_KEY_SPACE = 0x29,
	KD_KEY_CAPS_LOCK = 0x58,
	KD_KEY_NUM_LOCK = 0x77,
	KD_KEY_SCROLL_LOCK = 0x7E,
	KD_KEY_SHIFT = 0x12,
	KD_KEY_SHIFT_R = 0x59,
	KD_KEY_CTRL = 0x14,
	KD_KEY_CTRL_R = 0xE014,
	KD_KEY_ALT = 0x11,
	KD_KEY_ALT_R = 0xE011,
	KD_KEY_META_L = 0xE01F,
	KD_KEY_META_R = 0xE027,
	KD_KEY_MENU = 0xE02F,
	KD_KEY_LESS = 0x61, /* the 102nd key of ISO keyboards, left of Z */
	KD_KEY_KP_MULTIPLY = 0x7C,
	KD_KEY_KP_DIVIDE = 0xE04A,
	KD_KEY_KP_SUBTRACT = 0x7B,
	KD_KEY_KP_ADD = 0x79,
	KD_KEY_KP_ENTER = 0xE05A,
	KD_KEY_KP_DECIMAL = 0x71,
	KD_KEY_KP_0 = 0x70,
	KD_KEY_KP_1 = 0x69,
	KD_KEY_KP_2 = 0x72,
	KD_KEY_KP_3 = 0x7A,
	KD_KEY_KP_4 = 0x6B,
	KD_KEY_KP_5 = 0x73,
	KD_KEY_KP_6 = 0x74,
	KD_KEY_KP_7 = 0x6C,
	KD_KEY_KP_8 = 0x75,
	KD_KEY_KP_9 = 0x7D,
	KD_KEY_INSERT = 0xE070,
	KD_KEY_DELETE = 0xE071,
	KD_KEY_HOME = 0xE06C,
	KD_KEY_END = 0xE069,
	KD_KEY_PGUP = 0xE07D,
	KD_KEY_PGDN = 0xE07A,
	KD_KEY_UP = 0xE075,
	KD_KEY_DOWN = 0xE072,
	KD_KEY_LEFT = 0xE06B,
	KD_KEY_RIGHT = 0xE074,
	/* Print Screen's own code; the fake shifts a real keyboard wraps around it are left out,
	 * as QEMU's "sysrq" does. */
	KD_KEY_SYSRQ = 0xE07C,
};

/* Modifiers held around a key by kd_keymap_tap(). */
enum kd_keymap_modifier {
	KD_KEYMAP_SHIFT = 1 << 0,
	KD_KEYMAP_CTRL = 1 << 1,
	KD_KEYMAP_ALT = 1 << 2,
};

/* Longest output of kd_keymap_put() and kd_keymap_tap(). */
#define KD_KEYMAP_PUT_MAX 3
#define KD_KEYMAP_TAP_MAX (4 * 2 * KD_KEYMAP_PUT_MAX)

struct kd_keymap_name {
	const char *name;
	enum kd_key key;
};

/* QEMU's key names ("a", "f1", "ctrl", "kp_enter", ...), case-insensitive; NULL if unknown. */
const struct kd_keymap_name *kd_keymap_find(const char *name);
/* The i-th entry of the name table, NULL past its end (for completion and help). */
const struct kd_keymap_name *kd_keymap_name_at(size_t i);

/* Writes the make (release == false) or break bytes of key to out (at most
 * KD_KEYMAP_PUT_MAX); returns their number. */
size_t kd_keymap_put(uint8_t *out, enum kd_key key, bool release);
/* A key pressed and released while the modifiers (enum kd_keymap_modifier) are held: their
 * makes, the key's make and break, their breaks in reverse order. At most KD_KEYMAP_TAP_MAX
 * bytes; returns their number. */
size_t kd_keymap_tap(uint8_t *out, enum kd_key key, unsigned modifiers);

/* The key and modifiers that type the ASCII character c on a US keyboard (control characters
 * other than tab, return, backspace and escape as Ctrl combinations). false if none does. */
bool kd_keymap_from_ascii(unsigned char c, enum kd_key *key, unsigned *modifiers);

/* The key of a USB HID usage of the keyboard page (0x07), which SDL's scancodes are;
 * KD_KEY_NONE when there is none. */
enum kd_key kd_keymap_from_hid(unsigned usage);

#endif
