/*
 * The demo VM disk (kvmdesk-demo.img): what `build-aux/dev run` boots so that a new user sees a
 * live guest at once, without fetching an operating system. A 16-bit real-mode program that
 * lives on BIOS services only (int 10h, 13h, 15h, 16h, 1Ah), so it shows whether kvmdesk's
 * firmware, disk, keyboard, RTC and text display work together.
 *
 * Sector 0 is the boot sector SeaBIOS loads at 0:7C00; it reads the rest of the program
 * (STAGE2_SECTORS sectors from LBA 1) to 0:7E00 and jumps there. The screen is written
 * directly to the text buffer at B800:0000, which is far fewer emulated instructions than
 * int 10h per character: real-mode code runs in an instruction emulator on nested KVM hosts
 * (shared/HOST-KVM.md). For the same reason the idle loop halts until the next interrupt
 * (the 18.2 Hz BIOS timer or a key) and reads the RTC only twice a second.
 *
 * tests/system/demo-vm.sh reads the screen through the monitor: keep the title, "Clock:",
 * "You typed:" and "Memory:" texts in step with it.
 */

#define STAGE2_SECTORS 4
#define TEXT_SEGMENT 0xB800
#define ROW(r) ((r) * 160)
#define CELL(r, c) (ROW(r) + (c) * 2)

/* Colours: high nibble background, low nibble foreground (blue background throughout). */
#define ATTR_SCREEN 0x17 /* light grey on blue */
#define ATTR_FRAME 0x1E	 /* yellow */
#define ATTR_TITLE 0x1F	 /* white */
#define ATTR_KEY 0x1B	 /* light cyan */
#define ATTR_VALUE 0x1A	 /* light green */
#define ATTR_HINT 0x13	 /* cyan */

/* Where things are on the screen. */
#define TITLE_ROW 1
#define CLOCK_POS CELL(5, 4)
#define CLOCK_VALUE_POS CELL(5, 11)
#define MENU_ROW 8
#define TYPED_POS CELL(14, 4)
#define TYPED_VALUE_POS CELL(14, 15)
#define RESULT_POS CELL(16, 4)
#define HINT_POS CELL(22, 4)

#define TYPED_KEEP 32 /* the echo line shows the last 32 keys */
#define CLOCK_TICKS 9 /* BIOS ticks (55 ms) between RTC reads: about twice a second */

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
	cld
	mov %dl, boot_drive

	/* CHS 0/0/2 onwards is LBA 1 onwards whatever the geometry, as long as the program
	 * fits in the first track (63 sectors). Floppy-era advice: retry after a reset. */
	mov $3, %di
load:	mov $0x0200 + STAGE2_SECTORS, %ax
	mov $0x0002, %cx
	xor %dh, %dh
	mov boot_drive, %dl
	mov $stage2, %bx
	int $0x13
	jnc stage2
	xor %ah, %ah
	mov boot_drive, %dl
	int $0x13
	dec %di
	jnz load
	mov $load_failed, %si
1:	lodsb
	test %al, %al
	jz 2f
	mov $0x0E, %ah
	mov $0x0007, %bx
	int $0x10
	jmp 1b
2:	hlt
	jmp 2b

load_failed: .asciz "kvmdesk demo: cannot read the disk (int 13h)"
boot_drive: .byte 0

	.org 510
	.word 0xAA55

/* ------------------------------------------------------------------ from LBA 1 on */
stage2:
	mov $0x0003, %ax		/* 80x25 colour text, cleared */
	int $0x10
	mov $0x0100, %ax		/* no hardware cursor: it would blink over the frame */
	mov $0x2000, %cx
	int $0x10
	mov $TEXT_SEGMENT, %ax
	mov %ax, %es
	call draw_screen
	call update_clock

main_loop:
	call clock_due
	jc 1f
	call update_clock
1:	mov $0x01, %ah			/* a key waiting? */
	int $0x16
	jz idle
	xor %ah, %ah
	int $0x16
	call handle_key
	jmp main_loop
idle:
	/* Both the timer and the keyboard interrupt end the halt; IF may be clear after a
	 * BIOS call, so set it here. */
	sti
	hlt
	jmp main_loop

/* CF clear when CLOCK_TICKS or more BIOS ticks (0040:006C) passed since the last RTC read. */
clock_due:
	mov 0x46C, %ax
	sub last_tick, %ax
	cmp $CLOCK_TICKS, %ax
	ret

update_clock:
	mov 0x46C, %ax
	mov %ax, last_tick
	mov $0x04, %ah			/* date: CH century, CL year, DH month, DL day (BCD) */
	int $0x1A
	jc 1f				/* the RTC is mid-update: keep the old text */
	mov $CLOCK_VALUE_POS, %di
	mov $ATTR_VALUE, %ah
	mov %ch, %al
	call put_bcd
	mov %cl, %al
	call put_bcd
	mov $'-', %al
	stosw
	mov %dh, %al
	call put_bcd
	mov $'-', %al
	stosw
	mov %dl, %al
	call put_bcd
	mov $' ', %al
	stosw
	push %di
	mov $0x02, %ah			/* time: CH hours, CL minutes, DH seconds (BCD) */
	int $0x1A
	pop %di
	jc 1f
	mov $ATTR_VALUE, %ah
	mov %ch, %al
	call put_bcd
	mov $':', %al
	stosw
	mov %cl, %al
	call put_bcd
	mov $':', %al
	stosw
	mov %dh, %al
	call put_bcd
