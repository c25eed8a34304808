/*
 * What the VGA core shows (vga.h): text modes as cells plus the pixels of their glyphs (from
 * the font the guest loaded into plane 2), 16-colour planar and 256-colour modes, and the
 * packed-pixel modes an extension describes. Only lines whose video memory changed since the
 * last refresh are drawn again, unless registers or the palette changed.
 */
#include "config.h"

#include <string.h>

#include "hw/display.h"
#include "hw/vga.h"
#include "i18n.h"

/* The two bits of the register index that keep the screen lit (see vga.c). */
#define AR_PAS 0x20
#define AR10_LINE_GRAPHICS 0x04
#define AR10_BLINK 0x08
#define AR10_8BIT 0x40
#define AR10_P54S 0x80

static const uint32_t font_map_offset[8] = { 0x0000, 0x4000, 0x8000, 0xC000,
					     0x2000, 0x6000, 0xA000, 0xE000 };

static void update_palette(struct kd_vga *vga)
{
	if (vga->palette_valid)
		return;
	for (unsigned i = 0; i < 256; i++)
		vga->palette_rgb[i] = kd_vga_dac_rgb(vga, i & vga->dac_mask);
	vga->palette_valid = true;
	vga->regs_changed = true;
}

/* A 4-bit attribute colour through the attribute controller's palette to the DAC. */
static uint32_t attr_color(const struct kd_vga *vga, unsigned k)
{
	unsigned v = vga->ar[k & 0x0F] & 0x3F;

	if (vga->ar[0x10] & AR10_P54S)
		v = (v & 0x0F) | ((vga->ar[0x14] & 3u) << 4);
	v |= (vga->ar[0x14] & 0x0Cu) << 4;
	return vga->palette_rgb[v & 0xFF];
}

static unsigned display_lines(const struct kd_vga *vga)
{
	unsigned vde =
		vga->cr[0x12] | ((vga->cr[0x07] & 0x02u) << 7) | ((vga->cr[0x07] & 0x40u) << 3);

	return vde + 1;
}

static uint32_t start_address(const struct kd_vga *vga)
{
	return (uint32_t)vga->cr[0x0C] << 8 | vga->cr[0x0D];
}

/* ------------------------------------------------------------------ text */
static void text_geometry(const struct kd_vga *vga, unsigned *cols, unsigned *rows, unsigned *cw,
			  unsigned *ch)
{
	unsigned lines = display_lines(vga);

	*cols = MIN(vga->cr[0x01] + 1u, 160u);
	*cw = vga->sr[0x01] & 0x01 ? 8 : 9;
	*ch = (vga->cr[0x09] & 0x1Fu) + 1;
	if (vga->cr[0x09] & 0x80)
		lines /= 2;
	*rows = MAX(MIN(lines / *ch, 100u), 1u);
}

/* CRTC address mode: the memory address counter becomes a plane address. */
static unsigned address_shift(const struct kd_vga *vga)
{
	if (vga->cr[0x14] & 0x40)
		return 2;
	return vga->cr[0x17] & 0x40 ? 0 : 1;
}

static void draw_glyph(const struct kd_vga *vga, struct kd_display_frame *f, unsigned x0,
		       unsigned y0, unsigned cw, unsigned chh, uint8_t c, uint8_t attr)
{
	unsigned sr3 = vga->sr[0x03];
	unsigned map_a = ((sr3 >> 2) & 3) | ((sr3 >> 3) & 4);
	unsigned map_b = (sr3 & 3) | ((sr3 >> 2) & 4);
	uint32_t font = font_map_offset[(attr & 0x08) && map_a != map_b ? map_a : map_b];
	bool blink = vga->ar[0x10] & AR10_BLINK;
	uint32_t fg = attr_color(vga, attr & 0x0F);
	uint32_t bg = attr_color(vga, (attr >> 4) & (blink ? 0x07 : 0x0F));
	bool ninth = cw == 9 && c >= 0xC0 && c <= 0xDF && (vga->ar[0x10] & AR10_LINE_GRAPHICS);

	for (unsigned s = 0; s < chh && y0 + s < f->height; s++) {
		uint32_t pa = font + (uint32_t)c * 32 + (s & 31);
		uint8_t bits = vga->vram[((pa << 2) | 2) & vga->vram_mask];
		uint32_t *row = &f->pixels[(size_t)(y0 + s) * f->width + x0];

		for (unsigned x = 0; x < 8; x++)
			row[x] = (bits >> (7 - x)) & 1 ? fg : bg;
		if (cw == 9)
			row[8] = ninth && (bits & 1) ? fg : bg;
	}
}

