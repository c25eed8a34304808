/*
 * ACPI tables of the PC (ACPI 6.4, chapter 5): RSDP, RSDT, FADT (revision 1, as QEMU's i440FX
 * machine has), FACS, MADT, and the DSDT compiled from data/dsdt.asl.
 *
 * The tables are built once with relative pointers plus a list of fixups. Firmware gets them
 * through fw_cfg with QEMU's table-loader script (SeaBIOS allocates, relocates and checksums);
 * a direct kernel boot gets them placed in the BIOS area by kd_acpi_install().
 */
#include "config.h"

#include "hw/acpi.h"

#include <string.h>

#include "hw/fw_cfg.h"
#include "i18n.h"
#include "le.h"
#include "vm/vm.h"

extern const uint8_t kd_dsdt_aml[];
extern const uint8_t kd_dsdt_aml_end[];

#define HEADER_LEN 36
#define OEM_ID "KVMDSK"
#define OEM_TABLE_ID "KVMDESK "
#define CREATOR_ID "KVMD"

#define LOADER_ALLOCATE 1
#define LOADER_ADD_POINTER 2
#define LOADER_ADD_CHECKSUM 3
#define LOADER_ZONE_HIGH 1
#define LOADER_ZONE_FSEG 2
#define LOADER_ENTRY_SIZE 128
#define LOADER_FILE_LEN 56

#define RSDP_FILE "etc/acpi/rsdp"
#define TABLES_FILE "etc/acpi/tables"
#define LOADER_FILE "etc/table-loader"

/* A 4-byte pointer at `offset` of `in_rsdp ? rsdp : tables` that must get the tables' base. */
struct fixup {
	bool in_rsdp;
	uint32_t offset;
};

/* Checksum byte at `offset` over [start, start + length) of the same blob. */
struct checksum {
	bool in_rsdp;
	uint32_t offset, start, length;
};

struct kd_acpi {
	GByteArray *rsdp;
	GByteArray *tables;
	GArray *fixups;
	GArray *checksums;
};

/* Appends `len` zero bytes aligned to `align`; returns their offset. */
static uint32_t reserve(GByteArray *blob, uint32_t len, uint32_t align)
{
	uint32_t start = (blob->len + align - 1) & ~(align - 1);
	uint32_t old = blob->len;

	g_byte_array_set_size(blob, start + len);
	memset(blob->data + old, 0, start + len - old);
	return start;
}

static void header(struct kd_acpi *a, uint32_t at, const char *signature, uint32_t len,
		   uint8_t revision)
{
	uint8_t *h = a->tables->data + at;
	struct checksum c = { false, at + 9, at, len };

	memcpy(h, signature, 4);
	kd_put_le32(h + 4, len);
	h[8] = revision;
	memcpy(h + 10, OEM_ID, 6);
	memcpy(h + 16, OEM_TABLE_ID, 8);
	kd_put_le32(h + 24, 1);
	memcpy(h + 28, CREATOR_ID, 4);
	kd_put_le32(h + 32, 1);
	g_array_append_val(a->checksums, c);
}

static void pointer(struct kd_acpi *a, bool in_rsdp, uint32_t offset, uint32_t target)
{
	struct fixup f = { in_rsdp, offset };
	GByteArray *blob = in_rsdp ? a->rsdp : a->tables;

	kd_put_le32(blob->data + offset, target);
	g_array_append_val(a->fixups, f);
}

/* Sets the DWord of `Name (NAME, 0x........)` in AML (NameOp, name, DWordPrefix, value). */
static bool patch_aml_dword(uint8_t *aml, uint32_t len, const char name[4], uint32_t value)
{
	for (uint32_t i = 0; i + 10 <= len; i++) {
		if (aml[i] == 0x08 && !memcmp(aml + i + 1, name, 4) && aml[i + 5] == 0x0C) {
			kd_put_le32(aml + i + 6, value);
			return true;
		}
	}
	return false;
}

