/*
 * PIIX3 IDE function (PIIX3 datasheet 290550, 2.3 and 2.7; SFF-8038i bus master IDE): class
 * 01:01:80 (legacy ports, bus-master capable), the IDE timing registers with their decode
 * enables, the legacy command/control ports and IRQs 14/15 of both channels, and BAR 4 with
 * each channel's bus-master command, status and PRD table pointer. The drives are ide.c's.
 */
#include "config.h"

#include "hw/piix-ide.h"

#include <string.h>

#include "hw/block/image.h"
#include "hw/ide.h"
#include "hw/machine.h"
#include "hw/pci.h"
#include "i18n.h"
#include "le.h"
#include "vm/bus.h"

#define IDETIM_PRIMARY 0x40
#define IDETIM_SECONDARY 0x42
#define IDETIM_DECODE_ENABLE 0x8000
#define SIDETIM 0x44
#define BM_REGS_SIZE 16
/* Per channel, at 0 and 8: BMICX (command), BMISX (status), BMIDTPX (PRD pointer, 4 bytes). */
#define BMIC 0
#define BMIS 2
#define BMIDTP 4
#define BMIC_START 0x01
#define BMIC_WRITABLE 0x09 /* start/stop, read/write control */
#define BMIS_ACTIVE 0x01
#define BMIS_ERROR 0x02
#define BMIS_INTERRUPT 0x04
#define BMIS_DRIVE_DMA_CAPABLE 0x60
/* A PRD table may not cross a 64 KiB boundary, which bounds how far a table without an
 * end-of-table bit is followed. */
#define PRD_TABLE_LIMIT 0x10000
#define PRD_EOT 0x80000000u
/* Where SeaBIOS puts BAR 4 on this machine (the first I/O BAR it assigns, from 0xC000). */
#define FIRMWARE_BM_BASE 0xC000
#define TASKFILE_LATCHES 5 /* command block registers 1-5 */

static const struct {
	uint16_t cmd, ctl;
	unsigned irq;
} legacy[2] = { { 0x1F0, 0x3F6, 14 }, { 0x170, 0x376, 15 } };

struct piix_ide;

struct channel {
	struct piix_ide *ide;
	unsigned index;
	struct kd_ide_bus *bus;
	struct kd_io_region *cmd_region, *ctl_region;
	bool prd_longer; /* the table of the last transfer is longer than the transfer */
	bool coalesced; /* writes to the latch registers are queued by KVM */
};

struct piix_ide {
	struct kd_device dev;
	struct kd_pci_device pci;
	struct kd_machine *machine;
	struct kd_io_region *bm_region;
	uint8_t bm[BM_REGS_SIZE];
	struct channel ch[2];
	bool firmware_less; /* direct kernel boot: the ports decode from power-on */
};

/* The legacy ports answer when I/O space is enabled and the channel's decode enable is set
 * (IDETIM bit 15), as the BIOS leaves it. */
static bool decodes(const struct channel *ch)
{
	const uint8_t *c = ch->ide->pci.config;

	return (c[PCI_COMMAND] & PCI_COMMAND_IO) &&
	       (kd_get_le16(c + IDETIM_PRIMARY + 2 * ch->index) & IDETIM_DECODE_ENABLE);
}

static uint64_t cmd_read(void *opaque, uint64_t offset, unsigned size)
{
	struct channel *ch = opaque;

	if (!decodes(ch))
		return ~0ull;
	if (offset != 0 && size > 1) { /* byte registers read one at a time */
		uint64_t v = 0;

		for (unsigned i = 0; i < size; i++)
			v |= (uint64_t)kd_ide_read(ch->bus, (unsigned)offset + i, 1) << (8 * i);
		return v;
	}
	return kd_ide_read(ch->bus, (unsigned)offset, size);
}

static void cmd_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct channel *ch = opaque;

	if (!decodes(ch))
		return;
	if (offset != 0 && size > 1) {
		for (unsigned i = 0; i < size; i++)
			kd_ide_write(ch->bus, (unsigned)offset + i, (uint8_t)(value >> (8 * i)), 1);
		return;
	}
	kd_ide_write(ch->bus, (unsigned)offset, (uint32_t)value, size);
}

static uint64_t ctl_read(void *opaque, uint64_t offset, unsigned size)
{
	struct channel *ch = opaque;

	return decodes(ch) ? kd_ide_read_altstatus(ch->bus) : 0xFF;
}

static void ctl_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct channel *ch = opaque;

	if (decodes(ch))
		kd_ide_write_control(ch->bus, (uint8_t)value);
}

static const struct kd_io_ops cmd_ops = { .read = cmd_read, .write = cmd_write };
static const struct kd_io_ops ctl_ops = { .read = ctl_read, .write = ctl_write };

