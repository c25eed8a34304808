/*
 * PCI expansion ROMs (pci-rom.h).
 */
#include "config.h"

#include "hw/pci-rom.h"

#include <string.h>
#include <sys/mman.h>

#include "hw/pci.h"
#include "i18n.h"
#include "vm/bus.h"
#include "vm/vm.h"

#define ROM_MAX (16 * 1024 * 1024)

GBytes *kd_pci_rom_load(const char *path, GError **err)
{
	g_autoptr(GError) local = NULL;
	char *data;
	gsize len;

	if (!g_file_get_contents(path, &data, &len, &local)) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, "romfile: %s", local->message);
		return NULL;
	}
	if (len < 512 || (uint8_t)data[0] != 0x55 || (uint8_t)data[1] != 0xAA || len > ROM_MAX) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("romfile %s is not a PCI option ROM (no 55 AA signature)"), path);
		g_free(data);
		return NULL;
	}
	return g_bytes_new_take(data, len);
}

struct kd_pci_rom {
	GBytes *data;
	struct kd_io_region *region;
	struct kd_vm *vm;
	uint8_t *pages; /* page-aligned copy, BAR-sized, for the memory slot */
	size_t size;
	int slot;
};

static uint64_t rom_read(void *opaque, uint64_t offset, unsigned size)
{
	struct kd_pci_rom *rom = opaque;
	gsize len;
	const uint8_t *p = g_bytes_get_data(rom->data, &len);
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		if (offset + i < len)
			v |= (uint64_t)p[offset + i] << (8 * i);
	return v;
}

static const struct kd_io_ops rom_ops = { .read = rom_read };

static void rom_unmap(struct kd_pci_device *dev, int bar)
{
	struct kd_pci_rom *rom = dev->bars[bar].map_opaque;

	if (rom->slot >= 0)
		kd_vm_unmap_memory(rom->vm, rom->slot);
	rom->slot = -1;
}

static void rom_map(struct kd_pci_device *dev, int bar, uint64_t address)
{
	struct kd_pci_rom *rom = dev->bars[bar].map_opaque;

	rom_unmap(dev, bar);
	/* KVM maps whole pages; a small or oddly placed ROM stays trapped. */
	if (rom->pages && !(address & 0xFFF))
		rom->slot = kd_vm_map_memory(rom->vm, address, rom->size, rom->pages, true, NULL);
}

struct kd_pci_rom *kd_pci_rom_attach(struct kd_vm *vm, struct kd_pci_device *dev, const char *name,
				     GBytes *data)
{
	struct kd_pci_rom *rom = g_new0(struct kd_pci_rom, 1);
	uint64_t size = 2048;

	/* A ROM BAR's size is a power of two of at least 2 KiB. */
	while (size < g_bytes_get_size(data))
		size <<= 1;
	rom->data = g_bytes_ref(data);
	rom->vm = vm;
	rom->slot = -1;
	rom->size = size;
	if (size >= 4096) {
		rom->pages = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				  -1, 0);
		if (rom->pages == MAP_FAILED)
			rom->pages = NULL;
		else
			memcpy(rom->pages, g_bytes_get_data(data, NULL), g_bytes_get_size(data));
	}
	rom->region = kd_io_region_new(name, size, &rom_ops, rom);
	kd_pci_device_set_bar(dev, PCI_ROM_SLOT, KD_PCI_BAR_MEM32, false, size, rom->region);
	dev->bars[PCI_ROM_SLOT].map = rom_map;
	dev->bars[PCI_ROM_SLOT].unmap = rom_unmap;
	dev->bars[PCI_ROM_SLOT].map_opaque = rom;
	return rom;
}

void kd_pci_rom_free(struct kd_pci_rom *rom)
{
	if (!rom)
		return;
	if (rom->slot >= 0)
		kd_vm_unmap_memory(rom->vm, rom->slot);
	kd_io_region_free(rom->region);
	if (rom->pages)
		munmap(rom->pages, rom->size);
	g_bytes_unref(rom->data);
	g_free(rom);
}
