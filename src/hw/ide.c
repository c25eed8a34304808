/*
 * An IDE channel with up to two drives: the ATA task file, the ATA command set of a hard disk,
 * PIO and DMA data transfer, resets and signatures (ATA/ATAPI-6, T13/1410D). The packet command
 * set of the CD-ROM is in ide-atapi.c.
 *
 * Disk I/O never runs on the vCPU: a command that needs the image marks the drive BSY, hands
 * the request to the image's worker thread, and the completion (main loop, machine lock held)
 * moves the command on and raises INTRQ. DMA reads and writes go straight between the image and
 * guest RAM (preadv/pwritev on the PRD list), PIO through a 128 KiB buffer per drive, a whole
 * LBA28 command at a time.
 */
#include "config.h"

#include "hw/ide-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/block/image.h"
#include "i18n.h"
#include "le.h"
#include "vm/vm.h"

#define CTL_NIEN 0x02
#define CTL_SRST 0x04
#define CTL_HOB 0x80

#define MAX_MULT_SECTORS 16

/* ATA command codes (ATA/ATAPI-6 table 10) */
enum {
	CMD_NOP = 0x00,
	CMD_DEVICE_RESET = 0x08,
	CMD_RECALIBRATE = 0x10, /* 0x10-0x1F */
	CMD_READ_SECTORS = 0x20,
	CMD_READ_SECTORS_NR = 0x21,
	CMD_READ_SECTORS_EXT = 0x24,
	CMD_READ_DMA_EXT = 0x25,
	CMD_READ_MULTIPLE_EXT = 0x29,
	CMD_WRITE_SECTORS = 0x30,
	CMD_WRITE_SECTORS_NR = 0x31,
	CMD_WRITE_SECTORS_EXT = 0x34,
	CMD_WRITE_DMA_EXT = 0x35,
	CMD_WRITE_MULTIPLE_EXT = 0x39,
	CMD_READ_VERIFY = 0x40,
	CMD_READ_VERIFY_NR = 0x41,
	CMD_READ_VERIFY_EXT = 0x42,
	CMD_SEEK = 0x70,
	CMD_EXECUTE_DIAGNOSTIC = 0x90,
	CMD_INITIALIZE_PARAMETERS = 0x91,
	CMD_PACKET = 0xA0,
	CMD_IDENTIFY_PACKET = 0xA1,
	CMD_READ_MULTIPLE = 0xC4,
	CMD_WRITE_MULTIPLE = 0xC5,
	CMD_SET_MULTIPLE = 0xC6,
	CMD_READ_DMA = 0xC8,
	CMD_READ_DMA_NR = 0xC9,
	CMD_WRITE_DMA = 0xCA,
	CMD_WRITE_DMA_NR = 0xCB,
	CMD_STANDBY_IMMEDIATE = 0xE0,
	CMD_IDLE_IMMEDIATE = 0xE1,
	CMD_STANDBY = 0xE2,
	CMD_IDLE = 0xE3,
	CMD_CHECK_POWER_MODE = 0xE5,
	CMD_SLEEP = 0xE6,
	CMD_FLUSH_CACHE = 0xE7,
	CMD_FLUSH_CACHE_EXT = 0xEA,
	CMD_IDENTIFY = 0xEC,
	CMD_SET_FEATURES = 0xEF,
};

/* ------------------------------------------------------------------ interrupts */

/* INTRQ is driven by the selected drive only, and not at all while nIEN is set. */
void ide_update_irq(struct kd_ide_bus *bus)
{
	struct kd_ide_drive *d = &bus->drive[bus->selected];
	bool level = d->present && d->intrq && !(bus->control & CTL_NIEN);

	if (level != bus->irq_level) {
		bus->irq_level = level;
		bus->dma->set_irq(bus->dma_opaque, level);
	}
}

void ide_raise(struct kd_ide_drive *d)
{
	d->intrq = true;
	ide_update_irq(d->bus);
}

static void clear_irq(struct kd_ide_drive *d)
{
	d->intrq = false;
	ide_update_irq(d->bus);
}

/* ------------------------------------------------------------------ command outcomes */

static void cmd_ok(struct kd_ide_drive *d)
{
	d->status = ATA_DRDY | ATA_DSC;
	d->error = 0;
	d->next = NEXT_NONE;
	ide_raise(d);
}

static void cmd_error(struct kd_ide_drive *d, uint8_t error)
{
	d->status = ATA_DRDY | ATA_DSC | ATA_ERR;
	d->error = error;
	d->next = NEXT_NONE;
	d->dma_pending = false;
	ide_raise(d);
}

static void cmd_abort(struct kd_ide_drive *d)
{
	cmd_error(d, ATA_ABRT);
}

/* What a failed disk request tells the guest: an address outside the disk is IDNF, a failed
 * read an uncorrectable error, anything else (a read-only image, a host write error) an abort. */
static uint8_t io_error_bits(const struct kd_ide_drive *d, bool write, int result)
{
	if (result == -ERANGE)
		return ATA_IDNF | ATA_ABRT;
	if (result != -EROFS)
		g_warning(_("%s: disk %s failed: %s"), d->block ? kd_block_path(d->block) : "ide",
			  write ? _("write") : _("read"), g_strerror(-result));
	return write || result == -EROFS ? ATA_ABRT : ATA_UNC;
}

/* ------------------------------------------------------------------ disk requests */

