/*
 * The ATA hard disk's command set on an IDE channel (ATA/ATAPI-6, T13/1410D): addressing (LBA28,
 * LBA48, CHS with the host's geometry), PIO reads and writes in DRQ blocks through the drive's
 * buffer, DMA straight between the image and guest RAM, IDENTIFY DEVICE, features, power and
 * cache commands. The channel (registers, interrupts, resets, requests to the image) is
 * ide.c's.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "hw/block/image.h"
#include "hw/ide-int.h"
#include "le.h"

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
		ide_cmd_error(d, ATA_IDNF | ATA_ABRT);
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
		ide_cmd_error(d, ide_io_error_bits(d, false, result));
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
void ata_pio_read_block_done(struct kd_ide_drive *d)
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
		ide_cmd_error(d, ide_io_error_bits(d, true, result));
		return;
	}
	d->lba += d->chunk;
	d->remaining -= d->chunk;
	if (d->remaining) {
		pio_write_window(d);
		ide_raise(d);
		return;
	}
	ide_cmd_ok(d);
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
void ata_pio_write_block_done(struct kd_ide_drive *d)
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

static void ata_dma_done(struct kd_ide_drive *d, int result);

static void ata_dma_flushed(struct kd_ide_drive *d, int result)
{
	struct kd_ide_bus *bus = d->bus;
	bool lba48 = lba48_command(d->command);

	bus->dma->finish(bus->dma_opaque, false);
	if (result < 0) {
		set_error_lba(d, d->lba, lba48);
		ide_cmd_error(d, ide_io_error_bits(d, d->dma_write, result));
		return;
	}
	d->lba += d->remaining;
	d->remaining = 0;
	ide_cmd_ok(d);
}

static void ata_dma_done(struct kd_ide_drive *d, int result)
{
	if (result >= 0 && d->dma_write && !d->write_cache) {
		ide_submit(d, KD_BLOCK_FLUSH, NULL, 0, 0, ata_dma_flushed);
		return;
	}
	ata_dma_flushed(d, result);
}

void ata_dma_go(struct kd_ide_drive *d)
{
	if (!ide_map_dma(d, (uint64_t)d->remaining * ATA_SECTOR))
		return;
	ide_submitv(d, d->dma_write ? KD_BLOCK_WRITE : KD_BLOCK_READ, d->lba * ATA_SECTOR,
		    ata_dma_done);
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
	ide_put_identify(d, w);
}

static void flush_done(struct kd_ide_drive *d, int result)
{
	if (result < 0)
		ide_cmd_error(d, ide_io_error_bits(d, true, result));
	else
		ide_cmd_ok(d);
}

static void read_write_command(struct kd_ide_drive *d, bool write, bool multiple, bool dma)
{
	if (multiple && !d->mult_sectors) {
		ide_cmd_abort(d);
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

void ata_exec(struct kd_ide_drive *d, uint8_t cmd)
{
	uint64_t lba;

	if (cmd >= CMD_RECALIBRATE && cmd <= CMD_RECALIBRATE + 0x0F) {
		ide_cmd_ok(d);
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
			ide_cmd_ok(d);
		break;
	case CMD_SEEK:
		if (command_lba(d, false, &lba) && lba < d->sectors)
			ide_cmd_ok(d);
		else
			ide_cmd_error(d, ATA_IDNF);
		break;
	case CMD_INITIALIZE_PARAMETERS:
		if (!d->cur.nsector) {
			ide_cmd_abort(d);
			break;
		}
		d->cur_heads = (d->select & 0x0F) + 1u;
		d->cur_spt = d->cur.nsector;
		ide_cmd_ok(d);
		break;
	case CMD_SET_MULTIPLE:
		if (d->cur.nsector > MAX_MULT_SECTORS || (d->cur.nsector & (d->cur.nsector - 1))) {
			ide_cmd_abort(d);
			break;
		}
		d->mult_sectors = d->cur.nsector;
		ide_cmd_ok(d);
		break;
	case CMD_IDENTIFY:
		ata_identify(d);
		break;
	case CMD_SET_FEATURES:
		ide_set_features(d);
		break;
	case CMD_FLUSH_CACHE:
	case CMD_FLUSH_CACHE_EXT:
		ide_submit(d, KD_BLOCK_FLUSH, NULL, 0, 0, flush_done);
		break;
	case CMD_CHECK_POWER_MODE:
		d->cur.nsector = d->standby ? 0x00 : 0xFF;
		ide_cmd_ok(d);
		break;
	case CMD_IDLE_IMMEDIATE:
	case CMD_IDLE:
		d->standby = false;
		ide_cmd_ok(d);
		break;
	case CMD_STANDBY_IMMEDIATE:
	case CMD_STANDBY:
	case CMD_SLEEP:
		d->standby = true;
		ide_cmd_ok(d);
		break;
	default:
		/* NOP, DEVICE RESET, PACKET, IDENTIFY PACKET DEVICE and everything not
		 * implemented: aborted, as ATA-6 asks of a disk. */
		ide_cmd_abort(d);
		break;
	}
}

/* Default CHS geometry: 16 heads, 63 sectors per track, as many cylinders as fit (at most
 * 16383, the ATA limit); BIOSes translate from there. */
void ata_set_geometry(struct kd_ide_drive *d)
{
	uint64_t cyls = d->sectors / (16 * 63);

	d->heads = 16;
	d->spt = 63;
	d->cyls = (unsigned)CLAMP(cyls, 1, 16383);
}
