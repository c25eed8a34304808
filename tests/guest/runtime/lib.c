/*
 * Ring-3 half of the test-guest runtime: console output, formatted printing, checks, the command
 * line, PCI configuration access and the few libc functions the compiler may call on its own.
 */
#include "kd.h"

#define COM1_THR 0
#define COM1_LSR 5
#define COM1_LSR_THRE 0x20
#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA 0xCFC

void kd_user_start(const struct kd_boot_info *boot) __attribute__((noreturn));

unsigned kd_failures;
static enum kd_console console = KD_CONSOLE_DEBUGCON;

void kd_set_console(enum kd_console c)
{
	console = c;
}

void kd_write(const char *s, size_t n)
{
	if (console == KD_CONSOLE_DEBUGCON) {
		outsb(KD_DEBUGCON_PORT, s, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		/* Bounded wait: a UART that never drains must not hang the test guest. */
		for (unsigned spin = 0;
		     spin < 100000 && !(inb(KD_COM1_PORT + COM1_LSR) & COM1_LSR_THRE); spin++)
			;
		outb(KD_COM1_PORT + COM1_THR, (uint8_t)s[i]);
	}
}

void kd_puts(const char *s)
{
	kd_write(s, strlen(s));
}

/* ------------------------------------------------------------------ formatting */
struct kd_out {
	char *buf;
	size_t size;
	size_t len; /* characters produced, even past size */
};

static void out_char(struct kd_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_number(struct kd_out *o, uint64_t v, unsigned base, bool upper, bool negative,
		       int width, char pad, bool left, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len;
	size_t prefix_len = prefix ? strlen(prefix) : 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + (negative ? 1 : 0) + (int)prefix_len;
	if (!left && pad == ' ')
		for (; width > len; width--)
			out_char(o, ' ');
	if (negative)
		out_char(o, '-');
	for (size_t i = 0; i < prefix_len; i++)
		out_char(o, prefix[i]);
	if (!left && pad == '0')
		for (; width > len; width--)
			out_char(o, '0');
	while (n)
		out_char(o, tmp[--n]);
	if (left)
		for (; width > len; width--)
			out_char(o, ' ');
}

int kd_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct kd_out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		bool left = false, alt = false;
		char pad = ' ';
		int width = 0, longs = 0;

		if (*fmt != '%') {
			out_char(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else if (*fmt == '#')
				alt = true;
			else
				break;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			longs++;

		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

			out_number(&o, mag, 10, false, v < 0, width, pad, left, NULL);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			unsigned base = *fmt == 'u' ? 10 : 16;

			out_number(&o, v, base, *fmt == 'X', false, width, pad, left,
				   alt && base == 16 ? "0x" : NULL);
			break;
		}
		case 'p':
			out_number(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, false, false,
				   width, pad, left, "0x");
			break;
		case 'c':
			out_char(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len;

			if (!s)
				s = "(null)";
			len = (int)strlen(s);
			if (!left)
				for (; width > len; width--)
					out_char(&o, ' ');
			for (; *s; s++)
				out_char(&o, *s);
			if (left)
				for (; width > len; width--)
					out_char(&o, ' ');
			break;
		}
		case '%':
			out_char(&o, '%');
			break;
		case 0:
			fmt--;
			break;
		default:
			out_char(&o, '%');
			out_char(&o, *fmt);
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int kd_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kd_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int kd_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kd_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* One `rep outsb` per line keeps printing to a single exit. */
	kd_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

/* ------------------------------------------------------------------ exit and checks */
void kd_exit(unsigned code)
{
	kd_printf("kd: exit %u\n", code);
	outl(KD_EXIT_PORT, code);
	/* Without an exit device nothing stops us: halt for good (hlt is ring 0's). */
	if (kd_cpl() == 0)
		for (;;)
			__asm__ volatile("cli; hlt");
	for (;;)
		kd_syscall(0, 0, 0);
}

void kd_check_failed(const char *file, int line, const char *what)
{
	kd_failures++;
	kd_printf("FAIL %s:%d: %s\n", file, line, what);
}

void kd_check_eq_failed(const char *file, int line, const char *a, const char *b, uint64_t va,
			uint64_t vb)
{
	kd_failures++;
	kd_printf("FAIL %s:%d: %s == %s: %#lx != %#lx\n", file, line, a, b, va, vb);
}

void kd_user_start(const struct kd_boot_info *boot)
{
	int ret = kd_main(boot);

	if (kd_failures) {
		kd_printf("kd: %u check(s) failed\n", kd_failures);
		kd_exit(kd_failures < KD_EXIT_MAX_FAILURES ? kd_failures : KD_EXIT_MAX_FAILURES);
	}
	kd_exit((unsigned)ret);
}

/* ------------------------------------------------------------------ system calls */
uint64_t kd_syscall(enum kd_syscall nr, uint64_t arg0, uint64_t arg1)
{
	uint64_t ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"((uint64_t)nr), "D"(arg0), "S"(arg1)
			 : "memory");
	return ret;
}

/* ------------------------------------------------------------------ command line */
/* Finds "key" as a whole word (followed by end, space or '='); returns where it ends. */
static const char *find_word(const char *s, const char *key)
{
	size_t n = strlen(key);

	while (*s) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, key, n) && (s[n] == 0 || s[n] == ' ' || s[n] == '='))
			return s + n;
		while (*s && *s != ' ')
			s++;
	}
	return NULL;
}

