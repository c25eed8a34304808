/*
 * PS/2 scan code set 2 tables (see keymap.h): QEMU's key names, USB HID usages and US-layout
 * ASCII, all in terms of enum kd_key so each code is written down once.
 */
#include "config.h"

#include "hw/keymap.h"

#include <glib.h>

/* QEMU's names (qapi/ui.json QKeyCode), the ones its sendkey accepts. */
static const struct kd_keymap_name names[] = {
	{ "a", KD_KEY_A },
	{ "b", KD_KEY_B },
	{ "c", KD_KEY_C },
	{ "d", KD_KEY_D },
	{ "e", KD_KEY_E },
	{ "f", KD_KEY_F },
	{ "g", KD_KEY_G },
	{ "h", KD_KEY_H },
	{ "i", KD_KEY_I },
	{ "j", KD_KEY_J },
	{ "k", KD_KEY_K },
	{ "l", KD_KEY_L },
	{ "m", KD_KEY_M },
	{ "n", KD_KEY_N },
	{ "o", KD_KEY_O },
	{ "p", KD_KEY_P },
	{ "q", KD_KEY_Q },
	{ "r", KD_KEY_R },
	{ "s", KD_KEY_S },
	{ "t", KD_KEY_T },
	{ "u", KD_KEY_U },
	{ "v", KD_KEY_V },
	{ "w", KD_KEY_W },
	{ "x", KD_KEY_X },
	{ "y", KD_KEY_Y },
	{ "z", KD_KEY_Z },
	{ "1", KD_KEY_1 },
	{ "2", KD_KEY_2 },
	{ "3", KD_KEY_3 },
	{ "4", KD_KEY_4 },
	{ "5", KD_KEY_5 },
	{ "6", KD_KEY_6 },
	{ "7", KD_KEY_7 },
	{ "8", KD_KEY_8 },
	{ "9", KD_KEY_9 },
	{ "0", KD_KEY_0 },
	{ "f1", KD_KEY_F1 },
	{ "f2", KD_KEY_F2 },
	{ "f3", KD_KEY_F3 },
	{ "f4", KD_KEY_F4 },
	{ "f5", KD_KEY_F5 },
	{ "f6", KD_KEY_F6 },
	{ "f7", KD_KEY_F7 },
	{ "f8", KD_KEY_F8 },
	{ "f9", KD_KEY_F9 },
	{ "f10", KD_KEY_F10 },
	{ "f11", KD_KEY_F11 },
	{ "f12", KD_KEY_F12 },
	{ "esc", KD_KEY_ESC },
	{ "minus", KD_KEY_MINUS },
	{ "equal", KD_KEY_EQUAL },
	{ "backspace", KD_KEY_BACKSPACE },
	{ "tab", KD_KEY_TAB },
	{ "bracket_left", KD_KEY_BRACKET_LEFT },
	{ "bracket_right", KD_KEY_BRACKET_RIGHT },
	{ "ret", KD_KEY_ENTER },
	{ "semicolon", KD_KEY_SEMICOLON },
	{ "apostrophe", KD_KEY_APOSTROPHE },
	{ "grave_accent", KD_KEY_GRAVE },
	{ "backslash", KD_KEY_BACKSLASH },
	{ "comma", KD_KEY_COMMA },
	{ "dot", KD_KEY_DOT },
	{ "slash", KD_KEY_SLASH },
	{ "spc", KD_KEY_SPACE },
	{ "caps_lock", KD_KEY_CAPS_LOCK },
	{ "num_lock", KD_KEY_NUM_LOCK },
	{ "scroll_lock", KD_KEY_SCROLL_LOCK },
	{ "shift", KD_KEY_SHIFT },
	{ "shift_r", KD_KEY_SHIFT_R },
	{ "ctrl", KD_KEY_CTRL },
	{ "ctrl_r", KD_KEY_CTRL_R },
	{ "alt", KD_KEY_ALT },
	{ "alt_r", KD_KEY_ALT_R },
	{ "altgr", KD_KEY_ALT_R },
	{ "meta_l", KD_KEY_META_L },
	{ "meta_r", KD_KEY_META_R },
	{ "menu", KD_KEY_MENU },
	{ "less", KD_KEY_LESS },
	{ "asterisk", KD_KEY_KP_MULTIPLY },
	{ "kp_multiply", KD_KEY_KP_MULTIPLY },
	{ "kp_divide", KD_KEY_KP_DIVIDE },
	{ "kp_subtract", KD_KEY_KP_SUBTRACT },
	{ "kp_add", KD_KEY_KP_ADD },
	{ "kp_enter", KD_KEY_KP_ENTER },
	{ "kp_decimal", KD_KEY_KP_DECIMAL },
	{ "kp_0", KD_KEY_KP_0 },
	{ "kp_1", KD_KEY_KP_1 },
	{ "kp_2", KD_KEY_KP_2 },
	{ "kp_3", KD_KEY_KP_3 },
	{ "kp_4", KD_KEY_KP_4 },
	{ "kp_5", KD_KEY_KP_5 },
	{ "kp_6", KD_KEY_KP_6 },
	{ "kp_7", KD_KEY_KP_7 },
	{ "kp_8", KD_KEY_KP_8 },
	{ "kp_9", KD_KEY_KP_9 },
	{ "insert", KD_KEY_INSERT },
	{ "delete", KD_KEY_DELETE },
	{ "home", KD_KEY_HOME },
	{ "end", KD_KEY_END },
	{ "pgup", KD_KEY_PGUP },
	{ "pgdn", KD_KEY_PGDN },
	{ "up", KD_KEY_UP },
	{ "down", KD_KEY_DOWN },
	{ "left", KD_KEY_LEFT },
	{ "right", KD_KEY_RIGHT },
	{ "sysrq", KD_KEY_SYSRQ },
};

