/*
 * Cirrus Logic CL-GD5446 PCI VGA (1013:00b8) with 4 MiB of video memory, the display of the
 * machine (ARCHITECTURE.md), at 00:02.0 by default. Around the VGA core (vga.c): the extended
 * sequencer/graphics/CRTC registers the VGA BIOS (Debian's SeaBIOS vgabios-cirrus.bin, the
 * device's option ROM) and Linux's cirrus driver program, the hidden DAC register, banked
 * access through 0xA0000, the linear framebuffer (BAR 0) and register MMIO (BAR 1), the
 * hardware cursor and the BitBLT engine (cirrus-blt.c).
 *
 * The framebuffer is guest-mapped memory with KVM's dirty log, so drawing costs no exits and
 * a refresh reads only the pages that changed; it falls back to trapped access while a BitBLT
 * takes its source from the CPU.
 */
#include "config.h"

#include "hw/cirrus.h"

#include <string.h>
#include <sys/mman.h>

#include "hw/cirrus-blt.h"
#include "hw/display.h"
#include "hw/machine.h"
#include "hw/pci-rom.h"
#include "hw/pci.h"
#include "hw/vga.h"
#include "i18n.h"
#include "vm/bus.h"

#define VRAM_SIZE (4u * 1024 * 1024)
#define BAR0_SIZE (32u * 1024 * 1024)
#define BAR1_SIZE 4096u
/* BAR 0: the framebuffer at 0, the BitBLT source aperture from 16 MiB (writes there feed a
 * system-memory BLT, as the chip's "BitBLT memory" range does). */
#define BLT_APERTURE 0x1000000u
#define VGABIOS_PATH "/usr/share/seabios/vgabios-cirrus.bin"

#define SR_UNLOCK 0x06
#define SR_EXT_MODE 0x07 /* bit 0: extended (packed) modes; bits 1-3: depth */
#define SR_MEM_CONFIG 0x0F
#define SR_CURSOR_ATTR 0x12
#define SR_CURSOR_PATTERN 0x13
#define SR_CONFIG 0x17
#define GR_BANK0 0x09
#define GR_BANK1 0x0A
#define GR_EXT_MODE 0x0B
#define GR_BLT_STATUS 0x31
#define GR_BLT_DST_HI 0x2A
#define CR_CHIP_ID 0x27
#define CHIP_ID_GD5446 0xB8
/* SR0F: 4 MiB (bits 3-4 = 3 and bit 7), what SeaBIOS's VGA BIOS decodes the size from. */
#define SR0F_4MIB 0x98
#define SR17_PCI 0x20

struct cirrus {
	struct kd_device dev;
	struct kd_pci_device pci;
	struct kd_vga vga;
	struct kd_machine *m;
	uint8_t *vram;
	GBytes *rom;
	struct kd_pci_rom *rom_map;
	struct kd_io_region *mmio; /* BAR 1 */
	struct kd_io_region *lfb; /* BAR 0 when trapped (and the BLT aperture) */
	uint64_t lfb_address; /* KD_PCI_BAR_UNMAPPED when not */
	int lfb_slot;
	/* Direct mappings of the legacy window (Cirrus banks, or chain-4 mode 13h). */
	int win_slot[2];
	uint32_t win_offset[2], win_size[2];
	unsigned long *dirty_log;
	uint8_t hidden_dac;
	unsigned hidden_dac_reads;
	uint8_t gr00, gr01; /* all 8 bits of GR00/GR01: BLT colours */
	uint8_t cursor_dac[2 * 3]; /* SR12 bit 1 exposes them as DAC entries 0x00 and 0x0F */
	struct kd_cirrus_blt *blt;
	struct kd_display *display;
	const char *name;
};

static bool extended_mode(const struct cirrus *s)
{
	return s->vga.sr[SR_EXT_MODE] & 0x01;
}