/* ------------------------------------------------------------------ bus master */

static uint8_t *bm_regs(struct channel *ch)
{
	return ch->ide->bm + 8 * ch->index;
}

static bool dma_started(void *opaque)
{
	struct channel *ch = opaque;

	return bm_regs(ch)[BMIC] & BMIC_START;
}

/* Adds guest RAM [gpa, gpa + len) to the list, merging with the previous entry when the host
 * memory is contiguous. A range that spans memory slots is taken page by page. */
static bool add_iov(struct kd_vm *vm, GArray *iov, uint64_t gpa, uint64_t len)
{
	while (len) {
		uint64_t n = len;
		uint8_t *hva = kd_vm_gpa_to_hva(vm, gpa, n);

		if (!hva) {
			n = MIN(len, 4096 - (gpa & 4095));
			hva = kd_vm_gpa_to_hva(vm, gpa, n);
			if (!hva)
				return false;
		}
		if (iov->len) {
			struct iovec *last = &g_array_index(iov, struct iovec, iov->len - 1);

			if ((uint8_t *)last->iov_base + last->iov_len == hva) {
				last->iov_len += n;
				gpa += n;
				len -= n;
				continue;
			}
		}
		g_array_append_val(iov, ((struct iovec){ hva, n }));
		gpa += n;
		len -= n;
	}
	return true;
}

/* Walks the PRD table: {u32 address, u16 byte count (0 = 64 KiB), u16 flags (bit 15 EOT)}. */
static enum kd_ide_dma_map dma_map(void *opaque, uint64_t len, GArray *iov)
{
	struct channel *ch = opaque;
	struct kd_vm *vm = ch->ide->machine->vm;
	uint32_t table = kd_get_le32(bm_regs(ch) + BMIDTP) & ~3u;
	unsigned entries = (PRD_TABLE_LIMIT - (table & (PRD_TABLE_LIMIT - 1))) / 8;

	ch->prd_longer = false;
	for (unsigned i = 0; i < entries; i++) {
		uint8_t e[8];
		uint32_t addr, count, flags;
		uint64_t take;

		if (!kd_vm_read(vm, (uint64_t)table + 8 * i, e, sizeof(e)))
			return KD_IDE_DMA_FAULT;
		addr = kd_get_le32(e) & ~1u;
		count = kd_get_le16(e + 4) & 0xFFFE;
		flags = kd_get_le32(e + 4);
		if (!count)
			count = 0x10000;
		take = MIN(count, len);
		if (!add_iov(vm, iov, addr, take))
			return KD_IDE_DMA_FAULT;
		len -= take;
		if (!len) {
			ch->prd_longer = take < count || !(flags & PRD_EOT);
			return KD_IDE_DMA_MAPPED;
		}
		if (flags & PRD_EOT)
			return KD_IDE_DMA_SHORT;
	}
	return KD_IDE_DMA_SHORT;
}

/* SFF-8038i table 3: Active stays set when the table is longer than the transfer; Error
 * reports a bus fault. Interrupt follows the drive's INTRQ (set_irq). */
static void dma_finish(void *opaque, bool fault)
{
	struct channel *ch = opaque;
	uint8_t *r = bm_regs(ch);

	if (fault)
		r[BMIS] = (uint8_t)((r[BMIS] & ~BMIS_ACTIVE) | BMIS_ERROR);
	else if (!ch->prd_longer)
		r[BMIS] &= (uint8_t)~BMIS_ACTIVE;
}

static void set_irq(void *opaque, bool level)
{
	struct channel *ch = opaque;

	if (level)
		bm_regs(ch)[BMIS] |= BMIS_INTERRUPT;
	kd_vm_set_irq(ch->ide->machine->vm, legacy[ch->index].irq, 0, level);
}

