/*
 * PCI expansion ROMs (PCI 3.0, 6.3): a firmware image read from a file and shown through a
 * device's ROM BAR, which the BIOS copies into shadow RAM and runs (NIC boot ROMs, VGA BIOS).
 */
#ifndef KD_HW_PCI_ROM_H
#define KD_HW_PCI_ROM_H

#include <glib.h>
#include <stdbool.h>

struct kd_io_region;
struct kd_pci_device;

/* Reads path as an option ROM (55 AA signature, at most 16 MiB). NULL with err set when it
 * is missing or not a ROM. */
GBytes *kd_pci_rom_load(const char *path, GError **err);
/* Declares dev's ROM BAR over rom; returns the region to free with kd_io_region_free when the
 * device goes (the region keeps no reference to rom: keep it as long). */
struct kd_io_region *kd_pci_rom_attach(struct kd_pci_device *dev, const char *name, GBytes *rom);

#endif
