/*
 * Host PCI inventory: libpci enumerates (names from pci.ids, capabilities from configuration
 * space); sysfs and procfs below the root tell the rest (Documentation/ABI/testing/sysfs-bus-pci,
 * sysfs-kernel-irq, sysfs-kernel-iommu_groups).
 */
#include "config.h"

#include "assign/hostdev.h"

#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "assign/inventory-internal.h"
#include "i18n.h"
#include "vm/kvm.h"

#define KD_PCI_IDS "/usr/share/misc/pci.ids"
#define PCI_COMMAND_OFFSET 4
#define PCI_COMMAND_INTX_DISABLE 0x0400

/* ------------------------------------------------------------------ files below the root */
char *kd_root_path(const struct kd_host *host, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *rel = NULL;

	va_start(ap, fmt);
	rel = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return g_build_filename(host->root, rel, NULL);
}

/* The file's first line without its newline, or NULL. */
char *kd_root_read(const struct kd_host *host, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *rel = NULL, *path = NULL;
	char *text = NULL;

	va_start(ap, fmt);
	rel = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	path = g_build_filename(host->root, rel, NULL);
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	text[strcspn(text, "\n")] = 0;
	return text;
}

char **kd_root_lines(const struct kd_host *host, const char *rel)
{
	g_autofree char *path = g_build_filename(host->root, rel, NULL);
	g_autofree char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	return g_strsplit(text, "\n", -1);
}

/* Basename of a symlink's target, or NULL. */
char *kd_root_link_name(const struct kd_host *host, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *rel = NULL, *path = NULL, *target = NULL;

	va_start(ap, fmt);
	rel = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	path = g_build_filename(host->root, rel, NULL);
	target = g_file_read_link(path, NULL);
	return target ? g_path_get_basename(target) : NULL;
}

static long read_long(const struct kd_host *host, const char *address, const char *attr,
		      long fallback)
{
	g_autofree char *text = kd_root_read(host, "sys/bus/pci/devices/%s/%s", address, attr);
	char *end = NULL;
	long v;

	if (!text)
		return fallback;
	v = strtol(text, &end, 0);
	return end != text ? v : fallback;
}

static unsigned count_entries(const char *path)
{
	GDir *dir = g_dir_open(path, 0, NULL);
	unsigned n = 0;

	if (!dir)
		return 0;
	while (g_dir_read_name(dir))
		n++;
	g_dir_close(dir);
	return n;
}

/* ------------------------------------------------------------------ addresses */
char *kd_pci_address_normalize(const char *text)
{
	unsigned domain = 0, bus, dev, fn;
	char tail;

	if (!text)
		return NULL;
	if (sscanf(text, "%x:%x:%x.%x%c", &domain, &bus, &dev, &fn, &tail) == 4 ||
	    (domain = 0, sscanf(text, "%x:%x.%x%c", &bus, &dev, &fn, &tail) == 3)) {
		if (domain > 0xFFFF || bus > 0xFF || dev > 0x1F || fn > 7)
			return NULL;
		return g_strdup_printf("%04x:%02x:%02x.%x", domain, bus, dev, fn);
	}
	return NULL;
}

const char *kd_pci_address_short(const char *address)
{
	return g_str_has_prefix(address, "0000:") ? address + 5 : address;
}

/* ------------------------------------------------------------------ libpci */
struct pci_scan {
	jmp_buf fail;
	char message[256];
};

static struct pci_scan *current_scan;

/* libpci calls this for fatal errors and expects it not to return. */
static G_NORETURN void pci_fatal(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vsnprintf(current_scan->message, sizeof(current_scan->message), msg, ap);
	va_end(ap);
	longjmp(current_scan->fail, 1);
}

static void pci_quiet(char *msg, ...)
{
}

