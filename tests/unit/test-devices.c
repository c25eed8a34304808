/*
 * Chipset devices driven through the machine's buses, as a vCPU would, without running one:
 * fw_cfg (traditional and DMA, hostile DMA requests included), CMOS contents for the memory
 * size and CPU count, the RTC's registers, and PCI configuration through 0xCF8/0xCFC.
 * Needs /dev/kvm (the machine is a real VM) and Debian's SeaBIOS (firmware boot layout).
 */
#include "config.h"

#include <string.h>

#include "hw/i8042.h"
#include "hw/machine.h"
#include "kd-test.h"

static struct kd_machine *machine(struct kd_kvm **kvm, uint64_t ram, unsigned cpus)
{
	struct kd_pc_config cfg = { 0 };
	g_autoptr(GError) err = NULL;
	struct kd_machine *m;

	cfg.vm.ram_size = ram;
	cfg.vm.ncpus = cpus;
	*kvm = kd_kvm_open(NULL, &err);
	g_assert_no_error(err);
	m = kd_pc_new(*kvm, &cfg, &err);
	g_assert_no_error(err);
	return m;
}

static void release(struct kd_machine *m, struct kd_kvm *kvm)
{
	kd_pc_free(m);
	kd_kvm_close(kvm);
}

static void out(struct kd_machine *m, uint16_t port, uint32_t v, unsigned size)
{
	kd_test_out(m->vm, port, v, size);
}

static uint32_t in(struct kd_machine *m, uint16_t port, unsigned size)
{
	return kd_test_in(m->vm, port, size);
}

static uint8_t cmos(struct kd_machine *m, uint8_t index)
{
	out(m, 0x70, index | 0x80, 1); /* the NMI-mask bit is not part of the index */
	return (uint8_t)in(m, 0x71, 1);
}

/* One fw_cfg DMA request placed in guest RAM at req; returns the control word after it. */
static uint32_t dma(struct kd_machine *m, uint64_t req, uint32_t control, uint32_t len,
		    uint64_t target)
{
	uint8_t r[16];
	uint32_t result;

	for (int i = 0; i < 4; i++) {
		r[i] = (uint8_t)(control >> (24 - 8 * i));
		r[4 + i] = (uint8_t)(len >> (24 - 8 * i));
	}
	for (int i = 0; i < 8; i++)
		r[8 + i] = (uint8_t)(target >> (56 - 8 * i));
	if (!kd_vm_write(m->vm, req, r, sizeof(r)))
		return ~0u;
	out(m, 0x514, __builtin_bswap32((uint32_t)(req >> 32)), 4);
	out(m, 0x518, __builtin_bswap32((uint32_t)req), 4);
	kd_vm_read(m->vm, req, &result, 4);
	return __builtin_bswap32(result);
}

