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

/* The part of a command still to come once the current step (PIO block, disk request, DMA)
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

/* ide.c, for the packet layer */
void ide_update_irq(struct kd_ide_bus *bus);
void ide_raise(struct kd_ide_drive *d);
void ide_submit(struct kd_ide_drive *d, int op, uint8_t *buf, size_t len, uint64_t offset,
		void (*complete)(struct kd_ide_drive *d, int result));
void ide_submitv(struct kd_ide_drive *d, int op, uint64_t offset,
		 void (*complete)(struct kd_ide_drive *d, int result));
void ide_start_dma(struct kd_ide_drive *d, bool write);
void ide_set_signature(struct kd_ide_drive *d);
void ide_padstr(uint16_t *words, unsigned first, const char *s, unsigned len);

/* ide-atapi.c */
void atapi_packet_command(struct kd_ide_drive *d);
void atapi_packet_received(struct kd_ide_drive *d);
void atapi_data_done(struct kd_ide_drive *d);
void atapi_dma_go(struct kd_ide_drive *d);
void atapi_identify(struct kd_ide_drive *d);
void atapi_medium_changed(struct kd_ide_drive *d);
uint64_t atapi_capacity(const struct kd_block *b);

#endif
