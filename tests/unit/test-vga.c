/*
 * The Cirrus GD5446 and its VGA core driven through the machine's buses as a vCPU would, read
 * back through the display interface: a text mode with a font in plane 2 (cells, attributes,
 * cursor, glyph pixels), dirty tracking (an unchanged screen is not redrawn), the planar write
 * and read modes with their latches, chain-4 mode 13h with the DAC, Cirrus unlocking, the
 * hidden DAC register, banking, a linear 16 bpp mode, BitBLT fills and hostile BitBLTs, and
 * screendump's PPM. Needs /dev/kvm (the machine is a real VM).
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "hw/display.h"
#include "hw/machine.h"
#include "kd-test.h"

struct rig {
	struct kd_kvm *kvm;
	struct kd_machine *m;
};

static void rig_open(struct rig *r)
{
	struct kd_pc_config cfg = { 0 };
	g_autoptr(GError) err = NULL;

	cfg.vm.ram_size = 32 * KD_MIB;
	cfg.vm.ncpus = 1;
	cfg.vga_romfile = "";
	r->kvm = kd_kvm_open(NULL, &err);
	g_assert_no_error(err);
	r->m = kd_pc_new(r->kvm, &cfg, &err);
	g_assert_no_error(err);
	g_assert_nonnull(r->m->display);
}

static void rig_close(struct rig *r)
{
	kd_pc_free(r->m);
	kd_kvm_close(r->kvm);
}

static void out8(struct rig *r, uint16_t port, uint8_t v)
{
	kd_test_out(r->m->vm, port, v, 1);
}

static uint8_t in8(struct rig *r, uint16_t port)
{
	return (uint8_t)kd_test_in(r->m->vm, port, 1);
}

static void mem8(struct rig *r, uint64_t addr, uint8_t v)
{
	kd_test_mmio_write(r->m->vm, addr, v, 1);
}

static uint8_t rmem8(struct rig *r, uint64_t addr)
{
	return (uint8_t)kd_test_mmio_read(r->m->vm, addr, 1);
}

static void sr(struct rig *r, uint8_t i, uint8_t v)
{
	out8(r, 0x3C4, i);
	out8(r, 0x3C5, v);
}

static void gr(struct rig *r, uint8_t i, uint8_t v)
{
	out8(r, 0x3CE, i);
	out8(r, 0x3CF, v);
}

static uint8_t gr_read(struct rig *r, uint8_t i)
{
	out8(r, 0x3CE, i);
	return in8(r, 0x3CF);
}

static void cr(struct rig *r, uint8_t i, uint8_t v)
{
	out8(r, 0x3D4, i);
	out8(r, 0x3D5, v);
}

static void ar(struct rig *r, uint8_t i, uint8_t v)
{
	in8(r, 0x3DA);
	out8(r, 0x3C0, i);
	out8(r, 0x3C0, v);
}

static void dac(struct rig *r, uint8_t index, uint8_t red, uint8_t green, uint8_t blue)
{
	out8(r, 0x3C8, index);
	out8(r, 0x3C9, red);
	out8(r, 0x3C9, green);
	out8(r, 0x3C9, blue);
}

static void screen_on(struct rig *r)
{
	in8(r, 0x3DA);
	out8(r, 0x3C0, 0x20);
}

/* Mode 3's registers (IBM VGA Technical Reference, table of mode 3+), no BIOS involved. */
static void setup_text(struct rig *r)
{
	static const uint8_t crtc[0x19] = { 0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00,
					    0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E,
					    0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF };

	out8(r, 0x3C2, 0x67);
	sr(r, 1, 0x00);
	sr(r, 2, 0x03);
	sr(r, 3, 0x00);
	sr(r, 4, 0x02);
	cr(r, 0x11, 0x00);
	for (uint8_t i = 0; i < sizeof(crtc); i++)
		cr(r, i, crtc[i]);
	gr(r, 5, 0x10);
	gr(r, 6, 0x0E);
	gr(r, 8, 0xFF);
	for (uint8_t i = 0; i < 16; i++)
		ar(r, i, i);
	ar(r, 0x10, 0x0C);
	ar(r, 0x12, 0x0F);
	ar(r, 0x14, 0x00);
	dac(r, 0x01, 0, 0, 0x2A); /* blue */
	dac(r, 0x0F, 0x3F, 0x3F, 0x3F); /* white */
	screen_on(r);
}

