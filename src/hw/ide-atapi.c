/*
 * The ATAPI CD-ROM: the PACKET protocol (ATA/ATAPI-6 section 9.8) and the commands of a
 * read-only MMC drive that BIOSes and Linux's sr/cdrom drivers send (MMC-3, SPC-2): INQUIRY,
 * sense data, capacity, READ(10/12)/READ CD, TOC, mode pages, configuration features, media
 * events, tray and lock. Media come and go through kd_ide_drive_eject/change (the monitor) and
 * START STOP UNIT (the guest); the guest hears of a change through unit attention sense and
 * media events.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "hw/block/image.h"
#include "hw/ide-int.h"
#include "i18n.h"
#include "vm/vm.h"

/* Sense keys and additional sense codes (SPC-2 annex) */
#define SENSE_NONE 0x00
#define SENSE_NOT_READY 0x02
#define SENSE_MEDIUM_ERROR 0x03
#define SENSE_ILLEGAL_REQUEST 0x05
#define SENSE_UNIT_ATTENTION 0x06
#define ASC_UNRECOVERED_READ 0x11
#define ASC_INVALID_OPCODE 0x20
#define ASC_LBA_OUT_OF_RANGE 0x21
#define ASC_INVALID_FIELD 0x24
#define ASC_MEDIUM_CHANGED 0x28
#define ASC_INCOMPATIBLE_FORMAT 0x30
#define ASC_SAVING_NOT_SUPPORTED 0x39
#define ASC_NO_MEDIUM 0x3A
#define ASC_REMOVAL_PREVENTED 0x53

/* Media event codes (MMC-3 table 153) */
#define MEV_NONE 0
#define MEV_EJECT_REQUEST 1
#define MEV_NEW_MEDIA 2
#define MEV_MEDIA_REMOVAL 3

/* Profiles (MMC-3 table 77) */
#define PROFILE_CDROM 0x0008
#define PROFILE_DVDROM 0x0010
/* Longer than an 80-minute CD: the medium is a DVD. */
#define CD_MAX_SECTORS 360000

#define PACKET_ALLOW_UA 0x01 /* answered even with a unit attention pending */
#define PACKET_NEEDS_MEDIUM 0x02

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint64_t atapi_capacity(const struct kd_block *b)
{
	return kd_block_size(b) / CD_SECTOR;
}

static bool medium_ready(const struct kd_ide_drive *d)
{
	return d->block && !d->tray_open;
}

/* ------------------------------------------------------------------ completion */

static void packet_done(struct kd_ide_drive *d, uint8_t status)
{
	d->status = status;
	d->cur.nsector = ATAPI_IO | ATAPI_COD; /* status phase */
	d->next = NEXT_NONE;
	d->pos = d->end = 0;
	ide_raise(d);
}

static void atapi_ok(struct kd_ide_drive *d)
{
	d->sense_key = SENSE_NONE;
	d->asc = d->ascq = 0;
	d->error = 0;
	packet_done(d, ATA_DRDY | ATA_DSC);
}

/* CHECK CONDITION: the sense key goes to the error register's upper nibble, the details to
 * REQUEST SENSE. */
static void atapi_error(struct kd_ide_drive *d, uint8_t key, uint8_t asc, uint8_t ascq)
{
	d->sense_key = key;
	d->asc = asc;
	d->ascq = ascq;
	d->error = (uint8_t)(key << 4 | (key == SENSE_ILLEGAL_REQUEST ? ATA_ABRT : 0));
	d->dma_pending = false;
	packet_done(d, ATA_DRDY | ATA_DSC | ATA_ERR);
}

static void not_ready(struct kd_ide_drive *d)
{
	atapi_error(d, SENSE_NOT_READY, ASC_NO_MEDIUM, d->tray_open ? 0x02 : 0x01);
}

/* ------------------------------------------------------------------ data phase */

/* Next DRQ block of a PIO transfer out of buf [pos, chunk), or the next chunk from the medium,
 * or the status phase. */
static void pio_next(struct kd_ide_drive *d);

static void sectors_loaded(struct kd_ide_drive *d, int result)
{
	if (result < 0) {
		atapi_error(d, SENSE_MEDIUM_ERROR, ASC_UNRECOVERED_READ, 0);
		return;
	}
	d->pos = 0;
	pio_next(d);
}

