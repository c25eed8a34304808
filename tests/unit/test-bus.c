/*
 * The port-I/O/MMIO dispatch structure: placement rules, offsets, unclaimed accesses, accesses
 * that straddle regions, moves, and lookups against a linear search.
 */
#include "config.h"

#include <string.h>

#include "vm/bus.h"
#include "vm/kvm.h"

struct probe {
	uint64_t last_offset;
	unsigned last_size;
	uint64_t last_value;
	unsigned reads, writes;
	uint8_t tag;
};

static uint64_t probe_read(void *opaque, uint64_t offset, unsigned size)
{
	struct probe *p = opaque;

	p->reads++;
	p->last_offset = offset;
	p->last_size = size;
	/* Each byte tells who answered and at which offset. */
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)(uint8_t)(p->tag + offset + i) << (8 * i);
	return v;
}

static void probe_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct probe *p = opaque;

	p->writes++;
	p->last_offset = offset;
	p->last_size = size;
	p->last_value = value;
}

static const struct kd_io_ops probe_ops = { probe_read, probe_write };

static void test_placement(void)
{
	struct kd_bus *bus = kd_bus_new("test", 0x10000);
	struct probe pa = { 0 }, pb = { 0 };
	struct kd_io_region *a = kd_io_region_new("a", 0x10, &probe_ops, &pa);
	struct kd_io_region *b = kd_io_region_new("b", 0x10, &probe_ops, &pb);
	g_autoptr(GError) err = NULL;

	g_assert_true(kd_bus_map(bus, a, 0x100, NULL));
	g_assert_false(kd_bus_map(bus, b, 0x10F, &err));
	g_assert_error(err, KD_VM_ERROR, KD_VM_ERROR_BUSY);
	g_assert_nonnull(strstr(err->message, "overlaps a at 0x100-0x10f"));
	g_clear_error(&err);
	g_assert_false(kd_bus_map(bus, b, 0xFFF8, &err)); /* past the end of the space */
	g_clear_error(&err);
	g_assert_true(kd_bus_map(bus, b, 0x110, NULL)); /* adjacent is fine */
	g_assert_true(kd_bus_find(bus, 0x10F) == a);
	g_assert_true(kd_bus_find(bus, 0x110) == b);
	g_assert_null(kd_bus_find(bus, 0xFF));
	/* A failed move leaves the region where it was. */
	g_assert_false(kd_bus_move(b, 0x108, &err));
	g_clear_error(&err);
	g_assert_true(kd_bus_find(bus, 0x110) == b);
	g_assert_true(kd_bus_move(b, 0x2000, NULL));
	g_assert_null(kd_bus_find(bus, 0x110));
	g_assert_true(kd_bus_find(bus, 0x200F) == b);
	kd_bus_unmap(a);
	g_assert_null(kd_bus_find(bus, 0x100));
	g_assert_true(kd_bus_map(bus, a, 0x100, NULL));
	kd_io_region_free(a); /* unmaps itself */
	g_assert_null(kd_bus_find(bus, 0x100));
	kd_io_region_free(b);
	kd_bus_free(bus);
}