/* ------------------------------------------------------------------ memory mappings */
static uint32_t bank_base(const struct cirrus *s, unsigned bank)
{
	const uint8_t *gr = s->vga.gr;
	unsigned shift = gr[GR_EXT_MODE] & 0x20 ? 14 : 12;
	uint32_t reg = bank == 0 || !(gr[GR_EXT_MODE] & 0x01) ? gr[GR_BANK0] : gr[GR_BANK1];
	uint32_t base = reg << shift;

	/* Single-bank mode: the second 32 KiB continue the first bank. */
	if (bank == 1 && !(gr[GR_EXT_MODE] & 0x01))
		base += 0x8000;
	return base & (VRAM_SIZE - 1);
}

/* Plain byte access (no planes, no extended write modes, no BLT feeding): the memory can be
 * the guest's own mapping. */
static bool direct_access_ok(const struct cirrus *s)
{
	return !kd_cirrus_blt_waiting(s->blt) && !(s->vga.gr[GR_EXT_MODE] & 0x06) &&
	       (s->vga.gr[0x05] & 0x07) == 0;
}

static void unmap_slot(struct cirrus *s, int *slot)
{
	if (*slot >= 0) {
		/* The guest wrote through it until now: keep what the log holds. */
		kd_vga_mark_dirty(&s->vga, 0, VRAM_SIZE);
		kd_vm_unmap_memory(s->m->vm, *slot);
		*slot = -1;
	}
}

/* What the legacy window shows as plain memory: 32 KiB per Cirrus bank in packed modes, or
 * the chain-4 plane layout (mode 13h), which is video memory byte for byte. Every other mode
 * needs the core's planar logic and traps. */
static unsigned window_layout(const struct cirrus *s, uint32_t offset[2], uint32_t size[2])
{
	const uint8_t *gr = s->vga.gr, *sr = s->vga.sr;
	unsigned map = (gr[0x06] >> 2) & 3;

	if (!direct_access_ok(s))
		return 0;
	if (extended_mode(s)) {
		if (map != 1 || !(gr[0x06] & 0x01))
			return 0;
		for (unsigned b = 0; b < 2; b++) {
			offset[b] = bank_base(s, b);
			size[b] = offset[b] + 0x8000 <= VRAM_SIZE ? 0x8000 : 0;
		}
		return 2;
	}
	if ((sr[0x04] & 0x08) && (sr[0x02] & 0x0F) == 0x0F && map <= 1) {
		offset[0] = 0;
		size[0] = map == 0 ? 0x20000 : 0x10000;
		return 1;
	}
	return 0;
}

static void update_mappings(struct cirrus *s)
{
	bool direct = direct_access_ok(s);
	bool lfb = direct && s->lfb_address != KD_PCI_BAR_UNMAPPED;
	uint32_t offset[2] = { 0, 0 }, size[2] = { 0, 0 };
	unsigned n = window_layout(s, offset, size);

	if (!lfb)
		unmap_slot(s, &s->lfb_slot);
	else if (s->lfb_slot < 0)
		s->lfb_slot = kd_vm_map_memory_flags(s->m->vm, s->lfb_address, VRAM_SIZE, s->vram,
						     KD_VM_MEM_LOG_DIRTY, NULL);
	for (unsigned w = 0; w < 2; w++) {
		bool want = w < n && size[w];

		if (s->win_slot[w] >= 0 &&
		    (!want || offset[w] != s->win_offset[w] || size[w] != s->win_size[w]))
			unmap_slot(s, &s->win_slot[w]);
		if (want && s->win_slot[w] < 0) {
			s->win_slot[w] = kd_vm_map_memory_flags(s->m->vm, 0xA0000 + 0x8000 * w,
								size[w], s->vram + offset[w],
								KD_VM_MEM_LOG_DIRTY, NULL);
			s->win_offset[w] = offset[w];
			s->win_size[w] = size[w];
		}
	}
}

static void fold_log(struct cirrus *s, int slot, uint32_t vram_offset, uint32_t size)
{
	unsigned pages = size / 4096;

	if (slot < 0)
		return;
	memset(s->dirty_log, 0, (VRAM_SIZE / 4096 / 8));
	if (!kd_vm_get_dirty_log(s->m->vm, slot, s->dirty_log)) {
		kd_vga_mark_dirty(&s->vga, vram_offset, size);
		return;
	}
	for (unsigned p = 0; p < pages; p++)
		if (s->dirty_log[p / (8 * sizeof(unsigned long))] &
		    (1ul << (p % (8 * sizeof(unsigned long)))))
			kd_vga_mark_dirty(&s->vga, vram_offset + p * 4096, 4096);
}

