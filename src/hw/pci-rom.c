/*
 * PCI expansion ROMs (pci-rom.h).
 */
#include "config.h"

#include "hw/pci-rom.h"

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

static uint64_t rom_read(void *opaque, uint64_t offset, unsigned size)
{
	gsize len;
	const uint8_t *p = g_bytes_get_data(opaque, &len);
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		if (offset + i < len)
			v |= (uint64_t)p[offset + i] << (8 * i);
	return v;
}

static const struct kd_io_ops rom_ops = { .read = rom_read };

struct kd_io_region *kd_pci_rom_attach(struct kd_pci_device *dev, const char *name, GBytes *rom)
{
	uint64_t size = 2048;
	struct kd_io_region *region;

	/* A ROM BAR's size is a power of two of at least 2 KiB. */
	while (size < g_bytes_get_size(rom))
		size <<= 1;
	region = kd_io_region_new(name, size, &rom_ops, rom);
	kd_pci_device_set_bar(dev, PCI_ROM_SLOT, KD_PCI_BAR_MEM32, false, size, region);
	return region;
}
