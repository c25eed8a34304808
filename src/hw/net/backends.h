/*
 * Network backends: each joins the hub its configuration names (hw/net/net.h) and is a device
 * of the machine (torn down with it).
 */
#ifndef KD_HW_NET_BACKENDS_H
#define KD_HW_NET_BACKENDS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct kd_pci_rom;
struct kd_machine;
struct kd_netdev_config;
struct kd_nic_config;

bool kd_net_user_create(struct kd_machine *m, const struct kd_netdev_config *cfg, GError **err);
bool kd_net_tap_create(struct kd_machine *m, const struct kd_netdev_config *cfg, GError **err);

struct kd_net_port_ops;
struct kd_pci_device;

/* What a NIC model holds besides its registers (nic.c). */
struct kd_nic_parts {
	GBytes *rom; /* the option ROM, or NULL */
	struct kd_pci_rom *rom_map; /* its ROM BAR */
	struct kd_net_port *port;
};

/* After the model initialised pci and its BARs: the option ROM in the ROM BAR (cfg->romfile;
 * NULL = Debian's iPXE image pxe-MODEL.rom, none, quietly, when ipxe-qemu is not installed;
 * "" = none; a name without a slash is looked for in iPXE's directory first), the PCI slot
 * (cfg->slot, or the next free one from 3) and a port "MODEL.SLOT" on the hub cfg->hub. On
 * failure nothing of it stays. */
bool kd_nic_attach(struct kd_machine *m, struct kd_pci_device *pci, const struct kd_nic_config *cfg,
		   const char *model, const struct kd_net_port_ops *ops, void *opaque,
		   struct kd_nic_parts *parts, GError **err);
/* Unplugs pci and frees the parts. */
void kd_nic_detach(struct kd_pci_device *pci, struct kd_nic_parts *parts);

/* Guest NICs (src/hw/net/e1000.c, rtl8139.c): the PCI function plugged, or NULL. */
struct kd_pci_device *kd_e1000_create(struct kd_machine *m, const struct kd_nic_config *cfg,
				      GError **err);
struct kd_pci_device *kd_rtl8139_create(struct kd_machine *m, const struct kd_nic_config *cfg,
					GError **err);

#endif
