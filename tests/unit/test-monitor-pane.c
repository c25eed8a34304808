/*
 * The monitor pane: keys typed into readline running inside the pane (editing, Enter, history,
 * Ctrl+R, Tab completion, Alt+B through the Escape prefix), the scrollback (limit, scrolling
 * back while text arrives, commands logged by workstation actions, history saved to a file),
 * and drawing into a curses window on /dev/null.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "tui/monitor-pane.h"
#include "tui/theme.h"
#include "kd-test-term.h"
/* Last: term.h defines macros such as `lines` and `columns`. */
#include <term.h>

struct fake {
	GPtrArray *ran; /* the lines run, in order */
};

static void fake_run(void *opaque, const char *line, GString *out)
{
	struct fake *f = opaque;

	g_ptr_array_add(f->ran, g_strdup(line));
	g_string_append_printf(out, "ran: %s\n", line);
}

/* "info" and "inject" for a first word starting with 'i'; file names after "drive_add ". */
static GPtrArray *fake_complete(void *opaque, const char *line, bool *files)
{
	static const char *const words[] = { "info", "inject" };
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	(void)opaque;
	*files = g_str_has_prefix(line, "drive_add ");
	if (*files)
		return out;
	for (size_t i = 0; i < G_N_ELEMENTS(words); i++)
		if (g_str_has_prefix(words[i], line))
			g_ptr_array_add(out, g_strdup(words[i]));
	return out;
}

struct pane_fixture {
	struct fake fake;
	struct kd_monitor_pane *pane;
};

static void fixture_open(struct pane_fixture *fx, const char *history_file)
{
	fx->fake.ran = g_ptr_array_new_with_free_func(g_free);
	fx->pane = kd_monitor_pane_new(fake_run, fake_complete, &fx->fake, history_file);
	g_assert_nonnull(fx->pane);
}

static void fixture_close(struct pane_fixture *fx)
{
	kd_monitor_pane_free(fx->pane);
	g_ptr_array_unref(fx->fake.ran);
}

static void type(struct kd_monitor_pane *p, const char *text)
{
	for (const char *q = text; *q; q = g_utf8_next_char(q))
		g_assert_true(kd_monitor_pane_key(p, g_utf8_get_char(q), false));
}

static void key(struct kd_monitor_pane *p, int code)
{
	g_assert_true(kd_monitor_pane_key(p, (wint_t)code, true));
}

static bool scrollback_has_line(struct kd_monitor_pane *p, const char *line)
{
	g_autofree char *text = kd_monitor_pane_scrollback(p);
	g_auto(GStrv) rows = g_strsplit(text, "\n", -1);

	for (guint i = 0; rows[i]; i++)
		if (strcmp(rows[i], line) == 0)
			return true;
	return false;
}

static void test_enter_runs_line(void)
{
	struct pane_fixture fx;

	fixture_open(&fx, NULL);
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "");
	type(fx.pane, "info pci");
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "info pci");
	g_assert_true(kd_monitor_pane_key(fx.pane, '\n', false));
	g_assert_cmpuint(fx.fake.ran->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(fx.fake.ran, 0), ==, "info pci");
	g_assert_true(scrollback_has_line(fx.pane, "(qemu) info pci"));
	g_assert_true(scrollback_has_line(fx.pane, "ran: info pci"));
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "");
	/* The keypad's Enter and a carriage return run lines too; an empty line runs as well. */
	type(fx.pane, "stop");
	key(fx.pane, KEY_ENTER);
	type(fx.pane, "\r");
	g_assert_cmpuint(fx.fake.ran->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(fx.fake.ran, 1), ==, "stop");
	g_assert_cmpstr(g_ptr_array_index(fx.fake.ran, 2), ==, "");
	fixture_close(&fx);
}

