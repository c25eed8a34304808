/*
 * The PC memory map: what firmware is told and what a directly booted kernel is told.
 */
#include "config.h"

#include "vm/e820.h"
#include "vm/vm.h"

struct expect {
	uint64_t address, size;
	uint32_t type;
};

static void check(GArray *map, const struct expect *want, unsigned n)
{
	g_assert_cmpuint(map->len, ==, n);
	for (unsigned i = 0; i < n; i++) {
		const struct kd_e820_entry *e = &g_array_index(map, struct kd_e820_entry, i);

		g_assert_cmphex(e->address, ==, want[i].address);
		g_assert_cmphex(e->size, ==, want[i].size);
		g_assert_cmpuint(e->type, ==, want[i].type);
		if (i)
			g_assert_cmphex(
				e->address, >=,
				g_array_index(map, struct kd_e820_entry, i - 1).address +
					g_array_index(map, struct kd_e820_entry, i - 1).size);
	}
	g_array_free(map, TRUE);
}

static void test_firmware_128m(void)
{
	static const struct expect want[] = {
		{ 0, 128 * KD_MIB, KD_E820_RAM },
		{ 0xFEFFC000, 0x4000, KD_E820_RESERVED },
	};

	check(kd_e820_pc(128 * KD_MIB, 0, TRUE), want, G_N_ELEMENTS(want));
}

static void test_direct_4g(void)
{
	static const struct expect want[] = {
		{ 0, 0x9FC00, KD_E820_RAM },
		{ 0x9FC00, 0x400, KD_E820_RESERVED },
		{ 0xE0000, 0x20000, KD_E820_RESERVED },
		{ 0x100000, 0xC0000000 - 0x100000, KD_E820_RAM },
		{ 0xFEFFC000, 0x4000, KD_E820_RESERVED },
		{ 0x100000000, KD_GIB, KD_E820_RAM },
	};

	check(kd_e820_pc(3 * KD_GIB, KD_GIB, FALSE), want, G_N_ELEMENTS(want));
}

static void test_direct_tiny(void)
{
	/* 512 KiB of RAM: nothing above 1 MiB. */
	static const struct expect want[] = {
		{ 0, 0x80000, KD_E820_RAM },
		{ 0x9FC00, 0x400, KD_E820_RESERVED },
		{ 0xE0000, 0x20000, KD_E820_RESERVED },
		{ 0xFEFFC000, 0x4000, KD_E820_RESERVED },
	};

	check(kd_e820_pc(512 * KD_KIB, 0, FALSE), want, G_N_ELEMENTS(want));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/e820/firmware-128m", test_firmware_128m);
	g_test_add_func("/e820/direct-4g", test_direct_4g);
	g_test_add_func("/e820/direct-tiny", test_direct_tiny);
	return g_test_run();
}
