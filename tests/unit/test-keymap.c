/*
 * The PS/2 scan code set 2 tables: QEMU's key names, make/break bytes, modifier taps, US-layout
 * ASCII and USB HID usages (SDL's scancodes).
 */
#include "config.h"

#include <glib.h>

#include "hw/keymap.h"

static void assert_bytes(const uint8_t *got, size_t len, const char *want_hex)
{
	g_autoptr(GString) hex = g_string_new(NULL);

	for (size_t i = 0; i < len; i++)
		g_string_append_printf(hex, "%s%02X", i ? " " : "", got[i]);
	g_assert_cmpstr(hex->str, ==, want_hex);
}

static void test_names(void)
{
	const struct kd_keymap_name *k;
	size_t n = 0;

	g_assert_cmphex(kd_keymap_find("a")->key, ==, 0x1C);
	g_assert_cmphex(kd_keymap_find("F7")->key, ==, 0x83);
	g_assert_cmphex(kd_keymap_find("ctrl_r")->key, ==, 0xE014);
	g_assert_cmphex(kd_keymap_find("ret")->key, ==, 0x5A);
	g_assert_cmphex(kd_keymap_find("kp_enter")->key, ==, 0xE05A);
	g_assert_null(kd_keymap_find("hyper"));
	g_assert_null(kd_keymap_find(""));
	while ((k = kd_keymap_name_at(n))) {
		g_assert_cmpuint(k->key, !=, KD_KEY_NONE);
		g_assert_true(kd_keymap_find(k->name) != NULL);
		n++;
	}
	g_assert_cmpuint(n, >, 100);
}

static void test_put(void)
{
	static const struct {
		enum kd_key key;
		bool release;
		const char *bytes;
	} cases[] = {
		{ KD_KEY_A, false, "1C" },	   { KD_KEY_A, true, "F0 1C" },
		{ KD_KEY_UP, false, "E0 75" },	   { KD_KEY_UP, true, "E0 F0 75" },
		{ KD_KEY_F7, false, "83" },	   { KD_KEY_KP_ENTER, true, "E0 F0 5A" },
		{ KD_KEY_CTRL_R, false, "E0 14" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		uint8_t out[KD_KEYMAP_PUT_MAX];
		size_t n = kd_keymap_put(out, cases[i].key, cases[i].release);

		assert_bytes(out, n, cases[i].bytes);
	}
}

static void test_tap(void)
{
	uint8_t out[KD_KEYMAP_TAP_MAX];

	assert_bytes(out, kd_keymap_tap(out, KD_KEY_A, 0), "1C F0 1C");
	assert_bytes(out, kd_keymap_tap(out, KD_KEY_A, KD_KEYMAP_SHIFT), "12 1C F0 1C F0 12");
	/* Modifiers go down Ctrl, Alt, Shift and come up in the reverse order. */
	assert_bytes(out, kd_keymap_tap(out, KD_KEY_DELETE, KD_KEYMAP_CTRL | KD_KEYMAP_ALT),
		     "14 11 E0 71 E0 F0 71 F0 11 F0 14");
	g_assert_cmpuint(
		kd_keymap_tap(out, KD_KEY_RIGHT, KD_KEYMAP_CTRL | KD_KEYMAP_ALT | KD_KEYMAP_SHIFT),
		<=, KD_KEYMAP_TAP_MAX);
}

static void test_ascii(void)
{
	static const struct {
		unsigned char c;
		enum kd_key key;
		unsigned modifiers;
	} cases[] = {
		{ 'a', KD_KEY_A, 0 },
		{ 'Z', KD_KEY_Z, KD_KEYMAP_SHIFT },
		{ '1', KD_KEY_1, 0 },
		{ '!', KD_KEY_1, KD_KEYMAP_SHIFT },
		{ '@', KD_KEY_2, KD_KEYMAP_SHIFT },
		{ ' ', KD_KEY_SPACE, 0 },
		{ '~', KD_KEY_GRAVE, KD_KEYMAP_SHIFT },
		{ '"', KD_KEY_APOSTROPHE, KD_KEYMAP_SHIFT },
		{ '|', KD_KEY_BACKSLASH, KD_KEYMAP_SHIFT },
		{ '_', KD_KEY_MINUS, KD_KEYMAP_SHIFT },
		{ '\r', KD_KEY_ENTER, 0 },
		{ '\n', KD_KEY_ENTER, 0 },
		{ '\t', KD_KEY_TAB, 0 },
		{ 0x7F, KD_KEY_BACKSPACE, 0 },
		{ 0x1B, KD_KEY_ESC, 0 },
		{ 0x03, KD_KEY_C, KD_KEYMAP_CTRL },
		{ 0x1A, KD_KEY_Z, KD_KEYMAP_CTRL },
		{ 0x00, KD_KEY_SPACE, KD_KEYMAP_CTRL },
		{ 0x1D, KD_KEY_BRACKET_RIGHT, KD_KEYMAP_CTRL },
	};
	enum kd_key key;
	unsigned modifiers;

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_assert_true(kd_keymap_from_ascii(cases[i].c, &key, &modifiers));
		g_assert_cmphex(key, ==, cases[i].key);
		g_assert_cmpuint(modifiers, ==, cases[i].modifiers);
	}
	/* Every character a US keyboard types, and nothing beyond ASCII. */
	for (unsigned c = 0; c < 0x80; c++)
		g_assert_true(kd_keymap_from_ascii((unsigned char)c, &key, &modifiers));
	for (unsigned c = 0x80; c < 0x100; c++)
		g_assert_false(kd_keymap_from_ascii((unsigned char)c, &key, &modifiers));
}

