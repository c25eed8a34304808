/*
 * The PC: builds the machine of ARCHITECTURE.md from a configuration.
 */
#include "config.h"

#include <string.h>

#include "hw/acpi.h"
#include "hw/chardev.h"
#include "hw/cirrus.h"
#include "hw/fw_cfg.h"
#include "hw/i8042.h"
#include "hw/i440fx.h"
#include "hw/isa-debug.h"
#include "hw/machine.h"
#include "hw/pci-hotplug.h"
#include "hw/pci.h"
#include "hw/net/backends.h"
#include "hw/net/net.h"
#include "hw/piix-ide.h"
#include "hw/piix3.h"
#include "hw/piix4-pm.h"
#include "hw/rtc.h"
#include "hw/serial.h"
#include "i18n.h"
#include "vm/e820.h"
#include "vm/loader.h"

#define DEFAULT_BIOS "/usr/share/seabios/bios-256k.bin"
#define FALLBACK_BIOS "/usr/share/seabios/bios.bin"
#define BIOS_ALIAS_SIZE (128 * KD_KIB)

/* CMOS bytes a BIOS reads for the memory size and CPU count (IBM PC/AT layout plus the
 * Bochs/QEMU extensions SeaBIOS uses). */
static void set_cmos_memory(struct kd_rtc *rtc, struct kd_vm *vm)
{
	uint64_t below = kd_vm_ram_below_4g(vm), above = kd_vm_ram_above_4g(vm);
	uint64_t ext_kib = below > KD_MIB ? MIN((below - KD_MIB) / KD_KIB, 65535ull) : 0;
	uint64_t above_16m =
		below > 16 * KD_MIB ? MIN((below - 16 * KD_MIB) / (64 * KD_KIB), 65535ull) : 0;
	uint64_t above_4g = above / (64 * KD_KIB);

	kd_rtc_set_cmos(rtc, 0x15, 640 & 0xFF); /* base memory, KiB */
	kd_rtc_set_cmos(rtc, 0x16, 640 >> 8);
	kd_rtc_set_cmos(rtc, 0x17, (uint8_t)ext_kib); /* extended memory, KiB */
	kd_rtc_set_cmos(rtc, 0x18, (uint8_t)(ext_kib >> 8));
	kd_rtc_set_cmos(rtc, 0x30, (uint8_t)ext_kib);
	kd_rtc_set_cmos(rtc, 0x31, (uint8_t)(ext_kib >> 8));
	kd_rtc_set_cmos(rtc, 0x34, (uint8_t)above_16m); /* above 16 MiB, 64 KiB units */
	kd_rtc_set_cmos(rtc, 0x35, (uint8_t)(above_16m >> 8));
	kd_rtc_set_cmos(rtc, 0x5B, (uint8_t)above_4g); /* above 4 GiB, 64 KiB units */
	kd_rtc_set_cmos(rtc, 0x5C, (uint8_t)(above_4g >> 8));
	kd_rtc_set_cmos(rtc, 0x5D, (uint8_t)(above_4g >> 16));
	kd_rtc_set_cmos(rtc, 0x5F, (uint8_t)(kd_vm_ncpus(vm) - 1));
	kd_rtc_set_cmos(rtc, 0x14, 0x06); /* equipment: FPU, VGA */
}

/* SeaBIOS on QEMU takes its default boot priorities from CMOS 3Dh (first and second device)
 * and 38h bits 7-4 (third): 1 floppy, 2 hard disk, 3 CD-ROM, 4 network. */
static void set_cmos_boot_order(struct kd_rtc *rtc, const char *order)
{
	uint8_t code[3] = { 0 };

	for (unsigned i = 0; i < 3 && order[i]; i++)
		code[i] = order[i] == 'c' ? 2 : order[i] == 'd' ? 3 : order[i] == 'n' ? 4 : 0;
	kd_rtc_set_cmos(rtc, 0x3D, (uint8_t)(code[1] << 4 | code[0]));
	kd_rtc_set_cmos(rtc, 0x38, (uint8_t)(code[2] << 4));
}

/* fw_cfg "bootorder": OpenFirmware paths of the IDE drives and of the NICs with a boot ROM in
 * the order -boot asks for, which SeaBIOS matches against what it finds (boot.c,
 * bootprio_find_ata_device and bootprio_find_pci_rom); "HALT" ends the list for strict=on. */
