/*
 * Firmware and kernel loaders. A kernel given with -kernel boots directly, without firmware (as
 * kvmtool and Firecracker do): multiboot v1 kernels (the test guests), Linux bzImages through
 * the 32-bit boot protocol, and uncompressed Linux vmlinux files through their PVH entry.
 */
#ifndef KD_VM_LOADER_H
#define KD_VM_LOADER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "vm/vm.h"

/* Reads a BIOS image (a multiple of 64 KiB, at most 16 MiB, as the PC maps it below 4 GiB). */
GBytes *kd_load_firmware(const char *path, GError **err);

enum kd_kernel_format {
	KD_KERNEL_MULTIBOOT,
	KD_KERNEL_BZIMAGE,
	KD_KERNEL_PVH,
};

struct kd_kernel;

/* Reads and checks the kernel (and initrd); nothing touches a VM yet. */
struct kd_kernel *kd_kernel_open(const char *path, const char *initrd_path, const char *cmdline,
				 GError **err);
void kd_kernel_free(struct kd_kernel *kernel);
enum kd_kernel_format kd_kernel_format(const struct kd_kernel *kernel);
const char *kd_kernel_format_name(enum kd_kernel_format format);

/* Where the machine keeps things a direct boot needs: its memory map and, if it has ACPI
 * tables in RAM, the address of the RSDP (0 if none). */
struct kd_boot_layout {
	GArray *e820; /* struct kd_e820_entry */
	uint64_t rsdp_address;
};

/* Copies the kernel and its boot structures into guest RAM and points the bootstrap processor
 * at its entry. Called at start and after every reset (the guest may have overwritten it). */
bool kd_kernel_boot(struct kd_kernel *kernel, struct kd_vm *vm, struct kd_vcpu *bsp,
		    const struct kd_boot_layout *layout, GError **err);

#endif
