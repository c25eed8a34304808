/*
 * The BitBLT engine of the Cirrus Logic CL-GD5446: copies, solid fills, 8x8 pattern fills and
 * colour expansion with the chip's 16 two-operand raster operations, at 8, 16, 24 and 32 bits
 * per pixel, with the source in video memory or streamed by the CPU. A pure module: the device
 * collects the registers (GR20-GR35 through ports 0x3CE/0x3CF or the MMIO window, colours in
 * GR00/GR01/GR10-GR15) and calls in; the engine touches nothing but the vram buffer it is given.
 *
 * Sources: VGADOC 4b, CIRRUS.TXT (GR20-GR34 of the 542x/543x family, the 5446's ancestors);
 * register semantics cross-checked against the XFree86 and Linux cirrus drivers.
 *
 * Every guest value is untrusted. Addresses wrap: every byte the engine reads or writes is at
 * (address & (vram_size - 1)), as the chip's 22-bit addresses wrap in its 4 MiB, so no register
 * value reaches outside vram; a BLT's work is bounded by its registers (at most 8192 bytes x 2048
 * lines), and a system-memory BLT takes at most that many bytes. Within a line the source is
 * read whole before the line is written (a memmove); lines are done in the BLT's direction
 * (downwards, or upwards when GR30 bit 0 asks for a backward BLT), so an overlapping copy in the
 * direction a driver picks for it is a memmove of the whole rectangle.
 *
 * Layouts: a backward BLT's addresses are its last bytes and its lines run down to them. A
 * colour pattern is 8 rows of 8 pixels, 64/128/256/256 bytes at 8/16/24/32 bpp (24 bpp rows are
 * 32 bytes apart), aligned to its size, read once when the BLT starts; a monochrome one is 8
 * bytes. Expanded bitmaps start each line on a byte, MSB first; in VRAM their lines follow each
 * other (GR26/27 unused). From the CPU, a copy's lines come padded to DWORDs, a bitmap's to
 * bytes (GR33 bit 0: DWORDs), a pattern whole; a backward copy's line last byte first.
 *
 * Not modelled (refused: nothing is written, the engine is idle at once): video-to-system-memory
 * BLTs (GR30 bit 1), memory-to-memory (bits 1 and 2), transparency compare of unexpanded pixels
 * at 24/32 bpp. Backward BLTs are plain copies only: colour expansion and patterns always run
 * forwards, as the chip requires of them. GR32 codes outside the chip's 16 write nothing.
 *
 * All calls: machine lock held; vram must stay valid while a BLT waits for CPU data.
 */
#ifndef KD_HW_CIRRUS_BLT_H
#define KD_HW_CIRRUS_BLT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* GR30, BLT mode (CIRRUS.TXT, 3CEh index 30h). */
#define KD_CIRRUS_BLT_MODE_BACKWARDS 0x01
#define KD_CIRRUS_BLT_MODE_SYSTEM_DEST 0x02
#define KD_CIRRUS_BLT_MODE_SYSTEM_SRC 0x04
#define KD_CIRRUS_BLT_MODE_TRANSPARENT 0x08
#define KD_CIRRUS_BLT_MODE_DEPTH_MASK 0x30 /* 0: 8 bpp, 0x10: 16, 0x20: 24, 0x30: 32 */
#define KD_CIRRUS_BLT_MODE_PATTERN 0x40
#define KD_CIRRUS_BLT_MODE_COLOR_EXPAND 0x80

/* GR31, BLT start/status (3CEh index 31h). The engine owns BUSY, START and PROGRESS while a
 * BLT runs; RESET and AUTOSTART (5446: writing GR2A starts the BLT) are the device's. */
#define KD_CIRRUS_BLT_STATUS_BUSY 0x01
#define KD_CIRRUS_BLT_START 0x02
#define KD_CIRRUS_BLT_RESET 0x04
#define KD_CIRRUS_BLT_STATUS_PROGRESS 0x08
#define KD_CIRRUS_BLT_AUTOSTART 0x80