1:	ret

/* The key in %ax (int 16h: %al ASCII, %ah scan code): echoed, and 1-4 run a menu item. */
handle_key:
	cmp $' ', %al
	jb 1f
	cmp $'~', %al
	ja 1f
	mov typed_len, %bx		/* append; once the line is full, shift it left first */
	cmp $TYPED_KEEP, %bx
	jb 2f
	mov $typed, %si
	mov $TYPED_KEEP - 1, %cx
4:	mov 1(%si), %dl
	mov %dl, (%si)
	inc %si
	loop 4b
	dec %bx
2:	mov %al, typed(%bx)
	inc %bx
	mov %bx, typed_len
	push %ax
	mov $typed, %si
	mov $TYPED_VALUE_POS, %di
	mov $ATTR_VALUE, %ah
	mov $TYPED_KEEP, %cx
3:	lodsb
	stosw
	loop 3b
	pop %ax
1:	cmp $'1', %al
	je show_memory
	cmp $'2', %al
	je show_disk
	cmp $'3', %al
	je reboot
	cmp $'4', %al
	je halt_forever
	ret

/* Conventional memory from int 12h; the total from int 15h E801 (KiB from 1 to 16 MiB in
 * %cx, 64 KiB blocks above 16 MiB in %dx; SeaBIOS fills %ax/%bx alike). */
show_memory:
	call clear_result
	mov $RESULT_POS, %di
	mov $memory_text, %si
	call put_text
	int $0x12
	call put_dec
	mov $memory_kib_text, %si
	call put_text
	mov $0xE801, %ax
	int $0x15
	jc 1f
	movzx %cx, %ecx
	movzx %dx, %eax
	shl $6, %eax
	add %ecx, %eax
	add $1024 + 1023, %eax		/* the first MiB, rounded up to whole MiB */
	shr $10, %eax
	call put_dec
	mov $memory_mib_text, %si
	call put_text
1:	ret

/* int 13h AH=08h: %ch low bits of the last cylinder, %cl bits 7-6 its high bits and bits
 * 5-0 the sectors per track, %dh the last head. */
show_disk:
	call clear_result
	mov $RESULT_POS, %di
	mov $disk_text, %si
	call put_text
	mov boot_drive, %al
	call put_hex
	mov $0x08, %ah
	mov boot_drive, %dl
	push %di
	push %es
	int $0x13
	pop %es
	pop %di
	jc 1f
	mov $ATTR_SCREEN, %ah
	mov $geometry_text, %si
	call put_text
	mov %cl, %al
	shr $6, %al
	mov %ch, %bl
	mov %al, %bh
	push %cx			/* put_dec clobbers %cx and %dx */
	push %dx
	lea 1(%bx), %ax			/* cylinders */
	call put_dec
	mov $'/', %al
	call put_char
	pop %dx
	push %dx
	movzx %dh, %ax			/* heads */
	inc %ax
	call put_dec
	mov $'/', %al
	call put_char
	pop %dx
	pop %cx
	mov %cl, %al			/* sectors per track */
	and $0x3F, %ax
	call put_dec
1:	ret

/* The i8042's command 0xFE pulses the CPU's reset line: a full reset, through SeaBIOS's POST
 * again. int 19h (boot again without a reset) is the fallback should the pulse not come. */
reboot:
	call clear_result
	mov $RESULT_POS, %di
	mov $reboot_text, %si
	call put_text
	mov $0xFE, %al
	out %al, $0x64
	mov $0x86, %ah			/* give the reset 100 ms (%cx:%dx microseconds) */
	mov $100000 >> 16, %cx
	mov $100000 & 0xFFFF, %dx
	int $0x15
	int $0x19

/* Powering off needs ACPI (the PM1 control register in the DSDT's \_S5), beyond this program;
 * a halt with interrupts off is the next best thing and costs the host nothing. */
halt_forever:
	call clear_result
	mov $RESULT_POS, %di
	mov $halt_text, %si
	call put_text
	cli
1:	hlt
	jmp 1b