static uint32_t add_dsdt(struct kd_acpi *a, const struct kd_acpi_params *p)
{
	uint32_t len = (uint32_t)(kd_dsdt_aml_end - kd_dsdt_aml);
	uint32_t at = reserve(a->tables, len, 16);
	struct checksum c = { false, at + 9, at, len };

	memcpy(a->tables->data + at, kd_dsdt_aml, len);
	patch_aml_dword(a->tables->data + at, len, "PMIN", p->pci_window_start);
	patch_aml_dword(a->tables->data + at, len, "PMAX", p->pci_window_end);
	g_array_append_val(a->checksums, c);
	return at;
}

static uint32_t add_fadt(struct kd_acpi *a, const struct kd_acpi_params *p, uint32_t facs,
			 uint32_t dsdt)
{
	const uint32_t len = 116;
	uint32_t at = reserve(a->tables, len, 16);
	uint8_t *t = a->tables->data + at;

	header(a, at, "FACP", len, 1);
	pointer(a, false, at + 36, facs);
	pointer(a, false, at + 40, dsdt);
	t[44] = 1; /* INT_MODEL: APIC */
	kd_put_le16(t + 46, p->sci_irq);
	/* SMI_CMD 0: always in ACPI mode, there is no SMM to switch. */
	kd_put_le32(t + 56, p->pm_base); /* PM1a_EVT_BLK */
	kd_put_le32(t + 64, p->pm_base + 4); /* PM1a_CNT_BLK */
	kd_put_le32(t + 76, p->pm_base + 8); /* PM_TMR_BLK */
	kd_put_le32(t + 80, p->gpe0_base); /* GPE0_BLK */
	t[88] = 4; /* PM1_EVT_LEN */
	t[89] = 2; /* PM1_CNT_LEN */
	t[91] = 4; /* PM_TMR_LEN */
	t[92] = p->gpe0_len; /* GPE0_BLK_LEN */
	kd_put_le16(t + 96, 0x0FFF); /* P_LVL2_LAT: no C2 */
	kd_put_le16(t + 98, 0x0FFF); /* P_LVL3_LAT: no C3 */
	t[108] = 0x32; /* CENTURY: the CMOS byte the RTC keeps it in */
	/* WBINVD, PROC_C1, SLP_BUTTON (no fixed sleep button), RTC_S4; a fixed power button. */
	kd_put_le32(t + 112, 0x01 | 0x04 | 0x20 | 0x80);
	return at;
}

static uint32_t add_madt(struct kd_acpi *a, const struct kd_acpi_params *p)
{
	/* Level, active-high ISA interrupts: the PCI link IRQs and the SCI. */
	static const uint8_t level_irqs[] = { 5, 9, 10, 11 };
	uint32_t len = 44 + 8 * p->ncpus + 12 + 10 * (1 + sizeof(level_irqs)) + 6;
	uint32_t at = reserve(a->tables, len, 16);
	uint8_t *t = a->tables->data + at, *e;

	header(a, at, "APIC", len, 1);
	kd_put_le32(t + 36, 0xFEE00000); /* local APIC address */
	kd_put_le32(t + 40, 1); /* PCAT_COMPAT: there are 8259s too */
	e = t + 44;
	for (unsigned i = 0; i < p->ncpus; i++, e += 8) {
		e[0] = 0; /* processor local APIC */
		e[1] = 8;
		e[2] = (uint8_t)i; /* ACPI processor UID */
		e[3] = (uint8_t)i; /* APIC ID, as CPUID leaf 1 reports it */
		kd_put_le32(e + 4, 1); /* enabled */
	}
	e[0] = 1; /* I/O APIC */
	e[1] = 12;
	e[2] = 0; /* its ID: KVM's in-kernel IOAPIC resets to 0 */
	kd_put_le32(e + 4, 0xFEC00000);
	kd_put_le32(e + 8, 0); /* GSI base */
	e += 12;
	/* The PIT's IRQ 0 arrives at pin 2 (src/vm/vm.c's routing). */
	e[0] = 2;
	e[1] = 10;
	e[2] = 0; /* ISA bus */
	e[3] = 0;
	kd_put_le32(e + 4, 2);
	kd_put_le16(e + 8, 0);
	e += 10;
	for (size_t i = 0; i < sizeof(level_irqs); i++, e += 10) {
		e[0] = 2;
		e[1] = 10;
		e[2] = 0;
		e[3] = level_irqs[i];
		kd_put_le32(e + 4, level_irqs[i]);
		kd_put_le16(e + 8, 0x000D); /* active high, level */
	}
	e[0] = 4; /* local APIC NMI: every processor, LINT1 */
	e[1] = 6;
	e[2] = 0xFF;
	kd_put_le16(e + 3, 0);
	e[5] = 1;
	return at;
}

