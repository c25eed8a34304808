/*
 * Ring-0 half of the test-guest runtime: descriptor tables, interrupt controllers, the system-call
 * gate and exception reports. Everything here runs in the host KVM's slow emulator on the
 * development machines, so it does the minimum and hands control to ring 3 quickly.
 */
#include "kd.h"
#include "layout.h"

struct kd_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

/* Intel SDM vol. 3A, 8.7: 64-bit task-state segment. */
struct kd_tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
	/* All ports allowed. IOPL=3 should make the bitmap moot, but the development machines'
	 * KVM runs ring 3 with IOPL 0 and its emulator checks string I/O (`rep outsb`) against
	 * this bitmap (SDM vol. 1, 19.5.2); the extra 0xFF byte ends it, as the SDM asks. */
	uint8_t iomap[65536 / 8 + 1];
} __attribute__((packed));

struct kd_idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

struct kd_multiboot_info {
	uint32_t flags;
	uint32_t mem_lower;
	uint32_t mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
};

#define MBI_FLAG_MEM 0x1
#define MBI_FLAG_CMDLINE 0x4
#define IDT_INTERRUPT_GATE 0x8E
#define IDT_USER_GATE 0xEE
#define TRAP_STUB_SIZE 16
#define SYSCALL_VECTOR 0x80
#define VECTOR_UD 6
#define VECTOR_DF 8
#define VECTOR_NMI 2
#define LAPIC_SPURIOUS_VECTOR 0xFF
#define RFLAGS_IF 0x200

/* Intel 8259A datasheet: ICW1..ICW4, OCW2 EOI. */
#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define PIC_EOI 0x20

/* Intel SDM vol. 3A, 11.4 / 11.5: local APIC registers (offsets from its base). */
#define LAPIC_EOI 0xB0
#define LAPIC_SVR 0xF0
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_SVR_ENABLE 0x100
#define LAPIC_DELIVERY_EXTINT 0x700
#define LAPIC_DELIVERY_NMI 0x400
#define MSR_APIC_BASE 0x1B

extern char kd_rt_trap_stubs[];
extern uint64_t kd_rt_gdt[];
extern uint32_t boot_magic, boot_info;
extern char kernel_stack_top[];
void kd_rt_enter_user(void (*entry)(const struct kd_boot_info *), void *rsp,
		      const struct kd_boot_info *boot) __attribute__((noreturn));
void kd_user_start(const struct kd_boot_info *boot) __attribute__((noreturn));
void kd_rt_main(uint32_t magic, uint32_t mbi_address) __attribute__((noreturn));
void kd_rt_trap(struct kd_frame *f);

static struct kd_tss tss;
static struct kd_idt_gate idt[256] __attribute__((aligned(16)));
static uint8_t double_fault_stack[4096] __attribute__((aligned(16)));
static uint8_t user_stack[65536] __attribute__((aligned(16)));
static char cmdline[1024];
static struct kd_boot_info boot;
/* Must read zero: proves the loader cleared .bss as an ELF loader has to. */
static volatile uint64_t bss_canary[2];

volatile uint64_t kd_irq_count[256];
volatile uint64_t kd_syscalls_via_ud;

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
	"#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

static inline void lapic_write(unsigned reg, uint32_t v)
{
	mmio_write32(KD_LAPIC_BASE + reg, v);
}

static void load_tss(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	tss.iomap[sizeof(tss.iomap) - 1] = 0xFF;

	tss.rsp[0] = (uint64_t)(uintptr_t)kernel_stack_top;
	tss.ist[0] = (uint64_t)(uintptr_t)(double_fault_stack + sizeof(double_fault_stack));
	tss.iomap_base = offsetof(struct kd_tss, iomap);
	kd_rt_gdt[GDT_TSS / 8] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) |
				 ((limit >> 16) << 48) | (((base >> 24) & 0xFF) << 56);
	kd_rt_gdt[GDT_TSS / 8 + 1] = base >> 32;
	__asm__ volatile("ltr %w0" : : "r"(GDT_TSS));
}

