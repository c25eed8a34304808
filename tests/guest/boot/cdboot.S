/*
 * An El Torito no-emulation boot image for the IDE tests (tests/system/ide-boot.sh): SeaBIOS
 * loads it from the CD-ROM; it prints through the BIOS, reads the ISO's primary volume
 * descriptor (LBA 16, 2048-byte sectors) with int 13h and checks its "CD001". Outcome through
 * the isa-debug-exit port 0xf4: 0x22 passed (exit status 69), 0x01-0x03 the step that failed.
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

	mov $0x41, %ah
	mov $0x55AA, %bx
	mov drive, %dl
	int $0x13
	mov $1, %al
	jc fail

	mov $dap, %si
	mov $0x42, %ah
	mov drive, %dl
	int $0x13
	mov $2, %al
	jc fail
	mov $0x8001, %si
	mov $cd001, %di
	mov $5, %cx
	cld
	repe cmpsb
	mov $3, %al
	jne fail

	BOOT_PASS ok, 0x22

	BOOT_ROUTINES bad

hello:	.asciz "kvmdesk boot image from CD-ROM\r\n"
ok:	.asciz "CD read OK\r\n\r\n"
bad:	.asciz "CD read FAILED\r\n"
cd001:	.ascii "CD001"
drive:	.byte 0
	.balign 4
dap:	.byte 0x10, 0
	.word 1
	.word 0x8000, 0
	.quad 16

	.org 2048
