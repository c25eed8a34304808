/*
 * The floor for exit costs: the same benchmark guest under a bare KVM_RUN loop that does
 * nothing but answer exits (no locks, no dispatch, no device models). kvmdesk's VM setup and
 * loader are reused so the guest sees the same machine; only the run loop is minimal.
 *
 * Usage: kvm-floor GUEST.elf "CMDLINE"   (prints the guest's debug console to stdout)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vm/e820.h"
#include "vm/loader.h"
#include "vm/vcpu.h"
#include "vm/vm.h"

int main(int argc, char **argv)
{
	struct kd_vm_config cfg = { "floor", 64 * KD_MIB, 1, 0 };
	g_autoptr(GError) err = NULL;
	struct kd_kvm *kvm;
	struct kd_vm *vm;
	struct kd_kernel *kernel;
	struct kd_boot_layout layout;
	struct kvm_run *run;
	struct kd_vcpu *vcpu;

	if (argc < 2) {
		fprintf(stderr, "usage: %s GUEST.elf [CMDLINE]\n", argv[0]);
		return 2;
	}
	kvm = kd_kvm_open(NULL, &err);
	vm = kvm ? kd_vm_new(kvm, &cfg, &err) : NULL;
	kernel = vm ? kd_kernel_open(argv[1], NULL, argc > 2 ? argv[2] : "", &err) : NULL;
	if (!kernel) {
		fprintf(stderr, "kvm-floor: %s\n", err->message);
		return 1;
	}
	/* 0xC0000-0xFFFFF as RAM, as kvmdesk's chipset leaves it for a direct boot. */
	if (kd_vm_map_memory(vm, 0xC0000, 0x40000, kd_vm_ram_at(vm, 0xC0000), false, &err) < 0)
		goto fail;
	layout.e820 = kd_e820_pc(kd_vm_ram_below_4g(vm), 0, FALSE);
	layout.rsdp_address = 0;
	vcpu = kd_vm_vcpu(vm, 0);
	if (!kd_kernel_boot(kernel, vm, vcpu, &layout, &err))
		goto fail;
	run = mmap(NULL, (size_t)kd_vm_kvm(vm)->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   kd_vcpu_fd(vcpu), 0);
	if (run == MAP_FAILED) {
		perror("kvm-floor: mmap");
		return 1;
	}
	for (;;) {
		if (ioctl(kd_vcpu_fd(vcpu), KVM_RUN, 0) < 0)
			continue;
		if (run->exit_reason == KVM_EXIT_IO) {
			uint8_t *data = (uint8_t *)run + run->io.data_offset;

			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == 0x402) {
				fwrite(data, run->io.size, run->io.count, stdout);
			} else if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == 0xf4) {
				int status = (*data << 1) | 1;

				fflush(stdout);
				munmap(run, (size_t)kd_vm_kvm(vm)->vcpu_mmap_size);
				g_array_free(layout.e820, TRUE);
				kd_kernel_free(kernel);
				kd_vm_free(vm);
				kd_kvm_close(kvm);
				return status;
			} else if (run->io.direction == KVM_EXIT_IO_IN) {
				memset(data, 0xFF, (size_t)run->io.size * run->io.count);
			}
		} else if (run->exit_reason == KVM_EXIT_MMIO) {
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xFF, sizeof(run->mmio.data));
		} else if (run->exit_reason != KVM_EXIT_INTR) {
			fprintf(stderr, "kvm-floor: exit reason %u\n", run->exit_reason);
			return 1;
		}
	}
fail:
	fprintf(stderr, "kvm-floor: %s\n", err->message);
	return 1;
}