struct kd_acpi *kd_acpi_build(const struct kd_acpi_params *p)
{
	struct kd_acpi *a = g_new0(struct kd_acpi, 1);
	uint32_t facs, dsdt, fadt, madt, rsdt;
	struct checksum rsdp_sum = { true, 8, 0, 20 };

	a->rsdp = g_byte_array_new();
	a->tables = g_byte_array_new();
	a->fixups = g_array_new(FALSE, FALSE, sizeof(struct fixup));
	a->checksums = g_array_new(FALSE, FALSE, sizeof(struct checksum));

	/* The FACS must be 64-byte aligned and has no checksum. */
	facs = reserve(a->tables, 64, 64);
	memcpy(a->tables->data + facs, "FACS", 4);
	kd_put_le32(a->tables->data + facs + 4, 64);
	dsdt = add_dsdt(a, p);
	fadt = add_fadt(a, p, facs, dsdt);
	madt = add_madt(a, p);
	rsdt = reserve(a->tables, HEADER_LEN + 8, 16);
	header(a, rsdt, "RSDT", HEADER_LEN + 8, 1);
	pointer(a, false, rsdt + HEADER_LEN, fadt);
	pointer(a, false, rsdt + HEADER_LEN + 4, madt);

	reserve(a->rsdp, 20, 16);
	memcpy(a->rsdp->data, "RSD PTR ", 8);
	memcpy(a->rsdp->data + 9, OEM_ID, 6);
	a->rsdp->data[15] = 0; /* ACPI 1.0 RSDP: 20 bytes, RSDT only */
	pointer(a, true, 16, rsdt);
	g_array_append_val(a->checksums, rsdp_sum);
	return a;
}

void kd_acpi_free(struct kd_acpi *a)
{
	if (!a)
		return;
	g_byte_array_free(a->rsdp, TRUE);
	g_byte_array_free(a->tables, TRUE);
	g_array_free(a->fixups, TRUE);
	g_array_free(a->checksums, TRUE);
	g_free(a);
}

static void loader_entry(GByteArray *script, uint32_t command, const char *file1, const char *file2,
			 const uint32_t *args, unsigned nargs, uint8_t last)
{
	uint8_t e[LOADER_ENTRY_SIZE];
	unsigned off = 4;

	memset(e, 0, sizeof(e));
	kd_put_le32(e, command);
	strncpy((char *)e + off, file1, LOADER_FILE_LEN - 1);
	off += LOADER_FILE_LEN;
	if (file2) {
		strncpy((char *)e + off, file2, LOADER_FILE_LEN - 1);
		off += LOADER_FILE_LEN;
	}
	for (unsigned i = 0; i < nargs; i++, off += 4)
		kd_put_le32(e + off, args[i]);
	e[off] = last;
	g_byte_array_append(script, e, sizeof(e));
}