static void sync_dirty(void *opaque)
{
	struct cirrus *s = opaque;
	uint32_t offset, length;

	fold_log(s, s->lfb_slot, 0, VRAM_SIZE);
	for (unsigned w = 0; w < 2; w++)
		fold_log(s, s->win_slot[w], s->win_offset[w], s->win_size[w]);
	if (kd_cirrus_blt_take_dirty(s->blt, &offset, &length)) {
		if (offset + length > VRAM_SIZE) {
			kd_vga_mark_dirty(&s->vga, offset, VRAM_SIZE - offset);
			kd_vga_mark_dirty(&s->vga, 0, offset + length - VRAM_SIZE);
		} else {
			kd_vga_mark_dirty(&s->vga, offset, length);
		}
	}
}

/* ------------------------------------------------------------------ BitBLT */
static void blt_start(struct cirrus *s)
{
	struct kd_cirrus_blt_regs regs;

	kd_cirrus_blt_regs_from_gr(&regs, s->vga.gr, s->gr00, s->gr01);
	kd_cirrus_blt_start(s->blt, &regs, s->vram, VRAM_SIZE);
	/* A BLT fed by the CPU needs every framebuffer write to reach it. */
	update_mappings(s);
}

static void blt_feed(struct cirrus *s, uint8_t value)
{
	kd_cirrus_blt_feed(s->blt, &value, 1);
	if (!kd_cirrus_blt_waiting(s->blt))
		update_mappings(s);
}

static void gr31_write(struct cirrus *s, uint8_t value)
{
	uint8_t old = s->vga.gr[GR_BLT_STATUS];

	s->vga.gr[GR_BLT_STATUS] = value & (KD_CIRRUS_BLT_RESET | KD_CIRRUS_BLT_AUTOSTART);
	if ((old & KD_CIRRUS_BLT_RESET) && !(value & KD_CIRRUS_BLT_RESET)) {
		kd_cirrus_blt_reset(s->blt);
		update_mappings(s);
	} else if ((value & KD_CIRRUS_BLT_START) && !(value & KD_CIRRUS_BLT_RESET)) {
		blt_start(s);
	}
}

/* ------------------------------------------------------------------ registers */
static bool ext_reg_read(void *opaque, enum kd_vga_reg_kind kind, uint8_t index, uint8_t *value)
{
	struct cirrus *s = opaque;

	switch (kind) {
	case KD_VGA_SR:
		if (index == SR_UNLOCK) {
			*value = s->vga.sr[SR_UNLOCK];
			return true;
		}
		if (index < 0x07)
			return false;
		/* SR10/SR11 (cursor position) answer at 0x10 | x << 5 too. */
		if ((index & 0x1F) == 0x10 || (index & 0x1F) == 0x11)
			index &= 0x1F;
		*value = index <= 0x1F ? s->vga.sr[index] : 0xFF;
		return true;
	case KD_VGA_GR:
		if (index == 0x00 || index == 0x01) {
			*value = index ? s->gr01 : s->gr00;
			return true;
		}
		if (index < 0x09)
			return false;
		if (index == GR_BLT_STATUS) {
			*value = s->vga.gr[index] | kd_cirrus_blt_status(s->blt);
			return true;
		}
		*value = index <= 0x3F ? s->vga.gr[index] : 0xFF;
		return true;
	case KD_VGA_CR:
		if (index <= 0x18)
			return false;
		if (index == CR_CHIP_ID)
			*value = CHIP_ID_GD5446;
		else if (index == 0x26)
			*value = s->vga.ar_index & 0x3F;
		else
			*value = index <= 0x3F ? s->vga.cr[index] : 0xFF;
		return true;
	}
	return false;
}

