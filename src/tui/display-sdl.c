/*
 * `-display sdl` (see display-sdl.h): one SDL2 window, a streaming texture of the guest's
 * pixels updated where they changed, keys by position through the USB HID usages SDL's
 * scancodes are.
 */
#include "config.h"

#include "tui/display-sdl.h"

#include <SDL.h>
#include <gio/gio.h>
#include <string.h>

#include "hw/display.h"
#include "hw/i8042.h"
#include "hw/keymap.h"
#include "hw/machine.h"
#include "i18n.h"
#include "vm/vm.h"

#define REFRESH_MS 16 /* 60 Hz, for the picture and for SDL's events */
#define SMALL_WIDTH 640
#define SMALL_HEIGHT 400
#define NO_PICTURE_WIDTH 640
#define NO_PICTURE_HEIGHT 480
#define HID_USAGES 256

struct kd_sdl_display {
	struct kd_machine *machine;
	struct kd_display *display;
	kd_display_quit_fn quit;
	void *opaque;
	char *name;
	SDL_Window *window;
	SDL_Renderer *renderer;
	SDL_Texture *texture; /* tex_w x tex_h, the guest's pixels; NULL without a picture */
	unsigned tex_w, tex_h;
	unsigned fitted_w, fitted_h; /* the picture size the window was last sized for */
	bool picture; /* the texture holds the current picture (not OFF) */
	bool drawn;
	uint64_t generation;
	bool grabbed;
	bool quitting;
	unsigned listener;
	guint event_source;
	/* Keys whose make code went to the guest, by HID usage: only they get a break code,
	 * and all of them do when the window loses the focus. */
	uint8_t held[HID_USAGES / 8];
};

void kd_sdl_display_window_size(unsigned width, unsigned height, int max_w, int max_h, int *w,
				int *h)
{
	uint64_t ww = width, wh = height;

	if (!width || !height) {
		ww = NO_PICTURE_WIDTH;
		wh = NO_PICTURE_HEIGHT;
	} else if (width <= SMALL_WIDTH && height <= SMALL_HEIGHT) {
		ww *= 2;
		wh *= 2;
	}
	if (max_w > 0 && ww > (uint64_t)max_w) {
		wh = MAX(wh * (uint64_t)max_w / ww, 1);
		ww = (uint64_t)max_w;
	}
	if (max_h > 0 && wh > (uint64_t)max_h) {
		ww = MAX(ww * (uint64_t)max_h / wh, 1);
		wh = (uint64_t)max_h;
	}
	*w = (int)ww;
	*h = (int)wh;
}

/* ---------------------------------------------------------------- picture */

static void present(struct kd_sdl_display *sd)
{
	SDL_SetRenderDrawColor(sd->renderer, 0, 0, 0, SDL_ALPHA_OPAQUE);
	SDL_RenderClear(sd->renderer);
	if (sd->picture)
		SDL_RenderCopy(sd->renderer, sd->texture, NULL, NULL);
	SDL_RenderPresent(sd->renderer);
}

/* Sizes the window for a new picture size, unless the user made it maximised or full. */
static void fit_window(struct kd_sdl_display *sd, unsigned width, unsigned height)
{
	SDL_Rect bounds = { 0 };
	int w, h;

	if (SDL_GetWindowFlags(sd->window) & (SDL_WINDOW_MAXIMIZED | SDL_WINDOW_FULLSCREEN))
		return;
	if (SDL_GetDisplayUsableBounds(SDL_GetWindowDisplayIndex(sd->window), &bounds) != 0)
		bounds.w = bounds.h = 0;
	kd_sdl_display_window_size(width, height, bounds.w, bounds.h, &w, &h);
	SDL_SetWindowSize(sd->window, w, h);
}

/* A texture of the frame's size; false (picture kept black) when SDL has none to give. */
static bool resize_texture(struct kd_sdl_display *sd, unsigned width, unsigned height)
{
	if (sd->texture)
		SDL_DestroyTexture(sd->texture);
	sd->tex_w = sd->tex_h = 0;
	/* XRGB8888 is the frame's 0x00RRGGBB in a uint32_t. */
	sd->texture = SDL_CreateTexture(sd->renderer, SDL_PIXELFORMAT_RGB888,
					SDL_TEXTUREACCESS_STREAMING, (int)width, (int)height);
	if (!sd->texture)
		return false; /* beyond the renderer's texture size: the window stays black */
	sd->tex_w = width;
	sd->tex_h = height;
	SDL_RenderSetLogicalSize(sd->renderer, (int)width, (int)height);
	if (width != sd->fitted_w || height != sd->fitted_h)
		fit_window(sd, width, height);
	sd->fitted_w = width;
	sd->fitted_h = height;
	return true;
}