static void on_request_done(void *opaque, int result)
{
	struct kd_ide_drive *d = opaque;
	struct kd_vm *vm = d->bus->vm;
	void (*complete)(struct kd_ide_drive *, int) = d->complete;

	kd_vm_lock(vm);
	d->in_flight = false;
	d->complete = NULL;
	if (d->reset_pending) {
		/* A reset arrived while the image was busy: it takes effect now, and the
		 * command it interrupted is forgotten. */
		d->reset_pending = false;
		ide_set_signature(d);
		d->status = d->media == KD_IDE_CDROM ? 0 : ATA_DRDY | ATA_DSC;
		d->error = 0x01;
		d->next = NEXT_NONE;
	} else if (complete) {
		complete(d, result);
	}
	kd_vm_unlock(vm);
}

void ide_submit(struct kd_ide_drive *d, int op, uint8_t *buf, size_t len, uint64_t offset,
		void (*complete)(struct kd_ide_drive *d, int result))
{
	d->status = ATA_BSY | ATA_DRDY | ATA_DSC;
	d->in_flight = true;
	d->complete = complete;
	kd_block_submit(d->block, (enum kd_block_op)op, buf, len, offset, on_request_done, d);
}

void ide_submitv(struct kd_ide_drive *d, int op, uint64_t offset,
		 void (*complete)(struct kd_ide_drive *d, int result))
{
	d->status = ATA_BSY | ATA_DRDY | ATA_DSC;
	d->in_flight = true;
	d->complete = complete;
	kd_block_submitv(d->block, (enum kd_block_op)op, (const struct iovec *)(void *)d->iov->data,
			 d->iov->len, offset, on_request_done, d);
}

/* ------------------------------------------------------------------ addressing */

static bool lba48_command(uint8_t cmd)
{
	switch (cmd) {
	case CMD_READ_SECTORS_EXT:
	case CMD_READ_DMA_EXT:
	case CMD_READ_MULTIPLE_EXT:
	case CMD_WRITE_SECTORS_EXT:
	case CMD_WRITE_DMA_EXT:
	case CMD_WRITE_MULTIPLE_EXT:
	case CMD_READ_VERIFY_EXT:
		return true;
	default:
		return false;
	}
}

/* The command's first sector, from LBA or CHS registers; false when the CHS address does not
 * exist in the current geometry. */
static bool command_lba(const struct kd_ide_drive *d, bool lba48, uint64_t *lba)
{
	if (lba48) {
		*lba = (uint64_t)d->cur.sector | (uint64_t)d->cur.lcyl << 8 |
		       (uint64_t)d->cur.hcyl << 16 | (uint64_t)d->hob.sector << 24 |
		       (uint64_t)d->hob.lcyl << 32 | (uint64_t)d->hob.hcyl << 40;
	} else if (d->select & 0x40) {
		*lba = (uint64_t)d->cur.sector | (uint64_t)d->cur.lcyl << 8 |
		       (uint64_t)d->cur.hcyl << 16 | (uint64_t)(d->select & 0x0F) << 24;
	} else {
		unsigned cyl = d->cur.lcyl | (unsigned)d->cur.hcyl << 8;
		unsigned head = d->select & 0x0F, sector = d->cur.sector;

		if (!d->cur_spt || sector == 0 || sector > d->cur_spt || head >= d->cur_heads)
			return false;
		*lba = ((uint64_t)cyl * d->cur_heads + head) * d->cur_spt + sector - 1;
	}
	return true;
}

static uint32_t command_count(const struct kd_ide_drive *d, bool lba48)
{
	if (lba48) {
		uint32_t n = d->cur.nsector | (uint32_t)d->hob.nsector << 8;

		return n ? n : 65536;
	}
	return d->cur.nsector ? d->cur.nsector : 256;
}

/* Reports where a failed command stopped (ATA-6 error outputs: the LBA of the sector). */
static void set_error_lba(struct kd_ide_drive *d, uint64_t lba, bool lba48)
{
	d->cur.sector = (uint8_t)lba;
	d->cur.lcyl = (uint8_t)(lba >> 8);
	d->cur.hcyl = (uint8_t)(lba >> 16);
	if (lba48) {
		d->hob.sector = (uint8_t)(lba >> 24);
		d->hob.lcyl = (uint8_t)(lba >> 32);
		d->hob.hcyl = (uint8_t)(lba >> 40);
	} else if (d->select & 0x40) {
		d->select = (uint8_t)((d->select & 0xF0) | ((lba >> 24) & 0x0F));
	}
}

/* Decodes address and count and checks them against the disk; on failure the command has
 * been ended with IDNF. */
static bool setup_transfer(struct kd_ide_drive *d)
{
	bool lba48 = lba48_command(d->command);
	uint64_t lba;
	uint32_t count = command_count(d, lba48);

	if (!command_lba(d, lba48, &lba) || lba >= d->sectors || count > d->sectors - lba) {
		cmd_error(d, ATA_IDNF | ATA_ABRT);
		return false;
	}
	d->lba = lba;
	d->remaining = count;
	return true;
}

/* ------------------------------------------------------------------ PIO reads */

static void pio_read_load(struct kd_ide_drive *d);

static void pio_read_loaded(struct kd_ide_drive *d, int result)
{
	if (result < 0) {
		set_error_lba(d, d->lba, lba48_command(d->command));
		cmd_error(d, io_error_bits(d, false, result));
		return;
	}
	d->pos = 0;
	d->end = MIN(d->block_sectors, d->chunk) * ATA_SECTOR;
	d->status = ATA_DRDY | ATA_DSC | ATA_DRQ;
	d->next = NEXT_ATA_READ;
	ide_raise(d);
}

