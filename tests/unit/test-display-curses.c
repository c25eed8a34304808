/*
 * `-display curses` on a pseudo-terminal: the guest's text reaches the terminal, keys typed on
 * it reach a real machine's i8042 as scan code set 2 (printable, shifted, control, Alt, escape
 * sequences of function keys), the Ctrl+A prefix quits or sends itself, a resize is followed,
 * and the terminal is given back; a file or an unknown terminal type is refused. The terminal
 * test needs /dev/kvm (the machine is a real VM).
 */
#include "config.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hw/display.h"
#include "hw/machine.h"
#include "kd-test.h"
#include "tui/display-curses.h"
#include "tui/screen-render.h"

/* A text screen of 80x25 with a greeting in the top row. */
static void fake_update(void *opaque, struct kd_display_frame *f, bool full)
{
	static const char greeting[] = "Hello from the guest";

	kd_display_frame_resize(f, KD_DISPLAY_TEXT, 720, 400, 80, 25);
	if (!full && !f->text_changed)
		return;
	for (unsigned i = 0; i < 80 * 25; i++)
		f->text.cells[i] = (struct kd_display_cell){ ' ', 0x07 };
	for (unsigned i = 0; greeting[i]; i++)
		f->text.cells[i] = (struct kd_display_cell){ (uint8_t)greeting[i], 0x1E };
	f->text.cursor_visible = true;
	f->text.cursor_col = 5;
	f->text.cursor_row = 1;
	f->text.cursor_start = 14;
	f->text.cursor_end = 15;
	f->text.char_height = 16;
	f->text.blink = true;
	f->text_changed = true;
}

static void fake_describe(void *opaque, const struct kd_display_frame *f, GString *out)
{
}

static const struct kd_display_ops fake_ops = {
	.update = fake_update,
	.describe = fake_describe,
};

struct fixture {
	struct kd_kvm *kvm;
	struct kd_machine *machine;
	struct kd_display *display;
	int master, slave;
	GString *screen; /* everything written to the terminal */
	unsigned quits;
};

static void on_quit(void *opaque)
{
	((struct fixture *)opaque)->quits++;
}

static void drain(struct fixture *fx)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fx->master, buf, sizeof(buf))) > 0)
		g_string_append_len(fx->screen, buf, n);
}

static void run_loop(struct fixture *fx, unsigned ms)
{
	gint64 end = g_get_monotonic_time() + ms * 1000;

	while (g_get_monotonic_time() < end) {
		g_main_context_iteration(NULL, FALSE);
		drain(fx);
		g_usleep(1000);
	}
}

static void set_size(int fd, unsigned short rows, unsigned short cols)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };

	g_assert_cmpint(ioctl(fd, TIOCSWINSZ, &ws), ==, 0);
}

static uint8_t port_in(struct kd_machine *m, uint16_t port)
{
	return (uint8_t)kd_test_in(m->vm, port, 1);
}

static void port_out(struct kd_machine *m, uint16_t port, uint8_t v)
{
	kd_test_out(m->vm, port, v, 1);
}

/* Types text on the terminal and returns what the keyboard sent, as hex. */
static char *type(struct fixture *fx, const char *text)
{
	GString *s = g_string_new(NULL);

	g_assert_cmpint(write(fx->master, text, strlen(text)), ==, (ssize_t)strlen(text));
	run_loop(fx, 120);
	while (port_in(fx->machine, 0x64) & 1)
		g_string_append_printf(s, "%s%02X", s->len ? " " : "", port_in(fx->machine, 0x60));
	return g_string_free(s, FALSE);
}

static void fixture_open(struct fixture *fx)
{
	struct kd_pc_config cfg = { 0 };
	g_autoptr(GError) err = NULL;

	memset(fx, 0, sizeof(*fx));
	cfg.vm.ram_size = 16 * KD_MIB;
	cfg.vm.ncpus = 1;
	fx->kvm = kd_kvm_open(NULL, &err);
	g_assert_no_error(err);
	fx->machine = kd_pc_new(fx->kvm, &cfg, &err);
	g_assert_no_error(err);
	fx->display = kd_display_new(fx->machine->vm, "fake", &fake_ops, NULL);
	/* No translation to set 1: the test reads the keyboard's own bytes. */
	port_out(fx->machine, 0x64, 0x60);
	port_out(fx->machine, 0x60, 0x01);

	fx->master = posix_openpt(O_RDWR | O_NOCTTY);
	g_assert_cmpint(fx->master, >=, 0);
	g_assert_cmpint(grantpt(fx->master), ==, 0);
	g_assert_cmpint(unlockpt(fx->master), ==, 0);
	fx->slave = open(ptsname(fx->master), O_RDWR | O_NOCTTY);
	g_assert_cmpint(fx->slave, >=, 0);
	g_assert_cmpint(fcntl(fx->master, F_SETFL, O_NONBLOCK), ==, 0);
	set_size(fx->master, 24, 80);
	fx->screen = g_string_new(NULL);
	g_setenv("TERM", "xterm-256color", TRUE);
}

