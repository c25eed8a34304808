/*
 * The PIIX3 IDE controller and its drives, driven from ring 3 the way a driver does. The
 * command line names one test; tests/system/ide-guest.sh sets up the images and checks what
 * the guest reports ("WROTE"/"READ" lines with FNV-1a checksums) against the image files.
 *   ata      IDENTIFY, features, power modes, geometry and CHS, verify, flush, errors (IDNF,
 *            ABRT), HOB registers, SRST and diagnostic signatures, interrupts on IRQ 14
 *   pio      random-pattern writes and reads with READ/WRITE SECTORS, MULTIPLE and EXT
 *   dma      the same with bus-master DMA: scatter/gather PRD tables with odd entry sizes and
 *            64 KiB (count 0) entries; controller status and interrupt bits
 *   atapi    the CD-ROM on the secondary master: signature, IDENTIFY PACKET, INQUIRY, sense,
 *            capacity, READ(10/12) by PIO and DMA, TOC, mode page, configuration, media events,
 *            tray and lock, media-change sense
 *   hostile  LBAs past the end, PRD entries outside RAM, tables without EOT, short tables,
 *            register and command storms; afterwards the drives still work
 *   flush    writes a pattern, FLUSH CACHE, says "FLUSHED" and waits to be killed
 *   media    the host ejects and changes the disc (monitor): events, sense, new contents
 *   bench    sequential 64 KiB DMA reads and writes of the whole disk (bench/ide.sh)
 * Options: seed=N, read_lba=N read_count=N (a region the host filled), sectors=N (disk size).
 */
#include "kd.h"

#define ATA_BSY 0x80
#define ATA_DRDY 0x40
#define ATA_DRQ 0x08
#define ATA_ERR 0x01
#define ERR_ABRT 0x04
#define ERR_IDNF 0x10

#define BM_BASE 0xC100
#define BMIC_START 0x01
#define BMIC_READ 0x08 /* bus master writes memory: a device read */
#define BMIS_ACTIVE 0x01
#define BMIS_ERROR 0x02
#define BMIS_INTERRUPT 0x04

#define IDE_DEVFN_DEV 1
#define IDE_DEVFN_FN 1

struct chan {
	uint16_t cmd, ctl, bm;
	unsigned irq;
};

static const struct chan primary = { 0x1F0, 0x3F6, BM_BASE, 14 };
static const struct chan secondary = { 0x170, 0x376, BM_BASE + 8, 15 };

static uint8_t dma_buf[4 << 20] __attribute__((aligned(65536)));
static uint8_t pio_buf[256 * 512] __attribute__((aligned(4096)));
static uint32_t prd[16384] __attribute__((aligned(65536)));

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t fnv(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void fill_random(void *p, size_t n)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i += 8) {
		uint64_t r = rng();

		for (size_t j = 0; j < 8 && i + j < n; j++)
			b[i + j] = (uint8_t)(r >> (8 * j));
	}
}

/* Bulk data moves 32 bits at a time (the PIIX splits dword accesses to the data port): on a
 * host whose KVM exits for nearly every string I/O element this halves the exits. */
static inline void insl(uint16_t port, void *buf, size_t n)
{
	__asm__ volatile("rep insl" : "+D"(buf), "+c"(n) : "d"(port) : "memory");
}

static inline void outsl(uint16_t port, const void *buf, size_t n)
{
	__asm__ volatile("rep outsl" : "+S"(buf), "+c"(n) : "d"(port) : "memory");
}

static inline void insw(uint16_t port, void *buf, size_t n)
{
	__asm__ volatile("rep insw" : "+D"(buf), "+c"(n) : "d"(port) : "memory");
}

static inline void outsw(uint16_t port, const void *buf, size_t n)
{
	__asm__ volatile("rep outsw" : "+S"(buf), "+c"(n) : "d"(port) : "memory");
}

static uint64_t irqs(const struct chan *c)
{
	return kd_irq_count[KD_PIC_VECTOR_BASE + c->irq];
}

/* ------------------------------------------------------------------ register level */

static uint8_t altstatus(const struct chan *c)
{
	return inb(c->ctl);
}

static bool wait_not_busy(const struct chan *c)
{
	for (unsigned i = 0; i < 2000000; i++)
		if (!(altstatus(c) & ATA_BSY))
			return true;
	return false;
}

/* Waits for BSY to clear and returns the status register (which acknowledges INTRQ). */
static uint8_t wait_status(const struct chan *c)
{
	if (!wait_not_busy(c))
		kd_printf("timeout: status %#x\n", altstatus(c));
	return inb(c->cmd + 7);
}

static void select_dev(const struct chan *c, unsigned dev)
{
	outb(c->cmd + 6, (uint8_t)(0xA0 | dev << 4));
}

static void set_lba28(const struct chan *c, unsigned dev, uint64_t lba, unsigned count)
{
	outb(c->cmd + 2, (uint8_t)count);
	outb(c->cmd + 3, (uint8_t)lba);
	outb(c->cmd + 4, (uint8_t)(lba >> 8));
	outb(c->cmd + 5, (uint8_t)(lba >> 16));
	outb(c->cmd + 6, (uint8_t)(0xE0 | dev << 4 | ((lba >> 24) & 0x0F)));
}

static void set_lba48(const struct chan *c, unsigned dev, uint64_t lba, unsigned count)
{
	outb(c->cmd + 2, (uint8_t)(count >> 8));
	outb(c->cmd + 3, (uint8_t)(lba >> 24));
	outb(c->cmd + 4, (uint8_t)(lba >> 32));
	outb(c->cmd + 5, (uint8_t)(lba >> 40));
	outb(c->cmd + 2, (uint8_t)count);
	outb(c->cmd + 3, (uint8_t)lba);
	outb(c->cmd + 4, (uint8_t)(lba >> 8));
	outb(c->cmd + 5, (uint8_t)(lba >> 16));
	outb(c->cmd + 6, (uint8_t)(0x40 | dev << 4));
}

static void srst(const struct chan *c)
{
	outb(c->ctl, 0x04);
	outb(c->ctl, 0x00);
	wait_not_busy(c);
}

/* ------------------------------------------------------------------ controller setup */

