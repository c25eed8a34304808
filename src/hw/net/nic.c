/*
 * What every NIC model shares around its own registers (see backends.h): the option ROM in
 * the ROM BAR, the PCI slot, and the port on its hub.
 */
#include "config.h"

#include <string.h>

#include "hw/machine.h"
#include "hw/net/backends.h"
#include "hw/net/net.h"
#include "hw/pci.h"
#include "i18n.h"
#include "vm/bus.h"

#define IPXE_DIR "/usr/lib/ipxe/qemu"

static bool load_rom(const char *romfile, const char *default_rom, GBytes **rom, GError **err)
{
	g_autofree char *path = NULL;
	g_autoptr(GError) local = NULL;
	char *data;
	gsize len;

	*rom = NULL;
	if (romfile && !*romfile)
		return true;
	if (!romfile) {
		path = g_build_filename(IPXE_DIR, default_rom, NULL);
		if (!g_file_test(path, G_FILE_TEST_EXISTS))
			return true; /* no network boot, nothing else lost */
	} else if (!strchr(romfile, '/')) {
		path = g_build_filename(IPXE_DIR, romfile, NULL);
		if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
			g_free(path);
			path = g_strdup(romfile);
		}
	} else {
		path = g_strdup(romfile);
	}
	if (!g_file_get_contents(path, &data, &len, &local)) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, "romfile: %s", local->message);
		return false;
	}
	if (len < 512 || (uint8_t)data[0] != 0x55 || (uint8_t)data[1] != 0xAA ||
	    len > 16 * 1024 * 1024) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("romfile %s is not a PCI option ROM (no 55 AA signature)"), path);
		g_free(data);
		return false;
	}
	*rom = g_bytes_new_take(data, len);
	return true;
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

static struct kd_io_region *rom_region(const char *name, GBytes *rom, uint64_t *size)
{
	*size = 2048;
	while (*size < g_bytes_get_size(rom))
		*size <<= 1;
	return kd_io_region_new(name, *size, &rom_ops, rom);
}

/* The first slot a NIC takes when none is given: 2 is the display's, as on QEMU's PC. */
#define FIRST_NIC_SLOT 3

bool kd_nic_attach(struct kd_machine *m, struct kd_pci_device *pci, const struct kd_nic_config *cfg,
		   const char *model, const struct kd_net_port_ops *ops, void *opaque,
		   struct kd_nic_parts *parts, GError **err)
{
	g_autofree char *rom_name = g_strdup_printf("pxe-%s.rom", model);
	g_autofree char *region_name = g_strdup_printf("%s-rom", model);
	g_autofree char *port_name = NULL;
	int slot;

	memset(parts, 0, sizeof(*parts));
	if (!load_rom(cfg->romfile, rom_name, &parts->rom, err))
		return false;
	if (parts->rom) {
		uint64_t size;

		parts->rom_region = rom_region(region_name, parts->rom, &size);
		kd_pci_device_set_bar(pci, PCI_ROM_SLOT, KD_PCI_BAR_MEM32, false, size,
				      parts->rom_region);
	}
	slot = cfg->slot >= 0 ? cfg->slot : kd_pci_bus_free_slot(m->pci, FIRST_NIC_SLOT);
	if (slot < 0) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, _("no free PCI slot for the %s"),
			    model);
		kd_nic_detach(pci, parts);
		return false;
	}
	if (!kd_pci_plug(m->pci, pci, PCI_DEVFN(slot, 0), err)) {
		kd_nic_detach(pci, parts);
		return false;
	}
	port_name = g_strdup_printf("%s.%d", model, slot);
	parts->port = kd_net_port_new(kd_net_hub_get(m, cfg->hub), KD_NET_PORT_NIC, port_name, ops,
				      opaque);
	return true;
}

void kd_nic_detach(struct kd_pci_device *pci, struct kd_nic_parts *parts)
{
	kd_pci_unplug(pci);
	kd_io_region_free(parts->rom_region);
	kd_net_port_free(parts->port);
	if (parts->rom)
		g_bytes_unref(parts->rom);
	memset(parts, 0, sizeof(*parts));
}