static void pio_read_load(struct kd_ide_drive *d)
{
	d->chunk = (uint32_t)MIN(d->remaining, IDE_BUF_SIZE / ATA_SECTOR);
	ide_submit(d, KD_BLOCK_READ, d->buf, (size_t)d->chunk * ATA_SECTOR, d->lba * ATA_SECTOR,
		   pio_read_loaded);
}

/* The guest has read one DRQ block. */
static void pio_read_block_done(struct kd_ide_drive *d)
{
	uint32_t loaded = d->chunk * ATA_SECTOR;

	if (d->end < loaded) {
		d->pos = d->end;
		d->end = MIN(d->end + d->block_sectors * ATA_SECTOR, loaded);
		d->status = ATA_DRDY | ATA_DSC | ATA_DRQ;
		ide_raise(d);
		return;
	}
	d->lba += d->chunk;
	d->remaining -= (uint32_t)d->chunk;
	if (d->remaining) {
		pio_read_load(d);
		return;
	}
	/* Reads end without an interrupt: the one before the last block was it. */
	d->status = ATA_DRDY | ATA_DSC;
	d->next = NEXT_NONE;
}

/* ------------------------------------------------------------------ PIO writes */

static void pio_write_window(struct kd_ide_drive *d)
{
	d->chunk = (uint32_t)MIN(d->remaining, IDE_BUF_SIZE / ATA_SECTOR);
	d->pos = 0;
	d->end = MIN(d->block_sectors, d->chunk) * ATA_SECTOR;
	d->status = ATA_DRDY | ATA_DSC | ATA_DRQ;
	d->next = NEXT_ATA_WRITE;
}

static void pio_write_flushed(struct kd_ide_drive *d, int result)
{
	if (result < 0) {
		set_error_lba(d, d->lba, lba48_command(d->command));
		cmd_error(d, io_error_bits(d, true, result));
		return;
	}
	d->lba += d->chunk;
	d->remaining -= d->chunk;
	if (d->remaining) {
		pio_write_window(d);
		ide_raise(d);
		return;
	}
	cmd_ok(d);
}

static void pio_write_written(struct kd_ide_drive *d, int result)
{
	if (result >= 0 && !d->write_cache) {
		/* Write cache disabled by the guest: the data is on the medium before it hears
		 * of it. */
		ide_submit(d, KD_BLOCK_FLUSH, NULL, 0, 0, pio_write_flushed);
		return;
	}
	pio_write_flushed(d, result);
}

/* The guest has written one DRQ block. Blocks collect in the buffer; the image sees one
 * write per 256 sectors (or the end of the command). */
static void pio_write_block_done(struct kd_ide_drive *d)
{
	uint32_t window = d->chunk * ATA_SECTOR;

	if (d->end < window) {
		d->pos = d->end;
		d->end = MIN(d->end + d->block_sectors * ATA_SECTOR, window);
		d->status = ATA_DRDY | ATA_DSC | ATA_DRQ;
		ide_raise(d);
		return;
	}
	ide_submit(d, KD_BLOCK_WRITE, d->buf, window, d->lba * ATA_SECTOR, pio_write_written);
}

/* ------------------------------------------------------------------ DMA */

void ide_start_dma(struct kd_ide_drive *d, bool write)
{
	struct kd_ide_bus *bus = d->bus;

	d->dma_pending = true;
	d->dma_write = write;
	/* DRQ without BSY while the drive waits for the bus master, as drives show it. */
	d->status = ATA_DRDY | ATA_DSC | ATA_DRQ;
	if (bus->dma->started(bus->dma_opaque))
		kd_ide_dma_started(bus);
}

static void ata_dma_done(struct kd_ide_drive *d, int result);

static void ata_dma_flushed(struct kd_ide_drive *d, int result)
{
	struct kd_ide_bus *bus = d->bus;
	bool lba48 = lba48_command(d->command);

	bus->dma->finish(bus->dma_opaque, false);
	if (result < 0) {
		set_error_lba(d, d->lba, lba48);
		cmd_error(d, io_error_bits(d, d->dma_write, result));
		return;
	}
	d->lba += d->remaining;
	d->remaining = 0;
	cmd_ok(d);
}

static void ata_dma_done(struct kd_ide_drive *d, int result)
{
	if (result >= 0 && d->dma_write && !d->write_cache) {
		ide_submit(d, KD_BLOCK_FLUSH, NULL, 0, 0, ata_dma_flushed);
		return;
	}
	ata_dma_flushed(d, result);
}

/* Maps the PRD table for len bytes. Returns false when the command has ended: a table that
 * points outside RAM is a bus error (controller error bit, drive abort, interrupt); a table
 * shorter than the transfer leaves the drive without data, which real drives answer by waiting
 * forever: here the command ends with an error but, as on the PIIX, without an interrupt, and
 * the controller shows Active and Interrupt both clear. */
static bool map_dma(struct kd_ide_drive *d, uint64_t len)
{
	struct kd_ide_bus *bus = d->bus;

	g_array_set_size(d->iov, 0);
	switch (bus->dma->map(bus->dma_opaque, len, d->iov)) {
	case KD_IDE_DMA_MAPPED:
		return true;
	case KD_IDE_DMA_FAULT:
		bus->dma->finish(bus->dma_opaque, true);
		cmd_abort(d);
		return false;
	case KD_IDE_DMA_SHORT:
		break;
	}
	bus->dma->finish(bus->dma_opaque, false);
	d->status = ATA_DRDY | ATA_DSC | ATA_ERR;
	d->error = ATA_ABRT;
	d->next = NEXT_NONE;
	return false;
}

