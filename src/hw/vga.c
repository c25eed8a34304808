/*
 * The VGA core (vga.h): registers, the legacy memory window and the rendering of standard
 * modes. Register semantics follow the IBM VGA Technical Reference as FreeVGA documents it.
 */
#include "config.h"

#include "hw/vga.h"

#include <string.h>

#include "hw/display.h"
#include "hw/machine.h"
#include "i18n.h"
#include "vm/bus.h"

#define VGA_PAGE_SHIFT 12
#define BITS_PER_WORD (8 * sizeof(unsigned long))

/* Sequencer */
#define SR_CLOCKING 0x01
#define SR_MAP_MASK 0x02
#define SR_CHAR_MAP 0x03
#define SR_MEMORY_MODE 0x04
#define SR01_8DOT 0x01
#define SR01_DOT_CLOCK_HALF 0x08
#define SR01_SCREEN_OFF 0x20
#define SR04_ODD_EVEN_OFF 0x04
#define SR04_CHAIN4 0x08
/* Graphics controller */
#define GR_SET_RESET 0x00
#define GR_ENABLE_SET_RESET 0x01
#define GR_COLOR_COMPARE 0x02
#define GR_ROTATE 0x03
#define GR_READ_MAP 0x04
#define GR_MODE 0x05
#define GR_MISC 0x06
#define GR_COLOR_DONT_CARE 0x07
#define GR_BIT_MASK 0x08
#define GR05_READ_MODE1 0x08
#define GR05_ODD_EVEN 0x10
#define GR05_256 0x40
#define GR06_GRAPHICS 0x01
/* CRTC */
#define CR_HDISP_END 0x01
#define CR_OVERFLOW 0x07
#define CR_MAX_SCAN 0x09
#define CR_CURSOR_START 0x0A
#define CR_CURSOR_END 0x0B
#define CR_START_HI 0x0C
#define CR_START_LO 0x0D
#define CR_CURSOR_HI 0x0E
#define CR_CURSOR_LO 0x0F
#define CR_VDISP_END 0x12
#define CR_OFFSET 0x13
#define CR_UNDERLINE 0x14
#define CR_MODE 0x17
#define CR14_DWORD 0x40
#define CR17_BYTE_MODE 0x40
/* Attribute controller */
#define AR_MODE 0x10
#define AR_PLANE_ENABLE 0x12
#define AR_COLOR_SELECT 0x14
#define AR_PAS 0x20 /* palette address source: 0 blanks the screen while it is programmed */
#define AR10_GRAPHICS 0x01
#define AR10_LINE_GRAPHICS 0x04
#define AR10_BLINK 0x08
#define AR10_8BIT 0x40
#define AR10_P54S 0x80

/* Registers that exist, and the bits of them that do (a read gives what was written). */
static const uint8_t sr_mask[8] = { 0x03, 0x3D, 0x0F, 0x3F, 0x0E, 0x00, 0x00, 0x00 };
static const uint8_t gr_mask[16] = { 0x0F, 0x0F, 0x0F, 0x1F, 0x03, 0x7B, 0x0F, 0x0F, 0xFF };

static void set_dirty_all(struct kd_vga *vga)
{
	memset(vga->dirty, 0xFF, vga->dirty_words * sizeof(unsigned long));
}

void kd_vga_mark_dirty(struct kd_vga *vga, uint32_t offset, uint32_t len)
{
	uint32_t first, last;

	if (len == 0 || offset >= vga->vram_size)
		return;
	len = MIN(len, vga->vram_size - offset);
	first = offset >> VGA_PAGE_SHIFT;
	last = (offset + len - 1) >> VGA_PAGE_SHIFT;
	for (uint32_t p = first; p <= last; p++)
		vga->dirty[p / BITS_PER_WORD] |= 1ul << (p % BITS_PER_WORD);
}

