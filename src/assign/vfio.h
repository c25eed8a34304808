/*
 * VFIO for device assignment (Documentation/driver-api/vfio.rst): one type1 container per VM
 * with all guest RAM mapped for DMA at IOVA = guest-physical address, the IOMMU groups in it,
 * and the device file descriptors with their regions and interrupts. The guest-facing PCI
 * device built on this is vfio-pci.c.
 */
#ifndef KD_ASSIGN_VFIO_H
#define KD_ASSIGN_VFIO_H

#include <glib.h>
#include <linux/vfio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kd_vm;

#define KD_VFIO_ERROR (kd_vfio_error_quark())
GQuark kd_vfio_error_quark(void);

enum kd_vfio_error_code {
	KD_VFIO_ERROR_UNAVAILABLE, /* no /dev/vfio, no type1 IOMMU */
	KD_VFIO_ERROR_GROUP, /* no group, group not viable */
	KD_VFIO_ERROR_DEVICE, /* the device refused a step */
};

struct kd_vfio_group;

struct kd_vfio_device {
	char *address; /* "0000:00:0b.0" */
	int fd;
	int group_number;
	struct kd_vfio_group *group;
	struct vfio_device_info info;
	struct vfio_region_info regions[VFIO_PCI_NUM_REGIONS];
	struct vfio_irq_info irqs[VFIO_PCI_NUM_IRQS];
};

/* Opens the device at address (already bound to vfio-pci) for vm: its group joins the VM's
 * container, which maps guest RAM for DMA the first time. */
struct kd_vfio_device *kd_vfio_device_open(struct kd_vm *vm, const char *address, GError **err);
/* Closes the device; the last device of a group releases the group, the last group the
 * container (and with it the DMA mappings). */
void kd_vfio_device_close(struct kd_vfio_device *d);

/* Region access (BARs, ROM, configuration space): full length or false. */
bool kd_vfio_region_read(struct kd_vfio_device *d, unsigned index, uint64_t offset, void *buf,
			 size_t len);
bool kd_vfio_region_write(struct kd_vfio_device *d, unsigned index, uint64_t offset,
			  const void *buf, size_t len);
/* mmap of a region (PROT_READ|PROT_WRITE), or NULL when it cannot be mapped. */
void *kd_vfio_region_mmap(struct kd_vfio_device *d, unsigned index);

/* VFIO_DEVICE_SET_IRQS with eventfds: fds[count] for vectors start.., or count 0 (fds NULL) to
 * disable the index. */
bool kd_vfio_set_irq_eventfds(struct kd_vfio_device *d, unsigned index, unsigned start,
			      unsigned count, const int *fds, GError **err);
/* The unmask eventfd of INTx (written by KVM's resampler at the guest's EOI). */
bool kd_vfio_set_intx_unmask_fd(struct kd_vfio_device *d, int fd, GError **err);
/* Function reset where the device has one; false (not an error) when it has none. */
bool kd_vfio_reset(struct kd_vfio_device *d);

#endif
