/*
 * What the real-mode boot programs (hdboot.S, cdboot.S, pxeboot.S) share, as assembler macros:
 * the start at 0:7C00, and the routines to print through int 10h, let SeaBIOS's serial console
 * catch up, and end the VM through the isa-debug-exit port 0xf4 (the code in %al).
 */

/* Flat real-mode segments and a stack below the program. */
.macro BOOT_START
	cli
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7C00, %sp
	sti
.endm

/* Prints message, waits for the serial console and exits with code. */
.macro BOOT_PASS message, code
	mov $\message, %si
	call print
	call flush_console
	mov $\code, %al
	jmp exit
.endm

/* fail: prints failure_message and exits with the code in %al; exit; print (%si, NUL-ended);
 * flush_console. */
.macro BOOT_ROUTINES failure_message
fail:
	push %ax
	mov $\failure_message, %si
	call print
	pop %ax
exit:
	out %al, $0xF4
	hlt
	jmp exit

print:
	lodsb
	test %al, %al
	jz 1f
	mov $0x0E, %ah
	mov $0x0007, %bx
	int $0x10
	jmp print
1:	ret

/* SeaBIOS's serial console sends its last characters from its timer: wait 50 ms. */
flush_console:
	mov $0x86, %ah
	xor %cx, %cx
	mov $50000, %dx
	int $0x15
	ret
.endm