bool kd_vga_range_dirty(const struct kd_vga *vga, uint32_t offset, uint32_t len)
{
	uint32_t first, last;

	if (len == 0)
		return false;
	if (len >= vga->vram_size)
		return true;
	/* Ranges may wrap around the end of video memory, as the address counter does. */
	first = (offset & vga->vram_mask) >> VGA_PAGE_SHIFT;
	last = ((offset + len - 1) & vga->vram_mask) >> VGA_PAGE_SHIFT;
	for (uint32_t p = first;; p = (p + 1) % (vga->vram_size >> VGA_PAGE_SHIFT)) {
		if (vga->dirty[p / BITS_PER_WORD] & (1ul << (p % BITS_PER_WORD)))
			return true;
		if (p == last)
			return false;
	}
}

void kd_vga_clear_dirty(struct kd_vga *vga)
{
	memset(vga->dirty, 0, vga->dirty_words * sizeof(unsigned long));
}

uint32_t kd_vga_rgb6(const uint8_t rgb6[3])
{
	uint32_t rgb = 0;

	/* 6 bits to 8 as QEMU widens them: the low bit fills the two new ones. */
	for (int i = 0; i < 3; i++) {
		uint32_t v = rgb6[i] & 0x3F;

		rgb = (rgb << 8) | (v << 2) | ((v & 1) << 1) | (v & 1);
	}
	return rgb;
}

uint32_t kd_vga_dac_rgb(const struct kd_vga *vga, unsigned index)
{
	return kd_vga_rgb6(&vga->dac[(index & 0xFF) * 3]);
}

/* ------------------------------------------------------------------ registers */
static bool color_emulation(const struct kd_vga *vga)
{
	return vga->misc & 0x01;
}

static uint8_t reg_read(struct kd_vga *vga, enum kd_vga_reg_kind kind, uint8_t index)
{
	uint8_t v;

	if (vga->ext && vga->ext->reg_read && vga->ext->reg_read(vga->ext_opaque, kind, index, &v))
		return v;
	switch (kind) {
	case KD_VGA_SR:
		return index < sizeof(sr_mask) ? vga->sr[index] : 0xFF;
	case KD_VGA_GR:
		return index < sizeof(gr_mask) ? vga->gr[index] : 0xFF;
	case KD_VGA_CR:
		return index <= 0x18 ? vga->cr[index] : 0xFF;
	}
	return 0xFF;
}

static void reg_write(struct kd_vga *vga, enum kd_vga_reg_kind kind, uint8_t index, uint8_t value)
{
	if (vga->ext && vga->ext->reg_write &&
	    vga->ext->reg_write(vga->ext_opaque, kind, index, value)) {
		vga->regs_changed = true;
		return;
	}
	switch (kind) {
	case KD_VGA_SR:
		if (index < sizeof(sr_mask))
			vga->sr[index] = value & sr_mask[index];
		break;
	case KD_VGA_GR:
		if (index < sizeof(gr_mask))
			vga->gr[index] = value & gr_mask[index];
		break;
	case KD_VGA_CR:
		if (index > 0x18)
			break;
		/* CR11 bit 7 write-protects CR00-CR07 (CR07 bit 4, line compare, excepted). */
		if ((vga->cr[0x11] & 0x80) && index <= 7) {
			if (index == CR_OVERFLOW)
				vga->cr[7] = (uint8_t)((vga->cr[7] & ~0x10) | (value & 0x10));
			break;
		}
		vga->cr[index] = value;
		break;
	}
	vga->regs_changed = true;
}

static uint8_t dac_read(struct kd_vga *vga)
{
	uint8_t v = vga->dac[vga->dac_read_index * 3 + vga->dac_component];

	if (++vga->dac_component == 3) {
		vga->dac_component = 0;
		vga->dac_read_index++;
	}
	return v;
}

static void dac_write(struct kd_vga *vga, uint8_t value)
{
	vga->dac_latch[vga->dac_component] = value & 0x3F;
	if (++vga->dac_component == 3) {
		memcpy(&vga->dac[vga->dac_write_index * 3], vga->dac_latch, 3);
		vga->dac_component = 0;
		vga->dac_write_index++;
		vga->palette_valid = false;
	}
}

