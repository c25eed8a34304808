/*
 * Device registration with the machine (see device.h).
 */
#include "config.h"

#include "hw/device.h"

#include "hw/machine.h"

static void device_reset(void *opaque)
{
	struct kd_device *dev = opaque;

	if (dev->reset)
		dev->reset(dev);
}

void kd_device_add(struct kd_machine *m, struct kd_device *dev, const char *type, const char *id)
{
	dev->type = type;
	dev->machine = m;
	dev->id = id ? g_strdup(id) : g_strdup_printf("%s.%u", type, m->next_device_id++);
	g_ptr_array_add(m->devices, dev);
	kd_vm_add_reset_handler(m->vm, device_reset, dev);
}

void kd_device_remove(struct kd_device *dev)
{
	struct kd_machine *m = dev->machine;

	kd_vm_remove_reset_handler(m->vm, device_reset, dev);
	g_ptr_array_remove(m->devices, dev);
	g_free(dev->id);
	dev->id = NULL;
	if (dev->destroy)
		dev->destroy(dev);
}

struct kd_device *kd_machine_find_device(struct kd_machine *m, const char *id)
{
	for (guint i = 0; i < m->devices->len; i++) {
		struct kd_device *d = g_ptr_array_index(m->devices, i);

		if (!g_strcmp0(d->id, id))
			return d;
	}
	return NULL;
}
