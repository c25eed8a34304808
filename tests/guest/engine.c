/*
 * The engine's devices, driven from ring 3. The command line names one test:
 *   pio      unclaimed ports float high, CMOS RAM, port 0x92
 *   mmio     unclaimed MMIO floats high for every size; the IOAPIC answers
 *   rtc      valid BCD/binary time, periodic and update-ended interrupts on IRQ 8
 *   uart     COM1 output, loopback, THR-empty interrupt, input from the host (expects "ping")
 *   fwcfg    signature, features, file directory and etc/e820 by port I/O and by DMA; DMA errors
 *   pci      the four chipset functions, masks, BAR sizing, BAR moves, PAM
 *   pmtimer  the 3.579545 MHz ACPI timer against the PIT
 *   reset=cf9|kbd|port92|triple   the machine resets and boots this guest again
 *   hostile [seed=N]  random configuration-space writes, port and DMA storms, straddling
 *            accesses; the machine must still answer correctly afterwards
 * Options: mem_mib=N (the VM's -m, for fwcfg).
 */
#include "kd.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_SCRATCH 0x40 /* a byte of CMOS RAM nothing else uses */
#define RESET_MARKER 0xA5

#define PIC2_DATA 0xA1
#define RTC_VECTOR (KD_PIC_VECTOR_BASE + 8)
#define COM1 0x3F8
#define COM1_VECTOR (KD_PIC_VECTOR_BASE + 4)
#define TIMER_VECTOR (KD_PIC_VECTOR_BASE + 0)
#define PM_TMR_PORT 0x608 /* the PIIX4 PM block at 0x600, as firmware leaves it */

/* A bounded wait: spins (each with a pause) until cond or the budget runs out. */
#define WAIT_FOR(cond, spins)                                                                      \
	do {                                                                                       \
		for (uint64_t kd_i_ = 0; kd_i_ < (spins) && !(cond); kd_i_++)                      \
			__asm__ volatile("pause");                                                 \
	} while (0)

static uint8_t cmos_read(uint8_t index)
{
	outb(CMOS_INDEX, index);
	return inb(CMOS_DATA);
}

static void cmos_write(uint8_t index, uint8_t v)
{
	outb(CMOS_INDEX, index);
	outb(CMOS_DATA, v);
}

/* Waits for `count` interrupts at vector with the WAIT_IRQ system call, at most `max_waits`. */
static bool wait_irqs(unsigned vector, uint64_t count, unsigned max_waits)
{
	uint64_t target = kd_irq_count[vector] + count;

	for (unsigned i = 0; i < max_waits && kd_irq_count[vector] < target; i++)
		kd_wait_irq();
	return kd_irq_count[vector] >= target;
}

/* ------------------------------------------------------------------ pio */
static void test_pio(void)
{
	outb(0x80, 0x42); /* POST code port: claimed, silent */
	KD_CHECK_EQ(inb(0x1234), 0xFF);
	KD_CHECK_EQ(inw(0x1234), 0xFFFF);
	KD_CHECK_EQ(inl(0x1234), 0xFFFFFFFF);
	cmos_write(CMOS_SCRATCH, 0x5C);
	KD_CHECK_EQ(cmos_read(CMOS_SCRATCH), 0x5C);
	cmos_write(CMOS_SCRATCH, 0);
	/* CMOS holds the memory size a BIOS reads: 640 KiB of base memory. */
	KD_CHECK_EQ(cmos_read(0x15) | cmos_read(0x16) << 8, 640);
	KD_CHECK_EQ(inb(0x92) & 0x02, 0x02); /* A20 on */
}

/* ------------------------------------------------------------------ mmio */
static void test_mmio(void)
{
	const uint64_t hole = 0xFEBFF000; /* in the PCI window, nothing there */

	KD_CHECK_EQ(mmio_read8(hole), 0xFF);
	KD_CHECK_EQ(mmio_read16(hole + 2), 0xFFFF);
	KD_CHECK_EQ(mmio_read32(hole + 4), 0xFFFFFFFF);
	KD_CHECK_EQ(mmio_read64(hole + 8), ~0ull);
	mmio_write32(hole, 0x12345678);
	KD_CHECK_EQ(mmio_read32(hole), 0xFFFFFFFF);
	/* The in-kernel IOAPIC: its ID register is writable (bits 27:24). */
	mmio_write32(0xFEC00000, 0);
	mmio_write32(0xFEC00010, 0x05000000);
	mmio_write32(0xFEC00000, 0);
	KD_CHECK_EQ(mmio_read32(0xFEC00010) & 0x0F000000, 0x05000000);
	mmio_write32(0xFEC00010, 0);
}