static void setup_controller(void)
{
	uint32_t id = kd_pci_read32(0, IDE_DEVFN_DEV, IDE_DEVFN_FN, 0);

	KD_CHECK_EQ(id, 0x70108086u);
	KD_CHECK_EQ(kd_pci_read32(0, IDE_DEVFN_DEV, IDE_DEVFN_FN, 8) >> 8, 0x010180u);
	/* As a BIOS: bus-master registers at BM_BASE, I/O and bus mastering on, both channels
	 * decoding. */
	kd_pci_write32(0, IDE_DEVFN_DEV, IDE_DEVFN_FN, 0x20, BM_BASE);
	kd_pci_write16(0, IDE_DEVFN_DEV, IDE_DEVFN_FN, 0x04, 0x0005);
	kd_pci_write16(0, IDE_DEVFN_DEV, IDE_DEVFN_FN, 0x40, 0x8000);
	kd_pci_write16(0, IDE_DEVFN_DEV, IDE_DEVFN_FN, 0x42, 0x8000);
	KD_CHECK_EQ(kd_pci_read32(0, IDE_DEVFN_DEV, IDE_DEVFN_FN, 0x20), BM_BASE | 1u);
	kd_pic_unmask(14);
	kd_pic_unmask(15);
	kd_pic_unmask(2);
	kd_syscall(KD_SYS_SET_IF, 1, 0);
	outb(primary.ctl, 0);
	outb(secondary.ctl, 0);
}

/* ------------------------------------------------------------------ ATA commands */

static uint16_t ident[256];

static bool identify(const struct chan *c, unsigned dev, uint8_t cmd)
{
	uint8_t s;

	select_dev(c, dev);
	outb(c->cmd + 7, cmd);
	s = wait_status(c);
	if ((s & ATA_ERR) || !(s & ATA_DRQ))
		return false;
	insw(c->cmd, ident, 256);
	return true;
}

static void ident_string(const uint16_t *w, unsigned first, unsigned words, char *out)
{
	for (unsigned i = 0; i < words; i++) {
		out[2 * i] = (char)(w[first + i] >> 8);
		out[2 * i + 1] = (char)w[first + i];
	}
	out[2 * words] = 0;
	for (int i = (int)(2 * words) - 1; i >= 0 && out[i] == ' '; i--)
		out[i] = 0;
}

/* A non-data command; returns the status after it. */
static uint8_t simple(const struct chan *c, unsigned dev, uint8_t cmd, uint8_t feature,
		      uint8_t count)
{
	select_dev(c, dev);
	outb(c->cmd + 1, feature);
	outb(c->cmd + 2, count);
	outb(c->cmd + 7, cmd);
	return wait_status(c);
}