static void fixture_close(struct fixture *fx)
{
	close(fx->slave);
	close(fx->master);
	g_string_free(fx->screen, TRUE);
	kd_display_free(fx->display);
	kd_pc_free(fx->machine);
	kd_kvm_close(fx->kvm);
}

static void assert_typed(struct fixture *fx, const char *text, const char *want)
{
	g_autofree char *got = type(fx, text);

	g_assert_cmpstr(got, ==, want);
}

static void test_terminal(void)
{
	static const struct {
		const char *typed, *codes;
	} keys[] = {
		{ "a", "1C F0 1C" },
		{ "A", "12 1C F0 1C F0 12" },
		{ "#", "12 26 F0 26 F0 12" },
		{ "\r", "5A F0 5A" },
		{ "\x7f", "66 F0 66" },
		{ "\x03", "14 21 F0 21 F0 14" }, /* Ctrl+C */
		{ "\033x", "11 22 F0 22 F0 11" }, /* Alt+X */
		{ "\033", "76 F0 76" }, /* Escape alone */
		{ "\033OA", "E0 75 E0 F0 75" }, /* Up, keypad mode */
		{ "\033[6~", "E0 7A E0 F0 7A" }, /* Page Down */
		{ "\033OP", "05 F0 05" }, /* F1 */
		{ "\033[24~", "07 F0 07" }, /* F12 */
		{ "\033[1;5A", "14 E0 75 E0 F0 75 F0 14" }, /* Ctrl+Up */
		{ "\001a", "14 1C F0 1C F0 14" }, /* Ctrl+A a */
		{ "\001x", "" }, /* Ctrl+A, other key */
		{ "hi", "33 F0 33 43 F0 43" },
	};
	g_autoptr(GError) err = NULL;
	struct kd_curses_display *cd;
	struct fixture fx;

	KD_TEST_REQUIRE_KVM();
	fixture_open(&fx);
	cd = kd_curses_display_new_on(fx.machine, fx.display, fx.slave, fx.slave, on_quit, &fx,
				      &err);
	g_assert_no_error(err);
	run_loop(&fx, 100);
	g_assert_nonnull(strstr(fx.screen->str, "Hello from the guest"));
	g_assert_nonnull(strstr(fx.screen->str, "Ctrl+A"));

	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		assert_typed(&fx, keys[i].typed, keys[i].codes);

	/* A bigger terminal: curses follows it. */
	set_size(fx.master, 30, 100);
	raise(SIGWINCH);
	run_loop(&fx, 100);
	g_assert_cmpint(LINES, ==, 30);
	g_assert_cmpint(COLS, ==, 100);

	/* Ctrl+A q asks to quit, once; keys after it are not the guest's. */
	assert_typed(&fx, "\001qa", "");
	g_assert_cmpuint(fx.quits, ==, 1);

	g_string_truncate(fx.screen, 0);
	kd_curses_display_free(cd);
	drain(&fx);
	/* xterm's rmcup: back to the normal screen. */
	g_assert_nonnull(strstr(fx.screen->str, "\033[?1049l"));
	fixture_close(&fx);
}

static void test_not_a_terminal(void)
{
	g_autoptr(GError) err = NULL;
	int fd = open("/dev/null", O_RDWR);

	g_assert_null(kd_curses_display_new_on(NULL, NULL, fd, fd, on_quit, NULL, &err));
	g_assert_error(err, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
	close(fd);
}

static void test_unknown_terminal(void)
{
	g_autoptr(GError) err = NULL;
	int master = posix_openpt(O_RDWR | O_NOCTTY), slave;

	g_assert_cmpint(master, >=, 0);
	g_assert_cmpint(grantpt(master), ==, 0);
	g_assert_cmpint(unlockpt(master), ==, 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	g_assert_cmpint(slave, >=, 0);
	g_setenv("TERM", "no-such-terminal", TRUE);
	g_assert_null(kd_curses_display_new_on(NULL, NULL, slave, slave, on_quit, NULL, &err));
	g_assert_error(err, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
	g_assert_nonnull(strstr(err->message, "no-such-terminal"));
	close(slave);
	close(master);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/display-curses/terminal", test_terminal);
	g_test_add_func("/display-curses/not-a-terminal", test_not_a_terminal);
	g_test_add_func("/display-curses/unknown-terminal", test_unknown_terminal);
	return g_test_run();
}