/* ------------------------------------------------------------------ rtc */
static unsigned bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0x0F);
}

static bool valid_bcd(uint8_t v, unsigned max)
{
	return (v & 0x0F) <= 9 && (v >> 4) <= 9 && bcd(v) <= max;
}

static void test_rtc(void)
{
	uint8_t sec, min, hour, day, month, year, century, b;

	/* Data sheet: read while UIP is clear for a consistent time. */
	WAIT_FOR(!(cmos_read(0x0A) & 0x80), 1000000);
	sec = cmos_read(0);
	min = cmos_read(2);
	hour = cmos_read(4);
	day = cmos_read(7);
	month = cmos_read(8);
	year = cmos_read(9);
	century = cmos_read(0x32);
	kd_printf("rtc: %x%02x-%02x-%02x %02x:%02x:%02x\n", century, year, month, day, hour, min,
		  sec);
	KD_CHECK(valid_bcd(sec, 59) && valid_bcd(min, 59) && valid_bcd(hour, 23));
	KD_CHECK(valid_bcd(day, 31) && bcd(day) >= 1 && valid_bcd(month, 12) && bcd(month) >= 1);
	KD_CHECK_EQ(century, 0x20);
	KD_CHECK_EQ(cmos_read(0x0D), 0x80); /* VRT */
	b = cmos_read(0x0B);
	KD_CHECK(b & 0x02); /* 24-hour */

	/* Binary mode shows the same minute without BCD. */
	cmos_write(0x0B, b | 0x04);
	KD_CHECK(cmos_read(2) == bcd(min) || cmos_read(2) == (bcd(min) + 1) % 60);
	cmos_write(0x0B, b);

	/* Periodic interrupt at 1024 Hz (rate 6) on IRQ 8, acknowledged by reading C. */
	cmos_read(0x0C);
	cmos_write(0x0A, 0x26);
	cmos_write(0x0B, b | 0x40);
	kd_pic_unmask(8);
	for (int i = 0; i < 8; i++) {
		KD_CHECK(wait_irqs(RTC_VECTOR, 1, 100));
		KD_CHECK(cmos_read(0x0C) & 0xC0); /* IRQF and PF */
	}
	cmos_write(0x0B, b);

	/* Update-ended interrupt: once a second. */
	cmos_read(0x0C);
	cmos_write(0x0B, b | 0x10);
	KD_CHECK(wait_irqs(RTC_VECTOR, 1, 10));
	KD_CHECK(cmos_read(0x0C) & 0x10);
	cmos_write(0x0B, b);
	kd_pic_mask(8);
	kd_printf("rtc: %lu interrupts\n", kd_irq_count[RTC_VECTOR]);
}

/* ------------------------------------------------------------------ uart */
static void uart_put(const char *s)
{
	for (; *s; s++) {
		WAIT_FOR(inb(COM1 + 5) & 0x20, 100000);
		outb(COM1, (uint8_t)*s);
	}
}

