/*
 * The workstation's key table: no key is bound twice on a screen, destructive keys are
 * capitals that ask first, and the hint bar and help are made from the table.
 */
#include "config.h"

#include <glib.h>

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <string.h>

#include "tui/keys.h"

static void test_unique(void)
{
	const struct kd_tui_key *keys = kd_tui_keys();

	for (const struct kd_tui_key *a = keys; a->label; a++)
		for (const struct kd_tui_key *b = a + 1; b->label; b++)
			if ((a->screens & b->screens) && a->press.code == b->press.code &&
			    a->press.keycode == b->press.keycode && a->press.alt == b->press.alt)
				g_error("%s is bound twice (actions %d and %d)", a->label,
					a->action, b->action);
}

static void test_find(void)
{
	struct kd_tui_keypress f2 = { KEY_F(2), true, false };
	struct kd_tui_keypress alt2 = { '2', false, true };
	struct kd_tui_keypress a = { 'a', false, false };
	struct kd_tui_keypress ctrl_a = { 0x01, false, false };

	for (int s = 0; s < KD_TUI_NSCREENS; s++) {
		g_assert_cmpint(kd_tui_key_find(s, &f2)->action, ==, KD_ACT_SHOW_HOSTDEVS);
		g_assert_cmpint(kd_tui_key_find(s, &alt2)->action, ==, KD_ACT_SHOW_MONITOR);
	}
	g_assert_cmpint(kd_tui_key_find(KD_TUI_HOSTDEVS, &a)->action, ==, KD_ACT_ASSIGN);
	/* Letters are the guest's in the console and the command line's in the monitor. */
	g_assert_null(kd_tui_key_find(KD_TUI_CONSOLE, &a));
	g_assert_null(kd_tui_key_find(KD_TUI_MONITOR, &a));
	g_assert_cmpint(kd_tui_key_find(KD_TUI_CONSOLE, &ctrl_a)->action, ==, KD_ACT_ESCAPE);
	g_assert_null(kd_tui_key_find(KD_TUI_MONITOR, &ctrl_a));
}

static void test_confirm_capitals(void)
{
	unsigned confirms = 0;

	for (const struct kd_tui_key *k = kd_tui_keys(); k->label; k++) {
		if (!k->confirm)
			continue;
		confirms++;
		g_assert_false(k->press.keycode);
		g_assert_true(g_ascii_isupper(k->press.code));
	}
	g_assert_cmpuint(confirms, >=, 5);
}

static GString *hint_text(GPtrArray *segments)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i + 1 < segments->len; i += 2)
		g_string_append_printf(s, "%s%s %s", i ? " " : "",
				       (char *)g_ptr_array_index(segments, i),
				       (char *)g_ptr_array_index(segments, i + 1));
	return s;
}

static void test_hints(void)
{
	for (int s = 0; s < KD_TUI_NSCREENS; s++) {
		for (int width = 0; width <= 200; width += 7) {
			bool complete;
			g_autoptr(GPtrArray) seg =
				kd_tui_hint_segments(s, KD_TUI_HINT_ALL, width, &complete);
			g_autoptr(GString) text = hint_text(seg);

			g_assert_cmpint(g_utf8_strlen(text->str, -1), <=, width);
			g_assert_cmpuint(seg->len % 2, ==, 0);
		}
	}
	{
		g_autoptr(GPtrArray) global =
			kd_tui_hint_segments(KD_TUI_HOSTDEVS, KD_TUI_HINT_GLOBAL, 79, NULL);
		g_autoptr(GPtrArray) local =
			kd_tui_hint_segments(KD_TUI_HOSTDEVS, KD_TUI_HINT_LOCAL, 79, NULL);
		g_autoptr(GString) g = hint_text(global);
		g_autoptr(GString) l = hint_text(local);

		g_assert_cmpstr(g->str, ==, "F1 Help F2 Devices F3 VM F4 Console F5 Monitor");
		g_assert_cmpstr(l->str, ==,
				"a Assign D Detach B Bind R Restore / Filter u Rescan q Quit");
	}
	/* 80 columns need two rows; the whole of every screen fits in two. */
	g_assert_cmpint(kd_tui_hint_rows(79), ==, 2);
	g_assert_cmpint(kd_tui_hint_rows(400), ==, 1);
	for (int s = 0; s < KD_TUI_NSCREENS; s++) {
		bool complete;
		g_autoptr(GPtrArray) local =
			kd_tui_hint_segments(s, KD_TUI_HINT_LOCAL, 79, &complete);

		g_assert_true(complete);
	}
}

static void test_help(void)
{
	g_autofree char *help = kd_tui_help_text();

	for (const struct kd_tui_key *k = kd_tui_keys(); k->label; k++)
		if (k->help)
			g_assert_nonnull(strstr(help, k->help));
	g_assert_nonnull(strstr(help, "Host devices:"));
	g_assert_nonnull(strstr(help, "(asks first)"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tui-keys/unique", test_unique);
	g_test_add_func("/tui-keys/find", test_find);
	g_test_add_func("/tui-keys/confirm-capitals", test_confirm_capitals);
	g_test_add_func("/tui-keys/hints", test_hints);
	g_test_add_func("/tui-keys/help", test_help);
	return g_test_run();
}
