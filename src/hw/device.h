/*
 * What every device model has in common: a type, an id, and the operations the machine calls.
 * Devices embed struct kd_device as their first member and register with kd_device_add().
 */
#ifndef KD_HW_DEVICE_H
#define KD_HW_DEVICE_H

#include <glib.h>

struct kd_machine;

struct kd_device {
	const char *type; /* "i440FX", "mc146818rtc", ... */
	char *id; /* unique within the machine */
	struct kd_machine *machine;
	/* Power-on state again; machine lock held, vCPUs stopped. */
	void (*reset)(struct kd_device *dev);
	/* One or more lines for the monitor's `info qtree`-style output. */
	void (*info)(struct kd_device *dev, GString *out);
	/* Unmaps its I/O ranges and frees it; vCPUs stopped. */
	void (*destroy)(struct kd_device *dev);
};

/* Registers dev with the machine (reset, info, teardown in reverse order of addition). */
void kd_device_add(struct kd_machine *m, struct kd_device *dev, const char *type, const char *id);
/* Takes dev out of the machine and destroys it. */
void kd_device_remove(struct kd_device *dev);

#endif
