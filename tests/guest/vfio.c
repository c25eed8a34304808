/*
 * A host PCI device assigned through VFIO: QEMU's edu (1234:11e8) in the fake host
 * (tests/system/vfio.sh). From ring 3: find edu on bus 0, size and place BAR0, read the ident
 * and liveness registers, DMA from and to guest-physical memory, then take edu's interrupt as
 * INTx (PIRQ routing programmed here, as a BIOS would) and as MSI. Finally 20000 BAR0 reads,
 * whose exits the test counts through the monitor, then "VFIO DONE" and wait to be stopped.
 * With "rom" on the command line the ROM BAR is sized, enabled and its signature read; with
 * "hostile", 4000 random configuration-space writes come before the count.
 * Output lines start with "vfio:".
 */
#include "kd.h"

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define BAR0_GPA 0xE0000000u
#define ROM_GPA 0xE0100000u
#define EDU_IDENT 0x00
#define EDU_LIVENESS 0x04
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_START 0x1
#define EDU_DMA_TO_RAM 0x2
#define EDU_DMA_IRQ 0x4
#define EDU_BUFFER 0x40000
#define DMA_LEN 1024 /* QEMU 7.2's edu aborts on 4096-byte transfers */
#define MSI_VECTOR 0x50
#define INTX_IRQ 11

static uint8_t out_buf[DMA_LEN] __attribute__((aligned(4096)));
static uint8_t in_buf[DMA_LEN] __attribute__((aligned(4096)));

static unsigned slot = 32;

static uint32_t edu_read(unsigned reg)
{
	return mmio_read32(BAR0_GPA + reg);
}

static void edu_write(unsigned reg, uint32_t v)
{
	mmio_write32(BAR0_GPA + reg, v);
}

static void edu_write64(unsigned reg, uint64_t v)
{
	mmio_write64(BAR0_GPA + reg, v);
}

static bool dma(uint64_t src, uint64_t dst, uint32_t cmd)
{
	edu_write64(EDU_DMA_SRC, src);
	edu_write64(EDU_DMA_DST, dst);
	edu_write64(EDU_DMA_COUNT, DMA_LEN);
	edu_write(EDU_DMA_CMD, cmd | EDU_DMA_START);
	for (unsigned i = 0; i < 10000000; i++)
		if (!(edu_read(EDU_DMA_CMD) & EDU_DMA_START))
			return true;
	return false;
}

/* Waits (IF clear in ring 3 between waits) for one more interrupt at vector. */
static bool wait_vector(unsigned vector, uint64_t before)
{
	for (unsigned i = 0; i < 200 && kd_irq_count[vector] == before; i++)
		kd_wait_irq();
	return kd_irq_count[vector] > before;
}

/* Is IRQ 11 requested at the slave PIC (its IRR, through OCW3)? */
static bool intx_pending(void)
{
	outb(0xA0, 0x0A);
	return inb(0xA0) & (1 << (INTX_IRQ - 8));
}

/* One INTx, the way a driver sees it: the device raises, the line reaches the PIC, the device
 * is acknowledged, the interrupt is taken (EOI). With ring 3's interrupts off until the device
 * is quiet, a level-triggered line cannot storm a handler that knows nothing of edu. Then, with
 * interrupts on for a while, no further one may come: the line went down at the EOI. */
static bool intx_once(uint32_t bit)
{
	unsigned vector = KD_PIC_VECTOR_BASE + INTX_IRQ;
	uint64_t before = kd_irq_count[vector];
	bool seen = false;

	edu_write(EDU_IRQ_RAISE, bit);
	for (unsigned i = 0; i < 1000000 && !seen; i++)
		seen = intx_pending();
	if (!seen) {
		kd_printf("vfio: INTx never reached the PIC\n");
		return false;
	}
	edu_write(EDU_IRQ_ACK, bit);
	kd_wait_irq();
	kd_syscall(KD_SYS_SET_IF, 1, 0);
	for (volatile unsigned i = 0; i < 2000000; i++)
		;
	kd_syscall(KD_SYS_SET_IF, 0, 0);
	if (kd_irq_count[vector] != before + 1) {
		kd_printf("vfio: INTx: %lu interrupts for one\n", kd_irq_count[vector] - before);
		return false;
	}
	return true;
}

