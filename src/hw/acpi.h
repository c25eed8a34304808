/*
 * ACPI tables for the PC, handed to firmware through fw_cfg or placed in RAM for a direct boot.
 */
#ifndef KD_HW_ACPI_H
#define KD_HW_ACPI_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kd_acpi;
struct kd_fw_cfg;
struct kd_vm;

struct kd_acpi_params {
	unsigned ncpus;
	uint32_t pci_window_start; /* the 32-bit PCI memory window in the DSDT's _CRS */
	uint32_t pci_window_end;
	uint16_t pm_base; /* PIIX4 PM I/O block */
	uint16_t gpe0_base;
	uint8_t gpe0_len;
	uint8_t sci_irq;
};

struct kd_acpi *kd_acpi_build(const struct kd_acpi_params *params);
void kd_acpi_free(struct kd_acpi *a);
/* etc/acpi/rsdp, etc/acpi/tables and the etc/table-loader script that relocates them. */
bool kd_acpi_add_to_fw_cfg(struct kd_acpi *a, struct kd_fw_cfg *fw, GError **err);
/* Places the RSDP at base and the tables after it (below limit), pointers and checksums
 * resolved, as firmware would; returns the RSDP's address. */
bool kd_acpi_install(struct kd_acpi *a, struct kd_vm *vm, uint64_t base, uint64_t limit,
		     uint64_t *rsdp_address, GError **err);
/* Resolves pointers and checksums for tables at tables_address into caller buffers of
 * kd_acpi_rsdp_size() and kd_acpi_tables_blob()'s size (what kd_acpi_install does). */
void kd_acpi_relocate(struct kd_acpi *a, uint32_t tables_address, uint8_t *rsdp, uint8_t *tables);
size_t kd_acpi_rsdp_size(struct kd_acpi *a);
/* The unrelocated tables (for tests). */
const uint8_t *kd_acpi_tables_blob(struct kd_acpi *a, size_t *len);

#endif