static char *lookup(struct pci_access *pacc, int flags, ...)
{
	char buf[256];
	va_list ap;
	char *name;

	/* Names come from pci.ids alone: udev's hwdb would make them depend on the machine
	 * (and leaks in libudev). */
	flags |= PCI_LOOKUP_NO_HWDB;
	va_start(ap, flags);
	/* pci_lookup_name is variadic too: hand it the ids one by one. */
	switch (flags & 0xFF) {
	case PCI_LOOKUP_VENDOR:
		name = pci_lookup_name(pacc, buf, sizeof(buf), flags | PCI_LOOKUP_NO_NUMBERS,
				       va_arg(ap, unsigned));
		break;
	case PCI_LOOKUP_DEVICE: {
		unsigned v = va_arg(ap, unsigned), d = va_arg(ap, unsigned);

		name = pci_lookup_name(pacc, buf, sizeof(buf), flags | PCI_LOOKUP_NO_NUMBERS, v, d);
		break;
	}
	case PCI_LOOKUP_CLASS:
		name = pci_lookup_name(pacc, buf, sizeof(buf), flags | PCI_LOOKUP_NO_NUMBERS,
				       va_arg(ap, unsigned));
		/* For an unknown subclass libpci answers "Base class [bbss]": the number is
		 * printed beside the name anyway. */
		if (name && g_str_has_suffix(name, "]") && strstr(name, " ["))
			*strrchr(name, '[') = 0, g_strchomp(name);
		break;
	default:
		name = NULL;
	}
	va_end(ap);
	return g_strdup(name);
}

static void fill_from_libpci(struct kd_host *host, struct pci_access *pacc, struct pci_dev *p,
			     struct kd_hostdev *d)
{
	pci_fill_info(p, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_CLASS_EXT | PCI_FILL_SUBSYS |
				 PCI_FILL_IRQ | PCI_FILL_CAPS | PCI_FILL_EXT_CAPS);
	d->vendor = p->vendor_id;
	d->device = p->device_id;
	d->subvendor = p->subsys_vendor_id;
	d->subdevice = p->subsys_id;
	d->revision = p->rev_id;
	d->class_code = (uint32_t)p->device_class << 8 | p->prog_if;
	d->irq_pin = pci_read_byte(p, PCI_INTERRUPT_PIN);
	d->msi_capable = pci_find_cap(p, PCI_CAP_ID_MSI, PCI_CAP_NORMAL) != NULL;
	d->msix_capable = pci_find_cap(p, PCI_CAP_ID_MSIX, PCI_CAP_NORMAL) != NULL;
	d->vendor_name = lookup(pacc, PCI_LOOKUP_VENDOR, d->vendor);
	d->device_name = lookup(pacc, PCI_LOOKUP_DEVICE, d->vendor, d->device);
	d->class_name = lookup(pacc, PCI_LOOKUP_CLASS, p->device_class);
	/* Header type 1 and 2 are bridges; so is every device of base class 06. */
	d->bridge = (p->device_class >> 8) == PCI_BASE_CLASS_BRIDGE ||
		    (pci_read_byte(p, PCI_HEADER_TYPE) & 0x7F) != PCI_HEADER_TYPE_NORMAL;
}

static void fill_from_sysfs(struct kd_host *host, struct kd_hostdev *d)
{
	g_autofree char *msi_dir =
		kd_root_path(host, "sys/bus/pci/devices/%s/msi_irqs", d->address);
	g_autofree char *net_dir = kd_root_path(host, "sys/bus/pci/devices/%s/net", d->address);
	g_autofree char *group =
		kd_root_link_name(host, "sys/bus/pci/devices/%s/iommu_group", d->address);
	g_autofree char *boot_vga =
		kd_root_read(host, "sys/bus/pci/devices/%s/boot_vga", d->address);
	GDir *dir;

	d->irq = (int)read_long(host, d->address, "irq", 0);
	if (d->irq <= 0 || !d->irq_pin)
		d->irq = -1;
	d->enabled = read_long(host, d->address, "enable", 0) > 0;
	d->msi_vectors = count_entries(msi_dir);
	d->driver = kd_root_link_name(host, "sys/bus/pci/devices/%s/driver", d->address);
	d->modalias = kd_root_read(host, "sys/bus/pci/devices/%s/modalias", d->address);
	d->reset_methods = kd_root_read(host, "sys/bus/pci/devices/%s/reset_method", d->address);
	if (d->reset_methods && !*d->reset_methods)
		g_clear_pointer(&d->reset_methods, g_free);
	d->iommu_group = group ? (int)strtol(group, NULL, 10) : -1;
	d->boot_vga = boot_vga && !strcmp(boot_vga, "1");
	dir = g_dir_open(net_dir, 0, NULL);
	if (dir) {
		GString *names = g_string_new(NULL);
		const char *n;

		while ((n = g_dir_read_name(dir)))
			g_string_append_printf(names, "%s%s", names->len ? " " : "", n);
		g_dir_close(dir);
		d->netdevs = g_string_free(names, names->len == 0);
	}
}

