/*
 * The i440FX host bridge (00:00.0) with the PCI configuration ports and PAM shadowing.
 */
#ifndef KD_HW_I440FX_H
#define KD_HW_I440FX_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct kd_machine;
struct kd_i440fx;

/* no_firmware: a direct kernel boot, where 0xC0000-0xFFFFF starts out as RAM (PAM read-write,
 * as firmware would leave it) so the ACPI tables can live there. */
struct kd_i440fx *kd_i440fx_create(struct kd_machine *m, bool no_firmware, GError **err);
/* Byte writes to 0xCF9 (the PIIX3's reset control register share the port range). */
void kd_i440fx_set_reset_control(struct kd_i440fx *h, void (*fn)(void *opaque, uint8_t value),
				 void *opaque);

#endif