static bool ext_reg_write(void *opaque, enum kd_vga_reg_kind kind, uint8_t index, uint8_t value)
{
	struct cirrus *s = opaque;

	switch (kind) {
	case KD_VGA_SR:
		if (index == SR_UNLOCK) {
			s->vga.sr[SR_UNLOCK] = (value & 0x17) == 0x12 ? 0x12 : 0x0F;
			return true;
		}
		if (index == 0x02 || index == 0x04) {
			/* Map mask and memory mode decide whether the window can be plain memory. */
			s->vga.sr[index] = value & (index == 0x02 ? 0x0F : 0x0E);
			update_mappings(s);
			return true;
		}
		if (index < 0x07)
			return false;
		/* The key in SR06 is not enforced, as QEMU's model does not: Linux's cirrus
		 * driver programs SR07 without unlocking, trusting the BIOS to have done it. */
		if ((index & 0x1F) == 0x10 || (index & 0x1F) == 0x11) {
			/* The cursor's low position bits ride in the index. */
			s->vga.sr[index & 0x1F] = value;
			s->vga.sr[(index & 0x1F) + 0x20] = index >> 5;
			return true;
		}
		if (index == SR_MEM_CONFIG)
			s->vga.sr[index] = (uint8_t)((value & 0x07) | SR0F_4MIB);
		else if (index == SR_CONFIG)
			s->vga.sr[index] = (uint8_t)((value & ~0x38) | SR17_PCI);
		else if (index <= 0x1F)
			s->vga.sr[index] = value;
		if (index == SR_EXT_MODE)
			update_mappings(s);
		return true;
	case KD_VGA_GR:
		if (index == 0x00 || index == 0x01) {
			/* Set/reset keeps 4 bits; the BLT colours use all 8. */
			if (index)
				s->gr01 = value;
			else
				s->gr00 = value;
			return false;
		}
		if (index == 0x05 || index == 0x06) {
			s->vga.gr[index] = index == 0x05 ? value & 0x7F : value & 0x0F;
			update_mappings(s);
			return true;
		}
		if (index < 0x09 || index > 0x3F)
			return index > 0x3F;
		if (index == GR_BLT_STATUS) {
			gr31_write(s, value);
			return true;
		}
		s->vga.gr[index] = value;
		if (index == GR_BANK0 || index == GR_BANK1 || index == GR_EXT_MODE)
			update_mappings(s);
		if (index == GR_BLT_DST_HI && (s->vga.gr[GR_BLT_STATUS] & KD_CIRRUS_BLT_AUTOSTART))
			blt_start(s);
		return true;
	case KD_VGA_CR:
		if (index <= 0x18)
			return false;
		if (index != CR_CHIP_ID && index <= 0x3F)
			s->vga.cr[index] = value;
		return true;
	}
	return false;
}

/* The hidden DAC register (HDR): four reads of 0x3C6 in a row open it for one access. */
static bool ext_port_read(void *opaque, uint16_t port, uint8_t *value)
{
	struct cirrus *s = opaque;

	if (port != 0x3C6) {
		s->hidden_dac_reads = 0;
		return false;
	}
	if (s->hidden_dac_reads == 4) {
		s->hidden_dac_reads = 0;
		*value = s->hidden_dac;
		return true;
	}
	s->hidden_dac_reads++;
	*value = s->vga.dac_mask;
	return true;
}

