/*
 * Giving host devices to vfio-pci and back (Documentation/ABI/testing/sysfs-bus-pci:
 * driver_override, unbind, bind, drivers_probe).
 *
 * Before anything changes, the original driver is written to /run/kvmdesk/bindings/<address>
 * with the pid that holds the device, so it can be given back when the guest releases it, when
 * kvmdesk exits, and, after a crash or kill, at the next start (kd_bind_recover). A binding
 * made from the command line is held by pid 0: it stays until restored explicitly.
 */
#include "config.h"

#include "assign/bind.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assign/inventory-internal.h"
#include "i18n.h"

#define STATE_DIR "run/kvmdesk/bindings"
#define VFIO_DRIVER "vfio-pci"

GQuark kd_bind_error_quark(void)
{
	return g_quark_from_static_string("kd-bind-error-quark");
}

static bool sysfs_write(const struct kd_host *host, const char *value, GError **err,
			const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static bool sysfs_write(const struct kd_host *host, const char *value, GError **err,
			const char *fmt, ...)
{
	g_autofree char *rel = NULL, *path = NULL;
	va_list ap;
	FILE *f;
	int r;

	va_start(ap, fmt);
	rel = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	path = g_build_filename(host->root, rel, NULL);
	f = fopen(path, "we");
	if (!f) {
		g_set_error(err, KD_BIND_ERROR, KD_BIND_ERROR_SYSFS, _("cannot open %s: %s"), path,
			    g_strerror(errno));
		return false;
	}
	r = fputs(value, f);
	/* sysfs reports a refused write when the buffer is flushed. */
	if (fclose(f) != 0 || r < 0) {
		g_set_error(err, KD_BIND_ERROR, KD_BIND_ERROR_SYSFS,
			    _("writing '%s' to %s failed: %s"), value, path, g_strerror(errno));
		return false;
	}
	return true;
}

static char *state_path(const struct kd_host *host, const char *address)
{
	return kd_root_path(host, "%s/%s", STATE_DIR, address);
}

static char *current_driver(const struct kd_host *host, const char *address)
{
	return kd_root_link_name(host, "sys/bus/pci/devices/%s/driver", address);
}

static bool record(const struct kd_host *host, const char *address, const char *driver, pid_t pid,
		   GError **err)
{
	g_autofree char *dir = kd_root_path(host, "%s", STATE_DIR);
	g_autofree char *path = state_path(host, address);
	g_autofree char *text =
		g_strdup_printf("driver=%s\npid=%d\n", driver ? driver : "", (int)pid);

	if (g_mkdir_with_parents(dir, 0700) < 0) {
		g_set_error(err, KD_BIND_ERROR, KD_BIND_ERROR_SYSFS, _("cannot create %s: %s"), dir,
			    g_strerror(errno));
		return false;
	}
	return g_file_set_contents(path, text, -1, err);
}

/* The recorded original driver ("" when there was none) and holder, or false when none. */
static bool recorded(const struct kd_host *host, const char *address, char **driver, pid_t *pid)
{
	g_autofree char *path = state_path(host, address);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return false;
	*driver = NULL;
	*pid = 0;
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		if (g_str_has_prefix(*l, "driver="))
			*driver = g_strdup(*l + 7);
		else if (g_str_has_prefix(*l, "pid="))
			*pid = (pid_t)strtol(*l + 4, NULL, 10);
	}
	if (!*driver)
		*driver = g_strdup("");
	return true;
}

static bool ensure_vfio_driver(const struct kd_host *host, GError **err)
{
	g_autofree char *dir = kd_root_path(host, "sys/bus/pci/drivers/%s", VFIO_DRIVER);
	const char *argv[] = { "modprobe", VFIO_DRIVER, NULL };
	g_autofree char *out = NULL;
	int status = 0;

	if (g_file_test(dir, G_FILE_TEST_IS_DIR))
		return true;
	if (!g_spawn_sync(NULL, (char **)argv, NULL,
			  G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &out,
			  &status, NULL) ||
	    !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		g_set_error(
			err, KD_BIND_ERROR, KD_BIND_ERROR_REFUSED,
			_("the vfio-pci driver is not loaded and 'modprobe vfio-pci' did not load "
			  "it%s%s"),
			out && *out ? ": " : "", out ? g_strstrip(out) : "");
		return false;
	}
	return true;
}

static bool refuse_critical(const struct kd_hostdev *d, bool force, GError **err)
{
	const char *why = d->boot_vga	     ? _("it is the boot display")
			  : d->root_disk     ? _("it controls the disk that holds /")
			  : d->default_route ? _("it carries the default route")
					     : NULL;

	if (d->bridge) {
		g_set_error(
			err, KD_BIND_ERROR, KD_BIND_ERROR_REFUSED,
			_("%s is a bridge; kvmdesk gives the devices behind it, not the bridge"),
			d->address);
		return true;
	}
	if (why && !force) {
		g_set_error(err, KD_BIND_ERROR, KD_BIND_ERROR_REFUSED,
			    _("%s: %s; the host would lose it. Use --force only with another way "
			      "into this machine"),
			    d->address, why);
		return true;
	}
	return false;
}