static void update_text(struct kd_vga *vga, struct kd_display_frame *f, bool redraw)
{
	unsigned cols, rows, cw, chh, shift = address_shift(vga);
	uint32_t start = start_address(vga), line = vga->cr[0x13] * 2u;
	uint32_t cursor = (uint32_t)vga->cr[0x0E] << 8 | vga->cr[0x0F];
	struct kd_display_text *t = &f->text;
	bool cells_changed = false, cursor_changed;
	unsigned cstart, cend, ccol = 0, crow = 0;
	bool cvisible;

	text_geometry(vga, &cols, &rows, &cw, &chh);
	kd_display_frame_resize(f, KD_DISPLAY_TEXT, cols * cw, rows * chh, cols, rows);
	if (f->dirty_w)
		redraw = true;
	for (unsigned r = 0; r < rows; r++) {
		for (unsigned c = 0; c < cols; c++) {
			uint32_t pa = (start + r * line + c) << shift;
			uint32_t i = (pa << 2) & vga->vram_mask;
			struct kd_display_cell cell = { vga->vram[i], vga->vram[i + 1] };
			struct kd_display_cell *old = &t->cells[r * cols + c];

			if (old->ch != cell.ch || old->attr != cell.attr) {
				*old = cell;
				cells_changed = true;
			}
		}
	}
	cstart = vga->cr[0x0A] & 0x1F;
	cend = vga->cr[0x0B] & 0x1F;
	cvisible = !(vga->cr[0x0A] & 0x20) && cstart <= cend && cstart < chh && line > 0 &&
		   cursor >= start;
	if (cvisible) {
		ccol = (cursor - start) % line;
		crow = (cursor - start) / line;
		cvisible = ccol < cols && crow < rows;
	}
	cursor_changed = cvisible != t->cursor_visible || ccol != t->cursor_col ||
			 crow != t->cursor_row || cstart != t->cursor_start ||
			 cend != t->cursor_end;
	t->cursor_visible = cvisible;
	t->cursor_col = cvisible ? ccol : 0;
	t->cursor_row = cvisible ? crow : 0;
	t->cursor_start = cstart;
	t->cursor_end = MIN(cend, chh - 1);
	t->char_height = chh;
	t->blink = vga->ar[0x10] & AR10_BLINK;
	for (unsigned k = 0; k < 16; k++)
		t->palette[k] = attr_color(vga, k);
	if (cells_changed || cursor_changed || redraw)
		f->text_changed = true;
	/* Glyphs live in plane 2 beside the characters: any write to the first 256 KiB may
	 * have changed the picture, and a redraw of 720x400 pixels is cheap next to an exit. */
	if (!f->text_changed)
		return;
	for (unsigned r = 0; r < rows; r++)
		for (unsigned c = 0; c < cols; c++) {
			const struct kd_display_cell *cell = &t->cells[r * cols + c];

			draw_glyph(vga, f, c * cw, r * chh, cw, chh, cell->ch, cell->attr);
		}
	if (cvisible) {
		uint32_t fg = attr_color(vga, t->cells[crow * cols + ccol].attr & 0x0F);

		/* The frame may be cut to its maximum height below a tall guest grid. */
		for (unsigned s = cstart; s <= t->cursor_end && crow * chh + s < f->height; s++)
			for (unsigned x = 0; x < cw; x++)
				f->pixels[(size_t)(crow * chh + s) * f->width + ccol * cw + x] = fg;
	}
	kd_display_frame_damage(f, 0, 0, f->width, f->height);
}

