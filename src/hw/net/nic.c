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
#include "hw/pci-rom.h"
#include "i18n.h"
#include "vm/bus.h"

#define IPXE_DIR "/usr/lib/ipxe/qemu"

static bool load_rom(const char *romfile, const char *default_rom, GBytes **rom, GError **err)
{
	g_autofree char *path = NULL;

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
	*rom = kd_pci_rom_load(path, err);
	return *rom != NULL;
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
	if (parts->rom)
		parts->rom_map = kd_pci_rom_attach(m->vm, pci, region_name, parts->rom);
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
	kd_pci_rom_free(parts->rom_map);
	kd_net_port_free(parts->port);
	if (parts->rom)
		g_bytes_unref(parts->rom);
	memset(parts, 0, sizeof(*parts));
}