static gint by_address(gconstpointer a, gconstpointer b)
{
	const struct kd_hostdev *x = *(struct kd_hostdev *const *)a;
	const struct kd_hostdev *y = *(struct kd_hostdev *const *)b;

	return strcmp(x->address, y->address);
}

static bool scan_pci(struct kd_host *host, GError **err)
{
	g_autofree char *sysfs = kd_root_path(host, "sys/bus/pci");
	g_autofree char *devices = kd_root_path(host, "sys/bus/pci/devices");
	struct pci_scan scan;
	struct pci_access *pacc;

	if (!g_file_test(devices, G_FILE_TEST_IS_DIR)) {
		g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_NOENT,
			    _("%s does not exist: no PCI devices to look at"), devices);
		return false;
	}
	pacc = pci_alloc();
	pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	pacc->error = pci_fatal;
	pacc->warning = pci_quiet;
	pacc->debug = pci_quiet;
	pci_set_param(pacc, (char *)"sysfs.path", sysfs);
	if (g_file_test(KD_PCI_IDS, G_FILE_TEST_EXISTS))
		pci_set_name_list_path(pacc, (char *)KD_PCI_IDS, 0);
	current_scan = &scan;
	if (setjmp(scan.fail)) {
		g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED, _("libpci: %s"), scan.message);
		current_scan = NULL;
		return false; /* libpci's state is abandoned: it cannot be freed after longjmp */
	}
	pci_init(pacc);
	pci_scan_bus(pacc);
	for (struct pci_dev *p = pacc->devices; p; p = p->next) {
		struct kd_hostdev *d = g_new0(struct kd_hostdev, 1);

		d->address =
			g_strdup_printf("%04x:%02x:%02x.%x", p->domain, p->bus, p->dev, p->func);
		d->irq_sharers = g_ptr_array_new_with_free_func(g_free);
		d->modules = g_ptr_array_new_with_free_func(g_free);
		d->group_members = g_ptr_array_new();
		d->reasons = g_ptr_array_new_with_free_func(kd_reason_free);
		fill_from_libpci(host, pacc, p, d);
		fill_from_sysfs(host, d);
		g_ptr_array_add(host->devices, d);
	}
	pci_cleanup(pacc);
	current_scan = NULL;
	g_ptr_array_sort(host->devices, by_address);
	return true;
}

/* ------------------------------------------------------------------ modules (libkmod) */
static void find_modules(struct kd_host *host)
{
	g_autofree char *moddir = NULL, *confdir = NULL;
	const char *configs[2] = { NULL, NULL };
	struct kmod_ctx *ctx;

	if (strcmp(host->root, "/") != 0) {
		/* A fixture tree: its own modules directory and modprobe.d (where it may list
		 * aliases, since libkmod's binary indexes are depmod's to make). */
		moddir = kd_root_path(host, "lib/modules/%s", host->kernel_release ?: "none");
		confdir = kd_root_path(host, "etc/modprobe.d");
		configs[0] = confdir;
		ctx = kmod_new(moddir, configs);
	} else {
		ctx = kmod_new(NULL, NULL);
	}
	if (!ctx)
		return;
	kmod_load_resources(ctx);
	for (guint i = 0; i < host->devices->len; i++) {
		struct kd_hostdev *d = g_ptr_array_index(host->devices, i);
		g_autofree char *own =
			kd_root_link_name(host, "sys/bus/pci/devices/%s/driver/module", d->address);
		struct kmod_list *list = NULL, *it;

		if (own)
			g_ptr_array_add(d->modules, g_strdup(own));
		if (!d->modalias || kmod_module_new_from_lookup(ctx, d->modalias, &list) < 0)
			continue;
		kmod_list_foreach(it, list)
		{
			struct kmod_module *mod = kmod_module_get_module(it);
			const char *name = kmod_module_get_name(mod);
			bool seen = false;

			for (guint k = 0; k < d->modules->len; k++)
				seen |= !strcmp(g_ptr_array_index(d->modules, k), name);
			if (!seen)
				g_ptr_array_add(d->modules, g_strdup(name));
			kmod_module_unref(mod);
		}
		kmod_module_unref_list(list);
	}
	kmod_unref(ctx);
}