/* ------------------------------------------------------------------ graphics */
struct line_source {
	uint32_t base; /* byte offset of the line's first pixel */
	uint32_t bytes; /* how many bytes the line reads */
};

static void draw_line_planar(const struct kd_vga *vga, uint32_t *row, unsigned width, uint32_t base)
{
	uint8_t enable = vga->ar[0x12] & 0x0F;

	for (unsigned x = 0; x < width; x++) {
		uint32_t i = (base + (x / 8) * 4) & vga->vram_mask;
		unsigned bit = 7 - (x & 7), c = 0;

		for (unsigned p = 0; p < 4; p++)
			c |= ((vga->vram[(i + p) & vga->vram_mask] >> bit) & 1u) << p;
		row[x] = attr_color(vga, c & enable);
	}
}

/* 5 and 6 bits to 8 by repeating the top bits: white stays white (as QEMU shows it). */
static uint32_t widen5(uint32_t v)
{
	return (v << 3) | (v >> 2);
}

static uint32_t widen6(uint32_t v)
{
	return (v << 2) | (v >> 4);
}

static void draw_line_packed(const struct kd_vga *vga, uint32_t *row, unsigned width, uint32_t base,
			     unsigned bpp)
{
	const uint8_t *v = vga->vram;
	uint32_t m = vga->vram_mask;

	for (unsigned x = 0; x < width; x++) {
		uint32_t p;

		switch (bpp) {
		case 8:
			row[x] = vga->palette_rgb[v[(base + x) & m]];
			break;
		case 15:
			p = v[(base + 2 * x) & m] | (uint32_t)v[(base + 2 * x + 1) & m] << 8;
			row[x] = widen5((p >> 10) & 0x1F) << 16 | widen5((p >> 5) & 0x1F) << 8 |
				 widen5(p & 0x1F);
			break;
		case 16:
			p = v[(base + 2 * x) & m] | (uint32_t)v[(base + 2 * x + 1) & m] << 8;
			row[x] = widen5((p >> 11) & 0x1F) << 16 | widen6((p >> 5) & 0x3F) << 8 |
				 widen5(p & 0x1F);
			break;
		case 24:
			row[x] = (uint32_t)v[(base + 3 * x + 2) & m] << 16 |
				 (uint32_t)v[(base + 3 * x + 1) & m] << 8 | v[(base + 3 * x) & m];
			break;
		default:
			row[x] = (uint32_t)v[(base + 4 * x + 2) & m] << 16 |
				 (uint32_t)v[(base + 4 * x + 1) & m] << 8 | v[(base + 4 * x) & m];
			break;
		}
	}
}

static void update_graphics(struct kd_vga *vga, struct kd_display_frame *f, bool redraw,
			    const struct kd_vga_linear_mode *linear)
{
	bool packed8 = (vga->ar[0x10] & AR10_8BIT) || (vga->gr[0x05] & 0x40);
	unsigned width, height, bpp, ymin = UINT_MAX, ymax = 0;
	uint32_t pitch, start, line_bytes;

	if (linear) {
		width = linear->width;
		height = linear->height;
		bpp = linear->bpp;
		pitch = linear->pitch;
		start = linear->start;
	} else {
		unsigned repeat = ((vga->cr[0x09] & 0x1Fu) + 1) * (vga->cr[0x09] & 0x80 ? 2 : 1);

		width = (vga->cr[0x01] + 1u) * (packed8 ? 4 : 8);
		height = display_lines(vga) / repeat;
		bpp = packed8 ? 8 : 4;
		pitch = vga->cr[0x13] * 8u;
		start = start_address(vga) * 4;
	}
	width = CLAMP(width, 1u, (unsigned)KD_DISPLAY_MAX_WIDTH);
	height = CLAMP(height, 1u, (unsigned)KD_DISPLAY_MAX_HEIGHT);
	kd_display_frame_resize(f, KD_DISPLAY_GRAPHICS, width, height, 0, 0);
	if (f->dirty_w)
		redraw = true;
	line_bytes = bpp == 4 ? (width / 8 + 1) * 4 : width * ((bpp + 7) / 8);
	for (unsigned y = 0; y < height; y++) {
		uint32_t base = (start + y * pitch) & vga->vram_mask;
		uint32_t *row = &f->pixels[(size_t)y * width];
		bool changed = redraw;

		if (!changed) {
			/* Test page by page (a line may wrap past the end of memory). */
			for (uint32_t o = 0; o < line_bytes && !changed; o += 4096)
				changed = kd_vga_range_dirty(vga, base + o,
							     MIN(4096u, line_bytes - o));
		}
		if (!changed)
			continue;
		if (bpp == 4)
			draw_line_planar(vga, row, width, base);
		else
			draw_line_packed(vga, row, width, base, bpp);
		ymin = MIN(ymin, y);
		ymax = y;
	}
	if (ymin != UINT_MAX)
		kd_display_frame_damage(f, 0, ymin, width, ymax - ymin + 1);
	if (vga->ext && vga->ext->overlay)
		vga->ext->overlay(vga->ext_opaque, f);
}

