/*
 * PIIX3 IDE function, PCI side (PIIX3 datasheet 290550, 2.3 and 2.7): class 01:01:80 (legacy
 * ports, bus-master capable), IDE timing registers, and BAR 4 with each channel's bus-master
 * command, status and PRD table pointer registers.
 */
#include "config.h"

#include "hw/piix-ide.h"

#include <string.h>

#include "hw/machine.h"
#include "hw/pci.h"

#define IDETIM_PRIMARY 0x40
#define IDETIM_SECONDARY 0x42
#define SIDETIM 0x44
#define BM_REGS_SIZE 16
/* Per channel, at 0 and 8: BMICX (command), BMISX (status), BMIDTPX (PRD pointer, 4 bytes). */
#define BMIC 0
#define BMIS 2
#define BMIDTP 4
#define BMIC_WRITABLE 0x09 /* start/stop, read/write control */
#define BMIS_ACTIVE 0x01
#define BMIS_ERROR 0x02
#define BMIS_INTERRUPT 0x04
#define BMIS_DRIVE_DMA_CAPABLE 0x60

struct piix_ide {
	struct kd_device dev;
	struct kd_pci_device pci;
	struct kd_io_region *bm_region;
	uint8_t bm[BM_REGS_SIZE];
};

static uint64_t bm_read(void *opaque, uint64_t offset, unsigned size)
{
	struct piix_ide *ide = opaque;
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)ide->bm[offset + i] << (8 * i);
	return v;
}

static void bm_write_byte(struct piix_ide *ide, unsigned offset, uint8_t v)
{
	unsigned reg = offset & 7;

	switch (reg) {
	case BMIC:
		ide->bm[offset] = v & BMIC_WRITABLE;
		break;
	case BMIS:
		/* Error and interrupt are write-1-to-clear; the DMA-capable bits are plain. */
		ide->bm[offset] = (uint8_t)((ide->bm[offset] & BMIS_ACTIVE) |
					    (ide->bm[offset] & (BMIS_ERROR | BMIS_INTERRUPT) & ~v) |
					    (v & BMIS_DRIVE_DMA_CAPABLE));
		break;
	case BMIDTP:
		ide->bm[offset] = v & 0xFC; /* the table is dword aligned */
		break;
	case BMIDTP + 1:
	case BMIDTP + 2:
	case BMIDTP + 3:
		ide->bm[offset] = v;
		break;
	}
}

static void bm_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct piix_ide *ide = opaque;

	for (unsigned i = 0; i < size; i++)
		bm_write_byte(ide, (unsigned)offset + i, (uint8_t)(value >> (8 * i)));
}

static const struct kd_io_ops bm_ops = {
	.read = bm_read,
	.write = bm_write,
};

static void ide_reset(struct kd_device *dev)
{
	struct piix_ide *ide = (struct piix_ide *)dev;

	kd_pci_device_reset(&ide->pci);
	memset(ide->bm, 0, sizeof(ide->bm));
	memset(ide->pci.config + IDETIM_PRIMARY, 0, 5);
}

static void ide_destroy(struct kd_device *dev)
{
	struct piix_ide *ide = (struct piix_ide *)dev;

	kd_pci_unplug(&ide->pci);
	kd_io_region_free(ide->bm_region);
	g_free(ide);
}

bool kd_piix_ide_create(struct kd_machine *m, GError **err)
{
	struct piix_ide *ide = g_new0(struct piix_ide, 1);

	kd_pci_device_init(&ide->pci, "PIIX3 IDE", 0x8086, 0x7010, 0x00, 0x010180, 0);
	ide->pci.opaque = ide;
	for (unsigned i = IDETIM_PRIMARY; i <= SIDETIM; i++)
		ide->pci.wmask[i] = 0xFF;
	ide->bm_region = kd_io_region_new("piix-bmdma", BM_REGS_SIZE, &bm_ops, ide);
	kd_pci_device_set_bar(&ide->pci, 4, KD_PCI_BAR_IO, false, BM_REGS_SIZE, ide->bm_region);
	if (!kd_pci_plug(m->pci, &ide->pci, PCI_DEVFN(1, 1), err)) {
		kd_io_region_free(ide->bm_region);
		g_free(ide);
		return false;
	}
	ide->dev.reset = ide_reset;
	ide->dev.destroy = ide_destroy;
	kd_device_add(m, &ide->dev, "piix3-ide", "ide");
	return true;
}
