/*
 * A hard disk boot sector for the IDE tests (tests/system/ide-boot.sh): printed through the
 * BIOS (int 10h, which SeaBIOS mirrors to the serial port with -nographic), then int 13h
 * reads of the disk the test made: LBA 1-8 by the extended read (pattern: byte j of sector i
 * is (7i + j) mod 256), LBA 2 again by a CHS read, and the last sector (from the drive
 * parameters) which holds "LASTSECT". Outcome through the isa-debug-exit port 0xf4:
 * 0x21 passed (exit status 67), 0x01-0x07 the step that failed.
 */
#include "bios.inc"

	.code16
	.text
	.globl start
start:
	BOOT_START
	mov %dl, drive
	mov $hello, %si
	call print

	mov $0x41, %ah			/* int 13h extensions present? */
	mov $0x55AA, %bx
	mov drive, %dl
	int $0x13
	mov $1, %al
	jc fail
	cmp $0xAA55, %bx
	jne fail

	mov $dap, %si			/* LBA 1-8 to 0x8000 */
	mov $0x42, %ah
	mov drive, %dl
	int $0x13
	mov $2, %al
	jc fail
	call check_pattern

	mov $0x0201, %ax		/* CHS 0/0/3 = LBA 2, one sector, to 0x9000 */
	mov $0x0003, %cx
	xor %dh, %dh
	mov drive, %dl
	mov $0x9000, %bx
	int $0x13
	mov $4, %al
	jc fail
	mov $0x9000, %si
	mov $0x8200, %di
	mov $512, %cx
	cld
	repe cmpsb
	mov $5, %al
	jne fail

	movw $0x1A, params		/* drive parameters: total sectors */
	mov $params, %si
	mov $0x48, %ah
	mov drive, %dl
	int $0x13
	mov $6, %al
	jc fail
	mov params + 16, %eax		/* last LBA = total - 1 (disk below 2 TiB) */
	dec %eax
	mov %eax, dap + 8
	movw $1, dap + 2
	movw $0x9000, dap + 4
	mov $dap, %si
	mov $0x42, %ah
	mov drive, %dl
	int $0x13
	mov $7, %al
	jc fail
	mov $0x9000, %si
	mov $lastsect, %di
	mov $8, %cx
	repe cmpsb
	mov $7, %al
	jne fail

	BOOT_PASS ok, 0x21

/* Byte j of sector i (1-8) at 0x8000 + 512 (i - 1) must be 7i + j. */
check_pattern:
	mov $0x8000, %si
	mov $1, %bl
1:	mov %bl, %al
	mov $7, %ah
	mul %ah
	mov %al, %bh
	xor %cx, %cx
2:	mov %bh, %al
	add %cl, %al
	cmp (%si), %al
	mov $3, %al
	jne fail
	inc %si
	inc %cx
	cmp $512, %cx
	jne 2b
	inc %bl
	cmp $9, %bl
	jne 1b
	ret

	BOOT_ROUTINES bad

hello:	.asciz "kvmdesk boot sector from hard disk\r\n"
ok:	.asciz "int13 OK\r\n\r\n"
bad:	.asciz "int13 FAILED\r\n"
lastsect: .ascii "LASTSECT"
drive:	.byte 0
	.balign 4
dap:	.byte 0x10, 0
	.word 8				/* sectors */
	.word 0x8000, 0			/* buffer offset, segment */
	.quad 1				/* LBA */
params:	.fill 0x1A, 1, 0

	.org 510
	.word 0xAA55
