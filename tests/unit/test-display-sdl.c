/*
 * `-display sdl`: SDL scancodes to PS/2 scan code set 2, the window's size, and a window on
 * SDL's offscreen video driver (no X needed) showing a fake adapter's picture, sending keys
 * to a real machine's i8042, grabbing with Ctrl+Alt+G and asking to quit when closed.
 * The window test needs /dev/kvm (the machine is a real VM) and runs under ASan's leak check.
 */
#include "config.h"

#include <SDL.h>
#include <string.h>

#include "hw/display.h"
#include "hw/keymap.h"
#include "hw/machine.h"
#include "kd-test.h"
#include "tui/display-sdl.h"

static void test_scancodes(void)
{
	static const struct {
		SDL_Scancode scancode;
		const char *make, *brk;
	} cases[] = {
		{ SDL_SCANCODE_A, "1C", "F0 1C" },
		{ SDL_SCANCODE_RETURN, "5A", "F0 5A" },
		{ SDL_SCANCODE_F10, "09", "F0 09" },
		{ SDL_SCANCODE_LSHIFT, "12", "F0 12" },
		{ SDL_SCANCODE_RCTRL, "E0 14", "E0 F0 14" },
		{ SDL_SCANCODE_RALT, "E0 11", "E0 F0 11" },
		{ SDL_SCANCODE_LGUI, "E0 1F", "E0 F0 1F" },
		{ SDL_SCANCODE_LEFT, "E0 6B", "E0 F0 6B" },
		{ SDL_SCANCODE_PAGEDOWN, "E0 7A", "E0 F0 7A" },
		{ SDL_SCANCODE_KP_DIVIDE, "E0 4A", "E0 F0 4A" },
		{ SDL_SCANCODE_KP_7, "6C", "F0 6C" },
		{ SDL_SCANCODE_GRAVE, "0E", "F0 0E" },
		{ SDL_SCANCODE_NONUSBACKSLASH, "61", "F0 61" },
		{ SDL_SCANCODE_APPLICATION, "E0 2F", "E0 F0 2F" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		enum kd_key key = kd_keymap_from_hid((unsigned)cases[i].scancode);
		uint8_t out[KD_KEYMAP_PUT_MAX];
		g_autoptr(GString) make = g_string_new(NULL), brk = g_string_new(NULL);
		size_t n;

		g_assert_cmphex(key, !=, KD_KEY_NONE);
		n = kd_keymap_put(out, key, false);
		for (size_t b = 0; b < n; b++)
			g_string_append_printf(make, "%s%02X", b ? " " : "", out[b]);
		n = kd_keymap_put(out, key, true);
		for (size_t b = 0; b < n; b++)
			g_string_append_printf(brk, "%s%02X", b ? " " : "", out[b]);
		g_assert_cmpstr(make->str, ==, cases[i].make);
		g_assert_cmpstr(brk->str, ==, cases[i].brk);
	}
	g_assert_cmphex(kd_keymap_from_hid(SDL_SCANCODE_PAUSE), ==, KD_KEY_NONE);
	g_assert_cmphex(kd_keymap_from_hid(SDL_SCANCODE_AUDIOPLAY), ==, KD_KEY_NONE);
}

static void test_window_size(void)
{
	static const struct {
		unsigned width, height;
		int max_w, max_h, w, h;
	} cases[] = {
		{ 320, 200, 0, 0, 640, 400 },
		{ 640, 400, 0, 0, 1280, 800 },
		{ 640, 480, 0, 0, 640, 480 },
		{ 720, 400, 0, 0, 720, 400 },
		{ 0, 0, 0, 0, 640, 480 },
		{ 1024, 768, 800, 600, 800, 600 },
		{ 2048, 1536, 1000, 1000, 1000, 750 },
		{ 640, 400, 1000, 700, 1000, 625 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		int w, h;

		kd_sdl_display_window_size(cases[i].width, cases[i].height, cases[i].max_w,
					   cases[i].max_h, &w, &h);
		g_assert_cmpint(w, ==, cases[i].w);
		g_assert_cmpint(h, ==, cases[i].h);
	}
}

/* ---------------------------------------------------------------- a window */

/* An adapter with a 320x200 picture: left half red, right half blue; `step` paints a green
 * square in the top-left corner (and a white one in the bottom-right it does not report). */
struct fake_adapter {
	unsigned step, drawn_step;
};

static void fake_update(void *opaque, struct kd_display_frame *f, bool full)
{
	struct fake_adapter *a = opaque;

	kd_display_frame_resize(f, KD_DISPLAY_GRAPHICS, 320, 200, 0, 0);
	if (full || f->dirty_w) {
		for (unsigned y = 0; y < 200; y++)
			for (unsigned x = 0; x < 320; x++)
				f->pixels[y * 320 + x] = x < 160 ? 0xFF0000 : 0x0000FF;
		kd_display_frame_damage(f, 0, 0, 320, 200);
		a->drawn_step = 0;
	}
	if (a->step != a->drawn_step) {
		for (unsigned y = 0; y < 20; y++)
			for (unsigned x = 0; x < 20; x++)
				f->pixels[y * 320 + x] = 0x00FF00;
		kd_display_frame_damage(f, 0, 0, 20, 20);
		/* Changed but not reported: a consumer must not show it. */
		for (unsigned y = 180; y < 200; y++)
			for (unsigned x = 300; x < 320; x++)
				f->pixels[y * 320 + x] = 0xFFFFFF;
		a->drawn_step = a->step;
	}
}

static void fake_describe(void *opaque, const struct kd_display_frame *f, GString *out)
{
	g_string_append(out, "fake");
}

static const struct kd_display_ops fake_ops = {
	.update = fake_update,
	.describe = fake_describe,
};

static void on_quit(void *opaque)
{
	(*(unsigned *)opaque)++;
}

static void run_loop(unsigned ms)
{
	gint64 end = g_get_monotonic_time() + ms * 1000;

	while (g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, FALSE), g_usleep(1000);
}

static uint8_t port_in(struct kd_machine *m, uint16_t port)
{
	return (uint8_t)kd_test_in(m->vm, port, 1);
}

static void port_out(struct kd_machine *m, uint16_t port, uint8_t v)
{
	kd_test_out(m->vm, port, v, 1);
}

/* What the keyboard sent, as hex; the controller does not translate (command byte 0x01). */
static char *keyboard_bytes(struct kd_machine *m)
{
	GString *s = g_string_new(NULL);

	while (port_in(m, 0x64) & 1)
		g_string_append_printf(s, "%s%02X", s->len ? " " : "", port_in(m, 0x60));
	return g_string_free(s, FALSE);
}

static void push_key(SDL_Scancode scancode, bool down, Uint16 mod)
{
	SDL_Event ev = { 0 };

	ev.type = down ? SDL_KEYDOWN : SDL_KEYUP;
	ev.key.state = down ? SDL_PRESSED : SDL_RELEASED;
	ev.key.keysym.scancode = scancode;
	ev.key.keysym.mod = mod;
	SDL_PushEvent(&ev);
}

/* The colour at a window position, as presented. */
static uint32_t window_pixel(SDL_Window *window, int x, int y)
{
	SDL_Renderer *renderer = SDL_GetRenderer(window);
	SDL_Rect rect = { x, y, 1, 1 };
	uint32_t pixel = 0xDEADBEEF;
	int logical_w, logical_h;

	/* Window coordinates, not the picture's. */
	SDL_RenderGetLogicalSize(renderer, &logical_w, &logical_h);
	SDL_RenderSetLogicalSize(renderer, 0, 0);
	g_assert_cmpint(SDL_RenderReadPixels(renderer, &rect, SDL_PIXELFORMAT_RGB888, &pixel, 4),
			==, 0);
	SDL_RenderSetLogicalSize(renderer, logical_w, logical_h);
	return pixel & 0xFFFFFF;
}

static void test_window(void)
{
	struct kd_pc_config cfg = { 0 };
	g_autoptr(GError) err = NULL;
	struct fake_adapter adapter = { 0 };
	struct kd_sdl_display *sd;
	struct kd_display *display;
	struct kd_machine *m;
	struct kd_kvm *kvm;
	unsigned quits = 0;
	SDL_Window *window;
	char *bytes;
	int w, h;

	KD_TEST_REQUIRE_KVM();
	/* No X here. SDL's OpenGL renderer would run on Mesa's llvmpipe, which leaks a few KiB
	 * inside Mesa and LLVM at exit; the software renderer keeps the leak check about us. */
	g_setenv("SDL_VIDEODRIVER", "offscreen", TRUE);
	g_setenv("SDL_RENDER_DRIVER", "software", TRUE);
	g_setenv("SDL_FRAMEBUFFER_ACCELERATION", "0", TRUE);
	cfg.vm.ram_size = 16 * KD_MIB;
	cfg.vm.ncpus = 1;
	cfg.vm.name = "sdltest";
	kvm = kd_kvm_open(NULL, &err);
	g_assert_no_error(err);
	m = kd_pc_new(kvm, &cfg, &err);
	g_assert_no_error(err);
	display = kd_display_new(m->vm, "fake", &fake_ops, &adapter);
	sd = kd_sdl_display_new(m, display, on_quit, &quits, &err);
	g_assert_no_error(err);
	g_assert_nonnull(sd);
	window = SDL_GetWindowFromID(1);
	g_assert_nonnull(window);
	SDL_GetWindowSize(window, &w, &h);
	g_assert_cmpint(w, ==, 640);
	g_assert_cmpint(h, ==, 400);
	g_assert_nonnull(strstr(SDL_GetWindowTitle(window), "sdltest - kvmdesk"));
	g_assert_nonnull(strstr(SDL_GetWindowTitle(window), "Ctrl+Alt+G"));
	g_assert_cmphex(window_pixel(window, 100, 300), ==, 0xFF0000);
	g_assert_cmphex(window_pixel(window, 500, 300), ==, 0x0000FF);

	/* A change reaches the window through the listener's dirty rectangle (after the
	 * listener's first, full, frame). */
	run_loop(100);
	adapter.step = 1;
	run_loop(100);
	g_assert_cmphex(window_pixel(window, 10, 10), ==, 0x00FF00);
	g_assert_cmphex(window_pixel(window, 630, 390), ==, 0x0000FF);
	g_assert_cmphex(window_pixel(window, 100, 300), ==, 0xFF0000);

	/* A wider window: the picture keeps its aspect between black bars. */
	SDL_SetWindowSize(window, 1000, 400);
	run_loop(60);
	g_assert_cmphex(window_pixel(window, 50, 200), ==, 0x000000);
	g_assert_cmphex(window_pixel(window, 200, 200), ==, 0xFF0000);
	g_assert_cmphex(window_pixel(window, 800, 200), ==, 0x0000FF);
	g_assert_cmphex(window_pixel(window, 950, 200), ==, 0x000000);

	/* Keys, by position, as set 2 make and break codes. */
	port_out(m, 0x64, 0x60);
	port_out(m, 0x60, 0x01);
	push_key(SDL_SCANCODE_A, true, 0);
	push_key(SDL_SCANCODE_A, false, 0);
	push_key(SDL_SCANCODE_RCTRL, true, 0);
	push_key(SDL_SCANCODE_RCTRL, false, 0);
	run_loop(60);
	bytes = keyboard_bytes(m);
	g_assert_cmpstr(bytes, ==, "1C F0 1C E0 14 E0 F0 14");
	g_free(bytes);

	/* Ctrl+Alt+G grabs and is not the guest's; a release without a press is dropped. */
	push_key(SDL_SCANCODE_G, true, KMOD_LCTRL | KMOD_LALT);
	push_key(SDL_SCANCODE_G, false, KMOD_LCTRL | KMOD_LALT);
	run_loop(60);
	bytes = keyboard_bytes(m);
	g_assert_cmpstr(bytes, ==, "");
	g_free(bytes);
	g_assert_nonnull(strstr(SDL_GetWindowTitle(window), "releases"));

	/* Closing the window asks to quit, once. */
	{
		SDL_Event ev = { 0 };

		ev.type = SDL_WINDOWEVENT;
		ev.window.event = SDL_WINDOWEVENT_CLOSE;
		ev.window.windowID = SDL_GetWindowID(window);
		SDL_PushEvent(&ev);
		ev.type = SDL_QUIT;
		SDL_PushEvent(&ev);
	}
	run_loop(60);
	g_assert_cmpuint(quits, ==, 1);

	kd_sdl_display_free(sd);
	kd_display_free(display);
	kd_pc_free(m);
	kd_kvm_close(kvm);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/display-sdl/scancodes", test_scancodes);
	g_test_add_func("/display-sdl/window-size", test_window_size);
	g_test_add_func("/display-sdl/window", test_window);
	return g_test_run();
}
