/*
 * isa-debugcon and isa-debug-exit (see isa-debug.h).
 */
#include "config.h"

#include "hw/isa-debug.h"

#include "hw/chardev.h"
#include "hw/machine.h"
#include "i18n.h"

struct debugcon {
	struct kd_device dev;
	struct kd_io_region *region;
	struct kd_chardev *out;
};

static uint64_t debugcon_read(void *opaque, uint64_t offset, unsigned size)
{
	/* QEMU's debugcon reads back 0xE9, which lets firmware detect it. */
	return 0xE9;
}

static void debugcon_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct debugcon *d = opaque;
	uint8_t c = (uint8_t)value;

	kd_chardev_write(d->out, &c, 1);
}

static const struct kd_io_ops debugcon_ops = {
	.read = debugcon_read,
	.write = debugcon_write,
};

static void debugcon_destroy(struct kd_device *dev)
{
	struct debugcon *d = (struct debugcon *)dev;

	kd_io_region_free(d->region);
	g_free(d);
}

bool kd_debugcon_create(struct kd_machine *m, uint16_t port, struct kd_chardev *out, GError **err)
{
	struct debugcon *d = g_new0(struct debugcon, 1);

	d->out = out;
	d->region = kd_io_region_new("debugcon", 1, &debugcon_ops, d);
	if (!kd_bus_map(kd_vm_pio(m->vm), d->region, port, err)) {
		kd_io_region_free(d->region);
		g_free(d);
		return false;
	}
	d->dev.destroy = debugcon_destroy;
	kd_device_add(m, &d->dev, "isa-debugcon", NULL);
	return true;
}

struct debug_exit {
	struct kd_device dev;
	struct kd_io_region *region;
};

static void debug_exit_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct debug_exit *d = opaque;

	/* Exit statuses are 8 bits: the value's low 7 bits survive the shift, as with QEMU. */
	kd_vm_request(d->dev.machine->vm, KD_VM_REQUEST_EXIT, (int)(((value << 1) | 1) & 0xFF));
}

static const struct kd_io_ops debug_exit_ops = {
	.write = debug_exit_write,
};

static void debug_exit_destroy(struct kd_device *dev)
{
	struct debug_exit *d = (struct debug_exit *)dev;

	kd_io_region_free(d->region);
	g_free(d);
}

bool kd_debug_exit_create(struct kd_machine *m, uint16_t iobase, uint8_t iosize, GError **err)
{
	struct debug_exit *d;

	if (iosize != 1 && iosize != 2 && iosize != 4) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("isa-debug-exit: iosize must be 1, 2 or 4, not %u"), iosize);
		return false;
	}
	d = g_new0(struct debug_exit, 1);
	d->region = kd_io_region_new("isa-debug-exit", iosize, &debug_exit_ops, d);
	if (!kd_bus_map(kd_vm_pio(m->vm), d->region, iobase, err)) {
		kd_io_region_free(d->region);
		g_free(d);
		return false;
	}
	d->dev.destroy = debug_exit_destroy;
	kd_device_add(m, &d->dev, "isa-debug-exit", NULL);
	return true;
}

struct post_port {
	struct kd_device dev;
	struct kd_io_region *region;
	uint8_t last;
	uint64_t writes;
};

static void post_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct post_port *p = opaque;

	p->last = (uint8_t)value;
	p->writes++;
}

static const struct kd_io_ops post_ops = {
	.write = post_write,
};

static void post_info(struct kd_device *dev, GString *out)
{
	struct post_port *p = (struct post_port *)dev;

	g_string_append_printf(out, "post: last code %#04x, %" G_GUINT64_FORMAT " writes\n",
			       p->last, p->writes);
}

static void post_destroy(struct kd_device *dev)
{
	struct post_port *p = (struct post_port *)dev;

	kd_io_region_free(p->region);
	g_free(p);
}

bool kd_post_port_create(struct kd_machine *m, GError **err)
{
	struct post_port *p = g_new0(struct post_port, 1);

	p->region = kd_io_region_new("post", 1, &post_ops, p);
	if (!kd_bus_map(kd_vm_pio(m->vm), p->region, KD_POST_PORT, err)) {
		kd_io_region_free(p->region);
		g_free(p);
		return false;
	}
	p->dev.info = post_info;
	p->dev.destroy = post_destroy;
	kd_device_add(m, &p->dev, "post", "post");
	return true;
}