static bool ext_port_write(void *opaque, uint16_t port, uint8_t value)
{
	struct cirrus *s = opaque;

	if (port == 0x3C6 && s->hidden_dac_reads == 4) {
		s->hidden_dac = value;
		s->hidden_dac_reads = 0;
		s->vga.regs_changed = true;
		return true;
	}
	s->hidden_dac_reads = 0;
	/* SR12 bit 1 swaps the cursor colours in for DAC entries 0x00 and 0x0F. */
	if (port == 0x3C9 && (s->vga.sr[SR_CURSOR_ATTR] & 0x02)) {
		unsigned index = s->vga.dac_write_index, c = s->vga.dac_component;

		if (index == 0x00 || index == 0x0F) {
			s->cursor_dac[(index ? 3 : 0) + c] = value & 0x3F;
			if (++s->vga.dac_component == 3) {
				s->vga.dac_component = 0;
				s->vga.dac_write_index++;
			}
			s->vga.regs_changed = true;
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------------ legacy window */
static bool window_vram_offset(struct cirrus *s, uint32_t offset, uint32_t *out)
{
	uint32_t bank = offset >> 15;

	if (offset >= 0x10000)
		return false;
	*out = (bank_base(s, bank) + (offset & 0x7FFF)) & (VRAM_SIZE - 1);
	return true;
}

static bool ext_window_read(void *opaque, uint32_t offset, uint8_t *value)
{
	struct cirrus *s = opaque;
	uint32_t o;

	if (!extended_mode(s))
		return false;
	*value = window_vram_offset(s, offset, &o) ? s->vram[o] : 0xFF;
	return true;
}

static bool ext_window_write(void *opaque, uint32_t offset, uint8_t value)
{
	struct cirrus *s = opaque;
	uint32_t o;

	if (kd_cirrus_blt_waiting(s->blt) && offset < 0x10000) {
		blt_feed(s, value);
		return true;
	}
	if (!extended_mode(s))
		return false;
	if (window_vram_offset(s, offset, &o)) {
		s->vram[o] = value;
		kd_vga_mark_dirty(&s->vga, o, 1);
	}
	return true;
}

/* ------------------------------------------------------------------ rendering */
static bool ext_linear_mode(void *opaque, struct kd_vga_linear_mode *mode)
{
	struct cirrus *s = opaque;
	const uint8_t *cr = s->vga.cr;
	unsigned depth;

	if (!extended_mode(s))
		return false;
	switch (s->vga.sr[SR_EXT_MODE] & 0x0E) {
	case 0x00:
		depth = 8;
		break;
	case 0x02:
	case 0x06:
		/* The hidden DAC register tells 5-5-5 from 5-6-5. */
		depth = (s->hidden_dac & 0xCF) == 0xC1 ? 16 : 15;
		if ((s->hidden_dac & 0xCF) != 0xC0 && (s->hidden_dac & 0xCF) != 0xC1)
			depth = 16;
		break;
	case 0x04:
		depth = 24;
		break;
	case 0x08:
		depth = 32;
		break;
	default:
		depth = 8;
		break;
	}
	mode->bpp = depth;
	mode->width = (cr[0x01] + 1u) * 8;
	mode->height = (cr[0x12] | ((cr[0x07] & 0x02u) << 7) | ((cr[0x07] & 0x40u) << 3)) + 1u;
	if (cr[0x1A] & 0x01)
		mode->height *= 2; /* interlaced */
	mode->pitch = (cr[0x13] | ((cr[0x1B] & 0x10u) << 4)) * 8u;
	mode->start = ((uint32_t)cr[0x0C] << 8 | cr[0x0D] | (cr[0x1B] & 0x01u) << 16 |
		       (cr[0x1B] & 0x0Cu) << 15 | (cr[0x1D] & 0x80u) << 12) *
		      4u;
	return true;
}

/* The hardware cursor (SR12 bit 0): 32x32 or 64x64 two-plane patterns at the end of video
 * memory. Plane bits (0,0) transparent, (1,0) inverts, (0,1) background, (1,1) foreground. */
static void ext_overlay(void *opaque, struct kd_display_frame *f)
{
	struct cirrus *s = opaque;
	const uint8_t *sr = s->vga.sr;
	bool big = sr[SR_CURSOR_ATTR] & 0x04;
	unsigned size = big ? 64 : 32, stride = size / 8;
	uint32_t pattern = big ? VRAM_SIZE - 16384 + (sr[SR_CURSOR_PATTERN] & 0x3Cu) * 256
			       : VRAM_SIZE - 16384 + (sr[SR_CURSOR_PATTERN] & 0x3Fu) * 256;
	unsigned cx = (unsigned)sr[0x10] << 3 | (sr[0x30] & 7u);
	unsigned cy = (unsigned)sr[0x11] << 3 | (sr[0x31] & 7u);

	if (!(sr[SR_CURSOR_ATTR] & 0x01))
		return;
	for (unsigned y = 0; y < size && cy + y < f->height; y++) {
		for (unsigned x = 0; x < size && cx + x < f->width; x++) {
			uint32_t i = pattern + y * stride + x / 8;
			unsigned bit = 7 - (x & 7);
			unsigned p0 = (s->vram[i & (VRAM_SIZE - 1)] >> bit) & 1;
			unsigned p1 = (s->vram[(i + size * stride) & (VRAM_SIZE - 1)] >> bit) & 1;
			uint32_t *px = &f->pixels[(size_t)(cy + y) * f->width + cx + x];

			if (p0 && !p1)
				*px ^= 0xFFFFFF;
			else if (p1)
				*px = kd_vga_rgb6(&s->cursor_dac[p0 * 3]);
		}
	}
	kd_display_frame_damage(f, cx, cy, size, size);
	/* The next refresh draws these lines again from memory, so a cursor that moved or
	 * vanished leaves nothing behind. */
	{
		struct kd_vga_linear_mode lin;

		if (ext_linear_mode(s, &lin))
			for (unsigned y = cy; y < cy + size && y < f->height; y++)
				kd_vga_mark_dirty(&s->vga,
						  (lin.start + y * lin.pitch) & (VRAM_SIZE - 1), 1);
	}
}

static const struct kd_vga_ext_ops cirrus_ext_ops = {
	.reg_read = ext_reg_read,
	.reg_write = ext_reg_write,
	.port_read = ext_port_read,
	.port_write = ext_port_write,
	.window_read = ext_window_read,
	.window_write = ext_window_write,
	.linear_mode = ext_linear_mode,
	.sync_dirty = sync_dirty,
	.overlay = ext_overlay,
};

/* ------------------------------------------------------------------ PCI BARs */
static uint64_t lfb_read(void *opaque, uint64_t offset, unsigned size)
{
	struct cirrus *s = opaque;
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)(offset + i < VRAM_SIZE ? s->vram[offset + i] : 0xFF) << (8 * i);
	return v;
}

static void lfb_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct cirrus *s = opaque;

	uint8_t bytes[8];

	for (unsigned i = 0; i < size; i++)
		bytes[i] = (uint8_t)(value >> (8 * i));
	/* While a BLT takes its source from the CPU, writes anywhere in the BAR (the framebuffer
	 * is unmapped from the guest then, or the BLT aperture) are that source. */
	if (kd_cirrus_blt_waiting(s->blt)) {
		kd_cirrus_blt_feed(s->blt, bytes, size);
		if (!kd_cirrus_blt_waiting(s->blt))
			update_mappings(s);
		return;
	}
	if (offset >= VRAM_SIZE)
		return;
	size = (unsigned)MIN(size, VRAM_SIZE - offset);
	memcpy(&s->vram[offset], bytes, size);
	kd_vga_mark_dirty(&s->vga, (uint32_t)offset, size);
}

static const struct kd_io_ops lfb_ops = { .read = lfb_read, .write = lfb_write };

static void bar0_map(struct kd_pci_device *dev, int bar, uint64_t address)
{
	struct cirrus *s = dev->opaque;

	(void)bar;
	unmap_slot(s, &s->lfb_slot);
	if (s->lfb->bus)
		kd_bus_unmap(s->lfb);
	s->lfb_address = address;
	if (!kd_bus_map(kd_vm_mmio(s->m->vm), s->lfb, address, NULL))
		s->lfb_address = KD_PCI_BAR_UNMAPPED;
	update_mappings(s);
}

static void bar0_unmap(struct kd_pci_device *dev, int bar)
{
	struct cirrus *s = dev->opaque;

	(void)bar;
	unmap_slot(s, &s->lfb_slot);
	if (s->lfb->bus)
		kd_bus_unmap(s->lfb);
	s->lfb_address = KD_PCI_BAR_UNMAPPED;
}

/* BAR 1: the VGA registers at 0x3C0 + offset, the BitBLT registers from 0x100 (GR indices as
 * CL-GD5446 TRM's memory-mapped I/O table lists them). */
static int blt_mmio_gr(unsigned offset)
{
	static const int8_t gr[0x41] = {
		[0x00] = 0x00, [0x01] = 0x10, [0x02] = 0x12, [0x03] = 0x14, [0x04] = 0x01,
		[0x05] = 0x11, [0x06] = 0x13, [0x07] = 0x15, [0x08] = 0x20, [0x09] = 0x21,
		[0x0A] = 0x22, [0x0B] = 0x23, [0x0C] = 0x24, [0x0D] = 0x25, [0x0E] = 0x26,
		[0x0F] = 0x27, [0x10] = 0x28, [0x11] = 0x29, [0x12] = 0x2A, [0x13] = -1,
		[0x14] = 0x2C, [0x15] = 0x2D, [0x16] = 0x2E, [0x17] = 0x2F, [0x18] = 0x30,
		[0x19] = -1,   [0x1A] = 0x32, [0x1B] = 0x33, [0x1C] = 0x34, [0x1D] = 0x35,
		[0x1E] = -1,   [0x1F] = -1,   [0x20] = 0x38, [0x21] = 0x39, [0x40] = 0x31,
	};

	if (offset > 0x40 || (offset >= 0x22 && offset < 0x40) || gr[offset] < 0)
		return -1;
	return gr[offset];
}

static uint8_t mmio_read8(struct cirrus *s, unsigned offset)
{
	int index;
	uint8_t v = 0xFF;

	if (offset < 0x100)
		return kd_vga_port_read(&s->vga, (uint16_t)(0x3C0 + (offset & 0x1F)));
	index = blt_mmio_gr(offset - 0x100);
	if (index >= 0)
		ext_reg_read(s, KD_VGA_GR, (uint8_t)index, &v);
	return v;
}

static void mmio_write8(struct cirrus *s, unsigned offset, uint8_t value)
{
	int index;

	if (offset < 0x100) {
		if (offset < 0x20)
			kd_vga_port_write(&s->vga, (uint16_t)(0x3C0 + offset), value);
		return;
	}
	index = blt_mmio_gr(offset - 0x100);
	if (index < 0)
		return;
	ext_reg_write(s, KD_VGA_GR, (uint8_t)index, value);
	/* GR00/GR01 keep all 8 bits for the BLT there; set/reset keeps its 4 as the core would. */
	if (index <= 0x01)
		s->vga.gr[index] = value & 0x0F;
}

static uint64_t mmio_read(void *opaque, uint64_t offset, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)mmio_read8(opaque, (unsigned)(offset + i)) << (8 * i);
	return v;
}

