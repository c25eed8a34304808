/*
 * PIIX3 function 0 (00:01.0): the PCI-to-ISA bridge with PIRQ routing and the reset controls.
 */
#ifndef KD_HW_PIIX3_H
#define KD_HW_PIIX3_H

#include <glib.h>

struct kd_machine;
struct kd_i440fx;
struct kd_piix3;

struct kd_piix3 *kd_piix3_create(struct kd_machine *m, struct kd_i440fx *host, GError **err);

#endif
