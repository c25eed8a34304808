/*
 * The VGA core of a display adapter (IBM VGA Technical Reference; FreeVGA's register
 * descriptions): the external, sequencer, CRTC, graphics-controller, attribute and DAC
 * registers at ports 0x3B0-0x3DF, the legacy memory window 0xA0000-0xBFFFF with its read and
 * write modes, planes and latches, and the rendering of text and standard graphics modes into
 * a display frame (display.h). A chip's extensions (Cirrus) hook in through kd_vga_ext_ops.
 *
 * Video memory layout: 4 planes interleaved, byte (plane address * 4 + plane). Chain-4 (mode
 * 13h) and linear modes therefore see memory as plain bytes, as the Cirrus chips do.
 */
#ifndef KD_HW_VGA_H
#define KD_HW_VGA_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct kd_display_frame;
struct kd_machine;
struct kd_io_region;

enum kd_vga_reg_kind { KD_VGA_SR, KD_VGA_GR, KD_VGA_CR };

/* A packed-pixel mode the extension drives (Cirrus SR07 bit 0). */
struct kd_vga_linear_mode {
	unsigned width, height, bpp; /* bpp 8, 15, 16, 24 or 32 */
	uint32_t pitch; /* bytes per line */
	uint32_t start; /* byte offset of the first pixel */
};

struct kd_vga_ext_ops {
	/* Extended register indices (those the standard set does not have, and the standard
	 * ones the chip changes); return false to let the core handle the access. */
	bool (*reg_read)(void *opaque, enum kd_vga_reg_kind kind, uint8_t index, uint8_t *value);
	bool (*reg_write)(void *opaque, enum kd_vga_reg_kind kind, uint8_t index, uint8_t value);
	/* Port access before the core sees it (the hidden DAC register behind 0x3C6). */
	bool (*port_read)(void *opaque, uint16_t port, uint8_t *value);
	bool (*port_write)(void *opaque, uint16_t port, uint8_t value);
	/* Legacy window access (offset from 0xA0000) in the chip's own modes. */
	bool (*window_read)(void *opaque, uint32_t offset, uint8_t *value);
	bool (*window_write)(void *opaque, uint32_t offset, uint8_t value);
	/* A linear mode is active: describe it (false: standard VGA rendering). */
	bool (*linear_mode)(void *opaque, struct kd_vga_linear_mode *mode);
	/* Before a refresh: fold KVM's dirty log into kd_vga_mark_dirty(). */
	void (*sync_dirty)(void *opaque);
	/* After a graphics frame was drawn: overlay (hardware cursor). */
	void (*overlay)(void *opaque, struct kd_display_frame *frame);
};

struct kd_vga {
	struct kd_machine *m;
	uint8_t *vram;
	uint32_t vram_size, vram_mask; /* a power of two */

	uint8_t misc, feature;
	uint8_t sr_index, gr_index, cr_index, ar_index;
	uint8_t sr[256], gr[256], cr[256], ar[32];
	bool ar_flip; /* false: the next 0x3C0 write is an index */
	uint8_t dac_read_index, dac_write_index, dac_component, dac_state, dac_mask;
	uint8_t dac_latch[3];
	uint8_t dac[256 * 3]; /* 6-bit values */
	uint8_t status1_toggle;
	uint8_t latch[4];

	const struct kd_vga_ext_ops *ext;
	void *ext_opaque;

	struct kd_io_region *ports; /* 0x3B0-0x3DF */
	struct kd_io_region *window; /* 0xA0000-0xBFFFF */
	bool window_coalesced; /* KVM queues guest writes to it */

	/* Rendering state: which pages of video memory changed since the last refresh (4 KiB
	 * each), whether registers or palette changed, and the previous picture's key facts. */
	unsigned long *dirty;
	size_t dirty_words;
	bool regs_changed;
	uint32_t palette_rgb[256];
	bool palette_valid;
};

/* Fills vga's state and maps its ports and window on the machine; vram stays the caller's.
 * vram_size is a power of two >= 256 KiB. */
bool kd_vga_init(struct kd_vga *vga, struct kd_machine *m, uint8_t *vram, uint32_t vram_size,
		 const struct kd_vga_ext_ops *ext, void *ext_opaque, GError **err);
void kd_vga_cleanup(struct kd_vga *vga);
/* Power-on register values (monochrome-less colour text, everything blank). */
void kd_vga_reset(struct kd_vga *vga);

/* Port access as the guest makes it; for the MMIO view of the registers too. */
uint8_t kd_vga_port_read(struct kd_vga *vga, uint16_t port);
void kd_vga_port_write(struct kd_vga *vga, uint16_t port, uint8_t value);
/* The standard window access (offset within the 128 KiB at 0xA0000). */
uint8_t kd_vga_window_read(struct kd_vga *vga, uint32_t offset);
void kd_vga_window_write(struct kd_vga *vga, uint32_t offset, uint8_t value);

void kd_vga_mark_dirty(struct kd_vga *vga, uint32_t offset, uint32_t len);
/* Whether a page of [offset, offset + len) (wrapping at the end of video memory) changed. */
bool kd_vga_range_dirty(const struct kd_vga *vga, uint32_t offset, uint32_t len);
void kd_vga_clear_dirty(struct kd_vga *vga);
/* The DAC entry as 0x00RRGGBB (6-bit components widened the way QEMU shows them, so
 * screendumps of the two compare). */
uint32_t kd_vga_dac_rgb(const struct kd_vga *vga, unsigned index);
/* The same for any 6-bit triple (the Cirrus cursor's own colours). */
uint32_t kd_vga_rgb6(const uint8_t rgb6[3]);

/* The display adapter's update (display.h's kd_display_ops.update). */
void kd_vga_update(struct kd_vga *vga, struct kd_display_frame *frame, bool full);
/* `info display` lines about the mode, cursor and text. */
void kd_vga_describe(struct kd_vga *vga, const struct kd_display_frame *frame, GString *out);

#endif