static void mmio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		mmio_write8(opaque, (unsigned)(offset + i), (uint8_t)(value >> (8 * i)));
}

static const struct kd_io_ops mmio_ops = { .read = mmio_read, .write = mmio_write };

/* ------------------------------------------------------------------ device */
static void cirrus_reset_regs(struct cirrus *s)
{
	kd_vga_reset(&s->vga);
	kd_cirrus_blt_reset(s->blt);
	s->vga.sr[SR_UNLOCK] = 0x0F;
	s->vga.sr[SR_MEM_CONFIG] = SR0F_4MIB;
	s->vga.sr[SR_CONFIG] = SR17_PCI;
	s->vga.sr[0x1F] = 0x22; /* memory clock */
	s->hidden_dac = 0;
	s->hidden_dac_reads = 0;
	s->gr00 = s->gr01 = 0;
	memset(s->cursor_dac, 0, sizeof(s->cursor_dac));
	update_mappings(s);
}

static void cirrus_reset(struct kd_device *dev)
{
	struct cirrus *s = (struct cirrus *)dev;

	kd_pci_device_reset(&s->pci);
	cirrus_reset_regs(s);
}

static void display_update(void *opaque, struct kd_display_frame *frame, bool full)
{
	struct cirrus *s = opaque;

	kd_vga_update(&s->vga, frame, full);
}

