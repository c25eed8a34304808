/*
 * An assigned host PCI device: the guest-facing PCI function backed by VFIO (vfio.h). Created
 * at start-up (-device vfio-pci, -pcidevice) or at run time (hotplug), torn down at release;
 * the host device goes to vfio-pci on creation and back to its driver on release.
 */
#ifndef KD_ASSIGN_VFIO_PCI_H
#define KD_ASSIGN_VFIO_PCI_H

#include <glib.h>
#include <stdbool.h>

struct kd_machine;
struct kd_pci_device;

struct kd_vfio_pci_config {
	const char *host; /* "05:06.0" or "0000:05:06.0" */
	const char *id; /* NULL: "hostdevN" */
	int slot; /* -1: the first free slot from 4 on */
	bool rombar; /* expose the device's option ROM (default on) */
	const char *romfile; /* instead of the device's ROM; "" for none */
	bool force; /* override the inventory's forceable blockers */
};

/* Runs the inventory's checks, gives the device (and its IOMMU group) to vfio-pci, opens it
 * through VFIO and plugs it into the machine's PCI bus. Machine lock held, or before start.
 * On failure nothing stays bound and err says why in one line (KD_VM_ERROR_CONFIG for
 * everything the user can fix). */
struct kd_pci_device *kd_vfio_pci_create(struct kd_machine *m, const struct kd_vfio_pci_config *cfg,
					 GError **err);
/* "0000:00:0b.0" of an assigned device, or NULL when dev is not one. */
const char *kd_vfio_pci_host_address(struct kd_pci_device *dev);

#endif