static void load_sectors(struct kd_ide_drive *d)
{
	uint32_t n = (uint32_t)MIN(d->remaining, IDE_BUF_SIZE);

	if (!d->block) {
		not_ready(d);
		return;
	}
	d->chunk = n;
	d->remaining -= n;
	ide_submit(d, KD_BLOCK_READ, d->buf, n, d->lba * CD_SECTOR, sectors_loaded);
	d->lba += n / CD_SECTOR;
}

static void pio_next(struct kd_ide_drive *d)
{
	uint32_t n;

	if (d->pos >= d->chunk) {
		if (d->atapi_read_sectors && d->remaining)
			load_sectors(d);
		else
			atapi_ok(d);
		return;
	}
	n = MIN(d->byte_limit, d->chunk - d->pos);
	d->end = d->pos + n;
	d->cur.lcyl = (uint8_t)n;
	d->cur.hcyl = (uint8_t)(n >> 8);
	d->cur.nsector = ATAPI_IO; /* data to the host */
	d->status = ATA_DRDY | ATA_DSC | ATA_DRQ;
	d->next = NEXT_ATAPI_DATA;
	ide_raise(d);
}

void atapi_data_done(struct kd_ide_drive *d)
{
	d->pos = d->end;
	pio_next(d);
}

static void dma_sectors_done(struct kd_ide_drive *d, int result)
{
	struct kd_ide_bus *bus = d->bus;

	bus->dma->finish(bus->dma_opaque, false);
	if (result < 0)
		atapi_error(d, SENSE_MEDIUM_ERROR, ASC_UNRECOVERED_READ, 0);
	else
		atapi_ok(d);
}

void atapi_dma_go(struct kd_ide_drive *d)
{
	struct kd_ide_bus *bus = d->bus;
	uint64_t len = d->atapi_read_sectors ? d->remaining : d->chunk;
	enum kd_ide_dma_map how;

	g_array_set_size(d->iov, 0);
	how = bus->dma->map(bus->dma_opaque, len, d->iov);
	if (how == KD_IDE_DMA_FAULT) {
		bus->dma->finish(bus->dma_opaque, true);
		atapi_error(d, SENSE_ILLEGAL_REQUEST, 0, 0);
		return;
	}
	if (how == KD_IDE_DMA_SHORT) {
		/* No interrupt, Active and Interrupt clear: see map_dma() in ide.c. */
		bus->dma->finish(bus->dma_opaque, false);
		d->status = ATA_DRDY | ATA_DSC | ATA_ERR;
		d->error = ATA_ABRT;
		d->next = NEXT_NONE;
		return;
	}
	if (d->atapi_read_sectors) {
		if (!d->block) {
			bus->dma->finish(bus->dma_opaque, false);
			not_ready(d);
			return;
		}
		d->remaining = 0;
		ide_submitv(d, KD_BLOCK_READ, d->lba * CD_SECTOR, dma_sectors_done);
		return;
	}
	/* A reply in buf: small, copied here. */
	for (guint i = 0, off = 0; i < d->iov->len; i++) {
		struct iovec *v = &g_array_index(d->iov, struct iovec, i);

		memcpy(v->iov_base, d->buf + off, v->iov_len);
		off += (guint)v->iov_len;
	}
	bus->dma->finish(bus->dma_opaque, false);
	atapi_ok(d);
}

/* Sends len bytes of buf (cut to the host's allocation length). */
static void reply(struct kd_ide_drive *d, uint32_t len, uint32_t alloc)
{
	d->atapi_read_sectors = false;
	d->chunk = MIN(len, alloc);
	d->remaining = 0;
	d->pos = 0;
	if (!d->chunk) {
		atapi_ok(d);
		return;
	}
	if (d->atapi_dma)
		ide_start_dma(d, false);
	else
		pio_next(d);
}

static void read_sectors(struct kd_ide_drive *d, uint64_t lba, uint64_t count)
{
	if (lba > d->cd_sectors || count > d->cd_sectors - lba) {
		atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
		return;
	}
	if (!count) {
		atapi_ok(d);
		return;
	}
	d->atapi_read_sectors = true;
	d->lba = lba;
	d->remaining = count * CD_SECTOR;
	d->pos = d->chunk = 0;
	if (d->atapi_dma)
		ide_start_dma(d, false);
	else
		load_sectors(d);
}