static void display_describe(void *opaque, const struct kd_display_frame *frame, GString *out)
{
	struct cirrus *s = opaque;

	g_string_append_printf(out, _("display: %s at 00:%02x.0 (Cirrus GD5446, %u MiB)\n"),
			       s->name, PCI_SLOT(s->pci.devfn), VRAM_SIZE >> 20);
	kd_vga_describe(&s->vga, frame, out);
}

static const struct kd_display_ops display_ops = {
	.update = display_update,
	.describe = display_describe,
};

static void cirrus_info(struct kd_device *dev, GString *out)
{
	struct cirrus *s = (struct cirrus *)dev;

	g_string_append_printf(out, "  cirrus-vga: 00:%02x.0, %u MiB, %s\n", PCI_SLOT(s->pci.devfn),
			       VRAM_SIZE >> 20, extended_mode(s) ? "extended mode" : "VGA mode");
}

static void cirrus_destroy(struct kd_device *dev)
{
	struct cirrus *s = (struct cirrus *)dev;

	if (s->m->display == s->display)
		s->m->display = NULL;
	kd_display_free(s->display);
	unmap_slot(s, &s->lfb_slot);
	unmap_slot(s, &s->win_slot[0]);
	unmap_slot(s, &s->win_slot[1]);
	if (s->pci.bus)
		kd_pci_unplug(&s->pci);
	kd_vga_cleanup(&s->vga);
	kd_io_region_free(s->lfb);
	kd_io_region_free(s->mmio);
	kd_pci_rom_free(s->rom_map);
	if (s->rom)
		g_bytes_unref(s->rom);
	kd_cirrus_blt_free(s->blt);
	g_free(s->dirty_log);
	if (s->vram)
		munmap(s->vram, VRAM_SIZE);
	g_free(s);
}