static void load_idt(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) pointer = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	for (unsigned v = 0; v < 256; v++) {
		uint64_t handler = (uint64_t)(uintptr_t)(kd_rt_trap_stubs + v * TRAP_STUB_SIZE);

		idt[v].offset_low = handler & 0xFFFF;
		idt[v].selector = GDT_KERNEL_CODE;
		idt[v].ist = (v == VECTOR_DF || v == VECTOR_NMI) ? 1 : 0;
		idt[v].type_attr = v == SYSCALL_VECTOR ? IDT_USER_GATE : IDT_INTERRUPT_GATE;
		idt[v].offset_mid = (handler >> 16) & 0xFFFF;
		idt[v].offset_high = handler >> 32;
	}
	__asm__ volatile("lidt %0" : : "m"(pointer));
}

/* The PIC goes to vectors 0x20-0x2F with every line masked; tests unmask what they use. A
 * firmware that ran before us (SeaBIOS under QEMU's -kernel) left it at 0x08/0x70. */
static void init_pic(void)
{
	outb(PIC1_CMD, 0x11);
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, KD_PIC_VECTOR_BASE);
	outb(PIC2_DATA, KD_PIC_VECTOR_BASE + 8);
	outb(PIC1_DATA, 0x04);
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01);
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xFB); /* all masked but the cascade line */
	outb(PIC2_DATA, 0xFF);
}

/* A local APIC that is enabled but software-disabled would block the PIC (KVM only takes
 * ExtINT through an unmasked LINT0), so enable it as a BIOS does: LINT0 = ExtINT, LINT1 = NMI. */
static void init_lapic(void)
{
	uint64_t base;
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_APIC_BASE));
	base = ((uint64_t)hi << 32) | lo;
	if (!(base & 0x800) || (base & ~0xFFFull) != KD_LAPIC_BASE)
		return;
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
	lapic_write(LAPIC_LVT_LINT0, LAPIC_DELIVERY_EXTINT);
	lapic_write(LAPIC_LVT_LINT1, LAPIC_DELIVERY_NMI);
}

static void read_boot_info(uint32_t mbi_address)
{
	const struct kd_multiboot_info *mbi = (const void *)(uintptr_t)mbi_address;

	boot.cmdline = cmdline;
	if (mbi->flags & MBI_FLAG_MEM)
		boot.mem_upper_kib = mbi->mem_upper;
	if ((mbi->flags & MBI_FLAG_CMDLINE) && mbi->cmdline) {
		const char *src = (const char *)(uintptr_t)mbi->cmdline;
		size_t i;

		for (i = 0; i + 1 < sizeof(cmdline) && src[i]; i++)
			cmdline[i] = src[i];
		cmdline[i] = 0;
	}
}

void kd_rt_main(uint32_t magic, uint32_t mbi_address)
{
	load_tss();
	load_idt();
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
		kd_printf("kd: not started by a multiboot loader (eax=%#x, want %#x)\n", magic,
			  MULTIBOOT_BOOTLOADER_MAGIC);
		kd_exit(KD_EXIT_BAD_BOOT);
	}
	if (bss_canary[0] || bss_canary[1]) {
		kd_printf("kd: the loader did not clear .bss\n");
		kd_exit(KD_EXIT_BAD_BOOT);
	}
	read_boot_info(mbi_address);
	init_pic();
	init_lapic();
	kd_rt_enter_user(kd_user_start, user_stack + sizeof(user_stack), &boot);
}

static uint64_t read_cr(uint64_t which)
{
	uint64_t v;

	switch (which) {
	case 0:
		__asm__ volatile("mov %%cr0, %0" : "=r"(v));
		return v;
	case 2:
		__asm__ volatile("mov %%cr2, %0" : "=r"(v));
		return v;
	case 3:
		__asm__ volatile("mov %%cr3, %0" : "=r"(v));
		return v;
	case 4:
		__asm__ volatile("mov %%cr4, %0" : "=r"(v));
		return v;
	}
	return ~0ull;
}

