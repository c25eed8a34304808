/*
 * What ide.c (the ATA register interface and command set) and ide-atapi.c (the packet command
 * set of the CD-ROM) share. Not for other files: they use ide.h.
 */
#ifndef KD_HW_IDE_INT_H
#define KD_HW_IDE_INT_H

#include "hw/ide.h"

/* Status register */
#define ATA_BSY 0x80
#define ATA_DRDY 0x40
#define ATA_DF 0x20
#define ATA_DSC 0x10
#define ATA_DRQ 0x08
#define ATA_ERR 0x01
/* Error register */
#define ATA_ABRT 0x04
#define ATA_IDNF 0x10
#define ATA_UNC 0x40
/* Interrupt reason (the sector count register of a PACKET command) */
#define ATAPI_COD 0x01
#define ATAPI_IO 0x02

#define ATA_SECTOR 512
#define CD_SECTOR 2048
/* The PIO buffer: 256 disk sectors (one LBA28 command) or 64 CD sectors. */
#define IDE_BUF_SIZE (256 * ATA_SECTOR)

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
/* The part of a command still to come
 once the current step (PIO block, disk request, DMA)
 * is over. */
enum ide_next {
	NEXT_NONE,
	NEXT_ATA_READ, /* more sectors of a PIO read */
	NEXT_ATA_WRITE, /* more sectors of a PIO write */
	NEXT_ATAPI_PACKET, /* the 12-byte packet has arrived */
	NEXT_ATAPI_DATA, /* the next chunk of an ATAPI PIO transfer */
};

struct ide_regs {
	uint8_t feature, nsector, sector, lcyl, hcyl;
};

struct kd_ide_drive {
	struct kd_ide_bus *bus;
	unsigned unit;
	bool present;
	enum kd_ide_media media;
	struct kd_block *block;
	char serial[21], model[41], firmware[9];

	/* Task file: current and "previous" (HOB) values of each register, written to both
	 * drives of the channel; the selected drive answers reads. */
	struct ide_regs cur, hob;
	uint8_t select;
	uint8_t status;
	uint8_t error;
	bool intrq;

	/* Geometry and settings the host changes */
	uint64_t sectors; /* capacity in 512-byte sectors */
	unsigned cyls, heads, spt; /* default (IDENTIFY words 1, 3, 6) */
	unsigned cur_heads, cur_spt; /* INITIALIZE DEVICE PARAMETERS */
	unsigned mult_sectors; /* SET MULTIPLE MODE; 0: disabled */
	bool write_cache;
	bool look_ahead;
	bool standby;
	uint8_t xfer_mode; /* SET FEATURES 03h value, for IDENTIFY words 63 and 88 */

	/* The command in progress */
	uint8_t command;
	enum ide_next next;
	uint8_t *buf; /* IDE_BUF_SIZE, aligned for O_DIRECT */
	uint32_t pos, end; /* the PIO data window in buf */
	uint64_t lba; /* next sector of the command */
	uint64_t remaining; /* sectors (ATA) or bytes (ATAPI) still to transfer */
	uint32_t chunk; /* sectors (ATA) or bytes (ATAPI) in buf */
	unsigned block_sectors; /* sectors per DRQ block (1 or the multiple count) */
	bool dma_pending; /* waiting for the bus master */
	bool dma_write; /* direction of that DMA: guest memory to disk */
	/* Disk I/O on the worker thread. While in flight the drive is BSY; a reset that arrives
	 * meanwhile completes when the I/O has. */
	bool in_flight;
	bool reset_pending;
	void (*complete)(struct kd_ide_drive *d, int result);
	GArray *iov; /* struct iovec of a DMA transfer */

	/* ATAPI */
	uint8_t packet[12];
	unsigned byte_limit; /* bytes per DRQ block (the byte count register) */
	bool atapi_dma;
	bool atapi_read_sectors; /* buf holds data, or sectors come from the medium */
	uint8_t sense_key, asc, ascq;
	bool unit_attention; /* a medium change the guest has not yet been told of */
	bool locked; /* PREVENT ALLOW MEDIUM REMOVAL */
	bool tray_open;
	uint8_t media_event; /* GET EVENT STATUS NOTIFICATION, pending media event code */
	uint64_t cd_sectors; /* capacity in 2048-byte sectors */
};

struct kd_ide_bus {
	struct kd_vm *vm;
	unsigned index;
	struct kd_ide_drive drive[2];
	unsigned selected;
	uint8_t control; /* device control: nIEN (bit 1), SRST (bit 2), HOB (bit 7) */
	const struct kd_ide_dma_ops *dma;
	void *dma_opaque;
	bool irq_level;
};

/* ide.c: the channel, for the command sets */
void ide_update_irq(struct kd_ide_bus *bus);
void ide_raise(struct kd_ide_drive *d);
/* A command ends: ready (an interrupt), an error in the error register, or ABRT. */
void ide_cmd_ok(struct kd_ide_drive *d);
void ide_cmd_error(struct kd_ide_drive *d, uint8_t error);
void ide_cmd_abort(struct kd_ide_drive *d);
/* The error register's bits for a failed disk request. */
uint8_t ide_io_error_bits(const struct kd_ide_drive *d, bool write, int result);
/* Maps the PRD table for len bytes into d->iov; false when the command ended (see ide.c). */
bool ide_map_dma(struct kd_ide_drive *d, uint64_t len);
/* 256 IDENTIFY words (word 255 filled in) into the PIO buffer, DRQ and an interrupt. */
void ide_put_identify(struct kd_ide_drive *d, uint16_t *w);
void ide_set_features(struct kd_ide_drive *d);
void ide_submit(struct kd_ide_drive *d, int op, uint8_t *buf, size_t len, uint64_t offset,
		void (*complete)(struct kd_ide_drive *d, int result));
void ide_submitv(struct kd_ide_drive *d, int op, uint64_t offset,
		 void (*complete)(struct kd_ide_drive *d, int result));
void ide_start_dma(struct kd_ide_drive *d, bool write);
void ide_set_signature(struct kd_ide_drive *d);
void ide_padstr(uint16_t *words, unsigned first, const char *s, unsigned len);

/* ide-ata.c: the hard disk's command set */
void ata_exec(struct kd_ide_drive *d, uint8_t cmd);
void ata_dma_go(struct kd_ide_drive *d);
void ata_set_geometry(struct kd_ide_drive *d);
/* The guest has moved one DRQ block of a PIO read or write through the data register. */
void ata_pio_read_block_done(struct kd_ide_drive *d);
void ata_pio_write_block_done(struct kd_ide_drive *d);

/* ide-atapi.c */
void atapi_packet_command(struct kd_ide_drive *d);
void atapi_packet_received(struct kd_ide_drive *d);
void atapi_data_done(struct kd_ide_drive *d);
void atapi_dma_go(struct kd_ide_drive *d);
void atapi_identify(struct kd_ide_drive *d);
void atapi_medium_changed(struct kd_ide_drive *d);
uint64_t atapi_capacity(const struct kd_block *b);

#endif
