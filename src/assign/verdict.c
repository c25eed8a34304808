/*
 * Can this device be handed to a guest through VFIO, and if not, what should the admin do?
 * Each rule adds a reason with its severity; the worst one decides the verdict.
 */
#include "config.h"

#include <string.h>

#include "assign/inventory-internal.h"
#include "i18n.h"

void kd_add_reason(struct kd_hostdev *d, enum kd_severity severity, char *what, char *fix)
{
	struct kd_reason *r = g_new0(struct kd_reason, 1);

	r->severity = severity;
	r->what = what;
	r->fix = fix;
	g_ptr_array_add(d->reasons, r);
}

/* The last reason added may be overridden with -force. */
static void forceable(struct kd_hostdev *d)
{
	struct kd_reason *r = g_ptr_array_index(d->reasons, d->reasons->len - 1);

	r->forceable = true;
}

const char *kd_verdict_name(enum kd_verdict v)
{
	switch (v) {
	case KD_VERDICT_READY:
		return "ready";
	case KD_VERDICT_WARNINGS:
		return "ready with warnings";
	case KD_VERDICT_NO:
		return "not assignable";
	}
	return "?";
}

static bool vfio_compatible(const char *driver)
{
	return !driver || !strcmp(driver, "vfio-pci") || !strcmp(driver, "pci-stub");
}

/* "a, b and c" */
static char *join_and(GPtrArray *items)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < items->len; i++) {
		if (i)
			g_string_append(s, i + 1 == items->len ? _(" and ") : ", ");
		g_string_append(s, g_ptr_array_index(items, i));
	}
	return g_string_free(s, FALSE);
}

char *kd_hostdev_blacklist_lines(const struct kd_hostdev *d)
{
	GString *s;

	if (!d->modules->len)
		return NULL;
	s = g_string_new(NULL);
	for (guint i = 0; i < d->modules->len; i++)
		g_string_append_printf(s, "blacklist %s\n",
				       (char *)g_ptr_array_index(d->modules, i));
	return g_string_free(s, FALSE);
}

static void rule_interrupt(struct kd_hostdev *d)
{
	g_autofree char *sharers = NULL;
	char *what;

	if (!d->irq_pin || d->irq < 0 || !d->irq_sharers->len)
		return;
	sharers = join_and(d->irq_sharers);
	if (d->msi_capable || d->msix_capable) {
		kd_add_reason(d, KD_NOTE,
			      g_strdup_printf(_("IRQ %d is shared with %s, but the device can use "
						"MSI%s, which guest drivers normally do"),
					      d->irq, sharers, d->msix_capable ? "-X" : ""),
			      NULL);
		return;
	}
	what = g_strdup_printf(_("IRQ %d is shared with %s"), d->irq, sharers);
	switch (d->intx_mask) {
	case KD_INTX_MASK_NO:
		kd_add_reason(d, KD_BLOCKER,
			      g_strdup_printf(_("%s; this card cannot mask INTx, so it needs an "
						"interrupt of its own"),
					      what),
			      g_strdup(_("move it to another slot or disable the other devices")));
		forceable(d); /* the guest can still use MSI; INTx stays off */
		break;
	case KD_INTX_MASK_UNKNOWN:
		kd_add_reason(
			d, KD_WARNING,
			g_strdup_printf(_("%s; whether this card can mask INTx is unknown (%s), "
					  "and without it the card needs an interrupt of its own"),
					what, d->intx_mask_detail ? d->intx_mask_detail : "?"),
			g_strdup(_("kvmdesk checks when the card is given to vfio-pci; to be "
				   "safe, move it to a slot whose interrupt it has alone")));
		break;
	case KD_INTX_MASK_YES:
		kd_add_reason(
			d, KD_NOTE,
			g_strdup_printf(_("%s; the card masks INTx (PCI 2.3), so the line can "
					  "be shared"),
					what),
			NULL);
		break;
	}
	g_free(what);
}

static void rule_driver(struct kd_hostdev *d)
{
	g_autofree char *lines = NULL;

	if (!d->driver)
		return;
	if (!strcmp(d->driver, "vfio-pci")) {
		kd_add_reason(d, KD_NOTE, g_strdup(_("already bound to vfio-pci")), NULL);
		return;
	}
	lines = kd_hostdev_blacklist_lines(d);
	kd_add_reason(
		d, KD_WARNING, g_strdup_printf(_("bound to %s, a host driver"), d->driver),
		lines ? g_strdup_printf(_("kvmdesk unbinds it when a VM takes the card; to keep "
					  "the host off it for good, add to "
					  "/etc/modprobe.d/kvmdesk.conf:\n%sor, keeping those "
					  "modules for other cards:\noptions vfio-pci "
					  "ids=%04x:%04x\n"),
					lines, d->vendor, d->device)
		      : g_strdup_printf(_("kvmdesk unbinds it when a VM takes the card; to give "
					  "it to vfio-pci at boot, add to "
					  "/etc/modprobe.d/kvmdesk.conf:\noptions vfio-pci "
					  "ids=%04x:%04x\n"),
					d->vendor, d->device));
}

