/*
 * An IDE channel with up to two drives (ATA/ATAPI-6, T13/1410D): the task file and its
 * registers, the data register's PIO windows, INTRQ, the bus-master DMA hand-off, resets and
 * signatures, and command dispatch. The hard disk's command set is in ide-ata.c, the CD-ROM's
 * packet command set in ide-atapi.c.
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

void ide_cmd_ok(struct kd_ide_drive *d)
{
	d->status = ATA_DRDY | ATA_DSC;
	d->error = 0;
	d->next = NEXT_NONE;
	ide_raise(d);
}

void ide_cmd_error(struct kd_ide_drive *d, uint8_t error)
{
	d->status = ATA_DRDY | ATA_DSC | ATA_ERR;
	d->error = error;
	d->next = NEXT_NONE;
	d->dma_pending = false;
	ide_raise(d);
}

void ide_cmd_abort(struct kd_ide_drive *d)
{
	ide_cmd_error(d, ATA_ABRT);
}

/* What a failed disk request tells the guest: an address outside the disk is IDNF, a failed
 * read an uncorrectable error, anything else (a read-only image, a host write error) an abort. */
uint8_t ide_io_error_bits(const struct kd_ide_drive *d, bool write, int result)
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

/* Maps the PRD table for len bytes. Returns false when the command has ended: a table that
 * points outside RAM is a bus error (controller error bit, drive abort, interrupt); a table
 * shorter than the transfer leaves the drive without data, which real drives answer by waiting
 * forever: here the command ends with an error but, as on the PIIX, without an interrupt, and
 * the controller shows Active and Interrupt both clear. */
bool ide_map_dma(struct kd_ide_drive *d, uint64_t len)
{
	struct kd_ide_bus *bus = d->bus;

	g_array_set_size(d->iov, 0);
	switch (bus->dma->map(bus->dma_opaque, len, d->iov)) {
	case KD_IDE_DMA_MAPPED:
		return true;
	case KD_IDE_DMA_FAULT:
		bus->dma->finish(bus->dma_opaque, true);
		ide_cmd_abort(d);
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

void ide_put_identify(struct kd_ide_drive *d, uint16_t *w)
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

void ide_set_features(struct kd_ide_drive *d)
{
	uint8_t mode = d->cur.nsector;
	bool disk = d->media == KD_IDE_DISK;

	switch (d->cur.feature) {
	case 0x02: /* enable write cache */
	case 0x82: /* disable write cache */
		if (!disk)
			break;
		d->write_cache = d->cur.feature == 0x02;
		ide_cmd_ok(d);
		return;
	case 0x03: /* set transfer mode */
		if (mode <= 0x01 || (mode >= 0x08 && mode <= 0x0C) ||
		    (mode >= 0x20 && mode <= 0x22) || (mode >= 0x40 && mode <= 0x45)) {
			d->xfer_mode = mode;
			ide_cmd_ok(d);
			return;
		}
		break;
	case 0xAA: /* enable read look-ahead */
	case 0x55:
		if (!disk)
			break;
		d->look_ahead = d->cur.feature == 0xAA;
		ide_cmd_ok(d);
		return;
	case 0x66: /* keep settings over a soft reset */
	case 0xCC:
		ide_cmd_ok(d);
		return;
	}
	ide_cmd_abort(d);
}

/* Commands a packet device shall abort with its signature in the registers, so that the host
 * learns what it is talking to. */
static void abort_with_signature(struct kd_ide_drive *d)
{
	ide_set_signature(d);
	d->select |= 0xA0;
	ide_cmd_abort(d);
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
		ide_set_features(d);
		break;
	case CMD_CHECK_POWER_MODE:
		d->cur.nsector = 0xFF;
		ide_cmd_ok(d);
		break;
	case CMD_IDLE_IMMEDIATE:
	case CMD_STANDBY_IMMEDIATE:
	case CMD_IDLE:
	case CMD_STANDBY:
	case CMD_SLEEP:
		ide_cmd_ok(d);
		break;
	default:
		abort_with_signature(d);
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
		ata_exec(d, cmd);
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
		ata_pio_read_block_done(d);
		break;
	case NEXT_ATA_WRITE:
		ata_pio_write_block_done(d);
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
		ata_set_geometry(d);
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
