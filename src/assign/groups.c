/*
 * IOMMU groups, and the three devices a host cannot lose without noticing: the boot VGA, the
 * controller of the disk holding /, and the NIC carrying the default route.
 */
#include "config.h"

#include <string.h>

#include "assign/inventory-internal.h"

void kd_scan_groups(struct kd_host *host)
{
	for (guint i = 0; i < host->devices->len; i++) {
		struct kd_hostdev *d = g_ptr_array_index(host->devices, i);

		if (d->iommu_group < 0)
			continue;
		for (guint k = 0; k < host->devices->len; k++) {
			struct kd_hostdev *e = g_ptr_array_index(host->devices, k);

			if (e != d && e->iommu_group == d->iommu_group)
				g_ptr_array_add(d->group_members, e);
		}
	}
}

/* The PCI device nearest to a sysfs path such as
 * ../../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda. */
static struct kd_hostdev *pci_device_of(struct kd_host *host, const char *sysfs_target)
{
	struct kd_hostdev *found = NULL;
	g_auto(GStrv) parts = NULL;

	if (!sysfs_target)
		return NULL;
	parts = g_strsplit(sysfs_target, "/", -1);
	for (char **p = parts; *p; p++) {
		struct kd_hostdev *d = kd_host_find(host, *p);

		if (d && strchr(*p, '.') && strlen(*p) == 12)
			found = d;
	}
	return found;
}

static char *block_link(struct kd_host *host, const char *name)
{
	g_autofree char *path = kd_root_path(host, "sys/class/block/%s", name);

	return g_file_read_link(path, NULL);
}

static void mark_root_disk(struct kd_host *host)
{
	g_auto(GStrv) lines = kd_root_lines(host, "proc/mounts");
	g_autofree char *name = NULL, *target = NULL;
	struct kd_hostdev *d;

	/* The last mount on / is the one in effect. */
	for (char **l = lines; l && *l; l++) {
		g_auto(GStrv) f = g_strsplit(*l, " ", 3);

		if (f[0] && f[1] && !strcmp(f[1], "/") && g_str_has_prefix(f[0], "/dev/")) {
			g_free(name);
			name = g_path_get_basename(f[0]);
			if (g_str_has_prefix(f[0], "/dev/mapper/")) {
				g_autofree char *link =
					kd_root_link_name(host, "dev/mapper/%s", name);

				if (link) {
					g_free(name);
					name = g_steal_pointer(&link);
				}
			}
		}
	}
	if (!name)
		return;
	/* A device-mapper volume (LVM, LUKS) lives on its first slave. */
	if (g_str_has_prefix(name, "dm-")) {
		g_autofree char *slaves = kd_root_path(host, "sys/class/block/%s/slaves", name);
		GDir *dir = g_dir_open(slaves, 0, NULL);
		const char *first = dir ? g_dir_read_name(dir) : NULL;

		if (first) {
			g_free(name);
			name = g_strdup(first);
		}
		if (dir)
			g_dir_close(dir);
	}
	target = block_link(host, name);
	d = pci_device_of(host, target);
	if (d)
		d->root_disk = true;
}

static void mark_default_route(struct kd_host *host)
{
	g_auto(GStrv) lines = kd_root_lines(host, "proc/net/route");

	for (char **l = lines; l && *l; l++) {
		g_auto(GStrv) f = g_strsplit_set(*l, " \t", -1);
		g_autofree char *link = NULL, *dev_path = NULL, *target = NULL;
		struct kd_hostdev *d;
		int n = 0;
		char *fields[3] = { NULL };

		for (char **t = f; *t && n < 3; t++)
			if (**t)
				fields[n++] = *t;
		if (n < 2 || strcmp(fields[1], "00000000") != 0)
			continue;
		dev_path = kd_root_path(host, "sys/class/net/%s/device", fields[0]);
		target = g_file_read_link(dev_path, NULL);
		link = target ? g_path_get_basename(target) : NULL;
		d = link ? kd_host_find(host, link) : NULL;
		if (d)
			d->default_route = true;
	}
}

void kd_scan_critical_devices(struct kd_host *host)
{
	mark_root_disk(host);
	mark_default_route(host);
}
