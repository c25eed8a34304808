/*
 * Terminal keys to PS/2 scan codes (see guest-keys.h).
 */
#include "config.h"

#include "tui/guest-keys.h"

#include <glib.h>

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>

#include "hw/i8042.h"
#include "hw/machine.h"
#include "vm/vm.h"
/* Last: it defines a macro for every terminfo capability (cursor_visible, lines, ...). */
#include <term.h>

#define MAX_PENDING_KEYS 512

struct tap {
	uint8_t len;
	uint8_t bytes[KD_KEYMAP_TAP_MAX];
};

struct kd_guest_keys {
	struct kd_machine *machine;
	GArray *taps; /* struct tap, waiting for the keyboard */
	guint tap_source;
	GHashTable *modified_keys; /* ncurses key code -> enum kd_key | modifiers << 16 */
};

static void put_next_tap(struct kd_guest_keys *gk)
{
	struct kd_machine *m = gk->machine;
	struct tap *t = &g_array_index(gk->taps, struct tap, 0);

	kd_vm_lock(m->vm);
	if (m->i8042)
		kd_i8042_put_keycode(m->i8042, t->bytes, t->len);
	kd_vm_unlock(m->vm);
	g_array_remove_index(gk->taps, 0);
}

static gboolean on_tap_timer(gpointer data)
{
	struct kd_guest_keys *gk = data;

	if (gk->taps->len)
		put_next_tap(gk);
	if (gk->taps->len)
		return G_SOURCE_CONTINUE;
	gk->tap_source = 0;
	return G_SOURCE_REMOVE;
}

void kd_guest_keys_send(struct kd_guest_keys *gk, enum kd_key key, unsigned modifiers)
{
	struct tap t;

	if (!gk->machine || gk->taps->len >= MAX_PENDING_KEYS)
		return;
	t.len = (uint8_t)kd_keymap_tap(t.bytes, key, modifiers);
	g_array_append_val(gk->taps, t);
	if (gk->tap_source)
		return;
	put_next_tap(gk);
	if (gk->taps->len)
		gk->tap_source = g_timeout_add(KD_GUEST_KEYS_INTERVAL_MS, on_tap_timer, gk);
}

void kd_guest_keys_char(struct kd_guest_keys *gk, wint_t ch, unsigned modifiers)
{
	enum kd_key key;
	unsigned key_modifiers;

	/* A US keyboard has no key for other characters. */
	if (ch > 0x7F || !kd_keymap_from_ascii((unsigned char)ch, &key, &key_modifiers))
		return;
	kd_guest_keys_send(gk, key, key_modifiers | modifiers);
}

/* Function keys ncurses knows by code: cursor and editing keys, F1-F12 (terminfo's F13-F48
 * are those with Shift, Ctrl, Ctrl+Shift as xterm numbers them), the keypad's corners. */
static bool curses_key(int code, enum kd_key *key, unsigned *modifiers)
{
	static const enum kd_key fkeys[12] = {
		KD_KEY_F1, KD_KEY_F2, KD_KEY_F3, KD_KEY_F4,  KD_KEY_F5,	 KD_KEY_F6,
		KD_KEY_F7, KD_KEY_F8, KD_KEY_F9, KD_KEY_F10, KD_KEY_F11, KD_KEY_F12,
	};
	static const unsigned fkey_modifiers[4] = {
		0,
		KD_KEYMAP_SHIFT,
		KD_KEYMAP_CTRL,
		KD_KEYMAP_CTRL | KD_KEYMAP_SHIFT,
	};
	static const struct {
		int code;
		enum kd_key key;
		unsigned modifiers;
	} keys[] = {
		{ KEY_UP, KD_KEY_UP, 0 },
		{ KEY_DOWN, KD_KEY_DOWN, 0 },
		{ KEY_LEFT, KD_KEY_LEFT, 0 },
		{ KEY_RIGHT, KD_KEY_RIGHT, 0 },
		{ KEY_HOME, KD_KEY_HOME, 0 },
		{ KEY_END, KD_KEY_END, 0 },
		{ KEY_PPAGE, KD_KEY_PGUP, 0 },
		{ KEY_NPAGE, KD_KEY_PGDN, 0 },
		{ KEY_IC, KD_KEY_INSERT, 0 },
		{ KEY_DC, KD_KEY_DELETE, 0 },
		{ KEY_BACKSPACE, KD_KEY_BACKSPACE, 0 },
		{ KEY_ENTER, KD_KEY_KP_ENTER, 0 },
		{ KEY_BTAB, KD_KEY_TAB, KD_KEYMAP_SHIFT },
		{ KEY_SR, KD_KEY_UP, KD_KEYMAP_SHIFT },
		{ KEY_SF, KD_KEY_DOWN, KD_KEYMAP_SHIFT },
		{ KEY_SLEFT, KD_KEY_LEFT, KD_KEYMAP_SHIFT },
		{ KEY_SRIGHT, KD_KEY_RIGHT, KD_KEYMAP_SHIFT },
		{ KEY_SHOME, KD_KEY_HOME, KD_KEYMAP_SHIFT },
		{ KEY_SEND, KD_KEY_END, KD_KEYMAP_SHIFT },
		{ KEY_SPREVIOUS, KD_KEY_PGUP, KD_KEYMAP_SHIFT },
		{ KEY_SNEXT, KD_KEY_PGDN, KD_KEYMAP_SHIFT },
		{ KEY_SIC, KD_KEY_INSERT, KD_KEYMAP_SHIFT },
		{ KEY_SDC, KD_KEY_DELETE, KD_KEYMAP_SHIFT },
		{ KEY_A1, KD_KEY_KP_7, 0 },
		{ KEY_A3, KD_KEY_KP_9, 0 },
		{ KEY_B2, KD_KEY_KP_5, 0 },
		{ KEY_C1, KD_KEY_KP_1, 0 },
		{ KEY_C3, KD_KEY_KP_3, 0 },
	};

	if (code >= KEY_F(1) && code < KEY_F(1) + 48) {
		unsigned n = (unsigned)(code - KEY_F(1));

		*key = fkeys[n % 12];
		*modifiers = fkey_modifiers[n / 12];
		return true;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		if (keys[i].code == code) {
			*key = keys[i].key;
			*modifiers = keys[i].modifiers;
			return true;
		}
	}
	return false;
}

