/*
 * The PC that kvmdesk emulates (ARCHITECTURE.md, "Machine"): an i440FX/PIIX3 board on one VM.
 * Built by kd_pc_new() from a configuration; devices reach the engine through it.
 */
#ifndef KD_HW_MACHINE_H
#define KD_HW_MACHINE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "hw/device.h"
#include "vm/vm.h"

#define KD_MAX_SERIAL 4

struct kd_chardev;
struct kd_kernel;
struct kd_pci_bus;
struct kd_pci_hotplug;
struct kd_piix4_pm;
struct kd_i8042;
struct kd_fw_cfg;
struct kd_display;

#define KD_MAX_IDE_DRIVES 4

/* An IDE drive: index 0-3 = primary master, primary slave, secondary master, secondary
 * slave. */
struct kd_drive_config {
	bool present;
	bool cdrom;
	const char *file; /* NULL: an empty CD-ROM drive */
	bool readonly;
	bool direct; /* cache=none */
};

#define KD_MAX_NETDEVS 8
#define KD_MAX_NICS 8
#define KD_MAX_HOSTFWD 8

enum kd_netdev_type { KD_NETDEV_USER, KD_NETDEV_TAP };

/* A network backend (-net user/tap, -netdev, -nic) on the hub named hub. */
struct kd_netdev_config {
	enum kd_netdev_type type;
	const char *id; /* -netdev id=, or a generated one */
	const char *hub; /* "vlan0", "netdev:ID" */
	/* user */
	const char *net; /* "10.0.2.0/24" (default) */
	const char *host; /* the gateway's address, default .2 */
	const char *dhcpstart; /* default .15 */
	const char *dns; /* default .3 */
	const char *hostname; /* for DHCP */
	const char *tftp; /* directory served by TFTP */
	const char *bootfile; /* DHCP boot file name */
	bool restrict_net; /* restrict=on: no connections out */
	const char *hostfwd[KD_MAX_HOSTFWD]; /* "tcp::2222-:22" */
	unsigned nhostfwd;
	/* tap */
	const char *ifname;
};

/* A NIC (-net nic, -device e1000|rtl8139, -nic). */
struct kd_nic_config {
	const char *model; /* "rtl8139" or "e1000" */
	const char *hub;
	const char *id;
	uint8_t mac[6];
	bool mac_set;
	const char *romfile; /* NULL: Debian's iPXE ROM for the model; "": none */
	int slot; /* -1: the next free slot from 3 */
};

struct kd_pc_config {
	struct kd_vm_config vm;
	const char *bios; /* NULL: Debian's SeaBIOS */
	const char *kernel; /* direct boot; NULL: firmware boots */
	const char *initrd;
	const char *append;
	const char *serial[KD_MAX_SERIAL]; /* chardev specs for COM1-4, NULL = none */
	const char *debugcon; /* chardev spec for port 0x402, NULL = none */
	bool debug_exit; /* isa-debug-exit test device */
	uint16_t debug_exit_iobase;
	uint8_t debug_exit_iosize;
	struct kd_drive_config ide[KD_MAX_IDE_DRIVES];
	struct kd_netdev_config netdev[KD_MAX_NETDEVS];
	unsigned nnetdev;
	struct kd_nic_config nic[KD_MAX_NICS];
	unsigned nnic;
	const char
		*boot_order; /* -boot order= letters (c disk, d CD-ROM, n network), NULL = "cdn" */
	bool nographic; /* no display: SeaBIOS's console goes to COM1 */
	const char *vga; /* display adapter: "cirrus", "none"; NULL: cirrus */
	const char *vga_romfile; /* its VGA BIOS; NULL: Debian's */
	bool boot_menu;
	bool boot_strict; /* strict=on: only the devices of the order, then "No bootable device" */
	bool boot_reboot_timeout_set;
	int boot_reboot_timeout; /* ms SeaBIOS waits after a failed boot; -1 forever */
};

struct kd_machine {
	struct kd_vm *vm;
	GPtrArray *devices; /* struct kd_device *, in creation order */
	struct kd_pci_bus *pci;
	struct kd_fw_cfg *fw_cfg;
	struct kd_chardev *serial[KD_MAX_SERIAL];
	struct kd_chardev *debugcon;
	GBytes *bios;
	struct kd_kernel *kernel;
	GArray *e820; /* what the guest is told: struct kd_e820_entry */
	uint64_t rsdp_address; /* of the ACPI tables a direct boot gets */
	int bios_slot;
	GPtrArray *net_hubs; /* struct kd_net_hub *, see hw/net/net.h */
	struct kd_piix4_pm *pm;
	struct kd_i8042 *i8042;
	struct kd_pci_hotplug *hotplug;
	struct kd_display *display; /* the guest's screen; NULL without a display adapter */
	unsigned nics_made; /* NICs made so far: the next default MAC ends in 0x56 + this */
	unsigned next_device_id;
};

struct kd_machine *kd_pc_new(struct kd_kvm *kvm, const struct kd_pc_config *cfg, GError **err);
/* Stops the vCPUs, destroys every device and the VM. */
void kd_pc_free(struct kd_machine *m);

/* The firmware's last 128 KiB, which the PC also shows at 0xE0000 (the isa-bios alias). */
const uint8_t *kd_pc_bios_alias(struct kd_machine *m, size_t *size);

struct kd_device *kd_machine_find_device(struct kd_machine *m, const char *id);

/* A NIC of cfg->model ("e1000" or "rtl8139") on its hub, at boot or hot-plugged. */
struct kd_nic_config;
struct kd_pci_device;
struct kd_pci_device *kd_pc_add_nic(struct kd_machine *m, const struct kd_nic_config *cfg,
				    GError **err);

#endif
