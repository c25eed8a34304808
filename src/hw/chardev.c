/*
 * Character backends (see chardev.h).
 */
#include "config.h"

#include "hw/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "i18n.h"
#include "vm/vm.h"

#define INPUT_BUFFER 256
/* Output a "vc" keeps until its reader takes it; a guest writing faster than the terminal
 * draws loses the oldest bytes, never blocks. */
#define VC_OUTPUT_MAX (64 * 1024)

struct kd_chardev {
	char *spec;
	int out_fd;
	bool owns_fd;
	bool is_stdio;
	/* input */
	struct kd_vm *vm;
	kd_chardev_input_fn input_fn;
	void *input_opaque;
	guint watch;
	guint idle; /* resume_input scheduled */
	uint8_t pending[INPUT_BUFFER];
	size_t npending;
	bool at_eof;
	/* a terminal on stdin in raw mode, restored on free */
	bool raw;
	struct termios saved;
	/* "vc": output kept for the workstation's console (vCPU threads write, the main loop
	 * reads, under vc_lock) */
	bool is_vc;
	GMutex vc_lock;
	GByteArray *vc_output;
	guint vc_notify; /* an idle source telling the reader, or 0 */
	void (*vc_listener)(void *opaque);
	void *vc_opaque;
};

struct kd_chardev *kd_chardev_new(const char *spec, GError **err)
{
	struct kd_chardev *c;

	if (!spec || !strcmp(spec, "none") || !strcmp(spec, "null"))
		return NULL;
	c = g_new0(struct kd_chardev, 1);
	c->spec = g_strdup(spec);
	c->out_fd = -1;
	if (!strcmp(spec, "stdio")) {
		c->out_fd = STDOUT_FILENO;
		c->is_stdio = true;
	} else if (!strcmp(spec, "vc")) {
		c->is_vc = true;
		g_mutex_init(&c->vc_lock);
		c->vc_output = g_byte_array_new();
	} else if (g_str_has_prefix(spec, "file:") && spec[5]) {
		c->out_fd = open(spec + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (c->out_fd < 0) {
			g_set_error(err, G_IO_ERROR, g_io_error_from_errno(errno),
				    _("cannot open %s for writing: %s"), spec + 5,
				    g_strerror(errno));
			kd_chardev_free(c);
			return NULL;
		}
		c->owns_fd = true;
	} else {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    _("unknown character device '%s' (use stdio, file:PATH, vc or none)"),
			    spec);
		kd_chardev_free(c);
		return NULL;
	}
	return c;
}

void kd_chardev_free(struct kd_chardev *c)
{
	if (!c)
		return;
	if (c->watch)
		g_source_remove(c->watch);
	if (c->idle)
		g_source_remove(c->idle);
	if (c->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &c->saved);
	if (c->is_vc) {
		if (c->vc_notify)
			g_source_remove(c->vc_notify);
		g_byte_array_unref(c->vc_output);
		g_mutex_clear(&c->vc_lock);
	}
	if (c->owns_fd && c->out_fd >= 0)
		close(c->out_fd);
	g_free(c->spec);
	g_free(c);
}

const char *kd_chardev_spec(const struct kd_chardev *c)
{
	return c ? c->spec : "none";
}

bool kd_chardev_is_stdio(const struct kd_chardev *c)
{
	return c && c->is_stdio;
}

static void deliver(struct kd_chardev *c);

static gboolean vc_notify(gpointer data)
{
	struct kd_chardev *c = data;

	g_mutex_lock(&c->vc_lock);
	c->vc_notify = 0;
	g_mutex_unlock(&c->vc_lock);
	if (c->vc_listener)
		c->vc_listener(c->vc_opaque);
	return G_SOURCE_REMOVE;
}

static void vc_write(struct kd_chardev *c, const uint8_t *buf, size_t len)
{
	g_mutex_lock(&c->vc_lock);
	if (len >= VC_OUTPUT_MAX) {
		buf += len - VC_OUTPUT_MAX;
		len = VC_OUTPUT_MAX;
	}
	/* Full: the older half goes at once, so a guest that writes while nobody reads costs
	 * one move per 32 KiB, not one per byte. */
	if (c->vc_output->len + len > VC_OUTPUT_MAX)
		g_byte_array_remove_range(
			c->vc_output, 0,
			MIN(c->vc_output->len, (guint)MAX(c->vc_output->len + len - VC_OUTPUT_MAX,
							  VC_OUTPUT_MAX / 2)));
	g_byte_array_append(c->vc_output, buf, (guint)len);
	/* One wake-up of the main loop per batch of output, not per byte. */
	if (!c->vc_notify && c->vc_listener)
		c->vc_notify = g_idle_add(vc_notify, c);
	g_mutex_unlock(&c->vc_lock);
}

