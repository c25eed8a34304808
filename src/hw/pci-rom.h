/*
 * PCI expansion ROMs (PCI 3.0, 6.3): a firmware image read from a file and shown through a
 * device's ROM BAR, which the BIOS copies into shadow RAM and runs (NIC boot ROMs, VGA BIOS).
 */
#ifndef KD_HW_PCI_ROM_H
#define KD_HW_PCI_ROM_H

#include <glib.h>
#include <stdbool.h>

struct kd_io_region;
struct kd_vm;
struct kd_pci_device;

/* Reads path as an option ROM (55 AA signature, at most 16 MiB). NULL with err set when it
 * is missing or not a ROM. */
GBytes *kd_pci_rom_load(const char *path, GError **err);
struct kd_pci_rom;
/* Declares dev's ROM BAR over rom (a reference is taken). Where the guest maps the BAR it is
 * read-only guest memory, so the BIOS copying it costs no exits; a trapped region answers
 * where that cannot be. Free with kd_pci_rom_free after the device is unplugged. */
struct kd_pci_rom *kd_pci_rom_attach(struct kd_vm *vm, struct kd_pci_device *dev, const char *name,
				     GBytes *rom);
void kd_pci_rom_free(struct kd_pci_rom *rom);

#endif