static bool add_bootorder(struct kd_machine *m, const struct kd_pc_config *cfg, const char *order,
			  GError **err)
{
	g_autoptr(GString) list = g_string_new(NULL);

	for (const char *o = order; *o; o++) {
		for (unsigned i = 0; i < KD_MAX_IDE_DRIVES; i++) {
			const struct kd_drive_config *d = &cfg->ide[i];

			if (d->present && ((*o == 'c' && !d->cdrom) || (*o == 'd' && d->cdrom)))
				g_string_append_printf(list,
						       "/pci@i0cf8/ide@1,1/drive@%u/disk@%u\n",
						       i / 2, i % 2);
		}
		for (unsigned slot = 0; *o == 'n' && slot < 32; slot++) {
			struct kd_pci_device *dev = kd_pci_find(m->pci, PCI_DEVFN(slot, 0));

			if (dev && dev->config[PCI_CLASS_DEVICE + 1] == 0x02 &&
			    dev->bars[PCI_ROM_SLOT].size)
				g_string_append_printf(list, "/pci@i0cf8/ethernet@%x\n", slot);
		}
	}
	if (cfg->boot_strict)
		g_string_append(list, "HALT\n");
	if (!list->len)
		return true;
	return kd_fw_cfg_add_file(m->fw_cfg, "bootorder", list->str, list->len + 1, err);
}

static bool open_chardevs(struct kd_machine *m, const struct kd_pc_config *cfg, GError **err)
{
	for (unsigned i = 0; i < KD_MAX_SERIAL; i++) {
		g_autoptr(GError) local = NULL;

		m->serial[i] = kd_chardev_new(cfg->serial[i], &local);
		if (local) {
			g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, "-serial: %s",
				    local->message);
			return false;
		}
	}
	if (cfg->debugcon) {
		g_autoptr(GError) local = NULL;

		m->debugcon = kd_chardev_new(cfg->debugcon, &local);
		if (local) {
			g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, "-debugcon: %s",
				    local->message);
			return false;
		}
	}
	return true;
}

const uint8_t *kd_pc_bios_alias(struct kd_machine *m, size_t *size)
{
	gsize len;
	const uint8_t *data = g_bytes_get_data(m->bios, &len);

	*size = MIN(len, (gsize)BIOS_ALIAS_SIZE);
	return data + len - *size;
}

/* The firmware sits just below 4 GiB, where the CPU fetches its first instruction. */
static bool map_firmware(struct kd_machine *m, const struct kd_pc_config *cfg, GError **err)
{
	const char *path = cfg->bios;
	gsize len;
	const uint8_t *data;

	if (!path)
		path = g_file_test(DEFAULT_BIOS, G_FILE_TEST_EXISTS) ? DEFAULT_BIOS : FALLBACK_BIOS;
	m->bios = kd_load_firmware(path, err);
	if (!m->bios) {
		if (!cfg->bios)
			g_prefix_error(err, _("no firmware (install the Debian package seabios, or "
					      "give -bios FILE): "));
		return false;
	}
	data = g_bytes_get_data(m->bios, &len);
	m->bios_slot = kd_vm_map_memory(m->vm, KD_4G - len, len, (void *)data, true, err);
	return m->bios_slot >= 0;
}

/* The 32-bit PCI window runs from the end of low RAM to the IOAPIC, as on QEMU's PC. */
#define PCI_WINDOW_END 0xFEBFFFFFu
/* A direct boot keeps its ACPI tables where a BIOS would: in 0xE0000-0xFFFFF. */
#define DIRECT_BOOT_ACPI_BASE 0xE0000ull
#define DIRECT_BOOT_ACPI_LIMIT 0x100000ull

static bool setup_acpi(struct kd_machine *m, GError **err)
{
	struct kd_acpi_params params = {
		.ncpus = kd_vm_ncpus(m->vm),
		.pci_window_start = (uint32_t)kd_vm_ram_below_4g(m->vm),
		.pci_window_end = PCI_WINDOW_END,
		.pm_base = KD_PIIX4_PM_BASE,
		.gpe0_base = KD_PIIX4_GPE0_BASE,
		.gpe0_len = KD_PIIX4_GPE0_LEN,
		.sci_irq = KD_PIIX4_SCI_IRQ,
	};
	struct kd_acpi *acpi = kd_acpi_build(&params);
	bool ok;

	if (m->kernel)
		ok = kd_acpi_install(acpi, m->vm, DIRECT_BOOT_ACPI_BASE, DIRECT_BOOT_ACPI_LIMIT,
				     &m->rsdp_address, err);
	else
		ok = kd_acpi_add_to_fw_cfg(acpi, m->fw_cfg, err);
	kd_acpi_free(acpi);
	return ok;
}

