/*
 * PIIX3 function 1 (00:01.1): the IDE controller's PCI side. The ATA/ATAPI devices behind it
 * arrive with the IDE work; this is its configuration space and bus-master registers (BAR 4).
 */
#ifndef KD_HW_PIIX_IDE_H
#define KD_HW_PIIX_IDE_H

#include <glib.h>
#include <stdbool.h>

struct kd_machine;

bool kd_piix_ide_create(struct kd_machine *m, GError **err);

#endif