/* USB HID Usage Tables 1.12, chapter 10 (keyboard/keypad page 0x07), usages 0x04-0x65. */
static const uint16_t hid_keys[] = {
	[0x04] = KD_KEY_A,
	[0x05] = KD_KEY_B,
	[0x06] = KD_KEY_C,
	[0x07] = KD_KEY_D,
	[0x08] = KD_KEY_E,
	[0x09] = KD_KEY_F,
	[0x0A] = KD_KEY_G,
	[0x0B] = KD_KEY_H,
	[0x0C] = KD_KEY_I,
	[0x0D] = KD_KEY_J,
	[0x0E] = KD_KEY_K,
	[0x0F] = KD_KEY_L,
	[0x10] = KD_KEY_M,
	[0x11] = KD_KEY_N,
	[0x12] = KD_KEY_O,
	[0x13] = KD_KEY_P,
	[0x14] = KD_KEY_Q,
	[0x15] = KD_KEY_R,
	[0x16] = KD_KEY_S,
	[0x17] = KD_KEY_T,
	[0x18] = KD_KEY_U,
	[0x19] = KD_KEY_V,
	[0x1A] = KD_KEY_W,
	[0x1B] = KD_KEY_X,
	[0x1C] = KD_KEY_Y,
	[0x1D] = KD_KEY_Z,
	[0x1E] = KD_KEY_1,
	[0x1F] = KD_KEY_2,
	[0x20] = KD_KEY_3,
	[0x21] = KD_KEY_4,
	[0x22] = KD_KEY_5,
	[0x23] = KD_KEY_6,
	[0x24] = KD_KEY_7,
	[0x25] = KD_KEY_8,
	[0x26] = KD_KEY_9,
	[0x27] = KD_KEY_0,
	[0x28] = KD_KEY_ENTER,
	[0x29] = KD_KEY_ESC,
	[0x2A] = KD_KEY_BACKSPACE,
	[0x2B] = KD_KEY_TAB,
	[0x2C] = KD_KEY_SPACE,
	[0x2D] = KD_KEY_MINUS,
	[0x2E] = KD_KEY_EQUAL,
	[0x2F] = KD_KEY_BRACKET_LEFT,
	[0x30] = KD_KEY_BRACKET_RIGHT,
	[0x31] = KD_KEY_BACKSLASH,
	[0x32] = KD_KEY_BACKSLASH, /* "non-US #": the same key position on ISO boards */
	[0x33] = KD_KEY_SEMICOLON,
	[0x34] = KD_KEY_APOSTROPHE,
	[0x35] = KD_KEY_GRAVE,
	[0x36] = KD_KEY_COMMA,
	[0x37] = KD_KEY_DOT,
	[0x38] = KD_KEY_SLASH,
	[0x39] = KD_KEY_CAPS_LOCK,
	[0x3A] = KD_KEY_F1,
	[0x3B] = KD_KEY_F2,
	[0x3C] = KD_KEY_F3,
	[0x3D] = KD_KEY_F4,
	[0x3E] = KD_KEY_F5,
	[0x3F] = KD_KEY_F6,
	[0x40] = KD_KEY_F7,
	[0x41] = KD_KEY_F8,
	[0x42] = KD_KEY_F9,
	[0x43] = KD_KEY_F10,
	[0x44] = KD_KEY_F11,
	[0x45] = KD_KEY_F12,
	[0x46] = KD_KEY_SYSRQ,
	[0x47] = KD_KEY_SCROLL_LOCK,
	/* 0x48 Pause has no make/break pair in set 2 (E1 14 77 E1 F0 14 F0 77): left out. */
	[0x49] = KD_KEY_INSERT,
	[0x4A] = KD_KEY_HOME,
	[0x4B] = KD_KEY_PGUP,
	[0x4C] = KD_KEY_DELETE,
	[0x4D] = KD_KEY_END,
	[0x4E] = KD_KEY_PGDN,
	[0x4F] = KD_KEY_RIGHT,
	[0x50] = KD_KEY_LEFT,
	[0x51] = KD_KEY_DOWN,
	[0x52] = KD_KEY_UP,
	[0x53] = KD_KEY_NUM_LOCK,
	[0x54] = KD_KEY_KP_DIVIDE,
	[0x55] = KD_KEY_KP_MULTIPLY,
	[0x56] = KD_KEY_KP_SUBTRACT,
	[0x57] = KD_KEY_KP_ADD,
	[0x58] = KD_KEY_KP_ENTER,
	[0x59] = KD_KEY_KP_1,
	[0x5A] = KD_KEY_KP_2,
	[0x5B] = KD_KEY_KP_3,
	[0x5C] = KD_KEY_KP_4,
	[0x5D] = KD_KEY_KP_5,
	[0x5E] = KD_KEY_KP_6,
	[0x5F] = KD_KEY_KP_7,
	[0x60] = KD_KEY_KP_8,
	[0x61] = KD_KEY_KP_9,
	[0x62] = KD_KEY_KP_0,
	[0x63] = KD_KEY_KP_DECIMAL,
	[0x64] = KD_KEY_LESS, /* "non-US \ and |" */
	[0x65] = KD_KEY_MENU, /* "Application" */
};