bool kd_chardev_is_vc(const struct kd_chardev *c)
{
	return c && c->is_vc;
}

void kd_chardev_set_output_listener(struct kd_chardev *c, void (*fn)(void *opaque), void *opaque)
{
	if (!c || !c->is_vc)
		return;
	g_mutex_lock(&c->vc_lock);
	c->vc_listener = fn;
	c->vc_opaque = opaque;
	if (!fn && c->vc_notify) {
		g_source_remove(c->vc_notify);
		c->vc_notify = 0;
	} else if (fn && c->vc_output->len && !c->vc_notify) {
		c->vc_notify = g_idle_add(vc_notify, c);
	}
	g_mutex_unlock(&c->vc_lock);
}

GBytes *kd_chardev_take_output(struct kd_chardev *c)
{
	GBytes *out;

	if (!c || !c->is_vc)
		return g_bytes_new(NULL, 0);
	g_mutex_lock(&c->vc_lock);
	out = g_bytes_new(c->vc_output->data, c->vc_output->len);
	g_byte_array_set_size(c->vc_output, 0);
	g_mutex_unlock(&c->vc_lock);
	return out;
}

void kd_chardev_send_input(struct kd_chardev *c, const uint8_t *buf, size_t len)
{
	size_t room;

	if (!c || !c->is_vc || !c->input_fn)
		return;
	room = sizeof(c->pending) - c->npending;
	/* A paste beyond what the UART and this buffer hold is cut, as a real line would be. */
	len = MIN(len, room);
	memcpy(c->pending + c->npending, buf, len);
	c->npending += len;
	deliver(c);
}

void kd_chardev_write(struct kd_chardev *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (c && c->is_vc) {
		vc_write(c, buf, len);
		return;
	}
	if (!c || c->out_fd < 0)
		return;
	while (len) {
		ssize_t n = write(c->out_fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* a closed terminal or full disk loses output, not the VM */
		p += n;
		len -= (size_t)n;
	}
}

static void deliver(struct kd_chardev *c)
{
	size_t taken;

	if (!c->npending || !c->input_fn)
		return;
	kd_vm_lock(c->vm);
	taken = c->input_fn(c->input_opaque, c->pending, c->npending);
	kd_vm_unlock(c->vm);
	taken = MIN(taken, c->npending);
	memmove(c->pending, c->pending + taken, c->npending - taken);
	c->npending -= taken;
}

static gboolean on_input(gint fd, GIOCondition cond, gpointer data)
{
	struct kd_chardev *c = data;
	ssize_t n;

	if (c->npending < sizeof(c->pending)) {
		n = read(fd, c->pending + c->npending, sizeof(c->pending) - c->npending);
		if (n > 0)
			c->npending += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			c->at_eof = true;
	}
	deliver(c);
	/* Stop reading while the device is full (it calls kd_chardev_input_ready) or at EOF. */
	if (c->at_eof || c->npending == sizeof(c->pending)) {
		c->watch = 0;
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

void kd_chardev_set_input(struct kd_chardev *c, struct kd_vm *vm, kd_chardev_input_fn fn,
			  void *opaque)
{
	struct termios raw;

	if (!c || (!c->is_stdio && !c->is_vc))
		return;
	c->vm = vm;
	c->input_fn = fn;
	c->input_opaque = opaque;
	if (c->is_vc)
		return; /* input comes from kd_chardev_send_input */
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &c->saved) == 0) {
		/* Keys go to the guest as typed; signals stay on so Ctrl-C still ends kvmdesk
		 * until the terminal UI takes over the keyboard. */
		raw = c->saved;
		raw.c_iflag &= ~(unsigned)(IXON | ICRNL | INLCR | IGNCR);
		raw.c_lflag &= ~(unsigned)(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			c->raw = true;
	}
	g_unix_set_fd_nonblocking(STDIN_FILENO, TRUE, NULL);
	c->watch = g_unix_fd_add(STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, c);
}

static gboolean resume_input(gpointer data)
{
	struct kd_chardev *c = data;

	kd_vm_lock(c->vm);
	c->idle = 0;
	kd_vm_unlock(c->vm);
	deliver(c);
	if (!c->is_vc && !c->watch && !c->at_eof && c->npending < sizeof(c->pending))
		c->watch = g_unix_fd_add(STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, c);
	return G_SOURCE_REMOVE;
}

void kd_chardev_input_ready(struct kd_chardev *c)
{
	/* Called with the machine lock held, maybe from a vCPU: deliver from the main loop. */
	if (c && c->input_fn && !c->idle && (c->npending || (!c->watch && !c->is_vc)))
		c->idle = g_idle_add(resume_input, c);
}
