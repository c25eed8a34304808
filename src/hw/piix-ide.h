/*
 * PIIX3 function 1 (00:01.1): the IDE controller with two legacy channels and bus-master DMA;
 * its drives (ATA disks, ATAPI CD-ROMs) are ide.c's.
 */
#ifndef KD_HW_PIIX_IDE_H
#define KD_HW_PIIX_IDE_H

#include <glib.h>
#include <stdbool.h>

struct kd_machine;
struct kd_drive_config;
struct kd_ide_drive;

/* drives: KD_MAX_IDE_DRIVES entries, index = 2 * channel + unit. firmware_less: the machine
 * boots a kernel directly, so the controller starts the way a BIOS leaves it. */
bool kd_piix_ide_create(struct kd_machine *m, const struct kd_drive_config *drives,
			bool firmware_less, GError **err);
/* The drive at index (0-3), or NULL when there is none. */
struct kd_ide_drive *kd_piix_ide_drive(struct kd_machine *m, unsigned index);

/* The drive a monitor name designates: "ide0-hd0", "ide1-cd0" (QEMU's names: channel, disk or
 * CD, unit), or NULL. */
struct kd_ide_drive *kd_piix_ide_find(struct kd_machine *m, const char *name);
/* QEMU's `info block` for every drive. Machine lock held. */
void kd_piix_ide_info_block(struct kd_machine *m, GString *out);
/* `change`: opens FILE read-only and puts it in the CD-ROM drive NAME. Machine lock held. */
bool kd_piix_ide_change(struct kd_machine *m, const char *name, const char *file, GError **err);

#endif
