/*
 * Shared by the inventory's files (src/assign); not for other modules.
 */
#ifndef KD_ASSIGN_INVENTORY_INTERNAL_H
#define KD_ASSIGN_INVENTORY_INTERNAL_H

#include "assign/hostdev.h"

char *kd_root_path(const struct kd_host *host, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
char *kd_root_read(const struct kd_host *host, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* The file's lines (NULL when it cannot be read). */
char **kd_root_lines(const struct kd_host *host, const char *rel);
char *kd_root_link_name(const struct kd_host *host, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

void kd_reason_free(gpointer p);
void kd_hostdev_free(gpointer p);
void kd_add_reason(struct kd_hostdev *d, enum kd_severity severity, char *what, char *fix);

/* irq.c: who else uses each device's interrupt line. */
void kd_scan_irq_users(struct kd_host *host);
/* groups.c: IOMMU group members; the boot VGA, root disk controller and default-route NIC. */
void kd_scan_groups(struct kd_host *host);
void kd_scan_critical_devices(struct kd_host *host);
/* verdict.c */
void kd_decide_verdicts(struct kd_host *host);

#endif