static unsigned find_cap(unsigned id)
{
	unsigned pos = kd_pci_read8(0, slot, 0, 0x34) & 0xFC;

	for (unsigned n = 0; pos >= 0x40 && n < 48; n++) {
		if (kd_pci_read8(0, slot, 0, pos) == id)
			return pos;
		pos = kd_pci_read8(0, slot, 0, pos + 1) & 0xFC;
	}
	return 0;
}

int kd_main(const struct kd_boot_info *boot)
{
	uint32_t size_mask;
	uint64_t before;
	unsigned pin, pirq, msi;

	for (unsigned s = 0; s < 32; s++)
		if (kd_pci_read32(0, s, 0, 0) == (EDU_DEVICE << 16 | EDU_VENDOR))
			slot = s;
	KD_CHECK(slot < 32);
	if (slot == 32)
		return 0;
	kd_printf("vfio: edu at 00:%02x.0, class %06x\n", slot, kd_pci_read32(0, slot, 0, 8) >> 8);

	/* BAR0: 1 MiB of 32-bit memory. */
	kd_pci_write32(0, slot, 0, 0x10, 0xFFFFFFFF);
	size_mask = kd_pci_read32(0, slot, 0, 0x10);
	kd_printf("vfio: BAR0 sizing %#x\n", size_mask);
	KD_CHECK_EQ(size_mask & ~0xFu, 0xFFF00000u);
	kd_pci_write32(0, slot, 0, 0x10, BAR0_GPA);
	kd_pci_write16(0, slot, 0, 0x04, 0x0006); /* memory, bus master */

	KD_CHECK_EQ(edu_read(EDU_IDENT), 0x010000edu);
	edu_write(EDU_LIVENESS, 0x12345678);
	KD_CHECK_EQ(edu_read(EDU_LIVENESS), 0xedcba987u);
	kd_printf("vfio: ident %#x, liveness ok\n", edu_read(EDU_IDENT));

	/* DMA: guest RAM -> edu -> other guest RAM, by guest-physical address. */
	for (unsigned i = 0; i < DMA_LEN; i++)
		out_buf[i] = (uint8_t)(i * 37 + 11);
	memset(in_buf, 0, sizeof(in_buf));
	KD_CHECK(dma((uintptr_t)out_buf, EDU_BUFFER, 0));
	KD_CHECK(dma(EDU_BUFFER, (uintptr_t)in_buf, EDU_DMA_TO_RAM));
	KD_CHECK(!memcmp(out_buf, in_buf, DMA_LEN));
	kd_printf("vfio: DMA of %u bytes through guest-physical %#lx and %#lx %s\n", DMA_LEN,
		  (uint64_t)(uintptr_t)out_buf, (uint64_t)(uintptr_t)in_buf,
		  memcmp(out_buf, in_buf, DMA_LEN) ? "DIFFERS" : "matches");

	/* INTx: route the pin's PIRQ to IRQ 11, level-triggered, as a BIOS does. */
	pin = kd_pci_read8(0, slot, 0, 0x3D);
	KD_CHECK_EQ(pin, 1);
	pirq = (pin - 1 + slot - 1) & 3;
	kd_pci_write8(0, 1, 0, 0x60 + pirq, INTX_IRQ);
	outb(0x4D1, inb(0x4D1) | (1 << (INTX_IRQ - 8)));
	kd_pic_unmask(2);
	kd_pic_unmask(INTX_IRQ);
	/* Twice: the second shows VFIO unmasked the line after the first EOI. */
	before = kd_irq_count[KD_PIC_VECTOR_BASE + INTX_IRQ];
	KD_CHECK(intx_once(0x1));
	KD_CHECK(intx_once(0x4));
	kd_printf("vfio: INTx on IRQ %u: %lu interrupt(s)\n", INTX_IRQ,
		  kd_irq_count[KD_PIC_VECTOR_BASE + INTX_IRQ] - before);
	kd_pic_mask(INTX_IRQ);

	/* MSI to the bootstrap processor's LAPIC. */
	msi = find_cap(0x05);
	KD_CHECK(msi != 0);
	if (msi) {
		uint16_t ctrl = kd_pci_read16(0, slot, 0, msi + 2);
		unsigned data = ctrl & 0x80 ? msi + 12 : msi + 8;

		kd_pci_write32(0, slot, 0, msi + 4, 0xFEE00000u);
		if (ctrl & 0x80)
			kd_pci_write32(0, slot, 0, msi + 8, 0);
		kd_pci_write16(0, slot, 0, data, MSI_VECTOR);
		kd_pci_write16(0, slot, 0, msi + 2, (uint16_t)(ctrl | 1));
		before = kd_irq_count[MSI_VECTOR];
		edu_write(EDU_IRQ_RAISE, 0x2);
		KD_CHECK(wait_vector(MSI_VECTOR, before));
		edu_write(EDU_IRQ_ACK, 0x2);
		/* DMA completion signals too. */
		before = kd_irq_count[MSI_VECTOR];
		KD_CHECK(dma((uintptr_t)out_buf, EDU_BUFFER, EDU_DMA_IRQ));
		KD_CHECK(wait_vector(MSI_VECTOR, before));
		edu_write(EDU_IRQ_ACK, edu_read(EDU_IRQ_STATUS));
		kd_printf("vfio: MSI at vector %#x: %lu interrupt(s)\n", MSI_VECTOR,
			  kd_irq_count[MSI_VECTOR]);
		/* Masking through the capability's enable bit: no delivery while off. */
		kd_pci_write16(0, slot, 0, msi + 2, ctrl & ~1);
	}

	/* rom: the option ROM kvmdesk exposes (romfile=) through the ROM BAR. */
	if (kd_cmdline_has(boot, "rom")) {
		kd_pci_write32(0, slot, 0, 0x30, 0xFFFFF800u);
		size_mask = kd_pci_read32(0, slot, 0, 0x30);
		kd_pci_write32(0, slot, 0, 0x30, ROM_GPA | 1);
		KD_CHECK_EQ(mmio_read16(ROM_GPA), 0xAA55);
		kd_printf("vfio: ROM BAR sizing %#x, signature %#x\n", size_mask,
			  mmio_read16(ROM_GPA));
		kd_pci_write32(0, slot, 0, 0x30, 0);
	}

	/* hostile: random writes over the whole configuration space (BARs, COMMAND, the MSI
	 * capability, the device's own registers), then BAR0 and COMMAND put back: the card and
	 * kvmdesk must both still answer. */
	if (kd_cmdline_has(boot, "hostile")) {
		uint64_t r = 0x9E3779B97F4A7C15ull;

		for (unsigned i = 0; i < 4000; i++) {
			unsigned off;

			r ^= r << 13;
			r ^= r >> 7;
			r ^= r << 17;
			off = 4 + (unsigned)(r % 252);
			if (r & 0x100)
				kd_pci_write32(0, slot, 0, off & ~3u, (uint32_t)(r >> 32));
			else
				kd_pci_write8(0, slot, 0, off, (uint8_t)(r >> 40));
		}
		kd_pci_write16(0, slot, 0, 0x04, 0);
		kd_pci_write32(0, slot, 0, 0x10, BAR0_GPA);
		kd_pci_write32(0, slot, 0, 0x30, 0);
		if (msi)
			kd_pci_write16(0, slot, 0, msi + 2, 0);
		kd_pci_write16(0, slot, 0, 0x04, 0x0006);
		KD_CHECK_EQ(edu_read(EDU_IDENT), 0x010000edu);
		KD_CHECK_EQ(kd_pci_read32(0, slot, 0, 0),
			    (uint32_t)(EDU_DEVICE << 16 | EDU_VENDOR));
		kd_printf("vfio: hostile configuration writes: survived\n");
	}

	/* BAR0 accesses for the exit count: a memory slot makes these cost nothing. */
	{
		uint32_t sum = 0;

		for (unsigned i = 0; i < 20000; i++)
			sum += edu_read(EDU_IDENT);
		KD_CHECK_EQ(sum, 20000u * 0x010000edu);
	}
	kd_printf("vfio: %s\n", kd_cmdline_has(boot, "wait") ? "VFIO DONE" : "done");
	if (kd_cmdline_has(boot, "wait"))
		for (;;)
			kd_wait_irq();
	return 0;
}