/* What SeaBIOS reads from fw_cfg besides the ACPI tables. */
static bool setup_fw_cfg(struct kd_machine *m, const struct kd_pc_config *cfg, GError **err)
{
	struct kd_vm *vm = m->vm;
	g_autoptr(GByteArray) e820 = g_byte_array_new();
	uint8_t uuid[16] = { 0 };

	m->fw_cfg = kd_fw_cfg_create(m, err);
	if (!m->fw_cfg)
		return false;
	kd_fw_cfg_add_bytes(m->fw_cfg, KD_FW_CFG_UUID, uuid, sizeof(uuid));
	kd_fw_cfg_add_u64(m->fw_cfg, KD_FW_CFG_RAM_SIZE, kd_vm_ram_size(vm));
	kd_fw_cfg_add_u16(m->fw_cfg, KD_FW_CFG_NOGRAPHIC, cfg->nographic);
	kd_fw_cfg_add_u16(m->fw_cfg, KD_FW_CFG_NB_CPUS, (uint16_t)kd_vm_ncpus(vm));
	kd_fw_cfg_add_u16(m->fw_cfg, KD_FW_CFG_MAX_CPUS, (uint16_t)kd_vm_ncpus(vm));
	kd_fw_cfg_add_u16(m->fw_cfg, KD_FW_CFG_BOOT_MENU, cfg->boot_menu);
	if (cfg->boot_reboot_timeout_set) {
		uint32_t ms = (uint32_t)cfg->boot_reboot_timeout;
		uint8_t le[4] = { (uint8_t)ms, (uint8_t)(ms >> 8), (uint8_t)(ms >> 16),
				  (uint8_t)(ms >> 24) };

		if (!kd_fw_cfg_add_file(m->fw_cfg, "etc/boot-fail-wait", le, sizeof(le), err))
			return false;
	}
	kd_fw_cfg_add_u32(m->fw_cfg, KD_FW_CFG_IRQ0_OVERRIDE, 1);
	/* etc/e820: packed little-endian {u64 address, u64 length, u32 type}. */
	for (guint i = 0; i < m->e820->len; i++) {
		const struct kd_e820_entry *e = &g_array_index(m->e820, struct kd_e820_entry, i);
		uint8_t rec[20];

		for (int b = 0; b < 8; b++) {
			rec[b] = (uint8_t)(e->address >> (8 * b));
			rec[8 + b] = (uint8_t)(e->size >> (8 * b));
		}
		for (int b = 0; b < 4; b++)
			rec[16 + b] = (uint8_t)(e->type >> (8 * b));
		g_byte_array_append(e820, rec, sizeof(rec));
	}
	if (!kd_fw_cfg_add_file(m->fw_cfg, "etc/e820", e820->data, e820->len, err))
		return false;
	/* With -nographic SeaBIOS mirrors its console to the first serial port, as QEMU has it. */
	if (cfg->nographic) {
		uint8_t port[2] = { 0xF8, 0x03 };

		if (!kd_fw_cfg_add_file(m->fw_cfg, "etc/sercon-port", port, sizeof(port), err))
			return false;
	}
	return true;
}

/* Backends first (NICs join their hubs), then the NICs in command-line order. */
static bool create_network(struct kd_machine *m, const struct kd_pc_config *cfg, GError **err)
{
	for (unsigned i = 0; i < cfg->nnetdev; i++) {
		const struct kd_netdev_config *n = &cfg->netdev[i];

		if (!(n->type == KD_NETDEV_USER ? kd_net_user_create(m, n, err)
						: kd_net_tap_create(m, n, err)))
			return false;
	}
	for (unsigned i = 0; i < cfg->nnic; i++) {
		const struct kd_nic_config *n = &cfg->nic[i];

		if (!kd_pc_add_nic(m, n, err))
			return false;
	}
	return true;
}

struct kd_pci_device *kd_pc_add_nic(struct kd_machine *m, const struct kd_nic_config *cfg,
				    GError **err)
{
	struct kd_pci_device *dev = strcmp(cfg->model, "e1000") == 0
					    ? kd_e1000_create(m, cfg, err)
					    : kd_rtl8139_create(m, cfg, err);

	if (dev)
		m->nics_made++;
	return dev;
}