/* Usages 0xE0-0xE7: left Ctrl, Shift, Alt, GUI, then the right ones. */
static const uint16_t hid_modifiers[] = {
	KD_KEY_CTRL,   KD_KEY_SHIFT,   KD_KEY_ALT,   KD_KEY_META_L,
	KD_KEY_CTRL_R, KD_KEY_SHIFT_R, KD_KEY_ALT_R, KD_KEY_META_R,
};

/* Printable ASCII 0x20-0x7E on a US keyboard: the key, and whether Shift is held. */
static const struct ascii_key {
	uint16_t key;
	bool shift;
} ascii_keys[] = {
	[' '] = { KD_KEY_SPACE, false },      ['!'] = { KD_KEY_1, true },
	['"'] = { KD_KEY_APOSTROPHE, true },  ['#'] = { KD_KEY_3, true },
	['$'] = { KD_KEY_4, true },	      ['%'] = { KD_KEY_5, true },
	['&'] = { KD_KEY_7, true },	      ['\''] = { KD_KEY_APOSTROPHE, false },
	['('] = { KD_KEY_9, true },	      [')'] = { KD_KEY_0, true },
	['*'] = { KD_KEY_8, true },	      ['+'] = { KD_KEY_EQUAL, true },
	[','] = { KD_KEY_COMMA, false },      ['-'] = { KD_KEY_MINUS, false },
	['.'] = { KD_KEY_DOT, false },	      ['/'] = { KD_KEY_SLASH, false },
	['0'] = { KD_KEY_0, false },	      ['1'] = { KD_KEY_1, false },
	['2'] = { KD_KEY_2, false },	      ['3'] = { KD_KEY_3, false },
	['4'] = { KD_KEY_4, false },	      ['5'] = { KD_KEY_5, false },
	['6'] = { KD_KEY_6, false },	      ['7'] = { KD_KEY_7, false },
	['8'] = { KD_KEY_8, false },	      ['9'] = { KD_KEY_9, false },
	[':'] = { KD_KEY_SEMICOLON, true },   [';'] = { KD_KEY_SEMICOLON, false },
	['<'] = { KD_KEY_COMMA, true },	      ['='] = { KD_KEY_EQUAL, false },
	['>'] = { KD_KEY_DOT, true },	      ['?'] = { KD_KEY_SLASH, true },
	['@'] = { KD_KEY_2, true },	      ['['] = { KD_KEY_BRACKET_LEFT, false },
	['\\'] = { KD_KEY_BACKSLASH, false }, [']'] = { KD_KEY_BRACKET_RIGHT, false },
	['^'] = { KD_KEY_6, true },	      ['_'] = { KD_KEY_MINUS, true },
	['`'] = { KD_KEY_GRAVE, false },      ['{'] = { KD_KEY_BRACKET_LEFT, true },
	['|'] = { KD_KEY_BACKSLASH, true },   ['}'] = { KD_KEY_BRACKET_RIGHT, true },
	['~'] = { KD_KEY_GRAVE, true },
};

