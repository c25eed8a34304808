/*
 * Entry of every kvmdesk test guest: a multiboot (v1) kernel that a loader starts in 32-bit
 * protected mode with paging off (Multiboot Specification 0.6.96, section 3.2 "Machine state").
 *
 * It goes to long mode directly through PAE paging: plain 32-bit paging is broken in the
 * development machines' KVM emulator (see shared/HOST-KVM.md), and everything it runs in ring 0
 * is emulated slowly there, so this path is kept short and loop-light. The first 8 GiB are
 * identity-mapped with 2 MiB user pages so ring-3 test code reaches RAM and MMIO directly.
 */
#include "layout.h"

	.section .multiboot, "a"
	.balign 4
multiboot_header:
	.long MULTIBOOT_HEADER_MAGIC
	.long MULTIBOOT_HEADER_FLAGS
	.long -(MULTIBOOT_HEADER_MAGIC + MULTIBOOT_HEADER_FLAGS)

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, boot_magic
	movl %ebx, boot_info

	/* PML4 and PDPT may hold loader garbage if .bss was not cleared: clear them. */
	movl $pml4, %edi
	xorl %eax, %eax
	movl $(2 * 4096 / 4), %ecx
	rep stosl

	/* 4096 page-directory entries = 8 GiB of 2 MiB pages; the 3-4 GiB window is MMIO: uncached. */
	movl $page_directories, %edi
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_PRESENT | PTE_WRITE | PTE_USER | PTE_LARGE), %eax
	cmpl $1536, %ecx
	jb 2f
	cmpl $2048, %ecx
	jae 2f
	orl $(PTE_PWT | PTE_PCD), %eax
2:	movl %eax, (%edi)
	movl %ecx, %edx
	shrl $11, %edx
	movl %edx, 4(%edi)
	addl $8, %edi
	incl %ecx
	cmpl $(IDENTITY_MAP_GIB * 512), %ecx
	jb 1b

	movl $pdpt, %edi
	movl $page_directories, %eax
	orl $(PTE_PRESENT | PTE_WRITE | PTE_USER), %eax
	movl $IDENTITY_MAP_GIB, %ecx
3:	movl %eax, (%edi)
	addl $8, %edi
	addl $4096, %eax
	loop 3b

	movl $pdpt, %eax
	orl $(PTE_PRESENT | PTE_WRITE | PTE_USER), %eax
	movl %eax, pml4

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE | CR0_WP), %eax
	movl %eax, %cr0

	lgdt gdt_pointer
	ljmp $GDT_KERNEL_CODE, $long_mode_entry

	.code64
long_mode_entry:
	movw $GDT_KERNEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movq $kernel_stack_top, %rsp
	movl boot_magic, %edi
	movl boot_info, %esi
	call kd_rt_main
	/* kd_rt_main enters ring 3 and never returns. */
4:	hlt
	jmp 4b

/*
 * Ring-3 entry: kd_rt_main builds an iretq frame that lands here with the user stack set.
 */
	.text
	.globl kd_rt_enter_user
kd_rt_enter_user:
	/* rdi = user rip, rsi = user rsp, rdx = argument for the user entry */
	movq %rdx, %rax
	pushq $(GDT_USER_DATA | 3)
	pushq %rsi
	pushq $RFLAGS_USER
	pushq $(GDT_USER_CODE64 | 3)
	pushq %rdi
	movq %rax, %rdi
	iretq

/*
 * Interrupt and exception stubs: one per vector, each pushing a dummy error code where the CPU
 * pushes none (SDM vol. 3A, table 6-1) so every frame has the same shape.
 */
	.macro trap_stub vector
	.balign 16
	.if (\vector == 8) || ((\vector >= 10) && (\vector <= 14)) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
	pushq $\vector
	.else
	pushq $0
	pushq $\vector
	.endif
	jmp trap_common
	.endm

	.balign 16
	.globl kd_rt_trap_stubs
kd_rt_trap_stubs:
	.altmacro
	.set vector, 0
	.rept 256
	trap_stub %vector
	.set vector, vector + 1
	.endr
	.noaltmacro

trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	/* The SysV ABI wants a 16-byte aligned stack at the call. */
	movq %rsp, %rbx
	andq $-16, %rsp
	call kd_rt_trap
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq

	.section .data
	.balign 16
	.globl kd_rt_gdt
kd_rt_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* GDT_KERNEL_CODE: 64-bit, DPL 0 */
	.quad 0x00cf92000000ffff	/* GDT_KERNEL_DATA */
	.quad 0x00cffa000000ffff	/* 32-bit user code, unused; keeps the SYSRET layout */
	.quad 0x00cff2000000ffff	/* GDT_USER_DATA: DPL 3 */
	.quad 0x00affa000000ffff	/* GDT_USER_CODE64: 64-bit, DPL 3 */
	.quad 0, 0			/* GDT_TSS: filled in by kd_rt_main */
kd_rt_gdt_end:

	.balign 4
	.word 0
gdt_pointer:
	.word kd_rt_gdt_end - kd_rt_gdt - 1
	.long kd_rt_gdt

	.globl boot_magic, boot_info
boot_magic:	.long 0
boot_info:	.long 0

	.section .bss.pagetables, "aw", @nobits
	.balign 4096
pml4:			.skip 4096
pdpt:			.skip 4096
page_directories:	.skip 4096 * IDENTITY_MAP_GIB

	.section .bss, "aw", @nobits
	.balign 16
kernel_stack:		.skip 16384
	.globl kernel_stack_top
kernel_stack_top:

	.section .note.GNU-stack, "", @progbits
