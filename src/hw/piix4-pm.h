/*
 * PIIX4 power management (00:01.3): ACPI PM1 registers, PM timer, GPE0, SCI.
 */
#ifndef KD_HW_PIIX4_PM_H
#define KD_HW_PIIX4_PM_H

#include <glib.h>
#include <stdbool.h>

struct kd_machine;
struct kd_piix4_pm;

/* Where firmware (SeaBIOS moves it to 0x600 on this board) and our direct boot put the PM
 * block, and QEMU's GPE0 block,
 * which the FADT and DSDT describe. */
#define KD_PIIX4_PM_BASE 0x600
#define KD_PIIX4_GPE0_BASE 0xAFE0
#define KD_PIIX4_GPE0_LEN 4
#define KD_PIIX4_SCI_IRQ 9

struct kd_piix4_pm *kd_piix4_pm_create(struct kd_machine *m, bool no_firmware, GError **err);
/* ACPI fixed power button: the guest sees PWRBTN_STS and an SCI. */
void kd_piix4_pm_power_button(struct kd_piix4_pm *pm);
/* Sets GPE0 status bit `bit` (1 = PCI hotplug) and raises the SCI if enabled. */
void kd_piix4_pm_raise_gpe(struct kd_piix4_pm *pm, unsigned bit);

#endif