bool kd_acpi_add_to_fw_cfg(struct kd_acpi *a, struct kd_fw_cfg *fw, GError **err)
{
	g_autoptr(GByteArray) script = g_byte_array_new();
	const uint32_t align_rsdp = 16, align_tables = 64;

	/* ALLOCATE: file, alignment, zone (the RSDP must be in the F segment to be found). */
	loader_entry(script, LOADER_ALLOCATE, RSDP_FILE, NULL, &align_rsdp, 1, LOADER_ZONE_FSEG);
	loader_entry(script, LOADER_ALLOCATE, TABLES_FILE, NULL, &align_tables, 1,
		     LOADER_ZONE_HIGH);
	for (guint i = 0; i < a->fixups->len; i++) {
		const struct fixup *f = &g_array_index(a->fixups, struct fixup, i);

		/* ADD_POINTER: destination, source, offset, size. */
		loader_entry(script, LOADER_ADD_POINTER, f->in_rsdp ? RSDP_FILE : TABLES_FILE,
			     TABLES_FILE, &f->offset, 1, 4);
	}
	for (guint i = 0; i < a->checksums->len; i++) {
		const struct checksum *c = &g_array_index(a->checksums, struct checksum, i);
		const uint32_t args[3] = { c->offset, c->start, c->length };

		loader_entry(script, LOADER_ADD_CHECKSUM, c->in_rsdp ? RSDP_FILE : TABLES_FILE,
			     NULL, args, 3, 0);
	}
	return kd_fw_cfg_add_file(fw, RSDP_FILE, a->rsdp->data, a->rsdp->len, err) &&
	       kd_fw_cfg_add_file(fw, TABLES_FILE, a->tables->data, a->tables->len, err) &&
	       kd_fw_cfg_add_file(fw, LOADER_FILE, script->data, script->len, err);
}

static void apply_checksum(uint8_t *blob, const struct checksum *c)
{
	uint8_t sum = 0;

	blob[c->offset] = 0;
	for (uint32_t i = 0; i < c->length; i++)
		sum = (uint8_t)(sum + blob[c->start + i]);
	blob[c->offset] = (uint8_t)-sum;
}

void kd_acpi_relocate(struct kd_acpi *a, uint32_t tables_address, uint8_t *rsdp, uint8_t *tables)
{
	memcpy(rsdp, a->rsdp->data, a->rsdp->len);
	memcpy(tables, a->tables->data, a->tables->len);
	for (guint i = 0; i < a->fixups->len; i++) {
		const struct fixup *f = &g_array_index(a->fixups, struct fixup, i);
		uint8_t *p = (f->in_rsdp ? rsdp : tables) + f->offset;

		kd_put_le32(p, kd_get_le32(p) + tables_address);
	}
	for (guint i = 0; i < a->checksums->len; i++) {
		const struct checksum *c = &g_array_index(a->checksums, struct checksum, i);

		apply_checksum(c->in_rsdp ? rsdp : tables, c);
	}
}

size_t kd_acpi_rsdp_size(struct kd_acpi *a)
{
	return a->rsdp->len;
}

bool kd_acpi_install(struct kd_acpi *a, struct kd_vm *vm, uint64_t base, uint64_t limit,
		     uint64_t *rsdp_address, GError **err)
{
	g_autofree uint8_t *rsdp = g_malloc(a->rsdp->len);
	g_autofree uint8_t *tables = g_malloc(a->tables->len);
	uint64_t tables_at = (base + a->rsdp->len + 63) & ~63ull;

	if (tables_at + a->tables->len > limit || tables_at + a->tables->len > UINT32_MAX) {
		g_set_error(
			err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			_("the ACPI tables (%u bytes) do not fit below %#" G_GINT64_MODIFIER "x"),
			a->tables->len, limit);
		return false;
	}
	kd_acpi_relocate(a, (uint32_t)tables_at, rsdp, tables);
	if (!kd_vm_write(vm, base, rsdp, a->rsdp->len) ||
	    !kd_vm_write(vm, tables_at, tables, a->tables->len)) {
		g_set_error(
			err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			_("the ACPI tables do not fit in guest RAM at %#" G_GINT64_MODIFIER "x"),
			base);
		return false;
	}
	*rsdp_address = base;
	return true;
}

const uint8_t *kd_acpi_tables_blob(struct kd_acpi *a, size_t *len)
{
	*len = a->tables->len;
	return a->tables->data;
}
