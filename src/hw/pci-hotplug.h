/*
 * ACPI PCI hotplug of the PC's bus 0 (the scheme of QEMU's PIIX4 machine, which Linux's acpiphp
 * and Windows drive through the DSDT in data/dsdt.asl): a 16-byte I/O block at 0xAE00 with
 * the slots that got a card (PCIU), the slots whose card should go (PCID), the eject register
 * (B0EJ) and the slots whose card can be removed (PRMV); each event raises GPE0 bit 1.
 *
 * A card is plugged at once and announced; a removal is a request the guest answers by
 * ejecting the slot (its _EJ0), after which the card's device is destroyed in the main loop,
 * vCPUs paused. A guest that does not answer loses the card after KD_HOTPLUG_TIMEOUT_S.
 * All calls: machine lock held (main thread).
 */
#ifndef KD_HW_PCI_HOTPLUG_H
#define KD_HW_PCI_HOTPLUG_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct kd_machine;
struct kd_pci_device;

#define KD_HOTPLUG_BASE 0xAE00
#define KD_HOTPLUG_LEN 16
#define KD_HOTPLUG_GPE_BIT 1
#define KD_HOTPLUG_FIRST_SLOT 3 /* 0-2: host bridge, PIIX, display */
#define KD_HOTPLUG_TIMEOUT_S 30

struct kd_pci_hotplug;

struct kd_pci_hotplug *kd_pci_hotplug_create(struct kd_machine *m, GError **err);

/* dev (already on the bus, its owner set) arrived: the guest hears of it. */
void kd_pci_hotplug_announce(struct kd_pci_hotplug *hp, struct kd_pci_device *dev);
/* Asks the guest to give up the card in slot. Fails (one line in err) for an empty slot, one
 * of the board's own, or a removal already under way. */
bool kd_pci_hotplug_request_removal(struct kd_pci_hotplug *hp, unsigned slot, GError **err);
/* Slots whose removal is under way (bitmap). */
uint32_t kd_pci_hotplug_pending(struct kd_pci_hotplug *hp);

#endif
