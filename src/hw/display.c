/*
 * The display interface between a display adapter and its consumers (display.h).
 */
#include "config.h"

#include "hw/display.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "vm/vm.h"

struct listener {
	unsigned id;
	unsigned interval_ms;
	kd_display_listener_fn fn;
	void *data;
};

struct kd_display {
	struct kd_vm *vm;
	char *name;
	const struct kd_display_ops *ops;
	void *opaque;
	struct kd_display_frame frame;
	GArray *listeners; /* struct listener */
	unsigned next_id;
	guint timer;
	unsigned timer_interval;
	uint64_t notified_generation;
	bool notified_once;
};

struct kd_display *kd_display_new(struct kd_vm *vm, const char *name,
				  const struct kd_display_ops *ops, void *opaque)
{
	struct kd_display *d = g_new0(struct kd_display, 1);

	d->vm = vm;
	d->name = g_strdup(name);
	d->ops = ops;
	d->opaque = opaque;
	d->listeners = g_array_new(FALSE, FALSE, sizeof(struct listener));
	d->next_id = 1;
	return d;
}

void kd_display_free(struct kd_display *d)
{
	if (!d)
		return;
	if (d->timer)
		g_source_remove(d->timer);
	g_array_free(d->listeners, TRUE);
	g_free(d->frame.pixels);
	g_free(d->frame.text.cells);
	g_free(d->name);
	g_free(d);
}

const char *kd_display_name(const struct kd_display *d)
{
	return d->name;
}

void kd_display_frame_resize(struct kd_display_frame *f, enum kd_display_mode mode, unsigned width,
			     unsigned height, unsigned cols, unsigned rows)
{
	width = MIN(width, KD_DISPLAY_MAX_WIDTH);
	height = MIN(height, KD_DISPLAY_MAX_HEIGHT);
	if (mode != KD_DISPLAY_TEXT)
		cols = rows = 0;
	cols = MIN(cols, 256u);
	rows = MIN(rows, 256u);
	if (f->mode == mode && f->width == width && f->height == height && f->text.cols == cols &&
	    f->text.rows == rows && (f->pixels || width * height == 0))
		return;
	f->mode = mode;
	if (f->width != width || f->height != height || !f->pixels) {
		g_free(f->pixels);
		f->width = width;
		f->height = height;
		f->pixels = g_new0(uint32_t, MAX((size_t)width * height, 1));
	} else {
		memset(f->pixels, 0, (size_t)width * height * sizeof(uint32_t));
	}
	if (f->text.cols != cols || f->text.rows != rows || !f->text.cells) {
		g_free(f->text.cells);
		f->text.cols = cols;
		f->text.rows = rows;
		f->text.cells = g_new0(struct kd_display_cell, MAX((size_t)cols * rows, 1));
	}
	f->text_changed = true;
	kd_display_frame_damage(f, 0, 0, width, height);
	/* An empty new frame still changed (a mode switch to OFF, for instance). */
	f->generation++;
}

void kd_display_frame_damage(struct kd_display_frame *f, unsigned x, unsigned y, unsigned w,
			     unsigned h)
{
	unsigned x1, y1;

	if (x >= f->width || y >= f->height || w == 0 || h == 0)
		return;
	w = MIN(w, f->width - x);
	h = MIN(h, f->height - y);
	if (f->dirty_w == 0) {
		f->dirty_x = x;
		f->dirty_y = y;
		f->dirty_w = w;
		f->dirty_h = h;
		return;
	}
	x1 = MAX(f->dirty_x + f->dirty_w, x + w);
	y1 = MAX(f->dirty_y + f->dirty_h, y + h);
	f->dirty_x = MIN(f->dirty_x, x);
	f->dirty_y = MIN(f->dirty_y, y);
	f->dirty_w = x1 - f->dirty_x;
	f->dirty_h = y1 - f->dirty_y;
}

static void notify(struct kd_display *d)
{
	const struct kd_display_frame *f = &d->frame;

	d->notified_once = true;
	d->notified_generation = f->generation;
	/* A listener may remove itself (or another) while being called: index afresh. */
	for (guint i = 0; i < d->listeners->len; i++) {
		struct listener l = g_array_index(d->listeners, struct listener, i);

		l.fn(f, l.data);
	}
}

const struct kd_display_frame *kd_display_refresh(struct kd_display *d, bool full)
{
	struct kd_display_frame *f = &d->frame;
	uint64_t before = f->generation;

	f->dirty_x = f->dirty_y = f->dirty_w = f->dirty_h = 0;
	f->text_changed = false;
	kd_vm_lock(d->vm);
	d->ops->update(d->opaque, f, full);
	kd_vm_unlock(d->vm);
	if (f->generation == before && (f->dirty_w || f->text_changed))
		f->generation++;
	/* Whoever asked (screendump, info display, the timer), listeners see every change with
	 * its damage: the next refresh resets it. */
	if (d->listeners->len && (f->generation != d->notified_generation || !d->notified_once))
		notify(d);
	return f;
}

void kd_display_describe(struct kd_display *d, GString *out)
{
	const struct kd_display_frame *f = kd_display_refresh(d, false);

	kd_vm_lock(d->vm);
	d->ops->describe(d->opaque, f, out);
	kd_vm_unlock(d->vm);
}

