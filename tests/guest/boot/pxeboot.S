/*
 * A PXE network bootstrap program for the NIC tests (tests/system/linux-guest.sh): iPXE loads
 * it over TFTP from the user-mode backend to 0:7C00 and runs it in real mode; it prints through
 * the BIOS and ends the VM through the isa-debug-exit port 0xf4 with 0x23 (exit status 71).
 */
	.code16
	.text
	.globl start
start:
	cli
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7C00, %sp
	sti
	mov $hello, %si
1:	lodsb
	test %al, %al
	jz 2f
	mov $0x0E, %ah
	mov $0x0007, %bx
	int $0x10
	jmp 1b
2:	mov $0x86, %ah			/* let SeaBIOS's serial console flush (50 ms) */
	xor %cx, %cx
	mov $50000, %dx
	int $0x15
	mov $0x23, %al
3:	out %al, $0xF4
	hlt
	jmp 3b

hello:	.asciz "kvmdesk PXE boot over TFTP\r\n\r\n"