/* Plane 2 gets one glyph: 'A' as rows of 0x18, then back to text addressing. */
static void load_glyph(struct rig *r)
{
	sr(r, 2, 0x04);
	sr(r, 4, 0x06);
	gr(r, 5, 0x00);
	gr(r, 6, 0x04);
	for (unsigned s = 0; s < 16; s++)
		mem8(r, 0xA0000 + 'A' * 32 + s, 0x18);
	sr(r, 2, 0x03);
	sr(r, 4, 0x02);
	gr(r, 5, 0x10);
	gr(r, 6, 0x0E);
}

static void test_text(void)
{
	struct rig r;
	const struct kd_display_frame *f;
	g_autoptr(GString) info = g_string_new(NULL);

	KD_TEST_REQUIRE_KVM();
	rig_open(&r);
	setup_text(&r);
	load_glyph(&r);
	mem8(&r, 0xB8000 + 2 * (80 + 3), 'A');
	mem8(&r, 0xB8000 + 2 * (80 + 3) + 1, 0x1F);
	mem8(&r, 0xB8000 + 2 * (80 + 4), 'B');
	mem8(&r, 0xB8000 + 2 * (80 + 4) + 1, 0x4E);
	cr(&r, 0x0E, 0x00);
	cr(&r, 0x0F, 2 * 80 + 7);
	f = kd_display_refresh(r.m->display, false);
	g_assert_cmpint(f->mode, ==, KD_DISPLAY_TEXT);
	g_assert_cmpuint(f->width, ==, 720);
	g_assert_cmpuint(f->height, ==, 400);
	g_assert_cmpuint(f->text.cols, ==, 80);
	g_assert_cmpuint(f->text.rows, ==, 25);
	g_assert_cmpuint(f->text.cells[83].ch, ==, 'A');
	g_assert_cmpuint(f->text.cells[83].attr, ==, 0x1F);
	g_assert_cmpuint(f->text.cells[84].attr, ==, 0x4E);
	g_assert_true(f->text.cursor_visible);
	g_assert_cmpuint(f->text.cursor_row, ==, 2);
	g_assert_cmpuint(f->text.cursor_col, ==, 7);
	g_assert_cmpuint(f->text.cursor_start, ==, 13);
	g_assert_cmpuint(f->text.cursor_end, ==, 14);
	/* The glyph's middle columns (bits 0x18: x 3 and 4) in white on blue; 6-bit 0x2A is
	 * 0xA8 widened as QEMU does. */
	g_assert_cmphex(f->pixels[(16 + 5) * 720 + 3 * 9 + 3], ==, 0xFFFFFF);
	g_assert_cmphex(f->pixels[(16 + 5) * 720 + 3 * 9 + 0], ==, 0x0000A8);
	g_assert_cmphex(f->pixels[(16 + 5) * 720 + 3 * 9 + 8], ==, 0x0000A8);
	kd_display_describe(r.m->display, info);
	g_assert_nonnull(strstr(info->str, "mode: text 80x25 cells, 720x400 pixels\n"));
	g_assert_nonnull(
		strstr(info->str, "cursor: row 2 col 7, scan lines 13-14 of 16, visible\n"));
	g_assert_nonnull(strstr(info->str, "row 1:    AB\n"));
	rig_close(&r);
}

static void test_dirty(void)
{
	struct rig r;
	const struct kd_display_frame *f;
	uint64_t gen;

	KD_TEST_REQUIRE_KVM();
	rig_open(&r);
	setup_text(&r);
	f = kd_display_refresh(r.m->display, false);
	gen = f->generation;
	f = kd_display_refresh(r.m->display, false);
	/* Nothing changed: nothing to draw, and consumers see the same generation. */
	g_assert_cmpuint(f->dirty_w, ==, 0);
	g_assert_false(f->text_changed);
	g_assert_cmpuint(f->generation, ==, gen);
	mem8(&r, 0xB8000, 'x');
	f = kd_display_refresh(r.m->display, false);
	g_assert_true(f->text_changed);
	g_assert_cmpuint(f->generation, >, gen);
	g_assert_cmpuint(f->text.cells[0].ch, ==, 'x');
	rig_close(&r);
}