/* ------------------------------------------------------------------ IDENTIFY PACKET DEVICE */

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
	ide_put_identify(d, w);
}

/* ------------------------------------------------------------------ commands */

static void lba_to_msf(uint8_t *p, uint64_t lba)
{
	lba += 150; /* the 2-second pregap */
	p[0] = 0;
	p[1] = (uint8_t)(lba / 75 / 60);
	p[2] = (uint8_t)(lba / 75 % 60);
	p[3] = (uint8_t)(lba % 75);
}

static void put_address(uint8_t *p, uint64_t lba, bool msf)
{
	if (msf)
		lba_to_msf(p, lba);
	else
		put_be32(p, (uint32_t)lba);
}

static void cmd_inquiry(struct kd_ide_drive *d)
{
	uint8_t *b = d->buf;

	if (d->packet[1] & 0x01) { /* vital product data: none */
		atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
		return;
	}
	memset(b, 0, 36);
	b[0] = 0x05; /* CD/DVD device */
	b[1] = 0x80; /* removable */
	b[3] = 0x21; /* ATAPI, response data format 1 */
	b[4] = 36 - 5;
	memcpy(b + 8, "KVMDESK ", 8);
	memcpy(b + 16, "DVD-ROM         ", 16);
	memcpy(b + 32, "1.0 ", 4);
	reply(d, 36, be16(d->packet + 3));
}

static void cmd_request_sense(struct kd_ide_drive *d)
{
	uint8_t *b = d->buf;

	if (d->sense_key == SENSE_NONE && d->unit_attention) {
		d->unit_attention = false;
		d->sense_key = SENSE_UNIT_ATTENTION;
		d->asc = ASC_MEDIUM_CHANGED;
		d->ascq = 0;
	}
	memset(b, 0, 18);
	b[0] = 0x70; /* current error, fixed format */
	b[2] = d->sense_key;
	b[7] = 10;
	b[12] = d->asc;
	b[13] = d->ascq;
	/* Reported sense is consumed; the command itself succeeds. */
	d->sense_key = SENSE_NONE;
	d->asc = d->ascq = 0;
	d->atapi_read_sectors = false;
	d->chunk = MIN(18u, d->packet[4]);
	d->pos = 0;
	d->error = 0;
	if (!d->chunk)
		packet_done(d, ATA_DRDY | ATA_DSC);
	else if (d->atapi_dma)
		ide_start_dma(d, false);
	else
		pio_next(d);
}

static void cmd_read_capacity(struct kd_ide_drive *d)
{
	put_be32(d->buf, (uint32_t)MIN(d->cd_sectors - 1, 0xFFFFFFFF));
	put_be32(d->buf + 4, CD_SECTOR);
	reply(d, 8, 8);
}

static void cmd_read_cd(struct kd_ide_drive *d)
{
	uint8_t sector_type = (d->packet[1] >> 2) & 7;
	uint32_t count = (uint32_t)d->packet[6] << 16 | (uint32_t)d->packet[7] << 8 | d->packet[8];

	/* Data CDs only: any type or Mode 1, user data only (or nothing). */
	if (sector_type != 0 && sector_type != 2) {
		atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INCOMPATIBLE_FORMAT, 0);
		return;
	}
	switch (d->packet[9] & 0xF8) {
	case 0x00:
		if (be32(d->packet + 2) >= d->cd_sectors)
			atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
		else
			atapi_ok(d);
		return;
	case 0x10:
		read_sectors(d, be32(d->packet + 2), count);
		return;
	}
	atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
}

