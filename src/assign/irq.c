/*
 * Who else uses a device's interrupt line. The kernel's own answer is /sys/kernel/irq/N/actions
 * (handler names, Documentation/ABI/testing/sysfs-kernel-irq), with /proc/interrupts for older
 * kernels. Handler names are mapped back to devices where they can be: by a PCI address in the
 * name (ahci[0000:00:1f.2], vfio-intx(0000:00:0b.0)), a network interface name, or the driver
 * name of an enabled device on that line. A device that is not enabled shows its BIOS line in
 * `irq` without using it, so only handlers count, never `irq` files alone.
 */
#include "config.h"

#include <string.h>

#include "assign/inventory-internal.h"

/* Handler names on line irq, or NULL when the kernel tells nothing about the line. */
static GPtrArray *line_handlers(struct kd_host *host, int irq)
{
	g_autofree char *actions = kd_root_read(host, "sys/kernel/irq/%d/actions", irq);
	g_auto(GStrv) lines = NULL;
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);

	if (actions) {
		g_auto(GStrv) parts = g_strsplit(actions, ",", -1);

		for (char **p = parts; *p; p++)
			if (*g_strstrip(*p))
				g_ptr_array_add(names, g_strdup(*p));
		return names;
	}
	lines = kd_root_lines(host, "proc/interrupts");
	if (lines) {
		g_autofree char *label = g_strdup_printf("%d:", irq);

		for (char **l = lines; *l; l++) {
			g_auto(GStrv) tokens = NULL;
			const char *list = NULL;

			if (!g_str_has_prefix(g_strchug(*l), label))
				continue;
			/* "11: 0 0 IO-APIC 11-fasteoi uhci_hcd:usb1, i801_smbus": the handlers
			 * follow the chip's "<hwirq>-<flow>" column. */
			tokens = g_strsplit_set(*l, " \t", -1);
			for (char **t = tokens; *t; t++) {
				const char *dash = strrchr(*t, '-');

				if (dash && (!strcmp(dash, "-edge") || !strcmp(dash, "-level") ||
					     !strcmp(dash, "-fasteoi") || !strcmp(dash, "-eoi"))) {
					list = strstr(*l, *t) + strlen(*t);
					break;
				}
			}
			if (list) {
				g_auto(GStrv) parts = g_strsplit(list, ",", -1);

				for (char **p = parts; *p; p++)
					if (*g_strstrip(*p))
						g_ptr_array_add(names, g_strdup(*p));
			}
			return names;
		}
	}
	g_ptr_array_free(names, TRUE);
	return NULL;
}

/* The driver-like stem of a handler name: "uhci_hcd:usb1" -> "uhci_hcd". */
static char *handler_stem(const char *handler)
{
	char *stem = g_strndup(handler, strcspn(handler, ":[( "));

	for (char *c = stem; *c; c++)
		if (*c == '-')
			*c = '_';
	return stem;
}

static bool same_driver(const char *driver, const char *stem)
{
	g_autofree char *d = g_strdup(driver);

	for (char *c = d; *c; c++)
		if (*c == '-')
			*c = '_';
	return !strcmp(d, stem);
}

/* The device a handler on line irq belongs to; taken[] avoids giving two "uhci_hcd" handlers
 * to the same controller. */
static struct kd_hostdev *owner(struct kd_host *host, int irq, const char *handler,
				GHashTable *taken)
{
	g_autofree char *stem = handler_stem(handler);

	for (guint i = 0; i < host->devices->len; i++) {
		struct kd_hostdev *e = g_ptr_array_index(host->devices, i);

		if (strstr(handler, e->address))
			return e;
	}
	/* "ehci_hcd:usb2", "snd_hda_intel:card0": the part after ':' names a child of the
	 * device in sysfs (its USB bus, its sound card). */
	if (strchr(handler, ':')) {
		const char *child = strchr(handler, ':') + 1;

		for (guint i = 0; i < host->devices->len; i++) {
			struct kd_hostdev *e = g_ptr_array_index(host->devices, i);
			g_autofree char *direct =
				kd_root_path(host, "sys/bus/pci/devices/%s/%s", e->address, child);
			g_autofree char *sound = kd_root_path(
				host, "sys/bus/pci/devices/%s/sound/%s", e->address, child);

			if (e->irq == irq && *child &&
			    (g_file_test(direct, G_FILE_TEST_IS_DIR) ||
			     g_file_test(sound, G_FILE_TEST_IS_DIR)))
				return e;
		}
	}
	for (guint i = 0; i < host->devices->len; i++) {
		struct kd_hostdev *e = g_ptr_array_index(host->devices, i);

		if (e->netdevs && e->irq == irq) {
			g_auto(GStrv) nets = g_strsplit(e->netdevs, " ", -1);

			if (g_strv_contains((const char *const *)nets, handler))
				return e;
		}
	}
	for (guint i = 0; i < host->devices->len; i++) {
		struct kd_hostdev *e = g_ptr_array_index(host->devices, i);

		if (e->enabled && e->irq == irq && e->driver && same_driver(e->driver, stem) &&
		    !g_hash_table_contains(taken, e))
			return e;
	}
	return NULL;
}

static char *describe(const struct kd_hostdev *owner_dev, const char *handler)
{
	g_autofree char *stem = handler_stem(handler);

	if (!owner_dev)
		return g_strdup(handler);
	return g_strdup_printf("%s (%s)", kd_pci_address_short(owner_dev->address),
			       owner_dev->driver ? owner_dev->driver : stem);
}

void kd_scan_irq_users(struct kd_host *host)
{
	for (guint i = 0; i < host->devices->len; i++) {
		struct kd_hostdev *d = g_ptr_array_index(host->devices, i);
		g_autoptr(GPtrArray) handlers = NULL;
		g_autoptr(GHashTable) taken = NULL;

		if (d->irq < 0 || !d->irq_pin)
			continue;
		handlers = line_handlers(host, d->irq);
		if (!handlers)
			continue;
		taken = g_hash_table_new(NULL, NULL);
		for (guint h = 0; h < handlers->len; h++) {
			const char *name = g_ptr_array_index(handlers, h);
			struct kd_hostdev *e = owner(host, d->irq, name, taken);
			g_autofree char *text = NULL;
			bool seen = false;

			if (e)
				g_hash_table_add(taken, e);
			if (e == d)
				continue;
			text = describe(e, name);
			for (guint k = 0; k < d->irq_sharers->len; k++)
				seen |= !strcmp(g_ptr_array_index(d->irq_sharers, k), text);
			if (!seen)
				g_ptr_array_add(d->irq_sharers, g_steal_pointer(&text));
		}
	}
}
