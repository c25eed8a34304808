/*
 * The ACPI tables: relocated as firmware would, every checksum holds, the RSDT leads to the
 * FADT and MADT, the FADT describes the PIIX4 PM block, the MADT lists every CPU, and the
 * DSDT carries the patched PCI window.
 */
#include "config.h"

#include <string.h>

#include "hw/acpi.h"

#define BASE 0xE0040u

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* The table at guest address `address` inside the relocated blob. */
static const uint8_t *at(const uint8_t *tables, size_t len, uint32_t address)
{
	g_assert_cmpuint(address, >=, BASE);
	g_assert_cmpuint(address - BASE + 36, <=, len);
	return tables + (address - BASE);
}

static void test_tables(void)
{
	struct kd_acpi_params p = { 3, 0x08000000, 0xFEBFFFFF, 0x600, 0xAFE0, 4, 9 };
	struct kd_acpi *a = kd_acpi_build(&p);
	size_t len, rsdp_len = kd_acpi_rsdp_size(a);
	const uint8_t *raw = kd_acpi_tables_blob(a, &len);
	g_autofree uint8_t *rsdp = g_malloc(rsdp_len);
	g_autofree uint8_t *tables = g_malloc(len);
	const uint8_t *rsdt, *fadt, *madt, *dsdt, *facs, *e;
	unsigned cpus = 0;

	(void)raw;
	kd_acpi_relocate(a, BASE, rsdp, tables);
	g_assert_cmpmem(rsdp, 8, "RSD PTR ", 8);
	g_assert_cmpuint(sum(rsdp, 20), ==, 0);
	rsdt = at(tables, len, le32(rsdp + 16));
	g_assert_cmpmem(rsdt, 4, "RSDT", 4);
	g_assert_cmpuint(le32(rsdt + 4), ==, 44);
	g_assert_cmpuint(sum(rsdt, le32(rsdt + 4)), ==, 0);

	fadt = at(tables, len, le32(rsdt + 36));
	madt = at(tables, len, le32(rsdt + 40));
	g_assert_cmpmem(fadt, 4, "FACP", 4);
	g_assert_cmpmem(madt, 4, "APIC", 4);
	g_assert_cmpuint(sum(fadt, le32(fadt + 4)), ==, 0);
	g_assert_cmpuint(sum(madt, le32(madt + 4)), ==, 0);
	g_assert_cmpuint(fadt[46], ==, 9); /* SCI */
	g_assert_cmpuint(le32(fadt + 48), ==, 0); /* no SMI command port: no SMM */
	g_assert_cmphex(le32(fadt + 56), ==, 0x600);
	g_assert_cmphex(le32(fadt + 64), ==, 0x604);
	g_assert_cmphex(le32(fadt + 76), ==, 0x608);
	g_assert_cmphex(le32(fadt + 80), ==, 0xAFE0);
	g_assert_cmpuint(fadt[92], ==, 4);

	facs = at(tables, len, le32(fadt + 36));
	g_assert_cmpmem(facs, 4, "FACS", 4);
	g_assert_cmpuint((le32(fadt + 36)) % 64, ==, 0);
	dsdt = at(tables, len, le32(fadt + 40));
	g_assert_cmpmem(dsdt, 4, "DSDT", 4);
	g_assert_cmpuint(sum(dsdt, le32(dsdt + 4)), ==, 0);
	/* Name (PMIN, 0x08000000) and Name (PMAX, 0xFEBFFFFF) after patching. */
	g_assert_nonnull(memmem(dsdt, le32(dsdt + 4), "\x08PMIN\x0C\x00\x00\x00\x08", 10));
	g_assert_nonnull(memmem(dsdt, le32(dsdt + 4), "\x08PMAX\x0C\xFF\xFF\xBF\xFE", 10));

	for (e = madt + 44; e < madt + le32(madt + 4); e += e[1]) {
		g_assert_cmpuint(e[1], >=, 2);
		if (e[0] == 0) {
			g_assert_cmpuint(e[3], ==, cpus); /* APIC IDs 0..n-1 */
			cpus++;
		}
		if (e[0] == 2 && e[3] == 0)
			g_assert_cmpuint(le32(e + 4), ==, 2); /* IRQ 0 -> GSI 2 */
	}
	g_assert_cmpuint(cpus, ==, 3);
	kd_acpi_free(a);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/acpi/tables", test_tables);
	return g_test_run();
}
