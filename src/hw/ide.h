/*
 * ATA hard disks and ATAPI CD-ROMs on an IDE channel (ATA/ATAPI-6, T13/1410D; ATAPI commands
 * from MMC-3 and SPC-2). The channel knows nothing of PCI: a controller (piix-ide.c) maps its
 * registers, drives its interrupt line and moves DMA data through the callbacks below.
 *
 * Locking: everything runs with the machine lock held. Disk I/O runs on the image's worker
 * thread; its completion comes back through the main loop, which takes the lock.
 */
#ifndef KD_HW_IDE_H
#define KD_HW_IDE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct kd_block;
struct kd_vm;

enum kd_ide_media { KD_IDE_DISK, KD_IDE_CDROM };

/* What the channel needs from its bus-master DMA engine. */
enum kd_ide_dma_map {
	KD_IDE_DMA_MAPPED, /* the PRD table covers the transfer */
	KD_IDE_DMA_SHORT, /* the table ends first: what it covers is in iov */
	KD_IDE_DMA_FAULT, /* an entry points outside guest RAM */
};

struct kd_ide_dma_ops {
	/* The bus master has been started (BMIC start bit). */
	bool (*started)(void *opaque);
	/* Scatter/gather list (struct iovec into guest RAM) for len bytes from the PRD table. */
	enum kd_ide_dma_map (*map)(void *opaque, uint64_t len, GArray *iov);
	/* The drive has finished with the table: normally (done), or failed (fault: the
	 * controller's error bit). */
	void (*finish)(void *opaque, bool fault);
	/* The channel's interrupt line (INTRQ of the selected drive, gated by nIEN). */
	void (*set_irq)(void *opaque, bool level);
};

struct kd_ide_bus;
struct kd_ide_drive;

struct kd_ide_bus *kd_ide_bus_new(struct kd_vm *vm, unsigned index,
				  const struct kd_ide_dma_ops *dma, void *dma_opaque);
/* Closes the drives' images (waiting for writes in progress) and frees the channel. */
void kd_ide_bus_free(struct kd_ide_bus *bus);
/* Attaches a drive at unit 0 (master) or 1 (slave). A disk needs an image; a CD-ROM may start
 * empty (block NULL). The drive owns the image from now on. */
struct kd_ide_drive *kd_ide_attach(struct kd_ide_bus *bus, unsigned unit, enum kd_ide_media media,
				   struct kd_block *block);
struct kd_ide_drive *kd_ide_drive(struct kd_ide_bus *bus, unsigned unit);
bool kd_ide_bus_empty(const struct kd_ide_bus *bus);

/* Registers at the command block (offset 0-7) and control block (alternate status / device
 * control). size 1, 2 or 4; only the data register (offset 0) takes 2 and 4. */
uint32_t kd_ide_read(struct kd_ide_bus *bus, unsigned offset, unsigned size);
void kd_ide_write(struct kd_ide_bus *bus, unsigned offset, uint32_t value, unsigned size);
uint8_t kd_ide_read_altstatus(struct kd_ide_bus *bus);
void kd_ide_write_control(struct kd_ide_bus *bus, uint8_t value);

/* The bus master was started: a DMA command waiting for it proceeds. */
void kd_ide_dma_started(struct kd_ide_bus *bus);
/* Hardware reset (machine reset): both drives get their power-on state. */
void kd_ide_bus_reset(struct kd_ide_bus *bus);

/* ------------------------------------------------------------------ drives */
enum kd_ide_media kd_ide_drive_media(const struct kd_ide_drive *d);
/* The image, or NULL for an empty CD-ROM drive. */
struct kd_block *kd_ide_drive_block(const struct kd_ide_drive *d);
const char *kd_ide_drive_model(const struct kd_ide_drive *d);
/* CD-ROMs: the guest's PREVENT MEDIUM REMOVAL and the tray. */
bool kd_ide_drive_locked(const struct kd_ide_drive *d);
bool kd_ide_drive_tray_open(const struct kd_ide_drive *d);
/* CD-ROMs: takes the medium out (closing its image) or puts one in (the drive owns it); the
 * guest sees the change through sense data and media events. Fails with a message in err when
 * the guest has locked the drive and force is not set, or the drive is not a CD-ROM. */
bool kd_ide_drive_eject(struct kd_ide_drive *d, bool force, GError **err);
bool kd_ide_drive_change(struct kd_ide_drive *d, struct kd_block *medium, GError **err);

#endif