bool kd_cmdline_has(const struct kd_boot_info *boot, const char *word)
{
	const char *end = find_word(boot->cmdline, word);

	return end && *end != '=';
}

bool kd_cmdline_value(const struct kd_boot_info *boot, const char *key, char *buf, size_t size)
{
	const char *end = find_word(boot->cmdline, key);
	size_t i = 0;

	if (!end || *end != '=' || size == 0)
		return false;
	for (end++; *end && *end != ' ' && i + 1 < size; end++)
		buf[i++] = *end;
	buf[i] = 0;
	return true;
}

uint64_t kd_cmdline_u64(const struct kd_boot_info *boot, const char *key, uint64_t fallback)
{
	char buf[24];
	uint64_t v = 0;
	const char *p = buf;
	unsigned base = 10;

	if (!kd_cmdline_value(boot, key, buf, sizeof(buf)) || !buf[0])
		return fallback;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (; *p; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			return fallback;
		v = v * base + d;
	}
	return v;
}

/* ------------------------------------------------------------------ interrupts */
void kd_pic_unmask(unsigned irq)
{
	uint16_t port = irq < 8 ? 0x21 : 0xA1;

	if (irq >= 16)
		return;
	outb(port, inb(port) & ~(1u << (irq & 7)));
	if (irq >= 8)
		outb(0x21, inb(0x21) & ~(1u << 2));
}

void kd_pic_mask(unsigned irq)
{
	uint16_t port = irq < 8 ? 0x21 : 0xA1;

	if (irq < 16)
		outb(port, inb(port) | (1u << (irq & 7)));
}

/* ------------------------------------------------------------------ PCI mechanism #1 */
static void pci_select(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	outl(PCI_CONFIG_ADDRESS,
	     0x80000000u | (bus & 0xFF) << 16 | (dev & 0x1F) << 11 | (fn & 7) << 8 | (off & 0xFC));
}

uint32_t kd_pci_read32(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	pci_select(bus, dev, fn, off);
	return inl(PCI_CONFIG_DATA);
}

uint16_t kd_pci_read16(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	pci_select(bus, dev, fn, off);
	return inw(PCI_CONFIG_DATA + (off & 2));
}

uint8_t kd_pci_read8(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	pci_select(bus, dev, fn, off);
	return inb(PCI_CONFIG_DATA + (off & 3));
}

void kd_pci_write32(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint32_t v)
{
	pci_select(bus, dev, fn, off);
	outl(PCI_CONFIG_DATA, v);
}

void kd_pci_write16(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint16_t v)
{
	pci_select(bus, dev, fn, off);
	outw(PCI_CONFIG_DATA + (off & 2), v);
}

void kd_pci_write8(unsigned bus, unsigned dev, unsigned fn, unsigned off, uint8_t v)
{
	pci_select(bus, dev, fn, off);
	outb(PCI_CONFIG_DATA + (off & 3), v);
}

/* ------------------------------------------------------------------ libc subset */
void *memset(void *s, int c, size_t n)
{
	void *d = s;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return s;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	for (; *a && *a == *b; a++, b++)
		;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n && *a && *a == *b; a++, b++, n--)
		;
	return n ? (unsigned char)*a - (unsigned char)*b : 0;
}

/* ------------------------------------------------------------------ time */
#define PIT_HZ 1193182u

/* PIT channel 0, mode 2 from 65536 down; its count read back through the latch command. */
static unsigned pit_count(void)
{
	unsigned lo, hi;

	outb(0x43, 0x00);
	lo = inb(0x40);
	hi = inb(0x40);
	return hi << 8 | lo;
}

uint64_t kd_tsc_hz(void)
{
	unsigned now, elapsed = 0, last;
	uint64_t t0, t1;

	outb(0x43, 0x34);
	outb(0x40, 0);
	outb(0x40, 0);
	last = pit_count();
	t0 = kd_rdtsc();
	/* About 25 ms of PIT ticks, following wraps of the 16-bit counter. */
	while (elapsed < 30000) {
		now = pit_count();
		elapsed += (last - now) & 0xFFFF;
		last = now;
	}
	t1 = kd_rdtsc();
	return (t1 - t0) * PIT_HZ / elapsed;
}