uint8_t kd_vga_port_read(struct kd_vga *vga, uint16_t port)
{
	uint8_t v;

	if (vga->ext && vga->ext->port_read && vga->ext->port_read(vga->ext_opaque, port, &v))
		return v;
	/* The CRTC and status answer at 0x3Bx in monochrome and 0x3Dx in colour emulation. */
	if ((port >= 0x3B0 && port <= 0x3BF && color_emulation(vga)) ||
	    (port >= 0x3D0 && port <= 0x3DF && !color_emulation(vga)))
		return 0xFF;
	switch (port) {
	case 0x3C0:
		return vga->ar_index;
	case 0x3C1:
		return (vga->ar_index & 0x1F) < 0x15 ? vga->ar[vga->ar_index & 0x1F] : 0;
	case 0x3C2:
		/* Input status 0: the switch sense bit reads as a colour monitor. */
		return 0x10;
	case 0x3C3:
		return 1; /* video subsystem enable */
	case 0x3C4:
		return vga->sr_index;
	case 0x3C5:
		return reg_read(vga, KD_VGA_SR, vga->sr_index);
	case 0x3C6:
		return vga->dac_mask;
	case 0x3C7:
		return vga->dac_state;
	case 0x3C8:
		return vga->dac_write_index;
	case 0x3C9:
		return dac_read(vga);
	case 0x3CA:
		return vga->feature;
	case 0x3CC:
		return vga->misc;
	case 0x3CE:
		return vga->gr_index;
	case 0x3CF:
		return reg_read(vga, KD_VGA_GR, vga->gr_index);
	case 0x3B4:
	case 0x3D4:
		return vga->cr_index;
	case 0x3B5:
	case 0x3D5:
		return reg_read(vga, KD_VGA_CR, vga->cr_index);
	case 0x3BA:
	case 0x3DA:
		/* Input status 1; reading it also resets the attribute flip-flop. Display enable
		 * and vertical retrace toggle on every read: code that waits for a retrace edge
		 * sees one at once instead of spinning for a real frame time. */
		vga->ar_flip = false;
		vga->status1_toggle ^= 0x09;
		return vga->status1_toggle;
	default:
		return 0xFF;
	}
}

static void ar_write(struct kd_vga *vga, uint8_t value)
{
	if (!vga->ar_flip) {
		vga->ar_index = value & 0x3F;
	} else {
		unsigned index = vga->ar_index & 0x1F;
		static const uint8_t ar_mask[0x15] = {
			0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F,
			0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0xEF, 0xFF, 0x3F, 0x0F, 0x0F,
		};

		if (index < 0x15)
			vga->ar[index] = value & ar_mask[index];
		vga->palette_valid = false;
	}
	vga->ar_flip = !vga->ar_flip;
	vga->regs_changed = true;
}