static void cmd_read_toc(struct kd_ide_drive *d)
{
	bool msf = d->packet[1] & 0x02;
	unsigned format = d->packet[2] & 0x0F;
	unsigned track = d->packet[6];
	uint8_t *b = d->buf;
	uint32_t len;

	if (!format)
		format = d->packet[9] >> 6; /* the old place of the format field */
	memset(b, 0, 64);
	switch (format) {
	case 0: /* TOC: the data track and the lead-out */
		if (track > 1 && track != 0xAA) {
			atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
			return;
		}
		b[2] = 1;
		b[3] = 1;
		len = 4;
		if (track <= 1) {
			b[len + 1] = 0x14; /* ADR 1, data track */
			b[len + 2] = 1;
			put_address(b + len + 4, 0, msf);
			len += 8;
		}
		b[len + 1] = 0x14;
		b[len + 2] = 0xAA;
		put_address(b + len + 4, d->cd_sectors, msf);
		len += 8;
		break;
	case 1: /* session information: one session */
		b[2] = 1;
		b[3] = 1;
		b[5] = 0x14;
		b[6] = 1;
		put_address(b + 8, 0, msf);
		len = 12;
		break;
	case 2: /* raw TOC: points A0, A1, A2 and track 1, always MSF */
		b[2] = 1;
		b[3] = 1;
		len = 4;
		for (unsigned i = 0; i < 4; i++, len += 11) {
			static const uint8_t point[4] = { 0xA0, 0xA1, 0xA2, 0x01 };
			uint8_t *e = b + len;

			e[0] = 1; /* session */
			e[1] = 0x14;
			e[3] = point[i];
			if (point[i] == 0xA0 || point[i] == 0xA1)
				e[8] = 1; /* first / last track */
			else if (point[i] == 0xA2)
				lba_to_msf(e + 7, d->cd_sectors);
			else
				lba_to_msf(e + 7, 0);
		}
		break;
	default:
		atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
		return;
	}
	put_be16(b, (uint16_t)(len - 2));
	reply(d, len, be16(d->packet + 7));
}

static uint32_t mode_page(struct kd_ide_drive *d, uint8_t *p, unsigned page, bool changeable)
{
	if (page == 0x01) { /* read error recovery */
		memset(p, 0, 8);
		p[0] = 0x01;
		p[1] = 6;
		if (!changeable)
			p[3] = 5; /* read retry count */
		return 8;
	}
	/* 0x2A: CD/DVD capabilities and mechanical status */
	memset(p, 0, 20);
	p[0] = 0x2A;
	p[1] = 18;
	if (changeable)
		return 20;
	p[2] = 0x08 | 0x01; /* reads DVD-ROM, CD-R */
	p[4] = 0x40 | 0x10; /* multi-session, mode 2 form 2 */
	p[5] = 0x02; /* CD-DA commands with accurate streams */
	/* Tray loading, eject, lock, with the lock state. */
	p[6] = (uint8_t)(0x20 | 0x08 | 0x01 | (d->locked ? 0x02 : 0));
	put_be16(p + 8, 706); /* 4x, kB/s */
	put_be16(p + 12, 512); /* buffer, KiB */
	put_be16(p + 14, 706);
	return 20;
}

static void cmd_mode_sense10(struct kd_ide_drive *d)
{
	unsigned control = d->packet[2] >> 6, page = d->packet[2] & 0x3F;
	uint8_t *b = d->buf;
	uint32_t len = 8;

	if (control == 3) {
		atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_SAVING_NOT_SUPPORTED, 0);
		return;
	}
	if (page != 0x01 && page != 0x2A && page != 0x3F) {
		atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
		return;
	}
	memset(b, 0, 8);
	if (page == 0x01 || page == 0x3F)
		len += mode_page(d, b + len, 0x01, control == 1);
	if (page == 0x2A || page == 0x3F)
		len += mode_page(d, b + len, 0x2A, control == 1);
	put_be16(b, (uint16_t)(len - 2));
	reply(d, len, be16(d->packet + 7));
}

static uint16_t current_profile(const struct kd_ide_drive *d)
{
	if (!medium_ready(d))
		return 0;
	return d->cd_sectors > CD_MAX_SECTORS ? PROFILE_DVDROM : PROFILE_CDROM;
}

static void cmd_get_configuration(struct kd_ide_drive *d)
{
	unsigned rt = d->packet[1] & 3, start = be16(d->packet + 2);
	uint16_t profile = current_profile(d);
	uint8_t *b = d->buf;
	uint32_t len = 8;

	if (rt == 3) {
		atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
		return;
	}
	memset(b, 0, 64);
	put_be16(b + 6, profile);
	/* Profile list, core and removable medium features: all persistent and current. With
	 * RT 2 only the starting feature, otherwise every feature from it on. */
	if (start == 0) {
		uint8_t *f = b + len;

		f[2] = 0x03;
		f[3] = 8;
		put_be16(f + 4, PROFILE_DVDROM);
		f[6] = profile == PROFILE_DVDROM;
		put_be16(f + 8, PROFILE_CDROM);
		f[10] = profile == PROFILE_CDROM;
		len += 12;
	}
	if (rt == 2 ? start == 1 : start <= 1) {
		uint8_t *f = b + len;

		put_be16(f, 0x0001);
		f[2] = 0x03;
		f[3] = 8;
		put_be32(f + 4, 2); /* ATAPI */
		len += 12;
	}
	if (rt == 2 ? start == 3 : start <= 3) {
		uint8_t *f = b + len;

		put_be16(f, 0x0003);
		f[2] = 0x03;
		f[3] = 4;
		f[4] = 0x20 | 0x08 | 0x01 | (d->locked ? 0x04 : 0); /* tray, eject, lock */
		len += 8;
	}
	put_be32(b, len - 4);
	reply(d, len, be16(d->packet + 7));
}