static const struct kd_ide_dma_ops dma_ops = {
	.started = dma_started,
	.map = dma_map,
	.finish = dma_finish,
	.set_irq = set_irq,
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
	case BMIC: {
		struct channel *ch = &ide->ch[offset / 8];
		bool was = ide->bm[offset] & BMIC_START;

		ide->bm[offset] = v & BMIC_WRITABLE;
		if (!was && (v & BMIC_START)) {
			ide->bm[offset + BMIS] |= BMIS_ACTIVE;
			kd_ide_dma_started(ch->bus);
		} else if (was && !(v & BMIC_START)) {
			/* Stopping ends the transfer as far as the guest can see; a request
			 * already with the image completes in the background. */
			ide->bm[offset + BMIS] &= (uint8_t)~BMIS_ACTIVE;
		}
		break;
	}
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
	if (ide->firmware_less) {
		/* What the BIOS would have done: decode both channels, bus-master registers
		 * placed, I/O and bus mastering on, so that a directly booted kernel finds its
		 * disks. */
		kd_pci_set_word(ide->pci.config + IDETIM_PRIMARY, IDETIM_DECODE_ENABLE);
		kd_pci_set_word(ide->pci.config + IDETIM_SECONDARY, IDETIM_DECODE_ENABLE);
		kd_pci_device_config_write(&ide->pci, PCI_BASE_ADDRESS_0 + 4 * 4, FIRMWARE_BM_BASE,
					   4);
		kd_pci_device_config_write(&ide->pci, PCI_COMMAND,
					   PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
	}
	for (unsigned i = 0; i < 2; i++)
		kd_ide_bus_reset(ide->ch[i].bus);
}

static void ide_destroy(struct kd_device *dev)
{
	struct piix_ide *ide = (struct piix_ide *)dev;

	kd_pci_unplug(&ide->pci);
	kd_io_region_free(ide->bm_region);
	for (unsigned i = 0; i < 2; i++) {
		if (ide->ch[i].coalesced)
			kd_vm_uncoalesce_pio(ide->machine->vm, legacy[i].cmd + 1, TASKFILE_LATCHES);
		kd_io_region_free(ide->ch[i].cmd_region);
		kd_io_region_free(ide->ch[i].ctl_region);
		kd_ide_bus_free(ide->ch[i].bus);
	}
	g_free(ide);
}

/* Opens a drive's image with the checks users need before the guest sees it. */
static struct kd_block *open_image(const struct kd_drive_config *cfg, GError **err)
{
	struct kd_block_config bc = { cfg->file, cfg->readonly || cfg->cdrom, cfg->direct };
	unsigned sector = cfg->cdrom ? 2048 : 512;
	g_autoptr(GError) local = NULL;
	struct kd_block *b = kd_block_open(&bc, &local);
	uint64_t size;

	if (!b) {
		g_set_error_literal(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, local->message);
		return NULL;
	}
	size = kd_block_size(b);
	if (size == 0 || size % sector) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("%s: %s images must be a non-zero multiple of %u bytes; this one has "
			      "%" G_GUINT64_FORMAT),
			    cfg->file, cfg->cdrom ? _("CD-ROM") : _("disk"), sector, size);
		kd_block_close(b);
		return NULL;
	}
	return b;
}

static bool attach_drives(struct piix_ide *ide, const struct kd_drive_config *drives, GError **err)
{
	for (unsigned i = 0; i < KD_MAX_IDE_DRIVES; i++) {
		const struct kd_drive_config *cfg = &drives[i];
		struct kd_block *b = NULL;

		if (!cfg->present)
			continue;
		if (cfg->file && !(b = open_image(cfg, err)))
			return false;
		if (!cfg->cdrom && !b) {
			g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
				    _("IDE disk %u has no image (file=)"), i);
			return false;
		}
		kd_ide_attach(ide->ch[i / 2].bus, i % 2, cfg->cdrom ? KD_IDE_CDROM : KD_IDE_DISK,
			      b);
	}
	return true;
}

bool kd_piix_ide_create(struct kd_machine *m, const struct kd_drive_config *drives,
			bool firmware_less, GError **err)
{
	struct piix_ide *ide = g_new0(struct piix_ide, 1);

	ide->machine = m;
	ide->firmware_less = firmware_less;
	kd_pci_device_init(&ide->pci, "PIIX3 IDE", 0x8086, 0x7010, 0x00, 0x010180, 0);
	ide->pci.opaque = ide;
	for (unsigned i = IDETIM_PRIMARY; i <= SIDETIM; i++)
		ide->pci.wmask[i] = 0xFF;
	ide->bm_region = kd_io_region_new("piix-bmdma", BM_REGS_SIZE, &bm_ops, ide);
	kd_pci_device_set_bar(&ide->pci, 4, KD_PCI_BAR_IO, false, BM_REGS_SIZE, ide->bm_region);
	for (unsigned i = 0; i < 2; i++) {
		struct channel *ch = &ide->ch[i];

		ch->ide = ide;
		ch->index = i;
		ch->bus = kd_ide_bus_new(m->vm, i, &dma_ops, ch);
		ch->cmd_region = kd_io_region_new(i ? "ide1-cmd" : "ide0-cmd", 8, &cmd_ops, ch);
		ch->ctl_region = kd_io_region_new(i ? "ide1-ctl" : "ide0-ctl", 1, &ctl_ops, ch);
	}
	ide->dev.reset = ide_reset;
	ide->dev.destroy = ide_destroy;
	if (!attach_drives(ide, drives, err))
		goto fail;
	for (unsigned i = 0; i < 2; i++) {
		if (!kd_bus_map(kd_vm_pio(m->vm), ide->ch[i].cmd_region, legacy[i].cmd, err) ||
		    !kd_bus_map(kd_vm_pio(m->vm), ide->ch[i].ctl_region, legacy[i].ctl, err))
			goto fail;
		/* Features, sector count and the three LBA registers only latch values (and
		 * clear HOB, which only reads see): drivers write five of them per command, and
		 * KVM can queue those writes instead of exiting for each. */
		ide->ch[i].coalesced =
			kd_vm_coalesce_pio(m->vm, legacy[i].cmd + 1, TASKFILE_LATCHES);
	}
	if (!kd_pci_plug(m->pci, &ide->pci, PCI_DEVFN(1, 1), err))
		goto fail;
	kd_device_add(m, &ide->dev, "piix3-ide", "ide");
	ide_reset(&ide->dev);
	return true;
fail:
	kd_io_region_free(ide->bm_region);
	for (unsigned i = 0; i < 2; i++) {
		if (ide->ch[i].coalesced)
			kd_vm_uncoalesce_pio(m->vm, legacy[i].cmd + 1, TASKFILE_LATCHES);
		kd_io_region_free(ide->ch[i].cmd_region);
		kd_io_region_free(ide->ch[i].ctl_region);
		kd_ide_bus_free(ide->ch[i].bus);
	}
	g_free(ide);
	return false;
}