static bool bind_one(struct kd_host *host, struct kd_hostdev *d, pid_t holder, GError **err)
{
	g_autofree char *driver = current_driver(host, d->address);
	g_autofree char *now = NULL;
	g_autofree char *old = NULL;
	pid_t old_pid;

	if (driver && !strcmp(driver, VFIO_DRIVER))
		return true;
	/* A binding already recorded keeps its original driver. */
	if (!recorded(host, d->address, &old, &old_pid) &&
	    !record(host, d->address, driver, holder, err))
		return false;
	if (!sysfs_write(host, VFIO_DRIVER, err, "sys/bus/pci/devices/%s/driver_override",
			 d->address))
		return false;
	if (driver &&
	    !sysfs_write(host, d->address, err, "sys/bus/pci/devices/%s/driver/unbind", d->address))
		return false;
	if (!sysfs_write(host, d->address, err, "sys/bus/pci/drivers_probe"))
		return false;
	now = current_driver(host, d->address);
	if (!now || strcmp(now, VFIO_DRIVER)) {
		g_set_error(err, KD_BIND_ERROR, KD_BIND_ERROR_SYSFS,
			    _("%s did not bind to vfio-pci (now: %s); see the kernel log"),
			    d->address, now ? now : _("no driver"));
		return false;
	}
	return true;
}

bool kd_bind_vfio(struct kd_host *host, const char *address, bool force, pid_t holder, GError **err)
{
	struct kd_hostdev *d = kd_host_find(host, address);
	g_autoptr(GPtrArray) todo = g_ptr_array_new();

	if (strcmp(host->root, "/") != 0) {
		g_set_error(err, KD_BIND_ERROR, KD_BIND_ERROR_REFUSED,
			    _("binding works on the running host, not on a copied tree"));
		return false;
	}
	if (!d) {
		g_set_error(err, KD_BIND_ERROR, KD_BIND_ERROR_NOT_FOUND,
			    _("no PCI device %s on this host (see kvmdesk -list-host-devices)"),
			    address);
		return false;
	}
	if (!host->iommu_active) {
		g_set_error(err, KD_BIND_ERROR, KD_BIND_ERROR_REFUSED, _("%s: %s"), d->address,
			    host->iommu_detail);
		return false;
	}
	if (refuse_critical(d, force, err))
		return false;
	/* VFIO takes a whole IOMMU group: every endpoint in it goes to vfio-pci. */
	g_ptr_array_add(todo, d);
	for (guint i = 0; i < d->group_members->len; i++) {
		struct kd_hostdev *e = g_ptr_array_index(d->group_members, i);

		if (e->bridge)
			continue;
		if (refuse_critical(e, force, err)) {
			g_prefix_error(err, _("IOMMU group %d: "), d->iommu_group);
			return false;
		}
		g_ptr_array_add(todo, e);
	}
	if (!ensure_vfio_driver(host, err))
		return false;
	for (guint i = 0; i < todo->len; i++)
		if (!bind_one(host, g_ptr_array_index(todo, i), holder, err))
			return false;
	return true;
}

bool kd_bind_restore(struct kd_host *host, const char *address, GError **err)
{
	g_autofree char *canonical = kd_pci_address_normalize(address);
	g_autofree char *original = NULL, *path = NULL, *now = NULL;
	pid_t holder;

	if (!canonical) {
		g_set_error(err, KD_BIND_ERROR, KD_BIND_ERROR_NOT_FOUND,
			    _("'%s' is not a PCI address (like 05:06.0)"), address);
		return false;
	}
	if (!recorded(host, canonical, &original, &holder)) {
		g_set_error(err, KD_BIND_ERROR, KD_BIND_ERROR_NOT_FOUND,
			    _("%s was not given to vfio-pci by kvmdesk"), canonical);
		return false;
	}
	/* Clearing driver_override takes a newline; then the device leaves vfio-pci. */
	if (!sysfs_write(host, "\n", err, "sys/bus/pci/devices/%s/driver_override", canonical))
		return false;
	now = current_driver(host, canonical);
	if (now &&
	    !sysfs_write(host, canonical, err, "sys/bus/pci/devices/%s/driver/unbind", canonical))
		return false;
	if (*original) {
		GError *local = NULL;

		/* Its own driver first; drivers_probe lets the kernel choose if that fails. */
		if (!sysfs_write(host, canonical, &local, "sys/bus/pci/drivers/%s/bind",
				 original)) {
			g_clear_error(&local);
			sysfs_write(host, canonical, NULL, "sys/bus/pci/drivers_probe");
		}
	}
	path = state_path(host, canonical);
	unlink(path);
	return true;
}

unsigned kd_bind_recover(struct kd_host *host, GString *report)
{
	g_autofree char *dir_path = kd_root_path(host, "%s", STATE_DIR);
	GDir *dir = g_dir_open(dir_path, 0, NULL);
	const char *name;
	unsigned restored = 0;

	if (!dir)
		return 0;
	while ((name = g_dir_read_name(dir))) {
		g_autofree char *original = NULL;
		g_autoptr(GError) err = NULL;
		pid_t holder;

		if (!recorded(host, name, &original, &holder) || holder == 0)
			continue;
		/* Its holder still runs: not ours to touch. */
		if (kill(holder, 0) == 0 || errno == EPERM)
			continue;
		if (kd_bind_restore(host, name, &err)) {
			restored++;
			if (report)
				g_string_append_printf(report,
						       _("restored %s to %s (kvmdesk pid %d, which "
							 "held it, is gone)\n"),
						       name, *original ? original : _("no driver"),
						       (int)holder);
		} else if (report) {
			g_string_append_printf(report, _("could not restore %s: %s\n"), name,
					       err->message);
		}
	}
	g_dir_close(dir);
	return restored;
}
