/*
 * The PC e820 map (see e820.h).
 */
#include "config.h"

#include "vm/e820.h"

#include "vm/vm.h"

/* 0x9FC00-0x9FFFF: the extended BIOS data area a BIOS keeps at the top of base memory. */
#define EBDA_START 0x9FC00ull
#define BIOS_AREA_START 0xE0000ull
#define BIOS_AREA_END 0x100000ull
/* KVM's identity map and TSS pages (vm.c), never RAM for the guest. */
#define KVM_PRIVATE_START 0xFEFFC000ull
#define KVM_PRIVATE_END 0xFF000000ull

static void add(GArray *map, uint64_t address, uint64_t size, uint32_t type)
{
	struct kd_e820_entry e = { address, size, type };

	if (size)
		g_array_append_val(map, e);
}

GArray *kd_e820_pc(uint64_t ram_below_4g, uint64_t ram_above_4g, gboolean for_firmware)
{
	GArray *map = g_array_new(FALSE, FALSE, sizeof(struct kd_e820_entry));

	if (for_firmware) {
		add(map, 0, ram_below_4g, KD_E820_RAM);
	} else {
		add(map, 0, MIN(ram_below_4g, EBDA_START), KD_E820_RAM);
		add(map, EBDA_START, 0xA0000 - EBDA_START, KD_E820_RESERVED);
		/* The BIOS area holds the ACPI tables of a direct boot: the RSDP must lie in
		 * 0xE0000-0xFFFFF for an operating system to find it (ACPI 6.4, 5.2.5.1). */
		add(map, BIOS_AREA_START, BIOS_AREA_END - BIOS_AREA_START, KD_E820_RESERVED);
		if (ram_below_4g > BIOS_AREA_END)
			add(map, BIOS_AREA_END, ram_below_4g - BIOS_AREA_END, KD_E820_RAM);
	}
	add(map, KVM_PRIVATE_START, KVM_PRIVATE_END - KVM_PRIVATE_START, KD_E820_RESERVED);
	add(map, KD_4G, ram_above_4g, KD_E820_RAM);
	return map;
}
