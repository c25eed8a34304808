/*
 * The workstation's serial console: the guest's output as lines (carriage return, backspace,
 * tab, escape sequences dropped, limits) and keys as a terminal's bytes.
 */
#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "tui/serial-view.h"

static char *fed(const char *text)
{
	struct kd_serial_view *v = kd_serial_view_new();
	char *out;

	kd_serial_view_feed(v, (const uint8_t *)text, strlen(text));
	out = kd_serial_view_text(v);
	kd_serial_view_free(v);
	return out;
}

static void test_feed(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "hello\r\nworld", "hello\nworld" },
		{ "login: \r\n", "login: \n" },
		{ "abc\rX", "Xbc" },
		{ "abc\b\bX", "aXc" },
		{ "a\tb", "a       b" },
		{ "\033[1;32mgreen\033[0m ok", "green ok" },
		{ "\033]0;title\007after", "after" },
		{ "\033[2J\033[Hclear", "clear" },
		{ "bell\007 null\001", "bell null" },
		{ "gr\xc3\xbc\xc3\x9f\b!", "gr\xc3\xbc!" },
		{ "\b\b\rstart", "start" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = fed(cases[i].in);

		if (strcmp(got, cases[i].want))
			g_error("%zu: '%s' -> '%s', want '%s'", i, cases[i].in, got, cases[i].want);
	}
}

static void test_limits(void)
{
	struct kd_serial_view *v = kd_serial_view_new();
	g_autofree char *text = NULL;
	g_autofree char *longline = g_strnfill(KD_SERIAL_VIEW_COLUMNS + 10, 'x');
	char line[32];

	for (unsigned i = 0; i < KD_SERIAL_VIEW_LINES + 50; i++) {
		snprintf(line, sizeof(line), "line %u\n", i);
		kd_serial_view_feed(v, (const uint8_t *)line, strlen(line));
	}
	text = kd_serial_view_text(v);
	g_assert_null(strstr(text, "line 50\n"));
	g_assert_nonnull(strstr(text, "line 51\n"));
	g_free(text);
	kd_serial_view_feed(v, (const uint8_t *)longline, strlen(longline));
	text = kd_serial_view_text(v);
	/* A line longer than the limit continues on the next. */
	g_assert_true(g_str_has_suffix(text, "\nxxxxxxxxxx"));
	kd_serial_view_free(v);
}

static void test_keys(void)
{
	uint8_t b[8];

	g_assert_cmpuint(kd_serial_view_key_bytes('a', false, false, b), ==, 1);
	g_assert_cmpint(b[0], ==, 'a');
	g_assert_cmpuint(kd_serial_view_key_bytes('\r', false, false, b), ==, 1);
	g_assert_cmpint(b[0], ==, '\r');
	g_assert_cmpuint(kd_serial_view_key_bytes(KEY_ENTER, true, false, b), ==, 1);
	g_assert_cmpint(b[0], ==, '\r');
	g_assert_cmpuint(kd_serial_view_key_bytes(KEY_UP, true, false, b), ==, 3);
	g_assert_true(memcmp(b, "\033[A", 3) == 0);
	g_assert_cmpuint(kd_serial_view_key_bytes(KEY_BACKSPACE, true, false, b), ==, 1);
	g_assert_cmpint(b[0], ==, 0x7F);
	g_assert_cmpuint(kd_serial_view_key_bytes('x', false, true, b), ==, 2);
	g_assert_true(memcmp(b, "\033x", 2) == 0);
	g_assert_cmpuint(kd_serial_view_key_bytes(0xFC, false, false, b), ==, 2); /* ü */
	g_assert_cmpuint(kd_serial_view_key_bytes(KEY_F(7), true, false, b), ==, 0);
	g_assert_cmpuint(kd_serial_view_key_bytes(-5, false, false, b), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/serial-view/feed", test_feed);
	g_test_add_func("/serial-view/limits", test_limits);
	g_test_add_func("/serial-view/keys", test_keys);
	return g_test_run();
}
