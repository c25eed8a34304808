/*
 * Interrupts reach ring 0 and are counted for ring 3: the PIT's channel 0 at 1 kHz through the
 * PIC, waited for with the WAIT_IRQ system call and then with interrupts enabled in ring 3.
 */
#include "kd.h"

#define PIT_CHANNEL0 0x40
#define PIT_COMMAND 0x43
#define PIT_HZ 1193182
#define TICKS_WANTED 10
#define TIMER_VECTOR (KD_PIC_VECTOR_BASE + 0)

int kd_main(const struct kd_boot_info *boot)
{
	unsigned divisor = PIT_HZ / 1000;
	uint64_t start, waited = 0;

	/* 8254 datasheet: channel 0, lobyte/hibyte, mode 2 (rate generator), binary. */
	outb(PIT_COMMAND, 0x34);
	outb(PIT_CHANNEL0, divisor & 0xFF);
	outb(PIT_CHANNEL0, divisor >> 8);
	kd_pic_unmask(0);

	while (kd_irq_count[TIMER_VECTOR] < TICKS_WANTED && waited < 10 * TICKS_WANTED) {
		kd_wait_irq();
		waited++;
	}
	KD_CHECK(kd_irq_count[TIMER_VECTOR] >= TICKS_WANTED);

	/* With IF set in ring 3, interrupts arrive while ring 3 spins. The bound only keeps a
	 * broken VMM from hanging the guest; 10 ticks take 10 ms. */
	start = kd_irq_count[TIMER_VECTOR];
	kd_syscall(KD_SYS_SET_IF, 1, 0);
	for (uint64_t spin = 0;
	     spin < 4000000000ull && kd_irq_count[TIMER_VECTOR] < start + TICKS_WANTED; spin++)
		__asm__ volatile("pause");
	kd_syscall(KD_SYS_SET_IF, 0, 0);
	KD_CHECK(kd_irq_count[TIMER_VECTOR] >= start + TICKS_WANTED);
	kd_pic_mask(0);
	kd_printf("irq-pit: %lu timer interrupts, %lu waits\n", kd_irq_count[TIMER_VECTOR], waited);
	return 0;
}