/* GR33, BLT mode extensions (543x/5446). */
#define KD_CIRRUS_BLT_EXT_DWORD_GRANULARITY 0x01 /* CPU colour-expansion lines padded to DWORDs */
#define KD_CIRRUS_BLT_EXT_INVERT_EXPAND 0x02 /* transparent expansion: draw 0s in bg, skip 1s */
#define KD_CIRRUS_BLT_EXT_SOLID_FILL 0x04 /* with pattern + expansion: fill with fg */

/* The widest line (GR20/21 are 13 bits) and the most lines (GR22/23, 11 bits). */
#define KD_CIRRUS_BLT_MAX_WIDTH 8192
#define KD_CIRRUS_BLT_MAX_HEIGHT 2048

/* The registers as the guest wrote them; the engine masks each to its width. */
struct kd_cirrus_blt_regs {
	uint16_t width_minus_one; /* GR20-21: bytes per line - 1 */
	uint16_t height_minus_one; /* GR22-23: lines - 1 */
	uint16_t dst_pitch; /* GR24-25 */
	uint16_t src_pitch; /* GR26-27 */
	uint32_t dst_addr; /* GR28-2A (22 bits); the last byte for backward BLTs */
	uint32_t src_addr; /* GR2C-2E (22 bits); patterns: bits 0-2 pick the first row */
	uint8_t left_clip; /* GR2F: pixels (24 bpp: bytes, 5 bits) left out of each line */
	uint8_t mode; /* GR30 */
	uint8_t rop; /* GR32 */
	uint8_t mode_ext; /* GR33 */
	uint16_t transparent_color; /* GR34-35 */
	uint32_t fg_color; /* GR01 | GR11 << 8 | GR13 << 16 | GR15 << 24 */
	uint32_t bg_color; /* GR00 | GR10 << 8 | GR12 << 16 | GR14 << 24 */
};

enum kd_cirrus_blt_outcome {
	KD_CIRRUS_BLT_DONE, /* finished; VRAM written (see kd_cirrus_blt_take_dirty) */
	KD_CIRRUS_BLT_WAITING, /* the source is the CPU: route its writes to kd_cirrus_blt_feed */
	KD_CIRRUS_BLT_REFUSED, /* a mode the engine does not do: nothing written, idle */
};

struct kd_cirrus_blt;

struct kd_cirrus_blt *kd_cirrus_blt_new(void);
void kd_cirrus_blt_free(struct kd_cirrus_blt *blt);

/* Fills regs from the graphics controller's registers: gr[i] is GRi for i up to 0x35. GR00 and
 * GR01 are passed apart, all 8 bits of them (standard VGA keeps only 4 as set/reset). */
void kd_cirrus_blt_regs_from_gr(struct kd_cirrus_blt_regs *regs, const uint8_t *gr, uint8_t gr00,
				uint8_t gr01);

/* Starts a BLT (dropping one that still waits for CPU data). vram_size must be a power of two
 * up to 1 GiB, else the BLT is refused. */
enum kd_cirrus_blt_outcome kd_cirrus_blt_start(struct kd_cirrus_blt *blt,
					       const struct kd_cirrus_blt_regs *regs, uint8_t *vram,
					       size_t vram_size);

/* True while a system-memory-source BLT waits for data. */
bool kd_cirrus_blt_waiting(const struct kd_cirrus_blt *blt);

/* The bytes of a CPU write (any size, in address order) while the BLT waits: lines run as they
 * complete. Returns how many bytes it took; fewer than len when the BLT finished with them (the
 * rest is padding of the last DWORD, which the device drops). 0 when no BLT waits. */
size_t kd_cirrus_blt_feed(struct kd_cirrus_blt *blt, const uint8_t *data, size_t len);

/* GR31 reset (bit 2) or device reset: a waiting BLT ends where it is. */
void kd_cirrus_blt_reset(struct kd_cirrus_blt *blt);

/* The GR31 bits the engine owns (BUSY | START | PROGRESS while a BLT waits, else 0): a GR31
 * read returns them ORed into the register's RESET and AUTOSTART bits. */
uint8_t kd_cirrus_blt_status(const struct kd_cirrus_blt *blt);

/* The span of VRAM written since the last call ([*offset, *offset + *length), within vram);
 * false when nothing was. A line that wraps past the end of VRAM makes it all of VRAM. */
bool kd_cirrus_blt_take_dirty(struct kd_cirrus_blt *blt, uint32_t *offset, uint32_t *length);

#endif