static void test_planar(void)
{
	struct rig r;

	KD_TEST_REQUIRE_KVM();
	rig_open(&r);
	sr(&r, 4, 0x06); /* planar */
	sr(&r, 2, 0x0F);
	gr(&r, 6, 0x05); /* graphics, A0000 64K */
	/* Write mode 2: colour 5 (planes 0 and 2) under bit mask 0xF0. */
	gr(&r, 5, 0x02);
	gr(&r, 8, 0xF0);
	mem8(&r, 0xA0010, 0x05);
	gr(&r, 5, 0x00);
	gr(&r, 8, 0xFF);
	for (uint8_t p = 0; p < 4; p++) {
		gr(&r, 4, p);
		g_assert_cmphex(rmem8(&r, 0xA0010), ==, p == 0 || p == 2 ? 0xF0 : 0x00);
	}
	/* Read mode 1: pixels whose colour is 5 read as set bits. */
	gr(&r, 5, 0x08);
	gr(&r, 2, 0x05);
	gr(&r, 7, 0x0F);
	g_assert_cmphex(rmem8(&r, 0xA0010), ==, 0xF0);
	/* Write mode 1 copies the latches (loaded by that read) elsewhere. */
	gr(&r, 5, 0x01);
	mem8(&r, 0xA0020, 0);
	gr(&r, 5, 0x00);
	gr(&r, 4, 2);
	g_assert_cmphex(rmem8(&r, 0xA0020), ==, 0xF0);
	/* Write mode 0 with set/reset on plane 1 and XOR with the latches. */
	gr(&r, 0, 0x02);
	gr(&r, 1, 0x02);
	gr(&r, 3, 0x18);
	rmem8(&r, 0xA0010);
	mem8(&r, 0xA0010, 0x0F);
	gr(&r, 3, 0x00);
	gr(&r, 4, 0);
	g_assert_cmphex(rmem8(&r, 0xA0010), ==, 0xF0 ^ 0x0F);
	gr(&r, 4, 1);
	g_assert_cmphex(rmem8(&r, 0xA0010), ==, 0xFF);
	rig_close(&r);
}

static void test_mode13h(void)
{
	static const uint8_t crtc[0x19] = { 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00,
					    0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9C, 0x0E,
					    0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF };
	struct rig r;
	const struct kd_display_frame *f;

	KD_TEST_REQUIRE_KVM();
	rig_open(&r);
	out8(&r, 0x3C2, 0x63);
	sr(&r, 1, 0x01);
	sr(&r, 2, 0x0F);
	sr(&r, 4, 0x0E);
	cr(&r, 0x11, 0x00);
	for (uint8_t i = 0; i < sizeof(crtc); i++)
		cr(&r, i, crtc[i]);
	gr(&r, 5, 0x40);
	gr(&r, 6, 0x05);
	for (uint8_t i = 0; i < 16; i++)
		ar(&r, i, i);
	ar(&r, 0x10, 0x41);
	dac(&r, 7, 0x3F, 0x20, 0x01);
	screen_on(&r);
	mem8(&r, 0xA0000 + 199 * 320 + 319, 7);
	f = kd_display_refresh(r.m->display, false);
	g_assert_cmpint(f->mode, ==, KD_DISPLAY_GRAPHICS);
	g_assert_cmpuint(f->width, ==, 320);
	g_assert_cmpuint(f->height, ==, 200);
	g_assert_cmphex(f->pixels[199 * 320 + 319], ==, 0xFF8007);
	g_assert_cmphex(f->pixels[0], ==, 0x000000);
	rig_close(&r);
}

/* Unlocking, the hidden DAC register, banking and a linear 800x600 16 bpp mode with a BitBLT
 * solid fill; then BitBLTs aimed all over (and past) video memory. */
