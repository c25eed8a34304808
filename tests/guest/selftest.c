/*
 * The runtime's own test: the guest really runs in 64-bit ring 3 over paging, reaches ports,
 * MMIO and ring 0, formats output correctly, and received the loader's command line and memory
 * size. Expects the command line "selftest answer=42 flag mem_mib=N" (N = the VM's -m).
 */
#include "kd.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_STATUS_D 0x0D
#define CMOS_STATUS_D_VRT 0x80
#define IOAPIC_BASE 0xFEC00000u
#define IOAPIC_VERSION_REG 0x01
#define LAPIC_VERSION_REG 0x30
#define EFER_LMA 0x400
#define CR0_PG 0x80000000u
#define CR4_PAE 0x20

static void check_format(const char *expected, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check_format(const char *expected, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kd_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (strcmp(buf, expected) || n != (int)strlen(expected)) {
		kd_printf("FAIL format '%s': got '%s' (%d), want '%s'\n", fmt, buf, n, expected);
		kd_failures++;
	}
}

/* Through a volatile so the compiler cannot see (and warn about) the NULL it formats. */
static const char *volatile null_string;

static void test_formatting(void)
{
	char small[4];

	check_format("-5 17 ff FF", "%d %u %x %X", -5, 17u, 255u, 255u);
	check_format("0x00001234", "%#010x", 0x1234u);
	check_format("0xffffffffffffffff", "%#lx", ~0ul);
	check_format("-9223372036854775808", "%ld", (long)(-9223372036854775807L - 1));
	check_format("[  ab][ab  ][007]", "[%4s][%-4s][%03d]", "ab", "ab", 7);
	check_format("100% (null)", "100%% %s", null_string);
	/* Truncation still reports the full length, as C's snprintf does. */
	KD_CHECK_EQ(kd_snprintf(small, sizeof(small), "%s", "abcdef"), 6);
	KD_CHECK(strcmp(small, "abc") == 0);
}

static void test_cpu_state(void)
{
	KD_CHECK_EQ(kd_cpl(), 3);
	KD_CHECK(kd_rdmsr(0xC0000080) & EFER_LMA);
	KD_CHECK(kd_syscall(KD_SYS_READ_CR, 0, 0) & CR0_PG);
	KD_CHECK(kd_syscall(KD_SYS_READ_CR, 4, 0) & CR4_PAE);
	KD_CHECK_EQ(kd_syscall(99, 0, 0), ~0ull); /* unknown calls fail, not crash */
}

static void test_port_io(void)
{
	/* MC146818 datasheet: status register D reads VRT=1 (valid RAM and time). */
	outb(CMOS_INDEX, CMOS_STATUS_D);
	KD_CHECK_EQ(inb(CMOS_DATA) & CMOS_STATUS_D_VRT, CMOS_STATUS_D_VRT);
}

static void test_mmio(void)
{
	uint32_t ioapic, lapic;

	/* 82093AA datasheet 3.2.2: IOAPICVER holds the version and the highest redirection entry. */
	mmio_write32(IOAPIC_BASE, IOAPIC_VERSION_REG);
	ioapic = mmio_read32(IOAPIC_BASE + 0x10);
	KD_CHECK((ioapic & 0xFF) >= 0x11 && (ioapic & 0xFF) <= 0x20);
	KD_CHECK_EQ((ioapic >> 16) & 0xFF, 23);
	lapic = mmio_read32(KD_LAPIC_BASE + LAPIC_VERSION_REG);
	KD_CHECK((lapic & 0xFF) >= 0x10 && (lapic & 0xFF) <= 0x15);
}

static void test_boot_info(const struct kd_boot_info *boot)
{
	char buf[8];
	uint64_t mem_mib = kd_cmdline_u64(boot, "mem_mib", 0);

	KD_CHECK(kd_cmdline_has(boot, "selftest"));
	KD_CHECK(kd_cmdline_has(boot, "flag"));
	KD_CHECK(!kd_cmdline_has(boot, "fla"));
	KD_CHECK(!kd_cmdline_has(boot, "answer")); /* it has a value: not a bare word */
	KD_CHECK_EQ(kd_cmdline_u64(boot, "answer", 0), 42);
	KD_CHECK(!kd_cmdline_value(boot, "missing", buf, sizeof(buf)));
	KD_CHECK_EQ(kd_cmdline_u64(boot, "missing", 7), 7);
	/* Multiboot's mem_upper counts KiB above 1 MiB up to the first hole. */
	KD_CHECK(mem_mib > 0);
	KD_CHECK(boot->mem_upper_kib + 1024 <= mem_mib * 1024);
	KD_CHECK(boot->mem_upper_kib + 1024 + 512 >= mem_mib * 1024);
}

/* RAM written from ring 3 through the identity map reads back, across a 2 MiB page boundary. */
static void test_memory(void)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)(0x400000 - 16);

	for (unsigned i = 0; i < 4; i++)
		p[i] = 0x0123456789abcdefull * (i + 1);
	for (unsigned i = 0; i < 4; i++)
		KD_CHECK_EQ(p[i], 0x0123456789abcdefull * (i + 1));
}

int kd_main(const struct kd_boot_info *boot)
{
	kd_printf("selftest: cmdline '%s', %lu KiB above 1 MiB\n", boot->cmdline,
		  boot->mem_upper_kib);
	/* idle: a guest that only waits for interrupts, for tests about the VMM around it (the
	 * monitor fuzzer): long mode keeps clear of this host's emulator defects, which a
	 * firmware interrupted at random moments can meet (shared/HOST-KVM.md). */
	if (kd_cmdline_has(boot, "idle"))
		for (;;)
			kd_wait_irq();
	test_formatting();
	test_cpu_state();
	test_port_io();
	test_mmio();
	test_boot_info(boot);
	test_memory();
	kd_printf("selftest: %lu system call(s) arrived through #UD\n", kd_syscalls_via_ud);
	return 0;
}