static void test_fw_cfg(void)
{
	struct kd_kvm *kvm;
	struct kd_machine *m;
	char sig[5] = { 0 };
	uint8_t dir[4096];
	uint32_t count;
	GString *names = g_string_new(NULL);

	KD_TEST_REQUIRE_KVM();
	m = machine(&kvm, 128 * KD_MIB, 2);
	out(m, 0x510, 0x0000, 2);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)in(m, 0x511, 1);
	g_assert_cmpstr(sig, ==, "QEMU");
	out(m, 0x510, 0x0005, 2); /* CPU count */
	g_assert_cmpuint(in(m, 0x511, 1) | in(m, 0x511, 1) << 8, ==, 2);
	g_assert_cmpuint(in(m, 0x511, 1), ==, 0); /* past the end of the item */

	/* The directory by DMA; every file SeaBIOS needs is in it. */
	g_assert_cmphex(dma(m, 0x1000, 0x19 << 16 | 0x0A, sizeof(dir), 0x2000), ==, 0);
	g_assert_true(kd_vm_read(m->vm, 0x2000, dir, sizeof(dir)));
	count = __builtin_bswap32(*(uint32_t *)dir);
	for (uint32_t i = 0; i < count && 4 + 64 * (i + 1) <= sizeof(dir); i++)
		g_string_append_printf(names, "%s ", (char *)dir + 4 + 64 * i + 8);
	g_assert_nonnull(strstr(names->str, "etc/e820 "));
	g_assert_nonnull(strstr(names->str, "etc/acpi/rsdp "));
	g_assert_nonnull(strstr(names->str, "etc/acpi/tables "));
	g_assert_nonnull(strstr(names->str, "etc/table-loader "));
	g_string_free(names, TRUE);

	/* Hostile requests: a target past RAM, a length that runs off its end, a target in the
	 * PCI hole, an unknown item, a write. Each fails with the error bit, nothing else. */
	g_assert_cmphex(dma(m, 0x1000, 0x0A, 16, 128 * KD_MIB), ==, 1);
	g_assert_cmphex(dma(m, 0x1000, 0x0A, 0xFFFFFFFF, 0x3000), ==, 1);
	g_assert_cmphex(dma(m, 0x1000, 0x0A, 4, 0xFEC00000), ==, 1);
	g_assert_cmphex(dma(m, 0x1000, 0x10, 4, 0x3000), ==, 1);
	g_assert_cmphex(dma(m, 0x1000, 0x7777 << 16 | 0x0A, 4, 0x3000), ==, 0); /* reads zeros */
	/* A request block outside RAM is ignored: nothing to write the status to. */
	out(m, 0x514, 0, 4);
	out(m, 0x518, __builtin_bswap32(0xFEBFF000), 4);
	release(m, kvm);
}

static void test_cmos_memory(void)
{
	static const struct {
		uint64_t ram;
		unsigned cpus;
		unsigned ext_kib, above_16m_64k, above_4g_64k;
	} cases[] = {
		{ 128 * KD_MIB, 1, 65535, (128 - 16) * 16, 0 }, /* 0x30: KiB above 1 MiB, capped */
		{ 4 * KD_GIB, 3, 65535, 65535, 16384 }, /* 3 GiB below, 1 GiB above */
	};

	KD_TEST_REQUIRE_KVM();
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct kd_kvm *kvm;
		struct kd_machine *m = machine(&kvm, cases[i].ram, cases[i].cpus);
		unsigned above_16m = (3 * KD_GIB - 16 * KD_MIB) / (64 * KD_KIB);

		g_assert_cmpuint(cmos(m, 0x15) | cmos(m, 0x16) << 8, ==, 640);
		g_assert_cmpuint(cmos(m, 0x30) | cmos(m, 0x31) << 8, ==, cases[i].ext_kib);
		g_assert_cmpuint(cmos(m, 0x34) | cmos(m, 0x35) << 8, ==,
				 i ? MIN(above_16m, 65535u) : cases[i].above_16m_64k);
		g_assert_cmpuint(cmos(m, 0x5B) | cmos(m, 0x5C) << 8 | cmos(m, 0x5D) << 16, ==,
				 cases[i].above_4g_64k);
		g_assert_cmpuint(cmos(m, 0x5F), ==, cases[i].cpus - 1);
		release(m, kvm);
	}
}

static void test_rtc_registers(void)
{
	struct kd_kvm *kvm;
	struct kd_machine *m;
	uint8_t b;

	KD_TEST_REQUIRE_KVM();
	m = machine(&kvm, 64 * KD_MIB, 1);
	g_assert_cmphex(cmos(m, 0x0A) & 0x7F, ==, 0x26);
	g_assert_cmphex(cmos(m, 0x0D), ==, 0x80);
	b = cmos(m, 0x0B);
	g_assert_true(b & 0x02);
	/* Stop the clock (SET), write a time, read it back; C and D are read-only. */
	out(m, 0x70, 0x0B, 1);
	out(m, 0x71, b | 0x80, 1);
	out(m, 0x70, 0x00, 1);
	out(m, 0x71, 0x59, 1);
	out(m, 0x70, 0x04, 1);
	out(m, 0x71, 0x23, 1);
	g_assert_cmphex(cmos(m, 0x00), ==, 0x59);
	g_assert_cmphex(cmos(m, 0x04), ==, 0x23);
	out(m, 0x70, 0x0D, 1);
	out(m, 0x71, 0x00, 1);
	g_assert_cmphex(cmos(m, 0x0D), ==, 0x80);
	/* Restart: the clock runs on from what was written (same hour, within a second). */
	out(m, 0x70, 0x0B, 1);
	out(m, 0x71, b, 1);
	g_assert_cmphex(cmos(m, 0x04), ==, 0x23);
	/* The index port is write-only and the index wraps at 128 bytes. */
	g_assert_cmphex(in(m, 0x70, 1), ==, 0xFF);
	release(m, kvm);
}

