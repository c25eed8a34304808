/*
 * The host's PCI devices as kvmdesk sees them: what an admin used to piece together from
 * lspci -vv, lspci -k, /proc/interrupts, lsmod and the IOMMU groups, plus a verdict on whether
 * each device can be handed to a guest, with every reason and its fix.
 *
 * Every file is read below a root directory ("/" normally; a fixture tree or a bug report's
 * copy with --host-root), so the same code runs on the host and in tests.
 */
#ifndef KD_ASSIGN_HOSTDEV_H
#define KD_ASSIGN_HOSTDEV_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

enum kd_intx_mask {
	KD_INTX_MASK_UNKNOWN,
	KD_INTX_MASK_YES, /* PCI 2.3 DisINTx works: the line can be shared with the host */
	KD_INTX_MASK_NO,
};

enum kd_verdict {
	KD_VERDICT_READY,
	KD_VERDICT_WARNINGS, /* ready, but read the warnings */
	KD_VERDICT_NO, /* not assignable as things are */
};

enum kd_severity {
	KD_NOTE,
	KD_WARNING,
	KD_BLOCKER,
};

struct kd_reason {
	enum kd_severity severity;
	char *what; /* "IRQ 11 is shared with 00:1d.0 (uhci_hcd) ..." */
	char *fix; /* what to do about it, or NULL */
	/* A blocker the admin may override (-force): the host loses something it uses, but
	 * assignment itself can work. The others make VFIO fail anyway. */
	bool forceable;
};

struct kd_hostdev {
	char *address; /* "0000:05:06.0" */
	uint16_t vendor, device, subvendor, subdevice;
	uint8_t revision;
	uint32_t class_code; /* base class, subclass, programming interface */
	char *vendor_name, *device_name, *class_name;
	bool bridge;

	uint8_t irq_pin; /* 1-4 = INTA-D, 0 = none */
	int irq; /* the line or GSI, -1 when none is used */
	bool enabled; /* the kernel enabled it (sysfs enable); else `irq` is only the BIOS line */
	bool msi_capable, msix_capable;
	unsigned msi_vectors; /* in use now (msi_irqs/) */
	GPtrArray *irq_sharers; /* char *: "00:1d.0 (uhci_hcd)" or a raw handler name */
	enum kd_intx_mask intx_mask;
	char *intx_mask_detail; /* why it is unknown, or NULL */

	char *driver; /* bound now, or NULL */
	GPtrArray *modules; /* char *: modules whose aliases match, driver's own first */
	char *modalias;

	int iommu_group; /* -1: none */
	GPtrArray *group_members; /* struct kd_hostdev * (borrowed), others in the group */

	char *reset_methods; /* from reset_method, or NULL when the kernel has none */
	bool boot_vga, root_disk, default_route;
	char *netdevs; /* "eth0 eth1" or NULL */

	enum kd_verdict verdict;
	GPtrArray *reasons; /* struct kd_reason * */
};

struct kd_host {
	char *root; /* "/" or the fixture */
	char *kernel_release;
	char *cmdline;
	char *cpu_vendor;
	bool cpu_vmx, cpu_svm;
	bool kvm_usable;
	char *kvm_detail;
	bool iommu_active;
	char *iommu_detail;
	bool vfio_pci_available;
	char *vfio_detail;
	char *ksm; /* "running", "stopped" or "not available" */
	GPtrArray *devices; /* struct kd_hostdev *, in address order */
};

/* Reads everything below root ("/" when NULL). Fails only when there is no PCI view at all. */
struct kd_host *kd_host_scan(const char *root, GError **err);
void kd_host_free(struct kd_host *host);
struct kd_hostdev *kd_host_find(struct kd_host *host, const char *address);

/* Accepts "05:06.0", "0000:05:06.0"; returns the canonical "0000:05:06.0" or NULL. */
char *kd_pci_address_normalize(const char *text);
/* "0000:05:06.0" -> "05:06.0" (lspci's short form) when the domain is 0. */
const char *kd_pci_address_short(const char *address);

const char *kd_verdict_name(enum kd_verdict v);

/* The lines for /etc/modprobe.d that keep host drivers off dev, or NULL when none bind it. */
char *kd_hostdev_blacklist_lines(const struct kd_hostdev *dev);

/* Writes what the inventory reads (and the INTx probe results) below dest, for -host-root. */
bool kd_host_dump(struct kd_host *host, const char *dest, GError **err);

/* Output: lspci -k style with verdicts and warnings, JSON for scripts, and the host checks. */
char *kd_host_format_table(struct kd_host *host);
char *kd_host_format_json(struct kd_host *host);
char *kd_host_format_checks(struct kd_host *host);
/* One device's block of kd_host_format_table (facts, verdict, reasons and fixes; tab-indented),
 * for the workstation's detail panel. */
char *kd_hostdev_format_detail(const struct kd_hostdev *dev);

#endif