static void serve_syscall(struct kd_frame *f)
{
	uint32_t lo, hi;

	switch (f->rax) {
	case 0: /* kd_exit's halt: nothing more will run */
		for (;;)
			__asm__ volatile("cli; hlt");
	case KD_SYS_WAIT_IRQ:
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		f->rax = 0;
		return;
	case KD_SYS_SET_IF:
		if (f->rdi)
			f->rflags |= RFLAGS_IF;
		else
			f->rflags &= ~(uint64_t)RFLAGS_IF;
		f->rax = 0;
		return;
	case KD_SYS_RDMSR:
		__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"((uint32_t)f->rdi));
		f->rax = ((uint64_t)hi << 32) | lo;
		return;
	case KD_SYS_WRMSR:
		__asm__ volatile("wrmsr"
				 :
				 : "c"((uint32_t)f->rdi), "a"((uint32_t)f->rsi),
				   "d"((uint32_t)(f->rsi >> 32)));
		f->rax = 0;
		return;
	case KD_SYS_READ_CR:
		f->rax = read_cr(f->rdi);
		return;
	case KD_SYS_TRIPLE_FAULT: {
		struct {
			uint16_t limit;
			uint64_t base;
		} __attribute__((packed)) empty = { 0, 0 };

		/* Any exception now finds no handler, nor one for #DF: a triple fault. */
		__asm__ volatile("lidt %0; int3" : : "m"(empty));
		f->rax = ~0ull; /* not reached on a real PC */
		return;
	}
	}
	f->rax = ~0ull;
}

static void report_exception(const struct kd_frame *f)
{
	const char *name =
		f->vector < 32 && exception_names[f->vector] ? exception_names[f->vector] : "?";

	kd_printf("kd: exception %s (vector %lu) error %#lx in ring %lu\n", name, f->vector,
		  f->error, f->cs & 3);
	kd_printf("kd:   rip=%#018lx cs=%#lx rflags=%#lx rsp=%#018lx ss=%#lx cr2=%#lx\n", f->rip,
		  f->cs, f->rflags, f->rsp, f->ss, read_cr(2));
	kd_printf("kd:   rax=%#lx rbx=%#lx rcx=%#lx rdx=%#lx rsi=%#lx rdi=%#lx rbp=%#lx\n", f->rax,
		  f->rbx, f->rcx, f->rdx, f->rsi, f->rdi, f->rbp);
	kd_printf("kd:   r8=%#lx r9=%#lx r10=%#lx r11=%#lx r12=%#lx r13=%#lx r14=%#lx r15=%#lx\n",
		  f->r8, f->r9, f->r10, f->r11, f->r12, f->r13, f->r14, f->r15);
}

void kd_rt_trap(struct kd_frame *f)
{
	if (f->vector == SYSCALL_VECTOR) {
		serve_syscall(f);
		return;
	}
	/* `int $0x80` is CD 80; where ring 3 cannot raise it (it #UDs instead), serve it here. */
	if (f->vector == VECTOR_UD && (f->cs & 3) == 3 &&
	    *(const volatile uint16_t *)(uintptr_t)f->rip == 0x80CD) {
		kd_syscalls_via_ud++;
		f->rip += 2;
		serve_syscall(f);
		return;
	}
	if (f->vector >= 32) {
		kd_irq_count[f->vector]++;
		if (f->vector == LAPIC_SPURIOUS_VECTOR)
			return;
		if (f->vector < KD_PIC_VECTOR_BASE + 16) {
			if (f->vector >= KD_PIC_VECTOR_BASE + 8)
				outb(PIC2_CMD, PIC_EOI);
			outb(PIC1_CMD, PIC_EOI);
		} else {
			lapic_write(LAPIC_EOI, 0);
		}
		return;
	}
	report_exception(f);
	kd_exit(KD_EXIT_EXCEPTION);
}