/* PIO transfer of count sectors in blocks of `block` sectors. */
static bool pio_rw(const struct chan *c, unsigned dev, uint8_t cmd, bool lba48, uint64_t lba,
		   unsigned count, unsigned block, bool write, uint8_t *buf)
{
	if (lba48)
		set_lba48(c, dev, lba, count);
	else
		set_lba28(c, dev, lba, count);
	outb(c->cmd + 7, cmd);
	for (unsigned done = 0; done < count;) {
		unsigned n = count - done < block ? count - done : block;
		uint8_t s = write && done == 0 ? (wait_not_busy(c), altstatus(c)) : wait_status(c);

		if ((s & ATA_ERR) || !(s & ATA_DRQ)) {
			kd_printf("pio cmd %#x lba %lu: status %#x error %#x at sector %u\n", cmd,
				  lba, s, inb(c->cmd + 1), done);
			return false;
		}
		if (write)
			outsl(c->cmd, buf + 512 * done, 128 * n);
		else
			insl(c->cmd, buf + 512 * done, 128 * n);
		done += n;
	}
	if (write) {
		uint8_t s = wait_status(c);

		if (s & (ATA_ERR | ATA_DRQ)) {
			kd_printf("pio write end: status %#x\n", s);
			return false;
		}
	} else if (altstatus(c) & (ATA_DRQ | ATA_BSY | ATA_ERR)) {
		kd_printf("pio read end: status %#x\n", altstatus(c));
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ DMA */

/* Builds a PRD table over buf for len bytes from random-sized pieces (even sizes, at times the
 * 64 KiB count-0 form); returns the number of entries. */
static unsigned build_prd(uint8_t *buf, uint32_t len, bool random_sizes)
{
	unsigned n = 0;
	uint32_t off = 0;

	while (off < len) {
		uint32_t piece = 65536;

		if (random_sizes) {
			uint64_t r = rng();

			piece = (r & 3) == 0 ? 65536 : (uint32_t)(2 + 2 * ((r >> 8) % 4000));
		}
		if (piece > len - off)
			piece = len - off;
		prd[2 * n] = (uint32_t)(uintptr_t)(buf + off);
		prd[2 * n + 1] = piece == 65536 ? 0 : piece;
		off += piece;
		n++;
	}
	prd[2 * n - 1] |= 0x80000000u;
	return n;
}

static void bm_setup(const struct chan *c, bool device_read)
{
	outb(c->bm, 0);
	outb(c->bm + 2, BMIS_ERROR | BMIS_INTERRUPT);
	outl(c->bm + 4, (uint32_t)(uintptr_t)prd);
	outb(c->bm, device_read ? BMIC_READ : 0);
}

/* Issues cmd, starts the bus master, waits for the end; returns the BMIS value seen. */
static uint8_t dma_run(const struct chan *c, unsigned dev, uint8_t cmd, bool lba48, uint64_t lba,
		       unsigned count, bool device_read, uint8_t *status)
{
	uint8_t bmis = 0;

	if (lba48)
		set_lba48(c, dev, lba, count);
	else
		set_lba28(c, dev, lba, count);
	outb(c->cmd + 7, cmd);
	outb(c->bm, (uint8_t)((device_read ? BMIC_READ : 0) | BMIC_START));
	for (unsigned i = 0; i < 4000000; i++) {
		bmis = inb(c->bm + 2);
		if ((bmis & (BMIS_INTERRUPT | BMIS_ERROR)) || !(bmis & BMIS_ACTIVE))
			break;
	}
	outb(c->bm, device_read ? BMIC_READ : 0);
	*status = wait_status(c);
	outb(c->bm + 2, BMIS_ERROR | BMIS_INTERRUPT);
	return bmis;
}

static bool dma_rw(const struct chan *c, unsigned dev, bool write, bool lba48, uint64_t lba,
		   unsigned count, uint8_t *buf, bool random_sizes)
{
	uint8_t cmd = write ? (lba48 ? 0x35 : 0xCA) : (lba48 ? 0x25 : 0xC8), status;
	uint8_t bmis;

	build_prd(buf, count * 512, random_sizes);
	bm_setup(c, !write);
	bmis = dma_run(c, dev, cmd, lba48, lba, count, !write, &status);
	if (bmis != BMIS_INTERRUPT || (status & (ATA_ERR | ATA_DRQ | ATA_BSY))) {
		kd_printf("dma %s lba %lu count %u: bmis %#x status %#x error %#x\n",
			  write ? "write" : "read", lba, count, bmis, status, inb(c->cmd + 1));
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ tests */

static uint64_t disk_sectors;

static void test_ata(void)
{
	char model[41], serial[21];
	uint64_t before;
	uint8_t s;

	/* Signatures after SRST: disk on the primary master. */
	srst(&primary);
	KD_CHECK_EQ(inb(primary.cmd + 1), 0x01);
	KD_CHECK_EQ(inb(primary.cmd + 2), 1);
	KD_CHECK_EQ(inb(primary.cmd + 3), 1);
	KD_CHECK_EQ(inb(primary.cmd + 4), 0);
	KD_CHECK_EQ(inb(primary.cmd + 5), 0);
	KD_CHECK_EQ(inb(primary.cmd + 7) & (ATA_BSY | ATA_DRDY), ATA_DRDY);
	/* No slave on the primary channel: status reads 0, the signature says "nobody". */
	select_dev(&primary, 1);
	KD_CHECK_EQ(inb(primary.cmd + 7), 0);
	KD_CHECK_EQ(inb(primary.cmd + 4), 0xFF);
	select_dev(&primary, 0);

	before = irqs(&primary);
	KD_CHECK(identify(&primary, 0, 0xEC));
	KD_CHECK(irqs(&primary) > before);
	ident_string(ident, 27, 20, model);
	ident_string(ident, 10, 10, serial);
	kd_printf("IDENTIFY model '%s' serial '%s'\n", model, serial);
	KD_CHECK(!strcmp(model, "KVMDESK HARDDISK"));
	KD_CHECK(!strcmp(serial, "KD00001"));
	KD_CHECK_EQ(ident[0], 0x0040);
	KD_CHECK(ident[49] & (1 << 9)); /* LBA */
	KD_CHECK(ident[49] & (1 << 8)); /* DMA */
	KD_CHECK(ident[83] & (1 << 10)); /* 48-bit */
	KD_CHECK(ident[83] & (1 << 12)); /* FLUSH CACHE */
	KD_CHECK(ident[85] & (1 << 5)); /* write cache enabled */
	KD_CHECK_EQ((uint64_t)ident[100] | (uint64_t)ident[101] << 16 | (uint64_t)ident[102] << 32,
		    disk_sectors);
	KD_CHECK_EQ((uint32_t)ident[60] | (uint32_t)ident[61] << 16,
		    disk_sectors > 0x0FFFFFFF ? 0x0FFFFFFFu : (uint32_t)disk_sectors);
	KD_CHECK_EQ(ident[3], 16);
	KD_CHECK_EQ(ident[6], 63);
	{
		uint8_t sum = 0;

		for (unsigned i = 0; i < 256; i++)
			sum = (uint8_t)(sum + (ident[i] & 0xFF) + (ident[i] >> 8));
		KD_CHECK_EQ(ident[255] & 0xFF, 0xA5);
		KD_CHECK_EQ(sum, 0);
	}
	/* The status register is clear of DRQ once the data is read. */
	KD_CHECK_EQ(altstatus(&primary) & (ATA_DRQ | ATA_BSY), 0);

	/* SET FEATURES: write cache off shows in word 85; unknown subcommands abort. */
	KD_CHECK_EQ(simple(&primary, 0, 0xEF, 0x82, 0) & ATA_ERR, 0);
	KD_CHECK(identify(&primary, 0, 0xEC));
	KD_CHECK_EQ(ident[85] & (1 << 5), 0);
	KD_CHECK_EQ(simple(&primary, 0, 0xEF, 0x02, 0) & ATA_ERR, 0);
	KD_CHECK_EQ(simple(&primary, 0, 0xEF, 0x03, 0x22) & ATA_ERR, 0); /* MWDMA 2 */
	KD_CHECK(identify(&primary, 0, 0xEC));
	KD_CHECK_EQ(ident[63] & 0x0700, 0x0400);
	s = simple(&primary, 0, 0xEF, 0x77, 0);
	KD_CHECK(s & ATA_ERR);
	KD_CHECK_EQ(inb(primary.cmd + 1), ERR_ABRT);
	s = simple(&primary, 0, 0xEF, 0x03, 0x50); /* no such mode */
	KD_CHECK(s & ATA_ERR);

	/* SET MULTIPLE MODE: powers of two up to 16; 3 aborts. */
	KD_CHECK_EQ(simple(&primary, 0, 0xC6, 0, 8) & ATA_ERR, 0);
	KD_CHECK(identify(&primary, 0, 0xEC));
	KD_CHECK_EQ(ident[59], 0x0108);
	KD_CHECK(simple(&primary, 0, 0xC6, 0, 3) & ATA_ERR);
	KD_CHECK(simple(&primary, 0, 0xC6, 0, 32) & ATA_ERR);

	/* Power management. */
	KD_CHECK_EQ(simple(&primary, 0, 0xE0, 0, 0) & ATA_ERR, 0);
	simple(&primary, 0, 0xE5, 0, 0x55);
	KD_CHECK_EQ(inb(primary.cmd + 2), 0x00);
	KD_CHECK_EQ(simple(&primary, 0, 0xE1, 0, 0) & ATA_ERR, 0);
	simple(&primary, 0, 0xE5, 0, 0x55);
	KD_CHECK_EQ(inb(primary.cmd + 2), 0xFF);

	/* Flush, verify, and the errors of addresses past the end. */
	before = irqs(&primary);
	KD_CHECK_EQ(simple(&primary, 0, 0xE7, 0, 0) & (ATA_ERR | ATA_BSY), 0);
	KD_CHECK_EQ(simple(&primary, 0, 0xEA, 0, 0) & (ATA_ERR | ATA_BSY), 0);
	KD_CHECK(irqs(&primary) >= before + 2);
	set_lba28(&primary, 0, disk_sectors - 4, 4);
	outb(primary.cmd + 7, 0x40);
	KD_CHECK_EQ(wait_status(&primary) & ATA_ERR, 0);
	set_lba28(&primary, 0, disk_sectors - 4, 5);
	outb(primary.cmd + 7, 0x40);
	KD_CHECK(wait_status(&primary) & ATA_ERR);
	KD_CHECK(inb(primary.cmd + 1) & ERR_IDNF);
	set_lba28(&primary, 0, disk_sectors, 1);
	outb(primary.cmd + 7, 0x20);
	s = wait_status(&primary);
	KD_CHECK_EQ(s & (ATA_ERR | ATA_DRQ), ATA_ERR);
	KD_CHECK(inb(primary.cmd + 1) & ERR_IDNF);
	set_lba48(&primary, 0, 1ull << 40, 1);
	outb(primary.cmd + 7, 0x24);
	KD_CHECK(wait_status(&primary) & ATA_ERR);
	set_lba48(&primary, 0, disk_sectors - 1, 2);
	outb(primary.cmd + 7, 0x30 + 4); /* WRITE SECTORS EXT past the end */
	KD_CHECK(wait_status(&primary) & ATA_ERR);

	/* Unknown and inappropriate commands abort with an interrupt. */
	before = irqs(&primary);
	s = simple(&primary, 0, 0xA0, 0, 0); /* PACKET to a disk */
	KD_CHECK_EQ(s & (ATA_ERR | ATA_DRQ), ATA_ERR);
	KD_CHECK_EQ(inb(primary.cmd + 1), ERR_ABRT);
	KD_CHECK(simple(&primary, 0, 0x00, 0, 0) & ATA_ERR); /* NOP */
	KD_CHECK(simple(&primary, 0, 0xFF, 0, 0) & ATA_ERR);
	KD_CHECK(irqs(&primary) >= before + 3);
	/* READ MULTIPLE with multiple mode off aborts. */
	KD_CHECK_EQ(simple(&primary, 0, 0xC6, 0, 0) & ATA_ERR, 0);
	set_lba28(&primary, 0, 0, 1);
	outb(primary.cmd + 7, 0xC4);
	KD_CHECK(wait_status(&primary) & ATA_ERR);
	KD_CHECK_EQ(simple(&primary, 0, 0xC6, 0, 16) & ATA_ERR, 0);

	/* nIEN: no interrupt while set, INTRQ shows once cleared. */
	outb(primary.ctl, 0x02);
	before = irqs(&primary);
	select_dev(&primary, 0);
	outb(primary.cmd + 7, 0xE7);
	wait_not_busy(&primary);
	for (volatile int i = 0; i < 1000; i++)
		;
	KD_CHECK_EQ(irqs(&primary), before);
	outb(primary.ctl, 0x00);
	for (unsigned i = 0; i < 100000 && irqs(&primary) == before; i++)
		__asm__ volatile("pause");
	KD_CHECK_EQ(irqs(&primary), before + 1);
	inb(primary.cmd + 7);

	/* HOB: the previous value of each register reads back with bit 7 of device control. */
	outb(primary.cmd + 3, 0x11);
	outb(primary.cmd + 3, 0x22);
	KD_CHECK_EQ(inb(primary.cmd + 3), 0x22);
	outb(primary.ctl, 0x80);
	KD_CHECK_EQ(inb(primary.cmd + 3), 0x11);
	outb(primary.ctl, 0x00);

	/* CHS: INITIALIZE DEVICE PARAMETERS to 4 heads x 17 sectors, then read cylinder 1,
	 * head 2, sector 5 = LBA (1 * 4 + 2) * 17 + 4 = 106, and compare with LBA 106. */
	outb(primary.cmd + 2, 17);
	outb(primary.cmd + 6, 0xA0 | 3);
	outb(primary.cmd + 7, 0x91);
	KD_CHECK_EQ(wait_status(&primary) & ATA_ERR, 0);
	KD_CHECK(identify(&primary, 0, 0xEC));
	KD_CHECK_EQ(ident[55], 4);
	KD_CHECK_EQ(ident[56], 17);
	KD_CHECK(pio_rw(&primary, 0, 0x20, false, 106, 1, 1, false, pio_buf + 512));
	outb(primary.cmd + 2, 1);
	outb(primary.cmd + 3, 5);
	outb(primary.cmd + 4, 1);
	outb(primary.cmd + 5, 0);
	outb(primary.cmd + 6, 0xA0 | 2);
	outb(primary.cmd + 7, 0x20);
	s = wait_status(&primary);
	KD_CHECK_EQ(s & (ATA_ERR | ATA_DRQ), ATA_DRQ);
	insw(primary.cmd, pio_buf, 256);
	KD_CHECK(!memcmp(pio_buf, pio_buf + 512, 512));
	/* Sector 0 does not exist in CHS terms. */
	outb(primary.cmd + 2, 1);
	outb(primary.cmd + 3, 0);
	outb(primary.cmd + 6, 0xA0);
	outb(primary.cmd + 7, 0x20);
	KD_CHECK(wait_status(&primary) & ATA_ERR);

	/* EXECUTE DEVICE DIAGNOSTIC: signatures and code 01h. */
	outb(primary.cmd + 3, 0x55);
	s = simple(&primary, 0, 0x90, 0, 0);
	KD_CHECK_EQ(inb(primary.cmd + 1), 0x01);
	KD_CHECK_EQ(inb(primary.cmd + 3), 1);

	/* An empty channel floats high. */
	kd_printf("ata: irqs on 14: %lu\n", irqs(&primary));
}

/* Random writes and reads, each checked by reading back and reported for the host. */
static void test_pio(uint64_t read_lba, unsigned read_count, uint64_t read_fnv)
{
	static const struct {
		uint8_t read, write;
		bool lba48, multiple;
	} kinds[] = {
		{ 0x20, 0x30, false, false },
		{ 0xC4, 0xC5, false, true },
		{ 0x24, 0x34, true, false },
		{ 0x29, 0x39, true, true },
	};

	KD_CHECK_EQ(simple(&primary, 0, 0xC6, 0, 8) & ATA_ERR, 0);
	for (unsigned round = 0; round < 16; round++) {
		unsigned k = round % 4;
		unsigned count = 1 + (unsigned)(rng() % (round < 4 ? 256 : 24));
		uint64_t lba = 2048 + rng() % (disk_sectors - 2048 - count);
		unsigned block = kinds[k].multiple ? 8 : 1;

		fill_random(pio_buf, count * 512);
		KD_CHECK(pio_rw(&primary, 0, kinds[k].write, kinds[k].lba48, lba, count, block,
				true, pio_buf));
		kd_printf("WROTE lba=%lu count=%u fnv=%016lx\n", lba, count,
			  fnv(pio_buf, count * 512));
		memset(dma_buf, 0, count * 512);
		KD_CHECK(pio_rw(&primary, 0, kinds[k ^ 1].read, kinds[k ^ 1].lba48, lba, count,
				kinds[k ^ 1].multiple ? 8 : 1, false, dma_buf));
		KD_CHECK(!memcmp(pio_buf, dma_buf, count * 512));
	}
	/* The region the host filled: 256-sector commands. */
	for (unsigned done = 0; done < read_count;) {
		unsigned n = read_count - done > 256 ? 256 : read_count - done;

		KD_CHECK(pio_rw(&primary, 0, 0x20, false, read_lba + done, n, 1, false,
				dma_buf + 512 * done));
		done += n;
	}
	KD_CHECK_EQ(fnv(dma_buf, read_count * 512), read_fnv);
	kd_printf("READ lba=%lu count=%u fnv=%016lx\n", read_lba, read_count,
		  fnv(dma_buf, read_count * 512));
}

static void test_dma(uint64_t read_lba, unsigned read_count, uint64_t read_fnv)
{
	uint64_t before = irqs(&primary);
	uint8_t *check = dma_buf + (2 << 20);

	for (unsigned round = 0; round < 24; round++) {
		bool lba48 = round & 1;
		unsigned count = 1 + (unsigned)(rng() % (lba48 ? 1024 : 256));
		uint64_t lba = 2048 + rng() % (disk_sectors - 2048 - count);

		fill_random(dma_buf, count * 512);
		KD_CHECK(dma_rw(&primary, 0, true, lba48, lba, count, dma_buf, true));
		kd_printf("WROTE lba=%lu count=%u fnv=%016lx\n", lba, count,
			  fnv(dma_buf, count * 512));
		memset(check, 0, count * 512);
		KD_CHECK(dma_rw(&primary, 0, false, count > 256 || !lba48, lba, count, check,
				round & 2));
		KD_CHECK(!memcmp(dma_buf, check, count * 512));
		/* And by PIO: DMA and PIO see the same disk. */
		if (count <= 256) {
			KD_CHECK(pio_rw(&primary, 0, 0x20, false, lba, count, 1, false, pio_buf));
			KD_CHECK(!memcmp(dma_buf, pio_buf, count * 512));
		}
	}
	KD_CHECK(irqs(&primary) >= before + 48);
	memset(dma_buf, 0, read_count * 512);
	KD_CHECK(dma_rw(&primary, 0, false, true, read_lba, read_count, dma_buf, true));
	KD_CHECK_EQ(fnv(dma_buf, read_count * 512), read_fnv);
	kd_printf("READ lba=%lu count=%u fnv=%016lx\n", read_lba, read_count,
		  fnv(dma_buf, read_count * 512));

	/* A table longer than the transfer: Interrupt set and Active still set. */
	{
		uint8_t status, bmis;

		build_prd(dma_buf, 8 * 512, false);
		bm_setup(&primary, true);
		bmis = dma_run(&primary, 0, 0xC8, false, 100, 4, true, &status);
		KD_CHECK_EQ(bmis, BMIS_INTERRUPT | BMIS_ACTIVE);
		KD_CHECK_EQ(status & ATA_ERR, 0);
	}
}

/* ------------------------------------------------------------------ ATAPI */

static uint8_t sense_key, asc;

/* Sends a packet; data (up to max bytes) lands in buf by PIO, or by DMA when dma. Returns the
 * byte count, or -1 on CHECK CONDITION (sense_key/asc then hold REQUEST SENSE's answer). */
static int packet(const struct chan *c, unsigned dev, const uint8_t *cdb, uint8_t *buf,
		  unsigned max, bool dma, bool sense);

static int request_sense(const struct chan *c, unsigned dev)
{
	uint8_t cdb[12] = { 0x03, 0, 0, 0, 18 };
	uint8_t sb[18];
	int n = packet(c, dev, cdb, sb, sizeof(sb), false, false);

	if (n < 14)
		return -1;
	sense_key = sb[2] & 0x0F;
	asc = sb[12];
	return 0;
}

static int packet(const struct chan *c, unsigned dev, const uint8_t *cdb, uint8_t *buf,
		  unsigned max, bool dma, bool sense)
{
	unsigned total = 0;
	uint8_t s;

	select_dev(c, dev);
	outb(c->cmd + 1, dma ? 1 : 0);
	outb(c->cmd + 4, 0x00);
	outb(c->cmd + 5, 0x80); /* byte count limit 32 KiB */
	if (dma) {
		build_prd(buf, max, false);
		bm_setup(c, true);
	}
	outb(c->cmd + 7, 0xA0);
	wait_not_busy(c);
	s = altstatus(c);
	if (!(s & ATA_DRQ) || (inb(c->cmd + 2) & 3) != 1) {
		kd_printf("packet: no command phase (status %#x)\n", s);
		return -1;
	}
	outsw(c->cmd, cdb, 6);
	if (dma) {
		uint8_t bmis;

		outb(c->bm, BMIC_READ | BMIC_START);
		for (unsigned i = 0; i < 4000000; i++) {
			bmis = inb(c->bm + 2);
			if ((bmis & (BMIS_INTERRUPT | BMIS_ERROR)) || !(bmis & BMIS_ACTIVE))
				break;
		}
		outb(c->bm, BMIC_READ);
		outb(c->bm + 2, BMIS_ERROR | BMIS_INTERRUPT);
		s = wait_status(c);
		total = max;
	} else {
		for (;;) {
			unsigned n;

			s = wait_status(c);
			if (!(s & ATA_DRQ))
				break;
			KD_CHECK_EQ(inb(c->cmd + 2) & 3, 2); /* data to the host */
			n = inb(c->cmd + 4) | (unsigned)inb(c->cmd + 5) << 8;
			if (total + n > max) {
				kd_printf("packet: %u bytes more than the %u expected\n", n, max);
				return -1;
			}
			insw(c->cmd, buf + total, (n + 1) / 2);
			total += n;
		}
	}
	KD_CHECK_EQ(inb(c->cmd + 2) & 3, 3); /* status phase */
	if (s & ATA_ERR) {
		if (sense)
			request_sense(c, dev);
		return -1;
	}
	return (int)total;
}

static void test_atapi(uint64_t iso_sectors, uint64_t pvd_fnv)
{
	const struct chan *c = &secondary;
	uint8_t *b = pio_buf;
	char model[41];
	int n;

	srst(c);
	KD_CHECK_EQ(inb(c->cmd + 4), 0x14);
	KD_CHECK_EQ(inb(c->cmd + 5), 0xEB);
	/* IDENTIFY DEVICE aborts and leaves the signature. */
	KD_CHECK(!identify(c, 0, 0xEC));
	KD_CHECK_EQ(inb(c->cmd + 4), 0x14);
	KD_CHECK_EQ(inb(c->cmd + 5), 0xEB);
	KD_CHECK(identify(c, 0, 0xA1));
	ident_string(ident, 27, 20, model);
	KD_CHECK(!strcmp(model, "KVMDESK DVD-ROM"));
	KD_CHECK_EQ(ident[0] >> 14, 2);
	KD_CHECK_EQ((ident[0] >> 8) & 0x1F, 5);

	{
		uint8_t cdb[12] = { 0x12, 0, 0, 0, 36 };

		n = packet(c, 0, cdb, b, 36, false, true);
		KD_CHECK_EQ(n, 36);
		KD_CHECK_EQ(b[0], 0x05);
		KD_CHECK(!memcmp(b + 8, "KVMDESK DVD-ROM", 15));
	}
	{
		uint8_t cdb[12] = { 0x25 };

		n = packet(c, 0, cdb, b, 8, false, true);
		KD_CHECK_EQ(n, 8);
		KD_CHECK_EQ((uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3], iso_sectors - 1);
		KD_CHECK_EQ((uint32_t)b[4] << 24 | b[5] << 16 | b[6] << 8 | b[7], 2048u);
	}
	{
		/* READ(10) of the volume descriptors (LBA 16, 4 sectors), PIO then DMA. */
		uint8_t cdb[12] = { 0x28, 0, 0, 0, 0, 16, 0, 0, 4 };

		n = packet(c, 0, cdb, b, 4 * 2048, false, true);
		KD_CHECK_EQ(n, 4 * 2048);
		KD_CHECK(!memcmp(b + 1, "CD001", 5));
		KD_CHECK_EQ(fnv(b, 2048), pvd_fnv);
		memset(dma_buf, 0, 4 * 2048);
		n = packet(c, 0, cdb, dma_buf, 4 * 2048, true, true);
		KD_CHECK(!memcmp(dma_buf, b, 4 * 2048));
	}
	{
		/* READ(12) of the whole disc by DMA; its checksum goes to the host. */
		uint8_t cdb[12] = { 0xA8,
				    0,
				    0,
				    0,
				    0,
				    0,
				    (uint8_t)(iso_sectors >> 24),
				    (uint8_t)(iso_sectors >> 16),
				    (uint8_t)(iso_sectors >> 8),
				    (uint8_t)iso_sectors };

		if (iso_sectors * 2048 <= sizeof(dma_buf)) {
			n = packet(c, 0, cdb, dma_buf, (unsigned)iso_sectors * 2048, true, true);
			kd_printf("CDREAD sectors=%lu fnv=%016lx\n", iso_sectors,
				  fnv(dma_buf, iso_sectors * 2048));
		}
	}
	{
		/* Past the end: ILLEGAL REQUEST, LBA out of range. */
		uint8_t cdb[12] = { 0x28,
				    0,
				    (uint8_t)(iso_sectors >> 24),
				    (uint8_t)(iso_sectors >> 16),
				    (uint8_t)(iso_sectors >> 8),
				    (uint8_t)iso_sectors,
				    0,
				    0,
				    1 };

		KD_CHECK_EQ(packet(c, 0, cdb, b, 2048, false, true), -1);
		KD_CHECK_EQ(sense_key, 5);
		KD_CHECK_EQ(asc, 0x21);
	}
	{
		/* Unknown opcode. */
		uint8_t cdb[12] = { 0xFE };

		KD_CHECK_EQ(packet(c, 0, cdb, b, 64, false, true), -1);
		KD_CHECK_EQ(sense_key, 5);
		KD_CHECK_EQ(asc, 0x20);
	}
	{
		/* TOC in LBA and MSF: track 1 at 0 (00:02:00), lead-out at the capacity. */
		uint8_t cdb[12] = { 0x43, 0, 0, 0, 0, 0, 1, 0, 100 };

		n = packet(c, 0, cdb, b, 100, false, true);
		KD_CHECK_EQ(n, 20);
		KD_CHECK_EQ(b[2], 1);
		KD_CHECK_EQ(b[6], 1);
		KD_CHECK_EQ(b[14], 0xAA);
		KD_CHECK_EQ((uint32_t)b[16] << 24 | b[17] << 16 | b[18] << 8 | b[19], iso_sectors);
		cdb[1] = 2;
		n = packet(c, 0, cdb, b, 100, false, true);
		KD_CHECK_EQ(b[9], 0); /* track 1 at 00:02:00 */
		KD_CHECK_EQ(b[10], 2);
		cdb[1] = 0;
		cdb[2] = 1; /* session info */
		n = packet(c, 0, cdb, b, 100, false, true);
		KD_CHECK_EQ(n, 12);
		cdb[2] = 7;
		KD_CHECK_EQ(packet(c, 0, cdb, b, 100, false, true), -1);
	}
	{
		/* Mode page 2Ah: capabilities; saved values are refused. */
		uint8_t cdb[12] = { 0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 64 };

		n = packet(c, 0, cdb, b, 64, false, true);
		KD_CHECK_EQ(n, 28);
		KD_CHECK_EQ(b[8], 0x2A);
		cdb[2] = 0xEA;
		KD_CHECK_EQ(packet(c, 0, cdb, b, 64, false, true), -1);
		KD_CHECK_EQ(asc, 0x39);
	}
	{
		/* GET CONFIGURATION: a CD in the drive. */
		uint8_t cdb[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 64 };

		n = packet(c, 0, cdb, b, 64, false, true);
		KD_CHECK(n >= 8);
		KD_CHECK_EQ(b[6] << 8 | b[7], 0x0008);
	}
	{
		uint8_t lock[12] = { 0x1E, 0, 0, 0, 1 }, unlock[12] = { 0x1E };
		uint8_t eject[12] = { 0x1B, 0, 0, 0, 0x02 }, load[12] = { 0x1B, 0, 0, 0, 0x03 };
		uint8_t tur[12] = { 0x00 };
		uint8_t gesn[12] = { 0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8 };
		uint8_t mech[12] = { 0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8 };

		KD_CHECK_EQ(packet(c, 0, tur, b, 0, false, true), 0);
		/* Locked: the tray stays shut. */
		KD_CHECK_EQ(packet(c, 0, lock, b, 0, false, true), 0);
		KD_CHECK_EQ(packet(c, 0, eject, b, 0, false, true), -1);
		KD_CHECK_EQ(asc, 0x53);
		KD_CHECK_EQ(packet(c, 0, unlock, b, 0, false, true), 0);
		/* Open: no medium (tray open), an event, the mechanism says so. */
		KD_CHECK_EQ(packet(c, 0, eject, b, 0, false, true), 0);
		KD_CHECK_EQ(packet(c, 0, tur, b, 0, false, true), -1);
		KD_CHECK_EQ(sense_key, 2);
		KD_CHECK_EQ(asc, 0x3A);
		n = packet(c, 0, gesn, b, 8, false, true);
		KD_CHECK_EQ(n, 8);
		KD_CHECK_EQ(b[4], 3); /* media removal */
		KD_CHECK_EQ(b[5] & 3, 1); /* tray open, no medium */
		n = packet(c, 0, mech, b, 8, false, true);
		KD_CHECK_EQ(b[1] & 0x10, 0x10);
		/* Closed again: unit attention (medium may have changed), then ready. */
		KD_CHECK_EQ(packet(c, 0, load, b, 0, false, true), 0);
		n = packet(c, 0, gesn, b, 8, false, true);
		KD_CHECK_EQ(b[4], 2); /* new media */
		KD_CHECK_EQ(b[5] & 3, 2);
		KD_CHECK_EQ(packet(c, 0, tur, b, 0, false, true), -1);
		KD_CHECK_EQ(sense_key, 6);
		KD_CHECK_EQ(asc, 0x28);
		KD_CHECK_EQ(packet(c, 0, tur, b, 0, false, true), 0);
	}
}

/* Waits (polling GET EVENT STATUS NOTIFICATION, as a desktop does) for media event `code`. */
static bool wait_media_event(const struct chan *c, uint8_t code)
{
	uint8_t gesn[12] = { 0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8 };
	uint8_t b[8];

	for (unsigned i = 0; i < 200000; i++)
		if (packet(c, 0, gesn, b, 8, false, false) == 8 && b[4] == code)
			return true;
	return false;
}

/* The host changes the disc through the monitor: the guest sees the removal, the new medium,
 * unit attention once, then the new disc's contents. */
static void test_media(void)
{
	const struct chan *c = &secondary;
	uint8_t tur[12] = { 0x00 }, read_pvd[12] = { 0x28, 0, 0, 0, 0, 16, 0, 0, 1 };
	uint8_t *b = pio_buf;

	srst(c);
	KD_CHECK_EQ(packet(c, 0, tur, b, 0, false, true), 0);
	KD_CHECK_EQ(packet(c, 0, read_pvd, b, 2048, false, true), 2048);
	kd_printf("MEDIA1 fnv=%016lx\n", fnv(b, 2048));
	KD_CHECK(wait_media_event(c, 3));
	KD_CHECK_EQ(packet(c, 0, tur, b, 0, false, true), -1);
	KD_CHECK_EQ(sense_key, 2);
	KD_CHECK_EQ(asc, 0x3A);
	kd_printf("EJECTED\n");
	KD_CHECK(wait_media_event(c, 2));
	KD_CHECK_EQ(packet(c, 0, tur, b, 0, false, true), -1);
	KD_CHECK_EQ(sense_key, 6);
	KD_CHECK_EQ(asc, 0x28);
	KD_CHECK_EQ(packet(c, 0, tur, b, 0, false, true), 0);
	KD_CHECK_EQ(packet(c, 0, read_pvd, b, 2048, false, true), 2048);
	kd_printf("MEDIA2 fnv=%016lx\n", fnv(b, 2048));
}

/* ------------------------------------------------------------------ hostile guest */

static void test_hostile(void)
{
	uint8_t status, bmis;
	unsigned i;

	/* A PRD entry far outside RAM: the controller reports an error, the drive aborts. */
	prd[0] = 0xF0000000u;
	prd[1] = 0x80000000u | 4096;
	bm_setup(&primary, true);
	bmis = dma_run(&primary, 0, 0xC8, false, 0, 8, true, &status);
	KD_CHECK(bmis & BMIS_ERROR);
	KD_CHECK_EQ(bmis & BMIS_ACTIVE, 0);
	KD_CHECK(status & ATA_ERR);
	/* The PRD table itself outside RAM. */
	outb(primary.bm, 0);
	outl(primary.bm + 4, 0xFEB00000u);
	set_lba28(&primary, 0, 0, 1);
	outb(primary.cmd + 7, 0xC8);
	outb(primary.bm, BMIC_READ | BMIC_START);
	KD_CHECK(wait_status(&primary) & ATA_ERR);
	KD_CHECK(inb(primary.bm + 2) & BMIS_ERROR);
	outb(primary.bm, 0);
	outb(primary.bm + 2, BMIS_ERROR | BMIS_INTERRUPT);

	/* A table that never says EOT and covers less than the transfer: the walk stops at the
	 * 64 KiB boundary; Active and Interrupt clear, the command ends with an error. */
	for (i = 0; i < 8192; i++) {
		prd[2 * i] = (uint32_t)(uintptr_t)dma_buf;
		prd[2 * i + 1] = 2;
	}
	bm_setup(&primary, true);
	bmis = dma_run(&primary, 0, 0x25, true, 0, 256, true, &status);
	KD_CHECK_EQ(bmis & (BMIS_ACTIVE | BMIS_INTERRUPT), 0);
	KD_CHECK(status & ATA_ERR);
	/* Zero-length entries mean 64 KiB: 4 of them carry 512 sectors. */
	for (i = 0; i < 4; i++) {
		prd[2 * i] = (uint32_t)(uintptr_t)(dma_buf + 65536 * i);
		prd[2 * i + 1] = i == 3 ? 0x80000000u : 0;
	}
	bm_setup(&primary, true);
	bmis = dma_run(&primary, 0, 0x25, true, 0, 512, true, &status);
	KD_CHECK_EQ(bmis, BMIS_INTERRUPT);
	KD_CHECK_EQ(status & ATA_ERR, 0);
	/* DMA past the end of the disk. */
	build_prd(dma_buf, 512 * 8, false);
	bm_setup(&primary, true);
	dma_run(&primary, 0, 0xC8, false, disk_sectors - 4, 8, true, &status);
	KD_CHECK(status & ATA_ERR);
	KD_CHECK(inb(primary.cmd + 1) & ERR_IDNF);
	/* PIO past the end, with LBA48's largest address. */
	set_lba48(&primary, 0, 0xFFFFFFFFFFFFull, 0);
	outb(primary.cmd + 7, 0x24);
	KD_CHECK(wait_status(&primary) & ATA_ERR);

	/* A table over dma_buf with EOT, for whatever DMA the storm starts. */
	build_prd(dma_buf, sizeof(dma_buf), false);
	outl(primary.bm + 4, (uint32_t)(uintptr_t)prd);
	outl(secondary.bm + 4, (uint32_t)(uintptr_t)prd);

	/* Storms: random values to every register of both channels and the bus master, random
	 * commands included (never the write commands: the image's first sectors stay). */
	for (i = 0; i < 20000; i++) {
		uint64_t r = rng();
		const struct chan *c = (r & 1) ? &primary : &secondary;
		unsigned reg = (unsigned)(r >> 8) % 11;
		uint8_t v = (uint8_t)(r >> 16);

		if (reg < 7)
			outb(c->cmd + reg, v);
		else if (reg == 7) {
			if ((v & 0xF0) == 0x30 || (v & 0xFE) == 0xCA || v == 0xC5 || v == 0x35 ||
			    v == 0x39)
				v = 0xEC;
			outb(c->cmd + 7, v);
		} else if (reg == 8)
			outb(c->ctl, v & ~0x04);
		else if (reg == 9)
			(void)inw(c->cmd);
		else /* command and status; the PRD pointer stays on the safe table */
			outb(c->bm + ((v & 1) ? 2 : 0), (uint8_t)(r >> 24));
		if ((r >> 40) % 16 == 0)
			(void)inb(c->cmd + ((r >> 44) & 7));
	}
	/* Reset both channels; the drives must work as before. */
	outb(primary.bm, 0);
	outb(secondary.bm, 0);
	outl(primary.bm + 4, (uint32_t)(uintptr_t)prd);
	srst(&primary);
	srst(&secondary);
	outb(primary.ctl, 0);
	outb(secondary.ctl, 0);
	KD_CHECK(identify(&primary, 0, 0xEC));
	KD_CHECK_EQ((uint64_t)ident[100] | (uint64_t)ident[101] << 16, disk_sectors);
	KD_CHECK(identify(&secondary, 0, 0xA1));
	KD_CHECK(pio_rw(&primary, 0, 0x20, false, 0, 4, 1, false, pio_buf));
	KD_CHECK(dma_rw(&primary, 0, false, false, 0, 4, dma_buf, true));
	KD_CHECK(!memcmp(pio_buf, dma_buf, 4 * 512));
	kd_printf("hostile: survived\n");
}

/* Sequential DMA throughput: the whole disk in 64 KiB commands (READ/WRITE DMA EXT, one PRD
 * entry), read then written, timed with the TSC. Prints "bench: read_mib_s=... write_mib_s=...". */
static void bench(void)
{
	uint64_t hz = kd_tsc_hz(), t0, read_ticks, write_ticks;
	unsigned per = 128;
	uint8_t status;

	prd[0] = (uint32_t)(uintptr_t)dma_buf;
	prd[1] = 0x80000000u; /* 64 KiB, end of table */
	t0 = kd_rdtsc();
	for (uint64_t lba = 0; lba + per <= disk_sectors; lba += per) {
		bm_setup(&primary, true);
		if (dma_run(&primary, 0, 0x25, true, lba, per, true, &status) != BMIS_INTERRUPT ||
		    (status & ATA_ERR)) {
			kd_printf("bench: read failed at %lu\n", lba);
			return;
		}
	}
	read_ticks = kd_rdtsc() - t0;
	fill_random(dma_buf, 65536);
	t0 = kd_rdtsc();
	for (uint64_t lba = 0; lba + per <= disk_sectors; lba += per) {
		bm_setup(&primary, false);
		if (dma_run(&primary, 0, 0x35, true, lba, per, false, &status) != BMIS_INTERRUPT ||
		    (status & ATA_ERR)) {
			kd_printf("bench: write failed at %lu\n", lba);
			return;
		}
	}
	write_ticks = kd_rdtsc() - t0;
	kd_printf("bench: mib=%lu read_mib_s=%lu write_mib_s=%lu\n", disk_sectors / 2048,
		  disk_sectors / 2048 * hz / read_ticks, disk_sectors / 2048 * hz / write_ticks);
}

static void test_flush(void)
{
	fill_random(dma_buf, 1024 * 512);
	KD_CHECK(dma_rw(&primary, 0, true, true, 4096, 1024, dma_buf, true));
	KD_CHECK_EQ(simple(&primary, 0, 0xEA, 0, 0) & ATA_ERR, 0);
	kd_printf("WROTE lba=%u count=%u fnv=%016lx\n", 4096, 1024, fnv(dma_buf, 1024 * 512));
	kd_printf("FLUSHED\n");
	for (;;)
		kd_wait_irq();
}

int kd_main(const struct kd_boot_info *boot)
{
	uint64_t read_lba = kd_cmdline_u64(boot, "read_lba", 0);
	unsigned read_count = (unsigned)kd_cmdline_u64(boot, "read_count", 0);
	uint64_t read_fnv = kd_cmdline_u64(boot, "read_fnv", 0);

	rng_state = kd_cmdline_u64(boot, "seed", rng_state) | 1;
	disk_sectors = kd_cmdline_u64(boot, "sectors", 0);
	setup_controller();
	if (kd_cmdline_has(boot, "ata"))
		test_ata();
	else if (kd_cmdline_has(boot, "pio"))
		test_pio(read_lba, read_count, read_fnv);
	else if (kd_cmdline_has(boot, "dma"))
		test_dma(read_lba, read_count, read_fnv);
	else if (kd_cmdline_has(boot, "atapi"))
		test_atapi(kd_cmdline_u64(boot, "iso_sectors", 0),
			   kd_cmdline_u64(boot, "pvd_fnv", 0));
	else if (kd_cmdline_has(boot, "hostile"))
		test_hostile();
	else if (kd_cmdline_has(boot, "flush"))
		test_flush();
	else if (kd_cmdline_has(boot, "bench"))
		bench();
	else if (kd_cmdline_has(boot, "media"))
		test_media();
	else
		kd_printf("ide: no test named on the command line\n");
	return 0;
}