/* ------------------------------------------------------------------ screen */
draw_screen:
	xor %di, %di			/* blue background everywhere */
	mov $(ATTR_SCREEN << 8) | ' ', %ax
	mov $80 * 25, %cx
	rep stosw

	/* The title box: CP437 0xC9 0xCD 0xBB / 0xBA / 0xC8 0xCD 0xBC. */
	mov $CELL(TITLE_ROW, 20), %di
	mov $(ATTR_FRAME << 8) | 0xC9, %ax
	mov $(ATTR_FRAME << 8) | 0xBB, %bx
	call frame_line
	mov $CELL(TITLE_ROW + 1, 20), %di
	mov $(ATTR_FRAME << 8) | 0xBA, %ax
	stosw
	mov $CELL(TITLE_ROW + 1, 59), %di
	stosw
	mov $CELL(TITLE_ROW + 2, 20), %di
	mov $(ATTR_FRAME << 8) | 0xC8, %ax
	mov $(ATTR_FRAME << 8) | 0xBC, %bx
	call frame_line
	mov $CELL(TITLE_ROW + 1, 32), %di
	mov $ATTR_TITLE, %ah
	mov $title_text, %si
	call put_text

	mov $CLOCK_POS, %di
	mov $ATTR_SCREEN, %ah
	mov $clock_text, %si
	call put_text

	mov $menu, %si			/* key, then text, for each item */
	mov $CELL(MENU_ROW, 6), %bx
1:	lodsb
	test %al, %al
	jz 2f
	mov %bx, %di
	mov $ATTR_KEY, %ah
	stosw
	add $4, %di
	mov $ATTR_SCREEN, %ah
	call put_text
	add $160, %bx
	jmp 1b
2:	mov $CELL(MENU_ROW - 1, 4), %di
	mov $menu_title_text, %si
	call put_text

	mov $TYPED_POS, %di
	mov $typed_text, %si
	call put_text
	mov $HINT_POS, %di
	mov $ATTR_HINT, %ah
	mov $hint_text, %si
	call put_text
	ret

/* A 40-cell frame line at %di: %ax the left corner, %bx the right one, 0xCD between. */
frame_line:
	stosw
	mov $(ATTR_FRAME << 8) | 0xCD, %ax
	mov $38, %cx
	rep stosw
	mov %bx, %ax
	stosw
	ret

clear_result:
	mov $RESULT_POS, %di
	mov $(ATTR_SCREEN << 8) | ' ', %ax
	mov $76, %cx
	rep stosw
	ret

/* put_text: the NUL-ended string at %si to %di in colour %ah; %di ends after it. */
put_text:
	lodsb
	test %al, %al
	jz 1f
	stosw
	jmp put_text
1:	ret

/* put_char: %al at %di in the value colour. */
put_char:
	mov $ATTR_VALUE, %ah
	stosw
	ret

/* put_bcd: the packed BCD byte in %al as two digits, colour %ah. */
put_bcd:
	push %ax
	shr $4, %al
	add $'0', %al
	stosw
	pop %ax
	and $0x0F, %al
	add $'0', %al
	stosw
	ret

/* put_hex: %al as 0xNN in the value colour. */
put_hex:
	push %ax
	mov $ATTR_VALUE, %ah
	mov $'0', %al
	stosw
	mov $'x', %al
	stosw
	pop %ax
	push %ax
	shr $4, %al
	call hex_digit
	pop %ax
hex_digit:
	and $0x0F, %al
	add $'0', %al
	cmp $'9', %al
	jbe 1f
	add $'A' - '0' - 10, %al
1:	mov $ATTR_VALUE, %ah
	stosw
	ret

/* put_dec: %ax (unsigned) in decimal, value colour. Clobbers %ax, %cx, %dx. */
put_dec:
	push %bx
	mov $10, %bx
	xor %cx, %cx
1:	xor %dx, %dx
	div %bx
	push %dx
	inc %cx
	test %ax, %ax
	jnz 1b
2:	pop %ax
	add $'0', %al
	mov $ATTR_VALUE, %ah
	stosw
	loop 2b
	pop %bx
	mov $ATTR_SCREEN, %ah
	ret

/* ------------------------------------------------------------------ text and state */
title_text:	.asciz "kvmdesk demo VM"
clock_text:	.asciz "Clock: "
menu_title_text: .asciz "Press a key:"
menu:
	.ascii "1"
	.asciz "memory size (INT 12h, INT 15h E801)"
	.ascii "2"
	.asciz "boot drive and disk geometry (INT 13h)"
	.ascii "3"
	.asciz "reboot (keyboard controller reset)"
	.ascii "4"
	.asciz "halt (no power-off without ACPI)"
	.byte 0
typed_text:	.asciz "You typed: "
hint_text:	.asciz "A real-mode program on the demo disk, running on SeaBIOS in kvmdesk."
memory_text:	.asciz "Memory: "
memory_kib_text: .asciz " KiB below 1 MiB, "
memory_mib_text: .asciz " MiB in all"
disk_text:	.asciz "Boot drive "
geometry_text:	.asciz ", cylinders/heads/sectors "
reboot_text:	.asciz "Rebooting..."
halt_text:	.asciz "Halted. Close kvmdesk (or the monitor's quit) to end the VM."
last_tick:	.word 0
typed_len:	.word 0
typed:		.fill TYPED_KEEP, 1, ' '

	.org 512 * (1 + STAGE2_SECTORS)