static void upload(struct kd_sdl_display *sd, const struct kd_display_frame *f, unsigned x,
		   unsigned y, unsigned w, unsigned h)
{
	SDL_Rect rect = { (int)x, (int)y, (int)w, (int)h };

	SDL_UpdateTexture(sd->texture, &rect, f->pixels + (size_t)y * f->width + x,
			  (int)(f->width * sizeof(uint32_t)));
}

static void show_frame(struct kd_sdl_display *sd, const struct kd_display_frame *f, bool full)
{
	/* A refresh this window did not see took its damage with it (see screen-render.c). */
	bool missed = sd->drawn && f->generation != sd->generation &&
		      (f->generation != sd->generation + 1 || !f->dirty_w);

	sd->drawn = true;
	sd->generation = f->generation;
	sd->picture = f->mode != KD_DISPLAY_OFF && f->pixels && f->width && f->height;
	if (sd->picture && (f->width != sd->tex_w || f->height != sd->tex_h)) {
		sd->picture = resize_texture(sd, f->width, f->height);
		full = true;
	}
	if (sd->picture) {
		if (full || missed)
			upload(sd, f, 0, 0, f->width, f->height);
		else if (f->dirty_w && f->dirty_h)
			upload(sd, f, f->dirty_x, f->dirty_y, f->dirty_w, f->dirty_h);
	}
	present(sd);
}

static void on_frame(const struct kd_display_frame *frame, void *data)
{
	show_frame(data, frame, false);
}

/* ---------------------------------------------------------------- keyboard */

static void put_codes(struct kd_sdl_display *sd, const uint8_t *codes, size_t len)
{
	struct kd_machine *m = sd->machine;

	kd_vm_lock(m->vm);
	if (m->i8042)
		kd_i8042_put_keycode(m->i8042, codes, len);
	kd_vm_unlock(m->vm);
}

static bool is_held(const struct kd_sdl_display *sd, unsigned usage)
{
	return sd->held[usage / 8] & (1u << (usage % 8));
}

static void release_all(struct kd_sdl_display *sd)
{
	for (unsigned usage = 0; usage < HID_USAGES; usage++) {
		uint8_t codes[KD_KEYMAP_PUT_MAX];

		if (!is_held(sd, usage))
			continue;
		put_codes(sd, codes, kd_keymap_put(codes, kd_keymap_from_hid(usage), true));
	}
	memset(sd->held, 0, sizeof(sd->held));
}

static void set_title(struct kd_sdl_display *sd)
{
	g_autofree char *title =
		sd->grabbed ? g_strdup_printf(_("%s - kvmdesk - Ctrl+Alt+G releases the keyboard"),
					      sd->name)
			    : g_strdup_printf(_("%s - kvmdesk (Ctrl+Alt+G to grab the keyboard)"),
					      sd->name);

	SDL_SetWindowTitle(sd->window, title);
}

static void toggle_grab(struct kd_sdl_display *sd)
{
	sd->grabbed = !sd->grabbed;
#if SDL_VERSION_ATLEAST(2, 0, 16)
	SDL_SetWindowKeyboardGrab(sd->window, sd->grabbed ? SDL_TRUE : SDL_FALSE);
#else
	/* With SDL_HINT_GRAB_KEYBOARD, this grabs the keyboard too. */
	SDL_SetWindowGrab(sd->window, sd->grabbed ? SDL_TRUE : SDL_FALSE);
#endif
	set_title(sd);
}

static void key_event(struct kd_sdl_display *sd, const SDL_KeyboardEvent *ev)
{
	unsigned usage = (unsigned)ev->keysym.scancode;
	bool down = ev->type == SDL_KEYDOWN;
	uint8_t codes[KD_KEYMAP_PUT_MAX];
	enum kd_key key;

	if (down && ev->keysym.scancode == SDL_SCANCODE_G && (ev->keysym.mod & KMOD_CTRL) &&
	    (ev->keysym.mod & KMOD_ALT)) {
		if (!ev->repeat)
			toggle_grab(sd);
		return;
	}
	key = usage < HID_USAGES ? kd_keymap_from_hid(usage) : KD_KEY_NONE;
	if (key == KD_KEY_NONE || (!down && !is_held(sd, usage)))
		return;
	if (down)
		sd->held[usage / 8] |= (uint8_t)(1u << (usage % 8));
	else
		sd->held[usage / 8] &= (uint8_t) ~(1u << (usage % 8));
	/* A repeated press is sent again, as the keyboard's own typematic would. */
	put_codes(sd, codes, kd_keymap_put(codes, key, !down));
}

/* ---------------------------------------------------------------- events */

static void request_quit(struct kd_sdl_display *sd)
{
	if (sd->quitting)
		return;
	sd->quitting = true;
	sd->quit(sd->opaque);
}