static void cmd_get_event_status(struct kd_ide_drive *d)
{
	uint8_t *b = d->buf;
	uint32_t len;

	if (!(d->packet[1] & 0x01)) { /* only polled operation */
		atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD, 0);
		return;
	}
	memset(b, 0, 8);
	b[3] = 0x10; /* supported classes: media */
	if (d->packet[4] & 0x10) {
		b[2] = 0x04; /* media class */
		b[4] = d->media_event;
		b[5] = (uint8_t)((d->block && !d->tray_open ? 0x02 : 0) |
				 (d->tray_open ? 0x01 : 0));
		d->media_event = MEV_NONE;
		len = 8;
	} else {
		b[2] = 0x80; /* no event available */
		len = 4;
	}
	put_be16(b, (uint16_t)(len - 2));
	reply(d, len, be16(d->packet + 7));
}

static void cmd_start_stop(struct kd_ide_drive *d)
{
	bool loej = d->packet[4] & 0x02, start = d->packet[4] & 0x01;

	if (!loej) {
		atapi_ok(d); /* spin up / down: nothing to do */
		return;
	}
	if (start) { /* close the tray */
		if (d->tray_open && d->block) {
			d->unit_attention = true;
			d->media_event = MEV_NEW_MEDIA;
		}
		d->tray_open = false;
		atapi_ok(d);
		return;
	}
	if (d->locked) {
		atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_REMOVAL_PREVENTED, 0x02);
		return;
	}
	if (!d->tray_open && d->block)
		d->media_event = MEV_MEDIA_REMOVAL;
	d->tray_open = true;
	atapi_ok(d);
}

static void cmd_mechanism_status(struct kd_ide_drive *d)
{
	memset(d->buf, 0, 8);
	d->buf[1] = d->tray_open ? 0x10 : 0;
	reply(d, 8, be16(d->packet + 8));
}

struct packet_cmd {
	uint8_t opcode;
	uint8_t flags;
	void (*run)(struct kd_ide_drive *d);
};

static void cmd_test_unit_ready(struct kd_ide_drive *d)
{
	atapi_ok(d);
}

static void cmd_read10(struct kd_ide_drive *d)
{
	read_sectors(d, be32(d->packet + 2), be16(d->packet + 7));
}

static void cmd_read12(struct kd_ide_drive *d)
{
	read_sectors(d, be32(d->packet + 2), be32(d->packet + 6));
}

static void cmd_seek10(struct kd_ide_drive *d)
{
	if (be32(d->packet + 2) >= d->cd_sectors)
		atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
	else
		atapi_ok(d);
}

static void cmd_prevent_allow(struct kd_ide_drive *d)
{
	d->locked = d->packet[4] & 0x01;
	atapi_ok(d);
}

static void cmd_set_speed(struct kd_ide_drive *d)
{
	atapi_ok(d);
}

static const struct packet_cmd commands[] = {
	{ 0x00, PACKET_NEEDS_MEDIUM, cmd_test_unit_ready },
	{ 0x03, PACKET_ALLOW_UA, cmd_request_sense },
	{ 0x12, PACKET_ALLOW_UA, cmd_inquiry },
	{ 0x1B, 0, cmd_start_stop },
	{ 0x1E, 0, cmd_prevent_allow },
	{ 0x25, PACKET_NEEDS_MEDIUM, cmd_read_capacity },
	{ 0x28, PACKET_NEEDS_MEDIUM, cmd_read10 },
	{ 0x2B, PACKET_NEEDS_MEDIUM, cmd_seek10 },
	{ 0x43, PACKET_NEEDS_MEDIUM, cmd_read_toc },
	{ 0x46, PACKET_ALLOW_UA, cmd_get_configuration },
	{ 0x4A, PACKET_ALLOW_UA, cmd_get_event_status },
	{ 0x5A, 0, cmd_mode_sense10 },
	{ 0xA8, PACKET_NEEDS_MEDIUM, cmd_read12 },
	{ 0xBB, 0, cmd_set_speed },
	{ 0xBD, 0, cmd_mechanism_status },
	{ 0xBE, PACKET_NEEDS_MEDIUM, cmd_read_cd },
};