static bool direct_boot(struct kd_vm *vm, struct kd_vcpu *bsp, void *opaque, GError **err)
{
	struct kd_machine *m = opaque;
	struct kd_boot_layout layout = { m->e820, m->rsdp_address };

	return kd_kernel_boot(m->kernel, vm, bsp, &layout, err);
}

struct kd_machine *kd_pc_new(struct kd_kvm *kvm, const struct kd_pc_config *cfg, GError **err)
{
	struct kd_machine *m = g_new0(struct kd_machine, 1);
	struct kd_i440fx *host;
	struct kd_rtc *rtc;

	m->devices = g_ptr_array_new();
	m->bios_slot = -1;
	if (cfg->kernel) {
		m->kernel = kd_kernel_open(cfg->kernel, cfg->initrd, cfg->append, err);
		if (!m->kernel)
			goto fail;
	} else if (cfg->initrd || cfg->append) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, _("%s needs -kernel"),
			    cfg->initrd ? "-initrd" : "-append");
		goto fail;
	}
	m->vm = kd_vm_new(kvm, &cfg->vm, err);
	if (!m->vm)
		goto fail;
	m->e820 = kd_e820_pc(kd_vm_ram_below_4g(m->vm), kd_vm_ram_above_4g(m->vm), !m->kernel);
	if (!open_chardevs(m, cfg, err))
		goto fail;
	if (!m->kernel && !map_firmware(m, cfg, err))
		goto fail;

	m->pci = kd_pci_bus_new(m);
	host = kd_i440fx_create(m, !m->bios, err);
	if (!host || !kd_piix3_create(m, host, err) ||
	    !kd_piix_ide_create(m, cfg->ide, !m->bios, err) ||
	    !(m->pm = kd_piix4_pm_create(m, !m->bios, err)) || !kd_pci_hotplug_create(m, err))
		goto fail;
	/* The display takes slot 2 before any card can, as on QEMU's PC. */
	if ((!cfg->vga || strcmp(cfg->vga, "none") != 0) &&
	    !kd_cirrus_create(m, m->kernel ? "" : cfg->vga_romfile, err))
		goto fail;
	rtc = kd_rtc_create(m, err);
	if (!rtc)
		goto fail;
	set_cmos_memory(rtc, m->vm);
	/* COM1 is always there (a PC has it, and the DSDT says so); COM2-4 when asked for. */
	for (unsigned i = 0; i < KD_MAX_SERIAL; i++)
		if ((i == 0 || m->serial[i]) && !kd_serial_create(m, i, m->serial[i], err))
			goto fail;
	if (!(m->i8042 = kd_i8042_create(m, err)))
		goto fail;
	set_cmos_boot_order(rtc, cfg->boot_order ? cfg->boot_order : "cdn");
	if (!setup_fw_cfg(m, cfg, err) || !setup_acpi(m, err))
		goto fail;
	if (!kd_post_port_create(m, err))
		goto fail;
	if (!create_network(m, cfg, err))
		goto fail;
	if (!add_bootorder(m, cfg, cfg->boot_order ? cfg->boot_order : "cdn", err))
		goto fail;
	if (m->debugcon && !kd_debugcon_create(m, KD_DEBUGCON_PORT, m->debugcon, err))
		goto fail;
	if (cfg->debug_exit &&
	    !kd_debug_exit_create(m, cfg->debug_exit_iobase, cfg->debug_exit_iosize, err))
		goto fail;
	if (m->kernel)
		kd_vm_set_boot(m->vm, direct_boot, m);
	return m;
fail:
	kd_pc_free(m);
	return NULL;
}

void kd_pc_free(struct kd_machine *m)
{
	if (!m)
		return;
	if (m->vm) {
		/* vCPUs first: no device may vanish under a running vCPU. */
		kd_vm_pause(m->vm);
		while (m->devices->len) {
			struct kd_device *dev = g_ptr_array_index(m->devices, m->devices->len - 1);

			kd_device_remove(dev);
		}
		kd_vm_free(m->vm);
	}
	kd_net_hubs_free(m);
	kd_pci_bus_free(m->pci);
	g_ptr_array_free(m->devices, TRUE);
	for (unsigned i = 0; i < KD_MAX_SERIAL; i++)
		kd_chardev_free(m->serial[i]);
	kd_chardev_free(m->debugcon);
	if (m->bios)
		g_bytes_unref(m->bios);
	kd_kernel_free(m->kernel);
	if (m->e820)
		g_array_free(m->e820, TRUE);
	g_free(m);
}