static void test_uart(void)
{
	char line[16];
	unsigned n = 0;

	outb(COM1 + 3, 0x80); /* DLAB: 115200 baud */
	outb(COM1 + 0, 1);
	outb(COM1 + 1, 0);
	outb(COM1 + 3, 0x03); /* 8N1 */
	KD_CHECK_EQ(inb(COM1 + 3), 0x03);
	outb(COM1 + 2, 0x07); /* FIFO on, both cleared */
	KD_CHECK_EQ(inb(COM1 + 2) & 0xC0, 0xC0);
	uart_put("uart: hello from COM1\n");

	/* Loopback: what we send comes back, and stays off the wire. */
	outb(COM1 + 4, 0x10);
	outb(COM1, 0x5A);
	KD_CHECK(inb(COM1 + 5) & 0x01);
	KD_CHECK_EQ(inb(COM1), 0x5A);
	KD_CHECK(!(inb(COM1 + 5) & 0x01));
	outb(COM1 + 4, 0x0B); /* DTR, RTS, OUT2 */

	/* THR-empty interrupt on IRQ 4. */
	kd_pic_unmask(4);
	outb(COM1 + 1, 0x02);
	KD_CHECK(wait_irqs(COM1_VECTOR, 1, 10));
	KD_CHECK_EQ(inb(COM1 + 2) & 0x0F, 0x02);
	KD_CHECK_EQ(inb(COM1 + 2) & 0x01, 0x01); /* read once, acknowledged */

	/* Input: the host sends "ping\n"; a received-data interrupt tells us. */
	outb(COM1 + 1, 0x01);
	while (n < sizeof(line) - 1) {
		if (!(inb(COM1 + 5) & 0x01)) {
			if (!wait_irqs(COM1_VECTOR, 1, 1000))
				break;
			continue;
		}
		line[n] = (char)inb(COM1);
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = 0;
	KD_CHECK(strcmp(line, "ping") == 0);
	outb(COM1 + 1, 0);
	kd_pic_mask(4);
	uart_put("uart: got ping\n");
}

/* ------------------------------------------------------------------ fw_cfg */
#define FW_CFG_SELECT 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_DMA_HIGH 0x514
#define FW_CFG_DMA_LOW 0x518

struct fw_cfg_dma {
	uint32_t control, length;
	uint64_t address;
} __attribute__((packed));

static uint32_t be32(uint32_t v)
{
	return __builtin_bswap32(v);
}

static uint32_t fw_cfg_dma(uint16_t key, uint32_t op, void *buf, uint32_t len)
{
	static volatile struct fw_cfg_dma req __attribute__((aligned(16)));

	req.control = be32((uint32_t)key << 16 | op);
	req.length = be32(len);
	req.address = __builtin_bswap64((uint64_t)(uintptr_t)buf);
	outl(FW_CFG_DMA_HIGH, 0);
	outl(FW_CFG_DMA_LOW, be32((uint32_t)(uintptr_t)&req));
	return be32(req.control);
}

static void test_fwcfg(const struct kd_boot_info *boot)
{
	static uint8_t dir[4 + 64 * 64];
	static uint8_t e820[20 * 16];
	char sig[5] = { 0 };
	uint32_t count, features = 0, e820_size = 0;
	uint16_t e820_key = 0;
	uint64_t mem_mib = kd_cmdline_u64(boot, "mem_mib", 0);

	/* Traditional interface: select, then read bytes. */
	outw(FW_CFG_SELECT, 0x0000);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)inb(FW_CFG_DATA);
	KD_CHECK(strcmp(sig, "QEMU") == 0);
	outw(FW_CFG_SELECT, 0x0001);
	for (int i = 0; i < 4; i++)
		features |= (uint32_t)inb(FW_CFG_DATA) << (8 * i);
	KD_CHECK_EQ(features, 3); /* traditional and DMA */
	/* The DMA register reads "QEMU CFG". */
	KD_CHECK_EQ(be32(inl(FW_CFG_DMA_HIGH)), 0x51454d55);
	KD_CHECK_EQ(be32(inl(FW_CFG_DMA_LOW)), 0x20434647);

	/* DMA: the file directory, then etc/e820 from it. */
	KD_CHECK_EQ(fw_cfg_dma(0x19, 0x08 | 0x02, dir, sizeof(dir)), 0);
	count = be32(*(uint32_t *)dir);
	KD_CHECK(count >= 1 && count < 64);
	for (uint32_t i = 0; i < count && i < 64; i++) {
		const uint8_t *rec = dir + 4 + 64 * i;

		if (!strcmp((const char *)rec + 8, "etc/e820")) {
			e820_size = be32(*(const uint32_t *)rec);
			e820_key = (uint16_t)(rec[4] << 8 | rec[5]);
		}
	}
	KD_CHECK(e820_key >= 0x20);
	KD_CHECK(e820_size >= 20 && e820_size % 20 == 0 && e820_size <= sizeof(e820));
	KD_CHECK_EQ(fw_cfg_dma(e820_key, 0x08 | 0x02, e820, e820_size), 0);
	/* Without firmware the map is the full PC one: RAM from 1 MiB to the end of -m. */
	for (uint32_t off = 0; off < e820_size; off += 20) {
		uint64_t addr = *(uint64_t *)(e820 + off), len = *(uint64_t *)(e820 + off + 8);

		if (addr == 0x100000)
			KD_CHECK_EQ(addr + len, mem_mib << 20);
	}
	/* Skip, then read: the offset moves. */
	KD_CHECK_EQ(fw_cfg_dma(0x0000, 0x08 | 0x04, NULL, 2), 0);
	KD_CHECK_EQ(fw_cfg_dma(0x0000, 0x02, sig, 2), 0);
	KD_CHECK(sig[0] == 'M' && sig[1] == 'U');
	/* A transfer into a place that is not RAM fails with the error bit, harmlessly. */
	KD_CHECK_EQ(fw_cfg_dma(0x0000, 0x08 | 0x02, (void *)0xFEB00000ul, 4), 1);
	KD_CHECK_EQ(fw_cfg_dma(0x0000, 0x08 | 0x10, sig, 4), 1); /* nothing is writable */
}