static gboolean on_timer(gpointer data)
{
	struct kd_display *d = data;

	kd_display_refresh(d, !d->notified_once);
	return G_SOURCE_CONTINUE;
}

static void restart_timer(struct kd_display *d)
{
	unsigned interval = 0;

	for (guint i = 0; i < d->listeners->len; i++) {
		unsigned ms = g_array_index(d->listeners, struct listener, i).interval_ms;

		if (!interval || ms < interval)
			interval = ms;
	}
	if (d->timer && interval == d->timer_interval)
		return;
	if (d->timer)
		g_source_remove(d->timer);
	d->timer = 0;
	d->timer_interval = interval;
	if (interval)
		d->timer = g_timeout_add(interval, on_timer, d);
}

unsigned kd_display_add_listener(struct kd_display *d, unsigned interval_ms,
				 kd_display_listener_fn fn, void *data)
{
	struct listener l = { d->next_id++, CLAMP(interval_ms, 5u, 1000u), fn, data };

	g_array_append_val(d->listeners, l);
	/* The newcomer needs the whole picture at once. */
	d->notified_once = false;
	restart_timer(d);
	return l.id;
}

void kd_display_remove_listener(struct kd_display *d, unsigned id)
{
	for (guint i = 0; i < d->listeners->len; i++) {
		if (g_array_index(d->listeners, struct listener, i).id == id) {
			g_array_remove_index(d->listeners, i);
			break;
		}
	}
	restart_timer(d);
}

/* Code page 437 as the IBM PC's character ROM draws it, 0x00-0xFF. */
static const uint16_t cp437[256] = {
	0x0020, 0x263A, 0x263B, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022, 0x25D8, 0x25CB, 0x25D9,
	0x2642, 0x2640, 0x266A, 0x266B, 0x263C, 0x25BA, 0x25C4, 0x2195, 0x203C, 0x00B6, 0x00A7,
	0x25AC, 0x21A8, 0x2191, 0x2193, 0x2192, 0x2190, 0x221F, 0x2194, 0x25B2, 0x25BC, 0x0020,
	0x0021, 0x0022, 0x0023, 0x0024, 0x0025, 0x0026, 0x0027, 0x0028, 0x0029, 0x002A, 0x002B,
	0x002C, 0x002D, 0x002E, 0x002F, 0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036,
	0x0037, 0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F, 0x0040, 0x0041,
	0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047, 0x0048, 0x0049, 0x004A, 0x004B, 0x004C,
	0x004D, 0x004E, 0x004F, 0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005A, 0x005B, 0x005C, 0x005D, 0x005E, 0x005F, 0x0060, 0x0061, 0x0062,
	0x0063, 0x0064, 0x0065, 0x0066, 0x0067, 0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D,
	0x006E, 0x006F, 0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077, 0x0078,
	0x0079, 0x007A, 0x007B, 0x007C, 0x007D, 0x007E, 0x2302, 0x00C7, 0x00FC, 0x00E9, 0x00E2,
	0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4,
	0x00C5, 0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, 0x00FF, 0x00D6,
	0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1,
	0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
	0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551,
	0x2557, 0x255D, 0x255C, 0x255B, 0x2510, 0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C,
	0x255E, 0x255F, 0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567, 0x2568,
	0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518, 0x250C, 0x2588,
	0x2584, 0x258C, 0x2590, 0x2580, 0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5,
	0x03C4, 0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229, 0x2261, 0x00B1,
	0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248, 0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F,
	0x00B2, 0x25A0, 0x00A0,
};

gunichar kd_display_cp437(uint8_t ch)
{
	return cp437[ch];
}

bool kd_display_write_ppm(const struct kd_display_frame *f, const char *path, GError **err)
{
	unsigned width = f->pixels && f->width ? f->width : 640;
	unsigned height = f->pixels && f->height ? f->height : 480;
	g_autofree uint8_t *row = g_malloc((size_t)width * 3);
	g_autofree char *tmp = g_strdup_printf("%s.XXXXXX", path);
	FILE *out;
	int fd;
	bool ok;

	/* Written beside and renamed: a reader never sees half a picture, and a failed dump
	 * leaves an older file intact. */
	fd = g_mkstemp(tmp);
	if (fd < 0 || !(out = fdopen(fd, "wb"))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), _("cannot write %s: %s"),
			    path, g_strerror(e));
		return false;
	}
	fprintf(out, "P6\n%u %u\n255\n", width, height);
	for (unsigned y = 0; y < height; y++) {
		for (unsigned x = 0; x < width; x++) {
			uint32_t p = f->pixels && f->width ? f->pixels[(size_t)y * width + x] : 0;

			row[3 * x] = (uint8_t)(p >> 16);
			row[3 * x + 1] = (uint8_t)(p >> 8);
			row[3 * x + 2] = (uint8_t)p;
		}
		fwrite(row, 3, width, out);
	}
	ok = fflush(out) == 0 && !ferror(out);
	if (fclose(out) != 0)
		ok = false;
	if (ok && rename(tmp, path) == 0)
		return true;
	g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), _("cannot write %s: %s"),
		    path, g_strerror(errno));
	unlink(tmp);
	return false;
}