static void test_cirrus(void)
{
	struct rig r;
	const struct kd_display_frame *f;
	g_autoptr(GString) info = g_string_new(NULL);
	g_autofree char *path = NULL;
	g_autofree char *data = NULL;
	gsize len;
	GRand *rand;

	KD_TEST_REQUIRE_KVM();
	rig_open(&r);
	out8(&r, 0x3C2, 0x01); /* colour: the CRTC at 0x3D4; the chip ID answers at CR27 */
	out8(&r, 0x3D4, 0x27);
	g_assert_cmphex(in8(&r, 0x3D5), ==, 0xB8);
	sr(&r, 0x06, 0x00);
	out8(&r, 0x3C4, 0x06);
	g_assert_cmphex(in8(&r, 0x3C5), ==, 0x0F);
	sr(&r, 0x06, 0x92);
	g_assert_cmphex(in8(&r, 0x3C5), ==, 0x12);
	out8(&r, 0x3C4, 0x0F);
	g_assert_cmphex(in8(&r, 0x3C5) & 0x98, ==, 0x98); /* 4 MiB */
	/* Hidden DAC: the fifth read of 0x3C6 in a row is it. */
	for (int i = 0; i < 4; i++)
		in8(&r, 0x3C6);
	out8(&r, 0x3C6, 0xC1);
	for (int i = 0; i < 4; i++)
		in8(&r, 0x3C6);
	g_assert_cmphex(in8(&r, 0x3C6), ==, 0xC1);
	/* 800x600, 16 bpp, pitch 1600. */
	sr(&r, 0x07, 0x07);
	cr(&r, 0x11, 0x00);
	cr(&r, 0x01, 99);
	cr(&r, 0x12, 0x57);
	cr(&r, 0x07, 0x40 | 0x10); /* VDE 599 = 0x257: bit 9 in CR07 bit 6 */
	cr(&r, 0x13, 200);
	cr(&r, 0x1B, 0x02);
	gr(&r, 6, 0x05);
	screen_on(&r);
	/* Banked write through 0xA0000: bank 1 of 4 KiB granularity is offset 0x1000. */
	gr(&r, 0x09, 0x01);
	mem8(&r, 0xA0000, 0xFF);
	mem8(&r, 0xA0001, 0xFF);
	f = kd_display_refresh(r.m->display, false);
	g_assert_cmpint(f->mode, ==, KD_DISPLAY_GRAPHICS);
	g_assert_cmpuint(f->width, ==, 800);
	g_assert_cmpuint(f->height, ==, 600);
	/* Offset 0x1000 = line 2 (3200), pixel (4096-3200)/2 = 448. */
	g_assert_cmphex(f->pixels[2 * 800 + 448], ==, 0xFFFFFF);
	/* BitBLT solid fill of 10x4 pixels at (100, 50) with red 565 (0xF800). */
	gr(&r, 0x01, 0x00);
	gr(&r, 0x11, 0xF8);
	gr(&r, 0x20, 19);
	gr(&r, 0x21, 0);
	gr(&r, 0x22, 3);
	gr(&r, 0x23, 0);
	gr(&r, 0x24, 1600 & 0xFF);
	gr(&r, 0x25, 1600 >> 8);
	gr(&r, 0x28, (50 * 1600 + 200) & 0xFF);
	gr(&r, 0x29, ((50 * 1600 + 200) >> 8) & 0xFF);
	gr(&r, 0x2A, (50 * 1600 + 200) >> 16);
	gr(&r, 0x30, 0xC0 | 0x10); /* colour expansion + pattern, 16 bpp */
	gr(&r, 0x32, 0x0D);
	gr(&r, 0x33, 0x04); /* solid fill */
	gr(&r, 0x31, 0x02);
	g_assert_cmphex(gr_read(&r, 0x31) & 0x01, ==, 0);
	f = kd_display_refresh(r.m->display, false);
	g_assert_cmphex(f->pixels[50 * 800 + 100], ==, 0xFF0000);
	g_assert_cmphex(f->pixels[53 * 800 + 109], ==, 0xFF0000);
	g_assert_cmphex(f->pixels[54 * 800 + 109], ==, 0x000000);
	g_assert_cmphex(f->pixels[50 * 800 + 110], ==, 0x000000);
	kd_display_describe(r.m->display, info);
	g_assert_nonnull(strstr(info->str, "mode: graphics 800x600 pixels, 16 bpp\n"));
	/* Hostile BitBLTs: random registers, CPU-fed sources never finished, resets. */
	rand = g_rand_new_with_seed(5446);
	for (int i = 0; i < 300; i++) {
		for (uint8_t g = 0x20; g <= 0x35; g++)
			gr(&r, g, (uint8_t)g_rand_int(rand));
		gr(&r, 0x31, (uint8_t)(g_rand_int(rand) & 0x06));
		for (int k = 0; k < 8; k++)
			mem8(&r, 0xA0000 + (g_rand_int(rand) & 0xFFFF), (uint8_t)g_rand_int(rand));
	}
	g_rand_free(rand);
	gr(&r, 0x31, 0x04);
	gr(&r, 0x31, 0x00);
	f = kd_display_refresh(r.m->display, true);
	g_assert_cmpuint(f->width, ==, 800);
	path = g_build_filename(g_get_tmp_dir(), "kvmdesk-test-vga.ppm", NULL);
	g_assert_true(kd_display_write_ppm(f, path, NULL));
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	g_assert_cmpuint(len, ==, strlen("P6\n800 600\n255\n") + 800 * 600 * 3);
	g_assert_cmpint(memcmp(data, "P6\n800 600\n255\n", 15), ==, 0);
	unlink(path);
	rig_close(&r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vga/text", test_text);
	g_test_add_func("/vga/dirty", test_dirty);
	g_test_add_func("/vga/planar", test_planar);
	g_test_add_func("/vga/mode13h", test_mode13h);
	g_test_add_func("/vga/cirrus", test_cirrus);
	return g_test_run();
}