static void ata_dma_go(struct kd_ide_drive *d)
{
	if (!map_dma(d, (uint64_t)d->remaining * ATA_SECTOR))
		return;
	ide_submitv(d, d->dma_write ? KD_BLOCK_WRITE : KD_BLOCK_READ, d->lba * ATA_SECTOR,
		    ata_dma_done);
}

void kd_ide_dma_started(struct kd_ide_bus *bus)
{
	for (unsigned i = 0; i < 2; i++) {
		struct kd_ide_drive *d = &bus->drive[i];

		if (!d->dma_pending || d->in_flight)
			continue;
		d->dma_pending = false;
		if (d->media == KD_IDE_CDROM)
			atapi_dma_go(d);
		else
			ata_dma_go(d);
	}
}

/* ------------------------------------------------------------------ IDENTIFY */

/* ATA strings: space padded, two characters per word with the first in the high byte. */
void ide_padstr(uint16_t *words, unsigned first, const char *s, unsigned len)
{
	size_t n = strlen(s);

	for (unsigned i = 0; i < len; i++) {
		uint8_t c = i < n ? (uint8_t)s[i] : ' ';

		if (i & 1)
			words[first + i / 2] |= c;
		else
			words[first + i / 2] = (uint16_t)(c << 8);
	}
}

static void put_words(struct kd_ide_drive *d, uint16_t *w)
{
	uint8_t sum = 0;

	/* Word 255: integrity signature A5h and a checksum making all 512 bytes sum to 0. */
	w[255] = 0x00A5;
	for (unsigned i = 0; i < 255; i++)
		sum = (uint8_t)(sum + (w[i] & 0xFF) + (w[i] >> 8));
	sum = (uint8_t)(sum + 0xA5);
	w[255] |= (uint16_t)((uint8_t)-sum << 8);
	for (unsigned i = 0; i < 256; i++)
		kd_put_le16(d->buf + 2 * i, w[i]);
	d->pos = 0;
	d->end = ATA_SECTOR;
	d->status = ATA_DRDY | ATA_DSC | ATA_DRQ;
	d->next = NEXT_NONE;
	ide_raise(d);
}

static void ata_identify(struct kd_ide_drive *d)
{
	uint16_t w[256] = { 0 };
	uint64_t lba28 = MIN(d->sectors, 0x0FFFFFFF);
	unsigned cur_cyls = 0;
	uint64_t chs = 0;

	if (d->cur_heads && d->cur_spt) {
		cur_cyls = (unsigned)MIN(d->sectors / (d->cur_heads * d->cur_spt), 65535);
		chs = (uint64_t)cur_cyls * d->cur_heads * d->cur_spt;
	}
	w[0] = 0x0040; /* fixed device */
	w[1] = (uint16_t)d->cyls;
	w[3] = (uint16_t)d->heads;
	w[6] = (uint16_t)d->spt;
	ide_padstr(w, 10, d->serial, 20);
	ide_padstr(w, 23, d->firmware, 8);
	ide_padstr(w, 27, d->model, 40);
	w[47] = 0x8000 | MAX_MULT_SECTORS;
	w[49] = (1 << 11) | (1 << 9) | (1 << 8); /* IORDY, LBA, DMA */
	w[50] = 0x4000;
	w[51] = 0x0200;
	w[52] = 0x0200;
	w[53] = 0x0007; /* words 54-58, 64-70 and 88 are valid */
	w[54] = (uint16_t)cur_cyls;
	w[55] = (uint16_t)d->cur_heads;
	w[56] = (uint16_t)d->cur_spt;
	w[57] = (uint16_t)chs;
	w[58] = (uint16_t)(chs >> 16);
	if (d->mult_sectors)
		w[59] = (uint16_t)(0x0100 | d->mult_sectors);
	w[60] = (uint16_t)lba28;
	w[61] = (uint16_t)(lba28 >> 16);
	/* Multiword DMA 0-2 and Ultra DMA 0-5 supported; the mode SET FEATURES chose is
	 * marked selected (none before it is used, as drives do after power-on: the BIOS or
	 * the OS picks one). */
	w[63] = 0x0007;
	if ((d->xfer_mode & 0xF8) == 0x20)
		w[63] |= (uint16_t)(0x100 << (d->xfer_mode & 7));
	w[64] = 0x0003; /* PIO 3 and 4 */
	w[65] = 120;
	w[66] = 120;
	w[67] = 120;
	w[68] = 120;
	w[80] = 0x00F0; /* ATA/ATAPI-4 to -7 */
	/* Supported: write cache, look-ahead, power management; FLUSH CACHE (EXT) and 48-bit
	 * addresses. Enabled: the same, with write cache and look-ahead as set. */
	w[82] = (1 << 5) | (1 << 6) | (1 << 3);
	w[83] = 0x4000 | (1 << 13) | (1 << 12) | (1 << 10);
	w[84] = 0x4000;
	w[85] = (uint16_t)((d->write_cache ? 1 << 5 : 0) | (d->look_ahead ? 1 << 6 : 0) | 1 << 3);
	w[86] = (1 << 13) | (1 << 12) | (1 << 10);
	w[87] = 0x4000;
	w[88] = 0x003F;
	if ((d->xfer_mode & 0xF8) == 0x40)
		w[88] |= (uint16_t)(0x100 << (d->xfer_mode & 7));
	w[93] = 0x6000 | 0x0001 | 0x0008; /* hardware reset result: device 0 passed */
	w[100] = (uint16_t)d->sectors;
	w[101] = (uint16_t)(d->sectors >> 16);
	w[102] = (uint16_t)(d->sectors >> 32);
	w[103] = (uint16_t)(d->sectors >> 48);
	put_words(d, w);
}