static void window_event(struct kd_sdl_display *sd, const SDL_WindowEvent *ev)
{
	switch (ev->event) {
	case SDL_WINDOWEVENT_CLOSE:
		request_quit(sd);
		break;
	case SDL_WINDOWEVENT_EXPOSED:
	case SDL_WINDOWEVENT_SIZE_CHANGED:
		present(sd);
		break;
	case SDL_WINDOWEVENT_FOCUS_LOST:
		/* The key releases go to another window now: let the guest see them. */
		release_all(sd);
		break;
	}
}

/* The renderer lost its textures (a GPU reset, a Direct3D device lost): start afresh. */
static void renderer_reset(struct kd_sdl_display *sd)
{
	if (sd->texture)
		SDL_DestroyTexture(sd->texture);
	sd->texture = NULL;
	sd->tex_w = sd->tex_h = 0;
	show_frame(sd, kd_display_refresh(sd->display, true), true);
}

static gboolean on_events(gpointer data)
{
	struct kd_sdl_display *sd = data;
	SDL_Event ev;

	while (!sd->quitting && SDL_PollEvent(&ev)) {
		switch (ev.type) {
		case SDL_QUIT:
			request_quit(sd);
			break;
		case SDL_WINDOWEVENT:
			window_event(sd, &ev.window);
			break;
		case SDL_KEYDOWN:
		case SDL_KEYUP:
			key_event(sd, &ev.key);
			break;
		case SDL_RENDER_TARGETS_RESET:
		case SDL_RENDER_DEVICE_RESET:
			renderer_reset(sd);
			break;
		}
	}
	return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------- life cycle */

static bool open_window(struct kd_sdl_display *sd, const struct kd_display_frame *frame,
			GError **err)
{
	int w, h;

	kd_sdl_display_window_size(frame->mode != KD_DISPLAY_OFF ? frame->width : 0,
				   frame->mode != KD_DISPLAY_OFF ? frame->height : 0, 0, 0, &w, &h);
	sd->window = SDL_CreateWindow(sd->name, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, w,
				      h, SDL_WINDOW_RESIZABLE);
	if (!sd->window) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED,
			    _("-display sdl: cannot open a window: %s"), SDL_GetError());
		return false;
	}
	/* No vsync: presenting must not hold up the main loop. */
	sd->renderer = SDL_CreateRenderer(sd->window, -1, 0);
	if (!sd->renderer)
		sd->renderer = SDL_CreateRenderer(sd->window, -1, SDL_RENDERER_SOFTWARE);
	if (!sd->renderer) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED,
			    _("-display sdl: cannot draw in the window: %s"), SDL_GetError());
		return false;
	}
	set_title(sd);
	return true;
}

struct kd_sdl_display *kd_sdl_display_new(struct kd_machine *m, struct kd_display *display,
					  kd_display_quit_fn quit, void *opaque, GError **err)
{
	struct kd_sdl_display *sd;
	const struct kd_display_frame *frame;

	/* Signals belong to the main loop; SDL would turn SIGINT into a window close. */
	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
#if !SDL_VERSION_ATLEAST(2, 0, 16)
	SDL_SetHint(SDL_HINT_GRAB_KEYBOARD, "1");
#endif
	if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			    _("-display sdl: SDL cannot show windows here: %s (is DISPLAY or "
			      "WAYLAND_DISPLAY set? -display curses works in a terminal)"),
			    SDL_GetError());
		return NULL;
	}
	sd = g_new0(struct kd_sdl_display, 1);
	sd->machine = m;
	sd->display = display;
	sd->quit = quit;
	sd->opaque = opaque;
	sd->name = g_strdup(kd_vm_name(m->vm));
	frame = kd_display_refresh(display, true);
	if (!open_window(sd, frame, err)) {
		kd_sdl_display_free(sd);
		return NULL;
	}
	/* Keys are taken by position; SDL's text input would only add events to drop. */
	SDL_StopTextInput();
	show_frame(sd, frame, true);
	sd->listener = kd_display_add_listener(display, REFRESH_MS, on_frame, sd);
	sd->event_source = g_timeout_add(REFRESH_MS, on_events, sd);
	return sd;
}

void kd_sdl_display_free(struct kd_sdl_display *sd)
{
	if (!sd)
		return;
	if (sd->listener)
		kd_display_remove_listener(sd->display, sd->listener);
	if (sd->event_source)
		g_source_remove(sd->event_source);
	if (sd->texture)
		SDL_DestroyTexture(sd->texture);
	if (sd->renderer)
		SDL_DestroyRenderer(sd->renderer);
	if (sd->window)
		SDL_DestroyWindow(sd->window);
	SDL_QuitSubSystem(SDL_INIT_VIDEO);
	if (!SDL_WasInit(SDL_INIT_EVERYTHING))
		SDL_Quit();
	g_free(sd->name);
	g_free(sd);
}