struct kd_display *kd_cirrus_create(struct kd_machine *m, const char *romfile, GError **err)
{
	struct cirrus *s = g_new0(struct cirrus, 1);

	s->m = m;
	s->name = "cirrus-vga";
	s->lfb_slot = s->win_slot[0] = s->win_slot[1] = -1;
	s->lfb_address = KD_PCI_BAR_UNMAPPED;
	s->blt = kd_cirrus_blt_new();
	s->dirty_log = g_new0(unsigned long, VRAM_SIZE / 4096 / (8 * sizeof(unsigned long)) + 1);
	/* Page-aligned and its own mapping: KVM maps it into the guest. */
	s->vram = mmap(NULL, VRAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->vram == MAP_FAILED) {
		s->vram = NULL;
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_MEMORY,
			    _("cannot allocate the display's video memory"));
		goto fail;
	}
	if (!kd_vga_init(&s->vga, m, s->vram, VRAM_SIZE, &cirrus_ext_ops, s, err))
		goto fail;
	kd_pci_device_init(&s->pci, "Cirrus GD5446", 0x1013, 0x00B8, 0x00, 0x030000, 0);
	s->pci.opaque = s;
	s->lfb = kd_io_region_new("cirrus-lfb", BAR0_SIZE, &lfb_ops, s);
	kd_pci_device_set_bar(&s->pci, 0, KD_PCI_BAR_MEM32, true, BAR0_SIZE, NULL);
	s->pci.bars[0].map = bar0_map;
	s->pci.bars[0].unmap = bar0_unmap;
	s->mmio = kd_io_region_new("cirrus-mmio", BAR1_SIZE, &mmio_ops, s);
	kd_pci_device_set_bar(&s->pci, 1, KD_PCI_BAR_MEM32, false, BAR1_SIZE, s->mmio);
	if (!romfile || *romfile) {
		s->rom = kd_pci_rom_load(romfile ? romfile : VGABIOS_PATH, err);
		if (!s->rom) {
			g_prefix_error(err, _("the Cirrus VGA BIOS (package seabios): "));
			goto fail;
		}
		s->rom_map = kd_pci_rom_attach(m->vm, &s->pci, "cirrus-rom", s->rom);
	}
	if (!kd_pci_plug(m->pci, &s->pci, PCI_DEVFN(2, 0), err))
		goto fail;
	s->dev.reset = cirrus_reset;
	s->dev.info = cirrus_info;
	s->dev.destroy = cirrus_destroy;
	cirrus_reset_regs(s);
	s->display = kd_display_new(m->vm, s->name, &display_ops, s);
	m->display = s->display;
	kd_device_add(m, &s->dev, "cirrus-vga", "vga");
	return s->display;
fail:
	cirrus_destroy(&s->dev);
	return NULL;
}