static void test_editing(void)
{
	struct pane_fixture fx;

	fixture_open(&fx, NULL);
	type(fx.pane, "ab");
	key(fx.pane, KEY_LEFT);
	type(fx.pane, "X");
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "aXb");
	key(fx.pane, KEY_BACKSPACE);
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "ab");
	key(fx.pane, KEY_HOME);
	key(fx.pane, KEY_DC);
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "b");
	key(fx.pane, KEY_END);
	type(fx.pane, "cd");
	key(fx.pane, KEY_LEFT);
	key(fx.pane, KEY_RIGHT);
	type(fx.pane, "e");
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "bcde");
	/* Ctrl+A, Ctrl+K: from the start to the end killed. */
	type(fx.pane, "\001z\013");
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "z");
	type(fx.pane, " info network");
	type(fx.pane, "\027"); /* Ctrl+W: the last word */
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "z info ");
	/* Alt+B through the Escape prefix: back a word; Ctrl+E to the end. */
	type(fx.pane, "\033b");
	type(fx.pane, "Y");
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "z Yinfo ");
	type(fx.pane, "\005!");
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "z Yinfo !");
	type(fx.pane, "\025"); /* Ctrl+U */
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "");
	/* Non-ASCII characters arrive as wide characters and are kept as UTF-8. */
	type(fx.pane, "é→");
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "é→");
	type(fx.pane, "\025");
	/* A lone Escape, then an arrow key: the Escape is dropped, the arrow still works and
	 * readline is not left inside a sequence. */
	type(fx.pane, "ab\033");
	key(fx.pane, KEY_LEFT);
	type(fx.pane, "X");
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "aXb");
	/* Escape then '[' would begin an arrow key's sequence: only '[' is typed. */
	type(fx.pane, "\033[");
	type(fx.pane, "D");
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "aX[Db");
	/* Ctrl+D on an empty line runs nothing and the pane goes on. */
	type(fx.pane, "\025\004");
	type(fx.pane, "ok");
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "ok");
	g_assert_false(kd_monitor_pane_key(fx.pane, KEY_F(5), true));
	g_assert_cmpuint(fx.fake.ran->len, ==, 0);
	fixture_close(&fx);
}

static void test_history(void)
{
	struct pane_fixture fx;

	fixture_open(&fx, NULL);
	type(fx.pane, "info pci\n");
	type(fx.pane, "info network\n");
	type(fx.pane, "info network\n"); /* the same twice: one entry */
	key(fx.pane, KEY_UP);
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "info network");
	key(fx.pane, KEY_UP);
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "info pci");
	key(fx.pane, KEY_DOWN);
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "info network");
	type(fx.pane, "\025");
	/* Ctrl+R: search back; Enter runs what it found. */
	type(fx.pane, "\022pc");
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "info pci");
	type(fx.pane, "\n");
	g_assert_cmpuint(fx.fake.ran->len, ==, 4);
	g_assert_cmpstr(g_ptr_array_index(fx.fake.ran, 3), ==, "info pci");
	fixture_close(&fx);
}

static void test_history_file(void)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *dir = g_dir_make_tmp("kd-monitor-pane-XXXXXX", &err);
	g_autofree char *file = NULL;
	g_autofree char *saved = NULL;
	struct pane_fixture fx;

	g_assert_no_error(err);
	file = g_build_filename(dir, "state", "history", NULL);
	fixture_open(&fx, file);
	type(fx.pane, "info pci\n");
	kd_monitor_pane_log_command(fx.pane, "device_del net0", NULL);
	fixture_close(&fx);
	g_assert_true(g_file_get_contents(file, &saved, NULL, NULL));
	g_assert_cmpstr(saved, ==, "info pci\ndevice_del net0\n");

	fixture_open(&fx, file);
	key(fx.pane, KEY_UP);
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "device_del net0");
	key(fx.pane, KEY_UP);
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "info pci");
	fixture_close(&fx);
	g_assert_cmpint(g_remove(file), ==, 0);
	g_autofree char *state = g_path_get_dirname(file);
	g_assert_cmpint(g_rmdir(state), ==, 0);
	g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void test_completion(void)
{
	struct pane_fixture fx;

	fixture_open(&fx, NULL);
	type(fx.pane, "i\t");
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "in");
	g_assert_false(scrollback_has_line(fx.pane, "info    inject"));
	type(fx.pane, "\t");
	g_assert_true(scrollback_has_line(fx.pane, "(qemu) in"));
	g_assert_true(scrollback_has_line(fx.pane, "info    inject"));
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "in");
	type(fx.pane, "\025inf\t");
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "info ");
	type(fx.pane, "\025");
	g_assert_cmpuint(fx.fake.ran->len, ==, 0);
	fixture_close(&fx);
}