/* ------------------------------------------------------------------ pci */
static void test_pci(void)
{
	static const struct {
		unsigned dev, fn;
		uint32_t id;
		uint32_t class_rev_mask, class;
	} functions[] = {
		{ 0, 0, 0x12378086, 0xFFFF0000, 0x06000000 },
		{ 1, 0, 0x70008086, 0xFFFF0000, 0x06010000 },
		{ 1, 1, 0x70108086, 0xFFFFFF00, 0x01018000 },
		{ 1, 3, 0x71138086, 0xFFFF0000, 0x06800000 },
	};
	unsigned found = 0;
	uint32_t bar;

	for (unsigned i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
		unsigned d = functions[i].dev, f = functions[i].fn;

		KD_CHECK_EQ(kd_pci_read32(0, d, f, 0), functions[i].id);
		KD_CHECK_EQ(kd_pci_read32(0, d, f, 8) & functions[i].class_rev_mask,
			    functions[i].class);
		KD_CHECK_EQ(kd_pci_read32(0, d, f, 0x2C), 0x11001AF4);
	}
	for (unsigned d = 0; d < 32; d++)
		for (unsigned f = 0; f < 8; f++)
			found += kd_pci_read16(0, d, f, 0) != 0xFFFF;
	KD_CHECK_EQ(found, 4);
	KD_CHECK_EQ(kd_pci_read8(0, 1, 0, 0x0E), 0x80); /* PIIX3 is multi-function */
	KD_CHECK_EQ(kd_pci_read32(1, 0, 0, 0), 0xFFFFFFFF); /* no bus 1 */

	/* Read-only fields stay; PIRQ routing keeps only its writable bits. */
	kd_pci_write16(0, 0, 0, 0, 0x1234);
	KD_CHECK_EQ(kd_pci_read16(0, 0, 0, 0), 0x8086);
	kd_pci_write8(0, 1, 0, 0x60, 0xFF);
	KD_CHECK_EQ(kd_pci_read8(0, 1, 0, 0x60), 0x8F);
	kd_pci_write8(0, 1, 0, 0x60, 0x0B);
	KD_CHECK_EQ(kd_pci_read8(0, 1, 0, 0x60), 0x0B);

	/* BAR sizing: IDE BAR 4 is 16 bytes of I/O. */
	kd_pci_write32(0, 1, 1, 0x20, 0xFFFFFFFF);
	KD_CHECK_EQ(kd_pci_read32(0, 1, 1, 0x20), 0xFFFFFFF1);
	/* Map it at 0xC100, use it, move it to 0xC200, then switch decoding off. */
	kd_pci_write32(0, 1, 1, 0x20, 0xC100);
	kd_pci_write16(0, 1, 1, 0x04, 0x0001);
	outl(0xC104, 0x00123456);
	KD_CHECK_EQ(inl(0xC104), 0x00123454); /* PRD pointers are dword aligned */
	kd_pci_write32(0, 1, 1, 0x20, 0xC200);
	KD_CHECK_EQ(inl(0xC104), 0xFFFFFFFF);
	KD_CHECK_EQ(inl(0xC204), 0x00123454);
	kd_pci_write16(0, 1, 1, 0x04, 0x0000);
	KD_CHECK_EQ(inl(0xC204), 0xFFFFFFFF);

	/* PAM: 0xF0000 is RAM after a direct boot; read-only PAM keeps writes out. */
	volatile uint32_t *f_seg = (volatile uint32_t *)0xF0000ul;
	*f_seg = 0xCAFEF00D;
	KD_CHECK_EQ(*f_seg, 0xCAFEF00D);
	kd_pci_write8(0, 0, 0, 0x59, 0x10);
	*f_seg = 0x12345678;
	KD_CHECK_EQ(*f_seg, 0xCAFEF00D);
	kd_pci_write8(0, 0, 0, 0x59, 0x30);
	*f_seg = 0;
	KD_CHECK_EQ(*f_seg, 0);
	bar = kd_pci_read32(0, 1, 3, 0x40);
	KD_CHECK_EQ(bar, 0x601); /* PIIX4 PM block where firmware would put it */
}

