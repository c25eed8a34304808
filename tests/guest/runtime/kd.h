/*
 * The kvmdesk test-guest runtime: what a freestanding test program sees.
 *
 * A test program defines kd_main() and runs in ring 3 with IOPL=3 over an identity map of the
 * first 8 GiB (user pages), so port I/O and MMIO happen at native speed without system calls.
 * Output goes to the debug console (port 0x402, QEMU's isa-debugcon and kvmdesk's -debugcon) or
 * COM1; the result leaves through the exit port 0xf4 (QEMU's isa-debug-exit, iosize=4), which
 * turns code C into the VMM's exit status (C << 1) | 1.
 */
#ifndef KD_GUEST_KD_H
#define KD_GUEST_KD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KD_EXIT_PORT 0xf4
#define KD_DEBUGCON_PORT 0x402
#define KD_COM1_PORT 0x3f8

/* Exit codes: 0 = pass, 1..KD_EXIT_MAX_FAILURES = number of failed checks. */
#define KD_EXIT_MAX_FAILURES 125
#define KD_EXIT_BAD_BOOT 126
#define KD_EXIT_EXCEPTION 127

struct kd_boot_info {
	const char *cmdline; /* multiboot command line, "" when none */
	uint64_t mem_upper_kib; /* memory above 1 MiB the loader reported, 0 when none */
};

/* Implemented by each test program; its return value is the exit code when no check failed. */
int kd_main(const struct kd_boot_info *boot);

/* ------------------------------------------------------------------ port I/O and MMIO */
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
/* String output: KVM hands a whole `rep outsb` to the VMM in one exit (kvm_run io.count). */
static inline void outsb(uint16_t port, const void *buf, size_t n)
{
	__asm__ volatile("rep outsb" : "+S"(buf), "+c"(n) : "d"(port) : "memory");
}
static inline void insb(uint16_t port, void *buf, size_t n)
{
	__asm__ volatile("rep insb" : "+D"(buf), "+c"(n) : "d"(port) : "memory");
}

#define KD_MMIO_ACCESSORS(bits)                                                                    \
	static inline uint##bits##_t mmio_read##bits(uint64_t addr)                                \
	{                                                                                          \
		return *(volatile uint##bits##_t *)(uintptr_t)addr;                                \
	}                                                                                          \
	static inline void mmio_write##bits(uint64_t addr, uint##bits##_t v)                       \
	{                                                                                          \
		*(volatile uint##bits##_t *)(uintptr_t)addr = v;                                   \
	}
KD_MMIO_ACCESSORS(8)
KD_MMIO_ACCESSORS(16)
KD_MMIO_ACCESSORS(32)
KD_MMIO_ACCESSORS(64)
#undef KD_MMIO_ACCESSORS

static inline uint64_t kd_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* TSC ticks per second, calibrated against the PIT (which every KVM VMM keeps in the kernel)
 * over about 25 ms; reprograms PIT channel 0. */
uint64_t kd_tsc_hz(void);

static inline unsigned kd_cpl(void)
{
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

/* ------------------------------------------------------------------ output and exit */
enum kd_console { KD_CONSOLE_DEBUGCON, KD_CONSOLE_SERIAL };
void kd_set_console(enum kd_console console);
void kd_write(const char *s, size_t n);
void kd_puts(const char *s);
int kd_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kd_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int kd_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
__attribute__((noreturn)) void kd_exit(unsigned code);

/* ------------------------------------------------------------------ checks */
extern unsigned kd_failures;
void kd_check_failed(const char *file, int line, const char *what);
void kd_check_eq_failed(const char *file, int line, const char *a, const char *b, uint64_t va,
			uint64_t vb);

#define KD_CHECK(cond)                                                                             \
	do {                                                                                       \
		if (!(cond))                                                                       \
			kd_check_failed(__FILE__, __LINE__, #cond);                                \
	} while (0)
#define KD_CHECK_EQ(a, b)                                                                          \
	do {                                                                                       \
		uint64_t kd_va_ = (uint64_t)(a), kd_vb_ = (uint64_t)(b);                           \
		if (kd_va_ != kd_vb_)                                                              \
			kd_check_eq_failed(__FILE__, __LINE__, #a, #b, kd_va_, kd_vb_);            \
	} while (0)

/* ------------------------------------------------------------------ command line */
bool kd_cmdline_has(const struct kd_boot_info *boot, const char *word);
/* Value of "key=value" on the command line, copied into buf; false when absent. */
bool kd_cmdline_value(const struct kd_boot_info *boot, const char *key, char *buf, size_t size);
uint64_t kd_cmdline_u64(const struct kd_boot_info *boot, const char *key, uint64_t fallback);

/* ------------------------------------------------------------------ system calls (ring 0 work) */
enum kd_syscall {
	KD_SYS_WAIT_IRQ = 1, /* sti; hlt; cli in ring 0: returns after one interrupt */
	KD_SYS_SET_IF = 2, /* arg0 != 0: ring 3 runs with interrupts enabled */
	KD_SYS_RDMSR = 3, /* arg0 = MSR index; returns its value */
	KD_SYS_WRMSR = 4, /* arg0 = MSR index, arg1 = value */
	KD_SYS_READ_CR = 5, /* arg0 = 0, 2, 3 or 4; returns that control register */
	KD_SYS_TRIPLE_FAULT = 6, /* loads an empty IDT and faults: the machine must reset */
};
/* Enters ring 0 with `int $0x80`; works where `int n` from ring 3 raises #UD instead (see
 * shared/HOST-KVM.md): the #UD handler recognises the instruction and serves the call. */
uint64_t kd_syscall(enum kd_syscall nr, uint64_t arg0, uint64_t arg1);
/* Number of the syscalls that arrived through the #UD path (diagnostics). */
extern volatile uint64_t kd_syscalls_via_ud;

static inline void kd_wait_irq(void)
{
	kd_syscall(KD_SYS_WAIT_IRQ, 0, 0);
}
static inline uint64_t kd_rdmsr(uint32_t msr)
{
	return kd_syscall(KD_SYS_RDMSR, msr, 0);
}
static inline void kd_wrmsr(uint32_t msr, uint64_t v)
{
	kd_syscall(KD_SYS_WRMSR, msr, v);
}

/* ------------------------------------------------------------------ interrupts */
/* Vectors: legacy PIC IRQ n arrives at 0x20 + n; others (IOAPIC, MSI) at what they program.
 * Vector 0x80 is the system call and must not be used for an interrupt. */
#define KD_PIC_VECTOR_BASE 0x20
#define KD_LAPIC_BASE 0xFEE00000u
extern volatile uint64_t kd_irq_count[256];
void kd_pic_unmask(unsigned irq);
void kd_pic_mask(unsigned irq);

/* ------------------------------------------------------------------ PCI configuration space */
uint32_t kd_pci_read32(unsigned bus, unsigned dev, unsigned fn, unsigned off);
uint16_t kd_pci_read16(unsigned bus, unsigned dev, unsigned fn, unsigned off);
uint8_t kd_pci_read8(unsigned bus, unsigned dev, unsigned fn, unsigned off);
void kd_pci_write32(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint32_t v);
void kd_pci_write16(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint16_t v);
void kd_pci_write8(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint8_t v);

/* ------------------------------------------------------------------ freestanding libc subset */
void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