void kd_vga_port_write(struct kd_vga *vga, uint16_t port, uint8_t value)
{
	if (vga->ext && vga->ext->port_write && vga->ext->port_write(vga->ext_opaque, port, value))
		return;
	if ((port >= 0x3B0 && port <= 0x3BF && color_emulation(vga)) ||
	    (port >= 0x3D0 && port <= 0x3DF && !color_emulation(vga)))
		return;
	switch (port) {
	case 0x3C0:
		ar_write(vga, value);
		break;
	case 0x3C2:
		vga->misc = value & 0xEF;
		vga->regs_changed = true;
		break;
	case 0x3C4:
		vga->sr_index = value;
		break;
	case 0x3C5:
		reg_write(vga, KD_VGA_SR, vga->sr_index, value);
		break;
	case 0x3C6:
		vga->dac_mask = value;
		vga->palette_valid = false;
		break;
	case 0x3C7:
		vga->dac_read_index = value;
		vga->dac_component = 0;
		vga->dac_state = 0x03;
		break;
	case 0x3C8:
		vga->dac_write_index = value;
		vga->dac_component = 0;
		vga->dac_state = 0x00;
		break;
	case 0x3C9:
		dac_write(vga, value);
		break;
	case 0x3CE:
		vga->gr_index = value;
		break;
	case 0x3CF:
		reg_write(vga, KD_VGA_GR, vga->gr_index, value);
		break;
	case 0x3B4:
	case 0x3D4:
		vga->cr_index = value;
		break;
	case 0x3B5:
	case 0x3D5:
		reg_write(vga, KD_VGA_CR, vga->cr_index, value);
		break;
	case 0x3BA:
	case 0x3DA:
		vga->feature = value & 0x03;
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------ the memory window */
/* Where the window's offset lands in the selected memory map, or false when outside it. */
static bool window_decode(const struct kd_vga *vga, uint32_t offset, uint32_t *out)
{
	switch ((vga->gr[GR_MISC] >> 2) & 3) {
	case 0:
		*out = offset;
		return true;
	case 1:
		*out = offset;
		return offset < 0x10000;
	case 2:
		*out = offset - 0x10000;
		return offset >= 0x10000 && offset < 0x18000;
	default:
		*out = offset - 0x18000;
		return offset >= 0x18000;
	}
}

uint8_t kd_vga_window_read(struct kd_vga *vga, uint32_t offset)
{
	uint32_t a, base;
	uint8_t v;

	if (vga->ext && vga->ext->window_read && vga->ext->window_read(vga->ext_opaque, offset, &v))
		return v;
	if (!window_decode(vga, offset, &a))
		return 0xFF;
	if (vga->sr[SR_MEMORY_MODE] & SR04_CHAIN4)
		return vga->vram[a & vga->vram_mask];
	if (vga->gr[GR_MODE] & GR05_ODD_EVEN) {
		unsigned plane = (vga->gr[GR_READ_MAP] & 2) | (a & 1);

		return vga->vram[(((a & ~1u) << 2) | plane) & vga->vram_mask];
	}
	base = (a << 2) & vga->vram_mask;
	memcpy(vga->latch, &vga->vram[base], 4);
	if (!(vga->gr[GR_MODE] & GR05_READ_MODE1))
		return vga->latch[vga->gr[GR_READ_MAP] & 3];
	/* Read mode 1: a bit is set where every plane the don't-care register includes matches
	 * the colour compare register. */
	v = 0xFF;
	for (unsigned p = 0; p < 4; p++) {
		if (!(vga->gr[GR_COLOR_DONT_CARE] & (1u << p)))
			continue;
		v &= (uint8_t) ~(vga->latch[p] ^
				 ((vga->gr[GR_COLOR_COMPARE] >> p) & 1 ? 0xFF : 0x00));
	}
	return v;
}

static uint8_t rotate_right(uint8_t v, unsigned n)
{
	n &= 7;
	return n ? (uint8_t)((v >> n) | (v << (8 - n))) : v;
}

void kd_vga_window_write(struct kd_vga *vga, uint32_t offset, uint8_t value)
{
	uint8_t map_mask = vga->sr[SR_MAP_MASK] & 0x0F;
	uint8_t planes[4];
	uint8_t bit_mask = vga->gr[GR_BIT_MASK];
	uint32_t a, base;

	if (vga->ext && vga->ext->window_write &&
	    vga->ext->window_write(vga->ext_opaque, offset, value))
		return;
	if (!window_decode(vga, offset, &a))
		return;
	if (vga->sr[SR_MEMORY_MODE] & SR04_CHAIN4) {
		if (map_mask & (1u << (a & 3))) {
			vga->vram[a & vga->vram_mask] = value;
			kd_vga_mark_dirty(vga, a & vga->vram_mask, 1);
		}
		return;
	}
	if (!(vga->sr[SR_MEMORY_MODE] & SR04_ODD_EVEN_OFF)) {
		/* Odd/even: the low address bit picks plane 0 or 1. (The misc register's page bit
		 * picks a 64 KiB half on boards that wire it; text modes set it and mean plane 0/1.) */
		unsigned plane = a & 1;

		if (map_mask & (1u << plane)) {
			uint32_t i = (((a & ~1u) << 2) | plane) & vga->vram_mask;

			vga->vram[i] = value;
			kd_vga_mark_dirty(vga, i, 1);
		}
		return;
	}
	switch (vga->gr[GR_MODE] & 3) {
	case 0: {
		uint8_t v = rotate_right(value, vga->gr[GR_ROTATE]);

		for (unsigned p = 0; p < 4; p++)
			planes[p] = (vga->gr[GR_ENABLE_SET_RESET] >> p) & 1
					    ? ((vga->gr[GR_SET_RESET] >> p) & 1 ? 0xFF : 0)
					    : v;
		break;
	}
	case 1:
		/* The latches as they are: a fast copy inside video memory. */
		memcpy(planes, vga->latch, 4);
		bit_mask = 0;
		break;
	case 2:
		for (unsigned p = 0; p < 4; p++)
			planes[p] = (value >> p) & 1 ? 0xFF : 0;
		break;
	default:
		bit_mask &= rotate_right(value, vga->gr[GR_ROTATE]);
		for (unsigned p = 0; p < 4; p++)
			planes[p] = (vga->gr[GR_SET_RESET] >> p) & 1 ? 0xFF : 0;
		break;
	}
	if ((vga->gr[GR_MODE] & 3) != 1) {
		for (unsigned p = 0; p < 4; p++) {
			switch ((vga->gr[GR_ROTATE] >> 3) & 3) {
			case 1:
				planes[p] &= vga->latch[p];
				break;
			case 2:
				planes[p] |= vga->latch[p];
				break;
			case 3:
				planes[p] ^= vga->latch[p];
				break;
			default:
				break;
			}
			planes[p] = (uint8_t)((planes[p] & bit_mask) | (vga->latch[p] & ~bit_mask));
		}
	}
	base = (a << 2) & vga->vram_mask;
	for (unsigned p = 0; p < 4; p++)
		if (map_mask & (1u << p))
			vga->vram[base + p] = planes[p];
	kd_vga_mark_dirty(vga, base, 4);
}

/* ------------------------------------------------------------------ bus glue */
static uint64_t ports_read(void *opaque, uint64_t offset, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)kd_vga_port_read(opaque, (uint16_t)(0x3B0 + offset + i)) << (8 * i);
	return v;
}

static void ports_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	/* A 16-bit out to an index port writes index and data: outw(0x1206, 0x3C4). */
	for (unsigned i = 0; i < size; i++)
		kd_vga_port_write(opaque, (uint16_t)(0x3B0 + offset + i),
				  (uint8_t)(value >> (8 * i)));
}