void atapi_identify(struct kd_ide_drive *d)
{
	uint16_t w[256] = { 0 };

	/* ATAPI, CD-ROM (type 5), removable, DRQ within 50 us, 12-byte packets. */
	w[0] = (2 << 14) | (5 << 8) | (1 << 7) | (2 << 5);
	ide_padstr(w, 10, d->serial, 20);
	ide_padstr(w, 23, d->firmware, 8);
	ide_padstr(w, 27, d->model, 40);
	w[49] = (1 << 9) | (1 << 8); /* LBA, DMA */
	w[53] = 0x0007;
	w[63] = 0x0007;
	if ((d->xfer_mode & 0xF8) == 0x20)
		w[63] |= (uint16_t)(0x100 << (d->xfer_mode & 7));
	w[64] = 0x0003;
	w[65] = 120;
	w[66] = 120;
	w[67] = 120;
	w[68] = 120;
	w[71] = 30;
	w[72] = 30;
	w[80] = 0x001E; /* ATAPI-1 to -4 */
	w[82] = (1 << 4) | (1 << 9); /* PACKET and DEVICE RESET */
	w[83] = 0x4000;
	w[84] = 0x4000;
	w[85] = (1 << 4) | (1 << 9);
	w[87] = 0x4000;
	w[88] = 0x003F;
	if ((d->xfer_mode & 0xF8) == 0x40)
		w[88] |= (uint16_t)(0x100 << (d->xfer_mode & 7));
	put_words(d, w);
}

/* ------------------------------------------------------------------ resets and signatures */

void ide_set_signature(struct kd_ide_drive *d)
{
	d->select &= 0xF0;
	d->cur.nsector = d->hob.nsector = 1;
	d->cur.sector = d->hob.sector = 1;
	if (!d->present) {
		d->cur.lcyl = d->cur.hcyl = 0xFF;
	} else if (d->media == KD_IDE_CDROM) {
		d->cur.lcyl = 0x14;
		d->cur.hcyl = 0xEB;
	} else {
		d->cur.lcyl = d->cur.hcyl = 0;
	}
	d->hob.lcyl = d->cur.lcyl;
	d->hob.hcyl = d->cur.hcyl;
}

/* Ends whatever the drive was doing; the caller sets the status. */
static void drop_command(struct kd_ide_drive *d)
{
	d->next = NEXT_NONE;
	d->pos = d->end = 0;
	d->dma_pending = false;
	d->intrq = false;
}

/* SRST, DEVICE RESET and hardware reset end the same way: signature, diagnostic code 01h,
 * ready (a packet device shows 00h). A drive with I/O in flight stays busy until it lands. */
static void finish_reset(struct kd_ide_drive *d)
{
	drop_command(d);
	if (d->in_flight) {
		d->reset_pending = true;
		d->status = ATA_BSY;
		return;
	}
	ide_set_signature(d);
	d->error = 0x01;
	d->status = d->media == KD_IDE_CDROM ? 0 : ATA_DRDY | ATA_DSC;
}

static void power_on(struct kd_ide_drive *d)
{
	d->cur_heads = d->heads;
	d->cur_spt = d->spt;
	d->mult_sectors = MAX_MULT_SECTORS;
	d->write_cache = true;
	d->look_ahead = true;
	d->standby = false;
	d->xfer_mode = 0;
	d->locked = false;
	d->sense_key = d->asc = d->ascq = 0;
	d->select = 0xA0;
	finish_reset(d);
}

void kd_ide_bus_reset(struct kd_ide_bus *bus)
{
	bus->control = 0;
	bus->selected = 0;
	for (unsigned i = 0; i < 2; i++)
		if (bus->drive[i].present)
			power_on(&bus->drive[i]);
	ide_update_irq(bus);
}

static void execute_diagnostic(struct kd_ide_bus *bus)
{
	for (unsigned i = 0; i < 2; i++) {
		struct kd_ide_drive *d = &bus->drive[i];

		if (!d->present || d->in_flight)
			continue;
		drop_command(d);
		ide_set_signature(d);
		d->status = d->media == KD_IDE_CDROM ? 0 : ATA_DRDY | ATA_DSC;
		d->error = 0x01; /* device 0 passed, device 1 passed or absent */
	}
	/* Device 0 reports the result with an interrupt. */
	if (bus->drive[0].present)
		ide_raise(&bus->drive[0]);
	else
		ide_raise(&bus->drive[1]);
}

/* ------------------------------------------------------------------ commands */