void atapi_packet_command(struct kd_ide_drive *d)
{
	unsigned limit = d->cur.lcyl | (unsigned)d->cur.hcyl << 8;

	d->atapi_dma = d->cur.feature & 0x01;
	/* Byte count limit for PIO: 0 means "as much as you like" in practice; odd limits are
	 * rounded down so that words never split across blocks. */
	if (!limit || limit == 0xFFFF)
		limit = 0xFFFE;
	d->byte_limit = limit & ~1u;
	d->cur.nsector = ATAPI_COD; /* command phase */
	d->status = ATA_DRDY | ATA_DSC | ATA_DRQ;
	d->pos = 0;
	d->end = sizeof(d->packet);
	d->next = NEXT_ATAPI_PACKET;
}

void atapi_packet_received(struct kd_ide_drive *d)
{
	const struct packet_cmd *c = NULL;

	memcpy(d->packet, d->buf, sizeof(d->packet));
	d->pos = d->end = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (commands[i].opcode == d->packet[0])
			c = &commands[i];
	if (!c) {
		atapi_error(d, SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE, 0);
		return;
	}
	if (d->unit_attention && !(c->flags & PACKET_ALLOW_UA)) {
		d->unit_attention = false;
		atapi_error(d, SENSE_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
		return;
	}
	if ((c->flags & PACKET_NEEDS_MEDIUM) && !medium_ready(d)) {
		not_ready(d);
		return;
	}
	c->run(d);
}

/* ------------------------------------------------------------------ media from the host */

/* A request the worker still holds when its image goes away never reports back (the image
 * drops completions when closed): end the command here instead. */
static void close_medium(struct kd_ide_drive *d)
{
	bool was_busy = d->in_flight;

	kd_block_close(d->block);
	d->block = NULL;
	d->cd_sectors = 0;
	if (was_busy) {
		void (*complete)(struct kd_ide_drive *, int) = d->complete;

		d->in_flight = false;
		d->complete = NULL;
		if (d->reset_pending) {
			d->reset_pending = false;
			ide_set_signature(d);
			d->status = 0;
			d->error = 0x01;
		} else if (complete) {
			complete(d, -ENOMEDIUM);
		}
	}
}

bool kd_ide_drive_eject(struct kd_ide_drive *d, bool force, GError **err)
{
	if (d->media != KD_IDE_CDROM) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, _("%s is not a removable drive"),
			    d->model);
		return false;
	}
	if (d->locked && !force) {
		/* As a real drive does when its button is pressed: the guest is asked. */
		d->media_event = MEV_EJECT_REQUEST;
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_BUSY,
			    _("the guest has locked the tray; it was asked to eject (use -f to "
			      "force)"));
		return false;
	}
	if (d->block)
		d->media_event = MEV_MEDIA_REMOVAL;
	close_medium(d);
	d->tray_open = true;
	return true;
}

bool kd_ide_drive_change(struct kd_ide_drive *d, struct kd_block *medium, GError **err)
{
	if (d->media != KD_IDE_CDROM) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, _("%s is not a removable drive"),
			    d->model);
		kd_block_close(medium);
		return false;
	}
	if (d->locked) {
		d->media_event = MEV_EJECT_REQUEST;
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_BUSY,
			    _("the guest has locked the tray; it was asked to eject"));
		kd_block_close(medium);
		return false;
	}
	close_medium(d);
	d->block = medium;
	d->cd_sectors = atapi_capacity(medium);
	d->tray_open = false;
	atapi_medium_changed(d);
	return true;
}

void atapi_medium_changed(struct kd_ide_drive *d)
{
	d->unit_attention = true;
	d->media_event = MEV_NEW_MEDIA;
}
