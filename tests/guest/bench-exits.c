/*
 * Exit-cost benchmark guest: n port writes to 0x80 and n MMIO reads from an empty spot of the
 * PCI window, each one exit to the VMM's userspace, timed with the TSC (calibrated against the
 * PIT, which every KVM VMM keeps in the kernel). Prints "bench: pio=... mmio=..." in ns/exit.
 * Command line: n=COUNT (default 100000).
 */
#include "kd.h"

#define MMIO_HOLE 0xFEBFF000ul

int kd_main(const struct kd_boot_info *boot)
{
	uint64_t n = kd_cmdline_u64(boot, "n", 100000), hz = kd_tsc_hz(), t0, pio, mmio;
	volatile uint32_t sink = 0;

	t0 = kd_rdtsc();
	for (uint64_t i = 0; i < n; i++)
		outb(0x80, (uint8_t)i);
	pio = kd_rdtsc() - t0;
	t0 = kd_rdtsc();
	for (uint64_t i = 0; i < n; i++)
		sink += mmio_read32(MMIO_HOLE);
	mmio = kd_rdtsc() - t0;
	kd_printf("bench: n=%lu tsc_mhz=%lu pio_ns=%lu mmio_ns=%lu\n", n, hz / 1000000,
		  pio * 1000000000ul / hz / n, mmio * 1000000000ul / hz / n);
	return 0;
}