static void set_features(struct kd_ide_drive *d)
{
	uint8_t mode = d->cur.nsector;
	bool disk = d->media == KD_IDE_DISK;

	switch (d->cur.feature) {
	case 0x02: /* enable write cache */
	case 0x82: /* disable write cache */
		if (!disk)
			break;
		d->write_cache = d->cur.feature == 0x02;
		cmd_ok(d);
		return;
	case 0x03: /* set transfer mode */
		if (mode <= 0x01 || (mode >= 0x08 && mode <= 0x0C) ||
		    (mode >= 0x20 && mode <= 0x22) || (mode >= 0x40 && mode <= 0x45)) {
			d->xfer_mode = mode;
			cmd_ok(d);
			return;
		}
		break;
	case 0xAA: /* enable read look-ahead */
	case 0x55:
		if (!disk)
			break;
		d->look_ahead = d->cur.feature == 0xAA;
		cmd_ok(d);
		return;
	case 0x66: /* keep settings over a soft reset */
	case 0xCC:
		cmd_ok(d);
		return;
	}
	cmd_abort(d);
}

static void flush_done(struct kd_ide_drive *d, int result)
{
	if (result < 0)
		cmd_error(d, io_error_bits(d, true, result));
	else
		cmd_ok(d);
}

static void read_write_command(struct kd_ide_drive *d, bool write, bool multiple, bool dma)
{
	if (multiple && !d->mult_sectors) {
		cmd_abort(d);
		return;
	}
	if (!setup_transfer(d))
		return;
	d->standby = false;
	d->block_sectors = multiple ? d->mult_sectors : 1;
	if (dma)
		ide_start_dma(d, write);
	else if (write)
		pio_write_window(d);
	else
		pio_read_load(d);
}

/* Commands a packet device shall abort with its signature in the registers, so that the host
 * learns what it is talking to. */
static void abort_with_signature(struct kd_ide_drive *d)
{
	ide_set_signature(d);
	d->select |= 0xA0;
	cmd_abort(d);
}

static void exec_cdrom(struct kd_ide_drive *d, uint8_t cmd)
{
	switch (cmd) {
	case CMD_PACKET:
		atapi_packet_command(d);
		break;
	case CMD_IDENTIFY_PACKET:
		atapi_identify(d);
		break;
	case CMD_DEVICE_RESET:
		/* Completes without an interrupt (ATA-6 8.10). */
		finish_reset(d);
		clear_irq(d);
		break;
	case CMD_SET_FEATURES:
		set_features(d);
		break;
	case CMD_CHECK_POWER_MODE:
		d->cur.nsector = 0xFF;
		cmd_ok(d);
		break;
	case CMD_IDLE_IMMEDIATE:
	case CMD_STANDBY_IMMEDIATE:
	case CMD_IDLE:
	case CMD_STANDBY:
	case CMD_SLEEP:
		cmd_ok(d);
		break;
	default:
		abort_with_signature(d);
		break;
	}
}

static void exec_disk(struct kd_ide_drive *d, uint8_t cmd)
{
	uint64_t lba;

	if (cmd >= CMD_RECALIBRATE && cmd <= CMD_RECALIBRATE + 0x0F) {
		cmd_ok(d);
		return;
	}
	switch (cmd) {
	case CMD_READ_SECTORS:
	case CMD_READ_SECTORS_NR:
	case CMD_READ_SECTORS_EXT:
		read_write_command(d, false, false, false);
		break;
	case CMD_READ_MULTIPLE:
	case CMD_READ_MULTIPLE_EXT:
		read_write_command(d, false, true, false);
		break;
	case CMD_READ_DMA:
	case CMD_READ_DMA_NR:
	case CMD_READ_DMA_EXT:
		read_write_command(d, false, false, true);
		break;
	case CMD_WRITE_SECTORS:
	case CMD_WRITE_SECTORS_NR:
	case CMD_WRITE_SECTORS_EXT:
		read_write_command(d, true, false, false);
		break;
	case CMD_WRITE_MULTIPLE:
	case CMD_WRITE_MULTIPLE_EXT:
		read_write_command(d, true, true, false);
		break;
	case CMD_WRITE_DMA:
	case CMD_WRITE_DMA_NR:
	case CMD_WRITE_DMA_EXT:
		read_write_command(d, true, false, true);
		break;
	case CMD_READ_VERIFY:
	case CMD_READ_VERIFY_NR:
	case CMD_READ_VERIFY_EXT:
		/* The image is always readable: checking the range is the verification. */
		if (setup_transfer(d))
			cmd_ok(d);
		break;
	case CMD_SEEK:
		if (command_lba(d, false, &lba) && lba < d->sectors)
			cmd_ok(d);
		else
			cmd_error(d, ATA_IDNF);
		break;
	case CMD_INITIALIZE_PARAMETERS:
		if (!d->cur.nsector) {
			cmd_abort(d);
			break;
		}
		d->cur_heads = (d->select & 0x0F) + 1u;
		d->cur_spt = d->cur.nsector;
		cmd_ok(d);
		break;
	case CMD_SET_MULTIPLE:
		if (d->cur.nsector > MAX_MULT_SECTORS || (d->cur.nsector & (d->cur.nsector - 1))) {
			cmd_abort(d);
			break;
		}
		d->mult_sectors = d->cur.nsector;
		cmd_ok(d);
		break;
	case CMD_IDENTIFY:
		ata_identify(d);
		break;
	case CMD_SET_FEATURES:
		set_features(d);
		break;
	case CMD_FLUSH_CACHE:
	case CMD_FLUSH_CACHE_EXT:
		ide_submit(d, KD_BLOCK_FLUSH, NULL, 0, 0, flush_done);
		break;
	case CMD_CHECK_POWER_MODE:
		d->cur.nsector = d->standby ? 0x00 : 0xFF;
		cmd_ok(d);
		break;
	case CMD_IDLE_IMMEDIATE:
	case CMD_IDLE:
		d->standby = false;
		cmd_ok(d);
		break;
	case CMD_STANDBY_IMMEDIATE:
	case CMD_STANDBY:
	case CMD_SLEEP:
		d->standby = true;
		cmd_ok(d);
		break;
	default:
		/* NOP, DEVICE RESET, PACKET, IDENTIFY PACKET DEVICE and everything not
		 * implemented: aborted, as ATA-6 asks of a disk. */
		cmd_abort(d);
		break;
	}
}