void kd_vga_update(struct kd_vga *vga, struct kd_display_frame *f, bool full)
{
	struct kd_vga_linear_mode lin;
	bool redraw, linear;

	if (vga->ext && vga->ext->sync_dirty)
		vga->ext->sync_dirty(vga->ext_opaque);
	update_palette(vga);
	redraw = full || vga->regs_changed;
	linear = vga->ext && vga->ext->linear_mode && vga->ext->linear_mode(vga->ext_opaque, &lin);
	vga->regs_changed = false;
	if (!(vga->ar_index & AR_PAS) || (vga->sr[0x01] & 0x20)) {
		/* Blanked: the attribute controller is being programmed, or the screen is off. */
		kd_display_frame_resize(f, KD_DISPLAY_OFF, f->width ? f->width : 640,
					f->height ? f->height : 480, 0, 0);
		if (redraw) {
			memset(f->pixels, 0, (size_t)f->width * f->height * sizeof(uint32_t));
			kd_display_frame_damage(f, 0, 0, f->width, f->height);
		}
	} else if (linear || (vga->gr[0x06] & 0x01)) {
		update_graphics(vga, f, redraw, linear ? &lin : NULL);
	} else {
		update_text(vga, f, redraw);
	}
	kd_vga_clear_dirty(vga);
}

void kd_vga_describe(struct kd_vga *vga, const struct kd_display_frame *f, GString *out)
{
	const struct kd_display_text *t = &f->text;

	switch (f->mode) {
	case KD_DISPLAY_OFF:
		g_string_append(out, _("mode: off (screen blanked)\n"));
		return;
	case KD_DISPLAY_GRAPHICS: {
		struct kd_vga_linear_mode lin;
		unsigned bpp = (vga->ar[0x10] & AR10_8BIT) || (vga->gr[0x05] & 0x40) ? 8 : 4;

		if (vga->ext && vga->ext->linear_mode &&
		    vga->ext->linear_mode(vga->ext_opaque, &lin))
			bpp = lin.bpp;
		g_string_append_printf(out, _("mode: graphics %ux%u pixels, %u bpp\n"), f->width,
				       f->height, bpp);
		return;
	}
	case KD_DISPLAY_TEXT:
		break;
	}
	g_string_append_printf(out, _("mode: text %ux%u cells, %ux%u pixels\n"), t->cols, t->rows,
			       f->width, f->height);
	if (t->cursor_visible)
		g_string_append_printf(
			out, _("cursor: row %u col %u, scan lines %u-%u of %u, visible\n"),
			t->cursor_row, t->cursor_col, t->cursor_start, t->cursor_end,
			t->char_height);
	else
		g_string_append(out, _("cursor: hidden\n"));
	for (unsigned r = 0; r < t->rows; r++) {
		g_autoptr(GString) line = g_string_new(NULL);

		for (unsigned c = 0; c < t->cols; c++)
			g_string_append_unichar(line,
						kd_display_cp437(t->cells[r * t->cols + c].ch));
		while (line->len && line->str[line->len - 1] == ' ')
			g_string_truncate(line, line->len - 1);
		g_string_append_printf(out, "row %u: %s\n", r, line->str);
	}
}