static bool named(enum kd_key key)
{
	const struct kd_keymap_name *k;

	for (size_t i = 0; (k = kd_keymap_name_at(i)); i++)
		if (k->key == key)
			return true;
	return false;
}

static void test_hid(void)
{
	static const struct {
		unsigned usage;
		enum kd_key key;
	} cases[] = {
		{ 0x04, KD_KEY_A },	   { 0x1D, KD_KEY_Z },	   { 0x27, KD_KEY_0 },
		{ 0x28, KD_KEY_ENTER },	   { 0x2C, KD_KEY_SPACE }, { 0x3A, KD_KEY_F1 },
		{ 0x45, KD_KEY_F12 },	   { 0x4F, KD_KEY_RIGHT }, { 0x52, KD_KEY_UP },
		{ 0x58, KD_KEY_KP_ENTER }, { 0x62, KD_KEY_KP_0 },  { 0x64, KD_KEY_LESS },
		{ 0xE0, KD_KEY_CTRL },	   { 0xE1, KD_KEY_SHIFT }, { 0xE6, KD_KEY_ALT_R },
		{ 0xE7, KD_KEY_META_R },   { 0x48, KD_KEY_NONE },  { 0x00, KD_KEY_NONE },
		{ 0x66, KD_KEY_NONE },	   { 0xE8, KD_KEY_NONE },  { 0x1000, KD_KEY_NONE },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		g_assert_cmphex(kd_keymap_from_hid(cases[i].usage), ==, cases[i].key);
	/* Every key of the usage range but Pause, and each one the monitor can name too. */
	for (unsigned usage = 0x04; usage <= 0x65; usage++) {
		if (usage == 0x48)
			continue;
		g_assert_cmphex(kd_keymap_from_hid(usage), !=, KD_KEY_NONE);
		g_assert_true(named(kd_keymap_from_hid(usage)));
	}
	for (unsigned usage = 0xE0; usage <= 0xE7; usage++)
		g_assert_true(named(kd_keymap_from_hid(usage)));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/keymap/names", test_names);
	g_test_add_func("/keymap/put", test_put);
	g_test_add_func("/keymap/tap", test_tap);
	g_test_add_func("/keymap/ascii", test_ascii);
	g_test_add_func("/keymap/hid", test_hid);
	return g_test_run();
}