/* ------------------------------------------------------------------ INTx masking */
/* PCI 2.3 DisINTx (COMMAND bit 10): flip it and see it stick, as vfio-pci does. Only on the
 * real host, as root, and only on a device no host driver is using. */
static void probe_intx_mask(struct kd_host *host, struct kd_hostdev *d)
{
	g_autofree char *fixture =
		kd_root_read(host, "sys/bus/pci/devices/%s/kvmdesk-intx-mask", d->address);
	g_autofree char *path = NULL;
	uint8_t cmd[2], probe[2], flipped[2];
	int fd;

	if (!d->irq_pin)
		return;
	if (strcmp(host->root, "/") != 0) {
		/* A fixture records what a probe found on the machine it came from. */
		if (fixture && !strcmp(fixture, "yes"))
			d->intx_mask = KD_INTX_MASK_YES;
		else if (fixture && !strcmp(fixture, "no"))
			d->intx_mask = KD_INTX_MASK_NO;
		else
			d->intx_mask_detail = g_strdup(_("not probed in a copied host tree"));
		return;
	}
	if (d->driver && strcmp(d->driver, "vfio-pci") && strcmp(d->driver, "pci-stub")) {
		d->intx_mask_detail =
			g_strdup_printf(_("not probed while %s drives it"), d->driver);
		return;
	}
	if (d->bridge || geteuid() != 0) {
		d->intx_mask_detail =
			g_strdup(d->bridge ? _("not probed on a bridge") : _("probing needs root"));
		return;
	}
	path = kd_root_path(host, "sys/bus/pci/devices/%s/config", d->address);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || pread(fd, cmd, 2, PCI_COMMAND_OFFSET) != 2) {
		d->intx_mask_detail = g_strdup_printf(_("cannot open its configuration space: %s"),
						      g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	flipped[0] = cmd[0];
	flipped[1] = cmd[1] ^ (PCI_COMMAND_INTX_DISABLE >> 8);
	if (pwrite(fd, flipped, 2, PCI_COMMAND_OFFSET) == 2 &&
	    pread(fd, probe, 2, PCI_COMMAND_OFFSET) == 2)
		d->intx_mask = probe[1] == flipped[1] ? KD_INTX_MASK_YES : KD_INTX_MASK_NO;
	else
		d->intx_mask_detail = g_strdup(_("its configuration space did not take the test"));
	if (pwrite(fd, cmd, 2, PCI_COMMAND_OFFSET) != 2)
		g_warning("%s: could not restore COMMAND", d->address);
	close(fd);
}

/* ------------------------------------------------------------------ the host */
static void scan_cpu(struct kd_host *host)
{
	g_auto(GStrv) lines = kd_root_lines(host, "proc/cpuinfo");

	for (char **l = lines; l && *l; l++) {
		if (g_str_has_prefix(*l, "vendor_id") && !host->cpu_vendor)
			host->cpu_vendor = g_strdup(g_strstrip(strchr(*l, ':') + 1));
		if (g_str_has_prefix(*l, "flags") && strchr(*l, ':')) {
			g_auto(GStrv) flags = g_strsplit(strchr(*l, ':') + 1, " ", -1);

			host->cpu_vmx |= g_strv_contains((const char *const *)flags, "vmx");
			host->cpu_svm |= g_strv_contains((const char *const *)flags, "svm");
			break;
		}
	}
}

static void scan_host(struct kd_host *host)
{
	g_autofree char *groups = kd_root_path(host, "sys/kernel/iommu_groups");
	g_autofree char *vfio_bound = kd_root_path(host, "sys/bus/pci/drivers/vfio-pci");
	g_autofree char *ksm = kd_root_read(host, "sys/kernel/mm/ksm/run");
	g_autofree char *builtin = NULL;

	host->kernel_release = kd_root_read(host, "proc/sys/kernel/osrelease");
	host->cmdline = kd_root_read(host, "proc/cmdline");
	scan_cpu(host);
	if (!strcmp(host->root, "/")) {
		g_autoptr(GError) err = NULL;
		struct kd_kvm *kvm = kd_kvm_open(NULL, &err);

		host->kvm_usable = kvm != NULL;
		host->kvm_detail =
			g_strdup(kvm ? _("/dev/kvm opens and answers (API 12)") : err->message);
		kd_kvm_close(kvm);
	} else {
		g_autofree char *dev = kd_root_path(host, "dev/kvm");

		host->kvm_usable = g_file_test(dev, G_FILE_TEST_EXISTS);
		host->kvm_detail =
			g_strdup(host->kvm_usable ? _("/dev/kvm exists (not opened: a copied tree)")
						  : _("/dev/kvm does not exist"));
	}
	host->iommu_active = count_entries(groups) > 0;
	if (host->iommu_active)
		host->iommu_detail = g_strdup_printf(_("%u IOMMU groups"), count_entries(groups));
	else if (host->cpu_vendor && strstr(host->cpu_vendor, "AMD"))
		host->iommu_detail = g_strdup(_("no IOMMU groups: enable AMD-Vi (IOMMU) in the "
						"firmware setup, and make sure "
						"the kernel command line has no amd_iommu=off"));
	else
		host->iommu_detail = g_strdup(
			_("no IOMMU groups: enable VT-d in the firmware setup and add "
			  "intel_iommu=on to "
			  "the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then "
			  "update-grub and reboot)"));
	if (g_file_test(vfio_bound, G_FILE_TEST_IS_DIR)) {
		host->vfio_pci_available = true;
		host->vfio_detail = g_strdup(_("vfio-pci is loaded"));
	} else {
		g_autofree char *dir = kd_root_path(host, "lib/modules/%s/kernel/drivers/vfio/pci",
						    host->kernel_release ?: "none");
		g_autofree char *builtin_path = kd_root_path(host, "lib/modules/%s/modules.builtin",
							     host->kernel_release ?: "none");

		g_file_get_contents(builtin_path, &builtin, NULL, NULL);
		host->vfio_pci_available =
			count_entries(dir) > 0 || (builtin && strstr(builtin, "/vfio-pci.ko"));
		host->vfio_detail = g_strdup(
			host->vfio_pci_available ? _("vfio-pci is available (modprobe vfio-pci)")
						 : _("no vfio-pci module for this kernel"));
	}
	host->ksm = g_strdup(!ksm		 ? _("not available")
			     : !strcmp(ksm, "1") ? _("running")
						 : _("stopped"));
}

struct kd_host *kd_host_scan(const char *root, GError **err)
{
	struct kd_host *host = g_new0(struct kd_host, 1);

	host->root = g_strdup(root && *root ? root : "/");
	host->devices = g_ptr_array_new_with_free_func(kd_hostdev_free);
	scan_host(host);
	if (!scan_pci(host, err)) {
		kd_host_free(host);
		return NULL;
	}
	find_modules(host);
	for (guint i = 0; i < host->devices->len; i++)
		probe_intx_mask(host, g_ptr_array_index(host->devices, i));
	kd_scan_irq_users(host);
	kd_scan_groups(host);
	kd_scan_critical_devices(host);
	kd_decide_verdicts(host);
	return host;
}

struct kd_hostdev *kd_host_find(struct kd_host *host, const char *address)
{
	g_autofree char *canonical = kd_pci_address_normalize(address);

	for (guint i = 0; canonical && i < host->devices->len; i++) {
		struct kd_hostdev *d = g_ptr_array_index(host->devices, i);

		if (!strcmp(d->address, canonical))
			return d;
	}
	return NULL;
}

void kd_reason_free(gpointer p)
{
	struct kd_reason *r = p;

	g_free(r->what);
	g_free(r->fix);
	g_free(r);
}

void kd_hostdev_free(gpointer p)
{
	struct kd_hostdev *d = p;

	g_free(d->address);
	g_free(d->vendor_name);
	g_free(d->device_name);
	g_free(d->class_name);
	g_ptr_array_free(d->irq_sharers, TRUE);
	g_free(d->intx_mask_detail);
	g_free(d->driver);
	g_ptr_array_free(d->modules, TRUE);
	g_free(d->modalias);
	g_ptr_array_free(d->group_members, TRUE);
	g_free(d->reset_methods);
	g_free(d->netdevs);
	g_ptr_array_free(d->reasons, TRUE);
	g_free(d);
}

void kd_host_free(struct kd_host *host)
{
	if (!host)
		return;
	g_ptr_array_free(host->devices, TRUE);
	g_free(host->root);
	g_free(host->kernel_release);
	g_free(host->cmdline);
	g_free(host->cpu_vendor);
	g_free(host->kvm_detail);
	g_free(host->iommu_detail);
	g_free(host->vfio_detail);
	g_free(host->ksm);
	g_free(host);
}