struct kd_ide_drive *kd_piix_ide_drive(struct kd_machine *m, unsigned index)
{
	struct piix_ide *ide = (struct piix_ide *)kd_machine_find_device(m, "ide");

	if (!ide || index >= KD_MAX_IDE_DRIVES)
		return NULL;
	return kd_ide_drive(ide->ch[index / 2].bus, index % 2);
}

static void drive_name(unsigned index, const struct kd_ide_drive *d, char *buf, size_t size)
{
	g_snprintf(buf, size, "ide%u-%s%u", index / 2,
		   kd_ide_drive_media(d) == KD_IDE_CDROM ? "cd" : "hd", index % 2);
}

struct kd_ide_drive *kd_piix_ide_find(struct kd_machine *m, const char *name)
{
	for (unsigned i = 0; i < KD_MAX_IDE_DRIVES; i++) {
		struct kd_ide_drive *d = kd_piix_ide_drive(m, i);
		char n[16];

		if (!d)
			continue;
		drive_name(i, d, n, sizeof(n));
		if (!strcmp(n, name))
			return d;
	}
	return NULL;
}

void kd_piix_ide_info_block(struct kd_machine *m, GString *out)
{
	static const char *const where[KD_MAX_IDE_DRIVES] = { "primary master", "primary slave",
							      "secondary master",
							      "secondary slave" };

	for (unsigned i = 0; i < KD_MAX_IDE_DRIVES; i++) {
		struct kd_ide_drive *d = kd_piix_ide_drive(m, i);
		struct kd_block *b;
		char n[16];

		if (!d)
			continue;
		b = kd_ide_drive_block(d);
		drive_name(i, d, n, sizeof(n));
		if (b)
			g_string_append_printf(out, "%s: %s (raw%s)\n", n, kd_block_path(b),
					       kd_block_readonly(b) ? ", read-only" : "");
		else
			g_string_append_printf(out, "%s: [not inserted]\n", n);
		g_string_append_printf(out, "    Attached to:      %s (PIIX3 IDE %s, %s)\n", n,
				       where[i], kd_ide_drive_model(d));
		if (kd_ide_drive_media(d) == KD_IDE_CDROM)
			g_string_append_printf(out, "    Removable device: %s, tray %s\n",
					       kd_ide_drive_locked(d) ? "locked" : "not locked",
					       kd_ide_drive_tray_open(d) ? "open" : "closed");
		if (b)
			g_string_append_printf(out, "    Cache mode:       %s\n",
					       kd_block_direct(b) ? "writeback, direct"
								  : "writeback");
		g_string_append(out, "\n");
	}
}

bool kd_piix_ide_change(struct kd_machine *m, const char *name, const char *file, GError **err)
{
	struct kd_ide_drive *d = kd_piix_ide_find(m, name);
	struct kd_drive_config cfg = {
		.present = true, .cdrom = true, .file = file, .readonly = true
	};
	struct kd_block *b;

	if (!d) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, _("Device '%s' not found"), name);
		return false;
	}
	if (kd_ide_drive_media(d) != KD_IDE_CDROM) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("Device '%s' is a hard disk; only CD-ROM media can change"), name);
		return false;
	}
	b = open_image(&cfg, err);
	return b && kd_ide_drive_change(d, b, err);
}
