/*
 * The PC's physical memory map as firmware and kernels see it (ACPI 6.4, 15 "System Address Map
 * Interfaces"), built from the machine's RAM layout.
 */
#ifndef KD_VM_E820_H
#define KD_VM_E820_H

#include <glib.h>
#include <stdint.h>

enum kd_e820_type {
	KD_E820_RAM = 1,
	KD_E820_RESERVED = 2,
	KD_E820_ACPI = 3,
	KD_E820_NVS = 4,
};

struct kd_e820_entry {
	uint64_t address;
	uint64_t size;
	uint32_t type;
};

/* With firmware: only what the firmware cannot know (RAM, KVM's private pages), as QEMU's
 * etc/e820 gives SeaBIOS. Without firmware (direct kernel boot): the whole map a BIOS would
 * report, legacy holes included. Returns an array of struct kd_e820_entry, sorted. */
GArray *kd_e820_pc(uint64_t ram_below_4g, uint64_t ram_above_4g, gboolean for_firmware);

#endif