/* Letters a-z in alphabetical order (the set 2 codes follow the keyboard's rows instead). */
static const uint16_t letters[26] = {
	KD_KEY_A, KD_KEY_B, KD_KEY_C, KD_KEY_D, KD_KEY_E, KD_KEY_F, KD_KEY_G, KD_KEY_H, KD_KEY_I,
	KD_KEY_J, KD_KEY_K, KD_KEY_L, KD_KEY_M, KD_KEY_N, KD_KEY_O, KD_KEY_P, KD_KEY_Q, KD_KEY_R,
	KD_KEY_S, KD_KEY_T, KD_KEY_U, KD_KEY_V, KD_KEY_W, KD_KEY_X, KD_KEY_Y, KD_KEY_Z,
};

const struct kd_keymap_name *kd_keymap_find(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (!g_ascii_strcasecmp(names[i].name, name))
			return &names[i];
	return NULL;
}

const struct kd_keymap_name *kd_keymap_name_at(size_t i)
{
	return i < G_N_ELEMENTS(names) ? &names[i] : NULL;
}

size_t kd_keymap_put(uint8_t *out, enum kd_key key, bool release)
{
	size_t n = 0;

	if (key >> 8)
		out[n++] = 0xE0;
	if (release)
		out[n++] = 0xF0;
	out[n++] = (uint8_t)key;
	return n;
}

static const struct modifier_key {
	unsigned modifier;
	enum kd_key key;
} modifier_keys[] = {
	{ KD_KEYMAP_CTRL, KD_KEY_CTRL },
	{ KD_KEYMAP_ALT, KD_KEY_ALT },
	{ KD_KEYMAP_SHIFT, KD_KEY_SHIFT },
};

size_t kd_keymap_tap(uint8_t *out, enum kd_key key, unsigned modifiers)
{
	size_t n = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(modifier_keys); i++)
		if (modifiers & modifier_keys[i].modifier)
			n += kd_keymap_put(out + n, modifier_keys[i].key, false);
	n += kd_keymap_put(out + n, key, false);
	n += kd_keymap_put(out + n, key, true);
	for (size_t i = G_N_ELEMENTS(modifier_keys); i-- > 0;)
		if (modifiers & modifier_keys[i].modifier)
			n += kd_keymap_put(out + n, modifier_keys[i].key, true);
	return n;
}

/* Control characters a terminal sends for keys of their own or for Ctrl+symbol. */
static bool control_key(unsigned char c, enum kd_key *key, unsigned *modifiers)
{
	*modifiers = 0;
	switch (c) {
	case '\b':
	case 0x7F: /* most terminals send DEL for Backspace, some BS */
		*key = KD_KEY_BACKSPACE;
		return true;
	case '\t':
		*key = KD_KEY_TAB;
		return true;
	case '\n':
	case '\r':
		*key = KD_KEY_ENTER;
		return true;
	case 0x1B:
		*key = KD_KEY_ESC;
		return true;
	}
	*modifiers = KD_KEYMAP_CTRL;
	switch (c) {
	case 0x00: /* Ctrl+Space and Ctrl+@ */
		*key = KD_KEY_SPACE;
		return true;
	case 0x1C:
		*key = KD_KEY_BACKSLASH;
		return true;
	case 0x1D:
		*key = KD_KEY_BRACKET_RIGHT;
		return true;
	case 0x1E: /* Ctrl+^, typed as Ctrl+6 */
		*key = KD_KEY_6;
		return true;
	case 0x1F: /* Ctrl+_, typed as Ctrl+- */
		*key = KD_KEY_MINUS;
		return true;
	}
	if (c >= 0x01 && c <= 0x1A) {
		*key = letters[c - 1];
		return true;
	}
	return false;
}

bool kd_keymap_from_ascii(unsigned char c, enum kd_key *key, unsigned *modifiers)
{
	if (c < 0x20 || c == 0x7F)
		return control_key(c, key, modifiers);
	if (c >= 'a' && c <= 'z') {
		*key = letters[c - 'a'];
		*modifiers = 0;
		return true;
	}
	if (c >= 'A' && c <= 'Z') {
		*key = letters[c - 'A'];
		*modifiers = KD_KEYMAP_SHIFT;
		return true;
	}
	if (c < G_N_ELEMENTS(ascii_keys) && ascii_keys[c].key) {
		*key = ascii_keys[c].key;
		*modifiers = ascii_keys[c].shift ? KD_KEYMAP_SHIFT : 0;
		return true;
	}
	return false;
}

enum kd_key kd_keymap_from_hid(unsigned usage)
{
	if (usage < G_N_ELEMENTS(hid_keys))
		return hid_keys[usage];
	if (usage >= 0xE0 && usage < 0xE0 + G_N_ELEMENTS(hid_modifiers))
		return hid_modifiers[usage - 0xE0];
	return KD_KEY_NONE;
}