static void test_dispatch(void)
{
	struct kd_bus *bus = kd_bus_new("test", 0x10000);
	struct probe p = { .tag = 0x40 };
	struct kd_io_region *r = kd_io_region_new("r", 8, &probe_ops, &p);
	struct kd_bus_stats st;
	uint8_t buf[8];
	uint32_t v32 = 0x11223344;

	g_assert_true(kd_bus_map(bus, r, 0x3F8, NULL));
	g_assert_true(kd_bus_write(bus, 0x3FA, &v32, 4));
	g_assert_cmpuint(p.last_offset, ==, 2); /* offsets, not addresses */
	g_assert_cmpuint(p.last_size, ==, 4);
	g_assert_cmpuint(p.last_value, ==, 0x11223344);
	g_assert_true(kd_bus_read(bus, 0x3F9, buf, 2));
	g_assert_cmpuint(buf[0], ==, 0x41);
	g_assert_cmpuint(buf[1], ==, 0x42);

	/* Nothing at 0x80: all ones, counted. */
	g_assert_false(kd_bus_read(bus, 0x80, buf, 4));
	g_assert_cmpuint(buf[0] & buf[1] & buf[2] & buf[3], ==, 0xFF);
	g_assert_false(kd_bus_write(bus, 0x80, buf, 1));
	kd_bus_get_stats(bus, &st);
	g_assert_cmpuint(st.unclaimed_reads, ==, 1);
	g_assert_cmpuint(st.unclaimed_writes, ==, 1);
	g_assert_cmpuint(st.last_unclaimed_address, ==, 0x80);

	/* A 4-byte read that starts 2 bytes before the region: the device sees only its
	 * own bytes, one at a time, and the rest floats high. */
	p.reads = 0;
	g_assert_true(kd_bus_read(bus, 0x3F6, buf, 4));
	g_assert_cmpuint(buf[0], ==, 0xFF);
	g_assert_cmpuint(buf[1], ==, 0xFF);
	g_assert_cmpuint(buf[2], ==, 0x40);
	g_assert_cmpuint(buf[3], ==, 0x41);
	g_assert_cmpuint(p.reads, ==, 2);
	/* And one running off the end. */
	g_assert_true(kd_bus_read(bus, 0x3FE, buf, 4));
	g_assert_cmpuint(buf[0], ==, 0x46);
	g_assert_cmpuint(buf[1], ==, 0x47);
	g_assert_cmpuint(buf[2], ==, 0xFF);
	g_assert_cmpuint(p.last_size, ==, 1);
	kd_io_region_free(r);
	kd_bus_free(bus);
}

/* Many regions: every lookup agrees with a linear search. */
static void test_lookup_matches_linear(void)
{
	struct kd_bus *bus = kd_bus_new("mmio", 1ull << 40);
	struct kd_io_region *regions[200];
	struct probe p = { 0 };
	GRand *rand = g_rand_new_with_seed(1234);
	unsigned mapped = 0;

	for (unsigned i = 0; i < G_N_ELEMENTS(regions); i++) {
		uint64_t len = 1 + g_rand_int_range(rand, 0, 0x1000);

		regions[i] = kd_io_region_new("r", len, &probe_ops, &p);
		/* Random places; some collide and are refused. */
		if (kd_bus_map(bus, regions[i], (uint64_t)g_rand_int_range(rand, 0, 0x100000) << 4,
			       NULL))
			mapped++;
	}
	g_assert_cmpuint(mapped, >, 150);
	for (unsigned n = 0; n < 20000; n++) {
		uint64_t addr = (uint64_t)g_rand_int_range(rand, 0, 0x1000000);
		struct kd_io_region *want = NULL;

		for (unsigned i = 0; i < G_N_ELEMENTS(regions); i++)
			if (regions[i]->bus && addr >= regions[i]->base &&
			    addr < regions[i]->base + regions[i]->len)
				want = regions[i];
		g_assert_true(kd_bus_find(bus, addr) == want);
	}
	for (unsigned i = 0; i < G_N_ELEMENTS(regions); i++)
		kd_io_region_free(regions[i]);
	g_rand_free(rand);
	kd_bus_free(bus);
}

static void test_null_handlers(void)
{
	static const struct kd_io_ops none = { NULL, NULL };
	struct kd_bus *bus = kd_bus_new("test", 0x10000);
	struct kd_io_region *r = kd_io_region_new("silent", 4, &none, NULL);
	uint32_t v = 0;

	g_assert_true(kd_bus_map(bus, r, 0x500, NULL));
	g_assert_true(kd_bus_read(bus, 0x500, &v, 4));
	g_assert_cmphex(v, ==, 0xFFFFFFFF);
	g_assert_true(kd_bus_write(bus, 0x500, &v, 4));
	kd_io_region_free(r);
	kd_bus_free(bus);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/bus/placement", test_placement);
	g_test_add_func("/bus/dispatch", test_dispatch);
	g_test_add_func("/bus/lookup-matches-linear", test_lookup_matches_linear);
	g_test_add_func("/bus/null-handlers", test_null_handlers);
	return g_test_run();
}