static void rule_group(struct kd_host *host, struct kd_hostdev *d)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *list = NULL;

	if (!host->iommu_active)
		return;
	if (d->iommu_group < 0) {
		kd_add_reason(d, KD_BLOCKER, g_strdup(_("it is in no IOMMU group")),
			      g_strdup(_("the IOMMU does not cover it; check the firmware's "
					 "IOMMU/ACS settings")));
		return;
	}
	for (guint i = 0; i < d->group_members->len; i++) {
		struct kd_hostdev *e = g_ptr_array_index(d->group_members, i);

		if (e->bridge)
			continue; /* bridges stay with the host; vfio allows them in a group */
		if (e->root_disk || e->default_route || e->boot_vga)
			kd_add_reason(
				d, KD_BLOCKER,
				g_strdup_printf(_("IOMMU group %d also holds %s, which the "
						  "host needs (%s)"),
						d->iommu_group, kd_pci_address_short(e->address),
						e->root_disk	   ? _("the disk with /")
						: e->default_route ? _("the default route")
								   : _("the boot display")),
				g_strdup(_("put the card in another slot, in a group of its own")));
		if (e->root_disk || e->default_route || e->boot_vga)
			forceable(d);
		g_ptr_array_add(names, e->driver && !vfio_compatible(e->driver)
					       ? g_strdup_printf("%s (%s)",
								 kd_pci_address_short(e->address),
								 e->driver)
					       : g_strdup(kd_pci_address_short(e->address)));
	}
	if (!names->len)
		return;
	list = join_and(names);
	kd_add_reason(d, KD_WARNING,
		      g_strdup_printf(_("IOMMU group %d also holds %s: all of them go to the guest "
					"together"),
				      d->iommu_group, list),
		      g_strdup(_("if the host needs one of them, move the card to another slot")));
}

static void rule_critical(struct kd_hostdev *d)
{
	if (d->boot_vga) {
		kd_add_reason(d, KD_BLOCKER, g_strdup(_("it is the boot display")),
			      g_strdup(_("the host would lose its console; only with a second way "
					 "in (ssh, serial) and --force")));
		forceable(d);
	}
	if (d->root_disk) {
		kd_add_reason(d, KD_BLOCKER, g_strdup(_("it controls the disk that holds /")),
			      g_strdup(_("the host would lose its root file system")));
		forceable(d);
	}
	if (d->default_route) {
		kd_add_reason(
			d, KD_BLOCKER,
			g_strdup_printf(_("it carries the default route (%s)"),
					d->netdevs ? d->netdevs : "?"),
			g_strdup(_("the host would lose its network; only with another way in "
				   "and --force")));
		forceable(d);
	}
}

/* g_ptr_array_sort is not stable: ties keep their order through the original positions. */
static gint by_severity(gconstpointer a, gconstpointer b, gpointer array)
{
	const struct kd_reason *x = *(struct kd_reason *const *)a,
			       *y = *(struct kd_reason *const *)b;
	GPtrArray *reasons = array;
	guint ix = 0, iy = 0;

	if (x->severity != y->severity)
		return (int)y->severity - (int)x->severity;
	g_ptr_array_find(reasons, x, &ix);
	g_ptr_array_find(reasons, y, &iy);
	return (int)ix - (int)iy;
}

static void decide(struct kd_host *host, struct kd_hostdev *d)
{
	enum kd_severity worst = KD_NOTE;

	if (d->bridge) {
		kd_add_reason(d, KD_BLOCKER,
			      g_strdup(_("it is a bridge: the devices behind it are assigned, not "
					 "the bridge")),
			      NULL);
	} else {
		if (!host->iommu_active)
			kd_add_reason(d, KD_BLOCKER, g_strdup(_("the host has no active IOMMU")),
				      g_strdup(host->iommu_detail));
		if (!host->vfio_pci_available)
			kd_add_reason(d, KD_BLOCKER, g_strdup(host->vfio_detail),
				      g_strdup(_("use a kernel built with CONFIG_VFIO_PCI "
						 "(Debian's is)")));
		rule_critical(d);
		rule_group(host, d);
		rule_interrupt(d);
		rule_driver(d);
		if (!d->reset_methods)
			kd_add_reason(
				d, KD_WARNING,
				g_strdup(_("the kernel knows no way to reset it (no FLR, PM "
					   "or bus reset)")),
				g_strdup(_("a guest reboot may leave it in a bad state; a host "
					   "power cycle resets it")));
	}
	/* Worst first, in the order the rules found them. */
	g_ptr_array_sort_with_data(d->reasons, by_severity, d->reasons);
	for (guint i = 0; i < d->reasons->len; i++) {
		struct kd_reason *r = g_ptr_array_index(d->reasons, i);

		worst = MAX(worst, r->severity);
	}
	d->verdict = worst == KD_BLOCKER   ? KD_VERDICT_NO
		     : worst == KD_WARNING ? KD_VERDICT_WARNINGS
					   : KD_VERDICT_READY;
}

void kd_decide_verdicts(struct kd_host *host)
{
	for (guint i = 0; i < host->devices->len; i++)
		decide(host, g_ptr_array_index(host->devices, i));
}