static void test_file_completion(void)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *dir = g_dir_make_tmp("kd-monitor-pane-XXXXXX", &err);
	g_autofree char *file = NULL;
	g_autofree char *line = NULL;
	g_autofree char *expected = NULL;
	struct pane_fixture fx;

	g_assert_no_error(err);
	file = g_build_filename(dir, "disk-image.qcow2", NULL);
	g_assert_true(g_file_set_contents(file, "", 0, NULL));
	fixture_open(&fx, NULL);
	line = g_strdup_printf("drive_add %s/disk-im\t", dir);
	type(fx.pane, line);
	expected = g_strdup_printf("drive_add %s ", file);
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, expected);
	fixture_close(&fx);
	g_assert_cmpint(g_remove(file), ==, 0);
	g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void test_log_command(void)
{
	struct pane_fixture fx;

	fixture_open(&fx, NULL);
	kd_monitor_pane_print(fx.pane, "kvmdesk monitor - type 'help' for more information\n");
	kd_monitor_pane_log_command(fx.pane, "device_add e1000,id=net1", "");
	kd_monitor_pane_log_command(fx.pane, "info status", "VM status: running\n");
	g_autofree char *text = kd_monitor_pane_scrollback(fx.pane);
	g_assert_cmpstr(text, ==,
			"kvmdesk monitor - type 'help' for more information\n"
			"(qemu) device_add e1000,id=net1\n"
			"(qemu) info status\n"
			"VM status: running");
	key(fx.pane, KEY_UP);
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "info status");
	key(fx.pane, KEY_UP);
	g_assert_cmpstr(kd_monitor_pane_input(fx.pane), ==, "device_add e1000,id=net1");
	g_assert_cmpuint(fx.fake.ran->len, ==, 0);
	fixture_close(&fx);
}

static void test_print_lines(void)
{
	struct pane_fixture fx;

	fixture_open(&fx, NULL);
	kd_monitor_pane_print(fx.pane, "one\n\nthree");
	kd_monitor_pane_print(fx.pane, "four\r\n\tfive\033[31m");
	kd_monitor_pane_print(fx.pane, "");
	g_autofree char *text = kd_monitor_pane_scrollback(fx.pane);
	g_assert_cmpstr(text, ==, "one\n\nthree\nfour\n        five?[31m");
	fixture_close(&fx);
}

static void test_scrollback_limit(void)
{
	struct pane_fixture fx;
	g_autoptr(GString) many = g_string_new(NULL);

	fixture_open(&fx, NULL);
	for (unsigned i = 0; i < 6000; i++)
		g_string_append_printf(many, "line %u\n", i);
	kd_monitor_pane_print(fx.pane, many->str);
	kd_monitor_pane_print(fx.pane, "last");
	g_autofree char *text = kd_monitor_pane_scrollback(fx.pane);
	g_auto(GStrv) rows = g_strsplit(text, "\n", -1);
	g_assert_cmpuint(g_strv_length(rows), ==, 5000);
	g_assert_cmpstr(rows[0], ==, "line 1001");
	g_assert_cmpstr(rows[4999], ==, "last");
	fixture_close(&fx);
}

/* ---------------------------------------------------------------- drawing */

static char *row_text(WINDOW *win, int y)
{
	char buf[512];

	g_assert_cmpint(mvwinnstr(win, y, 0, buf, (int)sizeof(buf) - 1), !=, ERR);
	return g_strchomp(g_strdup(buf));
}

