/*
 * The workstation's serial console: the guest's output as lines (carriage return, backspace,
 * tab, escape sequences dropped, limits) and keys as a terminal's bytes.
 */
#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "kd-test-term.h"
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

/* What a hostile guest can write: any bytes, sequences that never end. The view stays within
 * its limits, draws, and shows text again after an endless escape sequence. */
static void test_hostile(void)
{
	struct kd_serial_view *v = kd_serial_view_new();
	GRand *rand = g_rand_new_with_seed(20261121);
	g_autofree char *text = NULL;
	g_autofree char *endless = g_strnfill(10000, 'x');
	struct kd_test_term t;
	uint8_t buf[4096];

	for (unsigned round = 0; round < 256; round++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)g_rand_int_range(rand, 0, 256);
		kd_serial_view_feed(v, buf, sizeof(buf));
	}
	text = kd_serial_view_text(v);
	{
		g_auto(GStrv) rows = g_strsplit(text, "\n", -1);

		g_assert_cmpuint(g_strv_length(rows), <=, KD_SERIAL_VIEW_LINES);
		for (char **r = rows; *r; r++)
			g_assert_cmpuint(strlen(*r), <=, KD_SERIAL_VIEW_COLUMNS);
	}
	if (kd_test_term_open(&t, 24, 80)) {
		struct kd_theme theme;
		int y, x;

		kd_theme_monochrome(&theme, true);
		kd_serial_view_draw(v, stdscr, &theme, &y, &x);
		g_assert_cmpint(y, >=, 0);
		g_assert_cmpint(y, <, 24);
		g_assert_cmpint(x, >=, 0);
		g_assert_cmpint(x, <, 80);
		kd_test_term_close(&t);
	}
	kd_serial_view_feed(v, (const uint8_t *)"\n\033]", 3);
	kd_serial_view_feed(v, (const uint8_t *)endless, strlen(endless));
	kd_serial_view_feed(v, (const uint8_t *)"\nvisible", 8);
	g_free(text);
	text = kd_serial_view_text(v);
	g_assert_true(g_str_has_suffix(text, "\nvisible"));
	g_rand_free(rand);
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
	g_test_add_func("/serial-view/hostile", test_hostile);
	g_test_add_func("/serial-view/keys", test_keys);
	return g_test_run();
}
