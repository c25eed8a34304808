/*
 * Faults on purpose so the harness can check the runtime's exception report. The command line
 * picks the fault: fault=gp (hlt in ring 3), fault=ud (ud2), fault=pf (read of an unmapped
 * address), fault=de (divide by zero). Before faulting it prints where the fault will happen.
 */
#include "kd.h"

#define UNMAPPED_ADDRESS 0x4000000000ul /* 256 GiB: outside the 8 GiB identity map */

extern const char fault_gp_insn[], fault_ud_insn[], fault_pf_insn[], fault_de_insn[];

int kd_main(const struct kd_boot_info *boot)
{
	char which[8];

	if (!kd_cmdline_value(boot, "fault", which, sizeof(which))) {
		kd_printf("fault: say fault=gp|ud|pf|de\n");
		return 1;
	}
	if (!strcmp(which, "gp")) {
		kd_printf("fault: expect rip=%#018lx\n", (uint64_t)(uintptr_t)fault_gp_insn);
		__asm__ volatile(".globl fault_gp_insn\nfault_gp_insn: hlt");
	} else if (!strcmp(which, "ud")) {
		kd_printf("fault: expect rip=%#018lx\n", (uint64_t)(uintptr_t)fault_ud_insn);
		__asm__ volatile(".globl fault_ud_insn\nfault_ud_insn: ud2");
	} else if (!strcmp(which, "pf")) {
		uint64_t v;

		kd_printf("fault: expect rip=%#018lx cr2=%#lx\n",
			  (uint64_t)(uintptr_t)fault_pf_insn, UNMAPPED_ADDRESS);
		__asm__ volatile(".globl fault_pf_insn\nfault_pf_insn: movq (%1), %0"
				 : "=r"(v)
				 : "r"(UNMAPPED_ADDRESS));
		(void)v;
	} else if (!strcmp(which, "de")) {
		kd_printf("fault: expect rip=%#018lx\n", (uint64_t)(uintptr_t)fault_de_insn);
		__asm__ volatile(".globl fault_de_insn\nfault_de_insn: divl %%ecx"
				 :
				 : "a"(1), "d"(0), "c"(0));
	} else {
		kd_printf("fault: unknown fault '%s'\n", which);
		return 1;
	}
	kd_printf("fault: still running after the fault\n");
	return 2;
}
