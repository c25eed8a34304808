/*
 * A copy of what the inventory reads, for bug reports: `kvmdesk -dump-host DIR` writes the
 * sysfs and procfs files (and links) that `kvmdesk -list-host-devices -host-root DIR` reads back,
 * plus the INTx-masking probe results, which no file on the host holds.
 */
#include "config.h"

#include "assign/hostdev.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "assign/inventory-internal.h"
#include "i18n.h"

static const char *const device_files[] = {
	"vendor", "device", "class",	"subsystem_vendor", "subsystem_device", "revision", "irq",
	"enable", "config", "modalias", "reset_method",	    "boot_vga",		"resource",
};
static const char *const host_files[] = {
	"proc/cpuinfo",		 "proc/cmdline",   "proc/mounts",
	"proc/interrupts",	 "proc/net/route", "proc/sys/kernel/osrelease",
	"sys/kernel/mm/ksm/run",
};

static bool copy_file(struct kd_host *host, const char *dest, const char *rel)
{
	g_autofree char *from = kd_root_path(host, "%s", rel);
	g_autofree char *to = g_build_filename(dest, rel, NULL);
	g_autofree char *dir = g_path_get_dirname(to);
	g_autofree char *data = NULL;
	gsize len;

	if (!g_file_get_contents(from, &data, &len, NULL))
		return false; /* absent on this host: absent in the copy */
	g_mkdir_with_parents(dir, 0755);
	return g_file_set_contents(to, data, (gssize)len, NULL);
}

/* Recreates a link with the same relative target (sysfs links are relative). */
static void copy_link(struct kd_host *host, const char *dest, const char *rel)
{
	g_autofree char *from = kd_root_path(host, "%s", rel);
	g_autofree char *to = g_build_filename(dest, rel, NULL);
	g_autofree char *dir = g_path_get_dirname(to);
	g_autofree char *target = g_file_read_link(from, NULL);

	if (!target)
		return;
	g_mkdir_with_parents(dir, 0755);
	unlink(to);
	if (symlink(target, to) < 0)
		g_warning("%s: %s", to, g_strerror(errno));
}

static void make_dir(const char *dest, const char *rel)
{
	g_autofree char *path = g_build_filename(dest, rel, NULL);

	g_mkdir_with_parents(path, 0755);
}

/* Recreates the entries of a directory: its real subdirectories (usb1/, card0/, eth0/; not
 * links such as driver or subsystem, which lead out of the device), or, with files, its files
 * and their contents (msi_irqs/<n>). */
static void copy_entries(struct kd_host *host, const char *dest, const char *rel, bool files)
{
	g_autofree char *from = kd_root_path(host, "%s", rel);
	GDir *dir = g_dir_open(from, 0, NULL);
	const char *name;

	while (dir && (name = g_dir_read_name(dir))) {
		g_autofree char *child = g_build_filename(rel, name, NULL);
		g_autofree char *source = g_build_filename(from, name, NULL);

		if (files)
			copy_file(host, dest, child);
		else if (g_file_test(source, G_FILE_TEST_IS_DIR) &&
			 !g_file_test(source, G_FILE_TEST_IS_SYMLINK))
			make_dir(dest, child);
	}
	if (dir)
		g_dir_close(dir);
}

static void dump_device(struct kd_host *host, const char *dest, const struct kd_hostdev *d)
{
	g_autofree char *base = g_strdup_printf("sys/bus/pci/devices/%s", d->address);
	g_autofree char *driver_rel = g_strdup_printf("%s/driver", base);
	g_autofree char *group_rel = g_strdup_printf("%s/iommu_group", base);

	for (size_t i = 0; i < G_N_ELEMENTS(device_files); i++) {
		g_autofree char *rel = g_strdup_printf("%s/%s", base, device_files[i]);

		copy_file(host, dest, rel);
	}
	copy_link(host, dest, driver_rel);
	copy_link(host, dest, group_rel);
	if (d->driver) {
		g_autofree char *drv = g_strdup_printf("sys/bus/pci/drivers/%s", d->driver);
		g_autofree char *mod = g_strdup_printf("%s/module", drv);
		g_autofree char *module = kd_root_link_name(host, "%s", mod);

		make_dir(dest, drv);
		copy_link(host, dest, mod);
		if (module) {
			g_autofree char *m = g_strdup_printf("sys/module/%s", module);

			make_dir(dest, m);
		}
	}
	if (d->iommu_group >= 0) {
		g_autofree char *members =
			g_strdup_printf("sys/kernel/iommu_groups/%d/devices", d->iommu_group);
		g_autofree char *link = g_strdup_printf("%s/%s", members, d->address);

		copy_link(host, dest, link);
	}
	/* Children that map interrupt handlers to the device: usbN, sound/cardN, net/IFACE. */
	copy_entries(host, dest, base, false);
	{
		g_autofree char *msi = g_strdup_printf("%s/msi_irqs", base);
		g_autofree char *net = g_strdup_printf("%s/net", base);
		g_autofree char *sound = g_strdup_printf("%s/sound", base);

		copy_entries(host, dest, msi, true);
		copy_entries(host, dest, net, false);
		copy_entries(host, dest, sound, false);
	}
	if (d->netdevs) {
		g_auto(GStrv) names = g_strsplit(d->netdevs, " ", -1);

		for (char **n = names; *n; n++) {
			g_autofree char *rel = g_strdup_printf("sys/class/net/%s/device", *n);

			copy_link(host, dest, rel);
		}
	}
	if (d->irq >= 0) {
		g_autofree char *rel = g_strdup_printf("sys/kernel/irq/%d/actions", d->irq);

		copy_file(host, dest, rel);
	}
	/* What the probe found, which only a live host can tell. */
	if (d->intx_mask != KD_INTX_MASK_UNKNOWN) {
		g_autofree char *path = g_build_filename(dest, base, "kvmdesk-intx-mask", NULL);

		g_file_set_contents(path, d->intx_mask == KD_INTX_MASK_YES ? "yes\n" : "no\n", -1,
				    NULL);
	}
}

