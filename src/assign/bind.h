/*
 * Host devices to vfio-pci and back, remembering the original driver across crashes.
 */
#ifndef KD_ASSIGN_BIND_H
#define KD_ASSIGN_BIND_H

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "assign/hostdev.h"

#define KD_BIND_ERROR (kd_bind_error_quark())
GQuark kd_bind_error_quark(void);

enum kd_bind_error_code {
	KD_BIND_ERROR_NOT_FOUND, /* no such device, or nothing recorded */
	KD_BIND_ERROR_REFUSED, /* a bridge, a device the host needs, no IOMMU, no vfio-pci */
	KD_BIND_ERROR_SYSFS, /* the kernel refused a step */
};

/* Gives address and the endpoints of its IOMMU group to vfio-pci. holder is the pid whose
 * exit releases them (0: held until kd_bind_restore). force allows the boot display, the root
 * disk's controller and the default-route NIC. */
bool kd_bind_vfio(struct kd_host *host, const char *address, bool force, pid_t holder,
		  GError **err);
/* Gives a device kvmdesk bound back to the driver it had (or to none). */
bool kd_bind_restore(struct kd_host *host, const char *address, GError **err);
/* Restores devices whose holder process is gone; appends one line per device to report. */
unsigned kd_bind_recover(struct kd_host *host, GString *report);

#endif
