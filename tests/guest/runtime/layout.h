/*
 * Constants shared by the test-guest runtime's assembly and C code.
 */
#ifndef KD_GUEST_LAYOUT_H
#define KD_GUEST_LAYOUT_H

/* Multiboot Specification 0.6.96, 3.1.1: page-align modules, give memory info. */
#define MULTIBOOT_HEADER_MAGIC 0x1BADB002
#define MULTIBOOT_HEADER_FLAGS 0x00000003
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002

#define IDENTITY_MAP_GIB 8

/* Intel SDM vol. 3A, 4.5: paging-structure entry bits. */
#define PTE_PRESENT 0x001
#define PTE_WRITE 0x002
#define PTE_USER 0x004
#define PTE_PWT 0x008
#define PTE_PCD 0x010
#define PTE_LARGE 0x080

#define CR0_PE 0x00000001
#define CR0_WP 0x00010000
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xC0000080
#define EFER_LME 0x00000100
#define EFER_LMA 0x00000400

/* GDT selectors; the order (user code32, user data, user code64) is the one SYSRET expects. */
#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_USER_CODE32 0x18
#define GDT_USER_DATA 0x20
#define GDT_USER_CODE64 0x28
#define GDT_TSS 0x30

/* Ring 3 starts with IOPL=3 (port I/O without faults) and interrupts off. */
#define RFLAGS_USER 0x3002

#endif