static const struct kd_io_ops ports_ops = { .read = ports_read, .write = ports_write };

static uint64_t window_read(void *opaque, uint64_t offset, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)kd_vga_window_read(opaque, (uint32_t)(offset + i)) << (8 * i);
	return v;
}

static void window_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		kd_vga_window_write(opaque, (uint32_t)(offset + i), (uint8_t)(value >> (8 * i)));
}

static const struct kd_io_ops window_ops = { .read = window_read, .write = window_write };

/* 80x25 colour text (mode 3), as a VGA BIOS leaves the card after POST: a guest booted
 * without one (a direct kernel boot) finds the registers a driver expects to inherit, the
 * CRTC at 0x3D4 in particular. The font is the BIOS's to load. */
static void load_text_mode(struct kd_vga *vga)
{
	static const uint8_t crtc[0x19] = { 0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00,
					    0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E,
					    0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF };
	static const uint8_t seq[5] = { 0x03, 0x00, 0x03, 0x00, 0x02 };
	static const uint8_t grc[9] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x0F, 0xFF };
	static const uint8_t attr[0x15] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14,
					    0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D,
					    0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00 };
	/* The EGA colours at the DAC entries the attribute palette above selects. */
	static const uint8_t ega[16][3] = {
		{ 0, 0, 0 },	{ 0, 0, 42 },	{ 0, 42, 0 },	{ 0, 42, 42 },
		{ 42, 0, 0 },	{ 42, 0, 42 },	{ 42, 21, 0 },	{ 42, 42, 42 },
		{ 21, 21, 21 }, { 21, 21, 63 }, { 21, 63, 21 }, { 21, 63, 63 },
		{ 63, 21, 21 }, { 63, 21, 63 }, { 63, 63, 21 }, { 63, 63, 63 },
	};

	vga->misc = 0x67;
	memcpy(vga->sr, seq, sizeof(seq));
	memcpy(vga->gr, grc, sizeof(grc));
	memcpy(vga->cr, crtc, sizeof(crtc));
	memcpy(vga->ar, attr, sizeof(attr));
	vga->ar_index = AR_PAS;
	for (unsigned i = 0; i < 16; i++)
		memcpy(&vga->dac[attr[i] * 3], ega[i], 3);
}