/* ------------------------------------------------------------------ pmtimer */
static void test_pmtimer(void)
{
	uint32_t start, end, ticks;

	/* 8254: channel 0 at 1 kHz; 20 of its interrupts are 20 ms. */
	outb(0x43, 0x34);
	outb(0x40, 1193 & 0xFF);
	outb(0x40, 1193 >> 8);
	kd_pic_unmask(0);
	KD_CHECK(wait_irqs(TIMER_VECTOR, 1, 10));
	start = inl(PM_TMR_PORT) & 0xFFFFFF;
	KD_CHECK(wait_irqs(TIMER_VECTOR, 20, 100));
	end = inl(PM_TMR_PORT) & 0xFFFFFF;
	kd_pic_mask(0);
	ticks = (end - start) & 0xFFFFFF;
	kd_printf("pmtimer: %u ticks in 20 PIT periods (expect ~71591)\n", ticks);
	/* Generous bounds: interrupt delivery on a loaded host is late, never early by much. */
	KD_CHECK(ticks > 60000 && ticks < 200000);
}

/* ------------------------------------------------------------------ hostile */
static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64: reproducible from the seed the log prints. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_hostile(const struct kd_boot_info *boot)
{
	static const unsigned functions[4][2] = { { 0, 0 }, { 1, 0 }, { 1, 1 }, { 1, 3 } };
	static const uint32_t ids[4] = { 0x12378086, 0x70008086, 0x70108086, 0x71138086 };
	/* Ports of devices that may take any byte: RTC, COM1, fw_cfg, keyboard data, POST.
	 * 0x92, 0xCF9 and the keyboard's command port reset by design; 0xF4 ends the test. */
	static const uint16_t ports[] = { 0x70,	 0x71,	0x3F8, 0x3F9, 0x3FA, 0x3FB, 0x3FC,
					  0x3FD, 0x3FE, 0x3FF, 0x510, 0x511, 0x60,  0x80 };
	static uint8_t scratch[4096] __attribute__((aligned(16)));
	static volatile struct fw_cfg_dma req __attribute__((aligned(16)));
	uint64_t writes = 0;

	rng_state = kd_cmdline_u64(boot, "seed", 0x9E3779B97F4A7C15ull) | 1;
	kd_printf("hostile: seed %#lx\n", rng_state);

	/* Configuration space: random offsets, sizes and values in every function. */
	for (unsigned i = 0; i < 4000; i++, writes++) {
		uint64_t r = rng();
		const unsigned *f = functions[r % 4];
		unsigned size = 1u << ((r >> 8) % 3),
			 off = (unsigned)(r >> 16) & 0xFF & ~(size - 1);
		uint32_t v = (uint32_t)(r >> 32);

		if (size == 1)
			kd_pci_write8(0, f[0], f[1], off, (uint8_t)v);
		else if (size == 2)
			kd_pci_write16(0, f[0], f[1], off, (uint16_t)v);
		else
			kd_pci_write32(0, f[0], f[1], off, v);
	}
	/* Device ports, every size, including accesses that run past a device's last port. */
	for (unsigned i = 0; i < 6000; i++, writes++) {
		uint64_t r = rng();
		uint16_t port = ports[r % (sizeof(ports) / sizeof(ports[0]))];

		switch ((r >> 8) % 6) {
		case 0:
			outb(port, (uint8_t)(r >> 16));
			break;
		case 1:
			outw(port, (uint16_t)(r >> 16));
			break;
		case 2:
			outl(port, (uint32_t)(r >> 16));
			break;
		case 3:
			(void)inb(port);
			break;
		case 4:
			(void)inw(port);
			break;
		default:
			(void)inl(port);
		}
	}
	/* fw_cfg DMA: random items, operations and lengths, aimed outside RAM or past the end
	 * of a small buffer; nothing may land outside that buffer. */
	memset(scratch, 0x5A, sizeof(scratch));
	for (unsigned i = 0; i < 500; i++, writes++) {
		uint64_t r = rng();
		uint64_t target = (r & 1) ? 0xF0000000ull + ((r >> 1) & 0xFFFFFF0)
					  : (uint64_t)(uintptr_t)scratch + ((r >> 1) & 0x7FF);
		uint32_t len = (r >> 40) & 1 ? (uint32_t)(r >> 8) : (uint32_t)((r >> 8) & 0x7FF);

		if (target >= (uint64_t)(uintptr_t)scratch &&
		    target + len > (uint64_t)(uintptr_t)scratch + sizeof(scratch))
			len = (uint32_t)((uint64_t)(uintptr_t)scratch + sizeof(scratch) - target);
		req.control = be32((uint32_t)(r >> 48) << 16 | (uint32_t)((r >> 4) & 0x1F));
		req.length = be32(len);
		req.address = __builtin_bswap64(target);
		outl(FW_CFG_DMA_HIGH, 0);
		outl(FW_CFG_DMA_LOW, be32((uint32_t)(uintptr_t)&req));
	}
	/* MMIO across the PCI window: unclaimed reads float high, writes vanish. */
	for (unsigned i = 0; i < 3000; i++, writes++) {
		uint64_t r = rng();
		uint64_t addr = 0xE0000000ull + ((r >> 8) % (0xFEBFF000ull - 0xE0000000ull));

		if (r & 1)
			mmio_write32(addr & ~3ull, (uint32_t)(r >> 32));
		else
			KD_CHECK_EQ(mmio_read8(addr), 0xFF);
	}
	/* The machine still knows what it is. */
	for (unsigned i = 0; i < 4; i++)
		KD_CHECK_EQ(kd_pci_read32(0, functions[i][0], functions[i][1], 0), ids[i]);
	outw(FW_CFG_SELECT, 0x0000);
	KD_CHECK_EQ(inb(FW_CFG_DATA), 'Q');
	kd_printf("hostile: %lu accesses, machine intact\n", writes);
}