static void test_draw(void)
{
	struct kd_theme theme;
	struct kd_test_term t;
	struct pane_fixture fx;
	WINDOW *win;
	TERMINAL *terminal;
	int cy, cx;

	if (!kd_test_term_open(&t, 24, 80)) {
		g_test_skip("no terminfo entry for xterm-256color");
		return;
	}
	kd_theme_monochrome(&theme, true);
	win = newwin(8, 40, 2, 3);
	terminal = cur_term;
	fixture_open(&fx, NULL);
	/* readline's first start (when this test runs alone) must leave curses' terminal. */
	g_assert_true(cur_term == terminal);
	g_assert_true(kd_monitor_pane_dirty(fx.pane));
	kd_monitor_pane_print(fx.pane, "Welcome → kvmdesk\n");
	type(fx.pane, "info pci\n");
	type(fx.pane, "info ünïcode");
	kd_monitor_pane_draw(fx.pane, win, &theme, &cy, &cx);
	g_assert_false(kd_monitor_pane_dirty(fx.pane));
	g_assert_cmpint(cy, ==, 7);
	g_assert_cmpint(cx, ==, 19);
	{
		g_autofree char *input = row_text(win, 7);
		g_autofree char *ran = row_text(win, 6);
		g_autofree char *echo = row_text(win, 5);
		g_autofree char *welcome = row_text(win, 4);

		g_assert_cmpstr(input, ==, "(qemu) info ünïcode");
		g_assert_cmpstr(ran, ==, "ran: info pci");
		g_assert_cmpstr(echo, ==, "(qemu) info pci");
		g_assert_cmpstr(welcome, ==, "Welcome → kvmdesk");
	}

	/* A long input line scrolls sideways: the cursor stays inside the window. */
	type(fx.pane, " abcdefghijklmnopqrstuvwxyz0123456789");
	g_assert_true(kd_monitor_pane_dirty(fx.pane));
	kd_monitor_pane_draw(fx.pane, win, &theme, &cy, &cx);
	g_assert_cmpint(cx, <, 40);
	{
		g_autofree char *input = row_text(win, 7);

		g_assert_true(g_str_has_suffix(input, "0123456789"));
	}
	key(fx.pane, KEY_HOME);
	kd_monitor_pane_draw(fx.pane, win, &theme, &cy, &cx);
	g_assert_cmpint(cx, ==, 7);
	type(fx.pane, "\025");

	/* Long output wraps; scrolled back, the view stays put while text arrives. */
	kd_monitor_pane_print(fx.pane, "0123456789012345678901234567890123456789wrapped\n");
	for (unsigned i = 0; i < 30; i++) {
		g_autofree char *l = g_strdup_printf("row %u", i);

		kd_monitor_pane_print(fx.pane, l);
	}
	kd_monitor_pane_draw(fx.pane, win, &theme, &cy, &cx);
	{
		g_autofree char *last = row_text(win, 6);

		g_assert_cmpstr(last, ==, "row 29");
	}
	key(fx.pane, KEY_PPAGE);
	g_assert_cmpuint(kd_monitor_pane_scrolled(fx.pane), ==, 5);
	kd_monitor_pane_draw(fx.pane, win, &theme, &cy, &cx);
	{
		g_autofree char *marker = row_text(win, 6);
		g_autofree char *last = row_text(win, 5);

		g_assert_nonnull(strstr(marker, "PgDn"));
		g_assert_cmpstr(last, ==, "row 24");
	}
	kd_monitor_pane_print(fx.pane, "new 1\nnew 2");
	kd_monitor_pane_draw(fx.pane, win, &theme, &cy, &cx);
	{
		g_autofree char *last = row_text(win, 5);

		g_assert_cmpstr(last, ==, "row 24");
	}
	/* Up to the top: the first rows of the scrollback, the long line wrapped. */
	for (unsigned i = 0; i < 20; i++)
		key(fx.pane, KEY_SR);
	for (unsigned i = 0; i < 10; i++)
		key(fx.pane, KEY_PPAGE);
	kd_monitor_pane_draw(fx.pane, win, &theme, &cy, &cx);
	{
		g_autofree char *top = row_text(win, 0);

		g_assert_cmpstr(top, ==, "Welcome → kvmdesk");
	}
	/* Three rows down: the long line's first row at the top, its end on the next. */
	for (unsigned i = 0; i < 3; i++)
		key(fx.pane, KEY_SF);
	kd_monitor_pane_draw(fx.pane, win, &theme, &cy, &cx);
	{
		g_autofree char *top = row_text(win, 0);

		g_autofree char *wrapped = row_text(win, 1);

		g_assert_cmpstr(top, ==, "0123456789012345678901234567890123456789");
		g_assert_cmpstr(wrapped, ==, "wrapped");
	}
	/* Typing returns to the bottom. */
	type(fx.pane, "x");
	g_assert_cmpuint(kd_monitor_pane_scrolled(fx.pane), ==, 0);
	kd_monitor_pane_draw(fx.pane, win, &theme, &cy, &cx);
	{
		g_autofree char *last = row_text(win, 6);

		g_assert_cmpstr(last, ==, "new 2");
	}

	/* Tiny windows draw what fits. */
	wresize(win, 1, 5);
	kd_monitor_pane_draw(fx.pane, win, &theme, &cy, &cx);
	g_assert_cmpint(cy, ==, 0);
	g_assert_cmpint(cx, <, 5);
	fixture_close(&fx);
	delwin(win);
	kd_test_term_close(&t);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "C.UTF-8");
	/* The user's inputrc (vi mode, other bindings) must not change what the tests type. */
	g_setenv("INPUTRC", "/dev/null", TRUE);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/monitor-pane/enter-runs-line", test_enter_runs_line);
	g_test_add_func("/monitor-pane/editing", test_editing);
	g_test_add_func("/monitor-pane/history", test_history);
	g_test_add_func("/monitor-pane/history-file", test_history_file);
	g_test_add_func("/monitor-pane/completion", test_completion);
	g_test_add_func("/monitor-pane/file-completion", test_file_completion);
	g_test_add_func("/monitor-pane/log-command", test_log_command);
	g_test_add_func("/monitor-pane/print-lines", test_print_lines);
	g_test_add_func("/monitor-pane/scrollback-limit", test_scrollback_limit);
	g_test_add_func("/monitor-pane/draw", test_draw);
	return g_test_run();
}
