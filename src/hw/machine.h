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
struct kd_fw_cfg;

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
	const char
		*boot_order; /* -boot order= letters (c disk, d CD-ROM, n network), NULL = "cdn" */
	bool nographic; /* no display: SeaBIOS's console goes to COM1 */
	bool boot_menu;
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
	unsigned next_device_id;
};

struct kd_machine *kd_pc_new(struct kd_kvm *kvm, const struct kd_pc_config *cfg, GError **err);
/* Stops the vCPUs, destroys every device and the VM. */
void kd_pc_free(struct kd_machine *m);

/* The firmware's last 128 KiB, which the PC also shows at 0xE0000 (the isa-bios alias). */
const uint8_t *kd_pc_bios_alias(struct kd_machine *m, size_t *size);

struct kd_device *kd_machine_find_device(struct kd_machine *m, const char *id);

#endif