/* ------------------------------------------------------------------ reset */
static int test_reset(const struct kd_boot_info *boot)
{
	char how[8];
	uint8_t marker = cmos_read(CMOS_SCRATCH);

	if (!kd_cmdline_value(boot, "reset", how, sizeof(how)))
		return 1;
	if (marker == RESET_MARKER) {
		cmos_write(CMOS_SCRATCH, 0);
		kd_printf("reset: second boot after reset=%s\n", how);
		return 0;
	}
	cmos_write(CMOS_SCRATCH, RESET_MARKER);
	kd_printf("reset: first boot, resetting through %s\n", how);
	if (!strcmp(how, "cf9"))
		outb(0xCF9, 0x06);
	else if (!strcmp(how, "kbd"))
		outb(0x64, 0xFE);
	else if (!strcmp(how, "port92"))
		outb(0x92, inb(0x92) | 0x01);
	else if (!strcmp(how, "triple"))
		kd_syscall(KD_SYS_TRIPLE_FAULT, 0, 0);
	/* The reset takes effect at once: getting here is a failure. */
	for (int i = 0; i < 1000000; i++)
		__asm__ volatile("pause");
	kd_printf("reset: still running after reset=%s\n", how);
	cmos_write(CMOS_SCRATCH, 0);
	return 3;
}

int kd_main(const struct kd_boot_info *boot)
{
	if (kd_cmdline_has(boot, "pio"))
		test_pio();
	else if (kd_cmdline_has(boot, "mmio"))
		test_mmio();
	else if (kd_cmdline_has(boot, "rtc"))
		test_rtc();
	else if (kd_cmdline_has(boot, "uart"))
		test_uart();
	else if (kd_cmdline_has(boot, "fwcfg"))
		test_fwcfg(boot);
	else if (kd_cmdline_has(boot, "pci"))
		test_pci();
	else if (kd_cmdline_has(boot, "pmtimer"))
		test_pmtimer();
	else if (kd_cmdline_has(boot, "hostile"))
		test_hostile(boot);
	else
		return test_reset(boot);
	return 0;
}