void kd_vga_reset(struct kd_vga *vga)
{
	vga->misc = vga->feature = 0;
	vga->sr_index = vga->gr_index = vga->cr_index = vga->ar_index = 0;
	memset(vga->sr, 0, sizeof(vga->sr));
	memset(vga->gr, 0, sizeof(vga->gr));
	memset(vga->cr, 0, sizeof(vga->cr));
	memset(vga->ar, 0, sizeof(vga->ar));
	vga->ar_flip = false;
	vga->dac_read_index = vga->dac_write_index = vga->dac_component = 0;
	vga->dac_state = 0;
	vga->dac_mask = 0xFF;
	memset(vga->dac, 0, sizeof(vga->dac));
	memset(vga->latch, 0, sizeof(vga->latch));
	load_text_mode(vga);
	vga->palette_valid = false;
	vga->regs_changed = true;
	set_dirty_all(vga);
}

bool kd_vga_init(struct kd_vga *vga, struct kd_machine *m, uint8_t *vram, uint32_t vram_size,
		 const struct kd_vga_ext_ops *ext, void *ext_opaque, GError **err)
{
	memset(vga, 0, sizeof(*vga));
	vga->m = m;
	vga->vram = vram;
	vga->vram_size = vram_size;
	vga->vram_mask = vram_size - 1;
	vga->ext = ext;
	vga->ext_opaque = ext_opaque;
	vga->dirty_words = (vram_size >> VGA_PAGE_SHIFT) / BITS_PER_WORD + 1;
	vga->dirty = g_new0(unsigned long, vga->dirty_words);
	kd_vga_reset(vga);
	vga->ports = kd_io_region_new("vga", 0x30, &ports_ops, vga);
	vga->window = kd_io_region_new("vga-lowmem", 0x20000, &window_ops, vga);
	if (!kd_bus_map(kd_vm_pio(m->vm), vga->ports, 0x3B0, err) ||
	    !kd_bus_map(kd_vm_mmio(m->vm), vga->window, 0xA0000, err)) {
		kd_vga_cleanup(vga);
		return false;
	}
	/* Window writes only store (latches and modes are applied when they are dispatched, in
	 * order, before any read or register access is handled): KVM queues them instead of
	 * exiting, as QEMU does. A BIOS clearing the text screen costs one exit per ring's
	 * worth of writes instead of one per word. */
	vga->window_coalesced = kd_vm_coalesce_mmio(m->vm, 0xA0000, 0x20000);
	return true;
}

void kd_vga_cleanup(struct kd_vga *vga)
{
	if (vga->window_coalesced)
		kd_vm_uncoalesce_mmio(vga->m->vm, 0xA0000, 0x20000);
	vga->window_coalesced = false;
	kd_io_region_free(vga->ports);
	kd_io_region_free(vga->window);
	vga->ports = vga->window = NULL;
	g_free(vga->dirty);
	vga->dirty = NULL;
}