bool kd_guest_keys_code(struct kd_guest_keys *gk, int code)
{
	enum kd_key key;
	unsigned modifiers;
	gpointer found;

	if (curses_key(code, &key, &modifiers)) {
		kd_guest_keys_send(gk, key, modifiers);
		return true;
	}
	found = g_hash_table_lookup(gk->modified_keys, GINT_TO_POINTER(code));
	if (!found)
		return false;
	kd_guest_keys_send(gk, (enum kd_key)(GPOINTER_TO_UINT(found) & 0xFFFF),
			   GPOINTER_TO_UINT(found) >> 16);
	return true;
}

/* xterm's cursor and editing keys with modifiers have extended terminfo names: kUP5 is
 * Ctrl+Up; the digit minus one holds Shift (1), Alt (2) and Ctrl (4). ncurses gives each a
 * code of its own, looked up here once. */
static void find_modified_keys(struct kd_guest_keys *gk)
{
	static const struct {
		const char *name;
		enum kd_key key;
	} caps[] = {
		{ "kUP", KD_KEY_UP },	  { "kDN", KD_KEY_DOWN },  { "kLFT", KD_KEY_LEFT },
		{ "kRIT", KD_KEY_RIGHT }, { "kHOM", KD_KEY_HOME }, { "kEND", KD_KEY_END },
		{ "kPRV", KD_KEY_PGUP },  { "kNXT", KD_KEY_PGDN }, { "kIC", KD_KEY_INSERT },
		{ "kDC", KD_KEY_DELETE },
	};

	gk->modified_keys = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (size_t i = 0; i < G_N_ELEMENTS(caps); i++) {
		for (unsigned digit = 2; digit <= 8; digit++) {
			g_autofree char *name = g_strdup_printf("%s%u", caps[i].name, digit);
			unsigned bits = digit - 1, modifiers = 0;
			const char *seq = tigetstr(name);
			int code;

			if (!seq || seq == (char *)-1 || (code = key_defined(seq)) <= 0)
				continue;
			if (bits & 1)
				modifiers |= KD_KEYMAP_SHIFT;
			if (bits & 2)
				modifiers |= KD_KEYMAP_ALT;
			if (bits & 4)
				modifiers |= KD_KEYMAP_CTRL;
			g_hash_table_insert(gk->modified_keys, GINT_TO_POINTER(code),
					    GUINT_TO_POINTER((guint)caps[i].key | modifiers << 16));
		}
	}
}

struct kd_guest_keys *kd_guest_keys_new(void)
{
	struct kd_guest_keys *gk = g_new0(struct kd_guest_keys, 1);

	gk->taps = g_array_new(FALSE, FALSE, sizeof(struct tap));
	find_modified_keys(gk);
	return gk;
}

void kd_guest_keys_set_machine(struct kd_guest_keys *gk, struct kd_machine *m)
{
	gk->machine = m;
	if (m)
		return;
	g_array_set_size(gk->taps, 0);
	if (gk->tap_source)
		g_source_remove(gk->tap_source);
	gk->tap_source = 0;
}

void kd_guest_keys_free(struct kd_guest_keys *gk)
{
	if (!gk)
		return;
	kd_guest_keys_set_machine(gk, NULL);
	g_array_free(gk->taps, TRUE);
	g_hash_table_destroy(gk->modified_keys);
	g_free(gk);
}