static void exec_command(struct kd_ide_bus *bus, uint8_t cmd)
{
	struct kd_ide_drive *d = &bus->drive[bus->selected];

	if (!d->present)
		return; /* nobody listens */
	if (cmd == CMD_EXECUTE_DIAGNOSTIC && !(d->status & (ATA_BSY | ATA_DRQ))) {
		execute_diagnostic(bus);
		return;
	}
	/* Only DEVICE RESET reaches a busy packet device; everything else waits for BSY and DRQ
	 * to clear (the host may not write commands then, ATA-6 9.x). */
	if ((d->status & (ATA_BSY | ATA_DRQ)) || d->in_flight) {
		if (cmd == CMD_DEVICE_RESET && d->media == KD_IDE_CDROM) {
			finish_reset(d);
			clear_irq(d);
		}
		return;
	}
	clear_irq(d);
	d->command = cmd;
	d->error = 0;
	if (d->media == KD_IDE_CDROM)
		exec_cdrom(d, cmd);
	else
		exec_disk(d, cmd);
}

/* ------------------------------------------------------------------ the data register */

static void data_window_done(struct kd_ide_drive *d)
{
	switch (d->next) {
	case NEXT_NONE:
		d->status = ATA_DRDY | ATA_DSC;
		d->pos = d->end = 0;
		break;
	case NEXT_ATA_READ:
		pio_read_block_done(d);
		break;
	case NEXT_ATA_WRITE:
		pio_write_block_done(d);
		break;
	case NEXT_ATAPI_PACKET:
		d->next = NEXT_NONE;
		atapi_packet_received(d);
		break;
	case NEXT_ATAPI_DATA:
		atapi_data_done(d);
		break;
	}
}

static bool data_ready(const struct kd_ide_drive *d)
{
	return d->present && (d->status & (ATA_DRQ | ATA_BSY)) == ATA_DRQ && !d->dma_pending &&
	       d->pos < d->end && d->end <= IDE_BUF_SIZE;
}

static uint32_t data_read(struct kd_ide_bus *bus, unsigned size)
{
	struct kd_ide_drive *d = &bus->drive[bus->selected];
	uint32_t v = 0;
	unsigned n;

	if (!data_ready(d))
		return 0;
	n = MIN(size, d->end - d->pos);
	for (unsigned i = 0; i < n; i++)
		v |= (uint32_t)d->buf[d->pos + i] << (8 * i);
	d->pos += n;
	if (d->pos >= d->end)
		data_window_done(d);
	return v;
}

static void data_write(struct kd_ide_bus *bus, uint32_t value, unsigned size)
{
	struct kd_ide_drive *d = &bus->drive[bus->selected];
	unsigned n;

	if (!data_ready(d))
		return;
	n = MIN(size, d->end - d->pos);
	for (unsigned i = 0; i < n; i++)
		d->buf[d->pos + i] = (uint8_t)(value >> (8 * i));
	d->pos += n;
	if (d->pos >= d->end)
		data_window_done(d);
}

/* ------------------------------------------------------------------ registers */

uint32_t kd_ide_read(struct kd_ide_bus *bus, unsigned offset, unsigned size)
{
	struct kd_ide_drive *d = &bus->drive[bus->selected];
	bool hob = bus->control & CTL_HOB;
	const struct ide_regs *r = hob ? &d->hob : &d->cur;

	if (kd_ide_bus_empty(bus))
		return size == 4 ? 0xFFFFFFFF : size == 2 ? 0xFFFF : 0xFF; /* floating bus */
	if (offset == 0)
		return data_read(bus, size);
	switch (offset) {
	case 1:
		/* For an absent device 1, device 0 answers with its own error register (its
		 * diagnostic code after a reset: "device 1 absent" is 01h, ATA-6 9.16). */
		return d->present ? d->error : bus->drive[bus->selected ^ 1].error;
	case 2:
		return r->nsector;
	case 3:
		return r->sector;
	case 4:
		return r->lcyl;
	case 5:
		return r->hcyl;
	case 6:
		return d->select;
	case 7:
		/* The other drive answers for an absent one with 00h (ATA-6 9.16). */
		if (!d->present)
			return 0;
		clear_irq(d);
		return d->status;
	}
	return 0xFF;
}

void kd_ide_write(struct kd_ide_bus *bus, unsigned offset, uint32_t value, unsigned size)
{
	uint8_t v = (uint8_t)value;

	if (offset == 0) {
		data_write(bus, value, size);
		return;
	}
	/* A write to any command block register clears HOB (ATA-6 7.9). */
	bus->control &= (uint8_t)~CTL_HOB;
	for (unsigned i = 0; i < 2; i++) {
		struct kd_ide_drive *d = &bus->drive[i];

		switch (offset) {
		case 1:
			d->hob.feature = d->cur.feature;
			d->cur.feature = v;
			break;
		case 2:
			d->hob.nsector = d->cur.nsector;
			d->cur.nsector = v;
			break;
		case 3:
			d->hob.sector = d->cur.sector;
			d->cur.sector = v;
			break;
		case 4:
			d->hob.lcyl = d->cur.lcyl;
			d->cur.lcyl = v;
			break;
		case 5:
			d->hob.hcyl = d->cur.hcyl;
			d->cur.hcyl = v;
			break;
		case 6:
			d->select = v | 0xA0;
			break;
		}
	}
	if (offset == 6) {
		bus->selected = (v >> 4) & 1;
		ide_update_irq(bus);
	} else if (offset == 7) {
		exec_command(bus, v);
	}
}