/* The modules libkmod matched, as alias lines a copy can feed back to libkmod. */
static void write_aliases(struct kd_host *host, const char *dest)
{
	g_autoptr(GString) lines = g_string_new("# modules kvmdesk found for these devices\n");
	g_autofree char *path =
		g_build_filename(dest, "etc", "modprobe.d", "kvmdesk-dump.conf", NULL);
	g_autofree char *dir = g_path_get_dirname(path);

	for (guint i = 0; i < host->devices->len; i++) {
		struct kd_hostdev *d = g_ptr_array_index(host->devices, i);

		for (guint k = 0; d->modalias && k < d->modules->len; k++)
			g_string_append_printf(lines, "alias %s %s\n", d->modalias,
					       (char *)g_ptr_array_index(d->modules, k));
	}
	g_mkdir_with_parents(dir, 0755);
	g_file_set_contents(path, lines->str, (gssize)lines->len, NULL);
	if (host->kernel_release) {
		g_autofree char *mods =
			g_build_filename(dest, "lib", "modules", host->kernel_release, NULL);

		g_mkdir_with_parents(mods, 0755);
	}
}

bool kd_host_dump(struct kd_host *host, const char *dest, GError **err)
{
	g_auto(GStrv) mounts = NULL;

	if (g_mkdir_with_parents(dest, 0755) < 0) {
		g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno),
			    _("cannot create %s: %s"), dest, g_strerror(errno));
		return false;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(host_files); i++)
		copy_file(host, dest, host_files[i]);
	make_dir(dest, "sys/kernel/iommu_groups");
	copy_entries(host, dest, "sys/kernel/iommu_groups", false);
	make_dir(dest, "sys/bus/pci/devices");
	if (host->vfio_pci_available) {
		g_autofree char *loaded = kd_root_path(host, "sys/bus/pci/drivers/vfio-pci");

		if (g_file_test(loaded, G_FILE_TEST_IS_DIR)) {
			make_dir(dest, "sys/bus/pci/drivers/vfio-pci");
		} else {
			g_autofree char *rel = g_strdup_printf(
				"lib/modules/%s/kernel/drivers/vfio/pci",
				host->kernel_release ? host->kernel_release : "none");
			g_autofree char *ko = g_build_filename(dest, rel, "vfio-pci.ko", NULL);

			make_dir(dest, rel);
			g_file_set_contents(ko, "", 0, NULL);
		}
	}
	for (guint i = 0; i < host->devices->len; i++)
		dump_device(host, dest, g_ptr_array_index(host->devices, i));
	write_aliases(host, dest);
	/* The root file system's block device link, for the root-disk check. */
	mounts = kd_root_lines(host, "proc/mounts");
	if (mounts) {
		for (char **l = mounts; *l; l++) {
			g_auto(GStrv) f = g_strsplit(*l, " ", 3);

			if (f[0] && f[1] && !strcmp(f[1], "/") && g_str_has_prefix(f[0], "/dev/")) {
				g_autofree char *name = g_path_get_basename(f[0]);
				g_autofree char *rel = g_strdup_printf("sys/class/block/%s", name);

				copy_link(host, dest, rel);
			}
		}
	}
	if (host->kvm_usable) {
		g_autofree char *kvm = g_build_filename(dest, "dev", "kvm", NULL);

		make_dir(dest, "dev");
		g_file_set_contents(kvm, "", 0, NULL);
	}
	return true;
}