static void test_pci_ports(void)
{
	struct kd_kvm *kvm;
	struct kd_machine *m;

	KD_TEST_REQUIRE_KVM();
	m = machine(&kvm, 64 * KD_MIB, 1);
	out(m, 0xCF8, 0x80000000, 4);
	g_assert_cmphex(in(m, 0xCFC, 4), ==, 0x12378086);
	g_assert_cmphex(in(m, 0xCFE, 2), ==, 0x1237);
	g_assert_cmphex(in(m, 0xCF8, 4), ==, 0x80000000);
	out(m, 0xCF8, 0x80000803, 4); /* bits 1:0 read back as zero */
	g_assert_cmphex(in(m, 0xCF8, 4), ==, 0x80000800);
	g_assert_cmphex(in(m, 0xCFC, 4), ==, 0x70008086);
	out(m, 0xCF8, 0x00000800, 4); /* enable bit clear: nothing answers */
	g_assert_cmphex(in(m, 0xCFC, 4), ==, 0xFFFFFFFF);
	out(m, 0xCF8, 0x80011000, 4); /* bus 1 */
	g_assert_cmphex(in(m, 0xCFC, 4), ==, 0xFFFFFFFF);
	out(m, 0xCF8, 0x80001000, 4); /* 00:02.0: the Cirrus VGA */
	g_assert_cmphex(in(m, 0xCFC, 4), ==, 0x00B81013);
	out(m, 0xCF8, 0x80002000, 4); /* 00:04.0: empty */
	g_assert_cmphex(in(m, 0xCFC, 4), ==, 0xFFFFFFFF);
	release(m, kvm);
}

/* Every byte of a multi-byte key raises IRQ 1 anew: the PIC sees edges, and a line that stays
 * high between two queued bytes would deliver only the first. */
static void test_i8042_irq_per_byte(void)
{
	struct kd_kvm *kvm;
	struct kd_machine *m;
	static const uint8_t shift_b[] = { 0x12, 0x32, 0xF0, 0x32, 0xF0, 0x12 };
	static const uint8_t set1[] = { 0x2A, 0x30, 0xB0, 0xAA };
	uint64_t raised;

	KD_TEST_REQUIRE_KVM();
	m = machine(&kvm, 32 * KD_MIB, 1);
	kd_vm_lock(m->vm);
	raised = kd_vm_irq_count(m->vm, 1);
	kd_i8042_put_keycode(m->i8042, shift_b, sizeof(shift_b));
	kd_vm_unlock(m->vm);
	for (unsigned i = 0; i < sizeof(set1); i++) {
		g_assert_cmphex(in(m, 0x64, 1) & 0x01, ==, 0x01);
		kd_vm_lock(m->vm);
		g_assert_cmpuint(kd_vm_irq_count(m->vm, 1), ==, raised + i + 1);
		kd_vm_unlock(m->vm);
		/* Translated to set 1, as the BIOS leaves the controller. */
		g_assert_cmphex(in(m, 0x60, 1), ==, set1[i]);
	}
	g_assert_cmphex(in(m, 0x64, 1) & 0x01, ==, 0x00);
	release(m, kvm);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/devices/fw-cfg", test_fw_cfg);
	g_test_add_func("/devices/cmos-memory", test_cmos_memory);
	g_test_add_func("/devices/rtc-registers", test_rtc_registers);
	g_test_add_func("/devices/pci-ports", test_pci_ports);
	g_test_add_func("/devices/i8042-irq-per-byte", test_i8042_irq_per_byte);
	return g_test_run();
}