uint8_t kd_ide_read_altstatus(struct kd_ide_bus *bus)
{
	struct kd_ide_drive *d = &bus->drive[bus->selected];

	if (kd_ide_bus_empty(bus))
		return 0xFF;
	return d->present ? d->status : 0;
}

void kd_ide_write_control(struct kd_ide_bus *bus, uint8_t value)
{
	uint8_t old = bus->control;

	bus->control = value;
	if (!(old & CTL_SRST) && (value & CTL_SRST)) {
		for (unsigned i = 0; i < 2; i++) {
			struct kd_ide_drive *d = &bus->drive[i];

			if (!d->present)
				continue;
			drop_command(d);
			d->status = ATA_BSY | (d->status & ATA_DSC);
		}
	} else if ((old & CTL_SRST) && !(value & CTL_SRST)) {
		for (unsigned i = 0; i < 2; i++)
			if (bus->drive[i].present)
				finish_reset(&bus->drive[i]);
		/* SRST selects device 0 again. */
		bus->selected = 0;
		for (unsigned i = 0; i < 2; i++)
			bus->drive[i].select &= (uint8_t)~0x10;
	}
	ide_update_irq(bus);
}

/* ------------------------------------------------------------------ setup */

struct kd_ide_bus *kd_ide_bus_new(struct kd_vm *vm, unsigned index,
				  const struct kd_ide_dma_ops *dma, void *dma_opaque)
{
	struct kd_ide_bus *bus = g_new0(struct kd_ide_bus, 1);

	bus->vm = vm;
	bus->index = index;
	bus->dma = dma;
	bus->dma_opaque = dma_opaque;
	for (unsigned i = 0; i < 2; i++) {
		bus->drive[i].bus = bus;
		bus->drive[i].unit = i;
		ide_set_signature(&bus->drive[i]);
	}
	return bus;
}

void kd_ide_bus_free(struct kd_ide_bus *bus)
{
	if (!bus)
		return;
	for (unsigned i = 0; i < 2; i++) {
		struct kd_ide_drive *d = &bus->drive[i];

		/* Waits for the worker: a write the guest started still reaches the image. */
		kd_block_close(d->block);
		free(d->buf);
		if (d->iov)
			g_array_free(d->iov, TRUE);
	}
	g_free(bus);
}

/* Default CHS geometry: 16 heads, 63 sectors per track, as many cylinders as fit (at most
 * 16383, the ATA limit); BIOSes translate from there. */
static void set_geometry(struct kd_ide_drive *d)
{
	uint64_t cyls = d->sectors / (16 * 63);

	d->heads = 16;
	d->spt = 63;
	d->cyls = (unsigned)CLAMP(cyls, 1, 16383);
}

struct kd_ide_drive *kd_ide_attach(struct kd_ide_bus *bus, unsigned unit, enum kd_ide_media media,
				   struct kd_block *block)
{
	struct kd_ide_drive *d = &bus->drive[unit & 1];
	void *buf = NULL;

	if (posix_memalign(&buf, 4096, IDE_BUF_SIZE))
		g_error("out of memory");
	memset(buf, 0, IDE_BUF_SIZE);
	d->buf = buf;
	d->iov = g_array_new(FALSE, FALSE, sizeof(struct iovec));
	d->present = true;
	d->media = media;
	d->block = block;
	snprintf(d->serial, sizeof(d->serial), "KD%05u", bus->index * 2 + unit + 1);
	snprintf(d->firmware, sizeof(d->firmware), "%s", "1.0");
	snprintf(d->model, sizeof(d->model), "%s",
		 media == KD_IDE_CDROM ? "KVMDESK DVD-ROM" : "KVMDESK HARDDISK");
	if (media == KD_IDE_DISK) {
		d->sectors = kd_block_size(block) / ATA_SECTOR;
		set_geometry(d);
	} else {
		d->cd_sectors = block ? atapi_capacity(block) : 0;
	}
	power_on(d);
	return d;
}

struct kd_ide_drive *kd_ide_drive(struct kd_ide_bus *bus, unsigned unit)
{
	struct kd_ide_drive *d = &bus->drive[unit & 1];

	return d->present ? d : NULL;
}

bool kd_ide_bus_empty(const struct kd_ide_bus *bus)
{
	return !bus->drive[0].present && !bus->drive[1].present;
}

enum kd_ide_media kd_ide_drive_media(const struct kd_ide_drive *d)
{
	return d->media;
}

struct kd_block *kd_ide_drive_block(const struct kd_ide_drive *d)
{
	return d->block;
}

const char *kd_ide_drive_model(const struct kd_ide_drive *d)
{
	return d->model;
}

bool kd_ide_drive_locked(const struct kd_ide_drive *d)
{
	return d->locked;
}

bool kd_ide_drive_tray_open(const struct kd_ide_drive *d)
{
	return d->tray_open;
}
